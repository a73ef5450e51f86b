// gateway/cli/database.cpp
#include "gateway/cli/database.hpp"

#include "gateway/config/config.hpp"

#include <cstdio>

namespace x400gw::cli {

std::optional<std::string> database_conninfo(std::string const& config, std::string const& database)
{
    if (!database.empty())
        return database;
    try {
        auto cfg = gateway::load_config(config);
        if (!cfg.database.empty())
            return cfg.database;
        std::fprintf(stderr, "x400gwctl: %s names no database: pass --database\n", config.c_str());
    } catch (std::exception const& e) {
        std::fprintf(stderr, "x400gwctl: %s\n", e.what());
    }
    return std::nullopt;
}

} // namespace x400gw::cli
