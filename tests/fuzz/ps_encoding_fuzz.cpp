// tests/fuzz/ps_encoding_fuzz.cpp
//
// ps-encoded (RFC 2156 3.4) and encoded-pn (4.1.2). Promises checked: any
// ASCII input encodes to a PrintableString that decodes back to it; any
// decodable input re-encodes to something that decodes to the same text;
// an encoded-pn that renders parses back to the same name.
#include "addressing/ps_encoding.hpp"
#include "addressing/std_or.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace ad = x400gw::addressing;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const text(reinterpret_cast<char const*>(data), size);
    if (auto enc = ad::ps_encode(text)) {
        if (!ad::is_printable_string(*enc))
            std::abort();
        auto dec = ad::ps_decode(*enc);
        if (!dec || *dec != text)
            std::abort();
    }
    if (auto dec = ad::ps_decode(text)) {
        auto enc = ad::ps_encode(*dec);
        if (!enc)
            std::abort(); // decoded text is ASCII by construction
        auto again = ad::ps_decode(*enc);
        if (!again || *again != *dec)
            std::abort();
    }
    if (auto pn = ad::parse_encoded_pn(text); pn && ad::can_render_encoded_pn(*pn)) {
        auto back = ad::parse_encoded_pn(ad::render_encoded_pn(*pn));
        if (!back || !(*back == *pn))
            std::abort();
    }
    return 0;
}
