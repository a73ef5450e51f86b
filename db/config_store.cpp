// db/config_store.cpp
#include "db/config_store.hpp"

#include <array>

namespace x400gw::db {

std::map<std::string, std::int64_t> config_versions(connection& c)
{
    auto r = c.exec(statements::config_versions, {});
    std::map<std::string, std::int64_t> out;
    for (int i = 0; i < r.rows(); ++i)
        out[std::string(r.get(i, 0))] = r.get_int(i, 1);
    return out;
}

std::vector<route_row> load_routes(connection& c)
{
    auto r = c.exec(statements::load_routes, {});
    std::vector<route_row> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(route_row{std::string(r.get(i, 0)), std::string(r.get(i, 1)), static_cast<int>(r.get_int(i, 2)),
                                std::string(r.get(i, 3)), std::string(r.get(i, 4)), std::string(r.get(i, 5)),
                                r.get(i, 6) == "t"});
    return out;
}

std::optional<std::string> load_table(connection& c, std::string_view kind)
{
    auto r = c.exec(statements::load_table, {{kind}});
    if (r.rows() == 0)
        return std::nullopt;
    return std::string(r.get(0, 0));
}

std::int64_t lock_config(connection& c, std::string_view what)
{
    auto r = c.exec(statements::lock_config, {{what}});
    if (r.rows() != 1)
        throw error("lock_config", "XX000", "no configuration object '" + std::string(what) + "'");
    return r.get_int(0, 0);
}

std::int64_t bump_config(connection& c, std::string_view what)
{
    return c.exec(statements::bump_config, {{what}}).get_int(0, 0);
}

void upsert_route(connection& c, route_row const& r)
{
    auto const port = std::to_string(r.port);
    (void)c.exec(statements::upsert_route, {{r.domain},
                                            {r.host},
                                            {port},
                                            {r.tls},
                                            {r.tls_name},
                                            {r.tls_ca_file},
                                            {r.tls_fallback ? "true" : "false"}});
}

bool delete_route(connection& c, std::string_view domain)
{
    return c.exec(statements::delete_route, {{domain}}).affected() > 0;
}

void replace_routes(connection& c, std::vector<route_row> const& routes)
{
    (void)c.exec(statements::delete_routes, {});
    if (routes.empty())
        return;
    std::array<std::vector<std::string>, 7> columns;
    for (auto const& r : routes) {
        columns[0].push_back(r.domain);
        columns[1].push_back(r.host);
        columns[2].push_back(std::to_string(r.port));
        columns[3].push_back(r.tls);
        columns[4].push_back(r.tls_name);
        columns[5].push_back(r.tls_ca_file);
        columns[6].push_back(r.tls_fallback ? "true" : "false");
    }
    std::array<std::string, 7> arrays;
    for (std::size_t i = 0; i < arrays.size(); ++i)
        arrays[i] = render_text_array(columns[i]);
    (void)c.exec(statements::insert_routes,
                 {{arrays[0]}, {arrays[1]}, {arrays[2]}, {arrays[3]}, {arrays[4]}, {arrays[5]}, {arrays[6]}});
}

void store_table(connection& c, std::string_view kind, std::string_view body, std::size_t entries)
{
    auto const n = std::to_string(entries);
    (void)c.exec(statements::store_table, {{kind}, {body}, {n}});
}

} // namespace x400gw::db
