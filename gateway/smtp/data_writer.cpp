// gateway/smtp/data_writer.cpp
#include "gateway/smtp/data_writer.hpp"

#include <algorithm>

namespace x400gw::smtp {

std::string stuff_body(std::string_view body)
{
    std::string out;
    out.reserve(body.size() + body.size() / 64 + 8);
    bool line_start = true;
    for (std::size_t i = 0; i < body.size(); ++i) {
        char const c = body[i];
        if (line_start && c == '.')
            out += '.';
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < body.size() && body[i + 1] == '\n')
                ++i;
            line_start = true;
        } else if (c == '\n') {
            out += "\r\n";
            line_start = true;
        } else {
            // Copy the rest of the line in one go.
            auto const end = body.find_first_of("\r\n", i);
            auto const n = (end == std::string_view::npos ? body.size() : end) - i;
            out.append(body.substr(i, n));
            i += n - 1;
            line_start = false;
        }
    }
    if (!line_start)
        out += "\r\n";
    out += ".\r\n";
    return out;
}

bool sendable_as_is(std::string_view body) noexcept
{
    if (!body.ends_with("\r\n") || body.front() == '.')
        return false;
    // Every LF after a CR, and as many CRs as LFs: then every CR is the
    // one before an LF, so there is no bare CR either.
    std::size_t lines = 0;
    for (auto lf = body.find('\n'); lf != std::string_view::npos; lf = body.find('\n', lf + 1)) {
        if (lf == 0 || body[lf - 1] != '\r' || (lf + 1 < body.size() && body[lf + 1] == '.'))
            return false;
        ++lines;
    }
    return static_cast<std::size_t>(std::count(body.begin(), body.end(), '\r')) == lines;
}

} // namespace x400gw::smtp
