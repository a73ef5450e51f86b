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
// A bare LF ends a line here too (".\n" ends the data), as deployed servers
// accept it. Body octets beyond `max_size` are counted but not kept, so the
// session can answer 552 after reading to the end instead of dropping the
// connection.
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
};

} // namespace x400gw::smtp
