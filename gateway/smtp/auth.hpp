// gateway/smtp/auth.hpp
//
// SMTP AUTH (RFC 4954) as the server sees it, sans-I/O: the AUTH command's
// argument and the client's responses become credentials, a challenge to
// send, or a refusal. Mechanisms PLAIN (RFC 4616) and LOGIN (the
// draft-murchison-sasl-login exchange every client still speaks). The
// password never leaves this exchange except inside `credentials`, and is
// never part of a reply or of `why`.
//
//   auth-command = "AUTH" SP sasl-mech [SP initial-response]
//   initial-response = base64 / "="
//   continue-req = "334" SP [base64] CRLF
//   client-resp  = base64 / "*"          ("*" cancels: 501)
//   PLAIN message = [authzid] UTF8NUL authcid UTF8NUL passwd
#pragma once

#include "gateway/smtp/reply.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace x400gw::smtp {

struct credentials {
    std::string user;        // the authentication identity (authcid)
    std::string password;
    std::string mechanism;   // "PLAIN" or "LOGIN", for logs
};

// Strict base64 (RFC 4648 4, padding required): nullopt when malformed.
std::optional<std::string> decode_base64(std::string_view text);
std::string encode_base64(std::string_view octets);

class auth_exchange {
public:
    using step = std::variant<credentials, reply>;   // a 334 challenge, or a refusal (5xx)

    // `argument` is what follows "AUTH ": the mechanism and perhaps an
    // initial response.
    step start(std::string_view argument);
    // One client line in answer to a 334.
    step respond(std::string_view line);

private:
    step plain(std::string_view base64);
    enum class state { idle, plain_wait, login_user, login_password } state_ = state::idle;
    std::string user_;
};

} // namespace x400gw::smtp
