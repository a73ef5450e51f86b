// addressing/ps_encoding.cpp
//
// RFC 2156 section 3.4: ASCII <-> PrintableString. Linear, one pass each way.
#include "addressing/ps_encoding.hpp"

#include <array>

namespace x400gw::addressing {

namespace {

// X.208 PrintableString, as a table: this test runs once per character of
// every value the mapping looks at.
constexpr auto printable_table = [] {
    std::array<bool, 256> t{};
    for (int c = 'A'; c <= 'Z'; ++c)
        t[static_cast<std::size_t>(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        t[static_cast<std::size_t>(c)] = true;
    for (int c = '0'; c <= '9'; ++c)
        t[static_cast<std::size_t>(c)] = true;
    for (char c : {' ', '\'', '(', ')', '+', ',', '-', '.', '/', ':', '=', '?'})
        t[static_cast<unsigned char>(c)] = true;
    return t;
}();

} // namespace

bool is_printable_char(char ch) noexcept
{
    return printable_table[static_cast<unsigned char>(ch)];
}

bool is_printable_string(std::string_view s) noexcept
{
    for (char ch : s)
        if (!is_printable_char(ch))
            return false;
    return true;
}

bool is_numeric_string(std::string_view s) noexcept
{
    for (char ch : s)
        if (!(ch == ' ' || (ch >= '0' && ch <= '9')))
            return false;
    return true;
}

bool is_digits(std::string_view s) noexcept
{
    if (s.empty())
        return false;
    for (char ch : s)
        if (ch < '0' || ch > '9')
            return false;
    return true;
}

result<std::string> ps_encode(std::string_view ascii)
{
    std::string out;
    out.reserve(ascii.size() + ascii.size() / 4);
    for (std::size_t i = 0; i < ascii.size(); ++i) {
        char const ch = ascii[i];
        auto const u = static_cast<unsigned char>(ch);
        if (u > 127)
            return error{"octet above 127 cannot be ps-encoded", i};
        switch (ch) {
        case '@': out += "(a)"; continue;
        case '%': out += "(p)"; continue;
        case '!': out += "(b)"; continue;
        case '"': out += "(q)"; continue;
        case '_': out += "(u)"; continue;
        case '(': out += "(l)"; continue;
        case ')': out += "(r)"; continue;
        default: break;
        }
        if (is_printable_char(ch)) {
            out.push_back(ch);
            continue;
        }
        out.push_back('(');
        out.push_back(static_cast<char>('0' + u / 100));
        out.push_back(static_cast<char>('0' + u / 10 % 10));
        out.push_back(static_cast<char>('0' + u % 10));
        out.push_back(')');
    }
    return out;
}

result<std::string> ps_decode(std::string_view in)
{
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char const ch = in[i];
        if (ch == ')')
            return error{"')' outside an encoded character", i};
        if (ch != '(') {
            if (!is_printable_char(ch))
                return error{"character outside PrintableString", i};
            out.push_back(ch);
            continue;
        }
        if (i + 2 < in.size() && in[i + 2] == ')') {
            char decoded = 0;
            switch (in[i + 1]) {
            case 'a': case 'A': decoded = '@'; break;
            case 'p': case 'P': decoded = '%'; break;
            case 'b': case 'B': decoded = '!'; break;
            case 'q': case 'Q': decoded = '"'; break;
            case 'u': case 'U': decoded = '_'; break;
            case 'l': case 'L': decoded = '('; break;
            case 'r': case 'R': decoded = ')'; break;
            default: return error{"unknown encoded character", i};
            }
            out.push_back(decoded);
            i += 2;
            continue;
        }
        if (i + 4 < in.size() && in[i + 4] == ')' && is_digits(in.substr(i + 1, 3))) {
            int const v = (in[i + 1] - '0') * 100 + (in[i + 2] - '0') * 10 + (in[i + 3] - '0');
            if (v > 127)
                return error{"encoded character above 127", i};
            out.push_back(static_cast<char>(v));
            i += 4;
            continue;
        }
        return error{"'(' that starts no encoded character", i};
    }
    return out;
}

} // namespace x400gw::addressing
