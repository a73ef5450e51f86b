// gateway/smtp/data_reader.hpp
//
// The DATA phase, RFC 5321 sections 4.1.1.4 and 4.5.2. Sans-I/O.
//
//   the body ends at CRLF "." CRLF; a line starting with "." has it
//   removed (dot-unstuffing, 4.5.2)
//
// Its states (at the start of a line, inside a line, after a "." at the
// start of a line, after that "." and a CR) survive any segment
// boundary, so a message sent one octet per write and one whose end of data
// shares a segment with the next pipelined commands read the same. The
// octets after the end of data are left unconsumed for the command reader.
//
// Only CRLF "." CRLF, exactly as received, ends the data (4.1.1.4). A bare
// LF still ends a line for dot-unstuffing, but "\n.\r\n", "\r\n.\n" and
// "\n.\n" are body content: reading any of them as the end would let a
// sender's upstream MTA that passes them through smuggle a second message
// past it ("SMTP smuggling", CVE-2023-51764 in Postfix). The body keeps line
// ends as received; delivery sends every line end as CRLF.
//
// Body octets beyond `max_size` are counted but not kept, so the session can
// answer 552 after reading to the end instead of dropping the connection.
#pragma once

#include <cstdint>
#include <string_view>
#include <string>

namespace x400gw::smtp {

class data_reader {
public:
    enum class status { need_more, done };
    struct step {
        status state;
        std::size_t used;
    };

    explicit data_reader(std::uint64_t max_size) noexcept : max_(max_size) {}

    // Appends the unstuffed body to `body` (line ends as received).
    step feed(std::string_view bytes, std::string& body);

    std::uint64_t size() const noexcept { return size_; }       // unstuffed octets seen
    bool too_big() const noexcept { return size_ > max_; }

private:
    enum class state { line_start, in_line, after_dot, after_dot_cr };
    void keep(std::string& body, char const* p, std::size_t n);

    std::uint64_t max_;
    std::uint64_t size_ = 0;
    state state_ = state::line_start;
    bool after_crlf_ = true;   // the current line began after CRLF (or is the first)
    bool last_cr_ = false;     // in_line: the last octet read was CR
};

} // namespace x400gw::smtp
