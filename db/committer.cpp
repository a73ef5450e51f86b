// db/committer.cpp
#include "db/committer.hpp"

#include <chrono>

namespace x400gw::db {

committer::committer(std::string conninfo, settings s, observe_fn observe)
    : conn_(std::move(conninfo), "SET synchronous_commit = on;" + s.setup), settings_(std::move(s)),
      observe_(std::move(observe)), thread_([this] { run(); })
{
}

committer::~committer() { stop(); }

bool committer::submit(new_message const* m, clock::time_point deadline, done_fn done)
{
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= settings_.max_queued)
            return false;
        queue_.push_back({m, deadline, std::move(done)});
    }
    wake_.notify_one();
    return true;
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
            while (!queue_.empty() && batch.size() < settings_.max_batch) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        // Past its deadline, the session has given up waiting in spirit:
        // answer now and do not commit what it will be told failed.
        auto const now = clock::now();
        std::erase_if(batch, [now](pending& p) {
            if (p.deadline > now)
                return false;
            p.done(std::make_exception_ptr(error("commit_deadline", "", "not committed within commit_timeout")));
            return true;
        });
        if (!batch.empty())
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
        commit_or_learn(messages);
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
            commit_or_learn(std::span<new_message const* const>(&p.message, 1));
            p.done(nullptr);
        } catch (...) {
            p.done(std::current_exception());
        }
    }
}

void committer::commit_or_learn(std::span<new_message const* const> messages)
{
    auto const first = messages.front()->key;
    // Whether a batch whose connection broke did commit, asked on a new
    // connection. If that cannot be asked either, the error stands: the
    // sessions answer 451 and the clients send again (a duplicate at
    // worst, never a 250 for what is not durable).
    auto learned = [&] {
        try {
            return batch_committed(conn_, first);
        } catch (error const&) {
            return false;
        }
    };
    try {
        commit_messages(conn_, messages);
        return;
    } catch (error const& e) {
        if (!e.transient())
            throw;
        if (learned())
            return;
        // It did not commit: once more, on a fresh connection (a server
        // restart since the last batch breaks the first statement).
        try {
            commit_messages(conn_, messages);
        } catch (error const&) {
            if (!learned())
                throw;
        }
    }
}

} // namespace x400gw::db
