// queue/settle.hpp
//
// What one attempt's outcome means for a recipient: the decision between
// delivered, deferred (and until when), failed and quarantined, with the
// queue lifetime turning a deferral into a failure (RFC 5321 4.5.4.1).
// Pure: time and chance come in as arguments, so the delivery loop only
// moves jobs and tests reach every branch without a clock.
#pragma once

#include "queue/outcome.hpp"
#include "queue/retry.hpp"

#include <optional>

namespace x400gw::queue {

struct settlement {
    outcome result;                          // the outcome as recorded: kind, status, diagnostic
    std::optional<clock_time> next_attempt;  // set when deferred
};

// `attempts` counts the attempts before this one; `arrival` is when the
// message was queued; `spread` is uniform in [-1, 1].
settlement settle(outcome const& o, retry_policy const& p, clock_time arrival, int attempts, clock_time now,
                  double spread);

} // namespace x400gw::queue
