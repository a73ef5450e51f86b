// mime/unwrap.hpp
//
// An encoded composite (base64 or quoted-printable on a multipart or a
// message/rfc822, which RFC 2045 6.4 forbids and broken mailers send) as
// the entity it stands for. The parser keeps such a body opaque (one
// pass); the sanitizer writes the entity below out as the composite it
// says it is, and `describe` shows its tree, so both read it alike.
#pragma once

#include "mime/limits.hpp"
#include "mime/part.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace x400gw::mime {

// A part the parser kept opaque because of its base64 or quoted-printable
// label, and no limit besides: its entity can be unwrapped.
bool unwrappable(part const& p) noexcept;

struct unwrapped {
    // The part's header without its Content-Transfer-Encoding (and with
    // its type written out when it came from the context: message/rfc822
    // in a multipart/digest), written with CRLF and no bare CR, its lines
    // without a colon dropped; an empty line, then its body decoded, or
    // as it stands when the label is false.
    std::string entity;
    // A multipart whose raw body shows more delimiter lines of its
    // boundary than its decoded body was never encoded: a mailer copied
    // its parts' label onto it. Base64 has no "-"; a quoted-printable
    // encoder writes a boundary's "=" as "=3D" and ends the line before a
    // delimiter with a hard line break, while decoding a base64 part's
    // padding "=" at the end of its last line would join that line and
    // the next delimiter. So is any body labelled base64 that is not
    // base64 (base64_label_is_false). Such a body is kept as it stands,
    // as the readers that ignore the label read it.
    bool as_it_stands = false;
    // Header lines without a field name left out of `entity`.
    std::size_t lines_dropped = 0;
};

// `in` is the input `m` was parsed from; `p` a part of `m` for which
// unwrappable() holds.
unwrapped unwrap(std::string_view in, message const& m, part const& p);

struct unwrapped_entity {
    unwrapped u;
    limits sub;   // what was left of the limits
    message tree; // u.entity parsed within them
};

// unwrap(), then parse the entity (its header read as `m` was, a decoded
// body with its own line ends: parser::read_entity_of) with what is left
// of `lim`, so that the whole output parses again within the same limits:
// the depth below `p`, `parts_left` more parts besides its own root, the
// steps left. The raw body and the parse are charged to `steps_left`.
// Nothing when the steps left do not cover the raw body (nothing is
// charged then).
std::optional<unwrapped_entity> parse_unwrapped(std::string_view in, message const& m, part const& p,
                                                limits const& lim, std::size_t parts_left,
                                                std::uint64_t& steps_left);

} // namespace x400gw::mime
