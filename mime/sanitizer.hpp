// mime/sanitizer.hpp
//
// Rewrites a message so that any RFC-conforming peer can read it, keeping
// the content of every part whose content could be decoded. Never fails:
// every input yields a message. The gateway runs it on every message at the
// end of DATA, so an already clean message costs one parse and a copy.
//
// What comes out (RFC 2045-2049, RFC 5322, RFC 6152):
//   - every entity (top level, each part, each message/rfc822 inside) has
//     exactly one non-empty, valid Content-Type; a missing, empty or
//     unparsable one becomes RFC 2045's default (text/plain;
//     charset=us-ascii, or message/rfc822 inside multipart/digest);
//   - CRLF line ends only, a final CRLF, no line over 998 octets, no NUL;
//     header fields "Name: value" (folded); "MIME-Version: 1.0" at the top
//     (comments after it, RFC 2045 section 4, kept);
//   - each multipart has a valid boundary (regenerated when the original was
//     missing, invalid, a prefix of an enclosing one, or when a line of its
//     content starts with it, RFC 2046 5.1.1), at least one part, and a
//     close delimiter;
//   - at most one Content-Transfer-Encoding per entity, one of 7bit, 8bit,
//     quoted-printable, base64 (never binary); composites only 7bit/8bit;
//     the body is valid for it (QP and base64 lines at most 76 characters);
//   - with seven_bit (the next hop lacks 8BITMIME, RFC 6152): no octet above
//     127 anywhere and no 8bit or binary label; 8-bit bodies become
//     quoted-printable (mostly ASCII text) or base64, 8-bit header text
//     RFC 2047 encoded words (utf-8 when valid, else unknown-8bit), 8-bit
//     parameter values RFC 2231, a report's UTF-8 recipient addresses
//     RFC 6533 utf-8-addr-xtext;
//   - kept: the decoded octets of every part whose content decodes (text
//     and message/* line ends become CRLF), its media type where it was
//     valid, and the names and values of header fields other than the MIME
//     ones. A base64 or quoted-printable multipart or message/rfc822
//     (RFC 2045 6.4 forbids them) is decoded and its parts written again. A
//     message/* leaf keeps its type unless its content cannot travel as
//     7bit or 8bit (docs/mime.md says when). What needs no repair keeps its
//     octets: a valid base64 or quoted-printable body its lines (bare line
//     ends become CRLF), a multipart its empty preamble and epilogue lines,
//     so a signature over a part (multipart/signed, DKIM) still holds.
//
// The work is bounded by limits::max_steps, checked as it is done; past it
// the rest of the message is one opaque part and the result is over_limit.
//
// What it refuses to do: guess charsets, convert between them, or repair
// content that does not decode (invalid base64 or quoted-printable is
// decoded as far as it goes and re-encoded; the part carries the parser's
// flag). Parts over a parser limit leave as application/octet-stream.
#pragma once

#include "mime/limits.hpp"
#include "mime/part.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace x400gw::mime {

struct sanitize_options {
    bool seven_bit = false; // the next hop lacks 8BITMIME
    // Structure and work limits; parse_limits.max_steps is the step budget
    // of the whole run (see step_budget() for a time budget).
    limits parse_limits{};
};

// One kind of change the sanitizer made. `kind` is a stable snake_case word
// (a metrics label): content_type_added, content_type_replaced,
// content_type_duplicate_removed, mime_version_added, mime_version_fixed,
// boundary_regenerated, part_added, close_delimiter_added,
// line_ends_normalized, line_folded, header_encoded, header_fixed, parameter_dropped,
// header_line_dropped, nul_removed, cte_reencoded, cte_relabelled,
// cte_removed, made_opaque, preamble_dropped, epilogue_dropped,
// final_crlf_added, composite_decoded, charset_labelled. Changes of one kind are counted in one entry whose text
// describes the first.
struct change {
    std::string_view kind;
    std::string text;
    std::uint32_t part = 0; // index in document order of the first occurrence
    std::uint64_t count = 1;
};

struct sanitize_result {
    std::string message;
    std::vector<change> changes;
    bool over_limit = false; // a parser limit or the step budget was reached (see limits.hpp)
    bool unchanged = false;  // message is the input, octet for octet
    std::uint64_t steps = 0; // work spent, against parse_limits.max_steps
};

// `message_bytes` is the whole message as received (after SMTP
// dot-unstuffing); any octets are accepted.
sanitize_result sanitize(std::string_view message_bytes, sanitize_options const& options = {});

// The same, for a message the caller has parsed already (with the same
// bytes; `tree` must come from parsing exactly `message_bytes`).
sanitize_result sanitize(std::string_view message_bytes, message const& tree,
                         sanitize_options const& options = {});

// True when a hop without 8BITMIME needs the seven_bit sanitizer: some
// octet is above 127, or some line starts a Content-Transfer-Encoding
// field that says 8bit or binary (RFC 6152: such a label must not reach
// that hop either, even on 7-bit content). A cheap scan, no parse; a
// field name folded or spelled oddly may be missed or matched in a body,
// which costs one sanitizer run either way, never a wrong message.
bool needs_7bit_downgrade(std::string_view message_bytes) noexcept;

} // namespace x400gw::mime
