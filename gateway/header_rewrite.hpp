// gateway/header_rewrite.hpp
//
// Rewrites the addresses in a message's address header fields (RFC 5322
// 3.6.2, 3.6.3, 3.6.6: From, Sender, Reply-To, To, Cc, Bcc and their
// Resent- forms), for the RFC 2156 header role. Pure: no I/O.
//
// Each field's value is split into mailboxes at commas outside quoted
// strings, comments and angle brackets (groups' "name:" and ";" are kept as
// they are); each addr-spec is offered to `map`, and replaced where it
// returns a new address. Fields in which nothing changed keep their octets,
// folding included; a changed field is written unfolded, and folded again
// at commas when it would pass 78 octets. The body is never touched.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace x400gw::gateway {

using address_map = std::function<std::optional<std::string>(std::string_view addr_spec)>;

// The message with its address fields rewritten, or nullopt when no
// address changed.
std::optional<std::string> rewrite_address_headers(std::string_view message, address_map const& map);

} // namespace x400gw::gateway
