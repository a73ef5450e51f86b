// gateway/smtp/data_reader.cpp
#include "gateway/smtp/data_reader.hpp"

#include <cstring>

namespace x400gw::smtp {

void data_reader::keep(std::string& body, char const* p, std::size_t n)
{
    if (size_ + n <= max_)
        body.append(p, n);
    else if (size_ < max_)
        body.append(p, static_cast<std::size_t>(max_ - size_));
    size_ += n;
}

data_reader::step data_reader::feed(std::string_view bytes, std::string& body)
{
    char const* p = bytes.data();
    char const* const end = p + bytes.size();
    while (p < end) {
        switch (state_) {
        case state::in_line: {
            // The hot path: copy up to and including the next LF in one go.
            auto const* nl = static_cast<char const*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
            if (!nl) {
                keep(body, p, static_cast<std::size_t>(end - p));
                last_cr_ = end[-1] == '\r';
                p = end;
                break;
            }
            after_crlf_ = nl > p ? nl[-1] == '\r' : last_cr_;
            keep(body, p, static_cast<std::size_t>(nl - p) + 1);
            p = nl + 1;
            state_ = state::line_start;
            break;
        }
        case state::line_start:
            if (*p == '.') {
                ++p;
                state_ = state::after_dot;
            } else {
                last_cr_ = false;
                state_ = state::in_line;
            }
            break;
        case state::after_dot:
            if (*p == '\r') {
                ++p;
                state_ = state::after_dot_cr;
            } else if (*p == '\n') {
                // "." and a bare LF: content, never the end of data.
                ++p;
                keep(body, ".\n", 2);
                after_crlf_ = false;
                state_ = state::line_start;
            } else {
                last_cr_ = false;
                state_ = state::in_line;   // the stuffed dot is dropped
            }
            break;
        case state::after_dot_cr:
            if (*p == '\n') {
                ++p;
                state_ = state::line_start;
                if (after_crlf_)
                    return {status::done, static_cast<std::size_t>(p - bytes.data())};
                keep(body, ".\r\n", 3);   // after a bare LF: content
                after_crlf_ = true;
                break;
            }
            // ".\r" then something else: the line was "." CR ...: keep the CR.
            keep(body, "\r", 1);
            last_cr_ = true;
            state_ = state::in_line;
            break;
        }
    }
    return {status::need_more, bytes.size()};
}

} // namespace x400gw::smtp
