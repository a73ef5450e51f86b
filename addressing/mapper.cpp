// addressing/mapper.cpp
//
// The reloadable mapper, RCPT-time resolution and route prefixes (see
// mapper.hpp).
#include "addressing/mapper.hpp"

#include "addressing/imcea.hpp"
#include "addressing/rfc822.hpp"
#include "addressing/std_or.hpp"
#include "addressing/validate.hpp"

#include <cerrno>
#include <cstring>
#include <cstdio>
#include <memory>

namespace x400gw::addressing {

result<std::string> read_text_file(std::string const& path)
{
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!f)
        return error{path + ": cannot read (" + std::strerror(errno) + ")"};
    std::string text;
    char buf[65536];
    for (;;) {
        auto const n = std::fread(buf, 1, sizeof buf, f.get());
        text.append(buf, n);
        if (n < sizeof buf)
            break;
    }
    // fopen opens a directory; reading it fails with EISDIR.
    if (std::ferror(f.get()))
        return error{path + ": cannot read (" + std::strerror(errno) + ")"};
    return text;
}

result<mapping_table> load_table_file(std::string const& path, table_kind kind)
{
    auto text = read_text_file(path);
    if (!text)
        return text.failure();
    return parse_table(*text, kind, path);
}

std::optional<error> check_identity(gateway_identity const& identity)
{
    if (!is_domain_name(identity.domain) || identity.domain.find('.') == std::string::npos)
        return error{"gateway domain " + quoted(identity.domain) + " is not a domain of two labels or more"};
    if (auto e = check_or_address(identity.address))
        return error{"gateway O/R address: " + e->why};
    return std::nullopt;
}

result<std::shared_ptr<mapping_state const>> make_mapping_state(gateway_identity identity,
                                                                  std::vector<mapping_table> tables)
{
    return make_mapping_state(std::move(identity), share(std::move(tables)), nullptr);
}

result<std::shared_ptr<mapping_state const>> make_mapping_state(
    gateway_identity identity, std::vector<std::shared_ptr<mapping_table const>> tables,
    mapping_state const* previous)
{
    if (auto e = check_identity(identity))
        return *e;
    auto state = std::make_shared<mapping_state>();
    for (auto const& t : tables)
        state->warnings.insert(state->warnings.end(), t->warnings.begin(), t->warnings.end());
    auto indexed = mapping_tables::build(std::move(tables), previous ? &previous->tables : nullptr);
    if (!indexed)
        return indexed.failure();
    state->identity = std::move(identity);
    state->tables = std::move(*indexed);
    return std::shared_ptr<mapping_state const>(std::move(state));
}

result<mapping_sources> load_mapping_sources(mapping_config const& config)
{
    mapping_sources out;
    out.identity.domain = config.gateway_domain;
    auto gw = parse_or_text(config.gateway_or);
    if (!gw)
        return error{"gateway O/R address '" + config.gateway_or + "': " + gw.failure().why};
    out.identity.address = std::move(*gw);
    if (auto e = check_identity(out.identity))
        return *e;
    for (std::size_t k = 0; k < table_kind_count; ++k) {
        if (config.table_files[k].empty())
            continue;
        auto t = load_table_file(config.table_files[k], static_cast<table_kind>(k));
        if (!t)
            return t.failure();
        out.tables.push_back(std::move(*t));
    }
    return out;
}

result<std::shared_ptr<mapping_state const>> load_mapping_state(mapping_config const& config)
{
    auto sources = load_mapping_sources(config);
    if (!sources)
        return sources.failure();
    return make_mapping_state(std::move(sources->identity), std::move(sources->tables));
}

std::string render_peer_mailbox(or_address const& a, peer_form form, std::string_view domain)
{
    if (form == peer_form::imcea)
        return render_imcea("X400", render_exchange(a), domain);
    return render_std_or_mailbox(a, domain);
}

bool route_prefix::matches(or_address const& a) const noexcept
{
    for (auto const& t : terms) {
        auto v = level_value(a, t.level);
        if (!t.value) {
            if (v)
                return false;
            continue;
        }
        if (!v || normalise_value(*v, t.level == 1) != *t.value)
            return false;
    }
    return true;
}

result<route_prefix> parse_route_prefix(std::string_view text)
{
    route_prefix p;
    std::array<bool, level_count> seen{};
    std::size_t next_ou = 4;
    std::size_t i = 0;
    while (i <= text.size()) {
        std::size_t j = i;
        while (j < text.size() && text[j] != ';' && text[j] != '/')
            ++j;
        std::string_view item = text.substr(i, j - i);
        while (!item.empty() && item.front() == ' ')
            item.remove_prefix(1);
        i = j + 1;
        if (item.empty())
            continue;
        auto eq = item.find('=');
        if (eq == std::string_view::npos)
            return error{"route key term without '='", j - item.size()};
        std::string_view const key = item.substr(0, eq);
        std::string_view const value = item.substr(eq + 1);
        std::size_t level;
        if (iequals(key, "C")) level = 0;
        else if (iequals(key, "ADMD") || iequals(key, "A")) level = 1;
        else if (iequals(key, "PRMD") || iequals(key, "P")) level = 2;
        else if (iequals(key, "O")) level = 3;
        else if (key.size() == 3 && iequals(key.substr(0, 2), "OU") && key[2] >= '1' && key[2] <= '4')
            level = 3 + static_cast<std::size_t>(key[2] - '0');
        else if (iequals(key, "OU"))
            level = next_ou;
        else
            return error{"route keys use C, ADMD, PRMD, O and OU only, not " + quoted(key)};
        if (level >= level_count)
            return error{"more than 4 OUs in a route key"};
        if (seen[level])
            return error{"duplicate " + std::string(level_key(level)) + " in a route key"};
        seen[level] = true;
        if (level >= 4)
            next_ou = level + 1;
        route_prefix::term t;
        t.level = level;
        if (value != "@")
            t.value = normalise_value(value, level == 1);
        p.terms.push_back(std::move(t));
    }
    if (p.terms.empty())
        return error{"empty route key"};
    return p;
}

mapper::mapper(std::shared_ptr<mapping_state const> initial) : state_(std::move(initial)) {}

std::shared_ptr<mapping_state const> mapper::state() const { return state_.load(std::memory_order_acquire); }

void mapper::replace(std::shared_ptr<mapping_state const> next)
{
    state_.store(std::move(next), std::memory_order_release);
}

std::optional<error> mapper::reload(mapping_config const& config)
{
    auto next = load_mapping_state(config);
    if (!next)
        return next.failure();
    replace(std::move(*next));
    return std::nullopt;
}

result<rfc822_mapping, refusal> mapper::to_rfc822(or_address const& a, role r) const
{
    auto s = state();
    return map_x400_to_822(a, r, s->identity, s->tables);
}

result<x400_mapping, refusal> mapper::to_x400(std::string_view rfc822_address, role r) const
{
    auto s = state();
    return map_822_to_x400(rfc822_address, r, s->identity, s->tables);
}

std::optional<std::string> mapper::rewrite_header_address(std::string_view addr_spec) const
{
    auto s = state();
    auto m = parse_mailbox(addr_spec);
    if (!m || !m->route.empty() || !iequals(m->domain, s->identity.domain))
        return std::nullopt;
    std::optional<or_address> a;
    if (looks_like_imcea(m->local)) {
        if (auto p = parse_or_text(m->local))
            a = std::move(*p);
    } else if (auto p = parse_std_or(m->local); p && p->c) {
        a = std::move(*p);
    }
    if (!a || check_or_address(*a))
        return std::nullopt;
    // Role header passes an undecodable RFC-822 DDA through raw; a header
    // is better left as it was than rewritten into something that is not
    // an address.
    auto x = map_x400_to_822(*a, role::header, s->identity, s->tables);
    if (!x || x->method == mapping_method::encapsulated || !parse_mailbox(x->address))
        return std::nullopt;
    return std::move(x->address);
}

namespace {

resolution refused(refusal why)
{
    resolution out;
    out.kind = route_kind::refused;
    out.refused = std::move(why);
    return out;
}

resolution to_x400_side(or_address a, std::string mailbox, mapping_method method)
{
    resolution out;
    out.kind = route_kind::x400;
    out.method = method;
    out.rfc822 = std::move(mailbox);
    out.std_or = render_std_or(a);
    out.x400 = std::move(a);
    return out;
}

} // namespace

namespace {

resolution resolve_in(mapping_state const& s, std::string_view text, role r, int depth)
{
    gateway_identity const& gw = s.identity;
    if (r == role::return_path && (text.empty() || text == "<>")) {
        resolution out;
        out.kind = route_kind::rfc822;
        out.method = mapping_method::algorithmic;
        return out;
    }
    auto m = parse_mailbox(text);
    if (!m)
        return refused(refusals::address_syntax("not an RFC 5321 mailbox: " + m.failure().why));

    if (m->route.empty() && iequals(m->domain, gw.domain)) {
        // An X.400 address written at our domain (4.3.4 Stage I step 6).
        std::optional<or_address> a;
        std::string why;
        if (looks_like_imcea(m->local)) {
            auto p = parse_or_text(m->local);
            if (p)
                a = std::move(*p);
            else
                why = "IMCEA local part: " + p.failure().why;
        } else if (auto p = parse_std_or(m->local); p && p->c) {
            a = std::move(*p);
        } else if (p) {
            why = "std-or local part without C";
        } else if (m->local.find('=') != std::string::npos) {
            why = "std-or local part: " + p.failure().why;
        }
        if (a) {
            if (auto e = check_or_address(*a))
                return refused(refusals::unknown_or_name("invalid O/R address: " + e->why));
            auto x = map_x400_to_822(*a, r, gw, s.tables);
            if (!x)
                return refused(x.failure());
            // No table and no RFC-822 DDA: its RFC 822 form is this very
            // address at our domain, so it is an X.400 recipient.
            if (x->method == mapping_method::encapsulated)
                return to_x400_side(std::move(*a), m->address(), mapping_method::algorithmic);
            // The tables (or an RFC-822 DDA) give an RFC 822 form. Both ends
            // may be local (RFC 2156 4.4.1): if that form maps back into
            // X.400, the recipient is on the X.400 side after all.
            if (depth > 0)
                return refused(refusals::unknown_or_name("the address maps back to the gateway domain (a loop)"));
            resolution inner = resolve_in(s, x->address, r, depth + 1);
            if (inner.kind == route_kind::x400 && x->method != mapping_method::algorithmic)
                return to_x400_side(std::move(*a), m->address(), x->method); // same namespace: keep it as given
            if (inner.kind == route_kind::rfc822)
                inner.method = x->method;
            return inner;
        }
        // A table2 MCGAM for our own domain may map plain local parts.
        auto x = map_822_to_x400(text, r, gw, s.tables);
        if (x && x->method == mapping_method::table && x->address.ddas.empty())
            return to_x400_side(std::move(x->address), m->address(), mapping_method::table);
        if (why.empty())
            why = "'" + m->local + "' at the gateway domain is not an X.400 address";
        return refused(refusals::unknown_or_name(why));
    }

    auto x = map_822_to_x400(text, r, gw, s.tables);
    if (x && x->method == mapping_method::table)
        return to_x400_side(std::move(x->address), m->address(), mapping_method::table);
    if (x && r == role::recipient && x->method == mapping_method::gateway_table)
        return to_x400_side(std::move(x->address), m->address(), mapping_method::gateway_table);
    if (!x && r == role::return_path)
        return refused(x.failure());
    resolution out;
    out.kind = route_kind::rfc822;
    out.rfc822 = std::string(m->text);
    if (x) {
        out.method = x->method;
        out.std_or = render_std_or(x->address);
        out.x400 = std::move(x->address);
    }
    return out;
}

} // namespace

resolution mapper::resolve(std::string_view text, role r) const
{
    auto s = state();
    return resolve_in(*s, text, r, 0);
}

} // namespace x400gw::addressing
