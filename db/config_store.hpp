// db/config_store.hpp
//
// Routes and mapping tables as the database keeps them (V006): plain
// values in and out, like admin.hpp. Changes run inside a transaction
// (transaction_scope) that first takes the object's lock (lock_config),
// then changes it, then raises its version (bump_config), which is what
// every gateway process polls.
#pragma once

#include "db/connection.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace x400gw::db {

struct route_row {
    std::string domain, host;
    int port = 25;
    std::string tls = "may", tls_name, tls_ca_file;
    bool tls_fallback = false;
};

// "routes" and each table kind ("or-to-domain", ...) to its version.
std::map<std::string, std::int64_t> config_versions(connection& c);
std::vector<route_row> load_routes(connection& c);
// The table's text, or nullopt when the database holds no table of that kind.
std::optional<std::string> load_table(connection& c, std::string_view kind);

// Inside a transaction: takes the lock of `what` (held to the commit, which
// is synchronous whatever the connection's setting) and returns its version.
std::int64_t lock_config(connection& c, std::string_view what);
// Raises the version of `what`; returns the new one.
std::int64_t bump_config(connection& c, std::string_view what);
void upsert_route(connection& c, route_row const& r);
bool delete_route(connection& c, std::string_view domain);
void replace_routes(connection& c, std::vector<route_row> const& routes);
void store_table(connection& c, std::string_view kind, std::string_view body, std::size_t entries);

} // namespace x400gw::db
