// queue/settle.cpp
#include "queue/settle.hpp"

#include <algorithm>

namespace x400gw::queue {

settlement settle(outcome const& o, retry_policy const& p, clock_time arrival, int attempts, clock_time now,
                  double spread, bool delay_reported)
{
    settlement s{o, std::nullopt, false};
    if (o.kind == outcome_kind::deferred) {
        s.next_attempt = next_attempt(p, arrival, attempts + 1, now, spread);
        if (!s.next_attempt) {
            // RFC 3463 4.4.7: delivery time expired; the last error says why.
            s.result.kind = outcome_kind::failed;
            s.result.dsn_status = "4.4.7";
            s.result.diagnostic = "delivery time expired; last error: " + o.diagnostic;
        } else if (p.delay_warning.count() > 0 && !delay_reported) {
            auto const warn_at = arrival + p.delay_warning;
            s.delay_due = now >= warn_at;
            if (!s.delay_due)
                s.next_attempt = std::min(*s.next_attempt, warn_at);
        }
    }
    return s;
}

} // namespace x400gw::queue
