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
// The recipients a batch committed leased to us, when its outcome was
// learned from the ledger instead of from the commit's own results.
inline constexpr statement leased_recipients{"leased_recipients", R"sql(
    SELECT id FROM recipient WHERE message_id = $1::bigint AND lease_owner = $2 ORDER BY id)sql"};
// A row is read only while its batch's outcome is unknown: on a new
// connection, right after the old one broke mid-commit (committer.cpp,
// commit_or_learn), seconds after the row was written. An hour is ample; a
// day kept 86 million rows at 1,000 messages a second from one client (a
// batch a message).
inline constexpr statement prune_ledger{"prune_ledger", R"sql(
    DELETE FROM commit_ledger WHERE committed_at < now() - interval '1 hour')sql"};

inline constexpr statement insert_message{"insert_message", R"sql(
    INSERT INTO message (id, qid, sender, size, client, body, dsn_ret, dsn_envid, priority, require_tls, smtputf8)
    VALUES ($1::bigint, $2, $3, $4::integer, $5, $6::bytea, $7, $8, $9::smallint, $10::boolean, $11::boolean))sql"};

// Recipients of one message as two parallel text arrays, one statement.
// With an owner ($4), they are born leased to it for $5 seconds: the
// process that took the message delivers it from memory, with no claim
// (see delivery::hand_off). The ids come back in the arrays' order: one
// statement draws them from the sequence row by row, so sorted they follow
// the rows. $6 and $7, the recipients' NOTIFY and ORCPT (RFC 3461), are
// NULL when no recipient has one: unnest pads a shorter array with NULLs.
inline constexpr statement insert_recipients{"insert_recipients", R"sql(
    INSERT INTO recipient (message_id, address, next_hop, lease_owner, lease_until, notify, orcpt)
    SELECT $1::bigint, a, h, $4::text,
           CASE WHEN $4::text IS NOT NULL THEN now() + $5::integer * interval '1 second' END,
           nullif(n, ''), nullif(o, '')
      FROM unnest($2::text[], $3::text[], $6::text[], $7::text[]) AS t(a, h, n, o)
 RETURNING id)sql"};

// FOR UPDATE SKIP LOCKED lets several processes claim at once without
// waiting for each other; the lease makes a dead process's claims
// claimable again once it expires. $3 counts messages, not recipients:
// every due recipient of a chosen message is claimed with it, so one
// attempt sees all of a message's failures and sends one DSN for them.
// The subqueries are arrays (= ANY(ARRAY(...))), not IN: with IN, the
// generic plan PostgreSQL caches after five executions, not knowing $3,
// joined two sequential scans of recipient, so with a backlog every claim
// read the whole table (9.6 ms a claim at 5,000 queued; the relay bench's
// delivery fell to 72 msg/s). As arrays, every plan is three index scans.
// A body of at most $4 octets comes with the claim, on its message's first
// recipient (by id; when that one is not among those claimed, the body is
// loaded with load_body): one round trip instead of two for small mail. The
// result is read in binary format, so the body comes as its octets and the
// other columns are cast to text.
inline constexpr statement claim_due{"claim_due", R"sql(
    UPDATE recipient r
       SET lease_owner = $1, lease_until = now() + $2::integer * interval '1 second'
      FROM message m
     WHERE r.id = ANY(ARRAY(SELECT id FROM recipient
                     WHERE message_id = ANY(ARRAY(SELECT message_id FROM recipient
                                           WHERE state IN ('queued', 'deferred') AND next_attempt <= now()
                                             AND (lease_until IS NULL OR lease_until < now())
                                           ORDER BY next_attempt
                                           LIMIT $3))
                       AND state IN ('queued', 'deferred') AND next_attempt <= now()
                       AND (lease_until IS NULL OR lease_until < now())
                     FOR UPDATE SKIP LOCKED))
       AND m.id = r.message_id
 RETURNING r.id::text, r.message_id::text, m.qid, m.sender, r.address, r.next_hop, r.attempts::text,
           extract(epoch FROM m.received_at)::float8::text, coalesce(r.pending_action, ''),
           CASE WHEN octet_length(m.body) <= $4::integer
                 AND r.id = (SELECT min(id) FROM recipient WHERE message_id = r.message_id)
                THEN m.body END,
           coalesce(r.notify, ''), coalesce(r.orcpt, ''), coalesce(m.dsn_ret, ''), coalesce(m.dsn_envid, ''),
           coalesce(r.delay_reported, false)::text, coalesce(m.priority, 0)::text,
           coalesce(m.require_tls, false)::text, coalesce(m.smtputf8, false)::text)sql"};

inline constexpr statement load_body{"load_body", "SELECT body FROM message WHERE id = $1::bigint"};
// The first $2 octets, where a DSN finds the header it returns.
inline constexpr statement load_head{"load_head",
                                     "SELECT substring(body FROM 1 FOR $2::integer) FROM message WHERE id = $1::bigint"};

// Outcomes are recorded only while we still hold the lease: a process
// whose lease expired (it hung) must not overwrite what another did since.
// $4 is a final state: 'delivered', 'failed' or 'quarantined'. A final
// outcome wins over an administrator's action that waited for it.
inline constexpr statement record_final{"record_final", R"sql(
    UPDATE recipient SET state = $4, lease_owner = NULL, lease_until = NULL,
                         attempts = attempts + 1, last_reply = $3, pending_action = NULL
     WHERE id = ANY($1::bigint[]) AND lease_owner = $2)sql"};

// A deferral gives way to the action that waited for it: 'hold' holds,
// 'retry' and 'bounce' make it due now ('bounce' stays, for the scheduler),
// 'delete' is carried out by delete_pending in the same transaction. $5:
// its delay report was due with this attempt (and is in the same
// transaction, when the sender is to have one).
inline constexpr statement record_deferred{"record_deferred", R"sql(
    UPDATE recipient SET state = CASE pending_action WHEN 'hold' THEN 'held' ELSE 'deferred' END,
                         lease_owner = NULL, lease_until = NULL,
                         attempts = attempts + 1, last_reply = $3,
                         delay_reported = CASE WHEN $5::boolean THEN true ELSE delay_reported END,
                         next_attempt = CASE WHEN pending_action IN ('retry', 'bounce') THEN now()
                                             ELSE to_timestamp($4::float8) END,
                         pending_action = CASE WHEN pending_action IN ('bounce', 'delete') THEN pending_action END
     WHERE id = ANY($1::bigint[]) AND lease_owner = $2)sql"};
inline constexpr statement delete_pending{"delete_pending", R"sql(
    DELETE FROM recipient WHERE message_id = $1::bigint AND pending_action = 'delete' AND lease_owner IS NULL)sql"};

// One row of a message's attempt history per recipient result, written
// only while the message is still there.
inline constexpr statement record_history{"record_history", R"sql(
    INSERT INTO attempt (message_id, recipient, node, next_hop, remote, outcome, reply, tls)
    SELECT $1::bigint, a.r, $2, a.h, a.m, a.o, a.y, a.t
      FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS a(r, h, m, o, y, t)
     WHERE EXISTS (SELECT 1 FROM message WHERE id = $1::bigint))sql"};

// A message whose recipients are all final is removed with them; the log
// lines are its history.
inline constexpr statement remove_if_done{"remove_if_done", R"sql(
    DELETE FROM message WHERE id = $1::bigint
       AND NOT EXISTS (SELECT 1 FROM recipient
                        WHERE message_id = $1::bigint AND state IN ('queued', 'deferred', 'quarantined', 'held')))sql"};

// The usual end of a message: every recipient it still has was just
// delivered by this process, under its lease. The messages $1 go at once,
// their recipients and their history with them (ON DELETE CASCADE),
// instead of writing each outcome and a history row only for
// remove_if_done to delete them in the same transaction. $3 lists the
// recipients delivered, of all the messages together (an id belongs to one
// message). A message that still has another recipient, or one whose lease
// has passed to another process, is not deleted, and not returned: its
// outcomes are then recorded one by one.
inline constexpr statement finish_delivered{"finish_delivered", R"sql(
    DELETE FROM message m WHERE m.id = ANY($1::bigint[])
       AND NOT EXISTS (SELECT 1 FROM recipient
                        WHERE message_id = m.id
                          AND (lease_owner IS DISTINCT FROM $2 OR id <> ALL($3::bigint[])))
 RETURNING m.id)sql"};

inline constexpr statement release_leases{"release_leases", R"sql(
    UPDATE recipient SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1)sql"};

// Leases of the recipients this process is still working on (by id: one
// whose outcome could not be recorded is left out and lapses), extended so
// that a long backlog or a slow next hop never lets them lapse while the
// process is alive.
inline constexpr statement renew_leases{"renew_leases", R"sql(
    UPDATE recipient SET lease_until = now() + $2::integer * interval '1 second'
     WHERE lease_owner = $1 AND id = ANY($3::bigint[]) AND state IN ('queued', 'deferred'))sql"};

// The queue's depth reads every queued recipient and its message. The
// queue's connections plan with enable_seqscan = off (x400gw.cpp), which
// for this statement alone makes two whole index scans and a merge join of
// them: 750 ms at 171,000 queued against 200 with scans and a hash join
// (EXPLAIN ANALYZE, 4 MB of shared buffers). So it runs after
// whole_table_scans, in the same transaction.
inline constexpr statement whole_table_scans{"whole_table_scans",
                                             "SELECT set_config('enable_seqscan', 'on', true)"};
inline constexpr statement queue_depth{"queue_depth", R"sql(
    SELECT CASE WHEN r.lease_until > now() THEN 'active' ELSE r.state END AS s,
           count(DISTINCT r.message_id),
           coalesce(extract(epoch FROM now() - min(m.received_at)), 0)::float8
      FROM recipient r JOIN message m ON m.id = r.message_id
     WHERE r.state IN ('queued', 'deferred', 'quarantined', 'held')
     GROUP BY s)sql"};

inline constexpr statement ping{"ping", "SELECT 1"};

// SMTP AUTH users; the hash is libsodium's encoded Argon2id string.
inline constexpr statement user_hash{"user_hash", "SELECT hash FROM smtp_user WHERE name = $1"};
inline constexpr statement user_add{"user_add", R"sql(
    INSERT INTO smtp_user (name, hash) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING)sql"};
inline constexpr statement user_passwd{"user_passwd", R"sql(
    UPDATE smtp_user SET hash = $2, updated_at = now() WHERE name = $1)sql"};
inline constexpr statement user_delete{"user_delete", "DELETE FROM smtp_user WHERE name = $1"};

// --- Administration (db/admin.hpp) ---

// Messages by a filter; a null parameter is no condition. $1 the keyset
// cursor (the last id seen), $9 the page size.
inline constexpr statement list_messages{"list_messages", R"sql(
    SELECT m.id, m.qid, m.sender, m.client, m.size, extract(epoch FROM m.received_at)::float8,
           coalesce(m.dsn_ret, ''), coalesce(m.dsn_envid, ''), coalesce(m.priority, 0), coalesce(m.require_tls, false),
           coalesce(m.smtputf8, false)
      FROM message m
     WHERE m.id > $1::bigint
       AND ($2::text IS NULL OR m.qid LIKE $2 || '%')
       AND ($3::text IS NULL OR strpos(lower(m.sender), lower($3)) > 0)
       AND ($4::float8 IS NULL OR m.received_at <= now() - $4::float8 * interval '1 second')
       AND ($5::float8 IS NULL OR m.received_at >= now() - $5::float8 * interval '1 second')
       AND EXISTS (SELECT 1 FROM recipient r
                    WHERE r.message_id = m.id
                      AND ($6::text IS NULL OR $6 = CASE WHEN r.lease_until > now() THEN 'active' ELSE r.state END)
                      AND ($7::text IS NULL OR strpos(lower(r.address), lower($7)) > 0)
                      AND ($8::text IS NULL OR r.next_hop = $8))
     ORDER BY m.id
     LIMIT $9::integer)sql"};

inline constexpr statement message_by_qid{"message_by_qid", R"sql(
    SELECT id, qid, sender, client, size, extract(epoch FROM received_at)::float8,
           coalesce(dsn_ret, ''), coalesce(dsn_envid, ''), coalesce(priority, 0), coalesce(require_tls, false),
           coalesce(smtputf8, false) FROM message WHERE qid = $1)sql"};

inline constexpr statement recipients_of{"recipients_of", R"sql(
    SELECT message_id, address, next_hop, state, coalesce(last_reply, ''), coalesce(pending_action, ''),
           CASE WHEN lease_until > now() THEN coalesce(lease_owner, '') ELSE '' END, attempts,
           extract(epoch FROM next_attempt)::float8,
           CASE WHEN lease_until > now() THEN extract(epoch FROM lease_until)::float8 ELSE 0 END,
           coalesce(notify, ''), coalesce(orcpt, '')
      FROM recipient WHERE message_id = ANY($1::bigint[]) ORDER BY message_id, id)sql"};

inline constexpr statement attempts_of{"attempts_of", R"sql(
    SELECT extract(epoch FROM at)::float8, recipient, node, next_hop, remote, outcome, reply, tls
      FROM attempt WHERE message_id = $1::bigint ORDER BY id)sql"};

inline constexpr statement body_chunk{"body_chunk", R"sql(
    SELECT substring(body FROM $2::integer FOR $3::integer) FROM message WHERE id = $1::bigint)sql"};

inline constexpr statement message_by_id_list{"message_by_id_list",
                                               "SELECT id, qid FROM message WHERE id = ANY($1::bigint[])"};
inline constexpr statement ids_of{"ids_of", "SELECT id FROM message WHERE qid = ANY($1::text[]) ORDER BY id"};

// The recipients' states, for the audit trail's before and after.
inline constexpr statement recipient_states{"recipient_states", R"sql(
    SELECT coalesce(jsonb_agg(jsonb_build_object('qid', m.qid, 'recipient', r.address, 'state', r.state,
                                                 'pending_action', r.pending_action) ORDER BY r.id), '[]')::text
      FROM recipient r JOIN message m ON m.id = r.message_id WHERE r.message_id = ANY($1::bigint[]))sql"};

// Each action in two halves: recipients not in flight change now (and
// lose any stale lease); those whose lease a delivery holds get a pending
// action, applied when that delivery records its outcome. Both return the
// message id of every recipient they changed.
#define X400GW_IDLE "(lease_until IS NULL OR lease_until < now())"
#define X400GW_BUSY "lease_until >= now()"
inline constexpr statement hold_now{"hold_now", "UPDATE recipient SET state = 'held', pending_action = NULL, "
    "lease_owner = NULL, lease_until = NULL WHERE message_id = ANY($1::bigint[]) AND state IN ('queued', 'deferred') "
    "AND " X400GW_IDLE " RETURNING message_id"};
inline constexpr statement hold_later{"hold_later", "UPDATE recipient SET pending_action = 'hold' "
    "WHERE message_id = ANY($1::bigint[]) AND state IN ('queued', 'deferred') AND " X400GW_BUSY
    " AND pending_action IS DISTINCT FROM 'hold' RETURNING message_id"};
inline constexpr statement release_now{"release_now", "UPDATE recipient SET state = 'queued', next_attempt = now(), "
    "pending_action = NULL, lease_owner = NULL, lease_until = NULL WHERE message_id = ANY($1::bigint[]) "
    "AND state IN ('held', 'quarantined') RETURNING message_id"};
// Releasing a message whose hold still waits for a delivery cancels the hold.
inline constexpr statement release_later{"release_later", "UPDATE recipient SET pending_action = NULL "
    "WHERE message_id = ANY($1::bigint[]) AND pending_action = 'hold' RETURNING message_id"};
inline constexpr statement retry_now{"retry_now", "UPDATE recipient SET next_attempt = now(), lease_owner = NULL, "
    "lease_until = NULL WHERE message_id = ANY($1::bigint[]) AND state IN ('queued', 'deferred') AND " X400GW_IDLE
    " RETURNING message_id"};
inline constexpr statement retry_later{"retry_later", "UPDATE recipient SET pending_action = 'retry' "
    "WHERE message_id = ANY($1::bigint[]) AND state IN ('queued', 'deferred') AND " X400GW_BUSY
    " AND pending_action IS NULL RETURNING message_id"};
inline constexpr statement delete_now{"delete_now", "DELETE FROM recipient WHERE message_id = ANY($1::bigint[]) "
    "AND state IN ('queued', 'deferred', 'held', 'quarantined') AND " X400GW_IDLE " RETURNING message_id"};
inline constexpr statement delete_later{"delete_later", "UPDATE recipient SET pending_action = 'delete' "
    "WHERE message_id = ANY($1::bigint[]) AND state IN ('queued', 'deferred') AND " X400GW_BUSY
    " AND pending_action IS DISTINCT FROM 'delete' RETURNING message_id"};
inline constexpr statement bounce_now{"bounce_now", "UPDATE recipient SET state = 'queued', next_attempt = now(), "
    "pending_action = 'bounce', lease_owner = NULL, lease_until = NULL WHERE message_id = ANY($1::bigint[]) "
    "AND state IN ('queued', 'deferred', 'held', 'quarantined') AND " X400GW_IDLE
    " AND pending_action IS DISTINCT FROM 'bounce' RETURNING message_id"};
inline constexpr statement bounce_later{"bounce_later", "UPDATE recipient SET pending_action = 'bounce' "
    "WHERE message_id = ANY($1::bigint[]) AND state IN ('queued', 'deferred') AND " X400GW_BUSY
    " AND pending_action IS DISTINCT FROM 'bounce' RETURNING message_id"};
#undef X400GW_IDLE
#undef X400GW_BUSY
// Messages left with nothing to deliver go, as remove_if_done does.
inline constexpr statement remove_finished{"remove_finished", R"sql(
    DELETE FROM message m WHERE m.id = ANY($1::bigint[])
       AND NOT EXISTS (SELECT 1 FROM recipient
                        WHERE message_id = m.id AND state IN ('queued', 'deferred', 'quarantined', 'held')))sql"};

// qshape: recipients by state, next hop and age bucket (minutes, upper edges).
inline constexpr statement queue_shape{"queue_shape", R"sql(
    SELECT CASE WHEN r.lease_until > now() THEN 'active' ELSE r.state END AS s, r.next_hop,
           width_bucket(extract(epoch FROM now() - m.received_at)::float8 / 60,
                        ARRAY[5, 10, 20, 40, 80, 160, 320, 640, 1280]::float8[]) AS b,
           count(*), count(DISTINCT r.message_id)
      FROM recipient r JOIN message m ON m.id = r.message_id
     WHERE r.state IN ('queued', 'deferred', 'quarantined', 'held')
     GROUP BY s, r.next_hop, b ORDER BY s, r.next_hop, b)sql"};

inline constexpr statement oldest_by_state{"oldest_by_state", R"sql(
    SELECT s, (array_agg(qid ORDER BY received_at, id))[1],
           extract(epoch FROM now() - min(received_at))::float8, count(DISTINCT id)
      FROM (SELECT CASE WHEN r.lease_until > now() THEN 'active' ELSE r.state END AS s, m.qid, m.received_at, m.id
              FROM recipient r JOIN message m ON m.id = r.message_id
             WHERE r.state IN ('queued', 'deferred', 'quarantined', 'held')) t
     GROUP BY s ORDER BY s)sql"};

inline constexpr statement token_by_digest{"token_by_digest", "SELECT name, role FROM api_token WHERE digest = $1"};
inline constexpr statement token_create{"token_create", R"sql(
    INSERT INTO api_token (name, role, digest) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING)sql"};
inline constexpr statement token_revoke{"token_revoke", "DELETE FROM api_token WHERE name = $1"};

inline constexpr statement record_audit{"record_audit", R"sql(
    INSERT INTO audit (actor, action, target, before, after) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb))sql"};
inline constexpr statement list_audit{"list_audit", R"sql(
    SELECT id, extract(epoch FROM at)::float8, actor, action, target::text, coalesce(before::text, 'null'),
           coalesce(after::text, 'null')
      FROM audit WHERE $1::bigint = 0 OR id < $1::bigint ORDER BY id DESC LIMIT $2::integer)sql"};

// --- Routes and mapping tables kept by the administration API (V006). ---
inline constexpr statement config_versions{"config_versions", "SELECT what, version FROM config_version"};
// Serialises the changes to one object across every process; the version it
// had.
inline constexpr statement lock_config{"lock_config", R"sql(
    SELECT version, set_config('synchronous_commit', 'on', true) FROM config_version WHERE what = $1 FOR UPDATE)sql"};
inline constexpr statement bump_config{"bump_config", R"sql(
    UPDATE config_version SET version = version + 1 WHERE what = $1 RETURNING version)sql"};
inline constexpr statement load_routes{"load_routes", R"sql(
    SELECT domain, host, port, tls, tls_name, tls_ca_file, tls_fallback FROM route ORDER BY domain)sql"};
inline constexpr statement upsert_route{"upsert_route", R"sql(
    INSERT INTO route (domain, host, port, tls, tls_name, tls_ca_file, tls_fallback)
    VALUES ($1, $2, $3::integer, $4, $5, $6, $7::boolean)
    ON CONFLICT (domain) DO UPDATE SET host = excluded.host, port = excluded.port, tls = excluded.tls,
        tls_name = excluded.tls_name, tls_ca_file = excluded.tls_ca_file, tls_fallback = excluded.tls_fallback)sql"};
inline constexpr statement delete_route{"delete_route", "DELETE FROM route WHERE domain = $1"};
inline constexpr statement delete_routes{"delete_routes", "DELETE FROM route"};
// A whole route file in one statement: one round trip however many routes.
inline constexpr statement insert_routes{"insert_routes", R"sql(
    INSERT INTO route (domain, host, port, tls, tls_name, tls_ca_file, tls_fallback)
    SELECT d, h, p::integer, t, n, f, b::boolean
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
           AS r(d, h, p, t, n, f, b))sql"};
inline constexpr statement load_table{"load_table", "SELECT body FROM mapping_table WHERE kind = $1"};
inline constexpr statement store_table{"store_table", R"sql(
    INSERT INTO mapping_table (kind, body, entries) VALUES ($1, $2, $3::integer)
    ON CONFLICT (kind) DO UPDATE SET body = excluded.body, entries = excluded.entries, updated_at = now())sql"};

} // namespace statements
} // namespace x400gw::db
