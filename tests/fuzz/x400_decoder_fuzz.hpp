// tests/fuzz/x400_decoder_fuzz.hpp
//
// The promises the P1 and P22 decoders share, on any octets: they never
// crash or throw; a refusal names an offset inside the input and a
// reason; what they accept they write again, and that encoding decodes to
// the same value and writes the same octets (decode . encode is the
// identity on decoded values); the describe renderers accept whatever the
// decoder produced. Each target calls check_decoder with its own decode,
// encode and limits.
#pragma once

#include "x400/ber.hpp"
#include "x400/describe.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace x400gw::x400::fuzz {

inline void check_promise(bool ok, char const* what)
{
    if (!ok) {
        std::fprintf(stderr, "promise broken: %s\n", what);
        std::abort();
    }
}
#define X400GW_FUZZ_CHECK(...) ::x400gw::x400::fuzz::check_promise((__VA_ARGS__), #__VA_ARGS__)

inline ber::bytes as_bytes(std::string const& s)
{
    return {reinterpret_cast<std::uint8_t const*>(s.data()), s.size()};
}

template <class Decode, class Encode>
void check_decoder(std::uint8_t const* data, std::size_t size, ber::limits const& limits, Decode&& decode,
                   Encode&& encode)
{
    auto r = decode(ber::bytes{data, size}, limits);
    if (!r) {
        X400GW_FUZZ_CHECK(r.failure().offset <= size);
        X400GW_FUZZ_CHECK(!r.failure().reason.empty());
        return;
    }
    auto const tree = describe(*r);
    (void)to_json(tree);
    (void)to_text(tree);
    auto const wire = encode(*r);
    auto back = decode(as_bytes(wire), ber::limits{});
    X400GW_FUZZ_CHECK(back.ok());
    X400GW_FUZZ_CHECK(encode(*back) == wire);
    X400GW_FUZZ_CHECK(*back == *r || to_json(describe(*back)) == to_json(tree));
}

} // namespace x400gw::x400::fuzz
