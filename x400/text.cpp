// x400/text.cpp
//
// See text.hpp. The composition table below was generated from the Unicode
// character database (canonical compositions of an ASCII letter with each
// T.61 diacritic that yield one code point).
#include "x400/text.hpp"

#include "mime/header_codec.hpp"

#include <array>
#include <cstdint>

namespace x400gw::x400::text {

namespace {

constexpr char32_t replacement = 0xfffd;

// 0xa0..0xbf, then 0xe0..0xff; 0 where T.61 defines nothing.
constexpr std::array<char32_t, 32> supplementary_symbols{
    0x00a0, 0x00a1, 0x00a2, 0x00a3, 0x0024, 0x00a5, 0x0023, 0x00a7,
    0x00a4, 0x2018, 0x201c, 0x00ab, 0x2190, 0x2191, 0x2192, 0x2193,
    0x00b0, 0x00b1, 0x00b2, 0x00b3, 0x00d7, 0x00b5, 0x00b6, 0x00b7,
    0x00f7, 0x2019, 0x201d, 0x00bb, 0x00bc, 0x00bd, 0x00be, 0x00bf,
};
constexpr std::array<char32_t, 32> supplementary_letters{
    0x2126, 0x00c6, 0x0110, 0x00aa, 0x0126, 0,      0x0132, 0x013f,
    0x0141, 0x00d8, 0x0152, 0x00ba, 0x00de, 0x0166, 0x014a, 0x0149,
    0x0138, 0x00e6, 0x0111, 0x00f0, 0x0127, 0x0131, 0x0133, 0x0140,
    0x0142, 0x00f8, 0x0153, 0x00df, 0x00fe, 0x0167, 0x014b, 0,
};

// The non-spacing diacritics 0xc1..0xcf: the combining mark and the
// spacing form (0 where undefined). 0xc9 is the umlaut of older T.61
// editions, read as the diaeresis.
struct diacritic {
    char32_t combining;
    char32_t spacing;
};
constexpr std::array<diacritic, 15> diacritics{{
    {0x0300, 0x0060}, {0x0301, 0x00b4}, {0x0302, 0x005e}, {0x0303, 0x007e}, {0x0304, 0x00af},
    {0x0306, 0x02d8}, {0x0307, 0x02d9}, {0x0308, 0x00a8}, {0x0308, 0x00a8}, {0x030a, 0x02da},
    {0x0327, 0x00b8}, {0x0332, 0x005f}, {0x030b, 0x02dd}, {0x0328, 0x02db}, {0x030c, 0x02c7},
}};

struct composition {
    std::uint8_t diacritic;
    char base;
    char32_t composed;
};
constexpr composition compositions[] = {
    {0xC1, 'A', 0x00C0}, {0xC1, 'E', 0x00C8}, {0xC1, 'I', 0x00CC}, {0xC1, 'N', 0x01F8}, {0xC1, 'O', 0x00D2},
    {0xC1, 'U', 0x00D9}, {0xC1, 'W', 0x1E80}, {0xC1, 'Y', 0x1EF2}, {0xC1, 'a', 0x00E0}, {0xC1, 'e', 0x00E8},
    {0xC1, 'i', 0x00EC}, {0xC1, 'n', 0x01F9}, {0xC1, 'o', 0x00F2}, {0xC1, 'u', 0x00F9}, {0xC1, 'w', 0x1E81},
    {0xC1, 'y', 0x1EF3}, {0xC2, 'A', 0x00C1}, {0xC2, 'C', 0x0106}, {0xC2, 'E', 0x00C9}, {0xC2, 'G', 0x01F4},
    {0xC2, 'I', 0x00CD}, {0xC2, 'K', 0x1E30}, {0xC2, 'L', 0x0139}, {0xC2, 'M', 0x1E3E}, {0xC2, 'N', 0x0143},
    {0xC2, 'O', 0x00D3}, {0xC2, 'P', 0x1E54}, {0xC2, 'R', 0x0154}, {0xC2, 'S', 0x015A}, {0xC2, 'U', 0x00DA},
    {0xC2, 'W', 0x1E82}, {0xC2, 'Y', 0x00DD}, {0xC2, 'Z', 0x0179}, {0xC2, 'a', 0x00E1}, {0xC2, 'c', 0x0107},
    {0xC2, 'e', 0x00E9}, {0xC2, 'g', 0x01F5}, {0xC2, 'i', 0x00ED}, {0xC2, 'k', 0x1E31}, {0xC2, 'l', 0x013A},
    {0xC2, 'm', 0x1E3F}, {0xC2, 'n', 0x0144}, {0xC2, 'o', 0x00F3}, {0xC2, 'p', 0x1E55}, {0xC2, 'r', 0x0155},
    {0xC2, 's', 0x015B}, {0xC2, 'u', 0x00FA}, {0xC2, 'w', 0x1E83}, {0xC2, 'y', 0x00FD}, {0xC2, 'z', 0x017A},
    {0xC3, 'A', 0x00C2}, {0xC3, 'C', 0x0108}, {0xC3, 'E', 0x00CA}, {0xC3, 'G', 0x011C}, {0xC3, 'H', 0x0124},
    {0xC3, 'I', 0x00CE}, {0xC3, 'J', 0x0134}, {0xC3, 'O', 0x00D4}, {0xC3, 'S', 0x015C}, {0xC3, 'U', 0x00DB},
    {0xC3, 'W', 0x0174}, {0xC3, 'Y', 0x0176}, {0xC3, 'Z', 0x1E90}, {0xC3, 'a', 0x00E2}, {0xC3, 'c', 0x0109},
    {0xC3, 'e', 0x00EA}, {0xC3, 'g', 0x011D}, {0xC3, 'h', 0x0125}, {0xC3, 'i', 0x00EE}, {0xC3, 'j', 0x0135},
    {0xC3, 'o', 0x00F4}, {0xC3, 's', 0x015D}, {0xC3, 'u', 0x00FB}, {0xC3, 'w', 0x0175}, {0xC3, 'y', 0x0177},
    {0xC3, 'z', 0x1E91}, {0xC4, 'A', 0x00C3}, {0xC4, 'E', 0x1EBC}, {0xC4, 'I', 0x0128}, {0xC4, 'N', 0x00D1},
    {0xC4, 'O', 0x00D5}, {0xC4, 'U', 0x0168}, {0xC4, 'V', 0x1E7C}, {0xC4, 'Y', 0x1EF8}, {0xC4, 'a', 0x00E3},
    {0xC4, 'e', 0x1EBD}, {0xC4, 'i', 0x0129}, {0xC4, 'n', 0x00F1}, {0xC4, 'o', 0x00F5}, {0xC4, 'u', 0x0169},
    {0xC4, 'v', 0x1E7D}, {0xC4, 'y', 0x1EF9}, {0xC5, 'A', 0x0100}, {0xC5, 'E', 0x0112}, {0xC5, 'G', 0x1E20},
    {0xC5, 'I', 0x012A}, {0xC5, 'O', 0x014C}, {0xC5, 'U', 0x016A}, {0xC5, 'Y', 0x0232}, {0xC5, 'a', 0x0101},
    {0xC5, 'e', 0x0113}, {0xC5, 'g', 0x1E21}, {0xC5, 'i', 0x012B}, {0xC5, 'o', 0x014D}, {0xC5, 'u', 0x016B},
    {0xC5, 'y', 0x0233}, {0xC6, 'A', 0x0102}, {0xC6, 'E', 0x0114}, {0xC6, 'G', 0x011E}, {0xC6, 'I', 0x012C},
    {0xC6, 'O', 0x014E}, {0xC6, 'U', 0x016C}, {0xC6, 'a', 0x0103}, {0xC6, 'e', 0x0115}, {0xC6, 'g', 0x011F},
    {0xC6, 'i', 0x012D}, {0xC6, 'o', 0x014F}, {0xC6, 'u', 0x016D}, {0xC7, 'A', 0x0226}, {0xC7, 'B', 0x1E02},
    {0xC7, 'C', 0x010A}, {0xC7, 'D', 0x1E0A}, {0xC7, 'E', 0x0116}, {0xC7, 'F', 0x1E1E}, {0xC7, 'G', 0x0120},
    {0xC7, 'H', 0x1E22}, {0xC7, 'I', 0x0130}, {0xC7, 'M', 0x1E40}, {0xC7, 'N', 0x1E44}, {0xC7, 'O', 0x022E},
    {0xC7, 'P', 0x1E56}, {0xC7, 'R', 0x1E58}, {0xC7, 'S', 0x1E60}, {0xC7, 'T', 0x1E6A}, {0xC7, 'W', 0x1E86},
    {0xC7, 'X', 0x1E8A}, {0xC7, 'Y', 0x1E8E}, {0xC7, 'Z', 0x017B}, {0xC7, 'a', 0x0227}, {0xC7, 'b', 0x1E03},
    {0xC7, 'c', 0x010B}, {0xC7, 'd', 0x1E0B}, {0xC7, 'e', 0x0117}, {0xC7, 'f', 0x1E1F}, {0xC7, 'g', 0x0121},
    {0xC7, 'h', 0x1E23}, {0xC7, 'm', 0x1E41}, {0xC7, 'n', 0x1E45}, {0xC7, 'o', 0x022F}, {0xC7, 'p', 0x1E57},
    {0xC7, 'r', 0x1E59}, {0xC7, 's', 0x1E61}, {0xC7, 't', 0x1E6B}, {0xC7, 'w', 0x1E87}, {0xC7, 'x', 0x1E8B},
    {0xC7, 'y', 0x1E8F}, {0xC7, 'z', 0x017C}, {0xC8, 'A', 0x00C4}, {0xC8, 'E', 0x00CB}, {0xC8, 'H', 0x1E26},
    {0xC8, 'I', 0x00CF}, {0xC8, 'O', 0x00D6}, {0xC8, 'U', 0x00DC}, {0xC8, 'W', 0x1E84}, {0xC8, 'X', 0x1E8C},
    {0xC8, 'Y', 0x0178}, {0xC8, 'a', 0x00E4}, {0xC8, 'e', 0x00EB}, {0xC8, 'h', 0x1E27}, {0xC8, 'i', 0x00EF},
    {0xC8, 'o', 0x00F6}, {0xC8, 't', 0x1E97}, {0xC8, 'u', 0x00FC}, {0xC8, 'w', 0x1E85}, {0xC8, 'x', 0x1E8D},
    {0xC8, 'y', 0x00FF}, {0xCA, 'A', 0x00C5}, {0xCA, 'U', 0x016E}, {0xCA, 'a', 0x00E5}, {0xCA, 'u', 0x016F},
    {0xCA, 'w', 0x1E98}, {0xCA, 'y', 0x1E99}, {0xCB, 'C', 0x00C7}, {0xCB, 'D', 0x1E10}, {0xCB, 'E', 0x0228},
    {0xCB, 'G', 0x0122}, {0xCB, 'H', 0x1E28}, {0xCB, 'K', 0x0136}, {0xCB, 'L', 0x013B}, {0xCB, 'N', 0x0145},
    {0xCB, 'R', 0x0156}, {0xCB, 'S', 0x015E}, {0xCB, 'T', 0x0162}, {0xCB, 'c', 0x00E7}, {0xCB, 'd', 0x1E11},
    {0xCB, 'e', 0x0229}, {0xCB, 'g', 0x0123}, {0xCB, 'h', 0x1E29}, {0xCB, 'k', 0x0137}, {0xCB, 'l', 0x013C},
    {0xCB, 'n', 0x0146}, {0xCB, 'r', 0x0157}, {0xCB, 's', 0x015F}, {0xCB, 't', 0x0163}, {0xCD, 'O', 0x0150},
    {0xCD, 'U', 0x0170}, {0xCD, 'o', 0x0151}, {0xCD, 'u', 0x0171}, {0xCE, 'A', 0x0104}, {0xCE, 'E', 0x0118},
    {0xCE, 'I', 0x012E}, {0xCE, 'O', 0x01EA}, {0xCE, 'U', 0x0172}, {0xCE, 'a', 0x0105}, {0xCE, 'e', 0x0119},
    {0xCE, 'i', 0x012F}, {0xCE, 'o', 0x01EB}, {0xCE, 'u', 0x0173}, {0xCF, 'A', 0x01CD}, {0xCF, 'C', 0x010C},
    {0xCF, 'D', 0x010E}, {0xCF, 'E', 0x011A}, {0xCF, 'G', 0x01E6}, {0xCF, 'H', 0x021E}, {0xCF, 'I', 0x01CF},
    {0xCF, 'K', 0x01E8}, {0xCF, 'L', 0x013D}, {0xCF, 'N', 0x0147}, {0xCF, 'O', 0x01D1}, {0xCF, 'R', 0x0158},
    {0xCF, 'S', 0x0160}, {0xCF, 'T', 0x0164}, {0xCF, 'U', 0x01D3}, {0xCF, 'Z', 0x017D}, {0xCF, 'a', 0x01CE},
    {0xCF, 'c', 0x010D}, {0xCF, 'd', 0x010F}, {0xCF, 'e', 0x011B}, {0xCF, 'g', 0x01E7}, {0xCF, 'h', 0x021F},
    {0xCF, 'i', 0x01D0}, {0xCF, 'j', 0x01F0}, {0xCF, 'k', 0x01E9}, {0xCF, 'l', 0x013E}, {0xCF, 'n', 0x0148},
    {0xCF, 'o', 0x01D2}, {0xCF, 'r', 0x0159}, {0xCF, 's', 0x0161}, {0xCF, 't', 0x0165}, {0xCF, 'u', 0x01D4},
    {0xCF, 'z', 0x017E},
};

char32_t composed(std::uint8_t d, char base)
{
    if (d == 0xc9)
        d = 0xc8;
    for (auto const& c : compositions)
        if (c.diacritic == d && c.base == base)
            return c.composed;
    return 0;
}

bool is_diacritic(unsigned char c)
{
    return c >= 0xc1 && c <= 0xcf;
}

// The reading of one octet that is not a diacritic (0: none).
char32_t single(unsigned char c)
{
    if (c < 0x80)
        return c;
    if (c >= 0xa0 && c <= 0xbf)
        return supplementary_symbols[c - 0xa0];
    if (c >= 0xe0)
        return supplementary_letters[c - 0xe0];
    return 0;
}

bool is_letter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

} // namespace

void append_utf8(std::string& out, char32_t cp)
{
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        cp = replacement;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

void append_hex(std::string& out, unsigned char octet)
{
    static constexpr char digits[] = "0123456789abcdef";
    out += digits[octet >> 4];
    out += digits[octet & 15];
}

std::string hex(std::string_view octets)
{
    std::string out;
    out.reserve(octets.size() * 2);
    for (unsigned char c : octets)
        append_hex(out, c);
    return out;
}

void append_json_string(std::string& out, std::string_view s)
{
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                out += "\\u00";
                append_hex(out, c);
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
}

std::string latin1_to_utf8(std::string_view latin1)
{
    std::string out;
    out.reserve(latin1.size());
    for (unsigned char c : latin1)
        append_utf8(out, c);
    return out;
}

char32_t next_utf8(std::string_view s, std::size_t& i) noexcept
{
    return mime::next_utf8(s, i).value_or(replacement);
}

std::string t61_to_utf8(std::string_view t61, std::size_t* unmapped)
{
    std::string out;
    out.reserve(t61.size());
    std::size_t bad = 0;
    for (std::size_t i = 0; i < t61.size(); ++i) {
        auto const c = static_cast<unsigned char>(t61[i]);
        if (c == 0x1b) { // an escape sequence switching sets: not read
            ++bad;
            append_utf8(out, replacement);
            continue;
        }
        if (!is_diacritic(c)) {
            auto const cp = single(c);
            if (!cp)
                ++bad;
            append_utf8(out, cp ? cp : replacement);
            continue;
        }
        auto const& d = diacritics[c - 0xc1];
        bool const has_next = i + 1 < t61.size();
        auto const next = has_next ? static_cast<unsigned char>(t61[i + 1]) : 0;
        if (!has_next || next == ' ' || next >= 0x80 || next < 0x20) {
            append_utf8(out, d.spacing);
            if (has_next && next == ' ')
                ++i;
            continue;
        }
        ++i;
        if (auto const cp = composed(c, static_cast<char>(next))) {
            append_utf8(out, cp);
        } else {
            append_utf8(out, next);
            append_utf8(out, d.combining);
        }
    }
    if (unmapped)
        *unmapped = bad;
    return out;
}

std::string utf8_to_t61(std::string_view utf8, std::size_t* unrepresentable)
{
    std::string out;
    out.reserve(utf8.size());
    std::size_t bad = 0;
    // Where the last ASCII letter was written, so that a combining mark
    // that follows it can be put before it, as T.61 orders them.
    std::size_t last_letter = std::string::npos;
    for (std::size_t i = 0; i < utf8.size();) {
        auto const cp = next_utf8(utf8, i);
        auto const here = out.size();
        if (cp < 0x80 && cp != replacement) {
            out += static_cast<char>(cp);
            last_letter = is_letter(static_cast<char>(cp)) ? here : std::string::npos;
            continue;
        }
        auto const letter_before = last_letter;
        last_letter = std::string::npos;
        if (cp != replacement) {
            // A symbol or letter of the supplementary set.
            bool found = false;
            for (std::size_t k = 0; k < 32 && !found; ++k) {
                if (supplementary_symbols[k] == cp && k != 4 && k != 6) {
                    out += static_cast<char>(0xa0 + k);
                    found = true;
                } else if (supplementary_letters[k] == cp && cp) {
                    out += static_cast<char>(0xe0 + k);
                    found = true;
                }
            }
            // A precomposed letter: diacritic, then the letter.
            for (auto const& c : compositions) {
                if (found)
                    break;
                if (c.composed == cp) {
                    out += static_cast<char>(c.diacritic);
                    out += c.base;
                    found = true;
                }
            }
            // A spacing accent (diacritic + space) or a combining mark
            // after a letter (diacritic before it).
            for (std::size_t k = 0; k < diacritics.size() && !found; ++k) {
                if (k == 8)
                    continue; // 0xc9, the old umlaut: written as 0xc8
                auto const d = static_cast<char>(0xc1 + k);
                if (diacritics[k].spacing == cp && cp >= 0x80) {
                    out += d;
                    out += ' ';
                    found = true;
                } else if (diacritics[k].combining == cp && letter_before != std::string::npos) {
                    out.insert(out.begin() + static_cast<std::ptrdiff_t>(letter_before), d);
                    found = true;
                }
            }
            if (found)
                continue;
        }
        ++bad;
        out += '?';
    }
    if (unrepresentable)
        *unrepresentable = bad;
    return out;
}

bool t61_representable(std::string_view utf8)
{
    std::size_t bad = 0;
    (void)utf8_to_t61(utf8, &bad);
    return bad == 0;
}

} // namespace x400gw::x400::text
