// queue/qid.hpp
//
// The queue id, a public contract (operators grep it, peers log it from our
// 250 reply): ten characters of Crockford base 32 (digits and upper-case
// letters without I, L, O, U), the rendering of the message's 50-bit key.
// Keys come from one PostgreSQL sequence that starts at 32^9, handed out in
// blocks, so every id is exactly ten characters, case-stable, and unique
// across all gateway processes that share the database. Never change this
// format: log parsers and peers depend on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace x400gw::queue {

inline constexpr std::uint64_t first_message_key = 1ull << 45;   // 32^9: the smallest ten-digit id
inline constexpr std::uint64_t last_message_key = (1ull << 50) - 1;

std::string render_qid(std::uint64_t key);
std::optional<std::uint64_t> parse_qid(std::string_view text) noexcept;   // any case

} // namespace x400gw::queue
