// gateway/log.hpp
//
// One line per event: the subject id first (a session id such as S7QK2A or
// a queue id), then key=value pairs in a fixed order, then free text in
// parentheses (Postfix's delivery-line shape, which administrators already
// grep). Lines go to standard error in one write each, so lines from
// several threads never interleave; under systemd the journal adds the
// time stamp, elsewhere we do.
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <string_view>

namespace x400gw::gateway {

enum class level { info, warning, error };

void log_line(level l, std::string_view id, std::string_view text);
inline void log(std::string_view id, std::string_view text) { log_line(level::info, id, text); }
inline void warn(std::string_view id, std::string_view text) { log_line(level::warning, id, text); }
inline void fail(std::string_view id, std::string_view text) { log_line(level::error, id, text); }

// The completion handler for a detached coroutine: an exception that
// escaped it is logged under `what` (a session's end: the others go on);
// with `fatal`, the process then aborts, because shared state (scheduler,
// listener) is suspect and a restart is safe (leases, commit-before-250).
std::function<void(std::exception_ptr)> report_exceptions(std::string what, bool fatal = false);

// Peer-supplied text made safe for a log line: printable ASCII only
// (others as \xNN), at most `max` octets.
std::string printable(std::string_view text, std::size_t max = 200);

} // namespace x400gw::gateway
