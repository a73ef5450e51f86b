// gateway/password.cpp
#include "gateway/password.hpp"

#include <sodium.h>
#include <stringprep.h>

#include <cstdlib>
#include <memory>

#include <stdexcept>

namespace x400gw::gateway {
namespace {

void ready()
{
    static bool const ok = sodium_init() >= 0;
    if (!ok)
        throw std::runtime_error("libsodium cannot be initialised");
}

} // namespace

std::optional<std::string> saslprep(std::string_view in, bool stored)
{
    // The profile reads a C string: an input with a NUL (a prohibited
    // character anyway) has no prepared form.
    std::string const text(in);
    if (text.find('\0') != std::string::npos)
        return std::nullopt;
    char* out = nullptr;
    auto const flags = stored ? STRINGPREP_NO_UNASSIGNED : Stringprep_profile_flags{};
    if (stringprep_profile(text.c_str(), &out, "SASLprep", flags) != STRINGPREP_OK)
        return std::nullopt;
    std::unique_ptr<char, decltype(&std::free)> const owned(out, &std::free);
    return std::string(out);
}

std::optional<std::string> hash_password(std::string_view password)
{
    ready();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return std::nullopt;
    return std::string(out);
}

bool verify_password(std::optional<std::string> const& hash, std::string_view password)
{
    ready();
    static std::string const decoy = hash_password("x400gw decoy password").value_or("");
    std::string const& h = hash ? *hash : decoy;
    bool const match = crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
    return hash && match;
}

std::string new_token()
{
    ready();
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    char text[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(text, sizeof text, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return std::string("x4gw_") + text;
}

std::string token_digest(std::string_view token)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<unsigned char const*>(token.data()), token.size());
    char hex[2 * sizeof digest + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

} // namespace x400gw::gateway
