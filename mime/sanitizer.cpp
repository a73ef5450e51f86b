// mime/sanitizer.cpp
//
// The sanitizer of sanitizer.hpp: parse, then either return the input (the
// tree says it is already clean) or render the tree again, entity by
// entity, copying whatever is already acceptable and rebuilding the rest.
// The walk uses the tree's parent links, never recursion, so a message
// nested 1,000 levels deep costs what a flat one does.
#include "mime/sanitizer.hpp"

#include "mime/codec.hpp"
#include "mime/header_codec.hpp"
#include "mime/parser.hpp"
#include "mime/unwrap.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace x400gw::mime {

namespace {

constexpr defect_set boundary_defects =
    bit(defect::missing_boundary) | bit(defect::invalid_boundary) | bit(defect::boundary_not_found) |
    bit(defect::boundary_junk) | bit(defect::boundary_prefix) | bit(defect::boundary_in_content) |
    bit(defect::boundary_not_plain);

std::size_t count_8bit(std::string_view s) noexcept
{
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 128; }));
}

// A region we may copy as it is: CRLF line ends, no NUL, no line over 998
// octets, and no 8-bit octet when the hop is 7-bit.
bool region_clean(std::string_view s, bool seven_bit) noexcept
{
    std::size_t line = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto u = static_cast<unsigned char>(s[i]);
        if (u == '\r') {
            if (i + 1 >= s.size() || s[i + 1] != '\n')
                return false;
            ++i;
            line = 0;
            continue;
        }
        if (u == '\n' || u == 0 || (seven_bit && u >= 128))
            return false;
        if (++line > 998)
            return false;
    }
    return true;
}

bool composite(part const& p) { return p.is_multipart() || p.is_message(); }

constexpr defect_set overflow_defects = bit(defect::part_limit) | bit(defect::step_limit);

// A message/* entity the parser does not nest (RFC 2046 5.2.4: anything
// but rfc822 and RFC 6532's global). Its body is text in lines, mostly
// header fields, so line ends may be normalized like a text part's; what
// matters downstream is its type (a bounce that is no longer
// message/delivery-status is no longer machine-readable).
struct message_leaf {
    bool is = false;
    bool header_fields = false; // RFC 5322 field syntax: folding a long line keeps its meaning
    bool recipient_fields = false; // a report with Original- and Final-Recipient (RFC 3464, 8098)
};

// A charset in which the octets CR and LF are not line ends: UTF-16 and
// UTF-32 (and their older names, UCS-2, UCS-4, RFC 1641's and Microsoft's
// "unicode") write a line end as 0D 00 0A 00 or 00 0D 00 0A, and any 0D
// or 0A octet may be half of another character. A text part in one is
// octets: a line end "normalized" in it, a CRLF added at its end or a
// quoted-printable line break taken for one would change its characters.
bool charset_without_octet_lines(part const& p)
{
    auto const* cs = p.content_type.param("charset");
    if (cs == nullptr)
        return false;
    std::string n; // lower case, without '-' and '_' ("UTF-16LE", "utf_16")
    for (char c : *cs)
        if (c != '-' && c != '_' && c != ' ')
            n.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    for (std::string_view prefix : {"utf16", "utf32", "ucs2", "ucs4", "iso10646ucs2", "iso10646ucs4", "unicodefffe",
                                    "unicodefeff"})
        if (n.starts_with(prefix))
            return true;
    // (csUnicode11UTF7 and the other csUnicode... aliases are not.)
    return n == "unicode" || n == "unicode11" || n == "csunicode" || n == "csunicode11" || n == "csucs4";
}

// A text or message/* leaf labelled base64 whose body is not base64 at
// all (lines of words, header fields): its octets are its content, as the
// readers that ignore the label (Python's email) show it. Decoded, it
// would be noise, and a message/* leaf would lose its type to the NULs
// in it. Other types are binary, which is what base64 is for: a body that
// does not decode is damaged, and is decoded as far as it goes.
bool false_base64_label(part const& p, std::string_view body)
{
    return p.encoding == transfer_encoding::base64 && p.has(defect::invalid_base64) && !p.opaque &&
           (p.content_type.type == "text" || p.content_type.type == "message") && base64_label_is_false(body);
}

message_leaf classify_message_leaf(part const& p)
{
    message_leaf k;
    if (p.opaque || p.content_type.type != "message" || p.first_child != no_part)
        return k;
    auto const& s = p.content_type.subtype;
    // RFC 6533's reports may be encoded: they are planned like text.
    if (s.starts_with("global-"))
        return k;
    k.is = true;
    k.recipient_fields = s == "delivery-status" || s == "disposition-notification";
    k.header_fields = k.recipient_fields || s == "rfc822-headers" || s == "feedback-report" ||
                      s == "tracking-status";
    return k;
}

// Writes `in` to out with every line end (CRLF, bare CR, bare LF, as the
// parser reads a body) as CRLF. A line over 998 octets is folded before
// white space when `fold` (the content is header fields: unfolding gives
// the line back, RFC 5322 2.2.3); returns false when some line still
// cannot be written within 998 octets.
bool write_lines(std::string_view in, bool fold, std::string& out, bool& folded)
{
    out.reserve(out.size() + in.size() + in.size() / 32 + 2);
    body_lines lines(in);
    for (std::string_view line, eol; lines.next(line, eol);) {
        while (line.size() > 998) {
            if (!fold)
                return false;
            std::size_t cut = 0;
            for (std::size_t k = 998; k > 0; --k) {
                if (line[k] == ' ' || line[k] == '\t') {
                    cut = k;
                    break;
                }
            }
            if (cut == 0)
                return false;
            out.append(line.substr(0, cut));
            out.append("\r\n");
            line.remove_prefix(cut);
            folded = true;
        }
        out.append(line);
        if (!eol.empty())
            out.append("\r\n");
    }
    return true;
}

// RFC 6533 section 3: in a message/delivery-status or
// message/disposition-notification, an address of type utf-8 travels in
// 7 bits as utf-8-addr-xtext, each character outside QCHAR (the printable
// ASCII but "\\", "+" and "=") written \x{HEXPOINT}. Writes `in` to out
// with the Original-Recipient and Final-Recipient fields whose address is
// UTF-8 (typed utf-8, or rfc822, which RFC 6533 says to type utf-8 when
// the address is not ASCII) so written; \x{...} already in the address
// is kept; a folded line is left as it is. Nothing else changes. False
// when some 8-bit octet is left (in another field, on a folded line, not
// UTF-8): no 7-bit form keeps the report's meaning.
bool downgrade_utf8_addresses(std::string_view in, std::string& out)
{
    out.reserve(in.size() + in.size() / 4);
    body_lines lines(in);
    for (std::string_view line, eol; lines.next(line, eol);) {
        auto const colon = line.find(':');
        auto const semi = line.find(';');
        if (!has_8bit_octet(line)) {
            out.append(line).append(eol);
            continue;
        }
        std::string_view addr;
        auto const rest = lines.rest();
        bool const folded = (!line.empty() && (line[0] == ' ' || line[0] == '\t')) ||
                            (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t'));
        if (!folded && colon != std::string_view::npos && semi != std::string_view::npos && colon < semi) {
            auto name = trim(line.substr(0, colon));
            auto type = trim(line.substr(colon + 1, semi - colon - 1));
            if ((iequals(name, "original-recipient") || iequals(name, "final-recipient")) &&
                (iequals(type, "utf-8") || iequals(type, "rfc822")))
                addr = trim(line.substr(semi + 1));
        }
        if (addr.empty() || !is_utf8(addr)) {
            out.append(line).append(eol);
            continue;
        }
        out.append(line.substr(0, colon + 1)).append(" utf-8; ");
        append_utf8_addr_xtext(addr, out);
        out.append(eol);
    }
    return !has_8bit_octet(out);
}

// Calls f(offset) for each line of `text` that starts with "--": at the
// start, after an LF, after a CR (a bare CR ends a line for some readers,
// and a text part's bare CR leaves as a line end). Two searches for three
// octets, so a clean body costs little more than a memchr.
template <class F>
void for_each_dash_line(std::string_view text, F&& f)
{
    if (text.starts_with("--"))
        f(std::size_t{0});
    for (auto const* sep : {"\n--", "\r--"})
        for (auto at = text.find(sep, 0, 3); at != std::string_view::npos; at = text.find(sep, at + 1, 3))
            f(at + 1);
}

// Boundaries compared as a reader that ignores letter case compares them.
struct ascii_case_hash {
    std::size_t operator()(std::string_view s) const noexcept
    {
        std::size_t h = 14695981039346656037ull;
        for (char c : s)
            h = (h ^ static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + 32 : c)) * 1099511628211ull;
        return h;
    }
};
struct ascii_case_equal {
    bool operator()(std::string_view a, std::string_view b) const noexcept { return iequals(a, b); }
};

// The multiparts of a tree by boundary, for the lines that start with
// one in any letter case: a hash lookup per distinct boundary length, so
// a line costs the same whatever the number of multiparts.
class boundary_lines {
public:
    explicit boundary_lines(message const& m)
    {
        for (std::uint32_t k = 0; k < m.parts.size(); ++k) {
            auto const& p = m.parts[k];
            if (!p.is_multipart() || p.boundary.empty())
                continue;
            by_boundary_[p.boundary].push_back(k);
            if (std::find(lengths_.begin(), lengths_.end(), p.boundary.size()) == lengths_.end())
                lengths_.push_back(p.boundary.size());
            longest_ = std::max(longest_, p.boundary.size());
        }
    }

    bool empty() const noexcept { return lengths_.empty(); }

    // Calls f(k) for each multipart whose boundary starts the line of
    // `text` at `at` after its "--". Each lookup is a step; false when
    // the steps ran out before all were made.
    template <class F>
    bool match(std::string_view text, std::size_t at, std::uint64_t& steps, F&& f) const
    {
        auto const rest = text.substr(at + 2, longest_);
        for (auto const len : lengths_) {
            if (rest.size() < len)
                continue;
            if (steps == 0)
                return false;
            --steps;
            auto const it = by_boundary_.find(rest.substr(0, len));
            if (it != by_boundary_.end())
                for (auto const k : it->second)
                    f(k);
        }
        return true;
    }

private:
    std::unordered_map<std::string_view, std::vector<std::uint32_t>, ascii_case_hash, ascii_case_equal>
        by_boundary_; // views of the tree's boundaries
    std::vector<std::size_t> lengths_;
    std::size_t longest_ = 0;
};

// Whether a line of `in` outside a multipart's body starts with its
// boundary. Inside, the parser reads each such line (a delimiter, or
// content flagged boundary_in_content).
template <class F>
bool match_outside_bodies(std::string_view in, message const& m, boundary_lines const& lines, std::uint64_t& steps,
                          F&& f)
{
    bool enough = true;
    for_each_dash_line(in, [&](std::size_t at) {
        if (enough)
            enough = lines.match(in, at, steps, [&](std::uint32_t k) {
                if (at < m.parts[k].body_begin || at >= m.parts[k].body_end)
                    f(k);
            });
    });
    return enough;
}

// The token every new boundary starts with: one that occurs in none of
// `texts`, in any letter case. Every occurrence of the fixed prefix in
// them is collected in one pass, so a message that holds the tokens we
// would try first (they are predictable) cannot make us use one of them,
// nor cost more than that pass.
std::string choose_token(std::vector<std::string_view> const& texts, std::vector<std::string> const& not_prefixes,
                         std::uint64_t seed)
{
    static constexpr std::string_view prefix = "=_x400gw_";
    static constexpr char hex[] = "0123456789abcdef";
    std::vector<std::string> taken; // in lower case, as the tokens are
    for (auto t : texts) {
        for (auto at = t.find("=_"); at != std::string_view::npos; at = t.find("=_", at + 1)) {
            if (istarts_with(t.substr(at), prefix)) {
                taken.emplace_back(t.substr(at + prefix.size(), 12));
                to_lower(taken.back());
            }
        }
    }
    std::sort(taken.begin(), taken.end());
    std::uint64_t h = seed;
    for (;;) {
        std::string token(prefix);
        for (int d = 0; d < 12; ++d)
            token.push_back(hex[(h >> (d * 4)) & 15]);
        // A shorter occurrence at the end of a text is a prefix of many
        // tokens but equal to none: it cannot hold a delimiter line.
        // A boundary already written inside (a decoded composite's) must
        // not be a prefix of ours either.
        bool const clash = std::any_of(not_prefixes.begin(), not_prefixes.end(),
                                       [&](std::string const& b) { return istarts_with(token, b); });
        if (!clash && !std::binary_search(taken.begin(), taken.end(), token.substr(prefix.size())))
            return token;
        h = (h + 0x9e3779b97f4a7c15ull) * 1099511628211ull;
    }
}

// Where a renderer's output goes. The top-level renderer writes the
// message; one for a decoded composite (base64 on a multipart, ...)
// writes that entity, which the enclosing renderer copies in place.
struct render_context {
    bool embedded = false;              // an entity inside the message, not the message
    bool followed_by_delimiter = false; // embedded: a delimiter line of an ancestor follows
    bool message_root = false;          // embedded: the entity is a nested message (its header says MIME-Version)
    bool remap_parts = false;           // changes are reported on outer_part
    std::uint32_t outer_part = 0;
    std::size_t decode_nesting = 0;     // encoded composites around this one
    std::uint64_t* steps_left = nullptr;
    std::uint32_t* serial = nullptr;    // new boundaries made so far, shared
    std::vector<std::string>* boundaries_out = nullptr; // every boundary written, for the enclosing renderer
    std::size_t* parts_out = nullptr;   // entities written, decoded ones included
};

// A quoted-printable body at the end of the message that has no line end
// of its own gets a soft line break, so that the message's final CRLF
// adds nothing to its content. Its last line, valid and of at most 76
// octets, could grow to 77 with the "=": then its last character (or
// "=XX" escape) goes to a line of its own first.
void end_qp_body(std::string& out)
{
    if (out.ends_with("\r\n"))
        return;
    auto const nl = out.rfind('\n');
    auto const line = out.size() - (nl == std::string::npos ? 0 : nl + 1);
    if (line >= 76) {
        auto const cut = out.size() - (out[out.size() - 3] == '=' ? 3 : 1);
        out.insert(cut, "=\r\n");
    }
    out.append("=\r\n");
}

class renderer {
public:
    renderer(std::string_view in, message const& m, sanitize_options const& o, sanitize_result& r,
             std::string& out, render_context ctx)
        : in_(in), m_(m), options_(o), seven_bit_(o.seven_bit), max_parameters_(o.parse_limits.max_parameters),
          max_field_bytes_(o.parse_limits.max_field_bytes), r_(r), out_(out), ctx_(ctx)
    {
    }

    void run();

private:
    struct leaf_plan {
        // prepared: `decoded` is the body to write as it is.
        enum class how { verbatim, normalize_eol, qp, base64, prepared } action = how::verbatim;
        std::string_view label;  // Content-Transfer-Encoding to write; empty: none
        bool keep_field = false; // the original CTE field can stay as it is
        std::string decoded;     // for qp and base64: the content to encode
        bool qp_text = true;
        bool from_decoded = false;
        bool as_octets = false;  // leaves as application/octet-stream
    };

    void note(std::string_view kind, std::uint32_t part, std::string text);
    void plan_embedded();
    void plan_boundaries();
    bool has_multipart_ancestor(std::uint32_t i) const;
    bool at_end(std::uint32_t i) const;
    std::string_view composite_label(std::uint32_t i, bool& keep) const;
    leaf_plan plan_leaf(std::uint32_t i);
    leaf_plan plan_message_leaf(std::uint32_t i, message_leaf kind);
    bool write_region(std::string_view region);
    void open(std::uint32_t i);
    void close(std::uint32_t i);
    void header(std::uint32_t i, std::string_view cte_label, bool keep_cte);
    void content_type(std::uint32_t i);
    bool fitted_field(std::string_view name, field_value v, std::uint32_t i);
    void field(raw_field const& f, std::uint32_t i);
    bool clean_field(raw_field const& f) const;
    bool copyable_mime_field(raw_field const& f) const;
    void fold(std::string_view line, std::size_t limit, std::uint32_t i);
    void leaf_body(std::uint32_t i, leaf_plan& plan);
    std::string_view body(part const& p) const
    {
        return in_.substr(p.body_begin, p.body_end - p.body_begin);
    }

    std::string_view in_;
    message const& m_;
    sanitize_options const& options_;
    bool seven_bit_;
    std::size_t max_parameters_;
    std::size_t max_field_bytes_;
    sanitize_result& r_;
    std::string& out_;
    render_context ctx_;
    std::vector<std::string> boundary_;   // per part: the boundary to write
    std::vector<std::uint32_t> embedded_slot_; // per part: index in embedded_, or no_part
    std::vector<std::string> embedded_;   // decoded composites, rendered; decoded message/* leaves
    std::vector<std::uint32_t> decoded_slot_;  // per part: a message/* leaf's decoded body in embedded_
    std::vector<std::vector<std::string>> embedded_boundaries_; // per embedded_: the boundaries in it
    std::size_t extra_parts_ = 0;         // entities the decoded composites added
    std::vector<bool> regenerated_;
    std::vector<bool> sub_8bit_;          // subtree holds 8-bit octets
    bool as_octets_ = false;              // the part being written leaves as application/octet-stream
};

void renderer::note(std::string_view kind, std::uint32_t part, std::string text)
{
    if (ctx_.remap_parts)
        part = ctx_.outer_part;
    for (auto& c : r_.changes) {
        if (c.kind == kind) {
            ++c.count;
            return;
        }
    }
    r_.changes.push_back(change{kind, std::move(text), part, 1});
}

void renderer::plan_embedded()
{
    // RFC 2045 6.4 forbids base64 and quoted-printable on a multipart or a
    // message/rfc822, but broken mailers send them, and the parser keeps
    // such a body opaque (one pass). Leaving it as an encoded
    // application/octet-stream would hide every part inside from the
    // reader, so it is decoded here and parsed and rendered again as the
    // composite it says it is, with 7bit or 8bit. The nested parse gets
    // what is left of the limits (depth below this part, parts not used
    // by the rest of the tree, steps), so the whole output parses again
    // within the same limits; past max_decode_nesting or the step budget
    // the body stays opaque, its octets kept.
    auto n = m_.parts.size();
    embedded_slot_.assign(n, no_part);
    decoded_slot_.assign(n, no_part);
    auto const& lim = options_.parse_limits;
    // Each multipart without a part gets one when written (open()).
    std::size_t added = 0;
    for (auto const& p : m_.parts)
        added += p.is_multipart() && p.first_child == no_part ? 1 : 0;
    std::size_t parts_left = lim.max_parts > n + added ? lim.max_parts - n - added : 0;
    for (std::size_t k = 0; k < n; ++k) {
        auto const& p = m_.parts[k];
        // A message/* leaf that came encoded leaves decoded
        // (plan_message_leaf); plan_boundaries reads its lines first.
        if (classify_message_leaf(p).is && !(p.defects & overflow_defects) &&
            (p.encoding == transfer_encoding::base64 || p.encoding == transfer_encoding::quoted_printable) &&
            !false_base64_label(p, body(p))) {
            std::string d;
            if (p.encoding == transfer_encoding::base64)
                decode_base64(body(p), d);
            else
                decode_qp(body(p), d);
            decoded_slot_[k] = static_cast<std::uint32_t>(embedded_.size());
            embedded_.push_back(std::move(d));
            embedded_boundaries_.resize(embedded_.size());
            continue;
        }
        if (!unwrappable(p))
            continue;
        bool const b64 = p.encoding == transfer_encoding::base64;
        if (p.depth >= lim.max_depth)
            continue;
        if (ctx_.decode_nesting >= lim.max_decode_nesting) {
            note("made_opaque", static_cast<std::uint32_t>(k),
                 "encoded composite past max_decode_nesting kept as application/octet-stream");
            continue;
        }
        auto e = parse_unwrapped(in_, m_, p, lim, parts_left, *ctx_.steps_left);
        if (!e) {
            r_.over_limit = true;
            continue;
        }
        auto& [u, sub, tree] = *e;
        if (tree.over_limit)
            r_.over_limit = true;
        render_context c;
        c.embedded = k != 0 || ctx_.embedded;
        c.message_root = k == 0 ? !ctx_.embedded || ctx_.message_root : p.is_message_root;
        c.followed_by_delimiter = !at_end(static_cast<std::uint32_t>(k));
        c.remap_parts = true;
        c.outer_part = ctx_.remap_parts ? ctx_.outer_part : static_cast<std::uint32_t>(k);
        c.decode_nesting = ctx_.decode_nesting + 1;
        c.steps_left = ctx_.steps_left;
        c.serial = ctx_.serial;
        std::vector<std::string> nested;
        c.boundaries_out = &nested;
        // What it writes counts, its own decoded composites included, so
        // the whole output stays within max_parts.
        std::size_t written = 0;
        c.parts_out = &written;
        std::string text;
        sanitize_options o = options_;
        o.parse_limits = sub;
        renderer(u.entity, tree, o, r_, text, c).run();
        parts_left -= std::min(parts_left, written - 1);
        extra_parts_ += written - 1;
        for (std::size_t d = 0; d < u.lines_dropped; ++d)
            note("header_line_dropped", static_cast<std::uint32_t>(k), "header line without a field name dropped");
        auto what = std::string(b64 ? "base64" : "quoted-printable") + " on " + p.content_type.type + "/" +
                    p.content_type.subtype;
        if (u.as_it_stands)
            note("cte_removed", static_cast<std::uint32_t>(k),
                 what + " whose body is not encoded removed and its parts read as they stand");
        else
            note("composite_decoded", static_cast<std::uint32_t>(k), what + " decoded and its parts written again");
        embedded_slot_[k] = static_cast<std::uint32_t>(embedded_.size());
        embedded_.push_back(std::move(text));
        embedded_boundaries_.resize(embedded_.size());
        embedded_boundaries_.back() = std::move(nested);
    }
    embedded_boundaries_.resize(embedded_.size());
    if (ctx_.parts_out)
        *ctx_.parts_out = n + added + extra_parts_;
}

void renderer::plan_boundaries()
{
    auto n = m_.parts.size();
    boundary_.assign(n, {});
    regenerated_.assign(n, false);
    sub_8bit_.assign(n, false);
    // Children follow their parents, so one backward pass sums subtrees.
    for (std::size_t k = n; k-- > 0;) {
        auto const& p = m_.parts[k];
        bool eight = p.body_8bit || p.has(defect::eight_bit_header);
        if (embedded_slot_[k] != no_part)
            eight = has_8bit_octet(embedded_[embedded_slot_[k]]);
        if (decoded_slot_[k] != no_part) {
            auto const& d = embedded_[decoded_slot_[k]];
            eight = p.has(defect::eight_bit_header) ||
                    (!seven_bit_ && has_8bit_octet(d) && d.find('\0') == std::string::npos);
        }
        if (eight)
            sub_8bit_[k] = true;
        if (sub_8bit_[k] && p.parent != no_part)
            sub_8bit_[p.parent] = true;
    }
    // A part past the part or step limit holds delimiters of its ancestors.
    std::vector<bool> must(n, false);
    for (std::size_t k = 0; k < n; ++k) {
        if (!(m_.parts[k].defects & overflow_defects))
            continue;
        for (auto a = m_.parts[k].parent; a != no_part; a = m_.parts[a].parent)
            must[a] = true;
        if (m_.parts[k].is_multipart())
            must[k] = true;
    }
    // A boundary is kept only if no line of the output starts with it but
    // its own delimiters. The parser flags such a line inside the
    // multipart's body; RFC 2046 lets one occur outside it (a later part
    // quoting a closed multipart's delimiters), but a reader that takes
    // any line starting with a boundary it has seen for a delimiter, or a
    // check over the whole message, splits that part. So every line of
    // the input that starts with "--" outside a multipart's body, and
    // every decoded line (the parser never saw those: the decoded body
    // held it, or a nested boundary has it as a prefix), is compared with
    // every boundary, and a match needs a new one.
    boundary_lines lines(m_);
    std::vector<bool> quoted(n, false);
    // (No boundary in the tree, no line to compare: a single part's body is
    // not read again here.)
    auto const quoted_outside = [&](std::uint32_t a) {
        must[a] = true;
        quoted[a] = true;
    };
    bool out_of_steps = !lines.empty() && !match_outside_bodies(in_, m_, lines, *ctx_.steps_left, quoted_outside);
    for (std::size_t k = 0; k < n && !out_of_steps; ++k) {
        auto slot = embedded_slot_[k] != no_part ? embedded_slot_[k] : decoded_slot_[k];
        if (slot == no_part)
            continue;
        std::string_view t = embedded_[slot];
        if (!lines.empty())
            for_each_dash_line(t, [&](std::size_t at) {
                if (!out_of_steps)
                    out_of_steps = !lines.match(t, at, *ctx_.steps_left, [&](std::uint32_t a) { must[a] = true; });
            });
        // RFC 2046 5.1.2 only forbids an inner boundary that has an outer
        // one as prefix; a reader matching prefixes is misled by the
        // reverse too, so neither is let through.
        for (auto const& nb : embedded_boundaries_[slot]) {
            for (auto a = m_.parts[k].parent; a != no_part; a = m_.parts[a].parent) {
                auto const& b = m_.parts[a].boundary;
                if (m_.parts[a].is_multipart() && !b.empty() && (istarts_with(b, nb) || istarts_with(nb, b)))
                    must[a] = true;
            }
        }
    }
    // Past the step budget every boundary is new: that needs no look.
    if (out_of_steps)
        std::fill(must.begin(), must.end(), true);
    // One token that occurs nowhere in what we copy; each new boundary is
    // the token and a fixed-width serial, so no new boundary is a prefix of
    // another, and none can occur in content we copy.
    std::vector<std::string> inner;
    for (auto const& v : embedded_boundaries_)
        inner.insert(inner.end(), v.begin(), v.end());
    std::string token;   // needed only where there is a multipart
    if (std::any_of(m_.parts.begin(), m_.parts.end(), [](part const& p) { return p.is_multipart(); })) {
        std::uint64_t h = 1469598103934665603ull ^ in_.size();
        for (std::size_t k = 0; k < std::min<std::size_t>(in_.size(), 4096); ++k)
            h = (h ^ static_cast<unsigned char>(in_[k])) * 1099511628211ull;
        std::vector<std::string_view> texts{in_};
        for (auto const& e : embedded_)
            texts.push_back(e);
        token = choose_token(texts, inner, h);
    }
    static constexpr char hex[] = "0123456789abcdef";
    for (std::size_t k = 0; k < n; ++k) {
        auto const& p = m_.parts[k];
        if (!p.is_multipart())
            continue;
        bool regen = must[k] || (p.defects & boundary_defects) || p.boundary.empty() ||
                     !is_valid_boundary(p.boundary) || istarts_with(token, p.boundary);
        if (!regen) {
            boundary_[k] = p.boundary;
            continue;
        }
        std::uint32_t serial = (*ctx_.serial)++;
        std::string b = token + "_";
        for (int d = 7; d >= 0; --d)
            b.push_back(hex[(serial >> (d * 4)) & 15]);
        boundary_[k] = std::move(b);
        regenerated_[k] = true;
        note("boundary_regenerated", static_cast<std::uint32_t>(k),
             p.boundary.empty() ? "multipart without a usable boundary"
             : p.has(defect::boundary_in_content)
                 ? "boundary \"" + p.boundary + "\" replaced: a line of its content starts with it"
             : quoted[k] ? "boundary \"" + p.boundary + "\" replaced: a line outside its multipart starts with it"
                         : "boundary \"" + p.boundary + "\" replaced");
    }
    if (ctx_.boundaries_out) {
        for (auto const& b : boundary_)
            if (!b.empty())
                ctx_.boundaries_out->push_back(b);
        ctx_.boundaries_out->insert(ctx_.boundaries_out->end(), inner.begin(), inner.end());
    }
}

bool renderer::has_multipart_ancestor(std::uint32_t i) const
{
    for (auto p = m_.parts[i].parent; p != no_part; p = m_.parts[p].parent)
        if (m_.parts[p].is_multipart())
            return true;
    return false;
}

bool renderer::at_end(std::uint32_t i) const
{
    return !has_multipart_ancestor(i) && !ctx_.followed_by_delimiter;
}

std::string_view renderer::composite_label(std::uint32_t i, bool& keep) const
{
    auto const& p = m_.parts[i];
    auto e = p.encoding;
    bool eight = !seven_bit_ && sub_8bit_[i];
    keep = false;
    if (eight) {
        keep = e == transfer_encoding::eight_bit;
        return "8bit";
    }
    if (e == transfer_encoding::none)
        return {};
    if (seven_bit_) { // RFC 6152: nothing declares 8bit to a hop without 8BITMIME
        keep = e == transfer_encoding::seven_bit;
        return "7bit";
    }
    keep = e == transfer_encoding::seven_bit || e == transfer_encoding::eight_bit;
    return e == transfer_encoding::eight_bit ? "8bit" : "7bit";
}

renderer::leaf_plan renderer::plan_message_leaf(std::uint32_t i, message_leaf kind)
{
    // A message/* leaf keeps its type whenever its content can travel as
    // 7bit or 8bit: its line ends become CRLF, a header-field line over 998
    // octets is folded, a body that came base64 or quoted-printable
    // encoded (RFC 2046 allows neither) is decoded. It becomes
    // application/octet-stream (base64) only when its content cannot be
    // carried so: a NUL, a line over 998 octets that cannot be folded, or
    // 8-bit octets for a hop without 8BITMIME. (The message/global-*
    // reports never get here: RFC 6533 lets them be encoded, so they are
    // planned like text and keep their type in every case.)
    auto const& p = m_.parts[i];
    leaf_plan plan;
    auto raw = body(p);
    auto e = p.encoding;
    bool const decoded = decoded_slot_[i] != no_part;
    std::string_view c = decoded ? std::string_view(embedded_[decoded_slot_[i]]) : raw;
    bool const nul = c.find('\0') != std::string_view::npos;
    bool eight = has_8bit_octet(c);
    std::string type = p.content_type.type + "/" + p.content_type.subtype;
    bool folded = false;
    std::string xtext;
    if (eight && seven_bit_ && !nul && kind.recipient_fields && downgrade_utf8_addresses(c, xtext)) {
        c = xtext;
        eight = false;
        note("header_encoded", i, "UTF-8 addresses in " + type + " written as utf-8-addr-xtext (RFC 6533)");
    }
    if (!nul && !(eight && seven_bit_)) {
        std::string lines;
        if (!decoded && xtext.empty() && !p.body_bare_eol && !p.body_long_line) {
            plan.action = leaf_plan::how::verbatim;
        } else if (write_lines(c, kind.header_fields, lines, folded)) {
            plan.action = leaf_plan::how::prepared;
            plan.decoded = std::move(lines);
        } else {
            goto encode;
        }
        plan.label = eight ? "8bit" : e == transfer_encoding::none ? "" : "7bit";
        plan.keep_field = (eight && e == transfer_encoding::eight_bit) || (!eight && e == transfer_encoding::seven_bit);
        if (decoded)
            note("cte_relabelled", i, std::string(p.encoding_token) + " on " + type + " decoded and written as " +
                                          std::string(eight ? "8bit" : "7bit") + ", its type kept");
        else if (!plan.keep_field && e != transfer_encoding::none)
            note("cte_relabelled", i, "Content-Transfer-Encoding \"" + p.encoding_token + "\" on " + type +
                                          " written as " + std::string(plan.label.empty() ? "7bit" : plan.label));
        if (p.body_bare_eol)
            note("line_ends_normalized", i, "bare CR or LF in " + type + " written as CRLF, its type kept");
        if (folded)
            note("line_folded", i, "header field line over 998 octets in " + type + " folded");
        return plan;
    }
encode:
    plan.decoded.assign(c);
    plan.from_decoded = true;
    plan.action = leaf_plan::how::base64;
    plan.label = "base64";
    plan.as_octets = true;
    note("made_opaque", i,
         type + " with " +
             (nul ? "NUL octets" : (eight && seven_bit_) ? "8-bit octets for a 7-bit hop" : "a line over 998 octets") +
             " (not 7bit or 8bit) kept as application/octet-stream");
    return plan;
}

renderer::leaf_plan renderer::plan_leaf(std::uint32_t i)
{
    auto const& p = m_.parts[i];
    if (auto kind = classify_message_leaf(p); kind.is && !(p.defects & overflow_defects))
        return plan_message_leaf(i, kind);
    leaf_plan plan;
    auto raw = body(p);
    // message/global-* reports (RFC 6533) are UTF-8 header fields that may
    // be encoded: text, but their type is kept whatever the encoding.
    bool const text = !p.opaque && !charset_without_octet_lines(p) &&
                      (p.content_type.type == "text" ||
                       (p.content_type.type == "message" && p.content_type.subtype.starts_with("global-")));
    bool const end = at_end(i);
    auto e = p.encoding;
    if (false_base64_label(p, raw))
        note("cte_relabelled", i, "base64 label on a body that is not base64: its octets are the content");
    else if (e == transfer_encoding::base64 || e == transfer_encoding::quoted_printable) {
        // An encoded body goes out as it came when it is valid and well
        // formed; otherwise it is decoded as far as it goes and encoded again.
        // Bare line ends alone are not a reason: both decoders take CR, LF
        // and CRLF alike, so the lines are kept and only their ends become
        // CRLF, and a signature over the part (S/MIME, PGP/MIME, DKIM's body
        // hash, all over CRLF lines) still holds.
        bool const b64 = e == transfer_encoding::base64;
        bool const invalid = p.has(b64 ? defect::invalid_base64 : defect::invalid_qp);
        plan.label = b64 ? "base64" : "quoted-printable";
        if (!invalid && !p.encoded_long_line && !p.body_nul && !p.body_8bit) {
            plan.keep_field = true;
            if (p.body_bare_eol) {
                plan.action = leaf_plan::how::normalize_eol;
                note("line_ends_normalized", i, "bare CR or LF in a " + std::string(plan.label) + " body written as CRLF");
            }
            return plan;
        }
        if (b64) {
            decode_base64(raw, plan.decoded);
            plan.action = leaf_plan::how::base64;
        } else {
            decode_qp(raw, plan.decoded);
            plan.action = leaf_plan::how::qp;
            plan.qp_text = text;
        }
        plan.from_decoded = true;
        note("cte_reencoded", i,
             invalid ? "invalid " + std::string(plan.label) + " decoded as far as it goes and encoded again"
                     : std::string(plan.label) + " with long lines or stray octets encoded again");
        return plan;
    }
    // Identity encodings (none, 7bit, 8bit, binary, or unknown: octets kept).
    if (e == transfer_encoding::unknown)
        note("cte_relabelled", i, "unknown encoding \"" + p.encoding_token + "\": its octets are the content");
    // The part at the part limit holds octets the parser did not look at.
    bool needs_encoding = (p.defects & overflow_defects) || p.body_nul || p.body_long_line || (seven_bit_ && p.body_8bit) ||
                          (!text && p.body_bare_eol) ||
                          (end && !text && !raw.empty() && !raw.ends_with("\r\n"));
    if (!needs_encoding) {
        plan.action = p.body_bare_eol ? leaf_plan::how::normalize_eol : leaf_plan::how::verbatim;
        if (p.body_bare_eol)
            note("line_ends_normalized", i, "bare CR or LF in a text body written as CRLF");
        if (p.body_8bit) {
            plan.label = "8bit";
            plan.keep_field = e == transfer_encoding::eight_bit;
        } else if (e == transfer_encoding::none) {
            plan.label = {};
        } else if (seven_bit_) { // RFC 6152: no 8bit label to a hop without 8BITMIME
            plan.label = "7bit";
            plan.keep_field = e == transfer_encoding::seven_bit;
        } else {
            plan.label = e == transfer_encoding::eight_bit ? "8bit" : "7bit";
            plan.keep_field = e == transfer_encoding::seven_bit || e == transfer_encoding::eight_bit;
        }
        if (!plan.keep_field && e != transfer_encoding::none)
            note("cte_relabelled", i, "Content-Transfer-Encoding \"" + p.encoding_token + "\" written as " +
                                          std::string(plan.label.empty() ? "7bit" : plan.label));
        else if (e == transfer_encoding::none && p.body_8bit)
            note("cte_relabelled", i, "8-bit body without Content-Transfer-Encoding labelled 8bit");
        return plan;
    }
    // Re-encode: quoted-printable keeps mostly-ASCII text readable; base64
    // for everything else (RFC 2045 6.8 suggests the same split).
    bool qp = text && count_8bit(raw) * 6 < raw.size() + 1;
    plan.action = qp ? leaf_plan::how::qp : leaf_plan::how::base64;
    plan.label = qp ? "quoted-printable" : "base64";
    plan.qp_text = true;
    note("cte_reencoded", i,
         std::string("body with ") +
             (p.body_nul ? "NUL octets" : p.body_long_line ? "lines over 998 octets"
                                      : (seven_bit_ && p.body_8bit) ? "8-bit octets for a 7-bit hop"
                                                                    : "bare line ends or no final line end") +
             " encoded as " + std::string(plan.label));
    return plan;
}

void renderer::fold(std::string_view line, std::size_t limit, std::uint32_t i)
{
    // RFC 5322 2.2.3: fold only before white space, so unfolding restores
    // the value. `limit` is where we would like to fold (78 for encoded
    // words); past it we take the first white space before 998. A run of
    // 998 octets with no white space gets a space inserted: the one case
    // where the value changes, recorded as such. `lead` is 1 when the
    // physical line already starts with such an inserted space (written,
    // not copied: copying the rest for each piece made a long unbreakable
    // field cost its length squared).
    std::size_t lead = 0;
    while (line.size() + lead > limit) {
        std::size_t cut = std::string_view::npos;
        for (std::size_t k = limit - lead; k + lead > 0; --k) {
            if (k < line.size() && (line[k] == ' ' || line[k] == '\t')) {
                cut = k;
                break;
            }
            if (k == 0)
                break;
        }
        if (cut == std::string_view::npos) {
            for (std::size_t k = limit + 1 - lead; k < line.size() && k + lead <= 998; ++k) {
                if (line[k] == ' ' || line[k] == '\t') {
                    cut = k;
                    break;
                }
            }
        }
        if (cut == std::string_view::npos) {
            if (line.size() + lead <= 998)
                break;
            out_.append(line.substr(0, 998 - lead));
            out_.append("\r\n");
            line.remove_prefix(998 - lead);
            note("line_folded", i, "header line without white space broken with an inserted space");
            out_.push_back(' '); // the next physical line starts with the inserted space
            lead = 1;
            continue;
        }
        out_.append(line.substr(0, cut));
        out_.append("\r\n");
        line.remove_prefix(cut);
        lead = 0;
        if (limit == 998)
            note("line_folded", i, "header line over 998 octets folded");
    }
    out_.append(line);
    out_.append("\r\n");
}

bool renderer::clean_field(raw_field const& f) const
{
    auto w = f.whole;
    if (f.space_before_colon || !w.ends_with("\r\n"))
        return false;
    for (char c : f.name) {
        auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126)
            return false;
    }
    return region_clean(w, seven_bit_);
}

// A MIME field field() can copy without changing its value: only its line
// ends (bare LF) or the space before its colon need work. A bare CR or a
// NUL inside would be removed, which could change what it means.
bool renderer::copyable_mime_field(raw_field const& f) const
{
    auto w = f.whole;
    std::size_t line = 0;
    for (std::size_t k = 0; k < w.size(); ++k) {
        auto u = static_cast<unsigned char>(w[k]);
        if (u == '\r') {
            if (k + 1 >= w.size() || w[k + 1] != '\n')
                return false;
        } else if (u == '\n') {
            line = 0;
        } else if (u == 0 || (seven_bit_ && u >= 128) || ++line > 998) {
            return false;
        }
    }
    for (char c : f.name) {
        auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126)
            return false;
    }
    return true;
}

void renderer::field(raw_field const& f, std::uint32_t i)
{
    if (clean_field(f)) {
        out_.append(f.whole);
        return;
    }
    // Rebuild: a clean name, the value's lines without NUL, a stray CR as a space.
    std::string name(f.name);
    bool name_fixed = f.space_before_colon;
    for (auto& c : name) {
        auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126) {
            // Not '-': "MIME\xd6Version" must not become a MIME-Version.
            c = '_';
            name_fixed = true;
        }
    }
    if (name_fixed)
        note("header_fixed", i, "field name \"" + std::string(f.name.substr(0, 60)) + "\" cleaned");
    std::vector<std::string> lines;
    std::string_view v = f.value;
    bool eol_fixed = false, nul = false;
    bool const cr = m_.header_cr_line_ends(m_.parts[i]);
    while (!v.empty()) {
        auto next = line_after(v, 0, cr);
        auto piece = v.substr(0, next);
        v.remove_prefix(next);
        auto const end = line_end_size(piece, cr);
        eol_fixed |= end == 1;
        piece.remove_suffix(end);
        // A bare CR left inside the line is a stray character, which the
        // parser reads as white space: written as a space, so that
        // `Content-Language: en\rde` keeps two tags and a Subject its
        // words apart. Bare CRs at the line's end belong to its line end
        // ("\r\r\n", a CRLF converted twice) and go.
        auto const text_end = piece.find_last_not_of('\r') + 1;
        eol_fixed |= text_end < piece.size();
        std::string l;
        l.reserve(text_end);
        for (char c : piece.substr(0, text_end)) {
            if (c == '\0') {
                nul = true;
                continue;
            }
            if (c == '\r') {
                eol_fixed = true;
                c = ' ';
            }
            l.push_back(c);
        }
        lines.push_back(std::move(l));
    }
    if (lines.empty())
        lines.emplace_back();
    if (nul)
        note("nul_removed", i, "NUL removed from header field " + name);
    if (eol_fixed)
        note("line_ends_normalized", i, "bare CR or LF in header field " + name);
    std::string joined;
    if (seven_bit_ && std::any_of(lines.begin(), lines.end(), [](auto const& l) { return has_8bit_octet(l); })) {
        for (auto const& l : lines)
            joined += l;
        std::string enc;
        if (is_address_field(name))
            encode_address_list(joined, enc);
        else
            encode_words(joined, enc);
        note("header_encoded", i, "8-bit text in " + name + " written as RFC 2047 encoded words");
        fold(name + ":" + enc, 78, i);
        return;
    }
    fold(name + ":" + lines[0], 998, i);
    for (std::size_t k = 1; k < lines.size(); ++k) {
        if (lines[k].empty() || (lines[k][0] != ' ' && lines[k][0] != '\t'))
            lines[k].insert(0, 1, ' ');
        fold(lines[k], 998, i);
    }
}

bool renderer::fitted_field(std::string_view name, field_value v, std::uint32_t i)
{
    // What we write must parse again within the same limits: a value that
    // RFC 2231 made longer than limits::max_field_bytes, or split into more
    // segments than limits::max_parameters, loses parameters from the end
    // (never the boundary) until it fits. One whose bare type is over the
    // limit (a Content-Disposition's; the parser does not take such a
    // Content-Type) is not written: false.
    // A line over 998 octets (a parameter name of that size: values are
    // split by RFC 2231) loses the parameter with the longest name first.
    std::string text;
    for (;;) {
        std::size_t items = 0;
        text.clear();
        render_field_value(v, name.size() + 2, text, &items);
        std::size_t longest = 0, column = name.size() + 2;
        for (std::size_t at = 0; at <= text.size();) {
            auto const end = std::min(text.find("\r\n", at), text.size());
            longest = std::max(longest, column + end - at);
            column = 0;
            at = end + 2;
        }
        bool const too_long = longest > 998;
        if (!too_long && text.size() + 1 <= max_field_bytes_ && items <= max_parameters_)
            break;
        if (v.params.empty())
            return false;
        auto drop = v.params.end();
        for (auto it = v.params.begin(); it != v.params.end(); ++it)
            if ((it->name != "boundary" || v.type != "multipart") && // ours: short and valid
                (!too_long || drop == v.params.end() || it->name.size() > drop->name.size()))
                drop = it;
        if (drop == v.params.end())
            break;
        note("parameter_dropped", i, "parameter \"" + drop->name.substr(0, 60) + "\" dropped: too long to write back");
        v.params.erase(drop);
    }
    out_ += name;
    out_ += ": ";
    out_ += text;
    out_ += "\r\n";
    return true;
}

void renderer::content_type(std::uint32_t i)
{
    auto const& p = m_.parts[i];
    field_value v;
    if (p.opaque || as_octets_) {
        v.type = "application";
        v.subtype = "octet-stream";
        v.params = p.octet_params();
    } else {
        v = p.content_type;
        if (p.charset_defaulted && p.body_8bit && p.encoding != transfer_encoding::base64 &&
            p.encoding != transfer_encoding::quoted_printable && is_utf8(body(p))) {
            // The default's us-ascii is no label for UTF-8 text (a message
            // without MIME, a part without a Content-Type). Other 8-bit
            // text keeps it: its charset is not known, and RFC 1428's
            // unknown-8bit, which would say so, makes readers that look
            // the label up as a codec fail (Python's get_content raises),
            // where us-ascii gets its unknown octets replaced.
            for (auto& q : v.params) {
                if (q.name == "charset")
                    q.value = "utf-8";
            }
            note("charset_labelled", i, "UTF-8 text without a charset labelled utf-8");
        }
        if (p.is_multipart()) {
            bool set = false;
            for (auto& q : v.params) {
                if (q.name == "boundary") {
                    q.value = boundary_[i];
                    q.charset.clear();
                    set = true;
                }
            }
            if (!set)
                v.params.push_back(parameter{"boundary", boundary_[i], {}});
        }
    }
    // The parser takes no type and subtype over the field limit, so this
    // always fits; if it ever did not, the part would still get a type.
    if (!fitted_field("Content-Type", std::move(v), i))
        out_ += "Content-Type: application/octet-stream\r\n";
}

void renderer::header(std::uint32_t i, std::string_view cte_label, bool keep_cte)
{
    auto const& p = m_.parts[i];
    // The header of a message, the top level's or a nested one's (RFC
    // 2045 4: a message/rfc822 body is MIME only if its own header says
    // MIME-Version, and strict readers ignore its Content-Type and
    // Content-Transfer-Encoding without it). Every message header written
    // here holds MIME fields, so every one says MIME-Version: 1.0. A body
    // part needs none, but one that says another version, or nothing, is
    // not MIME to Courier's reformime either: it says 1.0 once, if at all.
    // A decoded composite rendered on its own (plan_embedded) is a nested
    // message when its part in the enclosing tree is one.
    bool const message_header =
        (i == 0 && (!ctx_.embedded || ctx_.message_root)) || (p.is_message_root && p.parent != no_part);
    bool const ct_rebuild = !p.content_type_present || p.content_type_defaulted || p.opaque || as_octets_ ||
                            regenerated_[i] ||
                            (p.defects & (bit(defect::parameter_invalid) | bit(defect::parameter_limit) |
                                          bit(defect::duplicate_parameter) | bit(defect::field_truncated)));
    bool ct_done = false, cte_done = false, mv_done = false, cd_done = false;
    auto block = in_.substr(p.header_begin, p.header_end - p.header_begin);
    for_each_field(block, [&](raw_field const& f) {
        if (f.no_colon) {
            note("header_line_dropped", i, "header line without a field name dropped");
            return;
        }
        if (f.name.size() > max_field_name_bytes) {
            note("header_line_dropped", i, "header field with a name over 900 octets dropped");
            return;
        }
        if (iequals(f.name, "content-type")) {
            if (ct_done) {
                note("content_type_duplicate_removed", i, "second Content-Type removed (the first wins)");
                return;
            }
            ct_done = true;
            // A MIME field is copied only when copying cannot change it;
            // otherwise it is written again from what the parser understood.
            if (ct_rebuild || !copyable_mime_field(f)) {
                content_type(i);
                // (A message/* leaf written as octets: plan_message_leaf said why.)
                if (p.opaque)
                    note("made_opaque", i, "part kept as application/octet-stream");
                else if (!as_octets_ && p.content_type_defaulted)
                    note("content_type_replaced", i, "empty or invalid Content-Type replaced by the RFC 2045 default");
                else if (!as_octets_ && !regenerated_[i])
                    note("header_fixed", i, "Content-Type parameters rewritten");
            } else {
                field(f, i);
            }
            return;
        }
        if (iequals(f.name, "content-transfer-encoding")) {
            if (cte_done) {
                note("cte_removed", i, "second Content-Transfer-Encoding removed");
                return;
            }
            cte_done = true;
            if (cte_label.empty()) {
                note("cte_removed", i, "Content-Transfer-Encoding removed");
            } else if (keep_cte && !p.cte_not_plain && copyable_mime_field(f) && iequals(trim(f.value), cte_label)) {
                field(f, i);
            } else {
                out_ += "Content-Transfer-Encoding: ";
                out_ += cte_label;
                out_ += "\r\n";
                if (p.cte_not_plain && iequals(p.encoding_token, cte_label))
                    note("header_fixed", i, "Content-Transfer-Encoding written without what followed its token");
            }
            return;
        }
        if (iequals(f.name, "mime-version")) {
            if (mv_done) {
                note("mime_version_fixed", i, "second MIME-Version removed");
                return;
            }
            mv_done = true;
            // Copied only when the parser read it as 1.0 too: a value past
            // max_field_bytes is read cut short, and a long comment cut
            // before its ")" is no longer 1.0 to the next reader.
            if (is_mime_version_1_0(f.value) && is_mime_version_1_0(p.mime_version) && copyable_mime_field(f)) {
                field(f, i);
            } else {
                out_ += "MIME-Version: 1.0\r\n";
                note("mime_version_fixed", i, "MIME-Version \"" + std::string(trim(f.value)) + "\" written as 1.0");
            }
            return;
        }
        if (iequals(f.name, "content-disposition")) {
            if (cd_done) {
                note("header_fixed", i, "second Content-Disposition removed (the first wins)");
                return;
            }
            cd_done = true;
            // Parsed again here: the tree's flags do not say which field a
            // parameter defect came from.
            field_value v;
            defect_set d = 0;
            if (!parse_field_value(trim(f.value), false, max_parameters_, v, d)) {
                note("header_fixed", i, "unparsable Content-Disposition removed");
                return;
            }
            bool eight = seven_bit_ && has_8bit_octet(f.whole);
            if (d == 0 && copyable_mime_field(f) && f.value.size() <= max_field_bytes_) {
                field(f, i);
                return;
            }
            if (!fitted_field("Content-Disposition", std::move(v), i)) {
                note("header_fixed", i, "Content-Disposition too long to write back removed");
                return;
            }
            note(eight ? "header_encoded" : "header_fixed", i,
                 eight ? "8-bit Content-Disposition parameters written with RFC 2231"
                       : "Content-Disposition parameters rewritten");
            return;
        }
        field(f, i);
    }, m_.header_cr_line_ends(p));
    if (!ct_done) {
        content_type(i);
        note(p.opaque ? "made_opaque" : "content_type_added", i,
             p.opaque ? "part kept as application/octet-stream" : "missing Content-Type written with the RFC 2045 default");
    }
    if (!cte_done && !cte_label.empty()) {
        out_ += "Content-Transfer-Encoding: ";
        out_ += cte_label;
        out_ += "\r\n";
    }
    if (message_header && !mv_done) {
        out_ += "MIME-Version: 1.0\r\n";
        note("mime_version_added", i, "MIME-Version: 1.0 added");
    }
    out_ += "\r\n";
}

void renderer::leaf_body(std::uint32_t i, leaf_plan& plan)
{
    auto const& p = m_.parts[i];
    auto raw = body(p);
    bool const end = at_end(i);
    switch (plan.action) {
    case leaf_plan::how::prepared:
        out_.append(plan.decoded);
        break;
    case leaf_plan::how::verbatim:
        out_.append(raw);
        if (end && p.encoding == transfer_encoding::quoted_printable)
            end_qp_body(out_);
        break;
    case leaf_plan::how::normalize_eol: {
        out_.reserve(out_.size() + raw.size() + raw.size() / 16);
        for (std::size_t k = 0; k < raw.size(); ++k) {
            char c = raw[k];
            if (c == '\r') {
                out_.append("\r\n");
                if (k + 1 < raw.size() && raw[k + 1] == '\n')
                    ++k;
            } else if (c == '\n') {
                out_.append("\r\n");
            } else {
                out_.push_back(c);
            }
        }
        if (end && p.encoding == transfer_encoding::quoted_printable)
            end_qp_body(out_);
        break;
    }
    case leaf_plan::how::qp: {
        std::string_view src = plan.from_decoded ? std::string_view(plan.decoded) : raw;
        encode_qp(src, out_, plan.qp_text);
        if (end)
            end_qp_body(out_);
        break;
    }
    case leaf_plan::how::base64: {
        std::string_view src = plan.from_decoded ? std::string_view(plan.decoded) : raw;
        encode_base64(src, out_);
        // The line end before a delimiter belongs to the delimiter.
        if (!end && out_.ends_with("\r\n"))
            out_.resize(out_.size() - 2);
        break;
    }
    }
}

bool renderer::write_region(std::string_view region)
{
    // A preamble or epilogue (RFC 2046 5.1.1: to be ignored) is copied with
    // its line ends made CRLF; one that holds a NUL, a line over 998 octets
    // or, for a 7-bit hop, an 8-bit octet cannot be written as it is and
    // has no encoding of its own, so it is dropped.
    std::size_t line = 0;
    for (char ch : region) {
        auto u = static_cast<unsigned char>(ch);
        if (u == '\r' || u == '\n') {
            line = 0;
            continue;
        }
        if (u == 0 || (seven_bit_ && u >= 128) || ++line > 998)
            return false;
    }
    bool folded = false;
    write_lines(region, false, out_, folded);
    return true;
}

void renderer::open(std::uint32_t i)
{
    auto const& p = m_.parts[i];
    if (embedded_slot_[i] != no_part) {
        out_.append(embedded_[embedded_slot_[i]]);
        return;
    }
    if (p.is_multipart()) {
        bool keep = false;
        auto label = composite_label(i, keep);
        header(i, label, keep);
        auto const& b = boundary_[i];
        bool synthesized_child = p.first_child != no_part && m_.parts[p.first_child].synthesized;
        if (!synthesized_child) {
            auto pre = in_.substr(p.body_begin, std::max(p.preamble_end, p.body_begin) - p.body_begin);
            if (p.first_child == no_part && !p.has_epilogue)
                pre = body(p);
            // An empty preamble is still a line ("\r\n--b" after the
            // header, as Apple Mail writes a nested multipart): it is kept,
            // as a signature over the enclosing part (multipart/signed)
            // covers it.
            bool const empty_line = pre.empty() && (p.first_child != no_part || p.has_epilogue) &&
                                    p.body_begin < in_.size() && (in_[p.body_begin] == '\r' || in_[p.body_begin] == '\n');
            if (empty_line)
                out_.append("\r\n");
            if (!pre.empty()) {
                if (write_region(pre)) {
                    out_.append("\r\n");
                    if (!region_clean(pre, seven_bit_))
                        note("line_ends_normalized", i, "bare CR or LF in a preamble written as CRLF");
                } else {
                    note("preamble_dropped", i, "preamble with NUL, long lines or 8-bit octets dropped");
                }
            }
        }
        out_ += "--";
        out_ += b;
        out_ += "\r\n";
        if (p.first_child == no_part) {
            out_ += "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
            note("part_added", i, "multipart without parts given one empty text/plain part");
        }
        return;
    }
    if (p.is_message()) {
        bool keep = false;
        auto label = composite_label(i, keep);
        header(i, label, keep);
        return;
    }
    auto plan = plan_leaf(i);
    // RFC 2046 5.2.4 treats an unrecognized message subtype as
    // application/octet-stream, and many readers parse any message/* as a
    // nested message, on which RFC 2045 6.4 allows no encoding: such a
    // part that needs base64 or quoted-printable leaves as octets
    // (plan_message_leaf says when; RFC 6533's global-* may be encoded).
    as_octets_ = plan.as_octets ||
                 (!p.opaque && p.content_type.type == "message" && !p.content_type.subtype.starts_with("global-") &&
                  plan.label != "" && plan.label != "7bit" && plan.label != "8bit");
    header(i, plan.label, plan.keep_field);
    as_octets_ = false;
    leaf_body(i, plan);
}

void renderer::close(std::uint32_t i)
{
    auto const& p = m_.parts[i];
    if (!p.is_multipart())
        return;
    out_ += "\r\n--";
    out_ += boundary_[i];
    out_ += "--";
    if (!p.has_epilogue) {
        if (p.has(defect::unterminated_multipart) || p.has(defect::boundary_not_found) ||
            p.has(defect::missing_boundary))
            note("close_delimiter_added", i, "multipart without a close delimiter closed");
        return;
    }
    auto epi = in_.substr(p.epilogue_begin, std::max(p.body_end, p.epilogue_begin) - p.epilogue_begin);
    if (epi.empty()) {
        // An empty epilogue line before an enclosing multipart's delimiter
        // ("--b--", "", "--outer") is kept, as an empty preamble is. At the
        // end of the message the final CRLF stands for it.
        if (p.body_end == p.epilogue_begin && p.epilogue_begin > 0 &&
            (in_[p.epilogue_begin - 1] == '\n' || in_[p.epilogue_begin - 1] == '\r') && has_multipart_ancestor(i))
            out_.append("\r\n");
        return;
    }
    auto mark = out_.size();
    out_.append("\r\n");
    if (write_region(epi)) {
        if (!region_clean(epi, seven_bit_))
            note("line_ends_normalized", i, "bare CR or LF in an epilogue written as CRLF");
    } else {
        out_.resize(mark);
        note("epilogue_dropped", i, "epilogue with NUL, long lines or 8-bit octets dropped");
    }
}

void renderer::run()
{
    plan_embedded();
    plan_boundaries();
    out_.reserve(in_.size() + in_.size() / 8 + 256);
    std::uint32_t cur = 0;
    for (;;) {
        open(cur);
        auto const& p = m_.parts[cur];
        if (composite(p) && p.first_child != no_part) {
            cur = p.first_child;
            continue;
        }
        for (;;) {
            close(cur);
            if (cur == 0) {
                if (ctx_.embedded)
                    return; // what follows (a delimiter, the end) is the enclosing renderer's
                if (!out_.ends_with("\r\n"))
                    out_.append("\r\n");
                // (or a quoted-printable soft line break and CRLF)
                if (!in_.ends_with('\n') && !in_.ends_with('\r'))
                    note("final_crlf_added", 0, "CRLF added at the end of the message");
                return;
            }
            auto const& c = m_.parts[cur];
            if (c.next_sibling != no_part) {
                out_ += "\r\n--";
                out_ += boundary_[c.parent];
                out_ += "\r\n";
                cur = c.next_sibling;
                break;
            }
            cur = c.parent;
        }
    }
}

// The whole-tree test for "already clean": no defect, nothing the renderer
// would rewrite. Cheap (one look at each part), so clean mail costs a parse
// and a copy.
bool already_clean(std::string_view in, message const& m, bool seven_bit, std::uint64_t steps)
{
    // RFC 6152: a hop without 8BITMIME gets no 8bit label either.
    if (seven_bit)
        for (auto const& p : m.parts)
            if (p.encoding == transfer_encoding::eight_bit)
                return false;
    defect_set allowed = seven_bit ? 0 : bit(defect::eight_bit_header);
    if ((m.all_defects & ~allowed) != 0 || m.any_nul || m.any_bare_eol || m.any_long_line ||
        (seven_bit && m.any_8bit) || m.over_limit)
        return false;
    if (!in.ends_with("\r\n"))
        return false;
    for (auto const& p : m.parts) {
        // Every message header, nested ones too, says MIME-Version: 1.0
        // once; a body part's says it once or not at all.
        if ((p.is_message_root || p.mime_version_count != 0) &&
            (p.mime_version_count != 1 || !is_mime_version_1_0(p.mime_version)))
            return false;
        if (!p.content_type_present || p.content_type_defaulted || p.opaque || p.synthesized || p.cte_not_plain)
            return false;
        auto e = p.encoding;
        if (e == transfer_encoding::binary || e == transfer_encoding::unknown)
            return false;
        if (p.is_multipart() || p.is_message()) {
            if (e != transfer_encoding::none && e != transfer_encoding::seven_bit &&
                e != transfer_encoding::eight_bit)
                return false;
            if (p.is_multipart() && (p.first_child == no_part || !p.has_epilogue ||
                                     !is_valid_boundary(p.boundary)))
                return false;
        } else if (p.encoded_long_line) {
            return false;
        }
        if (p.body_8bit && e != transfer_encoding::eight_bit && e != transfer_encoding::binary)
            return false;
    }
    // Composites labelled 7bit (or not at all) must not hold 8-bit parts.
    if (m.any_8bit) {
        std::vector<bool> sub(m.parts.size(), false);
        for (std::size_t k = m.parts.size(); k-- > 0;) {
            auto const& p = m.parts[k];
            bool s = sub[k] || p.body_8bit || p.has(defect::eight_bit_header);
            if (s && (p.is_multipart() || p.is_message()) && p.encoding != transfer_encoding::eight_bit)
                return false;
            if (s && p.parent != no_part)
                sub[p.parent] = true;
        }
    }
    // No line outside a multipart's body starts with its boundary.
    boundary_lines const lines(m);
    bool outside = false;
    return lines.empty() ||
           (match_outside_bodies(in, m, lines, steps, [&](std::uint32_t) { outside = true; }) && !outside);
}

// A decoded composite is rendered on its own, and a boundary it kept may
// start a line of the rest of the message, which its own parse never saw
// (or the reverse, between two of them). The output, whose composites
// are all plain now, is read once more, and when that happens it is
// sanitized again, which replaces those boundaries and changes nothing
// else. Read with room for the header growth of encoding (RFC 2047 words
// take up to twice the octets) and within what is left of the steps; an
// output that does not read clean in them is left as it is (the first
// run reported why).
void check_unwrapped_boundaries(sanitize_result& r, sanitize_options const& options)
{
    auto const budget = options.parse_limits.max_steps;
    if (r.steps >= budget)
        return;
    sanitize_options again = options;
    again.parse_limits.max_header_bytes *= 4;
    again.parse_limits.max_steps = budget - r.steps;
    auto const tree = parse(r.message, again.parse_limits);
    defect_set const allowed = options.seven_bit ? 0 : bit(defect::eight_bit_header);
    if (tree.over_limit || (tree.all_defects & ~allowed) != 0)
        return;
    auto second = sanitize(r.message, tree, again);
    r.steps += second.steps;
    if (second.unchanged)
        return;
    r.message = std::move(second.message);
    r.over_limit = r.over_limit || second.over_limit;
    for (auto& c : second.changes)
        r.changes.push_back(std::move(c));
}

} // namespace

sanitize_result sanitize(std::string_view message_bytes, sanitize_options const& options)
{
    auto tree = parse(message_bytes, options.parse_limits);
    return sanitize(message_bytes, tree, options);
}

sanitize_result sanitize(std::string_view message_bytes, message const& tree, sanitize_options const& options)
{
    sanitize_result r;
    r.over_limit = tree.over_limit;
    r.steps = tree.steps;
    auto const budget = options.parse_limits.max_steps;
    if (!tree.parts.empty() &&
        already_clean(message_bytes, tree, options.seven_bit, budget > tree.steps ? budget - tree.steps : 0)) {
        r.message.assign(message_bytes);
        r.unchanged = true;
        return r;
    }
    message reparsed;
    if (tree.parts.empty()) { // not a parser's tree (a default-constructed one)
        reparsed = parse(message_bytes, options.parse_limits);
        r.over_limit = reparsed.over_limit;
        r.steps = reparsed.steps;
    }
    auto const& t = tree.parts.empty() ? reparsed : tree;
    std::uint64_t steps_left = budget > t.steps ? budget - t.steps : 0;
    std::uint32_t serial = 0;
    render_context ctx;
    ctx.steps_left = &steps_left;
    ctx.serial = &serial;
    renderer(message_bytes, t, options, r, r.message, ctx).run();
    r.steps = budget - steps_left;
    if (t.steps > budget)
        r.steps = t.steps;
    if (std::any_of(t.parts.begin(), t.parts.end(), [](part const& p) { return unwrappable(p); }))
        check_unwrapped_boundaries(r, options);
    return r;
}

bool needs_7bit_downgrade(std::string_view message_bytes) noexcept
{
    auto const* p = message_bytes.data();
    std::size_t n = message_bytes.size(), i = 0;
    constexpr std::uint64_t high = 0x8080808080808080ull;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (w & high)
            return true;
    }
    for (; i < n; ++i)
        if (static_cast<unsigned char>(p[i]) >= 128)
            return true;
    static constexpr std::string_view field = "content-transfer-encoding";
    for (std::size_t at = 0; at < n;) {
        auto line = message_bytes.substr(at, field.size());
        if (line.size() == field.size() && iequals(line, field)) {
            // The value may be folded or hold a comment: "8bit" or
            // "binary" anywhere in the field counts.
            auto v = message_bytes.substr(at + field.size());
            auto colon = v.find_first_not_of(" \t");
            colon = colon != std::string_view::npos && v[colon] == ':' ? colon : std::string_view::npos;
            if (colon != std::string_view::npos) {
                for (std::size_t k = colon; k < v.size(); ++k) {
                    if (v[k] == '\n' && (k + 1 >= v.size() || (v[k + 1] != ' ' && v[k + 1] != '\t')))
                        break; // the field ends here
                    if (iequals(v.substr(k, 4), "8bit") || iequals(v.substr(k, 6), "binary"))
                        return true;
                }
            }
        }
        auto const* lf = static_cast<char const*>(std::memchr(p + at, '\n', n - at));
        auto const end = lf ? static_cast<std::size_t>(lf - p) : n;
        // A bare CR ends a body line for the parser, so a field may start
        // after one (found by fuzzing: "--b" CR "Content-Transfer-Encoding:
        // binary" reached a 7-bit hop).
        auto const* cr = static_cast<char const*>(std::memchr(p + at, '\r', end - at));
        if (cr && static_cast<std::size_t>(cr - p) + 1 < end) {
            at = static_cast<std::size_t>(cr - p) + 1;
            continue;
        }
        if (!lf)
            break;
        at = end + 1;
    }
    return false;
}

} // namespace x400gw::mime
