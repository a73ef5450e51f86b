// queue/dsn.hpp
//
// Delivery status notifications, RFC 3464 (message/delivery-status inside
// RFC 6522 multipart/report), with the original message's header as
// text/rfc822-headers (RET=HDRS, the default) or whole as message/rfc822
// (RET=FULL, RFC 3461 4.3). Pure: the caller supplies
// the time, the ids and the original message. A DSN is itself sent with a
// null reverse path (RFC 5321 4.5.5) so that it can never cause another.
#pragma once

#include "queue/outcome.hpp"
#include "queue/retry.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace x400gw::queue {

struct dsn_recipient {
    std::string address;          // the envelope forward path, without <>
    std::string action = "failed";   // or "relayed", "delayed" (RFC 3464 2.3.3)
    std::string status;           // "5.1.1"
    std::string diagnostic;       // "smtp; 550 5.1.1 No such user", or our words
    std::string remote_mta;       // host name or [address], may be empty
    std::string original_recipient;   // RFC 3461 ORCPT, "addr-type;address"; may be empty
    std::optional<clock_time> will_retry_until;   // with "delayed": when it will fail (RFC 3464 2.3.7)
};

struct dsn_request {
    std::string reporting_mta;    // our host name
    std::string qid;              // the original message's queue id
    std::string original_sender;  // where the DSN goes
    clock_time arrival;
    clock_time now;
    std::string message_id;       // for the DSN's own Message-ID, without <>
    std::vector<dsn_recipient> recipients;
    std::string_view original_message;   // the whole message, or its first octets
    bool original_complete = false;       // original_message is the whole message
    std::string envid;            // RFC 3461 ENVID, decoded; may be empty
    bool return_full = false;     // RFC 3461 RET=FULL
    // RFC 6533: the original was given with SMTPUTF8; a report on UTF-8
    // addresses is message/global-delivery-status, and a UTF-8 header
    // comes back as message/global-headers.
    bool utf8 = false;
};

// RFC 3461 4.1 and 5.2.2: the action a DSN reports for an outcome of a
// recipient whose NOTIFY is `notify` ("" when the client gave none: as
// FAILURE,DELAY), or "" for none. A success is reported ("relayed") only
// when NOTIFY asked for it and the next hop, not offering DSN, did not take
// the request on (`passed_on`); a deferral ("delayed") only when its delay
// report is due (`delay_due`, settlement::delay_due).
std::string_view notice_for(outcome_kind kind, std::string_view notify, bool passed_on, bool delay_due) noexcept;

// RET=FULL returns a failed message whole when it is at most this long
// (Postfix's bounce_size_limit); a longer one, or one with RET=HDRS or
// none, is returned as its header (returned_header_limit).
inline constexpr std::size_t returned_message_limit = 50000;

// RFC 5322 date-time in UTC: "Mon, 23 Nov 2026 16:40:34 +0000".
std::string render_date(clock_time t);

// The header section of a message: up to, not including, the first empty
// line (CRLF CRLF or LF LF); the whole message when there is none.
std::string_view header_section(std::string_view message) noexcept;

// How much of the original header a DSN returns. RFC 3462's
// text/rfc822-headers is for a person or a program to recognise the
// message, not to resend it; a cap keeps a message with a huge header
// (or a forged sender) from turning the gateway into an amplifier.
inline constexpr std::size_t returned_header_limit = 4096;

// The longest prefix of `header` that ends at a field boundary (a line that
// does not start with white space) and is at most `limit` octets; the
// whole header when it fits.
std::string_view capped_header(std::string_view header, std::size_t limit) noexcept;

// The complete DSN message, CRLF line ends. One DSN lists every recipient
// in `recipients`: callers gather a message's failures into one request.
std::string compose_dsn(dsn_request const& r);

} // namespace x400gw::queue
