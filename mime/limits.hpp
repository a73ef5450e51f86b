// mime/limits.hpp
//
// Every number the MIME parser enforces, with its reason. Past a limit the
// parser does not fail: the rest of the entity becomes opaque content and
// the part carries a flag (see part.hpp). The defaults follow what the most
// robust IMAP server does (Dovecot: 100 levels, 10,000 parts) and what
// Postfix allows for one header block.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace x400gw::mime {

// The longest field name kept: a name cannot be folded, and one longer
// leaves a line of 998 octets little room for its colon and value. No
// sender means one (binary data read as mail has them); it is dropped.
inline constexpr std::size_t max_field_name_bytes = 900;

struct limits {
    // Nesting of multiparts and message/rfc822. An entity at this depth that
    // claims to be composite is kept as one opaque application/octet-stream
    // leaf. The parser keeps one small frame per level, never a C++ stack
    // frame, so the bound is about memory per message, not recursion.
    std::size_t max_depth = 100;

    // Entities in one message (the top level counts). When one more is
    // needed, the rest of the input becomes a single opaque leaf.
    std::size_t max_parts = 10'000;

    // Octets of one entity's header block. Fields past it are skipped (not
    // interpreted); the body is still found. Postfix's header_size_limit is
    // 100 KiB per field; a whole block of 1 MiB is generous for real mail.
    std::size_t max_header_bytes = 1024 * 1024;

    // Octets kept of one MIME header field (Content-Type, ...) after
    // unfolding; the rest is dropped with a flag. Bounds memory per field.
    std::size_t max_field_bytes = 64 * 1024;

    // Parameters kept per Content-Type or Content-Disposition field
    // (RFC 2231 continuation segments count one each).
    std::size_t max_parameters = 64;

    // RFC 2046 section 5.1.1 allows 70 characters; longer boundaries are
    // still matched up to this length (real mail has them, and other
    // readers match them), longer ones are treated as missing. The default
    // is the longest whose close delimiter ("--" boundary "--") fits on a
    // line of 998 octets (RFC 5322 2.1.1). It also bounds the bytes held
    // back of a body line that starts with '-'.
    std::size_t max_boundary_length = 994;

    // Work units one parse or one sanitizer run may spend: an octet
    // scanned, a line ended, an open boundary compared with a line that
    // starts with "--", an octet decoded from an encoded composite. Clean
    // mail costs about one step per octet; what costs more is a hostile
    // shape (millions of "--" lines under a hundred open multiparts, layers
    // of base64 around message/rfc822). The count is checked at every line
    // end, so the bound holds while the work is done, not after it. Past
    // it the rest of the message is one opaque application/octet-stream
    // part (defect step_limit) and the result is over the limit, as with
    // max_parts. The default lets a 50 MB message of any ordinary shape
    // through twenty times over (about one step per octet) and stops a
    // hostile one after about a second on this class of machine (see
    // step_budget below and docs/mime.md).
    std::uint64_t max_steps = 1'000'000'000;

    // Levels of base64 or quoted-printable encoded multipart and
    // message/rfc822 entities (RFC 2045 6.4 forbids them; broken mailers
    // send them) the sanitizer decodes and parses again. Each level holds a
    // decoded copy, so the bound is about memory; an entity below it stays
    // opaque, its octets kept.
    std::size_t max_decode_nesting = 4;
};

// Steps per millisecond on the reference machine (2 cores,
// RelWithDebInfo) at the slowest rate measured (base64 validation; plain
// text runs at about twice this, the hostile "--" lines at 800,000): a
// time budget becomes a step budget with step_budget(), so a caller that
// has a duration (the gateway's conversion_budget) gets a bound the code
// checks as it goes, without reading a clock.
inline constexpr std::uint64_t steps_per_millisecond = 400'000;

constexpr std::uint64_t step_budget(std::chrono::milliseconds budget) noexcept
{
    return budget.count() <= 0 ? 0 : static_cast<std::uint64_t>(budget.count()) * steps_per_millisecond;
}

} // namespace x400gw::mime
