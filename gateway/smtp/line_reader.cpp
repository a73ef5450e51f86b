// gateway/smtp/line_reader.cpp
#include "gateway/smtp/line_reader.hpp"

#include <cstring>

namespace x400gw::smtp {

line_reader::step line_reader::next(std::string_view input) noexcept
{
    if (scanned_ > input.size())
        scanned_ = 0;   // the caller dropped octets we had looked at: look again
    if (input.size() == scanned_)
        return {status::need_more, 0, {}};   // nothing new (memchr must not see a null pointer)
    auto const* from = input.data() + scanned_;
    auto const* nl = static_cast<char const*>(std::memchr(from, '\n', input.size() - scanned_));
    if (!nl) {
        if (skipping_) {
            scanned_ = 0;
            return {status::need_more, input.size(), {}};
        }
        scanned_ = input.size();
        if (input.size() >= max_) {
            // No LF within the limit: report now, skip the rest as it comes.
            skipping_ = true;
            scanned_ = 0;
            return {status::too_long, input.size(), {}};
        }
        return {status::need_more, 0, {}};
    }
    std::size_t const end = static_cast<std::size_t>(nl - input.data());
    scanned_ = 0;
    if (skipping_) {
        // The end of an over-long line: drop it; the caller calls again.
        skipping_ = false;
        return {status::need_more, end + 1, {}};
    }
    if (end + 1 > max_)
        return {status::too_long, end + 1, {}};
    std::size_t len = end;
    if (len > 0 && input[len - 1] == '\r')
        --len;
    return {status::line, end + 1, input.substr(0, len)};
}

} // namespace x400gw::smtp
