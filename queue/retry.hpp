// queue/retry.hpp
//
// When to try a deferred recipient again, and when to give up. Pure: no
// clock and no random source inside; `now` and `spread` (uniform in [-1, 1])
// come in, so tests need no sleeping. Exponential backoff with jitter, so
// that a next hop that comes back is not hit by every deferred message in
// the same second; capped; and a queue lifetime after which a recipient
// fails (RFC 5321 4.5.4.1: give up after "at least 4-5 days").
#pragma once

#include <chrono>
#include <optional>

namespace x400gw::queue {

using clock_time = std::chrono::system_clock::time_point;

struct retry_policy {
    std::chrono::seconds first_delay{300};        // RFC 5321 4.5.4.1: "at least 30 minutes" is for
                                                  // retries of one host; 5 min as Postfix's minimal backoff
    std::chrono::seconds max_delay{4 * 3600};     // Postfix maximal_backoff_time
    double multiplier = 2.0;
    double jitter = 0.1;                          // +/- this fraction of the delay
    std::chrono::seconds lifetime{5 * 24 * 3600}; // RFC 5321 4.5.4.1: 4-5 days
    // A recipient still deferred this long after arrival gets one delay
    // report (RFC 3464 Action: delayed), as sendmail's queuewarn (4h) and
    // Postfix's delay_warning_time; zero sends none.
    std::chrono::seconds delay_warning{4 * 3600};
};

// After `attempts` failed attempts (1 after the first), the time of the
// next one, or nullopt when the recipient has outlived the queue lifetime
// (counted from `first_seen`) and must fail. The next attempt never falls
// after the lifetime's end: the last try is at expiry, not past it.
std::optional<clock_time> next_attempt(retry_policy const& p, clock_time first_seen, int attempts,
                                       clock_time now, double spread);

} // namespace x400gw::queue
