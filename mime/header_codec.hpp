// mime/header_codec.hpp
//
// Header field values MIME cares about: Content-Type and
// Content-Disposition with their parameters (RFC 2045 section 5.1,
// RFC 2183, RFC 2231 continuations and charsets, RFC 822 comments), and
// RFC 2047 encoded words for 8-bit header text on a 7-bit hop.
//
// Parsing is liberal (comments anywhere, unquoted values with spaces,
// stray semicolons, RFC 2231 segments in any order) and flags what it had to
// tolerate. Rendering is strict: tokens or quoted strings, RFC 2231 for
// values that cannot be quoted, folded lines. Refuses to know about
// addresses (see describe.cpp for the envelope).
#pragma once

#include "mime/part.hpp"

#include <cstddef>
#include <string>
#include <optional>
#include <string_view>

namespace x400gw::mime {

// RFC 2045 token: printable US-ASCII except SPACE and tspecials.
bool is_token(std::string_view s) noexcept;
// RFC 2046 section 5.1.1: 1-70 bchars, not ending in a space.
bool is_valid_boundary(std::string_view s) noexcept;
bool is_utf8(std::string_view s) noexcept;
bool has_8bit_octet(std::string_view s) noexcept;
// Decodes one UTF-8 sequence at `s[i]`, advancing `i` past it; nullopt,
// and one octet, for a malformed sequence (overlong, a surrogate, past
// U+10FFFF, cut short).
std::optional<char32_t> next_utf8(std::string_view s, std::size_t& i) noexcept;
bool iequals(std::string_view a, std::string_view b) noexcept;
// ASCII letters in either case: how a reader that splits at any line
// starting with "--boundary" may compare it (Courier's reformime does).
bool istarts_with(std::string_view s, std::string_view prefix) noexcept;
// A MIME-Version value that says 1.0: RFC 2045 section 4 allows comments
// and white space around it ("1.0 (produced by MetaSend Vx.x)").
bool is_mime_version_1_0(std::string_view value) noexcept;
std::string_view trim(std::string_view s) noexcept;
void to_lower(std::string& s) noexcept;

// Parses `raw` (an unfolded field value) into out. with_subtype: a
// Content-Type ("type/subtype"); otherwise a Content-Disposition. Returns
// false when the value has no usable type (empty, missing subtype, not a
// token): the caller then applies the default. Parameters are parsed even
// then. Tolerated defects go to d.
bool parse_field_value(std::string_view raw, bool with_subtype, std::size_t max_parameters,
                       field_value& out, defect_set& d);

// Appends "type/subtype; a=b; ..." (or "disposition; ...") to out, folding
// with CRLF SP so no line passes 78 octets where it can be helped and
// never 998. `column` is where the value starts on its line. Parameter
// values that are not 7-bit printable, or too long for a line, use RFC 2231
// (charset from the parameter, else utf-8 or unknown-8bit).
// `items`, if given, receives the number of parameters written (each
// RFC 2231 segment counts one, as the parser counts them).
void render_field_value(field_value const& v, std::size_t column, std::string& out,
                        std::size_t* items = nullptr);

// Appends text with every run of words holding an octet above 127 replaced
// by RFC 2047 "B" encoded words (utf-8 when the run is valid UTF-8,
// unknown-8bit otherwise, RFC 1428). A word with an "=?" that opens no
// whole encoded word is encoded too: lenient readers would read from it
// to the end of the next encoded word as one. Other octets are copied.
void encode_words(std::string_view text, std::string& out);

// An address field of RFC 5322 3.6.2-3.6.6 (From, To, Cc, Resent-*, ...)
// whose value is an address list: encode_address_list, not encode_words.
bool is_address_field(std::string_view name) noexcept;

// Appends an address list (RFC 5322 3.4) with its 8-bit text made 7-bit
// where RFC 2047 section 5 allows encoded words: a display name becomes
// encoded words as a whole (quotes and specials in it stay inside), a
// comment's text too. Word by word, `"M\xfcller, Hans" <h@x>` would leave
// the comma and a quote outside, and the list broken. An address with
// 8-bit octets (RFC 6532) has no 7-bit form: its mailbox becomes an empty
// group named by its display name and address (RFC 6857 section 3). A
// display name or comment with an "=?" that opens no whole encoded word
// is encoded as if it were 8-bit (see encode_words). The rest is copied as
// written.
void encode_address_list(std::string_view value, std::string& out);

// RFC 6533 section 3's utf-8-addr-xtext of a UTF-8 address (is_utf8),
// appended to out: each character outside QCHAR (the printable ASCII but
// "\\", "+" and "=") written \\x{HEXPOINT}, upper case, at least two
// digits; a \\x{...} already in the address is kept.
void append_utf8_addr_xtext(std::string_view address, std::string& out);

// One raw header field of a header block, as the sanitizer walks it.
struct raw_field {
    std::string_view name;  // empty for a line without a colon
    std::string_view value; // after the colon, continuation lines included
    std::string_view whole; // the field's lines, line ends included
    bool no_colon = false;
    bool space_before_colon = false;
};

// Where the line starting at `i` ends (its line end included): at LF,
// and with cr_line_ends (a message whose line ends are bare CRs, see
// message::cr_line_ends) at a bare CR too.
inline std::size_t line_after(std::string_view s, std::size_t i, bool cr_line_ends) noexcept
{
    // (find, a memchr, where only LF ends a line: find_first_of walks
    // octet by octet)
    auto e = cr_line_ends ? s.find_first_of("\r\n", i) : s.find('\n', i);
    if (e == std::string_view::npos)
        return s.size();
    return e + (s[e] == '\r' && e + 1 < s.size() && s[e + 1] == '\n' ? 2 : 1);
}

// The length of the line end that ends `line` (a line as line_after cuts
// it): 2 for CRLF, 1 for LF (or a bare CR with cr_line_ends), 0 for none.
inline std::size_t line_end_size(std::string_view line, bool cr_line_ends) noexcept
{
    if (line.ends_with("\r\n"))
        return 2;
    return line.ends_with('\n') || (cr_line_ends && line.ends_with('\r')) ? 1 : 0;
}

// Walks the header block: calls f(raw_field const&) for each field in
// order. Lines end at LF (and bare CR with cr_line_ends); a line starting
// with SP or HT continues the previous field (or is a field without a name
// when it comes first).
template <class F>
void for_each_field(std::string_view block, F&& f, bool cr_line_ends = false)
{
    std::size_t i = 0, n = block.size();
    while (i < n) {
        std::size_t start = i;
        // The first line, then any continuation lines.
        do {
            i = line_after(block, i, cr_line_ends);
        } while (i < n && (block[i] == ' ' || block[i] == '\t'));
        raw_field rf;
        rf.whole = block.substr(start, i - start);
        auto first = rf.whole;
        if (first.front() == ' ' || first.front() == '\t') {
            rf.no_colon = true;
        } else {
            auto lf = line_after(first, 0, cr_line_ends);
            auto colon = first.substr(0, lf).find(':');
            if (colon == std::string_view::npos) {
                rf.no_colon = true;
            } else {
                auto name = first.substr(0, colon);
                auto t = name.find_last_not_of(" \t");
                rf.space_before_colon = t + 1 != name.size();
                rf.name = name.substr(0, t == std::string_view::npos ? 0 : t + 1);
                rf.value = first.substr(colon + 1);
                if (rf.name.empty())
                    rf.no_colon = true;
            }
        }
        f(static_cast<raw_field const&>(rf));
    }
}

} // namespace x400gw::mime
