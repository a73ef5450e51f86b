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

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace x400gw::db {

class committer {
public:
    // `done` receives nullptr on success, else the error (a db::error).
    using done_fn = std::function<void(std::exception_ptr)>;
    // Called after every transaction with its duration and batch size.
    using observe_fn = std::function<void(double seconds, std::size_t messages, bool ok)>;

    committer(std::string conninfo, std::size_t max_batch, observe_fn observe);
    ~committer();

    void submit(new_message const* m, done_fn done);   // *m must live until done runs
    void stop();                                        // commits what is queued, then joins

private:
    struct pending {
        new_message const* message;
        done_fn done;
    };
    void run();
    void commit(std::vector<pending>& batch);

    connection conn_;
    std::size_t max_batch_;
    observe_fn observe_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<pending> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace x400gw::db
