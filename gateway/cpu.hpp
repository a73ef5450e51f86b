// gateway/cpu.hpp
//
// CPU work off the I/O thread: `co_await run_cpu(rt, f)` runs f on the
// small MIME pool ([server] cpu_threads) and resumes the coroutine on its
// own executor with the result, so a 50 MB message being parsed,
// sanitized or downgraded never stalls the sessions that share the I/O
// thread. f must not touch the session's state: it gets its input by value
// and returns its output (what it would log, too). Pass a named function
// object (see db_bridge.hpp on g++ 12).
#pragma once

#include "gateway/runtime.hpp"

#include <boost/asio/thread_pool.hpp>

#include <type_traits>

namespace x400gw::gateway {

template <class F>
auto run_cpu(runtime& rt, F f) -> task<std::invoke_result_t<F&>>
{
    using R = std::invoke_result_t<F&>;
    if (!rt.cpu)
        co_return f();
    auto work = [f = std::move(f)]() mutable -> task<R> { co_return f(); };
    co_return co_await asio::co_spawn(rt.cpu->get_executor(), std::move(work), asio::use_awaitable);
}

} // namespace x400gw::gateway
