// tests/fuzz/smtp_session_fuzz.cpp: whole client transcripts through the
// pure session rules, as the session coroutine drives them (line_reader,
// parse_command, check_command, advance), every accepted command answered
// as if its effect succeeded. Promises:
//  - no transcript produces a header line from client input: the Received:
//    field rendered from the client's EHLO domain and recipient has exactly
//    its own lines (a first line starting "Received:", continuations
//    starting with a tab), and every recipient and reverse path accepted is
//    header_safe;
//  - every reply is well-formed on the wire: lines "ddd-" / "ddd ", code
//    2xx-5xx, an enhanced status whose class matches the code, no CR or LF
//    inside a line;
//  - the rules' state stays consistent with the transaction (no recipients
//    outside one; BDAT only after a recipient).
#include "gateway/smtp/command.hpp"
#include "gateway/smtp/line_reader.hpp"
#include "gateway/smtp/server_rules.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace smtp = x400gw::smtp;

namespace {

void check_reply(smtp::reply const& r)
{
    if (r.code < 200 || r.code > 599)
        std::abort();
    if (!r.status.empty() && r.status.cls != r.code / 100)
        std::abort();
    auto const wire = r.render();
    if (wire.size() < 6 || !wire.ends_with("\r\n"))
        std::abort();
    std::string_view rest = wire;
    while (!rest.empty()) {
        auto const end = rest.find("\r\n");
        if (end == std::string_view::npos)
            std::abort();
        auto const line = rest.substr(0, end);
        if (line.size() < 4 || line.substr(0, 3) != std::to_string(r.code) || (line[3] != ' ' && line[3] != '-'))
            std::abort();
        if (line.find_first_of("\r\n") != std::string_view::npos)
            std::abort();
        rest.remove_prefix(end + 2);
    }
}

void check_received(std::string const& helo, std::string const& rcpt)
{
    smtp::received_info info;
    info.helo = helo;
    info.peer_address = "192.0.2.1";
    info.by = "gw.example";
    info.esmtp = true;
    info.id = "1000000401";
    info.for_recipient = rcpt;
    info.date = "Fri, 04 Dec 2026 12:00:00 +0000";
    auto const h = smtp::render_received(info);
    std::string_view rest = h;
    bool first = true;
    while (!rest.empty()) {
        auto const end = rest.find("\r\n");
        if (end == std::string_view::npos)
            std::abort();
        auto const line = rest.substr(0, end);
        if (first ? !line.starts_with("Received: ") : !line.starts_with("\t"))
            std::abort();
        if (line.find_first_of("\r\n") != std::string_view::npos)
            std::abort();
        first = false;
        rest.remove_prefix(end + 2);
    }
    // The client's own text came through whole: it needed no '?'.
    if (smtp::header_safe(helo) && h.find(helo) == std::string::npos)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    if (size < 2)
        return 0;
    smtp::server_policy policy;
    policy.recipients = 1 + data[0] % 8;
    policy.message_size = 1000;
    policy.tls_offered = data[1] & 1;
    policy.require_tls = data[1] & 2;
    std::string_view input(reinterpret_cast<char const*>(data) + 2, size - 2);
    smtp::line_reader reader(512);
    smtp::session_state state;
    std::string helo = "client.example";
    std::string buffer(input);
    std::string_view rest = buffer;
    for (int guard = 0; guard < 10000 && !rest.empty(); ++guard) {
        auto step = reader.next(rest);
        if (step.used > rest.size())
            std::abort();
        if (step.state == smtp::line_reader::status::too_long) {
            rest.remove_prefix(step.used);
            continue;
        }
        if (step.state != smtp::line_reader::status::line)
            break;
        std::string const line(step.line);
        rest.remove_prefix(step.used);
        auto parsed = smtp::parse_command(line);
        if (auto* refusal = std::get_if<smtp::reply>(&parsed)) {
            check_reply(*refusal);
            if (!refusal->permanent())
                std::abort();
            continue;
        }
        auto const& cmd = std::get<smtp::command>(parsed);
        smtp::reply answer;
        if (cmd.what == smtp::verb::bdat) {
            auto refused = smtp::check_bdat(state);
            answer = refused ? *refused : smtp::reply{250, {2, 0, 0}, "Ok"};
        } else if (auto refused = smtp::check_command(state, cmd, policy)) {
            answer = *refused;
        } else {
            switch (cmd.what) {
            case smtp::verb::ehlo:
            case smtp::verb::helo:
                helo = cmd.argument;
                if (!smtp::header_safe(helo))
                    std::abort();
                break;
            case smtp::verb::mail:
            case smtp::verb::rcpt:
                if (!smtp::header_safe(cmd.path.render()))
                    std::abort();
                if (cmd.what == smtp::verb::rcpt)
                    check_received(helo, cmd.path.render());
                break;
            default:
                break;
            }
            answer = cmd.what == smtp::verb::data       ? smtp::replies::start_data()
                     : cmd.what == smtp::verb::starttls ? smtp::reply{220, {2, 0, 0}, "Ready to start TLS"}
                                                        : smtp::replies::ok();
        }
        check_reply(answer);
        bool const was_in_transaction = state.in_transaction;
        smtp::advance(state, cmd, answer);
        if (cmd.what == smtp::verb::data && answer.code == 354)
            smtp::end_transaction(state);   // the body and its final reply
        if (!state.in_transaction && (state.recipients != 0 || state.bdat))
            std::abort();
        if (state.bdat && state.recipients == 0)
            std::abort();
        if (cmd.what == smtp::verb::rcpt && answer.positive() && !was_in_transaction)
            std::abort();
    }
    return 0;
}
