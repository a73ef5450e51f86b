// gateway/smtp/reply_parser.hpp
//
// SMTP reply parser, RFC 5321 section 4.2. Sans-I/O.
//
//   Reply-line = *( Reply-code "-" [ textstring ] CRLF )
//                   Reply-code [ SP textstring ] CRLF
//
// Feed it bytes as they arrive, split anywhere; it keeps its place between
// calls, so a "354-" continuation that arrives seconds after its first line
// is just another feed(). (A famous MTA once treated the first line of a
// multi-line 354 as the whole reply and wrote the body into the rest.) It
// never touches a socket and never throws on what the peer sends: bad input
// is a result. A bare LF is accepted as a line end; a reply is never taken
// to end before its last line, whose fourth octet is a space or nothing.
#pragma once

#include "gateway/smtp/reply.hpp"

#include <string_view>
#include <string>
#include <vector>

namespace x400gw::smtp {

class reply_parser {
public:
    enum class status { need_more, done, malformed };
    struct step {
        status state;
        std::size_t used;   // octets consumed; on done, up to the end of the reply only
    };

    explicit reply_parser(std::size_t max_reply_bytes = 64 * 1024) noexcept : max_(max_reply_bytes) {}

    // Consumes octets of the reply. On need_more, `used` is all of `bytes`.
    // On done, the octets after the reply (a pipelined next reply) are left.
    // On malformed, the parser must be reset() before reuse.
    step feed(std::string_view bytes);

    // The reply, once, after status::done; the parser is then ready for the next.
    reply take();
    std::string_view why() const noexcept { return why_; }
    void reset();

private:
    bool finish_line();   // false: malformed

    std::size_t max_;
    std::size_t total_ = 0;
    std::string line_;
    int code_ = 0;
    bool done_ = false;
    reply reply_;
    std::string why_;
};

} // namespace x400gw::smtp
