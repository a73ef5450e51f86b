// gateway/smtp_client/session.cpp
#include "gateway/smtp_client/session.hpp"

#include "gateway/smtp/command.hpp"
#include "gateway/smtp/data_writer.hpp"
#include "gateway/smtp/server_rules.hpp"
#include "gateway/tls.hpp"
#include "mime/header_codec.hpp"

#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>

namespace x400gw::gateway {
namespace {

queue::outcome outcome_of(smtp::reply const& r, std::string const& remote)
{
    return queue::outcome::from_reply(r.code, r.status.render(), r.summary(), remote);
}

} // namespace


struct smtp_client_session::tls_stream {
    tls_stream(beast::tcp_stream&& plain, asio::ssl::context& ctx) : s(std::move(plain), ctx) {}
    beast::ssl_stream<beast::tcp_stream> s;
};

smtp_client_session::smtp_client_session(tcp::socket socket, std::string remote, smtp::client_timeouts const& t,
                                         std::string helo_name, metrics& m)
    : m_(m), stream_(std::move(socket)), remote_(std::move(remote)), timeouts_(t), helo_name_(std::move(helo_name)),
      gauge_(m.client_sessions)
{
}

smtp_client_session::~smtp_client_session() = default;

beast::tcp_stream& smtp_client_session::transport() noexcept { return tls_ ? tls_->s.next_layer() : stream_; }

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
        transport().expires_after(timeout);   // per phase, RFC 5321 4.5.3.2
        auto [ec, n] = tls_ ? co_await tls_->s.async_read_some(input_.prepare(16 * 1024), use_tuple)
                            : co_await stream_.async_read_some(input_.prepare(16 * 1024), use_tuple);
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
    co_await write({asio::buffer(data), asio::const_buffer()}, timeout);
}

task<void> smtp_client_session::write(std::array<asio::const_buffer, 2> data, std::chrono::seconds timeout)
{
    transport().expires_after(timeout);
    auto [ec, n] = tls_ ? co_await asio::async_write(tls_->s, data, use_tuple)
                        : co_await asio::async_write(stream_, data, use_tuple);
    (void)n;
    if (ec) {
        usable_ = false;
        throw peer_error("lost connection with " + remote_ + " while sending (" + ec.message() + ")");
    }
}

// EHLO, and its capabilities; false when it was refused.
task<bool> smtp_client_session::ehlo()
{
    co_await write("EHLO " + helo_name_ + "\r\n", timeouts_.ehlo);
    auto r = co_await read_reply(timeouts_.ehlo);
    if (r.code != 250)
        co_return false;
    caps_ = smtp::parse_ehlo(r);
    co_return true;
}

task<std::optional<queue::outcome>> smtp_client_session::open(client_tls const& tls)
{
    auto greeting = co_await read_reply(timeouts_.greeting);
    if (greeting.code != 220) {
        co_await quit();
        co_return outcome_of(greeting, remote_);
    }
    if (!co_await ehlo()) {
        // RFC 5321 4.1.4: fall back to HELO when EHLO is not understood.
        co_await write("HELO " + helo_name_ + "\r\n", timeouts_.ehlo);
        auto helo = co_await read_reply(timeouts_.ehlo);
        if (helo.code != 250) {
            co_await quit();
            co_return outcome_of(helo, remote_);
        }
        caps_ = {};
    }
    if (tls.level != tls_level::none && !tls.plaintext) {
        if (auto refused = co_await start_tls(tls))
            co_return refused;
    }
    usable_ = true;
    co_return std::nullopt;
}

task<std::optional<queue::outcome>> smtp_client_session::start_tls(client_tls const& tls)
{
    bool const required = tls.level == tls_level::encrypt || tls.level == tls_level::verify;
    auto cannot = [&](std::string why) -> task<std::optional<queue::outcome>> {
        if (!required) {
            tls_summary_ = "none";
            co_return std::nullopt;
        }
        co_await quit();
        co_return queue::outcome::transient("4.7.5", "TLS is required for " + remote_ + ": " + why, remote_);
    };
    if (!caps_.starttls)
        co_return co_await cannot("STARTTLS is not offered");
    co_await write("STARTTLS\r\n", timeouts_.ehlo);
    auto r = co_await read_reply(timeouts_.ehlo);
    if (r.code != 220)
        co_return co_await cannot("STARTTLS was refused (" + r.summary() + ")");
    if (input_.size() != 0) {
        // Octets after the 220 and before the handshake are not the
        // server's to send (RFC 3207 4.2); whoever sent them is not to be
        // trusted with the rest of the conversation.
        usable_ = false;
        handshake_failed_ = true;
        m_.tls_handshakes.Add({{"direction", "outbound"}, {"result", "failed"}}).Increment();
        throw peer_error(remote_ + " sent data after 220 to STARTTLS, before the TLS handshake", "4.7.5");
    }
    tls_context_ = tls.context;
    tls_ = std::make_unique<tls_stream>(std::move(stream_), *tls_context_);
    SSL* native = tls_->s.native_handle();
    SSL_set_tlsext_host_name(native, tls.host.c_str());
    if (tls.level == tls_level::verify) {
        SSL_set_verify(native, SSL_VERIFY_PEER, nullptr);
        SSL_set1_host(native, tls.host.c_str());
    }
    transport().expires_after(timeouts_.ehlo);
    auto [ec] = co_await tls_->s.async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (ec) {
        usable_ = false;
        handshake_failed_ = true;
        std::string why = ec.message();
        if (auto const v = SSL_get_verify_result(native); v != X509_V_OK)
            why = std::string("certificate ") + X509_verify_cert_error_string(v);
        m_.tls_handshakes.Add({{"direction", "outbound"}, {"result", ec == beast::error::timeout ? "timeout" : "failed"}})
            .Increment();
        tls_summary_ = "failed";
        throw peer_error("TLS handshake with " + remote_ + " failed: " + why, "4.7.5");
    }
    m_.tls_handshakes.Add({{"direction", "outbound"}, {"result", "ok"}}).Increment();
    tls_summary_ = std::string(SSL_get_version(native)) + ":" + SSL_get_cipher_name(native) + ":" +
                   (tls.level == tls_level::verify ? "verified" : "unverified");
    // RFC 3207 4.2: what the server offered before TLS is forgotten.
    caps_ = {};
    if (!co_await ehlo()) {
        usable_ = false;
        throw peer_error(remote_ + " refused EHLO after STARTTLS", "4.7.5");
    }
    co_return std::nullopt;
}

task<std::vector<queue::outcome>> smtp_client_session::send(envelope_to_send const& e)
{
    // RFC 5321 4.5.3.1.10: a server that answers 452 to some recipients
    // after taking others wants the rest in another transaction, now; a
    // backoff would spread one message over hours. Each further
    // transaction carries those the last one refused so, as long as the
    // last one delivered to some: the loop ends.
    std::vector<bool> again;
    auto out = co_await send_transaction(e, again);
    std::vector<std::size_t> sent(out.size());
    for (std::size_t i = 0; i < sent.size(); ++i)
        sent[i] = i;
    for (;;) {
        std::vector<std::size_t> rest;
        bool delivered = false;
        for (std::size_t k = 0; k < sent.size(); ++k) {
            if (again[k])
                rest.push_back(sent[k]);
            else if (out[sent[k]].kind == queue::outcome_kind::delivered)
                delivered = true;
        }
        if (rest.empty() || !delivered || !usable_)
            co_return out;
        envelope_to_send next{.reverse_path = e.reverse_path, .options = e.options, .body = e.body};
        for (auto i : rest) {
            next.forward_paths.push_back(e.forward_paths[i]);
            next.notify.push_back(i < e.notify.size() ? e.notify[i] : std::string());
            next.orcpt.push_back(i < e.orcpt.size() ? e.orcpt[i] : std::string());
        }
        auto const got = co_await send_transaction(next, again);
        for (std::size_t k = 0; k < rest.size(); ++k)
            out[rest[k]] = got[k];
        sent = std::move(rest);
    }
}

task<std::vector<queue::outcome>> smtp_client_session::send_transaction(envelope_to_send const& e,
                                                                         std::vector<bool>& refused_452)
{
    std::vector<queue::outcome> out(e.forward_paths.size());
    refused_452.assign(out.size(), false);
    // RFC 6758 3.3: a next hop without MT-PRIORITY gets the priority in the
    // gateway's own MT-Priority field, and no sender's.
    std::optional<std::string> tunnelled;
    if (!caps_.mt_priority)
        tunnelled = smtp::tunnel_priority(e.body, e.options.priority);
    std::string_view const body = tunnelled ? std::string_view(*tunnelled) : e.body;
    if (caps_.size && body.size() > caps_.size) {
        for (auto& o : out)
            o = queue::outcome::permanent("5.3.4", "message size " + std::to_string(body.size()) +
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
        mail += " SIZE=" + std::to_string(body.size());
    if (caps_.eight_bit_mime && mime::has_8bit_octet(body))
        mail += " BODY=8BITMIME";
    auto const& o = e.options;
    if (caps_.dsn && !o.dsn_ret.empty())
        mail += " RET=" + o.dsn_ret;
    if (caps_.dsn && !o.dsn_envid.empty())
        mail += " ENVID=" + smtp::encode_xtext(o.dsn_envid);
    if (caps_.mt_priority && o.priority != 0)
        mail += " MT-PRIORITY=" + std::to_string(o.priority);
    if (caps_.require_tls && o.require_tls)
        mail += " REQUIRETLS";
    if (caps_.smtputf8 && o.smtputf8)
        mail += " SMTPUTF8";
    mail += "\r\n";
    std::vector<std::string> rcpts;
    for (std::size_t i = 0; i < e.forward_paths.size(); ++i) {
        std::string rcpt = "RCPT TO:<" + e.forward_paths[i] + ">";
        if (caps_.dsn && i < e.notify.size() && !e.notify[i].empty())
            rcpt += " NOTIFY=" + e.notify[i];
        if (auto const semi = i < e.orcpt.size() ? e.orcpt[i].find(';') : std::string::npos;
            caps_.dsn && semi != std::string::npos)
            rcpt += " ORCPT=" + e.orcpt[i].substr(0, semi + 1) + smtp::encode_xtext(e.orcpt[i].substr(semi + 1));
        rcpts.push_back(rcpt + "\r\n");
    }

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
        refused_452[i] = rcpt_replies[i].code == 452;
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
    if (smtp::sendable_as_is(body)) {
        // The stored body as it is, and the end-of-data line: no copy.
        co_await write({asio::buffer(body), asio::buffer(".\r\n", 3)}, timeouts_.data_block);
    } else {
        co_await write(smtp::stuff_body(body), timeouts_.data_block);
    }
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
    transport().socket().close(ignored);
}

task<void> smtp_client_session::quit()
{
    usable_ = false;
    transport().expires_after(timeouts_.quit);
    auto [ec, n] = tls_ ? co_await asio::async_write(tls_->s, asio::buffer(std::string_view("QUIT\r\n")), use_tuple)
                        : co_await asio::async_write(stream_, asio::buffer(std::string_view("QUIT\r\n")), use_tuple);
    (void)n;
    if (!ec) {
        try {
            (void)co_await read_reply(timeouts_.quit);
        } catch (peer_error const&) {
            // A peer that hangs up instead of answering QUIT changes nothing.
        }
    }
    error_code ignored;
    transport().socket().shutdown(tcp::socket::shutdown_both, ignored);
    transport().socket().close(ignored);
}

} // namespace x400gw::gateway
