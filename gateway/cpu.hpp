// gateway/cpu.hpp
//
// Work off the I/O thread: `co_await run_cpu(rt, f)` runs f on the
// small MIME pool ([server] cpu_threads) and resumes the coroutine on its
// own executor with the result, so a 50 MB message being parsed,
// sanitized or downgraded never stalls the sessions that share the I/O
// thread. f must not touch the session's state: it gets its input by value
// and returns its output (what it would log, too). `run_on(pool, f)` does
// the same on another pool (delivery's DNS lookups, which block). Pass a
// named function object (see db_bridge.hpp on g++ 12).
#pragma once

#include "gateway/runtime.hpp"

#include <boost/asio/thread_pool.hpp>

#include <type_traits>

namespace x400gw::gateway {

// f on a thread of `pool`, resuming on the caller's executor.
template <class F>
auto run_on(asio::thread_pool& pool, F f) -> task<std::invoke_result_t<F&>>
{
    using R = std::invoke_result_t<F&>;
    auto work = [f = std::move(f)]() mutable -> task<R> { co_return f(); };
    co_return co_await asio::co_spawn(pool.get_executor(), std::move(work), asio::use_awaitable);
}

template <class F>
auto run_cpu(runtime& rt, F f) -> task<std::invoke_result_t<F&>>
{
    if (!rt.cpu)
        co_return f();
    co_return co_await run_on(*rt.cpu, std::move(f));
}

} // namespace x400gw::gateway
