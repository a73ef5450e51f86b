// tests/fuzz/smtp_reply_fuzz.cpp: the reply parser in odd-sized pieces,
// checking its own promises: need_more takes everything it was given, a
// done reply has a valid code, and nothing ever reads past the input.
#include "gateway/smtp/reply_parser.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace smtp = x400gw::smtp;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    if (size == 0)
        return 0;
    std::size_t const piece = 1 + data[0] % 13;   // the first octet picks the piece size
    std::string_view rest(reinterpret_cast<char const*>(data) + 1, size - 1);
    smtp::reply_parser parser(4096);
    while (!rest.empty()) {
        auto const chunk = rest.substr(0, std::min(rest.size(), piece));
        auto [state, used] = parser.feed(chunk);
        if (used > chunk.size())
            std::abort();
        if (state == smtp::reply_parser::status::need_more && used != chunk.size())
            std::abort();
        if (state == smtp::reply_parser::status::malformed) {
            if (parser.why().empty())
                std::abort();
            parser.reset();
            if (used == 0)
                used = chunk.size();
        }
        if (state == smtp::reply_parser::status::done) {
            auto r = parser.take();
            if (r.code < 200 || r.code > 599)
                std::abort();
            (void)r.render();
        }
        rest.remove_prefix(used);
    }
    return 0;
}
