// gateway/config/config.hpp
//
// The configuration file (TOML) as a struct, with every default here and
// in deploy/x400gw.example.conf. Loading refuses unknown keys (a typo must
// not silently fall back to a default) and names the file and line of
// every error. Durations are integers of seconds or strings with a unit
// ("500ms", "30s", "5m", "4h", "5d").
#pragma once

#include "addressing/mapper.hpp"
#include "gateway/routes.hpp"
#include "gateway/smtp/limits.hpp"
#include "queue/retry.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace x400gw::gateway {

// A route on the X.400 side: recipients whose O/R address matches the
// prefix go to an SMTP peer that reads O/R addresses in local parts (an
// X.400 MTA's SMTP channel, an Exchange connector), written the way it
// expects at its domain.
struct x400_route {
    std::string prefix_text;              // as configured, for logs
    addressing::route_prefix prefix;
    std::string host;
    std::uint16_t port = 25;
    addressing::peer_form form = addressing::peer_form::std_or;
    std::string domain;                   // the domain part of the mailbox we send
    std::string next_hop() const { return host + ":" + std::to_string(port); }
};

// A CIDR block ("192.0.2.0/24", "2001:db8::/32", or one address). IPv4
// is held as IPv4-mapped IPv6, so one comparison serves both families.
struct network {
    std::array<std::uint8_t, 16> bytes{};
    int prefix = 128;
    bool contains(std::string_view address) const noexcept;   // "192.0.2.7", "::1"
};
std::optional<network> parse_network(std::string_view text);

// One SMTP listener. STARTTLS is offered on every plain listener when
// [tls] names a certificate.
struct listener {
    std::string address;                           // "address:port"
    bool require_tls = false;                      // MAIL before STARTTLS gets 530 5.7.0
    bool implicit_tls = false;                     // TLS from the first octet (RFC 8314), e.g. port 465
};

// [tls]: the server's certificate, for STARTTLS (RFC 3207) and implicit TLS.
struct tls_settings {
    std::string certificate;                       // PEM chain, leaf first
    std::string key;                               // PEM private key
    // A second chain and key of another key type (ECDSA beside RSA): a
    // client that can take either gets the one it prefers.
    std::string second_certificate;
    std::string second_key;
    bool request_client_certificate = false;       // asked for and logged, never required
    std::chrono::seconds handshake_timeout{30};
    bool enabled() const { return !certificate.empty(); }
};

struct config {
    std::string path;                              // where it was read from

    // [server]
    std::string hostname = "localhost";            // greeting, Received:, DSNs, Message-ID
    std::vector<listener> listen{{"127.0.0.1:2525"}};
    tls_settings tls;
    std::string admin_listen = "127.0.0.1:8025";   // /metrics, /healthz, /readyz, /api/v1
    bool admin_tls = false;                        // HTTPS on admin_listen, with the [tls] certificate
    std::string node_name;                         // lease owner; default host name and pid
    std::chrono::seconds shutdown_grace{10};       // SIGTERM: how long sessions may finish
    int cpu_threads = 2;                           // MIME work (sanitize, 7-bit) off the I/O thread

    // [database]
    std::string database;                          // libpq conninfo; empty: none configured
    // Outcomes, claims, administration: since the scheduler is handed
    // committed messages (no claim each), one thread keeps up with the
    // relay bench's 50 sessions, faster than two and a backend smaller.
    int pool_threads = 1;
    std::size_t commit_batch = 256;                // messages per group commit at most

    std::chrono::seconds statement_timeout{30};    // every statement, so a stalled server frees its callers
    std::size_t commit_queue = 4096;               // messages waiting for the committer at most; then 451
    std::chrono::seconds commit_timeout{60};       // a message not committed by then gets 451
    std::chrono::milliseconds config_poll{1000};   // how often routes and tables are checked for changes

    // [limits]
    smtp::server_limits limits;
    std::size_t max_sessions = 1000;               // concurrent inbound sessions
    // Per client address (Postfix's anvil); clients in relay_networks are exempt.
    std::size_t sessions_per_client = 50;          // concurrent sessions (smtpd_client_connection_count_limit)
    std::size_t connections_per_minute = 120;      // new connections; 0: no limit
    std::size_t messages_per_minute = 300;         // MAIL commands; 0: no limit
    std::size_t admin_connections = 64;            // concurrent connections to the admin port

    // [auth]: SMTP AUTH (RFC 4954), PLAIN and LOGIN, offered only under TLS;
    // users in the database (x400gwctl user ...). An authenticated client
    // may relay.
    bool auth = false;
    std::size_t auth_failures_per_minute = 5;      // per client address; then 421 4.7.0

    // [relay]: who may send mail where (relay control).
    std::vector<std::string> local_domains;        // accepted from anyone: "example.com", "*.example.com"
    std::vector<network> relay_networks;           // may relay to any route; default loopback
    bool is_local_domain(std::string_view domain) const;
    bool trusted(std::string_view address) const;  // in relay_networks

    // [delivery]
    int connections_per_hop = 20;
    int max_in_flight = 400;                       // recipients claimed or handed over, not yet recorded
    int recipients_per_transaction = 50;           // RCPTs in one SMTP transaction (Postfix's default)
    int claim_batch = 100;
    std::chrono::seconds lease{120};
    std::chrono::milliseconds poll_interval{1000};
    std::chrono::seconds connection_idle{5};       // keep an idle connection for reuse this long
    std::chrono::seconds metrics_interval{5};      // queue depth refresh
    smtp::client_timeouts client_timeouts;
    int quarantine_after = 3;                      // conversion failures before quarantine
    std::chrono::milliseconds conversion_budget{10000};   // one MIME conversion at delivery
    std::string tls_ca_file = "/etc/ssl/certs/ca-certificates.crt";   // for tls = "verify"
    std::string dns_server;   // "address:port" ("[v6]:port") for MX routes' lookups; empty: /etc/resolv.conf

    // [retry]
    queue::retry_policy retry;

    // [[route]]: the file's routes; the database's replace them domain by
    // domain (gateway/routes.hpp, gateway/live_config.hpp).
    std::vector<route> routes;

    // [addressing] (RFC 2156 mapping) and [[x400_route]]; without an
    // [addressing] section the gateway relays RFC 822 addresses only.
    std::optional<addressing::mapping_config> addressing;
    std::vector<x400_route> x400_routes;
    // The X.400-side route for an O/R address: the matching prefix with the most terms.
    x400_route const* resolve_x400_route(addressing::or_address const& a) const;
};

class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws config_error("FILE:LINE: reason").
config load_config(std::string const& path);

} // namespace x400gw::gateway
