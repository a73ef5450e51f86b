// tests/fuzz/x400_p1_fuzz.cpp
//
// The P1 decoder's promises (x400_decoder_fuzz.hpp) on any octets: MTS-APDUs
// with every O/R address form (Teletex, universal, PSAP), probes and reports.
#include "x400_decoder_fuzz.hpp"

#include "x400/p1.hpp"

namespace x4 = x400gw::x400;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    x4::ber::limits limits;
    limits.max_depth = 24;
    limits.max_elements = 20000;
    x4::fuzz::check_decoder(
        data, size, limits, [](x4::ber::bytes b, x4::ber::limits const& l) { return x4::p1::decode(b, l); },
        [](x4::p1::mts_apdu const& a) { return x4::p1::encode(a); });
    return 0;
}
