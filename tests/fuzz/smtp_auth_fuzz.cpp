// tests/fuzz/smtp_auth_fuzz.cpp: SMTP AUTH exchanges out of arbitrary
// octets (the AUTH argument, then client lines), and the AUTH rows of the
// session rules. Promises: every reply is a 334 challenge or a 5xx
// refusal, well-formed, and never carries the password; credentials have a
// user; a PLAIN password holds no NUL; base64 decodes what it encodes; the
// rules refuse AUTH outside TLS (538), twice, or in a transaction.
#include "gateway/smtp/auth.hpp"
#include "gateway/smtp/server_rules.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace smtp = x400gw::smtp;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view input(reinterpret_cast<char const*>(data), size);
    std::string const raw(input.substr(0, 64));
    if (smtp::decode_base64(smtp::encode_base64(raw)) != raw)
        std::abort();

    // The rules: AUTH is for a TLS session, once, outside a transaction.
    smtp::server_policy policy;
    policy.auth_offered = true;
    smtp::session_state s;
    s.greeted = true;
    smtp::command auth;
    auth.what = smtp::verb::auth;
    auth.argument = "PLAIN";
    auto r = smtp::check_command(s, auth, policy);
    if (!r || r->code != 538)
        std::abort();
    s.tls = true;
    if (smtp::check_command(s, auth, policy))
        std::abort();
    s.in_transaction = true;
    if (!smtp::check_command(s, auth, policy))
        std::abort();
    s.in_transaction = false;
    s.authenticated = true;
    if (!smtp::check_command(s, auth, policy))
        std::abort();

    // The exchange: lines separated by LF.
    smtp::auth_exchange exchange;
    auto const nl = input.find('\n');
    auto step = exchange.start(input.substr(0, nl));
    input = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
    for (int guard = 0; guard < 16; ++guard) {
        if (auto* c = std::get_if<smtp::credentials>(&step)) {
            if (c->user.empty())
                std::abort();
            if (c->mechanism == "PLAIN" && c->password.find('\0') != std::string::npos)
                std::abort();
            break;
        }
        auto const& reply = std::get<smtp::reply>(step);
        if (reply.code != 334 && reply.code / 100 != 5)
            std::abort();
        if (reply.code != 334)
            break;
        auto const line_end = input.find('\n');
        auto const line = input.substr(0, line_end);
        step = exchange.respond(line);
        input = line_end == std::string_view::npos ? std::string_view{} : input.substr(line_end + 1);
        if (auto* refused = std::get_if<smtp::reply>(&step); refused && refused->code != 334) {
            // A refusal never quotes what the client sent: its text is one of ours.
            if (refused->text != "Malformed authentication data" && refused->text != "Authentication cancelled")
                std::abort();
        }
    }
    return 0;
}
