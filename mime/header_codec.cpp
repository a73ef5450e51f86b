// mime/header_codec.cpp
//
// Content-Type / Content-Disposition values (RFC 2045 5.1, RFC 2183),
// RFC 2231 parameter continuations, RFC 2047 encoded words. Grammar:
//
//   content   := type "/" subtype *(";" parameter)
//   parameter := attribute "=" value            ; RFC 2045
//   attribute := token [ "*" [ DIGIT+ ] [ "*" ] ] ; RFC 2231 section 3-4
//   value     := token / quoted-string
//
// with CFWS (comments, nested) allowed between any two items (RFC 822).
#include "mime/header_codec.hpp"

#include "mime/codec.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace x400gw::mime {

namespace {

constexpr bool is_tspecial(char c) noexcept
{
    switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
        return true;
    default:
        return false;
    }
}

constexpr bool is_token_char(char c) noexcept
{
    auto u = static_cast<unsigned char>(c);
    return u > 32 && u < 127 && !is_tspecial(c);
}

constexpr bool is_wsp(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

struct lexer {
    std::string_view s;
    std::size_t i = 0;
    bool bad = false;

    bool done() const noexcept { return i >= s.size(); }
    char peek() const noexcept { return s[i]; }

    // Just past the ')' that closes the comment opening at `at`, nested
    // ones included; npos when it is not closed.
    std::size_t comment_end(std::size_t at) const noexcept
    {
        int level = 0;
        while (at < s.size()) {
            char d = s[at++];
            if (d == '\\') {
                if (at < s.size()) // a quoted pair; a final backslash quotes nothing
                    ++at;
            } else if (d == '(') {
                ++level;
            } else if (d == ')') {
                if (--level == 0)
                    return at;
            }
        }
        return std::string_view::npos;
    }

    void skip_cfws() noexcept
    {
        while (i < s.size()) {
            char c = s[i];
            if (is_wsp(c)) {
                ++i;
            } else if (c == '(') {
                i = comment_end(i);
                if (i == std::string_view::npos) {
                    i = s.size();
                    bad = true; // unterminated comment swallows the rest
                }
            } else {
                break;
            }
        }
    }

    // A run of token characters (8-bit octets are taken too, and flagged).
    std::string_view token() noexcept
    {
        auto b = i;
        while (i < s.size()) {
            auto u = static_cast<unsigned char>(s[i]);
            if (u >= 128) {
                bad = true;
                ++i;
            } else if (is_token_char(s[i])) {
                ++i;
            } else {
                break;
            }
        }
        return s.substr(b, i - b);
    }

    std::string quoted() // at '"'
    {
        std::string v;
        ++i;
        while (i < s.size()) {
            char c = s[i++];
            if (c == '"')
                return v;
            if (c == '\\' && i < s.size())
                c = s[i++];
            if (c == '\r' || c == '\n')
                continue; // folding inside a quoted string
            v.push_back(c);
        }
        bad = true; // unterminated
        return v;
    }
};

std::string percent_decode(std::string_view v, bool& bad)
{
    std::string out;
    out.reserve(v.size());
    for (std::size_t k = 0; k < v.size(); ++k) {
        if (v[k] == '%') {
            int h = k + 1 < v.size() ? hex_digit(v[k + 1]) : -1;
            int l = k + 2 < v.size() ? hex_digit(v[k + 2]) : -1;
            if (h >= 0 && l >= 0) {
                out.push_back(static_cast<char>(h * 16 + l));
                k += 2;
                continue;
            }
            bad = true;
        }
        out.push_back(v[k]);
    }
    return out;
}

struct segment {
    unsigned index;
    bool extended;
    std::string value;
};

bool attr_char(char c) noexcept
{
    // RFC 2231 attribute-char: token characters except "*", "'", "%".
    return is_token_char(c) && c != '*' && c != '\'' && c != '%';
}

} // namespace

bool is_token(std::string_view s) noexcept
{
    return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char);
}

bool is_mime_version_1_0(std::string_view value) noexcept
{
    lexer lx{value};
    lx.skip_cfws();
    auto version = lx.token();
    lx.skip_cfws();
    return !lx.bad && lx.done() && version == "1.0";
}

bool is_valid_boundary(std::string_view s) noexcept
{
    // bchars := bcharsnospace / " "
    // bcharsnospace := DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-" / "." / "/" / ":" / "=" / "?"
    if (s.empty() || s.size() > 70 || s.back() == ' ')
        return false;
    for (char c : s) {
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!ok) {
            switch (c) {
            case '\'': case '(': case ')': case '+': case '_': case ',': case '-':
            case '.': case '/': case ':': case '=': case '?': case ' ':
                ok = true;
                break;
            default:
                break;
            }
        }
        if (!ok)
            return false;
    }
    return true;
}

std::optional<char32_t> next_utf8(std::string_view s, std::size_t& i) noexcept
{
    auto const c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
        ++i;
        return c;
    }
    std::size_t len = 0;
    char32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
        len = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        cp = c & 0x07;
    } else {
        ++i;
        return std::nullopt;
    }
    if (i + len > s.size()) {
        ++i;
        return std::nullopt;
    }
    for (std::size_t k = 1; k < len; ++k) {
        auto const d = static_cast<unsigned char>(s[i + k]);
        if ((d & 0xc0) != 0x80) {
            ++i;
            return std::nullopt;
        }
        cp = (cp << 6) | (d & 0x3f);
    }
    static constexpr char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        ++i;
        return std::nullopt;
    }
    i += len;
    return cp;
}

bool has_8bit_octet(std::string_view s) noexcept
{
    // Eight octets at a time: a body of 50 KB is read in a few
    // microseconds, where a loop over the octets (not vectorized at -O2)
    // took tens.
    constexpr std::uint64_t high = 0x8080808080808080u;
    std::size_t i = 0;
    for (; i + 32 <= s.size(); i += 32) {
        std::uint64_t w[4];
        std::memcpy(w, s.data() + i, sizeof w);
        if ((w[0] | w[1] | w[2] | w[3]) & high)
            return true;
    }
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, sizeof w);
        if (w & high)
            return true;
    }
    for (; i < s.size(); ++i)
        if (static_cast<unsigned char>(s[i]) >= 128)
            return true;
    return false;
}

bool is_utf8(std::string_view s) noexcept
{
    std::size_t i = 0;
    while (i < s.size()) {
        // ASCII runs without the call: most of what is checked is ASCII.
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        if (!next_utf8(s, i))
            return false;
    }
    return true;
}

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y + 32);
        if (x != y)
            return false;
    }
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept
{
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && is_wsp(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_wsp(s.back()))
        s.remove_suffix(1);
    return s;
}

void to_lower(std::string& s) noexcept
{
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c + 32);
}

namespace {

// "name=" or "name*0 =" at `i`: a parameter starts there. Seen where a ';'
// should be, it is a parameter whose ';' is missing (RFC 2046's own
// message/external-body example lacks one).
bool parameter_starts(std::string_view raw, std::size_t i) noexcept
{
    auto const b = i;
    while (i < raw.size() && (attr_char(raw[i]) || raw[i] == '*'))
        ++i;
    if (i == b)
        return false;
    while (i < raw.size() && is_wsp(raw[i]))
        ++i;
    return i < raw.size() && raw[i] == '=';
}

} // namespace

bool parse_field_value(std::string_view raw, bool with_subtype, std::size_t max_parameters,
                       field_value& out, defect_set& d)
{
    lexer lx{raw};
    bool ok = true;
    lx.skip_cfws();
    out.type = std::string(lx.token());
    lx.skip_cfws();
    if (with_subtype) {
        if (!lx.done() && lx.peek() == '/') {
            ++lx.i;
            lx.skip_cfws();
            out.subtype = std::string(lx.token());
            lx.skip_cfws();
        }
        if (out.subtype.empty())
            ok = false;
    }
    if (out.type.empty() || lx.bad)
        ok = false;
    if (ok && !is_token(out.type))
        ok = false;
    if (ok && with_subtype && !is_token(out.subtype))
        ok = false;
    to_lower(out.type);
    to_lower(out.subtype);
    if (!lx.done() && lx.peek() != ';') {
        ok = false; // garbage after the type
        auto semi = raw.find(';', lx.i);
        lx.i = semi == std::string_view::npos ? raw.size() : semi;
    }
    lx.bad = false;

    // Parameters; RFC 2231 segments are collected by name and joined after.
    std::map<std::string, std::vector<segment>> segmented;
    std::vector<std::string> order; // first appearance of each name
    std::size_t count = 0;
    bool param_bad = false;
    while (!lx.done()) {
        if (lx.peek() == ';') {
            ++lx.i;
        } else if (parameter_starts(raw, lx.i)) {
            param_bad = true; // read it; the sanitizer writes the ';'
        } else {
            param_bad = true;
            auto semi = raw.find(';', lx.i);
            if (semi == std::string_view::npos)
                break;
            lx.i = semi + 1;
        }
        lx.skip_cfws();
        if (lx.done())
            break; // a trailing ';' is common and harmless
        if (lx.peek() == ';')
            continue;
        auto attr = std::string(lx.token());
        lx.skip_cfws();
        if (attr.empty() || lx.done() || lx.peek() != '=') {
            param_bad = true;
            continue;
        }
        ++lx.i; // '='
        lx.skip_cfws();
        std::string value;
        if (!lx.done() && lx.peek() == '"') {
            value = lx.quoted();
        } else {
            // Unquoted: a token by the RFC; real mail puts spaces and
            // tspecials here ("name=my file.txt"), so take up to ';', or
            // up to white space before what starts a parameter
            // ("access-type=mail-server server=...": a ';' is missing).
            auto b = lx.i;
            while (!lx.done() && lx.peek() != ';') {
                if (lx.peek() == '(') {
                    // Parentheses inside a word ("name=Invoice_(3021).pdf",
                    // as mailers write file names) are the value's, as
                    // readers take them; a comment after white space or
                    // at the value's end is a comment.
                    auto const close = lx.comment_end(lx.i);
                    if (lx.i == b || is_wsp(raw[lx.i - 1]) || close == std::string_view::npos ||
                        close == raw.size() || is_wsp(raw[close]) || raw[close] == ';' || raw[close] == '(')
                        break;
                    lx.i = close;
                    continue;
                }
                if (lx.peek() == '"') {
                    // So is a quoted string glued to a word, quotes and
                    // all (name=3D"a.jpg" from a header that went through
                    // quoted-printable: Python's `email` reads it so). One
                    // never closed takes the rest of the field, as at the
                    // value's start (and the value is flagged).
                    if (lx.i == b || is_wsp(raw[lx.i - 1]))
                        break;
                    lx.quoted(); // to its closing quote
                    continue;
                }
                if (is_wsp(lx.peek())) {
                    auto j = lx.i;
                    while (j < raw.size() && is_wsp(raw[j]))
                        ++j;
                    if (parameter_starts(raw, j))
                        break;
                }
                ++lx.i;
            }
            auto v = trim(raw.substr(b, lx.i - b));
            if (!is_token(v) && !v.empty())
                param_bad = true;
            value = std::string(v);
        }
        if (lx.bad)
            param_bad = true;
        lx.bad = false;
        lx.skip_cfws();
        if (++count > max_parameters) {
            d |= bit(defect::parameter_limit);
            continue;
        }
        to_lower(attr);
        // RFC 2231: name*, name*N, name*N*
        segment seg{0, false, std::move(value)};
        std::string name = attr;
        auto star = attr.find('*');
        if (star != std::string::npos) {
            name = attr.substr(0, star);
            std::string_view rest(attr);
            rest.remove_prefix(star + 1);
            if (rest.empty()) {
                seg.extended = true;
            } else {
                unsigned idx = 0;
                std::size_t k = 0;
                while (k < rest.size() && rest[k] >= '0' && rest[k] <= '9' && idx < 100000)
                    idx = idx * 10 + static_cast<unsigned>(rest[k++] - '0');
                if (k > 0 && (k == rest.size() || (rest.substr(k) == "*"))) {
                    seg.index = idx;
                    seg.extended = k != rest.size();
                } else {
                    name = attr; // not RFC 2231 after all
                    param_bad = true;
                }
            }
        }
        if (name.empty() || !std::all_of(name.begin(), name.end(), attr_char)) {
            param_bad = true;
            continue; // a name no one could write back: dropped
        }
        auto& segs = segmented[name];
        if (segs.empty())
            order.push_back(name);
        segs.push_back(std::move(seg));
    }

    for (auto const& name : order) {
        auto& segs = segmented[name];
        std::stable_sort(segs.begin(), segs.end(),
                         [](segment const& a, segment const& b) { return a.index < b.index; });
        parameter p;
        p.name = name;
        unsigned expect = 0;
        bool dup = false;
        for (std::size_t k = 0; k < segs.size(); ++k) {
            auto& s = segs[k];
            if (k > 0 && s.index == segs[k - 1].index) {
                dup = true; // the first wins
                continue;
            }
            if (s.index != expect)
                param_bad = true; // a gap: join what there is
            expect = s.index + 1;
            std::string_view v = s.value;
            if (s.extended) {
                // charset'language'value, in the first segment only (RFC
                // 2231 section 4.1). Mailers also put it on a later one
                // (name*0="Book "; name*2*=utf-8''%e2%98%95 ...): a quote
                // can only be a prefix there (a value writes it %27), so
                // it is taken as one, as Stalwart's reader takes it, and
                // the charset is the first one given.
                auto q1 = v.find('\'');
                auto q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
                if (q2 != std::string_view::npos) {
                    if (p.charset.empty())
                        p.charset = std::string(v.substr(0, q1));
                    v.remove_prefix(q2 + 1);
                    if (k != 0)
                        param_bad = true;
                } else if (k == 0) {
                    param_bad = true;
                }
                bool bad = false;
                p.value += percent_decode(v, bad);
                if (bad)
                    param_bad = true;
            } else {
                p.value += v;
            }
        }
        if (dup)
            d |= bit(defect::duplicate_parameter);
        if (p.name == "charset") {
            // A name, white space around it aside: RFC 2978's mime-charset,
            // and "." and ":" for the registry's aliases (ANSI_X3.4-1968,
            // ISO_8859-1:1987). Anything else ("", "utf 8", a CR and the
            // next field, "charset=us-ascii") names no charset, and readers
            // that look the label up as a codec fail on it (Python's
            // get_content raises): the parameter is dropped and the field
            // written again without it.
            auto const v = trim(p.value);
            bool const valid = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
                return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       std::string_view("!#$%&'+-^_`{}~.:").find(c) != std::string_view::npos;
            });
            if (!valid || v.size() != p.value.size())
                param_bad = true;
            if (!valid)
                continue;
            p.value = std::string(v);
        }
        out.params.push_back(std::move(p));
    }
    if (param_bad)
        d |= bit(defect::parameter_invalid);
    return ok;
}

std::string const* field_value::param(std::string_view name) const noexcept
{
    for (auto const& p : params)
        if (p.name == name)
            return &p.value;
    return nullptr;
}

std::vector<parameter> part::octet_params() const
{
    std::vector<parameter> kept;
    for (auto const& p : content_type.params)
        if (p.name == "name")
            kept.push_back(p);
    return kept;
}

void render_field_value(field_value const& v, std::size_t column, std::string& out, std::size_t* items_written)
{
    std::size_t written = 0;
    auto start = out.size();
    out += v.type;
    if (!v.subtype.empty()) {
        out.push_back('/');
        out += v.subtype;
    }
    std::size_t col = column + (out.size() - start);
    std::string item;
    for (auto const& p : v.params) {
        bool printable = std::all_of(p.value.begin(), p.value.end(), [](char c) {
            auto u = static_cast<unsigned char>(c);
            return u >= 32 && u < 127;
        });
        std::vector<std::string> items;
        // Quoted only while the item, escapes and all, stays well within a
        // line; longer values go as RFC 2231 segments.
        auto const escapes = std::count_if(p.value.begin(), p.value.end(), [](char c) { return c == '"' || c == '\\'; });
        if (printable && p.name.size() + p.value.size() + static_cast<std::size_t>(escapes) <= 900) {
            item = p.name;
            item.push_back('=');
            if (is_token(p.value)) {
                item += p.value;
            } else {
                item.push_back('"');
                for (char c : p.value) {
                    if (c == '"' || c == '\\')
                        item.push_back('\\');
                    item.push_back(c);
                }
                item.push_back('"');
            }
            items.push_back(item);
        } else {
            // RFC 2231: name*0*=charset''%XX..., name*1*=...
            std::string charset = p.charset;
            if (charset.empty() || !is_token(charset))
                charset = is_utf8(p.value) ? "utf-8" : "unknown-8bit";
            std::string enc = charset + "''";
            std::vector<std::string> chunks;
            std::string chunk = enc;
            for (char c : p.value) {
                auto u = static_cast<unsigned char>(c);
                if (chunk.size() > 60) {
                    chunks.push_back(std::move(chunk));
                    chunk.clear();
                }
                if (attr_char(c)) {
                    chunk.push_back(c);
                } else {
                    append_hex_escape(chunk, '%', u);
                }
            }
            chunks.push_back(std::move(chunk));
            if (chunks.size() == 1) {
                items.push_back(p.name + "*=" + chunks[0]);
            } else {
                for (std::size_t k = 0; k < chunks.size(); ++k)
                    items.push_back(p.name + "*" + std::to_string(k) + "*=" + chunks[k]);
            }
        }
        for (auto const& it : items) {
            out.push_back(';');
            ++col;
            if (col + 1 + it.size() > 76) {
                out += "\r\n\t";
                col = 1;
            } else {
                out.push_back(' ');
                ++col;
            }
            out += it;
            col += it.size();
            ++written;
        }
    }
    if (items_written)
        *items_written = written;
}

namespace {

// The RFC 2047 encoded word starting at `at` ("=?cs?Q?text?=", B too):
// charset and text printable, the text's raw 8-bit octets allowed (which
// section 5 forbids but senders write). Nothing when there is none.
struct encoded_word_view {
    std::string_view head; // "=?cs?Q?"
    std::string_view text;
    bool b64;
    std::size_t end; // just past its "?="
};

std::optional<encoded_word_view> encoded_word_at(std::string_view s, std::size_t at) noexcept
{
    if (!s.substr(at).starts_with("=?"))
        return std::nullopt;
    auto const q1 = s.find('?', at + 2);
    if (q1 == std::string_view::npos || q1 == at + 2 || q1 + 2 >= s.size() || s[q1 + 2] != '?')
        return std::nullopt;
    char const enc = s[q1 + 1];
    bool const b64 = enc == 'B' || enc == 'b';
    if (!b64 && enc != 'Q' && enc != 'q')
        return std::nullopt;
    auto const end = s.find("?=", q1 + 3);
    if (end == std::string_view::npos)
        return std::nullopt;
    // Only the text may hold 8-bit octets; nothing may hold controls.
    auto printable = [](char c) { return c > ' ' && c < 127; };
    auto const charset = s.substr(at + 2, q1 - at - 2), text = s.substr(q1 + 3, end - q1 - 3);
    if (!std::all_of(charset.begin(), charset.end(), printable) ||
        !std::all_of(text.begin(), text.end(),
                     [&](char c) { return printable(c) || static_cast<unsigned char>(c) >= 128; }))
        return std::nullopt;
    return encoded_word_view{s.substr(at, q1 + 3 - at), text, b64, end + 2};
}

// A word made of RFC 2047 encoded words only ("=?cs?Q?...?=", adjacent
// ones too) whose encoded text holds raw 8-bit octets, which section 5
// forbids but senders write: lenient readers decode such a word with the
// octets as they are. Written with each octet escaped (Q) or dropped (B:
// not in the alphabet, as a base64 decoder skips it), the word decodes to
// what those readers saw. A B word is then decoded as far as it goes and
// encoded again (the dropped octet may have stood for a character of a
// quantum), and left out if nothing decodes (encoded text is never
// empty), so every word written is valid. False when `word` is not one.
bool repair_encoded_words(std::string_view word, std::string* out)
{
    std::string fixed;
    for (std::size_t i = 0; i < word.size();) {
        auto const w = encoded_word_at(word, i);
        if (!w)
            return false;
        i = w->end;
        std::string text;
        for (char c : w->text) {
            auto u = static_cast<unsigned char>(c);
            if (u < 128)
                text.push_back(c);
            else if (!w->b64)
                append_hex_escape(text, '=', u);
        }
        if (w->b64 && text.size() != w->text.size()) {
            std::string octets;
            decode_base64(text, octets);
            if (octets.empty())
                continue;
            text.clear();
            append_base64(octets, text);
        }
        fixed.append(w->head);
        fixed.append(text);
        fixed.append("?=");
    }
    if (out)
        out->append(fixed);
    return true;
}

// Whether `s` holds an "=?" that opens no whole encoded word
// ("=?utf-8?q?broken"; RFC 2047 allows no "?" in the text either).
// Readers as lenient as Python's `email` take the text from it up to the
// next "?=" for one encoded word, spaces and all: left before an encoded
// word the sanitizer writes, it would swallow that word. So where a field
// gets encoded words, such text is encoded too.
bool stray_opener(std::string_view s) noexcept
{
    for (auto at = s.find("=?"); at != std::string_view::npos; at = s.find("=?", at)) {
        auto const w = encoded_word_at(s, at);
        if (!w || w->text.find('?') != std::string_view::npos)
            return true;
        at = w->end;
    }
    return false;
}

// What encode_words and the address list encode: 8-bit octets, or a
// stray opener.
bool needs_words(std::string_view s) noexcept
{
    return has_8bit_octet(s) || stray_opener(s);
}

// `run` as RFC 2047 "B" encoded words separated by spaces: utf-8 when it
// is valid UTF-8, unknown-8bit otherwise (RFC 1428). Each word at most 75
// characters (section 2), so as many octets as fit in base64 after
// "=?charset?B?" and "?="; a UTF-8 character is never split (section 5
// rule 3). B is allowed wherever an encoded word is (section 5).
void append_encoded_words(std::string_view run, std::string& out)
{
    bool const utf8 = is_utf8(run);
    std::string_view const charset = utf8 ? "utf-8" : "unknown-8bit";
    std::size_t const chunk_octets = (75 - 7 - charset.size()) / 4 * 3;
    for (std::size_t k = 0; k < run.size();) {
        std::size_t take = std::min<std::size_t>(chunk_octets, run.size() - k);
        if (utf8)
            while (k + take < run.size() && (static_cast<unsigned char>(run[k + take]) & 0xc0) == 0x80)
                --take;
        if (k != 0)
            out.push_back(' ');
        out += "=?";
        out += charset;
        out += "?B?";
        append_base64(run.substr(k, take), out);
        out += "?=";
        k += take;
    }
}

} // namespace

void encode_words(std::string_view text, std::string& out)
{
    std::size_t i = 0, n = text.size();
    while (i < n) {
        // Copy whitespace, then find the next word.
        std::size_t ws = i;
        while (i < n && (text[i] == ' ' || text[i] == '\t'))
            ++i;
        std::size_t wb = i;
        while (i < n && text[i] != ' ' && text[i] != '\t')
            ++i;
        auto word = text.substr(wb, i - wb);
        if (!needs_words(word)) {
            out.append(text.substr(ws, i - ws));
            continue;
        }
        out.append(text.substr(ws, wb - ws));
        if (repair_encoded_words(word, &out))
            continue;
        out.resize(out.size() - (wb - ws));
        // Extend the run over following words while they hold 8-bit octets,
        // so the spaces between them are encoded too and survive decoding.
        std::size_t run_end = i;
        for (;;) {
            std::size_t j = run_end;
            while (j < n && (text[j] == ' ' || text[j] == '\t'))
                ++j;
            std::size_t k = j;
            while (k < n && text[k] != ' ' && text[k] != '\t')
                ++k;
            if (j == k || !needs_words(text.substr(j, k - j)) || repair_encoded_words(text.substr(j, k - j), nullptr))
                break;
            run_end = k;
        }
        out.append(text.substr(ws, wb - ws));
        append_encoded_words(text.substr(wb, run_end - wb), out);
        i = run_end;
    }
}

void append_utf8_addr_xtext(std::string_view address, std::string& out)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    for (std::size_t k = 0; k < address.size();) {
        auto const u = static_cast<unsigned char>(address[k]);
        if (u == '\\' && address.substr(k).starts_with("\\x{")) {
            auto close = address.find('}', k);
            if (close != std::string_view::npos) {
                out.append(address.substr(k, close + 1 - k));
                k = close + 1;
                continue;
            }
        }
        if (u > 0x20 && u < 0x7f && u != '\\' && u != '+' && u != '=') {
            out.push_back(address[k++]);
            continue;
        }
        auto cp = static_cast<std::uint32_t>(next_utf8(address, k).value_or(0xFFFD));
        char digits[8];
        int n = 0;
        do {
            digits[n++] = hex[cp & 15];
            cp >>= 4;
        } while (cp);
        if (n == 1)
            digits[n++] = '0';
        out.append("\\x{");
        while (n)
            out.push_back(digits[--n]);
        out.push_back('}');
    }
}

bool is_address_field(std::string_view name) noexcept
{
    static constexpr std::string_view names[] = {
        "from", "sender", "reply-to", "to", "cc", "bcc",
        "resent-from", "resent-sender", "resent-reply-to", "resent-to", "resent-cc", "resent-bcc",
        "mail-followup-to", "mail-reply-to", "disposition-notification-to", "return-receipt-to", "errors-to"};
    return std::any_of(std::begin(names), std::end(names), [&](std::string_view n) { return iequals(n, name); });
}

namespace {

// RFC 5322 3.2 lexical tokens of an address list, as far as encoding
// needs them. A quoted string, comment or domain literal that is not
// closed runs to the end.
struct address_token {
    enum kind_t { space, atom, quoted, comment, literal, special } kind;
    std::string_view text; // as written (quotes, parentheses included)
};

std::vector<address_token> address_tokens(std::string_view v)
{
    std::vector<address_token> out;
    auto closing = [&](std::size_t i, char open, char close) {
        int depth = 0;
        for (std::size_t k = i; k < v.size(); ++k) {
            if (v[k] == '\\') {
                ++k;
            } else if (v[k] == close && (--depth == 0 || open == close)) {
                return k + 1;
            } else if (v[k] == open) {
                ++depth;
            }
        }
        return v.size();
    };
    for (std::size_t i = 0; i < v.size();) {
        char const c = v[i];
        std::size_t e = i + 1;
        auto kind = address_token::special;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            kind = address_token::space;
            while (e < v.size() && (v[e] == ' ' || v[e] == '\t' || v[e] == '\r' || v[e] == '\n'))
                ++e;
        } else if (c == '"') {
            kind = address_token::quoted;
            e = closing(i + 1, '"', '"');
        } else if (c == '(') {
            kind = address_token::comment;
            e = closing(i, '(', ')');
        } else if (c == '[') {
            kind = address_token::literal;
            e = closing(i, '[', ']');
        } else if (std::string_view("<>,:;@\\)]").find(c) == std::string_view::npos) {
            kind = address_token::atom;
            while (e < v.size() && std::string_view(" \t\r\n\"()[]<>,:;@\\").find(v[e]) == std::string_view::npos)
                ++e;
        }
        out.push_back({kind, v.substr(i, e - i)});
        i = e;
    }
    return out;
}

// The text inside quotes or parentheses (the closing one may be missing),
// its quoted pairs unescaped.
std::string unquoted(std::string_view t)
{
    std::string r;
    bool const closed = t.size() >= 2 && t.back() == (t.front() == '"' ? '"' : ')');
    auto const inner = t.substr(1, t.size() - (closed ? 2 : 1));
    for (std::size_t k = 0; k < inner.size(); ++k) {
        if (inner[k] == '\\' && k + 1 < inner.size())
            ++k;
        r.push_back(inner[k]);
    }
    return r;
}

void append_comment(address_token const& t, std::string& out)
{
    if (!needs_words(t.text)) {
        out.append(t.text);
        return;
    }
    out.push_back('(');
    append_encoded_words(unquoted(t.text), out);
    out.push_back(')');
}

// Tokens as written, 8-bit comments encoded.
void append_tokens(std::span<address_token const> ts, std::string& out)
{
    for (auto const& t : ts) {
        if (t.kind == address_token::comment)
            append_comment(t, out);
        else
            out.append(t.text);
    }
}

// A display name (or a group's name): as written when it is 7-bit (and
// has no stray opener), or when its only 8-bit octets are in encoded
// words that can be repaired;
// otherwise the whole phrase, quoted strings unquoted and words joined by
// one space, as encoded words (so a comma or a quote inside it stays
// inside), its comments after it. An encoded word is a word of its own:
// `spaced` puts a space after it (before "<", where the phrase may have
// had none).
void append_phrase(std::span<address_token const> ts, std::string& out, bool spaced = false)
{
    bool eight = false, repairable = true;
    for (auto const& t : ts) {
        // A domain literal counts too: a phrase holds one where the list
        // is broken ("from [192.0.\x80.2] <a@b>"), and it has no 7-bit
        // form of its own.
        if (t.kind != address_token::comment && needs_words(t.text)) {
            eight = true;
            repairable = repairable && t.kind == address_token::atom && repair_encoded_words(t.text, nullptr);
        }
    }
    if (!eight) {
        append_tokens(ts, out);
        return;
    }
    if (repairable) {
        for (auto const& t : ts) {
            if (t.kind == address_token::atom && has_8bit_octet(t.text))
                repair_encoded_words(t.text, &out);
            else if (t.kind == address_token::comment)
                append_comment(t, out);
            else
                out.append(t.text);
        }
        return;
    }
    // A word that is already valid 7-bit encoded words stays as it is
    // (encoded again it would be read as its own "=?...?=" text); the
    // text between such words becomes encoded words, with the spaces
    // around it inside them, since readers drop the white space between
    // two encoded words.
    if (!ts.empty() && ts.front().kind == address_token::space)
        out.push_back(' ');
    std::string text;
    bool started = false, gap = false, written = false;
    auto flush = [&] {
        if (text.empty())
            return;
        if (written)
            out.push_back(' ');
        append_encoded_words(text, out);
        text.clear();
        written = true;
    };
    for (auto const& t : ts) {
        if (t.kind == address_token::space) {
            gap = started;
            continue;
        }
        if (t.kind == address_token::comment)
            continue;
        if (t.kind == address_token::atom && !needs_words(t.text) && repair_encoded_words(t.text, nullptr)) {
            if (gap && !text.empty())
                text.push_back(' ');
            flush();
            if (written)
                out.push_back(' ');
            out.append(t.text);
            written = started = true;
            gap = false;
            continue;
        }
        if (gap)
            text.push_back(' ');
        gap = false;
        started = true;
        if (t.kind == address_token::quoted)
            text += unquoted(t.text);
        else
            text.append(t.text);
    }
    flush();
    for (auto const& t : ts) {
        if (t.kind == address_token::comment) {
            out.push_back(' ');
            append_comment(t, out);
        }
    }
    if (spaced)
        out.push_back(' ');
}

// A mailbox whose address has 8-bit octets (RFC 6532) has no 7-bit form:
// as RFC 6857 section 3 downgrades it, it becomes an empty group
// whose name is its display name and its address, as encoded words.
void append_as_group(std::span<address_token const> phrase, std::string_view address, std::string& out)
{
    bool named = false;
    for (auto const& t : phrase)
        named = named || (t.kind != address_token::space && t.kind != address_token::comment);
    if (named) {
        while (phrase.back().kind == address_token::space) // the one below stands for it
            phrase = phrase.first(phrase.size() - 1);
        append_phrase(phrase, out);
        out.push_back(' ');
    } else if (!phrase.empty() && phrase.front().kind == address_token::space) {
        out.push_back(' ');
    }
    std::string a(address);
    append_encoded_words(a, out);
    out += " :;";
}

} // namespace

void encode_address_list(std::string_view value, std::string& out)
{
    auto const ts = address_tokens(value);
    std::span<address_token const> all(ts);
    std::size_t seg = 0;
    bool in_group = false;
    for (std::size_t i = 0; i <= ts.size(); ++i) {
        bool const end = i == ts.size();
        char const c = end ? ',' : (ts[i].kind == address_token::special ? ts[i].text[0] : '\0');
        if (c == '<') {
            // Display name, angle address, what follows up to the delimiter.
            auto close = i + 1;
            while (close < ts.size() && !(ts[close].kind == address_token::special && ts[close].text[0] == '>'))
                ++close;
            std::string address;
            for (auto k = i + 1; k < close; ++k)
                if (ts[k].kind != address_token::comment)
                    address.append(ts[k].text);
            if (has_8bit_octet(address)) {
                append_as_group(all.subspan(seg, i - seg), address, out);
                // Its comments follow the group, as a bare address's do.
                for (auto k = i + 1; k < close; ++k) {
                    if (ts[k].kind == address_token::comment) {
                        out.push_back(' ');
                        append_comment(ts[k], out);
                    }
                }
            } else {
                append_phrase(all.subspan(seg, i - seg), out, true);
                append_tokens(all.subspan(i, std::min(close + 1, ts.size()) - i), out);
            }
            seg = std::min(close + 1, ts.size());
            i = seg - 1;
            continue;
        }
        if (c == ':' && !in_group) {
            append_phrase(all.subspan(seg, i - seg), out);
            out.push_back(':');
            in_group = true;
            seg = i + 1;
            continue;
        }
        if (c != ',' && c != ';')
            continue;
        // A bare address (with comments), or what followed an angle address.
        auto rest = all.subspan(seg, i - seg);
        std::string address;
        for (auto const& t : rest)
            if (t.kind != address_token::comment && t.kind != address_token::space)
                address.append(t.text);
        if (has_8bit_octet(address)) {
            if (!rest.empty() && rest.front().kind == address_token::space)
                out.push_back(' ');
            append_as_group({}, address, out);
            for (auto const& t : rest) {
                if (t.kind != address_token::comment)
                    continue;
                out.push_back(' ');
                append_comment(t, out);
            }
        } else {
            append_tokens(rest, out);
        }
        if (!end)
            out.append(ts[i].text);
        if (c == ';')
            in_group = false;
        seg = i + 1;
    }
}

} // namespace x400gw::mime
