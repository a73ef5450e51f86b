// gateway/live_config.cpp
#include "gateway/live_config.hpp"

#include "addressing/table_edit.hpp"
#include "db/admin.hpp"
#include "db/config_store.hpp"
#include "gateway/cpu.hpp"
#include "gateway/db_bridge.hpp"
#include "gateway/log.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>

#include <malloc.h>

namespace x400gw::gateway {
namespace ad = addressing;
namespace json = boost::json;

namespace {

constexpr std::string_view routes_key = "routes";

route to_route(db::route_row const& row)
{
    route r;
    r.domain = row.domain;
    r.host = row.host;
    r.port = static_cast<std::uint16_t>(row.port);
    r.tls.level = parse_tls_level(row.tls).value_or(tls_level::may);
    r.tls.name = row.tls_name;
    r.tls.ca_file = row.tls_ca_file;
    r.tls.fallback = row.tls_fallback;
    r.origin = route_origin::database;
    return r;
}

db::route_row to_row(route const& r)
{
    return {r.domain, r.host, r.port, std::string(tls_level_name(r.tls.level)), r.tls.name, r.tls.ca_file,
            r.tls.fallback};
}

std::string kind_key(ad::table_kind k) { return std::string(ad::kind_name(k)); }

std::int64_t version_of(std::map<std::string, std::int64_t> const& v, std::string const& what)
{
    auto it = v.find(what);
    return it == v.end() ? -1 : it->second;
}

std::string audit_json(json::object o) { return json::serialize(o); }

std::string line_json(std::optional<std::string> const& line)
{
    return line ? json::serialize(json::object{{"line", *line}}) : std::string("null");
}

rest::config_change refused(int status, std::string detail)
{
    rest::config_change c;
    c.status = status;
    c.detail = std::move(detail);
    return c;
}

} // namespace

// What one poll found, built on a database thread.
struct live_config::loaded {
    std::map<std::string, std::int64_t> versions;
    std::optional<std::vector<route>> routes;          // when they changed
    bool tables_changed = false;
    table_array db_tables{};
    std::shared_ptr<ad::mapping_state const> state;   // the new snapshot, when the tables changed and combine
    std::shared_ptr<ad::mapping_state const> previous; // the snapshot in effect when the poll began
    std::vector<std::string> warnings;
};

namespace {

using table_array = std::array<std::shared_ptr<ad::mapping_table const>, ad::table_kind_count>;

// The file's identity with each kind's table from the database where it
// holds one, else from the file. A table `previous` holds keeps its index.
ad::result<std::shared_ptr<ad::mapping_state const>> combine(ad::gateway_identity const& identity,
                                                             table_array const& file, table_array const& db,
                                                             std::shared_ptr<ad::mapping_state const> const& previous)
{
    std::vector<std::shared_ptr<ad::mapping_table const>> tables;
    for (std::size_t k = 0; k < ad::table_kind_count; ++k)
        if (auto const& t = db[k] ? db[k] : file[k])
            tables.push_back(t);
    return ad::make_mapping_state(identity, std::move(tables), previous.get());
}

// The database's table of kind k, parsed, or null when it holds none.
ad::result<std::shared_ptr<ad::mapping_table const>> fetch_table(db::connection& c, ad::table_kind k)
{
    auto body = db::load_table(c, ad::kind_name(k));
    if (!body)
        return std::shared_ptr<ad::mapping_table const>();
    auto t = ad::parse_table(*body, k, "database:" + kind_key(k));
    if (!t)
        return t.failure();
    return std::make_shared<ad::mapping_table const>(std::move(*t));
}

} // namespace

live_config::live_config(runtime& rt, ad::mapper* mapper)
    : rt_(rt), mapper_(mapper), file_(std::make_shared<file_side const>()),
      routes_(std::make_shared<route_set const>())
{
    idle_ = std::make_unique<asio::steady_timer>(rt.io, asio::steady_timer::time_point::max());
    poll_ = std::make_unique<asio::steady_timer>(rt.io);
}

// A new file side, built where it costs nothing to the sessions (the
// tables' indexes take a while for large tables): the file's routes, its
// tables when it has some, and their combination with the database's
// tables as given.
struct live_config::file_reload {
    std::shared_ptr<file_side> next;
    std::optional<ad::gateway_identity> identity;     // the file's tables, offered
    table_array tables{};
    table_array db_tables{};                          // what `state` combines them with
    std::shared_ptr<ad::mapping_state const> state;   // accepted; null when refused or none offered
    std::shared_ptr<ad::mapping_state const> previous; // in effect: its tables keep their indexes
    std::optional<std::string> why;                   // refused: the old file tables stay
};

live_config::file_reload live_config::prepare_file(std::shared_ptr<file_side const> old, table_array db_tables,
                                                   std::vector<route> routes,
                                                   std::optional<ad::mapping_sources> tables,
                                                   std::shared_ptr<ad::mapping_state const> previous)
{
    file_reload r;
    r.previous = std::move(previous);
    r.next = std::make_shared<file_side>();
    r.next->routes = std::move(routes);
    if (tables) {
        r.identity = tables->identity;
        for (auto& t : tables->tables)
            r.tables[static_cast<std::size_t>(t.kind)] = std::make_shared<ad::mapping_table const>(std::move(t));
    }
    combine_file(r, *old, std::move(db_tables));
    return r;
}

void live_config::combine_file(file_reload& r, file_side const& old, table_array db_tables)
{
    r.db_tables = std::move(db_tables);
    r.state = nullptr;
    r.why.reset();
    if (r.identity) {
        if (auto state = combine(*r.identity, r.tables, r.db_tables, r.previous)) {
            r.state = std::move(*state);
            r.next->identity = r.identity;
            r.next->tables = r.tables;
            return;
        } else {
            r.why = state.failure().why;
        }
    }
    // No tables offered, or refused: the old ones stay, and stay what
    // later reloads combine.
    r.next->identity = old.identity;
    r.next->tables = old.tables;
}

void live_config::install_file(file_reload&& r)
{
    if (r.identity)
        rt_.m.config_reloads.Add({{"what", "tables"}, {"result", r.state ? "ok" : "refused"}}).Increment();
    bool const replaced = r.state != nullptr;
    if (replaced)
        mapper_->replace(std::move(r.state));
    file_ = std::move(r.next);
    rebuild_routes();
    if (replaced) {
        r = {};   // the old tables go with the last snapshot that held them
        give_back_memory();
    }
}

// The old tables' memory, freed on the I/O thread and a pool thread, stays
// with their malloc arenas (and resident) unless it is handed back: without
// this, each SIGHUP of a 200,000-entry table left the gateway 100 MiB
// larger (docs/performance.md). On the CPU pool: a trim walks the heap.
void live_config::give_back_memory()
{
    auto trim = [] { ::malloc_trim(0); };
    if (rt_.cpu)
        asio::post(*rt_.cpu, trim);
    else
        trim();
}

std::optional<std::string> live_config::set_file(std::vector<route> routes,
                                                 std::optional<ad::mapping_sources> tables)
{
    if (!mapper_)
        tables.reset();
    auto r = prepare_file(file_, db_tables_, std::move(routes), std::move(tables), this->tables());
    auto why = r.why;
    install_file(std::move(r));
    return why;
}

task<std::optional<std::string>> live_config::reload_file(std::vector<route> routes,
                                                          std::optional<ad::mapping_sources> tables)
{
    if (!mapper_)
        tables.reset();
    auto prepare = [old = file_, db = db_tables_, routes = std::move(routes), tables = std::move(tables),
                    previous = this->tables()]() mutable {
        return prepare_file(std::move(old), std::move(db), std::move(routes), std::move(tables), std::move(previous));
    };
    auto r = co_await run_cpu(rt_, std::move(prepare));
    // A poll may have loaded other database tables meanwhile: combine
    // with those, so that installing the file's does not undo them.
    while (r.identity && r.db_tables != db_tables_) {
        auto again = [r = std::move(r), old = file_, db = db_tables_]() mutable {
            combine_file(r, *old, std::move(db));
            return std::move(r);
        };
        r = co_await run_cpu(rt_, std::move(again));
    }
    auto why = r.why;
    install_file(std::move(r));
    co_return why;
}

void live_config::rebuild_routes()
{
    routes_ = std::make_shared<route_set const>(file_->routes, db_routes_, rt_.cfg.tls_ca_file);
    rt_.routes = routes_;
}

live_config::loaded live_config::load(db::connection& c, std::shared_ptr<file_side const> file, table_array db_tables,
                                      std::map<std::string, std::int64_t> known,
                                      std::shared_ptr<ad::mapping_state const> previous)
{
    loaded l;
    l.previous = std::move(previous);
    l.versions = db::config_versions(c);
    if (version_of(l.versions, std::string(routes_key)) != version_of(known, std::string(routes_key))) {
        std::vector<route> routes;
        for (auto const& row : db::load_routes(c))
            routes.push_back(to_route(row));
        l.routes = std::move(routes);
    }
    l.db_tables = std::move(db_tables);
    for (std::size_t k = 0; k < ad::table_kind_count; ++k) {
        auto const kind = static_cast<ad::table_kind>(k);
        if (version_of(l.versions, kind_key(kind)) == version_of(known, kind_key(kind)))
            continue;
        l.tables_changed = true;
        auto t = fetch_table(c, kind);
        if (t)
            l.db_tables[k] = std::move(*t);
        else
            l.warnings.push_back("the database's " + kind_key(kind) + " table is refused: " + t.failure().why);
    }
    if (l.tables_changed)
        combine_loaded(l, *file);
    return l;
}

void live_config::combine_loaded(loaded& l, file_side const& file)
{
    l.state = nullptr;
    if (!file.identity)
        return;
    auto state = combine(*file.identity, file.tables, l.db_tables, l.previous);
    if (state)
        l.state = std::move(*state);
    else
        l.warnings.push_back("the database's tables are refused, the old ones stay: " + state.failure().why);
}

void live_config::apply(loaded&& l)
{
    versions_ = std::move(l.versions);
    auto count = [this](char const* what, bool ok) {
        rt_.m.config_reloads.Add({{"what", what}, {"result", ok ? "ok" : "refused"}}).Increment();
    };
    if (l.routes) {
        db_routes_ = std::move(*l.routes);
        rebuild_routes();
        count("routes", true);
        log("config", "routes loaded: " + std::to_string(db_routes_.size()) + " from the database, " +
                          std::to_string(routes_->routes().size()) + " in effect");
    }
    if (l.tables_changed) {
        db_tables_ = std::move(l.db_tables);
        if (mapper_)
            count("tables", l.state != nullptr);
        if (l.state && mapper_) {
            mapper_->replace(std::move(l.state));
            l.previous.reset();
            give_back_memory();
            std::string held;
            for (std::size_t k = 0; k < ad::table_kind_count; ++k)
                if (db_tables_[k])
                    held += (held.empty() ? "" : ", ") + kind_key(static_cast<ad::table_kind>(k));
            log("config", "mapping tables loaded; from the database: " + (held.empty() ? "none" : held));
        }
    }
    for (auto const& w : l.warnings)
        warn("config", w);
}

void live_config::load_now(db::connection& c)
{
    apply(load(c, file_, db_tables_, versions_, tables()));
}

task<void> live_config::refresh()
{
    if (busy_) {
        again_ = true;
        (void)co_await idle_->async_wait(use_tuple);
        co_return;
    }
    busy_ = true;
    try {
        do {
            again_ = false;
            auto file = file_;
            auto fetch = [file, tables = db_tables_, known = versions_, previous = this->tables()](db::connection& c) {
                return load(c, file, tables, known, previous);
            };
            auto l = co_await run_db(rt_.pool, fetch);
            // A SIGHUP may have installed other file tables meanwhile:
            // combine with those, so that this does not undo them.
            while (l.tables_changed && file != file_) {
                file = file_;
                auto again = [l = std::move(l), file]() mutable {
                    combine_loaded(l, *file);
                    return std::move(l);
                };
                l = co_await run_cpu(rt_, std::move(again));
            }
            apply(std::move(l));
        } while (again_);
    } catch (...) {
        busy_ = false;
        idle_->cancel();
        throw;
    }
    busy_ = false;
    idle_->cancel();
}

task<void> live_config::run(std::chrono::milliseconds interval)
{
    while (!stopped_) {
        poll_->expires_after(interval);
        (void)co_await poll_->async_wait(use_tuple);
        if (stopped_)
            break;
        try {
            co_await refresh();
        } catch (std::exception const& e) {
            report_db_failure(rt_.m, "config", "polling routes and tables failed", e);
        }
    }
}

task<void> live_config::applied_now()
{
    // The change is committed: a failure to reload it here only delays it
    // to the next poll, so it must not turn the answer into an error.
    try {
        co_await refresh();
    } catch (std::exception const& e) {
        report_db_failure(rt_.m, "config", "reloading after a change failed; the next poll will", e);
    }
}

void live_config::stop()
{
    stopped_ = true;
    poll_->cancel();
    idle_->cancel();
}

table_origin live_config::origin(ad::table_kind k) const noexcept
{
    auto const i = static_cast<std::size_t>(k);
    if (db_tables_[i])
        return table_origin::database;
    if (file_->tables[i])
        return table_origin::file;
    return table_origin::none;
}

std::shared_ptr<ad::mapping_state const> live_config::tables() const
{
    return mapper_ ? mapper_->state() : nullptr;
}

task<std::optional<std::string>> live_config::table_text(ad::table_kind k)
{
    auto const i = static_cast<std::size_t>(k);
    if (db_tables_[i]) {
        // The text as stored: comments and order as the import gave them.
        auto fetch = [name = kind_key(k)](db::connection& c) { return db::load_table(c, name); };
        if (auto text = co_await run_db(rt_.pool, fetch))
            co_return text;
    }
    if (file_->tables[i])
        co_return ad::render_table(*file_->tables[i]);
    co_return std::nullopt;
}

task<std::string> live_config::route_text()
{
    auto fetch = [](db::connection& c) {
        std::vector<route> routes;
        for (auto const& row : db::load_routes(c))
            routes.push_back(to_route(row));
        return render_route_table(routes);
    };
    co_return co_await run_db(rt_.pool, fetch);
}

task<rest::config_change> live_config::put_route(route r, bool create_only, std::string actor)
{
    if (create_only)
        if (auto const* in_effect = routes_->find(r.domain))
            co_return refused(409, "a route for " + r.domain + " is in effect already (from the " +
                                       (in_effect->origin == route_origin::file ? "configuration file" : "database") +
                                       "); replace it with PUT /api/v1/routes/" + r.domain);
    // The file's route this one replaces, if any: what was in effect.
    std::optional<route> file_route;
    if (auto const* in_effect = routes_->find(r.domain); in_effect && in_effect->origin == route_origin::file)
        file_route = *in_effect;
    auto change = [&](db::connection& c) {
        db::transaction_scope tx(c);
        (void)db::lock_config(c, routes_key);
        std::optional<route> before;
        for (auto const& row : db::load_routes(c))
            if (row.domain == r.domain)
                before = to_route(row);
        bool const created = !before;
        if (!before)
            before = file_route;
        db::upsert_route(c, to_row(r));
        (void)db::bump_config(c, routes_key);
        db::record_audit(c, actor, created ? "route.add" : "route.replace", audit_json({{"domain", r.domain}}),
                         before ? rest::route_json_text(*before) : "null", rest::route_json_text(r));
        tx.commit();
        rest::config_change out;
        out.status = created ? 201 : 200;
        out.route_before = std::move(before);
        out.route_after = r;
        return out;
    };
    auto out = co_await run_db(rt_.pool, change);
    co_await applied_now();
    co_return out;
}

task<rest::config_change> live_config::delete_route(std::string domain, std::string actor)
{
    auto change = [&](db::connection& c) {
        db::transaction_scope tx(c);
        (void)db::lock_config(c, routes_key);
        std::optional<route> before;
        for (auto const& row : db::load_routes(c))
            if (row.domain == domain)
                before = to_route(row);
        if (!before)
            return rest::config_change{404};
        (void)db::delete_route(c, domain);
        (void)db::bump_config(c, routes_key);
        db::record_audit(c, actor, "route.delete", audit_json({{"domain", domain}}), rest::route_json_text(*before),
                         "null");
        tx.commit();
        rest::config_change out;
        out.route_before = std::move(before);
        return out;
    };
    auto out = co_await run_db(rt_.pool, change);
    if (out.status == 404) {
        bool const in_file = std::any_of(file_->routes.begin(), file_->routes.end(),
                                         [&](route const& r) { return r.domain == domain; });
        co_return in_file ? refused(409, "the route for " + domain +
                                             " comes from the configuration file; change it there (a database "
                                             "route would replace it, not remove it)")
                          : refused(404, "no route for " + domain + " in the database");
    }
    co_await applied_now();
    co_return out;
}

task<rest::config_change> live_config::import_routes(std::vector<route> routes, std::string actor)
{
    auto change = [&](db::connection& c) {
        db::transaction_scope tx(c);
        (void)db::lock_config(c, routes_key);
        auto const before = db::load_routes(c).size();
        std::vector<db::route_row> rows;
        for (auto const& r : routes)
            rows.push_back(to_row(r));
        db::replace_routes(c, rows);
        (void)db::bump_config(c, routes_key);
        db::record_audit(c, actor, "route.import", audit_json({{"routes", "all"}}),
                         audit_json({{"routes", before}}), audit_json({{"routes", rows.size()}}));
        tx.commit();
        rest::config_change out;
        out.count = rows.size();
        return out;
    };
    auto out = co_await run_db(rt_.pool, change);
    co_await applied_now();
    co_return out;
}

namespace {

// Inside a table change's transaction: every table kind locked (in one
// order, so two changes cannot deadlock), so that the combination checked
// is the one that commits; each kind as the database holds it now (the
// cached parse when its version has not moved).
struct locked_tables {
    table_array db;
    std::optional<std::string> why;   // a table in the database does not parse
};

locked_tables lock_tables(db::connection& c, table_array cached, std::map<std::string, std::int64_t> const& known)
{
    locked_tables out;
    for (std::size_t k = 0; k < ad::table_kind_count; ++k) {
        auto const kind = static_cast<ad::table_kind>(k);
        auto const v = db::lock_config(c, ad::kind_name(kind));
        if (v == version_of(known, kind_key(kind))) {
            out.db[k] = cached[k];
            continue;
        }
        auto t = fetch_table(c, kind);
        if (!t) {
            out.why = t.failure().why;
            return out;
        }
        out.db[k] = std::move(*t);
    }
    return out;
}

// Inside a table change's transaction: `text` as the new table of `kind`,
// checked whole and with the other tables, stored, its version raised.
// A refusal (bad_status when the text does not parse) when it cannot be.
std::optional<rest::config_change> store_checked(db::connection& c, table_array& locked,
                                                 ad::gateway_identity const& identity, table_array const& file,
                                                 ad::table_kind kind, std::string const& text, int bad_status,
                                                 std::size_t& entries,
                                                 std::shared_ptr<ad::mapping_state const> const& previous)
{
    auto parsed = ad::parse_table(text, kind, "database:" + kind_key(kind));
    if (!parsed)
        return refused(bad_status, parsed.failure().why);
    entries = parsed->entries.size();
    locked[static_cast<std::size_t>(kind)] = std::make_shared<ad::mapping_table const>(std::move(*parsed));
    if (auto state = combine(identity, file, locked, previous); !state)
        return refused(409, "the table would not combine with the other tables: " + state.failure().why);
    db::store_table(c, ad::kind_name(kind), text, entries);
    (void)db::bump_config(c, ad::kind_name(kind));
    return std::nullopt;
}

constexpr std::string_view no_tables = "this gateway has no [addressing] section, so it applies no mapping tables";

} // namespace

task<rest::config_change> live_config::change_tables(table_change const& f)
{
    if (!mapper_ || !file_->identity)
        co_return refused(409, std::string(no_tables));
    auto change = [&f, file = file_, cached = db_tables_, known = versions_](db::connection& c) {
        db::transaction_scope tx(c);
        auto locked = lock_tables(c, cached, known);
        if (locked.why)
            return refused(409, *locked.why);
        auto out = f(c, *file->identity, file->tables, locked.db);
        if (out.status < 400)
            tx.commit();
        return out;
    };
    auto out = co_await run_db(rt_.pool, change);
    if (out.status < 400)
        co_await applied_now();
    co_return out;
}

task<rest::config_change> live_config::edit_entry(ad::table_kind kind, entry_op op, std::string key,
                                                  std::string value, std::string actor)
{
    table_change edit = [&](db::connection& c, ad::gateway_identity const& identity, table_array const& file,
                            table_array& locked) {
        auto const k = static_cast<std::size_t>(kind);
        // A table the file gave is copied into the database by its first change.
        auto body = db::load_table(c, ad::kind_name(kind));
        std::string const text = body ? *body : file[k] ? ad::render_table(*file[k]) : std::string();
        auto const edited = op == entry_op::add       ? ad::add_entry(text, kind, key, value)
                            : op == entry_op::replace ? ad::replace_entry(text, kind, key, value)
                                                      : ad::remove_entry(text, kind, key);
        switch (edited.status) {
        case ad::edit_status::done: break;
        case ad::edit_status::bad_entry: return refused(400, edited.why);
        case ad::edit_status::exists: return refused(409, edited.why);
        case ad::edit_status::not_found: return refused(404, edited.why);
        case ad::edit_status::bad_table: return refused(409, "the stored table does not parse: " + edited.why);
        }
        std::size_t entries = 0;
        if (auto no = store_checked(c, locked, identity, file, kind, edited.text, 409, entries, tables()))
            return std::move(*no);
        rest::config_change out;
        out.status = op == entry_op::add ? 201 : 200;
        if (op != entry_op::add)
            out.entry_before = ad::render_table_line(kind, op == entry_op::replace ? edited.previous : edited.entry);
        if (op != entry_op::remove)
            out.entry_after = ad::render_table_line(kind, edited.entry);
        char const* action = op == entry_op::add ? "table.add" : op == entry_op::replace ? "table.replace" : "table.delete";
        db::record_audit(c, actor, action, audit_json({{"table", kind_key(kind)}, {"key", key}}),
                         line_json(out.entry_before), line_json(out.entry_after));
        return out;
    };
    co_return co_await change_tables(edit);
}

task<rest::config_change> live_config::import_table(ad::table_kind kind, std::string text, std::string actor)
{
    table_change import = [&](db::connection& c, ad::gateway_identity const& identity, table_array const& file,
                              table_array& locked) {
        auto const k = static_cast<std::size_t>(kind);
        auto const before = locked[k] ? audit_json({{"source", "database"}, {"entries", locked[k]->entries.size()}})
                                      : audit_json({{"source", file[k] ? "file" : "none"},
                                                    {"entries", file[k] ? file[k]->entries.size() : 0}});
        std::size_t entries = 0;
        if (auto no = store_checked(c, locked, identity, file, kind, text, 400, entries, tables()))
            return std::move(*no);
        db::record_audit(c, actor, "table.import", audit_json({{"table", kind_key(kind)}}), before,
                         audit_json({{"source", "database"}, {"entries", entries}}));
        rest::config_change out;
        out.count = entries;
        return out;
    };
    co_return co_await change_tables(import);
}

} // namespace x400gw::gateway
