// bench/addressing/addressing_bench.cpp
//
// The mapping engine on large MIXER tables: load time and memory of a
// table1 (O/R -> domain) and a table2 (domain -> O/R) file, then mappings
// per second each way on one core:
//   X.400 -> RFC 822: map_x400_to_822 of parsed O/R addresses (a table1
//     longest match, the algorithmic labels, the local part);
//   RFC 822 -> X.400: map_822_to_x400 of mailbox text (mailbox parsing,
//     Stage I, a table2 longest match), as RCPT TO would give it;
// and the same with addresses no table covers (the fallbacks).
//
// Usage: addressing_bench TABLE1 TABLE2 ENTRIES [SECONDS]
// The tables are those gen_tables.py writes: entry i is organisation
// "Org<i>" under ADMD "A<i % 97>", with a PRMD "P<i % 13>" for two
// entries in three and PRMD omitted for the third.
#include "addressing/mapper.hpp"
#include "addressing/std_or.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <malloc.h>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace ad = x400gw::addressing;
using clock_type = std::chrono::steady_clock;

namespace {

long rss_kib()
{
    std::ifstream statm("/proc/self/statm");
    long size = 0, resident = 0;
    statm >> size >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

double seconds_since(clock_type::time_point t0)
{
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

std::string prmd_of(std::size_t i) { return i % 3 == 2 ? std::string() : "P" + std::to_string(i % 13); }

double thread_cpu_seconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Operations per second of this thread's CPU time: the figure for "one
// core", which other processes on a shared machine do not distort.
template <class F>
double per_second(std::size_t batch, double min_seconds, F&& f)
{
    std::size_t done = 0;
    double const t0 = thread_cpu_seconds();
    double elapsed = 0;
    do {
        for (std::size_t i = 0; i < batch; ++i)
            f(done + i);
        done += batch;
        elapsed = thread_cpu_seconds() - t0;
    } while (elapsed < min_seconds);
    return static_cast<double>(done) / elapsed;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s TABLE1 TABLE2 ENTRIES [SECONDS]\n", argv[0]);
        return 2;
    }
    std::size_t const entries = std::stoul(argv[3]);
    double const seconds = argc > 4 ? std::stod(argv[4]) : 2.0;

    long const rss0 = rss_kib();
    double const cpu0 = thread_cpu_seconds();
    auto const t0 = clock_type::now();
    auto t1 = ad::load_table_file(argv[1], ad::table_kind::or_to_domain);
    auto t2 = ad::load_table_file(argv[2], ad::table_kind::domain_to_or);
    if (!t1 || !t2) {
        std::fprintf(stderr, "%s\n", (!t1 ? t1.failure() : t2.failure()).why.c_str());
        return 1;
    }
    double const parse_s = seconds_since(t0);
    auto const t_index = clock_type::now();
    auto state = ad::make_mapping_state(ad::gateway_identity{"gw.example", *ad::parse_or_text("C=TC;ADMD=BTT;O=GW")},
                                        {std::move(*t1), std::move(*t2)});
    if (!state) {
        std::fprintf(stderr, "%s\n", state.failure().why.c_str());
        return 1;
    }
    double const index_s = seconds_since(t_index);
    double const load_s = seconds_since(t0);
    double const load_cpu = thread_cpu_seconds() - cpu0;
    // The file text and the parsers' scratch space are freed by now; give
    // them back so the figure is what the tables keep.
    malloc_trim(0);
    long const rss1 = rss_kib();
    ad::mapper const m(*state);
    auto const& s = **state;

    // Queries: random entries, a subdomain / OU below each, a personal name.
    std::mt19937 rng(1);
    std::size_t const queries = 1 << 16;
    std::vector<ad::or_address> x400_hits, x400_misses;
    std::vector<std::string> rfc822_hits, rfc822_misses;
    for (std::size_t q = 0; q < queries; ++q) {
        std::size_t const i = std::uniform_int_distribution<std::size_t>(0, entries - 1)(rng);
        std::string const prmd = prmd_of(i);
        std::string text = "/G=Ann/S=Lee" + std::to_string(q % 100) + "/OU=Dept" + std::to_string(q % 7) + "/O=Org" +
                           std::to_string(i) + "/" + (prmd.empty() ? "" : "PRMD=" + prmd + "/") + "ADMD=A" +
                           std::to_string(i % 97) + "/C=TC/";
        x400_hits.push_back(*ad::parse_std_or(text));
        x400_misses.push_back(*ad::parse_std_or("/S=Lee/O=Nowhere" + std::to_string(q) + "/ADMD=Z" + std::to_string(q % 5) +
                                                "/C=TC/"));
        std::string domain = "org" + std::to_string(i) + ".a" + std::to_string(i % 97) + ".example";
        rfc822_hits.push_back("ann.lee" + std::to_string(q % 100) + "@dept" + std::to_string(q % 7) + "." + domain);
        rfc822_misses.push_back("user" + std::to_string(q) + "@host" + std::to_string(q % 11) + ".unmapped.example");
    }
    // Check that the hits are hits, so the figures measure what they claim.
    auto a = ad::map_x400_to_822(x400_hits[0], ad::role::recipient, s.identity, s.tables);
    auto b = ad::map_822_to_x400(rfc822_hits[0], ad::role::recipient, s.identity, s.tables);
    if (!a || a->method != ad::mapping_method::table || !b || b->method != ad::mapping_method::table) {
        std::fprintf(stderr, "benchmark queries do not hit the tables\n");
        return 1;
    }
    std::printf("example X.400 -> RFC 822: %s -> %s\n", ad::render_std_or(x400_hits[0]).c_str(), a->address.c_str());
    std::printf("example RFC 822 -> X.400: %s -> %s\n", rfc822_hits[0].c_str(), ad::render_std_or(b->address).c_str());

    std::size_t sink = 0;
    auto const mask = queries - 1;
    double const x2r = per_second(4096, seconds, [&](std::size_t n) {
        sink += ad::map_x400_to_822(x400_hits[n & mask], ad::role::recipient, s.identity, s.tables)->address.size();
    });
    double const r2x = per_second(4096, seconds, [&](std::size_t n) {
        sink += ad::map_822_to_x400(rfc822_hits[n & mask], ad::role::recipient, s.identity, s.tables)->address.ou.size();
    });
    double const x2r_miss = per_second(4096, seconds, [&](std::size_t n) {
        sink += ad::map_x400_to_822(x400_misses[n & mask], ad::role::recipient, s.identity, s.tables)->address.size();
    });
    double const r2x_miss = per_second(4096, seconds, [&](std::size_t n) {
        sink += ad::map_822_to_x400(rfc822_misses[n & mask], ad::role::recipient, s.identity, s.tables)->address.ddas.size();
    });
    double const resolve = per_second(4096, seconds, [&](std::size_t n) {
        sink += m.resolve(rfc822_hits[n & mask], ad::role::recipient).std_or.size();
    });

    std::printf("tables: %zu + %zu entries (table1 + table2)\n", s.tables.size(ad::table_kind::or_to_domain),
                s.tables.size(ad::table_kind::domain_to_or));
    std::printf("load of both tables: %.3f s wall, %.3f s CPU (parse %.3f s, index %.3f s wall)\n", load_s, load_cpu,
                parse_s, index_s);
    std::printf("memory of both tables: %.1f MiB resident (%.0f bytes per entry)\n",
                static_cast<double>(rss1 - rss0) / 1024.0,
                static_cast<double>(rss1 - rss0) * 1024.0 / static_cast<double>(2 * entries));
    std::printf("(rates per second of CPU time of the one benchmark thread)\n");
    std::printf("X.400 -> RFC 822, table hit:   %10.0f mappings/s\n", x2r);
    std::printf("RFC 822 -> X.400, table hit:   %10.0f mappings/s\n", r2x);
    std::printf("X.400 -> RFC 822, no match:    %10.0f mappings/s\n", x2r_miss);
    std::printf("RFC 822 -> X.400, no match:    %10.0f mappings/s\n", r2x_miss);
    std::printf("mapper::resolve (RCPT), hit:   %10.0f resolutions/s\n", resolve);
    return sink == 42 ? 3 : 0;
}
