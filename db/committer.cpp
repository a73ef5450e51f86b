// db/committer.cpp
#include "db/committer.hpp"

#include <chrono>

namespace x400gw::db {

committer::committer(std::string conninfo, std::size_t max_batch, observe_fn observe)
    : conn_(std::move(conninfo), "SET synchronous_commit = on"), max_batch_(max_batch), observe_(std::move(observe)),
      thread_([this] { run(); })
{
}

committer::~committer() { stop(); }

void committer::submit(new_message const* m, done_fn done)
{
    {
        std::lock_guard lock(mutex_);
        queue_.push_back({m, std::move(done)});
    }
    wake_.notify_one();
}

void committer::stop()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

void committer::run()
{
    std::vector<pending> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty())
                return;
            while (!queue_.empty() && batch.size() < max_batch_) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        commit(batch);
        batch.clear();
    }
}

void committer::commit(std::vector<pending>& batch)
{
    auto const started = std::chrono::steady_clock::now();
    auto seconds = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    std::vector<new_message const*> messages;
    messages.reserve(batch.size());
    for (auto const& p : batch)
        messages.push_back(p.message);
    try {
        try {
            commit_messages(conn_, messages);
        } catch (error const& e) {
            // A connection broken since the last batch (the server restarted)
            // fails the first statement: try once more on a new connection.
            // If the broken one had in fact committed, the keys now exist
            // (unique violation): the batch is durable, which is success.
            if (!e.transient() || conn_.healthy())
                throw;
            try {
                commit_messages(conn_, messages);
            } catch (error const& again) {
                if (again.sqlstate() != "23505")
                    throw;
            }
        }
        observe_(seconds(), batch.size(), true);
        for (auto& p : batch)
            p.done(nullptr);
        return;
    } catch (error const& e) {
        observe_(seconds(), batch.size(), false);
        if (e.transient() || batch.size() == 1) {
            auto const failure = std::current_exception();
            for (auto& p : batch)
                p.done(failure);
            return;
        }
    } catch (...) {
        auto const failure = std::current_exception();
        for (auto& p : batch)
            p.done(failure);
        return;
    }
    // A non-transient failure in a batch: one message is bad (our bug, but
    // it must not cost the others their commit). Commit each alone.
    for (auto& p : batch) {
        try {
            commit_messages(conn_, std::span<new_message const* const>(&p.message, 1));
            p.done(nullptr);
        } catch (...) {
            p.done(std::current_exception());
        }
    }
}

} // namespace x400gw::db
