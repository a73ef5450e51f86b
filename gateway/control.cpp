// gateway/control.cpp
#include "gateway/control.hpp"

#include "gateway/db_bridge.hpp"
#include "gateway/log.hpp"
#include "gateway/rest/api.hpp"
#include "gateway/smtp_client/delivery.hpp"

namespace x400gw::gateway {

task<std::vector<db::action_outcome>> act(runtime& rt, action_request const& req)
{
    auto apply = [&req](db::connection& c) {
        auto const ids = req.filter ? db::select_ids(c, *req.filter, rest::max_bulk) : db::ids_of(c, req.qids);
        if (ids.empty())
            return std::vector<db::action_outcome>{};
        return db::apply_action(c, req.action, ids, req.actor, req.target_json);
    };
    auto outcomes = co_await run_db(rt.pool, apply);
    int changed = 0, waiting = 0;
    for (auto const& o : outcomes) {
        changed += o.changed;
        waiting += o.waiting;
    }
    log("control", std::string(db::action_name(req.action)) + " by=" + printable(req.actor) + " messages=" +
                       std::to_string(outcomes.size()) + " changed=" + std::to_string(changed) +
                       " waiting=" + std::to_string(waiting));
    // What became due now is claimed at once here; other processes on the
    // database see it at their next poll.
    if (changed > 0 && req.action != db::queue_action::hold && req.action != db::queue_action::remove &&
        rt.scheduler)
        rt.scheduler->wake();
    co_return outcomes;
}

} // namespace x400gw::gateway
