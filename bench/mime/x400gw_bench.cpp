// bench/mime/x400gw_bench.cpp
//
//   mime_bench_x400gw SECONDS DIR...
//
// x400gw's MIME parser (parse and walk every part), parse + sanitize, and
// parse + sanitize with the 7-bit option, over the corpus in memory.
#include "corpus.hpp"

#include "mime/parser.hpp"
#include "mime/sanitizer.hpp"

#include <cstdlib>
#include <string>
#include <vector>

namespace m = x400gw::mime;
namespace b = x400gw::bench;

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s SECONDS DIR...\n", argv[0]);
        return 2;
    }
    double secs = std::atof(argv[1]);
    auto corpus = b::load_corpus(argc, argv, 2);
    std::size_t sink = 0;

    auto parse = b::time_passes([&] {
        for (auto const& msg : corpus) {
            auto tree = m::parse(msg);
            for (auto const& p : tree.parts) // walk every part
                sink += p.content_type.type.size() + p.size;
        }
    }, secs);
    b::report("x400gw parse+walk", parse, corpus);

    for (bool seven : {false, true}) {
        m::sanitize_options o;
        o.seven_bit = seven;
        auto san = b::time_passes([&] {
            for (auto const& msg : corpus)
                sink += m::sanitize(msg, o).message.size();
        }, secs);
        b::report(seven ? "x400gw parse+sanitize --7bit" : "x400gw parse+sanitize", san, corpus);
    }
    // The gateway's common case: an already clean 7-bit text/plain message
    // at the end of DATA (the sanitizer returns it unchanged).
    for (std::size_t kb : {1, 50}) {
        std::string msg = "From: a@example.com\r\nTo: b@example.org\r\nSubject: clean\r\n"
                          "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
        while (msg.size() < kb * 1024)
            msg += "A line of plain 7-bit text, as most mail still is.\r\n";
        std::vector<std::string> one{msg};
        auto r = b::time_passes([&] {
            for (int k = 0; k < 100; ++k)
                sink += m::sanitize(msg).message.size();
        }, secs / 2);
        r.rounds *= 100;
        b::report(kb == 1 ? "x400gw sanitize clean 1 KB" : "x400gw sanitize clean 50 KB", r, one);
    }
    return sink == 42 ? 1 : 0;
}
