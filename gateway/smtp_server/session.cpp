// gateway/smtp_server/session.cpp
#include "gateway/smtp_server/session.hpp"

#include "gateway/db_bridge.hpp"
#include "gateway/cpu.hpp"
#include "gateway/header_rewrite.hpp"
#include "gateway/log.hpp"
#include "gateway/smtp/data_reader.hpp"
#include "gateway/password.hpp"
#include "gateway/smtp/auth.hpp"
#include "gateway/smtp/ehlo.hpp"
#include "gateway/smtp_client/delivery.hpp"
#include "gateway/tls.hpp"
#include "mime/sanitizer.hpp"
#include "queue/dsn.hpp"
#include "queue/qid.hpp"

#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>

namespace x400gw::gateway {
namespace {

constexpr std::size_t read_size = 64 * 1024;

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

struct smtp_server_session::tls_stream {
    tls_stream(beast::tcp_stream&& plain, asio::ssl::context& ctx) : s(std::move(plain), ctx) {}
    beast::ssl_stream<beast::tcp_stream> s;
};

smtp_server_session::smtp_server_session(runtime& rt, tcp::socket socket, bool counted, listener const& where)
    : rt_(rt), tls_context_(rt.tls), stream_(std::move(socket)),
      read_timer_(stream_.get_executor()), self_(std::make_shared<smtp_server_session*>(this)),
      lines_(rt.cfg.limits.command_line), id_(make_session_id('S')), implicit_tls_(where.implicit_tls),
      counted_(counted), gauge_(rt.m.server_sessions)
{
    error_code ec;
    auto const remote = tcp().socket().remote_endpoint(ec);
    if (!ec) {
        peer_ = render_endpoint(remote);
        peer_address_ = remote.address().to_string();
    } else {
        peer_ = peer_address_ = "unknown";
    }
    trusted_ = rt_.cfg.trusted(peer_address_);
    policy_.message_size = rt_.cfg.limits.message_size;
    policy_.tls_offered = tls_context_ != nullptr && !implicit_tls_;
    policy_.require_tls = where.require_tls;
    policy_.auth_offered = rt_.cfg.auth;
    policy_.recipients = rt_.cfg.limits.recipients;
    rt_.sessions.insert(this);
}

smtp_server_session::~smtp_server_session()
{
    rt_.sessions.erase(this);
    if (counted_)
        rt_.clients.close(peer_address_, std::chrono::steady_clock::now());
}

void smtp_server_session::shutdown()
{
    if (idle_)
        tcp().cancel();   // read_line sees the stop and answers 421
}

void smtp_server_session::abort()
{
    closing_ = true;
    error_code ec;
    tcp().socket().close(ec);
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

void smtp_server_session::respond(smtp::command const& cmd, smtp::reply r)
{
    smtp::advance(state_, cmd, r);
    if (!state_.in_transaction)
        tx_.reset();
    if (r.permanent())
        refuse(std::move(r));
    else
        queue_reply(std::move(r));
}

void smtp_server_session::end_transaction()
{
    smtp::end_transaction(state_);
    tx_.reset();
}

// Replies wait until we need more input, so a pipelined group gets its
// replies in one write (RFC 2920).
task<void> smtp_server_session::flush()
{
    if (output_.empty() || !tcp().socket().is_open())
        co_return;
    tcp().expires_after(rt_.cfg.limits.command_timeout);
    auto const ec = co_await write_all(output_);
    output_.clear();
    if (ec)
        closing_ = true;
}

beast::tcp_stream& smtp_server_session::tcp() noexcept { return tls_ ? tls_->s.next_layer() : stream_; }

task<error_code> smtp_server_session::write_all(std::string_view data)
{
    if (tls_) {
        auto [ec, n] = co_await asio::async_write(tls_->s, asio::buffer(data), use_tuple);
        (void)n;
        co_return ec;
    }
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(data), use_tuple);
    (void)n;
    co_return ec;
}

// Every octet a TLS record carries reaches input_ here, and input_ is
// consumed whole (commands, DATA, BDAT chunks) before the next read: no
// decrypted octet waits inside OpenSSL while the session waits on the
// socket, the bug that once hung a client at the end of DATA.
task<std::pair<error_code, std::size_t>> smtp_server_session::read_some()
{
    if (tls_) {
        auto [ec, n] = co_await tls_->s.async_read_some(input_.prepare(read_size), use_tuple);
        co_return std::pair{ec, n};
    }
    auto [ec, n] = co_await stream_.async_read_some(input_.prepare(read_size), use_tuple);
    co_return std::pair{ec, n};
}

// RFC 3207 4 and 4.2: the 220 has been flushed; anything the client sent
// after STARTTLS and before the handshake is dropped, never read as
// commands (CVE-2011-0411), and the session starts again from EHLO.
task<bool> smtp_server_session::start_tls()
{
    if (auto const pipelined = input_.size()) {
        log(id_, "starttls discarded=" + std::to_string(pipelined) + " from=" + peer_ +
                     " (plaintext pipelined after STARTTLS)");
        input_.consume(pipelined);
    }
    lines_ = smtp::line_reader(rt_.cfg.limits.command_line);
    helo_.clear();
    tls_ = std::make_unique<tls_stream>(std::move(stream_), *tls_context_);
    tcp().expires_after(rt_.cfg.tls.handshake_timeout);
    auto [ec] = co_await tls_->s.async_handshake(asio::ssl::stream_base::server, use_tuple);
    if (ec) {
        bool const timeout = ec == beast::error::timeout;
        rt_.m.tls_handshakes.Add({{"direction", "inbound"}, {"result", timeout ? "timeout" : "failed"}}).Increment();
        log(id_, "tls handshake failed from=" + peer_ + " (" + printable(ec.message()) + ")");
        closing_ = true;
        co_return false;
    }
    rt_.m.tls_handshakes.Add({{"direction", "inbound"}, {"result", "ok"}}).Increment();
    tls_gauge_.emplace(rt_.m.server_tls_sessions);
    log(id_, "tls from=" + peer_ + " version=" + describe_tls(tls_->s.native_handle()));
    co_return true;
}

// Reads more input, giving up at `deadline`: a deadline for the whole
// command line or DATA block, not for each read, so a client that sends a
// byte every few seconds is cut off like one that sends nothing.
task<bool> smtp_server_session::fill(clock::time_point deadline)
{
    co_await flush();
    if (closing_)
        co_return false;
    error_code ec;
    if (clock::now() >= deadline) {
        ec = beast::error::timeout;
    } else {
        tcp().expires_never();
        arm_read_deadline(deadline);
        reading_ = true;
        auto [rec, n] = co_await read_some();
        reading_ = false;
        ec = rec;
        if (!ec) {
            input_.commit(n);
            co_return true;
        }
        if (std::exchange(read_timed_out_, false))
            ec = beast::error::timeout;
    }
    if (ec == asio::error::operation_aborted && rt_.stopping)
        co_return false;   // shutdown(): the caller says 421
    if (ec == beast::error::timeout) {
        log(id_, "timeout from=" + peer_ + (tx_ ? " in_transaction=yes" : ""));
        queue_reply(smtp::replies::timeout(rt_.cfg.hostname));
        // A short bound for the 421: the peer may not be reading.
        tcp().expires_after(std::chrono::seconds(5));
        (void)co_await write_all(output_);
        output_.clear();
    } else if (tx_) {
        log(id_, "lost connection from=" + peer_ + " in_transaction=yes (" + ec.message() + ")");
    }
    closing_ = true;
    co_return false;
}

// One wait stays armed while the deadline stands, across the reads of a
// line or a DATA block; a new deadline re-arms it.
void smtp_server_session::arm_read_deadline(clock::time_point deadline)
{
    if (deadline == read_deadline_)
        return;
    read_deadline_ = deadline;
    read_timer_.expires_at(deadline);
    read_timer_.async_wait([self = std::weak_ptr(self_)](error_code ec) {
        auto const session = self.lock();
        if (!ec && session)
            (*session)->on_read_deadline();
    });
}

// A wait that fired for a deadline since replaced finds the timer's expiry
// in the future and does nothing; one that fires between reads leaves it
// to fill(), which sees the deadline past.
void smtp_server_session::on_read_deadline()
{
    if (!reading_ || read_timer_.expiry() > clock::now())
        return;
    read_timed_out_ = true;
    error_code ec;
    tcp().socket().cancel(ec);
}

task<std::optional<std::string>> smtp_server_session::read_line()
{
    bool const first = !state_.greeted && commands_.empty();
    auto const deadline =
        clock::now() + (first ? rt_.cfg.limits.greeting_timeout : rt_.cfg.limits.command_timeout);
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
        bool const ok = co_await fill(deadline);
        idle_ = false;
        if (!ok && !(rt_.stopping && !closing_))
            co_return std::nullopt;
        // ok, or cancelled by shutdown(): loop; the stop check answers 421.
    }
}

task<void> smtp_server_session::run()
{
    log(id_, "connect from=" + peer_ + (trusted_ ? " trusted=yes" : "") + (implicit_tls_ ? " tls=implicit" : ""));
    if (implicit_tls_) {
        if (!tls_context_ || !co_await start_tls()) {
            log(id_, "disconnect from=" + peer_ + " reason=tls");
            co_return;
        }
        state_.tls = true;
    }
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
    if (tls_ && tcp().socket().is_open()) {
        // close_notify, briefly: a client already gone must not hold us.
        tcp().expires_after(std::chrono::seconds(2));
        auto [sec] = co_await tls_->s.async_shutdown(use_tuple);
        (void)sec;
    }
    error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp().socket().close(ec);
    std::string counts;
    for (auto const& [verb, n] : commands_)
        counts += (counts.empty() ? "" : ",") + verb + ":" + std::to_string(n);
    log(id_, "disconnect from=" + peer_ + " reason=" + reason + " commands=" + counts);
}

task<void> smtp_server_session::proceed(smtp::command const& cmd)
{
    using smtp::verb;
    namespace replies = smtp::replies;
    if (cmd.what == verb::bdat)
        co_return co_await on_bdat(cmd);
    if (auto refusal = smtp::check_command(state_, cmd, policy_))
        co_return respond(cmd, std::move(*refusal));
    // NOOP, RSET, VRFY and HELP past the junk limit count as errors, so a
    // session that only keeps itself alive ends at the error limit.
    auto const junk = [&] {
        if (++junk_ > rt_.cfg.limits.junk_commands)
            ++errors_;
    };
    switch (cmd.what) {
    case verb::ehlo:
    case verb::helo:
        helo_ = cmd.argument;   // a host name or an address literal: parse_command checked it
        if (cmd.what == verb::ehlo) {
            smtp::capabilities offered;
            offered.pipelining = offered.eight_bit_mime = offered.enhanced_status = offered.chunking = offered.dsn =
                offered.mt_priority = true;
            offered.require_tls = state_.tls;
            offered.smtputf8 = true;
            offered.size = rt_.cfg.limits.message_size;
            offered.starttls = policy_.tls_offered && !state_.tls;
            offered.auth = policy_.auth_offered && state_.tls && !state_.authenticated;
            respond(cmd, smtp::render_ehlo(rt_.cfg.hostname, helo_, offered));
        } else {
            respond(cmd, replies::helo(rt_.cfg.hostname));
        }
        break;
    case verb::mail:
        respond(cmd, co_await on_mail(cmd));
        break;
    case verb::rcpt:
        respond(cmd, on_rcpt(cmd));
        break;
    case verb::data:
        co_await on_data(cmd);
        break;
    case verb::rset:
        junk();
        respond(cmd, replies::reset());
        break;
    case verb::noop:
        junk();
        respond(cmd, replies::noop());
        break;
    case verb::quit:
        respond(cmd, replies::closing(rt_.cfg.hostname));
        closing_ = true;
        break;
    case verb::vrfy:
        junk();
        respond(cmd, replies::cannot_vrfy());
        break;
    case verb::help:
        junk();
        respond(cmd, replies::help());
        break;
    case verb::starttls:
        respond(cmd, {220, {2, 0, 0}, "Ready to start TLS"});
        co_await flush();
        if (!closing_)
            (void)co_await start_tls();
        co_return;
    case verb::auth:
        co_await on_auth(cmd);
        break;
    case verb::bdat:
    case verb::expn:
        // The rules refuse these before we get here.
        respond(cmd, replies::not_implemented(smtp::verb_name(cmd.what)));
        break;
    }
    if (smtp::rule_for(cmd.what).ends_group)
        co_await flush();
}

// RFC 4954: the exchange (pure, smtp::auth_exchange), then the check on a
// database thread (the Argon2id verification is slow on purpose). A
// failure counts as an error and against the client's AUTH rate; the log
// names the user, never the password.
task<void> smtp_server_session::on_auth(smtp::command const& cmd)
{
    if (rt_.clients.auth_blocked(peer_address_, clock::now())) {
        log(id_, "auth refused from=" + peer_ + " dsn=4.7.0 (too many failed AUTH commands)");
        queue_reply(smtp::replies::too_many_errors(rt_.cfg.hostname));
        closing_ = true;
        co_return;
    }
    smtp::auth_exchange exchange;
    auto step = exchange.start(cmd.argument);
    while (auto* r = std::get_if<smtp::reply>(&step)) {
        if (r->code != 334) {
            log(id_, "auth refused from=" + peer_ + " dsn=" + r->status.render() + " (" + r->text + ")");
            co_return respond(cmd, std::move(*r));
        }
        queue_reply(std::move(*r));
        auto line = co_await read_line();
        if (!line)
            co_return;
        step = exchange.respond(*line);
    }
    auto creds = std::get<smtp::credentials>(std::move(step));
    bool ok = false;
    try {
        // Compared in their SASLprep form (RFC 4616 5), as `x400gwctl user`
        // stores them; a name or password without one (not UTF-8, a
        // prohibited character) as it came, and, where the forms differ,
        // as stored before the user commands prepared them. Both
        // verifications run whether the user exists or not.
        auto check = [&creds](db::connection& c) {
            auto const user = saslprep(creds.user, false).value_or(creds.user);
            auto password = saslprep(creds.password, false).value_or(creds.password);
            auto hash = db::user_hash(c, user);
            if (!hash && user != creds.user)
                hash = db::user_hash(c, creds.user);
            bool const prepared = verify_password(hash, password);
            bool const as_sent = password != creds.password && verify_password(hash, creds.password);
            password.assign(password.size(), '\0');
            return prepared || as_sent;
        };
        ok = co_await run_db(rt_.pool, check);
    } catch (std::exception const& e) {
        report_db_failure(rt_.m, id_, "auth from=" + peer_ + " result=tempfail", e);
        co_return respond(cmd, {454, {4, 7, 0}, "Temporary authentication failure"});
    }
    auto const user = printable(creds.user, 100);
    creds.password.assign(creds.password.size(), '\0');
    if (ok) {
        log(id_, "auth from=" + peer_ + " user=<" + user + "> method=" + creds.mechanism);
        co_return respond(cmd, {235, {2, 7, 0}, "Authentication successful"});
    }
    warn(id_, "auth failed from=" + peer_ + " user=<" + user + "> method=" + creds.mechanism);
    if (!rt_.clients.auth_failure(peer_address_, clock::now())) {
        queue_reply(smtp::replies::too_many_errors(rt_.cfg.hostname));
        closing_ = true;
        co_return;
    }
    respond(cmd, {535, {5, 7, 8}, "Authentication credentials invalid"});
}

task<smtp::reply> smtp_server_session::on_mail(smtp::command const& cmd)
{
    namespace replies = smtp::replies;
    if (!trusted_ && !rt_.clients.message(peer_address_, clock::now())) {
        log(id_, "reject mail from=" + envelope(cmd.path) + " client=" + peer_ + " dsn=4.7.1 (message rate limit)");
        co_return replies::too_many_messages_from_client();
    }
    auto reverse_path = cmd.path;
    if (rt_.mapper && !cmd.path.null()) {
        // RFC 2156 role "return": an O/R address in the reverse path must
        // map, so that a DSN can find its way back.
        auto res = rt_.mapper->resolve(cmd.path.render(), addressing::role::return_path);
        if (res.kind == addressing::route_kind::refused) {
            log(id_, "reject mail from=" + envelope(cmd.path) + " dsn=" + res.refused->status + " (" +
                         printable(res.refused->why) + ")");
            co_return refusal_reply(*res.refused);
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
            report_db_failure(rt_.m, id_, "mail from=" + envelope(cmd.path) + " result=tempfail dsn=4.3.0", e);
            co_return replies::try_again_later("Queue unavailable, try again later");
        }
    }
    tx_.emplace();
    tx_->key = key;
    tx_->qid = queue::render_qid(key);
    tx_->reverse_path = reverse_path;
    auto& o = tx_->options;
    o.dsn_ret = cmd.ret;
    o.dsn_envid = cmd.envid;
    o.priority = smtp::accepted_priority({trusted_, state_.authenticated}, cmd.priority);
    tx_->priority_asked = cmd.priority.has_value();
    o.require_tls = cmd.require_tls;
    o.smtputf8 = cmd.smtputf8;
    std::string priority_note;
    if (cmd.priority)
        priority_note = " mt_priority=" + std::to_string(o.priority) +
                        (o.priority != *cmd.priority ? " (asked " + std::to_string(*cmd.priority) + ")" : "");
    if (reverse_path.render() != cmd.path.render())
        tx_->x400_originator = cmd.path.render();
    log(tx_->qid, "client=" + peer_ + " helo=<" + helo_ + "> from=" + envelope(cmd.path) + priority_note +
                      (cmd.require_tls ? " requiretls=yes" : "") + (cmd.smtputf8 ? " smtputf8=yes" : "") +
                      " session=" + id_);
    co_return replies::ok_sender();
}

smtp::reply smtp_server_session::on_rcpt(smtp::command const& cmd)
{
    namespace replies = smtp::replies;
    // <Postmaster> without a domain is ours (RFC 5321 4.1.1.3).
    bool const postmaster = cmd.path.domain.empty();
    auto address = postmaster ? cmd.path.local_part + "@" + rt_.cfg.hostname : cmd.path.render();
    std::string next_hop;
    auto where = smtp::destination::other;
    if (postmaster || rt_.cfg.is_local_domain(cmd.path.domain))
        where = smtp::destination::local;
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
            return refusal_reply(*res.refused);
        case addressing::route_kind::x400: {
            auto const* xr = rt_.cfg.resolve_x400_route(*res.x400);
            if (!xr) {
                count("rfc822_to_x400", "failed");
                log(tx_->qid, "reject rcpt to=" + envelope(cmd.path) + " dsn=5.1.2 (no X.400 route for " +
                                  printable(res.std_or) + ")");
                return replies::no_x400_route(printable(res.std_or));
            }
            count("rfc822_to_x400", addressing::method_name(res.method));
            auto mapped = addressing::render_peer_mailbox(*res.x400, xr->form, xr->domain);
            log(tx_->qid, "map rcpt to=" + envelope(cmd.path) + " or=" + printable(res.std_or) + " mapped=<" +
                              printable(mapped) + "> method=" + std::string(addressing::method_name(res.method)) +
                              " route=" + printable(xr->prefix_text));
            address = std::move(mapped);
            next_hop = xr->next_hop();
            where = smtp::destination::mapped;
            break;
        }
        case addressing::route_kind::rfc822:
            if (res.rfc822 != address) {
                count("x400_to_rfc822", addressing::method_name(res.method));
                log(tx_->qid, "map rcpt to=" + envelope(cmd.path) + " mapped=<" + printable(res.rfc822) +
                                  "> method=" + std::string(addressing::method_name(res.method)));
                tx_->x400_recipients.push_back(address);
                address = res.rfc822;
                where = smtp::destination::mapped;
            } else if (ours) {
                where = smtp::destination::mapped;
            }
            break;
        }
    }
    if (auto refusal = smtp::check_relay({trusted_, state_.authenticated}, where, cmd.path.local_part)) {
        log(tx_->qid, "reject rcpt to=" + envelope(cmd.path) + " client=" + peer_ + " dsn=" +
                          refusal->status.render() + " (relaying denied)");
        return *refusal;
    }
    // Whatever the mapping made of the address goes into the envelope and
    // into header fields: it must be as safe as what the parser accepts.
    smtp::mailbox checked;
    if (!smtp::header_safe(address, tx_->options.smtputf8) || smtp::parse_mailbox(address, checked)) {
        warn(tx_->qid, "reject rcpt to=" + envelope(cmd.path) + " mapped=<" + printable(address) +
                           "> dsn=5.1.3 (the mapping gives no valid address)");
        return replies::bad_recipient_syntax("Bad recipient address syntax: mapped to an invalid address");
    }
    if (next_hop.empty()) {
        auto const at = address.rfind('@');
        auto const domain = std::string_view(address).substr(at == std::string::npos ? address.size() : at + 1);
        auto const routes = rt_.routes;
        auto const* route = routes->resolve(domain);
        if (!route) {
            log(tx_->qid, "reject rcpt to=" + envelope(cmd.path) + " dsn=5.7.1 (no route for " + printable(domain) + ")");
            return replies::relay_denied("Relay access denied: no route to " + printable(domain));
        }
        next_hop = route->next_hop_for(domain);
    }
    // RFC 3461 4.2: a recipient the mapping rewrote keeps the address the
    // client gave as its ORCPT, unless it gave one, so that a report from
    // here or from a next hop names the address the sender knows.
    auto orcpt = cmd.orcpt;
    auto const given = cmd.path.render();
    if (orcpt.empty() && !postmaster && address != given &&
        std::all_of(given.begin(), given.end(), [](char c) { return c > ' ' && c <= '~'; }))
        orcpt = "rfc822;" + given;
    tx_->recipients.push_back({std::move(address), std::move(next_hop), cmd.notify, std::move(orcpt)});
    return replies::ok_recipient();
}

task<void> smtp_server_session::on_data(smtp::command const& cmd)
{
    namespace replies = smtp::replies;
    respond(cmd, replies::start_data());
    smtp::data_reader reader(rt_.cfg.limits.message_size);
    std::string body;
    body.reserve(std::min<std::size_t>(input_.size() + 16 * 1024, rt_.cfg.limits.message_size));
    auto const started = clock::now();
    for (;;) {
        auto const [state, used] = reader.feed(readable(input_), body);
        input_.consume(used);
        if (state == smtp::data_reader::status::done)
            break;
        if (!co_await fill(data_deadline(started, reader.size()))) {
            end_transaction();
            closing_ = true;
            co_return;
        }
    }
    if (reader.too_big()) {
        log(tx_->qid, "reject size=" + std::to_string(reader.size()) + " dsn=5.3.4 (message too big)");
        end_transaction();
        co_return refuse(replies::message_too_big());
    }
    auto const r = co_await finish(std::move(body));
    end_transaction();
    queue_reply(r);
}

smtp_server_session::clock::time_point smtp_server_session::data_deadline(clock::time_point started,
                                                                          std::uint64_t octets) const
{
    // data_timeout of grace, then one more second for every min_data_rate
    // octets received: a slow but steady client finishes, a trickle does not.
    auto const& l = rt_.cfg.limits;
    auto const now = clock::now();
    if (l.min_data_rate == 0)
        return now + l.data_timeout;
    auto const earned = std::chrono::seconds(octets / l.min_data_rate);
    return std::min(now + l.data_timeout, started + l.data_timeout + earned);
}

task<void> smtp_server_session::on_bdat(smtp::command const& cmd)
{
    namespace replies = smtp::replies;
    // RFC 3030: the chunk is read whatever we answer, or we lose sync.
    auto refusal = smtp::check_bdat(state_);
    bool const keep = !refusal;
    std::uint64_t const limit = rt_.cfg.limits.message_size;
    std::uint64_t remaining = cmd.chunk_size;
    bool too_big = false;
    auto const started = clock::now();
    std::uint64_t read = 0;
    while (remaining > 0) {
        if (input_.size() == 0 && !co_await fill(data_deadline(started, read))) {
            end_transaction();
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
        read += n;
        input_.consume(n);
    }
    if (!refusal && too_big) {
        log(tx_->qid, "reject dsn=5.3.4 (message too big)");
        refusal = replies::message_too_big();
    }
    if (refusal) {
        if (state_.in_transaction)
            state_.bdat_failed = true;
        refuse(std::move(*refusal));
        if (cmd.last_chunk)
            end_transaction();
        co_return;
    }
    if (!cmd.last_chunk)
        co_return respond(cmd, replies::bdat_accepted(cmd.chunk_size));
    auto const r = co_await finish(std::move(tx_->body));
    end_transaction();
    queue_reply(r);
}

namespace {

// What a received message becomes before it is queued, computed on the
// MIME pool (gateway/cpu.hpp): sanitized, its header addresses mapped.
// Pure over its inputs; the session logs the outcome on its own thread.
// The sanitizer's steps a message may spend on the I/O thread (about a
// third of a millisecond here; ordinary mail costs about a step an octet,
// see mime/limits.hpp) before it is handed to the MIME pool instead.
constexpr std::uint64_t inline_sanitize_steps = 256 * 1024;

struct prepared_content {
    std::string content;
    mime::sanitize_result sanitized;   // its message moved into content
    int rewritten = -1;                // header addresses mapped; -1: none touched
};

// `sanitized` is mime::sanitize(content): whatever arrived leaves readable
// by any peer, every part with a valid Content-Type (an empty one once hung
// a peer gateway), CRLF, short lines; a clean message passes octet for
// octet.
prepared_content prepare_content(std::string content, mime::sanitize_result sanitized, addressing::mapper* mapper,
                                 std::string const& x400_originator, std::vector<std::string> const& x400_recipients)
{
    prepared_content out;
    out.sanitized = std::move(sanitized);
    if (!out.sanitized.unchanged)
        content = std::move(out.sanitized.message);
    out.sanitized.message = {};
    if (mapper) {
        // Header addresses, role "header" (RFC 2156 4.3): an O/R address
        // written at our domain whose MIXER mapping names an RFC 822
        // address is rewritten to it. Other addresses stay: an X.400-side
        // peer maps RFC 822 addresses itself, and an unmapped O/R address
        // is already in its RFC 822 form (the std-or local part at our
        // domain).
        int rewritten = 0;
        auto map = [&](std::string_view spec) {
            auto mapped = mapper->rewrite_header_address(spec);
            rewritten += mapped ? 1 : 0;
            return mapped;
        };
        if (auto mapped = rewrite_address_headers(content, map)) {
            out.rewritten = rewritten;
            content = std::move(*mapped);
        }
        // RFC 2156 5.3.4 (X400-Originator, X400-Recipients): the envelope's
        // original X.400 forms survive the mapping.
        std::string added;
        if (!x400_originator.empty())
            added += "X400-Originator: " + x400_originator + "\r\n";
        if (!x400_recipients.empty()) {
            std::string list;
            for (auto const& r : x400_recipients)
                list += (list.empty() ? "" : ",\r\n\t") + r;
            added += "X400-Recipients: " + list + "\r\n";
        }
        if (!added.empty())
            content = added + content;
    }
    out.content = std::move(content);
    return out;
}

} // namespace

std::string smtp_server_session::trace_header(transaction const& t) const
{
    smtp::received_info r;
    r.helo = helo_;
    r.peer_address = peer_address_;
    r.by = rt_.cfg.hostname;
    r.esmtp = state_.esmtp;
    r.tls = state_.tls;
    r.authenticated = state_.authenticated;
    r.utf8 = t.options.smtputf8;
    r.id = t.qid;
    // "for" names the recipient only when there is exactly one, as Postfix does.
    if (t.recipients.size() == 1)
        r.for_recipient = t.recipients.front().address;
    auto const date = queue::render_date(std::chrono::system_clock::now());
    r.date = date;
    return smtp::render_received(r);
}

task<smtp::reply> smtp_server_session::finish(std::string body)
{
    auto& t = *tx_;
    // RFC 5321 6.3: a message that has passed this many MTAs is going round
    // in circles (a route or an MX that leads back); refused before it is
    // queued, so the loop ends here and the sender's MTA reports it.
    auto const limit = rt_.cfg.limits.max_hops;
    if (auto const hops = smtp::count_received(body, limit); hops >= limit) {
        log(t.qid, "reject data from=" + envelope(t.reverse_path) + " dsn=5.4.6 (mail loop: " + std::to_string(hops) +
                       " Received: fields) session=" + id_);
        co_return smtp::replies::mail_loop(hops);
    }
    // RFC 6758 3.1: a priority tunnelled through a relay without the
    // extension, in the message's one MT-Priority field, where MAIL gave
    // none; taken as MAIL's would be (a stranger may only lower it).
    if (!t.priority_asked) {
        if (auto const asked = smtp::header_priority(body)) {
            t.options.priority = smtp::accepted_priority({trusted_, state_.authenticated}, *asked);
            log(t.qid, "mt_priority=" + std::to_string(t.options.priority) + " (MT-Priority field" +
                           (t.options.priority != *asked ? ", asked " + std::to_string(*asked) : std::string()) + ")");
        }
    }
    auto trace = trace_header(t);
    prepared_content prepared;
    bool done_here = false;
    if (body.size() <= inline_sanitize_steps / 2) {
        // An ordinary small message is prepared here, within a step
        // allowance that costs less than the two thread hand-offs to the
        // MIME pool and back (each a context switch on the commit's path).
        // One that needs more (a large or hostile shape) stops at the
        // allowance and is done again on the pool.
        mime::sanitize_options quick;
        quick.parse_limits.max_steps = inline_sanitize_steps;
        if (auto s = mime::sanitize(body, quick); !s.over_limit) {
            prepared = prepare_content(std::move(body), std::move(s), rt_.mapper, t.x400_originator, t.x400_recipients);
            prepared.content.insert(0, trace);
            done_here = true;
        }
    }
    if (!done_here) {
        // Off the I/O thread: other sessions go on while this one is
        // parsed, and while the trace header is put in front of it (a copy,
        // or a move within its buffer, of up to message_size octets).
        auto prepare = [content = std::move(body), mapper = rt_.mapper, originator = t.x400_originator,
                        recipients = t.x400_recipients, trace = std::move(trace)]() mutable {
            auto sanitized = mime::sanitize(content);
            auto out = prepare_content(std::move(content), std::move(sanitized), mapper, originator, recipients);
            out.content.insert(0, trace);
            return out;
        };
        prepared = co_await run_cpu(rt_, std::move(prepare));
    }
    auto const& sanitized = prepared.sanitized;
    if (!sanitized.unchanged) {
        auto const summary = rt_.m.count_repairs(sanitized.changes);
        log(t.qid, "mime repaired changes=" + summary + (sanitized.over_limit ? " over_limit=yes" : "") +
                       (sanitized.changes.empty() ? "" : " (" + printable(sanitized.changes.front().text) + ")"));
    }
    if (prepared.rewritten >= 0)
        log(t.qid, "map headers addresses=" + std::to_string(prepared.rewritten));
    db::new_message m;
    m.key = t.key;
    m.qid = t.qid;
    m.sender = t.reverse_path.render();
    m.options = t.options;
    m.client = peer_;
    m.body = std::move(prepared.content);
    m.recipients = std::move(t.recipients);
    auto* const scheduler = rt_.scheduler;
    bool const hand_off = scheduler && scheduler->takes_hand_off(t.options.priority);
    if (hand_off) {
        m.lease_owner = rt_.owner;
        m.lease_seconds = static_cast<int>(rt_.cfg.lease.count());
    }
    bool committed = false;
    try {
        co_await commit_message(rt_.committer, m, rt_.cfg.commit_timeout);
        committed = true;
    } catch (std::exception const& e) {
        report_db_failure(rt_.m, t.qid, "commit failed from=" + envelope(t.reverse_path) + " dsn=4.3.0 session=" + id_,
                          e);
    }
    if (!committed)
        co_return smtp::replies::try_again_later("Queue unavailable, try again later");
    rt_.m.messages_received.Increment();
    log(t.qid, "queued from=" + envelope(t.reverse_path) + " nrcpt=" + std::to_string(m.recipients.size()) +
                   " size=" + std::to_string(m.body.size()) + " session=" + id_);
    if (hand_off)
        scheduler->hand_off(std::move(m));
    else if (scheduler)
        scheduler->wake();
    co_return smtp::replies::queued(t.qid);
}

namespace {

// A connection we will not serve gets one line and is closed, without a
// session, a coroutine or a wait.
void turn_away(tcp::socket& socket, smtp::reply const& r)
{
    auto const text = r.render();
    error_code ec;
    socket.non_blocking(true, ec);
    asio::write(socket, asio::buffer(text), ec);
    socket.close(ec);
}

} // namespace

task<void> run_listener(runtime& rt, tcp::acceptor& acceptor, listener const& where)
{
    asio::steady_timer pause(acceptor.get_executor());
    bool short_of_resources = false;
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || rt.stopping)
                co_return;
            if (resource_shortage(ec)) {
                // One line per episode, then a pause: sessions that end give
                // descriptors back, and accept() is tried again.
                if (!short_of_resources)
                    fail("listener", "accept failed, pausing new connections until resources free up (" +
                                         ec.message() + ")");
                short_of_resources = true;
                pause.expires_after(std::chrono::milliseconds(250));
                (void)co_await pause.async_wait(use_tuple);
                continue;
            }
            warn("listener", "accept failed (" + ec.message() + ")");
            continue;
        }
        if (short_of_resources) {
            log("listener", "accepting connections again");
            short_of_resources = false;
        }
        if (rt.sessions.size() >= rt.cfg.max_sessions) {
            rt.m.count_rejection(421, "4.7.0");
            turn_away(socket, smtp::replies::too_many_sessions(rt.cfg.hostname));
            continue;
        }
        error_code rec;
        // Replies are written whole, so Nagle's algorithm only ever holds
        // back the second of two writes in a row (a TLS 1.3 session ticket,
        // then the reply to the first command under TLS) until the
        // client's delayed ACK: 40 ms, measured, on a client that sets
        // TCP_NODELAY itself.
        socket.set_option(tcp::no_delay(true), rec);
        auto const remote = socket.remote_endpoint(rec);
        auto const address = rec ? std::string("unknown") : remote.address().to_string();
        bool const counted = !rt.cfg.trusted(address);
        if (counted) {
            auto const verdict = rt.clients.open(address, std::chrono::steady_clock::now());
            if (verdict != smtp::client_limits::verdict::ok) {
                log("listener", "reject connect from=" + address + " dsn=4.7.0 (" +
                                    (verdict == smtp::client_limits::verdict::too_many_sessions
                                         ? "too many sessions from this address)"
                                         : "connection rate limit)"));
                rt.m.count_rejection(421, "4.7.0");
                turn_away(socket, smtp::replies::too_many_connections_from_client(rt.cfg.hostname));
                continue;
            }
        }
        asio::co_spawn(
            acceptor.get_executor(),
            [&rt, s = std::move(socket), counted, &where]() mutable -> task<void> {
                smtp_server_session session(rt, std::move(s), counted, where);
                co_await session.run();
            },
            report_exceptions("session"));
    }
}

} // namespace x400gw::gateway
