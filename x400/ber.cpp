// x400/ber.cpp
//
// X.690 BER: reading bounded by ber::limits, writing with definite lengths.
// See ber.hpp for the contract.
#include "x400/ber.hpp"

#include "x400/text.hpp"

#include <algorithm>
#include <array>

namespace x400gw::x400::ber {

session::session(bytes input, ber::limits const& l) : input_(input), limits_(l)
{
    if (input.size() > limits_.max_size)
        fail(limits_.max_size, "input larger than the size limit (" + std::to_string(limits_.max_size) + " octets)");
}

bool session::fail(std::size_t offset, std::string reason)
{
    if (!failed_) {
        failed_ = true;
        error_ = ber::error{offset, std::move(reason)};
    }
    return false;
}

bool session::count_element(std::size_t offset)
{
    if (++elements_ > limits_.max_elements)
        return fail(offset, "more elements than the element limit (" + std::to_string(limits_.max_elements) + ")");
    return true;
}

namespace {

// Identifier and length at `pos` in `span`; advances `pos` past them.
struct header {
    tag t;
    bool constructed = false;
    bool indefinite = false;
    std::size_t length = 0;
};

// nullptr on success, else the reason (and `pos` at the faulty octet).
char const* parse_header(bytes span, std::size_t& pos, header& h)
{
    if (pos >= span.size())
        return "truncated: identifier expected";
    std::uint8_t const id = span[pos++];
    h.t.cls = static_cast<tag_class>(id >> 6);
    h.constructed = (id & 0x20) != 0;
    h.t.number = id & 0x1f;
    if (h.t.number == 0x1f) {
        // X.690 8.1.2.4: base 128, most significant first, no leading zero septet.
        std::uint32_t n = 0;
        for (int i = 0;; ++i) {
            if (pos >= span.size())
                return "truncated: tag number";
            std::uint8_t const b = span[pos];
            if (i == 0 && b == 0x80)
                return "tag number with a leading zero septet";
            if (i == 4)
                return "tag number too large";
            n = (n << 7) | (b & 0x7f);
            ++pos;
            if (!(b & 0x80))
                break;
        }
        if (n < 31)
            return "tag number below 31 in the long form";
        h.t.number = n;
    }
    if (h.t.cls == tag_class::universal && h.t.number == 0)
        return "tag [UNIVERSAL 0] is reserved for end-of-contents (X.690 8.1.5)";
    if (pos >= span.size())
        return "truncated: length expected";
    std::uint8_t const l = span[pos];
    if (l < 0x80) {
        h.length = l;
        h.indefinite = false;
        ++pos;
    } else if (l == 0x80) {
        if (!h.constructed)
            return "indefinite length on a primitive element";
        h.indefinite = true;
        h.length = 0;
        ++pos;
    } else if (l == 0xff) {
        return "length octet 0xFF is reserved";
    } else {
        std::size_t const n = l & 0x7f;
        if (n > 8)
            return "length of more than 8 octets";
        ++pos;
        if (span.size() - pos < n)
            return "truncated: length";
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (v >> 55)
                return "length too large";
            v = (v << 8) | span[pos + i];
        }
        pos += n;
        h.length = static_cast<std::size_t>(v);
        h.indefinite = false;
    }
    if (!h.indefinite && h.length > span.size() - pos)
        return "length beyond the end of its container";
    return nullptr;
}

} // namespace

reader::reader(session& s, bytes span, std::size_t depth) : s_(&s), span_(span), depth_(depth) {}

std::size_t reader::offset() const noexcept
{
    return s_->offset_of(span_.data()) + std::min(pos_, span_.size());
}

reader reader::enter(element const& e)
{
    if (!e.constructed) {
        s_->fail(e.offset, "constructed element expected");
        return reader(*s_, {}, depth_);
    }
    if (depth_ + 1 > s_->limits().max_depth) {
        s_->fail(e.offset, "nesting deeper than the depth limit (" + std::to_string(s_->limits().max_depth) + ")");
        return reader(*s_, {}, depth_);
    }
    return reader(*s_, e.content, depth_ + 1);
}

std::optional<element> reader::read_header(std::size_t& pos)
{
    auto const at = [&](std::size_t p) { return s_->offset_of(span_.data()) + p; };
    if (!s_->count_element(at(pos)))
        return std::nullopt;
    if (span_[pos] == 0 && (pos + 1 >= span_.size() || span_[pos + 1] == 0)) {
        s_->fail(at(pos), "unexpected end-of-contents");
        return std::nullopt;
    }
    element e;
    e.offset = at(pos);
    header h;
    std::size_t p = pos;
    if (auto why = parse_header(span_, p, h)) {
        s_->fail(at(p), why);
        return std::nullopt;
    }
    e.tag = h.t;
    e.constructed = h.constructed;
    e.indefinite = h.indefinite;
    e.content_offset = at(p);
    if (!h.indefinite) {
        e.content = span_.subspan(p, h.length);
        pos = p + h.length;
        e.end = at(pos);
        return e;
    }
    // Indefinite length: find the matching end-of-contents without recursion.
    // Nested indefinite elements raise the level; definite ones are skipped
    // whole (their insides are checked when they are read).
    std::size_t level = 1;
    std::size_t q = p;
    while (level > 0) {
        if (q >= span_.size()) {
            s_->fail(at(q), "truncated: end-of-contents missing");
            return std::nullopt;
        }
        if (span_[q] == 0) {
            if (q + 1 >= span_.size()) {
                s_->fail(at(q), "truncated: end-of-contents");
                return std::nullopt;
            }
            if (span_[q + 1] != 0) {
                s_->fail(at(q), "end-of-contents with a non-zero length");
                return std::nullopt;
            }
            q += 2;
            --level;
            continue;
        }
        header inner;
        std::size_t r = q;
        if (auto why = parse_header(span_, r, inner)) {
            s_->fail(at(r), why);
            return std::nullopt;
        }
        if (inner.indefinite) {
            if (depth_ + level + 1 > s_->limits().max_depth) {
                s_->fail(at(q), "nesting deeper than the depth limit (" + std::to_string(s_->limits().max_depth) + ")");
                return std::nullopt;
            }
            ++level;
            q = r;
        } else {
            q = r + inner.length;
        }
    }
    e.content = span_.subspan(p, q - 2 - p);
    pos = q;
    e.end = at(pos);
    return e;
}

std::optional<element> reader::next()
{
    if (at_end())
        return std::nullopt;
    return read_header(pos_);
}

bool reader::next_is(tag t)
{
    if (at_end())
        return false;
    header h;
    std::size_t p = pos_;
    if (parse_header(span_, p, h))
        return false;
    return h.t == t;
}

bool reader::expect_end(char const* where)
{
    if (s_->failed())
        return false;
    if (pos_ < span_.size())
        return s_->fail(offset(), std::string("unexpected element in ") + where);
    return true;
}

namespace {

bool need_primitive(session& s, element const& e, char const* what)
{
    if (e.constructed)
        return s.fail(e.offset, std::string(what) + " must be primitive");
    return true;
}

} // namespace

std::optional<bool> read_boolean(session& s, element const& e)
{
    if (!need_primitive(s, e, "BOOLEAN"))
        return std::nullopt;
    if (e.content.size() != 1) {
        s.fail(e.offset, "BOOLEAN must have one content octet");
        return std::nullopt;
    }
    return e.content[0] != 0;
}

std::optional<std::int64_t> read_integer(session& s, element const& e)
{
    if (!need_primitive(s, e, "INTEGER"))
        return std::nullopt;
    auto c = e.content;
    if (c.empty()) {
        s.fail(e.offset, "INTEGER with no content octets");
        return std::nullopt;
    }
    // Redundant leading octets (X.690 8.3.2 says "shall not") are tolerated
    // as long as the value fits: some 1980s encoders wrote them.
    while (c.size() > 8 && ((c[0] == 0 && !(c[1] & 0x80)) || (c[0] == 0xff && (c[1] & 0x80))))
        c = c.subspan(1);
    if (c.size() > 8) {
        s.fail(e.offset, "INTEGER does not fit 64 bits");
        return std::nullopt;
    }
    std::uint64_t v = (c[0] & 0x80) ? ~std::uint64_t{0} : 0;
    for (auto b : c)
        v = (v << 8) | b;
    return static_cast<std::int64_t>(v);
}

bool read_null(session& s, element const& e)
{
    if (!need_primitive(s, e, "NULL"))
        return false;
    if (!e.content.empty())
        return s.fail(e.offset, "NULL with content octets");
    return true;
}

namespace {

std::optional<std::string> read_segments(session& s, element const& e, std::size_t depth, std::uint32_t own_type)
{
    if (!e.constructed)
        return std::string(reinterpret_cast<char const*>(e.content.data()), e.content.size());
    if (depth + 1 > s.limits().max_depth) {
        s.fail(e.offset, "constructed string nested deeper than the depth limit");
        return std::nullopt;
    }
    std::string out;
    reader r(s, e.content, depth + 1);
    while (auto seg = r.next()) {
        if (!(seg->is(universal(u::octet_string)) || (own_type != 0 && seg->is(universal(own_type))))) {
            s.fail(seg->offset, "segment of a constructed string is not an OCTET STRING");
            return std::nullopt;
        }
        auto part = read_segments(s, *seg, depth + 1, own_type);
        if (!part)
            return std::nullopt;
        out += *part;
    }
    if (s.failed())
        return std::nullopt;
    return out;
}

bool numeric_char(char c) { return (c >= '0' && c <= '9') || c == ' '; }
bool visible_char(char c) { return c >= 0x20 && c < 0x7f; }

} // namespace

bool is_printable_char(char c) noexcept
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case ' ': case '\'': case '(': case ')': case '+': case ',': case '-': case '.': case '/': case ':':
    case '=': case '?':
        return true;
    default:
        return false;
    }
}

bool valid_utf8(std::string_view s) noexcept
{
    // next_utf8 reads a malformed sequence as U+FFFD; a real U+FFFD is EF BF BD.
    for (std::size_t i = 0; i < s.size();) {
        auto const at = i;
        if (text::next_utf8(s, i) == 0xfffd && s.substr(at, 3) != "\xef\xbf\xbd")
            return false;
    }
    return true;
}

std::optional<std::string> read_octets(session& s, element const& e, std::size_t depth)
{
    return read_segments(s, e, depth, 0);
}

std::optional<std::string> read_string(session& s, element const& e, std::uint32_t universal_type, std::size_t depth)
{
    auto v = read_segments(s, e, depth, universal_type);
    if (!v)
        return std::nullopt;
    auto bad = [&](char const* what) -> std::optional<std::string> {
        s.fail(e.offset, what);
        return std::nullopt;
    };
    switch (universal_type) {
    case u::numeric_string:
        if (!std::all_of(v->begin(), v->end(), numeric_char))
            return bad("NumericString with a character other than a digit or space");
        break;
    case u::printable_string:
        if (!std::all_of(v->begin(), v->end(), is_printable_char))
            return bad("PrintableString with a character outside its set");
        break;
    case u::ia5_string: {
        // One OR over the octets (vectorised) instead of a test per octet:
        // IA5 text bodies are the large strings here.
        unsigned char any = 0;
        for (unsigned char c : *v)
            any |= c;
        if (any & 0x80)
            return bad("IA5String with an octet above 127");
        break;
    }
    case u::visible_string:
        if (!std::all_of(v->begin(), v->end(), visible_char))
            return bad("VisibleString with a control character");
        break;
    case u::bmp_string:
        if (v->size() % 2)
            return bad("BMPString of odd length");
        break;
    case u::universal_string:
        if (v->size() % 4)
            return bad("UniversalString length not a multiple of 4");
        break;
    case u::utf8_string:
        if (!valid_utf8(*v))
            return bad("UTF8String not well formed");
        break;
    default:
        break;
    }
    return v;
}

bool bit_string::test(std::size_t bit) const noexcept
{
    if (bit >= size())
        return false;
    return (static_cast<unsigned char>(octets[bit / 8]) >> (7 - bit % 8)) & 1;
}

void bit_string::set(std::size_t bit, bool on)
{
    if (bit >= size()) {
        std::size_t const bits = bit + 1;
        octets.resize((bits + 7) / 8, '\0');
        unused = static_cast<std::uint8_t>(octets.size() * 8 - bits);
    }
    auto& o = reinterpret_cast<unsigned char&>(octets[bit / 8]);
    auto const mask = static_cast<unsigned char>(1u << (7 - bit % 8));
    o = on ? (o | mask) : (o & ~mask);
}

std::optional<bit_string> read_bit_string(session& s, element const& e, std::size_t depth)
{
    if (!e.constructed) {
        if (e.content.empty()) {
            s.fail(e.offset, "BIT STRING with no content octets");
            return std::nullopt;
        }
        bit_string b;
        b.unused = e.content[0];
        if (b.unused > 7 || (e.content.size() == 1 && b.unused != 0)) {
            s.fail(e.offset, "BIT STRING with a bad count of unused bits");
            return std::nullopt;
        }
        b.octets.assign(reinterpret_cast<char const*>(e.content.data()) + 1, e.content.size() - 1);
        return b;
    }
    if (depth + 1 > s.limits().max_depth) {
        s.fail(e.offset, "constructed BIT STRING nested deeper than the depth limit");
        return std::nullopt;
    }
    bit_string out;
    reader r(s, e.content, depth + 1);
    while (auto seg = r.next()) {
        if (!seg->is(universal(u::bit_string))) {
            s.fail(seg->offset, "segment of a constructed BIT STRING is not a BIT STRING");
            return std::nullopt;
        }
        if (out.unused != 0) {
            s.fail(seg->offset, "unused bits in a segment other than the last");
            return std::nullopt;
        }
        auto part = read_bit_string(s, *seg, depth + 1);
        if (!part)
            return std::nullopt;
        out.octets += part->octets;
        out.unused = part->unused;
    }
    if (s.failed())
        return std::nullopt;
    return out;
}

std::string oid::to_string() const
{
    std::string out;
    for (std::size_t i = 0; i < arcs.size(); ++i) {
        if (i)
            out += '.';
        out += std::to_string(arcs[i]);
    }
    return out;
}

std::optional<oid> oid::parse(std::string_view dotted)
{
    oid o;
    std::uint64_t v = 0;
    bool digits = false;
    for (std::size_t i = 0; i <= dotted.size(); ++i) {
        if (i == dotted.size() || dotted[i] == '.') {
            if (!digits)
                return std::nullopt;
            o.arcs.push_back(v);
            v = 0;
            digits = false;
        } else if (dotted[i] >= '0' && dotted[i] <= '9') {
            auto const d = static_cast<std::uint64_t>(dotted[i] - '0');
            if (v > (~std::uint64_t{0} - d) / 10)
                return std::nullopt;
            v = v * 10 + d;
            digits = true;
        } else {
            return std::nullopt;
        }
    }
    if (o.arcs.size() < 2 || o.arcs[0] > 2 || (o.arcs[0] < 2 && o.arcs[1] > 39))
        return std::nullopt;
    return o;
}

std::optional<oid> read_oid(session& s, element const& e)
{
    if (!need_primitive(s, e, "OBJECT IDENTIFIER"))
        return std::nullopt;
    if (e.content.empty()) {
        s.fail(e.offset, "OBJECT IDENTIFIER with no content octets");
        return std::nullopt;
    }
    oid o;
    std::uint64_t v = 0;
    bool first_septet = true;
    for (std::size_t i = 0; i < e.content.size(); ++i) {
        auto const b = e.content[i];
        if (first_septet && b == 0x80) {
            s.fail(e.content_offset + i, "OBJECT IDENTIFIER subidentifier with a leading zero septet");
            return std::nullopt;
        }
        if (v >> 57) {
            s.fail(e.content_offset + i, "OBJECT IDENTIFIER arc too large");
            return std::nullopt;
        }
        v = (v << 7) | (b & 0x7f);
        first_septet = false;
        if (!(b & 0x80)) {
            if (o.arcs.empty()) {
                std::uint64_t const top = v < 40 ? 0 : v < 80 ? 1 : 2;
                o.arcs.push_back(top);
                o.arcs.push_back(v - top * 40);
            } else {
                o.arcs.push_back(v);
            }
            v = 0;
            first_septet = true;
        }
    }
    if (!first_septet) {
        s.fail(e.offset, "OBJECT IDENTIFIER ends inside a subidentifier");
        return std::nullopt;
    }
    return o;
}

namespace {

bool two_digits(std::string_view t, std::size_t at, int& out)
{
    if (at + 2 > t.size() || t[at] < '0' || t[at] > '9' || t[at + 1] < '0' || t[at + 1] > '9')
        return false;
    out = (t[at] - '0') * 10 + (t[at + 1] - '0');
    return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    std::int64_t const era = (y >= 0 ? y : y - 399) / 400;
    auto const yoe = static_cast<unsigned>(y - era * 400);
    unsigned const doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

unsigned days_in_month(std::int64_t y, unsigned m)
{
    static constexpr std::array<unsigned, 12> d{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool const leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

} // namespace

// UTCTime:         YYMMDDhhmm[ss](Z|+hhmm|-hhmm)
// GeneralizedTime: YYYYMMDDhh[mm[ss[(.|,)f+]]][Z|+hhmm|-hhmm]  (no zone: local time, taken as UTC)
std::optional<std::int64_t> time_point(time_value const& tv)
{
    std::string_view const t = tv.text;
    std::size_t p = 0;
    int yy = 0, cc = 0, mo = 0, dd = 0, hh = 0, mi = 0, ss = 0;
    std::int64_t year = 0;
    if (tv.generalized) {
        if (!two_digits(t, 0, cc) || !two_digits(t, 2, yy))
            return std::nullopt;
        year = cc * 100 + yy;
        p = 4;
    } else {
        if (!two_digits(t, 0, yy))
            return std::nullopt;
        year = yy < 50 ? 2000 + yy : 1900 + yy;
        p = 2;
    }
    if (!two_digits(t, p, mo) || !two_digits(t, p + 2, dd) || !two_digits(t, p + 4, hh))
        return std::nullopt;
    p += 6;
    bool const minutes = two_digits(t, p, mi);
    if (minutes)
        p += 2;
    else if (!tv.generalized)
        return std::nullopt;
    if (minutes && two_digits(t, p, ss))
        p += 2;
    if (tv.generalized && p < t.size() && (t[p] == '.' || t[p] == ',')) {
        ++p;
        std::size_t const start = p;
        while (p < t.size() && t[p] >= '0' && t[p] <= '9')
            ++p;
        if (p == start)
            return std::nullopt;
    }
    std::int64_t offset = 0;
    if (p < t.size() && t[p] == 'Z') {
        ++p;
    } else if (p < t.size() && (t[p] == '+' || t[p] == '-')) {
        int oh = 0, om = 0;
        if (!two_digits(t, p + 1, oh) || !two_digits(t, p + 3, om) || oh > 23 || om > 59)
            return std::nullopt;
        offset = (oh * 60 + om) * 60 * (t[p] == '+' ? 1 : -1);
        p += 5;
    } else if (!tv.generalized) {
        return std::nullopt;
    }
    if (p != t.size())
        return std::nullopt;
    if (mo < 1 || mo > 12 || dd < 1 || static_cast<unsigned>(dd) > days_in_month(year, static_cast<unsigned>(mo)) ||
        hh > 23 || mi > 59 || ss > 60)
        return std::nullopt;
    return days_from_civil(year, static_cast<unsigned>(mo), static_cast<unsigned>(dd)) * 86400 + hh * 3600 +
           mi * 60 + ss - offset;
}

time_value utc_time_from(std::int64_t t)
{
    std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    std::int64_t secs = t - days * 86400;
    // civil_from_days
    days += 719468;
    std::int64_t const era = (days >= 0 ? days : days - 146096) / 146097;
    auto const doe = static_cast<unsigned>(days - era * 146097);
    unsigned const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    unsigned const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned const mp = (5 * doy + 2) / 153;
    unsigned const d = doy - (153 * mp + 2) / 5 + 1;
    unsigned const m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    char buf[16];
    auto two = [&](char* at, std::int64_t v) {
        at[0] = static_cast<char>('0' + v / 10 % 10);
        at[1] = static_cast<char>('0' + v % 10);
    };
    two(buf, y % 100);
    two(buf + 2, m);
    two(buf + 4, d);
    two(buf + 6, secs / 3600);
    two(buf + 8, secs / 60 % 60);
    two(buf + 10, secs % 60);
    buf[12] = 'Z';
    return time_value{std::string(buf, 13), false};
}

std::optional<time_value> read_time(session& s, element const& e, bool generalized)
{
    auto v = read_segments(s, e, 0, generalized ? u::generalized_time : u::utc_time);
    if (!v)
        return std::nullopt;
    time_value t{std::move(*v), generalized};
    if (!time_point(t)) {
        s.fail(e.offset, generalized ? "GeneralizedTime not in the X.680 form" : "UTCTime not in the X.680 form");
        return std::nullopt;
    }
    return t;
}

std::optional<external> read_external(session& s, element const& e)
{
    if (!e.constructed) {
        s.fail(e.offset, "EXTERNAL must be constructed");
        return std::nullopt;
    }
    reader r(s, e.content, 0);
    external x;
    auto el = r.next();
    if (el && el->is(universal(u::object_identifier))) {
        x.direct_reference = read_oid(s, *el);
        el = r.next();
    }
    if (el && el->is(universal(u::integer))) {
        x.indirect_reference = read_integer(s, *el);
        el = r.next();
    }
    if (el && el->is(universal(u::object_descriptor))) {
        x.data_value_descriptor = read_string(s, *el, u::graphic_string);
        el = r.next();
    }
    if (s.failed())
        return std::nullopt;
    if (!el) {
        s.fail(e.offset, "EXTERNAL without its encoding");
        return std::nullopt;
    }
    if (el->is(context(0))) {
        x.kind = external::encoding::single_asn1_type;
        reader inner(s, el->content, 0);
        auto v = inner.next();
        if (!v) {
            s.fail(el->offset, "EXTERNAL single-ASN1-type without a value");
            return std::nullopt;
        }
        x.data = raw(s, *v);
        if (!inner.expect_end("EXTERNAL single-ASN1-type"))
            return std::nullopt;
    } else if (el->is(context(1))) {
        x.kind = external::encoding::octet_aligned;
        auto v = read_octets(s, *el);
        if (!v)
            return std::nullopt;
        x.data = std::move(*v);
    } else if (el->is(context(2))) {
        x.kind = external::encoding::arbitrary;
        auto v = read_bit_string(s, *el);
        if (!v)
            return std::nullopt;
        x.data = std::move(v->octets);
        x.unused_bits = v->unused;
    } else {
        s.fail(el->offset, "EXTERNAL encoding is not [0], [1] or [2]");
        return std::nullopt;
    }
    if (!r.expect_end("EXTERNAL"))
        return std::nullopt;
    return x;
}

std::string raw(session const& s, element const& e)
{
    auto const in = s.input();
    return std::string(reinterpret_cast<char const*>(in.data()) + e.offset, e.end - e.offset);
}

std::string bmp_to_utf8(std::string_view ucs2)
{
    std::string out;
    for (std::size_t i = 0; i + 1 < ucs2.size(); i += 2)
        text::append_utf8(out, (static_cast<unsigned char>(ucs2[i]) << 8) | static_cast<unsigned char>(ucs2[i + 1]));
    return out;
}

std::string universal_to_utf8(std::string_view ucs4)
{
    std::string out;
    for (std::size_t i = 0; i + 3 < ucs4.size(); i += 4) {
        char32_t cp = 0;
        for (int k = 0; k < 4; ++k)
            cp = (cp << 8) | static_cast<unsigned char>(ucs4[i + k]);
        text::append_utf8(out, cp);
    }
    return out;
}

std::string encode_identifier(tag t, bool constructed)
{
    std::string out;
    auto const cls = static_cast<std::uint8_t>(static_cast<std::uint8_t>(t.cls) << 6);
    auto const pc = static_cast<std::uint8_t>(constructed ? 0x20 : 0);
    if (t.number < 31) {
        out += static_cast<char>(cls | pc | t.number);
        return out;
    }
    out += static_cast<char>(cls | pc | 0x1f);
    char septets[5];
    int n = 0;
    std::uint32_t v = t.number;
    do {
        septets[n++] = static_cast<char>(v & 0x7f);
        v >>= 7;
    } while (v);
    while (n-- > 0)
        out += static_cast<char>(septets[n] | (n ? 0x80 : 0));
    return out;
}

std::string encode_length(std::size_t n)
{
    std::string out;
    if (n < 0x80) {
        out += static_cast<char>(n);
        return out;
    }
    char buf[8];
    int k = 0;
    while (n) {
        buf[k++] = static_cast<char>(n & 0xff);
        n >>= 8;
    }
    out += static_cast<char>(0x80 | k);
    while (k-- > 0)
        out += buf[k];
    return out;
}

void writer::identifier(tag t, bool constructed)
{
    out_ += encode_identifier(t, constructed);
}

std::size_t writer::begin(tag t)
{
    identifier(t, true);
    open_.push_back(out_.size());
    return out_.size();
}

void writer::end(std::size_t mark)
{
    if (!open_.empty() && open_.back() == mark)
        open_.pop_back();
    out_.insert(mark, encode_length(out_.size() - mark));
}

void writer::primitive(tag t, std::string_view content)
{
    identifier(t, false);
    out_ += encode_length(content.size());
    out_ += content;
}

void writer::raw(std::string_view encoded)
{
    out_ += encoded;
}

void writer::boolean(tag t, bool v)
{
    primitive(t, std::string_view(v ? "\xff" : "\x00", 1));
}

void writer::integer(tag t, std::int64_t v)
{
    char buf[8];
    int n = 0;
    auto u = static_cast<std::uint64_t>(v);
    for (int i = 7; i >= 0; --i)
        buf[7 - i] = static_cast<char>((u >> (i * 8)) & 0xff);
    // Shortest two's complement form (X.690 8.3.2).
    while (n < 7 && ((buf[n] == 0 && !(buf[n + 1] & 0x80)) ||
                     (static_cast<unsigned char>(buf[n]) == 0xff && (buf[n + 1] & 0x80))))
        ++n;
    primitive(t, std::string_view(buf + n, static_cast<std::size_t>(8 - n)));
}

void writer::null(tag t)
{
    primitive(t, {});
}

void writer::bits(tag t, bit_string const& b)
{
    std::string c;
    c += static_cast<char>(b.octets.empty() ? 0 : b.unused);
    c += b.octets;
    primitive(t, c);
}

void writer::object_id(tag t, oid const& o)
{
    std::string c;
    auto put = [&](std::uint64_t v) {
        char buf[10];
        int n = 0;
        do {
            buf[n++] = static_cast<char>(v & 0x7f);
            v >>= 7;
        } while (v);
        while (n-- > 0)
            c += static_cast<char>(buf[n] | (n ? 0x80 : 0));
    };
    if (o.arcs.size() >= 2) {
        put(o.arcs[0] * 40 + o.arcs[1]);
        for (std::size_t i = 2; i < o.arcs.size(); ++i)
            put(o.arcs[i]);
    }
    primitive(t, c);
}

void writer::ext(tag t, external const& x)
{
    auto m = begin(t);
    if (x.direct_reference)
        object_id(universal(u::object_identifier), *x.direct_reference);
    if (x.indirect_reference)
        integer(universal(u::integer), *x.indirect_reference);
    if (x.data_value_descriptor)
        primitive(universal(u::object_descriptor), *x.data_value_descriptor);
    switch (x.kind) {
    case external::encoding::single_asn1_type: {
        auto m0 = begin(context(0));
        raw(x.data);
        end(m0);
        break;
    }
    case external::encoding::octet_aligned:
        primitive(context(1), x.data);
        break;
    case external::encoding::arbitrary:
        bits(context(2), bit_string{x.data, x.unused_bits});
        break;
    }
    end(m);
}

std::string tag_text(tag t)
{
    static constexpr std::array<char const*, 4> cls{"UNIVERSAL ", "APPLICATION ", "", "PRIVATE "};
    return "[" + std::string(cls[static_cast<std::size_t>(t.cls)]) + std::to_string(t.number) + "]";
}

bool unexpected(reader& r, element const& e, char const* where)
{
    return r.s().fail(e.offset, "unexpected element " + tag_text(e.tag) + " in " + where);
}

bool missing(reader& r, std::size_t offset, char const* what, char const* where)
{
    return r.s().fail(offset, std::string(what) + " missing in " + where);
}

} // namespace x400gw::x400::ber
