// tests/fuzz/mime_sanitize_fuzz.cpp
//
// parse -> sanitize -> parse. For any octets, in both modes, the sanitizer
// returns a message that is clean on the wire (CRLF only, lines of at most
// 998 octets, no NUL, no 8-bit octet for a 7-bit hop), that parses again
// with no defect flag under the same structural limits (8-bit header text
// excepted for an 8BITMIME hop), and that a second sanitizer run leaves
// unchanged.
#include "mime/parser.hpp"
#include "mime/sanitizer.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace m = x400gw::mime;

namespace {

// The promise that broke goes to stderr, so a crash report names it.
void check_promise(bool ok, char const* what)
{
    if (!ok) {
        std::fprintf(stderr, "promise broken: %s\n", what);
        std::abort();
    }
}
#define check(...) check_promise((__VA_ARGS__), #__VA_ARGS__)

void check_wire(std::string const& s, bool seven_bit)
{
    check(s.size() >= 2 && s.ends_with("\r\n"));
    std::size_t line = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto u = static_cast<unsigned char>(s[i]);
        check(u != 0 && u != '\n' && !(seven_bit && u >= 128));
        if (u == '\r') {
            check(i + 1 < s.size() && s[i + 1] == '\n');
            ++i;
            line = 0;
            continue;
        }
        check(++line <= 998);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view in(reinterpret_cast<char const*>(data), size);
    m::sanitize_options o;
    o.parse_limits.max_depth = 8;
    o.parse_limits.max_parts = 40;
    o.parse_limits.max_header_bytes = 2048;
    o.parse_limits.max_field_bytes = 300;
    o.parse_limits.max_parameters = 6;
    for (bool seven : {false, true}) {
        o.seven_bit = seven;
        auto r = m::sanitize(in, o);
        check_wire(r.message, seven);
        // Encoding grows text: RFC 2047 words take up to twice the octets
        // of a header block, so the second parse and the second run allow
        // that much more header (otherwise fields pushed past the limit by
        // our own encoding would go unread). Fields and structure have the
        // same limits: the sanitizer fits MIME fields to them.
        auto relaxed = o.parse_limits;
        relaxed.max_header_bytes *= 4;
        auto tree = m::parse(r.message, relaxed);
        auto allowed = seven ? 0 : m::bit(m::defect::eight_bit_header);
        check((tree.all_defects & ~allowed) == 0);
        auto again_options = o;
        again_options.parse_limits = relaxed;
        auto again = m::sanitize(r.message, again_options);
        check(again.unchanged && again.message == r.message);
    }
    return 0;
}
