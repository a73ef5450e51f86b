// gateway/http/admin_server.cpp
#include "gateway/http/admin_server.hpp"

#include "addressing/table_edit.hpp"
#include "db/admin.hpp"
#include "gateway/control.hpp"
#include "gateway/cpu.hpp"
#include "gateway/live_config.hpp"
#include "gateway/db_bridge.hpp"
#include "gateway/log.hpp"
#include "gateway/password.hpp"
#include "gateway/rest/api.hpp"
#include "mime/describe.hpp"
#include "mime/parser.hpp"

#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace x400gw::gateway {
namespace {
namespace http = beast::http;

http::response<http::string_body> to_beast(rest::response const& r, unsigned version)
{
    // A 1.x client with a minor version past 1 is answered in 1.1 (RFC 9110 2.5).
    http::response<http::string_body> res{static_cast<http::status>(r.status), std::min(version, 11u)};
    res.set(http::field::content_type, r.content_type);
    for (auto const& [name, value] : r.headers)
        res.set(name, value);
    res.body() = r.body;
    return res;
}

// /metrics, /healthz and /readyz: no token, GET and HEAD only.
task<rest::response> handle_plain(runtime& rt, http::request<http::string_body> const& req)
{
    auto const target = std::string(req.target().substr(0, req.target().find('?')));
    bool const known = target == "/metrics" || target == "/healthz" || target == "/readyz";
    if (!known)
        co_return rest::problem(404, "no resource at " + target);
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        auto r = rest::problem(405, "only GET and HEAD on " + target);
        r.headers.emplace_back("Allow", "GET, HEAD");
        co_return r;
    }
    rest::response res;
    res.content_type = "text/plain";
    if (target == "/metrics") {
        res.content_type = "text/plain; version=0.0.4; charset=utf-8";
        res.body = rt.m.render();
    } else if (target == "/healthz") {
        res.body = "ok\n";
    } else {
        if (rt.stopping)
            co_return rest::problem(503, "the gateway is stopping");
        try {
            auto ping = [](db::connection& c) { db::ping(c); };
            co_await run_db(rt.pool, ping);
        } catch (std::exception const& e) {
            co_return rest::problem(503, std::string("database unreachable: ") + e.what());
        }
        res.body = "ready\n";
    }
    co_return res;
}

double now_seconds()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// One API operation against the database, for a caller already checked.
// The raw message is the exception: it is written here, in pieces.
struct api_result {
    rest::response response;
    std::optional<std::pair<std::int64_t, std::int64_t>> raw;   // message id and size to stream
};

// Routes and tables: read from the snapshots this process applies,
// changed through live_config (one transaction each, with the audit row).
task<rest::response> carry_out_config(runtime& rt, rest::operation const& op, std::string const& actor)
{
    auto& live = *rt.live;
    auto const routes = live.routes();
    if (std::holds_alternative<rest::list_routes>(op))
        co_return rest::render_routes(*routes);
    if (auto const* sr = std::get_if<rest::show_route>(&op))
        co_return rest::render_route(routes->find(sr->domain), sr->domain);
    if (auto const* lr = std::get_if<rest::lookup_route>(&op))
        co_return rest::render_route_lookup(routes->resolve(lr->domain), lr->domain);
    if (auto const* pr = std::get_if<rest::put_route>(&op))
        co_return rest::render_route_change(co_await live.put_route(pr->route, pr->create_only, actor));
    if (auto const* dr = std::get_if<rest::delete_route>(&op))
        co_return rest::render_route_change(co_await live.delete_route(dr->domain, actor));
    if (std::holds_alternative<rest::export_routes>(op))
        co_return rest::render_text(co_await live.route_text());
    if (auto const* ir = std::get_if<rest::import_routes>(&op))
        co_return rest::render_route_change(co_await live.import_routes(ir->routes, actor));

    if (!live.has_tables())
        co_return rest::no_addressing();
    auto const state = live.tables();
    if (std::holds_alternative<rest::list_tables>(op)) {
        std::vector<rest::table_summary> rows;
        for (std::size_t k = 0; k < addressing::table_kind_count; ++k) {
            auto const kind = static_cast<addressing::table_kind>(k);
            auto const origin = live.origin(kind);
            rows.push_back({kind,
                            origin == table_origin::database ? "database"
                            : origin == table_origin::file   ? "file"
                                                             : "none",
                            state->tables.size(kind)});
        }
        co_return rest::render_tables(rows);
    }
    if (auto const* lt = std::get_if<rest::list_table>(&op))
        co_return rest::render_table(*lt, state->tables.table(lt->kind));
    if (auto const* se = std::get_if<rest::show_entry>(&op)) {
        auto const* table = state->tables.table(se->kind);
        co_return rest::render_entry(se->kind, table ? addressing::find_entry(*table, se->key) : nullptr, se->key);
    }
    if (auto const* pe = std::get_if<rest::put_entry>(&op))
        co_return rest::render_entry_change(co_await live.edit_entry(
            pe->kind, pe->create_only ? live_config::entry_op::add : live_config::entry_op::replace, pe->key, pe->value,
            actor));
    if (auto const* de = std::get_if<rest::delete_entry>(&op))
        co_return rest::render_entry_change(
            co_await live.edit_entry(de->kind, live_config::entry_op::remove, de->key, {}, actor));
    if (auto const* et = std::get_if<rest::export_table>(&op)) {
        auto text = co_await live.table_text(et->kind);
        if (!text)
            co_return rest::problem(404, "this gateway has no " + std::string(addressing::kind_name(et->kind)) +
                                             " table");
        co_return rest::render_text(std::move(*text));
    }
    if (auto const* it = std::get_if<rest::import_table>(&op))
        co_return rest::render_entry_change(co_await live.import_table(it->kind, it->text, actor));
    if (auto const* al = std::get_if<rest::address_lookup>(&op))
        co_return rest::render_address_lookup(*al, *state);
    co_return rest::problem(404, "no such resource");
}

task<api_result> carry_out(runtime& rt, rest::operation const& op, std::string const& actor)
{
    api_result out;
    if (auto const* lq = std::get_if<rest::list_queue>(&op)) {
        auto list = [lq](db::connection& c) { return db::list_messages(c, lq->filter, lq->after, lq->limit); };
        out.response = rest::render_list(*lq, co_await run_db(rt.pool, list), now_seconds());
    } else if (auto const* sm = std::get_if<rest::show_message>(&op)) {
        using found = std::optional<std::pair<db::message_view, std::vector<db::attempt_view>>>;
        auto show = [sm](db::connection& c) -> found {
            auto m = db::find_message(c, sm->qid);
            if (!m)
                return std::nullopt;
            auto attempts = db::message_attempts(c, m->id);
            return std::pair{std::move(*m), std::move(attempts)};
        };
        auto m = co_await run_db(rt.pool, show);
        out.response = m ? rest::render_message(m->first, m->second, now_seconds()) : rest::not_found_message(sm->qid);
    } else if (auto const* rm = std::get_if<rest::raw_message>(&op)) {
        auto find = [rm](db::connection& c) { return db::find_message(c, rm->qid); };
        auto m = co_await run_db(rt.pool, find);
        if (m)
            out.raw = std::pair{m->id, m->size};
        else
            out.response = rest::not_found_message(rm->qid);
    } else if (auto const* ms = std::get_if<rest::message_structure>(&op)) {
        // Read on a database thread, parsed and described on the MIME pool:
        // neither the I/O thread nor a database thread deliveries need.
        auto fetch = [ms](db::connection& c) -> std::optional<std::string> {
            auto m = db::find_message(c, ms->qid);
            if (!m)
                return std::nullopt;
            return db::message_body(c, m->id);
        };
        auto body = co_await run_db(rt.pool, fetch);
        if (body) {
            auto describe = [text = std::move(*body)] { return mime::describe_json(mime::parse(text)); };
            out.response = rest::render_structure(ms->qid, co_await run_cpu(rt, std::move(describe)));
        } else {
            out.response = rest::not_found_message(ms->qid);
        }
    } else if (auto const* qa = std::get_if<rest::queue_action>(&op)) {
        action_request req{qa->action, qa->qids, qa->filter, qa->target_json, actor};
        out.response = rest::render_actions(*qa, co_await act(rt, req));
    } else if (std::holds_alternative<rest::summary>(op)) {
        auto shape = [](db::connection& c) { return std::pair{db::queue_shape(c), db::oldest_by_state(c)}; };
        auto s = co_await run_db(rt.pool, shape);
        out.response = rest::render_summary(s.first, s.second);
    } else if (auto const* la = std::get_if<rest::list_audit>(&op)) {
        auto audit = [la](db::connection& c) { return db::list_audit(c, la->before, la->limit); };
        out.response = rest::render_audit(*la, co_await run_db(rt.pool, audit));
    } else {
        out.response = co_await carry_out_config(rt, op, actor);
    }
    co_return out;
}

// /api/v1: route, authenticate, authorize, carry out. Database trouble is
// a 503 problem, never a hang or a 500 for the client's input.
task<api_result> handle_api(runtime& rt, http::request<http::string_body> const& req)
{
    rest::request r{std::string(req.method_string()), std::string(req.target()),
                    std::string(req[http::field::content_type]), std::string(req[http::field::authorization]),
                    req.body()};
    auto routed = rest::route(r);
    if (auto* done = std::get_if<rest::response>(&routed))
        co_return api_result{std::move(*done), std::nullopt};
    auto const& op = std::get<rest::operation>(routed);
    auto const token = rest::bearer_token(r.authorization);
    if (!token)
        co_return api_result{rest::unauthorized("a bearer token is required: Authorization: Bearer TOKEN"), {}};
    try {
        auto const digest = token_digest(*token);
        auto lookup = [&digest](db::connection& c) { return db::token_by_digest(c, digest); };
        auto who = co_await run_db(rt.pool, lookup);
        if (!who)
            co_return api_result{rest::unauthorized("the token is not valid: unknown or revoked"), {}};
        if (rest::writes(op) && who->role != "admin")
            co_return api_result{rest::problem(403, "token " + who->name + " has the read role; this needs admin"), {}};
        co_return co_await carry_out(rt, op, who->name);
    } catch (std::exception const& e) {
        report_db_failure(rt.m, "admin", "API request failed", e);
        co_return api_result{rest::problem(503, std::string("the queue database is unavailable: ") + e.what()), {}};
    }
}

// The body of a queued message, a megabyte at a time from the database, so
// a 50 MB message is never held whole. A message that goes away meanwhile
// cuts the connection short (the length was promised).
template <class Stream>
task<bool> stream_raw(runtime& rt, Stream& stream, http::request<http::string_body> const& req, std::int64_t id,
                      std::int64_t size)
{
    http::response<http::empty_body> head{http::status::ok, req.version()};
    head.set(http::field::server, "x400gw");
    head.set(http::field::content_type, "message/rfc822");
    head.content_length(static_cast<std::uint64_t>(size));
    head.keep_alive(req.keep_alive());
    http::response_serializer<http::empty_body> sr{head};
    auto [hec, hn] = co_await http::async_write_header(stream, sr, use_tuple);
    (void)hn;
    if (hec)
        co_return false;
    if (req.method() == http::verb::head)
        co_return true;
    constexpr std::int64_t piece = 1 << 20;
    for (std::int64_t at = 0; at < size; at += piece) {
        auto const n = std::min(piece, size - at);
        std::optional<std::string> chunk;
        try {
            auto read = [id, at, n](db::connection& c) { return db::body_chunk(c, id, at, n); };
            chunk = co_await run_db(rt.pool, read);
        } catch (std::exception const& e) {
            report_db_failure(rt.m, "admin", "raw message read failed", e);
        }
        if (!chunk || static_cast<std::int64_t>(chunk->size()) != n)
            co_return false;
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
        auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(*chunk), use_tuple);
        (void)wn;
        if (wec)
            co_return false;
    }
    co_return true;
}

bool is_import(http::request<http::string_body> const& req)
{
    auto const target = req.target();
    return req.method() == http::verb::put &&
           (target.starts_with("/api/v1/route-file") || target.starts_with("/api/v1/table-file/"));
}

// A final answer after which nothing more is read: Connection: close, then
// a lingering close, reading and dropping what the client is still sending
// (a while, a bounded amount), so that closing does not reset the
// connection before the client has read the answer.
template <class Stream>
task<void> answer_and_close(Stream& stream, rest::response const& r, unsigned version, std::size_t drop_at_most)
{
    auto res = to_beast(r, version);
    res.set(http::field::server, "x400gw");
    res.keep_alive(false);
    res.prepare_payload();
    (void)co_await http::async_write(stream, res, use_tuple);
    auto& socket = beast::get_lowest_layer(stream).socket();
    error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    std::array<char, 16384> sink;
    for (std::size_t dropped = 0; dropped < drop_at_most;) {
        auto [rec, got] = co_await beast::get_lowest_layer(stream).async_read_some(asio::buffer(sink), use_tuple);
        if (rec)
            break;
        dropped += got;
    }
}

// Whether a read ended on input no HTTP/1.1 server may act on, rather
// than on the network: such a request gets a 400 or 431 before the close.
bool bad_input(error_code const& ec)
{
    return ec.category() == http::make_error_code(http::error::bad_field).category() &&
           ec != http::error::end_of_stream && ec != http::error::body_limit;
}

// One connection's requests, in order, until the client closes, errs or
// idles for 30 s. Stream is a beast::tcp_stream or a TLS stream over one.
template <class Stream>
task<void> exchange(runtime& rt, Stream& stream)
{
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(rest::max_import);
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
        auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
        (void)hn;
        if (bad_input(hec)) {
            auto const received = buffer.cdata();
            auto const problem = rest::unparsable(
                hec.message(), {static_cast<char const*>(received.data()), std::min<std::size_t>(received.size(), 256)},
                hec == http::error::header_limit);
            co_await answer_and_close(stream, problem, 11, rest::max_body);
            co_return;
        }
        bool too_large = hec == http::error::body_limit;
        if (hec && !too_large)
            co_return;
        auto& head = parser.get();
        bool continue_first = false;
        if (!too_large) {
            std::string encodings;
            for (auto [f, end] = head.equal_range(http::field::transfer_encoding); f != end; ++f)
                encodings.append(encodings.empty() ? "" : ", ").append(f->value());
            auto const verdict = rest::check_head(
                {head.version(), head.count(http::field::host), head.count(http::field::content_length),
                 head.count(http::field::authorization), head.count(http::field::content_type), encodings,
                 head[http::field::expect], parser.chunked() || parser.content_length().value_or(0) > 0});
            if (verdict.refuse) {
                co_await answer_and_close(stream, *verdict.refuse, head.version(), rest::max_body);
                co_return;
            }
            continue_first = verdict.send_continue;
            head.target(rest::origin_target(head.target()));
        }
        // A whole route or table file may be sent (PUT text/plain): those
        // two resources take more than a JSON request.
        auto const limit = !too_large && is_import(head) ? rest::max_import : rest::max_body;
        if (!too_large) {
            auto const length = parser.content_length();
            too_large = length && *length > limit;
        }
        if (!too_large && continue_first) {
            static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
            auto [cec, cn] = co_await asio::async_write(stream, asio::buffer(go_on), use_tuple);
            (void)cn;
            if (cec)
                co_return;
        }
        if (!too_large) {
            // A body may take long (a 64 MB import over a slow link): the
            // 30 s are between two reads that bring something, not for all.
            parser.body_limit(limit);
            error_code ec;
            while (!ec && !parser.is_done()) {
                beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
                std::size_t n = 0;
                std::tie(ec, n) = co_await http::async_read_some(stream, buffer, parser, use_tuple);
            }
            too_large = ec == http::error::body_limit;
            if (bad_input(ec)) {
                co_await answer_and_close(stream, rest::unparsable(ec.message(), {}, false), head.version(),
                                          rest::max_body);
                co_return;
            }
            if (ec && !too_large)
                co_return;
        }
        if (too_large) {
            co_await answer_and_close(stream, rest::problem(413, "the request body exceeds " + std::to_string(limit) +
                                                                     " octets"),
                                      11, 64 * limit);
            co_return;
        }
        auto const& req = parser.get();
        bool const api = req.target().starts_with("/api/");
        api_result result;
        if (api)
            result = co_await handle_api(rt, req);
        else
            result.response = co_await handle_plain(rt, req);
        if (result.raw) {
            if (!co_await stream_raw(rt, stream, req, result.raw->first, result.raw->second) || !req.keep_alive())
                co_return;
            continue;
        }
        auto res = to_beast(result.response, req.version());
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
        // The first octet tells the two apart: every TLS connection opens
        // with a handshake record (type 22). Plain HTTP gets a plain 400
        // saying so, and is not read as a request.
        stream.expires_after(rt.cfg.tls.handshake_timeout);
        unsigned char first = 0;
        auto [rec, got] = co_await stream.async_read_some(asio::buffer(&first, 1), use_tuple);
        if (!rec && got == 1 && first != 22) {
            rt.m.tls_handshakes.Add({{"direction", "admin"}, {"result", "failed"}}).Increment();
            log("admin", "plain HTTP on the HTTPS admin port, answered 400");
            co_await answer_and_close(stream, rest::problem(400, "this port speaks HTTPS only: use https://"), 11,
                                      rest::max_body);
            co_return;
        }
        auto context = rt.tls;
        beast::ssl_stream<beast::tcp_stream&> tls(stream, *context);
        error_code ec = rec;
        if (!ec) {
            auto [hec, used] = co_await tls.async_handshake(asio::ssl::stream_base::server, asio::buffer(&first, 1),
                                                            use_tuple);
            (void)used;
            ec = hec;
        }
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
