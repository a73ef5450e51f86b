// mime/limits.hpp
//
// Every number the MIME parser enforces, with its reason. Past a limit the
// parser does not fail: the rest of the entity becomes opaque content and
// the part carries a flag (see part.hpp). The defaults follow what the most
// robust IMAP server does (Dovecot: 100 levels, 10,000 parts) and what
// Postfix allows for one header block.
#pragma once

#include <cstddef>

namespace x400gw::mime {

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
    // still matched up to this length (real mail has them), longer ones are
    // treated as missing. It also bounds the bytes kept of each body line.
    std::size_t max_boundary_length = 200;
};

} // namespace x400gw::mime
