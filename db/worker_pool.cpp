// db/worker_pool.cpp
#include "db/worker_pool.hpp"

namespace x400gw::db {

worker_pool::worker_pool(std::string conninfo, std::string setup, int threads, std::chrono::milliseconds idle)
    : idle_(idle)
{
    for (int i = 0; i < threads; ++i)
        connections_.push_back(std::make_unique<connection>(conninfo, setup));
    for (auto& c : connections_)
        threads_.emplace_back([this, conn = c.get()] { run(*conn); });
}

worker_pool::~worker_pool() { stop(); }

void worker_pool::post(job j)
{
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(j));
    }
    wake_.notify_one();
}

void worker_pool::stop()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_)
        if (t.joinable())
            t.join();
}

void worker_pool::run(connection& c)
{
    for (;;) {
        job j;
        {
            std::unique_lock lock(mutex_);
            auto const ready = [&] { return stopping_ || !jobs_.empty(); };
            if (idle_ > idle_.zero() && c.healthy() && !wake_.wait_for(lock, idle_, ready))
                c.close();
            wake_.wait(lock, ready);
            if (jobs_.empty())
                return;
            j = std::move(jobs_.front());
            jobs_.pop_front();
        }
        j(c);   // jobs catch their own errors: see gateway/db_bridge.hpp
    }
}

} // namespace x400gw::db
