// tests/fuzz/route_table_fuzz.cpp
//
// The route file (gateway/routes.hpp) and next hops. Promises checked: a
// route file that loads renders to a text that loads to the same routes;
// a refused one names at least one line; every route resolves to itself;
// a next hop that parses renders back to itself.
#include "gateway/routes.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace gw = x400gw::gateway;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const text(reinterpret_cast<char const*>(data), size);
    std::string host;
    std::uint16_t port = 0;
    if (!gw::parse_next_hop(text, host, port)) {
        gw::route r;
        r.host = host;
        r.port = port;
        std::string again_host;
        std::uint16_t again_port = 0;
        if (gw::parse_next_hop(r.next_hop_text(), again_host, again_port) || again_host != host || again_port != port)
            std::abort();
    }
    std::vector<gw::route> routes;
    std::vector<std::string> errors;
    if (!gw::parse_route_table(text, "fuzz", routes, errors)) {
        if (errors.empty())
            std::abort();
        return 0;
    }
    auto const rendered = gw::render_route_table(routes);
    std::vector<gw::route> again;
    if (!gw::parse_route_table(rendered, "again", again, errors) || again != routes)
        std::abort();
    gw::route_set set({}, routes, "ca.pem");
    for (auto const& r : routes) {
        auto const* found = set.find(r.domain);
        if (!found || !(*found == r))
            std::abort();
        if (r.domain.find('*') == std::string::npos && set.resolve(r.domain) != found)
            std::abort();
    }
    return 0;
}
