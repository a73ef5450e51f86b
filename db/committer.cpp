// db/committer.cpp
#include "db/committer.hpp"

#include <chrono>

namespace x400gw::db {

committer::committer(std::string conninfo, settings s, observe_fn observe)
    : settings_(std::move(s)), observe_(std::move(observe)),
      small_(conninfo, "SET synchronous_commit = on;" + settings_.setup),
      large_(conninfo, "SET synchronous_commit = on;" + settings_.setup)
{
    small_.thread = std::thread([this] { run(small_, std::nullopt); });
    large_.thread = std::thread([this] { run(large_, settings_.large_idle); });
}

committer::~committer() { stop(); }

bool committer::submit(new_message* m, clock::time_point deadline, done_fn done)
{
    auto& l = lane_of(m->body.size(), settings_) == 1 ? large_ : small_;
    {
        std::lock_guard lock(l.mutex);
        if (l.queue.size() >= settings_.max_queued)
            return false;
        l.queue.push_back({m, deadline, std::move(done)});
    }
    l.wake.notify_one();
    return true;
}

void committer::stop()
{
    for (auto* l : {&small_, &large_}) {
        {
            std::lock_guard lock(l->mutex);
            l->stopping = true;
        }
        l->wake.notify_all();
    }
    for (auto* l : {&small_, &large_})
        if (l->thread.joinable())
            l->thread.join();
}

void committer::run(lane& l, std::optional<clock::duration> idle)
{
    std::vector<pending> batch;
    for (;;) {
        {
            std::unique_lock lock(l.mutex);
            auto const ready = [&] { return l.stopping || !l.queue.empty(); };
            if (idle && l.conn.healthy()) {
                // Nothing for a while: give the backend back. The
                // connection is opened again by the next message.
                if (!l.wake.wait_for(lock, *idle, ready))
                    l.conn.close();
            }
            l.wake.wait(lock, ready);
            if (l.queue.empty())
                return;
            while (!l.queue.empty() && batch.size() < settings_.max_batch) {
                batch.push_back(std::move(l.queue.front()));
                l.queue.pop_front();
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
            commit(l, batch);
        batch.clear();
    }
}

void committer::commit(lane& l, std::vector<pending>& batch)
{
    auto const started = std::chrono::steady_clock::now();
    auto seconds = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    std::vector<new_message*> messages;
    messages.reserve(batch.size());
    for (auto const& p : batch)
        messages.push_back(p.message);
    try {
        commit_or_learn(l.conn, messages);
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
            commit_or_learn(l.conn, std::span<new_message* const>(&p.message, 1));
            p.done(nullptr);
        } catch (...) {
            p.done(std::current_exception());
        }
    }
}

void committer::commit_or_learn(connection& c, std::span<new_message* const> messages)
{
    auto const first = messages.front()->key;
    // Whether a batch whose connection broke did commit, asked on a new
    // connection. If that cannot be asked either, the error stands: the
    // sessions answer 451 and the clients send again (a duplicate at
    // worst, never a 250 for what is not durable). Each lane's batches
    // have ledger rows of their own (keys are unique), so the lanes never
    // answer for each other.
    auto learned = [&] {
        try {
            return batch_committed(c, first);
        } catch (error const&) {
            return false;
        }
    };
    try {
        commit_messages(c, messages);
        return;
    } catch (error const& e) {
        if (!e.transient())
            throw;
        if (learned()) {
            learn_recipient_ids(c, messages);
            return;
        }
        // It did not commit: once more, on a fresh connection (a server
        // restart since the last batch breaks the first statement).
        try {
            commit_messages(c, messages);
        } catch (error const&) {
            if (!learned())
                throw;
            learn_recipient_ids(c, messages);
        }
    }
}

} // namespace x400gw::db
