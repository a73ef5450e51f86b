// mime/parser.hpp
//
// MIME push parser: bytes in, part tree out (RFC 2045 header fields,
// RFC 2046 multipart and message/rfc822 nesting, RFC 2231 parameters).
// Sans-I/O: feed it the message as it arrives, split anywhere; it keeps its
// place between calls and never throws on what it is given.
//
// It is liberal and bounded. Bare LF or bare CR line ends, broken or
// missing boundaries, header lines without a colon, unknown or invalid
// transfer encodings, NULs and 8-bit octets are tolerated and flagged on
// their part (see part.hpp). Time is linear in the input; memory is
// bounded by mime::limits plus the tree itself. No body octets are kept:
// the tree holds offsets into the message.
//
//   entity    := header [CRLF body]                     ; RFC 2045, 5322
//   multipart := preamble 1*(delimiter CRLF entity) close-delimiter epilogue
//   delimiter := CRLF "--" boundary *LWSP               ; RFC 2046 5.1.1
//   close     := delimiter "--" *LWSP
#pragma once

#include "mime/codec.hpp"
#include "mime/limits.hpp"
#include "mime/part.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace x400gw::mime {

class parser {
public:
    explicit parser(limits l = {});

    // Takes all of `bytes` (the parser never needs them again, nor asks for
    // them twice) and returns how many it used: always bytes.size().
    std::size_t feed(std::string_view bytes);

    // The end of the message. Returns the tree; the parser is then spent.
    message finish();

    // For an entity taken out of `outer` (unwrap.hpp), whose header is
    // outer's own fields with CRLF line ends (a bare CR outer kept inside
    // a line kept there too): bare CRs are read as outer's were
    // (message::cr_line_ends), not as the entity's first line end would
    // decide; or, with `body_decides` (the body is decoded octets, with
    // line ends of their own), as the body's first line end decides after
    // the header. Before feed().
    void read_entity_of(message const& outer, bool body_decides) noexcept;

private:
    enum class frame_state : std::uint8_t { header, leaf_body, preamble, children, epilogue, message_body };

    struct frame {
        frame(std::uint32_t p, frame_state s) : part(p), state(s) {}
        std::uint32_t part;
        frame_state state;
        bool boundary_active = false;    // delimiters of this multipart are matched
        bool seen_delimiter = false;
        std::uint64_t size_at_body = 0, lines_at_body = 0;
        base64_validator b64;
        qp_validator qp;
    };

    // Scanning.
    void scan(char const* p, std::size_t n);
    bool header_keeps_cr(char next);
    void append_content(char const* p, std::size_t n);
    void feed_validator(char const* p, std::size_t n);
    void end_line(std::size_t eol_len, bool bare_lf);
    void process_line(std::size_t eol_len, bool bare_lf);

    // Lines by state.
    int match_delimiter(bool& close, bool& junk) const;
    // In a multipart's header: is the line a delimiter of the boundary it
    // declared, or does it only start with that boundary?
    enum class own_line { no, delimiter, starts_with_boundary };
    own_line own_boundary_line();
    void on_delimiter(std::size_t frame_index, bool close, bool junk);
    void header_line(std::size_t eol_len);
    void finish_field();
    void end_header(std::uint64_t header_end, std::uint64_t body_begin);

    // Tree.
    std::uint32_t new_part(std::uint32_t parent, std::uint64_t header_begin);
    void push_entity(std::uint32_t parent, std::uint64_t begin);
    void close_top(std::uint64_t end, std::uint64_t size, std::uint64_t lines);
    void close_frames_above(std::size_t keep);
    void enter_overflow();
    void enter_step_limit();
    void note_boundary_in_content(std::string_view head, bool cut = false);
    void make_opaque(std::uint32_t part, defect why);
    void mark(std::uint32_t part, defect d);

    limits limits_;
    message msg_;
    std::vector<frame> frames_;
    std::vector<std::uint32_t> last_child_; // per part, to link siblings in O(1)
    std::size_t active_boundaries_ = 0;

    // The current line.
    std::uint64_t pos_ = 0;          // offset of the next input octet
    std::uint64_t line_start_ = 0;
    std::uint64_t line_len_ = 0;     // octets so far, line end excluded
    std::string line_;               // the kept head (body) or whole line (header)
    std::size_t head_cap_;
    bool line_buffering_ = false;    // body line starting with '-': held back
    bool line_colon_past_cap_ = false; // header line: a ':' beyond what we kept
    bool line_nul_ = false, line_8bit_ = false, line_bare_cr_ = false;
    bool pending_cr_ = false;
    bool eol_seen_ = false; // some line end has been read
    bool cr_mode_ = false;  // the first was a bare CR before text: bare CR ends header lines too
    bool decide_after_header_ = false; // read_entity_of(..., true): decide again after the root header

    // The previous line's end, where a part before a delimiter ends.
    std::uint64_t prev_eol_start_ = 0;
    std::uint64_t prev_line_len_ = 0;
    std::uint64_t size_before_prev_eol_ = 0, lines_before_prev_eol_ = 0;
    bool have_prev_line_ = false;

    // Running totals: octets with every line end counted as two, line ends.
    std::uint64_t total_size_ = 0, total_lines_ = 0;

    // Header field being unfolded (only MIME and envelope fields are kept).
    int field_kind_ = -1;            // index of a known field, -1 none
    std::string field_;
    // The Content-Type field of the part whose header is being read, as
    // written: its value with a '\n' where each continuation line began.
    // A boundary that occurs in it whole was written plainly.
    std::vector<std::size_t> field_folds_;
    std::string content_type_written_;
    std::uint32_t content_type_part_ = no_part;
    bool field_truncated_ = false;
    std::uint64_t header_bytes_ = 0;
    bool header_skipping_ = false;   // over limits_.max_header_bytes
    bool header_has_field_ = false;  // a field line was seen in this header
    bool saw_mime_version_ = false;

    bool overflow_ = false;          // past max_parts or max_steps: the rest is one opaque part
    std::uint64_t steps_ = 0;        // work spent, against limits_.max_steps
    std::size_t added_ = 0;          // parts the sanitizer will add (one per empty multipart)
    std::uint32_t overflow_part_ = no_part;
    bool last_line_had_eol_ = false;
    bool at_eof_ = false;
    bool finished_ = false;
};

// Parses a whole message at once.
message parse(std::string_view message_bytes, limits l = {});

} // namespace x400gw::mime
