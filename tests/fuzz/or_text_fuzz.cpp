// tests/fuzz/or_text_fuzz.cpp
//
// parse_or_text: every administrator form (RFC 2156, RFC 1685 labelled,
// Exchange, MS Mail, IMCEA), and X.400 route keys. Promises checked: never
// crashes or hangs; whatever parses has a canonical std-or that the strict
// parser reads back to the same address, and labelled and IMCEA renderings
// read back too.
#include "addressing/imcea.hpp"
#include "addressing/mapper.hpp"
#include "addressing/std_or.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace ad = x400gw::addressing;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const text(reinterpret_cast<char const*>(data), size);
    // Route keys are administrator text too: they parse or are refused, and
    // a key that parses names each level at most once.
    if (auto key = ad::parse_route_prefix(text); key && key->specificity() > ad::level_count)
        std::abort();
    auto a = ad::parse_or_text(text);
    if (!a)
        return 0;
    auto strict = ad::parse_std_or(ad::render_std_or(*a));
    if (!strict || !(*strict == *a))
        std::abort();
    auto labelled = ad::parse_or_text(ad::render_labelled(*a));
    if (!labelled || !(*labelled == *a))
        std::abort();
    auto imcea = ad::parse_or_text(ad::render_imcea("X400", ad::render_exchange(*a), "gw.example"));
    if (!imcea || !(*imcea == *a))
        std::abort();
    return 0;
}
