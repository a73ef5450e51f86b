// x400/describe.cpp
//
// Model -> field tree -> text or JSON. See describe.hpp.
#include "x400/describe.hpp"

#include "x400/text.hpp"

#include <variant>

namespace x400gw::x400 {

node& node::add(node n)
{
    children.push_back(std::move(n));
    return children.back();
}

node& node::field(std::string n, std::string v)
{
    return add(node{kind::string, std::move(n), std::move(v), {}});
}

node& node::number(std::string n, std::int64_t v)
{
    return add(node{kind::number, std::move(n), std::to_string(v), {}});
}

node& node::flag(std::string n, bool v)
{
    return add(node{kind::boolean, std::move(n), v ? "true" : "false", {}});
}

node& node::object(std::string n)
{
    return add(node{kind::object, std::move(n), {}, {}});
}

node& node::array(std::string n)
{
    return add(node{kind::array, std::move(n), {}, {}});
}

std::string hex(std::string_view octets)
{
    return text::hex(octets);
}

std::string bits(ber::bit_string const& b)
{
    std::string out;
    for (std::size_t i = 0; i < b.size(); ++i)
        out += b.test(i) ? '1' : '0';
    return out;
}

namespace {

using namespace p1;

void or_fields(node& o, or_name const& n)
{
    auto const& a = n.address;
    auto opt = [&](char const* key, std::optional<std::string> const& v) {
        if (v)
            o.field(key, *v);
    };
    opt("C", a.c);
    opt("ADMD", a.admd);
    opt("PRMD", a.prmd);
    opt("O", a.o);
    if (!a.ou.empty()) {
        auto& ou = o.array("OU");
        for (auto const& x : a.ou)
            ou.field("", x);
    }
    opt("S", a.surname);
    opt("G", a.given);
    opt("I", a.initials);
    opt("GQ", a.generation);
    opt("CN", a.common_name);
    opt("X121", a.x121);
    opt("UA-ID", a.ua_id);
    opt("T-ID", a.t_id);
    if (!a.ddas.empty()) {
        auto& d = o.array("DDA");
        for (auto const& x : a.ddas) {
            auto& kv = d.object("");
            kv.field("type", x.type);
            kv.field("value", x.value);
        }
    }
    for (auto const& x : a.other)
        o.field(x.key, x.value);
    // The universal forms are read for display; any other opaque
    // attribute is shown as its encoding.
    node universal{node::kind::array, "universal-attributes", {}, {}};
    node opaque{node::kind::array, "opaque-attributes", {}, {}};
    for (auto const& x : n.opaque_attributes) {
        auto u = read_universal_attribute(x);
        if (!u) {
            opaque.field("", hex(x));
            continue;
        }
        auto& e = universal.object("");
        e.field("attribute", std::string(universal_attribute_name(u->type)));
        auto& values = e.array("values");
        for (auto const& [key, v] : u->values) {
            auto& one = values.object("");
            one.field("key", key);
            one.field("text", v.text);
            if (v.four_octets)
                one.flag("four-octets", true);
            if (v.language)
                one.field("language", *v.language);
        }
    }
    if (!universal.children.empty())
        o.add(std::move(universal));
    if (!opaque.children.empty())
        o.add(std::move(opaque));
    if (n.directory_name)
        o.field("directory-name", hex(*n.directory_name));
}

void gdi_fields(node& o, global_domain_identifier const& g)
{
    o.field("country-name", g.country);
    o.field("administration-domain-name", g.admd);
    if (g.prmd)
        o.field("private-domain-identifier", *g.prmd);
}

void mts_id(node& parent, char const* name, mts_identifier const& id)
{
    auto& o = parent.object(name);
    gdi_fields(o.object("global-domain-identifier"), id.domain);
    o.field("local-identifier", id.local);
}

void eits(node& parent, char const* name, encoded_information_types const& t)
{
    auto& o = parent.object(name);
    o.field("built-in-encoded-information-types", bits(t.built_in));
    if (t.g3_facsimile)
        o.field("g3-facsimile", bits(*t.g3_facsimile));
    if (t.teletex)
        o.field("teletex", hex(*t.teletex));
    if (!t.extended.empty()) {
        auto& x = o.array("extended-encoded-information-types");
        for (auto const& id : t.extended)
            x.field("", id.to_string());
    }
}

void content_type_field(node& parent, content_type const& t)
{
    if (t.extended)
        parent.field("content-type", t.extended->to_string());
    else
        parent.number("content-type", t.built_in.value_or(0));
}

void supplied(node& o, auto const& t)
{
    o.field("arrival-time", t.arrival_time.text);
    o.field("routing-action", t.action == routing_action::relayed ? "relayed" : "rerouted");
    if (t.deferred_time)
        o.field("deferred-time", t.deferred_time->text);
    if (t.converted)
        eits(o, "converted-encoded-information-types", *t.converted);
    if (t.other_actions)
        o.field("other-actions", bits(*t.other_actions));
}

void trace(node& parent, char const* name, std::vector<trace_element> const& t)
{
    auto& a = parent.array(name);
    for (auto const& te : t) {
        auto& o = a.object("");
        gdi_fields(o.object("global-domain-identifier"), te.domain);
        auto& d = o.object("domain-supplied-information");
        supplied(d, te);
        if (te.attempted_domain)
            gdi_fields(d.object("attempted-domain"), *te.attempted_domain);
    }
}

void extension_fields(node& parent, char const* name, extensions const& x)
{
    if (x.empty())
        return;
    auto& o = parent.object(name);
    if (x.recipient_reassignment_prohibited)
        o.flag("recipient-reassignment-prohibited", *x.recipient_reassignment_prohibited);
    if (x.originator_requested_alternate_recipient)
        or_fields(o.object("originator-requested-alternate-recipient"), *x.originator_requested_alternate_recipient);
    if (x.dl_expansion_prohibited)
        o.flag("dl-expansion-prohibited", *x.dl_expansion_prohibited);
    if (x.conversion_with_loss_prohibited)
        o.flag("conversion-with-loss-prohibited", *x.conversion_with_loss_prohibited);
    if (x.latest_delivery_time)
        o.field("latest-delivery-time", x.latest_delivery_time->text);
    if (x.originator_return_address)
        or_fields(o.object("originator-return-address"), *x.originator_return_address);
    if (x.content_correlator_value)
        o.field("content-correlator", x.content_correlator_value->ia5 ? x.content_correlator_value->value
                                                                      : hex(x.content_correlator_value->value));
    if (x.has_internal_trace) {
        auto& a = o.array("internal-trace-information");
        for (auto const& te : x.internal_trace) {
            auto& e = a.object("");
            gdi_fields(e.object("global-domain-identifier"), te.domain);
            e.field("mta-name", te.mta_name);
            auto& d = e.object("mta-supplied-information");
            supplied(d, te);
            if (te.attempted_mta)
                d.field("attempted-mta", *te.attempted_mta);
            if (te.attempted_domain)
                gdi_fields(d.object("attempted-domain"), *te.attempted_domain);
        }
    }
    if (x.reporting_mta_name) {
        auto& r = o.object("reporting-MTA-name");
        if (x.reporting_mta_domain)
            gdi_fields(r.object("domain"), *x.reporting_mta_domain);
        r.field("mta-name", *x.reporting_mta_name);
    }
    if (!x.other.empty()) {
        auto& a = o.array("other");
        for (auto const& f : x.other) {
            auto& e = a.object("");
            if (f.private_type)
                e.field("private-extension", f.private_type->to_string());
            else
                e.number("standard-extension", f.standard.value_or(0));
            if (f.criticality.size() > 0)
                e.field("criticality", bits(f.criticality));
            if (!f.value.empty())
                e.field("value", hex(f.value));
        }
    }
}

template <class R>
void recipients(node& parent, std::vector<R> const& rs)
{
    auto& a = parent.array("per-recipient-fields");
    for (auto const& r : rs) {
        auto& o = a.object("");
        or_fields(o.object("recipient-name"), r.name);
        o.number("originally-specified-recipient-number", r.originally_specified_number);
        o.field("per-recipient-indicators", bits(r.indicators));
        if (r.explicit_conversion)
            o.number("explicit-conversion", *r.explicit_conversion);
        extension_fields(o, "extensions", r.ext);
    }
}

void head(node& o, char const* id_name, mts_identifier const& id, or_name const& originator,
          std::optional<encoded_information_types> const& e, content_type const& t,
          std::optional<std::string> const& content_identifier)
{
    mts_id(o, id_name, id);
    or_fields(o.object("originator-name"), originator);
    if (e)
        eits(o, "original-encoded-information-types", *e);
    content_type_field(o, t);
    if (content_identifier)
        o.field("content-identifier", *content_identifier);
}

void bilateral(node& o, std::vector<per_domain_bilateral_information> const& b)
{
    if (b.empty())
        return;
    auto& a = o.array("per-domain-bilateral-information");
    for (auto const& x : b)
        a.field("", hex(x.encoded));
}

} // namespace

node describe(or_name const& n)
{
    node o;
    or_fields(o, n);
    return o;
}

node describe(mts_apdu const& apdu)
{
    node root;
    if (auto const* m = std::get_if<message>(&apdu)) {
        auto& msg = root.object("message");
        auto& env = msg.object("envelope");
        auto const& e = m->envelope;
        head(env, "message-identifier", e.message_id, e.originator, e.original_eits, e.type, e.content_identifier);
        env.field("priority", std::string(priority_name(e.priority)));
        env.field("per-message-indicators", bits(e.indicators));
        if (e.deferred_delivery_time)
            env.field("deferred-delivery-time", e.deferred_delivery_time->text);
        bilateral(env, e.bilateral);
        trace(env, "trace-information", e.trace);
        extension_fields(env, "extensions", e.ext);
        recipients(env, e.recipients);
        auto& c = msg.object("content");
        c.number("length", static_cast<std::int64_t>(m->content.size()));
        c.field("octets", hex(m->content));
    } else if (auto const* p = std::get_if<probe>(&apdu)) {
        auto& o = root.object("probe");
        head(o, "probe-identifier", p->probe_id, p->originator, p->original_eits, p->type, p->content_identifier);
        if (p->content_length)
            o.number("content-length", *p->content_length);
        o.field("per-message-indicators", bits(p->indicators));
        bilateral(o, p->bilateral);
        trace(o, "trace-information", p->trace);
        extension_fields(o, "extensions", p->ext);
        recipients(o, p->recipients);
    } else {
        auto const& r = std::get<report>(apdu);
        auto& rep = root.object("report");
        auto& env = rep.object("envelope");
        mts_id(env, "report-identifier", r.report_id);
        or_fields(env.object("report-destination-name"), r.destination);
        trace(env, "trace-information", r.trace);
        extension_fields(env, "extensions", r.ext);
        auto& c = rep.object("content");
        mts_id(c, "subject-identifier", r.subject_id);
        if (r.has_subject_intermediate_trace)
            trace(c, "subject-intermediate-trace-information", r.subject_intermediate_trace);
        if (r.original_eits)
            eits(c, "original-encoded-information-types", *r.original_eits);
        if (r.type)
            content_type_field(c, *r.type);
        if (r.content_identifier)
            c.field("content-identifier", *r.content_identifier);
        if (r.returned_content)
            c.field("returned-content", hex(*r.returned_content));
        if (r.additional_information)
            c.field("additional-information", hex(*r.additional_information));
        extension_fields(c, "extensions", r.content_ext);
        auto& a = c.array("per-recipient-fields");
        for (auto const& x : r.recipients) {
            auto& o = a.object("");
            or_fields(o.object("actual-recipient-name"), x.actual_recipient);
            o.number("originally-specified-recipient-number", x.originally_specified_number);
            o.field("per-recipient-indicators", bits(x.indicators));
            auto& last = o.object("last-trace-information");
            last.field("arrival-time", x.arrival_time.text);
            if (x.converted)
                eits(last, "converted-encoded-information-types", *x.converted);
            if (auto const* d = std::get_if<delivery_report>(&x.report)) {
                auto& t = last.object("delivery");
                t.field("message-delivery-time", d->message_delivery_time.text);
                t.number("type-of-MTS-user", d->type_of_mts_user);
            } else {
                auto const& n = std::get<non_delivery_report>(x.report);
                auto& t = last.object("non-delivery");
                t.number("non-delivery-reason-code", n.reason);
                if (n.diagnostic)
                    t.number("non-delivery-diagnostic-code", *n.diagnostic);
            }
            if (x.originally_intended_recipient)
                or_fields(o.object("originally-intended-recipient-name"), *x.originally_intended_recipient);
            if (x.supplementary_information)
                o.field("supplementary-information", *x.supplementary_information);
            extension_fields(o, "extensions", x.ext);
        }
    }
    return root;
}

namespace {

using namespace p22;

void ipm_id(node& parent, char const* name, ipm_identifier const& id)
{
    auto& o = parent.object(name);
    if (id.user)
        or_fields(o.object("user"), *id.user);
    o.field("user-relative-identifier", id.user_relative_identifier);
}

void descriptor(node& o, or_descriptor const& d)
{
    if (d.formal_name)
        or_fields(o.object("formal-name"), *d.formal_name);
    if (d.free_form_name)
        o.field("free-form-name", *d.free_form_name);
    if (d.telephone_number)
        o.field("telephone-number", *d.telephone_number);
}

void recipient_list(node& parent, char const* name, std::vector<recipient_specifier> const& list)
{
    auto& a = parent.array(name);
    for (auto const& r : list) {
        auto& o = a.object("");
        descriptor(o.object("recipient"), r.recipient);
        if (r.notification_requests.size() > 0)
            o.field("notification-requests", bits(r.notification_requests));
        if (r.reply_requested)
            o.flag("reply-requested", true);
        if (r.recipient_extensions)
            o.field("recipient-extensions", hex(*r.recipient_extensions));
    }
}

void ipm_fields(node& o, ipm const& m);

void body_fields(node& parent, std::vector<body_part> const& body)
{
    auto& a = parent.array("body");
    for (auto const& part : body) {
        auto& o = a.object("");
        if (auto const* t = std::get_if<ia5_text>(&part)) {
            auto& b = o.object("ia5-text");
            b.number("repertoire", t->repertoire);
            b.field("data", t->text);
        } else if (auto const* t = std::get_if<teletex>(&part)) {
            auto& b = o.object("teletex");
            if (t->number_of_pages)
                b.number("number-of-pages", *t->number_of_pages);
            if (t->telex_compatible)
                b.flag("telex-compatible", true);
            if (t->non_basic_parameters)
                b.field("non-basic-parameters", hex(*t->non_basic_parameters));
            auto& d = b.array("data");
            for (auto const& page : t->pages)
                d.field("", page);
        } else if (auto const* g = std::get_if<g3_facsimile>(&part)) {
            auto& b = o.object("g3-facsimile");
            if (g->number_of_pages)
                b.number("number-of-pages", *g->number_of_pages);
            if (g->non_basic_parameters)
                b.field("non-basic-parameters", bits(*g->non_basic_parameters));
            auto& d = b.array("data");
            for (auto const& page : g->pages)
                d.field("", hex(page.octets));
        } else if (auto const* b = std::get_if<bilaterally_defined>(&part)) {
            o.field("bilaterally-defined", hex(b->octets));
        } else if (auto const* n = std::get_if<nationally_defined>(&part)) {
            o.field("nationally-defined", hex(n->value));
        } else if (auto const* g = std::get_if<general_text>(&part)) {
            auto& b = o.object("general-text");
            auto& cs = b.array("character-sets");
            for (auto c : g->character_sets)
                cs.number("", c);
            b.field("data", g->text);
        } else if (auto const* f = std::get_if<file_transfer>(&part)) {
            auto& b = o.object("file-transfer");
            auto const& at = f->attributes;
            if (f->file_name)
                b.field("file-name", *f->file_name);
            if (at.document_type)
                b.field("document-type", at.document_type->to_string());
            if (at.permitted_actions)
                b.field("permitted-actions", bits(*at.permitted_actions));
            if (at.creation_time)
                b.field("date-and-time-of-creation", at.creation_time->text);
            if (at.modification_time)
                b.field("date-and-time-of-last-modification", at.modification_time->text);
            if (at.read_time)
                b.field("date-and-time-of-last-read-access", at.read_time->text);
            if (at.size)
                b.number("object-size", *at.size);
            if (f->other_parameters)
                b.flag("other-parameters", true);
            if (f->parameters)
                b.field("parameters", hex(*f->parameters));
            auto& d = b.array("data");
            for (auto const& x : f->data) {
                auto& e = d.object("");
                if (x.direct_reference)
                    e.field("direct-reference", x.direct_reference->to_string());
                e.field("encoding", x.kind == ber::external::encoding::octet_aligned ? "octet-aligned"
                                    : x.kind == ber::external::encoding::arbitrary ? "arbitrary"
                                                                                    : "single-ASN1-type");
                e.number("length", static_cast<std::int64_t>(x.data.size()));
                e.field("octets", hex(x.data));
            }
        } else if (auto const* m = std::get_if<message_body_part>(&part)) {
            auto& b = o.object("message");
            if (m->delivery_time)
                b.field("delivery-time", m->delivery_time->text);
            if (m->delivery_envelope)
                b.field("delivery-envelope", hex(*m->delivery_envelope));
            if (!m->data.empty())
                ipm_fields(b.object("data"), m->data.front());
        } else {
            auto const& x = std::get<opaque_body_part>(part);
            o.field(x.kind, hex(x.encoded));
        }
    }
}

void ipm_fields(node& o, ipm const& m)
{
    auto const& h = m.heading;
    auto& head = o.object("heading");
    ipm_id(head, "this-IPM", h.this_ipm);
    if (h.originator)
        descriptor(head.object("originator"), *h.originator);
    if (!h.authorizing_users.empty()) {
        auto& a = head.array("authorizing-users");
        for (auto const& d : h.authorizing_users)
            descriptor(a.object(""), d);
    }
    if (!h.primary_recipients.empty())
        recipient_list(head, "primary-recipients", h.primary_recipients);
    if (!h.copy_recipients.empty())
        recipient_list(head, "copy-recipients", h.copy_recipients);
    if (h.blind_copy_recipients)
        recipient_list(head, "blind-copy-recipients", *h.blind_copy_recipients);
    if (h.replied_to_ipm)
        ipm_id(head, "replied-to-IPM", *h.replied_to_ipm);
    if (!h.obsoleted_ipms.empty()) {
        auto& a = head.array("obsoleted-IPMs");
        for (auto const& id : h.obsoleted_ipms)
            ipm_id(a, "", id);
    }
    if (!h.related_ipms.empty()) {
        auto& a = head.array("related-IPMs");
        for (auto const& id : h.related_ipms)
            ipm_id(a, "", id);
    }
    if (h.subject)
        head.field("subject", *h.subject);
    if (h.expiry_time)
        head.field("expiry-time", h.expiry_time->text);
    if (h.reply_time)
        head.field("reply-time", h.reply_time->text);
    if (h.reply_recipients) {
        auto& a = head.array("reply-recipients");
        for (auto const& d : *h.reply_recipients)
            descriptor(a.object(""), d);
    }
    head.field("importance", std::string(importance_name(h.importance)));
    if (h.sensitivity)
        head.field("sensitivity", std::string(sensitivity_name(*h.sensitivity)));
    if (h.auto_forwarded)
        head.flag("auto-forwarded", true);
    if (!h.extensions.empty()) {
        auto& a = head.array("extensions");
        for (auto const& x : h.extensions) {
            auto& e = a.object("");
            e.field("type", x.type.to_string());
            if (!x.value.empty())
                e.field("value", hex(x.value));
        }
    }
    body_fields(o, m.body);
}


void json(std::string& out, node const& n)
{
    switch (n.k) {
    case node::kind::string: text::append_json_string(out, n.value); return;
    case node::kind::number:
    case node::kind::boolean: out += n.value; return;
    case node::kind::array:
    case node::kind::object: {
        bool const obj = n.k == node::kind::object;
        out += obj ? '{' : '[';
        bool first = true;
        for (auto const& c : n.children) {
            if (!first)
                out += ',';
            first = false;
            if (obj) {
                text::append_json_string(out, c.name);
                out += ':';
            }
            json(out, c);
        }
        out += obj ? '}' : ']';
        return;
    }
    }
}

void render_text(std::string& out, node const& n, int indent, std::size_t index)
{
    out.append(static_cast<std::size_t>(indent) * 2, ' ');
    if (!n.name.empty())
        out += n.name;
    else
        out += "[" + std::to_string(index) + "]";
    switch (n.k) {
    case node::kind::string:
        out += ": ";
        for (unsigned char c : n.value) {
            if (c < 0x20 || c >= 0x7f) {
                out += "\\x";
                text::append_hex(out, c);
            } else {
                out += static_cast<char>(c);
            }
        }
        out += '\n';
        return;
    case node::kind::number:
    case node::kind::boolean: out += ": " + n.value + '\n'; return;
    default: out += '\n';
    }
    std::size_t i = 0;
    for (auto const& c : n.children) {
        if (c.name == "octets" && c.value.size() > 64) {
            out.append(static_cast<std::size_t>(indent + 1) * 2, ' ');
            out += "octets: " + c.value.substr(0, 64) + "...\n";
            continue;
        }
        render_text(out, c, indent + 1, i++);
    }
}

} // namespace

node describe(information_object const& content)
{
    node root;
    if (auto const* m = std::get_if<ipm>(&content)) {
        ipm_fields(root.object("ipm"), *m);
        return root;
    }
    auto const& n = std::get<ipn>(content);
    auto& o = root.object("ipn");
    ipm_id(o, "subject-ipm", n.subject_ipm);
    if (n.ipn_originator)
        descriptor(o.object("ipn-originator"), *n.ipn_originator);
    if (n.ipm_intended_recipient)
        descriptor(o.object("ipm-intended-recipient"), *n.ipm_intended_recipient);
    if (n.conversion_eits)
        eits(o, "conversion-eits", *n.conversion_eits);
    if (n.notification_extensions)
        o.field("notification-extensions", hex(*n.notification_extensions));
    if (auto const* f = std::get_if<non_receipt_fields>(&n.fields)) {
        auto& x = o.object("non-receipt-fields");
        x.number("non-receipt-reason", f->reason);
        if (f->discard)
            x.number("discard-reason", *f->discard);
        if (f->auto_forward_comment)
            x.field("auto-forward-comment", *f->auto_forward_comment);
        if (f->returned_ipm)
            x.field("returned-ipm", hex(*f->returned_ipm));
    } else if (auto const* f = std::get_if<receipt_fields>(&n.fields)) {
        auto& x = o.object("receipt-fields");
        x.field("receipt-time", f->receipt_time.text);
        x.number("acknowledgment-mode", f->acknowledgment_mode);
        if (f->supplementary_information)
            x.field("suppl-receipt-info", *f->supplementary_information);
    } else {
        o.field("other-notification-type-fields", hex(std::get<std::string>(n.fields)));
    }
    return root;
}

std::string to_json(node const& n)
{
    std::string out;
    json(out, n);
    return out;
}

std::string to_text(node const& n)
{
    std::string out;
    std::size_t i = 0;
    for (auto const& c : n.children)
        render_text(out, c, 0, i++);
    return out;
}

} // namespace x400gw::x400
