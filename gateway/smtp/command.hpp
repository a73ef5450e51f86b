// gateway/smtp/command.hpp
//
// SMTP commands, RFC 5321 section 4.1, with the extensions x400gw offers:
// SIZE (RFC 1870), 8BITMIME (RFC 6152), PIPELINING (RFC 2920),
// ENHANCEDSTATUSCODES (RFC 2034, RFC 3463), CHUNKING (RFC 3030), DSN (RFC
// 3461: RET and ENVID on MAIL, NOTIFY and ORCPT on RCPT). Sans-I/O:
// a line becomes a typed command once, or a reply that refuses it.
//
//   mail = "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF
//   rcpt = "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" /
//                       Forward-path ) [SP Rcpt-parameters] CRLF
//   Path = "<" [ A-d-l ":" ] Mailbox ">"     (the source route is ignored, 4.1.2)
//   Mailbox = Local-part "@" ( Domain / address-literal )
//   Local-part = Dot-string / Quoted-string
//   bdat = "BDAT" SP chunk-size [ SP end-marker ] CRLF   (RFC 3030)
#pragma once

#include "gateway/smtp/reply.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace x400gw::smtp {

enum class verb { ehlo, helo, mail, rcpt, data, bdat, rset, noop, quit, vrfy, expn, help, starttls, auth };
std::string_view verb_name(verb v) noexcept;   // lower case, as logs and metrics say it

enum class body_type { unspecified, seven_bit, eight_bit_mime };

struct mailbox {
    std::string local_part;   // as written: a quoted local part keeps its quotes
    std::string domain;       // empty only for <Postmaster>
    std::string render() const;   // local@domain, or local
    bool null() const noexcept { return local_part.empty() && domain.empty(); }
};

struct command {
    verb what{};
    std::string argument;          // EHLO/HELO domain, VRFY/HELP text, AUTH mechanism and initial response
    mailbox path;                  // MAIL reverse path (null for <>), RCPT forward path
    std::optional<std::uint64_t> size;   // MAIL SIZE=
    body_type body = body_type::unspecified;
    std::optional<std::string> auth;     // MAIL AUTH= (RFC 4954 5), xtext decoded: "<>" or the submitter
    // RFC 3461, empty when not given. MAIL: ret "FULL" or "HDRS"; envid
    // decoded from xtext. RCPT: notify "NEVER" or some of "SUCCESS",
    // "FAILURE", "DELAY" in that order, comma-separated; orcpt
    // "addr-type;address", the address decoded from xtext.
    std::string ret, envid, notify, orcpt;
    std::optional<int> priority;   // MAIL MT-PRIORITY= (RFC 6710), -9 to 9
    bool require_tls = false;      // MAIL REQUIRETLS (RFC 8689)
    bool smtputf8 = false;         // MAIL SMTPUTF8 (RFC 6531): UTF-8 addresses and header fields
    std::uint64_t chunk_size = 0;  // BDAT
    bool last_chunk = false;       // BDAT ... LAST
};

using parsed_command = std::variant<command, reply>;

// `line` is a command line without its CR LF.
parsed_command parse_command(std::string_view line);

// RFC 6710 3's priority-value, a sign and one digit, -9 to 9 (MAIL's
// MT-PRIORITY parameter, and RFC 6758's MT-Priority field once its
// comments and white space are gone); nullopt for anything else.
std::optional<int> parse_priority(std::string_view text) noexcept;

// RFC 3461 4: xtext = *( xchar / hexchar ), xchar = "!".."~" less "+"
// and "=", hexchar = "+" and two upper-case hex digits. Empty is no value.
std::optional<std::string> decode_xtext(std::string_view text);
std::string encode_xtext(std::string_view text);

// A mailbox (without angle brackets) checked against RFC 5321 4.1.2.
// Returns the reason when it is not one.
std::optional<std::string> parse_mailbox(std::string_view text, mailbox& out);

} // namespace x400gw::smtp
