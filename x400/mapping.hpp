// x400/mapping.hpp
//
// Interpersonal messages between X.400 and RFC 822/MIME: RFC 2156 for the
// heading and the envelope (section 5 and appendix A: the X400-* fields,
// IPM and MTS identifiers to and from Message-ID and X400-MTS-Identifier,
// trace to X400-Received, Priority, Importance, Sensitivity, Expiry-Date,
// Reply-By, Obsoletes, References, In-Reply-To, Autoforwarded) and RFC 2157
// for the body (ia5-text and general-text to text/plain, the file transfer
// body part to an attachment, message body parts to message/rfc822, and
// application/x400-bp encapsulation for every body part MIME has no
// equivalent for, so nothing is lost silently). Addresses go through
// addressing::mapper, so the MIXER tables and the PRMD rules hold. What
// this module writes passes through mime::sanitize before it leaves.
//
// Reports map to RFC 3464 DSNs and back (RFC 2156 section 6): delivery and
// non-delivery per recipient, reason and diagnostic codes to RFC 3463
// status codes, the subject message named by Original-Envelope-Id. IPNs map
// to RFC 8098 MDNs and back (receipt: displayed; non-receipt: deleted or
// dispatched), their X.400 particulars in X400-* fields. No clock, no
// randomness: the time and the local identifiers come in as arguments.
#pragma once

#include "addressing/mapper.hpp"
#include "x400/p1.hpp"
#include "x400/p22.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace x400gw::x400 {

// The SMTP envelope of a message mapped from X.400 (RFC 5321 and the DSN
// parameters of RFC 3461: NOTIFY per recipient, RET, ENVID).
struct smtp_envelope {
    std::string mail_from;
    struct recipient {
        std::string address;
        std::string notify;                      // "NEVER", "FAILURE", "SUCCESS,FAILURE"
        std::string orcpt;                       // the X.400 recipient in std-or form
    };
    std::vector<recipient> rcpt_to;
    std::string ret;                             // "FULL" or "HDRS"
    std::string envid;                           // the MTS identifier as X400-MTS-Identifier writes it
};
std::string to_json(smtp_envelope const& e);     // one line

struct mime_message {
    std::string message;                         // RFC 5322, CRLF line ends, sanitized
    smtp_envelope envelope;
    std::vector<std::string> losses;             // what did not survive, as the headers say it
};

// Why a message cannot be mapped (exit status 3 of x400gwctl x400 to-mime/from-mime).
struct mapping_refusal {
    std::string why;
};

addressing::result<mime_message, mapping_refusal> to_mime(p1::mts_apdu const& apdu, addressing::mapper const& map);

struct from_mime_input {
    std::string message;                         // RFC 5322 octets
    std::string mail_from;
    std::vector<std::string> rcpt_to;
    std::int64_t now = 0;                        // seconds since the epoch: trace and Date fallback
    std::string local_identifier;                // MTS and IPM identifiers when the message has none
};
addressing::result<p1::mts_apdu, mapping_refusal> from_mime(from_mime_input const& in, addressing::mapper const& map);

// A probe answered on the X.400 side (SMTP has no probe; RFC 2156 5.5):
// a report to its originator whose subject is the probe, one entry per
// recipient this MTA is responsible for that asks for a report: a
// delivery report when the content type is interpersonal messaging and
// the recipient maps to RFC 822 (a message would be delivered), else a
// non-delivery report (unable-to-transfer with content-type-not-supported
// or unrecognised-OR-name). Refused when no recipient asks for a report.
addressing::result<p1::report, mapping_refusal> answer_probe(p1::probe const& probe, addressing::mapper const& map,
                                                            std::int64_t now, std::string const& local_identifier);

// RFC 5322 date-time <-> UTCTime, for the fields above.
std::string rfc5322_date(std::int64_t seconds_since_epoch);
std::optional<std::int64_t> parse_rfc5322_date(std::string_view text);

} // namespace x400gw::x400
