// db/committer.hpp
//
// Group commit: the single owner of the path from end of data to a durable
// row. Sessions submit their messages; a lane's thread takes everything
// that arrived while its previous transaction was committing and commits it
// in one transaction, one round trip and one WAL flush (synchronous_commit
// is forced on for its connection). Each submitter then hears, on its own
// thread of choice, either success or the error, and only on success does
// the session answer 250. Throughput and durability live together this way:
// 50 sessions cost one fsync per batch, not 50.
//
// Two lanes, each with its own thread and connection: bodies of at least
// `large_body` octets go to the second, so that the second or so it takes
// PostgreSQL to receive, compress and TOAST a 50 MB body is not a wait for
// every small message that arrived meanwhile (bench/stall measured that as
// the tail of their time to 250). The large lane connects on its first
// message and disconnects after `large_idle` without one, so a gateway that
// never sees large mail keeps one backend fewer.
#pragma once

#include "db/store.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace x400gw::db {

//
// Bounded, so that a stalled database never holds every session and its
// message in memory: at most `max_queued` messages wait in each lane, and
// one that has waited past its deadline when its turn comes is answered
// with an error (451 to the client) instead of being committed. A
// transaction already under way is bounded by the connection's
// statement_timeout and TCP keepalives, and its outcome, when the
// connection breaks, is read back from the commit ledger: success is
// reported only for a batch that committed.
class committer {
public:
    using clock = std::chrono::steady_clock;
    // `done` receives nullptr on success, else the error (a db::error).
    using done_fn = std::function<void(std::exception_ptr)>;
    // Called after every transaction with its duration and batch size.
    using observe_fn = std::function<void(double seconds, std::size_t messages, bool ok)>;

    struct settings {
        std::size_t max_batch = 256;
        std::size_t max_queued = 4096;
        std::string setup;   // run on every (re)connect, after synchronous_commit = on
        std::size_t large_body = 1024 * 1024;           // octets; from here on, the large lane
        clock::duration large_idle = std::chrono::seconds(60);
    };
    committer(std::string conninfo, settings s, observe_fn observe);
    ~committer();

    // *m must live until done runs. False, and `done` dropped unrun, when
    // its lane's queue is full: the caller answers 451 at once.
    bool submit(new_message* m, clock::time_point deadline, done_fn done);
    void stop();                                        // commits what is queued, then joins

    // Which lane a body of `octets` goes to: 0 small, 1 large.
    static int lane_of(std::size_t octets, settings const& s) noexcept { return octets >= s.large_body ? 1 : 0; }

private:
    struct pending {
        new_message* message;
        clock::time_point deadline;
        done_fn done;
    };
    struct lane {
        lane(std::string const& conninfo, std::string const& setup) : conn(conninfo, setup) {}
        connection conn;
        std::mutex mutex;
        std::condition_variable wake;
        std::deque<pending> queue;
        bool stopping = false;
        std::thread thread;
    };
    void run(lane& l, std::optional<clock::duration> idle);
    void commit(lane& l, std::vector<pending>& batch);
    void commit_or_learn(connection& c, std::span<new_message* const> messages);

    settings settings_;
    observe_fn observe_;
    lane small_;
    lane large_;
};

} // namespace x400gw::db
