// db/store.hpp
//
// The queries behind the queue, as functions from and to plain values.
// Each runs on a connection owned by the calling thread (worker_pool or
// committer). No PGresult escapes this file's implementation.
#pragma once

#include "queue/message_options.hpp"
#include "db/connection.hpp"
#include "queue/outcome.hpp"

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace x400gw::db {

struct new_recipient {
    std::string address;    // forward path without <>
    std::string next_hop;   // "host:port"
    // RFC 3461, "" when not given: NOTIFY as smtp::command has it, and
    // ORCPT as "addr-type;address".
    std::string notify;
    std::string orcpt;
};

struct new_message {
    std::uint64_t key = 0;
    std::string qid;
    std::string sender;     // reverse path without <>, "" for <>
    queue::message_options options;   // each NULL in the row when not given (0, false)
    std::string client;     // "host[addr]" for logs
    std::vector<new_recipient> recipients;
    std::string body;       // as it will be delivered, trace header included
    // Non-empty: the recipients are committed leased to this owner for
    // lease_seconds, and commit_messages fills recipient_ids (in the order
    // of recipients) for the delivery that takes them from memory.
    std::string lease_owner;
    int lease_seconds = 0;
    std::vector<std::int64_t> recipient_ids;
};

// Applies db/migrations/V*.sql not yet recorded in schema_version, in
// order, each in its own transaction, under an advisory lock so that
// several gateway processes starting together apply each once.
void apply_migrations(connection& c);

// Message keys, handed out in blocks of `block_size` per process.
class key_allocator {
public:
    static constexpr std::uint64_t block_size = 1024;
    std::optional<std::uint64_t> try_take();   // no I/O
    std::uint64_t take(connection& c);         // refills from the database when empty

private:
    std::mutex mutex_;
    std::uint64_t next_ = 0, end_ = 0;
};

// Commits the messages and all their recipients in one transaction, with
// a commit_ledger row keyed by the first message's key.
void commit_messages(connection& c, std::span<new_message* const> batch);
// Whether the batch that began with `first_key` committed: the question to
// ask when the connection broke before the commit's outcome was known.
bool batch_committed(connection& c, std::uint64_t first_key);
// After batch_committed said yes: fills recipient_ids of the batch's
// messages committed with a lease owner, as commit_messages would have.
// A message whose ids cannot be read keeps none: delivery then does not
// take it from memory, and its recipients are claimed when the lease lapses.
void learn_recipient_ids(connection& c, std::span<new_message* const> batch) noexcept;
void prune_ledger(connection& c);

struct claimed_recipient {
    std::int64_t id = 0;
    std::uint64_t message_key = 0;
    std::string qid;
    std::string sender;
    std::string address;
    std::string next_hop;
    int attempts = 0;
    double received_at = 0;   // seconds since the epoch
    std::string pending_action;   // "bounce": an administrator's bounce to carry out; else ""
    std::string notify, orcpt;    // the recipient's RFC 3461 parameters (new_recipient)
    queue::message_options options;   // its message's (new_message)
    bool delay_reported = false;      // its delay report is behind it (queue::settle)
    std::optional<std::string> body;   // a body of at most `body_octets`, on one recipient of its message
};

// Leases up to `limit` due messages' recipients. Bodies of at most
// `body_octets` come with them (see claim_due in statements.hpp).
std::vector<claimed_recipient> claim_due(connection& c, std::string_view owner, int lease_seconds, int limit,
                                         std::size_t body_octets);

// The body, or nullopt when the message is gone (another process finished it).
std::optional<std::string> load_body(connection& c, std::uint64_t message_key);
// Its first `octets` octets (where the header is), or nullopt when it is gone.
std::optional<std::string> load_head(connection& c, std::uint64_t message_key, std::size_t octets);

struct recipient_result {
    std::int64_t id = 0;
    queue::outcome_kind kind = queue::outcome_kind::deferred;
    std::string reply;          // last reply or reason, for the row
    double next_attempt = 0;    // with deferred: seconds since the epoch
    bool delay_due = false;     // with deferred: its delay report fell due (settlement::delay_due)
    // For the attempt history:
    std::string address;
    std::string next_hop;
    std::string remote;         // "mx.example[192.0.2.1]:25", "" when never connected
    std::string tls;            // "TLSv1.3:...", "" for none
};

// Records one attempt's outcomes and their history as `node`, carries out
// the administrators' actions that waited for them, queues the DSNs it
// produced, and removes the message when no recipient is left to deliver:
// one transaction. Returns how many of the recipients were still ours to
// record.
std::uint64_t record_attempt(connection& c, std::string_view owner, std::uint64_t message_key,
                             std::vector<recipient_result> const& results, std::vector<new_message> const& dsns);

// A message of which an attempt delivered every recipient it tried.
struct delivered_message {
    std::uint64_t key = 0;
    std::vector<recipient_result> results;   // each of kind delivered
};
// Records the attempts `batch`. The messages with no other recipient left
// are deleted in one statement (finish_delivered): nothing of them would
// be kept. The others' outcomes are recorded one by one (record_attempt).
// Returns how many of the recipients were still ours to record.
std::uint64_t finish_delivered(connection& c, std::string_view owner, std::span<delivered_message const> batch);

void release_leases(connection& c, std::string_view owner);
// Extends the leases of the recipients `ids` that `owner` still holds.
void renew_leases(connection& c, std::string_view owner, int lease_seconds, std::vector<std::int64_t> const& ids);

struct depth_row {
    std::string state;   // queued, deferred, active
    std::int64_t messages = 0;
    double oldest_seconds = 0;
};
std::vector<depth_row> queue_depth(connection& c);

void ping(connection& c);

// SMTP AUTH users. user_hash: the stored hash, or nullopt for no such user.
// The others return whether a row was written (false: the user exists for
// add, does not for passwd and delete).
std::optional<std::string> user_hash(connection& c, std::string_view name);
bool user_add(connection& c, std::string_view name, std::string_view hash);
bool user_passwd(connection& c, std::string_view name, std::string_view hash);
bool user_delete(connection& c, std::string_view name);

} // namespace x400gw::db
