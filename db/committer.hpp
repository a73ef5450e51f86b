// db/committer.hpp
//
// Group commit: the single owner of the path from end of data to a durable
// row. Sessions submit their messages; one thread takes everything that
// arrived while the previous transaction was committing and commits it in
// one transaction, one round trip and one WAL flush (synchronous_commit is
// forced on for this connection). Each submitter then hears, on its own
// thread of choice, either success or the error, and only on success does
// the session answer 250. Throughput and durability live together this way:
// 50 sessions cost one fsync per batch, not 50.
#pragma once

#include "db/store.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace x400gw::db {

//
// Bounded, so that a stalled database never holds every session and its
// message in memory: at most `max_queued` messages wait, and one that has
// waited past its deadline when its turn comes is answered with an error
// (451 to the client) instead of being committed. A transaction already
// under way is bounded by the connection's statement_timeout and TCP
// keepalives, and its outcome, when the connection breaks, is read back
// from the commit ledger: success is reported only for a batch that
// committed.
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
    };
    committer(std::string conninfo, settings s, observe_fn observe);
    ~committer();

    // *m must live until done runs. False, and `done` dropped unrun, when
    // the queue is full: the caller answers 451 at once.
    bool submit(new_message const* m, clock::time_point deadline, done_fn done);
    void stop();                                        // commits what is queued, then joins

private:
    struct pending {
        new_message const* message;
        clock::time_point deadline;
        done_fn done;
    };
    void run();
    void commit(std::vector<pending>& batch);

    void commit_or_learn(std::span<new_message const* const> messages);

    connection conn_;
    settings settings_;
    observe_fn observe_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<pending> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace x400gw::db
