// gateway/smtp/reply_parser.cpp
#include "gateway/smtp/reply_parser.hpp"

#include <cstring>

namespace x400gw::smtp {

void reply_parser::reset()
{
    total_ = 0;
    line_.clear();
    code_ = 0;
    done_ = false;
    reply_ = {};
    why_.clear();
}

reply reply_parser::take()
{
    reply out = std::move(reply_);
    reset();
    return out;
}

reply_parser::step reply_parser::feed(std::string_view bytes)
{
    if (!why_.empty())
        return {status::malformed, 0};
    if (done_)
        return {status::done, 0};
    std::size_t used = 0;
    while (used < bytes.size()) {
        auto const* start = bytes.data() + used;
        auto const left = bytes.size() - used;
        auto const* nl = static_cast<char const*>(std::memchr(start, '\n', left));
        std::size_t const take = nl ? static_cast<std::size_t>(nl - start) + 1 : left;
        total_ += take;
        if (total_ > max_) {
            why_ = "reply longer than " + std::to_string(max_) + " octets";
            return {status::malformed, used + take};
        }
        line_.append(start, nl ? take - 1 : take);
        used += take;
        if (!nl)
            break;
        if (!line_.empty() && line_.back() == '\r')
            line_.pop_back();
        if (!finish_line())
            return {status::malformed, used};
        if (done_)
            return {status::done, used};
    }
    return {status::need_more, used};
}

bool reply_parser::finish_line()
{
    std::string_view line = line_;
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    // Reply-code = %x32-35 %x30-35 %x30-39 (RFC 5321 4.2); we accept any
    // three digits with a first digit 2-5 and judge the rest by class.
    if (line.size() < 3 || !digit(line[0]) || !digit(line[1]) || !digit(line[2]) || line[0] < '2' ||
        line[0] > '5') {
        why_ = "reply line does not start with a reply code";
        return false;
    }
    int const code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (code_ != 0 && code != code_) {
        why_ = "multi-line reply changes its code from " + std::to_string(code_) + " to " + std::to_string(code);
        return false;
    }
    code_ = code;
    bool last = true;
    std::string_view text;
    if (line.size() > 3) {
        if (line[3] == '-')
            last = false;
        else if (line[3] != ' ') {
            why_ = "reply code not followed by space or hyphen";
            return false;
        }
        text = line.substr(4);
    }
    // RFC 2034: each line repeats the enhanced status; keep it once.
    auto [status, len] = parse_enhanced_status(text);
    if (len != 0) {
        if (reply_.status.empty())
            reply_.status = status;
        text.remove_prefix(len);
        if (!text.empty() && text.front() == ' ')
            text.remove_prefix(1);
    }
    if (reply_.code != 0)
        reply_.text.push_back('\n');
    reply_.code = code;
    reply_.text.append(text);
    line_.clear();
    done_ = last;
    return true;
}

} // namespace x400gw::smtp
