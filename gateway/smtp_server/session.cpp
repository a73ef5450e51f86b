// gateway/smtp_server/session.cpp
#include "gateway/smtp_server/session.hpp"

#include "gateway/db_bridge.hpp"
#include "gateway/header_rewrite.hpp"
#include "gateway/log.hpp"
#include "gateway/smtp/data_reader.hpp"
#include "gateway/smtp/ehlo.hpp"
#include "mime/sanitizer.hpp"
#include "queue/dsn.hpp"
#include "queue/qid.hpp"

#include <boost/asio/write.hpp>

#include <algorithm>

namespace x400gw::gateway {
namespace {

constexpr std::size_t read_size = 64 * 1024;

bool has_8bit(std::string_view s)
{
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string envelope(smtp::mailbox const& m) { return "<" + printable(m.render()) + ">"; }

smtp::reply refusal_reply(addressing::refusal const& r)
{
    return {r.code, smtp::parse_enhanced_status(r.status).first, r.why};
}

} // namespace

smtp_server_session::smtp_server_session(runtime& rt, tcp::socket socket)
    : rt_(rt), stream_(std::move(socket)), lines_(rt.cfg.limits.command_line), id_(make_session_id('S')),
      gauge_(rt.m.server_sessions)
{
    error_code ec;
    auto const remote = stream_.socket().remote_endpoint(ec);
    if (!ec) {
        peer_ = render_endpoint(remote);
        peer_address_ = remote.address().to_string();
    } else {
        peer_ = peer_address_ = "unknown";
    }
    rt_.sessions.insert(this);
}

smtp_server_session::~smtp_server_session() { rt_.sessions.erase(this); }

void smtp_server_session::shutdown()
{
    if (idle_)
        stream_.cancel();   // read_line sees the stop and answers 421
}

void smtp_server_session::abort()
{
    closing_ = true;
    error_code ec;
    stream_.socket().close(ec);
}

void smtp_server_session::queue_reply(smtp::reply r)
{
    if (r.code >= 400)
        rt_.m.count_rejection(r.code, r.status.render());
    r.render_to(output_);
}

void smtp_server_session::refuse(smtp::reply r)
{
    ++errors_;
    queue_reply(std::move(r));
}

// Replies wait until we need more input, so a pipelined group gets its
// replies in one write (RFC 2920).
task<void> smtp_server_session::flush()
{
    if (output_.empty() || !stream_.socket().is_open())
        co_return;
    stream_.expires_after(rt_.cfg.limits.command_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(output_), use_tuple);
    (void)n;
    output_.clear();
    if (ec)
        closing_ = true;
}

task<bool> smtp_server_session::fill(std::chrono::seconds timeout)
{
    co_await flush();
    if (closing_)
        co_return false;
    stream_.expires_after(timeout);
    auto [ec, n] = co_await stream_.async_read_some(input_.prepare(read_size), use_tuple);
    if (!ec) {
        input_.commit(n);
        co_return true;
    }
    if (ec == asio::error::operation_aborted && rt_.stopping)
        co_return false;   // shutdown(): the caller says 421
    if (ec == beast::error::timeout) {
        log(id_, "timeout from=" + peer_ + (tx_ ? " in_transaction=yes" : ""));
        queue_reply(smtp::replies::timeout(rt_.cfg.hostname));
        // A short bound for the 421: the peer may not be reading.
        stream_.expires_after(std::chrono::seconds(5));
        auto [wec, wn] = co_await asio::async_write(stream_, asio::buffer(output_), use_tuple);
        (void)wec;
        (void)wn;
        output_.clear();
    } else if (tx_) {
        log(id_, "lost connection from=" + peer_ + " in_transaction=yes (" + ec.message() + ")");
    }
    closing_ = true;
    co_return false;
}

task<std::optional<std::string>> smtp_server_session::read_line()
{
    for (;;) {
        auto const step = lines_.next(readable(input_));
        if (step.state == smtp::line_reader::status::line) {
            std::string line(step.line);
            input_.consume(step.used);
            co_return line;
        }
        input_.consume(step.used);
        if (step.state == smtp::line_reader::status::too_long) {
            refuse(smtp::replies::line_too_long());
            continue;
        }
        if (step.used > 0)
            continue;
        if (rt_.stopping && !tx_) {
            queue_reply(smtp::replies::shutting_down(rt_.cfg.hostname));
            co_await flush();
            closing_ = true;
            co_return std::nullopt;
        }
        idle_ = !tx_;
        bool const first = helo_.empty() && commands_.empty();
        bool const ok = co_await fill(first ? rt_.cfg.limits.greeting_timeout : rt_.cfg.limits.command_timeout);
        idle_ = false;
        if (!ok && !(rt_.stopping && !closing_))
            co_return std::nullopt;
        // ok, or cancelled by shutdown(): loop; the stop check answers 421.
    }
}

task<void> smtp_server_session::run()
{
    log(id_, "connect from=" + peer_);
    queue_reply(smtp::replies::greeting(rt_.cfg.hostname));
    std::string reason = "quit";
    while (!closing_) {
        auto line = co_await read_line();
        if (!line) {
            reason = rt_.stopping ? "shutdown" : "lost";
            break;
        }
        auto parsed = smtp::parse_command(*line);
        if (auto* refusal = std::get_if<smtp::reply>(&parsed)) {
            ++commands_["unknown"];
            refuse(std::move(*refusal));
        } else {
            auto const& cmd = std::get<smtp::command>(parsed);
            ++commands_[std::string(smtp::verb_name(cmd.what))];
            co_await proceed(cmd);
        }
        if (errors_ >= rt_.cfg.limits.errors && !closing_) {
            queue_reply(smtp::replies::too_many_errors(rt_.cfg.hostname));
            reason = "errors";
            closing_ = true;
        }
    }
    closing_ = false;   // let the last replies (221, 421) out
    co_await flush();
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
    std::string counts;
    for (auto const& [verb, n] : commands_)
        counts += (counts.empty() ? "" : ",") + verb + ":" + std::to_string(n);
    log(id_, "disconnect from=" + peer_ + " reason=" + reason + " commands=" + counts);
}

task<void> smtp_server_session::proceed(smtp::command const& cmd)
{
    using smtp::verb;
    namespace replies = smtp::replies;
    switch (cmd.what) {
    case verb::ehlo:
    case verb::helo:
        helo_ = printable(cmd.argument, 255);
        esmtp_ = cmd.what == verb::ehlo;
        tx_.reset();   // RFC 5321 4.1.4: EHLO resets the state like RSET
        if (esmtp_) {
            smtp::capabilities offered;
            offered.pipelining = offered.eight_bit_mime = offered.enhanced_status = offered.chunking = true;
            offered.size = rt_.cfg.limits.message_size;
            queue_reply(smtp::render_ehlo(rt_.cfg.hostname, helo_, offered));
        } else {
            queue_reply({250, {}, rt_.cfg.hostname});
        }
        break;
    case verb::mail:
        co_await on_mail(cmd);
        break;
    case verb::rcpt:
        on_rcpt(cmd);
        break;
    case verb::data:
        co_await on_data();
        break;
    case verb::bdat:
        co_await on_bdat(cmd);
        break;
    case verb::rset:
        tx_.reset();
        queue_reply(replies::reset());
        break;
    case verb::noop:
        queue_reply(replies::noop());
        break;
    case verb::quit:
        queue_reply(replies::closing(rt_.cfg.hostname));
        closing_ = true;
        break;
    case verb::vrfy:
        queue_reply(replies::cannot_vrfy());
        break;
    case verb::expn:
        refuse(replies::not_implemented("EXPN"));
        break;
    case verb::help:
        queue_reply(replies::help());
        break;
    case verb::starttls:
        refuse(replies::not_implemented("STARTTLS"));
        break;
    }
}

task<void> smtp_server_session::on_mail(smtp::command const& cmd)
{
    namespace replies = smtp::replies;
    if (helo_.empty())
        co_return refuse(replies::bad_sequence("Send EHLO or HELO first"));
    if (tx_)
        co_return refuse(replies::bad_sequence("Nested MAIL command"));
    if (has_8bit(cmd.path.render()))
        co_return refuse(replies::non_ascii_address());
    if (cmd.size && *cmd.size > rt_.cfg.limits.message_size)
        co_return refuse(replies::message_too_big_for_size(rt_.cfg.limits.message_size));
    auto reverse_path = cmd.path;
    if (rt_.mapper && !cmd.path.null()) {
        // RFC 2156 role "return": an O/R address in the reverse path must
        // map, so that a DSN can find its way back.
        auto res = rt_.mapper->resolve(cmd.path.render(), addressing::role::return_path);
        if (res.kind == addressing::route_kind::refused) {
            log(id_, "reject mail from=" + envelope(cmd.path) + " dsn=" + res.refused->status + " (" +
                         printable(res.refused->why) + ")");
            co_return refuse(refusal_reply(*res.refused));
        }
        if (res.kind == addressing::route_kind::rfc822 && !res.rfc822.empty() && res.rfc822 != cmd.path.render()) {
            smtp::mailbox mapped;
            if (!smtp::parse_mailbox(res.rfc822, mapped)) {
                log(id_, "map mail from=" + envelope(cmd.path) + " mapped=<" + printable(res.rfc822) + "> method=" +
                             std::string(addressing::method_name(res.method)));
                reverse_path = mapped;
            }
        }
    }
    std::uint64_t key = 0;
    if (auto k = rt_.keys.try_take()) {
        key = *k;
    } else {
        try {
            auto take = [&keys = rt_.keys](db::connection& c) { return keys.take(c); };
            key = co_await run_db(rt_.pool, take);
        } catch (std::exception const& e) {
            rt_.m.db_errors.Increment();
            warn(id_, "mail from=" + envelope(cmd.path) + " result=tempfail dsn=4.3.0 (" + printable(e.what()) + ")");
            co_return queue_reply(replies::try_again_later("Queue unavailable, try again later"));
        }
    }
    tx_.emplace();
    tx_->key = key;
    tx_->qid = queue::render_qid(key);
    tx_->reverse_path = reverse_path;
    if (reverse_path.render() != cmd.path.render())
        tx_->x400_originator = cmd.path.render();
    log(tx_->qid, "client=" + peer_ + " helo=<" + helo_ + "> from=" + envelope(cmd.path) + " session=" + id_);
    queue_reply(replies::ok_sender());
}

void smtp_server_session::on_rcpt(smtp::command const& cmd)
{
    namespace replies = smtp::replies;
    if (!tx_)
        return refuse(replies::bad_sequence("Need MAIL command"));
    if (tx_->bdat)
        return refuse(replies::bad_sequence("RCPT after BDAT"));
    if (tx_->recipients.size() >= rt_.cfg.limits.recipients)
        return queue_reply(replies::too_many_recipients());
    if (has_8bit(cmd.path.render()))
        return refuse(replies::non_ascii_address());
    // <Postmaster> without a domain is ours (RFC 5321 4.1.1.3).
    auto address = cmd.path.domain.empty() ? cmd.path.local_part + "@" + rt_.cfg.hostname : cmd.path.render();
    std::string next_hop;
    if (rt_.mapper) {
        // RFC 2156 at RCPT time: an address that cannot be mapped is refused
        // now, with its reason, not accepted and bounced later.
        auto res = rt_.mapper->resolve(address, addressing::role::recipient);
        auto const ours = rt_.cfg.addressing && iequals(cmd.path.domain, rt_.cfg.addressing->gateway_domain);
        auto count = [&](std::string_view direction, std::string_view method) {
            rt_.m.address_mappings.Add({{"direction", std::string(direction)}, {"method", std::string(method)}}).Increment();
        };
        switch (res.kind) {
        case addressing::route_kind::refused:
            count(ours ? "x400_to_rfc822" : "rfc822_to_x400", "failed");
            log(tx_->qid, "reject rcpt to=" + envelope(cmd.path) + " dsn=" + res.refused->status + " (" +
                              printable(res.refused->why) + ")");
            return refuse(refusal_reply(*res.refused));
        case addressing::route_kind::x400: {
            auto const* xr = rt_.cfg.resolve_x400_route(*res.x400);
            if (!xr) {
                count("rfc822_to_x400", "failed");
                log(tx_->qid, "reject rcpt to=" + envelope(cmd.path) + " dsn=5.1.2 (no X.400 route for " +
                                  printable(res.std_or) + ")");
                return refuse({550, {5, 1, 2}, "No X.400 route for " + res.std_or});
            }
            count("rfc822_to_x400", addressing::method_name(res.method));
            auto mapped = addressing::render_peer_mailbox(*res.x400, xr->form, xr->domain);
            log(tx_->qid, "map rcpt to=" + envelope(cmd.path) + " or=" + printable(res.std_or) + " mapped=<" +
                              printable(mapped) + "> method=" + std::string(addressing::method_name(res.method)) +
                              " route=" + printable(xr->prefix_text));
            address = std::move(mapped);
            next_hop = xr->next_hop();
            break;
        }
        case addressing::route_kind::rfc822:
            if (res.rfc822 != address) {
                count("x400_to_rfc822", addressing::method_name(res.method));
                log(tx_->qid, "map rcpt to=" + envelope(cmd.path) + " mapped=<" + printable(res.rfc822) +
                                  "> method=" + std::string(addressing::method_name(res.method)));
                tx_->x400_recipients.push_back(address);
                address = res.rfc822;
            }
            break;
        }
    }
    if (next_hop.empty()) {
        auto const at = address.rfind('@');
        auto const domain = std::string_view(address).substr(at == std::string::npos ? address.size() : at + 1);
        auto const* route = rt_.cfg.resolve_route(domain);
        if (!route) {
            log(tx_->qid, "reject rcpt to=" + envelope(cmd.path) + " dsn=5.7.1 (no route for " + printable(domain) + ")");
            return refuse(replies::relay_denied("Relay access denied: no route to " + printable(domain)));
        }
        next_hop = route->next_hop();
    }
    tx_->recipients.push_back({std::move(address), std::move(next_hop)});
    queue_reply(replies::ok_recipient());
}

task<void> smtp_server_session::on_data()
{
    namespace replies = smtp::replies;
    if (!tx_)
        co_return refuse(replies::bad_sequence("Need MAIL command"));
    if (tx_->bdat)
        co_return refuse(replies::bad_sequence("DATA after BDAT"));
    if (tx_->recipients.empty())
        co_return refuse(replies::no_valid_recipients());
    queue_reply(replies::start_data());
    smtp::data_reader reader(rt_.cfg.limits.message_size);
    std::string body;
    body.reserve(std::min<std::size_t>(input_.size() + 16 * 1024, rt_.cfg.limits.message_size));
    for (;;) {
        auto const [state, used] = reader.feed(readable(input_), body);
        input_.consume(used);
        if (state == smtp::data_reader::status::done)
            break;
        if (!co_await fill(rt_.cfg.limits.data_timeout)) {
            tx_.reset();
            closing_ = true;
            co_return;
        }
    }
    if (reader.too_big()) {
        log(tx_->qid, "reject size=" + std::to_string(reader.size()) + " dsn=5.3.4 (message too big)");
        tx_.reset();
        co_return refuse(replies::message_too_big());
    }
    co_await finish(std::move(body));
}

task<void> smtp_server_session::on_bdat(smtp::command const& cmd)
{
    namespace replies = smtp::replies;
    // RFC 3030: the chunk is read whatever we answer, or we lose sync.
    bool const keep = tx_ && !tx_->recipients.empty() && !tx_->bdat_failed;
    std::uint64_t const limit = rt_.cfg.limits.message_size;
    std::uint64_t remaining = cmd.chunk_size;
    bool too_big = false;
    while (remaining > 0) {
        if (input_.size() == 0 && !co_await fill(rt_.cfg.limits.data_timeout)) {
            tx_.reset();
            closing_ = true;
            co_return;
        }
        auto const n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, input_.size()));
        if (keep && !too_big) {
            if (tx_->body.size() + n <= limit)
                tx_->body.append(readable(input_).substr(0, n));
            else
                too_big = true;
        }
        remaining -= n;
        input_.consume(n);
    }
    if (!tx_)
        co_return refuse(replies::bad_sequence("Need MAIL command"));
    if (tx_->recipients.empty()) {
        tx_->bdat_failed = true;
        refuse(replies::no_valid_recipients());
    } else if (tx_->bdat_failed) {
        refuse(replies::bad_sequence("An earlier BDAT failed; send RSET"));
    } else if (too_big) {
        tx_->bdat_failed = true;
        log(tx_->qid, "reject dsn=5.3.4 (message too big)");
        refuse(replies::message_too_big());
    } else {
        tx_->bdat = true;
        if (cmd.last_chunk)
            co_return co_await finish(std::move(tx_->body));
        co_return queue_reply(replies::bdat_accepted(cmd.chunk_size));
    }
    if (cmd.last_chunk)
        tx_.reset();
}

std::string smtp_server_session::map_headers(transaction const& t, std::string content)
{
    // Header addresses, role "header" (RFC 2156 4.3): an O/R address
    // written at our domain whose MIXER mapping names an RFC 822 address is
    // rewritten to it. Other addresses stay: an X.400-side peer maps RFC
    // 822 addresses itself, and an unmapped O/R address is already in its
    // RFC 822 form (the std-or local part at our domain).
    int rewritten = 0;
    auto map = [&](std::string_view spec) {
        auto mapped = rt_.mapper->rewrite_header_address(spec);
        rewritten += mapped ? 1 : 0;
        return mapped;
    };
    if (auto mapped = rewrite_address_headers(content, map)) {
        log(t.qid, "map headers addresses=" + std::to_string(rewritten));
        content = std::move(*mapped);
    }
    // RFC 2156 5.3.4 (X400-Originator, X400-Recipients): the envelope's
    // original X.400 forms survive the mapping.
    std::string added;
    if (!t.x400_originator.empty())
        added += "X400-Originator: " + t.x400_originator + "\r\n";
    if (!t.x400_recipients.empty()) {
        std::string list;
        for (auto const& r : t.x400_recipients)
            list += (list.empty() ? "" : ",\r\n\t") + r;
        added += "X400-Recipients: " + list + "\r\n";
    }
    return added.empty() ? content : added + content;
}

std::string smtp_server_session::trace_header(transaction const& t) const
{
    // RFC 5321 4.4 and RFC 3848 ("ESMTP", "SMTP"); "for" names the
    // recipient only when there is exactly one, as Postfix does.
    std::string h = "Received: from " + helo_ + " ([" + peer_address_ + "])\r\n\tby " + rt_.cfg.hostname +
                    " (x400gw) with " + (esmtp_ ? "ESMTP" : "SMTP") + " id " + t.qid;
    if (t.recipients.size() == 1)
        h += "\r\n\tfor <" + t.recipients.front().address + ">";
    h += "; " + queue::render_date(std::chrono::system_clock::now()) + "\r\n";
    return h;
}

task<void> smtp_server_session::finish(std::string content)
{
    auto& t = *tx_;
    // Whatever arrived leaves readable by any peer: every part with a valid
    // Content-Type (an empty one once hung a peer gateway), CRLF, short
    // lines. A clean message passes octet for octet.
    auto sanitized = mime::sanitize(content);
    if (!sanitized.unchanged) {
        auto const summary = rt_.m.count_repairs(sanitized.changes);
        log(t.qid, "mime repaired changes=" + summary + (sanitized.over_limit ? " over_limit=yes" : "") +
                       (sanitized.changes.empty() ? "" : " (" + printable(sanitized.changes.front().text) + ")"));
        content = std::move(sanitized.message);
    }
    if (rt_.mapper)
        content = map_headers(t, std::move(content));
    db::new_message m;
    m.key = t.key;
    m.qid = t.qid;
    m.sender = t.reverse_path.render();
    m.client = peer_;
    m.body = trace_header(t);
    m.recipients = std::move(t.recipients);
    m.body.reserve(m.body.size() + content.size());
    m.body += content;
    content = {};
    bool committed = false;
    try {
        co_await commit_message(rt_.committer, m);
        committed = true;
    } catch (std::exception const& e) {
        rt_.m.db_errors.Increment();
        warn(t.qid, "commit failed from=" + envelope(t.reverse_path) + " dsn=4.3.0 session=" + id_ + " (" +
                        printable(e.what()) + ")");
    }
    if (committed) {
        rt_.m.messages_received.Increment();
        log(t.qid, "queued from=" + envelope(t.reverse_path) + " nrcpt=" + std::to_string(m.recipients.size()) +
                       " size=" + std::to_string(m.body.size()) + " session=" + id_);
        queue_reply(smtp::replies::queued(t.qid));
        if (rt_.wake_scheduler)
            rt_.wake_scheduler();
    } else {
        queue_reply(smtp::replies::try_again_later("Queue unavailable, try again later"));
    }
    tx_.reset();
}

task<void> run_listener(runtime& rt, tcp::acceptor& acceptor)
{
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || rt.stopping)
                co_return;
            warn("listener", "accept failed (" + ec.message() + ")");
            continue;
        }
        if (rt.sessions.size() >= rt.cfg.max_sessions) {
            auto const text = smtp::replies::too_many_sessions(rt.cfg.hostname).render();
            error_code wec;
            socket.non_blocking(true, wec);
            asio::write(socket, asio::buffer(text), wec);
            continue;
        }
        asio::co_spawn(
            acceptor.get_executor(),
            [&rt, s = std::move(socket)]() mutable -> task<void> {
                smtp_server_session session(rt, std::move(s));
                co_await session.run();
            },
            report_exceptions("session"));
    }
}

} // namespace x400gw::gateway
