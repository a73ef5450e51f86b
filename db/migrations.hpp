// db/migrations.hpp: the SQL files of db/migrations/, compiled in.
#pragma once

#include <span>
#include <string_view>

namespace x400gw::db {

struct migration {
    int version;             // from V###__name.sql
    std::string_view name;
    std::string_view sql;
};

std::span<migration const> migrations();   // in version order

} // namespace x400gw::db
