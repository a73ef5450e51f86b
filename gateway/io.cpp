// gateway/io.cpp
#include "gateway/io.hpp"

namespace x400gw::gateway {

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
