// mime/describe.hpp
//
// The part tree as text: IMAP BODYSTRUCTURE (RFC 3501 section 7.4.2, with
// extension data), the form mail engineers already read and tests diff;
// and a flat JSON listing with each part's flags and offsets, for tools.
//
// Both succeed for every tree the parser builds. An entity whose
// Content-Type was missing, empty or unparsable is shown with RFC 2045's
// default; a multipart with no part shows one empty text/plain, as
// RFC 3501 requires at least one. No recursion over the tree: a
// 1,000-level tree is walked with its parent links; only the entity of
// an encoded composite is described by a call of its own, at most
// limits::max_decode_nesting deep.
#pragma once

#include "mime/limits.hpp"
#include "mime/part.hpp"

#include <string>
#include <string_view>

namespace x400gw::mime {

// One line, no line end. Sizes count a bare LF as CRLF (as the parser
// measured them); the envelope of a message/rfc822 part comes from the
// nested message's header.
std::string describe(message const& m);

// The same, with each encoded composite (mime/unwrap.hpp) shown as the
// sanitizer writes it: its declared type, encoding and size, and inside
// it the tree of its decoded entity (or of its body as it stands, when
// its label is false), within what `l` leaves after `m`'s own parse, as
// in the sanitizer. `input` is what `m` was parsed from with `l`.
std::string describe(std::string_view input, message const& m, limits const& l = {});

// {"parts":[{"index":0,"parent":null,...,"flags":[...],"children":[...]},...]}
// One part per array element in document order, so nesting depth does not
// nest the JSON. Octets that are not UTF-8 are written as \u00XX.
std::string describe_json(message const& m);

} // namespace x400gw::mime
