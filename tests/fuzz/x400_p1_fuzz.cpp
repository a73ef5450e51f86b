// tests/fuzz/x400_p1_fuzz.cpp
//
// The P1 decoder's own promises, on any octets: it never crashes or
// throws; a refusal names an offset inside the input; what it accepts it
// can write again, and that encoding decodes to the same value and writes
// the same octets (decode . encode is the identity on decoded values).
// The describe renderers accept whatever the decoder produced.
#include "x400/describe.hpp"
#include "x400/p1.hpp"

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
    limits.max_depth = 24;
    limits.max_elements = 20000;
    auto r = x4::p1::decode({data, size}, limits);
    if (!r) {
        check(r.failure().offset <= size);
        check(!r.failure().reason.empty());
        return 0;
    }
    (void)x4::to_json(x4::describe(*r));
    (void)x4::to_text(x4::describe(*r));
    auto const wire = x4::p1::encode(*r);
    auto back = x4::p1::decode({reinterpret_cast<std::uint8_t const*>(wire.data()), wire.size()});
    check(back.ok());
    check(x4::p1::encode(*back) == wire);
    check(*back == *r || x4::to_json(x4::describe(*back)) == x4::to_json(x4::describe(*r)));
    return 0;
}
