// gateway/smtp/auth.cpp
#include "gateway/smtp/auth.hpp"

#include <array>

namespace x400gw::smtp {
namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int value_of(char c) noexcept
{
    auto const p = alphabet.find(c);
    return p == std::string_view::npos ? -1 : static_cast<int>(p);
}

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if ((a[i] | 0x20) != (b[i] | 0x20))
            return false;
    return true;
}

reply malformed() { return {501, {5, 5, 2}, "Malformed authentication data"}; }
reply cancelled() { return {501, {5, 7, 0}, "Authentication cancelled"}; }
reply challenge(std::string_view text) { return {334, {}, encode_base64(text)}; }

} // namespace

std::optional<std::string> decode_base64(std::string_view text)
{
    if (text.size() % 4 != 0)
        return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::array<int, 4> v{};
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            char const c = text[i + k];
            if (c == '=') {
                // Padding only at the very end, and at most two.
                if (i + 4 != text.size() || k < 2)
                    return std::nullopt;
                ++pad;
                v[k] = 0;
                continue;
            }
            if (pad > 0)
                return std::nullopt;
            v[k] = value_of(c);
            if (v[k] < 0)
                return std::nullopt;
        }
        unsigned const n = (unsigned(v[0]) << 18) | (unsigned(v[1]) << 12) | (unsigned(v[2]) << 6) | unsigned(v[3]);
        out += static_cast<char>((n >> 16) & 0xff);
        if (pad < 2)
            out += static_cast<char>((n >> 8) & 0xff);
        if (pad < 1)
            out += static_cast<char>(n & 0xff);
    }
    return out;
}

std::string encode_base64(std::string_view octets)
{
    std::string out;
    out.reserve((octets.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < octets.size(); i += 3) {
        unsigned n = static_cast<unsigned char>(octets[i]) << 16;
        if (i + 1 < octets.size())
            n |= static_cast<unsigned char>(octets[i + 1]) << 8;
        if (i + 2 < octets.size())
            n |= static_cast<unsigned char>(octets[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += i + 1 < octets.size() ? alphabet[(n >> 6) & 63] : '=';
        out += i + 2 < octets.size() ? alphabet[n & 63] : '=';
    }
    return out;
}

auth_exchange::step auth_exchange::plain(std::string_view base64)
{
    state_ = state::idle;
    auto decoded = decode_base64(base64);
    if (!decoded)
        return malformed();
    // [authzid] NUL authcid NUL passwd. An authzid other than the authcid
    // would be acting for someone else, which nobody here may do.
    std::string_view m = *decoded;
    auto const first = m.find('\0');
    auto const second = first == std::string_view::npos ? first : m.find('\0', first + 1);
    if (second == std::string_view::npos)
        return malformed();
    auto const authzid = m.substr(0, first);
    auto const authcid = m.substr(first + 1, second - first - 1);
    auto const password = m.substr(second + 1);
    if (authcid.empty() || (!authzid.empty() && authzid != authcid) ||
        password.find('\0') != std::string_view::npos)
        return malformed();
    return credentials{std::string(authcid), std::string(password), "PLAIN"};
}

auth_exchange::step auth_exchange::start(std::string_view argument)
{
    auto const sp = argument.find(' ');
    auto const mechanism = argument.substr(0, sp);
    auto const initial = sp == std::string_view::npos ? std::optional<std::string_view>{}
                                                      : std::optional<std::string_view>{argument.substr(sp + 1)};
    if (iequals(mechanism, "PLAIN")) {
        if (!initial) {
            state_ = state::plain_wait;
            return challenge("");
        }
        return plain(*initial == "=" ? std::string_view{} : *initial);
    }
    if (iequals(mechanism, "LOGIN")) {
        if (!initial) {
            state_ = state::login_user;
            return challenge("Username:");
        }
        auto user = decode_base64(*initial);
        if (!user || user->empty())
            return malformed();
        user_ = std::move(*user);
        state_ = state::login_password;
        return challenge("Password:");
    }
    return reply{504, {5, 5, 4}, "Unrecognized authentication mechanism"};
}

auth_exchange::step auth_exchange::respond(std::string_view line)
{
    if (line == "*") {
        state_ = state::idle;
        return cancelled();
    }
    switch (state_) {
    case state::plain_wait:
        return plain(line);
    case state::login_user: {
        auto user = decode_base64(line);
        if (!user || user->empty()) {
            state_ = state::idle;
            return malformed();
        }
        user_ = std::move(*user);
        state_ = state::login_password;
        return challenge("Password:");
    }
    case state::login_password: {
        state_ = state::idle;
        auto password = decode_base64(line);
        if (!password)
            return malformed();
        return credentials{std::move(user_), std::move(*password), "LOGIN"};
    }
    case state::idle:
        break;
    }
    return malformed();
}

} // namespace x400gw::smtp
