// gateway/smtp_client/session.hpp
//
// One outbound SMTP connection to a next hop (RFC 5321), reusable for
// several transactions. Every reply, from the greeting to QUIT, is read
// through smtp::reply_parser, so multi-line replies split at any octet and
// spread over any delay (a "354-" line, then seconds later the "354 " line)
// read the same. With PIPELINING (RFC 2920) the envelope and DATA go in one
// write and the replies are read in order (Postfix's sender/receiver
// split, in coroutine form).
#pragma once

#include "gateway/config/config.hpp"
#include "gateway/io.hpp"
#include "gateway/metrics/metrics.hpp"
#include "gateway/smtp/ehlo.hpp"
#include "gateway/smtp/limits.hpp"
#include "gateway/smtp/reply_parser.hpp"
#include "queue/message_options.hpp"
#include "queue/outcome.hpp"

#include <array>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace x400gw::gateway {

// The peer broke the protocol or the connection: caught once, where the
// attempt's outcome is recorded; never crosses that boundary.
class peer_error : public std::runtime_error {
public:
    peer_error(std::string const& why, std::string status = "4.4.2")
        : std::runtime_error(why), status_(std::move(status)) {}
    std::string const& status() const noexcept { return status_; }

private:
    std::string status_;
};

struct envelope_to_send {
    std::string reverse_path;                 // without <>; "" for <>
    std::vector<std::string> forward_paths;
    // RFC 3461 NOTIFY and ORCPT, passed on to a next hop that offers DSN;
    // parallel to forward_paths (or empty).
    std::vector<std::string> notify, orcpt;
    // Each passed on to a next hop that offers its extension (DSN,
    // MT-PRIORITY when not 0, SMTPUTF8; REQUIRETLS, which delivery checked
    // the next hop offers).
    queue::message_options options;
    std::string_view body;                    // as stored; dot-stuffed while sending
};

// What TLS this connection must have (RFC 3207 as a client), from the
// route's policy; `context` verifies or not as the level asks.
struct client_tls {
    tls_level level = tls_level::may;
    std::shared_ptr<asio::ssl::context> context;
    std::string host;           // SNI, and the name `verify` checks
    bool plaintext = false;     // this attempt skips STARTTLS (the fallback after a failed handshake)
};

class smtp_client_session {
public:
    smtp_client_session(tcp::socket socket, std::string remote, smtp::client_timeouts const& t,
                        std::string helo_name, metrics& m);
    ~smtp_client_session();

    // Greeting, EHLO (HELO when EHLO is refused), and STARTTLS as `tls`
    // asks, then EHLO again. Throws peer_error (status 4.7.5 for a failed
    // handshake, with handshake_failed() set), or returns the refusal when
    // the greeting or HELO was a 4xx/5xx reply, or 4.7.5 when TLS is
    // required and cannot be had.
    task<std::optional<queue::outcome>> open(client_tls const& tls);
    bool handshake_failed() const noexcept { return handshake_failed_; }
    // "TLSv1.3:TLS_AES_256_GCM_SHA384:verified", "TLSv1.2:...:unverified" or "none".
    std::string const& tls_summary() const noexcept { return tls_summary_; }

    // The envelope's mail; one outcome per forward path, in order. One
    // transaction, and another for the recipients refused with 452 (too
    // many recipients, RFC 5321 4.5.3.1.10) as long as each delivers some.
    // Throws peer_error when the connection is no longer usable.
    task<std::vector<queue::outcome>> send(envelope_to_send const& e);

    task<void> quit();
    void close() noexcept;   // shutdown past its grace: the pending operation fails
    bool usable() const noexcept { return usable_; }
    smtp::capabilities const& capabilities() const noexcept { return caps_; }
    std::string const& remote() const noexcept { return remote_; }

private:
    struct tls_stream;
    beast::tcp_stream& transport() noexcept;   // the TCP layer, under TLS or not
    task<smtp::reply> read_reply(std::chrono::seconds timeout);
    // One mail transaction; `refused_452[i]`: forward path i was refused
    // with 452, and may go in the next transaction.
    task<std::vector<queue::outcome>> send_transaction(envelope_to_send const& e, std::vector<bool>& refused_452);
    task<void> write(std::string const& data, std::chrono::seconds timeout);
    task<void> write(std::array<asio::const_buffer, 2> data, std::chrono::seconds timeout);
    task<std::optional<queue::outcome>> start_tls(client_tls const& tls);
    task<bool> ehlo();

    metrics& m_;
    std::shared_ptr<asio::ssl::context> tls_context_;   // outlives tls_
    beast::tcp_stream stream_;      // moved into tls_ by STARTTLS
    std::unique_ptr<tls_stream> tls_;
    std::string tls_summary_ = "none";
    bool handshake_failed_ = false;
    beast::flat_buffer input_;
    smtp::reply_parser replies_;
    std::string remote_;
    smtp::client_timeouts timeouts_;
    std::string helo_name_;
    smtp::capabilities caps_;
    bool usable_ = false;
    bool need_rset_ = false;
    metrics::session_guard gauge_;
};

} // namespace x400gw::gateway
