// db/worker_pool.hpp
//
// A few threads, each with its own connection, that run database jobs so
// that no I/O thread ever blocks in libpq. Jobs run in the order posted on
// whichever thread is free. The gateway wraps post() into an awaitable.
#pragma once

#include "db/connection.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace x400gw::db {

class worker_pool {
public:
    using job = std::function<void(connection&)>;

    // `idle`, when not zero: a thread that has had no job for that long
    // closes its connection, and opens it again for the next job.
    worker_pool(std::string conninfo, std::string setup, int threads,
                std::chrono::milliseconds idle = std::chrono::milliseconds::zero());
    ~worker_pool();

    void post(job j);
    // Runs what is queued, then joins the threads.
    void stop();

private:
    void run(connection& c);

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<job> jobs_;
    std::chrono::milliseconds idle_;
    bool stopping_ = false;
    std::vector<std::unique_ptr<connection>> connections_;
    std::vector<std::thread> threads_;
};

} // namespace x400gw::db
