// gateway/routes.hpp
//
// SMTP routes: which next hop (and which TLS policy) a recipient domain
// goes to. They come from two places: [[route]] in the configuration file
// and the database, where the administration API keeps them; a database
// route replaces the file's route for the same domain pattern (see
// docs/architecture.md). A route_set is one immutable snapshot of both,
// swapped whole when either changes.
//
// Also the route table's text form, for import and export through the API
// (sans-I/O), one route per line, the keys of [[route]]:
//
//   # domain        next hop          options
//   example.com     mx.example.com:25 tls=verify tls_name=mx.example.com
//   *.example.net   [2001:db8::25]    tls=encrypt
//   *               relay.example:587 tls=may tls_fallback=yes
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace x400gw::gateway {

// Outbound TLS per route, in Postfix's words: none (never), may (STARTTLS
// when offered, else plaintext), encrypt (TLS or defer 4.7.5), verify
// (TLS with a certificate chain to the CA file and the next hop's name).
enum class tls_level { none, may, encrypt, verify };
std::string_view tls_level_name(tls_level l) noexcept;
std::optional<tls_level> parse_tls_level(std::string_view s) noexcept;

struct route_tls {
    tls_level level = tls_level::may;
    std::string name;        // verify: the name the certificate must carry; default the host
    std::string ca_file;     // verify: default [delivery] tls_ca_file
    bool fallback = false;   // may: after a failed handshake, try once in plaintext
    friend bool operator==(route_tls const&, route_tls const&) = default;
};

enum class route_origin { file, database };

struct route {
    std::string domain;     // "example.com", "*.example.com" or "*", lower case
    std::string host;       // next hop
    std::uint16_t port = 25;
    route_tls tls;
    route_origin origin = route_origin::file;
    std::string next_hop() const { return host + ":" + std::to_string(port); }
    // The next hop "mx" (any case; a host of that name is written "mx."):
    // the recipient domain's MX hosts (RFC 5321 5.1), on `port`.
    bool via_mx() const noexcept;
    // The next hop a recipient at `domain` is queued for: next_hop(), or
    // for an MX route "mx:DOMAIN:PORT", one hop (and connections) per domain.
    std::string next_hop_for(std::string_view domain) const;
    // "host:port", with brackets around an IPv6 address.
    std::string next_hop_text() const;
    friend bool operator==(route const& a, route const& b)
    {
        return a.domain == b.domain && a.host == b.host && a.port == b.port && a.tls == b.tls;
    }
};

// "host", "host:port", "[2001:db8::1]:port": the host and port (25 when
// none is given), or the reason it is refused.
std::optional<std::string> parse_next_hop(std::string_view text, std::string& host, std::uint16_t& port);
// "host:port" or "[v6]:port" -> its parts, the port required (0 allowed);
// false when malformed. For listening addresses and hop names, which x400gw
// wrote or checked itself.
bool split_host_port(std::string_view text, std::string& host, std::uint16_t& port);
// "mx:DOMAIN:PORT" (route::next_hop_for) -> its parts; false for any other hop.
bool split_mx_hop(std::string_view hop, std::string& domain, std::uint16_t& port);
// A route's domain pattern, lower-cased and without a trailing dot, or the
// reason it is refused: a domain, "*.domain" or "*".
std::optional<std::string> normal_route_domain(std::string_view text, std::string& out);

class route_set {
public:
    route_set() = default;
    // The database's routes replace the file's with the same domain.
    route_set(std::vector<route> file, std::vector<route> database, std::string default_ca_file);

    // The route for a domain: exact, then the longest "*.suffix", then "*".
    route const* resolve(std::string_view domain) const;
    // The TLS policy for a next hop ("host:port"): the strictest of the
    // routes that lead there; "may" for one no route names. An empty CA
    // file is the default one.
    route_tls tls_for(std::string_view next_hop) const;
    // The routes in effect, by domain.
    std::vector<route> const& routes() const noexcept { return routes_; }
    // The route with exactly this domain pattern, or null.
    route const* find(std::string_view domain) const;

private:
    std::vector<route> routes_;
    std::string default_ca_;
};

// The route table text: every route, or, with `errors`, every bad line
// named "source:line: reason" (and false returned). Duplicate domains are
// refused.
bool parse_route_table(std::string_view text, std::string_view source, std::vector<route>& out,
                       std::vector<std::string>& errors);
std::string render_route_line(route const& r);
std::string render_route_table(std::vector<route> const& routes);

} // namespace x400gw::gateway
