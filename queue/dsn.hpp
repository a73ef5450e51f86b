// queue/dsn.hpp
//
// Delivery status notifications, RFC 3464 (message/delivery-status inside
// RFC 6522 multipart/report), with the original message's header as
// text/rfc822-headers (RET=HDRS, the default). Pure: the caller supplies
// the time, the ids and the original message. A DSN is itself sent with a
// null reverse path (RFC 5321 4.5.5) so that it can never cause another.
#pragma once

#include "queue/retry.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace x400gw::queue {

struct dsn_recipient {
    std::string address;          // the envelope forward path, without <>
    std::string action = "failed";
    std::string status;           // "5.1.1"
    std::string diagnostic;       // "smtp; 550 5.1.1 No such user", or our words
    std::string remote_mta;       // host name or [address], may be empty
};

struct dsn_request {
    std::string reporting_mta;    // our host name
    std::string qid;              // the original message's queue id
    std::string original_sender;  // where the DSN goes
    clock_time arrival;
    clock_time now;
    std::string message_id;       // for the DSN's own Message-ID, without <>
    std::vector<dsn_recipient> recipients;
    std::string_view original_message;
};

// RFC 5322 date-time in UTC: "Mon, 23 Nov 2026 16:40:34 +0000".
std::string render_date(clock_time t);

// The header section of a message: up to, not including, the first empty
// line (CRLF CRLF or LF LF); the whole message when there is none.
std::string_view header_section(std::string_view message) noexcept;

// The complete DSN message, CRLF line ends.
std::string compose_dsn(dsn_request const& r);

} // namespace x400gw::queue
