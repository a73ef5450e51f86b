// tests/addressing/mixer_test.cpp
//
// Golden tests of the MIXER mapping from the examples of RFC 2156 (4.3.1,
// 4.3.2, 4.3.4, 4.3.5, 4.4), the Exchange KB articles quoted in the spec
// note, and ICAO AMHS addresses; one named test per rule of the spec note's
// section 8 (missing PRMD, blank ADMD); round trips where the RFC promises
// them.
#include "addressing/mixer.hpp"
#include "addressing/rfc822.hpp"
#include "addressing/std_or.hpp"
#include "addressing/validate.hpp"

#include <gtest/gtest.h>

namespace ad = x400gw::addressing;

namespace {

constexpr char table1[] = R"(# RFC 2156 4.3.5 and 4.3.1 MCGAMs
ADMD$Master400.C$it#Master400.it#
PRMD$autoroutes.ADMD$atlas.C$fr#autoroutes.fr#
ADMD$PtPostel.C$it#ptpostel.it#
O$Widget.PRMD$@.ADMD$BTT.C$TC#Widget.COM#
PRMD$UK\.AC.ADMD$GOLD 400.C$GB#AC.UK#
PRMD$EG.ADMD$ICAO.C$XX#eg.amhs.example#
PRMD$@.ADMD$YY.C$XX#YY.XX#
O$Mapped.PRMD$@.ADMD$ .C$TC#blank.example#
)";

constexpr char gate1[] = R"(ADMD$ATT.C$us#attmail.com#
)";

constexpr char table2[] = R"(Master400.it#ADMD$Master400.C$it#
autoroutes.fr#PRMD$autoroutes.ADMD$atlas.C$fr#
ptpostel.it#ADMD$PtPostel.C$it#
Widget.COM#O$Widget.PRMD$@.ADMD$BTT.C$TC#
AC.UK#PRMD$UK\.AC.ADMD$GOLD 400.C$GB#
microsoft.com#prmd$microsoft.admd$gold 400.c$uk#
eur.fr#prmd$PRMD.admd$ADMD.c$FR#
HNE.EGM#O$HNE.PRMD$@.ADMD$ECQ.C$TC#
GMD.DE#O$@.PRMD$GMD.ADMD$DBP.C$DE#
YY.XX#PRMD$@.ADMD$YY.C$XX#
ATLAS.FR#ADMD$ATLAS.C$FR#
XEROX.COM#O$Xerox.ADMD$ATT.C$US#
eg.amhs.example#PRMD$EG.ADMD$ICAO.C$XX#
blank.example#O$Mapped.PRMD$@.ADMD$ .C$TC#
)";

constexpr char gate2[] = R"(alter.net#PRMD$relay.ADMD$BTglobal.C$gb#
)";

ad::mapping_tables make_tables(bool with_tables = true)
{
    std::vector<ad::mapping_table> ts;
    if (with_tables) {
        ts.push_back(*ad::parse_table(table1, ad::table_kind::or_to_domain, "table1"));
        ts.push_back(*ad::parse_table(gate1, ad::table_kind::gate_or_to_domain, "gate1"));
        ts.push_back(*ad::parse_table(table2, ad::table_kind::domain_to_or, "table2"));
        ts.push_back(*ad::parse_table(gate2, ad::table_kind::gate_domain_to_or, "gate2"));
    }
    auto t = ad::mapping_tables::build(std::move(ts));
    EXPECT_TRUE(t.ok()) << (t ? "" : t.failure().why);
    return std::move(*t);
}

ad::mapping_tables const& tables()
{
    static ad::mapping_tables const t = make_tables();
    return t;
}

ad::mapping_tables const& no_tables()
{
    static ad::mapping_tables const t = make_tables(false);
    return t;
}

ad::or_address addr(std::string_view text)
{
    auto a = ad::parse_or_text(text);
    EXPECT_TRUE(a.ok()) << text << ": " << (a ? "" : a.failure().why);
    return a ? *a : ad::or_address{};
}

ad::gateway_identity gateway(std::string_view domain = "mixer.example.net",
                             std::string_view or_text = "C=TC; ADMD=BTT; PRMD=GW; O=Gateway")
{
    return ad::gateway_identity{std::string(domain), addr(or_text)};
}

std::string to822(std::string_view or_text, ad::mapping_tables const& t = tables(),
                  ad::gateway_identity const& gw = gateway(), ad::role r = ad::role::recipient)
{
    auto a = addr(or_text);
    auto m = ad::map_x400_to_822(a, r, gw, t);
    if (!m)
        return "refused " + std::to_string(m.failure().code) + " " + m.failure().status + " " + m.failure().why;
    return m->address;
}

std::string tox400(std::string_view address, ad::mapping_tables const& t = tables(),
                   ad::gateway_identity const& gw = gateway(), ad::role r = ad::role::recipient)
{
    auto m = ad::map_822_to_x400(address, r, gw, t);
    if (!m)
        return "refused " + std::to_string(m.failure().code) + " " + m.failure().status + " " + m.failure().why;
    return ad::render_std_or(m->address);
}

ad::mapping_method method_822(std::string_view address, ad::role r = ad::role::recipient)
{
    return ad::map_822_to_x400(address, r, gateway(), tables())->method;
}

} // namespace

// ---- X.400 -> RFC 822, RFC 2156 4.3.5 examples ----------------------------

// An RFC 822 address as people and other programs write one (RFC 822 6.1:
// a mailbox is an addr-spec or a phrase with a route-addr; comments and
// white space may stand around its tokens): the addr-spec inside.
TEST(Rfc822, AddrSpecOfWhatAPersonWrites)
{
    auto spec = [](std::string_view text) {
        auto r = ad::addr_spec_of(text);
        return r ? *r : "refused: " + r.failure().why;
    };
    EXPECT_EQ(spec("john@example.com"), "john@example.com");
    EXPECT_EQ(spec("<john@example.com>"), "john@example.com");
    EXPECT_EQ(spec("  john@example.com \t"), "john@example.com");
    EXPECT_EQ(spec("John Smith <john@example.com>"), "john@example.com");
    EXPECT_EQ(spec("\"Smith, John <js>\" <john@example.com>"), "john@example.com");
    EXPECT_EQ(spec("=?utf-8?q?J=C3=B6rg?= <jorg@example.com>"), "jorg@example.com");
    EXPECT_EQ(spec("john@example.com (John (the) Smith)"), "john@example.com");
    EXPECT_EQ(spec("(at home) \"john smith\"@example.com"), "\"john smith\"@example.com");
    EXPECT_EQ(spec("\"a(b)c\"@example.com"), "\"a(b)c\"@example.com");
    EXPECT_EQ(spec("Route <@a.example,@b.example:john@example.com>"), "@a.example,@b.example:john@example.com");
    EXPECT_EQ(spec("@a.example:john@example.com"), "@a.example:john@example.com");
    EXPECT_EQ(spec("John <john@example.com"), "refused: '<' without its '>'");
    EXPECT_EQ(spec("John <john@example.com> x"), "refused: text after the '>'");
    EXPECT_EQ(spec("<a@b.example> <c@d.example>"), "refused: more than one '<'");
    EXPECT_EQ(spec("john@example.com (John"), "refused: unterminated comment");
    EXPECT_EQ(spec("\"john@example.com"), "refused: unterminated quoted string");
    EXPECT_EQ(spec("Team: a@b.example, c@d.example;"), "refused: a group, not one mailbox");
}

TEST(ToRfc822, Rfc2156Example1OmittedPrmdStopsTheDomain)
{
    EXPECT_EQ(to822("S=Support; O=sales; A=Master400; C=it"), "/S=Support/O=sales/@Master400.it");
}

TEST(ToRfc822, Rfc2156Example2ValueNotDomainSyntaxIsQuoted)
{
    EXPECT_EQ(to822("S=renseignements; O=Region Parisienne; P=autoroutes; A=atlas; C=fr"),
              "\"/S=renseignements/O=Region Parisienne/\"@autoroutes.fr");
}

TEST(ToRfc822, Rfc2156Example3DomainDefinedAttributes)
{
    auto a = ad::parse_std_or("S=Rossi; DD.cap=20100; DD.ph1=Via Larga 11; DDA.city=Milano; A=PtPostel; C=it");
    ASSERT_TRUE(a);
    auto m = ad::map_x400_to_822(*a, ad::role::recipient, gateway(), tables());
    EXPECT_EQ(m->address, "\"/DD.cap=20100/DD.ph1=Via Larga 11/DD.city=Milano/S=Rossi/\"@ptpostel.it");
}

TEST(ToRfc822, Rfc2156Example4GatewayTableConsumesItsPrefix)
{
    auto a = addr("G=Andy; S=Wharol; O=MMNY; A=ATT; C=us");
    auto m = ad::map_x400_to_822(a, ad::role::recipient, gateway(), tables());
    EXPECT_EQ(m->address, "/G=Andy/S=Wharol/O=MMNY/@attmail.com");
    EXPECT_EQ(m->method, ad::mapping_method::gateway_table);
}

TEST(ToRfc822, Rfc2156Section431EncodedPersonalNameOnlyWithoutGenerationQualifier)
{
    EXPECT_EQ(to822("C=TC; ADMD=BTT; O=Widget; OU=Marketing; S=Linnimouth; I=J; GQ=5"),
              "/I=J/S=Linnimouth/GQ=5/@Marketing.Widget.COM");
    EXPECT_EQ(to822("C=TC; ADMD=BTT; O=Widget; OU=Marketing; S=Linnimouth; I=J"), "J.Linnimouth@Marketing.Widget.COM");
}

TEST(ToRfc822, Rfc2156Section42HierarchyBelowAnMcgam)
{
    EXPECT_EQ(to822("/S=Smith/OU=R-D/O=Salford/PRMD=UK.AC/ADMD=GOLD 400/C=GB/"), "Smith@R-D.Salford.AC.UK");
}

TEST(ToRfc822, MappingAUsesTheRfc822DdaAndDropsTheRest)
{
    // 4.3.2 examples; the type is compared in any case
    EXPECT_EQ(to822("C=GB; ADMD=GOLD 400; PRMD=UK.AC; O=UCL; OU=CS; RFC-822=Jimmy(a)WIDGET-LABS.CO.UK"),
              "Jimmy@WIDGET-LABS.CO.UK");
    EXPECT_EQ(to822("C=TC; ADMD=Wizz.mail; PRMD=42; DD.rfc-822=postel(a)venera.isi.edu"), "postel@venera.isi.edu");
}

TEST(ToRfc822, MappingAJoinsContinuationDdas)
{
    std::string const local(150, 'x');
    auto a = addr("C=TC; ADMD=BTT; O=GW");
    std::string const enc = local + "(a)example.org";
    a.ddas.push_back({"RFC-822", enc.substr(0, 128)});
    a.ddas.push_back({"RFC822C1", enc.substr(128)});
    auto m = ad::map_x400_to_822(a, ad::role::recipient, gateway(), tables());
    EXPECT_EQ(m->address, local + "@example.org");
}

TEST(ToRfc822, MappingABadValueRefusedOnTheEnvelopePassedThroughInHeaders)
{
    auto a = addr("C=TC; ADMD=BTT; O=GW; RFC-822=user(x)host");
    auto env = ad::map_x400_to_822(a, ad::role::recipient, gateway(), tables());
    ASSERT_FALSE(env);
    EXPECT_EQ(env.failure().code, 550);
    EXPECT_EQ(env.failure().status, "5.1.1");
    auto hdr = ad::map_x400_to_822(a, ad::role::header, gateway(), tables());
    ASSERT_TRUE(hdr);
    EXPECT_EQ(hdr->address, "user(x)host");
}

TEST(ToRfc822, ExchangeKbQ254998NoTableMatchGoesToTheGatewayDomain)
{
    // Never "another.user@prmd.mci.us" (the pre-SP4 bug).
    EXPECT_EQ(to822("c=us; a=mci; p=prmd; s=user; g=another", tables(), gateway("microsoft.org.com")),
              "/G=another/S=user/PRMD=prmd/ADMD=mci/C=us/@microsoft.org.com");
}

TEST(ToRfc822, NonMnemonicAttributesGoWholeToTheGatewayDomain)
{
    EXPECT_EQ(to822("/UA-ID=1234/O=Widget/ADMD=BTT/C=TC/"), "/UA-ID=1234/O=Widget/ADMD=BTT/C=TC/@mixer.example.net");
    EXPECT_EQ(to822("/X121=12345/"), "/X121=12345/@mixer.example.net");
}

TEST(ToRfc822, AmhsXfAndCaasUnderAnMcgam)
{
    EXPECT_EQ(to822("/OU=EGKKZPZX/O=AFTN/PRMD=EG/ADMD=ICAO/C=XX/"), "/OU=EGKKZPZX/@AFTN.eg.amhs.example");
    EXPECT_EQ(to822("/CN=EGLLZPZX/OU=EGLL/O=EGTT/PRMD=EG/ADMD=ICAO/C=XX/"), "/CN=EGLLZPZX/@EGLL.EGTT.eg.amhs.example");
    // without an MCGAM: the whole address at the gateway domain
    EXPECT_EQ(to822("/CN=VHHHZQZA/OU=VHHH/O=HKGCAD/PRMD=HONGKONG/ADMD=ICAO/C=XX/"),
              "/CN=VHHHZQZA/OU=VHHH/O=HKGCAD/PRMD=HONGKONG/ADMD=ICAO/C=XX/@mixer.example.net");
}

// ---- RFC 822 -> X.400, RFC 2156 4.3.4 examples ----------------------------

TEST(ToX400, Rfc2156Section431Linnimouth)
{
    EXPECT_EQ(tox400("J.Linnimouth@Marketing.Widget.COM"), "/I=J/S=Linnimouth/OU=Marketing/O=Widget/ADMD=BTT/C=TC/");
    EXPECT_EQ(method_822("J.Linnimouth@Marketing.Widget.COM"), ad::mapping_method::table);
}

TEST(ToX400, ExchangeKbQ238507MicrosoftCom)
{
    EXPECT_EQ(tox400("sample@support.microsoft.com"), "/S=sample/O=support/PRMD=microsoft/ADMD=gold 400/C=uk/");
}

TEST(ToX400, ExchangeKbQ254976KeepsTheOu)
{
    EXPECT_EQ(tox400("user@dept.area.eur.fr"), "/S=user/OU=dept/O=area/PRMD=PRMD/ADMD=ADMD/C=FR/");
}

TEST(ToX400, Rfc2156Section42OmittedLevelIsSkipped)
{
    // HNE.EGM <-> O=HNE, ADMD=ECQ, C=TC, PRMD omitted: ZI.HNE.EGM gives OU=ZI
    EXPECT_EQ(tox400("a@ZI.HNE.EGM"), "/S=a/OU=ZI/O=HNE/ADMD=ECQ/C=TC/");
}

TEST(ToX400, StageIIWithoutTablesUnderTheGatewayAddress)
{
    // 4.3.4 examples, gateway addresses as printed there
    EXPECT_EQ(tox400("Tom_Harris@cs.widget.com", no_tables(), gateway("gw.example", "c=us; a=MCI; P=relay")),
              "/RFC-822=Tom(u)Harris(a)cs.widget.com/PRMD=relay/ADMD=MCI/C=us/");
    EXPECT_EQ(tox400("@relay.co.uk:userb@host2", no_tables(), gateway("gw.example", "c=gb; a= ; p=uk.ac; o=mr")),
              "/RFC-822=(a)relay.co.uk:userb(a)host2/O=mr/PRMD=uk.ac/ADMD= /C=gb/");
}

TEST(ToX400, StageIIHeaderUsesGate2)
{
    EXPECT_EQ(tox400("postmaster@UK.alter.net", tables(), gateway(), ad::role::header),
              "/RFC-822=postmaster(a)UK.alter.net/PRMD=relay/ADMD=BTglobal/C=gb/");
    EXPECT_EQ(method_822("postmaster@UK.alter.net", ad::role::header), ad::mapping_method::gateway_table);
    // the return path always comes back through us
    EXPECT_EQ(tox400("postmaster@UK.alter.net", tables(), gateway(), ad::role::return_path),
              "/RFC-822=postmaster(a)UK.alter.net/O=Gateway/PRMD=GW/ADMD=BTT/C=TC/");
}

TEST(ToX400, ExchangeKbQ255019GatewayWithBlankAdmd)
{
    EXPECT_EQ(tox400("exchange.user@microsoft.com", no_tables(), gateway("gw.example", "C=us; A= ; P=company; O=SMTP-GW")),
              "/RFC-822=exchange.user(a)microsoft.com/O=SMTP-GW/PRMD=company/ADMD= /C=us/");
}

TEST(ToX400, NeverDerivesAttributesFromADomainWithoutAnMcgam)
{
    // KB Q238506: never c=com; a=microsoft
    auto m = ad::map_822_to_x400("user@unmapped.com", ad::role::recipient, gateway(), tables());
    ASSERT_TRUE(m);
    EXPECT_EQ(*m->address.c, "TC");
    EXPECT_EQ(m->method, ad::mapping_method::encapsulated);
}

TEST(ToX400, StdOrLocalPartAtAnyDomainIsTheAddressItself)
{
    EXPECT_EQ(tox400("\"/S=Smith/O=Acme/ADMD=Nowhere/C=TC/\"@mixer.example.net"), "/S=Smith/O=Acme/ADMD=Nowhere/C=TC/");
    EXPECT_EQ(method_822("\"/S=Smith/O=Acme/ADMD=Nowhere/C=TC/\"@mixer.example.net"), ad::mapping_method::algorithmic);
    // 4.4.2: an X.400 address whose RFC-822 DDA routes onward
    EXPECT_EQ(tox400("\"/RFC-822=jj(a)seismo.css.gov/PRMD=AC/ADMD=BT/C=GB/\"@monet.berkeley.edu"),
              "/RFC-822=jj(a)seismo.css.gov/PRMD=AC/ADMD=BT/C=GB/");
}

TEST(ToX400, ImceaIsDecodedOnlyAtOurDomain)
{
    EXPECT_EQ(tox400("IMCEAX400-c=TC+3Ba=BTT+3Bo=Widget+3Bs=Smith@mixer.example.net"), "/S=Smith/O=Widget/ADMD=BTT/C=TC/");
    EXPECT_EQ(tox400("IMCEAX400-c=TC+3Ba=BTT+3Bo=Widget+3Bs=Smith@elsewhere.example"),
              "/RFC-822=IMCEAX400-c$=TC+3Ba$=BTT+3Bo$=Widget+3Bs$=Smith(a)elsewhere.example/O=Gateway/PRMD=GW/ADMD=BTT/C=TC/");
}

TEST(ToX400, StageIReasonsForStageII)
{
    // step 2: odd spacing; step 3: characters outside PrintableString
    EXPECT_EQ(method_822("\" a\"@Widget.COM"), ad::mapping_method::table); // remainder from the MCGAM
    EXPECT_EQ(tox400("\"a  b\"@Widget.COM"), "/RFC-822=(q)a  b(q)(a)Widget.COM/O=Widget/ADMD=BTT/C=TC/");
    EXPECT_EQ(tox400("a%b@Widget.COM"), "/RFC-822=a(p)b(a)Widget.COM/O=Widget/ADMD=BTT/C=TC/");
    EXPECT_EQ(tox400("user+tag@Widget.COM"), "/S=user+tag/O=Widget/ADMD=BTT/C=TC/");
}

TEST(ToX400, Over512EncodedIsRefusedOnTheEnvelopeTruncatedInHeaders)
{
    std::string const local(600, 'a');
    std::string const address = local + "@example.org";
    auto env = ad::map_822_to_x400(address, ad::role::recipient, gateway(), no_tables());
    ASSERT_FALSE(env);
    EXPECT_EQ(env.failure().code, 553);
    EXPECT_EQ(env.failure().status, "5.1.3");
    auto hdr = ad::map_822_to_x400(address, ad::role::header, gateway(), no_tables());
    ASSERT_TRUE(hdr);
    EXPECT_TRUE(hdr->truncated);
    ASSERT_EQ(hdr->address.ddas.size(), 4u);
    EXPECT_EQ(hdr->address.ddas[3].type, "RFC822C3");
    // exactly 512 encoded characters still fit ("(a)" is three), 513 do not
    auto fits = ad::map_822_to_x400(std::string(504, 'b') + "@x.org", ad::role::recipient, gateway(), no_tables());
    ASSERT_TRUE(fits);
    EXPECT_EQ(fits->address.ddas.size(), 4u);
    EXPECT_FALSE(ad::map_822_to_x400(std::string(505, 'b') + "@x.org", ad::role::recipient, gateway(), no_tables()));
}

TEST(ToX400, TwoFiftySixCharactersSplitAt128)
{
    std::string const address = std::string(200, 'c') + "@x.org";
    auto m = ad::map_822_to_x400(address, ad::role::recipient, gateway(), no_tables());
    ASSERT_TRUE(m);
    ASSERT_EQ(m->address.ddas.size(), 2u);
    EXPECT_EQ(m->address.ddas[0].value.size(), 128u);
    EXPECT_EQ(m->address.ddas[1].type, "RFC822C1");
    // and mapping A puts it back together
    auto back = ad::map_x400_to_822(m->address, ad::role::recipient, gateway(), no_tables());
    EXPECT_EQ(back->address, address);
}

TEST(ToX400, SyntaxRefusals)
{
    EXPECT_EQ(tox400("no-at-sign"), "refused 501 5.1.3 not an RFC 822 address: no '@' in the address");
    EXPECT_EQ(tox400("@x.org"), "refused 501 5.1.3 not an RFC 822 address: source route without ':'");
    EXPECT_EQ(tox400("\"open@x.org"), "refused 501 5.1.3 not an RFC 822 address: unterminated quoted local part");
    EXPECT_EQ(tox400("a@"), "refused 501 5.1.3 not an RFC 822 address: empty domain");
}

// ---- round trips the RFC promises -------------------------------------------

TEST(RoundTrip, McgamExamplesBothWays)
{
    for (std::string_view text : {
             "S=Support; O=sales; A=Master400; C=it",
             "S=renseignements; O=Region Parisienne; P=autoroutes; A=atlas; C=fr",
             "C=TC; ADMD=BTT; O=Widget; OU=Marketing; S=Linnimouth; I=J; GQ=5",
             "C=TC; ADMD=BTT; O=Widget; OU=Marketing; S=Linnimouth; I=J",
             "/S=Smith/OU=R-D/O=Salford/PRMD=UK.AC/ADMD=GOLD 400/C=GB/",
             "/G=Mary/S=St.John/O=Salford/PRMD=UK.AC/ADMD=GOLD 400/C=GB/",
             "/OU=EGKKZPZX/O=AFTN/PRMD=EG/ADMD=ICAO/C=XX/",
             "/CN=EGLLZPZX/OU=EGLL/O=EGTT/PRMD=EG/ADMD=ICAO/C=XX/",
             "/S=nobody/O=Acme/ADMD=Nowhere/C=TC/",
             "/S=x/O=Mapped/ADMD= /C=TC/",
         }) {
        auto a = addr(text);
        auto there = ad::map_x400_to_822(a, ad::role::recipient, gateway(), tables());
        ASSERT_TRUE(there) << text;
        auto back = ad::map_822_to_x400(there->address, ad::role::recipient, gateway(), tables());
        ASSERT_TRUE(back) << there->address;
        EXPECT_EQ(back->address, a) << text << " -> " << there->address << " -> " << ad::render_std_or(back->address);
    }
}

TEST(RoundTrip, Rfc822ThroughStageIIAndBack)
{
    for (std::string_view text : {"Tom_Harris@cs.widget.com", "\"a b\"@x.org", "user@unmapped.com",
                                  "@relay.co.uk:userb@host2", "x!y%z@[192.0.2.1]"}) {
        auto x = ad::map_822_to_x400(text, ad::role::recipient, gateway(), tables());
        ASSERT_TRUE(x) << text;
        auto back = ad::map_x400_to_822(x->address, ad::role::recipient, gateway(), tables());
        ASSERT_TRUE(back) << text;
        EXPECT_EQ(back->address, text);
    }
}

TEST(RoundTrip, PostalAndNumberedAttributesThroughTheGatewayDomain)
{
    // The local part carries PD-ADDRESS with "|" between its lines, which
    // Stage I must read back (step 3 allows "|"; only PD-ADDRESS holds it).
    auto const x400 = addr("S=Smith; PD-A1=742 Evergreen; PD-A2=Springfield; DD2:b=2; DD1:a=1; A=ptt; C=TC");
    auto const rfc822 = ad::map_x400_to_822(x400, ad::role::recipient, gateway(), tables());
    ASSERT_TRUE(rfc822);
    EXPECT_EQ(rfc822->address,
              "\"/DD.b=2/DD.a=1/S=Smith/PD-ADDRESS=742 Evergreen|Springfield/ADMD=ptt/C=TC/\"@mixer.example.net");
    auto const back = ad::map_822_to_x400(rfc822->address, ad::role::recipient, gateway(), tables());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->address, x400);
    EXPECT_EQ(method_822("\"/S=a|b/ADMD=ptt/C=TC/\"@mixer.example.net"), ad::mapping_method::encapsulated);
}

TEST(RoundTrip, Rfc2156Section441RecursiveMapping)
{
    EXPECT_EQ(to822("C=XX; ADMD=YY; O=ZZ; RFC-822=Smith(a)ZZ.YY.XX"), "Smith@ZZ.YY.XX");
    EXPECT_EQ(tox400("Smith@ZZ.YY.XX"), "/S=Smith/O=ZZ/ADMD=YY/C=XX/");
}

TEST(RoundTrip, Rfc2156Section442SourceRouteThroughAFrenchGateway)
{
    auto a = ad::parse_or_text("C=UK; ADMD=Gold 400; PRMD=UK.AC; RFC-822=/PN=Duval/DD.Title=Manager/(a)Inria.ATLAS.FR");
    ASSERT_TRUE(a);
    auto m = ad::map_x400_to_822(*a, ad::role::recipient, gateway(), tables());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->address, "/PN=Duval/DD.Title=Manager/@Inria.ATLAS.FR");
    EXPECT_EQ(tox400(m->address), "/DD.Title=Manager/S=Duval/PRMD=Inria/ADMD=ATLAS/C=FR/");
}

// ---- spec note section 8, one test per rule -----------------------------------

TEST(Section8, Rule1AnAddressWithoutPrmdIsCompleteAndMaps)
{
    auto a = addr("C=TC; ADMD=BTT; O=Widget; S=Smith");
    EXPECT_FALSE(ad::check_or_address(a));
    EXPECT_EQ(to822("C=TC; ADMD=BTT; O=Widget; S=Smith"), "Smith@Widget.COM");
    EXPECT_EQ(tox400("Smith@Widget.COM"), "/S=Smith/O=Widget/ADMD=BTT/C=TC/");
}

TEST(Section8, Rule2EntryNamingAPrmdDoesNotMatchAnAddressWithoutOne)
{
    // PRMD$autoroutes... must not catch an address with no PRMD
    EXPECT_EQ(to822("/S=x/O=y/ADMD=atlas/C=fr/"), "/S=x/O=y/ADMD=atlas/C=fr/@mixer.example.net");
}

TEST(Section8, Rule2EntryWithOmittedPrmdDoesNotMatchAnAddressWithOne)
{
    // O$Widget.PRMD$@... must not catch O=Widget under a PRMD; it still maps
    EXPECT_EQ(to822("/S=Smith/O=Widget/PRMD=Other/ADMD=BTT/C=TC/"),
              "/S=Smith/O=Widget/PRMD=Other/ADMD=BTT/C=TC/@mixer.example.net");
}

TEST(Section8, Rule2FallsToTheNextShorterMatch)
{
    // ADMD$Master400.C$it matches although the address names a PRMD the table does not know
    EXPECT_EQ(to822("/S=a/O=b/PRMD=p/ADMD=Master400/C=it/"), "a@b.p.Master400.it");
}

TEST(Section8, Rule3ASkippedLevelInATableLineIsOmitted)
{
    // App. F: XEROX.COM#O$Xerox.ADMD$ATT.C$US# has no PRMD level
    EXPECT_EQ(tox400("jones@XEROX.COM"), "/S=jones/O=Xerox/ADMD=ATT/C=US/");
    EXPECT_EQ(tox400("jones@sales.XEROX.COM"), "/S=jones/OU=sales/O=Xerox/ADMD=ATT/C=US/");
}

TEST(Section8, Rule4SubdomainsGoToTheNextLevelNotMarkedOmitted)
{
    // Master400.it#ADMD$Master400.C$it#: the first subdomain is the PRMD, not O
    EXPECT_EQ(tox400("Support@sales.Master400.it"), "/S=Support/PRMD=sales/ADMD=Master400/C=it/");
    // with PRMD$@ in the entry it is O
    EXPECT_EQ(tox400("a@b.ZZ.YY.XX"), "/S=a/OU=b/O=ZZ/ADMD=YY/C=XX/");
}

TEST(Section8, Rule5AnOmittedLevelStopsTheAlgorithmicMapping)
{
    EXPECT_EQ(to822("S=Support; O=sales; A=Master400; C=it"), "/S=Support/O=sales/@Master400.it");
    EXPECT_EQ(tox400("/S=Support/O=sales/@Master400.it"), "/S=Support/O=sales/ADMD=Master400/C=it/");
}

TEST(Section8, Rule6BlankAdmdLookedUpAsBlankRegeneratedAsItWas)
{
    // table: O$Mapped.PRMD$@.ADMD$ .C$TC
    EXPECT_EQ(to822("/S=x/O=Mapped/ADMD= /C=TC/"), "x@blank.example");
    EXPECT_EQ(to822("/S=x/O=Mapped/ADMD=/C=TC/"), "x@blank.example");  // zero length looked up as blank
    EXPECT_EQ(to822("/S=x/O=Mapped/C=TC/"), "x@blank.example");        // parsed C without ADMD: blank
    // regenerated as it was when it goes whole to the gateway domain
    EXPECT_EQ(to822("/S=x/O=Other/ADMD=/C=TC/"), "/S=x/O=Other/ADMD=/C=TC/@mixer.example.net");
    EXPECT_EQ(to822("/S=x/O=Other/ADMD= /C=TC/"), "\"/S=x/O=Other/ADMD= /C=TC/\"@mixer.example.net");
    EXPECT_EQ(tox400("x@blank.example"), "/S=x/O=Mapped/ADMD= /C=TC/");
}

TEST(Section8, Rule7NumericAdmdZeroIsAnOrdinaryValue)
{
    EXPECT_EQ(to822("/S=x/O=y/ADMD=0/C=IT/"), "/S=x/O=y/ADMD=0/C=IT/@mixer.example.net");
    auto a = addr("/S=x/O=y/ADMD=0/C=IT/");
    EXPECT_FALSE(ad::check_or_address(a));
}

TEST(Section8, Rule8TheGatewaysOwnAddressMayLackAPrmd)
{
    auto gw = gateway("gw.example", "C=TC; ADMD=BTT; O=SMTP-GW");
    auto x = ad::map_822_to_x400("user@example.org", ad::role::return_path, gw, no_tables());
    ASSERT_TRUE(x);
    EXPECT_EQ(ad::render_std_or(x->address), "/RFC-822=user(a)example.org/O=SMTP-GW/ADMD=BTT/C=TC/");
    auto back = ad::map_x400_to_822(x->address, ad::role::recipient, gw, no_tables());
    EXPECT_EQ(back->address, "user@example.org");
}

TEST(Section8, Rule9NoCountryNeverMatchesATable)
{
    ad::or_address a;
    a.surname = "x";
    a.o = "Widget";
    a.admd = "BTT";
    auto m = ad::map_x400_to_822(a, ad::role::header, gateway(), tables());
    EXPECT_EQ(m->address, "/S=x/O=Widget/ADMD=BTT/@mixer.example.net");
}

TEST(Section8, Rule9AnAbsentAdmdWithACountryIsLookedUpAsBlank)
{
    ad::or_address a;
    a.c = "TC";
    a.o = "Mapped";
    a.surname = "x";
    auto m = ad::map_x400_to_822(a, ad::role::recipient, gateway(), tables());
    EXPECT_EQ(m->address, "x@blank.example");
}

TEST(Section8, GmdDeOmittedBottomLevelMatches)
{
    // GMD.DE#O$@.PRMD$GMD...: an address with no O is meant to match (spec note 4.4)
    auto a = addr("C=DE; A=DBP; P=GMD; S=user");
    EXPECT_EQ(tox400("user@GMD.DE"), "/S=user/PRMD=GMD/ADMD=DBP/C=DE/");
    (void)a;
}

TEST(RoundTrip, Rfc2156Section442SymmetryThroughAnExplicitMcgam)
{
    // Joe.Soap@Widget.PTT.XY <-> C=XY; ADMD=PTT; PRMD=Griddle MHS Providers;
    // O=Widget Corporation; G=Joe; S=Soap. The RFC's PRMD is 21 characters,
    // over the X.411 bound of 16: the X.400 -> RFC 822 direction maps it by
    // the table, and the way back cannot build an invalid O/R address, so it
    // carries the RFC 822 address under the MCGAM's own attributes.
    auto t1 = ad::parse_table("O$Widget Corporation.PRMD$Griddle MHS Providers.ADMD$PTT.C$XY#Widget.PTT.XY#\n",
                              ad::table_kind::or_to_domain, "t1");
    auto t2 = ad::parse_table("Widget.PTT.XY#O$Widget Corporation.PRMD$Griddle MHS Providers.ADMD$PTT.C$XY#\n",
                              ad::table_kind::domain_to_or, "t2");
    ASSERT_TRUE(t1 && t2);
    auto idx = ad::mapping_tables::build({*t1, *t2});
    ASSERT_TRUE(idx);
    auto a = addr("C=XY; ADMD=PTT; PRMD=Griddle MHS Providers; O=Widget Corporation; G=Joe; S=Soap");
    EXPECT_EQ(ad::check_or_address(a)->why, "PRMD is longer than 16 characters");
    EXPECT_EQ(to822("C=XY; ADMD=PTT; PRMD=Griddle MHS Providers; O=Widget Corporation; G=Joe; S=Soap", *idx),
              "Joe.Soap@Widget.PTT.XY");
    EXPECT_EQ(tox400("Joe.Soap@Widget.PTT.XY", *idx),
              "/RFC-822=Joe.Soap(a)Widget.PTT.XY/O=Widget Corporation/PRMD=Griddle MHS Providers/ADMD=PTT/C=XY/");
    // with a PRMD inside the bound the symmetry holds both ways
    auto t1b = ad::parse_table("O$Widget Corporation.PRMD$Griddle.ADMD$PTT.C$XY#Widget.PTT.XY#\n",
                               ad::table_kind::or_to_domain, "t1");
    auto t2b = ad::parse_table("Widget.PTT.XY#O$Widget Corporation.PRMD$Griddle.ADMD$PTT.C$XY#\n",
                               ad::table_kind::domain_to_or, "t2");
    auto idx2 = ad::mapping_tables::build({*t1b, *t2b});
    ASSERT_TRUE(idx2);
    EXPECT_EQ(to822("C=XY; ADMD=PTT; PRMD=Griddle; O=Widget Corporation; G=Joe; S=Soap", *idx2), "Joe.Soap@Widget.PTT.XY");
    EXPECT_EQ(tox400("Joe.Soap@Widget.PTT.XY", *idx2), "/G=Joe/S=Soap/O=Widget Corporation/PRMD=Griddle/ADMD=PTT/C=XY/");
}
