// gateway/routes.cpp
#include "gateway/routes.hpp"

#include "addressing/or_address.hpp"
#include "addressing/text_lines.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

namespace x400gw::gateway {
namespace {

std::string lower(std::string_view s)
{
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_label(std::string_view l) noexcept
{
    if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-')
        return false;
    return std::all_of(l.begin(), l.end(), [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

bool is_domain(std::string_view d) noexcept
{
    if (d.empty() || d.size() > 253)
        return false;
    std::size_t pos = 0;
    while (true) {
        auto const dot = d.find('.', pos);
        if (!is_label(d.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos)))
            return false;
        if (dot == std::string_view::npos)
            return true;
        pos = dot + 1;
    }
}

std::vector<std::string_view> words(std::string_view line)
{
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos < line.size()) {
        while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t'))
            ++pos;
        auto const start = pos;
        while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t')
            ++pos;
        if (pos > start)
            out.push_back(line.substr(start, pos - start));
    }
    return out;
}

// One option word of a route line into `r`, or the reason it is refused.
std::optional<std::string> apply_option(route& r, std::string_view word)
{
    auto const eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0)
        return addressing::quoted(word) + " is not an option (tls=, tls_name=, tls_ca_file=, tls_fallback=)";
    auto const key = word.substr(0, eq);
    auto const value = word.substr(eq + 1);
    if (key == "tls") {
        auto l = parse_tls_level(value);
        if (!l)
            return "tls must be none, may, encrypt or verify, not " + addressing::quoted(value);
        r.tls.level = *l;
    } else if (key == "tls_name") {
        r.tls.name = std::string(value);
    } else if (key == "tls_ca_file") {
        r.tls.ca_file = std::string(value);
    } else if (key == "tls_fallback") {
        if (value == "yes" || value == "true")
            r.tls.fallback = true;
        else if (value == "no" || value == "false")
            r.tls.fallback = false;
        else
            return "tls_fallback must be yes or no, not " + addressing::quoted(value);
    } else {
        return "unknown option " + addressing::quoted(key) + " (tls, tls_name, tls_ca_file, tls_fallback)";
    }
    return std::nullopt;
}

} // namespace

std::string_view tls_level_name(tls_level l) noexcept
{
    switch (l) {
    case tls_level::none: return "none";
    case tls_level::may: return "may";
    case tls_level::encrypt: return "encrypt";
    case tls_level::verify: return "verify";
    }
    return "may";
}

std::optional<tls_level> parse_tls_level(std::string_view s) noexcept
{
    for (auto l : {tls_level::none, tls_level::may, tls_level::encrypt, tls_level::verify})
        if (s == tls_level_name(l))
            return l;
    return std::nullopt;
}

bool route::via_mx() const noexcept
{
    return host.size() == 2 && (host[0] == 'm' || host[0] == 'M') && (host[1] == 'x' || host[1] == 'X');
}

std::string route::next_hop_for(std::string_view domain) const
{
    if (!via_mx())
        return next_hop();
    auto d = lower(domain);
    while (!d.empty() && d.back() == '.')
        d.pop_back();
    return "mx:" + d + ":" + std::to_string(port);
}

bool split_mx_hop(std::string_view hop, std::string& domain, std::uint16_t& port)
{
    if (!hop.starts_with("mx:"))
        return false;
    return split_host_port(hop.substr(3), domain, port) && !domain.empty();
}

std::string route::next_hop_text() const
{
    if (host.find(':') != std::string::npos)
        return "[" + host + "]:" + std::to_string(port);
    return next_hop();
}

bool split_host_port(std::string_view text, std::string& host, std::uint16_t& port)
{
    auto const colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
        return false;
    auto h = text.substr(0, colon);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']')
        h = h.substr(1, h.size() - 2);
    unsigned p = 0;
    auto const digits = text.substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
    if (ec != std::errc{} || end != digits.data() + digits.size() || p > 65535)
        return false;
    host = std::string(h);
    port = static_cast<std::uint16_t>(p);
    return true;
}

std::optional<std::string> parse_next_hop(std::string_view text, std::string& host, std::uint16_t& port)
{
    std::string_view h = text;
    port = 25;
    std::string_view port_text;
    if (h.starts_with("[")) {
        auto const close = h.find(']');
        if (close == std::string_view::npos)
            return "unclosed '[' in next hop " + addressing::quoted(text);
        auto rest = h.substr(close + 1);
        h = h.substr(1, close - 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return "text after ']' in next hop " + addressing::quoted(text);
            port_text = rest.substr(1);
        }
    } else if (auto const colon = h.rfind(':'); colon != std::string_view::npos) {
        if (h.find(':') != colon)
            return "an IPv6 next hop is written in brackets: [2001:db8::1]:25";
        port_text = h.substr(colon + 1);
        h = h.substr(0, colon);
    }
    if (!port_text.empty() || text.ends_with(":")) {
        unsigned p = 0;
        auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || p == 0 || p > 65535)
            return "bad port in next hop " + addressing::quoted(text);
        port = static_cast<std::uint16_t>(p);
    }
    if (h.empty())
        return "empty host in next hop " + addressing::quoted(text);
    // A host name, an IPv4 address or (in brackets) an IPv6 address, with
    // an optional zone: nothing a route file or a log line would misread.
    bool const bracketed = text.starts_with("[");
    for (unsigned char c : h)
        if (!std::isalnum(c) && c != '-' && c != '.' && c != '_' && c != '%' && !(c == ':' && bracketed))
            return addressing::quoted(h) + " is not a host name or address";
    if (bracketed && h.find(':') == std::string_view::npos)
        return "only an IPv6 address is written in brackets, not " + addressing::quoted(h);
    host = std::string(h);
    return std::nullopt;
}

std::optional<std::string> normal_route_domain(std::string_view text, std::string& out)
{
    std::string d = lower(text);
    if (d.size() > 1 && d.back() == '.' && d != "*.")
        d.pop_back();
    if (d == "*" || is_domain(d.starts_with("*.") ? std::string_view(d).substr(2) : std::string_view(d))) {
        out = std::move(d);
        return std::nullopt;
    }
    return addressing::quoted(text) + " is not a route domain (\"example.com\", \"*.example.com\" or \"*\")";
}

route_set::route_set(std::vector<route> file, std::vector<route> database, std::string default_ca_file)
    : default_ca_(std::move(default_ca_file))
{
    std::map<std::string, route> by_domain;
    for (auto& r : file) {
        r.origin = route_origin::file;
        by_domain.insert_or_assign(r.domain, std::move(r));
    }
    for (auto& r : database) {
        r.origin = route_origin::database;
        by_domain.insert_or_assign(r.domain, std::move(r));
    }
    for (auto& [d, r] : by_domain)
        routes_.push_back(std::move(r));
}

route const* route_set::find(std::string_view domain) const
{
    auto it = std::lower_bound(routes_.begin(), routes_.end(), domain,
                               [](route const& r, std::string_view d) { return r.domain < d; });
    return it != routes_.end() && it->domain == domain ? &*it : nullptr;
}

route const* route_set::resolve(std::string_view domain) const
{
    auto const d = lower(domain);
    if (auto const* exact = find(d))
        return exact;
    route const* best = nullptr;
    std::size_t best_len = 0;
    for (auto const& r : routes_) {
        if (r.domain.starts_with("*.")) {
            std::string_view suffix = std::string_view(r.domain).substr(1);   // ".example.com"
            if (d.size() > suffix.size() && d.ends_with(suffix) && suffix.size() > best_len) {
                best = &r;
                best_len = suffix.size();
            }
        }
    }
    if (best)
        return best;
    return find("*");
}

route_tls route_set::tls_for(std::string_view next_hop) const
{
    route_tls out;
    bool found = false;
    // An MX hop's policy is its domain's route's, when that route still
    // goes by MX.
    std::string mx_domain;
    std::uint16_t mx_port = 0;
    route const* by_mx = nullptr;
    if (split_mx_hop(next_hop, mx_domain, mx_port))
        if (auto const* r = resolve(mx_domain); r && r->via_mx())
            by_mx = r;
    for (auto const& r : routes_) {
        if (by_mx ? &r != by_mx : r.next_hop() != next_hop)
            continue;
        if (!found || r.tls.level > out.level)
            out = r.tls;
        found = true;
    }
    if (out.ca_file.empty())
        out.ca_file = default_ca_;
    return out;
}

bool parse_route_table(std::string_view text, std::string_view source, std::vector<route>& out,
                       std::vector<std::string>& errors)
{
    std::map<std::string, std::size_t> seen;
    addressing::text_lines lines(text);
    auto const refuse = [&](std::string why) {
        errors.push_back(std::string(source) + ":" + std::to_string(lines.number()) + ": " + std::move(why));
    };
    for (std::string_view line; lines.next(line);) {
        if (auto const hash = line.find('#'); hash != std::string_view::npos)
            line = line.substr(0, hash);
        // Tabs separate words; any other control octet (a CR that ends no
        // line, a NUL) is refused, as the JSON form refuses it.
        auto const control = std::find_if(line.begin(), line.end(), [](char c) {
            auto const u = static_cast<unsigned char>(c);
            return (u < 0x20 && c != '\t') || u == 0x7f;
        });
        if (control != line.end()) {
            refuse(addressing::describe_char(*control) + " is not allowed in a route line");
            continue;
        }
        auto const w = words(line);
        if (w.empty())
            continue;
        if (w.size() < 2) {
            refuse("a route needs a domain and a next hop");
            continue;
        }
        route r;
        r.origin = route_origin::database;
        if (auto why = normal_route_domain(w[0], r.domain)) {
            refuse(*why);
            continue;
        }
        if (auto why = parse_next_hop(w[1], r.host, r.port)) {
            refuse(*why);
            continue;
        }
        std::optional<std::string> bad;
        for (std::size_t i = 2; i < w.size() && !bad; ++i)
            bad = apply_option(r, w[i]);
        if (bad) {
            refuse(*bad);
            continue;
        }
        auto [it, fresh] = seen.emplace(r.domain, lines.number());
        if (!fresh) {
            refuse("a second route for " + r.domain + " (first on line " + std::to_string(it->second) + ")");
            continue;
        }
        out.push_back(std::move(r));
    }
    return errors.empty();
}

std::string render_route_line(route const& r)
{
    std::string out = r.domain + " " + r.next_hop_text() + " tls=" + std::string(tls_level_name(r.tls.level));
    if (!r.tls.name.empty())
        out += " tls_name=" + r.tls.name;
    if (!r.tls.ca_file.empty())
        out += " tls_ca_file=" + r.tls.ca_file;
    if (r.tls.fallback)
        out += " tls_fallback=yes";
    return out;
}

std::string render_route_table(std::vector<route> const& routes)
{
    std::string out;
    for (auto const& r : routes) {
        out += render_route_line(r);
        out += '\n';
    }
    return out;
}

} // namespace x400gw::gateway
