// gateway/smtp_client/session.cpp
#include "gateway/smtp_client/session.hpp"

#include <boost/asio/write.hpp>

#include <algorithm>

namespace x400gw::gateway {
namespace {

queue::outcome outcome_of(smtp::reply const& r, std::string const& remote)
{
    return queue::outcome::from_reply(r.code, r.status.render(), r.summary(), remote);
}

bool has_8bit(std::string_view s)
{
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

} // namespace

std::string stuff_body(std::string_view body)
{
    std::string out;
    out.reserve(body.size() + body.size() / 64 + 8);
    bool line_start = true;
    for (std::size_t i = 0; i < body.size(); ++i) {
        char const c = body[i];
        if (line_start && c == '.')
            out += '.';
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < body.size() && body[i + 1] == '\n')
                ++i;
            line_start = true;
        } else if (c == '\n') {
            out += "\r\n";
            line_start = true;
        } else {
            // Copy the rest of the line in one go.
            auto const end = body.find_first_of("\r\n", i);
            auto const n = (end == std::string_view::npos ? body.size() : end) - i;
            out.append(body.substr(i, n));
            i += n - 1;
            line_start = false;
        }
    }
    if (!line_start)
        out += "\r\n";
    out += ".\r\n";
    return out;
}

smtp_client_session::smtp_client_session(tcp::socket socket, std::string remote, smtp::client_timeouts const& t,
                                         std::string helo_name, metrics& m)
    : stream_(std::move(socket)), remote_(std::move(remote)), timeouts_(t), helo_name_(std::move(helo_name)),
      gauge_(m.client_sessions)
{
}

task<smtp::reply> smtp_client_session::read_reply(std::chrono::seconds timeout)
{
    for (;;) {
        auto [state, used] = replies_.feed(readable(input_));
        input_.consume(used);
        if (state == smtp::reply_parser::status::done)
            co_return replies_.take();
        if (state == smtp::reply_parser::status::malformed) {
            usable_ = false;
            throw peer_error("malformed reply from " + remote_ + ": " + std::string(replies_.why()), "4.5.0");
        }
        stream_.expires_after(timeout);   // per phase, RFC 5321 4.5.3.2
        auto [ec, n] = co_await stream_.async_read_some(input_.prepare(16 * 1024), use_tuple);
        if (ec) {
            usable_ = false;
            throw peer_error(ec == beast::error::timeout ? "conversation with " + remote_ + " timed out"
                                                         : "lost connection with " + remote_ + " (" + ec.message() + ")");
        }
        input_.commit(n);
    }
}

task<void> smtp_client_session::write(std::string const& data, std::chrono::seconds timeout)
{
    stream_.expires_after(timeout);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(data), use_tuple);
    (void)n;
    if (ec) {
        usable_ = false;
        throw peer_error("lost connection with " + remote_ + " while sending (" + ec.message() + ")");
    }
}

task<std::optional<queue::outcome>> smtp_client_session::open()
{
    auto greeting = co_await read_reply(timeouts_.greeting);
    if (greeting.code != 220) {
        co_await quit();
        co_return outcome_of(greeting, remote_);
    }
    co_await write("EHLO " + helo_name_ + "\r\n", timeouts_.ehlo);
    auto ehlo = co_await read_reply(timeouts_.ehlo);
    if (ehlo.code == 250) {
        caps_ = smtp::parse_ehlo(ehlo);
    } else {
        // RFC 5321 4.1.4: fall back to HELO when EHLO is not understood.
        co_await write("HELO " + helo_name_ + "\r\n", timeouts_.ehlo);
        auto helo = co_await read_reply(timeouts_.ehlo);
        if (helo.code != 250) {
            co_await quit();
            co_return outcome_of(helo, remote_);
        }
        caps_ = {};
    }
    usable_ = true;
    co_return std::nullopt;
}

task<std::vector<queue::outcome>> smtp_client_session::send(envelope_to_send const& e)
{
    std::vector<queue::outcome> out(e.forward_paths.size());
    if (caps_.size && e.body.size() > caps_.size) {
        for (auto& o : out)
            o = queue::outcome::permanent("5.3.4", "message size " + std::to_string(e.body.size()) +
                                                       " exceeds the limit of " + remote_, remote_);
        co_return out;
    }
    if (need_rset_) {
        co_await write("RSET\r\n", timeouts_.mail);
        auto r = co_await read_reply(timeouts_.mail);
        if (r.code != 250)
            throw peer_error("RSET refused by " + remote_ + ": " + r.summary());
        need_rset_ = false;
    }
    std::string mail = "MAIL FROM:<" + e.reverse_path + ">";
    if (caps_.size)
        mail += " SIZE=" + std::to_string(e.body.size());
    if (caps_.eight_bit_mime && has_8bit(e.body))
        mail += " BODY=8BITMIME";
    mail += "\r\n";
    std::vector<std::string> rcpts;
    for (auto const& f : e.forward_paths)
        rcpts.push_back("RCPT TO:<" + f + ">\r\n");

    smtp::reply mail_reply;
    std::vector<smtp::reply> rcpt_replies;
    smtp::reply data_reply;
    need_rset_ = true;   // until the transaction ends cleanly
    if (caps_.pipelining) {
        // RFC 2920: MAIL, every RCPT and DATA in one write; the replies in order.
        std::string batch = mail;
        for (auto const& r : rcpts)
            batch += r;
        batch += "DATA\r\n";
        co_await write(batch, timeouts_.mail);
        mail_reply = co_await read_reply(timeouts_.mail);
        for (std::size_t i = 0; i < rcpts.size(); ++i)
            rcpt_replies.push_back(co_await read_reply(timeouts_.rcpt));
        data_reply = co_await read_reply(timeouts_.data_init);
    } else {
        co_await write(mail, timeouts_.mail);
        mail_reply = co_await read_reply(timeouts_.mail);
        if (mail_reply.code == 250) {
            for (auto const& r : rcpts) {
                co_await write(r, timeouts_.rcpt);
                rcpt_replies.push_back(co_await read_reply(timeouts_.rcpt));
            }
        }
    }
    if (mail_reply.code != 250) {
        for (auto& o : out)
            o = outcome_of(mail_reply, remote_);
        if (caps_.pipelining && data_reply.code == 354) {
            // The peer accepted DATA with no transaction: end it empty.
            co_await write(".\r\n", timeouts_.data_term);
            (void)co_await read_reply(timeouts_.data_term);
        }
        co_return out;
    }
    bool any_accepted = false;
    for (std::size_t i = 0; i < rcpt_replies.size(); ++i) {
        if (rcpt_replies[i].code / 100 == 2)
            any_accepted = true;
        else
            out[i] = outcome_of(rcpt_replies[i], remote_);
    }
    if (!any_accepted) {
        if (caps_.pipelining && data_reply.code == 354) {
            co_await write(".\r\n", timeouts_.data_term);
            (void)co_await read_reply(timeouts_.data_term);
        }
        co_return out;
    }
    if (!caps_.pipelining) {
        co_await write("DATA\r\n", timeouts_.data_init);
        data_reply = co_await read_reply(timeouts_.data_init);
    }
    if (data_reply.code != 354) {
        for (std::size_t i = 0; i < rcpt_replies.size(); ++i)
            if (rcpt_replies[i].code / 100 == 2)
                out[i] = outcome_of(data_reply, remote_);
        co_return out;
    }
    co_await write(stuff_body(e.body), timeouts_.data_block);
    auto const final_reply = co_await read_reply(timeouts_.data_term);
    need_rset_ = false;
    for (std::size_t i = 0; i < rcpt_replies.size(); ++i)
        if (rcpt_replies[i].code / 100 == 2)
            out[i] = outcome_of(final_reply, remote_);
    co_return out;
}

void smtp_client_session::close() noexcept
{
    usable_ = false;
    error_code ignored;
    stream_.socket().close(ignored);
}

task<void> smtp_client_session::quit()
{
    usable_ = false;
    stream_.expires_after(timeouts_.quit);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(std::string_view("QUIT\r\n")), use_tuple);
    (void)n;
    if (!ec) {
        try {
            (void)co_await read_reply(timeouts_.quit);
        } catch (peer_error const&) {
            // A peer that hangs up instead of answering QUIT changes nothing.
        }
    }
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
}

} // namespace x400gw::gateway
