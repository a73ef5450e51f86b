// tests/fuzz/mime_parser_fuzz.cpp
//
// The MIME push parser's own promises, on any octets fed in odd-sized
// pieces: it never crashes or throws; the tree is the same whatever the
// pieces; offsets are ordered and inside the input; children lie inside
// their parent; the limits hold; describe (with and without the input,
// which unwraps encoded composites) and describe_json succeed; a
// step budget (limits::max_steps) cuts the same tree at any split.
// Small limits, so a short input reaches every one of them.
#include "mime/describe.hpp"
#include "mime/parser.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace m = x400gw::mime;

namespace {

m::limits small_limits()
{
    m::limits l;
    l.max_depth = 8;
    l.max_parts = 40;
    l.max_header_bytes = 2048;
    l.max_field_bytes = 300;
    l.max_parameters = 6;
    l.max_boundary_length = 80;
    return l;
}

// The promise that broke goes to stderr, so a crash report names it.
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
    if (size == 0)
        return 0;
    std::size_t piece = 1 + data[0] % 13; // the first octet picks the piece size
    std::string_view in(reinterpret_cast<char const*>(data) + 1, size - 1);
    auto const l = small_limits();

    auto whole = m::parse(in, l);
    m::parser p(l);
    for (std::size_t i = 0; i < in.size(); i += piece) {
        auto chunk = in.substr(i, piece);
        check(p.feed(chunk) == chunk.size());
    }
    auto pieces = p.finish();

    auto text = m::describe(whole);
    check(text == m::describe(pieces));
    check(m::describe_json(whole) == m::describe_json(pieces));
    check(!text.empty() && text.front() == '(' && text.back() == ')');
    // With the input, encoded composites are decoded and shown inside.
    auto const unwrapped = m::describe(in, whole, l);
    check(!unwrapped.empty() && unwrapped.front() == '(' && unwrapped.back() == ')');
    check((whole.all_defects & m::bit(m::defect::encoded_composite)) != 0 || unwrapped == text);

    check(!whole.parts.empty() && whole.parts.size() <= l.max_parts);
    for (auto const& pt : whole.parts) {
        check(pt.header_begin <= pt.header_end && pt.header_end <= pt.body_begin &&
              pt.body_begin <= pt.body_end && pt.body_end <= in.size());
        check(pt.depth <= l.max_depth);
        check(!(pt.is_multipart() || pt.is_message()) || pt.depth < l.max_depth);
        if (pt.parent != m::no_part) {
            auto const& parent = whole.parts[pt.parent];
            check(pt.header_begin >= parent.body_begin && pt.body_end <= parent.body_end);
        }
        check(!pt.content_type.type.empty() && !pt.content_type.subtype.empty());
    }

    // A step budget the input overruns: the same tree at any split, the
    // rest one opaque part, the work within the budget and one line.
    auto budget = l;
    budget.max_steps = in.size() / 3;
    auto cut = m::parse(in, budget);
    m::parser q(budget);
    for (std::size_t i = 0; i < in.size(); i += piece)
        q.feed(in.substr(i, piece));
    check(m::describe_json(cut) == m::describe_json(q.finish()));
    if (cut.all_defects & m::bit(m::defect::step_limit)) {
        check(cut.over_limit && cut.parts.back().opaque && cut.parts.back().body_end == in.size());
        check(cut.steps > budget.max_steps);
    } else {
        check(cut.steps <= budget.max_steps);
    }
    return 0;
}
