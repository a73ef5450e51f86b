// db/statements.hpp
//
// Every SQL statement x400gw runs, named. The name is the prepared
// statement's name, the label on x400gw_db_operation_duration_seconds, and
// what a failure log says.
#pragma once

#include <string_view>

namespace x400gw::db {

struct statement {
    std::string_view name;
    std::string_view sql;
};

namespace statements {

// A block of message keys. nextval() alone commits without flushing the
// WAL (it assigns no transaction id), so after a crash the sequence could
// hand out a block again; pg_current_xact_id() gives the statement a
// transaction id and set_config() makes its commit synchronous, so the
// block is durable before any key of it is used.
inline constexpr statement next_key_block{"next_key_block", R"sql(
    SELECT nextval('message_key_block'), set_config('synchronous_commit', 'on', true), pg_current_xact_id())sql"};

// One row per committed batch, in the batch's own transaction, keyed by its
// first message key: when the connection breaks before the commit's
// outcome is known, this row says whether it committed.
inline constexpr statement record_batch{"record_batch",
                                        "INSERT INTO commit_ledger (first_key) VALUES ($1::bigint)"};
inline constexpr statement batch_committed{"batch_committed",
                                           "SELECT 1 FROM commit_ledger WHERE first_key = $1::bigint"};
inline constexpr statement prune_ledger{"prune_ledger", R"sql(
    DELETE FROM commit_ledger WHERE committed_at < now() - interval '1 day')sql"};

inline constexpr statement insert_message{"insert_message", R"sql(
    INSERT INTO message (id, qid, sender, size, client, body)
    VALUES ($1::bigint, $2, $3, $4::integer, $5, $6::bytea))sql"};

// Recipients of one message as two parallel text arrays, one statement.
inline constexpr statement insert_recipients{"insert_recipients", R"sql(
    INSERT INTO recipient (message_id, address, next_hop)
    SELECT $1::bigint, a, h FROM unnest($2::text[], $3::text[]) AS t(a, h))sql"};

// FOR UPDATE SKIP LOCKED lets several processes claim at once without
// waiting for each other; the lease makes a dead process's claims
// claimable again once it expires. $3 counts messages, not recipients:
// every due recipient of a chosen message is claimed with it, so one
// attempt sees all of a message's failures and sends one DSN for them.
inline constexpr statement claim_due{"claim_due", R"sql(
    UPDATE recipient r
       SET lease_owner = $1, lease_until = now() + $2::integer * interval '1 second'
      FROM message m
     WHERE r.id IN (SELECT id FROM recipient
                     WHERE message_id IN (SELECT message_id FROM recipient
                                           WHERE state IN ('queued', 'deferred') AND next_attempt <= now()
                                             AND (lease_until IS NULL OR lease_until < now())
                                           ORDER BY next_attempt
                                           LIMIT $3)
                       AND state IN ('queued', 'deferred') AND next_attempt <= now()
                       AND (lease_until IS NULL OR lease_until < now())
                     FOR UPDATE SKIP LOCKED)
       AND m.id = r.message_id
 RETURNING r.id, r.message_id, m.qid, m.sender, r.address, r.next_hop, r.attempts,
           extract(epoch FROM m.received_at)::float8)sql"};

inline constexpr statement load_body{"load_body", "SELECT body FROM message WHERE id = $1::bigint"};
// The first $2 octets, where a DSN finds the header it returns.
inline constexpr statement load_head{"load_head",
                                     "SELECT substring(body FROM 1 FOR $2::integer) FROM message WHERE id = $1::bigint"};

// Outcomes are recorded only while we still hold the lease: a process
// whose lease expired (it hung) must not overwrite what another did since.
// $4 is a final state: 'delivered', 'failed' or 'quarantined'.
inline constexpr statement record_final{"record_final", R"sql(
    UPDATE recipient SET state = $4, lease_owner = NULL, lease_until = NULL,
                         attempts = attempts + 1, last_reply = $3
     WHERE id = ANY($1::bigint[]) AND lease_owner = $2)sql"};

inline constexpr statement record_deferred{"record_deferred", R"sql(
    UPDATE recipient SET state = 'deferred', lease_owner = NULL, lease_until = NULL,
                         attempts = attempts + 1, last_reply = $3,
                         next_attempt = to_timestamp($4::float8)
     WHERE id = ANY($1::bigint[]) AND lease_owner = $2)sql"};

// A message whose recipients are all final is removed with them; the log
// lines are its history.
inline constexpr statement remove_if_done{"remove_if_done", R"sql(
    DELETE FROM message WHERE id = $1::bigint
       AND NOT EXISTS (SELECT 1 FROM recipient
                        WHERE message_id = $1::bigint AND state IN ('queued', 'deferred', 'quarantined')))sql"};

inline constexpr statement release_leases{"release_leases", R"sql(
    UPDATE recipient SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1)sql"};

// Leases of the recipients this process is still working on (by id: one
// whose outcome could not be recorded is left out and lapses), extended so
// that a long backlog or a slow next hop never lets them lapse while the
// process is alive.
inline constexpr statement renew_leases{"renew_leases", R"sql(
    UPDATE recipient SET lease_until = now() + $2::integer * interval '1 second'
     WHERE lease_owner = $1 AND id = ANY($3::bigint[]) AND state IN ('queued', 'deferred'))sql"};

inline constexpr statement queue_depth{"queue_depth", R"sql(
    SELECT CASE WHEN r.lease_until > now() THEN 'active' ELSE r.state END AS s,
           count(DISTINCT r.message_id),
           coalesce(extract(epoch FROM now() - min(m.received_at)), 0)::float8
      FROM recipient r JOIN message m ON m.id = r.message_id
     WHERE r.state IN ('queued', 'deferred', 'quarantined')
     GROUP BY s)sql"};

inline constexpr statement ping{"ping", "SELECT 1"};

// SMTP AUTH users; the hash is libsodium's encoded Argon2id string.
inline constexpr statement user_hash{"user_hash", "SELECT hash FROM smtp_user WHERE name = $1"};
inline constexpr statement user_add{"user_add", R"sql(
    INSERT INTO smtp_user (name, hash) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING)sql"};
inline constexpr statement user_passwd{"user_passwd", R"sql(
    UPDATE smtp_user SET hash = $2, updated_at = now() WHERE name = $1)sql"};
inline constexpr statement user_delete{"user_delete", "DELETE FROM smtp_user WHERE name = $1"};

} // namespace statements
} // namespace x400gw::db
