// addressing/or_address.cpp
//
// Helpers of the O/R address value: states, hierarchy levels, the
// comparison form of values (RFC 2156 4.3.5 step 1, App. F section 4).
#include "addressing/or_address.hpp"

namespace x400gw::addressing {

value_state state_of(std::optional<std::string> const& v) noexcept
{
    if (!v)
        return value_state::absent;
    if (v->empty())
        return value_state::empty;
    if (*v == " ")
        return value_state::blank;
    return value_state::value;
}

std::string_view level_key(std::size_t lv) noexcept
{
    switch (lv) {
    case 0: return "C";
    case 1: return "ADMD";
    case 2: return "PRMD";
    case 3: return "O";
    default: return "OU";
    }
}

std::optional<std::string_view> level_value(or_address const& a, std::size_t lv) noexcept
{
    auto view = [](std::optional<std::string> const& v) -> std::optional<std::string_view> {
        if (!v)
            return std::nullopt;
        return std::string_view(*v);
    };
    switch (lv) {
    case 0: return view(a.c);
    case 1: return view(a.admd);
    case 2: return view(a.prmd);
    case 3: return view(a.o);
    default:
        if (lv - 4 < a.ou.size())
            return std::string_view(a.ou[lv - 4]);
        return std::nullopt;
    }
}

void set_level(or_address& a, std::size_t lv, std::string value)
{
    switch (lv) {
    case 0: a.c = std::move(value); break;
    case 1: a.admd = std::move(value); break;
    case 2: a.prmd = std::move(value); break;
    case 3: a.o = std::move(value); break;
    default:
        if (a.ou.size() < lv - 3)
            a.ou.resize(lv - 3);
        a.ou[lv - 4] = std::move(value);
        break;
    }
}

static char lower(char ch) noexcept
{
    return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
}

void append_normalised(std::string& out, std::string_view v, bool admd)
{
    std::size_t const start = out.size();
    bool pending_space = false;
    for (char ch : v) {
        if (ch == ' ') {
            pending_space = out.size() > start;
            continue;
        }
        if (pending_space)
            out.push_back(' ');
        pending_space = false;
        out.push_back(lower(ch));
    }
    if (admd && out.size() == start)
        out.push_back(' ');
}

std::string normalise_value(std::string_view v, bool admd)
{
    std::string out;
    out.reserve(v.size());
    append_normalised(out, v, admd);
    return out;
}

namespace {

void append_hex(std::string& out, unsigned char u)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    out.push_back(hex[u >> 4]);
    out.push_back(hex[u & 15]);
}

} // namespace

std::string describe_char(char ch)
{
    auto const u = static_cast<unsigned char>(ch);
    if (u >= 0x21 && u < 0x7f)
        return std::string("'") + ch + "'";
    std::string out = "octet 0x";
    append_hex(out, u);
    return out;
}

std::string quoted(std::string_view text)
{
    std::string out = "'";
    for (char ch : text) {
        auto const u = static_cast<unsigned char>(ch);
        if (ch == '\\') {
            out += "\\\\";
        } else if (u >= 0x20 && u < 0x7f) {
            out.push_back(ch);
        } else {
            out += "\\x";
            append_hex(out, u);
        }
    }
    out.push_back('\'');
    return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

std::string to_lower(std::string_view s)
{
    std::string out(s);
    for (char& ch : out)
        ch = lower(ch);
    return out;
}

std::string to_upper(std::string_view s)
{
    std::string out(s);
    for (char& ch : out)
        if (ch >= 'a' && ch <= 'z')
            ch = static_cast<char>(ch - 'a' + 'A');
    return out;
}

} // namespace x400gw::addressing
