// gateway/smtp_client/delivery.hpp
//
// The scheduler and the delivery loops. The scheduler claims due
// recipients from the shared queue (FOR UPDATE SKIP LOCKED, with a lease
// this process renews while it lives), groups them by message and next
// hop, and hands them to that next hop's connections: at most
// connections_per_hop at once, each reused for job after job until it has
// been idle for connection_idle. Outcomes are recorded as they come: 2xx
// delivered, 4xx or trouble deferred with backoff, 5xx or the end of the
// queue lifetime failed, with a DSN to a non-null sender.
#pragma once

#include "db/store.hpp"
#include "gateway/runtime.hpp"
#include "gateway/smtp_client/session.hpp"
#include "queue/dsn.hpp"

#include <boost/asio/thread_pool.hpp>

#include <deque>
#include <map>
#include <random>
#include <set>

namespace x400gw::gateway {

class delivery {
public:
    explicit delivery(runtime& rt);

    task<void> run();          // the scheduler, until stop()
    task<void> run_upkeep();   // lease renewal and queue-depth metrics, until stop()
    void wake();               // something became due here
    // A message this process has just committed with its recipients leased
    // to itself (db::new_message::lease_owner), delivered from memory: no
    // claim, and no reading back of a small body. Whether one more is
    // welcome is asked before the commit, so that a full scheduler's
    // messages are committed unleased and claimed in their turn. A message
    // of raised priority (RFC 6710) is taken up to twice the room, ahead of
    // a backlog that waits in the database in the order it became due.
    bool takes_hand_off(int priority = 0) const noexcept
    {
        return !stopping_ && in_flight() < rt_.cfg.max_in_flight * (priority > 0 ? 2 : 1);
    }
    void hand_off(db::new_message m);
    void stop();               // no new claims; deliveries under way go on
    void abort();              // the grace is over: close the connections still open
    int in_flight() const noexcept { return static_cast<int>(leased_.size()); }

private:
    struct job {
        std::uint64_t key = 0;
        std::string qid;
        std::string sender;
        std::string next_hop;
        double received_at = 0;
        queue::message_options options;   // its priority orders a next hop's jobs (RFC 6710)
        std::vector<db::claimed_recipient> recipients;
        std::optional<std::string> body;   // came with the claim (small messages); else loaded before sending
    };
    struct hop {
        std::deque<job> jobs;
        int connections = 0;
        std::unique_ptr<asio::steady_timer> idle;   // idle connections wait here for work
    };

    // A recipient the sender is to hear of (failed, delayed, or relayed
    // with NOTIFY=SUCCESS), held until every job of its message from the same
    // claim has ended, so that one DSN lists all of them.
    struct held_notice {
        db::recipient_result result;
        queue::dsn_recipient notice;
    };
    struct message_progress {
        int jobs = 0;                 // jobs of this message not yet ended
        std::string qid;
        std::string sender;
        double received_at = 0;
        queue::message_options options;   // RET and ENVID shape its reports; REQUIRETLS and SMTPUTF8 go with them
        std::vector<held_notice> notices;
    };

    void dispatch(std::vector<db::claimed_recipient> claimed);
    job take_job(hop& h);   // the next queued job of h
    // The job's recipients are no longer ours to renew (recorded, or left to
    // lapse because they could not be).
    void release(job const& j);
    void release(std::vector<std::int64_t> const& ids);
    task<void> job_ended(std::uint64_t key);
    task<void> notify_sender(std::uint64_t key, message_progress progress);
    void ensure_connections(std::string const& name);
    task<void> connection_loop(std::string name);
    // A connection to the next hop `name`; `host` is the host name it
    // reached (an MX host, for an MX hop), for TLS.
    task<std::unique_ptr<smtp_client_session>> connect(std::string const& name, queue::outcome& failure,
                                                       std::string& host);
    task<std::unique_ptr<smtp_client_session>> connect_mx(std::string const& domain, std::uint16_t port,
                                                          queue::outcome& failure, std::string& host);
    task<std::unique_ptr<smtp_client_session>> open_session(beast::tcp_stream& stream, std::string const& host);
    task<void> record(job j, std::vector<queue::outcome> outcomes, std::string_view body);
    // Writes the messages in finished_, a window's worth at a time, until a
    // window passes with none.
    task<void> finish();
    void fail_all_queued(std::string const& name, queue::outcome const& o);

    // The TLS a connection to `next_hop` (host:port) must have, by its route.
    client_tls tls_for(std::string const& next_hop, std::string const& host, std::string& why);

    runtime& rt_;
    std::map<std::string, hop> hops_;
    std::map<std::string, std::shared_ptr<asio::ssl::context>> client_contexts_;   // by CA file ("": none)
    // Next hops whose last handshake failed, with a route that allows one
    // attempt in plaintext afterwards (tls_fallback).
    std::set<std::string> plaintext_once_;
    std::set<smtp_client_session*> clients_;   // open outbound connections
    std::map<std::uint64_t, message_progress> progress_;   // by message key
    std::set<std::int64_t> leased_;   // claimed and not yet recorded: the leases we renew
    // Messages whose attempt delivered every recipient, not yet written:
    // one statement deletes a window's worth of them (db::finish_delivered).
    // Their recipients stay in leased_ until then.
    std::vector<db::delivered_message> finished_;
    bool finishing_ = false;   // finish() is running
    bool stopping_ = false;
    bool woken_ = false;
    // The last claim took fewer than it would have but for max_in_flight:
    // an outcome that frees room wakes the scheduler to claim the rest.
    bool claim_cut_by_room_ = false;
    std::size_t held_body_octets_ = 0;   // bodies of jobs queued in hops_
    asio::steady_timer wake_timer_;
    asio::steady_timer upkeep_timer_;
    asio::steady_timer finish_timer_;
    std::mt19937_64 random_;
    // MX and address lookups, which block in libresolv (dns.hpp): off the
    // I/O thread, two at a time.
    asio::thread_pool dns_{2};
};

} // namespace x400gw::gateway
