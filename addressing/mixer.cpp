// addressing/mixer.cpp
//
// RFC 2156 4.3.4 and 4.3.5 (see mixer.hpp). Step numbers in comments are
// the RFC's.
#include "addressing/mixer.hpp"

#include "addressing/imcea.hpp"
#include "addressing/ps_encoding.hpp"
#include "addressing/rfc822.hpp"
#include "addressing/std_or.hpp"
#include "addressing/validate.hpp"

#include <array>

namespace x400gw::addressing {

std::string_view role_name(role r) noexcept
{
    switch (r) {
    case role::recipient: return "recipient";
    case role::header: return "header";
    case role::return_path: return "return";
    }
    return "";
}

std::string_view method_name(mapping_method m) noexcept
{
    switch (m) {
    case mapping_method::table: return "table";
    case mapping_method::gateway_table: return "gateway-table";
    case mapping_method::algorithmic: return "algorithmic";
    case mapping_method::encapsulated: return "encapsulated";
    }
    return "";
}

namespace refusals {
refusal address_syntax(std::string why) { return refusal{501, "5.1.3", std::move(why)}; }
refusal cannot_encode(std::string why) { return refusal{553, "5.1.3", std::move(why)}; }
refusal unknown_or_name(std::string why) { return refusal{550, "5.1.1", std::move(why)}; }
} // namespace refusals

namespace {

// RFC 2156 4.3.2: 128 characters per DDA value, RFC-822 then RFC822C1..C3.
constexpr std::size_t dda_chunk = 128;
constexpr std::size_t max_encoded = 512;
constexpr std::array<std::string_view, 4> rfc822_dda_types{"RFC-822", "RFC822C1", "RFC822C2", "RFC822C3"};

// Drops the hierarchy levels [0, levels) from a copy of `a`.
or_address without_levels(or_address const& a, std::size_t levels)
{
    or_address rest = a;
    if (levels > 0) rest.c.reset();
    if (levels > 1) rest.admd.reset();
    if (levels > 2) rest.prmd.reset();
    if (levels > 3) rest.o.reset();
    if (levels > 4) {
        std::size_t const drop = std::min(levels - 4, rest.ou.size());
        rest.ou.erase(rest.ou.begin(), rest.ou.begin() + static_cast<std::ptrdiff_t>(drop));
    }
    return rest;
}

std::size_t attribute_count(or_address const& a)
{
    std::size_t n = 0;
    for (auto const* v : {&a.c, &a.admd, &a.prmd, &a.o, &a.surname, &a.given, &a.initials, &a.generation,
                          &a.common_name, &a.x121, &a.ua_id, &a.t_id})
        n += v->has_value();
    return n + a.ou.size() + a.ddas.size() + a.other.size();
}

// 4.3.5 step 5: encoded-pn when the remainder is only a personal name that
// round-trips, else std-or.
std::string local_part_of(or_address const& rest)
{
    bool const only_pn = attribute_count(rest) ==
                         std::size_t(rest.surname.has_value() + rest.given.has_value() + rest.initials.has_value());
    if (only_pn && can_render_encoded_pn(rest))
        return render_encoded_pn(rest);
    return render_std_or(rest);
}

// Mapping A: the value of the one RFC-822 DDA and its continuations.
std::optional<std::string> rfc822_dda_value(or_address const& a)
{
    std::size_t count = 0;
    dda const* first = nullptr;
    for (auto const& d : a.ddas)
        if (iequals(d.type, "RFC-822")) {
            ++count;
            first = &d;
        }
    if (count != 1)
        return std::nullopt;
    std::string v = first->value;
    for (std::size_t n = 1; n < rfc822_dda_types.size(); ++n) {
        dda const* cont = nullptr;
        for (auto const& d : a.ddas)
            if (iequals(d.type, rfc822_dda_types[n]))
                cont = &d;
        if (!cont)
            break;
        v += cont->value;
    }
    // RFC 2156 3.3.4: a Teletex form that is all printable is read as printable.
    if (auto star = v.find('*'); star == 0)
        v.erase(0, 1);
    return v;
}

} // namespace

std::string render_std_or_mailbox(or_address const& a, std::string_view domain)
{
    return quote_local_part(render_std_or(a)) + "@" + std::string(domain);
}

result<rfc822_mapping, refusal> map_x400_to_822(or_address const& a, role r, gateway_identity const& gw,
                                                mapping_tables const& tables)
{
    // Mapping A (4.3.5): exactly one RFC-822 DDA; every other attribute is dropped.
    if (auto encoded = rfc822_dda_value(a)) {
        auto decoded = ps_decode(*encoded);
        std::optional<std::string> why;
        if (!decoded)
            why = "RFC-822 DDA is not ps-encoded: " + decoded.failure().why;
        else if (auto m = parse_mailbox(*decoded); !m)
            why = "RFC-822 DDA is not an RFC 822 address: " + m.failure().why;
        if (!why)
            return rfc822_mapping{std::move(*decoded), mapping_method::algorithmic};
        if (r == role::header) // display only: pass the raw value through (3.4)
            return rfc822_mapping{*encoded, mapping_method::algorithmic};
        return refusals::unknown_or_name(*why);
    }

    // Mapping B. Addresses outside the mnemonic form, or with no C, go
    // whole to the gateway domain (step 5 first bullet, spec note 8.9).
    if (a.has_non_mnemonic() || !a.c)
        return rfc822_mapping{render_std_or_mailbox(a, gw.domain), mapping_method::encapsulated};

    // Step 3: the longest table1 match, then gate1, then the gateway itself.
    if (auto m = tables.match_or(table_kind::or_to_domain, a)) {
        std::size_t consumed = m->depth;
        std::size_t remaining = attribute_count(a);
        for (std::size_t lv = 0; lv < consumed; ++lv)
            remaining -= level_value(a, lv).has_value();
        // Step 4: each present, domain-syntax level below the prefix becomes
        // the next label; stop at the first omitted level (so the mapping
        // stays reversible) and never empty the local part.
        std::array<std::string_view, level_count> labels;
        std::size_t n_labels = 0;
        std::size_t length = m->domain.size();
        for (std::size_t lv = consumed; lv < level_count; ++lv) {
            auto v = level_value(a, lv);
            if (!v || !is_domain_label(*v) || remaining <= 1)
                break;
            labels[n_labels++] = *v;
            length += v->size() + 1;
            consumed = lv + 1;
            --remaining;
        }
        std::string domain;
        domain.reserve(length);
        for (std::size_t i = n_labels; i-- > 0;) {
            domain += labels[i];
            domain.push_back('.');
        }
        domain += m->domain;
        // A generated domain of one label never routes: no match (4.3.5 step 3).
        if (domain.find('.') != std::string::npos) {
            or_address const rest = without_levels(a, consumed);
            return rfc822_mapping{quote_local_part(local_part_of(rest)) + "@" + domain, mapping_method::table};
        }
    }
    if (auto m = tables.match_or(table_kind::gate_or_to_domain, a); m && m->domain.find('.') != std::string_view::npos) {
        // gate1 consumes its prefix, like an MCGAM without algorithmic labels
        // (4.3.5 example 4: /G=Andy/S=Wharol/O=MMNY/@attmail.com).
        or_address rest = without_levels(a, m->depth);
        if (rest.empty())
            rest = a;
        return rfc822_mapping{quote_local_part(local_part_of(rest)) + "@" + std::string(m->domain),
                              mapping_method::gateway_table};
    }
    return rfc822_mapping{render_std_or_mailbox(a, gw.domain), mapping_method::encapsulated};
}

namespace {

// 4.3.4 step 8 on `domain` alone: the longest table2 match and the levels
// its extra labels give, read in place (no O/R address is built unless one
// is needed). `derivable` is false when a label is not domain-syntax, a
// bound is exceeded or a fifth OU would be needed.
struct domain_derivation {
    table_entry const* entry = nullptr; // the MCGAM covering the domain, if any
    std::array<std::optional<std::string_view>, level_count> entry_levels{};
    std::size_t entry_depth = 0;
    std::array<std::string_view, level_count> labels{}; // labels[i] is level entry_depth + i
    std::size_t n_labels = 0;
    bool derivable = false;

    bool matched() const noexcept { return entry != nullptr; }
    std::size_t depth() const noexcept { return entry_depth; }

    // The value of hierarchy level `lv` on the domain side.
    std::optional<std::string_view> level(std::size_t lv) const noexcept
    {
        if (lv < entry_depth)
            return entry_levels[lv];
        if (lv - entry_depth < n_labels)
            return labels[lv - entry_depth];
        return std::nullopt;
    }
    // The OUs of the domain side, OU1 first, up to the first absent one.
    void append_ous(std::vector<std::string>& out) const
    {
        for (std::size_t lv = 4; lv < level_count; ++lv) {
            auto v = level(lv);
            if (!v)
                break;
            out.emplace_back(*v);
        }
    }
    or_address prefix() const { return to_or_address(entry->or_side); }
    or_address derived() const
    {
        or_address a = to_or_address(entry->or_side);
        for (std::size_t i = 0; i < n_labels; ++i)
            set_level(a, depth() + i, std::string(labels[i]));
        return a;
    }
};

domain_derivation derive_from_domain(std::string_view domain, mapping_tables const& tables)
{
    domain_derivation out;
    auto m = tables.match_domain(table_kind::domain_to_or, domain);
    if (!m)
        return out;
    out.entry = m->entry;
    out.entry_levels = m->levels;
    out.entry_depth = m->depth;
    std::size_t next = out.depth();
    std::string_view below = m->below;
    static constexpr std::array<std::size_t, level_count> bound{2, 16, 16, 64, 32, 32, 32, 32};
    while (!below.empty()) {
        std::size_t const dot = below.rfind('.');
        std::string_view const label = dot == std::string_view::npos ? below : below.substr(dot + 1);
        below = dot == std::string_view::npos ? std::string_view() : below.substr(0, dot);
        if (!is_domain_label(label) || next >= level_count || label.size() > bound[next])
            return out;
        out.labels[out.n_labels++] = label;
        ++next;
    }
    // An omitted OU in the entry with labels below it: the OUs cannot be numbered.
    for (std::size_t lv = 4; lv < out.depth(); ++lv)
        if (!out.entry_levels[lv] && out.n_labels > 0)
            return out;
    out.derivable = true;
    return out;
}

bool bad_spacing(std::string_view s)
{
    return !s.empty() && (s.front() == ' ' || s.back() == ' ' || s.find("  ") != std::string_view::npos);
}

// Step 3: only characters of the std-or syntax: PrintableString, the
// Teletex markers, "$" quoting and the "|" between PD-ADDRESS lines (which
// parse_std_or refuses in every other value).
bool stage1_chars_ok(std::string_view s)
{
    for (char ch : s)
        if (!is_printable_char(ch) && ch != '{' && ch != '}' && ch != '*' && ch != '$' && ch != '|')
            return false;
    return true;
}

// Stage I steps 2 to 10 for a local part and domain without a route. On
// success fills `out` and returns true; otherwise the caller goes to Stage II
// (and `out` is to be overwritten).
bool stage1(std::string_view local, bool quoted, domain_derivation const& rhs, x400_mapping& out)
{
    if (quoted && bad_spacing(local)) // step 2
        return false;
    if (!stage1_chars_ok(local))       // step 3
        return false;
    or_address& lhs = out.address;
    // Step 4. Every std-or pair has an "=", so without one only encoded-pn can match.
    bool parsed = false;
    if (local.find('=') != std::string_view::npos) {
        if (auto a = parse_std_or(local)) {
            lhs = std::move(*a);
            parsed = true;
        }
    }
    if (!parsed) {
        lhs = or_address{};
        if (parse_encoded_pn_into(local, lhs))
            return false;
    }
    // Step 5 (attribute syntax) is part of the check of step 9, which every
    // path below makes; failing either leads to Stage II alike.
    if (lhs.c) { // step 6: a whole X.400 address; the domain is ignored
        out.method = mapping_method::algorithmic;
        return !check_or_address(lhs);
    }
    // Step 7: could it form a mnemonic address with attributes from the domain?
    if (lhs.has_non_mnemonic() || !(lhs.o || !lhs.ou.empty() || lhs.surname || lhs.common_name))
        return false;
    if (!rhs.matched() || !rhs.derivable) // step 8
        return false;
    // Merge: every LHS attribute; from the domain side, only the levels
    // above the highest one the LHS names.
    auto take = [&](std::optional<std::string>& field, std::size_t lv) {
        if (auto v = rhs.level(lv))
            field = std::string(*v);
    };
    take(lhs.c, 0);
    if (!lhs.admd) {
        take(lhs.admd, 1);
        if (!lhs.prmd) {
            take(lhs.prmd, 2);
            if (!lhs.o) {
                take(lhs.o, 3);
                // LHS OUs sit below the domain-derived ones.
                std::vector<std::string> ous;
                rhs.append_ous(ous);
                if (!ous.empty()) {
                    ous.insert(ous.end(), std::make_move_iterator(lhs.ou.begin()),
                               std::make_move_iterator(lhs.ou.end()));
                    lhs.ou = std::move(ous);
                }
            }
        }
    }
    if (lhs.c && !lhs.admd)
        lhs.admd = " ";
    if (check_or_address(lhs)) // step 9
        return false;
    out.method = mapping_method::table; // step 10
    return true;
}

} // namespace

result<x400_mapping, refusal> map_written_822_to_x400(std::string_view text, role r, gateway_identity const& gw,
                                                      mapping_tables const& tables)
{
    auto spec = addr_spec_of(text);
    if (!spec)
        return refusals::address_syntax("not an RFC 822 address: " + spec.failure().why);
    return map_822_to_x400(*spec, r, gw, tables);
}

result<x400_mapping, refusal> map_822_to_x400(std::string_view address, role r, gateway_identity const& gw,
                                              mapping_tables const& tables)
{
    auto m = parse_mailbox(address);
    if (!m)
        return refusals::address_syntax("not an RFC 822 address: " + m.failure().why);

    std::string_view encode_text = m->text;
    std::string without_route;
    std::string_view stage2_domain = m->domain;
    std::string first_hop;
    bool run_stage1 = true;
    if (!m->route.empty()) {
        if (r == role::header) {
            // 4.7.1: source routes are removed from header addresses.
            without_route = m->address();
            encode_text = without_route;
        } else {
            // Step 1: keep the route; it is routed to its first hop.
            std::string_view route = m->route;
            route.remove_prefix(1);
            first_hop = std::string(route.substr(0, route.find(',')));
            stage2_domain = first_hop;
            run_stage1 = false;
        }
    }

    domain_derivation const rhs = derive_from_domain(stage2_domain, tables);
    if (run_stage1) {
        // Exchange encapsulation, decoded only at our own domain (MS-OXCMAIL).
        if (looks_like_imcea(m->local) && iequals(m->domain, gw.domain)) {
            auto a = parse_or_text(m->local);
            if (a && !check_or_address(*a))
                return x400_mapping{std::move(*a), mapping_method::algorithmic};
        }
        x400_mapping found;
        if (stage1(m->local, m->quoted, rhs, found))
            return found;
    }

    // Stage II: the whole address, ps-encoded, in RFC-822 (+ RFC822C1..C3).
    auto encoded = ps_encode(encode_text);
    if (!encoded)
        return refusals::cannot_encode("address is not ASCII and cannot be carried in an X.400 DDA");
    x400_mapping out;
    std::string value = std::move(*encoded);
    if (value.size() > max_encoded) {
        if (r != role::header)
            return refusals::cannot_encode("address too long to map to X.400: " + std::to_string(value.size()) +
                                           " characters encoded, at most 512 (RFC 2156 4.3.4)");
        // 5.1.3: truncate, never inside an encoded character.
        std::size_t cut = max_encoded;
        if (auto open = value.rfind('(', cut - 1); open != std::string::npos && open + 5 > cut &&
                                                   value.find(')', open) >= cut)
            cut = open;
        value.resize(cut);
        out.truncated = true;
    }
    if (rhs.matched()) {
        out.address = rhs.derivable ? rhs.derived() : rhs.prefix();
        out.method = mapping_method::table;
    } else if (r == role::return_path) {
        out.address = gw.address;
        out.method = mapping_method::encapsulated;
    } else if (auto g = tables.match_domain(table_kind::gate_domain_to_or, stage2_domain)) {
        out.address = to_or_address(g->entry->or_side);
        out.method = mapping_method::gateway_table;
    } else {
        out.address = gw.address;
        out.method = mapping_method::encapsulated;
    }
    for (std::size_t n = 0; n * dda_chunk < value.size() && n < rfc822_dda_types.size(); ++n)
        out.address.ddas.push_back(dda{std::string(rfc822_dda_types[n]), value.substr(n * dda_chunk, dda_chunk)});
    return out;
}

} // namespace x400gw::addressing
