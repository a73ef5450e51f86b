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

#include "db/admin.hpp"

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

using operation =
    std::variant<list_queue, show_message, raw_message, message_structure, queue_action, summary, list_audit>;

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

// The OpenAPI 3.1 document (docs/openapi.json, built in).
std::string_view openapi_document() noexcept;

} // namespace x400gw::rest
