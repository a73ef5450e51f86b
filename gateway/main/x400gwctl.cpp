// gateway/main/x400gwctl.cpp
//
// x400gwctl: the administrator's command-line tool. Thin: each group of
// subcommands lives in gateway/cli/. Exit status: 0 success, 1 refused
// (the reason on stderr), 2 usage error.
#include "gateway/cli/commands.hpp"

#include <iostream>

int main(int argc, char** argv)
{
    CLI::App app{"x400gwctl: administer an x400gw mail gateway"};
    app.require_subcommand(1);
    int status = 0;
    x400gw::cli::add_address_commands(app, status);
    x400gw::cli::add_mime_commands(app, status);
    x400gw::cli::add_user_commands(app, status);
    x400gw::cli::add_queue_commands(app, status);
    x400gw::cli::add_config_commands(app, status);
    x400gw::cli::add_x400_commands(app, status);
    try {
        app.parse(argc, argv);
    } catch (CLI::CallForHelp const& e) {
        return app.exit(e);
    } catch (CLI::CallForAllHelp const& e) {
        return app.exit(e);
    } catch (CLI::ParseError const& e) {
        // CLI11 has its own exit codes; the contract is 2 for any usage error.
        app.exit(e);
        return 2;
    }
    return status;
}
