// tests/fuzz/x400_p22_fuzz.cpp
//
// The P22 decoder's promises (x400_decoder_fuzz.hpp) on any octets, nested
// message body parts and file transfer parameters included.
#include "x400_decoder_fuzz.hpp"

#include "x400/p22.hpp"

namespace x4 = x400gw::x400;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    x4::ber::limits limits;
    limits.max_depth = 32;
    limits.max_elements = 20000;
    x4::fuzz::check_decoder(
        data, size, limits, [](x4::ber::bytes b, x4::ber::limits const& l) { return x4::p22::decode(b, l); },
        [](x4::p22::information_object const& c) { return x4::p22::encode(c); });
    return 0;
}
