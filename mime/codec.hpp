// mime/codec.hpp
//
// Content-Transfer-Encodings of RFC 2045 sections 6.7 (quoted-printable)
// and 6.8 (base64): lenient decoders, strict encoders, and incremental
// validators the push parser runs line by line.
//
// The decoders never fail. They decode as far as the input allows (bad
// characters skipped, bad escapes kept literally, a truncated quantum
// dropped) and say whether the input was valid. The encoders produce
// CRLF lines of at most 76 characters, the RFC's limit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace x400gw::mime {

// Reads a body line by line as the parser does: a line ends at CRLF, a
// bare CR or a bare LF.
//
//   body_lines lines(text);
//   for (std::string_view line, eol; lines.next(line, eol);) ...
class body_lines {
public:
    explicit body_lines(std::string_view text) noexcept : text_(text) {}
    // The next line and its line end (empty for a last line without one);
    // false when the text is spent.
    bool next(std::string_view& line, std::string_view& eol) noexcept
    {
        if (at_ == text_.size())
            return false;
        auto end = text_.find_first_of("\r\n", at_);
        if (end == std::string_view::npos)
            end = text_.size();
        auto const after = end + (text_.substr(end, 2) == "\r\n" ? 2 : end < text_.size() ? 1 : 0);
        line = text_.substr(at_, end - at_);
        eol = text_.substr(end, after - end);
        at_ = after;
        return true;
    }
    // What follows the line last read.
    std::string_view rest() const noexcept { return text_.substr(at_); }

private:
    std::string_view text_;
    std::size_t at_ = 0;
};

// The value of a hex digit of either case; -1 for any other character.
int hex_digit(char c) noexcept;

// Appends `escape` and the octet as two upper-case hex digits: "=E9" in
// quoted-printable and Q encoded words, "%E9" in RFC 2231 values.
void append_hex_escape(std::string& out, char escape, unsigned char octet);

// Appends the decoded octets to out; returns false if the input was not
// valid base64 (characters outside the alphabet other than CR, LF, a
// misplaced or missing '=', a truncated final quantum).
bool decode_base64(std::string_view in, std::string& out);
// Lines of at most 76 characters, each ended with CRLF.
void encode_base64(std::string_view in, std::string& out);
// One run of base64, padded, without line breaks: an encoded word's text.
void append_base64(std::string_view in, std::string& out);

// A body labelled base64 that was never encoded: three of its lines, or
// most of them, have white space between words, as text and header fields
// do. An encoder never writes that (a base64 line is one run of the
// alphabet), and a damaged base64 body (a stray character, a cut) has no
// such line. The lines of words may be few among base64 ones: a
// message/partial that was not encoded may hold an encoded attachment.
// Decoding such a body as base64 would turn it into noise.
bool base64_label_is_false(std::string_view body) noexcept;

// Appends the decoded octets to out; returns false if the input was not
// valid quoted-printable (bad or lower-case escape, soft break at the very
// end, octets that must have been encoded, whitespace before a line end).
// Line ends in the input (CRLF, bare LF, bare CR) become CRLF.
bool decode_qp(std::string_view in, std::string& out);

// Encodes out of the octets in. With text=true, CRLF, bare LF and bare CR in
// the input are line ends (written as CRLF), but a CR right before a CRLF
// is an octet (=0D: what "=0D" at a line's end decodes to); otherwise they
// are octets (=0D, =0A). A '-' or '.' starting an encoded line is written as an escape,
// so no encoded line can look like a MIME delimiter or an SMTP end of data.
// The result does not end in a soft line break: when the input does not end
// with a line end, neither does the output, and the caller decides.
void encode_qp(std::string_view in, std::string& out, bool text);

// Line by line validators for the push parser. feed() gets a line's octets
// without its line end, possibly in several pieces; end_line() ends it.
class base64_validator {
public:
    void feed(std::string_view piece) noexcept;
    void end_line() noexcept { line_ = 0; }
    // Call once at the end of the body.
    bool valid() const noexcept { return !bad_ && (count_ % 4) == 0; }
    bool long_line() const noexcept { return long_; }

private:
    std::uint64_t count_ = 0; // alphabet characters and '=' seen
    std::uint64_t line_ = 0;
    int pad_ = 0;             // '=' seen
    bool bad_ = false, long_ = false;
};

class qp_validator {
public:
    void feed(std::string_view piece) noexcept;
    void end_line() noexcept;
    // last_eol_in_body: the body's last line end belongs to the body (top
    // level), not to the delimiter that follows (RFC 2046 5.1.1). A soft
    // break whose line end is the delimiter's leaves the body ending in "=".
    bool valid(bool last_eol_in_body) const noexcept
    {
        return !bad_ && !(soft_at_end_ && !last_eol_in_body);
    }
    bool long_line() const noexcept { return long_; }

private:
    int escape_ = 0;          // hex digits still expected after '='
    bool soft_ = false;       // line ended in '=' so far
    bool soft_at_end_ = false;
    bool trailing_space_ = false;
    bool bad_ = false, long_ = false;
    std::uint64_t line_ = 0;
};

} // namespace x400gw::mime
