#include "gateway/cli/commands.hpp"

namespace x400gw::cli {

void add_mime_commands(CLI::App& app, int& status)
{
    (void)app;
    (void)status;
}

} // namespace x400gw::cli
