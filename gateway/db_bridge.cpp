// gateway/db_bridge.cpp
#include "gateway/db_bridge.hpp"

#include "gateway/log.hpp"

namespace x400gw::gateway {

std::string report_db_failure(metrics& m, std::string_view id, std::string_view what, std::exception const& e,
                              bool quiet)
{
    m.db_errors.Increment();
    auto const* d = dynamic_cast<db::error const*>(&e);
    std::string tail = "statement=" + (d ? d->statement() : std::string("none")) +
                       " sqlstate=" + (d && !d->sqlstate().empty() ? d->sqlstate() : std::string("none")) + " (" +
                       printable(e.what(), 300) + ")";
    bool const bug = d ? !d->transient() : true;
    if (bug)
        fail(id, std::string(what) + " " + tail);
    else if (!quiet)
        warn(id, std::string(what) + " " + tail);
    return tail;
}

task<void> commit_message(db::committer& committer, db::new_message& m, std::chrono::steady_clock::duration timeout)
{
    auto ex = co_await asio::this_coro::executor;
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
        [&committer, &m, ex, deadline](auto handler) {
            auto tracked = asio::prefer(ex, asio::execution::outstanding_work.tracked);
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            bool const queued = committer.submit(&m, deadline, [h, tracked](std::exception_ptr e) {
                asio::post(tracked, [h, e]() mutable { std::move(*h)(e); });
            });
            if (!queued) {
                auto full = std::make_exception_ptr(db::error("commit_queue", "", "the commit queue is full"));
                asio::post(tracked, [h, full]() mutable { std::move(*h)(full); });
            }
        },
        asio::use_awaitable);
}

} // namespace x400gw::gateway
