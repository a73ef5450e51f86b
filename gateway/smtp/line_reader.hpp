// gateway/smtp/line_reader.hpp
//
// Command lines out of a byte stream, RFC 5321 sections 2.3.8 and 4.5.3.1.4.
// Sans-I/O. A line ends at LF; a CR before it is dropped (a bare LF is
// tolerated, as every deployed server does). A line longer than the limit
// is reported once as too_long and its rest is skipped up to its LF, so the
// session can answer 500 5.5.2 and stay in step with the client.
#pragma once

#include <string_view>

namespace x400gw::smtp {

class line_reader {
public:
    enum class status { need_more, line, too_long };
    struct step {
        status state;
        std::size_t used;        // octets to drop from the front of the input; need_more
                                 // with used > 0 means: drop them and call again
        std::string_view line;   // with status::line: the line without CR LF, a view into the input
    };

    // max_line counts the CR LF, as RFC 5321 4.5.3.1.4 does (512).
    explicit line_reader(std::size_t max_line = 512) noexcept : max_(max_line) {}

    // `input` is everything buffered and not yet dropped: the reader does not
    // copy, so an unfinished line stays in the caller's buffer, and the reader
    // remembers how far it already looked so that a line arriving one octet
    // at a time is scanned once.
    step next(std::string_view input) noexcept;

private:
    std::size_t max_;
    std::size_t scanned_ = 0;
    bool skipping_ = false;
};

} // namespace x400gw::smtp
