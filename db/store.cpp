// db/store.cpp
#include "db/store.hpp"

#include "db/migrations.hpp"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <unordered_set>

namespace x400gw::db {
namespace {

std::string text(std::int64_t n) { return std::to_string(n); }

std::string text(double d)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", d);
    return buf;
}

void add_message(std::vector<call>& calls, std::deque<std::string>& keep, new_message const& m)
{
    // `keep` owns the rendered text parameters until the calls have run.
    keep.push_back(std::to_string(m.key));
    std::string_view const key = keep.back();
    keep.push_back(std::to_string(m.body.size()));
    std::string_view const size = keep.back();
    auto const& opt = m.options;
    keep.push_back(std::to_string(opt.priority));
    std::string_view const priority = keep.back();
    calls.push_back({&statements::insert_message,
                     {{key},
                      {m.qid},
                      {m.sender},
                      {size},
                      {m.client},
                      {m.body, true},
                      {opt.dsn_ret, false, opt.dsn_ret.empty()},
                      {opt.dsn_envid, false, opt.dsn_envid.empty()},
                      {priority, false, opt.priority == 0},
                      {"true", false, !opt.require_tls},
                      {"true", false, !opt.smtputf8}}});
    std::vector<std::string> addresses, hops, notify, orcpt;
    bool dsn = false;
    for (auto const& r : m.recipients) {
        addresses.push_back(r.address);
        hops.push_back(r.next_hop);
        notify.push_back(r.notify);
        orcpt.push_back(r.orcpt);
        dsn = dsn || !r.notify.empty() || !r.orcpt.empty();
    }
    keep.push_back(render_text_array(addresses));
    std::string_view const a = keep.back();
    keep.push_back(render_text_array(hops));
    std::string_view const h = keep.back();
    keep.push_back(dsn ? render_text_array(notify) : std::string());
    std::string_view const n = keep.back();
    keep.push_back(dsn ? render_text_array(orcpt) : std::string());
    std::string_view const o = keep.back();
    keep.push_back(std::to_string(m.lease_seconds));
    calls.push_back({&statements::insert_recipients,
                     {{key},
                      {a},
                      {h},
                      {m.lease_owner, false, m.lease_owner.empty()},
                      {keep.back()},
                      {n, false, !dsn},
                      {o, false, !dsn}}});
}

} // namespace

void apply_migrations(connection& c)
{
    c.exec_script("SELECT pg_advisory_lock(400400)", "migrations_lock");
    try {
        c.exec_script("CREATE TABLE IF NOT EXISTS schema_version ("
                      " version integer PRIMARY KEY, name text NOT NULL,"
                      " applied_at timestamptz NOT NULL DEFAULT now())",
                      "schema_version");
        // Every version not yet recorded, not only those above the
        // highest: two branches may add migrations out of order (V007
        // applied by a development cluster before V006 existed), and each
        // migration stands alone.
        static constexpr statement applied{"schema_applied", "SELECT version FROM schema_version"};
        auto const rows = c.exec(applied, {});
        std::unordered_set<std::int64_t> have;
        for (int i = 0; i < rows.rows(); ++i)
            have.insert(rows.get_int(i, 0));
        for (auto const& m : migrations()) {
            if (have.contains(m.version))
                continue;
            std::string script = "BEGIN;\n";
            script += m.sql;
            script += "\nINSERT INTO schema_version (version, name) VALUES (" + std::to_string(m.version) + ", '" +
                      std::string(m.name) + "');\nCOMMIT;";
            c.exec_script(script, m.name);
        }
    } catch (...) {
        c.close();   // drops the session lock with it
        throw;
    }
    c.exec_script("SELECT pg_advisory_unlock(400400)", "migrations_unlock");
}

std::optional<std::uint64_t> key_allocator::try_take()
{
    std::lock_guard lock(mutex_);
    if (next_ < end_)
        return next_++;
    return std::nullopt;
}

std::uint64_t key_allocator::take(connection& c)
{
    if (auto k = try_take())
        return *k;
    auto const start = static_cast<std::uint64_t>(c.exec(statements::next_key_block, {}).get_int(0, 0));
    std::lock_guard lock(mutex_);
    if (next_ >= end_) {
        next_ = start;
        end_ = start + block_size;
    }
    // Another thread refilled meanwhile: the block we fetched is dropped;
    // keys are plentiful (2^50), uniqueness is what matters.
    return next_++;
}

void commit_messages(connection& c, std::span<new_message* const> batch)
{
    std::vector<call> calls;
    std::deque<std::string> keep;   // a deque: views into it stay valid as it grows
    calls.reserve(batch.size() * 2 + 1);
    for (auto const* m : batch)
        add_message(calls, keep, *m);
    if (!batch.empty()) {
        keep.push_back(std::to_string(batch.front()->key));
        calls.push_back({&statements::record_batch, {{keep.back()}}});
    }
    auto const results = c.transaction(calls);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto& m = *batch[i];
        if (m.lease_owner.empty())
            continue;
        auto const& ids = results[2 * i + 1];
        m.recipient_ids.clear();
        for (int row = 0; row < ids.rows(); ++row)
            m.recipient_ids.push_back(ids.get_int(row, 0));
        std::sort(m.recipient_ids.begin(), m.recipient_ids.end());
    }
}

bool batch_committed(connection& c, std::uint64_t first_key)
{
    auto const key = std::to_string(first_key);
    return c.exec(statements::batch_committed, {{key}}).rows() > 0;
}

void learn_recipient_ids(connection& c, std::span<new_message* const> batch) noexcept
{
    for (auto* m : batch) {
        m->recipient_ids.clear();
        if (m->lease_owner.empty())
            continue;
        try {
            auto const key = std::to_string(m->key);
            auto const ids = c.exec(statements::leased_recipients, {{key}, {m->lease_owner}});
            if (static_cast<std::size_t>(ids.rows()) != m->recipients.size())
                continue;
            for (int row = 0; row < ids.rows(); ++row)
                m->recipient_ids.push_back(ids.get_int(row, 0));
        } catch (...) {
            m->recipient_ids.clear();
        }
    }
}

void prune_ledger(connection& c) { c.exec(statements::prune_ledger, {}); }

std::optional<std::string> load_head(connection& c, std::uint64_t message_key, std::size_t octets)
{
    auto const key = std::to_string(message_key);
    auto const n = std::to_string(octets);
    auto r = c.exec(statements::load_head, {{key}, {n}}, true);
    if (r.rows() == 0)
        return std::nullopt;
    return std::string(r.get(0, 0));
}

std::vector<claimed_recipient> claim_due(connection& c, std::string_view owner, int lease_seconds, int limit,
                                         std::size_t body_octets)
{
    auto const lease = std::to_string(lease_seconds);
    auto const lim = std::to_string(limit);
    auto const octets = std::to_string(body_octets);
    auto r = c.exec(statements::claim_due, {{owner}, {lease}, {lim}, {octets}}, true);
    std::vector<claimed_recipient> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        claimed_recipient cr;
        cr.id = r.get_int(i, 0);
        cr.message_key = static_cast<std::uint64_t>(r.get_int(i, 1));
        cr.qid = r.get(i, 2);
        cr.sender = r.get(i, 3);
        cr.address = r.get(i, 4);
        cr.next_hop = r.get(i, 5);
        cr.attempts = static_cast<int>(r.get_int(i, 6));
        cr.received_at = r.get_double(i, 7);
        cr.pending_action = r.get(i, 8);
        if (!r.is_null(i, 9))
            cr.body = std::string(r.get(i, 9));
        cr.notify = r.get(i, 10);
        cr.orcpt = r.get(i, 11);
        cr.options.dsn_ret = r.get(i, 12);
        cr.options.dsn_envid = r.get(i, 13);
        cr.delay_reported = r.get(i, 14) == "true";
        cr.options.priority = static_cast<int>(r.get_int(i, 15));
        cr.options.require_tls = r.get(i, 16) == "true";
        cr.options.smtputf8 = r.get(i, 17) == "true";
        out.push_back(std::move(cr));
    }
    return out;
}

std::optional<std::string> load_body(connection& c, std::uint64_t message_key)
{
    auto const key = std::to_string(message_key);
    auto r = c.exec(statements::load_body, {{key}}, true);
    if (r.rows() == 0)
        return std::nullopt;
    return std::string(r.get(0, 0));
}

std::uint64_t record_attempt(connection& c, std::string_view owner, std::uint64_t message_key,
                             std::vector<recipient_result> const& results, std::vector<new_message> const& dsns)
{
    std::vector<call> calls;
    std::deque<std::string> keep;
    std::size_t updates = 0;
    for (auto const& r : results) {
        keep.push_back(render_int_array({r.id}));
        std::string_view const ids = keep.back();
        switch (r.kind) {
        case queue::outcome_kind::delivered:
            calls.push_back({&statements::record_final, {{ids}, {owner}, {r.reply}, {"delivered"}}});
            break;
        case queue::outcome_kind::failed:
            calls.push_back({&statements::record_final, {{ids}, {owner}, {r.reply}, {"failed"}}});
            break;
        case queue::outcome_kind::quarantined:
            calls.push_back({&statements::record_final, {{ids}, {owner}, {r.reply}, {"quarantined"}}});
            break;
        case queue::outcome_kind::deferred:
            keep.push_back(text(r.next_attempt));
            calls.push_back({&statements::record_deferred,
                             {{ids}, {owner}, {r.reply}, {keep.back()}, {r.delay_due ? "true" : "false"}}});
            break;
        }
        ++updates;
    }
    keep.push_back(text(static_cast<std::int64_t>(message_key)));
    std::string_view const key = keep.back();
    if (!results.empty()) {
        std::vector<std::string> columns[6];
        for (auto const& r : results) {
            columns[0].push_back(r.address);
            columns[1].push_back(r.next_hop);
            columns[2].push_back(r.remote);
            columns[3].push_back(std::string(queue::outcome_name(r.kind)));
            columns[4].push_back(r.reply);
            columns[5].push_back(r.tls);
        }
        call history{&statements::record_history, {{key}, {owner}}};
        for (auto const& column : columns) {
            keep.push_back(render_text_array(column));
            history.params.push_back({keep.back()});
        }
        calls.push_back(std::move(history));
        calls.push_back({&statements::delete_pending, {{key}}});
    }
    for (auto const& d : dsns)
        add_message(calls, keep, d);
    calls.push_back({&statements::remove_if_done, {{key}}});
    auto const res = c.transaction(calls);
    std::uint64_t recorded = 0;
    for (std::size_t i = 0; i < updates && i < res.size(); ++i)
        recorded += res[i].affected();
    return recorded;
}

std::uint64_t finish_delivered(connection& c, std::string_view owner, std::span<delivered_message const> batch)
{
    std::vector<std::int64_t> keys;
    std::vector<std::int64_t> ids;
    for (auto const& m : batch) {
        keys.push_back(static_cast<std::int64_t>(m.key));
        for (auto const& r : m.results)
            ids.push_back(r.id);
    }
    auto const deleted =
        c.exec(statements::finish_delivered, {{render_int_array(keys)}, {owner}, {render_int_array(ids)}});
    std::unordered_set<std::int64_t> gone;
    for (int row = 0; row < deleted.rows(); ++row)
        gone.insert(deleted.get_int(row, 0));
    std::uint64_t recorded = 0;
    std::vector<new_message> const none;
    for (auto const& m : batch)
        recorded += gone.contains(static_cast<std::int64_t>(m.key)) ? m.results.size()
                                                                     : record_attempt(c, owner, m.key, m.results, none);
    return recorded;
}

void release_leases(connection& c, std::string_view owner) { c.exec(statements::release_leases, {{owner}}); }

void renew_leases(connection& c, std::string_view owner, int lease_seconds, std::vector<std::int64_t> const& ids)
{
    auto const lease = std::to_string(lease_seconds);
    auto const list = render_int_array(ids);
    c.exec(statements::renew_leases, {{owner}, {lease}, {list}});
}

std::vector<depth_row> queue_depth(connection& c)
{
    auto const results = c.transaction({{&statements::whole_table_scans, {}}, {&statements::queue_depth, {}}});
    auto const& r = results.back();
    std::vector<depth_row> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({std::string(r.get(i, 0)), r.get_int(i, 1), r.get_double(i, 2)});
    return out;
}

void ping(connection& c) { c.exec(statements::ping, {}); }

std::optional<std::string> user_hash(connection& c, std::string_view name)
{
    auto r = c.exec(statements::user_hash, {{name}});
    if (r.rows() == 0)
        return std::nullopt;
    return std::string(r.get(0, 0));
}

bool user_add(connection& c, std::string_view name, std::string_view hash)
{
    return c.exec(statements::user_add, {{name}, {hash}}).affected() == 1;
}

bool user_passwd(connection& c, std::string_view name, std::string_view hash)
{
    return c.exec(statements::user_passwd, {{name}, {hash}}).affected() == 1;
}

bool user_delete(connection& c, std::string_view name)
{
    return c.exec(statements::user_delete, {{name}}).affected() == 1;
}

} // namespace x400gw::db
