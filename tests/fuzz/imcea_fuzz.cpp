// tests/fuzz/imcea_fuzz.cpp
//
// IMCEA encapsulation ([MS-OXCMAIL] 2.1.3.1.8). Promise checked: whatever
// decodes re-encodes to a text that decodes to the same type, address and
// domain.
#include "addressing/imcea.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace ad = x400gw::addressing;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const text(reinterpret_cast<char const*>(data), size);
    auto d = ad::parse_imcea(text);
    if (!d)
        return 0;
    if (d->domain.find('@') != std::string::npos)
        std::abort();
    auto again = ad::parse_imcea(ad::render_imcea(d->type, d->address, d->domain));
    if (!again || again->type != d->type || again->address != d->address || again->domain != d->domain)
        std::abort();
    return 0;
}
