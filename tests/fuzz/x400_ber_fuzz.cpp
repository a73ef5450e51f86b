// tests/fuzz/x400_ber_fuzz.cpp
//
// The BER reader's own promises, on any octets: it never crashes, throws or
// recurses past its depth limit; every element it returns lies inside its
// parent; an error names an offset inside the input; a tree it accepts,
// written again with indefinite lengths, reads back as the same tree; and
// every primitive can be asked for as any type without harm.
#include "x400/ber.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace ber = x400gw::x400::ber;

namespace {

void check_promise(bool ok, char const* what)
{
    if (!ok) {
        std::fprintf(stderr, "promise broken: %s\n", what);
        std::abort();
    }
}
#define check(...) check_promise((__VA_ARGS__), #__VA_ARGS__)

struct shape {
    std::uint8_t cls;
    std::uint32_t number;
    bool constructed;
    std::size_t depth;
    std::string content;   // primitives only
    bool operator==(shape const&) const = default;
};

// Walks the whole tree without recursion; fills `out` and, when
// `indefinite`, re-encodes it with every constructed length indefinite.
bool walk(ber::bytes input, ber::limits const& limits, std::vector<shape>& out, std::string* indefinite)
{
    ber::session s(input, limits);
    struct frame {
        ber::reader r;
        std::size_t begin, end;
    };
    std::vector<frame> stack;
    stack.push_back({ber::reader(s, input), 0, input.size()});
    while (!stack.empty()) {
        auto& top = stack.back();
        auto e = top.r.next();
        if (!e) {
            check(!s.failed() || s.failure().offset <= input.size());
            if (s.failed())
                return false;
            stack.pop_back();
            if (indefinite && !stack.empty())
                *indefinite += std::string(2, '\0');
            continue;
        }
        check(e->offset >= top.begin && e->end <= top.end && e->offset < e->end);
        check(e->content_offset + e->content.size() <= e->end);
        check(stack.size() <= limits.max_depth + 1);
        std::string content(reinterpret_cast<char const*>(e->content.data()), e->content.size());
        out.push_back({static_cast<std::uint8_t>(e->tag.cls), e->tag.number, e->constructed, stack.size(),
                       e->constructed ? std::string() : content});
        if (indefinite)
            *indefinite += ber::encode_identifier(e->tag, e->constructed) +
                           (e->constructed ? std::string("\x80") : ber::encode_length(content.size()) + content);
        if (e->constructed) {
            auto child = top.r.enter(*e);
            if (s.failed())
                return false;
            stack.push_back({child, e->content_offset, e->content_offset + e->content.size()});
            continue;
        }
        // Any primitive read as any type: a value or an error, never harm.
        ber::session probe(input, limits);
        (void)ber::read_boolean(probe, *e);
        (void)ber::read_integer(probe, *e);
        (void)ber::read_null(probe, *e);
        (void)ber::read_oid(probe, *e);
        (void)ber::read_bit_string(probe, *e);
        for (std::uint32_t t : {18u, 19u, 22u, 26u, 28u, 30u, 12u})
            (void)ber::read_string(probe, *e, t);
        if (auto t = ber::read_time(probe, *e, false))
            check(ber::time_point(*t).has_value());
        (void)ber::read_time(probe, *e, true);
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    ber::limits limits;
    limits.max_depth = 12;
    limits.max_elements = 4000;
    ber::bytes input(data, size);
    std::vector<shape> first;
    std::string indefinite;
    if (!walk(input, limits, first, &indefinite))
        return 0;
    // Constructed elements and EXTERNALs read as such.
    {
        ber::session s(input, limits);
        ber::reader r(s, input);
        while (auto e = r.next()) {
            ber::session probe(input, limits);
            if (e->constructed) {
                (void)ber::read_external(probe, *e);
                (void)ber::read_octets(probe, *e);
                (void)ber::read_bit_string(probe, *e);
            }
        }
    }
    ber::limits roomy = limits;
    roomy.max_elements = limits.max_elements * 2;
    std::vector<shape> second;
    ber::bytes again(reinterpret_cast<std::uint8_t const*>(indefinite.data()), indefinite.size());
    check(walk(again, roomy, second, nullptr));
    check(first == second);
    return 0;
}
