// tests/fuzz/x400_mapping_fuzz.cpp
//
// decode -> to-mime -> sanitize -> from-mime -> encode -> decode, on any
// octets, read both as an MTS-APDU and as a MIME message. Promises: no
// crash, no throw; what to-mime writes is what the sanitizer would write
// (it passes unchanged); what from-mime builds encodes and decodes again;
// the IPM inside decodes as P22; a probe's answer encodes and decodes;
// T.61 text reads into well-formed UTF-8.
#include "addressing/std_or.hpp"
#include "mime/sanitizer.hpp"
#include "x400/mapping.hpp"
#include "x400/text.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace x4 = x400gw::x400;
namespace ad = x400gw::addressing;

namespace {

void check_promise(bool ok, char const* what)
{
    if (!ok) {
        std::fprintf(stderr, "promise broken: %s\n", what);
        std::abort();
    }
}
#define check(...) check_promise((__VA_ARGS__), #__VA_ARGS__)

ad::mapper const& the_mapper()
{
    static ad::mapper const m = [] {
        ad::gateway_identity gw;
        gw.domain = "gw.example";
        gw.address = *ad::parse_std_or("/PRMD=Gateway/ADMD= /C=XX/");
        return ad::mapper(*ad::make_mapping_state(gw, {}));
    }();
    return m;
}

void through_x400(x4::p1::mts_apdu const& apdu)
{
    auto const wire = x4::p1::encode(apdu);
    auto back = x4::p1::decode({reinterpret_cast<std::uint8_t const*>(wire.data()), wire.size()});
    check(back.ok());
    auto const& m = std::get<x4::p1::message>(*back);
    check(x4::p22::decode({reinterpret_cast<std::uint8_t const*>(m.content.data()), m.content.size()}).ok());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    auto const& map = the_mapper();
    x4::ber::limits limits;
    limits.max_depth = 24;
    limits.max_elements = 20000;
    if (auto apdu = x4::p1::decode({data, size}, limits)) {
        // A probe's answer is a report that encodes and decodes.
        if (auto const* probe = std::get_if<x4::p1::probe>(&*apdu)) {
            if (auto report = x4::answer_probe(*probe, map, 0, "fuzz")) {
                auto const wire = x4::p1::encode(x4::p1::mts_apdu{*report});
                check(x4::p1::decode({reinterpret_cast<std::uint8_t const*>(wire.data()), wire.size()}).ok());
            }
        }
        if (auto mime = x4::to_mime(*apdu, map)) {
            auto again = x400gw::mime::sanitize(mime->message);
            check(again.unchanged);
            std::vector<std::string> to;
            for (auto const& r : mime->envelope.rcpt_to)
                to.push_back(r.address);
            auto x = x4::from_mime({mime->message, mime->envelope.mail_from, to, 0, "fuzz"}, map);
            if (x)
                through_x400(*x);
        }
    }
    std::string const text(reinterpret_cast<char const*>(data), size);
    // T.61 reads into well-formed UTF-8, and what T.61 writes reads back
    // with every octet defined but the C0 controls it passes through.
    auto const utf8 = x4::text::t61_to_utf8(text);
    check(x4::ber::valid_utf8(utf8));
    auto const t61 = x4::text::utf8_to_t61(utf8);
    check(x4::ber::valid_utf8(x4::text::t61_to_utf8(t61)));
    if (auto x = x4::from_mime({text, "a@a.example", {"b@b.example"}, 0, "fuzz"}, map)) {
        through_x400(*x);
        auto mime = x4::to_mime(*x, map);
        if (mime)
            check(x400gw::mime::sanitize(mime->message).unchanged);
    }
    return 0;
}
