// tests/fuzz/smtp_command_fuzz.cpp: command lines out of arbitrary octets
// (line_reader, split into odd pieces), each parsed into a command or a
// refusal. Promises: lines never exceed the limit, refusals carry a 5xx
// code with an enhanced status, accepted MAIL/RCPT paths re-parse, and
// the DSN parameters taken (RFC 3461) are printable ASCII that is passed
// on as it was understood: ENVID and ORCPT encode to xtext that decodes
// to them, NOTIFY re-parses to itself; an MT-PRIORITY (RFC 6710) taken is
// one of MAIL's, from -9 to 9.
#include "gateway/smtp/command.hpp"
#include "gateway/smtp/line_reader.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace smtp = x400gw::smtp;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    if (size == 0)
        return 0;
    std::size_t const piece = 1 + data[0] % 17;
    std::string_view input(reinterpret_cast<char const*>(data) + 1, size - 1);
    smtp::line_reader reader(512);
    std::string buffer;
    for (std::size_t i = 0; i < input.size(); i += piece) {
        buffer.append(input.substr(i, piece));
        for (;;) {
            auto step = reader.next(buffer);
            if (step.used > buffer.size())
                std::abort();
            if (step.state == smtp::line_reader::status::line) {
                if (step.line.size() > 511)
                    std::abort();
                auto parsed = smtp::parse_command(step.line);
                if (auto* r = std::get_if<smtp::reply>(&parsed)) {
                    if (r->code < 500 || r->code > 599 || r->status.empty())
                        std::abort();
                } else {
                    auto const& c = std::get<smtp::command>(parsed);
                    if ((c.what == smtp::verb::mail || c.what == smtp::verb::rcpt) && !c.path.null()) {
                        smtp::mailbox again;
                        if (smtp::parse_mailbox(c.path.render(), again) || again.render() != c.path.render())
                            std::abort();
                    }
                    for (char ch : c.envid + c.orcpt + c.notify + c.ret)
                        if (ch < ' ' || ch > '~')
                            std::abort();
                    if (!c.envid.empty() && smtp::decode_xtext(smtp::encode_xtext(c.envid)) != c.envid)
                        std::abort();
                    if (auto const semi = c.orcpt.find(';'); !c.orcpt.empty()) {
                        if (semi == std::string::npos ||
                            smtp::decode_xtext(smtp::encode_xtext(c.orcpt.substr(semi + 1))) != c.orcpt.substr(semi + 1))
                            std::abort();
                    }
                    if (c.priority && (*c.priority < -9 || *c.priority > 9 || c.what != smtp::verb::mail))
                        std::abort();
                    if (!c.notify.empty()) {
                        auto again = smtp::parse_command("RCPT TO:<a@b.example> NOTIFY=" + c.notify);
                        auto const* a = std::get_if<smtp::command>(&again);
                        if (!a || a->notify != c.notify)
                            std::abort();
                    }
                }
            }
            buffer.erase(0, step.used);
            if (step.used == 0)
                break;
        }
        if (buffer.size() > 512 + piece)
            std::abort();   // the reader must not let a line grow without bound
    }
    return 0;
}
