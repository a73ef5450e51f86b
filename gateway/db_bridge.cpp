// gateway/db_bridge.cpp
#include "gateway/db_bridge.hpp"

namespace x400gw::gateway {

task<void> commit_message(db::committer& committer, db::new_message const& m)
{
    auto ex = co_await asio::this_coro::executor;
    co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
        [&committer, &m, ex](auto handler) {
            auto tracked = asio::prefer(ex, asio::execution::outstanding_work.tracked);
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            committer.submit(&m, [h, tracked](std::exception_ptr e) {
                asio::post(tracked, [h, e]() mutable { std::move(*h)(e); });
            });
        },
        asio::use_awaitable);
}

} // namespace x400gw::gateway
