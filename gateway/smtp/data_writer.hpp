// gateway/smtp/data_writer.hpp
//
// The body as DATA sends it (RFC 5321 4.5.2): every line ended by CRLF, a
// leading "." doubled, then the end-of-data line. Pure; the SMTP client
// writes what these say.
#pragma once

#include <string>
#include <string_view>

namespace x400gw::smtp {

// The body with dot-stuffing (RFC 5321 4.5.2), bare LF and bare CR made
// CRLF (2.3.8), a final CRLF, and the end-of-data line.
std::string stuff_body(std::string_view body);

// True when `body` followed by ".\r\n" is exactly stuff_body(body): every
// line ends in CRLF (no bare CR or LF), none starts with ".", and the last
// one is ended. Every body the sanitizer writes or passes is so, unless a
// line starts with "."; the client then sends the stored body as it is,
// without a copy.
bool sendable_as_is(std::string_view body) noexcept;

} // namespace x400gw::smtp
