// The O/R address forms beyond PrintableString (Teletex, universal, PSAP),
// T.61 text in the mapping, file transfer body part parameters, probes and
// per-recipient extensions: BER both ways and RFC 2156/2157 both ways.
#include "samples.hpp"

#include "addressing/std_or.hpp"
#include "mime/parser.hpp"
#include "x400/describe.hpp"
#include "x400/mapping.hpp"
#include "x400/text.hpp"

#include <gtest/gtest.h>

namespace x4 = x400gw::x400;
namespace p1 = x400gw::x400::p1;
namespace p22 = x400gw::x400::p22;
namespace ber = x400gw::x400::ber;
namespace ad = x400gw::addressing;
namespace samples = x400gw::x400::samples;

namespace {

ber::bytes as_bytes(std::string const& s)
{
    return {reinterpret_cast<std::uint8_t const*>(s.data()), s.size()};
}

ad::mapper test_mapper()
{
    ad::gateway_identity gw;
    gw.domain = "gw.example";
    gw.address = *ad::parse_std_or("/PRMD=Gateway/ADMD= /C=XX/");
    return ad::mapper(*ad::make_mapping_state(gw, {}));
}

p1::message round_trip(p1::message const& m)
{
    auto const wire = p1::encode(m);
    auto back = p1::decode(as_bytes(wire));
    EXPECT_TRUE(back) << back.failure().offset << ": " << back.failure().reason;
    if (!back)
        return {};
    EXPECT_EQ(p1::encode(*back), wire);
    return std::get<p1::message>(*back);
}

bool contains(std::string const& haystack, std::string_view needle)
{
    return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST(Intl, TeletexFormsAreWrittenAsBothAttributesAndReadBack)
{
    auto const m = samples::intl_message();
    auto const back = round_trip(m);
    EXPECT_EQ(back.envelope.originator, m.envelope.originator);
    auto const wire = p1::encode(m);
    // organization-name [3] "Muller AG" and teletex-organization-name (3) "M\xc8uller AG".
    EXPECT_TRUE(contains(wire, std::string("\x83\x09" "Muller AG", 11)));
    EXPECT_TRUE(contains(wire, std::string("\x80\x01\x03\xa1\x0c\x14\x0a" "M\xc8uller AG", 17)));
    // teletex-common-name (2) only: no printable common-name (1).
    EXPECT_TRUE(contains(wire, std::string("\x80\x01\x02\xa1", 4)));
    EXPECT_FALSE(contains(wire, std::string("\x80\x01\x01\xa1", 4)));
    // teletex-organizational-unit-names (5) has both OUs, organizational-unit-names [6] the first.
    EXPECT_TRUE(contains(wire, std::string("\x14\x09" "Forschung\x14\x0a" "Pr\xc8ufstand", 23)));
    EXPECT_TRUE(contains(wire, std::string("\xa6\x0b\x13\x09" "Forschung", 13)));
}

TEST(Intl, TeletexPersonalNameWithoutAPrintableSurname)
{
    auto m = samples::minimal_message();
    auto& a = m.envelope.originator.address;
    a.surname = "*M{200}uller";
    a.given = "Hans";
    auto const back = round_trip(m);
    // PersonalName needs a surname: the name travels in teletex-personal-name
    // alone, the given name as its Teletex form.
    EXPECT_EQ(back.envelope.originator.address.surname, "*M{200}uller");
    EXPECT_EQ(back.envelope.originator.address.given, "*Hans");
    EXPECT_EQ(round_trip(back).envelope.originator, back.envelope.originator);
}

TEST(Intl, UniversalAttributesAreReadAndWrittenBackUnchanged)
{
    auto const n = samples::teletex_person();
    ASSERT_EQ(n.opaque_attributes.size(), 2u);
    auto cn = p1::read_universal_attribute(n.opaque_attributes[0]);
    ASSERT_TRUE(cn);
    EXPECT_EQ(cn->type, 24);
    EXPECT_EQ(p1::universal_attribute_name(cn->type), "universal-common-name");
    ASSERT_EQ(cn->values.size(), 1u);
    EXPECT_EQ(cn->values[0].first, "CN");
    EXPECT_EQ(cn->values[0].second.text, "J\u00fcrgen M\u00fcller");
    EXPECT_EQ(cn->values[0].second.language, "de");
    EXPECT_EQ(p1::encode_universal_attribute(*cn), n.opaque_attributes[0]);
    auto ou = p1::read_universal_attribute(n.opaque_attributes[1]);
    ASSERT_TRUE(ou);
    ASSERT_EQ(ou->values.size(), 2u);
    EXPECT_TRUE(ou->values[1].second.four_octets);
    EXPECT_EQ(ou->values[1].second.text, "\u0141\u00f3d\u017a");
    EXPECT_EQ(p1::encode_universal_attribute(*ou), n.opaque_attributes[1]);
    // Personal name and domain-defined attributes.
    p1::universal_attribute pn{26, {{"S", {"M\u00fcller", false, {}}}, {"G", {"J\u00fcrgen", false, {}}}}};
    EXPECT_EQ(p1::read_universal_attribute(p1::encode_universal_attribute(pn)), pn);
    p1::universal_attribute dd{28, {{"type", {"Abt", false, {}}}, {"value", {"Gr\u00fcn", false, {}}}}};
    EXPECT_EQ(p1::read_universal_attribute(p1::encode_universal_attribute(dd)), dd);
    p1::universal_attribute street{36, {{"PD-STREET", {"Hauptstra\u00dfe 1", false, {}}}}};
    EXPECT_EQ(p1::read_universal_attribute(p1::encode_universal_attribute(street)), street);
    // Not universal: nothing.
    EXPECT_FALSE(p1::read_universal_attribute(std::string("\x30\x08\x80\x01\x63\xa1\x03\x02\x01\x07", 10)));
    // The describe tree names them.
    auto const json = x4::to_json(x4::describe(n));
    EXPECT_TRUE(contains(json, "\"universal-attributes\":[{\"attribute\":\"universal-common-name\""));
    EXPECT_TRUE(contains(json, "\"language\":\"de\""));
}

TEST(Intl, PsapAddress)
{
    auto m = samples::intl_message();
    auto const back = round_trip(m);
    EXPECT_EQ(back.envelope.recipients.front().name, m.envelope.recipients.front().name);
    auto const wire = p1::encode(m);
    // extension-attribute 22, psap-address [0] with the explicit selectors and the NSAP.
    EXPECT_TRUE(contains(wire, std::string("\x80\x01\x16\xa1", 4)));
    EXPECT_TRUE(contains(wire, std::string("\xa3\x08\x31\x06\x04\x04\x49\x00\x01\xaa", 10)));
    EXPECT_TRUE(p1::valid_psap_text("//'01'H/NS+01,NS+0203"));
    EXPECT_FALSE(p1::valid_psap_text("NS+01"));
    EXPECT_FALSE(p1::valid_psap_text("'0'H///NS+01"));
    // Only a transport selector and two NSAPs.
    m.envelope.recipients.front().name.address.other = {{"NET-PSAP", "//'01'H/NS+01,NS+0203"}};
    auto const again = round_trip(m);
    ASSERT_EQ(again.envelope.recipients.front().name.address.other.size(), 1u);
    EXPECT_EQ(again.envelope.recipients.front().name.address.other.front().value, "//'01'H/NS+01,NS+0203");
    // A NET-PSAP that does not parse has no BER form: left out, and no
    // empty SET of extension attributes is written.
    m.envelope.recipients.front().name.address.other = {{"NET-PSAP", "nonsense"}};
    auto const dropped = round_trip(m);
    EXPECT_TRUE(dropped.envelope.recipients.front().name.address.other.empty());
}

TEST(Intl, PostalAttributesWithTeletexForms)
{
    auto const m = samples::intl_message();
    auto const wire = p1::encode(m);
    // street-address (17): PDSParameter with both strings.
    EXPECT_TRUE(contains(wire, std::string("\x31\x1f\x13\x0e" "Hauptstrasse 1\x14\x0d" "Hauptstra\xfb" "e 1", 33)));
    // unformatted-postal-address (16): the lines and the teletex-string.
    EXPECT_TRUE(contains(wire, std::string("\x30\x0e\x13\x04" "Lodz\x13\x06" "Poland\x14\x06\xe8\xc2od\xc2z", 24)));
    EXPECT_EQ(round_trip(m).envelope.recipients.front().name, m.envelope.recipients.front().name);
}

TEST(Intl, FileTransferParameters)
{
    auto const ipm = samples::intl_ipm();
    auto const& f = std::get<p22::file_transfer>(ipm.body[1]);
    bool other = true;
    auto a = p22::read_file_transfer_parameters(*f.parameters, other);
    ASSERT_TRUE(a);
    EXPECT_FALSE(other);
    EXPECT_EQ(*a, f.attributes);
    auto back = p22::decode(as_bytes(p22::encode(ipm)));
    ASSERT_TRUE(back);
    EXPECT_EQ(std::get<p22::ipm>(*back), ipm);
    // Anything more (environment [2] here) is flagged, and kept.
    std::string params = *f.parameters;
    params.insert(2, std::string("\xa2\x00", 2));
    params[1] = static_cast<char>(params[1] + 2);
    a = p22::read_file_transfer_parameters(params, other);
    ASSERT_TRUE(a);
    EXPECT_TRUE(other);
    EXPECT_EQ(a->size, 4);
    // no-value-available reads as absent.
    p22::file_attributes none;
    std::string const nv("\x30\x06\xa4\x04\xa4\x02\x80\x00", 8);
    a = p22::read_file_transfer_parameters(nv, other);
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, none);
    EXPECT_FALSE(other);
}

TEST(Intl, ToMimeSaysWhatIsCarriedAndWhatIsLost)
{
    auto mime = x4::to_mime(p1::mts_apdu{samples::intl_message()}, test_mapper());
    ASSERT_TRUE(mime) << mime.failure().why;
    auto const& out = mime->message;
    // T.61 subject and free-form names as UTF-8 encoded words.
    EXPECT_TRUE(contains(out, "Subject: Spotkanie w =?utf-8?B?")) << out;
    // The Teletex body part as UTF-8 text.
    EXPECT_TRUE(contains(out, "Content-Type: text/plain; charset=utf-8")) << out;
    // FTBP: RFC 2183 parameters.
    EXPECT_TRUE(contains(out, "filename=\"report.pdf\"")) << out;
    EXPECT_TRUE(contains(out, "creation-date=\"Tue, 01 Dec 2026 09:30:00 +0000\"")) << out;
    EXPECT_TRUE(contains(out, "modification-date=\"Thu, 03 Dec 2026 17:00:00 +0000\"")) << out;
    EXPECT_TRUE(contains(out, "size=4")) << out;
    EXPECT_TRUE(contains(out, "permitted-actions of a file (11)")) << out;
    // Per-recipient extension, universal forms.
    EXPECT_TRUE(contains(out, "Discarded-X400-MTS-Extensions: 1.3.6.1.4.1.58888.11 (recipient 1)")) << out;
    EXPECT_TRUE(contains(out, "universal-common-name")) << out;
    // The Teletex forms are in the std-or text.
    EXPECT_TRUE(contains(out, "S=Muller*M{200}uller")) << out;
    EXPECT_TRUE(contains(out, "NET-PSAP='0001'H$/'0002'H$/'0003'H$/NS+490001aa") ||
                contains(out, "NET-PSAP='0001'H")) << out;
}

TEST(Intl, MimeToX400AndBackKeepsT61TextAndFileAttributes)
{
    auto map = test_mapper();
    auto mime = x4::to_mime(p1::mts_apdu{samples::intl_message()}, map);
    ASSERT_TRUE(mime) << mime.failure().why;
    x4::from_mime_input in;
    in.message = mime->message;
    in.mail_from = mime->envelope.mail_from;
    for (auto const& r : mime->envelope.rcpt_to)
        in.rcpt_to.push_back(r.address);
    in.now = 1796385600;
    in.local_identifier = "back-1";
    auto apdu = x4::from_mime(in, map);
    ASSERT_TRUE(apdu) << apdu.failure().why;
    auto const& m = std::get<p1::message>(*apdu);
    // The recipient's postal Teletex forms and PSAP address come back.
    ASSERT_EQ(m.envelope.recipients.size(), 1u);
    EXPECT_EQ(m.envelope.recipients.front().name.address.other,
              samples::intl_message().envelope.recipients.front().name.address.other);
    auto content = p22::decode(as_bytes(m.content));
    ASSERT_TRUE(content);
    auto const& ipm = std::get<p22::ipm>(*content);
    auto const original = samples::intl_ipm();
    EXPECT_EQ(ipm.heading.subject, original.heading.subject);
    ASSERT_TRUE(ipm.heading.originator);
    EXPECT_EQ(ipm.heading.originator->free_form_name, original.heading.originator->free_form_name);
    // The originator's Teletex forms survive through the std-or text.
    ASSERT_TRUE(ipm.heading.originator->formal_name);
    EXPECT_EQ(ipm.heading.originator->formal_name->address.surname, "Muller*M{200}uller");
    // The Teletex text came back as general-text (UTF-8); the file with its attributes.
    p22::file_transfer const* f = nullptr;
    for (auto const& part : ipm.body)
        if (auto const* x = std::get_if<p22::file_transfer>(&part))
            f = x;
    ASSERT_TRUE(f);
    auto want = std::get<p22::file_transfer>(original.body[1]).attributes;
    want.permitted_actions.reset(); // stated as lost on the way out
    EXPECT_EQ(f->attributes, want);
}

TEST(Intl, HeaderTextBeyondT61IsStated)
{
    auto map = test_mapper();
    x4::from_mime_input in;
    in.message = "From: =?utf-8?b?4oKsIE1hbg==?= <a@a.example>\r\nTo: b@b.example\r\n"
                 "Subject: =?utf-8?q?Caf=C3=A9_=E2=82=AC?=\r\nMessage-ID: <1@a.example>\r\n\r\nhi\r\n";
    in.mail_from = "a@a.example";
    in.rcpt_to = {"b@b.example"};
    in.now = 1796385600;
    in.local_identifier = "x";
    auto apdu = x4::from_mime(in, map);
    ASSERT_TRUE(apdu) << apdu.failure().why;
    auto content = p22::decode(as_bytes(std::get<p1::message>(*apdu).content));
    ASSERT_TRUE(content);
    auto const& h = std::get<p22::ipm>(*content).heading;
    EXPECT_EQ(h.subject, "Caf\xc2" "e ?");
    ASSERT_TRUE(h.originator);
    EXPECT_FALSE(h.originator->free_form_name); // "€ Man" has no T.61 form
}

TEST(Intl, ProbesDecodeDescribeAndAreNotMapped)
{
    auto const p = samples::sample_probe();
    auto back = p1::decode(as_bytes(p1::encode(p)));
    ASSERT_TRUE(back);
    EXPECT_EQ(std::get<p1::probe>(*back), p);
    auto const json = x4::to_json(x4::describe(*back));
    EXPECT_TRUE(contains(json, "\"probe\":{\"probe-identifier\"")) << json;
    EXPECT_TRUE(contains(json, "\"content-length\":4096")) << json;
    auto mime = x4::to_mime(*back, test_mapper());
    ASSERT_FALSE(mime);
    EXPECT_TRUE(contains(mime.failure().why, "probe")) << mime.failure().why;
    EXPECT_TRUE(contains(mime.failure().why, "probe-9")) << mime.failure().why;
}

TEST(Intl, CriticalPerRecipientExtensionRefusesTheMessage)
{
    auto m = samples::intl_message();
    m.envelope.recipients.front().ext.other.front().criticality = samples::bits_of({p1::crit::for_delivery});
    auto mime = x4::to_mime(p1::mts_apdu{m}, test_mapper());
    ASSERT_FALSE(mime);
    EXPECT_TRUE(contains(mime.failure().why, "recipient 1")) << mime.failure().why;
}

TEST(Intl, ProbesAreAnsweredWithAReport)
{
    auto map = test_mapper();
    auto p = samples::sample_probe();
    // Not an IPM (an extended content type): non-delivery, content-type-not-supported.
    auto r = x4::answer_probe(p, map, 1796385600, "answer-1");
    ASSERT_TRUE(r) << r.failure().why;
    EXPECT_EQ(r->subject_id, p.probe_id);
    EXPECT_EQ(r->destination, p.originator);
    EXPECT_EQ(r->report_id.local, "answer-1");
    ASSERT_EQ(r->recipients.size(), 1u);
    auto const* n = std::get_if<p1::non_delivery_report>(&r->recipients[0].report);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->reason, 1);
    EXPECT_EQ(n->diagnostic, 15);
    // An IPM probe: a delivery report for a recipient that maps, a
    // non-delivery report (unrecognised-OR-name) for one that does not.
    p.type = p1::content_type{p1::content_types::p22_1988, std::nullopt};
    auto bad = p.recipients.front();
    bad.name = samples::person("No", "Where");
    bad.name.address.ddas = {{"RFC-822", "no address here"}};   // RFC 2156 3.4: refused for envelope addresses
    bad.originally_specified_number = 2;
    p.recipients.push_back(bad);
    r = x4::answer_probe(p, map, 1796385600, "answer-2");
    ASSERT_TRUE(r) << r.failure().why;
    ASSERT_EQ(r->recipients.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<p1::delivery_report>(r->recipients[0].report));
    auto const* nd = std::get_if<p1::non_delivery_report>(&r->recipients[1].report);
    ASSERT_TRUE(nd);
    EXPECT_EQ(nd->diagnostic, 0);
    // The report encodes and decodes, and maps to a DSN like any other.
    auto const wire = p1::encode(p1::mts_apdu{*r});
    auto back = p1::decode(as_bytes(wire));
    ASSERT_TRUE(back) << back.failure().reason;
    EXPECT_EQ(std::get<p1::report>(*back), *r);
    // A probe that asks for no report is not answered.
    for (auto& rec : p.recipients)
        rec.indicators = samples::bits_of({p1::pri::responsibility}, 8);
    EXPECT_FALSE(x4::answer_probe(p, map, 1796385600, "answer-3"));
}

TEST(Intl, PerRecipientHeadingExtensionsAreNamed)
{
    auto m = samples::minimal_message();
    auto ipm = samples::intl_ipm();
    // RecipientSpecifier [3]: one IPMSExtension of a private type.
    ipm.heading.primary_recipients.front().recipient_extensions =
        std::string("\xa3\x0d\x30\x0b\x06\x09\x2b\x06\x01\x04\x01\x83\xcc\x08\x0c", 15);
    m.content = p22::encode(ipm);
    auto back = p22::decode(as_bytes(m.content));
    ASSERT_TRUE(back) << back.failure().reason;
    auto mime = x4::to_mime(p1::mts_apdu{m}, test_mapper());
    ASSERT_TRUE(mime) << mime.failure().why;
    EXPECT_TRUE(contains(mime->message, "Discarded-X400-IPMS-Extensions: 1.3.6.1.4.1.58888.12 (To recipient 1)"))
        << mime->message;
}
