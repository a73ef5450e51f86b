// gateway/cli/user_commands.cpp
//
// x400gwctl user add NAME [--config FILE] [--database CONNINFO]
// x400gwctl user passwd NAME [--config FILE] [--database CONNINFO]
// x400gwctl user delete NAME [--config FILE] [--database CONNINFO]
//
// SMTP AUTH users (RFC 4954), stored as Argon2id hashes in the gateway's
// database, written directly (no running gateway needed; every gateway on
// the database sees the change at the next AUTH). The password is read
// from the terminal without echo, twice, or else as the first line of
// standard input; never from the command line, where ps would show it.
// Exit 0 done, 1 refused (the reason on stderr), 2 usage error.
#include "gateway/cli/commands.hpp"
#include "gateway/cli/database.hpp"

#include "db/store.hpp"
#include "gateway/config/config.hpp"
#include "gateway/password.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace x400gw::cli {
namespace {

struct user_options {
    std::string name;
    std::string config = "/etc/x400gw/x400gw.conf";
    std::string database;
};

// One line of standard input, without its line end.
std::optional<std::string> read_line_from_stdin()
{
    std::string line;
    if (!std::getline(std::cin, line) && line.empty())
        return std::nullopt;
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    return line;
}

std::optional<std::string> prompt_without_echo(char const* prompt)
{
    std::fprintf(stderr, "%s", prompt);
    termios saved{};
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    auto line = read_line_from_stdin();
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
    return line;
}

std::optional<std::string> read_password()
{
    if (!isatty(STDIN_FILENO))
        return read_line_from_stdin();
    auto first = prompt_without_echo("Password: ");
    auto again = prompt_without_echo("Password again: ");
    if (!first || !again)
        return std::nullopt;
    if (*first != *again) {
        std::fprintf(stderr, "x400gwctl: the passwords differ\n");
        return std::nullopt;
    }
    return first;
}

bool valid_name(std::string const& name)
{
    if (name.empty() || name.size() > 255)
        return false;
    for (unsigned char c : name)
        if (c <= ' ' || c == 127)
            return false;
    return true;
}

enum class action { add, passwd, remove };

int run(user_options const& o, action a)
{
    // Names and passwords are kept in their SASLprep form (RFC 4013), the
    // form AUTH compares (RFC 4616 5): a name given otherwise is found as
    // given too, as stored before.
    auto const prepared_name = gateway::saslprep(o.name, a == action::add);
    if (!prepared_name) {
        std::fprintf(stderr, "x400gwctl: user name is not UTF-8 or has a character SASLprep (RFC 4013) prohibits\n");
        return 1;
    }
    std::string const& name = *prepared_name;
    if (!valid_name(name)) {
        std::fprintf(stderr, "x400gwctl: user name must be 1 to 255 octets without spaces or control characters\n");
        return 1;
    }
    auto info = database_conninfo(o.config, o.database);
    if (!info)
        return 1;
    std::optional<std::string> hash;
    if (a != action::remove) {
        auto password = read_password();
        if (!password || password->empty()) {
            std::fprintf(stderr, "x400gwctl: no password given\n");
            return 1;
        }
        auto prepared = gateway::saslprep(*password, true);
        password->assign(password->size(), '\0');
        if (!prepared) {
            std::fprintf(stderr, "x400gwctl: the password is not UTF-8 or has a character SASLprep (RFC 4013) "
                                 "prohibits (a control character, an unassigned code point)\n");
            return 1;
        }
        if (prepared->empty()) {
            std::fprintf(stderr, "x400gwctl: the password is empty in its SASLprep (RFC 4013) form\n");
            return 1;
        }
        hash = gateway::hash_password(*prepared);
        prepared->assign(prepared->size(), '\0');
        if (!hash) {
            std::fprintf(stderr, "x400gwctl: cannot hash the password (out of memory)\n");
            return 1;
        }
    }
    try {
        db::connection c(*info);
        db::apply_migrations(c);
        switch (a) {
        case action::add:
            if (!db::user_add(c, name, *hash)) {
                std::fprintf(stderr, "x400gwctl: user %s exists (use user passwd)\n", name.c_str());
                return 1;
            }
            std::printf("user %s added\n", name.c_str());
            break;
        case action::passwd:
            if (!db::user_passwd(c, name, *hash) && (name == o.name || !db::user_passwd(c, o.name, *hash))) {
                std::fprintf(stderr, "x400gwctl: no user %s\n", o.name.c_str());
                return 1;
            }
            std::printf("password of user %s changed\n", o.name.c_str());
            break;
        case action::remove:
            if (!db::user_delete(c, name) && (name == o.name || !db::user_delete(c, o.name))) {
                std::fprintf(stderr, "x400gwctl: no user %s\n", o.name.c_str());
                return 1;
            }
            std::printf("user %s deleted\n", o.name.c_str());
            break;
        }
    } catch (std::exception const& e) {
        std::fprintf(stderr, "x400gwctl: database: %s\n", e.what());
        return 1;
    }
    return 0;
}

} // namespace

void add_user_commands(CLI::App& app, int& status)
{
    auto opts = std::make_shared<user_options>();
    auto* user = app.add_subcommand("user", "SMTP AUTH users in the gateway's database");
    user->require_subcommand(1);
    auto add = [&](char const* name, char const* help, action a) {
        auto* sub = user->add_subcommand(name, help);
        sub->add_option("NAME", opts->name, "User name (the AUTH identity)")->required();
        sub->add_option("-c,--config", opts->config, "Configuration file whose [database] conninfo to use");
        sub->add_option("--database", opts->database, "libpq connection string; overrides the configuration");
        sub->callback([opts, a, &status] { status = run(*opts, a); });
    };
    add("add", "Add a user; the password is read from the terminal or standard input", action::add);
    add("passwd", "Change a user's password, read from the terminal or standard input", action::passwd);
    add("delete", "Delete a user", action::remove);
}

} // namespace x400gw::cli
