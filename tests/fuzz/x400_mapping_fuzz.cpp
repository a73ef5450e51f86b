// tests/fuzz/x400_mapping_fuzz.cpp
//
// decode -> to-mime -> sanitize -> from-mime -> encode -> decode, on any
// octets, read both as an MTS-APDU and as a MIME message. Promises: no
// crash, no throw; what to-mime writes is what the sanitizer would write
// (it passes unchanged); what from-mime builds encodes and decodes again;
// the IPM inside decodes as P22; a probe's answer encodes and decodes;
// T.61 text reads into well-formed UTF-8; the header to-mime writes holds
// only fields it means to write (no text from the X.400 side starts one),
// and no control octet but HTAB.
#include "addressing/std_or.hpp"
#include "mime/header_codec.hpp"
#include "mime/parser.hpp"
#include "mime/sanitizer.hpp"
#include "x400/mapping.hpp"
#include "x400/text.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
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

// The names of every field to-mime writes in a message's top header: the
// heading's, the envelope's, the reports' and the MIME ones.
bool only_our_fields(std::string const& message)
{
    static std::set<std::string, std::less<>> const names{
        "autoforwarded", "bcc", "cc", "comments", "content-disposition", "content-transfer-encoding", "content-type", "date",
        "discarded-x400-ipms-extensions", "discarded-x400-mts-extensions", "expiry-date", "from", "importance",
        "in-reply-to", "message-id", "mime-version", "obsoletes", "priority", "references", "reply-by",
        "reply-to", "sender", "sensitivity", "subject", "to", "x400-content-identifier", "x400-content-type",
        "x400-mts-identifier", "x400-originator", "x400-received", "x400-recipients"};
    auto const tree = x400gw::mime::parse(message);
    if (tree.parts.empty())
        return true;
    bool ok = true;
    x400gw::mime::for_each_field(std::string_view(message).substr(0, tree.parts[0].header_end),
                                 [&](x400gw::mime::raw_field const& f) {
                                     std::string name(f.name);
                                     x400gw::mime::to_lower(name);
                                     if (!names.contains(name)) {
                                         std::fprintf(stderr, "unexpected field: %s\n", name.c_str());
                                         ok = false;
                                     }
                                     // No control octet but HTAB, beyond a fold's CR LF.
                                     for (std::size_t i = 0; i < f.value.size(); ++i) {
                                         auto const u = static_cast<unsigned char>(f.value[i]);
                                         bool const fold = f.value.substr(i).starts_with("\r\n") ||
                                                           (i > 0 && f.value.substr(i - 1).starts_with("\r\n"));
                                         if (((u < 0x20 && u != '\t') || u == 0x7f) && !fold) {
                                             std::fprintf(stderr, "control octet 0x%02X in %s\n", u, name.c_str());
                                             ok = false;
                                         }
                                     }
                                 });
    return ok;
}

void through_x400(x4::p1::mts_apdu const& apdu)
{
    auto const wire = x4::p1::encode(apdu);
    auto back = x4::p1::decode({reinterpret_cast<std::uint8_t const*>(wire.data()), wire.size()});
    check(back.ok());
    // A message's content is the P22 from-mime built; a DSN became a report.
    if (auto const* m = std::get_if<x4::p1::message>(&*back))
        check(x4::p22::decode({reinterpret_cast<std::uint8_t const*>(m->content.data()), m->content.size()}).ok());
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
            check(only_our_fields(mime->message));
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
