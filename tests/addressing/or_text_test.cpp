// tests/addressing/or_text_test.cpp
//
// Golden tests of the O/R address text forms: RFC 2156 std-or (4.1.2,
// 4.1.3, 4.3.3), RFC 1685 / F.401 labelled, Exchange and MS Mail forms
// (KB Q241874, Q162680, Q108732, Q255019), IMCEA, encoded-pn, ps-encoded
// (3.4), and validation with X.411 bounds.
#include "addressing/imcea.hpp"
#include "addressing/ps_encoding.hpp"
#include "addressing/std_or.hpp"
#include "addressing/validate.hpp"

#include <gtest/gtest.h>

namespace ad = x400gw::addressing;

namespace {

ad::or_address parsed(std::string_view text)
{
    auto a = ad::parse_or_text(text);
    EXPECT_TRUE(a.ok()) << text << ": " << (a ? "" : a.failure().why);
    return a ? *a : ad::or_address{};
}

ad::or_address strict(std::string_view text)
{
    auto a = ad::parse_std_or(text);
    EXPECT_TRUE(a.ok()) << text << ": " << (a ? "" : a.failure().why);
    return a ? *a : ad::or_address{};
}

std::string refusal_of(std::string_view text)
{
    auto a = ad::parse_or_text(text);
    return a ? std::string("(accepted)") : a.failure().why;
}

} // namespace

// ---- the three states -----------------------------------------------------

TEST(OrAddress, AbsentEmptyAndBlankAreThreeStates)
{
    auto absent = strict("/S=x/O=y/PRMD=p/C=TC/");          // C without ADMD: blank (4.1.3)
    auto empty = strict("/S=x/O=y/PRMD=p/ADMD=/C=TC/");
    auto blank = strict("/S=x/O=y/PRMD=p/ADMD= /C=TC/");
    EXPECT_EQ(ad::state_of(empty.admd), ad::value_state::empty);
    EXPECT_EQ(ad::state_of(blank.admd), ad::value_state::blank);
    EXPECT_EQ(ad::state_of(absent.admd), ad::value_state::blank);
    auto no_c = strict("/S=x/O=y/");
    EXPECT_EQ(ad::state_of(no_c.admd), ad::value_state::absent);
    EXPECT_EQ(ad::state_of(no_c.prmd), ad::value_state::absent);
    EXPECT_NE(empty, blank);
    EXPECT_EQ(ad::render_std_or(empty), "/S=x/O=y/PRMD=p/ADMD=/C=TC/");
    EXPECT_EQ(ad::render_std_or(blank), "/S=x/O=y/PRMD=p/ADMD= /C=TC/");
}

TEST(OrAddress, EmptyOrganisationIsKeptByParseAndRefusedByValidate)
{
    auto a = strict("/S=x/O=/ADMD=A/C=TC/"); // App. B keeps /O=/ for 1984 peers
    ASSERT_TRUE(a.o);
    EXPECT_EQ(*a.o, "");
    auto e = ad::check_or_address(a);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->why, "O is present but empty");
}

// ---- RFC 2156 std-or ------------------------------------------------------

TEST(StdOr, Rfc2156OuOrderMostSignificantOnTheRight)
{
    // 4.3.3: /OU=Lab1/OU=R-D/O=Salford/... means OU1=R-D, OU2=Lab1
    auto a = strict("/OU=Lab1/OU=R-D/O=Salford/PRMD=UK.AC/ADMD=GOLD 400/C=GB/");
    ASSERT_EQ(a.ou.size(), 2u);
    EXPECT_EQ(a.ou[0], "R-D");
    EXPECT_EQ(a.ou[1], "Lab1");
    EXPECT_EQ(ad::render_std_or(a), "/OU=Lab1/OU=R-D/O=Salford/PRMD=UK.AC/ADMD=GOLD 400/C=GB/");
}

TEST(StdOr, GenerationOrderPersonalNameLeftCountryRight)
{
    auto a = parsed("C=US; ADMD=ATT; PRMD=p; O=MMNY; OU=x; S=Wharol; G=Andy");
    EXPECT_EQ(ad::render_std_or(a), "/G=Andy/S=Wharol/OU=x/O=MMNY/PRMD=p/ADMD=ATT/C=US/");
}

TEST(StdOr, AlternativeKeysInAnyCase)
{
    auto a = strict("/s=Support/o=sales/a=Master400/c=it/");
    EXPECT_EQ(ad::render_std_or(a), "/S=Support/O=sales/ADMD=Master400/C=it/");
    auto b = strict("/q=3/g=Ann/S=Lee/p=Priv/A=X/C=TC/n-id=123/x.121=456/");
    EXPECT_EQ(*b.generation, "3");
    EXPECT_EQ(*b.prmd, "Priv");
    EXPECT_EQ(*b.ua_id, "123");
    EXPECT_EQ(*b.x121, "456");
    EXPECT_EQ(ad::render_std_or(b), "/G=Ann/S=Lee/GQ=3/X121=456/UA-ID=123/PRMD=Priv/ADMD=X/C=TC/");
}

TEST(StdOr, Rfc2156ExampleWithoutLeadingSeparator)
{
    // 4.3.5 example 1 as printed: "S=Support; O=sales;  A=Master400; C=it;"
    auto a = strict("S=Support; O=sales;  A=Master400; C=it;");
    EXPECT_EQ(*a.surname, "Support");
    EXPECT_EQ(*a.admd, "Master400");
    EXPECT_EQ(ad::render_std_or(a), "/S=Support/O=sales/ADMD=Master400/C=it/");
}

TEST(StdOr, DollarQuotesSlashAndEquals)
{
    auto a = strict("/O=P$/Q/S=x$=y/ADMD=A/C=TC/");
    EXPECT_EQ(*a.o, "P/Q");
    EXPECT_EQ(*a.surname, "x=y");
    EXPECT_EQ(ad::render_std_or(a), "/S=x$=y/O=P$/Q/ADMD=A/C=TC/");
}

TEST(StdOr, BadDollarIsRefused)
{
    EXPECT_FALSE(ad::parse_std_or("/O=a$$b/C=TC/"));
    EXPECT_FALSE(ad::parse_std_or("/O=ab$"));
    EXPECT_FALSE(ad::parse_std_or("/O=a$@b/"));
    EXPECT_EQ(*strict("/O=ab$/").o, "ab/"); // "$/" is a quoted "/", not a separator
    EXPECT_FALSE(ad::parse_std_or("/O=a=b/C=TC/")); // "=" in a value must be "$="
}

TEST(StdOr, DoubledDelimiterIsRefusedNotGuessed)
{
    EXPECT_EQ(refusal_of("/S=x//O=y/"), "empty attribute (doubled delimiter)");
    EXPECT_EQ(refusal_of("c=US;;a=x"), "empty attribute (doubled delimiter)");
}

TEST(StdOr, RefusalsNameTheirReason)
{
    EXPECT_EQ(refusal_of("/S=x/FOO=y/"), "unknown attribute type 'FOO'");
    EXPECT_EQ(refusal_of("/S=x/S=y/"), "duplicate S");
    EXPECT_EQ(refusal_of("/OU=x/OU1=y/"), "OU mixed with OU1..OU4");
    EXPECT_EQ(refusal_of("C=x;OU1=a;OU3=b"), "OU3 without OU2");
    EXPECT_EQ(refusal_of("/S/"), "attribute without '='");
    EXPECT_EQ(refusal_of(""), "no attributes");
}

TEST(StdOr, DomainDefinedAttributesInEveryForm)
{
    // 4.3.5 example 3: DD., DDA. and their order
    auto a = strict("S=Rossi; DD.cap=20100; DD.ph1=Via Larga 11; DDA.city=Milano; A=PtPostel; C=it");
    ASSERT_EQ(a.ddas.size(), 3u);
    EXPECT_EQ(a.ddas[0], (ad::dda{"city", "Milano"})); // most significant = rightmost
    EXPECT_EQ(a.ddas[2], (ad::dda{"cap", "20100"}));
    EXPECT_EQ(ad::render_std_or(a), "/DD.cap=20100/DD.ph1=Via Larga 11/DD.city=Milano/S=Rossi/ADMD=PtPostel/C=it/");
    auto b = strict("/DD:x=1/DDA:y=2/RFC-822=a(a)b/ADMD=A/C=TC/");
    ASSERT_EQ(b.ddas.size(), 3u);
    EXPECT_EQ(b.ddas[0].type, "RFC-822");
    EXPECT_EQ(b.ddas[2].type, "x");
}

TEST(StdOr, NumberedDomainDefinedAttributesNameTheirPlace)
{
    // DD1..DD4 are numbered dd-keys, as OU1..OU4 are numbered OUs: DD1 is
    // the first (most significant) DDA of the sequence, wherever it is written.
    auto numbered = strict("/DD1.cap=20100/DD3.city=Milano/DD2:ph1=Via Larga 11/S=Rossi/ADMD=PtPostel/C=it/");
    ASSERT_EQ(numbered.ddas.size(), 3u);
    EXPECT_EQ(numbered.ddas[0], (ad::dda{"cap", "20100"}));
    EXPECT_EQ(numbered.ddas[1], (ad::dda{"ph1", "Via Larga 11"}));
    EXPECT_EQ(numbered.ddas[2], (ad::dda{"city", "Milano"}));
    // Generation never uses the numbered keys: most significant on the right.
    EXPECT_EQ(ad::render_std_or(numbered),
              "/DD.city=Milano/DD.ph1=Via Larga 11/DD.cap=20100/S=Rossi/ADMD=PtPostel/C=it/");
    EXPECT_EQ(strict(ad::render_std_or(numbered)), numbered);
    // The type may also lead the value: "DD1=type=value" ("$=" in std-or).
    EXPECT_EQ(strict("/DD2=ph1$=Via Larga 11/DD1.cap=20100/DD3=city$=Milano/S=Rossi/ADMD=PtPostel/C=it/"), numbered);
    EXPECT_EQ(parsed("S=Rossi; DD1=cap=20100; DD2=ph1=Via Larga 11; DD3=city=Milano; A=PtPostel; C=it"), numbered);
    auto labelled = parsed("c=US; a= ; p=MS; o=PARIS; dd2:SMTP=user@host; DD1:MSXENCAP=SMTP");
    ASSERT_EQ(labelled.ddas.size(), 2u);
    EXPECT_EQ(labelled.ddas[0], (ad::dda{"MSXENCAP", "SMTP"}));
    EXPECT_EQ(labelled.ddas[1], (ad::dda{"SMTP", "user(a)host"})); // ps-encoded, as for DDA:
}

TEST(StdOr, NumberedDomainDefinedAttributesRefusals)
{
    EXPECT_EQ(refusal_of("/DD1=x/S=a/C=TC/"), "DD1 without a type (write DD1.type=value)");
    EXPECT_EQ(refusal_of("/DD1==x/S=a/C=TC/"), "DD1 without a type (write DD1.type=value)");
    EXPECT_EQ(refusal_of("/DD1.=x/S=a/C=TC/"), "empty domain-defined attribute type");
    EXPECT_EQ(refusal_of("DD1.=DD!.="), "empty domain-defined attribute type");
    EXPECT_EQ(refusal_of("DD1=D!D=x"), "'!' not allowed in an attribute type");
    EXPECT_EQ(refusal_of("/DD1.a=x/DD.b=y/S=a/C=TC/"), "DD.type mixed with DD1..DD4");
    EXPECT_EQ(refusal_of("/RFC-822=a(a)b/DD1.b=y/S=a/C=TC/"), "DD.type mixed with DD1..DD4");
    EXPECT_EQ(refusal_of("/DD1.a=x/DD3.b=y/S=a/C=TC/"), "DD3 without DD2");
    EXPECT_EQ(refusal_of("/DD1.a=x/DD1.b=y/S=a/C=TC/"), "duplicate DD1");
    EXPECT_EQ(refusal_of("/DD5.a=x/S=a/C=TC/"), "unknown attribute type 'DD5.a'");
    EXPECT_EQ(refusal_of("/DD12.a=x/S=a/C=TC/"), "unknown attribute type 'DD12.a'");
}

TEST(StdOr, PostalAddressLines)
{
    // PD-A1..PD-A6 are the lines of the unformatted postal address, which
    // RFC 2156 writes as one PD-ADDRESS value with "|" between the lines.
    auto lines = parsed("S=Smith; PD-A2=Springfield; PD-A1=742 Evergreen Terrace; A=ptt; C=TC");
    ASSERT_EQ(lines.other.size(), 1u);
    EXPECT_EQ(lines.other[0], (ad::other_attribute{"PD-ADDRESS", "742 Evergreen Terrace|Springfield"}));
    EXPECT_EQ(ad::render_std_or(lines), "/S=Smith/PD-ADDRESS=742 Evergreen Terrace|Springfield/ADMD=ptt/C=TC/");
    EXPECT_EQ(strict(ad::render_std_or(lines)), lines);
    EXPECT_EQ(parsed(ad::render_labelled(lines)), lines);
    EXPECT_EQ(strict("/S=Smith/PD-A=742 Evergreen Terrace|Springfield/ADMD=ptt/C=TC/"), lines);
    EXPECT_FALSE(ad::check_or_address(lines));

    // "|" separates postal lines and is allowed nowhere else.
    EXPECT_EQ(refusal_of("/S=a|b/C=TC/"), "'|' not allowed in a value");
    EXPECT_FALSE(ad::parse_std_or("/S=a|b/C=TC/"));
    EXPECT_FALSE(ad::parse_std_or("/DD.x=a|b/C=TC/"));
    EXPECT_EQ(refusal_of("/PD-A1=a|b/S=x/C=TC/"), "'|' not allowed in a value");
    EXPECT_EQ(refusal_of("/PD-A1=a/PD-A=b/S=x/C=TC/"), "PD-ADDRESS mixed with PD-A1..PD-A6");
    EXPECT_EQ(refusal_of("/PD-A1=a/PD-A3=b/S=x/C=TC/"), "PD-A3 without PD-A2");
    EXPECT_EQ(refusal_of("/PD-A1=a/PD-A1=b/S=x/C=TC/"), "duplicate PD-A1");
    EXPECT_EQ(refusal_of("/PD-A7=a/S=x/C=TC/"), "unknown attribute type 'PD-A7'");
}

TEST(Validate, PostalAddressBounds)
{
    auto why = [](std::string_view text) {
        auto e = ad::check_or_address(strict(text));
        return e ? e->why : std::string("(valid)");
    };
    EXPECT_EQ(why("/S=x/PD-ADDRESS=1|2|3|4|5|6/ADMD=a/C=TC/"), "(valid)");
    EXPECT_EQ(why("/S=x/PD-ADDRESS=1|2|3|4|5|6|7/ADMD=a/C=TC/"), "PD-ADDRESS has 7 lines (at most 6)");
    EXPECT_EQ(why("/S=x/PD-ADDRESS=a||b/ADMD=a/C=TC/"), "PD-ADDRESS line 2 is present but empty");
    EXPECT_EQ(why("/S=x/PD-ADDRESS=" + std::string(31, 'a') + "/ADMD=a/C=TC/"),
              "PD-ADDRESS line 1 is longer than 30 characters");
    EXPECT_EQ(why("/S=x/PD-ADDRESS=a|b*{200}x/ADMD=a/C=TC/"), "(valid)");
    EXPECT_EQ(why("/S=x/PD-ADDRESS=*{200/ADMD=a/C=TC/"), "PD-ADDRESS has a malformed Teletex form");
}

TEST(StdOr, PersonalNameAsPn)
{
    auto a = strict("/PN=Marshall.M.T.Rose/O=x/ADMD=A/C=TC/");
    EXPECT_EQ(*a.given, "Marshall");
    EXPECT_EQ(*a.initials, "MT");
    EXPECT_EQ(*a.surname, "Rose");
    EXPECT_EQ(refusal_of("/S=Smith/PN=J.Smith/"), "PN together with S, G or I");
}

TEST(StdOr, AmhsAddressesXfAndCaas)
{
    auto xf = strict("/OU=EGKKZPZX/O=AFTN/PRMD=EG/ADMD=ICAO/C=XX/");
    EXPECT_FALSE(ad::check_or_address(xf)); // C=XX is legitimate
    auto caas = strict("/CN=VHHHZQZA/OU=VHHH/O=HKGCAD/PRMD=HONGKONG/ADMD=ICAO/C=XX/");
    EXPECT_EQ(*caas.common_name, "VHHHZQZA");
    EXPECT_EQ(ad::render_std_or(caas), "/CN=VHHHZQZA/OU=VHHH/O=HKGCAD/PRMD=HONGKONG/ADMD=ICAO/C=XX/");
}

// ---- RFC 1685 / F.401 and Microsoft forms --------------------------------

TEST(Labelled, Rfc1685Example)
{
    auto a = parsed("G=john; S=smith; O=a bank ltd; P=abl; A=snomail; C=aq");
    EXPECT_EQ(*a.given, "john");
    EXPECT_EQ(*a.o, "a bank ltd");
    EXPECT_EQ(*a.prmd, "abl");
    EXPECT_EQ(*a.admd, "snomail");
    EXPECT_EQ(ad::render_labelled(a), "G=john; S=smith; O=a bank ltd; P=abl; A=snomail; C=aq");
    EXPECT_EQ(ad::render_std_or(a), "/G=john/S=smith/O=a bank ltd/PRMD=abl/ADMD=snomail/C=aq/");
}

TEST(Labelled, MissingAdmdMeansBlank)
{
    // RARE profile and F.401 F.4: a missing ADMD is a single space
    auto a = parsed("S=smith; O=x; P=abl; C=aq");
    EXPECT_EQ(ad::state_of(a.admd), ad::value_state::blank);
}

TEST(Labelled, NumberedOusRoundTrip)
{
    auto a = parsed("S=x; O=y; OU1=first; OU2=second; A=z; C=TC");
    ASSERT_EQ(a.ou.size(), 2u);
    EXPECT_EQ(a.ou[0], "first");
    EXPECT_EQ(ad::render_labelled(a), "S=x; O=y; OU1=first; OU2=second; A=z; C=TC");
    EXPECT_EQ(parsed(ad::render_labelled(a)), a);
}

TEST(Exchange, ProxyAddressWithBlankAdmd)
{
    // KB Q241874
    auto a = parsed("c=US;a= ;p=MS;o=PARIS;s=user;");
    EXPECT_EQ(*a.c, "US");
    EXPECT_EQ(ad::state_of(a.admd), ad::value_state::blank);
    EXPECT_EQ(ad::render_std_or(a), "/S=user/O=PARIS/PRMD=MS/ADMD= /C=US/");
    EXPECT_EQ(ad::render_exchange(a), "c=US;a= ;p=MS;o=PARIS;s=user;");
}

// Exchange lists its addresses with the proxy type first (the
// proxyAddresses attribute, the address book's "E-mail addresses" page):
// "X400:" for the primary one, "x400:" for the others. Administrators copy
// them whole; no O/R attribute is called X400, so the prefix is read as
// what it is.
TEST(Exchange, ProxyTypePrefixIsRead)
{
    auto const plain = parsed("c=US;a= ;p=MS;o=PARIS;s=user;");
    EXPECT_EQ(parsed("X400:c=US;a= ;p=MS;o=PARIS;s=user;"), plain);
    EXPECT_EQ(parsed("x400:c=US;a= ;p=MS;o=PARIS;s=user;"), plain);
    EXPECT_EQ(parsed(" X400:/C=US/ADMD= /PRMD=MS/O=PARIS/S=user/"), plain);
    auto bare = ad::parse_or_text("X400:");
    ASSERT_FALSE(bare);
    EXPECT_EQ(bare.failure().why, "nothing after the proxy type X400:");
    // Only at the front, once, and only in the administrator's forms.
    EXPECT_FALSE(ad::parse_or_text("X400:X400:c=US;a= ;s=user"));
    EXPECT_FALSE(ad::parse_or_text("c=US;X400:a= ;s=user"));
    EXPECT_FALSE(ad::parse_std_or("X400:/C=US/ADMD= /S=user/"));
    EXPECT_FALSE(ad::parse_or_text("SMTP:user@example.com"));
}

TEST(Exchange, MsMailSemicolonAndSlashForms)
{
    // KB Q108732: "/" needs "$" only in the slash form
    auto semi = parsed("c=US;a=TELENET;p=ABC;o=P/Q;g=JOHN;s=STEEL");
    auto slash = parsed("/c=US/a=TELENET/p=ABC/o=P$/Q/g=JOHN/s=STEEL");
    EXPECT_EQ(*semi.o, "P/Q");
    EXPECT_EQ(semi, slash);
}

TEST(Exchange, DisplayedRfc822DdaIsPsEncoded)
{
    // KB Q255019 prints the DDA with a raw "@"; on the wire it is "(a)"
    auto a = parsed("C=us; A= ; P=company; O=SMTP-GW; DDA:RFC-822=exchange.user@microsoft.com");
    ASSERT_EQ(a.ddas.size(), 1u);
    EXPECT_EQ(a.ddas[0].value, "exchange.user(a)microsoft.com");
    EXPECT_EQ(ad::render_std_or(a), "/RFC-822=exchange.user(a)microsoft.com/O=SMTP-GW/PRMD=company/ADMD= /C=us/");
}

TEST(Exchange, DdaOrderFollowsTheWritingDirection)
{
    auto c_first = parsed("c=US;a= ;p=Microsoft;o=Site;dda:MSXENCAP=SMTP;dda:SMTP=user(a)host;");
    ASSERT_EQ(c_first.ddas.size(), 2u);
    EXPECT_EQ(c_first.ddas[0].type, "MSXENCAP");
    auto c_last = parsed("DDA:b=2; DDA:a=1; S=x; A=y; C=TC");
    EXPECT_EQ(c_last.ddas[0].type, "a");
}

// ---- IMCEA -----------------------------------------------------------------

TEST(Imcea, KbQ241874)
{
    auto a = parsed("IMCEAX400-c=US+3Ba=+20+3Bp=MS+3Bo=PARIS+3Bs=user+3B@host.microsoft.com");
    EXPECT_EQ(ad::render_std_or(a), "/S=user/O=PARIS/PRMD=MS/ADMD= /C=US/");
    EXPECT_EQ(ad::render_imcea("X400", ad::render_exchange(a), "host.microsoft.com"),
              "IMCEAX400-c=US+3Ba=+20+3Bp=MS+3Bo=PARIS+3Bs=user+3B@host.microsoft.com");
}

TEST(Imcea, KbQ162680WithDda)
{
    auto a = parsed("IMCEAX400-c=US+3Ba=+20+3Bp=Microsoft+3Bo=Site+3Bdda+3ASMTP=user+3B@microsoft.com");
    ASSERT_EQ(a.ddas.size(), 1u);
    EXPECT_EQ(a.ddas[0], (ad::dda{"SMTP", "user"}));
}

TEST(Imcea, AnyCaseOnInputUpperCaseOnOutput)
{
    auto lower = parsed("imceax400-c=US+3ba=+20+3bp=MS+3bo=PARIS+3bs=user@x.example");
    EXPECT_EQ(*lower.surname, "user");
    EXPECT_EQ(ad::render_imcea("X400", "c=US;", "d.example").substr(0, 9), "IMCEAX400");
}

TEST(Imcea, NonX400TypesAndBadEscapesAreRefused)
{
    EXPECT_EQ(refusal_of("IMCEAFAX-1234567890@MyDomain.com"), "IMCEAFAX is not an X.400 address");
    auto fax = ad::parse_imcea("IMCEAFAX-1234567890@MyDomain.com");
    ASSERT_TRUE(fax);
    EXPECT_EQ(fax->address, "1234567890");
    EXPECT_FALSE(ad::parse_imcea("IMCEAX400-c=US+3@x.example"));
    EXPECT_FALSE(ad::parse_imcea("IMCEAX400-c=US+ZZ@x.example"));
    EXPECT_FALSE(ad::parse_imcea("IMCEAX400-c=U;S@x.example"));
}

TEST(Imcea, SlashAndUnderscore)
{
    EXPECT_EQ(ad::render_imcea("X400", "o=P/Q;s=a_b;", ""), "IMCEAX400-o=P_Q+3Bs=a+5Fb+3B");
    auto d = ad::parse_imcea("IMCEAX400-o=P_Q+3Bs=a+5Fb+3B");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->address, "o=P/Q;s=a_b;");
}

// ---- encoded-pn (4.1.2) -----------------------------------------------------

TEST(EncodedPn, Rfc2156Examples)
{
    auto a = ad::parse_encoded_pn("M.T.Rose");
    ASSERT_TRUE(a);
    EXPECT_FALSE(a->given);
    EXPECT_EQ(*a->initials, "MT");
    EXPECT_EQ(*a->surname, "Rose");
    auto b = ad::parse_encoded_pn("Marshall.M.T.Rose");
    EXPECT_EQ(*b->given, "Marshall");
    EXPECT_EQ(*b->initials, "MT");
    auto c = ad::parse_encoded_pn("Mary.St.John");
    EXPECT_EQ(*c->given, "Mary");
    EXPECT_FALSE(c->initials);
    EXPECT_EQ(*c->surname, "St.John");
    auto d = ad::parse_encoded_pn("J.Linnimouth");
    EXPECT_EQ(*d->initials, "J");
    EXPECT_EQ(*d->surname, "Linnimouth");
}

TEST(EncodedPn, GeneratedOnlyWhereItRoundTrips)
{
    auto pn = [](std::optional<std::string> g, std::optional<std::string> i, std::string s,
                 std::optional<std::string> q = std::nullopt) {
        ad::or_address a;
        a.given = std::move(g);
        a.initials = std::move(i);
        a.surname = std::move(s);
        a.generation = std::move(q);
        return a;
    };
    EXPECT_TRUE(ad::can_render_encoded_pn(pn(std::nullopt, "J", "Linnimouth")));
    EXPECT_FALSE(ad::can_render_encoded_pn(pn(std::nullopt, "J", "Linnimouth", "5"))); // 1: no GQ
    EXPECT_FALSE(ad::can_render_encoded_pn(pn(std::nullopt, "J1", "Linnimouth")));     // 2: letters
    EXPECT_FALSE(ad::can_render_encoded_pn(pn("J", std::nullopt, "Smith")));           // 3: 2 chars
    EXPECT_FALSE(ad::can_render_encoded_pn(pn("Jo.n", std::nullopt, "Smith")));        // 3: no dot
    EXPECT_FALSE(ad::can_render_encoded_pn(pn("John", std::nullopt, "S.mith")));       // 4
    EXPECT_FALSE(ad::can_render_encoded_pn(pn(std::nullopt, std::nullopt, "St.John"))); // 5
    EXPECT_TRUE(ad::can_render_encoded_pn(pn("Mary", std::nullopt, "St.John")));
    EXPECT_EQ(ad::render_encoded_pn(pn("Marshall", "MT", "Rose")), "Marshall.M.T.Rose");
}

// ---- ps-encoded (3.4) ------------------------------------------------------

TEST(PsEncoding, Rfc2156Examples)
{
    auto enc = [](std::string_view s) { return *ad::ps_encode(s); };
    auto dec = [](std::string_view s) { return *ad::ps_decode(s); };
    EXPECT_EQ(enc("a demo."), "a demo.");
    EXPECT_EQ(enc("foo@bar"), "foo(a)bar");
    EXPECT_EQ(enc("\"_%\""), "(q)(u)(p)(q)");
    EXPECT_EQ(dec("(A)"), "@");
    EXPECT_EQ(enc("(a)"), "(l)a(r)");
    EXPECT_EQ(enc("~"), "(126)");
    EXPECT_EQ(dec("(126)"), "~");
    EXPECT_EQ(enc("#"), "(035)");
    EXPECT_EQ(enc("["), "(091)");
    EXPECT_EQ(dec("(l)"), "(");
    EXPECT_EQ(dec("Tom(u)Harris(a)cs.widget.com"), "Tom_Harris@cs.widget.com");
}

TEST(PsEncoding, MalformedIsAnErrorNotAGuess)
{
    EXPECT_FALSE(ad::ps_decode("("));     // the envelope refuses; headers pass raw text through
    EXPECT_FALSE(ad::ps_decode("(x)"));
    EXPECT_FALSE(ad::ps_decode("(128)"));
    EXPECT_FALSE(ad::ps_decode("a)b"));
    EXPECT_FALSE(ad::ps_decode("a@b"));
    EXPECT_FALSE(ad::ps_encode("caf\xc3\xa9"));
}

// ---- validation (X.411 bounds, X.402 forms) -------------------------------

TEST(Validate, BoundsAndCombinationRulesNameTheirReason)
{
    auto why = [](std::string_view text) {
        auto a = ad::parse_or_text(text);
        if (!a)
            return "parse: " + a.failure().why;
        auto e = ad::check_or_address(*a);
        return e ? e->why : std::string("valid");
    };
    EXPECT_EQ(why("/S=Smith/O=Widget/ADMD=BTT/C=TC/"), "valid");
    EXPECT_EQ(why("/S=x/OU=1/OU=2/OU=3/OU=4/OU=5/O=y/ADMD=z/C=TC/"), "5 OUs (at most 4)");
    EXPECT_EQ(why("/G=Ann/O=y/ADMD=z/C=TC/"), "S missing while G, I or GQ is present");
    EXPECT_EQ(why("/S=x/ADMD=z/C=USA/"), "C must be 2 letters or 3 digits");
    EXPECT_EQ(why("/S=x/ADMD=z/C=840/"), "valid");
    EXPECT_EQ(why("/S=x/ADMD=12345678901234567/C=TC/"), "ADMD is longer than 16 characters");
    EXPECT_EQ(why("/S=x/ADMD=a/C=TC/X121=12a/"), "X121 must be digits");
    EXPECT_EQ(why("/S=x/O=y/"), "C is missing");
    EXPECT_EQ(why("/ADMD=z/C=TC/"), "no O, OU, S, CN, UA-ID, PRMD or DDA identifies the recipient");
    EXPECT_EQ(why("/G=abcdefghijklmnopq/S=x/ADMD=z/C=TC/"), "G is longer than 16 characters");
    EXPECT_EQ(why("/DD.abcdefghi=1/S=x/ADMD=z/C=TC/"), "DDA type 'abcdefghi' must be 1 to 8 characters");
    EXPECT_EQ(why("/CN=yen*{165}/ADMD=z/C=TC/"), "valid"); // Teletex form (3.3.4)
    EXPECT_EQ(why("/UA-ID=1234/ADMD=z/C=TC/"), "valid");   // numeric form
    EXPECT_EQ(why("/X121=1234/"), "valid");                 // terminal form
}

// X.411 domain names are PrintableString (or NumericString) only: RFC
// 2156's Teletex marker "*" has no place in one (fuzzing found a PRMD
// "AATC Net*" written into P22 as an invalid PrintableString).
TEST(Validate, DomainNamesHaveNoTeletexForm)
{
    auto a = ad::parse_std_or("/O=ATC*Air/PRMD=AATC Net*/ADMD= /C=XX/");
    ASSERT_TRUE(a);
    EXPECT_TRUE(ad::check_attribute_syntax(*a));
    EXPECT_TRUE(ad::check_or_address(*a));
    auto b = ad::parse_std_or("/O=ATC*Air/PRMD=AATC Net/ADMD= /C=XX/");
    ASSERT_TRUE(b);
    EXPECT_FALSE(ad::check_attribute_syntax(*b));
    EXPECT_FALSE(ad::check_or_address(*b));
}

TEST(Validate, ZeroLengthAdmdIsLegal)
{
    auto a = strict("/S=x/O=y/ADMD=/C=TC/");
    EXPECT_FALSE(ad::check_or_address(a));
}

TEST(Validate, NumericAdmdZeroIsAnOrdinaryValue)
{
    auto a = strict("/S=x/O=y/ADMD=0/C=IT/");
    EXPECT_FALSE(ad::check_or_address(a));
}

TEST(Labelled, DdasWithoutHierarchyReadBackInOrder)
{
    // found by or_text_fuzz: with no C, ADMD, PRMD or O written first, the
    // reader takes the rightmost DDA as the first, so the writer must too
    auto a = parsed("/DD.cap=28100/DD.ph1=Via Larga 11/S=Rossi/");
    EXPECT_EQ(parsed(ad::render_labelled(a)), a);
    EXPECT_EQ(parsed(ad::render_imcea("X400", ad::render_exchange(a), "gw.example")), a);
}

TEST(Labelled, MoreThanFourOusAreWrittenUnnumberedAndReadBack)
{
    // found by or_text_fuzz: OU5 is no key, yet five OUs parse (validation refuses them)
    for (auto text : {"/S=x/OU=5/OU=4/OU=3/OU=2/OU=1/O=y/ADMD=z/C=TC/", "/S=x/OU=5/OU=4/OU=3/OU=2/OU=1/"}) {
        auto a = parsed(text);
        EXPECT_EQ(parsed(ad::render_labelled(a)), a) << ad::render_labelled(a);
        EXPECT_EQ(parsed(ad::render_imcea("X400", ad::render_exchange(a), "gw.example")), a);
    }
}

// ---- more Exchange KB cases -------------------------------------------------

TEST(Exchange, KbQ269589FifteenCharacterSmtpDdaLocalPart)
{
    // Exchange 5.5 SP3's MTA crashed on exactly this shape; for us it is data
    auto a = parsed("c=US;a= ;p=MS;o=Site;dda:SMTP=abcdefghijklmno@example.com;");
    ASSERT_EQ(a.ddas.size(), 1u);
    EXPECT_EQ(a.ddas[0].value, "abcdefghijklmno(a)example.com");
    EXPECT_FALSE(ad::check_or_address(a));
    EXPECT_EQ(parsed(ad::render_std_or(a)), a);
}

TEST(Exchange, KbQ145585EmptyGivenNameFromMsMailIsKeptThenRefused)
{
    auto a = parsed("c=US;a=TELENET;p=ABC;o=Sales;g=;s=STEEL");
    ASSERT_TRUE(a.given);
    EXPECT_EQ(*a.given, "");
    EXPECT_EQ(ad::check_or_address(a)->why, "G is present but empty");
}

TEST(Exchange, KbQ118563X121Bound)
{
    auto a = parsed("/X121=1234567890123456/");
    EXPECT_FALSE(ad::check_or_address(a)); // X.411: 16
    ad::or_limits ms_mail;
    ms_mail.x121 = 15;                      // the MS Mail profile
    EXPECT_EQ(ad::check_or_address(a, ms_mail)->why, "X121 is longer than 15 characters");
}
