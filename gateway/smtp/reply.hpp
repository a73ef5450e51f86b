// gateway/smtp/reply.hpp
//
// SMTP replies as values (RFC 5321 section 4.2, RFC 3463 enhanced status
// codes, RFC 2034 for where they appear). Reply codes are never formatted
// ad hoc at call sites: the named constructors in `replies` carry the code,
// the enhanced status and the wording, once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace x400gw::smtp {

struct enhanced_status {            // RFC 3463 class.subject.detail
    std::uint8_t cls = 0, subject = 0, detail = 0;
    bool empty() const noexcept { return cls == 0; }
    std::string render() const;     // "5.1.1", or "" when empty
    friend bool operator==(enhanced_status const&, enhanced_status const&) = default;
};

// Parses "x.y.z" at the start of `text` (RFC 3463 grammar: class 2, 4 or 5;
// subject and detail 1-3 digits). Returns the status and how many octets it
// took, or {{}, 0} when the text does not start with one.
std::pair<enhanced_status, std::size_t> parse_enhanced_status(std::string_view text) noexcept;

struct reply {
    int code = 0;                   // 250, 354, 451, 550 ...
    enhanced_status status;         // empty where RFC 2034 has none (greeting, 354)
    std::string text;               // lines of a multi-line reply joined by '\n'

    bool positive() const noexcept { return code / 100 == 2 || code / 100 == 3; }
    bool transient() const noexcept { return code / 100 == 4; }
    bool permanent() const noexcept { return code / 100 == 5; }

    // Wire form: every line "code-status text", the last "code status text",
    // each ending in CRLF.
    std::string render() const;
    void render_to(std::string& out) const;
    // One line for logs, the queue's last error and a bounce's diagnostic:
    // "550 5.1.1 text / more text", printable ASCII only (HTAB a space, any
    // other octet RFC 5321's textstring does not allow '?').
    std::string summary() const;
};

namespace replies {
reply greeting(std::string_view host);
reply helo(std::string_view host);                     // 250 to HELO (RFC 2034: no status)
reply closing(std::string_view host);
reply ok(std::string_view what = "Ok");
reply ok_sender();
reply ok_recipient();
reply start_data();
reply queued(std::string_view qid);
reply bdat_accepted(std::size_t octets);
reply cannot_vrfy();
reply help();
reply noop();
reply reset();

reply syntax_error(std::string_view why);              // 500 5.5.2
reply line_too_long();                                 // 500 5.5.2
reply unknown_command();                               // 500 5.5.1
reply not_implemented(std::string_view what);          // 502 5.5.1
reply parameter_syntax(std::string_view why);          // 501 5.5.4
reply bad_sequence(std::string_view why);              // 503 5.5.1
reply bad_parameter(std::string_view why);             // 555 5.5.4
reply bad_sender_syntax(std::string_view why);         // 501 5.1.7
reply bad_recipient_syntax(std::string_view why);      // 501 5.1.3
reply unknown_recipient(std::string_view why);         // 550 5.1.1
reply relay_denied(std::string_view why);              // 550 5.7.1 (no route)
reply relaying_denied();                               // 554 5.7.1 (relay control)
reply no_x400_route(std::string_view std_or);          // 550 5.1.2
reply tls_required();                                  // 530 5.7.0 (RFC 3207 4)
reply requiretls_without_tls();                        // 530 5.7.10 (RFC 8689 4.1: REQUIRETLS outside TLS)
reply mail_loop(std::size_t hops);                     // 554 5.4.6 (RFC 5321 6.3: too many Received: fields)
reply too_many_messages_from_client();                 // 450 4.7.1
reply too_many_connections_from_client(std::string_view host);   // 421 4.7.0
reply too_many_junk_commands(std::string_view host);   // 421 4.7.0
reply too_many_recipients();                           // 452 4.5.3
reply non_ascii_address();                             // 553 5.6.7 (RFC 6531 3.6.1)
reply too_many_sessions(std::string_view host);        // 421 4.7.0
reply message_too_big();                               // 552 5.3.4
reply message_too_big_for_size(std::uint64_t max);     // 552 5.3.4 (at MAIL)
reply no_valid_recipients();                           // 554 5.5.1
reply try_again_later(std::string_view why);           // 451 4.3.0
reply shutting_down(std::string_view host);            // 421 4.3.2
reply timeout(std::string_view host);                  // 421 4.4.2
reply too_many_errors(std::string_view host);          // 421 4.7.0
} // namespace replies

} // namespace x400gw::smtp
