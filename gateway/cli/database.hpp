// gateway/cli/database.hpp
//
// The database of x400gwctl's commands with direct access (user, token):
// --database when given, else [database] conninfo of the configuration.
#pragma once

#include <optional>
#include <string>

namespace x400gw::cli {

// The conninfo, or nullopt with the reason already on stderr.
std::optional<std::string> database_conninfo(std::string const& config, std::string const& database);

} // namespace x400gw::cli
