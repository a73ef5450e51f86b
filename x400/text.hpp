// x400/text.hpp
//
// Text helpers the X.400 modules share: UTF-8 output, hexadecimal and JSON
// string rendering, and T.61 (ITU-T T.61 / CCITT Teletex, the repertoire
// of TeletexString) to and from UTF-8.
//
// T.61 as x400gw reads it:
//   0x00..0x7f   ASCII. T.61's primary set lacks \ ^ ` { } ~ and prints a
//                currency sign at 0x24, but TeletexString values in the
//                field are ASCII there, so the G0 half is ASCII both ways.
//   0xa0..0xbf   the supplementary set's symbols (¡ ¢ £ $ ¥ # § ¤ « ° ± ...)
//   0xc1..0xcf   non-spacing diacritics (grave, acute, circumflex, tilde,
//                macron, breve, dot, diaeresis, ring, cedilla, underline,
//                double acute, ogonek, caron), written BEFORE the letter
//                they modify: 0xc2 'e' is é. A diacritic and letter with a
//                precomposed Unicode character become that character; any
//                other pair the letter and the combining mark (U+03xx);
//                a diacritic before a space or at the end its spacing form;
//                0xc9, the umlaut of older editions, is read as 0xc8.
//   0xe0..0xfe   the supplementary letters (Ω Æ Đ ª Ħ Ĳ Ŀ Ł Ø Œ º Þ Ŧ Ŋ ŉ
//                ĸ æ đ ð ħ ı ĳ ŀ ł ø œ ß þ ŧ ŋ)
// Octets T.61 leaves undefined (0x80..0x9f C1 controls, 0xc0, 0xd0..0xdf,
// 0xe5, 0xff) and ESC (sequences that switch sets) have no reading: they
// become U+FFFD and are counted.
//
// Pure functions, no allocation beyond their output, never throw.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace x400gw::x400::text {

// A code point as UTF-8; surrogates and values above U+10FFFF as U+FFFD.
void append_utf8(std::string& out, char32_t cp);
// Two lower-case hexadecimal digits.
void append_hex(std::string& out, unsigned char octet);
std::string hex(std::string_view octets);
// A JSON string: ", \ and the usual controls escaped, every other octet
// outside printable ASCII as \u00XX (the strings are not always UTF-8).
void append_json_string(std::string& out, std::string_view s);

std::string latin1_to_utf8(std::string_view latin1);

// T.61 octets to UTF-8. `unmapped`, when given, receives the number of
// octets that had no reading (each written as U+FFFD).
std::string t61_to_utf8(std::string_view t61, std::size_t* unmapped = nullptr);
// UTF-8 to T.61: every character the table above can write, precomposed
// letters as diacritic + letter. Any other character becomes '?', counted
// in `unrepresentable` when given (so is a malformed UTF-8 sequence).
std::string utf8_to_t61(std::string_view utf8, std::size_t* unrepresentable = nullptr);
// Whether utf8_to_t61 can write all of it.
bool t61_representable(std::string_view utf8);

// Decodes one UTF-8 sequence at `s[i]`, advancing `i`; U+FFFD (and one
// octet) for a malformed sequence.
char32_t next_utf8(std::string_view s, std::size_t& i) noexcept;

} // namespace x400gw::x400::text
