// db/admin.cpp
#include "db/admin.hpp"

#include <map>

namespace x400gw::db {
namespace {

param optional_text(std::optional<std::string> const& v)
{
    return v ? param{*v} : param{{}, false, true};
}

// A transaction over several statements whose results feed the next ones:
// rolled back unless committed.
message_view message_row(result const& r, int i)
{
    message_view m;
    m.id = r.get_int(i, 0);
    m.qid = r.get(i, 1);
    m.sender = r.get(i, 2);
    m.client = r.get(i, 3);
    m.size = r.get_int(i, 4);
    m.received_at = r.get_double(i, 5);
    m.options.dsn_ret = r.get(i, 6);
    m.options.dsn_envid = r.get(i, 7);
    m.options.priority = static_cast<int>(r.get_int(i, 8));
    m.options.require_tls = r.get(i, 9) == "t";
    m.options.smtputf8 = r.get(i, 10) == "t";
    return m;
}

void attach_recipients(connection& c, std::vector<message_view>& messages)
{
    if (messages.empty())
        return;
    std::vector<std::int64_t> ids;
    std::map<std::int64_t, message_view*> by_id;
    for (auto& m : messages) {
        ids.push_back(m.id);
        by_id[m.id] = &m;
    }
    auto const list = render_int_array(ids);
    auto r = c.exec(statements::recipients_of, {{list}});
    for (int i = 0; i < r.rows(); ++i) {
        auto it = by_id.find(r.get_int(i, 0));
        if (it == by_id.end())
            continue;
        recipient_view v;
        v.address = r.get(i, 1);
        v.next_hop = r.get(i, 2);
        v.state = r.get(i, 3);
        v.last_reply = r.get(i, 4);
        v.pending_action = r.get(i, 5);
        v.lease_owner = r.get(i, 6);
        v.attempts = static_cast<int>(r.get_int(i, 7));
        v.next_attempt = r.get_double(i, 8);
        v.lease_until = r.get_double(i, 9);
        v.notify = r.get(i, 10);
        v.orcpt = r.get(i, 11);
        it->second->recipients.push_back(std::move(v));
    }
}

std::vector<std::int64_t> id_column(result const& r)
{
    std::vector<std::int64_t> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(r.get_int(i, 0));
    return out;
}

std::string recipient_states(connection& c, std::string const& ids)
{
    return std::string(c.exec(statements::recipient_states, {{ids}}).get(0, 0));
}

} // namespace

std::vector<message_view> list_messages(connection& c, queue_filter const& f, std::int64_t after_id, int limit)
{
    auto const after = std::to_string(after_id);
    auto const lim = std::to_string(limit);
    auto const min_age = f.min_age ? std::optional(std::to_string(*f.min_age)) : std::nullopt;
    auto const max_age = f.max_age ? std::optional(std::to_string(*f.max_age)) : std::nullopt;
    auto r = c.exec(statements::list_messages,
                    {{after}, optional_text(f.qid_prefix), optional_text(f.sender), optional_text(min_age),
                     optional_text(max_age), optional_text(f.state), optional_text(f.recipient),
                     optional_text(f.next_hop), {lim}});
    std::vector<message_view> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(message_row(r, i));
    attach_recipients(c, out);
    return out;
}

std::optional<message_view> find_message(connection& c, std::string_view qid)
{
    auto r = c.exec(statements::message_by_qid, {{qid}});
    if (r.rows() == 0)
        return std::nullopt;
    std::vector<message_view> one{message_row(r, 0)};
    attach_recipients(c, one);
    return std::move(one.front());
}

std::vector<attempt_view> message_attempts(connection& c, std::int64_t id)
{
    auto const key = std::to_string(id);
    auto r = c.exec(statements::attempts_of, {{key}});
    std::vector<attempt_view> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.get_double(i, 0), std::string(r.get(i, 1)), std::string(r.get(i, 2)),
                       std::string(r.get(i, 3)), std::string(r.get(i, 4)), std::string(r.get(i, 5)),
                       std::string(r.get(i, 6)), std::string(r.get(i, 7))});
    return out;
}

std::optional<std::string> body_chunk(connection& c, std::int64_t id, std::int64_t offset, std::int64_t length)
{
    auto const key = std::to_string(id);
    auto const from = std::to_string(offset + 1);   // SQL counts from 1
    auto const n = std::to_string(length);
    auto r = c.exec(statements::body_chunk, {{key}, {from}, {n}}, true);
    if (r.rows() == 0)
        return std::nullopt;
    return std::string(r.get(0, 0));
}

std::optional<std::string> message_body(connection& c, std::int64_t id)
{
    auto const key = std::to_string(id);
    auto r = c.exec(statements::load_body, {{key}}, true);
    if (r.rows() == 0)
        return std::nullopt;
    return std::string(r.get(0, 0));
}

std::string_view action_name(queue_action a) noexcept
{
    switch (a) {
    case queue_action::hold: return "hold";
    case queue_action::release: return "release";
    case queue_action::retry: return "retry";
    case queue_action::remove: return "delete";
    case queue_action::bounce: return "bounce";
    }
    return "?";
}

std::vector<action_outcome> apply_action(connection& c, queue_action a, std::vector<std::int64_t> const& ids,
                                         std::string_view actor, std::string_view target_json)
{
    struct halves {
        statement const* now;
        statement const* later;
    };
    auto const h = [a]() -> halves {
        switch (a) {
        case queue_action::hold: return {&statements::hold_now, &statements::hold_later};
        case queue_action::release: return {&statements::release_now, &statements::release_later};
        case queue_action::retry: return {&statements::retry_now, &statements::retry_later};
        case queue_action::remove: return {&statements::delete_now, &statements::delete_later};
        case queue_action::bounce: return {&statements::bounce_now, &statements::bounce_later};
        }
        return {};
    }();
    auto const list = render_int_array(ids);
    transaction_scope tx(c);
    // Lock the messages' recipients first (in id order, so that two bulk
    // actions cannot deadlock), so that the before and after of the audit
    // row are what this action did, not a delivery in between.
    static constexpr statement lock{"lock_recipients",
                                    "SELECT id FROM recipient WHERE message_id = ANY($1::bigint[]) "
                                    "ORDER BY id FOR UPDATE"};
    (void)c.exec(lock, {{list}});
    auto const present = c.exec(statements::message_by_id_list, {{list}});
    std::map<std::int64_t, action_outcome> out;
    for (int i = 0; i < present.rows(); ++i)
        out[present.get_int(i, 0)].qid = present.get(i, 1);
    auto const before = recipient_states(c, list);
    for (auto id : id_column(c.exec(*h.now, {{list}})))
        ++out[id].changed;
    for (auto id : id_column(c.exec(*h.later, {{list}})))
        ++out[id].waiting;
    if (a == queue_action::remove)
        (void)c.exec(statements::remove_finished, {{list}});
    auto const after = recipient_states(c, list);
    auto const name = "queue." + std::string(action_name(a));
    record_audit(c, actor, name, target_json, before, after);
    tx.commit();
    std::vector<action_outcome> result;
    for (auto& [id, o] : out)
        if (!o.qid.empty())
            result.push_back(std::move(o));
    return result;
}

std::vector<std::int64_t> select_ids(connection& c, queue_filter const& f, int limit)
{
    std::vector<std::int64_t> out;
    for (auto const& m : list_messages(c, f, 0, limit))
        out.push_back(m.id);
    return out;
}

std::vector<std::int64_t> ids_of(connection& c, std::vector<std::string> const& qids)
{
    auto const list = render_text_array(qids);
    return id_column(c.exec(statements::ids_of, {{list}}));
}

std::vector<shape_row> queue_shape(connection& c)
{
    auto r = c.exec(statements::queue_shape, {});
    std::vector<shape_row> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({std::string(r.get(i, 0)), std::string(r.get(i, 1)), static_cast<int>(r.get_int(i, 2)),
                       r.get_int(i, 3), r.get_int(i, 4)});
    return out;
}

std::vector<oldest_row> oldest_by_state(connection& c)
{
    auto r = c.exec(statements::oldest_by_state, {});
    std::vector<oldest_row> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({std::string(r.get(i, 0)), std::string(r.get(i, 1)), r.get_double(i, 2), r.get_int(i, 3)});
    return out;
}

std::optional<token_row> token_by_digest(connection& c, std::string_view digest)
{
    auto r = c.exec(statements::token_by_digest, {{digest}});
    if (r.rows() == 0)
        return std::nullopt;
    return token_row{std::string(r.get(0, 0)), std::string(r.get(0, 1))};
}

bool token_create(connection& c, std::string_view name, std::string_view role, std::string_view digest)
{
    return c.exec(statements::token_create, {{name}, {role}, {digest}}).affected() == 1;
}

bool token_revoke(connection& c, std::string_view name)
{
    return c.exec(statements::token_revoke, {{name}}).affected() == 1;
}

std::vector<audit_row> list_audit(connection& c, std::int64_t before_id, int limit)
{
    auto const before = std::to_string(before_id);
    auto const lim = std::to_string(limit);
    auto r = c.exec(statements::list_audit, {{before}, {lim}});
    std::vector<audit_row> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.get_int(i, 0), r.get_double(i, 1), std::string(r.get(i, 2)), std::string(r.get(i, 3)),
                       std::string(r.get(i, 4)), std::string(r.get(i, 5)), std::string(r.get(i, 6))});
    return out;
}

void record_audit(connection& c, std::string_view actor, std::string_view action, std::string_view target_json,
                  std::string_view before_json, std::string_view after_json)
{
    (void)c.exec(statements::record_audit, {{actor}, {action}, {target_json}, {before_json}, {after_json}});
}

} // namespace x400gw::db
