// gateway/rest/api.hpp
//
// The REST API (/api/v1) as pure functions: a request value becomes either
// a finished response (an error, or a document that needs no data) or an
// operation for the I/O layer to carry out against the database; the
// operation's results become a response. No sockets, no SQL: the unit
// tests drive every route through these functions, and
// gateway/http/admin_server.cpp is the only place that does I/O for them.
//
// Errors are RFC 9457 problem documents (application/problem+json), built
// with Boost.JSON, with a `detail` that says exactly what was wrong.
#pragma once

#include "addressing/mapper.hpp"
#include "db/admin.hpp"
#include "gateway/routes.hpp"

#include <array>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace x400gw::rest {

inline constexpr std::size_t max_body = 1 << 20;   // request bodies larger than this get 413
inline constexpr int max_page = 1000;              // list pages
inline constexpr int max_bulk = 100000;            // messages one action may select by filter
inline constexpr std::size_t max_import = 64 << 20; // a route or table file sent whole (PUT text/plain)
inline constexpr int max_table_page = 10000;       // table entries per page

struct request {
    std::string method;          // "GET", "POST", ...
    std::string target;          // origin form: "/api/v1/queue?state=deferred"
    std::string content_type;    // of the body
    std::string authorization;   // the Authorization header, as sent
    std::string body;
};

struct response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;   // Allow, WWW-Authenticate, ...
};

response problem(int status, std::string_view detail);
// A 400 naming every bad line of an import in `errors` (an extension
// member of the problem document).
response import_refused(std::string_view detail, std::vector<std::string> const& errors);
// 401 with WWW-Authenticate: Bearer.
response unauthorized(std::string_view detail);

// --- Operations: what a request asks of the database. ---
struct list_queue {
    db::queue_filter filter;
    std::int64_t after = 0;   // keyset cursor: the last message id of the previous page
    int limit = 100;
};
struct show_message {
    std::string qid;
};
struct raw_message {
    std::string qid;
};
struct message_structure {
    std::string qid;
};
// An action on messages named by qid, or on every message a filter selects.
struct queue_action {
    db::queue_action action{};
    std::vector<std::string> qids;
    std::optional<db::queue_filter> filter;
    std::string target_json;   // what the audit row says was asked
};
struct summary {};
struct list_audit {
    std::int64_t before = 0;
    int limit = 100;
};

// Routes (gateway/routes.hpp) and mapping tables: the ones this process
// applies, changed in the database (gateway/live_config.hpp).
struct list_routes {};
struct show_route {
    std::string domain;
};
struct lookup_route {
    std::string domain;
};
struct put_route {
    gateway::route route;
    bool create_only = false;   // POST: 409 when a route for the domain is in effect
};
struct delete_route {
    std::string domain;
};
struct export_routes {};
struct import_routes {
    std::vector<gateway::route> routes;
};
struct list_tables {};
struct list_table {
    addressing::table_kind kind{};
    std::size_t after = 0;      // cursor: entries before this index were on earlier pages
    int limit = 1000;
};
struct show_entry {
    addressing::table_kind kind{};
    std::string key;
};
struct put_entry {
    addressing::table_kind kind{};
    std::string key, value;
    bool create_only = false;   // POST
};
struct delete_entry {
    addressing::table_kind kind{};
    std::string key;
};
struct export_table {
    addressing::table_kind kind{};
};
struct import_table {
    addressing::table_kind kind{};
    std::string text;           // checked: it parses
};
// The mapping `x400gwctl address to-rfc822|to-x400` gives offline, on the
// tables this process applies.
struct address_lookup {
    bool to_rfc822 = true;
    std::string address;
    addressing::role role = addressing::role::recipient;
};

using operation =
    std::variant<list_queue, show_message, raw_message, message_structure, queue_action, summary, list_audit,
                 list_routes, show_route, lookup_route, put_route, delete_route, export_routes, import_routes,
                 list_tables, list_table, show_entry, put_entry, delete_entry, export_table, import_table,
                 address_lookup>;

// The outcome of a change to the routes or a table: 200 changed, 201
// created, 400 refused input, 404 no such entry, 409 conflict (with the
// file, another table, or no [addressing]).
struct config_change {
    int status = 200;
    std::string detail;                                      // why, when status >= 400
    std::optional<gateway::route> route_before, route_after;
    std::optional<std::string> entry_before, entry_after;    // table lines
    std::size_t count = 0;                                   // import: what the database now holds
};

// One row of GET /tables.
struct table_summary {
    addressing::table_kind kind{};
    std::string source;   // "file", "database" or "none"
    std::size_t entries = 0;
};

// --- HTTP/1.1 framing (RFC 9112), before any route is looked at. ---
// What the HTTP reader saw of a request's head.
struct request_head {
    unsigned version = 11;                // 10 or 11
    std::size_t host_fields = 1;
    std::size_t content_length_fields = 0;
    std::size_t authorization_fields = 0;
    std::size_t content_type_fields = 0;
    std::string_view transfer_encoding;   // every Transfer-Encoding value, joined by ", "
    std::string_view expect;
    bool has_body = false;                // a Content-Length over 0, or chunked
};
struct head_verdict {
    std::optional<response> refuse;   // answer this, then close the connection
    bool send_continue = false;       // "100 Continue" before reading the body
};
// Whether a parsed head can be trusted: an HTTP/1.1 request without
// exactly one Host, two Authorization or Content-Type fields (which one
// counts?) (400), a body whose length cannot be known (400) or
// whose coding we cannot undo (501), or an expectation we cannot meet
// (417) is refused before its body is read.
head_verdict check_head(request_head const& head);
// The problem for a request the HTTP reader could not parse: `what` is its
// reason, `received` what had arrived of it. A head over the size limit is
// 431, a well-formed request line of another HTTP version 505, anything
// else 400.
response unparsable(std::string_view what, std::string_view received, bool head_too_large);
// A request target in absolute form ("http://host/path?q", RFC 9112 3.2.2)
// as the origin form the routes read ("/path?q"); any other target as it is.
std::string origin_target(std::string_view target);

// Whether the operation changes anything (then it needs an admin token).
bool writes(operation const& op) noexcept;

// The request's route and arguments, or a response when there is nothing
// to fetch (an error, the OpenAPI document). Authentication is the
// caller's: this only reads the request.
std::variant<response, operation> route(request const& req);

// The bearer token in an Authorization header, or nullopt.
std::optional<std::string> bearer_token(std::string_view authorization);

// --- Responses from results (now: seconds since the epoch). ---
response render_list(list_queue const& op, std::vector<db::message_view> const& page, double now);
response render_message(db::message_view const& m, std::vector<db::attempt_view> const& attempts, double now);
response render_structure(std::string_view qid, std::string_view describe_json);
response render_actions(queue_action const& op, std::vector<db::action_outcome> const& outcomes);
response render_summary(std::vector<db::shape_row> const& shape, std::vector<db::oldest_row> const& oldest);
response render_audit(list_audit const& op, std::vector<db::audit_row> const& rows);
response not_found_message(std::string_view qid);

std::string route_json_text(gateway::route const& r);   // for audit rows
response render_routes(gateway::route_set const& routes);
response render_route(gateway::route const* r, std::string_view domain);
response render_route_lookup(gateway::route const* r, std::string_view domain);
response render_route_change(config_change const& c);
response render_text(std::string text);                 // text/plain exports
response render_tables(std::vector<table_summary> const& tables);
response render_table(list_table const& op, addressing::mapping_table const* table);
response render_entry(addressing::table_kind kind, addressing::table_entry const* e, std::string_view key);
response render_entry_change(config_change const& c);
response render_address_lookup(address_lookup const& op, addressing::mapping_state const& state);
response no_addressing();

// The OpenAPI 3.1 document (docs/openapi.json, built in).
std::string_view openapi_document() noexcept;

} // namespace x400gw::rest
