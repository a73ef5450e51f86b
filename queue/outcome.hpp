// queue/outcome.hpp
//
// What one delivery attempt of one recipient came to, as a value that
// carries what the log line and a DSN need (RFC 3464 Status, Diagnostic-
// Code, Remote-MTA). 2xx delivered, 4xx or a broken connection deferred,
// 5xx failed (RFC 5321 4.2.1).
#pragma once

#include <string>
#include <string_view>

namespace x400gw::queue {

// quarantined: the message cannot be converted for this next hop (a MIME
// limit or the conversion time budget, again and again); it is set aside.
enum class outcome_kind { delivered, deferred, failed, quarantined };
// "sent", "deferred", "bounced" (Postfix's words), "quarantined"
std::string_view outcome_name(outcome_kind k) noexcept;

struct outcome {
    outcome_kind kind = outcome_kind::deferred;
    std::string dsn_status;     // "2.0.0", "4.4.1", "5.1.1"
    std::string diagnostic;     // "smtp; 550 5.1.1 No such user", or our own words
    std::string remote_host;    // "mx.example[192.0.2.1]:25", or empty when never connected
    std::string tls;            // "TLSv1.3:TLS_AES_256_GCM_SHA384:verified", "none", or empty when never connected
    // The next hop offers DSN (RFC 3461) and was given the recipient's
    // NOTIFY: a success is its to report, not ours.
    bool notify_passed_on = false;

    // From an SMTP reply: its class decides; its enhanced status, when it
    // has one, is the DSN status, else a default for the class.
    static outcome from_reply(int code, std::string_view enhanced, std::string_view summary,
                              std::string_view remote_host);
    // Our own trouble (no connection, timeout, protocol error): deferred.
    static outcome transient(std::string_view status, std::string_view why, std::string_view remote_host);
    static outcome permanent(std::string_view status, std::string_view why, std::string_view remote_host);
};

} // namespace x400gw::queue
