// mime/part.hpp
//
// The part tree that mime::parser builds: one flat vector of entities in
// document order (pre-order), linked by index, so no part owns another and
// walking a 1,000-level tree needs no recursion. Offsets point into the
// message as fed; the tree keeps no body octets.
//
// Each tolerated defect is a flag on the entity where it was seen. Flags are
// data, not errors: every input yields a tree.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace x400gw::mime {

// Tolerated defects, one bit each. Names (defect_name) are stable
// snake_case words for JSON output, logs and tests.
enum class defect : std::uint32_t {
    bare_lf,                  // LF without CR
    bare_cr,                  // CR without LF
    nul_octet,                // NUL in header or body
    eight_bit_header,         // octet > 127 in a header field
    eight_bit_in_7bit,        // octet > 127 in a body declared 7bit (or undeclared)
    long_line,                // line over 998 octets (RFC 5322 2.1.1)
    header_without_colon,     // header line that is neither a field nor a continuation
    space_before_colon,       // "Name : value"
    header_starts_with_space, // first header line is a continuation
    invalid_field_name,       // octets outside RFC 5322 ftext in a field name
    no_header_end,            // input ended inside the header
    header_limit,             // header block over limits::max_header_bytes
    field_truncated,          // a MIME field over limits::max_field_bytes
    duplicate_content_type,   // the first wins (as Dovecot does)
    content_type_empty,       // "Content-Type:" with nothing after the colon
    content_type_invalid,     // no subtype, bad token, garbage
    parameter_invalid,        // broken parameter syntax or RFC 2231 gap
    parameter_limit,          // more than limits::max_parameters
    duplicate_parameter,      // same attribute twice; the first wins
    duplicate_cte,            // two Content-Transfer-Encoding fields
    unknown_cte,              // body kept opaque
    encoded_composite,        // base64/QP on multipart or message (RFC 2045 6.4)
    invalid_base64,
    invalid_qp,
    missing_boundary,         // multipart without a usable boundary parameter
    invalid_boundary,         // boundary with characters or length RFC 2046 refuses
    boundary_not_found,       // no delimiter line: one part holds the whole body
    boundary_junk,            // text after the boundary on a delimiter line
    boundary_prefix,          // boundary is a prefix of an enclosing one, or the reverse
    unterminated_multipart,   // no close delimiter
    empty_multipart,          // delimiters but no part
    depth_limit,              // composite at limits::max_depth, kept opaque
    part_limit,               // the rest of the message after limits::max_parts
    missing_mime_version,     // top level only
    boundary_in_content,      // a line starts with "--" and an enclosing boundary but is no delimiter
    step_limit,               // the rest of the message after limits::max_steps
    boundary_not_plain,       // the boundary is not written whole in the field: folded, RFC 2231 continued or encoded
    header_not_ended,         // no empty line: the header ended at a delimiter of the part's own boundary
    cte_empty,                // a Content-Transfer-Encoding with no value (empty, a comment): read as absent
    count_                    // not a defect: the number of defects
};

using defect_set = std::uint64_t;
static_assert(static_cast<unsigned>(defect::count_) <= 64);

constexpr defect_set bit(defect d) noexcept
{
    return defect_set{1} << static_cast<unsigned>(d);
}

std::string_view defect_name(defect d) noexcept;

struct parameter {
    std::string name;   // lower case, RFC 2231 "*" suffixes removed
    std::string value;  // unquoted, continuations joined, %XX decoded
    std::string charset; // RFC 2231 charset, empty if none
};

// A parsed Content-Type or Content-Disposition value.
struct field_value {
    std::string type;     // lower case; for Content-Disposition the disposition
    std::string subtype;  // lower case; empty for Content-Disposition
    std::vector<parameter> params;

    std::string const* param(std::string_view name) const noexcept;
};

enum class transfer_encoding : std::uint8_t {
    none,     // no field: 7bit by RFC 2045 section 6.1
    seven_bit,
    eight_bit,
    binary,
    quoted_printable,
    base64,
    unknown,
};

// The envelope fields of an entity that is a message (top level or inside
// message/rfc822), in RFC 3501 ENVELOPE order. Unfolded raw values.
enum class envelope_field : std::uint8_t {
    date, subject, from, sender, reply_to, to, cc, bcc, in_reply_to, message_id, count_
};

inline constexpr std::uint32_t no_part = 0xffffffffu;

struct part {
    // Tree links, indices into message::parts.
    std::uint32_t parent = no_part;
    std::uint32_t first_child = no_part;
    std::uint32_t next_sibling = no_part;
    std::uint32_t depth = 0;

    // Offsets in the input. header_end is where the body separator (the
    // empty line) starts, or the end of the header lines when there is none;
    // body_begin follows the separator. body_end excludes the line end that
    // belongs to the next delimiter (RFC 2046 section 5.1.1).
    std::uint64_t header_begin = 0, header_end = 0;
    std::uint64_t body_begin = 0, body_end = 0;
    // Multipart only: end of the preamble (start of the first delimiter
    // line's preceding line end) and start of the epilogue (after the close
    // delimiter line), both in input offsets.
    std::uint64_t preamble_end = 0, epilogue_begin = 0;
    bool has_epilogue = false;

    // Body size in octets counting a bare LF as CRLF, and line ends, as
    // IMAP servers report them in BODYSTRUCTURE.
    std::uint64_t size = 0, lines = 0;

    defect_set defects = 0;

    // What the body holds, so the sanitizer need not rescan clean parts.
    bool body_8bit = false, body_nul = false, body_bare_eol = false, body_long_line = false;
    bool encoded_long_line = false; // base64 or QP line over 76 characters
    // A header line of this entity had a NUL, a bare CR or LF, or more
    // than 998 octets (8-bit octets are the eight_bit_header defect).
    bool header_dirty = false;
    bool synthesized = false;      // no header of its own: made up by the parser

    field_value content_type;      // effective: the RFC 2045 default when defaulted
    bool content_type_present = false; // a Content-Type field was seen
    bool content_type_defaulted = false; // missing, empty or unparsable
    bool charset_defaulted = false; // its charset=us-ascii is the default's, not written
    bool opaque = false;           // limit reached: body kept as application/octet-stream
    bool is_message_root = false;  // top level or child of message/rfc822

    transfer_encoding encoding = transfer_encoding::none;
    std::string encoding_token;    // as written, lower case, for BODYSTRUCTURE
    // The Content-Transfer-Encoding field holds more than its token (white
    // space after it, a comment): readers that compare the whole value
    // (Python's email) miss the encoding, so it is written again.
    bool cte_not_plain = false;

    std::string boundary;          // the usable boundary of a multipart
    std::string mime_version;      // the first MIME-Version value of the header
    std::uint32_t mime_version_count = 0;
    bool has_disposition = false;
    field_value disposition;
    std::string id, description, md5, language, location;
    bool has_id = false, has_description = false, has_md5 = false, has_language = false,
         has_location = false;

    std::array<std::string, static_cast<std::size_t>(envelope_field::count_)> envelope;
    std::array<bool, static_cast<std::size_t>(envelope_field::count_)> has_envelope{};

    bool is_multipart() const noexcept { return !opaque && content_type.type == "multipart"; }
    bool is_message() const noexcept
    {
        return !opaque && first_child != no_part && content_type.type == "message";
    }
    bool has(defect d) const noexcept { return (defects & bit(d)) != 0; }
    // The parameters it keeps written as application/octet-stream (opaque,
    // or a message/* leaf that cannot be carried): its name, which readers
    // give an attachment whose Content-Disposition names none. The opaque
    // holder of the rest of the message (a limit reached) holds more than
    // its own part and gets none.
    std::vector<parameter> octet_params() const;
};

// The parse result. parts[0] is the top level; parts are in document order.
struct message {
    std::vector<part> parts;
    std::uint64_t input_size = 0;
    // Whole-input facts for the sanitizer's fast path.
    bool any_8bit = false, any_nul = false, any_bare_eol = false, any_long_line = false;
    // The first line end is a bare CR followed by text (classic Mac OS):
    // bare CRs end every line, header lines included, as they do for
    // readers that take CR, LF and CRLF alike. Otherwise a bare CR in a
    // header is a character ("\r\r\n" a doubled line end, one line end).
    bool cr_line_ends = false;
    // How the top-level header was read: as cr_line_ends, except in an
    // entity whose decoded body decided its own line ends after a header
    // read as the outer message's (parser::read_entity_of).
    bool root_header_cr_line_ends = false;
    // The line ends a walk over part `p`'s header must cut at, as the
    // parser read them.
    bool header_cr_line_ends(part const& p) const noexcept
    {
        return p.parent == no_part ? root_header_cr_line_ends : cr_line_ends;
    }
    bool over_limit = false;   // some limit was reached
    std::uint64_t steps = 0;   // work the parse spent (limits::max_steps)
    defect_set all_defects = 0; // union over parts
};

} // namespace x400gw::mime
