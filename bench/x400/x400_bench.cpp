// bench/x400/x400_bench.cpp
//
//   x400_bench write DIR          writes ipm-1k.ber and ipm-1m.ber (P1 messages
//                                 carrying an IPM of about that size)
//   x400_bench run SECONDS FILE   decode (P1, then the P22 content) and
//                                 decode + to-mime, messages per second
#include "addressing/std_or.hpp"
#include "x400/mapping.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace x4 = x400gw::x400;
namespace ad = x400gw::addressing;

namespace {

x4::p1::or_name person(char const* g, char const* s)
{
    x4::p1::or_name n;
    n.address.c = "XX";
    n.address.admd = " ";
    n.address.prmd = "Bench";
    n.address.o = "ATC";
    n.address.given = g;
    n.address.surname = s;
    return n;
}

std::string message_of(std::size_t text_size)
{
    x4::p22::ipm ipm;
    ipm.heading.this_ipm.user = person("Ann", "Lee");
    ipm.heading.this_ipm.user_relative_identifier = "bench-1";
    ipm.heading.originator = x4::p22::or_descriptor{person("Ann", "Lee"), std::string("Ann Lee"), std::nullopt};
    x4::p22::recipient_specifier to;
    to.recipient.formal_name = person("Bob", "Ray");
    ipm.heading.primary_recipients = {to};
    ipm.heading.subject = "Benchmark";
    std::string text;
    while (text.size() < text_size)
        text += "The quick brown fox jumps over the lazy dog, again and again.\r\n";
    text.resize(text_size);
    ipm.body.push_back(x4::p22::ia5_text{5, text});
    x4::p1::message m;
    auto& e = m.envelope;
    e.message_id = {{"XX", " ", "Bench"}, "bench-1"};
    e.originator = person("Ann", "Lee");
    e.type.built_in = x4::p1::content_types::p22_1988;
    x4::p1::trace_element t;
    t.domain = {"XX", " ", "Bench"};
    t.arrival_time = x4::ber::time_value{"261204100000Z", false};
    e.trace = {t};
    x4::p1::message_recipient r;
    r.name = person("Bob", "Ray");
    r.indicators.set(0);
    r.indicators.set(7, false);
    e.recipients = {r};
    m.content = x4::p22::encode(ipm);
    return x4::p1::encode(x4::p1::mts_apdu{m});
}

template <class F>
void measure(char const* what, std::string const& input, double seconds, F&& f)
{
    using clock = std::chrono::steady_clock;
    std::size_t n = 0;
    auto const start = clock::now();
    double elapsed = 0;
    do {
        f();
        ++n;
        elapsed = std::chrono::duration<double>(clock::now() - start).count();
    } while (elapsed < seconds);
    double const per_s = static_cast<double>(n) / elapsed;
    std::printf("x400gw %-16s %9zu octets %12.0f msg/s %9.1f MB/s\n", what, input.size(), per_s,
                per_s * static_cast<double>(input.size()) / 1e6);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc == 3 && std::string(argv[1]) == "write") {
        for (auto [name, size] : {std::pair{"ipm-1k.ber", std::size_t{1000}}, std::pair{"ipm-1m.ber", std::size_t{1000000}}}) {
            std::ofstream(std::string(argv[2]) + "/" + name, std::ios::binary) << message_of(size);
        }
        return 0;
    }
    if (argc != 4 || std::string(argv[1]) != "run") {
        std::fprintf(stderr, "usage: x400_bench write DIR | x400_bench run SECONDS FILE\n");
        return 2;
    }
    std::ifstream f(argv[3], std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string const input = ss.str();
    double const seconds = std::atof(argv[2]);
    ad::gateway_identity gw;
    gw.domain = "gw.example";
    gw.address = *ad::parse_std_or("/PRMD=Gateway/ADMD= /C=XX/");
    ad::mapper const map(*ad::make_mapping_state(gw, {}));
    x4::ber::bytes const bytes(reinterpret_cast<std::uint8_t const*>(input.data()), input.size());
    std::size_t sink = 0;
    measure("decode", input, seconds, [&] {
        auto m = x4::p1::decode(bytes);
        auto const& c = std::get<x4::p1::message>(*m).content;
        auto ipm = x4::p22::decode({reinterpret_cast<std::uint8_t const*>(c.data()), c.size()});
        sink += ipm.ok();
    });
    measure("decode+to-mime", input, seconds, [&] {
        auto m = x4::p1::decode(bytes);
        auto mime = x4::to_mime(*m, map);
        sink += mime->message.size();
    });
    return sink == 0;
}
