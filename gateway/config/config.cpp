// gateway/config/config.cpp
#include "gateway/config/config.hpp"

#include "addressing/or_address.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <charconv>
#include <cstring>
#include <set>
#include <arpa/inet.h>
#include <unistd.h>

namespace x400gw::gateway {
namespace {

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

class reader {
public:
    explicit reader(std::string path) : path_(std::move(path)) {}

    [[noreturn]] void fail(toml::node const& n, std::string const& why) const
    {
        throw config_error(path_ + ":" + std::to_string(n.source().begin.line) + ": " + why);
    }
    [[noreturn]] void fail_at(toml::source_region const& where, std::string const& why) const
    {
        throw config_error(path_ + ":" + std::to_string(where.begin.line) + ": " + why);
    }

    void only(toml::table const& t, std::string_view section, std::set<std::string_view> const& keys) const
    {
        for (auto const& [k, v] : t)
            if (!keys.contains(k.str()))
                fail(v, "unknown key " + addressing::quoted(k.str()) + " in " + std::string(section));
    }

    void get(toml::table const& t, std::string_view key, std::string& out) const
    {
        if (auto* n = t.get(key)) {
            auto v = n->value<std::string>();
            if (!v)
                fail(*n, std::string(key) + " must be a string");
            out = *v;
        }
    }

    template <class Int>
    void get_int(toml::table const& t, std::string_view key, Int& out, std::int64_t min, std::int64_t max) const
    {
        if (auto* n = t.get(key)) {
            auto v = n->value<std::int64_t>();
            if (!v || *v < min || *v > max)
                fail(*n, std::string(key) + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
            out = static_cast<Int>(*v);
        }
    }

    void get_double(toml::table const& t, std::string_view key, double& out, double min, double max) const
    {
        if (auto* n = t.get(key)) {
            auto v = n->value<double>();
            if (!v || *v < min || *v > max)
                fail(*n, std::string(key) + " must be a number from " + std::to_string(min) + " to " + std::to_string(max));
            out = *v;
        }
    }

    template <class Duration>
    void get_duration(toml::table const& t, std::string_view key, Duration& out) const
    {
        auto* n = t.get(key);
        if (!n)
            return;
        std::chrono::milliseconds ms{};
        if (auto i = n->value_exact<std::int64_t>()) {
            ms = std::chrono::seconds(*i);
        } else if (auto s = n->value<std::string>()) {
            std::int64_t count = 0;
            auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), count);
            std::string_view unit(p, static_cast<std::size_t>(s->data() + s->size() - p));
            if (ec != std::errc{} || count < 0)
                fail(*n, std::string(key) + ": bad duration " + addressing::quoted(*s));
            if (unit == "ms")
                ms = std::chrono::milliseconds(count);
            else if (unit == "s" || unit.empty())
                ms = std::chrono::seconds(count);
            else if (unit == "m")
                ms = std::chrono::minutes(count);
            else if (unit == "h")
                ms = std::chrono::hours(count);
            else if (unit == "d")
                ms = std::chrono::hours(24 * count);
            else
                fail(*n, std::string(key) + ": unknown unit " + addressing::quoted(unit) + " (ms, s, m, h, d)");
        } else {
            fail(*n, std::string(key) + " must be a duration: seconds, or a string like \"30s\", \"5m\"");
        }
        if (ms.count() < 0)
            fail(*n, std::string(key) + " must not be negative");
        out = std::chrono::duration_cast<Duration>(ms);
        if (out.count() == 0 && ms.count() != 0)
            fail(*n, std::string(key) + " is too small for its unit");
    }

    toml::table const* section(toml::table const& root, std::string_view name) const
    {
        auto* n = root.get(name);
        if (!n)
            return nullptr;
        auto* t = n->as_table();
        if (!t)
            fail(*n, "[" + std::string(name) + "] must be a table");
        return t;
    }

private:
    std::string path_;
};

std::pair<std::string, std::uint16_t> parse_next_hop(reader const& r, toml::table const& t, std::string const& what)
{
    std::string hop;
    r.get(t, "next_hop", hop);
    if (hop.empty())
        r.fail_at(t.source(), what + " needs a next_hop (\"host:port\")");
    std::string host;
    std::uint16_t port = 25;
    if (auto why = gateway::parse_next_hop(hop, host, port))
        r.fail(*t.get("next_hop"), *why);
    return {host, port};
}

x400_route parse_x400_route(reader const& r, toml::table const& t)
{
    r.only(t, "[[x400_route]]", {"prefix", "next_hop", "form", "domain"});
    x400_route out;
    r.get(t, "prefix", out.prefix_text);
    auto prefix = addressing::parse_route_prefix(out.prefix_text);
    if (!prefix)
        r.fail_at(t.source(), "[[x400_route]] prefix " + addressing::quoted(out.prefix_text) + ": " + prefix.failure().why);
    out.prefix = *prefix;
    std::tie(out.host, out.port) = parse_next_hop(r, t, "[[x400_route]]");
    std::string form = "std-or";
    r.get(t, "form", form);
    if (form == "std-or")
        out.form = addressing::peer_form::std_or;
    else if (form == "imcea")
        out.form = addressing::peer_form::imcea;
    else
        r.fail(*t.get("form"), "form must be \"std-or\" or \"imcea\"");
    r.get(t, "domain", out.domain);
    if (out.domain.empty())
        out.domain = out.host;
    return out;
}

addressing::mapping_config parse_addressing(reader const& r, toml::table const& t, std::string const& config_path)
{
    r.only(t, "[addressing]", {"gateway_domain", "gateway_or", "tables"});
    addressing::mapping_config out;
    r.get(t, "gateway_domain", out.gateway_domain);
    r.get(t, "gateway_or", out.gateway_or);
    if (out.gateway_domain.empty() || out.gateway_or.empty())
        r.fail_at(t.source(), "[addressing] needs gateway_domain and gateway_or");
    if (auto* n = t.get("tables")) {
        auto* tables = n->as_table();
        if (!tables)
            r.fail(*n, "tables must be a table: { or-to-domain = \"file\", ... }");
        auto const base = std::filesystem::path(config_path).parent_path();
        for (auto const& [k, v] : *tables) {
            auto kind = addressing::parse_table_kind(k.str());
            if (!kind)
                r.fail(v, "unknown table kind " + addressing::quoted(k.str()) +
                              " (or-to-domain, domain-to-or, gate-or-to-domain, gate-domain-to-or)");
            auto file = v.value<std::string>();
            if (!file)
                r.fail(v, "a table must be a file name");
            std::filesystem::path p(*file);
            if (p.is_relative())
                p = base / p;
            out.table_files[static_cast<std::size_t>(*kind)] = p.string();
        }
    }
    return out;
}

route parse_route(reader const& r, toml::table const& t)
{
    r.only(t, "[[route]]", {"domain", "next_hop", "tls", "tls_name", "tls_ca_file", "tls_fallback"});
    route out;
    std::string domain;
    r.get(t, "domain", domain);
    if (domain.empty())
        r.fail_at(t.source(), "[[route]] needs a domain (\"example.com\", \"*.example.com\" or \"*\")");
    if (auto why = normal_route_domain(domain, out.domain))
        r.fail(*t.get("domain"), "[[route]] " + *why);
    std::tie(out.host, out.port) = parse_next_hop(r, t, "[[route]] for " + out.domain);
    std::string level = "may";
    r.get(t, "tls", level);
    if (auto l = parse_tls_level(level))
        out.tls.level = *l;
    else
        r.fail(*t.get("tls"), "tls must be \"none\", \"may\", \"encrypt\" or \"verify\"");
    r.get(t, "tls_name", out.tls.name);
    r.get(t, "tls_ca_file", out.tls.ca_file);
    if (auto b = t["tls_fallback"].value<bool>())
        out.tls.fallback = *b;
    return out;
}

bool domain_matches(std::string_view pattern, std::string_view d)
{
    if (pattern == d)
        return true;
    if (pattern.starts_with("*.")) {
        auto const suffix = pattern.substr(1);   // ".example.com"
        return d.size() > suffix.size() && d.ends_with(suffix);
    }
    return false;
}

std::vector<std::string> get_strings(reader const& r, toml::table const& t, std::string_view key)
{
    std::vector<std::string> out;
    auto* n = t.get(key);
    if (!n)
        return out;
    auto* a = n->as_array();
    if (!a)
        r.fail(*n, std::string(key) + " must be an array of strings");
    for (auto const& e : *a) {
        auto v = e.value<std::string>();
        if (!v)
            r.fail(e, std::string(key) + " must be an array of strings");
        out.push_back(*v);
    }
    return out;
}

std::optional<std::array<std::uint8_t, 16>> parse_address(std::string_view text, bool& v4)
{
    std::array<std::uint8_t, 16> out{};
    std::string const s(text);
    in_addr a4{};
    if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
        out[10] = out[11] = 0xff;
        std::memcpy(out.data() + 12, &a4, 4);
        v4 = true;
        return out;
    }
    if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) {
        v4 = false;
        return out;
    }
    return std::nullopt;
}

// Why `text` cannot be a listening address, or nothing: an IP address and
// a port ("0.0.0.0:25", "[::]:25"). A name would be looked up once, at
// start, and is refused rather than guessed at.
std::optional<std::string> listen_trouble(std::string_view text)
{
    std::string host;
    std::uint16_t port = 0;
    bool v4 = false;
    if (!split_host_port(text, host, port))
        return addressing::quoted(text) + " is not address:port (\"0.0.0.0:25\", \"[::]:25\")";
    if (!parse_address(host, v4))
        return addressing::quoted(text) + " does not give an IP address (a host name is not looked up here)";
    return std::nullopt;
}

} // namespace

std::optional<network> parse_network(std::string_view text)
{
    auto const slash = text.find('/');
    bool v4 = false;
    auto bytes = parse_address(text.substr(0, slash), v4);
    if (!bytes)
        return std::nullopt;
    network n{*bytes, 128};
    if (slash != std::string_view::npos) {
        int bits = -1;
        auto const rest = text.substr(slash + 1);
        auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), bits);
        if (ec != std::errc{} || p != rest.data() + rest.size() || bits < 0 || bits > (v4 ? 32 : 128))
            return std::nullopt;
        n.prefix = v4 ? bits + 96 : bits;
    }
    return n;
}

bool network::contains(std::string_view address) const noexcept
{
    bool v4 = false;
    auto a = parse_address(address, v4);
    if (!a)
        return false;
    int bits = prefix;
    for (std::size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
        auto const mask = static_cast<std::uint8_t>(bits >= 8 ? 0xff : 0xff << (8 - bits));
        if (((*a)[i] & mask) != (bytes[i] & mask))
            return false;
    }
    return true;
}

bool config::is_local_domain(std::string_view domain) const
{
    auto d = lower(domain);
    if (!d.empty() && d.back() == '.')
        d.pop_back();
    return std::any_of(local_domains.begin(), local_domains.end(),
                       [&](std::string const& p) { return domain_matches(p, d); });
}

bool config::trusted(std::string_view address) const
{
    return std::any_of(relay_networks.begin(), relay_networks.end(),
                       [&](network const& n) { return n.contains(address); });
}

config load_config(std::string const& path)
{
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (toml::parse_error const& e) {
        throw config_error(path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
    }
    reader r(path);
    config c;
    c.path = path;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0 && host[0])
        c.hostname = host;
    r.only(root, "the file",
           {"server", "database", "limits", "relay", "tls", "auth", "delivery", "retry", "route", "addressing",
            "x400_route"});
    c.relay_networks = {*parse_network("127.0.0.0/8"), *parse_network("::1")};

    if (auto* t = r.section(root, "server")) {
        r.only(*t, "[server]", {"hostname", "listen", "admin_listen", "admin_tls", "node_name", "shutdown_grace",
                                "cpu_threads"});
        r.get(*t, "hostname", c.hostname);
        if (auto* n = t->get("listen")) {
            c.listen.clear();
            auto one = [&](toml::node const& e) {
                if (auto s2 = e.value<std::string>()) {
                    if (auto why = listen_trouble(*s2))
                        r.fail(e, "listen: " + *why);
                    c.listen.push_back({*s2});
                    return;
                }
                auto* lt = e.as_table();
                if (!lt)
                    r.fail(e, "listen must be \"address:port\" or { address = \"...\", require_tls = true, "
                              "implicit_tls = true }");
                r.only(*lt, "a listener", {"address", "require_tls", "implicit_tls"});
                listener l;
                r.get(*lt, "address", l.address);
                if (l.address.empty())
                    r.fail(e, "a listener needs an address");
                if (auto why = listen_trouble(l.address))
                    r.fail(*(*lt)["address"].node(), "listen: " + *why);
                if (auto b = (*lt)["require_tls"].value<bool>())
                    l.require_tls = *b;
                if (auto b = (*lt)["implicit_tls"].value<bool>())
                    l.implicit_tls = *b;
                c.listen.push_back(l);
            };
            if (auto* a = n->as_array()) {
                for (auto const& e : *a)
                    one(e);
            } else {
                one(*n);
            }
        }
        r.get(*t, "admin_listen", c.admin_listen);
        if (auto why = t->get("admin_listen") ? listen_trouble(c.admin_listen) : std::nullopt)
            r.fail(*t->get("admin_listen"), "admin_listen: " + *why);
        if (auto b = (*t)["admin_tls"].value<bool>())
            c.admin_tls = *b;
        r.get(*t, "node_name", c.node_name);
        r.get_duration(*t, "shutdown_grace", c.shutdown_grace);
        r.get_int(*t, "cpu_threads", c.cpu_threads, 1, 64);
    }
    if (auto* t = r.section(root, "database")) {
        r.only(*t, "[database]", {"conninfo", "pool_threads", "commit_batch", "statement_timeout", "commit_queue",
                                  "commit_timeout", "config_poll"});
        r.get(*t, "conninfo", c.database);
        r.get_int(*t, "pool_threads", c.pool_threads, 1, 64);
        r.get_int(*t, "commit_batch", c.commit_batch, 1, 10000);
        r.get_duration(*t, "statement_timeout", c.statement_timeout);
        r.get_int(*t, "commit_queue", c.commit_queue, 1, 1000000);
        r.get_duration(*t, "commit_timeout", c.commit_timeout);
        r.get_duration(*t, "config_poll", c.config_poll);
        if (c.statement_timeout.count() <= 0 || c.commit_timeout.count() <= 0 || c.config_poll.count() <= 0)
            r.fail_at(t->source(), "statement_timeout, commit_timeout and config_poll must be positive");
    }
    if (auto* t = r.section(root, "tls")) {
        r.only(*t, "[tls]", {"certificate", "key", "second_certificate", "second_key", "request_client_certificate",
                             "handshake_timeout"});
        r.get(*t, "certificate", c.tls.certificate);
        r.get(*t, "key", c.tls.key);
        r.get(*t, "second_certificate", c.tls.second_certificate);
        r.get(*t, "second_key", c.tls.second_key);
        if (auto b = (*t)["request_client_certificate"].value<bool>())
            c.tls.request_client_certificate = *b;
        r.get_duration(*t, "handshake_timeout", c.tls.handshake_timeout);
        if (c.tls.certificate.empty() != c.tls.key.empty())
            r.fail_at(t->source(), "[tls] needs both certificate and key");
        if (c.tls.second_certificate.empty() != c.tls.second_key.empty())
            r.fail_at(t->source(), "[tls] needs both second_certificate and second_key");
        if (!c.tls.second_certificate.empty() && c.tls.certificate.empty())
            r.fail_at(t->source(), "[tls] second_certificate needs certificate");
        auto const base = std::filesystem::path(path).parent_path();
        for (auto* f : {&c.tls.certificate, &c.tls.key, &c.tls.second_certificate, &c.tls.second_key})
            if (!f->empty() && std::filesystem::path(*f).is_relative())
                *f = (base / *f).string();
    }
    if (auto* t = r.section(root, "auth")) {
        r.only(*t, "[auth]", {"enabled", "failures_per_minute"});
        if (auto b = (*t)["enabled"].value<bool>())
            c.auth = *b;
        r.get_int(*t, "failures_per_minute", c.auth_failures_per_minute, 0, 1000000);
        if (c.auth && !c.tls.enabled())
            r.fail_at(t->source(), "[auth] needs [tls]: AUTH is offered only under TLS");
    }
    if (auto* t = r.section(root, "relay")) {
        r.only(*t, "[relay]", {"local_domains", "relay_networks"});
        for (auto& d : get_strings(r, *t, "local_domains")) {
            d = lower(d);
            if (d.empty() || d == "*" || d.find('*', d.starts_with("*.") ? 1 : 0) != std::string::npos)
                r.fail(*t->get("local_domains"), "local_domains: " + addressing::quoted(d) + " is not a domain or \"*.domain\"");
            c.local_domains.push_back(d);
        }
        if (t->get("relay_networks")) {
            c.relay_networks.clear();
            for (auto const& n : get_strings(r, *t, "relay_networks")) {
                auto parsed = parse_network(n);
                if (!parsed)
                    r.fail(*t->get("relay_networks"), "relay_networks: " + addressing::quoted(n) + " is not an address or CIDR block");
                c.relay_networks.push_back(*parsed);
            }
        }
    }
    if (auto* t = r.section(root, "limits")) {
        r.only(*t, "[limits]", {"message_size", "recipients", "errors", "max_sessions", "command_timeout",
                                "data_timeout", "greeting_timeout", "sessions_per_client", "connections_per_minute",
                                "messages_per_minute", "admin_connections", "min_data_rate", "junk_commands",
                                "max_hops"});
        r.get_int(*t, "sessions_per_client", c.sessions_per_client, 1, 1000000);
        r.get_int(*t, "connections_per_minute", c.connections_per_minute, 0, 1000000);
        r.get_int(*t, "messages_per_minute", c.messages_per_minute, 0, 1000000);
        r.get_int(*t, "admin_connections", c.admin_connections, 1, 100000);
        r.get_int(*t, "min_data_rate", c.limits.min_data_rate, 0, std::int64_t(1) << 30);
        r.get_int(*t, "junk_commands", c.limits.junk_commands, 1, 1000000);
        r.get_int(*t, "max_hops", c.limits.max_hops, 10, 1000);
        r.get_int(*t, "message_size", c.limits.message_size, 1024, std::int64_t(1) << 40);
        r.get_int(*t, "recipients", c.limits.recipients, 1, 100000);
        r.get_int(*t, "errors", c.limits.errors, 1, 1000);
        r.get_int(*t, "max_sessions", c.max_sessions, 1, 1000000);
        r.get_duration(*t, "command_timeout", c.limits.command_timeout);
        r.get_duration(*t, "data_timeout", c.limits.data_timeout);
        r.get_duration(*t, "greeting_timeout", c.limits.greeting_timeout);
    }
    if (auto* t = r.section(root, "delivery")) {
        r.only(*t, "[delivery]", {"connections_per_hop", "max_in_flight", "recipients_per_transaction", "claim_batch",
                                  "lease", "poll_interval", "connection_idle", "metrics_interval", "connect_timeout", "command_timeout",
                                  "data_timeout", "quarantine_after", "conversion_budget", "tls_ca_file",
                                  "dns_server"});
        r.get_int(*t, "connections_per_hop", c.connections_per_hop, 1, 1000);
        r.get_int(*t, "max_in_flight", c.max_in_flight, 1, 100000);
        r.get_int(*t, "recipients_per_transaction", c.recipients_per_transaction, 1, 1000);
        r.get_int(*t, "claim_batch", c.claim_batch, 1, 10000);
        r.get_duration(*t, "lease", c.lease);
        r.get_duration(*t, "poll_interval", c.poll_interval);
        r.get_duration(*t, "connection_idle", c.connection_idle);
        r.get_duration(*t, "metrics_interval", c.metrics_interval);
        r.get_duration(*t, "connect_timeout", c.client_timeouts.connect);
        std::chrono::seconds command{0};
        r.get_duration(*t, "command_timeout", command);
        if (command.count()) {
            auto& ct = c.client_timeouts;
            ct.greeting = ct.ehlo = ct.mail = ct.rcpt = ct.data_init = ct.quit = command;
        }
        r.get_duration(*t, "data_timeout", c.client_timeouts.data_term);
        r.get_int(*t, "quarantine_after", c.quarantine_after, 1, 1000);
        r.get_duration(*t, "conversion_budget", c.conversion_budget);
        r.get(*t, "tls_ca_file", c.tls_ca_file);
        if (auto* n = t->get("dns_server")) {
            r.get(*t, "dns_server", c.dns_server);
            // An IPv6 address in brackets: "[2001:db8::53]:53".
            std::string host;
            std::uint16_t port = 0;
            bool v4 = false;
            if (!split_host_port(c.dns_server, host, port) || port == 0 || !parse_address(host, v4) ||
                (!v4 && !c.dns_server.starts_with("[")))
                r.fail(*n, "dns_server: " + addressing::quoted(c.dns_server) +
                               " is not an IP address and port (192.0.2.53:53, [2001:db8::53]:53)");
        }
        if (c.conversion_budget.count() <= 0)
            r.fail(*t->get("conversion_budget"), "conversion_budget must be positive");
        if (c.lease.count() < 2)
            r.fail(*t->get("lease"), "lease must be at least 2 seconds");
    }
    if (auto* t = r.section(root, "retry")) {
        r.only(*t, "[retry]", {"first_delay", "max_delay", "multiplier", "jitter", "lifetime", "delay_warning"});
        r.get_duration(*t, "first_delay", c.retry.first_delay);
        r.get_duration(*t, "max_delay", c.retry.max_delay);
        r.get_double(*t, "multiplier", c.retry.multiplier, 1.0, 100.0);
        r.get_double(*t, "jitter", c.retry.jitter, 0.0, 0.9);
        r.get_duration(*t, "lifetime", c.retry.lifetime);
        r.get_duration(*t, "delay_warning", c.retry.delay_warning);
    }
    if (auto* n = root.get("route")) {
        auto* a = n->as_array();
        if (!a)
            r.fail(*n, "route must be an array of tables: [[route]]");
        for (auto const& e : *a) {
            auto* t = e.as_table();
            if (!t)
                r.fail(e, "each route must be a table");
            auto next = parse_route(r, *t);
            for (auto const& earlier : c.routes)
                if (earlier.domain == next.domain)
                    r.fail_at(t->source(), "a second [[route]] for " + next.domain);
            c.routes.push_back(std::move(next));
        }
    }
    if (auto* t = r.section(root, "addressing"))
        c.addressing = parse_addressing(r, *t, path);
    if (auto* n = root.get("x400_route")) {
        auto* a = n->as_array();
        if (!a)
            r.fail(*n, "x400_route must be an array of tables: [[x400_route]]");
        if (!c.addressing)
            r.fail(*n, "[[x400_route]] needs an [addressing] section");
        for (auto const& e : *a) {
            auto* t = e.as_table();
            if (!t)
                r.fail(e, "each x400_route must be a table");
            c.x400_routes.push_back(parse_x400_route(r, *t));
        }
    }
    for (auto const& l : c.listen)
        if ((l.require_tls || l.implicit_tls) && !c.tls.enabled())
            throw config_error(path + ": listener " + l.address + " needs TLS: set [tls] certificate and key");
    if (c.admin_tls && !c.tls.enabled())
        throw config_error(path + ": [server] admin_tls needs TLS: set [tls] certificate and key");
    return c;
}

x400_route const* config::resolve_x400_route(addressing::or_address const& a) const
{
    x400_route const* best = nullptr;
    for (auto const& r : x400_routes)
        if (r.prefix.matches(a) && (!best || r.prefix.specificity() > best->prefix.specificity()))
            best = &r;
    return best;
}

} // namespace x400gw::gateway
