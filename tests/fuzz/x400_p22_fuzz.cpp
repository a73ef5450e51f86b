// tests/fuzz/x400_p22_fuzz.cpp
//
// The P22 decoder's own promises, on any octets: it never crashes or
// throws, nested message body parts included; a refusal names an offset
// inside the input; what it accepts it writes again, and that encoding
// decodes to the same value and writes the same octets.
#include "x400/describe.hpp"
#include "x400/p22.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace x4 = x400gw::x400;

namespace {

void check_promise(bool ok, char const* what)
{
    if (!ok) {
        std::fprintf(stderr, "promise broken: %s\n", what);
        std::abort();
    }
}
#define check(...) check_promise((__VA_ARGS__), #__VA_ARGS__)

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    x4::ber::limits limits;
    limits.max_depth = 32;
    limits.max_elements = 20000;
    auto r = x4::p22::decode({data, size}, limits);
    if (!r) {
        check(r.failure().offset <= size);
        check(!r.failure().reason.empty());
        return 0;
    }
    (void)x4::to_json(x4::describe(*r));
    auto const wire = x4::p22::encode(*r);
    auto back = x4::p22::decode({reinterpret_cast<std::uint8_t const*>(wire.data()), wire.size()});
    check(back.ok());
    check(x4::p22::encode(*back) == wire);
    check(*back == *r);
    return 0;
}
