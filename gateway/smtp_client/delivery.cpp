// gateway/smtp_client/delivery.cpp
#include "gateway/smtp_client/delivery.hpp"

#include "gateway/cpu.hpp"
#include "gateway/db_bridge.hpp"
#include "gateway/log.hpp"
#include "gateway/smtp_client/dns.hpp"
#include "gateway/tls.hpp"
#include "mime/header_codec.hpp"
#include "mime/sanitizer.hpp"
#include "queue/dsn.hpp"
#include "queue/qid.hpp"
#include "queue/retry.hpp"
#include "queue/settle.hpp"

#include <boost/asio/connect.hpp>

#include <algorithm>
#include <cstdio>
#include <tuple>

namespace x400gw::gateway {
namespace {

// Bodies up to this size come with the claim instead of a load of their
// own before sending: one round trip and two thread hand-offs less per
// message. A claim holds at most claim_batch of them (6.4 MB at the
// default of 100) until they are sent.
constexpr std::size_t claimed_body_octets = 64 * 1024;
// Bodies of handed-off messages are kept for their delivery while the
// queued jobs hold less than this; past it, a job loads its body when its
// turn comes, as a claimed large one does.
constexpr std::size_t held_body_limit = 8 * 1024 * 1024;
// A message delivered to every recipient is deleted from the queue with
// the others of the same moment: one statement, one round trip and one
// thread hand-off for up to finish_batch of them, at most finish_window
// after its delivery. Until then its leases are renewed as before; should
// the process die in between, they lapse and it is sent again (a
// duplicate, as when the process dies before any outcome is written).
constexpr std::size_t finish_batch = 100;
constexpr auto finish_window = std::chrono::milliseconds(20);

double seconds_since_epoch(std::chrono::system_clock::time_point t)
{
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::string fixed(double v, int decimals = 2)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

void spawn(asio::io_context& io, task<void> t, std::string what)
{
    asio::co_spawn(io, std::move(t), report_exceptions(std::move(what)));
}

} // namespace

delivery::delivery(runtime& rt)
    : rt_(rt), wake_timer_(rt.io), upkeep_timer_(rt.io), finish_timer_(rt.io), random_(std::random_device{}())
{
}

void delivery::wake()
{
    woken_ = true;
    wake_timer_.cancel();
}

void delivery::stop()
{
    stopping_ = true;
    wake_timer_.cancel();
    upkeep_timer_.cancel();
    finish_timer_.cancel();   // what waits to be written is written now
    for (auto& [name, h] : hops_)
        if (h.idle)
            h.idle->cancel();
}

void delivery::abort()
{
    stop();
    for (auto* c : clients_)
        c->close();
}

task<void> delivery::run()
{
    auto const owner = rt_.owner;
    auto const lease = static_cast<int>(rt_.cfg.lease.count());
    bool db_down = false;
    while (!stopping_) {
        int const room = rt_.cfg.max_in_flight - in_flight();
        woken_ = false;
        claim_cut_by_room_ = room < rt_.cfg.claim_batch;
        if (room > 0) {
            int const want = std::min(room, rt_.cfg.claim_batch);
            std::vector<db::claimed_recipient> claimed;
            try {
                auto claim = [&owner, lease, want](db::connection& c) {
                    return db::claim_due(c, owner, lease, want, claimed_body_octets);
                };
                claimed = co_await run_db(rt_.pool, claim);
                if (db_down)
                    log("scheduler", "database reachable again");
                db_down = false;
            } catch (std::exception const& e) {
                report_db_failure(rt_.m, "scheduler", "claim failed, retrying", e, db_down);
                db_down = true;
            }
            auto const got = static_cast<int>(claimed.size());
            if (got > 0) {
                rt_.m.scheduled_claim.Increment(static_cast<double>(got));
                dispatch(std::move(claimed));
            }
            if (got == want && !stopping_)
                continue;   // more may be due now
        }
        if (woken_)
            continue;
        wake_timer_.expires_after(rt_.cfg.poll_interval);
        (void)co_await wake_timer_.async_wait(use_tuple);
    }
}

task<void> delivery::run_upkeep()
{
    auto const owner = rt_.owner;
    auto const lease = static_cast<int>(rt_.cfg.lease.count());
    auto const renew_every = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(500), rt_.cfg.lease / 3);
    auto next_depth = std::chrono::steady_clock::now();
    auto next_prune = next_depth;
    auto next_renew = next_depth + renew_every;
    while (!stopping_) {
        try {
            if (!leased_.empty() && std::chrono::steady_clock::now() >= next_renew) {
                next_renew = std::chrono::steady_clock::now() + renew_every;
                std::vector<std::int64_t> ids(leased_.begin(), leased_.end());
                auto renew = [&owner, lease, &ids](db::connection& c) { db::renew_leases(c, owner, lease, ids); };
                co_await run_db(rt_.control, renew);
            }
            if (std::chrono::steady_clock::now() >= next_prune) {
                next_prune = std::chrono::steady_clock::now() + std::chrono::minutes(10);
                // A next hop with no connection and no work is forgotten: MX
                // routes make one per recipient domain, which would pile up.
                std::erase_if(hops_, [](auto const& entry) {
                    return entry.second.connections == 0 && entry.second.jobs.empty();
                });
                auto prune = [](db::connection& c) { db::prune_ledger(c); };
                co_await run_db(rt_.control, prune);
            }
            if (std::chrono::steady_clock::now() >= next_depth) {
                // It reads the whole queue, on the connection that claims
                // and records: with a long backlog it is asked less often,
                // so that it never takes more than a twentieth of that
                // connection's time.
                auto const started = std::chrono::steady_clock::now();
                next_depth = started + rt_.cfg.metrics_interval;
                auto depth = [](db::connection& c) { return db::queue_depth(c); };
                auto rows = co_await run_db(rt_.pool, depth);
                next_depth = std::max(next_depth, started + 20 * (std::chrono::steady_clock::now() - started));
                for (auto const* state : {"queued", "deferred", "active", "quarantined", "held"}) {
                    double n = 0, oldest = 0;
                    for (auto const& r : rows)
                        if (r.state == state) {
                            n = static_cast<double>(r.messages);
                            oldest = r.oldest_seconds;
                        }
                    rt_.m.queue_messages.Add({{"state", state}}).Set(n);
                    rt_.m.queue_oldest.Add({{"state", state}}).Set(oldest);
                }
            }
        } catch (std::exception const& e) {
            report_db_failure(rt_.m, "upkeep", "lease renewal or queue depth failed", e);
        }
        upkeep_timer_.expires_after(std::min<std::chrono::milliseconds>(renew_every, rt_.cfg.metrics_interval));
        (void)co_await upkeep_timer_.async_wait(use_tuple);
    }
}

void delivery::hand_off(db::new_message m)
{
    if (stopping_ || m.recipient_ids.size() != m.recipients.size()) {
        // Stopping: the leases are released with the others at the end.
        // No ids (the commit's outcome was learned from the ledger and
        // the ids could not be read back either): the leases lapse and the
        // recipients are claimed then.
        return;
    }
    double const now = seconds_since_epoch(std::chrono::system_clock::now());
    bool const keep_body =
        m.body.size() <= claimed_body_octets && held_body_octets_ + m.body.size() <= held_body_limit;
    std::vector<db::claimed_recipient> taken(m.recipients.size());
    for (std::size_t i = 0; i < taken.size(); ++i) {
        auto& r = taken[i];
        r.id = m.recipient_ids[i];
        r.message_key = m.key;
        r.qid = m.qid;
        r.sender = m.sender;
        r.address = std::move(m.recipients[i].address);
        r.next_hop = std::move(m.recipients[i].next_hop);
        r.notify = std::move(m.recipients[i].notify);
        r.orcpt = std::move(m.recipients[i].orcpt);
        r.options = m.options;
        r.received_at = now;
    }
    if (keep_body)
        taken.front().body = std::move(m.body);
    rt_.m.scheduled_handoff.Increment(static_cast<double>(taken.size()));
    dispatch(std::move(taken));
}

delivery::job delivery::take_job(hop& h)
{
    auto j = std::move(h.jobs.front());
    h.jobs.pop_front();
    if (j.body)
        held_body_octets_ -= j.body->size();
    return j;
}

void delivery::dispatch(std::vector<db::claimed_recipient> claimed)
{
    // One job per (message, next hop): one transaction carries them all.
    // Recipients an administrator bounced form jobs of their own, failed
    // here without a connection, with a DSN like any other failure.
    std::map<std::tuple<std::uint64_t, std::string, bool>, job> grouped;
    for (auto& r : claimed) {
        leased_.insert(r.id);
        auto& j = grouped[{r.message_key, r.next_hop, r.pending_action == "bounce"}];
        if (j.recipients.empty()) {
            j.key = r.message_key;
            j.qid = r.qid;
            j.sender = r.sender;
            j.next_hop = r.next_hop;
            j.received_at = r.received_at;
            j.options = r.options;
        }
        if (r.body && !j.body)
            j.body = std::move(r.body);
        r.body.reset();
        j.recipients.push_back(std::move(r));
    }
    // A job carries at most recipients_per_transaction recipients (Postfix's
    // destination_recipient_limit): RFC 5321 4.5.3.1.8 asks a server to take
    // only 100, and one that takes fewer answers 452 to the rest. Only the
    // first part keeps a body that came with the claim; the others load it.
    std::vector<std::pair<bool, job>> jobs;
    auto const limit = static_cast<std::size_t>(rt_.cfg.recipients_per_transaction);
    for (auto& [k, whole] : grouped) {
        bool const bounced = std::get<2>(k);
        if (bounced || whole.recipients.size() <= limit) {
            jobs.emplace_back(bounced, std::move(whole));
            continue;
        }
        for (std::size_t at = 0; at < whole.recipients.size(); at += limit) {
            job part{.key = whole.key,
                     .qid = whole.qid,
                     .sender = whole.sender,
                     .next_hop = whole.next_hop,
                     .received_at = whole.received_at,
                     .options = whole.options};
            auto const end = std::min(whole.recipients.size(), at + limit);
            part.recipients.assign(std::make_move_iterator(whole.recipients.begin() + static_cast<std::ptrdiff_t>(at)),
                                   std::make_move_iterator(whole.recipients.begin() + static_cast<std::ptrdiff_t>(end)));
            if (at == 0)
                part.body = std::move(whole.body);
            jobs.emplace_back(false, std::move(part));
        }
    }
    std::set<std::string> touched;
    for (auto& [bounced, j] : jobs) {
        auto& progress = progress_[j.key];
        ++progress.jobs;
        progress.qid = j.qid;
        progress.sender = j.sender;
        progress.received_at = j.received_at;
        progress.options = j.options;
        if (bounced) {
            std::vector<queue::outcome> outcomes(
                j.recipients.size(), queue::outcome::permanent("5.0.0", "bounced by the administrator", ""));
            spawn(rt_.io, record(std::move(j), std::move(outcomes), {}), "record");
            continue;
        }
        auto& h = hops_[j.next_hop];
        touched.insert(j.next_hop);
        if (j.body)
            held_body_octets_ += j.body->size();
        // Higher priority first (RFC 6710 4), in arrival order among equals.
        auto const priority = j.options.priority;
        if (h.jobs.empty() || h.jobs.back().options.priority >= priority)
            h.jobs.push_back(std::move(j));
        else
            h.jobs.insert(std::find_if(h.jobs.begin(), h.jobs.end(),
                                       [priority](job const& queued) { return queued.options.priority < priority; }),
                          std::move(j));
    }
    for (auto const& name : touched)
        ensure_connections(name);
}

void delivery::ensure_connections(std::string const& name)
{
    auto& h = hops_[name];
    if (!h.idle)
        h.idle = std::make_unique<asio::steady_timer>(rt_.io);
    // Wake the idle connections first, then open new ones up to the limit.
    auto waiting = static_cast<int>(h.jobs.size());
    waiting -= static_cast<int>(h.idle->cancel());
    while (waiting > 0 && h.connections < rt_.cfg.connections_per_hop) {
        ++h.connections;
        --waiting;
        spawn(rt_.io, connection_loop(name), "delivery " + name);
    }
}

namespace {

// RFC 6531 3.4: a message given with SMTPUTF8 needs it where its envelope
// or its header holds UTF-8; an all-ASCII one may go to any next hop.
template <class Job>
bool needs_smtputf8(Job const& j, std::string_view body)
{
    using mime::has_8bit_octet;
    return has_8bit_octet(j.sender) || has_8bit_octet(queue::header_section(body)) ||
           std::any_of(j.recipients.begin(), j.recipients.end(),
                       [](auto const& r) { return has_8bit_octet(r.address); });
}

// RFC 5321 5.1: the first MX hosts are tried, not a list without end
// (Postfix's smtp_mx_address_limit counts addresses; five hosts here).
constexpr std::size_t mx_hosts_tried = 5;

} // namespace

task<std::unique_ptr<smtp_client_session>> delivery::open_session(beast::tcp_stream& stream, std::string const& host)
{
    auto const ep = stream.socket().remote_endpoint();
    auto remote = host + "[" + ep.address().to_string() + "]:" + std::to_string(ep.port());
    // Commands and bodies are written whole: no write waits for an ACK
    // (see run_listener in smtp_server/session.cpp).
    error_code nec;
    stream.socket().set_option(tcp::no_delay(true), nec);
    co_return std::make_unique<smtp_client_session>(stream.release_socket(), std::move(remote),
                                                    rt_.cfg.client_timeouts, rt_.cfg.hostname, rt_.m);
}

// RFC 5321 5.1: the domain's MX hosts by preference, each of its addresses
// in turn; no MX record, the domain itself; an address literal, that
// address. No such domain, or a null MX (RFC 7505), fails the recipients
// at once; a lookup that fails for now defers them.
task<std::unique_ptr<smtp_client_session>> delivery::connect_mx(std::string const& domain, std::uint16_t port,
                                                                queue::outcome& failure, std::string& host)
{
    auto const server = rt_.cfg.dns_server;
    std::string literal = domain.starts_with("ipv6:") ? domain.substr(5) : domain;
    error_code bad;
    (void)asio::ip::make_address(literal, bad);
    std::vector<std::string> hosts;
    bool implicit = false;
    if (bad) {
        literal.clear();
        auto const seed = static_cast<std::uint32_t>(random_());
        auto find_mx = [&domain, &server, seed] { return lookup_mx(domain, server, seed); };
        auto mx = co_await run_on(dns_, find_mx);
        if (mx.status == dns_status::no_domain) {
            failure = queue::outcome::permanent("5.4.4", "domain " + domain + " not found in the DNS", "");
            co_return nullptr;
        }
        if (mx.status == dns_status::null_mx) {
            failure = queue::outcome::permanent("5.1.10", "domain " + domain + " accepts no mail (null MX)", "");
            co_return nullptr;
        }
        if (mx.status == dns_status::failed) {
            failure = queue::outcome::transient("4.4.3", "MX lookup for " + domain + ": " + mx.why, "");
            co_return nullptr;
        }
        implicit = mx.hosts.empty();
        hosts = implicit ? std::vector<std::string>{domain} : std::move(mx.hosts);
        // RFC 5321 5.1: our own name among the MX hosts ends the list there
        // (we are a better way to the domain than those after us); when it
        // leads, the mail would come back to us.
        auto const self = std::find_if(hosts.begin(), hosts.end(),
                                       [this](std::string const& h) { return mime::iequals(h, rt_.cfg.hostname); });
        if (!implicit && self == hosts.begin()) {
            failure = queue::outcome::permanent("5.4.6", "mail for " + domain + " loops back to myself", "");
            co_return nullptr;
        }
        if (!implicit)
            hosts.erase(self, hosts.end());
        if (hosts.size() > mx_hosts_tried)
            hosts.resize(mx_hosts_tried);
    } else {
        hosts = {literal};
    }
    std::string last = "no MX host has an address";
    for (auto const& name : hosts) {
        std::vector<std::string> addresses;
        if (!literal.empty()) {
            addresses = {literal};
        } else {
            auto find_addresses = [&name, &server] { return lookup_addresses(name, server); };
            auto a = co_await run_on(dns_, find_addresses);
            if (implicit && a.status != dns_status::failed && a.addresses.empty()) {
                failure = queue::outcome::permanent("5.4.4", "domain " + domain + " has no MX and no address", "");
                co_return nullptr;
            }
            if (a.status == dns_status::failed)
                last = "address lookup for " + name + ": " + a.why;
            addresses = std::move(a.addresses);
        }
        for (auto const& address : addresses) {
            beast::tcp_stream stream(rt_.io);
            stream.expires_after(rt_.cfg.client_timeouts.connect);
            auto [ec] = co_await stream.async_connect(tcp::endpoint(asio::ip::make_address(address, bad), port),
                                                      use_tuple);
            if (!ec) {
                host = name;
                co_return co_await open_session(stream, name);
            }
            last = "connect to " + name + "[" + address + "]:" + std::to_string(port) + ": " + ec.message();
        }
    }
    failure = queue::outcome::transient("4.4.1", "no MX host of " + domain + " took a connection; last: " + last, "");
    co_return nullptr;
}

task<std::unique_ptr<smtp_client_session>> delivery::connect(std::string const& name, queue::outcome& failure,
                                                             std::string& host)
{
    std::uint16_t port = 25;
    if (std::string domain; split_mx_hop(name, domain, port))
        co_return co_await connect_mx(domain, port, failure, host);
    if (!split_host_port(name, host, port)) {
        failure = queue::outcome::transient("4.3.5", "bad next hop " + name, "");
        co_return nullptr;
    }
    tcp::resolver resolver(rt_.io);
    auto [rec, endpoints] = co_await resolver.async_resolve(host, std::to_string(port), use_tuple);
    if (rec) {
        failure = queue::outcome::transient("4.4.4", "cannot resolve " + host + ": " + rec.message(), "");
        co_return nullptr;
    }
    beast::tcp_stream stream(rt_.io);
    stream.expires_after(rt_.cfg.client_timeouts.connect);
    auto [cec, ep] = co_await stream.async_connect(endpoints, use_tuple);
    if (cec) {
        failure = queue::outcome::transient("4.4.1", "connect to " + name + ": " + cec.message(), "");
        co_return nullptr;
    }
    co_return co_await open_session(stream, host);
}

client_tls delivery::tls_for(std::string const& next_hop, std::string const& host, std::string& why)
{
    auto const policy = rt_.routes->tls_for(next_hop);
    client_tls out;
    out.level = policy.level;
    out.host = policy.name.empty() ? host : policy.name;
    if (policy.level == tls_level::none)
        return out;
    auto const ca = policy.level == tls_level::verify ? policy.ca_file : std::string();
    auto& ctx = client_contexts_[ca];
    if (!ctx)
        ctx = make_client_tls(ca, why);
    out.context = ctx;
    if (policy.fallback && plaintext_once_.erase(next_hop))
        out.plaintext = true;
    return out;
}

void delivery::fail_all_queued(std::string const& name, queue::outcome const& o)
{
    auto& h = hops_[name];
    while (!h.jobs.empty()) {
        auto j = take_job(h);
        std::vector<queue::outcome> outcomes(j.recipients.size(), o);
        spawn(rt_.io, record(std::move(j), std::move(outcomes), {}), "record");
    }
}

task<void> delivery::connection_loop(std::string name)
{
    struct leave {
        hop& h;
        ~leave() { --h.connections; }
    } guard{hops_[name]};
    auto& h = hops_[name];
    queue::outcome failure;
    std::unique_ptr<smtp_client_session> session;
    try {
        std::string host;
        session = co_await connect(name, failure, host);
        if (session) {
            std::string why;
            auto tls = tls_for(name, host, why);
            if (tls.level != tls_level::none && !tls.context) {
                failure = queue::outcome::transient("4.7.5", "TLS for " + name + " cannot be set up: " + why, "");
                session.reset();
            } else if (auto refused = co_await session->open(tls)) {
                failure = *refused;
                session.reset();
            }
        }
    } catch (peer_error const& e) {
        failure = queue::outcome::transient(e.status(), e.what(), session ? session->remote() : "");
        if (session && session->handshake_failed() && rt_.routes->tls_for(name).fallback)
            plaintext_once_.insert(name);
        if (session)
            failure.tls = session->tls_summary();
        session.reset();
    }
    struct registered {
        std::set<smtp_client_session*>& set;
        smtp_client_session* s;
        ~registered()
        {
            if (s)
                set.erase(s);
        }
    } registration{clients_, session.get()};
    if (session)
        clients_.insert(session.get());
    if (!session) {
        // The next hop is unreachable or refuses service: every job queued
        // for it now shares the verdict (host-level backoff, not one
        // connection attempt per message against a dead host).
        fail_all_queued(name, failure);
        co_return;
    }
    while (session->usable()) {
        if (h.jobs.empty()) {
            if (stopping_)
                break;
            h.idle->expires_after(rt_.cfg.connection_idle);
            auto [ec] = co_await h.idle->async_wait(use_tuple);
            if (!ec || h.jobs.empty())
                break;   // idle for long enough, or woken with nothing to do
            continue;
        }
        auto j = take_job(h);
        if (j.options.require_tls) {
            // RFC 8689 4.2.1: TLS with a certificate verified for the next
            // hop, and a next hop that offers REQUIRETLS, or no delivery:
            // the sender asked that the message never travel otherwise.
            std::string missing;
            if (!session->tls_summary().ends_with(":verified"))
                missing = session->tls_summary() == "none" ? "no TLS" : "TLS without a verified certificate";
            else if (!session->capabilities().require_tls)
                missing = "REQUIRETLS not offered";
            if (!missing.empty()) {
                std::vector<queue::outcome> refused(
                    j.recipients.size(),
                    queue::outcome::permanent("5.7.30", "REQUIRETLS support required: " + missing + " at " +
                                                            session->remote(), session->remote()));
                co_await record(std::move(j), std::move(refused), {});
                continue;
            }
        }
        std::optional<std::string> body = std::move(j.body);
        j.body.reset();
        std::string db_trouble;
        try {
            auto load = [key = j.key](db::connection& c) { return db::load_body(c, key); };
            if (!body)
                body = co_await run_db(rt_.pool, load);
        } catch (std::exception const& e) {
            report_db_failure(rt_.m, j.qid, "cannot load the message", e);
            db_trouble = e.what();
        }
        if (!db_trouble.empty()) {
            // Recording will likely fail too; then the lease runs out and
            // the recipients are claimed again when the database is back.
            std::vector<queue::outcome> o(j.recipients.size(),
                                          queue::outcome::transient("4.3.0", "queue unavailable: " + db_trouble, ""));
            co_await record(std::move(j), std::move(o), {});
            continue;
        }
        if (!body) {
            // Another process finished this message while we held a stale
            // claim: nothing to send, nothing to record.
            release(j);
            co_await job_ended(j.key);
            continue;
        }
        if (j.options.smtputf8 && !session->capabilities().smtputf8 && needs_smtputf8(j, *body)) {
            // RFC 6531 3.4: not to a next hop without SMTPUTF8 (Postfix's words).
            std::vector<queue::outcome> refused(
                j.recipients.size(), queue::outcome::permanent("5.6.7", "SMTPUTF8 is required, but was not offered by " +
                                                                           session->remote(), session->remote()));
            co_await record(std::move(j), std::move(refused), {});
            continue;
        }
        envelope_to_send e;
        e.reverse_path = j.sender;
        e.options = j.options;
        for (auto const& r : j.recipients) {
            e.forward_paths.push_back(r.address);
            e.notify.push_back(r.notify);
            e.orcpt.push_back(r.orcpt);
        }
        e.body = *body;
        std::string seven_bit;
        if (!session->capabilities().eight_bit_mime && mime::needs_7bit_downgrade(*body)) {
            // RFC 6152: a next hop without 8BITMIME gets 7-bit only.
            mime::sanitize_options options;
            options.seven_bit = true;
            // The time budget as a step budget that the sanitizer checks as
            // it goes: a hostile message stops early instead of running to
            // the end and being found too slow afterwards.
            options.parse_limits.max_steps = mime::step_budget(rt_.cfg.conversion_budget);
            // On the MIME pool: the I/O thread goes on serving the others.
            auto convert = [&body, options] { return mime::sanitize(*body, options); };
            auto r = co_await run_cpu(rt_, convert);
            if (r.over_limit) {
                // The conversion exceeds a limit or its time budget: try
                // again later, and after quarantine_after attempts set the
                // recipients aside instead of converting it for ever.
                auto const why = std::string("conversion to 7 bit for ") + session->remote() +
                                 " exceeds a MIME limit or its budget (steps=" + std::to_string(r.steps) + ")";
                bool const last = j.recipients.front().attempts + 1 >= rt_.cfg.quarantine_after;
                auto o = queue::outcome::transient("4.6.5", why, session->remote());
                if (last)
                    o.kind = queue::outcome_kind::quarantined;
                std::vector<queue::outcome> set_aside(e.forward_paths.size(), o);
                co_await record(std::move(j), std::move(set_aside), *body);
                continue;
            }
            log(j.qid, "mime downgraded to 7bit relay=" + session->remote() + " changes=" + rt_.m.count_repairs(r.changes));
            seven_bit = std::move(r.message);
            e.body = seven_bit;
        }
        std::vector<queue::outcome> outcomes;
        try {
            outcomes = co_await session->send(e);
            // RFC 3461 5.2: a next hop that offers DSN took the NOTIFY with
            // the message, and reports success itself.
            if (session->capabilities().dsn)
                for (auto& o : outcomes)
                    o.notify_passed_on = true;
        } catch (peer_error const& x) {
            outcomes.assign(j.recipients.size(), queue::outcome::transient(x.status(), x.what(), session->remote()));
        }
        for (auto& o : outcomes)
            o.tls = session->tls_summary();
        co_await record(std::move(j), std::move(outcomes), *body);
    }
    if (session->usable())
        co_await session->quit();
    if (!h.jobs.empty() && !stopping_)
        ensure_connections(name);   // a broken connection left work behind
}

void delivery::release(std::vector<std::int64_t> const& ids)
{
    for (auto id : ids)
        leased_.erase(id);
}

void delivery::release(job const& j)
{
    for (auto const& r : j.recipients)
        leased_.erase(r.id);
}

task<void> delivery::record(job j, std::vector<queue::outcome> outcomes, std::string_view)
{
    auto const now = std::chrono::system_clock::now();
    double const now_s = seconds_since_epoch(now);
    std::uniform_real_distribution<double> spread(-1.0, 1.0);
    std::vector<db::recipient_result> results;
    std::vector<std::int64_t> recorded_ids;
    bool deferred = false;
    auto const arrival = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(j.received_at)));
    auto& progress = progress_[j.key];
    for (std::size_t i = 0; i < j.recipients.size(); ++i) {
        auto const& r = j.recipients[i];
        auto const s =
            queue::settle(outcomes[i], rt_.cfg.retry, arrival, r.attempts, now, spread(random_), r.delay_reported);
        auto const& o = s.result;
        db::recipient_result res;
        res.id = r.id;
        res.kind = o.kind;
        // Whatever the next hop said goes into a text column and a DSN: as
        // printable ASCII, bounded.
        res.reply = printable(o.diagnostic, 900);
        res.next_attempt = s.next_attempt ? seconds_since_epoch(*s.next_attempt) : 0;
        res.delay_due = s.delay_due;
        res.address = r.address;
        res.next_hop = r.next_hop;
        res.remote = o.remote_host;
        res.tls = o.tls == "none" ? std::string() : o.tls;
        double const delay = now_s - j.received_at;
        log(j.qid, "to=<" + printable(r.address) + ">, relay=" + (o.remote_host.empty() ? "none" : o.remote_host) +
                       ", delay=" + fixed(delay) + ", attempts=" + std::to_string(r.attempts + 1) +
                       (o.tls.empty() || o.tls == "none" ? "" : ", tls=" + o.tls) + ", dsn=" + o.dsn_status + ", status=" + std::string(queue::outcome_name(o.kind)) + " (" +
                       printable(o.diagnostic, 300) + ")");
        switch (o.kind) {
        case queue::outcome_kind::delivered:
            rt_.m.messages_delivered.Increment();
            rt_.m.delivery_latency.Observe(delay);
            break;
        case queue::outcome_kind::deferred:
            rt_.m.messages_deferred.Increment();
            deferred = true;
            break;
        case queue::outcome_kind::quarantined:
            rt_.m.messages_quarantined.Increment();
            break;
        case queue::outcome_kind::failed:
            rt_.m.messages_failed.Increment();
            rt_.m.delivery_latency.Observe(delay);
            break;
        }
        if (auto const action = queue::notice_for(o.kind, r.notify, o.notify_passed_on, s.delay_due);
            !action.empty()) {
            // Recorded with the DSN, once every job of the message has ended.
            std::optional<queue::clock_time> until;
            if (s.delay_due)
                until = arrival + rt_.cfg.retry.lifetime;
            progress.notices.push_back({res, {r.address, std::string(action), o.dsn_status, res.reply,
                                              o.remote_host.substr(0, o.remote_host.find('[')), r.orcpt, until}});
            continue;
        }
        results.push_back(std::move(res));
        recorded_ids.push_back(r.id);
    }
    auto const delivered = [](db::recipient_result const& r) { return r.kind == queue::outcome_kind::delivered; };
    bool const all_delivered = !results.empty() && results.size() == j.recipients.size() &&
                               std::all_of(results.begin(), results.end(), delivered);
    if (all_delivered) {
        finished_.push_back({j.key, std::move(results)});
        if (!finishing_) {
            finishing_ = true;
            spawn(rt_.io, finish(), "finish");
        } else if (finished_.size() >= finish_batch) {
            finish_timer_.cancel();
        }
    } else if (!results.empty()) {
        auto const owner = rt_.owner;
        auto const key = j.key;
        try {
            std::vector<db::new_message> none;
            auto store = [&owner, key, &results, &none](db::connection& c) {
                return db::record_attempt(c, owner, key, results, none);
            };
            co_await run_db(rt_.pool, store);
        } catch (std::exception const& e) {
            // The leases lapse and the recipients are tried again: a
            // duplicate at worst, never a loss.
            report_db_failure(rt_.m, j.qid, "cannot record the outcome, will retry after the lease", e);
        }
        release(recorded_ids);
    }
    co_await job_ended(j.key);
    // A deferral may leave the recipient due at once (an administrator's
    // retry or bounce waited for it); room freed may let a cut claim go on.
    // Otherwise nothing became due: no claim that would find nothing.
    if (!stopping_ && (deferred || claim_cut_by_room_))
        wake();
}

task<void> delivery::finish()
{
    auto const owner = rt_.owner;
    for (;;) {
        if (!stopping_ && finished_.size() < finish_batch) {
            finish_timer_.expires_after(finish_window);
            (void)co_await finish_timer_.async_wait(use_tuple);
        }
        if (finished_.empty())
            break;
        auto const batch = std::exchange(finished_, {});
        try {
            auto store = [&owner, &batch](db::connection& c) { return db::finish_delivered(c, owner, batch); };
            co_await run_db(rt_.pool, store);
        } catch (std::exception const& e) {
            // The leases lapse and the recipients are tried again: a
            // duplicate at worst, never a loss.
            report_db_failure(rt_.m, "delivery", "cannot record the outcomes, will retry after the lease", e);
        }
        for (auto const& m : batch)
            for (auto const& r : m.results)
                leased_.erase(r.id);
        if (!stopping_ && claim_cut_by_room_)
            wake();   // room freed may let a cut claim go on
    }
    finishing_ = false;
}

task<void> delivery::job_ended(std::uint64_t key)
{
    auto it = progress_.find(key);
    if (it == progress_.end() || --it->second.jobs > 0)
        co_return;
    auto progress = std::move(it->second);
    progress_.erase(it);
    if (!progress.notices.empty())
        co_await notify_sender(key, std::move(progress));
}

// Every outcome of the message from this claim that the sender is to hear
// of (failures, deferrals whose delay report is due, and successes
// NOTIFY=SUCCESS asked for that no next hop will report), recorded in one
// transaction with the one DSN that lists them (RFC 3464), while we hold
// their leases (record_final checks the owner); a null reverse path gets
// no DSN (RFC 5321 4.5.5), and neither does a sender we have no route to.
task<void> delivery::notify_sender(std::uint64_t key, message_progress progress)
{
    // Postfix's words for the log: a failure makes it a non-delivery
    // notification, else a delay makes it a delay notification.
    std::string_view kind = "delivery";
    for (auto const& f : progress.notices) {
        if (f.notice.action == "failed") {
            kind = "non-delivery";
            break;
        }
        if (f.notice.action == "delayed")
            kind = "delay";
    }
    std::vector<db::recipient_result> results;
    std::vector<std::int64_t> ids;
    queue::dsn_request req;
    for (auto& f : progress.notices) {
        ids.push_back(f.result.id);
        results.push_back(std::move(f.result));
        req.recipients.push_back(std::move(f.notice));
    }
    std::vector<db::new_message> dsns;
    if (!progress.sender.empty()) {
        auto const at = progress.sender.rfind('@');
        auto const routes = rt_.routes;
        auto const sender_domain = at == std::string::npos ? rt_.cfg.hostname : progress.sender.substr(at + 1);
        auto const* route = routes->resolve(sender_domain);
        if (!route) {
            warn(progress.qid, "sender " + std::string(kind) +
                                   " notification not sent: no route for <" + printable(progress.sender) + ">");
        } else {
            db::new_message d;
            d.recipients.push_back({progress.sender, route->next_hop_for(sender_domain)});
            d.client = "local";
            // RFC 8689 4.3: the report on a REQUIRETLS message travels as
            // it would have, and returns no content.
            d.options.require_tls = progress.options.require_tls;
            d.options.smtputf8 = progress.options.smtputf8;
            dsns.push_back(std::move(d));
        }
    }
    req.reporting_mta = rt_.cfg.hostname;
    req.qid = progress.qid;
    req.original_sender = progress.sender;
    req.arrival = std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::duration<double>(progress.received_at)));
    req.now = std::chrono::system_clock::now();
    req.envid = progress.options.dsn_envid;
    req.return_full = progress.options.dsn_ret == "FULL" && !progress.options.require_tls;
    req.utf8 = progress.options.smtputf8;
    auto const owner = rt_.owner;
    try {
        // The DSN's key, the original header and the composition happen on
        // the database thread, in the job that records the failures.
        // Enough for any header a DSN returns, and for a whole message
        // that RET=FULL returns (queue::returned_message_limit).
        constexpr std::size_t head_octets = 64 * 1024;
        auto store = [&keys = rt_.keys, &owner, key, &results, &dsns, &req](db::connection& c) {
            if (!dsns.empty()) {
                auto& dsn = dsns.back();
                dsn.key = keys.take(c);
                dsn.qid = queue::render_qid(dsn.key);
                auto head = db::load_head(c, key, head_octets);
                auto const original = head ? *head : std::string();
                req.original_complete = original.size() < head_octets;
                req.message_id = dsn.qid + "." + req.qid + "@" + req.reporting_mta;
                req.original_message = original;
                dsn.body = queue::compose_dsn(req);
                req.original_message = {};
            }
            return db::record_attempt(c, owner, key, results, dsns);
        };
        co_await run_db(rt_.pool, store);
        for (auto const& d : dsns) {
            rt_.m.dsn_generated.Increment();
            log(progress.qid, "sender " + std::string(kind) + " notification: " + d.qid +
                                  " nrcpt=" + std::to_string(results.size()));
            log(d.qid, "queued from=<> nrcpt=1 size=" + std::to_string(d.body.size()) + " dsn_for=" + progress.qid);
        }
    } catch (std::exception const& e) {
        // Recording the failure without its notification would lose the
        // notification: nothing is recorded; the leases lapse and the
        // attempt is made again.
        report_db_failure(rt_.m, progress.qid, "cannot record the failures and their notification, will retry", e);
    }
    release(ids);
    if (!dsns.empty())
        wake();
}

} // namespace x400gw::gateway
