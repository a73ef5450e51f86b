// mime/codec.cpp
//
// Base64 and quoted-printable, RFC 2045 sections 6.7 and 6.8. See codec.hpp
// for what "lenient" and "valid" mean here.
#include "mime/codec.hpp"

#include <array>

namespace x400gw::mime {

namespace {

constexpr char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 0..63 for alphabet characters, 64 for '=', 65 for CR/LF, 66 otherwise.
constexpr std::array<std::uint8_t, 256> make_b64_table()
{
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t)
        v = 66;
    for (int i = 0; i < 64; ++i)
        t[static_cast<unsigned char>(b64_alphabet[i])] = static_cast<std::uint8_t>(i);
    t['='] = 64;
    t['\r'] = 65;
    t['\n'] = 65;
    return t;
}
constexpr auto b64_table = make_b64_table();

int hex_value(char c, bool& lower) noexcept
{
    if (c >= 'a' && c <= 'f')
        lower = true;
    return hex_digit(c);
}

} // namespace

int hex_digit(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

void append_hex_escape(std::string& out, char escape, unsigned char octet)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    out.push_back(escape);
    out.push_back(digits[octet >> 4]);
    out.push_back(digits[octet & 15]);
}

bool base64_label_is_false(std::string_view body) noexcept
{
    std::size_t lines = 0, worded = 0;
    body_lines each(body);
    for (std::string_view line, eol; each.next(line, eol);) {
        auto const first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos)
            continue;
        line = line.substr(first, line.find_last_not_of(" \t") + 1 - first);
        ++lines;
        if (line.find_first_of(" \t") != std::string_view::npos)
            ++worded;
    }
    return worded >= 3 || worded * 2 > lines;
}

bool decode_base64(std::string_view in, std::string& out)
{
    bool ok = true;
    std::uint32_t acc = 0;
    int n = 0;        // characters in the current quantum
    int pad = 0;      // '=' seen in the current quantum
    bool ended = false; // a padded quantum closed the encoding
    out.reserve(out.size() + in.size() / 4 * 3 + 3);
    for (char ch : in) {
        auto v = b64_table[static_cast<unsigned char>(ch)];
        if (v < 64) {
            if (pad || ended) {
                ok = false; // data after padding: a second encoding glued on
                pad = 0;
                ended = false; // "xx=" then data: the lone '=' is dropped, the quantum goes on
            }
            acc = (acc << 6) | v;
            if (++n == 4) {
                out.push_back(static_cast<char>(acc >> 16));
                out.push_back(static_cast<char>(acc >> 8));
                out.push_back(static_cast<char>(acc));
                acc = 0;
                n = 0;
            }
        } else if (v == 64) {
            if (ended) {
                ok = false;
                continue;
            }
            ++pad;
            if (n == 2 && pad == 1)
                continue; // the second '=' follows
            if (n == 2 && pad == 2) {
                out.push_back(static_cast<char>(acc >> 4));
            } else if (n == 3 && pad == 1) {
                out.push_back(static_cast<char>(acc >> 10));
                out.push_back(static_cast<char>(acc >> 2));
            } else {
                ok = false;
                pad = 0;
                continue;
            }
            acc = 0;
            n = 0;
            pad = 0;
            ended = true;
        } else if (v == 66) {
            ok = false;
        }
    }
    if (n != 0) {
        // Truncated: keep the whole octets the partial quantum holds.
        ok = false;
        if (n == 2)
            out.push_back(static_cast<char>(acc >> 4));
        else if (n == 3) {
            out.push_back(static_cast<char>(acc >> 10));
            out.push_back(static_cast<char>(acc >> 2));
        }
    }
    return ok;
}

void append_base64(std::string_view in, std::string& out)
{
    auto const* p = reinterpret_cast<unsigned char const*>(in.data());
    std::size_t const n = in.size();
    std::size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        std::uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
        char q[4] = {b64_alphabet[v >> 18], b64_alphabet[(v >> 12) & 63], b64_alphabet[(v >> 6) & 63],
                     b64_alphabet[v & 63]};
        out.append(q, 4);
    }
    if (i < n) {
        std::uint32_t v = p[i] << 16;
        if (i + 1 < n)
            v |= p[i + 1] << 8;
        out.push_back(b64_alphabet[v >> 18]);
        out.push_back(b64_alphabet[(v >> 12) & 63]);
        out.push_back(i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
}

void encode_base64(std::string_view in, std::string& out)
{
    out.reserve(out.size() + (in.size() + 2) / 3 * 4 + (in.size() / 57 + 1) * 2);
    for (std::size_t i = 0; i < in.size(); i += 57) { // 57 octets = 76 characters
        append_base64(in.substr(i, 57), out);
        out.append("\r\n");
    }
}

bool decode_qp(std::string_view in, std::string& out)
{
    bool ok = true;
    std::size_t i = 0, n = in.size();
    out.reserve(out.size() + n);
    while (i < n) {
        // One line: [i, e) then its line end.
        std::size_t e = i;
        while (e < n && in[e] != '\r' && in[e] != '\n')
            ++e;
        std::size_t eol = 0;
        if (e < n)
            eol = (in[e] == '\r' && e + 1 < n && in[e + 1] == '\n') ? 2 : 1;
        // Trailing whitespace is transport padding (RFC 2045 6.7 rule 3).
        std::size_t t = e;
        while (t > i && (in[t - 1] == ' ' || in[t - 1] == '\t'))
            --t;
        if (t != e && !(t > i && in[t - 1] == '='))
            ok = false;
        bool soft = false;
        for (std::size_t k = i; k < t; ++k) {
            char c = in[k];
            if (c == '=') {
                if (k + 1 == t) {
                    soft = true;
                    if (t != e)
                        ok = false; // "= " before the line end
                    break;
                }
                bool lower = false;
                int h = k + 1 < t ? hex_value(in[k + 1], lower) : -1;
                int l = k + 2 < t ? hex_value(in[k + 2], lower) : -1;
                if (h >= 0 && l >= 0) {
                    if (lower)
                        ok = false;
                    out.push_back(static_cast<char>(h * 16 + l));
                    k += 2;
                } else {
                    ok = false;
                    out.push_back('='); // keep a bad escape literally
                }
            } else {
                auto u = static_cast<unsigned char>(c);
                if (u > 126 || (u < 32 && c != '\t'))
                    ok = false;
                out.push_back(c);
            }
        }
        if (eol) {
            if (!soft)
                out.append("\r\n");
        } else if (soft) {
            ok = false; // soft line break at the very end of the body
        }
        i = e + eol;
    }
    return ok;
}

void encode_qp(std::string_view in, std::string& out, bool text)
{
    out.reserve(out.size() + in.size() + in.size() / 8);
    std::size_t col = 0;
    auto put_escape = [&](unsigned char u) {
        if (col + 3 > 75) {
            out.append("=\r\n");
            col = 0;
        }
        append_hex_escape(out, '=', u);
        col += 3;
    };
    std::size_t n = in.size();
    for (std::size_t i = 0; i < n; ++i) {
        char c = in[i];
        auto u = static_cast<unsigned char>(c);
        // In text, CR, LF and CRLF are line ends; but a CR right before a
        // CRLF is an octet of the line (a decoded "=0D" at a line's end),
        // not a second line end.
        bool const stray_cr = c == '\r' && i + 2 < n && in[i + 1] == '\r' && in[i + 2] == '\n';
        if (text && (c == '\r' || c == '\n') && !stray_cr) {
            if (c == '\r' && i + 1 < n && in[i + 1] == '\n')
                ++i;
            out.append("\r\n");
            col = 0;
            continue;
        }
        bool at_line_end = i + 1 == n || (text && (in[i + 1] == '\r' || in[i + 1] == '\n'));
        bool literal = (u >= 33 && u <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
        if (col == 0 && (c == '-' || c == '.'))
            literal = false;
        if (literal) {
            if (col + 1 > 75) {
                out.append("=\r\n");
                col = 0;
                if (c == '-' || c == '.') {
                    put_escape(u);
                    continue;
                }
            }
            out.push_back(c);
            ++col;
        } else {
            put_escape(u);
        }
    }
}

void base64_validator::feed(std::string_view piece) noexcept
{
    line_ += piece.size();
    if (line_ > 76)
        long_ = true;
    for (char ch : piece) {
        auto v = b64_table[static_cast<unsigned char>(ch)];
        if (v < 64) {
            if (pad_)
                bad_ = true;
            ++count_;
        } else if (v == 64) {
            if ((count_ % 4) < 2 || ++pad_ > 2)
                bad_ = true;
            ++count_;
        } else {
            bad_ = true;
        }
    }
}

void qp_validator::feed(std::string_view piece) noexcept
{
    line_ += piece.size();
    if (line_ > 76)
        long_ = true;
    for (char c : piece) {
        auto u = static_cast<unsigned char>(c);
        if (escape_) {
            bool upper_hex = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
            if (!upper_hex) {
                // "=" then whitespace may still be a padded soft break.
                if (escape_ == 2 && (c == ' ' || c == '\t')) {
                    soft_ = true;
                    bad_ = true; // tolerated, but the encoder should not have written it
                    trailing_space_ = true;
                    escape_ = 0;
                    continue;
                }
                bad_ = true;
            }
            --escape_;
            continue;
        }
        if (soft_) {
            if (c != ' ' && c != '\t')
                bad_ = true; // "=" + space + text: not an escape
            continue;
        }
        if (c == '=') {
            escape_ = 2;
            trailing_space_ = false;
            continue;
        }
        trailing_space_ = (c == ' ' || c == '\t');
        if (u > 126 || (u < 32 && c != '\t'))
            bad_ = true;
    }
}

void qp_validator::end_line() noexcept
{
    if (escape_ == 2) {
        soft_ = true; // '=' at the end: a soft line break
    } else if (escape_ == 1) {
        bad_ = true;
    }
    if (trailing_space_ && !soft_)
        bad_ = true;
    soft_at_end_ = soft_;
    escape_ = 0;
    soft_ = false;
    trailing_space_ = false;
    line_ = 0;
}

} // namespace x400gw::mime
