// queue/retry.cpp
#include "queue/retry.hpp"

#include <algorithm>
#include <cmath>

namespace x400gw::queue {

std::optional<clock_time> next_attempt(retry_policy const& p, clock_time first_seen, int attempts,
                                       clock_time now, double spread)
{
    auto const expiry = first_seen + p.lifetime;
    if (now >= expiry)
        return std::nullopt;
    double delay = static_cast<double>(p.first_delay.count()) *
                   std::pow(p.multiplier, static_cast<double>(std::max(attempts, 1) - 1));
    delay = std::min(delay, static_cast<double>(p.max_delay.count()));
    delay *= 1.0 + p.jitter * std::clamp(spread, -1.0, 1.0);
    auto const when = now + std::chrono::duration_cast<clock_time::duration>(std::chrono::duration<double>(delay));
    return std::min(when, expiry);
}

} // namespace x400gw::queue
