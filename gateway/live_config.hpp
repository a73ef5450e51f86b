// gateway/live_config.hpp
//
// Routes and mapping tables as this process applies them: the
// configuration file's, with the database's in their place where the
// database holds some (a route per domain pattern, a table per kind), and
// the administration API's changes to the database's.
//
// Every process on one database applies a change within a poll interval
// ([database] config_poll): each change raises a version in config_version
// in the change's own transaction, and every process polls those versions
// and reloads what moved. A poll is one index scan of a five-row table;
// unlike LISTEN it needs no connection of its own and misses nothing
// across a reconnect. The process that made a change reloads before it
// answers, so its own API shows the change at once.
//
// Snapshots keep the mapper's rule: the tables are rebuilt off the I/O
// thread, checked whole, and swapped in one step (mapper::replace); routes
// are an immutable route_set swapped the same way. A database table that
// cannot be combined with this process's file tables (an MCGAM key also in
// a gateway table) leaves the old snapshot in place and is logged; a change
// through the API is checked against the combination before it commits.
#pragma once

#include "gateway/rest/api.hpp"
#include "gateway/routes.hpp"
#include "gateway/runtime.hpp"

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace x400gw::gateway {

enum class table_origin { none, file, database };

class live_config {
public:
    live_config(runtime& rt, addressing::mapper* mapper);

    // The file's side at start, before the I/O loop runs: its routes, and
    // its tables (when [addressing] is configured). Rebuilds the snapshots
    // at once, with the database's tables as last loaded. Returns why the
    // tables were refused (the old snapshot stays), or nothing.
    std::optional<std::string> set_file(std::vector<route> routes,
                                        std::optional<addressing::mapping_sources> tables);
    // The same at SIGHUP, with the tables indexed and combined on the CPU
    // pool: a table of 100,000 entries takes most of a second, which the
    // sessions on the I/O thread must not wait for.
    task<std::optional<std::string>> reload_file(std::vector<route> routes,
                                                 std::optional<addressing::mapping_sources> tables);
    // The first load from the database, before the I/O loop runs.
    void load_now(db::connection& c);
    // Polls the database until stop().
    task<void> run(std::chrono::milliseconds interval);
    void stop();
    // Loads what changed in the database now; refreshes are serialised,
    // and one asked for during another runs after it.
    task<void> refresh();

    std::shared_ptr<route_set const> routes() const noexcept { return routes_; }
    table_origin origin(addressing::table_kind k) const noexcept;
    bool has_tables() const noexcept { return mapper_ != nullptr; }
    std::shared_ptr<addressing::mapping_state const> tables() const;
    // The text of a table as the database holds it or, when it holds none,
    // as the file gave it (rendered); nullopt when there is no such table.
    task<std::optional<std::string>> table_text(addressing::table_kind k);
    // The database's routes as a route file.
    task<std::string> route_text();

    // Changes through the API, each one transaction with its audit row.
    task<rest::config_change> put_route(route r, bool create_only, std::string actor);
    task<rest::config_change> delete_route(std::string domain, std::string actor);
    task<rest::config_change> import_routes(std::vector<route> routes, std::string actor);
    enum class entry_op { add, replace, remove };
    task<rest::config_change> edit_entry(addressing::table_kind k, entry_op op, std::string key, std::string value,
                                   std::string actor);
    task<rest::config_change> import_table(addressing::table_kind k, std::string text, std::string actor);

private:
    struct file_side {
        std::vector<route> routes;
        std::optional<addressing::gateway_identity> identity;
        std::array<std::shared_ptr<addressing::mapping_table const>, addressing::table_kind_count> tables;
    };
    using table_array = std::array<std::shared_ptr<addressing::mapping_table const>, addressing::table_kind_count>;
    struct loaded;
    struct file_reload;
    static file_reload prepare_file(std::shared_ptr<file_side const> old, table_array db_tables,
                                    std::vector<route> routes, std::optional<addressing::mapping_sources> tables,
                                    std::shared_ptr<addressing::mapping_state const> previous);
    static void combine_file(file_reload& r, file_side const& old, table_array db_tables);
    static void combine_loaded(loaded& l, file_side const& file);
    void install_file(file_reload&& r);
    void give_back_memory();
    // A table change inside its transaction, given the file's identity and
    // tables and the database's (every kind locked): the outcome, after
    // its audit row. change_tables() commits it unless it refuses.
    using table_change = std::function<rest::config_change(db::connection&, addressing::gateway_identity const&,
                                                           table_array const& file, table_array& locked)>;
    task<rest::config_change> change_tables(table_change const& f);
    static loaded load(db::connection& c, std::shared_ptr<file_side const> file, table_array db_tables,
                       std::map<std::string, std::int64_t> known,
                       std::shared_ptr<addressing::mapping_state const> previous);
    void apply(loaded&& l);
    // refresh() after this process's own change, never throwing.
    task<void> applied_now();
    void rebuild_routes();

    runtime& rt_;
    addressing::mapper* mapper_;
    std::shared_ptr<file_side const> file_;
    table_array db_tables_{};
    std::vector<route> db_routes_;
    std::map<std::string, std::int64_t> versions_;
    std::shared_ptr<route_set const> routes_;
    bool busy_ = false;
    bool again_ = false;
    std::unique_ptr<asio::steady_timer> idle_;    // refresh() callers waiting for the running one
    std::unique_ptr<asio::steady_timer> poll_;
    bool stopped_ = false;
};

} // namespace x400gw::gateway
