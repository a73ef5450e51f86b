// gateway/password.hpp
//
// Password hashing for SMTP AUTH users: Argon2id through libsodium's
// crypto_pwhash_str (a well-kept implementation, not ours), with its
// "interactive" cost. The encoded hash carries salt and parameters.
// Verification costs tens of milliseconds and 64 MiB on purpose: callers
// run it on a database thread, never on the I/O thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace x400gw::gateway {

// RFC 4013 SASLprep (libidn's stringprep profile): the form in which a
// user name or password is stored and compared (RFC 4616 5, RFC 4954 4),
// so that a password typed in another Unicode form (a no-break space, a
// soft hyphen, a compatibility character such as U+2168) is the same
// password. `stored`: unassigned code points are refused (RFC 3454 7), as
// for a string kept; a query allows them. nullopt: not UTF-8, or a
// character SASLprep prohibits (a control character, a private-use or
// non-character code point, right-to-left text mixed wrongly).
std::optional<std::string> saslprep(std::string_view in, bool stored);

// The encoded hash, or nullopt when libsodium cannot (out of memory).
std::optional<std::string> hash_password(std::string_view password);
// Whether `password` matches `hash`. With no hash (no such user), a
// verification against a fixed hash is still done, so that the time taken
// does not tell which user names exist.
bool verify_password(std::optional<std::string> const& hash, std::string_view password);

// REST API bearer tokens: 256 random bits, "x4gw_" and base64url; the
// database keeps only their SHA-256 digest (hex).
std::string new_token();
std::string token_digest(std::string_view token);

} // namespace x400gw::gateway
