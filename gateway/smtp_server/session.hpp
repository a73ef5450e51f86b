// gateway/smtp_server/session.hpp
//
// One inbound SMTP session (RFC 5321), as a coroutine whose program
// position is the protocol state: greet, then a command loop with DATA and
// BDAT as nested loops. The pure rules live in gateway/smtp/; this file
// only moves bytes and applies effects (routing, the queue).
#pragma once

#include "gateway/runtime.hpp"
#include "gateway/smtp/command.hpp"
#include "gateway/smtp/line_reader.hpp"
#include "gateway/smtp/reply.hpp"
#include "gateway/smtp/server_rules.hpp"

#include <optional>

namespace x400gw::gateway {

class smtp_server_session {
public:
    // `counted`: the client's address was counted in rt.clients, and is
    // released when the session ends.
    smtp_server_session(runtime& rt, tcp::socket socket, bool counted, listener const& where);
    ~smtp_server_session();
    smtp_server_session(smtp_server_session const&) = delete;
    smtp_server_session& operator=(smtp_server_session const&) = delete;

    task<void> run();
    // SIGTERM: a session between transactions is told 421 and closed now;
    // one inside a transaction finishes it first.
    void shutdown();
    // The grace period is over: close whatever is left.
    void abort();

private:
    // The mail transaction (RFC 5321 3.3), from MAIL to the end of data or
    // RSET: the session holds at most one.
    struct transaction {
        std::uint64_t key = 0;
        std::string qid;
        smtp::mailbox reverse_path;
        queue::message_options options;   // what MAIL asked (the priority as accepted)
        bool priority_asked = false;      // MAIL gave MT-PRIORITY (else the header may, RFC 6758)
        std::vector<db::new_recipient> recipients;
        std::string body;           // BDAT chunks so far
        // RFC 2156 5.3: the envelope's X.400 forms where they were mapped to
        // RFC 822, kept in X400-Originator: and X400-Recipients:.
        std::string x400_originator;
        std::vector<std::string> x400_recipients;
    };

    using clock = std::chrono::steady_clock;

    struct tls_stream;
    beast::tcp_stream& tcp() noexcept;   // the TCP layer, under TLS or not
    task<error_code> write_all(std::string_view data);
    task<std::pair<error_code, std::size_t>> read_some();
    task<bool> start_tls();

    task<std::optional<std::string>> read_line();
    task<bool> fill(clock::time_point deadline);
    void arm_read_deadline(clock::time_point deadline);
    void on_read_deadline();
    clock::time_point data_deadline(clock::time_point started, std::uint64_t octets) const;
    task<void> flush();
    void queue_reply(smtp::reply r);
    void refuse(smtp::reply r);     // queue_reply, and count it as an error
    // Answers `cmd` with `r` (a 5xx counts as an error) and moves the pure
    // session state on; the transaction data goes when the state says so.
    void respond(smtp::command const& cmd, smtp::reply r);
    void end_transaction();

    task<void> proceed(smtp::command const& cmd);
    task<void> on_auth(smtp::command const& cmd);
    task<smtp::reply> on_mail(smtp::command const& cmd);
    smtp::reply on_rcpt(smtp::command const& cmd);
    task<void> on_data(smtp::command const& cmd);
    task<void> on_bdat(smtp::command const& cmd);
    task<smtp::reply> finish(std::string body);
    std::string trace_header(transaction const& t) const;

    runtime& rt_;
    std::shared_ptr<asio::ssl::context> tls_context_;   // as at connect: a reload does not pull it away
    beast::tcp_stream stream_;      // moved into tls_ by STARTTLS
    std::unique_ptr<tls_stream> tls_;
    // The deadline of a command line or DATA block. The stream's own
    // deadline closes the socket when it fires, and the 421 could not be
    // written after it: this timer only cancels the read.
    asio::steady_timer read_timer_;
    clock::time_point read_deadline_ = clock::time_point::max();
    bool reading_ = false;
    bool read_timed_out_ = false;
    // The timer's handler may already be queued when the session ends;
    // it reaches the session only through this.
    std::shared_ptr<smtp_server_session*> self_;
    beast::flat_buffer input_;
    std::string output_;
    smtp::line_reader lines_;
    std::string id_;
    std::string peer_;              // "[addr]:port" for logs
    std::string peer_address_;
    std::string helo_;
    smtp::session_state state_;
    smtp::server_policy policy_;
    bool implicit_tls_ = false;
    std::optional<metrics::session_guard> tls_gauge_;
    bool trusted_ = false;          // the client is in relay_networks
    bool counted_ = false;
    bool closing_ = false;
    bool idle_ = true;              // waiting for a command outside a transaction
    std::size_t errors_ = 0;
    std::size_t junk_ = 0;          // NOOP, RSET, VRFY, HELP
    std::optional<transaction> tx_;
    std::map<std::string, int, std::less<>> commands_;   // verb -> count, for the disconnect line
    metrics::session_guard gauge_;
};

// Accepts on one address and runs a session per connection.
task<void> run_listener(runtime& rt, tcp::acceptor& acceptor, listener const& where);

} // namespace x400gw::gateway
