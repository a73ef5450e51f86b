// bench/mime/corpus.hpp
//
// The benchmark corpus: every *.eml under the directories given on the
// command line, read into memory once, and a timer that repeats a pass over
// the whole corpus until it has run for a minimum time.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace x400gw::bench {

inline std::vector<std::string> load_corpus(int argc, char** argv, int first)
{
    std::vector<std::string> v;
    for (int i = first; i < argc; ++i) {
        std::vector<std::filesystem::path> files;
        for (auto const& e : std::filesystem::directory_iterator(argv[i]))
            if (e.path().extension() == ".eml")
                files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (auto const& f : files) {
            std::ifstream in(f, std::ios::binary);
            v.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
    }
    return v;
}

struct result {
    double seconds = 0;
    std::size_t rounds = 0;
};

// Runs pass() over the corpus until min_seconds have passed (at least twice).
template <class Pass>
result time_passes(Pass&& pass, double min_seconds)
{
    result r;
    auto t0 = std::chrono::steady_clock::now();
    do {
        pass();
        ++r.rounds;
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (r.seconds < min_seconds || r.rounds < 2);
    return r;
}

inline void report(char const* name, result const& r, std::vector<std::string> const& corpus)
{
    double bytes = 0;
    for (auto const& m : corpus)
        bytes += static_cast<double>(m.size());
    double mb = bytes * static_cast<double>(r.rounds) / 1e6;
    double msgs = static_cast<double>(corpus.size() * r.rounds);
    std::printf("%-34s %9.1f MB/s %11.0f msgs/s  (%zu messages, %.1f MB, %zu rounds, %.2f s)\n", name,
                mb / r.seconds, msgs / r.seconds, corpus.size(), bytes / 1e6, r.rounds, r.seconds);
}

} // namespace x400gw::bench
