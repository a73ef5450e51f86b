// gateway/io.cpp
#include "gateway/io.hpp"

#include <charconv>

namespace x400gw::gateway {

bool split_host_port(std::string_view text, std::string& host, std::uint16_t& port)
{
    auto const colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
        return false;
    auto h = text.substr(0, colon);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']')
        h = h.substr(1, h.size() - 2);
    unsigned p = 0;
    auto const digits = text.substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
    if (ec != std::errc{} || end != digits.data() + digits.size() || p > 65535)
        return false;
    host = std::string(h);
    port = static_cast<std::uint16_t>(p);
    return true;
}

std::string render_endpoint(tcp::endpoint const& e)
{
    auto const a = e.address();
    std::string out = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
    return out + ":" + std::to_string(e.port());
}

bool resource_shortage(error_code const& ec) noexcept
{
    return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space || ec == asio::error::no_memory ||
           ec == error_code(ENFILE, asio::error::get_system_category());
}

} // namespace x400gw::gateway
