// addressing/ps_encoding.hpp
//
// Character classes of X.208 strings and RFC 2156 section 3.4 `ps-encoded`:
// ASCII carried in a PrintableString, used only inside the `RFC-822` DDA
// value (and its RFC822C1..C3 continuations), never in other attributes.
//
//   ps-encoded      = *( ps-restricted-char / ps-encoded-char )
//   ps-encoded-char = "(a)" / "(p)" / "(b)" / "(q)" / "(u)" / "(l)" / "(r)"
//                   / "(" 3DIGIT ")"                     ; 000..127
//
// Refuses: octets above 127 (encoding), and on decoding any "(" or ")" that
// is not part of one of the forms above, or a (ddd) above 127. RFC 2156
// allows "in some cases" a pass-through instead; that choice belongs to the
// caller (the header role passes raw values through, the envelope refuses).
#pragma once

#include "addressing/or_address.hpp"

#include <string>
#include <string_view>

namespace x400gw::addressing {

// PrintableString (X.208; RFC 2156 3.3.3): A-Z a-z 0-9 space ' ( ) + , - . / : = ?
bool is_printable_char(char ch) noexcept;
bool is_printable_string(std::string_view s) noexcept;
bool is_numeric_string(std::string_view s) noexcept; // digits and space
bool is_digits(std::string_view s) noexcept;         // 1*DIGIT

// ASCII -> ps-encoded. Fails only on octets above 127.
result<std::string> ps_encode(std::string_view ascii);
// ps-encoded -> ASCII. The letter forms are case-insensitive ("(A)" is "@").
result<std::string> ps_decode(std::string_view encoded);

} // namespace x400gw::addressing
