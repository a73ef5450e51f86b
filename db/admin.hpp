// db/admin.hpp
//
// The queries behind administration (the REST API and x400gwctl): what is
// in the queue, the actions on it, the tokens and the audit trail. Plain
// values in and out, like store.hpp; each runs on a connection owned by the
// calling thread.
#pragma once

#include "queue/message_options.hpp"
#include "db/connection.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace x400gw::db {

// Which messages: every field that is set must hold. A recipient condition
// (state, recipient, next_hop) holds when one recipient meets all of them.
struct queue_filter {
    std::optional<std::string> state;        // queued, deferred, active (leased), held, quarantined
    std::optional<std::string> sender;       // substring, any case
    std::optional<std::string> recipient;    // substring, any case
    std::optional<std::string> next_hop;     // exact
    std::optional<std::string> qid_prefix;   // base 32 characters only
    std::optional<double> min_age;           // seconds since arrival, at least
    std::optional<double> max_age;           // at most
};

struct recipient_view {
    std::string address;
    std::string next_hop;
    std::string state;            // as stored; "active" is not a state
    std::string last_reply;
    std::string pending_action;   // "" or hold, retry, delete, bounce
    std::string lease_owner;      // "" when not in flight
    int attempts = 0;
    double next_attempt = 0;      // seconds since the epoch
    double lease_until = 0;       // 0 when not leased
    std::string notify, orcpt;    // RFC 3461, "" when not given
};

struct message_view {
    std::int64_t id = 0;
    std::string qid;
    std::string sender;
    std::string client;
    std::int64_t size = 0;
    double received_at = 0;
    queue::message_options options;
    std::vector<recipient_view> recipients;
};

struct attempt_view {
    double at = 0;
    std::string recipient, node, next_hop, remote, outcome, reply, tls;
};

// Messages with id > after_id, in id (arrival) order, at most `limit`:
// keyset pages, so a listing stays correct while messages come and go.
std::vector<message_view> list_messages(connection& c, queue_filter const& f, std::int64_t after_id, int limit);
std::optional<message_view> find_message(connection& c, std::string_view qid);
std::vector<attempt_view> message_attempts(connection& c, std::int64_t id);
// octets [offset, offset + length) of the body; nullopt when the message is gone.
std::optional<std::string> body_chunk(connection& c, std::int64_t id, std::int64_t offset, std::int64_t length);
std::optional<std::string> message_body(connection& c, std::int64_t id);

enum class queue_action { hold, release, retry, remove, bounce };
std::string_view action_name(queue_action a) noexcept;   // "hold", ..., "delete", "bounce"

struct action_outcome {
    std::string qid;
    int changed = 0;   // recipients changed now
    int waiting = 0;   // recipients in flight: the action waits for their outcome
};

// Applies `a` to the messages `ids` in one transaction and writes the
// audit row (actor, "queue.<action>", target, the recipients' states
// before and after). One entry per message that still exists.
std::vector<action_outcome> apply_action(connection& c, queue_action a, std::vector<std::int64_t> const& ids,
                                         std::string_view actor, std::string_view target_json);
// The ids of the messages a filter selects (at most `limit`), or of qids.
std::vector<std::int64_t> select_ids(connection& c, queue_filter const& f, int limit);
std::vector<std::int64_t> ids_of(connection& c, std::vector<std::string> const& qids);

// qshape: recipients by state, by next hop and age bucket.
struct shape_row {
    std::string state;   // queued, deferred, active, held, quarantined
    std::string next_hop;
    int bucket = 0;      // index into age_buckets_minutes' upper edges
    std::int64_t recipients = 0;
    std::int64_t messages = 0;
};
inline constexpr int age_buckets_minutes[] = {5, 10, 20, 40, 80, 160, 320, 640, 1280};   // then 1280+
struct oldest_row {
    std::string state;
    std::string qid;
    double age_seconds = 0;
    std::int64_t messages = 0;
};
std::vector<shape_row> queue_shape(connection& c);
std::vector<oldest_row> oldest_by_state(connection& c);

// API tokens, by the SHA-256 digest of the token.
struct token_row {
    std::string name;
    std::string role;   // read, admin
};
std::optional<token_row> token_by_digest(connection& c, std::string_view digest);
bool token_create(connection& c, std::string_view name, std::string_view role, std::string_view digest);
bool token_revoke(connection& c, std::string_view name);

struct audit_row {
    std::int64_t id = 0;
    double at = 0;
    std::string actor, action, target, before, after;   // target/before/after: JSON text
};
// Newest first: rows with id < before_id (0: from the newest), at most `limit`.
std::vector<audit_row> list_audit(connection& c, std::int64_t before_id, int limit);
void record_audit(connection& c, std::string_view actor, std::string_view action, std::string_view target_json,
                  std::string_view before_json, std::string_view after_json);

} // namespace x400gw::db
