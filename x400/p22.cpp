// x400/p22.cpp
//
// X.420 InformationObject decoding and encoding. The ASN.1 of each type is
// quoted above the function that reads it (module IPMSInformationObjects,
// IMPLICIT TAGS: the subject's [8] and every tagged CHOICE or open type are
// the explicit ones).
#include "x400/p22.hpp"

#include <array>

namespace x400gw::x400::p22 {

namespace {

using ber::element;
using ber::reader;
using ber::tag;
namespace u = ber::u;

using ber::missing;
using ber::tag_text;
using ber::unexpected;

// The one element inside an explicit tag.
std::optional<element> explicit_inner(reader& parent, element const& e, reader& inside, char const* what)
{
    inside = parent.enter(e);
    auto v = inside.next();
    if (!v || !inside.expect_end(what)) {
        if (!parent.s().failed())
            parent.s().fail(e.offset, std::string(what) + " is empty");
        return std::nullopt;
    }
    return v;
}

// IPMIdentifier ::= [APPLICATION 11] SET { user ORName OPTIONAL,
//                                          user-relative-identifier LocalIPMIdentifier }
std::optional<ipm_identifier> read_ipm_identifier(reader& parent, element const& e)
{
    reader r = parent.enter(e);
    ipm_identifier id;
    bool local = false;
    while (auto c = r.next()) {
        if (c->is(ber::application(0)) && !id.user) {
            id.user = p1::read_or_name(r, *c);
        } else if (c->is(ber::universal(u::printable_string)) && !local) {
            local = true;
            if (auto v = ber::read_string(r.s(), *c, u::printable_string, r.depth()))
                id.user_relative_identifier = std::move(*v);
        } else {
            unexpected(r, *c, "IPMIdentifier");
        }
        if (r.s().failed())
            return std::nullopt;
    }
    if (r.s().failed())
        return std::nullopt;
    if (!local) {
        missing(r, e.offset, "user-relative-identifier", "IPMIdentifier");
        return std::nullopt;
    }
    return id;
}

void write_ipm_identifier(ber::writer& w, tag t, ipm_identifier const& id)
{
    auto m = w.begin(t);
    if (id.user)
        p1::write_or_name(w, ber::application(0), *id.user);
    w.octets(ber::universal(u::printable_string), id.user_relative_identifier);
    w.end(m);
}

// ORDescriptor ::= SET { formal-name ORName OPTIONAL, free-form-name [0] FreeFormName OPTIONAL,
//                        telephone-number [1] TelephoneNumber OPTIONAL }
std::optional<or_descriptor> read_or_descriptor(reader& parent, element const& e)
{
    reader r = parent.enter(e);
    or_descriptor d;
    while (auto c = r.next()) {
        if (c->is(ber::application(0)) && !d.formal_name)
            d.formal_name = p1::read_or_name(r, *c);
        else if (c->is(ber::context(0)) && !d.free_form_name)
            d.free_form_name = ber::read_string(r.s(), *c, u::teletex_string, r.depth());
        else if (c->is(ber::context(1)) && !d.telephone_number)
            d.telephone_number = ber::read_string(r.s(), *c, u::printable_string, r.depth());
        else
            unexpected(r, *c, "ORDescriptor");
        if (r.s().failed())
            return std::nullopt;
    }
    if (r.s().failed())
        return std::nullopt;
    return d;
}

void write_or_descriptor(ber::writer& w, tag t, or_descriptor const& d)
{
    auto m = w.begin(t);
    if (d.formal_name)
        p1::write_or_name(w, ber::application(0), *d.formal_name);
    if (d.free_form_name)
        w.octets(ber::context(0), *d.free_form_name);
    if (d.telephone_number)
        w.octets(ber::context(1), *d.telephone_number);
    w.end(m);
}

template <class T, class F>
std::optional<std::vector<T>> read_sequence_of(reader& parent, element const& e, tag item, F&& read_one, char const* where)
{
    reader r = parent.enter(e);
    std::vector<T> out;
    while (auto c = r.next()) {
        if (!c->is(item)) {
            unexpected(r, *c, where);
            return std::nullopt;
        }
        auto v = read_one(r, *c);
        if (!v)
            return std::nullopt;
        out.push_back(std::move(*v));
    }
    if (r.s().failed())
        return std::nullopt;
    return out;
}

// RecipientSpecifier ::= SET { recipient [0] ORDescriptor,
//   notification-requests [1] NotificationRequests DEFAULT {},
//   reply-requested [2] BOOLEAN DEFAULT FALSE,
//   recipient-extensions [3] RecipientExtensionsField OPTIONAL }
std::optional<recipient_specifier> read_recipient(reader& parent, element const& e)
{
    reader r = parent.enter(e);
    recipient_specifier rs;
    bool recipient = false, requests = false, reply = false;
    while (auto c = r.next()) {
        if (c->is(ber::context(0)) && !recipient) {
            recipient = true;
            if (auto d = read_or_descriptor(r, *c))
                rs.recipient = std::move(*d);
        } else if (c->is(ber::context(1)) && !requests) {
            requests = true;
            if (auto b = ber::read_bit_string(r.s(), *c, r.depth()))
                rs.notification_requests = std::move(*b);
        } else if (c->is(ber::context(2)) && !reply) {
            reply = true;
            if (auto b = ber::read_boolean(r.s(), *c))
                rs.reply_requested = *b;
        } else if (c->is(ber::context(3)) && !rs.recipient_extensions) {
            rs.recipient_extensions = ber::raw(r.s(), *c);
        } else {
            unexpected(r, *c, "RecipientSpecifier");
        }
        if (r.s().failed())
            return std::nullopt;
    }
    if (r.s().failed())
        return std::nullopt;
    if (!recipient) {
        missing(r, e.offset, "recipient", "RecipientSpecifier");
        return std::nullopt;
    }
    return rs;
}

void write_recipient(ber::writer& w, recipient_specifier const& rs)
{
    auto m = w.begin(ber::universal(u::set));
    write_or_descriptor(w, ber::context(0), rs.recipient);
    if (rs.notification_requests.size() > 0)
        w.bits(ber::context(1), rs.notification_requests);
    if (rs.reply_requested)
        w.boolean(ber::context(2), true);
    if (rs.recipient_extensions)
        w.raw(*rs.recipient_extensions);
    w.end(m);
}

void write_recipients(ber::writer& w, tag t, std::vector<recipient_specifier> const& list)
{
    auto m = w.begin(t);
    for (auto const& rs : list)
        write_recipient(w, rs);
    w.end(m);
}

void write_descriptors(ber::writer& w, tag t, std::vector<or_descriptor> const& list)
{
    auto m = w.begin(t);
    for (auto const& d : list)
        write_or_descriptor(w, ber::universal(u::set), d);
    w.end(m);
}

void write_identifiers(ber::writer& w, tag t, std::vector<ipm_identifier> const& list)
{
    auto m = w.begin(t);
    for (auto const& id : list)
        write_ipm_identifier(w, ber::application(11), id);
    w.end(m);
}

// Heading ::= SET { this-IPM ThisIPMField, originator [0] OPTIONAL,
//   authorizing-users [1] OPTIONAL, primary-recipients [2] DEFAULT {},
//   copy-recipients [3] DEFAULT {}, blind-copy-recipients [4] OPTIONAL,
//   replied-to-IPM [5] OPTIONAL, obsoleted-IPMs [6] DEFAULT {},
//   related-IPMs [7] DEFAULT {}, subject [8] EXPLICIT SubjectField OPTIONAL,
//   expiry-time [9] OPTIONAL, reply-time [10] OPTIONAL,
//   reply-recipients [11] OPTIONAL, importance [12] DEFAULT normal,
//   sensitivity [13] OPTIONAL, auto-forwarded [14] DEFAULT FALSE,
//   extensions [15] ExtensionsField DEFAULT {} }
// HeadingExtension ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY DEFINED BY type DEFAULT NULL }
std::optional<heading> read_heading(reader& parent, element const& e)
{
    reader r = parent.enter(e);
    auto& s = r.s();
    heading h;
    std::array<bool, 16> seen{};
    bool this_ipm = false;
    auto ids = [](reader& rr, element const& x) { return read_ipm_identifier(rr, x); };
    auto descs = [](reader& rr, element const& x) { return read_or_descriptor(rr, x); };
    auto recips = [](reader& rr, element const& x) { return read_recipient(rr, x); };
    while (auto c = r.next()) {
        if (c->is(ber::application(11)) && !this_ipm) {
            this_ipm = true;
            if (auto id = read_ipm_identifier(r, *c))
                h.this_ipm = std::move(*id);
            continue;
        }
        if (c->tag.cls != ber::tag_class::context || c->tag.number > 15 || seen[c->tag.number]) {
            unexpected(r, *c, "Heading");
            return std::nullopt;
        }
        seen[c->tag.number] = true;
        switch (c->tag.number) {
        case 0: h.originator = read_or_descriptor(r, *c); break;
        case 1:
            if (auto v = read_sequence_of<or_descriptor>(r, *c, ber::universal(u::set), descs, "authorizing-users"))
                h.authorizing_users = std::move(*v);
            break;
        case 2:
            if (auto v = read_sequence_of<recipient_specifier>(r, *c, ber::universal(u::set), recips, "primary-recipients"))
                h.primary_recipients = std::move(*v);
            break;
        case 3:
            if (auto v = read_sequence_of<recipient_specifier>(r, *c, ber::universal(u::set), recips, "copy-recipients"))
                h.copy_recipients = std::move(*v);
            break;
        case 4:
            h.blind_copy_recipients =
                read_sequence_of<recipient_specifier>(r, *c, ber::universal(u::set), recips, "blind-copy-recipients");
            break;
        case 5: h.replied_to_ipm = read_ipm_identifier(r, *c); break;
        case 6:
            if (auto v = read_sequence_of<ipm_identifier>(r, *c, ber::application(11), ids, "obsoleted-IPMs"))
                h.obsoleted_ipms = std::move(*v);
            break;
        case 7:
            if (auto v = read_sequence_of<ipm_identifier>(r, *c, ber::application(11), ids, "related-IPMs"))
                h.related_ipms = std::move(*v);
            break;
        case 8: {
            reader in(s, {}, 0);
            auto v = explicit_inner(r, *c, in, "subject");
            if (v && !v->is(ber::universal(u::teletex_string))) {
                unexpected(in, *v, "subject");
                return std::nullopt;
            }
            if (v)
                h.subject = ber::read_string(s, *v, u::teletex_string, in.depth());
            break;
        }
        case 9: h.expiry_time = ber::read_time(s, *c, false); break;
        case 10: h.reply_time = ber::read_time(s, *c, false); break;
        case 11: h.reply_recipients = read_sequence_of<or_descriptor>(r, *c, ber::universal(u::set), descs, "reply-recipients"); break;
        case 12:
            if (auto v = ber::read_integer(s, *c)) {
                if (*v < 0 || *v > 2)
                    return s.fail(c->offset, "importance is not low, normal or high"), std::nullopt;
                h.importance = static_cast<importance>(*v);
            }
            break;
        case 13:
            if (auto v = ber::read_integer(s, *c)) {
                if (*v < 1 || *v > 3)
                    return s.fail(c->offset, "sensitivity is not personal, private or company-confidential"), std::nullopt;
                h.sensitivity = static_cast<sensitivity>(*v);
            }
            break;
        case 14:
            if (auto v = ber::read_boolean(s, *c))
                h.auto_forwarded = *v;
            break;
        case 15: {
            reader x = r.enter(*c);
            while (auto item = x.next()) {
                if (!item->is(ber::universal(u::sequence))) {
                    unexpected(x, *item, "heading extensions");
                    return std::nullopt;
                }
                reader kv = x.enter(*item);
                auto t = kv.next();
                if (!t || !t->is(ber::universal(u::object_identifier))) {
                    if (!s.failed())
                        missing(kv, item->offset, "type", "HeadingExtension");
                    return std::nullopt;
                }
                heading_extension he;
                if (auto o = ber::read_oid(s, *t))
                    he.type = std::move(*o);
                if (auto v = kv.next())
                    he.value = ber::raw(s, *v);
                if (!kv.expect_end("HeadingExtension"))
                    return std::nullopt;
                h.extensions.push_back(std::move(he));
            }
            break;
        }
        }
        if (s.failed())
            return std::nullopt;
    }
    if (s.failed())
        return std::nullopt;
    if (!this_ipm) {
        missing(r, e.offset, "this-IPM", "Heading");
        return std::nullopt;
    }
    return h;
}

void write_heading(ber::writer& w, heading const& h)
{
    auto m = w.begin(ber::universal(u::set));
    write_ipm_identifier(w, ber::application(11), h.this_ipm);
    if (h.originator)
        write_or_descriptor(w, ber::context(0), *h.originator);
    if (!h.authorizing_users.empty())
        write_descriptors(w, ber::context(1), h.authorizing_users);
    if (!h.primary_recipients.empty())
        write_recipients(w, ber::context(2), h.primary_recipients);
    if (!h.copy_recipients.empty())
        write_recipients(w, ber::context(3), h.copy_recipients);
    if (h.blind_copy_recipients)
        write_recipients(w, ber::context(4), *h.blind_copy_recipients);
    if (h.replied_to_ipm)
        write_ipm_identifier(w, ber::context(5), *h.replied_to_ipm);
    if (!h.obsoleted_ipms.empty())
        write_identifiers(w, ber::context(6), h.obsoleted_ipms);
    if (!h.related_ipms.empty())
        write_identifiers(w, ber::context(7), h.related_ipms);
    if (h.subject) {
        auto s = w.begin(ber::context(8));
        w.octets(ber::universal(u::teletex_string), *h.subject);
        w.end(s);
    }
    if (h.expiry_time)
        w.time(ber::context(9), *h.expiry_time);
    if (h.reply_time)
        w.time(ber::context(10), *h.reply_time);
    if (h.reply_recipients)
        write_descriptors(w, ber::context(11), *h.reply_recipients);
    if (h.importance != importance::normal)
        w.integer(ber::context(12), static_cast<std::int64_t>(h.importance));
    if (h.sensitivity)
        w.integer(ber::context(13), static_cast<std::int64_t>(*h.sensitivity));
    if (h.auto_forwarded)
        w.boolean(ber::context(14), true);
    if (!h.extensions.empty()) {
        auto x = w.begin(ber::context(15));
        for (auto const& he : h.extensions) {
            auto kv = w.begin(ber::universal(u::sequence));
            w.object_id(ber::universal(u::object_identifier), he.type);
            w.raw(he.value);
            w.end(kv);
        }
        w.end(x);
    }
    w.end(m);
}

std::optional<ipm> read_ipm(reader& parent, element const& e);
void write_ipm(ber::writer& w, tag t, ipm const& m);

// The parameters SET and the data element of a basic body part.
struct parts {
    std::optional<element> parameters;
    std::optional<element> data;
};

std::optional<parts> two_parts(reader& r, element const& e, char const* where)
{
    reader b = r.enter(e);
    parts p;
    p.parameters = b.next();
    p.data = p.parameters ? b.next() : std::nullopt;
    if (!p.parameters || !p.data || !b.expect_end(where)) {
        if (!r.s().failed())
            missing(r, e.offset, "parameters or data", where);
        return std::nullopt;
    }
    if (!p.parameters->is(ber::universal(u::set))) {
        unexpected(b, *p.parameters, where);
        return std::nullopt;
    }
    return p;
}

// ExtendedBodyPart ::= SEQUENCE { parameters [0] INSTANCE OF TYPE-IDENTIFIER OPTIONAL,
//                                 data INSTANCE OF TYPE-IDENTIFIER }
// INSTANCE OF is encoded as [UNIVERSAL 8] SEQUENCE { type-id OID, value [0] EXPLICIT ANY },
// the EXTERNAL form with a direct reference and a single ASN.1 value.
std::optional<body_part> read_extended(reader& r, element const& e)
{
    auto& s = r.s();
    reader b = r.enter(e);
    auto first = b.next();
    std::optional<ber::external> params;
    if (first && first->is(ber::context(0))) {
        params = ber::read_external(s, *first);
        if (!params)
            return std::nullopt;
        first = b.next();
    }
    if (!first || !first->is(ber::universal(u::external))) {
        if (!s.failed())
            missing(b, e.offset, "data", "ExtendedBodyPart");
        return std::nullopt;
    }
    auto data = ber::read_external(s, *first);
    if (!data || !b.expect_end("ExtendedBodyPart"))
        return std::nullopt;
    auto const opaque = [&] { return body_part{opaque_body_part{"extended", ber::raw(s, e)}}; };
    if (!data->direct_reference || data->kind != ber::external::encoding::single_asn1_type)
        return opaque();
    auto const type = data->direct_reference->to_string();
    auto inner = [](std::string const& tlv, ber::session& sub) {
        return ber::session(ber::bytes(reinterpret_cast<std::uint8_t const*>(tlv.data()), tlv.size()), sub.limits());
    };
    if (type == oid_general_text_data &&
        (!params || (params->direct_reference && params->direct_reference->to_string() == oid_general_text_parameters &&
                     params->kind == ber::external::encoding::single_asn1_type))) {
        general_text g;
        if (params) {
            auto ps = inner(params->data, s);
            reader pr(ps, ps.input(), r.depth());
            auto set = pr.next();
            if (!set || !set->is(ber::universal(u::set)))
                return opaque();
            reader items = pr.enter(*set);
            while (auto n = items.next()) {
                auto v = n->is(ber::universal(u::integer)) ? ber::read_integer(ps, *n) : std::nullopt;
                if (!v)
                    return opaque();
                g.character_sets.push_back(*v);
            }
            if (ps.failed() || !pr.at_end())
                return opaque();
        }
        auto ds = inner(data->data, s);
        reader dr(ds, ds.input(), r.depth());
        auto text = dr.next();
        if (!text || !text->is(ber::universal(u::general_string)))
            return opaque();
        auto v = ber::read_string(ds, *text, u::general_string, dr.depth());
        if (!v || !dr.at_end())
            return opaque();
        g.text = std::move(*v);
        return body_part{std::move(g)};
    }
    if (type == oid_file_transfer_data) {
        // FileTransferData ::= SEQUENCE OF EXTERNAL
        file_transfer f;
        if (params) {
            if (!params->direct_reference || params->direct_reference->to_string() != oid_file_transfer_parameters ||
                params->kind != ber::external::encoding::single_asn1_type)
                return opaque();
            f.parameters = params->data;
            if (auto attrs = read_file_transfer_parameters(*f.parameters, f.other_parameters, s.limits())) {
                f.attributes = std::move(*attrs);
                f.file_name = f.attributes.file_name;
            } else {
                f.other_parameters = true;
            }
        }
        auto ds = inner(data->data, s);
        reader dr(ds, ds.input(), r.depth());
        auto seq = dr.next();
        if (!seq || !seq->is(ber::universal(u::sequence)))
            return opaque();
        reader items = dr.enter(*seq);
        while (auto x = items.next()) {
            if (!x->is(ber::universal(u::external)))
                return opaque();
            auto ext = ber::read_external(ds, *x);
            if (!ext)
                return opaque();
            f.data.push_back(std::move(*ext));
        }
        if (ds.failed() || !dr.at_end())
            return opaque();
        return body_part{std::move(f)};
    }
    return opaque();
}

std::optional<body_part> read_body_part(reader& r, element const& e)
{
    auto& s = r.s();
    if (e.tag.cls != ber::tag_class::context) {
        unexpected(r, e, "Body");
        return std::nullopt;
    }
    switch (e.tag.number) {
    case 0: {
        // IA5TextBodyPart ::= SEQUENCE { parameters IA5TextParameters SET { repertoire [0] DEFAULT ia5 },
        //                                data IA5String }
        auto p = two_parts(r, e, "IA5TextBodyPart");
        if (!p)
            return std::nullopt;
        ia5_text t;
        reader params(s, p->parameters->content, r.depth() + 2);
        while (auto c = params.next()) {
            if (!c->is(ber::context(0)))
                return unexpected(params, *c, "IA5TextParameters"), std::nullopt;
            if (auto v = ber::read_integer(s, *c))
                t.repertoire = *v;
        }
        if (!p->data->is(ber::universal(u::ia5_string)))
            return unexpected(r, *p->data, "IA5TextBodyPart"), std::nullopt;
        auto text = ber::read_string(s, *p->data, u::ia5_string, r.depth() + 1);
        if (!text)
            return std::nullopt;
        t.text = std::move(*text);
        return body_part{std::move(t)};
    }
    case 3: {
        // G3FacsimileBodyPart ::= SEQUENCE { parameters SET { number-of-pages [0] OPTIONAL,
        //   non-basic-parameters [1] OPTIONAL }, data SEQUENCE OF BIT STRING }
        auto p = two_parts(r, e, "G3FacsimileBodyPart");
        if (!p)
            return std::nullopt;
        g3_facsimile g;
        reader params(s, p->parameters->content, r.depth() + 2);
        while (auto c = params.next()) {
            if (c->is(ber::context(0)))
                g.number_of_pages = ber::read_integer(s, *c);
            else if (c->is(ber::context(1)))
                g.non_basic_parameters = ber::read_bit_string(s, *c, params.depth());
            else
                return unexpected(params, *c, "G3FacsimileParameters"), std::nullopt;
        }
        if (!p->data->is(ber::universal(u::sequence)))
            return unexpected(r, *p->data, "G3FacsimileBodyPart"), std::nullopt;
        reader pages(s, p->data->content, r.depth() + 2);
        while (auto c = pages.next()) {
            if (!c->is(ber::universal(u::bit_string)))
                return unexpected(pages, *c, "G3FacsimileData"), std::nullopt;
            if (auto b = ber::read_bit_string(s, *c, pages.depth()))
                g.pages.push_back(std::move(*b));
        }
        if (s.failed())
            return std::nullopt;
        return body_part{std::move(g)};
    }
    case 5: {
        // TeletexBodyPart ::= SEQUENCE { parameters TeletexParameters SET { number-of-pages [0] OPTIONAL,
        //   telex-compatible [1] BOOLEAN DEFAULT FALSE, non-basic-parameters [2] OPTIONAL },
        //   data SEQUENCE OF TeletexString }
        auto p = two_parts(r, e, "TeletexBodyPart");
        if (!p)
            return std::nullopt;
        teletex t;
        reader params(s, p->parameters->content, r.depth() + 2);
        while (auto c = params.next()) {
            if (c->is(ber::context(0))) {
                t.number_of_pages = ber::read_integer(s, *c);
            } else if (c->is(ber::context(1))) {
                if (auto b = ber::read_boolean(s, *c))
                    t.telex_compatible = *b;
            } else if (c->is(ber::context(2))) {
                t.non_basic_parameters = ber::raw(s, *c);
            } else {
                return unexpected(params, *c, "TeletexParameters"), std::nullopt;
            }
        }
        if (!p->data->is(ber::universal(u::sequence)))
            return unexpected(r, *p->data, "TeletexBodyPart"), std::nullopt;
        reader pages(s, p->data->content, r.depth() + 2);
        while (auto c = pages.next()) {
            if (!c->is(ber::universal(u::teletex_string)))
                return unexpected(pages, *c, "TeletexData"), std::nullopt;
            if (auto v = ber::read_string(s, *c, u::teletex_string, pages.depth()))
                t.pages.push_back(std::move(*v));
        }
        if (s.failed())
            return std::nullopt;
        return body_part{std::move(t)};
    }
    case 7: {
        // NationallyDefinedBodyPart ::= ANY, so [7] is explicit.
        reader in(s, {}, 0);
        auto v = explicit_inner(r, e, in, "nationally-defined");
        if (!v)
            return std::nullopt;
        return body_part{nationally_defined{ber::raw(s, *v)}};
    }
    case 9: {
        // MessageBodyPart ::= SEQUENCE { parameters MessageParameters SET {
        //   delivery-time [0] OPTIONAL, delivery-envelope [1] OPTIONAL }, data IPM }
        auto p = two_parts(r, e, "MessageBodyPart");
        if (!p)
            return std::nullopt;
        message_body_part m;
        reader outer = r.enter(e);
        reader params = outer.enter(*p->parameters);
        while (auto c = params.next()) {
            if (c->is(ber::context(0)))
                m.delivery_time = ber::read_time(s, *c, false);
            else if (c->is(ber::context(1)))
                m.delivery_envelope = ber::raw(s, *c);
            else
                return unexpected(params, *c, "MessageParameters"), std::nullopt;
        }
        if (!p->data->is(ber::universal(u::sequence)))
            return unexpected(r, *p->data, "MessageBodyPart"), std::nullopt;
        auto nested = read_ipm(outer, *p->data);
        if (!nested)
            return std::nullopt;
        m.data.push_back(std::move(*nested));
        return body_part{std::move(m)};
    }
    case 14: {
        auto v = ber::read_octets(s, e, r.depth());
        if (!v)
            return std::nullopt;
        return body_part{bilaterally_defined{std::move(*v)}};
    }
    case 15:
        return read_extended(r, e);
    case 4: return body_part{opaque_body_part{"g4-class1", ber::raw(s, e)}};
    case 6: return body_part{opaque_body_part{"videotex", ber::raw(s, e)}};
    case 8: return body_part{opaque_body_part{"encrypted", ber::raw(s, e)}};
    case 11: return body_part{opaque_body_part{"mixed-mode", ber::raw(s, e)}};
    default:
        unexpected(r, e, "Body");
        return std::nullopt;
    }
}

void write_extended(ber::writer& w, std::optional<ber::external> const& params, ber::external const& data)
{
    auto m = w.begin(ber::context(15));
    if (params)
        w.ext(ber::context(0), *params);
    w.ext(ber::universal(u::external), data);
    w.end(m);
}

ber::external instance_of(char const* type, std::string value)
{
    ber::external x;
    x.direct_reference = ber::oid::parse(type);
    x.kind = ber::external::encoding::single_asn1_type;
    x.data = std::move(value);
    return x;
}

void write_body_part(ber::writer& w, body_part const& part)
{
    if (auto const* t = std::get_if<ia5_text>(&part)) {
        auto m = w.begin(ber::context(0));
        auto p = w.begin(ber::universal(u::set));
        if (t->repertoire != 5)
            w.integer(ber::context(0), t->repertoire);
        w.end(p);
        w.octets(ber::universal(u::ia5_string), t->text);
        w.end(m);
    } else if (auto const* g = std::get_if<g3_facsimile>(&part)) {
        auto m = w.begin(ber::context(3));
        auto p = w.begin(ber::universal(u::set));
        if (g->number_of_pages)
            w.integer(ber::context(0), *g->number_of_pages);
        if (g->non_basic_parameters)
            w.bits(ber::context(1), *g->non_basic_parameters);
        w.end(p);
        auto d = w.begin(ber::universal(u::sequence));
        for (auto const& page : g->pages)
            w.bits(ber::universal(u::bit_string), page);
        w.end(d);
        w.end(m);
    } else if (auto const* t = std::get_if<teletex>(&part)) {
        auto m = w.begin(ber::context(5));
        auto p = w.begin(ber::universal(u::set));
        if (t->number_of_pages)
            w.integer(ber::context(0), *t->number_of_pages);
        if (t->telex_compatible)
            w.boolean(ber::context(1), true);
        if (t->non_basic_parameters)
            w.raw(*t->non_basic_parameters);
        w.end(p);
        auto d = w.begin(ber::universal(u::sequence));
        for (auto const& page : t->pages)
            w.octets(ber::universal(u::teletex_string), page);
        w.end(d);
        w.end(m);
    } else if (auto const* b = std::get_if<bilaterally_defined>(&part)) {
        w.octets(ber::context(14), b->octets);
    } else if (auto const* n = std::get_if<nationally_defined>(&part)) {
        auto m = w.begin(ber::context(7));
        w.raw(n->value);
        w.end(m);
    } else if (auto const* g = std::get_if<general_text>(&part)) {
        ber::writer params;
        auto set = params.begin(ber::universal(u::set));
        for (auto cs : g->character_sets)
            params.integer(ber::universal(u::integer), cs);
        params.end(set);
        ber::writer data;
        data.octets(ber::universal(u::general_string), g->text);
        write_extended(w, instance_of(oid_general_text_parameters, params.take()),
                       instance_of(oid_general_text_data, data.take()));
    } else if (auto const* f = std::get_if<file_transfer>(&part)) {
        std::optional<ber::external> params;
        if (f->parameters)
            params = instance_of(oid_file_transfer_parameters, *f->parameters);
        ber::writer data;
        auto seq = data.begin(ber::universal(u::sequence));
        for (auto const& x : f->data)
            data.ext(ber::universal(u::external), x);
        data.end(seq);
        write_extended(w, params, instance_of(oid_file_transfer_data, data.take()));
    } else if (auto const* m = std::get_if<message_body_part>(&part)) {
        auto top = w.begin(ber::context(9));
        auto p = w.begin(ber::universal(u::set));
        if (m->delivery_time)
            w.time(ber::context(0), *m->delivery_time);
        if (m->delivery_envelope)
            w.raw(*m->delivery_envelope);
        w.end(p);
        if (!m->data.empty())
            write_ipm(w, ber::universal(u::sequence), m->data.front());
        w.end(top);
    } else {
        w.raw(std::get<opaque_body_part>(part).encoded);
    }
}

// IPM ::= SEQUENCE { heading Heading, body Body }   Body ::= SEQUENCE OF BodyPart
std::optional<ipm> read_ipm(reader& parent, element const& e)
{
    reader r = parent.enter(e);
    auto h = r.next();
    if (!h || !h->is(ber::universal(u::set))) {
        if (!r.s().failed())
            missing(r, e.offset, "heading", "IPM");
        return std::nullopt;
    }
    ipm m;
    auto head = read_heading(r, *h);
    if (!head)
        return std::nullopt;
    m.heading = std::move(*head);
    auto b = r.next();
    if (!b || !b->is(ber::universal(u::sequence))) {
        if (!r.s().failed())
            missing(r, e.offset, "body", "IPM");
        return std::nullopt;
    }
    reader parts = r.enter(*b);
    while (auto p = parts.next()) {
        auto part = read_body_part(parts, *p);
        if (!part)
            return std::nullopt;
        m.body.push_back(std::move(*part));
    }
    if (r.s().failed() || !r.expect_end("IPM"))
        return std::nullopt;
    return m;
}

void write_ipm(ber::writer& w, tag t, ipm const& m)
{
    auto top = w.begin(t);
    write_heading(w, m.heading);
    auto b = w.begin(ber::universal(u::sequence));
    for (auto const& part : m.body)
        write_body_part(w, part);
    w.end(b);
    w.end(top);
}

// IPN ::= SET { COMPONENTS OF CommonFields, choice [0] CHOICE {
//   non-receipt-fields [0] NonReceiptFields, receipt-fields [1] ReceiptFields,
//   other-notification-type-fields [2] OtherNotificationTypeFields } }
// CommonFields ::= SET { subject-ipm SubjectIPMField, ipn-originator [1] OPTIONAL,
//   ipm-intended-recipient [2] OPTIONAL, conversion-eits ConversionEITsField OPTIONAL,
//   notification-extensions [3] OPTIONAL }
std::optional<ipn> read_ipn(reader& parent, element const& e)
{
    reader r = parent.enter(e);
    auto& s = r.s();
    ipn n;
    bool subject = false, choice = false;
    while (auto c = r.next()) {
        if (c->is(ber::application(11)) && !subject) {
            subject = true;
            if (auto id = read_ipm_identifier(r, *c))
                n.subject_ipm = std::move(*id);
        } else if (c->is(ber::context(1)) && !n.ipn_originator) {
            n.ipn_originator = read_or_descriptor(r, *c);
        } else if (c->is(ber::context(2)) && !n.ipm_intended_recipient) {
            n.ipm_intended_recipient = read_or_descriptor(r, *c);
        } else if (c->is(ber::application(5)) && !n.conversion_eits) {
            // EncodedInformationTypes (X.411, see p1.cpp)
            n.conversion_eits = p1::encoded_information_types{};
            reader er = r.enter(*c);
            while (auto x = er.next()) {
                if (x->is(ber::context(0))) {
                    if (auto b = ber::read_bit_string(s, *x, er.depth()))
                        n.conversion_eits->built_in = std::move(*b);
                } else if (x->is(ber::context(1))) {
                    n.conversion_eits->g3_facsimile = ber::read_bit_string(s, *x, er.depth());
                } else if (x->is(ber::context(2))) {
                    n.conversion_eits->teletex = ber::raw(s, *x);
                } else if (x->is(ber::context(4))) {
                    reader ox = er.enter(*x);
                    while (auto o = ox.next())
                        if (auto id = ber::read_oid(s, *o))
                            n.conversion_eits->extended.push_back(std::move(*id));
                } else {
                    unexpected(er, *x, "conversion-eits");
                }
            }
        } else if (c->is(ber::context(3)) && !n.notification_extensions) {
            n.notification_extensions = ber::raw(s, *c);
        } else if (c->is(ber::context(0)) && !choice) {
            choice = true;
            reader in(s, {}, 0);
            auto v = explicit_inner(r, *c, in, "IPN choice");
            if (!v)
                return std::nullopt;
            if (v->is(ber::context(0))) {
                non_receipt_fields f;
                bool reason = false;
                reader fr = in.enter(*v);
                while (auto x = fr.next()) {
                    if (x->is(ber::context(0))) {
                        reason = true;
                        if (auto i = ber::read_integer(s, *x))
                            f.reason = *i;
                    } else if (x->is(ber::context(1))) {
                        f.discard = ber::read_integer(s, *x);
                    } else if (x->is(ber::context(2))) {
                        f.auto_forward_comment = ber::read_string(s, *x, u::printable_string, fr.depth());
                    } else if (x->is(ber::context(3))) {
                        f.returned_ipm = ber::raw(s, *x);
                    } else if (x->is(ber::context(4))) {
                        // nrn-extensions: not modelled, and not written back
                    } else {
                        unexpected(fr, *x, "NonReceiptFields");
                    }
                }
                if (!s.failed() && !reason)
                    missing(fr, v->offset, "non-receipt-reason", "NonReceiptFields");
                n.fields = std::move(f);
            } else if (v->is(ber::context(1))) {
                receipt_fields f;
                bool time = false;
                reader fr = in.enter(*v);
                while (auto x = fr.next()) {
                    if (x->is(ber::context(0))) {
                        time = true;
                        if (auto t = ber::read_time(s, *x, false))
                            f.receipt_time = std::move(*t);
                    } else if (x->is(ber::context(1))) {
                        if (auto i = ber::read_integer(s, *x))
                            f.acknowledgment_mode = *i;
                    } else if (x->is(ber::context(2))) {
                        f.supplementary_information = ber::read_string(s, *x, u::printable_string, fr.depth());
                    } else if (x->is(ber::context(3))) {
                        // rn-extensions: not modelled, and not written back
                    } else {
                        unexpected(fr, *x, "ReceiptFields");
                    }
                }
                if (!s.failed() && !time)
                    missing(fr, v->offset, "receipt-time", "ReceiptFields");
                n.fields = std::move(f);
            } else if (v->is(ber::context(2))) {
                n.fields = ber::raw(s, *v);
            } else {
                unexpected(in, *v, "IPN choice");
            }
        } else {
            unexpected(r, *c, "IPN");
        }
        if (s.failed())
            return std::nullopt;
    }
    if (s.failed())
        return std::nullopt;
    if (!subject || !choice) {
        missing(r, e.offset, !subject ? "subject-ipm" : "choice", "IPN");
        return std::nullopt;
    }
    return n;
}

void write_ipn(ber::writer& w, ipn const& n)
{
    auto top = w.begin(ber::context(1));
    write_ipm_identifier(w, ber::application(11), n.subject_ipm);
    if (n.ipn_originator)
        write_or_descriptor(w, ber::context(1), *n.ipn_originator);
    if (n.ipm_intended_recipient)
        write_or_descriptor(w, ber::context(2), *n.ipm_intended_recipient);
    if (n.conversion_eits) {
        auto m = w.begin(ber::application(5));
        w.bits(ber::context(0), n.conversion_eits->built_in);
        if (n.conversion_eits->g3_facsimile)
            w.bits(ber::context(1), *n.conversion_eits->g3_facsimile);
        if (n.conversion_eits->teletex)
            w.raw(*n.conversion_eits->teletex);
        if (!n.conversion_eits->extended.empty()) {
            auto x = w.begin(ber::context(4));
            for (auto const& o : n.conversion_eits->extended)
                w.object_id(ber::universal(u::object_identifier), o);
            w.end(x);
        }
        w.end(m);
    }
    if (n.notification_extensions)
        w.raw(*n.notification_extensions);
    auto choice = w.begin(ber::context(0));
    if (auto const* f = std::get_if<non_receipt_fields>(&n.fields)) {
        auto m = w.begin(ber::context(0));
        w.integer(ber::context(0), f->reason);
        if (f->discard)
            w.integer(ber::context(1), *f->discard);
        if (f->auto_forward_comment)
            w.octets(ber::context(2), *f->auto_forward_comment);
        if (f->returned_ipm)
            w.raw(*f->returned_ipm);
        w.end(m);
    } else if (auto const* f = std::get_if<receipt_fields>(&n.fields)) {
        auto m = w.begin(ber::context(1));
        w.time(ber::context(0), f->receipt_time);
        if (f->acknowledgment_mode != 0)
            w.integer(ber::context(1), f->acknowledgment_mode);
        if (f->supplementary_information)
            w.octets(ber::context(2), *f->supplementary_information);
        w.end(m);
    } else {
        w.raw(std::get<std::string>(n.fields));
    }
    w.end(choice);
    w.end(top);
}

} // namespace

addressing::result<information_object, ber::error> decode(ber::bytes input, ber::limits const& limits)
{
    ber::session s(input, limits);
    reader top(s, input);
    auto fail = [&]() -> addressing::result<information_object, ber::error> { return s.failure(); };
    if (s.failed())
        return fail();
    auto e = top.next();
    if (!e) {
        if (!s.failed())
            s.fail(0, "empty input");
        return fail();
    }
    std::optional<information_object> out;
    if (e->is(ber::context(0))) {
        if (auto m = read_ipm(top, *e))
            out = std::move(*m);
    } else if (e->is(ber::context(1))) {
        if (auto n = read_ipn(top, *e))
            out = std::move(*n);
    } else {
        s.fail(e->offset, "not an InformationObject: " + tag_text(e->tag) + " is not ipm [0] or ipn [1]");
    }
    if (s.failed())
        return fail();
    if (!top.expect_end("the input after the InformationObject"))
        return fail();
    return std::move(*out);
}

std::string encode(information_object const& content)
{
    ber::writer w;
    if (auto const* m = std::get_if<ipm>(&content))
        write_ipm(w, ber::context(0), *m);
    else
        write_ipn(w, std::get<ipn>(content));
    return w.take();
}

std::string file_transfer_parameters(std::string_view file_name)
{
    file_attributes a;
    a.file_name = std::string(file_name);
    return file_transfer_parameters(a);
}

// FileTransferParameters ::= SEQUENCE { related-stored-file [0] OPTIONAL,
//   contents-type [1] ContentsTypeParameter DEFAULT document-type {FTAM-3},  -- a CHOICE: explicit
//   environment [2] OPTIONAL, compression [3] OPTIONAL,
//   file-attributes [4] FileAttributes OPTIONAL, extensions [5] OPTIONAL }
// Contents-Type-Attribute ::= CHOICE { document-type [0] SEQUENCE {
//   document-type-name Document-Type-Name, parameter [0] ... OPTIONAL }, constraint-set-and-abstract-syntax [1] ... }
// FileAttributes ::= SEQUENCE { pathname Pathname-Attribute OPTIONAL,
//   permitted-actions [1] Permitted-Actions-Attribute OPTIONAL, storage-account [3] OPTIONAL,
//   date-and-time-of-creation [4] Date-and-Time-Attribute OPTIONAL,       -- CHOICEs: explicit
//   date-and-time-of-last-modification [5] ..., date-and-time-of-last-read-access [6] ...,
//   ... [7] .. [12] ..., object-size [13] Object-Size-Attribute OPTIONAL, ... }
// Pathname-Attribute ::= CHOICE { incomplete-pathname [0] Pathname, complete-pathname [23] Pathname }
// Pathname ::= SEQUENCE OF GraphicString
// Date-and-Time-Attribute ::= CHOICE { no-value-available [0] NULL, actual-values [1] GeneralizedTime }
// Object-Size-Attribute ::= CHOICE { no-value-available [0] NULL, actual-values [1] INTEGER }
std::string file_transfer_parameters(file_attributes const& a)
{
    ber::writer w;
    auto seq = w.begin(ber::universal(u::sequence));
    if (a.document_type) {
        auto ct = w.begin(ber::context(1));
        auto dt = w.begin(ber::context(0));
        w.object_id(ber::universal(u::object_identifier), *a.document_type);
        w.end(dt);
        w.end(ct);
    }
    if (a.file_name || a.permitted_actions || a.creation_time || a.modification_time || a.read_time || a.size) {
        auto attrs = w.begin(ber::context(4));
        if (a.file_name) {
            auto path = w.begin(ber::context(0));
            w.octets(ber::universal(u::graphic_string), *a.file_name);
            w.end(path);
        }
        if (a.permitted_actions)
            w.bits(ber::context(1), *a.permitted_actions);
        std::uint32_t n = 4;
        for (auto const* t : {&a.creation_time, &a.modification_time, &a.read_time}) {
            if (*t) {
                auto x = w.begin(ber::context(n));
                w.time(ber::context(1), **t);
                w.end(x);
            }
            ++n;
        }
        if (a.size) {
            auto x = w.begin(ber::context(13));
            w.integer(ber::context(1), *a.size);
            w.end(x);
        }
        w.end(attrs);
    }
    w.end(seq);
    return w.take();
}

std::optional<file_attributes> read_file_transfer_parameters(std::string_view encoded, bool& other,
                                                             ber::limits const& limits)
{
    other = false;
    ber::session s(ber::bytes(reinterpret_cast<std::uint8_t const*>(encoded.data()), encoded.size()), limits);
    reader top(s, s.input());
    auto seq = top.next();
    if (!seq || !seq->is(ber::universal(u::sequence)) || !top.at_end())
        return std::nullopt;
    file_attributes a;
    // The value inside an explicit tag, when it is the one element there.
    auto inside = [&](reader& r, element const& e) -> std::optional<element> {
        if (!e.constructed)
            return std::nullopt;
        reader x = r.enter(e);
        auto v = x.next();
        if (!v || !x.at_end())
            return std::nullopt;
        return v;
    };
    reader fields = top.enter(*seq);
    while (auto f = fields.next()) {
        if (f->is(ber::context(1)) && !a.document_type) {
            auto choice = inside(fields, *f);
            std::optional<ber::oid> name;
            if (choice && choice->is(ber::context(0))) {
                reader dt = fields.enter(*f).enter(*choice);
                auto id = dt.next();
                if (id && id->is(ber::universal(u::object_identifier)))
                    name = ber::read_oid(s, *id);
                if (!dt.at_end())
                    other = true; // the document type's parameter
            }
            if (name)
                a.document_type = std::move(name);
            else
                other = true;
        } else if (f->is(ber::context(4))) {
            reader attrs = fields.enter(*f);
            while (auto x = attrs.next()) {
                if ((x->is(ber::context(0)) || x->is(ber::context(23))) && !a.file_name) {
                    // The last element of the pathname; a pathname of more
                    // than one element loses the others.
                    reader parts = attrs.enter(*x);
                    std::size_t count = 0;
                    while (auto part = parts.next()) {
                        a.file_name = ber::read_string(s, *part, u::graphic_string, parts.depth());
                        ++count;
                    }
                    if (count != 1 || x->is(ber::context(23)))
                        other = true;
                } else if (x->is(ber::context(1)) && !a.permitted_actions) {
                    a.permitted_actions = ber::read_bit_string(s, *x, attrs.depth());
                } else if (x->tag.cls == ber::tag_class::context && x->tag.number >= 4 && x->tag.number <= 6) {
                    auto& slot = x->tag.number == 4 ? a.creation_time
                                 : x->tag.number == 5 ? a.modification_time
                                                      : a.read_time;
                    auto v = inside(attrs, *x);
                    if (v && v->is(ber::context(1)) && !slot)
                        slot = ber::read_time(s, *v, true);
                    else if (!v || !v->is(ber::context(0)))
                        other = true;
                } else if (x->is(ber::context(13)) && !a.size) {
                    auto v = inside(attrs, *x);
                    if (v && v->is(ber::context(1)))
                        a.size = ber::read_integer(s, *v);
                    else if (!v || !v->is(ber::context(0)))
                        other = true;
                } else {
                    other = true;
                }
                if (s.failed())
                    return std::nullopt;
            }
        } else {
            other = true;
        }
        if (s.failed())
            return std::nullopt;
    }
    if (s.failed())
        return std::nullopt;
    return a;
}

std::string_view importance_name(importance i) noexcept
{
    switch (i) {
    case importance::low: return "low";
    case importance::normal: return "normal";
    case importance::high: return "high";
    }
    return "unknown";
}

std::string_view sensitivity_name(sensitivity s) noexcept
{
    switch (s) {
    case sensitivity::personal: return "personal";
    case sensitivity::private_: return "private";
    case sensitivity::company_confidential: return "company-confidential";
    }
    return "unknown";
}

} // namespace x400gw::x400::p22
