// gateway/runtime.cpp
#include "gateway/runtime.hpp"

#include <atomic>
#include <chrono>
#include <unistd.h>

namespace x400gw::gateway {

std::string make_session_id(char prefix)
{
    // Six base-32 characters of a per-process counter, started at a value
    // drawn from the clock and the pid so that two processes' ids differ.
    static std::atomic<std::uint64_t> counter{
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) * 2654435761u ^
        static_cast<std::uint64_t>(::getpid()) << 20};
    constexpr std::string_view alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    auto n = counter.fetch_add(1);
    std::string id(7, prefix);
    for (int i = 6; i >= 1; --i) {
        id[static_cast<std::size_t>(i)] = alphabet[n & 31];
        n >>= 5;
    }
    return id;
}

} // namespace x400gw::gateway
