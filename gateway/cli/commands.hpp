// gateway/cli/commands.hpp
//
// The subcommands of x400gwctl, one add_* function per group. Each adds its
// subcommands to `app`; the callback of the subcommand that runs stores the
// process exit status in `status` (0 ok, 1 refused, 2 usage error).
// Offline groups (address, mime) need no running server.
#pragma once

#include <CLI/CLI.hpp>

namespace x400gw::cli {

void add_address_commands(CLI::App& app, int& status);
void add_mime_commands(CLI::App& app, int& status);
void add_x400_commands(CLI::App& app, int& status);
// With direct database access.
void add_user_commands(CLI::App& app, int& status);
// queue and summary on the REST API of a running gateway; token with
// direct database access.
void add_queue_commands(CLI::App& app, int& status);
// routes ..., tables ... (gateway/cli/config_commands.cpp): through the REST API.
void add_config_commands(CLI::App& app, int& status);

} // namespace x400gw::cli
