// tests/addressing/table_test.cpp
//
// The MIXER tables: App. F line syntax, refusals with file and line, the
// longest-match index, and the RFC 2163 DNS (PX) form both ways.
#include "addressing/mapping_tables.hpp"
#include "addressing/std_or.hpp"
#include "addressing/table.hpp"

#include <gtest/gtest.h>

namespace ad = x400gw::addressing;

namespace {

ad::mapping_table table(std::string_view text, ad::table_kind kind)
{
    auto t = ad::parse_table(text, kind, "t.txt");
    EXPECT_TRUE(t.ok()) << (t ? "" : t.failure().why);
    return t ? *t : ad::mapping_table{};
}

std::string refusal(std::string_view text, ad::table_kind kind)
{
    auto t = ad::parse_table(text, kind, "t.txt");
    return t ? std::string("(accepted)") : t.failure().why;
}

ad::or_address addr(std::string_view text)
{
    auto a = ad::parse_or_text(text);
    EXPECT_TRUE(a.ok()) << text;
    return a ? *a : ad::or_address{};
}

} // namespace

TEST(DmnOr, AppFExamples)
{
    auto a = ad::parse_dmn_or("PRMD$UK\\.AC.ADMD$GOLD 400.C$GB", true);
    ASSERT_TRUE(a);
    ASSERT_EQ(a->levels.size(), 3u);
    EXPECT_EQ(*a->levels[0], "GB");
    EXPECT_EQ(*a->levels[1], "GOLD 400");
    EXPECT_EQ(*a->levels[2], "UK.AC");
    EXPECT_EQ(ad::render_dmn_or(*a), "PRMD$UK\\.AC.ADMD$GOLD 400.C$GB");

    auto omitted = ad::parse_dmn_or("PRMD$DEC.ADMD$@.C$US", true);
    ASSERT_TRUE(omitted);
    EXPECT_FALSE(omitted->levels[1]);
    EXPECT_EQ(ad::render_dmn_or(*omitted), "PRMD$DEC.ADMD$@.C$US");

    auto dda = ad::parse_dmn_or("~ROLE$Big\\.Chief.ADMD$ATT.C$US", false);
    ASSERT_TRUE(dda);
    ASSERT_EQ(dda->extra->ddas.size(), 1u);
    EXPECT_EQ(dda->extra->ddas[0], (ad::dda{"ROLE", "Big.Chief"}));
    EXPECT_FALSE(ad::parse_dmn_or("~ROLE$Big\\.Chief.ADMD$ATT.C$US", true)); // not in an MCGAM table
}

TEST(DmnOr, SkippedLevelAndBareLabelReadAsOmittedWithAWarning)
{
    std::vector<std::string> warnings;
    auto a = ad::parse_dmn_or("O$Xerox.ADMD$ATT.C$US", true, &warnings); // App. F 5, as printed
    ASSERT_TRUE(a);
    ASSERT_EQ(a->levels.size(), 4u);
    EXPECT_FALSE(a->levels[2]);
    EXPECT_EQ(warnings.size(), 1u);
    auto b = ad::parse_dmn_or("O.PRMD$ninp.ADMD$ .C$it", true, &warnings); // RFC 2163 style
    ASSERT_TRUE(b);
    EXPECT_FALSE(b->levels[3]);
    EXPECT_EQ(*b->levels[1], " ");
}

TEST(Table, AppFLinesOfEachKind)
{
    auto t2 = table("# comment\nAC.UK#PRMD$UK\\.AC.ADMD$GOLD 400.C$GB#\n\nGMD.DE#O$@.PRMD$GMD.ADMD$DBP.C$DE#\n",
                    ad::table_kind::domain_to_or);
    ASSERT_EQ(t2.entries.size(), 2u);
    EXPECT_EQ(t2.entries[0].domain, "AC.UK");
    EXPECT_EQ(t2.entries[1].line, 4u);
    EXPECT_FALSE(t2.entries[1].or_side.levels[3]);
    auto t1 = table("PRMD$UK\\.AC.ADMD$GOLD 400.C$GB#AC.UK#\r\n", ad::table_kind::or_to_domain);
    EXPECT_EQ(ad::render_table(t1), "PRMD$UK\\.AC.ADMD$GOLD 400.C$GB#AC.UK#\n");
    // Exchange's Mcgam.in.txt (KB Q238507): lower-case labels
    auto ms = table("microsoft.com#prmd$microsoft.admd$gold 400.c$uk#\n", ad::table_kind::domain_to_or);
    EXPECT_EQ(*ms.entries[0].or_side.levels[1], "gold 400");
    // gate2 may carry any attribute of the gateway's address
    auto g2 = table("mw#O$cce.PRMD$nrc.ADMD$acme.C$it#\n", ad::table_kind::gate_domain_to_or);
    EXPECT_EQ(g2.entries.size(), 1u);
}

TEST(Table, AByteOrderMarkAndCrLfLineEndsAreNotPartOfTheText)
{
    auto t = table("\xEF\xBB\xBF" "AC.UK#PRMD$UK\\.AC.ADMD$ .C$GB#\r\n# c\r\nGMD.DE#PRMD$GMD.ADMD$DBP.C$DE#\r\n",
                   ad::table_kind::domain_to_or);
    ASSERT_EQ(t.entries.size(), 2u);
    EXPECT_EQ(t.entries[0].domain, "AC.UK");
    EXPECT_EQ(t.entries[1].line, 3u);
    auto z = ad::parse_px("\xEF\xBB\xBF" "ab.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.\r\n", ad::table_kind::domain_to_or, "z");
    ASSERT_TRUE(z) << z.failure().why;
    // A BOM anywhere else is text like any other.
    EXPECT_EQ(refusal("AC.UK#PRMD$UK.ADMD$ .C$GB#\n\xEF\xBB\xBFGMD.DE#PRMD$G.ADMD$ .C$DE#\n", ad::table_kind::domain_to_or),
              "t.txt:2: '\\xEF\\xBB\\xBFGMD.DE' is not a domain (letters, digits, inner hyphens)");
    // A quoted text shows every octet outside visible ASCII by its value: a
    // CR that ends no line would otherwise hide the start of the message.
    EXPECT_EQ(refusal("AC.UK\r#PRMD$UK.ADMD$ .C$GB#\n", ad::table_kind::domain_to_or),
              "t.txt:1: 'AC.UK\\x0D' is not a domain (letters, digits, inner hyphens)");
    // An octet the O/R side may not hold is named by its value.
    EXPECT_EQ(refusal("AC.UK#PRMD$U\xC3\x9C.ADMD$ .C$GB#\n", ad::table_kind::domain_to_or),
              "t.txt:1: octet 0xC3 not allowed");
}

TEST(Table, BlankAdmdSurvivesThanksToTheTrailingHash)
{
    auto t = table("bd.it#PRMD$uk\\.bd.ADMD$ .C$it#\n", ad::table_kind::domain_to_or);
    EXPECT_EQ(*t.entries[0].or_side.levels[1], " ");
}

TEST(Table, ABadLineRefusesTheWholeTableNamingFileAndLine)
{
    EXPECT_EQ(refusal("AC.UK#PRMD$UK\\.AC.ADMD$GOLD 400.C$GB#\nfoo.com\n", ad::table_kind::domain_to_or),
              "t.txt:2: missing '#' between the two sides");
    EXPECT_EQ(refusal("a.com#C$us\n", ad::table_kind::domain_to_or), "t.txt:1: missing the closing '#'");
}

TEST(Table, RefusalReasons)
{
    using k = ad::table_kind;
    // an unescaped "." inside a value splits it into a part with no attribute
    EXPECT_EQ(refusal("a.com#PRMD$UK.AC.ADMD$x.C$GB#\n", k::domain_to_or),
              "t.txt:1: 'AC' is not an attribute (an unescaped '.' in a value? write '\\.')");
    EXPECT_EQ(refusal("a.com#PRMD$x.C$GB.ADMD$y#\n", k::domain_to_or), "t.txt:1: no C at the root (the rightmost part)");
    EXPECT_EQ(refusal("a.com#ADMD$y.PRMD$x.C$GB#\n", k::domain_to_or),
              "t.txt:1: ADMD out of order (the most significant is on the right)");
    EXPECT_EQ(refusal("a.com#ADMD$x.PRMD$y#\n", k::domain_to_or), "t.txt:1: no C at the root (the rightmost part)");
    EXPECT_EQ(refusal("a.com#S$x.ADMD$y.C$z#\n", k::domain_to_or),
              "t.txt:1: 'S' may not appear in an MCGAM table (only C, ADMD, PRMD, O, OU)");
    EXPECT_EQ(refusal("a_b.com#ADMD$y.C$zz#\n", k::domain_to_or),
              "t.txt:1: 'a_b.com' is not a domain (letters, digits, inner hyphens)");
    EXPECT_EQ(refusal("mw#ADMD$y.C$zz#\n", k::domain_to_or), "(accepted)"); // a whole TLD (RFC 2163: *.mw.)
    EXPECT_EQ(refusal("a.com#ADMD$y.C$zz#\nA.COM#ADMD$q.C$zz#\n", k::domain_to_or),
              "t.txt:2: duplicate key (first on line 1)");
    EXPECT_EQ(refusal("ADMD$y.C$zz#a.com#\nADMD$Y.C$ZZ#b.com#\n", k::or_to_domain),
              "t.txt:2: duplicate key (first on line 1)");
    EXPECT_EQ(refusal("a.com#OU$5.OU$4.OU$3.OU$2.OU$1.O$x.ADMD$y.C$zz#\n", k::domain_to_or),
              "t.txt:1: more than 4 OU levels");
    EXPECT_EQ(refusal("a.com#C$zz# extra\n", k::domain_to_or), "t.txt:1: text after the closing '#'");
}

TEST(Index, LongestMatchByWholeLabels)
{
    auto t = table("K.L#ADMD$k.C$ll#\nJ.K.L#PRMD$j.ADMD$k.C$ll#\n", ad::table_kind::domain_to_or);
    auto idx = ad::mapping_tables::build({t});
    ASSERT_TRUE(idx);
    auto m = idx->match_domain(ad::table_kind::domain_to_or, "I.J.K.L");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->entry->domain, "J.K.L");
    EXPECT_EQ(m->below, "I");
    EXPECT_FALSE(idx->match_domain(ad::table_kind::domain_to_or, "A.B.C"));
    EXPECT_FALSE(idx->match_domain(ad::table_kind::domain_to_or, "XK.L")); // whole labels only
    auto whole = idx->match_domain(ad::table_kind::domain_to_or, "k.l");  // any case
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->below, "");
}

TEST(Index, OrMatchIsCaseAndSpaceInsensitive)
{
    auto t = table("PRMD$UK\\.AC.ADMD$GOLD 400.C$GB#AC.UK#\n", ad::table_kind::or_to_domain);
    auto idx = ad::mapping_tables::build({t});
    ASSERT_TRUE(idx);
    auto m = idx->match_or(ad::table_kind::or_to_domain, addr("/S=x/O=Salford/PRMD=uk.ac/ADMD= gold   400 /C=gb/"));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->depth, 3u);
}

TEST(Index, AKeyInBothAnMcgamAndAGatewayTableIsRefused)
{
    auto t1 = table("a.com#ADMD$y.C$zz#\n", ad::table_kind::domain_to_or);
    auto g2 = ad::parse_table("A.com#ADMD$q.C$zz#\n", ad::table_kind::gate_domain_to_or, "g.txt");
    ASSERT_TRUE(g2);
    auto idx = ad::mapping_tables::build({t1, *g2});
    ASSERT_FALSE(idx);
    EXPECT_EQ(idx.failure().why, "g.txt:1: key also in the MCGAM table t.txt:1");
}

TEST(Index, AReloadKeepsTheIndexOfATableGivenAgain)
{
    using k = ad::table_kind;
    auto shared = [](ad::mapping_table t) { return std::make_shared<ad::mapping_table const>(std::move(t)); };
    auto t1 = shared(table("ADMD$y.C$zz#a.com#\n", k::or_to_domain));
    auto first = ad::mapping_tables::build({t1, shared(table("a.com#ADMD$y.C$zz#\n", k::domain_to_or))});
    ASSERT_TRUE(first);
    auto second = ad::mapping_tables::build({t1, shared(table("b.com#ADMD$y.C$zz#\n", k::domain_to_or))}, &*first);
    ASSERT_TRUE(second);
    auto const a = addr("/S=x/ADMD=y/C=zz/");
    auto m1 = first->match_or(k::or_to_domain, a);
    auto m2 = second->match_or(k::or_to_domain, a);
    ASSERT_TRUE(m1 && m2);
    EXPECT_EQ(m1->domain.data(), m2->domain.data()); // one index, not built again
    EXPECT_TRUE(second->match_domain(k::domain_to_or, "b.com"));
    EXPECT_FALSE(second->match_domain(k::domain_to_or, "a.com"));
    EXPECT_TRUE(first->match_domain(k::domain_to_or, "a.com")); // the old snapshot as it was
    // A table kept from before still meets the check against a new one.
    auto g = ad::parse_table("ADMD$y.C$zz#c.com#\n", k::gate_or_to_domain, "g.txt");
    ASSERT_TRUE(g);
    auto third = ad::mapping_tables::build({t1, shared(*g)}, &*second);
    ASSERT_FALSE(third);
    EXPECT_EQ(third.failure().why, "g.txt:1: key also in the MCGAM table t.txt:1");
}

// ---- RFC 2163 ---------------------------------------------------------------

TEST(Px, DnsSyntaxOfOrElementsRfc2163Examples)
{
    auto dns = [](std::string_view dmn) {
        auto d = ad::parse_dmn_or(dmn, true);
        EXPECT_TRUE(d.ok()) << dmn;
        return *ad::render_dns_or(*d);
    };
    EXPECT_EQ(dns("ADMD$400-net.C$it"), "ADMD-400-h-net.C-it");
    EXPECT_EQ(dns("O$ACME Inc\\..PRMD$p.ADMD$x.C$it"), "O-ACME-b-Inc-d.PRMD-p.ADMD-x.C-it");
    EXPECT_EQ(dns("O$-123-b.PRMD$p.ADMD$x.C$it"), "O--h-123-h-b.PRMD-p.ADMD-x.C-it");
    EXPECT_EQ(dns("PRMD$Adis+co.ADMD$x.C$it"), "PRMD-Adis-043-co.ADMD-x.C-it");
    EXPECT_EQ(dns("OU$sales dept\\..O$@.PRMD$ACME.ADMD$ .C$GB"), "OU-sales-b-dept-d.O.PRMD-ACME.ADMDb.C-GB");
}

TEST(Px, DnsSyntaxReadsBack)
{
    for (std::string_view dmn : {"ADMD$400-net.C$it", "O$ACME Inc\\..PRMD$p.ADMD$x.C$it", "O$-123-b.PRMD$p.ADMD$x.C$it",
                                 "PRMD$Adis+co.ADMD$x.C$it", "OU$sales dept\\..O$@.PRMD$ACME.ADMD$ .C$GB"}) {
        auto d = ad::parse_dmn_or(dmn, true);
        ASSERT_TRUE(d);
        auto back = ad::parse_dns_or(*ad::render_dns_or(*d), true);
        ASSERT_TRUE(back) << dmn;
        EXPECT_EQ(ad::render_dmn_or(*back), dmn);
    }
}

TEST(Px, RecordsOfEachKindRfc2163)
{
    auto t1 = table("PRMD$ab.ADMD$ac.C$fr#ab.fr#\n", ad::table_kind::or_to_domain);
    EXPECT_EQ(*ad::render_px(t1), "PRMD-ab.ADMD-ac.X42D.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.\n"
                                  "*.PRMD-ab.ADMD-ac.X42D.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.\n");
    auto t2 = table("ab.fr#PRMD$ab.ADMD$ac.C$fr#\n", ad::table_kind::domain_to_or);
    EXPECT_EQ(*ad::render_px(t2), "ab.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.\n"
                                  "*.ab.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.\n");
    auto g2 = table("mw.it#O$cce.PRMD$nrc.ADMD$acme.C$it#\n", ad::table_kind::gate_domain_to_or);
    EXPECT_EQ(*ad::render_px(g2), "mw.it. IN PX 50 mw.it. O-cce.PRMD-nrc.ADMD-acme.C-it.G.\n"
                                  "*.mw.it. IN PX 50 mw.it. O-cce.PRMD-nrc.ADMD-acme.C-it.G.\n");
    // owner of a blank-ADMD table1 entry (RFC 2163: PRMD-ux-d-av.ADMDb.X42D.gb.)
    auto blank = table("PRMD$ux\\.av.ADMD$ .C$gb#ux.av.gb#\n", ad::table_kind::or_to_domain);
    EXPECT_EQ(ad::render_px(blank)->substr(0, 26), "PRMD-ux-d-av.ADMDb.X42D.gb");
}

TEST(Px, ZoneBackToTablesFoldsWildcardTwins)
{
    for (auto kind : {ad::table_kind::or_to_domain, ad::table_kind::domain_to_or, ad::table_kind::gate_or_to_domain,
                      ad::table_kind::gate_domain_to_or}) {
        std::string const text = ad::is_or_keyed(kind)
                                      ? "OU$sales dept\\..O$@.PRMD$ACME.ADMD$ .C$GB#sales.acme.co.uk#\n"
                                        "PRMD$ab.ADMD$ac.C$fr#ab.fr#\n"
                                      : "sales.acme.co.uk#OU$sales dept\\..O$@.PRMD$ACME.ADMD$ .C$GB#\n"
                                        "ab.fr#PRMD$ab.ADMD$ac.C$fr#\n";
        auto t = table(text, kind);
        auto zone = ad::render_px(t);
        ASSERT_TRUE(zone);
        auto back = ad::parse_px(*zone, kind, "zone");
        ASSERT_TRUE(back) << back.failure().why;
        EXPECT_EQ(ad::render_table(*back), text) << ad::kind_name(kind);
    }
}

TEST(Px, ZoneRefusals)
{
    EXPECT_EQ(ad::parse_px("ab.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.G.\n", ad::table_kind::domain_to_or, "z")
                  .failure()
                  .why,
              "z:1: '.G.' marks a gateway record; use a gateway table kind");
    EXPECT_EQ(ad::parse_px("; c\nab.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.\n", ad::table_kind::gate_domain_to_or,
                           "z")
                  .failure()
                  .why,
              "z:2: a gateway record must end MAPX400 with '.G.'");
    EXPECT_EQ(ad::parse_px("ab.fr. 3600 IN PX ab.fr.\n", ad::table_kind::domain_to_or, "z").failure().why,
              "z:1: expected: owner [ttl] [IN] PX preference map822 mapx400");
    EXPECT_TRUE(ad::parse_px("$TTL 3600\nab.fr. 3600 IN PX 10 ab.fr. PRMD-ab.ADMD-ac.C-fr.\n",
                             ad::table_kind::domain_to_or, "z"));
}

// A zone as a DNS server exports it or an administrator writes it (RFC 1035
// 5.1): an SOA over several lines, NS and other records beside the PX ones,
// $ORIGIN with relative names and "@", an owner left blank for the
// previous one, TTLs in BIND's units, quoted text holding ";" and "(".
TEST(Px, AZoneFileAsDnsServersWriteIt)
{
    std::string const zone = "$TTL 1h\n"
                             "$ORIGIN fr.\n"
                             "@ IN SOA ns.fr. hostmaster.fr. ( 2026120701 ; serial\n"
                             "        3600 900 604800 86400 )\n"
                             "  IN NS ns.fr.\n"
                             "info IN TXT \"PX (RFC 2163); see ab\"\n"
                             "ab 2D IN PX 50 ab PRMD-ab.ADMD-ac.C-fr.\n"
                             "*.ab IN PX 50 ab PRMD-ab.ADMD-ac.C-fr.\n"
                             "cd IN 300 PX ( 10\n"
                             "    cd.fr. PRMD-cd.ADMD-ac.C-fr. )\n"
                             "   IN TYPE26 10 cd.fr. PRMD-cd.ADMD-ac.C-fr.\n";
    auto t = ad::parse_px(zone, ad::table_kind::domain_to_or, "z");
    ASSERT_TRUE(t) << t.failure().why;
    EXPECT_EQ(ad::render_table(*t), "ab.fr#PRMD$ab.ADMD$ac.C$fr#\ncd.fr#PRMD$cd.ADMD$ac.C$fr#\n");
    EXPECT_EQ(t->entries[1].line, 9u);
    EXPECT_EQ(t->warnings, std::vector<std::string>{"z: 3 record(s) other than PX skipped (SOA, NS, TXT)"});
}

TEST(Px, ZoneFileRefusalsNameTheirLine)
{
    auto why = [](std::string_view zone) {
        auto t = ad::parse_px(zone, ad::table_kind::domain_to_or, "z");
        return t ? std::string("read") : t.failure().why;
    };
    EXPECT_EQ(why("$INCLUDE other.zone\n"), "z:1: '$INCLUDE' is not read here; give the records in this file");
    EXPECT_EQ(why("$ORIGIN fr\n"), "z:1: $ORIGIN must be a whole name, ending in '.'");
    EXPECT_EQ(why("; c\n  IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.\n"), "z:2: a record with no owner before any owner is named");
    EXPECT_EQ(why("ab.fr. IN PX ( 50 ab.fr.\nPRMD-ab.ADMD-ac.C-fr.\n"), "z:1: '(' without its ')'");
    EXPECT_EQ(why("ab.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr. )\n"), "z:1: ')' without its '('");
    EXPECT_EQ(why("ab.fr. IN TXT \"open\n"), "z:1: a quoted string is not closed on its line");
    EXPECT_EQ(why("ab.fr. 3600 IN\n"), "z:1: expected: owner [ttl] [class] type data");
    // Without $ORIGIN, names are taken as written.
    EXPECT_EQ(why("ab.fr IN PX 50 ab.fr PRMD-ab.ADMD-ac.C-fr\n"), "read");
}

TEST(DmnOr, GatewayDdasKeepTheirOrder)
{
    // found by table_fuzz: the rightmost DDA is the first (most significant)
    auto d = ad::parse_dmn_or("~b$2.~a$1.O$cce.PRMD$nrc.ADMD$acme.C$it", false);
    ASSERT_TRUE(d);
    ASSERT_EQ(d->extra->ddas.size(), 2u);
    EXPECT_EQ(d->extra->ddas[0].type, "a");
    EXPECT_EQ(ad::render_dmn_or(*d), "~b$2.~a$1.O$cce.PRMD$nrc.ADMD$acme.C$it");
}

// Found by fuzzing: a DDA type holding an escaped '.' was written back
// unescaped, so the rendered table no longer parsed.
TEST(Table, DdaTypeWithEscapedDotRoundTrips)
{
    auto const t = table("mw#~b\\.c$2.O$Org.PRMD$@.ADMD$acme.C$it#\n", ad::table_kind::gate_domain_to_or);
    auto const rendered = ad::render_table(t);
    EXPECT_EQ(rendered, "mw#~b\\.c$2.O$Org.PRMD$@.ADMD$acme.C$it#\n");
    auto const again = ad::parse_table(rendered, ad::table_kind::gate_domain_to_or, "t.txt");
    ASSERT_TRUE(again.ok()) << again.failure().why;
    EXPECT_EQ(ad::render_table(*again), rendered);
}
