// x400/p1.cpp
//
// X.411 MTS-APDU decoding and encoding. The ASN.1 of each type is quoted
// above the function that reads it; the module has IMPLICIT TAGS, so a
// tagged CHOICE or open type is the one place where a tag is explicit.
#include "x400/p1.hpp"

#include "x400/text.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace x400gw::x400::p1 {

namespace {

using ber::element;
using ber::reader;
using ber::tag;
namespace u = ber::u;

using ber::missing;
using ber::tag_text;
using ber::unexpected;

bool duplicate(reader& r, element const& e, char const* where)
{
    return r.s().fail(e.offset, "element " + tag_text(e.tag) + " twice in " + where);
}

// A string that is one of CHOICE { NumericString, PrintableString }.
std::optional<std::string> numeric_or_printable(reader& r, element const& e)
{
    if (e.is(ber::universal(u::numeric_string)))
        return ber::read_string(r.s(), e, u::numeric_string, r.depth());
    if (e.is(ber::universal(u::printable_string)))
        return ber::read_string(r.s(), e, u::printable_string, r.depth());
    r.s().fail(e.offset, "NumericString or PrintableString expected, found " + tag_text(e.tag));
    return std::nullopt;
}

// An explicitly tagged CHOICE { NumericString, PrintableString }.
std::optional<std::string> tagged_numeric_or_printable(reader& parent, element const& e)
{
    reader r = parent.enter(e);
    auto inner = r.next();
    if (!inner) {
        if (!r.s().failed())
            r.s().fail(e.offset, "empty " + tag_text(e.tag));
        return std::nullopt;
    }
    auto v = numeric_or_printable(r, *inner);
    if (!v || !r.expect_end("a tagged CHOICE"))
        return std::nullopt;
    return v;
}

bool all_digits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void write_numeric_or_printable(ber::writer& w, std::string_view v)
{
    w.octets(ber::universal(all_digits(v) ? u::numeric_string : u::printable_string), v);
}

void write_tagged_numeric_or_printable(ber::writer& w, tag t, std::string_view v)
{
    auto m = w.begin(t);
    write_numeric_or_printable(w, v);
    w.end(m);
}

std::optional<std::int64_t> integer(reader& r, element const& e)
{
    return ber::read_integer(r.s(), e);
}

// The walk every SEQUENCE OF / SET OF here shares: the elements of the
// constructed `e`, each tagged `item` (else "unexpected element"), read
// by `each(reader&, element const&)`, which returns false to stop with
// the session failed. `empty`, when given, is the reason an empty `e` is
// refused (SIZE (1..n)). False on any failure.
template <class F>
bool for_each_item(reader& parent, element const& e, tag item, char const* where, char const* empty, F&& each)
{
    reader r = parent.enter(e);
    auto& s = r.s();
    std::size_t n = 0;
    while (auto c = r.next()) {
        if (!c->is(item))
            return unexpected(r, *c, where);
        if (!each(r, *c) || s.failed())
            return false;
        ++n;
    }
    if (s.failed())
        return false;
    if (empty && n == 0)
        return s.fail(e.offset, empty);
    return true;
}

// ---------------------------------------------------------------- O/R names

// Extension attribute types (X.411 18.5, upper-bounds module) that map to a
// key of addressing::or_address::other (RFC 2156 4.1.1 keys).
struct postal_key {
    std::int64_t type;
    char const* key;
};
constexpr std::array<postal_key, 11> pds_parameter_keys{{
    {10, "PD-OFFICE"},
    {11, "PD-OFFICE-NUM"},
    {12, "PD-EXT-ADDRESS"},
    {13, "PD-PN"},
    {14, "PD-O"},
    {15, "PD-EXT-DELIVERY"},
    {17, "PD-STREET"},
    {18, "PD-BOX"},
    {19, "PD-RESTANTE"},
    {20, "PD-UNIQUE"},
    {21, "PD-LOCAL"},
}};

namespace ea {
inline constexpr std::int64_t common_name = 1, teletex_common_name = 2, teletex_organization_name = 3,
                              teletex_personal_name = 4, teletex_organizational_unit_names = 5,
                              teletex_domain_defined_attributes = 6, pds_name = 7, physical_delivery_country_name = 8,
                              postal_code = 9, unformatted_postal_address = 16, extended_network_address = 22,
                              terminal_type = 23, universal_first = 24, universal_last = 40;
}

// ------------------------------------------------ Teletex forms (RFC 2156 3.3.4)

// A value of addressing::or_address holds a Teletex form after "*":
// teletex-and-or-ps = [ printablestring ] [ "*" teletex-string ], the
// Teletex octets written as PrintableString characters where they are one
// and as "{ddd}" (the octet in decimal) otherwise.
std::string teletex_text(std::string_view octets)
{
    std::string out;
    for (unsigned char c : octets) {
        if (ber::is_printable_char(static_cast<char>(c)))
            out += static_cast<char>(c);
        else
            out += "{" + std::to_string(c) + "}";
    }
    return out;
}

std::string teletex_octets(std::string_view text)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '{') {
            std::size_t j = i + 1;
            unsigned v = 0;
            while (j < text.size() && j - i <= 3 && text[j] >= '0' && text[j] <= '9')
                v = v * 10 + static_cast<unsigned>(text[j++] - '0');
            if (j > i + 1 && j < text.size() && text[j] == '}' && v <= 255) {
                out += static_cast<char>(v);
                i = j;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

// A model value split into the PrintableString form and the Teletex
// octets; either may be absent ("*x" has no printable form, "x" no Teletex).
struct value_forms {
    std::optional<std::string> printable;
    std::optional<std::string> teletex;
};

value_forms forms_of(std::optional<std::string> const& v)
{
    if (!v)
        return {};
    auto const star = v->find('*');
    if (star == std::string::npos)
        return {*v, std::nullopt};
    value_forms f;
    if (star > 0)
        f.printable = v->substr(0, star);
    f.teletex = teletex_octets(std::string_view(*v).substr(star + 1));
    return f;
}

// Adds a PrintableString form to a slot that may already hold a Teletex
// one (the two are separate attributes, in any order). False when the slot
// already has a printable form: the attribute is then kept opaque.
bool add_printable(std::optional<std::string>& slot, std::string value)
{
    if (!slot) {
        slot = std::move(value);
        return true;
    }
    if (!slot->starts_with("*"))
        return false;
    slot = value + *slot;
    return true;
}

bool add_teletex(std::optional<std::string>& slot, std::string_view octets)
{
    if (slot && slot->find('*') != std::string::npos)
        return false;
    slot = slot.value_or("") + "*" + teletex_text(octets);
    return true;
}

// ------------------------------------- PSAP address (NET-PSAP, RFC 1278 form)

// PresentationAddress ::= SEQUENCE { pSelector [0] EXPLICIT OCTET STRING OPTIONAL,
//   sSelector [1] EXPLICIT OCTET STRING OPTIONAL, tSelector [2] EXPLICIT OCTET STRING OPTIONAL,
//   nAddresses [3] EXPLICIT SET SIZE (1..MAX) OF OCTET STRING }
// As text: "P/S/T/N", each selector 'hex'H or nothing when absent, N the
// network addresses as NS+hex, separated by "," (RFC 1278 writes "_",
// which PrintableString lacks). Every character is PrintableString.
struct presentation_address {
    std::optional<std::string> p, s, t;
    std::vector<std::string> n;
};

std::string psap_text(presentation_address const& a)
{
    std::string out;
    for (auto const* sel : {&a.p, &a.s, &a.t}) {
        if (*sel)
            out += "'" + text::hex(**sel) + "'H";
        out += '/';
    }
    for (std::size_t i = 0; i < a.n.size(); ++i)
        out += (i ? ",NS+" : "NS+") + text::hex(a.n[i]);
    return out;
}

std::optional<std::string> unhex(std::string_view h)
{
    if (h.size() % 2)
        return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < h.size(); i += 2) {
        int v = 0;
        for (char c : h.substr(i, 2)) {
            char const l = static_cast<char>(c | 0x20);
            int const d = c >= '0' && c <= '9' ? c - '0' : l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
            if (d < 0)
                return std::nullopt;
            v = v * 16 + d;
        }
        out += static_cast<char>(v);
    }
    return out;
}

std::optional<presentation_address> parse_psap(std::string_view v)
{
    presentation_address a;
    for (auto* sel : {&a.p, &a.s, &a.t}) {
        auto const slash = v.find('/');
        if (slash == std::string_view::npos)
            return std::nullopt;
        auto const item = v.substr(0, slash);
        if (!item.empty()) {
            if (item.size() < 3 || item.front() != '\'' || !item.ends_with("'H"))
                return std::nullopt;
            *sel = unhex(item.substr(1, item.size() - 3));
            if (!*sel)
                return std::nullopt;
        }
        v.remove_prefix(slash + 1);
    }
    while (!v.empty()) {
        auto const comma = v.find(',');
        auto item = v.substr(0, comma);
        if (!item.starts_with("NS+"))
            return std::nullopt;
        auto octets = unhex(item.substr(3));
        if (!octets)
            return std::nullopt;
        a.n.push_back(std::move(*octets));
        if (comma == std::string_view::npos)
            break;
        v.remove_prefix(comma + 1);
    }
    if (a.n.empty())
        return std::nullopt;
    return a;
}

std::optional<presentation_address> read_psap(reader& parent, element const& v)
{
    auto& s = parent.s();
    presentation_address a;
    reader r = parent.enter(v);
    int last = -1;
    bool addresses = false;
    while (auto c = r.next()) {
        if (c->tag.cls != ber::tag_class::context || c->tag.number > 3 || static_cast<int>(c->tag.number) <= last)
            return std::nullopt;
        last = static_cast<int>(c->tag.number);
        reader x = r.enter(*c);
        if (c->tag.number < 3) {
            auto o = x.next();
            if (!o || !o->is(ber::universal(u::octet_string)))
                return std::nullopt;
            auto octets = ber::read_octets(s, *o, x.depth());
            if (!octets || !x.expect_end("a selector"))
                return std::nullopt;
            (c->tag.number == 0 ? a.p : c->tag.number == 1 ? a.s : a.t) = std::move(*octets);
        } else {
            auto set = x.next();
            if (!set || !set->is(ber::universal(u::set)) || !x.expect_end("nAddresses"))
                return std::nullopt;
            reader items = x.enter(*set);
            while (auto o = items.next()) {
                if (!o->is(ber::universal(u::octet_string)))
                    return std::nullopt;
                auto octets = ber::read_octets(s, *o, items.depth());
                if (!octets)
                    return std::nullopt;
                a.n.push_back(std::move(*octets));
            }
            addresses = true;
        }
    }
    if (!addresses || a.n.empty() || s.failed())
        return std::nullopt;
    return a;
}

void write_psap(ber::writer& w, presentation_address const& a)
{
    auto m = w.begin(ber::context(0));
    int n = 0;
    for (auto const* sel : {&a.p, &a.s, &a.t}) {
        if (*sel) {
            auto x = w.begin(ber::context(static_cast<std::uint32_t>(n)));
            w.octets(ber::universal(u::octet_string), **sel);
            w.end(x);
        }
        ++n;
    }
    auto x = w.begin(ber::context(3));
    auto set = w.begin(ber::universal(u::set));
    for (auto const& o : a.n)
        w.octets(ber::universal(u::octet_string), o);
    w.end(set);
    w.end(x);
    w.end(m);
}

constexpr std::array<char const*, 9> terminal_types{"", "", "", "telex", "teletex", "g3-facsimile", "g4-facsimile",
                                                    "ia5-terminal", "videotex"};

char const* pds_key(std::int64_t type)
{
    for (auto const& k : pds_parameter_keys)
        if (k.type == type && k.key)
            return k.key;
    return nullptr;
}

std::int64_t pds_type(std::string_view key)
{
    for (auto const& k : pds_parameter_keys)
        if (k.key && key == k.key)
            return k.type;
    return 0;
}

// PDSParameter ::= SET { printable-string PrintableString OPTIONAL,
//                        teletex-string TeletexString OPTIONAL }
// As RFC 2156 writes it: "printable*teletex" (nullopt, no failure, when
// it has neither or something else: the attribute then stays opaque).
std::optional<std::string> pds_parameter(reader& parent, element const& e)
{
    if (!e.is(ber::universal(u::set)))
        return std::nullopt;
    reader r = parent.enter(e);
    std::optional<std::string> printable, teletex;
    while (auto c = r.next()) {
        if (c->is(ber::universal(u::printable_string)) && !printable)
            printable = ber::read_string(r.s(), *c, u::printable_string, r.depth());
        else if (c->is(ber::universal(u::teletex_string)) && !teletex)
            teletex = ber::read_string(r.s(), *c, u::teletex_string, r.depth());
        else
            return std::nullopt;
        if (r.s().failed())
            return std::nullopt;
    }
    if (!printable && !teletex)
        return std::nullopt;
    return printable.value_or("") + (teletex ? "*" + teletex_text(*teletex) : "");
}

void write_pds_parameter(ber::writer& w, std::string const& value)
{
    auto const f = forms_of(value);
    auto set = w.begin(ber::universal(u::set));
    if (f.printable)
        w.octets(ber::universal(u::printable_string), *f.printable);
    if (f.teletex)
        w.octets(ber::universal(u::teletex_string), *f.teletex);
    w.end(set);
}

// The value of one ExtensionAttribute, into `a` when or_address has a place
// for it. Returns false when the attribute is to be kept opaque.
bool model_extension_attribute(reader& parent, std::int64_t type, element const& v, addressing::or_address& a)
{
    auto& s = parent.s();
    auto other = [&](std::string key, std::string value) {
        a.other.push_back(addressing::other_attribute{std::move(key), std::move(value)});
        return true;
    };
    switch (type) {
    case ea::common_name:
        if (!v.is(ber::universal(u::printable_string)))
            return false;
        if (auto cn = ber::read_string(s, v, u::printable_string, parent.depth()))
            return add_printable(a.common_name, std::move(*cn));
        return false;
    case ea::teletex_common_name:
    case ea::teletex_organization_name: {
        // TeletexCommonName, TeletexOrganizationName ::= TeletexString
        if (!v.is(ber::universal(u::teletex_string)))
            return false;
        auto t = ber::read_string(s, v, u::teletex_string, parent.depth());
        return t && add_teletex(type == ea::teletex_common_name ? a.common_name : a.o, *t);
    }
    case ea::teletex_personal_name: {
        // TeletexPersonalName ::= SET { surname [0] TeletexString, given-name [1] ...,
        //                               initials [2] ..., generation-qualifier [3] ... }
        if (!v.is(ber::universal(u::set)))
            return false;
        reader r = parent.enter(v);
        bool surname = false;
        while (auto n = r.next()) {
            if (n->tag.cls != ber::tag_class::context || n->tag.number > 3)
                return false;
            auto& field = n->tag.number == 0   ? a.surname
                          : n->tag.number == 1 ? a.given
                          : n->tag.number == 2 ? a.initials
                                               : a.generation;
            auto t = ber::read_string(s, *n, u::teletex_string, r.depth());
            if (!t || !add_teletex(field, *t))
                return false;
            surname = surname || n->tag.number == 0;
        }
        return surname && !s.failed();
    }
    case ea::teletex_organizational_unit_names: {
        // TeletexOrganizationalUnitNames ::= SEQUENCE SIZE (1..ub-organizational-units) OF TeletexString,
        // the Teletex form of the OU at the same place.
        if (!v.is(ber::universal(u::sequence)))
            return false;
        reader r = parent.enter(v);
        std::size_t i = 0;
        while (auto n = r.next()) {
            if (!n->is(ber::universal(u::teletex_string)))
                return false;
            auto t = ber::read_string(s, *n, u::teletex_string, r.depth());
            if (!t)
                return false;
            if (i < a.ou.size()) {
                std::optional<std::string> slot = a.ou[i];
                if (!add_teletex(slot, *t))
                    return false;
                a.ou[i] = std::move(*slot);
            } else {
                a.ou.push_back("*" + teletex_text(*t));
            }
            ++i;
        }
        return i > 0 && !s.failed();
    }
    case ea::teletex_domain_defined_attributes: {
        // TeletexDomainDefinedAttributes ::= SEQUENCE SIZE (1..ub-domain-defined-attributes) OF
        //   SEQUENCE { type TeletexString, value TeletexString }
        // The type must be PrintableString text to have a place in or_address.
        if (!v.is(ber::universal(u::sequence)))
            return false;
        reader r = parent.enter(v);
        std::size_t n = 0;
        while (auto item = r.next()) {
            if (!item->is(ber::universal(u::sequence)))
                return false;
            reader kv = r.enter(*item);
            auto t = kv.next();
            auto val = t ? kv.next() : std::nullopt;
            if (!t || !val || !t->is(ber::universal(u::teletex_string)) ||
                !val->is(ber::universal(u::teletex_string)))
                return false;
            auto type_text = ber::read_string(s, *t, u::teletex_string, kv.depth());
            auto value_text = ber::read_string(s, *val, u::teletex_string, kv.depth());
            if (!type_text || !value_text || !kv.expect_end("TeletexDomainDefinedAttribute") ||
                type_text->empty() ||
                !std::all_of(type_text->begin(), type_text->end(), ber::is_printable_char))
                return false;
            a.ddas.push_back(addressing::dda{std::move(*type_text), "*" + teletex_text(*value_text)});
            ++n;
        }
        return n > 0 && !s.failed();
    }
    case ea::pds_name:
        if (!v.is(ber::universal(u::printable_string)))
            return false;
        if (auto x = ber::read_string(s, v, u::printable_string, parent.depth()))
            return other("PD-SERVICE", std::move(*x));
        return false;
    case ea::physical_delivery_country_name:
    case ea::postal_code:
        if (!v.is(ber::universal(u::numeric_string)) && !v.is(ber::universal(u::printable_string)))
            return false;
        if (auto x = numeric_or_printable(parent, v))
            return other(type == ea::postal_code ? "PD-CODE" : "PD-C", std::move(*x));
        return false;
    case ea::unformatted_postal_address: {
        // SET { printable-address SEQUENCE SIZE(1..6) OF PrintableString OPTIONAL,
        //       teletex-string TeletexString OPTIONAL }
        // As RFC 2156 writes it: upa-string = [ printable *( "|" printable ) ] [ "*" teletex-string ].
        if (!v.is(ber::universal(u::set)))
            return false;
        reader r = parent.enter(v);
        std::string joined;
        std::optional<std::string> teletex;
        bool lines = false;
        while (auto c = r.next()) {
            if (c->is(ber::universal(u::teletex_string)) && !teletex) {
                teletex = ber::read_string(s, *c, u::teletex_string, r.depth());
                if (!teletex)
                    return false;
                continue;
            }
            if (!c->is(ber::universal(u::sequence)) || lines)
                return false;
            lines = true;
            reader l = r.enter(*c);
            std::size_t n = 0;
            while (auto line = l.next()) {
                if (!line->is(ber::universal(u::printable_string)))
                    return false;
                auto text = ber::read_string(s, *line, u::printable_string, l.depth());
                if (!text || text->find('|') != std::string::npos)
                    return false;
                if (n++)
                    joined += '|';
                joined += *text;
            }
        }
        if ((!lines && !teletex) || s.failed())
            return false;
        if (teletex)
            joined += "*" + teletex_text(*teletex);
        return other("PD-ADDRESS", std::move(joined));
    }
    case ea::extended_network_address: {
        // CHOICE { e163-4-address SEQUENCE { number [0] NumericString,
        //          sub-address [1] NumericString OPTIONAL }, psap-address [0] PresentationAddress }
        for (auto const& o : a.other)
            if (o.key == "NET-NUM" || o.key == "NET-PSAP")
                return false;
        if (v.is(ber::context(0)) && v.constructed) {
            auto psap = read_psap(parent, v);
            return psap && other("NET-PSAP", psap_text(*psap));
        }
        if (!v.is(ber::universal(u::sequence)))
            return false;
        reader r = parent.enter(v);
        auto num = r.next();
        if (!num || !num->is(ber::context(0)))
            return false;
        auto number = ber::read_string(s, *num, u::numeric_string, r.depth());
        std::optional<std::string> sub;
        if (auto c = r.next()) {
            if (!c->is(ber::context(1)))
                return false;
            sub = ber::read_string(s, *c, u::numeric_string, r.depth());
            if (!sub)
                return false;
        }
        if (!number || !r.expect_end("e163-4-address"))
            return false;
        other("NET-NUM", std::move(*number));
        if (sub)
            other("NET-SUB", std::move(*sub));
        return true;
    }
    case ea::terminal_type: {
        if (!v.is(ber::universal(u::integer)))
            return false;
        auto n = ber::read_integer(s, v);
        if (!n)
            return false;
        if (*n >= 3 && *n <= 8)
            return other("T-TY", terminal_types[static_cast<std::size_t>(*n)]);
        return false;
    }
    default:
        if (auto key = pds_key(type)) {
            if (auto x = pds_parameter(parent, v))
                return other(key, std::move(*x));
        }
        return false;
    }
}

// BuiltInStandardAttributes ::= SEQUENCE {
//   country-name                CountryName OPTIONAL,          -- [APPLICATION 1] CHOICE
//   administration-domain-name  AdministrationDomainName OPTIONAL, -- [APPLICATION 2] CHOICE
//   network-address             [0] NetworkAddress OPTIONAL,   -- NumericString
//   terminal-identifier         [1] TerminalIdentifier OPTIONAL,
//   private-domain-name         [2] PrivateDomainName OPTIONAL, -- CHOICE, so explicit
//   organization-name           [3] OrganizationName OPTIONAL,
//   numeric-user-identifier     [4] NumericUserIdentifier OPTIONAL,
//   personal-name               [5] PersonalName OPTIONAL,     -- SET { [0] S, [1] G, [2] I, [3] GQ }
//   organizational-unit-names   [6] OrganizationalUnitNames OPTIONAL }
bool read_standard_attributes(reader& parent, element const& e, addressing::or_address& a)
{
    reader r = parent.enter(e);
    auto& s = r.s();
    int last = -1;
    while (auto c = r.next()) {
        int order = -1;
        if (c->is(ber::application(1)))
            order = 0;
        else if (c->is(ber::application(2)))
            order = 1;
        else if (c->tag.cls == ber::tag_class::context && c->tag.number <= 6)
            order = 2 + static_cast<int>(c->tag.number);
        if (order < 0)
            return unexpected(r, *c, "BuiltInStandardAttributes");
        if (order <= last)
            return s.fail(c->offset, "BuiltInStandardAttributes out of order or repeated");
        last = order;
        switch (order) {
        case 0: a.c = tagged_numeric_or_printable(r, *c); break;
        case 1: a.admd = tagged_numeric_or_printable(r, *c); break;
        case 2: a.x121 = ber::read_string(s, *c, u::numeric_string, r.depth()); break;
        case 3: a.t_id = ber::read_string(s, *c, u::printable_string, r.depth()); break;
        case 4: a.prmd = tagged_numeric_or_printable(r, *c); break;
        case 5: a.o = ber::read_string(s, *c, u::printable_string, r.depth()); break;
        case 6: a.ua_id = ber::read_string(s, *c, u::numeric_string, r.depth()); break;
        case 7: {
            reader p = r.enter(*c);
            while (auto n = p.next()) {
                if (n->tag.cls != ber::tag_class::context || n->tag.number > 3)
                    return unexpected(p, *n, "PersonalName");
                auto& field = n->tag.number == 0   ? a.surname
                              : n->tag.number == 1 ? a.given
                              : n->tag.number == 2 ? a.initials
                                                   : a.generation;
                if (field)
                    return duplicate(p, *n, "PersonalName");
                field = ber::read_string(s, *n, u::printable_string, p.depth());
            }
            if (!s.failed() && !a.surname)
                return missing(r, c->offset, "surname", "PersonalName");
            break;
        }
        case 8: {
            reader p = r.enter(*c);
            while (auto n = p.next()) {
                if (!n->is(ber::universal(u::printable_string)))
                    return unexpected(p, *n, "OrganizationalUnitNames");
                if (auto ou = ber::read_string(s, *n, u::printable_string, p.depth()))
                    a.ou.push_back(std::move(*ou));
            }
            break;
        }
        }
        if (s.failed())
            return false;
    }
    return !s.failed();
}

// ORAddress ::= SEQUENCE { built-in-standard-attributes BuiltInStandardAttributes,
//   built-in-domain-defined-attributes BuiltInDomainDefinedAttributes OPTIONAL,
//   extension-attributes ExtensionAttributes OPTIONAL }
// ORName ::= [APPLICATION 0] SEQUENCE { COMPONENTS OF ORAddress, directory-name [0] Name OPTIONAL }
std::optional<or_name> read_or_name_contents(reader& parent, element const& e, bool with_directory_name,
                                             char const* where)
{
    reader r = parent.enter(e);
    auto& s = r.s();
    or_name n;
    auto c = r.next();
    if (!c || !c->is(ber::universal(u::sequence))) {
        if (!s.failed())
            missing(r, e.offset, "built-in-standard-attributes", where);
        return std::nullopt;
    }
    if (!read_standard_attributes(r, *c, n.address))
        return std::nullopt;
    c = r.next();
    if (c && c->is(ber::universal(u::sequence))) {
        // BuiltInDomainDefinedAttribute ::= SEQUENCE { type PrintableString, value PrintableString }
        reader d = r.enter(*c);
        while (auto item = d.next()) {
            if (!item->is(ber::universal(u::sequence))) {
                unexpected(d, *item, "BuiltInDomainDefinedAttributes");
                return std::nullopt;
            }
            reader kv = d.enter(*item);
            auto t = kv.next();
            auto v = t ? kv.next() : std::nullopt;
            if (!t || !v) {
                if (!s.failed())
                    missing(kv, item->offset, "type or value", "BuiltInDomainDefinedAttribute");
                return std::nullopt;
            }
            auto type = ber::read_string(s, *t, u::printable_string, kv.depth());
            auto value = ber::read_string(s, *v, u::printable_string, kv.depth());
            if (!type || !value || !kv.expect_end("BuiltInDomainDefinedAttribute"))
                return std::nullopt;
            n.address.ddas.push_back(addressing::dda{std::move(*type), std::move(*value)});
        }
        if (s.failed())
            return std::nullopt;
        c = r.next();
    }
    if (c && c->is(ber::universal(u::set))) {
        // ExtensionAttribute ::= SEQUENCE { extension-attribute-type [0] INTEGER,
        //                                   extension-attribute-value [1] ANY DEFINED BY type }
        reader x = r.enter(*c);
        while (auto item = x.next()) {
            if (!item->is(ber::universal(u::sequence))) {
                unexpected(x, *item, "ExtensionAttributes");
                return std::nullopt;
            }
            reader kv = x.enter(*item);
            auto t = kv.next();
            auto v = t ? kv.next() : std::nullopt;
            if (!t || !t->is(ber::context(0)) || !v || !v->is(ber::context(1))) {
                if (!s.failed())
                    s.fail(item->offset, "ExtensionAttribute is not [0] type, [1] value");
                return std::nullopt;
            }
            auto type = ber::read_integer(s, *t);
            if (!type || !kv.expect_end("ExtensionAttribute"))
                return std::nullopt;
            reader val = kv.enter(*v);
            auto inner = val.next();
            if (!inner || !val.expect_end("extension-attribute-value")) {
                if (!s.failed())
                    s.fail(v->offset, "extension-attribute-value is empty");
                return std::nullopt;
            }
            // A value that does not have the type's syntax is kept opaque
            // rather than refused: it is the peer's business, and written
            // back unchanged it does no harm.
            std::string const encoded = ber::raw(s, *inner);
            ber::session trial(ber::bytes(reinterpret_cast<std::uint8_t const*>(encoded.data()), encoded.size()),
                               s.limits());
            reader tr(trial, trial.input(), val.depth());
            auto const saved = n.address;
            bool modelled = false;
            if (auto again = tr.next())
                modelled = model_extension_attribute(tr, *type, *again, n.address) && !trial.failed();
            if (!modelled) {
                n.address = saved;
                n.opaque_attributes.push_back(ber::raw(s, *item));
            }
        }
        if (s.failed())
            return std::nullopt;
        c = r.next();
    }
    if (c && with_directory_name && c->is(ber::context(0))) {
        // directory-name [0] Name: Name is a CHOICE, so the tag is explicit.
        reader d = r.enter(*c);
        auto name = d.next();
        if (!name || !d.expect_end("directory-name")) {
            if (!s.failed())
                s.fail(c->offset, "directory-name is empty");
            return std::nullopt;
        }
        n.directory_name = ber::raw(s, *name);
        c = r.next();
    }
    if (c) {
        unexpected(r, *c, where);
        return std::nullopt;
    }
    if (s.failed())
        return std::nullopt;
    return n;
}

void write_extension_attribute(ber::writer& w, std::int64_t type, auto&& value)
{
    auto m = w.begin(ber::universal(u::sequence));
    w.integer(ber::context(0), type);
    auto v = w.begin(ber::context(1));
    value();
    w.end(v);
    w.end(m);
}

void write_or_address_contents(ber::writer& w, or_name const& n)
{
    auto const& a = n.address;
    auto std_attrs = w.begin(ber::universal(u::sequence));
    if (a.c)
        write_tagged_numeric_or_printable(w, ber::application(1), *a.c);
    if (a.admd)
        write_tagged_numeric_or_printable(w, ber::application(2), *a.admd);
    if (a.x121)
        w.octets(ber::context(0), *a.x121);
    if (a.t_id)
        w.octets(ber::context(1), *a.t_id);
    if (a.prmd)
        write_tagged_numeric_or_printable(w, ber::context(2), *a.prmd);
    // Each value with a Teletex form (after "*") is written twice: its
    // PrintableString form where the standard attribute is, its Teletex
    // form in the teletex-* extension attribute (X.411 18.5).
    auto const org = forms_of(a.o);
    if (org.printable)
        w.octets(ber::context(3), *org.printable);
    if (a.ua_id)
        w.octets(ber::context(4), *a.ua_id);
    std::array<value_forms, 4> const pn{forms_of(a.surname), forms_of(a.given), forms_of(a.initials),
                                        forms_of(a.generation)};
    bool const pn_present = a.surname || a.given || a.initials || a.generation;
    // PersonalName needs a surname: with only a Teletex surname the name
    // is written in teletex-personal-name alone.
    bool const printable_pn = pn_present && (pn[0].printable || !pn[0].teletex);
    if (printable_pn) {
        auto p = w.begin(ber::context(5));
        w.octets(ber::context(0), pn[0].printable.value_or(""));
        for (std::uint32_t i = 1; i < 4; ++i)
            if (pn[i].printable)
                w.octets(ber::context(i), *pn[i].printable);
        w.end(p);
    }
    std::vector<value_forms> ous;
    bool ou_teletex = false;
    for (auto const& ou : a.ou) {
        ous.push_back(forms_of(ou));
        ou_teletex = ou_teletex || ous.back().teletex;
    }
    if (!ous.empty() && ous.front().printable) {
        // The printable OUs up to the first without a printable form: the
        // places of the two sequences correspond.
        auto p = w.begin(ber::context(6));
        for (auto const& ou : ous) {
            if (!ou.printable)
                break;
            w.octets(ber::universal(u::printable_string), *ou.printable);
        }
        w.end(p);
    }
    w.end(std_attrs);
    std::vector<std::pair<std::string_view, value_forms>> ddas;
    bool dda_printable = false, dda_teletex = false;
    for (auto const& x : a.ddas) {
        ddas.emplace_back(x.type, forms_of(x.value));
        dda_printable = dda_printable || ddas.back().second.printable;
        dda_teletex = dda_teletex || ddas.back().second.teletex;
    }
    if (dda_printable) {
        auto d = w.begin(ber::universal(u::sequence));
        for (auto const& [type, value] : ddas) {
            if (!value.printable)
                continue;
            auto kv = w.begin(ber::universal(u::sequence));
            w.octets(ber::universal(u::printable_string), type);
            w.octets(ber::universal(u::printable_string), *value.printable);
            w.end(kv);
        }
        w.end(d);
    }
    auto const cn = forms_of(a.common_name);
    bool const pn_teletex = std::any_of(pn.begin(), pn.end(), [](auto const& f) { return f.teletex.has_value(); });
    bool const any_ext = a.common_name || org.teletex || pn_teletex || ou_teletex || dda_teletex || !a.other.empty() ||
                         !n.opaque_attributes.empty();
    if (any_ext) {
        // Written apart first: an attribute whose value has no BER form
        // (a NET-PSAP that does not parse) is left out, and X.411 wants
        // no empty SET.
        ber::writer x;
        auto teletex = [&](std::string_view t) { x.octets(ber::universal(u::teletex_string), t); };
        if (cn.printable)
            write_extension_attribute(x, ea::common_name,
                                      [&] { x.octets(ber::universal(u::printable_string), *cn.printable); });
        if (cn.teletex)
            write_extension_attribute(x, ea::teletex_common_name, [&] { teletex(*cn.teletex); });
        if (org.teletex)
            write_extension_attribute(x, ea::teletex_organization_name, [&] { teletex(*org.teletex); });
        if (pn_teletex)
            write_extension_attribute(x, ea::teletex_personal_name, [&] {
                auto set = x.begin(ber::universal(u::set));
                // The surname is required: its printable form stands in.
                // Without a printable PersonalName every component is here.
                x.octets(ber::context(0), pn[0].teletex.value_or(pn[0].printable.value_or("")));
                for (std::uint32_t i = 1; i < 4; ++i) {
                    if (pn[i].teletex)
                        x.octets(ber::context(i), *pn[i].teletex);
                    else if (!printable_pn && pn[i].printable)
                        x.octets(ber::context(i), *pn[i].printable);
                }
                x.end(set);
            });
        if (ou_teletex)
            write_extension_attribute(x, ea::teletex_organizational_unit_names, [&] {
                auto seq = x.begin(ber::universal(u::sequence));
                for (auto const& ou : ous)
                    teletex(ou.teletex ? *ou.teletex : ou.printable.value_or(""));
                x.end(seq);
            });
        if (dda_teletex)
            write_extension_attribute(x, ea::teletex_domain_defined_attributes, [&] {
                auto seq = x.begin(ber::universal(u::sequence));
                for (auto const& [type, value] : ddas) {
                    if (!value.teletex)
                        continue;
                    auto kv = x.begin(ber::universal(u::sequence));
                    teletex(type);
                    teletex(*value.teletex);
                    x.end(kv);
                }
                x.end(seq);
            });
        std::optional<std::string> net_num, net_sub;
        for (auto const& o : a.other) {
            if (o.key == "PD-SERVICE") {
                write_extension_attribute(x, ea::pds_name,
                                          [&] { x.octets(ber::universal(u::printable_string), o.value); });
            } else if (o.key == "PD-C" || o.key == "PD-CODE") {
                write_extension_attribute(x, o.key == "PD-C" ? ea::physical_delivery_country_name : ea::postal_code,
                                          [&] { write_numeric_or_printable(x, o.value); });
            } else if (o.key == "PD-ADDRESS") {
                write_extension_attribute(x, ea::unformatted_postal_address, [&] {
                    auto const f = forms_of(o.value);
                    auto set = x.begin(ber::universal(u::set));
                    if (f.printable) {
                        auto seq = x.begin(ber::universal(u::sequence));
                        std::string_view rest = *f.printable;
                        for (;;) {
                            auto bar = rest.find('|');
                            x.octets(ber::universal(u::printable_string), rest.substr(0, bar));
                            if (bar == std::string_view::npos)
                                break;
                            rest.remove_prefix(bar + 1);
                        }
                        x.end(seq);
                    }
                    if (f.teletex)
                        x.octets(ber::universal(u::teletex_string), *f.teletex);
                    x.end(set);
                });
            } else if (o.key == "NET-PSAP") {
                if (auto psap = parse_psap(o.value))
                    write_extension_attribute(x, ea::extended_network_address, [&] { write_psap(x, *psap); });
            } else if (o.key == "NET-NUM") {
                net_num = o.value;
            } else if (o.key == "NET-SUB") {
                net_sub = o.value;
            } else if (o.key == "T-TY") {
                for (std::size_t i = 3; i < terminal_types.size(); ++i)
                    if (o.value == terminal_types[i])
                        write_extension_attribute(x, ea::terminal_type, [&] {
                            x.integer(ber::universal(u::integer), static_cast<std::int64_t>(i));
                        });
            } else if (auto type = pds_type(o.key)) {
                write_extension_attribute(x, type, [&] { write_pds_parameter(x, o.value); });
            }
        }
        if (net_num)
            write_extension_attribute(x, ea::extended_network_address, [&] {
                auto seq = x.begin(ber::universal(u::sequence));
                x.octets(ber::context(0), *net_num);
                if (net_sub)
                    x.octets(ber::context(1), *net_sub);
                x.end(seq);
            });
        for (auto const& raw : n.opaque_attributes)
            x.raw(raw);
        if (!x.data().empty()) {
            auto set = w.begin(ber::universal(u::set));
            w.raw(x.data());
            w.end(set);
        }
    }
}

// ------------------------------------------------- domains and identifiers

// GlobalDomainIdentifier ::= [APPLICATION 3] SEQUENCE { country-name CountryName,
//   administration-domain-name AdministrationDomainName,
//   private-domain-identifier PrivateDomainIdentifier OPTIONAL }
std::optional<global_domain_identifier> read_gdi(reader& parent, element const& e)
{
    reader r = parent.enter(e);
    global_domain_identifier g;
    auto c = r.next();
    if (!c || !c->is(ber::application(1))) {
        if (!r.s().failed())
            missing(r, e.offset, "country-name", "GlobalDomainIdentifier");
        return std::nullopt;
    }
    auto country = tagged_numeric_or_printable(r, *c);
    c = r.next();
    if (!country || !c || !c->is(ber::application(2))) {
        if (!r.s().failed())
            missing(r, e.offset, "administration-domain-name", "GlobalDomainIdentifier");
        return std::nullopt;
    }
    auto admd = tagged_numeric_or_printable(r, *c);
    if (!admd)
        return std::nullopt;
    g.country = std::move(*country);
    g.admd = std::move(*admd);
    if (auto p = r.next()) {
        g.prmd = numeric_or_printable(r, *p);
        if (!g.prmd)
            return std::nullopt;
    }
    if (!r.expect_end("GlobalDomainIdentifier"))
        return std::nullopt;
    return g;
}

void write_gdi(ber::writer& w, global_domain_identifier const& g)
{
    auto m = w.begin(ber::application(3));
    write_tagged_numeric_or_printable(w, ber::application(1), g.country);
    write_tagged_numeric_or_printable(w, ber::application(2), g.admd);
    if (g.prmd)
        write_numeric_or_printable(w, *g.prmd);
    w.end(m);
}

// MTSIdentifier ::= [APPLICATION 4] SEQUENCE { global-domain-identifier GlobalDomainIdentifier,
//                                              local-identifier LocalIdentifier }
std::optional<mts_identifier> read_mts_identifier(reader& parent, element const& e)
{
    reader r = parent.enter(e);
    auto g = r.next();
    if (!g || !g->is(ber::application(3))) {
        if (!r.s().failed())
            missing(r, e.offset, "global-domain-identifier", "MTSIdentifier");
        return std::nullopt;
    }
    auto gdi = read_gdi(r, *g);
    if (!gdi)
        return std::nullopt;
    auto l = r.next();
    if (!l || !l->is(ber::universal(u::ia5_string))) {
        if (!r.s().failed())
            missing(r, e.offset, "local-identifier", "MTSIdentifier");
        return std::nullopt;
    }
    auto local = ber::read_string(r.s(), *l, u::ia5_string, r.depth());
    if (!local || !r.expect_end("MTSIdentifier"))
        return std::nullopt;
    return mts_identifier{std::move(*gdi), std::move(*local)};
}

void write_mts_identifier(ber::writer& w, mts_identifier const& id)
{
    auto m = w.begin(ber::application(4));
    write_gdi(w, id.domain);
    w.octets(ber::universal(u::ia5_string), id.local);
    w.end(m);
}

// EncodedInformationTypes ::= [APPLICATION 5] SET {
//   built-in-encoded-information-types [0] BuiltInEncodedInformationTypes,
//   g3-facsimile [1] G3FacsimileNonBasicParameters OPTIONAL,
//   teletex [2] TeletexNonBasicParameters OPTIONAL,
//   extended-encoded-information-types [4] ExtendedEncodedInformationTypes OPTIONAL }
std::optional<encoded_information_types> read_eits(reader& parent, element const& e)
{
    reader r = parent.enter(e);
    auto& s = r.s();
    encoded_information_types t;
    bool built_in = false;
    while (auto c = r.next()) {
        if (c->is(ber::context(0)) && !built_in) {
            built_in = true;
            if (auto b = ber::read_bit_string(s, *c, r.depth()))
                t.built_in = std::move(*b);
        } else if (c->is(ber::context(1)) && !t.g3_facsimile) {
            t.g3_facsimile = ber::read_bit_string(s, *c, r.depth());
        } else if (c->is(ber::context(2)) && !t.teletex) {
            t.teletex = ber::raw(s, *c);
        } else if (c->is(ber::context(4))) {
            for_each_item(r, *c, ber::universal(u::object_identifier), "ExtendedEncodedInformationTypes", nullptr,
                          [&](reader&, element const& o) {
                              if (auto id = ber::read_oid(s, o))
                                  t.extended.push_back(std::move(*id));
                              return true;
                          });
        } else {
            unexpected(r, *c, "EncodedInformationTypes");
            return std::nullopt;
        }
        if (s.failed())
            return std::nullopt;
    }
    if (s.failed())
        return std::nullopt;
    if (!built_in) {
        missing(r, e.offset, "built-in-encoded-information-types", "EncodedInformationTypes");
        return std::nullopt;
    }
    return t;
}

void write_eits(ber::writer& w, encoded_information_types const& t)
{
    auto m = w.begin(ber::application(5));
    w.bits(ber::context(0), t.built_in);
    if (t.g3_facsimile)
        w.bits(ber::context(1), *t.g3_facsimile);
    if (t.teletex)
        w.raw(*t.teletex);
    if (!t.extended.empty()) {
        auto x = w.begin(ber::context(4));
        for (auto const& o : t.extended)
            w.object_id(ber::universal(u::object_identifier), o);
        w.end(x);
    }
    w.end(m);
}

// ContentType ::= CHOICE { built-in [APPLICATION 6] INTEGER, extended OBJECT IDENTIFIER }
bool is_content_type(element const& e)
{
    return e.is(ber::application(6)) || e.is(ber::universal(u::object_identifier));
}

std::optional<content_type> read_content_type(reader& r, element const& e)
{
    content_type t;
    if (e.is(ber::application(6))) {
        t.built_in = integer(r, e);
        if (!t.built_in)
            return std::nullopt;
    } else {
        t.extended = ber::read_oid(r.s(), e);
        if (!t.extended)
            return std::nullopt;
    }
    return t;
}

void write_content_type(ber::writer& w, content_type const& t)
{
    if (t.extended)
        w.object_id(ber::universal(u::object_identifier), *t.extended);
    else
        w.integer(ber::application(6), t.built_in.value_or(0));
}

std::optional<ber::time_value> utc_time(reader& r, element const& e)
{
    return ber::read_time(r.s(), e, false);
}

// --------------------------------------------------------------- trace

// The fields DomainSuppliedInformation and MTASuppliedInformation share:
//   arrival-time [0] ArrivalTime, routing-action [2] RoutingAction,
//   deferred-time [1] DeferredTime OPTIONAL,
//   converted-encoded-information-types ConvertedEncodedInformationTypes OPTIONAL,
//   other-actions [3] OtherActions DEFAULT {}
template <class T>
bool read_supplied_common(reader& r, element const& c, T& t, bool& arrival, bool& action)
{
    auto& s = r.s();
    if (c.is(ber::context(0)) && !arrival) {
        arrival = true;
        if (auto v = utc_time(r, c))
            t.arrival_time = std::move(*v);
    } else if (c.is(ber::context(2)) && !action) {
        action = true;
        if (auto v = integer(r, c)) {
            if (*v != 0 && *v != 1)
                return s.fail(c.offset, "RoutingAction is neither relayed nor rerouted");
            t.action = static_cast<routing_action>(*v);
        }
    } else if (c.is(ber::context(1)) && !t.deferred_time) {
        t.deferred_time = utc_time(r, c);
    } else if (c.is(ber::application(5)) && !t.converted) {
        t.converted = read_eits(r, c);
    } else if (c.is(ber::context(3)) && !t.other_actions) {
        t.other_actions = ber::read_bit_string(s, c, r.depth());
        if (t.other_actions && t.other_actions->size() == 0)
            t.other_actions.reset();   // the DEFAULT, as if absent
    } else {
        return false;
    }
    return true;
}

template <class T>
void write_supplied_common(ber::writer& w, T const& t, auto&& attempted)
{
    w.time(ber::context(0), t.arrival_time);
    w.integer(ber::context(2), static_cast<std::int64_t>(t.action));
    attempted();
    if (t.deferred_time)
        w.time(ber::context(1), *t.deferred_time);
    if (t.converted)
        write_eits(w, *t.converted);
    if (t.other_actions && t.other_actions->size() > 0)
        w.bits(ber::context(3), *t.other_actions);
}

// What TraceInformationElement and InternalTraceInformationElement share:
// a GlobalDomainIdentifier first, and a SET of supplied information last
// (arrival-time and routing-action required, `attempted` reading the
// choice each has of its own). `middle` reads what comes between
// (internal trace: the MTA name).
template <class T, class Middle, class Attempted>
bool read_trace_element(reader& r, element const& item, T& te, char const* where, char const* supplied_where,
                        Middle&& middle, Attempted&& attempted)
{
    auto& s = r.s();
    reader t = r.enter(item);
    auto g = t.next();
    if (!g || !g->is(ber::application(3))) {
        if (!s.failed())
            missing(t, item.offset, "global-domain-identifier", where);
        return false;
    }
    auto gdi = read_gdi(t, *g);
    if (!gdi || !middle(t, item))
        return false;
    te.domain = std::move(*gdi);
    auto d = t.next();
    if (!d || !d->is(ber::universal(u::set))) {
        if (!s.failed())
            missing(t, item.offset, supplied_where, where);
        return false;
    }
    reader ds = t.enter(*d);
    bool arrival = false, action = false;
    while (auto c = ds.next()) {
        if (!attempted(ds, *c) && !read_supplied_common(ds, *c, te, arrival, action)) {
            if (!s.failed())
                unexpected(ds, *c, supplied_where);
            return false;
        }
        if (s.failed())
            return false;
    }
    if (s.failed())
        return false;
    if (!arrival || !action)
        return missing(ds, d->offset, arrival ? "routing-action" : "arrival-time", supplied_where);
    return t.expect_end(where);
}

// TraceInformation ::= [APPLICATION 9] SEQUENCE SIZE (1..ub-transfers) OF TraceInformationElement
// TraceInformationElement ::= SEQUENCE { global-domain-identifier GlobalDomainIdentifier,
//   domain-supplied-information DomainSuppliedInformation }
// DomainSuppliedInformation ::= SET { arrival-time [0], routing-action [2],
//   attempted-domain GlobalDomainIdentifier OPTIONAL, deferred-time [1] OPTIONAL,
//   converted-encoded-information-types OPTIONAL, other-actions [3] DEFAULT {} }
std::optional<std::vector<trace_element>> read_trace(reader& parent, element const& e)
{
    std::vector<trace_element> out;
    bool const ok = for_each_item(
        parent, e, ber::universal(u::sequence), "TraceInformation", "TraceInformation is empty (SIZE 1..ub-transfers)",
        [&](reader& r, element const& item) {
            trace_element te;
            bool const read = read_trace_element(
                r, item, te, "TraceInformationElement", "DomainSuppliedInformation",
                [](reader&, element const&) { return true; },
                [&](reader& ds, element const& c) {
                    if (!c.is(ber::application(3)) || te.attempted_domain)
                        return false;
                    te.attempted_domain = read_gdi(ds, c);
                    return true;
                });
            if (read)
                out.push_back(std::move(te));
            return read;
        });
    if (!ok)
        return std::nullopt;
    return out;
}

// The writing counterpart of read_trace_element.
template <class T, class Middle, class Attempted>
void write_trace_elements(ber::writer& w, ber::tag t, std::vector<T> const& trace, Middle&& middle,
                          Attempted&& attempted)
{
    auto m = w.begin(t);
    for (auto const& te : trace) {
        auto seq = w.begin(ber::universal(u::sequence));
        write_gdi(w, te.domain);
        middle(te);
        auto set = w.begin(ber::universal(u::set));
        write_supplied_common(w, te, [&] { attempted(te); });
        w.end(set);
        w.end(seq);
    }
    w.end(m);
}

void write_trace(ber::writer& w, std::vector<trace_element> const& trace)
{
    write_trace_elements(
        w, ber::application(9), trace, [](trace_element const&) {},
        [&](trace_element const& te) {
            if (te.attempted_domain)
                write_gdi(w, *te.attempted_domain);
        });
}

// InternalTraceInformation ::= SEQUENCE SIZE (1..ub-transfers) OF InternalTraceInformationElement
// InternalTraceInformationElement ::= SEQUENCE { global-domain-identifier GlobalDomainIdentifier,
//   mta-name MTAName, mta-supplied-information MTASuppliedInformation }
// MTASuppliedInformation ::= SET { arrival-time [0], routing-action [2],
//   attempted CHOICE { mta MTAName, domain GlobalDomainIdentifier } OPTIONAL,
//   COMPONENTS OF InternalAdditionalActions }
std::optional<std::vector<internal_trace_element>> read_internal_trace(reader& parent, element const& e)
{
    if (!e.is(ber::universal(u::sequence))) {
        parent.s().fail(e.offset, "InternalTraceInformation is not a SEQUENCE");
        return std::nullopt;
    }
    std::vector<internal_trace_element> out;
    bool const ok = for_each_item(
        parent, e, ber::universal(u::sequence), "InternalTraceInformation", nullptr,
        [&](reader& r, element const& item) {
            internal_trace_element te;
            bool const read = read_trace_element(
                r, item, te, "InternalTraceInformationElement", "MTASuppliedInformation",
                [&](reader& t, element const& whole) {
                    auto n = t.next();
                    if (!n || !n->is(ber::universal(u::ia5_string))) {
                        if (!t.s().failed())
                            missing(t, whole.offset, "mta-name", "InternalTraceInformationElement");
                        return false;
                    }
                    auto name = ber::read_string(t.s(), *n, u::ia5_string, t.depth());
                    if (name)
                        te.mta_name = std::move(*name);
                    return name.has_value();
                },
                [&](reader& ds, element const& c) {
                    if (te.attempted_mta || te.attempted_domain)
                        return false;
                    if (c.is(ber::universal(u::ia5_string)))
                        te.attempted_mta = ber::read_string(ds.s(), c, u::ia5_string, ds.depth());
                    else if (c.is(ber::application(3)))
                        te.attempted_domain = read_gdi(ds, c);
                    else
                        return false;
                    return true;
                });
            if (read)
                out.push_back(std::move(te));
            return read;
        });
    if (!ok)
        return std::nullopt;
    return out;
}

void write_internal_trace(ber::writer& w, std::vector<internal_trace_element> const& trace)
{
    write_trace_elements(
        w, ber::universal(u::sequence), trace,
        [&](internal_trace_element const& te) { w.octets(ber::universal(u::ia5_string), te.mta_name); },
        [&](internal_trace_element const& te) {
            if (te.attempted_mta)
                w.octets(ber::universal(u::ia5_string), *te.attempted_mta);
            else if (te.attempted_domain)
                write_gdi(w, *te.attempted_domain);
        });
}

// ------------------------------------------------------------ extensions

// ExtensionField ::= SEQUENCE { type EXTENSION.&id,      -- CHOICE { standard-extension [0] INTEGER,
//                                                           private-extension [3] OBJECT IDENTIFIER }
//   criticality [1] Criticality DEFAULT {},
//   value [2] EXTENSION.&ExtensionType DEFAULT NULL:NULL } -- an open type, so [2] is explicit
std::optional<extension_field> read_extension_field(reader& parent, element const& e)
{
    if (!e.is(ber::universal(u::sequence))) {
        unexpected(parent, e, "extensions");
        return std::nullopt;
    }
    reader r = parent.enter(e);
    auto& s = r.s();
    extension_field f;
    auto t = r.next();
    if (t && t->is(ber::context(0)))
        f.standard = ber::read_integer(s, *t);
    else if (t && t->is(ber::context(3)))
        f.private_type = ber::read_oid(s, *t);
    else {
        if (!s.failed())
            missing(r, e.offset, "type", "ExtensionField");
        return std::nullopt;
    }
    if (s.failed())
        return std::nullopt;
    auto c = r.next();
    if (c && c->is(ber::context(1))) {
        auto b = ber::read_bit_string(s, *c, r.depth());
        if (!b)
            return std::nullopt;
        f.criticality = std::move(*b);
        c = r.next();
    }
    if (c && c->is(ber::context(2))) {
        if (!c->constructed) {
            // An encoder that tags the open type implicitly (seen from one
            // ASN.1 library) leaves no inner TLV to read: X.680 31.2.7 says
            // the tag of an open type is explicit, so this is refused.
            s.fail(c->offset, "extension value [2] is primitive: the tag of an open type is explicit (X.680 31.2.7)");
            return std::nullopt;
        }
        reader v = r.enter(*c);
        auto inner = v.next();
        if (!inner || !v.expect_end("extension value")) {
            if (!s.failed())
                s.fail(c->offset, "extension value [2] is empty");
            return std::nullopt;
        }
        f.value = ber::raw(s, *inner);
        c = r.next();
    }
    if (c) {
        unexpected(r, *c, "ExtensionField");
        return std::nullopt;
    }
    if (s.failed())
        return std::nullopt;
    return f;
}

void write_extension_field(ber::writer& w, extension_field const& f)
{
    auto m = w.begin(ber::universal(u::sequence));
    if (f.private_type)
        w.object_id(ber::context(3), *f.private_type);
    else
        w.integer(ber::context(0), f.standard.value_or(0));
    if (f.criticality.size() > 0)
        w.bits(ber::context(1), f.criticality);
    if (!f.value.empty()) {
        auto v = w.begin(ber::context(2));
        w.raw(f.value);
        w.end(v);
    }
    w.end(m);
}

// Reads a modelled extension's value into `x`. Returns false (and leaves
// `x` as it was) when the value does not have the expected syntax, so the
// caller keeps the field opaque instead.
bool model_extension(ber::session const& outer, extension_field const& f, extensions& x, std::size_t depth)
{
    if (!f.standard || f.value.empty())
        return false;
    auto const* data = reinterpret_cast<std::uint8_t const*>(f.value.data());
    ber::session s(ber::bytes(data, f.value.size()), outer.limits());
    reader r(s, s.input(), depth);
    auto v = r.next();
    if (!v || !r.expect_end("extension value"))
        return false;
    auto flag = [&](std::optional<bool>& out) {
        if (!v->is(ber::universal(u::enumerated)) || out)
            return false;
        auto n = ber::read_integer(s, *v);
        if (!n || (*n != 0 && *n != 1))
            return false;
        out = *n == 1;
        return true;
    };
    switch (*f.standard) {
    case ext::recipient_reassignment_prohibited:
        return flag(x.recipient_reassignment_prohibited);
    case ext::dl_expansion_prohibited:
        return flag(x.dl_expansion_prohibited);
    case ext::conversion_with_loss_prohibited:
        return flag(x.conversion_with_loss_prohibited);
    case ext::latest_delivery_time: {
        if (!v->is(ber::universal(u::utc_time)) || x.latest_delivery_time)
            return false;
        auto t = ber::read_time(s, *v, false);
        if (!t)
            return false;
        x.latest_delivery_time = std::move(*t);
        return true;
    }
    case ext::originator_return_address: {
        if (!v->is(ber::universal(u::sequence)) || x.originator_return_address)
            return false;
        auto n = read_or_address(r, *v);
        if (!n || s.failed())
            return false;
        x.originator_return_address = std::move(*n);
        return true;
    }
    case ext::originator_requested_alternate_recipient: {
        if (!v->is(ber::application(0)) || x.originator_requested_alternate_recipient)
            return false;
        auto n = read_or_name(r, *v);
        if (!n || s.failed())
            return false;
        x.originator_requested_alternate_recipient = std::move(*n);
        return true;
    }
    case ext::content_correlator: {
        if (x.content_correlator_value)
            return false;
        bool const ia5 = v->is(ber::universal(u::ia5_string));
        if (!ia5 && !v->is(ber::universal(u::octet_string)))
            return false;
        auto text = ia5 ? ber::read_string(s, *v, u::ia5_string) : ber::read_octets(s, *v);
        if (!text)
            return false;
        x.content_correlator_value = content_correlator{ia5, std::move(*text)};
        return true;
    }
    case ext::internal_trace_information: {
        if (x.has_internal_trace)
            return false;
        auto t = read_internal_trace(r, *v);
        if (!t || s.failed())
            return false;
        x.internal_trace = std::move(*t);
        x.has_internal_trace = true;
        return true;
    }
    case ext::reporting_mta_name: {
        // ReportingMTAName ::= SEQUENCE { domain GlobalDomainIdentifier, mta-name MTAName,
        //                                 mta-directory-name [0] Name OPTIONAL }
        // With a directory name it stays opaque.
        if (!v->is(ber::universal(u::sequence)) || x.reporting_mta_name)
            return false;
        reader m = r.enter(*v);
        auto c = m.next();
        if (!c || !c->is(ber::application(3)))
            return false;
        auto gdi = read_gdi(m, *c);
        c = m.next();
        if (!gdi || !c || !c->is(ber::universal(u::ia5_string)))
            return false;
        auto name = ber::read_string(s, *c, u::ia5_string, m.depth());
        if (!name || !m.expect_end("ReportingMTAName"))
            return false;
        x.reporting_mta_name = std::move(*name);
        x.reporting_mta_domain = std::move(*gdi);
        return true;
    }
    default:
        return false;
    }
}

// Modelled extensions are written with no criticality, as X.411 recommends
// for each of them (annex A, RECOMMENDED CRITICALITY); the criticality a
// peer gave one that x400gw understands is not carried over.
bool criticality_is_recommended(extension_field const& f)
{
    if (!f.standard)
        return false;
    auto const& c = f.criticality;
    bool const transfer = c.test(crit::for_transfer), delivery = c.test(crit::for_delivery),
               submission = c.test(crit::for_submission);
    switch (*f.standard) {
    case ext::recipient_reassignment_prohibited:
    case ext::dl_expansion_prohibited:
    case ext::conversion_with_loss_prohibited:
    case ext::originator_requested_alternate_recipient:
        return !delivery && (c.size() == 0 || (submission && !transfer) || (!submission && !transfer));
    default:
        return c.size() == 0 || (!submission && !transfer && !delivery);
    }
}

std::optional<extensions> read_extensions(reader& parent, element const& e)
{
    reader r = parent.enter(e);
    auto& s = r.s();
    extensions x;
    while (auto c = r.next()) {
        auto f = read_extension_field(r, *c);
        if (!f)
            return std::nullopt;
        // Keep it opaque unless its value parses and its criticality is the
        // recommended one, so that what we write back says what it said.
        extensions trial = x;
        if (criticality_is_recommended(*f) && model_extension(s, *f, trial, r.depth()))
            x = std::move(trial);
        else
            x.other.push_back(std::move(*f));
    }
    if (s.failed())
        return std::nullopt;
    return x;
}

void write_extension_value(ber::writer& w, std::int64_t type, auto&& value)
{
    auto m = w.begin(ber::universal(u::sequence));
    w.integer(ber::context(0), type);
    auto v = w.begin(ber::context(2));
    value();
    w.end(v);
    w.end(m);
}

void write_extensions(ber::writer& w, tag t, extensions const& x)
{
    auto m = w.begin(t);
    auto flag = [&](std::int64_t type, std::optional<bool> const& v) {
        if (v)
            write_extension_value(w, type, [&] { w.integer(ber::universal(u::enumerated), *v ? 1 : 0); });
    };
    flag(ext::recipient_reassignment_prohibited, x.recipient_reassignment_prohibited);
    if (x.originator_requested_alternate_recipient)
        write_extension_value(w, ext::originator_requested_alternate_recipient,
                              [&] { write_or_name(w, ber::application(0), *x.originator_requested_alternate_recipient); });
    flag(ext::dl_expansion_prohibited, x.dl_expansion_prohibited);
    flag(ext::conversion_with_loss_prohibited, x.conversion_with_loss_prohibited);
    if (x.latest_delivery_time)
        write_extension_value(w, ext::latest_delivery_time, [&] { w.time(ber::universal(u::utc_time), *x.latest_delivery_time); });
    if (x.originator_return_address)
        write_extension_value(w, ext::originator_return_address,
                              [&] { write_or_address(w, ber::universal(u::sequence), *x.originator_return_address); });
    if (x.content_correlator_value)
        write_extension_value(w, ext::content_correlator, [&] {
            w.octets(ber::universal(x.content_correlator_value->ia5 ? u::ia5_string : u::octet_string),
                     x.content_correlator_value->value);
        });
    if (x.has_internal_trace)
        write_extension_value(w, ext::internal_trace_information, [&] { write_internal_trace(w, x.internal_trace); });
    if (x.reporting_mta_name)
        write_extension_value(w, ext::reporting_mta_name, [&] {
            auto seq = w.begin(ber::universal(u::sequence));
            write_gdi(w, x.reporting_mta_domain.value_or(global_domain_identifier{}));
            w.octets(ber::universal(u::ia5_string), *x.reporting_mta_name);
            w.end(seq);
        });
    for (auto const& f : x.other)
        write_extension_field(w, f);
    w.end(m);
}

// ------------------------------------------------------------- envelopes

// Fields PerMessageTransferFields and PerProbeTransferFields share, read
// from one SET element. Returns true when `c` was one of them.
struct common_fields {
    std::optional<mts_identifier> id;
    std::optional<or_name> originator;
    std::optional<encoded_information_types> original_eits;
    std::optional<content_type> type;
    std::optional<std::string> content_identifier;
    std::optional<ber::bit_string> indicators;
    std::vector<per_domain_bilateral_information> bilateral;
    bool has_bilateral = false;
    std::optional<std::vector<trace_element>> trace;
    std::optional<extensions> ext;
};

bool read_common(reader& r, element const& c, common_fields& f, char const* where)
{
    auto& s = r.s();
    auto once = [&](bool present) {
        if (present)
            duplicate(r, c, where);
        return !present;
    };
    if (c.is(ber::application(4))) {
        if (once(f.id.has_value()))
            f.id = read_mts_identifier(r, c);
    } else if (c.is(ber::application(0))) {
        if (once(f.originator.has_value()))
            f.originator = read_or_name(r, c);
    } else if (c.is(ber::application(5))) {
        if (once(f.original_eits.has_value()))
            f.original_eits = read_eits(r, c);
    } else if (is_content_type(c)) {
        if (once(f.type.has_value()))
            f.type = read_content_type(r, c);
    } else if (c.is(ber::application(10))) {
        if (once(f.content_identifier.has_value()))
            f.content_identifier = ber::read_string(s, c, u::printable_string, r.depth());
    } else if (c.is(ber::application(8))) {
        if (once(f.indicators.has_value()))
            f.indicators = ber::read_bit_string(s, c, r.depth());
    } else if (c.is(ber::context(1))) {
        // per-domain-bilateral-information [1] SEQUENCE OF PerDomainBilateralInformation
        if (once(f.has_bilateral)) {
            f.has_bilateral = true;
            for_each_item(r, c, ber::universal(u::sequence), "per-domain-bilateral-information", nullptr,
                          [&](reader&, element const& item) {
                              f.bilateral.push_back({ber::raw(s, item)});
                              return true;
                          });
        }
    } else if (c.is(ber::application(9))) {
        if (once(f.trace.has_value()))
            f.trace = read_trace(r, c);
    } else if (c.is(ber::context(3))) {
        if (once(f.ext.has_value()))
            f.ext = read_extensions(r, c);
    } else {
        return false;
    }
    return true;
}

bool require_common(reader& r, element const& e, common_fields const& f, char const* id_name, char const* where)
{
    if (r.s().failed())
        return false;
    if (!f.id)
        return missing(r, e.offset, id_name, where);
    if (!f.originator)
        return missing(r, e.offset, "originator-name", where);
    if (!f.type)
        return missing(r, e.offset, "content-type", where);
    if (!f.trace)
        return missing(r, e.offset, "trace-information", where);
    return true;
}

// The fields read into common_fields and the recipients, checked and
// moved into a message envelope or a probe (`id` is its identifier).
template <class T, class R>
bool take_common(reader& r, element const& e, common_fields& f, std::optional<std::vector<R>>& recipients,
                 char const* id_name, char const* where, mts_identifier& id, T& out)
{
    if (!require_common(r, e, f, id_name, where))
        return false;
    if (!recipients)
        return missing(r, e.offset, "per-recipient-fields", where);
    id = std::move(*f.id);
    out.originator = std::move(*f.originator);
    out.original_eits = std::move(f.original_eits);
    out.type = std::move(*f.type);
    out.content_identifier = std::move(f.content_identifier);
    out.indicators = f.indicators.value_or(ber::bit_string{});
    out.bilateral = std::move(f.bilateral);
    out.trace = std::move(*f.trace);
    out.ext = f.ext.value_or(extensions{});
    out.recipients = std::move(*recipients);
    return true;
}

// PerRecipientIndicators is BIT STRING (SIZE (8..ub-bit-options)) in X.411
// (1999): bits 5 to 7 are reserved, sent as zero. A shorter string from a peer
// is padded when read, so what is written back has the size X.411 asks.
ber::bit_string per_recipient_indicators(ber::bit_string b)
{
    if (b.size() < 8)
        b.set(7, false);
    return b;
}

// PerRecipientMessageTransferFields ::= SET { recipient-name MTARecipientName,
//   originally-specified-recipient-number [0] OriginallySpecifiedRecipientNumber,
//   per-recipient-indicators [1] PerRecipientIndicators,
//   explicit-conversion [2] ExplicitConversion OPTIONAL,
//   extensions [3] SET OF ExtensionField DEFAULT {} }
template <class R>
std::optional<std::vector<R>> read_recipients(reader& parent, element const& e, char const* where)
{
    std::vector<R> out;
    auto const empty = std::string(where) + ": no recipients (SIZE 1..ub-recipients)";
    bool const ok = for_each_item(parent, e, ber::universal(u::set), where, empty.c_str(), [&](reader& r, element const& item) {
        auto& s = r.s();
        reader f = r.enter(item);
        R rec;
        bool name = false, number = false, indicators = false, ext = false;
        while (auto c = f.next()) {
            if (c->is(ber::application(0)) && !name) {
                name = true;
                if (auto n = read_or_name(f, *c))
                    rec.name = std::move(*n);
            } else if (c->is(ber::context(0)) && !number) {
                number = true;
                if (auto n = integer(f, *c))
                    rec.originally_specified_number = *n;
            } else if (c->is(ber::context(1)) && !indicators) {
                indicators = true;
                if (auto b = ber::read_bit_string(s, *c, f.depth()))
                    rec.indicators = per_recipient_indicators(std::move(*b));
            } else if (c->is(ber::context(2)) && !rec.explicit_conversion) {
                rec.explicit_conversion = integer(f, *c);
            } else if (c->is(ber::context(3)) && !ext) {
                ext = true;
                if (auto x = read_extensions(f, *c))
                    rec.ext = std::move(*x);
            } else {
                return unexpected(f, *c, where);
            }
            if (s.failed())
                return false;
        }
        if (s.failed())
            return false;
        if (!name || !number || !indicators)
            return missing(f, item.offset,
                           !name     ? "recipient-name"
                           : !number ? "originally-specified-recipient-number"
                                     : "per-recipient-indicators",
                           where);
        out.push_back(std::move(rec));
        return true;
    });
    if (!ok)
        return std::nullopt;
    return out;
}

template <class R>
void write_recipients(ber::writer& w, std::vector<R> const& recipients)
{
    auto m = w.begin(ber::context(2));
    for (auto const& rec : recipients) {
        auto set = w.begin(ber::universal(u::set));
        write_or_name(w, ber::application(0), rec.name);
        w.integer(ber::context(0), rec.originally_specified_number);
        w.bits(ber::context(1), per_recipient_indicators(rec.indicators));
        if (rec.explicit_conversion)
            w.integer(ber::context(2), *rec.explicit_conversion);
        if (!rec.ext.empty())
            write_extensions(w, ber::context(3), rec.ext);
        w.end(set);
    }
    w.end(m);
}

// MessageTransferEnvelope ::= SET { COMPONENTS OF PerMessageTransferFields,
//   per-recipient-fields [2] SEQUENCE SIZE (1..ub-recipients) OF PerRecipientMessageTransferFields }
// PerMessageTransferFields ::= SET { message-identifier MessageIdentifier,
//   originator-name MTAOriginatorName, original-encoded-information-types OPTIONAL,
//   content-type ContentType, content-identifier ContentIdentifier OPTIONAL,
//   priority Priority DEFAULT normal, per-message-indicators PerMessageIndicators DEFAULT {},
//   deferred-delivery-time [0] DeferredDeliveryTime OPTIONAL,
//   per-domain-bilateral-information [1] SEQUENCE OF ... OPTIONAL,
//   trace-information TraceInformation, extensions [3] SET OF ExtensionField DEFAULT {} }
std::optional<message_envelope> read_message_envelope(reader& parent, element const& e)
{
    reader r = parent.enter(e);
    auto& s = r.s();
    common_fields f;
    message_envelope env;
    bool prio = false;
    std::optional<std::vector<message_recipient>> recipients;
    while (auto c = r.next()) {
        if (read_common(r, *c, f, "MessageTransferEnvelope")) {
        } else if (c->is(ber::application(7)) && !prio) {
            prio = true;
            if (auto p = integer(r, *c)) {
                if (*p < 0 || *p > 2)
                    s.fail(c->offset, "Priority is not normal, non-urgent or urgent");
                env.priority = static_cast<priority>(*p);
            }
        } else if (c->is(ber::context(0)) && !env.deferred_delivery_time) {
            env.deferred_delivery_time = utc_time(r, *c);
        } else if (c->is(ber::context(2)) && !recipients) {
            recipients = read_recipients<message_recipient>(r, *c, "PerRecipientMessageTransferFields");
        } else {
            unexpected(r, *c, "MessageTransferEnvelope");
        }
        if (s.failed())
            return std::nullopt;
    }
    if (!take_common(r, e, f, recipients, "message-identifier", "MessageTransferEnvelope", env.message_id, env))
        return std::nullopt;
    return env;
}

void write_common_head(ber::writer& w, mts_identifier const& id, or_name const& originator,
                       std::optional<encoded_information_types> const& eits, content_type const& type,
                       std::optional<std::string> const& content_identifier)
{
    write_mts_identifier(w, id);
    write_or_name(w, ber::application(0), originator);
    if (eits)
        write_eits(w, *eits);
    write_content_type(w, type);
    if (content_identifier)
        w.octets(ber::application(10), *content_identifier);
}

void write_bilateral(ber::writer& w, std::vector<per_domain_bilateral_information> const& b)
{
    if (b.empty())
        return;
    auto m = w.begin(ber::context(1));
    for (auto const& item : b)
        w.raw(item.encoded);
    w.end(m);
}

// What a message envelope and a probe write after their own fields.
template <class T>
void write_common_tail(ber::writer& w, T const& x)
{
    write_bilateral(w, x.bilateral);
    write_trace(w, x.trace);
    if (!x.ext.empty())
        write_extensions(w, ber::context(3), x.ext);
    write_recipients(w, x.recipients);
}

void write_message_envelope(ber::writer& w, message_envelope const& env)
{
    auto m = w.begin(ber::universal(u::set));
    write_common_head(w, env.message_id, env.originator, env.original_eits, env.type, env.content_identifier);
    if (env.priority != priority::normal)
        w.integer(ber::application(7), static_cast<std::int64_t>(env.priority));
    if (env.indicators.size() > 0)
        w.bits(ber::application(8), env.indicators);
    if (env.deferred_delivery_time)
        w.time(ber::context(0), *env.deferred_delivery_time);
    write_common_tail(w, env);
    w.end(m);
}

// ProbeTransferEnvelope ::= SET { COMPONENTS OF PerProbeTransferFields,
//   per-recipient-fields [2] SEQUENCE SIZE (1..ub-recipients) OF PerRecipientProbeTransferFields }
// PerProbeTransferFields adds content-length [0] ContentLength OPTIONAL.
std::optional<probe> read_probe(reader& parent, element const& e)
{
    reader r = parent.enter(e);
    auto& s = r.s();
    common_fields f;
    probe p;
    std::optional<std::vector<probe_recipient>> recipients;
    while (auto c = r.next()) {
        if (read_common(r, *c, f, "ProbeTransferEnvelope")) {
        } else if (c->is(ber::context(0)) && !p.content_length) {
            p.content_length = integer(r, *c);
        } else if (c->is(ber::context(2)) && !recipients) {
            recipients = read_recipients<probe_recipient>(r, *c, "PerRecipientProbeTransferFields");
        } else {
            unexpected(r, *c, "ProbeTransferEnvelope");
        }
        if (s.failed())
            return std::nullopt;
    }
    if (!take_common(r, e, f, recipients, "probe-identifier", "ProbeTransferEnvelope", p.probe_id, p))
        return std::nullopt;
    return p;
}

void write_probe(ber::writer& w, tag t, probe const& p)
{
    auto m = w.begin(t);
    write_common_head(w, p.probe_id, p.originator, p.original_eits, p.type, p.content_identifier);
    if (p.content_length)
        w.integer(ber::context(0), *p.content_length);
    if (p.indicators.size() > 0)
        w.bits(ber::application(8), p.indicators);
    write_common_tail(w, p);
    w.end(m);
}

// ReportTransferEnvelope ::= SET { report-identifier ReportIdentifier,
//   report-destination-name ReportDestinationName, trace-information TraceInformation,
//   extensions [1] SET OF ExtensionField DEFAULT {} }
bool read_report_envelope(reader& parent, element const& e, report& rep)
{
    reader r = parent.enter(e);
    auto& s = r.s();
    bool id = false, dest = false, trace = false, ext = false;
    while (auto c = r.next()) {
        if (c->is(ber::application(4)) && !id) {
            id = true;
            if (auto v = read_mts_identifier(r, *c))
                rep.report_id = std::move(*v);
        } else if (c->is(ber::application(0)) && !dest) {
            dest = true;
            if (auto v = read_or_name(r, *c))
                rep.destination = std::move(*v);
        } else if (c->is(ber::application(9)) && !trace) {
            trace = true;
            if (auto v = read_trace(r, *c))
                rep.trace = std::move(*v);
        } else if (c->is(ber::context(1)) && !ext) {
            ext = true;
            if (auto v = read_extensions(r, *c))
                rep.ext = std::move(*v);
        } else {
            unexpected(r, *c, "ReportTransferEnvelope");
        }
        if (s.failed())
            return false;
    }
    if (s.failed())
        return false;
    if (!id || !dest || !trace)
        return missing(r, e.offset, !id ? "report-identifier" : !dest ? "report-destination-name" : "trace-information",
                       "ReportTransferEnvelope");
    return true;
}

// PerRecipientReportTransferFields ::= SET {
//   actual-recipient-name [0] MTAActualRecipientName,
//   originally-specified-recipient-number [1] OriginallySpecifiedRecipientNumber,
//   per-recipient-indicators [2] PerRecipientIndicators,
//   last-trace-information [3] LastTraceInformation,
//   originally-intended-recipient-name [4] OriginallyIntendedRecipientName OPTIONAL,
//   supplementary-information [5] SupplementaryInformation OPTIONAL,
//   extensions [6] SET OF ExtensionField DEFAULT {} }
// LastTraceInformation ::= SET { arrival-time [0] ArrivalTime,
//   converted-encoded-information-types ConvertedEncodedInformationTypes OPTIONAL,
//   report-type [1] ReportType }                 -- a CHOICE, so [1] is explicit
// ReportType ::= CHOICE { delivery [0] DeliveryReport, non-delivery [1] NonDeliveryReport }
// DeliveryReport ::= SET { message-delivery-time [0] MessageDeliveryTime,
//   type-of-MTS-user [1] TypeOfMTSUser DEFAULT public }
// NonDeliveryReport ::= SET { non-delivery-reason-code [0] NonDeliveryReasonCode,
//   non-delivery-diagnostic-code [1] NonDeliveryDiagnosticCode OPTIONAL }
bool read_last_trace(reader& parent, element const& e, report_recipient& rec)
{
    reader r = parent.enter(e);
    auto& s = r.s();
    bool arrival = false, type = false;
    while (auto c = r.next()) {
        if (c->is(ber::context(0)) && !arrival) {
            arrival = true;
            if (auto t = utc_time(r, *c))
                rec.arrival_time = std::move(*t);
        } else if (c->is(ber::application(5)) && !rec.converted) {
            rec.converted = read_eits(r, *c);
        } else if (c->is(ber::context(1)) && !type) {
            type = true;
            reader rt = r.enter(*c);
            auto choice = rt.next();
            if (!choice) {
                if (!s.failed())
                    s.fail(c->offset, "report-type is empty");
                return false;
            }
            reader body = rt.enter(*choice);
            if (choice->is(ber::context(0))) {
                delivery_report d;
                bool time = false;
                while (auto f = body.next()) {
                    if (f->is(ber::context(0)) && !time) {
                        time = true;
                        if (auto t = utc_time(body, *f))
                            d.message_delivery_time = std::move(*t);
                    } else if (f->is(ber::context(1))) {
                        if (auto n = integer(body, *f))
                            d.type_of_mts_user = *n;
                    } else {
                        return unexpected(body, *f, "DeliveryReport");
                    }
                }
                if (!s.failed() && !time)
                    return missing(body, choice->offset, "message-delivery-time", "DeliveryReport");
                rec.report = std::move(d);
            } else if (choice->is(ber::context(1))) {
                non_delivery_report n;
                bool reason = false;
                while (auto f = body.next()) {
                    if (f->is(ber::context(0)) && !reason) {
                        reason = true;
                        if (auto v = integer(body, *f))
                            n.reason = *v;
                    } else if (f->is(ber::context(1)) && !n.diagnostic) {
                        n.diagnostic = integer(body, *f);
                    } else {
                        return unexpected(body, *f, "NonDeliveryReport");
                    }
                }
                if (!s.failed() && !reason)
                    return missing(body, choice->offset, "non-delivery-reason-code", "NonDeliveryReport");
                rec.report = std::move(n);
            } else {
                return unexpected(rt, *choice, "ReportType");
            }
            if (!rt.expect_end("report-type"))
                return false;
        } else {
            return unexpected(r, *c, "LastTraceInformation");
        }
        if (s.failed())
            return false;
    }
    if (s.failed())
        return false;
    if (!arrival || !type)
        return missing(r, e.offset, !arrival ? "arrival-time" : "report-type", "LastTraceInformation");
    return true;
}

std::optional<std::vector<report_recipient>> read_report_recipients(reader& parent, element const& e)
{
    std::vector<report_recipient> out;
    char const* const where = "PerRecipientReportTransferFields";
    bool const ok = for_each_item(parent, e, ber::universal(u::set), where,
                                  "PerRecipientReportTransferFields: no recipients (SIZE 1..ub-recipients)",
                                  [&](reader& r, element const& item) {
        auto& s = r.s();
        reader f = r.enter(item);
        report_recipient rec;
        bool name = false, number = false, indicators = false, last = false, ext = false;
        while (auto c = f.next()) {
            if (c->is(ber::context(0)) && !name) {
                name = true;
                if (auto n = read_or_name(f, *c))
                    rec.actual_recipient = std::move(*n);
            } else if (c->is(ber::context(1)) && !number) {
                number = true;
                if (auto n = integer(f, *c))
                    rec.originally_specified_number = *n;
            } else if (c->is(ber::context(2)) && !indicators) {
                indicators = true;
                if (auto b = ber::read_bit_string(s, *c, f.depth()))
                    rec.indicators = per_recipient_indicators(std::move(*b));
            } else if (c->is(ber::context(3)) && !last) {
                last = true;
                read_last_trace(f, *c, rec);
            } else if (c->is(ber::context(4)) && !rec.originally_intended_recipient) {
                rec.originally_intended_recipient = read_or_name(f, *c);
            } else if (c->is(ber::context(5)) && !rec.supplementary_information) {
                rec.supplementary_information = ber::read_string(s, *c, u::printable_string, f.depth());
            } else if (c->is(ber::context(6)) && !ext) {
                ext = true;
                if (auto x = read_extensions(f, *c))
                    rec.ext = std::move(*x);
            } else {
                return unexpected(f, *c, where);
            }
            if (s.failed())
                return false;
        }
        if (s.failed())
            return false;
        if (!name || !number || !indicators || !last)
            return missing(f, item.offset,
                           !name         ? "actual-recipient-name"
                           : !number     ? "originally-specified-recipient-number"
                           : !indicators ? "per-recipient-indicators"
                                         : "last-trace-information",
                           where);
        out.push_back(std::move(rec));
        return true;
    });
    if (!ok)
        return std::nullopt;
    return out;
}

// ReportTransferContent ::= SET { COMPONENTS OF PerReportTransferFields,
//   per-recipient-fields [0] SEQUENCE SIZE (1..ub-recipients) OF PerRecipientReportTransferFields }
// PerReportTransferFields ::= SET { subject-identifier SubjectIdentifier,
//   subject-intermediate-trace-information SubjectIntermediateTraceInformation OPTIONAL,
//   original-encoded-information-types OPTIONAL, content-type ContentType OPTIONAL,
//   content-identifier ContentIdentifier OPTIONAL, returned-content [1] Content OPTIONAL,
//   additional-information [2] AdditionalInformation OPTIONAL,  -- open type: explicit
//   extensions [3] SET OF ExtensionField DEFAULT {} }
bool read_report_content(reader& parent, element const& e, report& rep)
{
    reader r = parent.enter(e);
    auto& s = r.s();
    bool subject = false, ext = false;
    std::optional<std::vector<report_recipient>> recipients;
    while (auto c = r.next()) {
        if (c->is(ber::application(4)) && !subject) {
            subject = true;
            if (auto v = read_mts_identifier(r, *c))
                rep.subject_id = std::move(*v);
        } else if (c->is(ber::application(9)) && !rep.has_subject_intermediate_trace) {
            rep.has_subject_intermediate_trace = true;
            if (auto v = read_trace(r, *c))
                rep.subject_intermediate_trace = std::move(*v);
        } else if (c->is(ber::application(5)) && !rep.original_eits) {
            rep.original_eits = read_eits(r, *c);
        } else if (is_content_type(*c) && !rep.type) {
            rep.type = read_content_type(r, *c);
        } else if (c->is(ber::application(10)) && !rep.content_identifier) {
            rep.content_identifier = ber::read_string(s, *c, u::printable_string, r.depth());
        } else if (c->is(ber::context(1)) && !rep.returned_content) {
            rep.returned_content = ber::read_octets(s, *c, r.depth());
        } else if (c->is(ber::context(2)) && !rep.additional_information) {
            reader a = r.enter(*c);
            auto v = a.next();
            if (v && a.expect_end("additional-information"))
                rep.additional_information = ber::raw(s, *v);
            else if (!s.failed())
                s.fail(c->offset, "additional-information is empty");
        } else if (c->is(ber::context(3)) && !ext) {
            ext = true;
            if (auto x = read_extensions(r, *c))
                rep.content_ext = std::move(*x);
        } else if (c->is(ber::context(0)) && !recipients) {
            recipients = read_report_recipients(r, *c);
        } else {
            unexpected(r, *c, "ReportTransferContent");
        }
        if (s.failed())
            return false;
    }
    if (s.failed())
        return false;
    if (!subject)
        return missing(r, e.offset, "subject-identifier", "ReportTransferContent");
    if (!recipients)
        return missing(r, e.offset, "per-recipient-fields", "ReportTransferContent");
    rep.recipients = std::move(*recipients);
    return true;
}

void write_report(ber::writer& w, tag t, report const& rep)
{
    auto m = w.begin(t);
    auto env = w.begin(ber::universal(u::set));
    write_mts_identifier(w, rep.report_id);
    write_or_name(w, ber::application(0), rep.destination);
    write_trace(w, rep.trace);
    if (!rep.ext.empty())
        write_extensions(w, ber::context(1), rep.ext);
    w.end(env);
    auto content = w.begin(ber::universal(u::set));
    write_mts_identifier(w, rep.subject_id);
    if (rep.has_subject_intermediate_trace)
        write_trace(w, rep.subject_intermediate_trace);
    if (rep.original_eits)
        write_eits(w, *rep.original_eits);
    if (rep.type)
        write_content_type(w, *rep.type);
    if (rep.content_identifier)
        w.octets(ber::application(10), *rep.content_identifier);
    if (rep.returned_content)
        w.octets(ber::context(1), *rep.returned_content);
    if (rep.additional_information) {
        auto a = w.begin(ber::context(2));
        w.raw(*rep.additional_information);
        w.end(a);
    }
    if (!rep.content_ext.empty())
        write_extensions(w, ber::context(3), rep.content_ext);
    auto recipients = w.begin(ber::context(0));
    for (auto const& rec : rep.recipients) {
        auto set = w.begin(ber::universal(u::set));
        write_or_name(w, ber::context(0), rec.actual_recipient);
        w.integer(ber::context(1), rec.originally_specified_number);
        w.bits(ber::context(2), per_recipient_indicators(rec.indicators));
        auto last = w.begin(ber::context(3));
        w.time(ber::context(0), rec.arrival_time);
        if (rec.converted)
            write_eits(w, *rec.converted);
        auto type = w.begin(ber::context(1));
        if (auto const* d = std::get_if<delivery_report>(&rec.report)) {
            auto body = w.begin(ber::context(0));
            w.time(ber::context(0), d->message_delivery_time);
            if (d->type_of_mts_user != 0)
                w.integer(ber::context(1), d->type_of_mts_user);
            w.end(body);
        } else {
            auto const& n = std::get<non_delivery_report>(rec.report);
            auto body = w.begin(ber::context(1));
            w.integer(ber::context(0), n.reason);
            if (n.diagnostic)
                w.integer(ber::context(1), *n.diagnostic);
            w.end(body);
        }
        w.end(type);
        w.end(last);
        if (rec.originally_intended_recipient)
            write_or_name(w, ber::context(4), *rec.originally_intended_recipient);
        if (rec.supplementary_information)
            w.octets(ber::context(5), *rec.supplementary_information);
        if (!rec.ext.empty())
            write_extensions(w, ber::context(6), rec.ext);
        w.end(set);
    }
    w.end(recipients);
    w.end(content);
    w.end(m);
}

} // namespace

// ------------------------------------------------------------ public API

namespace {

// UniversalOrBMPString ::= SET { character-encoding CHOICE { two-octets BMPString,
//   four-octets UniversalString }, iso-639-language-code PrintableString (SIZE (2 | 5)) OPTIONAL }
std::optional<universal_value> read_universal_value(reader& parent, element const& e)
{
    auto& s = parent.s();
    if (!e.constructed)
        return std::nullopt;
    reader r = parent.enter(e);
    std::optional<universal_value> v;
    std::optional<std::string> language;
    while (auto c = r.next()) {
        if ((c->is(ber::universal(u::bmp_string)) || c->is(ber::universal(u::universal_string))) && !v) {
            bool const four = c->is(ber::universal(u::universal_string));
            auto octets = ber::read_string(s, *c, four ? u::universal_string : u::bmp_string, r.depth());
            if (!octets || octets->empty())
                return std::nullopt;
            v = universal_value{four ? ber::universal_to_utf8(*octets) : ber::bmp_to_utf8(*octets), four, {}};
        } else if (c->is(ber::universal(u::printable_string)) && !language) {
            language = ber::read_string(s, *c, u::printable_string, r.depth());
            if (!language)
                return std::nullopt;
        } else {
            return std::nullopt;
        }
    }
    if (!v || s.failed())
        return std::nullopt;
    v->language = std::move(language);
    return v;
}

void write_universal_value(ber::writer& w, ber::tag t, universal_value const& v)
{
    auto set = w.begin(t);
    std::string octets;
    bool four = v.four_octets;
    for (std::size_t i = 0; i < v.text.size() && !four;)
        four = text::next_utf8(v.text, i) > 0xffff;
    for (std::size_t i = 0; i < v.text.size();) {
        auto const cp = text::next_utf8(v.text, i);
        if (four)
            octets += static_cast<char>((cp >> 24) & 0xff), octets += static_cast<char>((cp >> 16) & 0xff);
        octets += static_cast<char>((cp >> 8) & 0xff);
        octets += static_cast<char>(cp & 0xff);
    }
    w.octets(ber::universal(four ? u::universal_string : u::bmp_string), octets);
    if (v.language)
        w.octets(ber::universal(u::printable_string), *v.language);
    w.end(set);
}

// The RFC 2156 key each universal postal attribute (29..40) stands for.
constexpr std::array<char const*, 12> universal_postal_keys{
    "PD-OFFICE", "PD-OFFICE-NUM", "PD-EXT-ADDRESS", "PD-PN", "PD-O", "PD-EXT-DELIVERY",
    "PD-ADDRESS", "PD-STREET", "PD-BOX", "PD-RESTANTE", "PD-UNIQUE", "PD-LOCAL"};

constexpr std::array<char const*, 17> universal_names{
    "universal-common-name", "universal-organization-name", "universal-personal-name",
    "universal-organizational-unit-names", "universal-domain-defined-attributes",
    "universal-physical-delivery-office-name", "universal-physical-delivery-office-number",
    "universal-extension-OR-address-components", "universal-physical-delivery-personal-name",
    "universal-physical-delivery-organization-name", "universal-extension-physical-delivery-address-components",
    "universal-unformatted-postal-address", "universal-street-address", "universal-post-office-box-address",
    "universal-poste-restante-address", "universal-unique-postal-name", "universal-local-postal-attributes"};

} // namespace

bool valid_psap_text(std::string_view text)
{
    return parse_psap(text).has_value();
}

std::string_view universal_attribute_name(std::int64_t type) noexcept
{
    if (type < ea::universal_first || type > ea::universal_last)
        return "unknown";
    return universal_names[static_cast<std::size_t>(type - ea::universal_first)];
}

std::optional<universal_attribute> read_universal_attribute(std::string_view encoded)
{
    ber::session s(ber::bytes(reinterpret_cast<std::uint8_t const*>(encoded.data()), encoded.size()));
    reader top(s, s.input());
    auto item = top.next();
    if (!item || !item->is(ber::universal(u::sequence)) || !top.at_end())
        return std::nullopt;
    reader kv = top.enter(*item);
    auto t = kv.next();
    auto v = t ? kv.next() : std::nullopt;
    if (!t || !t->is(ber::context(0)) || !v || !v->is(ber::context(1)) || !kv.expect_end("ExtensionAttribute"))
        return std::nullopt;
    auto type = ber::read_integer(s, *t);
    if (!type || *type < ea::universal_first || *type > ea::universal_last)
        return std::nullopt;
    reader val = kv.enter(*v);
    auto inner = val.next();
    if (!inner || !val.expect_end("extension-attribute-value"))
        return std::nullopt;
    universal_attribute out;
    out.type = *type;
    auto one = [&](reader& r, element const& e, std::string key) {
        auto x = read_universal_value(r, e);
        if (x)
            out.values.emplace_back(std::move(key), std::move(*x));
        return x.has_value();
    };
    bool ok = true;
    switch (*type) {
    case 24: ok = inner->is(ber::universal(u::set)) && one(val, *inner, "CN"); break;
    case 25: ok = inner->is(ber::universal(u::set)) && one(val, *inner, "O"); break;
    case 26: {
        // UniversalPersonalName ::= SET { surname [0] UniversalOrBMPString, given-name [1],
        //                                 initials [2], generation-qualifier [3] }
        static constexpr std::array<char const*, 4> keys{"S", "G", "I", "GQ"};
        ok = inner->is(ber::universal(u::set));
        reader r = ok ? val.enter(*inner) : val;
        bool surname = false;
        while (ok) {
            auto c = r.next();
            if (!c)
                break;
            ok = c->tag.cls == ber::tag_class::context && c->tag.number < 4 && one(r, *c, keys[c->tag.number]);
            surname = surname || (ok && c->tag.number == 0);
        }
        ok = ok && surname;
        break;
    }
    case 27: {
        ok = inner->is(ber::universal(u::sequence));
        reader r = ok ? val.enter(*inner) : val;
        while (ok) {
            auto c = r.next();
            if (!c)
                break;
            ok = c->is(ber::universal(u::set)) && one(r, *c, "OU");
        }
        ok = ok && !out.values.empty();
        break;
    }
    case 28: {
        // UniversalDomainDefinedAttributes ::= SEQUENCE OF SEQUENCE { type UniversalOrBMPString,
        //                                                              value UniversalOrBMPString }
        ok = inner->is(ber::universal(u::sequence));
        reader r = ok ? val.enter(*inner) : val;
        while (ok) {
            auto c = r.next();
            if (!c)
                break;
            ok = c->is(ber::universal(u::sequence));
            if (!ok)
                break;
            reader pair = r.enter(*c);
            auto ty = pair.next();
            auto va = ty ? pair.next() : std::nullopt;
            ok = ty && va && ty->is(ber::universal(u::set)) && va->is(ber::universal(u::set)) &&
                 one(pair, *ty, "type") && one(pair, *va, "value") && pair.expect_end("UniversalDomainDefinedAttribute");
        }
        ok = ok && !out.values.empty();
        break;
    }
    default:
        ok = inner->is(ber::universal(u::set)) &&
             one(val, *inner, universal_postal_keys[static_cast<std::size_t>(*type - 29)]);
        break;
    }
    if (!ok || s.failed())
        return std::nullopt;
    return out;
}

std::string encode_universal_attribute(universal_attribute const& a)
{
    ber::writer w;
    write_extension_attribute(w, a.type, [&] {
        auto const& v = a.values;
        switch (a.type) {
        case 26: {
            auto set = w.begin(ber::universal(u::set));
            static constexpr std::array<char const*, 4> keys{"S", "G", "I", "GQ"};
            for (std::uint32_t k = 0; k < 4; ++k)
                for (auto const& [key, x] : v)
                    if (key == keys[k])
                        write_universal_value(w, ber::context(k), x);
            w.end(set);
            break;
        }
        case 27: {
            auto seq = w.begin(ber::universal(u::sequence));
            for (auto const& [key, x] : v)
                write_universal_value(w, ber::universal(u::set), x);
            w.end(seq);
            break;
        }
        case 28: {
            auto seq = w.begin(ber::universal(u::sequence));
            for (std::size_t i = 0; i + 1 < v.size(); i += 2) {
                auto pair = w.begin(ber::universal(u::sequence));
                write_universal_value(w, ber::universal(u::set), v[i].second);
                write_universal_value(w, ber::universal(u::set), v[i + 1].second);
                w.end(pair);
            }
            w.end(seq);
            break;
        }
        default:
            write_universal_value(w, ber::universal(u::set), v.empty() ? universal_value{} : v.front().second);
        }
    });
    return w.take();
}

extension_field const* extensions::critical_unsupported(std::size_t bit) const
{
    for (auto const& f : other)
        if (f.criticality.test(bit))
            return &f;
    return nullptr;
}

std::optional<or_name> read_or_name(reader& parent, element const& e, bool with_directory_name)
{
    return read_or_name_contents(parent, e, with_directory_name, "ORName");
}

std::optional<or_name> read_or_address(reader& parent, element const& e)
{
    return read_or_name_contents(parent, e, false, "ORAddress");
}

void write_or_name(ber::writer& w, tag t, or_name const& n, bool with_directory_name)
{
    auto m = w.begin(t);
    write_or_address_contents(w, n);
    if (with_directory_name && n.directory_name) {
        auto d = w.begin(ber::context(0));
        w.raw(*n.directory_name);
        w.end(d);
    }
    w.end(m);
}

void write_or_address(ber::writer& w, tag t, or_name const& n)
{
    auto m = w.begin(t);
    write_or_address_contents(w, n);
    w.end(m);
}

// MTS-APDU ::= CHOICE { message [0] Message, probe [2] Probe, report [1] Report }
// Message ::= SEQUENCE { envelope MessageTransferEnvelope, content Content }
// Report ::= SEQUENCE { envelope ReportTransferEnvelope, content ReportTransferContent }
addressing::result<mts_apdu, ber::error> decode(ber::bytes input, ber::limits const& limits)
{
    ber::session s(input, limits);
    reader top(s, input);
    auto fail = [&]() -> addressing::result<mts_apdu, ber::error> { return s.failure(); };
    if (s.failed())
        return fail();
    auto e = top.next();
    if (!e) {
        if (!s.failed())
            s.fail(0, "empty input");
        return fail();
    }
    std::optional<mts_apdu> out;
    if (e->is(ber::context(0))) {
        reader r = top.enter(*e);
        auto env = r.next();
        if (env && env->is(ber::universal(u::set))) {
            auto envelope = read_message_envelope(r, *env);
            auto c = envelope ? r.next() : std::nullopt;
            if (c && c->is(ber::universal(u::octet_string))) {
                auto content = ber::read_octets(s, *c, r.depth());
                if (content && r.expect_end("Message"))
                    out = message{std::move(*envelope), std::move(*content)};
            } else if (!s.failed()) {
                s.fail(c ? c->offset : e->offset, "Message content (OCTET STRING) missing");
            }
        } else if (!s.failed()) {
            s.fail(e->offset, "MessageTransferEnvelope (SET) missing");
        }
    } else if (e->is(ber::context(2))) {
        if (auto p = read_probe(top, *e))
            out = std::move(*p);
    } else if (e->is(ber::context(1))) {
        reader r = top.enter(*e);
        report rep;
        auto env = r.next();
        if (env && env->is(ber::universal(u::set)) && read_report_envelope(r, *env, rep)) {
            auto c = r.next();
            if (c && c->is(ber::universal(u::set))) {
                if (read_report_content(r, *c, rep) && r.expect_end("Report"))
                    out = std::move(rep);
            } else if (!s.failed()) {
                s.fail(c ? c->offset : e->offset, "ReportTransferContent (SET) missing");
            }
        } else if (!s.failed()) {
            s.fail(e->offset, "ReportTransferEnvelope (SET) missing");
        }
    } else {
        s.fail(e->offset, "not an MTS-APDU: " + tag_text(e->tag) + " is not message [0], report [1] or probe [2]");
    }
    if (s.failed())
        return fail();
    if (!top.expect_end("the input after the MTS-APDU"))
        return fail();
    return std::move(*out);
}

std::string encode(mts_apdu const& apdu)
{
    ber::writer w;
    if (auto const* m = std::get_if<message>(&apdu)) {
        auto top = w.begin(ber::context(0));
        write_message_envelope(w, m->envelope);
        w.octets(ber::universal(u::octet_string), m->content);
        w.end(top);
    } else if (auto const* p = std::get_if<probe>(&apdu)) {
        write_probe(w, ber::context(2), *p);
    } else {
        write_report(w, ber::context(1), std::get<report>(apdu));
    }
    return w.take();
}

std::string_view priority_name(priority p) noexcept
{
    switch (p) {
    case priority::normal: return "normal";
    case priority::non_urgent: return "non-urgent";
    case priority::urgent: return "urgent";
    }
    return "unknown";
}

std::string_view content_type_name(content_type const& t)
{
    if (t.extended)
        return "extended";
    switch (t.built_in.value_or(-1)) {
    case content_types::unidentified: return "unidentified";
    case content_types::external: return "external";
    case content_types::p2_1984: return "interpersonal-messaging-1984";
    case content_types::p22_1988: return "interpersonal-messaging-1988";
    case content_types::edi: return "edi-messaging";
    case content_types::voice: return "voice-messaging";
    default: return "unknown";
    }
}

} // namespace x400gw::x400::p1
