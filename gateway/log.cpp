// gateway/log.cpp
#include "gateway/log.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <unistd.h>

namespace x400gw::gateway {
namespace {
bool const under_journal = std::getenv("JOURNAL_STREAM") != nullptr;
}

void log_line(level l, std::string_view id, std::string_view text)
{
    std::string line;
    line.reserve(text.size() + id.size() + 48);
    if (!under_journal) {
        auto const now = std::chrono::system_clock::now();
        auto const t = std::chrono::system_clock::to_time_t(now);
        auto const ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
        std::tm tm{};
        gmtime_r(&t, &tm);
        char buf[96];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
        line += buf;
    }
    if (l == level::warning)
        line += "warning: ";
    else if (l == level::error)
        line += "error: ";
    line += id;
    line += ' ';
    line += text;
    line += '\n';
    // One write: lines from several threads do not interleave.
    auto rc = ::write(2, line.data(), line.size());
    (void)rc;
}

std::function<void(std::exception_ptr)> report_exceptions(std::string what, bool fatal)
{
    return [what = std::move(what), fatal](std::exception_ptr e) {
        if (!e)
            return;
        try {
            std::rethrow_exception(e);
        } catch (std::exception const& x) {
            fail(what, std::string("unexpected exception: ") + x.what());
        } catch (...) {
            fail(what, "unexpected exception");
        }
        if (fatal)
            std::abort();
    };
}

std::string printable(std::string_view text, std::size_t max)
{
    std::string out;
    for (unsigned char c : text.substr(0, max)) {
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        }
    }
    if (text.size() > max)
        out += "...";
    return out;
}

} // namespace x400gw::gateway
