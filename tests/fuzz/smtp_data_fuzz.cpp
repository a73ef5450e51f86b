// tests/fuzz/smtp_data_fuzz.cpp: the DATA reader fed in odd pieces must
// produce exactly what it produces fed all at once (same body, same end
// position), never keep more than its size limit, and end the data exactly
// after the first CRLF "." CRLF (counting the CRLF that ended the DATA
// command), never at any other sequence. The writer's side: any input,
// dot-stuffed, reads back whole and ends exactly at its end-of-data line,
// and one that sendable_as_is passes is sent unchanged and read back
// unchanged. RFC 6758's tunnel: what tunnel_priority writes has exactly
// one MT-Priority field, the gateway's, which header_priority reads back
// (for a message whose first line is no continuation line, as the
// gateway's trace field on top of every stored message makes sure).
#include "gateway/smtp/data_reader.hpp"
#include "gateway/smtp/data_writer.hpp"
#include "gateway/smtp/server_rules.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace smtp = x400gw::smtp;

namespace {
struct outcome {
    std::string body;
    std::size_t end = 0;
    bool done = false;
};

outcome read(std::string_view input, std::size_t piece, std::uint64_t limit)
{
    smtp::data_reader reader(limit);
    outcome o;
    std::size_t pos = 0;
    while (pos < input.size() && !o.done) {
        auto chunk = input.substr(pos, piece);
        auto [state, used] = reader.feed(chunk, o.body);
        if (used > chunk.size() || (state == smtp::data_reader::status::need_more && used != chunk.size()))
            std::abort();
        pos += used;
        o.done = state == smtp::data_reader::status::done;
    }
    o.end = pos;
    if (o.body.size() > limit)
        std::abort();
    return o;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    if (size == 0)
        return 0;
    std::size_t const piece = 1 + data[0] % 11;
    std::string_view input(reinterpret_cast<char const*>(data) + 1, size - 1);
    auto const whole = read(input, input.size() + 1, 1 << 20);
    auto const pieces = read(input, piece, 1 << 20);
    if (whole.body != pieces.body || whole.end != pieces.end || whole.done != pieces.done)
        std::abort();
    auto const first_end = ("\r\n" + std::string(input)).find("\r\n.\r\n");
    if (whole.done != (first_end != std::string::npos) || (whole.done && whole.end != first_end + 3))
        std::abort();
    auto const small = read(input, piece, 64);
    if (small.end != whole.end || whole.body.compare(0, small.body.size(), small.body) != 0)
        std::abort();
    auto const stuffed = smtp::stuff_body(input);
    auto const back = read(stuffed, piece, 1 << 22);
    if (!back.done || back.end != stuffed.size())
        std::abort();
    if (smtp::sendable_as_is(input) && (stuffed != std::string(input) + ".\r\n" || back.body != input))
        std::abort();
    int const priority = data[0] % 19 - 9;
    if (!input.starts_with(' ') && !input.starts_with('\t')) {
        auto const tunnelled = smtp::tunnel_priority(input, priority);
        if (tunnelled ? smtp::header_priority(*tunnelled) != priority : priority != 0)
            std::abort();
    }
    return 0;
}
