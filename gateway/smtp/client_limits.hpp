// gateway/smtp/client_limits.hpp
//
// Per-client-address counters for the SMTP listener, after Postfix's
// anvil: concurrent sessions, new connections per minute, and messages
// (MAIL commands) per minute. Pure: the caller supplies the time, so tests
// need no sleeping. Entries are dropped once a client has no session and
// its minute is over, so memory follows the clients of the last minute,
// not every address ever seen.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace x400gw::smtp {

class client_limits {
public:
    using clock = std::chrono::steady_clock;
    struct settings {
        std::size_t sessions = 50;                  // concurrent sessions per address
        std::size_t connections_per_minute = 120;   // 0: no limit
        std::size_t messages_per_minute = 300;      // 0: no limit
        std::size_t auth_failures_per_minute = 5;   // 0: no limit
    };
    enum class verdict { ok, too_many_sessions, too_many_connections };

    void configure(settings s) noexcept { settings_ = s; }

    // A connection from `address`: counted as a session when ok; the caller
    // then owes one close(address).
    verdict open(std::string const& address, clock::time_point now);
    void close(std::string const& address, clock::time_point now);
    // A MAIL command: false when the address is over its message rate.
    bool message(std::string const& address, clock::time_point now);
    // A failed AUTH: false when the address is over its limit of failures.
    bool auth_failure(std::string const& address, clock::time_point now);
    // Whether the address has used up its failed AUTHs this minute: then
    // no password is even tried (a brute force learns nothing).
    bool auth_blocked(std::string const& address, clock::time_point now) const;

    std::size_t tracked() const noexcept { return by_address_.size(); }

private:
    struct window {
        clock::time_point start{};
        std::size_t count = 0;
        // Counts one event; false when that makes more than `limit` this minute.
        bool add(clock::time_point now, std::size_t limit) noexcept;
        bool over(clock::time_point now) const noexcept { return now - start >= std::chrono::minutes(1); }
    };
    struct entry {
        std::size_t sessions = 0;
        window connections, messages, auth_failures;
    };
    void prune(clock::time_point now);

    settings settings_;
    std::unordered_map<std::string, entry> by_address_;
    clock::time_point last_prune_{};
};

} // namespace x400gw::smtp
