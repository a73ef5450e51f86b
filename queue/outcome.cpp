// queue/outcome.cpp
#include "queue/outcome.hpp"

namespace x400gw::queue {

std::string_view outcome_name(outcome_kind k) noexcept
{
    switch (k) {
    case outcome_kind::delivered: return "sent";
    case outcome_kind::deferred: return "deferred";
    case outcome_kind::failed: return "bounced";
    case outcome_kind::quarantined: return "quarantined";
    }
    return "deferred";
}

outcome outcome::from_reply(int code, std::string_view enhanced, std::string_view summary,
                            std::string_view remote_host)
{
    outcome o;
    int const cls = code / 100;
    o.kind = cls == 2 ? outcome_kind::delivered : cls == 5 ? outcome_kind::failed : outcome_kind::deferred;
    // A 4xx with a 5.x.x status (or the reverse) is the peer's muddle; the
    // reply code wins, and the status class is made to agree with it.
    std::string status(enhanced);
    if (status.empty() || status[0] != static_cast<char>('0' + (cls == 2 ? 2 : cls == 5 ? 5 : 4)))
        status = cls == 2 ? "2.0.0" : cls == 5 ? "5.0.0" : "4.0.0";
    o.dsn_status = status;
    o.diagnostic = "smtp; " + std::string(summary);
    o.remote_host = remote_host;
    return o;
}

outcome outcome::transient(std::string_view status, std::string_view why, std::string_view remote_host)
{
    return {outcome_kind::deferred, std::string(status), std::string(why), std::string(remote_host)};
}

outcome outcome::permanent(std::string_view status, std::string_view why, std::string_view remote_host)
{
    return {outcome_kind::failed, std::string(status), std::string(why), std::string(remote_host)};
}

} // namespace x400gw::queue
