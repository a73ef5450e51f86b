// mime/parser.cpp
//
// The push parser of parser.hpp. One pass, one line at a time, with a stack
// of open entities (frames). The innermost open multipart's delimiter is
// tried first, then its ancestors': an ancestor's delimiter closes the
// children (RFC 2046 5.1.2 forbids a boundary that is a prefix of an
// enclosing one, but real mail has them, so the order decides).
#include "mime/parser.hpp"

#include "mime/header_codec.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace x400gw::mime {

namespace {

// 0: plain octet; 1: NUL; 2: above 127; 3: CR or LF.
constexpr std::array<std::uint8_t, 256> make_classes()
{
    std::array<std::uint8_t, 256> t{};
    t[0] = 1;
    for (int c = 128; c < 256; ++c)
        t[c] = 2;
    t['\r'] = 3;
    t['\n'] = 3;
    return t;
}
constexpr auto classes = make_classes();

// Where the octets from p[j] on stop being class 0 (ordinary), found eight
// at a time: a word holds none of NUL, CR, LF or an octet above 127 when
// none of these tests marks a byte (the zero-byte test marks at least one
// whenever a byte is zero; exact for "any"). Then octet by octet, as the
// table says.
std::size_t skip_ordinary(char const* p, std::size_t j, std::size_t n) noexcept
{
    constexpr std::uint64_t ones = 0x0101010101010101u;
    constexpr std::uint64_t high = 0x8080808080808080u;
    auto const any_zero = [](std::uint64_t v) { return (v - ones) & ~v & high; };
    for (; j + 8 <= n; j += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + j, sizeof w);
        if ((w & high) | any_zero(w) | any_zero(w ^ (ones * '\n')) | any_zero(w ^ (ones * '\r')))
            break;
    }
    while (j < n && classes[static_cast<unsigned char>(p[j])] == 0)
        ++j;
    return j;
}

// Header fields the tree keeps; the rest are only counted.
enum field_kind : int {
    f_content_type,
    f_cte,
    f_content_id,
    f_content_description,
    f_content_md5,
    f_content_disposition,
    f_content_language,
    f_content_location,
    f_mime_version,
    f_envelope_first, // envelope_field order from here
};

constexpr std::array<std::string_view, f_envelope_first + static_cast<int>(envelope_field::count_)>
    field_names{"content-type", "content-transfer-encoding", "content-id", "content-description",
                "content-md5", "content-disposition", "content-language", "content-location",
                "mime-version", "date", "subject", "from", "sender", "reply-to", "to", "cc",
                "bcc", "in-reply-to", "message-id"};

int lookup_field(std::string_view name, bool message_root) noexcept
{
    // Cheap reject: every kept field starts with one of these letters.
    if (name.empty())
        return -1;
    char c = static_cast<char>(name[0] | 0x20);
    if (c != 'c' && c != 'm' && c != 'd' && c != 's' && c != 'f' && c != 'r' && c != 't' &&
        c != 'b' && c != 'i')
        return -1;
    int const last = message_root ? static_cast<int>(field_names.size()) : f_envelope_first;
    for (int k = 0; k < last; ++k)
        if (iequals(name, field_names[k]))
            return k;
    return -1;
}

// What may follow a boundary on a delimiter line: RFC 2046 transport
// padding (and the CR of a line ended by a bare LF after it).
bool is_padding(std::string_view tail) noexcept
{
    return std::all_of(tail.begin(), tail.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

constexpr bool is_bchar(char c) noexcept
{
    // RFC 2046 bcharsnospace
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    switch (c) {
    case '\'': case '(': case ')': case '+': case '_': case ',': case '-': case '.': case '/':
    case ':': case '=': case '?':
        return true;
    default:
        return false;
    }
}

constexpr bool is_composite_type(field_value const& ct) noexcept
{
    return ct.type == "multipart" ||
           (ct.type == "message" && (ct.subtype == "rfc822" || ct.subtype == "global"));
}

// The RFC 2045 default (RFC 2046 5.1.5's in a digest). The parameters of
// an invalid field stay ("Content-Type: text; charset=iso-8859-1;
// name=a.txt", "BINARY; name=x"): readers such as Python's `email` take
// them, a charset says how the text is written and a name what the part
// is called; only a missing charset is the default's.
void set_default_type(part& pt, bool in_digest)
{
    auto params = std::move(pt.content_type.params);
    pt.content_type = field_value{};
    pt.content_type.params = std::move(params);
    if (in_digest) {
        pt.content_type.type = "message";
        pt.content_type.subtype = "rfc822";
    } else {
        pt.content_type.type = "text";
        pt.content_type.subtype = "plain";
        if (!pt.content_type.param("charset")) {
            pt.content_type.params.insert(pt.content_type.params.begin(), parameter{"charset", "us-ascii", {}});
            pt.charset_defaulted = true;
        }
    }
}

} // namespace

std::string_view defect_name(defect d) noexcept
{
    static constexpr std::array<std::string_view, static_cast<std::size_t>(defect::count_)> names{
        "bare_lf", "bare_cr", "nul_octet", "eight_bit_header", "eight_bit_in_7bit", "long_line",
        "header_without_colon", "space_before_colon", "header_starts_with_space",
        "invalid_field_name", "no_header_end", "header_limit", "field_truncated",
        "duplicate_content_type", "content_type_empty", "content_type_invalid",
        "parameter_invalid", "parameter_limit", "duplicate_parameter", "duplicate_cte",
        "unknown_cte", "encoded_composite", "invalid_base64", "invalid_qp", "missing_boundary",
        "invalid_boundary", "boundary_not_found", "boundary_junk", "boundary_prefix",
        "unterminated_multipart", "empty_multipart", "depth_limit", "part_limit",
        "missing_mime_version", "boundary_in_content", "step_limit", "boundary_not_plain",
        "header_not_ended", "cte_empty"};
    auto i = static_cast<std::size_t>(d);
    return i < names.size() ? names[i] : std::string_view("unknown");
}

parser::parser(limits l) : limits_(l)
{
    head_cap_ = 2 + limits_.max_boundary_length + 2 + 32;
    msg_.parts.reserve(16);
    auto root = new_part(no_part, 0);
    frames_.push_back(frame{root, frame_state::header});
}

void parser::mark(std::uint32_t p, defect d)
{
    msg_.parts[p].defects |= bit(d);
}

std::uint32_t parser::new_part(std::uint32_t parent, std::uint64_t header_begin)
{
    auto idx = static_cast<std::uint32_t>(msg_.parts.size());
    part pt;
    pt.parent = parent;
    pt.header_begin = pt.header_end = pt.body_begin = pt.body_end = header_begin;
    if (parent != no_part) {
        auto const& pp = msg_.parts[parent];
        pt.depth = pp.depth + 1;
        pt.is_message_root = pp.content_type.type == "message";
    } else {
        pt.is_message_root = true;
    }
    msg_.parts.push_back(std::move(pt));
    last_child_.push_back(no_part);
    if (parent != no_part) {
        auto& pp = msg_.parts[parent];
        if (pp.first_child == no_part)
            pp.first_child = idx;
        else
            msg_.parts[last_child_[parent]].next_sibling = idx;
        last_child_[parent] = idx;
    }
    return idx;
}

void parser::push_entity(std::uint32_t parent, std::uint64_t begin)
{
    if (msg_.parts.size() + added_ >= limits_.max_parts) {
        enter_overflow();
        return;
    }
    auto idx = new_part(parent, begin);
    frames_.push_back(frame{idx, frame_state::header});
    header_bytes_ = 0;
    header_skipping_ = false;
    header_has_field_ = false;
    field_kind_ = -1;
    field_.clear();
}

void parser::enter_overflow()
{
    // Dovecot's answer to a message with too many parts: the entity at the
    // cap holds the rest of the message as application/octet-stream. The
    // last part we made becomes that entity (so a sanitized message has
    // exactly max_parts parts and parses again without reaching the cap),
    // and we stop reading structure: the cost of the rest is a count.
    auto idx = static_cast<std::uint32_t>(msg_.parts.size() - 1);
    make_opaque(idx, defect::part_limit);
    overflow_part_ = idx;
    overflow_ = true;
}

void parser::enter_step_limit()
{
    // The work budget is spent: what follows is kept, not read. The entity
    // being read becomes the opaque holder of the rest, as at the part
    // limit. One whose header was still open ends its header here, so the
    // unread octets are its body, never header lines.
    auto& f = frames_.back();
    if (f.state == frame_state::header) {
        finish_field();
        auto& pt = msg_.parts[f.part];
        pt.header_end = pt.body_begin = pt.body_end = pos_;
        f.size_at_body = total_size_;
        f.lines_at_body = total_lines_;
        f.state = frame_state::leaf_body;
    }
    auto idx = static_cast<std::uint32_t>(msg_.parts.size() - 1);
    make_opaque(idx, defect::step_limit);
    overflow_part_ = idx;
    overflow_ = true;
}

void parser::note_boundary_in_content(std::string_view head, bool cut)
{
    // RFC 2046 5.1.1: a boundary must not occur in the content it
    // delimits. Readers that take any line starting with "--boundary" for
    // a delimiter (many do, and Courier's in any letter case) would split
    // the part here, so the sanitizer chooses a new boundary for each
    // multipart flagged this way.
    head.remove_prefix(2);
    for (auto const& g : frames_) {
        ++steps_;
        // A closed multipart's own boundary counts in its epilogue too: a
        // reader that missed the close delimiter would split there.
        if (!g.boundary_active && !(g.state == frame_state::epilogue && &g == &frames_.back()))
            continue;
        auto const& b = msg_.parts[g.part].boundary;
        // `cut`: only the head of a longer line was kept; one that could
        // still go on with the boundary counts.
        if (head.size() >= b.size() ? istarts_with(head, b) : cut && istarts_with(b, head))
            mark(g.part, defect::boundary_in_content);
    }
}

void parser::make_opaque(std::uint32_t idx, defect why)
{
    auto& pt = msg_.parts[idx];
    pt.opaque = true;
    pt.defects |= bit(why);
    pt.content_type = field_value{};
    pt.content_type.type = "application";
    pt.content_type.subtype = "octet-stream";
    pt.content_type_defaulted = true;
    msg_.over_limit = true;
}

std::size_t parser::feed(std::string_view bytes)
{
    if (finished_ || bytes.empty())
        return bytes.size();
    if (overflow_) {
        pos_ += bytes.size();
        total_size_ += bytes.size();
        return bytes.size();
    }
    scan(bytes.data(), bytes.size());
    return bytes.size();
}

void parser::read_entity_of(message const& outer, bool body_decides) noexcept
{
    eol_seen_ = true;
    cr_mode_ = msg_.cr_line_ends = outer.cr_line_ends;
    decide_after_header_ = body_decides;
}

// Whether a bare CR just read (`next` follows it) stays in the header line.
// The first line end of the input decides: a bare CR there, followed by
// text, makes the message one with bare-CR line ends (classic Mac OS), and
// every bare CR ends a line. A CR followed by CR does not: "\r\r\n" is a
// doubled line end (a CRLF converted twice), read as one, as IMAP servers
// read it.
bool parser::header_keeps_cr(char next)
{
    if (!eol_seen_) {
        eol_seen_ = true;
        cr_mode_ = next != '\r';
        msg_.cr_line_ends = cr_mode_;
    }
    return !cr_mode_ && frames_.back().state == frame_state::header;
}

void parser::scan(char const* p, std::size_t n)
{
    std::size_t i = 0;
    if (pending_cr_) {
        pending_cr_ = false;
        if (p[0] == '\n') {
            pos_ += 1;
            eol_seen_ = true;
            end_line(2, false);
            i = 1;
        } else if (header_keeps_cr(p[0])) {
            line_bare_cr_ = true; // a bare CR does not end a header line
            append_content("\r", 1);
        } else {
            line_bare_cr_ = true;
            end_line(1, false);
        }
    }
    while (i < n) {
        if (overflow_) {
            pos_ += n - i;
            total_size_ += n - i;
            return;
        }
        std::size_t j = i;
        for (;;) {
            j = skip_ordinary(p, j, n);
            if (j == n)
                break;
            auto cls = classes[static_cast<unsigned char>(p[j])];
            if (cls == 3)
                break;
            if (cls == 1)
                line_nul_ = true;
            else
                line_8bit_ = true;
            ++j;
        }
        if (j > i) {
            append_content(p + i, j - i);
            pos_ += j - i;
        }
        if (j == n)
            return;
        if (p[j] == '\n') {
            pos_ += 1;
            eol_seen_ = true;
            end_line(1, true);
            i = j + 1;
        } else if (j + 1 == n) {
            pos_ += 1;
            pending_cr_ = true; // CR at the end of this piece: wait for the next
            return;
        } else if (p[j + 1] == '\n') {
            pos_ += 2;
            eol_seen_ = true;
            end_line(2, false);
            i = j + 2;
        } else if (header_keeps_cr(p[j + 1])) {
            pos_ += 1;
            line_bare_cr_ = true;
            append_content(p + j, 1);
            i = j + 1;
        } else {
            pos_ += 1;
            line_bare_cr_ = true;
            end_line(1, false);
            i = j + 1;
        }
    }
}

void parser::feed_validator(char const* p, std::size_t n)
{
    auto& f = frames_.back();
    if (f.state != frame_state::leaf_body)
        return;
    auto enc = msg_.parts[f.part].encoding;
    if (enc == transfer_encoding::base64)
        f.b64.feed({p, n});
    else if (enc == transfer_encoding::quoted_printable)
        f.qp.feed({p, n});
}

void parser::append_content(char const* p, std::size_t n)
{
    auto const& f = frames_.back();
    if (f.state == frame_state::header) {
        // The field's value may have max_field_bytes; its name comes first.
        std::size_t cap = limits_.max_field_bytes + 256;
        std::size_t keep = line_.size() < cap ? std::min(n, cap - line_.size()) : 0;
        line_.append(p, keep);
        // Past the cap only one fact matters: whether the line has a colon
        // at all (a field with a very long name is still a field).
        if (keep < n && !line_colon_past_cap_)
            line_colon_past_cap_ = std::memchr(p + keep, ':', n - keep) != nullptr;
    } else {
        // A body line that starts with '-' may be a delimiter: hold its head
        // back until the line ends (or grows too long to be one).
        if (line_len_ == 0 && p[0] == '-' && (active_boundaries_ > 0 || f.state == frame_state::epilogue))
            line_buffering_ = true;
        if (line_buffering_) {
            if (line_.size() + n <= head_cap_) {
                line_.append(p, n);
            } else {
                line_buffering_ = false;
                // Too long for a delimiter, but its head may still start
                // with a boundary; what arrived so far decides, whatever the
                // pieces were.
                std::string head(line_);
                head.append(p, std::min(n, head_cap_ - std::min(head_cap_, head.size())));
                if (head.size() >= 2 && head[1] == '-')
                    note_boundary_in_content(head);
                feed_validator(line_.data(), line_.size());
                line_.clear();
                feed_validator(p, n);
            }
        } else {
            feed_validator(p, n);
        }
    }
    line_len_ += n;
}

void parser::end_line(std::size_t eol_len, bool bare_lf)
{
    std::uint64_t const eol_start = pos_ - eol_len;
    std::uint64_t const size_before = total_size_ + line_len_;
    std::uint64_t const lines_before = total_lines_;
    total_size_ = size_before + (eol_len ? 2 : 0);
    total_lines_ += eol_len ? 1 : 0;
    if (eol_len == 1 && !bare_lf)
        line_bare_cr_ = true;
    last_line_had_eol_ = eol_len > 0;

    process_line(eol_len, bare_lf);
    // Counted per line, not per piece fed, so the tree does not depend on
    // how the input was split.
    steps_ += line_len_ + eol_len + 1;
    if (steps_ > limits_.max_steps) {
        if (!overflow_)
            enter_step_limit();
        else // the line that reached the part limit also spent the budget
            mark(overflow_part_, defect::step_limit);
    }

    prev_eol_start_ = eol_start;
    prev_line_len_ = line_len_;
    size_before_prev_eol_ = size_before;
    lines_before_prev_eol_ = lines_before;
    have_prev_line_ = true;
    line_.clear();
    line_len_ = 0;
    line_start_ = pos_;
    line_buffering_ = false;
    line_colon_past_cap_ = false;
    line_nul_ = line_8bit_ = line_bare_cr_ = false;
}

int parser::match_delimiter(bool& close, bool& junk) const
{
    std::string_view rest(line_);
    rest.remove_prefix(2);
    for (int pass = 0; pass < 2; ++pass) {
        for (auto k = static_cast<int>(frames_.size()) - 1; k >= 0; --k) {
            auto const& f = frames_[static_cast<std::size_t>(k)];
            if (!f.boundary_active)
                continue;
            auto const& b = msg_.parts[f.part].boundary;
            if (rest.size() < b.size() || rest.compare(0, b.size(), b) != 0)
                continue;
            auto tail = rest.substr(b.size());
            close = tail.size() >= 2 && tail[0] == '-' && tail[1] == '-';
            if (close)
                tail.remove_prefix(2);
            bool clean = is_padding(tail);
            if (pass == 0 && !clean)
                continue;
            // Junk after the boundary is tolerated only when it cannot be
            // the rest of a longer boundary: "--n10" must not end the part
            // whose boundary is "n100" because "n10" is an ancestor's.
            if (!clean && is_bchar(tail[0]))
                continue;
            junk = !clean;
            return k;
        }
    }
    return -1;
}

void parser::process_line(std::size_t eol_len, bool bare_lf)
{
    if (overflow_)
        return;
    auto state = frames_.back().state;
    bool header = state == frame_state::header;
    int matched = -1;
    bool close = false, junk = false;
    bool held = line_buffering_; // the whole line is in line_, not yet fed to a validator
    if (line_len_ >= 2 && line_len_ == line_.size() && line_[0] == '-' && line_[1] == '-' &&
        (header || line_buffering_)) {
        steps_ += 2 * frames_.size();
        if (active_boundaries_ > 0)
            matched = match_delimiter(close, junk);
        // A multipart whose header has no empty line before its first
        // delimiter (a line of text, then "--boundary", straight after
        // the fields): the header ends there, as it does for a reader that
        // ends a header at its first line that is no field, and the
        // parts are found, not swallowed as header lines.
        auto const own = matched < 0 && header ? own_boundary_line() : own_line::no;
        if (own == own_line::delimiter) {
            mark(frames_.back().part, defect::header_not_ended);
            end_header(line_start_, line_start_);
            state = frames_.back().state;
            header = false;
            held = true; // an opaque part's body starts with it
            matched = match_delimiter(close, junk);
        } else if (own == own_line::starts_with_boundary) {
            // A header line of the multipart that starts with its own
            // boundary ("--b" CR "Content-Type: ..." read as one line):
            // written back, it would start a line with the boundary.
            mark(frames_.back().part, defect::boundary_in_content);
        }
        if (matched < 0)
            note_boundary_in_content(line_);
    } else if (header && line_len_ > line_.size() && line_.size() >= 2 && line_[0] == '-' && line_[1] == '-') {
        // A header line too long to keep whole (no delimiter, then) that
        // starts with a boundary is content that holds it all the same:
        // written back as a field, it would start a line with it. (Found
        // by fuzzing.)
        note_boundary_in_content(line_, true);
    }

    // Facts about the line go to the entity that owns it.
    auto owner = matched >= 0 ? frames_[static_cast<std::size_t>(matched)].part : frames_.back().part;
    bool const in_header = matched < 0 && header;
    {
        auto& pt = msg_.parts[owner];
        if (line_nul_) {
            pt.defects |= bit(defect::nul_octet);
            msg_.any_nul = true;
            if (!in_header)
                pt.body_nul = true;
        }
        if (line_8bit_) {
            msg_.any_8bit = true;
            if (in_header)
                pt.defects |= bit(defect::eight_bit_header);
            else
                pt.body_8bit = true;
        }
        if (bare_lf || line_bare_cr_) {
            pt.defects |= bit(bare_lf ? defect::bare_lf : defect::bare_cr);
            if (bare_lf && line_bare_cr_)
                pt.defects |= bit(defect::bare_cr);
            msg_.any_bare_eol = true;
            if (!in_header)
                pt.body_bare_eol = true;
        }
        if (in_header && (line_nul_ || bare_lf || line_bare_cr_ || line_len_ > 998))
            pt.header_dirty = true;
        if (line_len_ > 998) {
            pt.defects |= bit(defect::long_line);
            msg_.any_long_line = true;
            if (!in_header)
                pt.body_long_line = true;
        }
    }

    if (matched >= 0) {
        // A delimiter that is the input's last line, with no line end, opens
        // no part: nothing follows it, not even the CRLF a body part's
        // header needs (RFC 2046 5.1.1). A truncated message reads as the
        // parts before it, as IMAP servers read it; the multipart has no
        // close delimiter.
        if (eol_len == 0 && !close) {
            auto mp = frames_[static_cast<std::size_t>(matched)].part;
            on_delimiter(static_cast<std::size_t>(matched), true, junk);
            // (A multipart without parts keeps its empty epilogue: without
            // one, its whole body would read as preamble.)
            if (msg_.parts[mp].first_child != no_part)
                msg_.parts[mp].has_epilogue = false;
            mark(mp, defect::unterminated_multipart);
            return;
        }
        on_delimiter(static_cast<std::size_t>(matched), close, junk);
        return;
    }
    if (header) {
        header_line(eol_len);
        return;
    }
    if (state == frame_state::leaf_body) {
        auto& f = frames_.back();
        if (held)
            feed_validator(line_.data(), line_.size());
        f.b64.end_line();
        f.qp.end_line();
    }
}

parser::own_line parser::own_boundary_line()
{
    finish_field();   // the Content-Type may be the field just before
    auto const& pt = msg_.parts[frames_.back().part];
    if (pt.opaque || !pt.content_type_present || pt.content_type.type != "multipart")
        return own_line::no;
    auto const* b = pt.content_type.param("boundary");
    if (!b || b->empty() || b->size() > limits_.max_boundary_length)
        return own_line::no;
    std::string_view rest(line_);
    rest.remove_prefix(2);
    if (!istarts_with(rest, *b))
        return own_line::no;
    bool const exact = rest.starts_with(*b);
    rest.remove_prefix(b->size());
    if (rest.starts_with("--"))
        rest.remove_prefix(2);
    return exact && is_padding(rest) ? own_line::delimiter : own_line::starts_with_boundary;
}

void parser::on_delimiter(std::size_t k, bool close, bool junk)
{
    auto mp = frames_[k].part;
    if (junk)
        mark(mp, defect::boundary_junk);
    close_frames_above(k);
    auto& f = frames_[k];
    auto& pt = msg_.parts[mp];
    if (!f.seen_delimiter) {
        f.seen_delimiter = true;
        pt.preamble_end = (have_prev_line_ && prev_eol_start_ >= pt.body_begin) ? prev_eol_start_
                                                                                 : pt.body_begin;
    }
    if (close) {
        f.state = frame_state::epilogue;
        f.boundary_active = false;
        --active_boundaries_;
        pt.epilogue_begin = pos_;
        pt.has_epilogue = true;
        if (pt.first_child == no_part) {
            pt.defects |= bit(defect::empty_multipart);
            // The sanitizer would add a part; at the cap there is no room.
            // An empty multipart found early takes its slot now, or a cap
            // reached later would leave no room for that part.
            if (msg_.parts.size() + added_ >= limits_.max_parts)
                make_opaque(mp, defect::part_limit);
            else
                ++added_;
        }
        return;
    }
    f.state = frame_state::children;
    push_entity(mp, pos_);
}

void parser::close_frames_above(std::size_t keep)
{
    while (frames_.size() > keep + 1) {
        auto const& f = frames_.back();
        auto const& pt = msg_.parts[f.part];
        std::uint64_t begin = f.state == frame_state::header ? pt.header_begin : pt.body_begin;
        if (have_prev_line_ && prev_eol_start_ >= begin && f.state != frame_state::header)
            close_top(prev_eol_start_, size_before_prev_eol_ - f.size_at_body,
                      lines_before_prev_eol_ - f.lines_at_body + (prev_line_len_ > 0 ? 1 : 0));
        else if (have_prev_line_ && prev_eol_start_ >= begin)
            close_top(prev_eol_start_, 0, 0);
        else // empty: ends where the delimiter's line end starts
            close_top(have_prev_line_ ? prev_eol_start_ : begin, 0, 0);
    }
}

void parser::close_top(std::uint64_t end, std::uint64_t size, std::uint64_t lines)
{
    auto& f = frames_.back();
    auto idx = f.part;
    // "--inner\r\n--outer": the line end after the inner delimiter is also
    // the outer delimiter's (RFC 2046 5.1.1), so the part the inner one
    // opened ends before it began. It becomes empty at `end`, inside its
    // parent, and so does whatever was made inside it.
    if (end < msg_.parts[idx].header_begin) {
        for (auto k = static_cast<std::size_t>(idx); k < msg_.parts.size(); ++k) {
            auto& d = msg_.parts[k];
            d.header_begin = std::min(d.header_begin, end);
            d.header_end = std::min(d.header_end, end);
            d.body_begin = std::min(d.body_begin, end);
            d.body_end = std::min(d.body_end, end);
        }
    }
    if (f.state == frame_state::header) {
        end_header(end, end); // header only, no body
        // A message/rfc822 header just pushed its (empty) message: close it first.
        while (frames_.back().part != idx)
            close_top(end, 0, 0);
    }
    auto& fr = frames_.back();
    auto* pt = &msg_.parts[idx];
    // A body that ends before it began had only the separator line, whose
    // line end was the next delimiter's: the body is empty, at `end`.
    if (end < pt->body_begin) {
        pt->body_begin = std::max(end, pt->header_end);
        end = std::max(end, pt->header_end);
        // Everything made since (a message/rfc822's empty message) is inside.
        for (auto k = static_cast<std::size_t>(idx) + 1; k < msg_.parts.size(); ++k) {
            auto& d = msg_.parts[k];
            d.header_begin = std::min(d.header_begin, end);
            d.header_end = std::min(d.header_end, end);
            d.body_begin = std::min(d.body_begin, end);
            d.body_end = std::min(d.body_end, end);
        }
    }
    pt->body_end = std::max(end, pt->body_begin);
    pt->size = size;
    pt->lines = lines;
    switch (fr.state) {
    case frame_state::leaf_body: {
        // Before a delimiter the last line end is the delimiter's; at the
        // end of the input it is the body's own.
        bool last_eol_in_body = at_eof_ && last_line_had_eol_;
        if (pt->encoding == transfer_encoding::base64 && !fr.b64.valid())
            pt->defects |= bit(defect::invalid_base64);
        if ((pt->encoding == transfer_encoding::base64 && fr.b64.long_line()) ||
            (pt->encoding == transfer_encoding::quoted_printable && fr.qp.long_line()))
            pt->encoded_long_line = true;
        if (pt->encoding == transfer_encoding::quoted_printable &&
            !fr.qp.valid(last_eol_in_body))
            pt->defects |= bit(defect::invalid_qp);
        if (pt->body_8bit && (pt->encoding == transfer_encoding::none ||
                              pt->encoding == transfer_encoding::seven_bit))
            pt->defects |= bit(defect::eight_bit_in_7bit);
        break;
    }
    case frame_state::preamble:
    case frame_state::children: {
        if (fr.boundary_active) {
            fr.boundary_active = false;
            --active_boundaries_;
        }
        if (pt->opaque)
            break; // became the part that holds the rest (part limit)
        if (!fr.seen_delimiter) {
            pt->preamble_end = pt->body_end;
            if (!pt->has(defect::missing_boundary) && !pt->boundary.empty())
                pt->defects |= bit(defect::boundary_not_found);
            // RFC 2046 gives no answer; the robust one is a single part that
            // holds the whole body, so nothing in it is lost.
            if (msg_.parts.size() + added_ < limits_.max_parts) {
                auto c = new_part(idx, pt->body_begin);
                pt = &msg_.parts[idx];
                auto& ch = msg_.parts[c];
                ch.body_end = pt->body_end;
                ch.size = size;
                ch.lines = lines;
                ch.body_8bit = pt->body_8bit;
                ch.body_nul = pt->body_nul;
                ch.body_bare_eol = pt->body_bare_eol;
                ch.body_long_line = pt->body_long_line;
                set_default_type(ch, false);
                ch.content_type_defaulted = true;
                ch.synthesized = true;
                if (ch.body_8bit)
                    ch.defects |= bit(defect::eight_bit_in_7bit);
            } else {
                make_opaque(idx, defect::part_limit); // no room for the part that would hold it
                pt = &msg_.parts[idx];
            }
        } else {
            pt->defects |= bit(defect::unterminated_multipart);
        }
        break;
    }
    default:
        break;
    }
    frames_.pop_back();
}

void parser::header_line(std::size_t eol_len)
{
    auto idx = frames_.back().part;
    header_bytes_ += line_len_ + eol_len;
    // A line of bare CRs only is the empty line of a message whose line
    // ends were doubled ("\r\r\n", a CRLF converted twice): without this
    // its header would never end and its body would be read as header
    // lines.
    if (line_len_ == 0 || (line_len_ == line_.size() && line_.find_first_not_of('\r') == std::string::npos)) {
        end_header(line_start_, pos_);
        return;
    }
    if (header_skipping_)
        return;
    if (header_bytes_ > limits_.max_header_bytes) {
        header_skipping_ = true;
        mark(idx, defect::header_limit);
        // A MIME field folded across the limit is read only in part: it
        // is truncated, so the sanitizer writes what was read, not the
        // whole field (which could say more, or something invalid).
        if (field_kind_ >= 0 && !line_.empty() && (line_[0] == ' ' || line_[0] == '\t'))
            field_truncated_ = true;
        finish_field();
        return;
    }
    std::string_view l(line_);
    if (l[0] == ' ' || l[0] == '\t') {
        if (!header_has_field_) {
            mark(idx, defect::header_starts_with_space);
        } else if (field_kind_ >= 0) {
            if (line_len_ > line_.size())
                field_truncated_ = true;
            std::size_t room = limits_.max_field_bytes > field_.size() ? limits_.max_field_bytes - field_.size() : 0;
            if (l.size() > room)
                field_truncated_ = true;
            if (field_kind_ == f_content_type)
                field_folds_.push_back(field_.size());
            field_.append(l.substr(0, room));
        }
        return;
    }
    finish_field();
    header_has_field_ = true;
    auto colon = l.find(':');
    if (colon == std::string_view::npos) {
        if (!line_colon_past_cap_)
            mark(idx, defect::header_without_colon);
        return; // no MIME field has a name that long
    }
    auto name = l.substr(0, colon);
    auto t = name.find_last_not_of(" \t");
    if (t == std::string_view::npos) {
        mark(idx, defect::header_without_colon);
        return;
    }
    if (t + 1 != name.size()) {
        mark(idx, defect::space_before_colon);
        name = name.substr(0, t + 1);
    }
    if (name.size() > max_field_name_bytes) // the sanitizer drops it
        mark(idx, defect::invalid_field_name);
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126) {
            mark(idx, defect::invalid_field_name);
            break;
        }
    }
    field_kind_ = lookup_field(name, msg_.parts[idx].is_message_root);
    if (field_kind_ >= 0) {
        field_.assign(l.substr(colon + 1));
        field_folds_.clear();
        field_truncated_ = line_len_ > line_.size() || field_.size() > limits_.max_field_bytes;
        if (field_.size() > limits_.max_field_bytes)
            field_.resize(limits_.max_field_bytes);
    }
}

void parser::finish_field()
{
    if (field_kind_ < 0)
        return;
    auto idx = frames_.back().part;
    auto& pt = msg_.parts[idx];
    // Only a truncated Content-Type, -Disposition or -Transfer-Encoding
    // changes what we understood; the copies of other fields kept for
    // BODYSTRUCTURE (description, envelope, ...) are ours to shorten.
    if (field_truncated_ && (field_kind_ == f_content_type || field_kind_ == f_cte ||
                             field_kind_ == f_content_disposition))
        pt.defects |= bit(defect::field_truncated);
    std::string_view v = trim(field_);
    switch (field_kind_) {
    case f_content_type:
        if (pt.content_type_present) {
            pt.defects |= bit(defect::duplicate_content_type); // the first wins
        } else {
            pt.content_type_present = true;
            content_type_part_ = idx;
            content_type_written_.clear();
            std::size_t from = 0;
            for (auto at : field_folds_) {
                content_type_written_.append(field_, from, at - from);
                content_type_written_.push_back('\n');
                from = at;
            }
            content_type_written_.append(field_, from);
            if (v.empty()) {
                pt.defects |= bit(defect::content_type_empty);
                pt.content_type_defaulted = true;
            } else {
                field_value fv;
                defect_set d = 0;
                bool ok = parse_field_value(v, true, limits_.max_parameters, fv, d);
                // RFC 6838 4.2: a type or subtype name has at most 127
                // characters. A longer one is no type anybody registered,
                // and it could leave no room for the boundary the
                // sanitizer must write within limits::max_field_bytes.
                ok = ok && fv.type.size() <= 127 && fv.subtype.size() <= 127;
                pt.defects |= d;
                pt.content_type = std::move(fv); // invalid: its parameters stay (set_default_type)
                if (!ok) {
                    pt.defects |= bit(defect::content_type_invalid);
                    pt.content_type_defaulted = true;
                }
            }
        }
        break;
    case f_cte:
        if (pt.encoding != transfer_encoding::none || !pt.encoding_token.empty()) {
            pt.defects |= bit(defect::duplicate_cte);
        } else {
            field_value fv;
            defect_set d = 0;
            parse_field_value(v, false, 0, fv, d);
            pt.encoding_token = fv.type;
            auto const lead = std::min(field_.find_first_not_of(" \t"), field_.size());
            pt.cte_not_plain = !iequals(std::string_view(field_).substr(lead), fv.type);
            auto const& e = fv.type;
            // An empty field declares nothing: the body is what it would be
            // without the field (RFC 2045 6.1: 7bit), not an unknown
            // encoding, which would cost a delivery report or a multipart
            // its type. The field is not written back.
            if (e.empty())
                pt.defects |= bit(defect::cte_empty);
            else if (e == "7bit")
                pt.encoding = transfer_encoding::seven_bit;
            else if (e == "8bit")
                pt.encoding = transfer_encoding::eight_bit;
            else if (e == "binary")
                pt.encoding = transfer_encoding::binary;
            else if (e == "quoted-printable")
                pt.encoding = transfer_encoding::quoted_printable;
            else if (e == "base64")
                pt.encoding = transfer_encoding::base64;
            else {
                pt.encoding = transfer_encoding::unknown;
                pt.defects |= bit(defect::unknown_cte);
            }
        }
        break;
    case f_content_id:
        if (!pt.has_id) {
            pt.has_id = true;
            pt.id = v;
        }
        break;
    case f_content_description:
        if (!pt.has_description) {
            pt.has_description = true;
            pt.description = v;
        }
        break;
    case f_content_md5:
        if (!pt.has_md5) {
            pt.has_md5 = true;
            pt.md5 = v;
        }
        break;
    case f_content_disposition:
        if (!pt.has_disposition) {
            field_value fv;
            defect_set d = 0;
            if (parse_field_value(v, false, limits_.max_parameters, fv, d)) {
                pt.has_disposition = true;
                pt.disposition = std::move(fv);
            }
            pt.defects |= d;
        }
        break;
    case f_content_language:
        if (!pt.has_language) {
            pt.has_language = true;
            pt.language = v;
        }
        break;
    case f_content_location:
        if (!pt.has_location) {
            pt.has_location = true;
            pt.location = v;
        }
        break;
    case f_mime_version:
        saw_mime_version_ = saw_mime_version_ || idx == 0;
        if (pt.mime_version_count++ == 0)
            pt.mime_version = v;
        break;
    default: {
        auto e = static_cast<std::size_t>(field_kind_ - f_envelope_first);
        if (!pt.has_envelope[e]) {
            pt.has_envelope[e] = true;
            pt.envelope[e] = v;
        }
        break;
    }
    }
    field_kind_ = -1;
    field_.clear();
    field_truncated_ = false;
}

void parser::end_header(std::uint64_t header_end, std::uint64_t body_begin)
{
    finish_field();
    auto& f = frames_.back();
    auto idx = f.part;
    f.size_at_body = total_size_;
    f.lines_at_body = total_lines_;
    auto* pt = &msg_.parts[idx];
    pt->header_end = header_end;
    pt->body_begin = pt->body_end = body_begin;
    bool const in_digest = pt->parent != no_part &&
                           msg_.parts[pt->parent].content_type.type == "multipart" &&
                           msg_.parts[pt->parent].content_type.subtype == "digest";
    if (!pt->content_type_present || pt->content_type_defaulted)
        set_default_type(*pt, in_digest);
    if (!pt->content_type_present)
        pt->content_type_defaulted = true;
    if (idx == 0 && !saw_mime_version_)
        pt->defects |= bit(defect::missing_mime_version);
    if (idx == 0) {
        msg_.root_header_cr_line_ends = cr_mode_;
        if (decide_after_header_) {
            decide_after_header_ = false;
            eol_seen_ = cr_mode_ = msg_.cr_line_ends = false;
        }
    }
    header_bytes_ = 0;
    header_skipping_ = false;
    header_has_field_ = false;

    auto const& ct = pt->content_type;
    bool const composite = is_composite_type(ct);
    // Every message/* counts here: RFC 2046 5.2.2-5.2.3 allow only 7bit on
    // message/partial and external-body, and readers parse any message/*
    // as a nested message.
    if (composite || ct.type == "message") {
        auto e = pt->encoding;
        // RFC 6533 lets the message/global-* reports (header fields, not
        // a nested message) be encoded for a 7-bit path.
        bool const may_encode = !composite && ct.subtype.starts_with("global-");
        if (e == transfer_encoding::unknown) {
            pt->defects |= bit(defect::encoded_composite);
            pt->opaque = true;
        } else if ((e == transfer_encoding::base64 || e == transfer_encoding::quoted_printable) && !may_encode) {
            // RFC 2045 6.4 forbids it. A composite's body is kept opaque
            // here (one pass; the octets stay intact) and the sanitizer
            // decodes and parses it again. Any other message/* keeps its
            // type: it is a leaf, which the sanitizer decodes.
            pt->defects |= bit(defect::encoded_composite);
            pt->opaque = composite;
        } else if (composite && pt->depth >= limits_.max_depth) {
            pt->defects |= bit(defect::depth_limit);
            pt->opaque = true;
            msg_.over_limit = true;
        }
    }
    if (pt->opaque || !composite) {
        f.state = frame_state::leaf_body;
        f.b64 = {};
        f.qp = {};
        return;
    }
    if (ct.type == "multipart") {
        f.state = frame_state::preamble;
        auto const* b = ct.param("boundary");
        if (!b || b->empty()) {
            pt->defects |= bit(defect::missing_boundary);
            return;
        }
        if (b->size() > limits_.max_boundary_length) {
            pt->defects |= bit(defect::invalid_boundary) | bit(defect::missing_boundary);
            return;
        }
        if (!is_valid_boundary(*b))
            pt->defects |= bit(defect::invalid_boundary);
        // Folded inside its quotes, split into RFC 2231 sections or
        // percent-encoded, a boundary is read differently by different
        // readers (one unfolds to a space, another keeps the line break):
        // the sanitizer gives the part a boundary written plainly.
        if (content_type_part_ != idx || content_type_written_.find(*b) == std::string::npos)
            pt->defects |= bit(defect::boundary_not_plain);
        for (auto const& g : frames_) {
            if (!g.boundary_active)
                continue;
            auto const& a = msg_.parts[g.part].boundary;
            if (istarts_with(a, *b) || istarts_with(*b, a)) {
                pt->defects |= bit(defect::boundary_prefix);
                break;
            }
        }
        pt->boundary = *b;
        f.boundary_active = true;
        ++active_boundaries_;
        return;
    }
    // message/rfc822: the body is a whole message.
    f.state = frame_state::message_body;
    push_entity(idx, body_begin);
}

message parser::finish()
{
    if (finished_)
        return {};
    finished_ = true;
    if (!overflow_) {
        if (pending_cr_) {
            pending_cr_ = false;
            end_line(1, false);
        }
        if (line_len_ > 0)
            end_line(0, false);
    }
    // Everything still open ends at the end of the input. The top-level
    // body's last line end, if any, belongs to it (there is no delimiter).
    at_eof_ = true;
    // A last line without a line end is still a line.
    std::uint64_t const open_line = !last_line_had_eol_ && have_prev_line_ && prev_line_len_ > 0 ? 1 : 0;
    while (!frames_.empty()) {
        auto const& f = frames_.back();
        auto const& pt = msg_.parts[f.part];
        if (f.state == frame_state::header)
            close_top(pos_, 0, 0);
        else
            close_top(std::max<std::uint64_t>(pos_, pt.body_begin), total_size_ - f.size_at_body,
                      total_lines_ - f.lines_at_body + (pos_ > pt.body_begin ? open_line : 0));
    }
    if (overflow_part_ != no_part) {
        // The part at the cap and every entity around it end at the end.
        auto& pt = msg_.parts[overflow_part_];
        pt.size = pos_ - pt.body_begin;
        pt.lines = 0;
        pt.encoding = transfer_encoding::none;
        pt.encoding_token.clear();
        for (auto a = overflow_part_; a != no_part; a = msg_.parts[a].parent) {
            msg_.parts[a].body_end = pos_;
            msg_.parts[a].has_epilogue = false;
        }
    }
    msg_.input_size = pos_;
    msg_.steps = steps_;
    for (auto const& pt : msg_.parts)
        msg_.all_defects |= pt.defects;
    if (msg_.all_defects & (bit(defect::depth_limit) | bit(defect::part_limit) | bit(defect::header_limit) |
                            bit(defect::step_limit)))
        msg_.over_limit = true;
    return std::move(msg_);
}

message parse(std::string_view message_bytes, limits l)
{
    parser p(l);
    p.feed(message_bytes);
    return p.finish();
}

} // namespace x400gw::mime
