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
    // Deferred, for `delay_warning` or longer, and not yet reported as
    // delayed: a delay report is due (sent as NOTIFY allows, notice_for).
    bool delay_due = false;
};

// `attempts` counts the attempts before this one; `arrival` is when the
// message was queued; `spread` is uniform in [-1, 1]; `delay_reported`:
// a delay report was already sent for this recipient. The next attempt of
// a recipient not yet reported never falls after the time its delay
// report is due, so that the report goes out then, not at the retry after.
settlement settle(outcome const& o, retry_policy const& p, clock_time arrival, int attempts, clock_time now,
                  double spread, bool delay_reported = false);

} // namespace x400gw::queue
