// gateway/control.hpp
//
// Queue actions (hold, release, retry, delete, bounce), one code path for
// every way an administrator asks for them: the REST API (and x400gwctl
// on it) and SIGUSR1 (retry everything now, like `postqueue -f`). The
// action runs in one transaction with its audit row (db::apply_action);
// what it means for a message in flight is said in db/admin.hpp and
// docs/operations.md.
#pragma once

#include "db/admin.hpp"
#include "gateway/runtime.hpp"

#include <optional>
#include <string>
#include <vector>

namespace x400gw::gateway {

struct action_request {
    db::queue_action action{};
    std::vector<std::string> qids;             // these messages, or
    std::optional<db::queue_filter> filter;    // every message it selects ({}: all)
    std::string target_json;                   // what was asked, for the audit row
    std::string actor;                         // token name, or "signal"
};

// The outcome per message; throws what the database threw.
task<std::vector<db::action_outcome>> act(runtime& rt, action_request const& req);

} // namespace x400gw::gateway
