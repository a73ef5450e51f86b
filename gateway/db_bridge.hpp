// gateway/db_bridge.hpp
//
// The database from a coroutine: `co_await run_db(pool, [](db::connection& c) { ... })`
// runs the function on a database thread and resumes the coroutine on its
// own executor with the result, or rethrows there what the function threw.
// The I/O thread never blocks in libpq. The function is copied to the
// database thread; it may refer to the caller's locals, which outlive the
// co_await. Pass a named function object: g++ 12 destroys a lambda
// temporary with captures twice when it appears in a co_await expression.
#pragma once

#include "db/committer.hpp"
#include "db/worker_pool.hpp"
#include "gateway/io.hpp"
#include "gateway/metrics/metrics.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>

#include <exception>
#include <memory>
#include <type_traits>

namespace x400gw::gateway {

namespace detail {
struct unit {};
template <class R>
using db_value = std::conditional_t<std::is_void_v<R>, unit, R>;
} // namespace detail

template <class F>
auto run_db(db::worker_pool& pool, F const& f) -> task<detail::db_value<std::invoke_result_t<F&, db::connection&>>>
{
    using R = std::invoke_result_t<F&, db::connection&>;
    using V = detail::db_value<R>;
    auto ex = co_await asio::this_coro::executor;
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr, V)>(
        [&pool, ex](auto handler, F fn) {
            // The work guard keeps the I/O loop alive while the job is away.
            auto tracked = asio::prefer(ex, asio::execution::outstanding_work.tracked);
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            pool.post([h, tracked, fn = std::move(fn)](db::connection& c) mutable {
                std::exception_ptr e;
                V v{};
                try {
                    if constexpr (std::is_void_v<R>)
                        fn(c);
                    else
                        v = fn(c);
                } catch (...) {
                    e = std::current_exception();
                }
                asio::post(tracked, [h, e, v = std::move(v)]() mutable { std::move (*h)(e, std::move(v)); });
            });
        },
        asio::use_awaitable, f);
}

// A database failure, counted and logged once, with what the log needs:
// the statement's name and SQLSTATE, at warning level when transient (the
// server is away) and at error level when it is our bug. Returns the
// line's tail, "statement=NAME sqlstate=XXXXX (message)", for callers that
// log more.
std::string report_db_failure(metrics& m, std::string_view id, std::string_view what, std::exception const& e,
                              bool quiet = false);

// Submits to the group committer; returns when the message is durable, or
// throws the database error: also when the commit queue is full, or the
// message is still waiting for its turn `timeout` from now.
task<void> commit_message(db::committer& committer, db::new_message& m,
                          std::chrono::steady_clock::duration timeout);

} // namespace x400gw::gateway
