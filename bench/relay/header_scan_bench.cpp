// bench/relay/header_scan_bench.cpp: what RFC 6758's header scans add to
// each message (smtp::tunnel_priority on every delivery to a next hop
// without MT-PRIORITY, smtp::header_priority on every message whose MAIL
// gave no priority): nanoseconds a call on a 1 KB message whose header
// holds a trace field and five others, as the relay bench's do.
//
//   build/release/bench/relay/header_scan_bench [CALLS]
#include "gateway/smtp/server_rules.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv)
{
    long const calls = argc > 1 ? std::atol(argv[1]) : 1000000;
    std::string const message = "Received: from client.test ([127.0.0.1])\r\n\tby gw.test (x400gw) with ESMTP id "
                                "1000000401\r\n\tfor <a@b.test>; Tue, 08 Dec 2026 02:00:00 +0000\r\n"
                                "From: a@b.test\r\nTo: c@d.test\r\nSubject: bench message\r\n"
                                "Date: Tue, 08 Dec 2026 02:00:00 +0000\r\nMessage-ID: <x@y>\r\n\r\n" +
                                std::string(1024, 'x') + "\r\n";
    using clock = std::chrono::steady_clock;
    long changed = 0;
    auto const t0 = clock::now();
    for (long i = 0; i < calls; ++i)
        changed += x400gw::smtp::tunnel_priority(message, 0).has_value();
    auto const t1 = clock::now();
    for (long i = 0; i < calls; ++i)
        changed += x400gw::smtp::header_priority(message).has_value();
    auto const t2 = clock::now();
    auto per_call = [&](auto d) { return std::chrono::duration<double, std::nano>(d).count() / double(calls); };
    std::printf("tunnel_priority %.0f ns a call, header_priority %.0f ns a call (%ld calls each, %ld changed)\n",
                per_call(t1 - t0), per_call(t2 - t1), calls, changed);
    return changed == 0 ? 0 : 1;
}
