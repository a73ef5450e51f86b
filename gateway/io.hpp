// gateway/io.hpp
//
// The I/O vocabulary of the daemon: Asio with C++20 coroutines. co_await
// with `use_tuple` yields (error_code, result...) tuples, so a peer that
// hangs up is a value we test, not an exception we catch. Asio and Beast
// are compiled once (asio_impl.cpp, beast_impl.cpp).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <span>
#include <string_view>

namespace x400gw::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using boost::system::error_code;

template <class T = void>
using task = asio::awaitable<T>;

inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

inline std::string_view readable(beast::flat_buffer const& b)
{
    auto const data = b.data();
    return {static_cast<char const*>(data.data()), data.size()};
}


// "1.2.3.4:25", "[::1]:25" for logs
std::string render_endpoint(tcp::endpoint const& e);

// accept() failed for want of something the kernel lends (descriptors,
// buffers, memory): waiting helps, retrying at once only spins.
bool resource_shortage(error_code const& ec) noexcept;

} // namespace x400gw::gateway
