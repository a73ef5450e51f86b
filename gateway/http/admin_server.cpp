// gateway/http/admin_server.cpp
#include "gateway/http/admin_server.hpp"

#include "gateway/db_bridge.hpp"
#include "gateway/log.hpp"

#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace x400gw::gateway {
namespace {
namespace http = beast::http;

http::response<http::string_body> problem(http::status status, std::string title, std::string detail, unsigned version)
{
    // RFC 9457 problem details.
    http::response<http::string_body> res{status, version};
    res.set(http::field::content_type, "application/problem+json");
    auto escape = [](std::string const& s) {
        std::string out;
        for (char c : s) {
            if (c == '"' || c == '\\')
                out += '\\';
            if (static_cast<unsigned char>(c) >= 0x20)
                out += c;
        }
        return out;
    };
    res.body() = "{\"type\":\"about:blank\",\"title\":\"" + escape(title) + "\",\"status\":" +
                 std::to_string(static_cast<int>(status)) + ",\"detail\":\"" + escape(detail) + "\"}\n";
    return res;
}

task<http::response<http::string_body>> handle(runtime& rt, http::request<http::string_body> const& req)
{
    auto const version = req.version();
    auto const target = std::string(req.target().substr(0, req.target().find('?')));
    if (req.method() != http::verb::get && req.method() != http::verb::head)
        co_return problem(http::status::method_not_allowed, "Method not allowed", "only GET and HEAD", version);
    http::response<http::string_body> res{http::status::ok, version};
    if (target == "/metrics") {
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.body() = rt.m.render();
    } else if (target == "/healthz") {
        res.set(http::field::content_type, "text/plain");
        res.body() = "ok\n";
    } else if (target == "/readyz") {
        if (rt.stopping)
            co_return problem(http::status::service_unavailable, "Not ready", "the gateway is stopping", version);
        try {
            auto ping = [](db::connection& c) { db::ping(c); };
            co_await run_db(rt.pool, ping);
        } catch (std::exception const& e) {
            co_return problem(http::status::service_unavailable, "Not ready",
                              std::string("database unreachable: ") + e.what(), version);
        }
        res.set(http::field::content_type, "text/plain");
        res.body() = "ready\n";
    } else {
        co_return problem(http::status::not_found, "Not found", "no resource at " + target, version);
    }
    co_return res;
}

// One connection's requests, in order, until the client closes, errs or
// idles for 30 s. Stream is a beast::tcp_stream or a TLS stream over one.
template <class Stream>
task<void> exchange(runtime& rt, Stream& stream)
{
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> req;
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
        auto [ec, n] = co_await http::async_read(stream, buffer, req, use_tuple);
        (void)n;
        if (ec)
            co_return;
        auto res = co_await handle(rt, req);
        res.set(http::field::server, "x400gw");
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        if (req.method() == http::verb::head)
            res.body().clear();
        auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
        (void)wn;
        if (wec || !req.keep_alive())
            co_return;
    }
}

task<void> serve(runtime& rt, tcp::socket socket)
{
    beast::tcp_stream stream(std::move(socket));
    rt.admin_sockets.insert(&stream.socket());
    struct leave {
        runtime& rt;
        tcp::socket* s;
        ~leave() { rt.admin_sockets.erase(s); }
    } guard{rt, &stream.socket()};
    if (!rt.cfg.admin_tls) {
        co_await exchange(rt, stream);
    } else {
        // HTTPS: the SMTP server's certificate, as it is now (SIGHUP may
        // have replaced it since the start), so bearer tokens never cross
        // the network in the clear. No plaintext fallback on this port.
        auto context = rt.tls;
        beast::ssl_stream<beast::tcp_stream&> tls(stream, *context);
        stream.expires_after(rt.cfg.tls.handshake_timeout);
        auto [ec] = co_await tls.async_handshake(asio::ssl::stream_base::server, use_tuple);
        if (ec) {
            bool const timeout = ec == beast::error::timeout;
            rt.m.tls_handshakes.Add({{"direction", "admin"}, {"result", timeout ? "timeout" : "failed"}}).Increment();
            log("admin", "tls handshake failed (" + printable(ec.message()) + ")");
        } else {
            rt.m.tls_handshakes.Add({{"direction", "admin"}, {"result", "ok"}}).Increment();
            co_await exchange(rt, tls);
            stream.expires_after(std::chrono::seconds(2));
            (void)co_await tls.async_shutdown(use_tuple);
        }
    }
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

} // namespace

task<void> run_admin_server(runtime& rt, tcp::acceptor& acceptor)
{
    asio::steady_timer pause(acceptor.get_executor());
    bool short_of_resources = false;
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            if (ec == asio::error::operation_aborted)
                co_return;
            if (resource_shortage(ec)) {
                // One line per episode, then a pause instead of a busy loop.
                if (!short_of_resources)
                    fail("admin", "accept failed, pausing until resources free up (" + ec.message() + ")");
                short_of_resources = true;
                pause.expires_after(std::chrono::milliseconds(250));
                (void)co_await pause.async_wait(use_tuple);
            }
            continue;
        }
        short_of_resources = false;
        if (rt.admin_sockets.size() >= rt.cfg.admin_connections) {
            // Over the cap: a problem document and the door, at once.
            static constexpr std::string_view busy =
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
                "Connection: close\r\nRetry-After: 1\r\nContent-Length: 97\r\n\r\n"
                "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"
                "\"detail\":\"too many connections\"}";
            error_code wec;
            socket.non_blocking(true, wec);
            asio::write(socket, asio::buffer(busy), wec);
            socket.close(wec);
            continue;
        }
        asio::co_spawn(acceptor.get_executor(), serve(rt, std::move(socket)), report_exceptions("admin"));
    }
}

} // namespace x400gw::gateway
