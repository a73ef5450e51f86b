// addressing/imcea.cpp
//
// IMCEA encapsulation both ways ([MS-OXCMAIL] 2.1.3.1.8). Linear.
#include "addressing/imcea.hpp"

namespace x400gw::addressing {

namespace {

bool is_alnum(char ch) noexcept
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

int hex_value(char ch) noexcept
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

} // namespace

bool looks_like_imcea(std::string_view text) noexcept
{
    return text.size() > 6 && iequals(text.substr(0, 5), "IMCEA") && text.find('-', 5) != std::string_view::npos;
}

result<imcea_address> parse_imcea(std::string_view text)
{
    if (!looks_like_imcea(text))
        return error{"not an IMCEA address (IMCEAtype-...)", 0};
    std::size_t const dash = text.find('-', 5);
    imcea_address out;
    out.type = std::string(text.substr(5, dash - 5));
    if (out.type.empty())
        return error{"IMCEA address without a type", 5};
    for (std::size_t i = 5; i < dash; ++i)
        if (!is_alnum(text[i]))
            return error{"IMCEA type must be letters and digits", i};
    std::size_t end = text.size();
    if (auto at = text.rfind('@'); at != std::string_view::npos && at > dash) {
        out.domain = std::string(text.substr(at + 1));
        end = at;
    }
    out.address.reserve(end - dash);
    for (std::size_t i = dash + 1; i < end; ++i) {
        char const ch = text[i];
        if (ch == '_') {
            out.address.push_back('/');
        } else if (ch == '+') {
            if (i + 2 >= end)
                return error{"'+' not followed by two hex digits", i};
            int const hi = hex_value(text[i + 1]);
            int const lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0)
                return error{"'+' not followed by two hex digits", i};
            out.address.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (is_alnum(ch) || ch == '-' || ch == '=') {
            out.address.push_back(ch);
        } else {
            return error{"character not allowed in an IMCEA encoded address", i};
        }
    }
    return out;
}

std::string render_imcea(std::string_view type, std::string_view address, std::string_view domain)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out = "IMCEA";
    out += type;
    out.push_back('-');
    for (char ch : address) {
        if (is_alnum(ch) || ch == '-' || ch == '=') {
            out.push_back(ch);
        } else if (ch == '/') {
            out.push_back('_');
        } else {
            auto const u = static_cast<unsigned char>(ch);
            out.push_back('+');
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 15]);
        }
    }
    if (!domain.empty()) {
        out.push_back('@');
        out += domain;
    }
    return out;
}

} // namespace x400gw::addressing
