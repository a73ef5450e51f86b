// addressing/text_lines.hpp
//
// The lines of a file an administrator wrote (a MIXER table, a PX zone, a
// route file), read the same way wherever one is read: LF or CR LF line
// ends, and a UTF-8 byte order mark before the first line ignored, as
// editors on Windows write both. Line numbers count from 1, so that every
// reader names the line a person sees.
#pragma once

#include <cstddef>
#include <string_view>

namespace x400gw::addressing {

// `text` without the UTF-8 byte order mark an editor may have put first
// (also for the REST API's JSON bodies and x400gwctl's token file).
constexpr std::string_view without_bom(std::string_view text) noexcept
{
    return text.starts_with("\xEF\xBB\xBF") ? text.substr(3) : text;
}

class text_lines {
public:
    explicit text_lines(std::string_view text) noexcept : text_(without_bom(text)) {}

    // The next line, without its line end, in `line`; false after the last.
    bool next(std::string_view& line) noexcept
    {
        if (pos_ >= text_.size())
            return false;
        auto const nl = text_.find('\n', pos_);
        auto const end = nl == std::string_view::npos ? text_.size() : nl;
        line = text_.substr(pos_, end - pos_);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
        ++number_;
        return true;
    }

    // The number of the line `next` gave last.
    std::size_t number() const noexcept { return number_; }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t number_ = 0;
};

} // namespace x400gw::addressing
