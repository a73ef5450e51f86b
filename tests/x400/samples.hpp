// tests/x400/samples.hpp
//
// P1 values the tests build, encode, decode and hand to the oracles: one of
// each MTS-APDU, with every modelled field set somewhere, plus a BER
// rewriter that turns any encoding into the other forms X.690 allows
// (indefinite lengths, strings in segments).
#pragma once

#include "x400/ber.hpp"
#include "x400/p1.hpp"
#include "x400/p22.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

namespace x400gw::x400::samples {

inline ber::bit_string bits_of(std::initializer_list<std::size_t> on, std::size_t size = 0)
{
    ber::bit_string b;
    if (size)
        b.set(size - 1, false);
    for (auto i : on)
        b.set(i);
    return b;
}

inline p1::global_domain_identifier gdi(std::string c, std::string admd, std::optional<std::string> prmd = {})
{
    return {std::move(c), std::move(admd), std::move(prmd)};
}

inline p1::or_name person(std::string given, std::string surname, std::string o = "ATC")
{
    p1::or_name n;
    n.address.c = "XX";
    n.address.admd = " ";
    n.address.prmd = "ATC Net";
    n.address.o = std::move(o);
    n.address.ou = {"Ops", "North"};
    n.address.given = std::move(given);
    n.address.surname = std::move(surname);
    return n;
}

inline p1::trace_element trace_at(std::string time)
{
    p1::trace_element t;
    t.domain = gdi("XX", " ", "ATC Net");
    t.arrival_time = ber::time_value{std::move(time), false};
    return t;
}

inline p22::or_descriptor descriptor(p1::or_name n, std::optional<std::string> free_form = {})
{
    p22::or_descriptor d;
    d.formal_name = std::move(n);
    d.free_form_name = std::move(free_form);
    return d;
}

inline p22::ipm_identifier ipm_id(std::string local, bool with_user = true)
{
    p22::ipm_identifier id;
    if (with_user)
        id.user = person("Ann", "Lee");
    id.user_relative_identifier = std::move(local);
    return id;
}

// An IPM with every heading field and every modelled body part.
inline p22::ipm full_ipm()
{
    p22::ipm m;
    auto& h = m.heading;
    h.this_ipm = ipm_id("ipm-0001");
    h.originator = descriptor(person("Ann", "Lee"), "Ann Lee");
    h.originator->telephone_number = "+1 555 0100";
    h.authorizing_users = {descriptor(person("Boss", "Big"))};
    p22::recipient_specifier to;
    to.recipient = descriptor(person("Bob", "Ray"), "Bob Ray");
    to.notification_requests = bits_of({p22::notification::rn, p22::notification::nrn});
    to.reply_requested = true;
    p22::recipient_specifier cc;
    cc.recipient = descriptor(person("Cy", "Copy"));
    p22::recipient_specifier bcc;
    bcc.recipient.free_form_name = "Hidden Person";
    h.primary_recipients = {to};
    h.copy_recipients = {cc};
    h.blind_copy_recipients = std::vector<p22::recipient_specifier>{bcc};
    h.replied_to_ipm = ipm_id("ipm-0000");
    h.obsoleted_ipms = {ipm_id("ipm-old", false)};
    h.related_ipms = {ipm_id("ipm-rel")};
    h.subject = "Quarterly report (draft)";
    h.expiry_time = ber::time_value{"261231235959Z", false};
    h.reply_time = ber::time_value{"261210120000Z", false};
    h.reply_recipients = std::vector<p22::or_descriptor>{descriptor(person("Reply", "Desk"))};
    h.importance = p22::importance::high;
    h.sensitivity = p22::sensitivity::company_confidential;
    h.auto_forwarded = true;
    h.extensions = {{*ber::oid::parse("1.3.6.1.4.1.58888.9"), std::string("\x05\x00", 2)}};

    m.body.push_back(p22::ia5_text{5, "Hello Bob,\r\nthe figures are attached.\r\n"});
    p22::teletex tt;
    tt.number_of_pages = 1;
    tt.pages = {"Page one", "Page two"};
    m.body.push_back(tt);
    p22::g3_facsimile fax;
    fax.number_of_pages = 1;
    fax.pages = {bits_of({0, 3, 9})};
    m.body.push_back(fax);
    m.body.push_back(p22::bilaterally_defined{std::string("\x00\x01\x02\xff", 4)});
    m.body.push_back(p22::nationally_defined{std::string("\x02\x01\x2a", 3)});
    m.body.push_back(p22::general_text{{1, 6, 100}, "Gr\xfc\xdf" "e"});
    p22::file_transfer f;
    f.parameters = p22::file_transfer_parameters("figures.csv");
    f.file_name = "figures.csv";
    f.attributes.file_name = "figures.csv";
    ber::external data;
    data.direct_reference = ber::oid::parse("1.0.8571.5.3");
    data.kind = ber::external::encoding::octet_aligned;
    data.data = "q,value\n1,42\n";
    f.data = {data};
    m.body.push_back(f);
    p22::ipm inner;
    inner.heading.this_ipm = ipm_id("ipm-inner");
    inner.heading.subject = "Forwarded";
    inner.body.push_back(p22::ia5_text{5, "inner text\r\n"});
    p22::message_body_part fwd;
    fwd.delivery_time = ber::time_value{"261201080000Z", false};
    fwd.data.push_back(inner);
    m.body.push_back(fwd);
    return m;
}

inline p22::ipn receipt_notification()
{
    p22::ipn n;
    n.subject_ipm = ipm_id("ipm-0001");
    n.ipn_originator = descriptor(person("Bob", "Ray"));
    n.ipm_intended_recipient = descriptor(person("Bob", "Ray"));
    n.fields = p22::receipt_fields{ber::time_value{"261204113000Z", false}, 1, std::string("read at desk")};
    return n;
}

inline p22::ipn non_receipt_notification()
{
    p22::ipn n;
    n.subject_ipm = ipm_id("ipm-0001");
    n.ipn_originator = descriptor(person("Bob", "Ray"));
    p22::non_receipt_fields f;
    f.reason = 0;
    f.discard = 0;
    n.fields = f;
    return n;
}

// A message with every envelope field x400gw models set.
inline p1::message full_message()
{
    p1::message m;
    auto& e = m.envelope;
    e.message_id = {gdi("XX", " ", "ATC Net"), "msg-0001.x400gw"};
    e.originator = person("Ann", "Lee");
    e.originator.address.initials = "AL";
    e.originator.address.generation = "3rd";
    e.originator.address.ddas = {{"RFC-822", "ann(a)atc.example"}};
    p1::encoded_information_types eit;
    eit.built_in = bits_of({p1::eit::ia5_text});
    eit.extended = {*ber::oid::parse("2.6.1.12.0")};
    e.original_eits = eit;
    e.type.built_in = p1::content_types::p22_1988;
    e.content_identifier = "ref 42";
    e.priority = p1::priority::urgent;
    e.indicators = bits_of({p1::pmi::alternate_recipient_allowed, p1::pmi::content_return_request});
    e.deferred_delivery_time = ber::time_value{"261204120000Z", false};
    auto t1 = trace_at("261204100000Z");
    auto t2 = trace_at("261204100500Z");
    t2.domain = gdi("YY", "Telemail", std::nullopt);
    t2.action = p1::routing_action::rerouted;
    t2.attempted_domain = gdi("ZZ", "Other", "P");
    t2.deferred_time = ber::time_value{"261204110000Z", false};
    t2.other_actions = bits_of({0}, 2);
    e.trace = {t1, t2};
    e.ext.recipient_reassignment_prohibited = true;
    e.ext.conversion_with_loss_prohibited = true;
    e.ext.latest_delivery_time = ber::time_value{"261205120000Z", false};
    p1::or_name ret;
    ret.address.c = "XX";
    ret.address.admd = " ";
    ret.address.o = "ATC";
    ret.address.common_name = "Postmaster";
    e.ext.originator_return_address = ret;
    e.ext.content_correlator_value = p1::content_correlator{true, "corr-7"};
    p1::internal_trace_element it;
    it.domain = gdi("XX", " ", "ATC Net");
    it.mta_name = "mta1.atc";
    it.arrival_time = ber::time_value{"261204100001Z", false};
    it.attempted_mta = "mta2.atc";
    e.ext.internal_trace = {it};
    e.ext.has_internal_trace = true;
    p1::extension_field unknown;
    unknown.private_type = ber::oid::parse("1.3.6.1.4.1.58888.7");
    unknown.value = std::string("\x04\x03" "abc", 5);
    e.ext.other.push_back(unknown);

    p1::message_recipient r1;
    r1.name = person("Bob", "Ray", "ATC");
    r1.name.address.common_name = "Bob Ray";
    r1.name.address.other = {{"PD-C", "XX"}, {"PD-CODE", "75001"}, {"PD-ADDRESS", "1 Main St|Springfield"},
                             {"PD-STREET", "Main St"}, {"T-TY", "teletex"}, {"NET-NUM", "3312345"}};
    r1.originally_specified_number = 1;
    r1.indicators = bits_of({p1::pri::responsibility, p1::pri::originating_mta_non_delivery_report,
                             p1::pri::originator_non_delivery_report}, 8);
    r1.ext.originator_requested_alternate_recipient = person("Cy", "Alt");
    p1::message_recipient r2;
    r2.name.address.c = "YY";
    r2.name.address.admd = "Telemail";
    r2.name.address.x121 = "20491234";
    r2.name.address.t_id = "TERM1";
    r2.name.address.ua_id = "123456";
    r2.originally_specified_number = 2;
    r2.indicators = bits_of({p1::pri::originating_mta_report, p1::pri::originator_report}, 8);
    r2.explicit_conversion = 1;
    e.recipients = {r1, r2};
    m.content = p22::encode(full_ipm());
    return m;
}

// The smallest message X.411 allows.
inline p1::message minimal_message()
{
    p1::message m;
    auto& e = m.envelope;
    e.message_id = {gdi("XX", "A"), "1"};
    e.originator.address.c = "XX";
    e.originator.address.admd = "A";
    e.originator.address.surname = "S";
    e.type.built_in = p1::content_types::p22_1988;
    e.trace = {trace_at("261204100000Z")};
    p1::message_recipient r;
    r.name.address.c = "XX";
    r.name.address.admd = "A";
    r.name.address.surname = "R";
    r.indicators = bits_of({0, 2, 4}, 8);
    e.recipients = {r};
    p22::ipm ipm;
    ipm.heading.this_ipm.user_relative_identifier = "1";
    ipm.body.push_back(p22::ia5_text{5, "hello"});
    m.content = p22::encode(ipm);
    return m;
}

inline p1::probe sample_probe()
{
    p1::probe p;
    p.probe_id = {gdi("XX", " ", "ATC Net"), "probe-9"};
    p.originator = person("Ann", "Lee");
    p.type.extended = ber::oid::parse("1.3.6.1.4.1.58888.2");
    p.content_identifier = "probe";
    p.content_length = 4096;
    p.indicators = bits_of({p1::pmi::disclosure_of_other_recipients});
    p.trace = {trace_at("261204100000Z")};
    p.ext.dl_expansion_prohibited = true;
    p1::probe_recipient r;
    r.name = person("Bob", "Ray");
    r.indicators = bits_of({0, 1, 3}, 8);
    p.recipients = {r};
    return p;
}

inline p1::report sample_report()
{
    p1::report r;
    r.report_id = {gdi("XX", " ", "ATC Net"), "rep-1"};
    r.destination = person("Ann", "Lee");
    r.trace = {trace_at("261204100000Z")};
    r.ext.reporting_mta_name = "mta1.atc";
    r.ext.reporting_mta_domain = gdi("XX", " ", "ATC Net");
    r.subject_id = {gdi("XX", " ", "ATC Net"), "msg-0001.x400gw"};
    r.has_subject_intermediate_trace = true;
    r.subject_intermediate_trace = {trace_at("261204095900Z")};
    r.type = p1::content_type{p1::content_types::p22_1988, std::nullopt};
    r.content_identifier = "ref 42";
    p22::ipm returned;
    returned.heading.this_ipm = ipm_id("ipm-0001");
    returned.heading.subject = "Quarterly report (draft)";
    returned.body.push_back(p22::ia5_text{5, "Hello Bob,\r\n"});
    r.returned_content = p22::encode(returned);
    p1::report_recipient d;
    d.actual_recipient = person("Bob", "Ray");
    d.originally_specified_number = 1;
    d.indicators = bits_of({0, 2, 4}, 8);
    d.arrival_time = ber::time_value{"261204100100Z", false};
    d.report = p1::delivery_report{ber::time_value{"261204100200Z", false}, 0};
    p1::report_recipient n;
    n.actual_recipient = person("Cy", "Gone");
    n.originally_specified_number = 2;
    n.indicators = bits_of({0, 2, 4}, 8);
    n.arrival_time = ber::time_value{"261204100100Z", false};
    n.report = p1::non_delivery_report{1, 0};
    n.supplementary_information = "no such user";
    n.originally_intended_recipient = person("Cy", "Old");
    r.recipients = {d, n};
    return r;
}

// An O/R name in the Teletex forms (RFC 2156 3.3.4 text: the T.61
// octets after "*", {200} being the diaeresis 0xc8), with a universal
// common name and organizational unit (BMP, one with a language) kept
// beside them.
inline p1::or_name teletex_person()
{
    p1::or_name n;
    auto& a = n.address;
    a.c = "XX";
    a.admd = " ";
    a.prmd = "ATC Net";
    a.o = "Muller AG*M{200}uller AG";
    a.ou = {"Forschung*Forschung", "*Pr{200}ufstand"};
    a.surname = "Muller*M{200}uller";
    a.given = "Jurgen*J{200}urgen";
    a.common_name = "*J{200}urgen M{200}uller";
    a.ddas = {{"Dept", "*Gr{200}un"}};
    p1::universal_attribute cn;
    cn.type = 24;
    cn.values = {{"CN", {"J\u00fcrgen M\u00fcller", false, "de"}}};
    p1::universal_attribute ou;
    ou.type = 27;
    ou.values = {{"OU", {"Pr\u00fcfstand", false, std::nullopt}}, {"OU", {"\u0141\u00f3d\u017a", true, std::nullopt}}};
    n.opaque_attributes = {p1::encode_universal_attribute(cn), p1::encode_universal_attribute(ou)};
    return n;
}

// The IPM of intl_message: T.61 subject, free-form name and Teletex text,
// and a file transfer body part with its dates, size and permitted actions.
inline p22::ipm intl_ipm()
{
    p22::ipm m;
    auto& h = m.heading;
    h.this_ipm = ipm_id("ipm-intl");
    h.originator = descriptor(teletex_person(), std::string("J\xc8urgen M\xc8uller"));
    p22::recipient_specifier to;
    to.recipient = descriptor(person("Bob", "Ray"), std::string("Bob \xe8\xc2od\xc2z"));
    h.primary_recipients = {to};
    h.subject = "Spotkanie w \xe8\xc2od\xc2z, caf\xc2" "e cr\xc8" "eme";
    p22::teletex tt;
    tt.pages = {"Gr\xc8u\xfb" "e aus \xe8\xc2od\xc2z"};
    m.body.push_back(tt);
    p22::file_transfer f;
    f.attributes.file_name = "report.pdf";
    f.attributes.creation_time = ber::time_value{"20261201093000Z", true};
    f.attributes.modification_time = ber::time_value{"20261203170000Z", true};
    f.attributes.size = 4;
    f.attributes.permitted_actions = bits_of({0, 1});
    f.parameters = p22::file_transfer_parameters(f.attributes);
    f.file_name = f.attributes.file_name;
    ber::external data;
    data.direct_reference = ber::oid::parse("1.0.8571.5.3");
    data.kind = ber::external::encoding::octet_aligned;
    data.data = "%PDF";
    f.data = {data};
    m.body.push_back(f);
    return m;
}

// A message from a Teletex-named originator to a recipient with a PSAP
// address and a per-recipient extension x400gw does not model.
inline p1::message intl_message()
{
    auto m = minimal_message();
    auto& e = m.envelope;
    e.message_id = {gdi("XX", " ", "ATC Net"), "msg-intl"};
    e.originator = teletex_person();
    e.recipients.front().name = person("Bob", "Ray");
    e.recipients.front().name.address.other = {{"PD-STREET", "Hauptstrasse 1*Hauptstra{251}e 1"},
                                                {"PD-ADDRESS", "Lodz|Poland*{232}{194}od{194}z"},
                                                {"NET-PSAP", "'0001'H/'0002'H/'0003'H/NS+490001aa"}};
    p1::extension_field ext;
    ext.private_type = ber::oid::parse("1.3.6.1.4.1.58888.11");
    ext.value = std::string("\x01\x01\xff", 3);
    e.recipients.front().ext.other = {ext};
    m.content = p22::encode(intl_ipm());
    return m;
}

// Re-encodes `in` with every constructed element in the indefinite form
// and, when `segments`, every universal string split into a constructed
// string of one-to-three-octet segments. nullopt when `in` is not BER.
inline std::optional<std::string> rewrite(std::string_view in, bool segments, std::size_t depth = 0)
{
    if (depth > 60)
        return std::nullopt;
    ber::session s({reinterpret_cast<std::uint8_t const*>(in.data()), in.size()});
    ber::reader r(s, s.input());
    std::string out;
    while (auto e = r.next()) {
        std::string content(reinterpret_cast<char const*>(e->content.data()), e->content.size());
        if (e->constructed) {
            auto inner = rewrite(content, segments, depth + 1);
            if (!inner)
                return std::nullopt;
            out += ber::encode_identifier(e->tag, true) + "\x80" + *inner + std::string(2, '\0');
            continue;
        }
        auto const n = e->tag.number;
        bool const string_type = e->tag.cls == ber::tag_class::universal &&
                                 (n == 4 || n == 12 || (n >= 18 && n <= 22) || (n >= 25 && n <= 28) || n == 30);
        if (segments && string_type && content.size() > 1) {
            out += ber::encode_identifier(e->tag, true) + "\x80";
            for (std::size_t i = 0; i < content.size(); i += 1 + i % 3) {
                auto piece = content.substr(i, 1 + i % 3);
                out += std::string("\x04") + ber::encode_length(piece.size()) + piece;
            }
            out += std::string(2, '\0');
            continue;
        }
        out.append(in.substr(e->offset, e->end - e->offset));
    }
    if (s.failed())
        return std::nullopt;
    return out;
}

// Re-encodes `in` with its text value number `target` replaced by the
// value's first octet and `payload`. The text values, counted in `seen` in
// document order, are the primitive elements of printable ASCII, within
// constructed elements and within primitive values that are BER themselves
// (an MTS-APDU's content octets). nullopt when `in` is not BER.
inline std::optional<std::string> with_text(std::string_view in, std::size_t target, std::string_view payload,
                                            std::size_t& seen, std::size_t depth = 0)
{
    if (depth > 60)
        return std::nullopt;
    ber::session s({reinterpret_cast<std::uint8_t const*>(in.data()), in.size()});
    ber::reader r(s, s.input());
    std::string out;
    while (auto e = r.next()) {
        std::string const content(reinterpret_cast<char const*>(e->content.data()), e->content.size());
        std::optional<std::string> changed;
        bool const nested = !e->constructed && content.size() > 2 &&
                            (content[0] == '\xa0' || content[0] == '\xa1' || content[0] == '\x30' || content[0] == '\x31');
        if (e->constructed || nested) {
            auto const before = seen;
            changed = with_text(content, target, payload, seen, depth + 1);
            if (!changed && e->constructed)
                return std::nullopt;
            if (!changed)
                seen = before;   // not BER after all: a value like any other
        }
        if (!changed && !e->constructed && !content.empty() &&
            std::all_of(content.begin(), content.end(), [](char c) { return c >= 0x20 && c < 0x7f; }) && seen++ == target)
            changed = content.substr(0, 1) + std::string(payload);
        if (changed)
            out += ber::encode_identifier(e->tag, e->constructed) + ber::encode_length(changed->size()) + *changed;
        else
            out.append(in.substr(e->offset, e->end - e->offset));
    }
    if (s.failed())
        return std::nullopt;
    return out;
}

} // namespace x400gw::x400::samples
