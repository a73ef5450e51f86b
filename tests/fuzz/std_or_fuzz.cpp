// tests/fuzz/std_or_fuzz.cpp
//
// parse_std_or (RFC 2156 std-or, as found in local parts). Promises checked:
// never crashes or hangs; whatever parses renders to a canonical text that
// parses back to the same address and renders identically; validation
// and the X.400 -> RFC 822 mapping of any parsed address do not crash.
#include "addressing/mixer.hpp"
#include "addressing/std_or.hpp"
#include "addressing/validate.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace ad = x400gw::addressing;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const text(reinterpret_cast<char const*>(data), size);
    auto a = ad::parse_std_or(text);
    if (!a) {
        if (a.failure().offset != ad::error::npos && a.failure().offset > size)
            std::abort(); // an offset must point into the input
        return 0;
    }
    std::string const canonical = ad::render_std_or(*a);
    auto again = ad::parse_std_or(canonical);
    if (!again || !(*again == *a) || ad::render_std_or(*again) != canonical)
        std::abort();
    (void)ad::check_or_address(*a);
    static ad::mapping_tables const no_tables;
    static ad::gateway_identity const gw{"gw.example", *ad::parse_or_text("C=TC;ADMD=BTT;O=GW")};
    auto m = ad::map_x400_to_822(*a, ad::role::header, gw, no_tables);
    if (!m)
        std::abort(); // the header role never refuses
    return 0;
}
