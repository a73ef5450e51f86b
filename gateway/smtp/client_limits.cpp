// gateway/smtp/client_limits.cpp
#include "gateway/smtp/client_limits.hpp"

namespace x400gw::smtp {

bool client_limits::window::add(clock::time_point now, std::size_t limit) noexcept
{
    if (over(now)) {
        start = now;
        count = 0;
    }
    ++count;
    return limit == 0 || count <= limit;
}

client_limits::verdict client_limits::open(std::string const& address, clock::time_point now)
{
    prune(now);
    auto& e = by_address_[address];
    if (!e.connections.add(now, settings_.connections_per_minute))
        return verdict::too_many_connections;
    if (e.sessions >= settings_.sessions)
        return verdict::too_many_sessions;
    ++e.sessions;
    return verdict::ok;
}

void client_limits::close(std::string const& address, clock::time_point now)
{
    auto it = by_address_.find(address);
    if (it == by_address_.end())
        return;
    auto& e = it->second;
    if (e.sessions > 0)
        --e.sessions;
    if (e.sessions == 0 && e.connections.over(now) && e.messages.over(now) && e.auth_failures.over(now))
        by_address_.erase(it);
}

bool client_limits::message(std::string const& address, clock::time_point now)
{
    return by_address_[address].messages.add(now, settings_.messages_per_minute);
}

bool client_limits::auth_failure(std::string const& address, clock::time_point now)
{
    return by_address_[address].auth_failures.add(now, settings_.auth_failures_per_minute);
}

bool client_limits::auth_blocked(std::string const& address, clock::time_point now) const
{
    auto it = by_address_.find(address);
    if (it == by_address_.end() || settings_.auth_failures_per_minute == 0)
        return false;
    auto const& w = it->second.auth_failures;
    return !w.over(now) && w.count >= settings_.auth_failures_per_minute;
}

void client_limits::prune(clock::time_point now)
{
    if (now - last_prune_ < std::chrono::minutes(1))
        return;
    last_prune_ = now;
    std::erase_if(by_address_, [now](auto const& kv) {
        auto const& e = kv.second;
        return e.sessions == 0 && e.connections.over(now) && e.messages.over(now) && e.auth_failures.over(now);
    });
}

} // namespace x400gw::smtp
