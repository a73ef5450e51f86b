// gateway/rest/api.cpp
#include "gateway/rest/api.hpp"

#include "addressing/mixer.hpp"
#include "addressing/or_address.hpp"
#include "addressing/std_or.hpp"
#include "addressing/table_edit.hpp"
#include "addressing/text_lines.hpp"
#include "addressing/validate.hpp"
#include "db/connection.hpp"
#include "queue/qid.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <charconv>
#include <cmath>
#include <algorithm>
#include <ctime>
#include <map>

namespace x400gw::rest {
namespace json = boost::json;
namespace {

std::string_view reason(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

response json_response(json::value const& v, int status = 200)
{
    response r;
    r.status = status;
    r.body = json::serialize(v);
    r.body += '\n';
    return r;
}

std::string rfc3339(double seconds)
{
    if (seconds <= 0)
        return {};
    auto const t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

json::value time_or_null(double seconds)
{
    if (seconds <= 0)
        return nullptr;
    return json::value(rfc3339(seconds));
}

json::value text_or_null(std::string const& s)
{
    if (s.empty())
        return nullptr;
    return json::value(s);
}

bool is_write_method(std::string_view m) { return m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE"; }

response method_not_allowed(std::string_view method, std::string_view path, std::string allow)
{
    auto r = problem(405, std::string(method) + " is not allowed on " + std::string(path) + "; allowed: " + allow);
    r.headers.emplace_back("Allow", std::move(allow));
    return r;
}

// A queue id from a path segment or a list: exactly ten base-32 characters.
std::optional<std::string> normal_qid(std::string_view text)
{
    if (!queue::parse_qid(text))
        return std::nullopt;
    std::string out(text);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::optional<db::queue_action> action_named(std::string_view s)
{
    if (s == "hold")
        return db::queue_action::hold;
    if (s == "release")
        return db::queue_action::release;
    if (s == "retry")
        return db::queue_action::retry;
    if (s == "delete")
        return db::queue_action::remove;
    if (s == "bounce")
        return db::queue_action::bounce;
    return std::nullopt;
}

constexpr std::string_view states[] = {"queued", "deferred", "active", "held", "quarantined"};

// One filter field from text (a query parameter or a JSON string/number),
// or the reason it is refused.
std::optional<std::string> set_filter(db::queue_filter& f, std::string_view key, std::string_view value)
{
    auto const number = [&](std::optional<double>& out) -> std::optional<std::string> {
        double v = 0;
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec != std::errc() || p != value.data() + value.size() || !std::isfinite(v) || v < 0)
            return std::string(key) + " must be a number of seconds, not \"" + std::string(value) + "\"";
        out = v;
        return std::nullopt;
    };
    if (key == "state") {
        for (auto s : states)
            if (value == s) {
                f.state = std::string(value);
                return std::nullopt;
            }
        return "state must be one of queued, deferred, active, held, quarantined, not \"" + std::string(value) + "\"";
    }
    if (key == "sender" || key == "recipient" || key == "next_hop") {
        if (value.empty() || value.size() > 998)
            return std::string(key) + " must be 1 to 998 characters";
        for (unsigned char c : value)
            if (c < 0x20 || c == 0x7f)
                return std::string(key) + " must not hold control characters";
        (key == "sender" ? f.sender : key == "recipient" ? f.recipient : f.next_hop) = std::string(value);
        return std::nullopt;
    }
    if (key == "qid") {
        std::string prefix(value);
        for (auto& c : prefix)
            if (c >= 'a' && c <= 'z')
                c = static_cast<char>(c - 'a' + 'A');
        if (prefix.empty() || prefix.size() > 10 ||
            prefix.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ") != std::string::npos)
            return "qid must be a prefix of a queue id (1 to 10 base-32 characters), not \"" + std::string(value) +
                   "\"";
        f.qid_prefix = prefix;
        return std::nullopt;
    }
    if (key == "min_age")
        return number(f.min_age);
    if (key == "max_age")
        return number(f.max_age);
    return "unknown filter field \"" + std::string(key) + "\"";
}

std::optional<int> page_size(std::string_view value)
{
    int v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size() || v < 1 || v > max_page)
        return std::nullopt;
    return v;
}

// The request body's media type, lower case, without parameters.
std::string media_type(request const& req)
{
    auto const type = std::string_view(req.content_type).substr(0, req.content_type.find(';'));
    std::string lower(type);
    for (auto& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!lower.empty() && lower.back() == ' ')
        lower.pop_back();
    return lower;
}

// The first member name an object of `text` (valid JSON) repeats, decoded.
// Boost.JSON keeps the last of them; another reader may take the first, so
// {"action":"hold","action":"delete"} means nothing certain and is refused.
std::optional<std::string> repeated_member(std::string_view text)
{
    struct level {
        bool object = false;
        bool at_key = false;
        std::vector<std::string> names;
    };
    std::vector<level> open;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char const c = text[i];
        if (c == '{' || c == '[') {
            open.push_back({c == '{', c == '{', {}});
        } else if (c == '}' || c == ']') {
            open.pop_back();
        } else if (c == ',' && !open.empty()) {
            open.back().at_key = open.back().object;
        } else if (c == ':' && !open.empty()) {
            open.back().at_key = false;
        } else if (c == '"') {
            auto const start = i;
            for (++i; text[i] != '"'; ++i)
                if (text[i] == '\\')
                    ++i;
            if (open.empty() || !open.back().at_key)
                continue;
            boost::system::error_code ec;
            auto const name = json::parse(text.substr(start, i + 1 - start), ec);
            std::string key(name.as_string());
            auto& names = open.back().names;
            if (std::find(names.begin(), names.end(), key) != names.end())
                return key;
            names.push_back(std::move(key));
        }
    }
    return std::nullopt;
}

// The JSON body of a POST: an object, or a problem. An empty body is {}.
// A UTF-8 byte order mark before it is skipped (RFC 8259 8.1 allows it).
std::variant<response, json::object> json_body(request const& req)
{
    if (req.body.size() > max_body)
        return problem(413, "the request body exceeds " + std::to_string(max_body) + " octets");
    if (req.body.empty())
        return json::object{};
    if (media_type(req) != "application/json")
        return problem(415, "the request body must be application/json, not \"" + req.content_type + "\"");
    auto const text = addressing::without_bom(req.body);
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec)
        return problem(400, "the request body is not valid JSON: " + ec.message());
    if (auto name = repeated_member(text))
        return problem(400, "the request body gives the member \"" + *name + "\" more than once");
    if (!v.is_object())
        return problem(400, "the request body must be a JSON object");
    return std::move(v.as_object());
}

std::variant<response, operation> bulk_action(request const& req)
{
    auto body = json_body(req);
    if (auto* r = std::get_if<response>(&body))
        return std::move(*r);
    auto& o = std::get<json::object>(body);
    queue_action op;
    for (auto const& [k, v] : o)
        if (k != "action" && k != "ids" && k != "filter")
            return problem(400, "unknown field \"" + std::string(k) + "\"; expected action and ids or filter");
    auto const* a = o.if_contains("action");
    if (!a || !a->is_string())
        return problem(400, "action must be a string: hold, release, retry, delete or bounce");
    auto const act = action_named(a->as_string());
    if (!act)
        return problem(400, "unknown action \"" + std::string(a->as_string()) +
                                "\"; expected hold, release, retry, delete or bounce");
    op.action = *act;
    auto const* ids = o.if_contains("ids");
    auto const* filter = o.if_contains("filter");
    if ((ids != nullptr) == (filter != nullptr))
        return problem(400, "give exactly one of ids (a list of queue ids) and filter (an object; {} is every message)");
    if (ids) {
        if (!ids->is_array() || ids->as_array().empty())
            return problem(400, "ids must be a non-empty array of queue ids");
        if (ids->as_array().size() > static_cast<std::size_t>(max_bulk))
            return problem(400, "ids may name at most " + std::to_string(max_bulk) + " messages");
        for (auto const& e : ids->as_array()) {
            auto q = e.is_string() ? normal_qid(e.as_string()) : std::nullopt;
            if (!q)
                return problem(400, "ids must hold queue ids (ten base-32 characters), not " + json::serialize(e));
            op.qids.push_back(*q);
        }
    } else {
        if (!filter->is_object())
            return problem(400, "filter must be an object");
        db::queue_filter f;
        for (auto const& [k, v] : filter->as_object()) {
            std::string text;
            if (v.is_string())
                text = v.as_string();
            else if (v.is_number() && (k == "min_age" || k == "max_age"))
                text = json::serialize(v);
            else
                return problem(400, "filter." + std::string(k) + " must be a " +
                                        (k == "min_age" || k == "max_age" ? "number" : "string"));
            if (auto why = set_filter(f, k, text))
                return problem(400, "filter: " + *why);
        }
        op.filter = f;
    }
    json::object target{{"action", std::string(db::action_name(op.action))}};
    if (ids)
        target["ids"] = json::value_from(op.qids);
    else
        target["filter"] = *filter;
    op.target_json = json::serialize(target);
    return op;
}

std::variant<response, operation> one_action(request const& req, std::string qid, db::queue_action a)
{
    auto body = json_body(req);
    if (auto* r = std::get_if<response>(&body))
        return std::move(*r);
    if (auto& o = std::get<json::object>(body); !o.empty())
        return problem(400, "this action takes no fields; unknown field \"" + std::string(o.begin()->key()) + "\"");
    queue_action op;
    op.action = a;
    op.qids.push_back(qid);
    op.target_json = json::serialize(json::object{{"action", std::string(db::action_name(a))}, {"ids", json::array{json::value(qid)}}});
    return op;
}

json::object recipient_json(db::recipient_view const& r, double now)
{
    bool const active = r.lease_until > now;
    json::object o{{"address", r.address},
            {"next_hop", r.next_hop},
            {"state", active ? std::string("active") : r.state},
            {"attempts", r.attempts},
            {"last_reply", text_or_null(r.last_reply)},
            {"next_attempt", (r.state == "queued" || r.state == "deferred") ? time_or_null(r.next_attempt) : nullptr},
            {"pending_action", text_or_null(r.pending_action)},
            {"lease_owner", active ? text_or_null(r.lease_owner) : nullptr},
            {"lease_until", active ? time_or_null(r.lease_until) : nullptr}};
    // The DSN parameters (RFC 3461), only when the client gave them.
    if (!r.notify.empty())
        o["notify"] = r.notify;
    if (!r.orcpt.empty())
        o["orcpt"] = r.orcpt;
    return o;
}

json::object message_json(db::message_view const& m, double now)
{
    json::array rcpts;
    for (auto const& r : m.recipients)
        rcpts.push_back(recipient_json(r, now));
    json::object o{{"id", m.qid},
                   {"size", m.size},
                   {"arrival", rfc3339(m.received_at)},
                   {"age_seconds", static_cast<std::int64_t>(std::max(0.0, std::floor(now - m.received_at)))},
                   {"sender", m.sender},
                   {"recipients", std::move(rcpts)}};
    if (!m.options.dsn_ret.empty())
        o["ret"] = m.options.dsn_ret;
    if (!m.options.dsn_envid.empty())
        o["envid"] = m.options.dsn_envid;
    if (m.options.priority != 0)
        o["priority"] = m.options.priority;
    if (m.options.require_tls)
        o["requiretls"] = true;
    if (m.options.smtputf8)
        o["smtputf8"] = true;
    return o;
}


// --- Routes and tables ---

namespace ad = addressing;

// A text/plain body (an import), or a problem.
std::variant<response, std::string> text_body(request const& req)
{
    if (req.body.size() > max_import)
        return problem(413, "the request body exceeds " + std::to_string(max_import) + " octets");
    if (media_type(req) != "text/plain")
        return problem(415, "the request body must be text/plain (the file's text), not \"" + req.content_type + "\"");
    if (!db::valid_text(req.body))
        return problem(400, "the request body is not UTF-8 text (or holds a NUL)");
    return req.body;
}

// A string field of a route that the route file's text form can carry:
// no blanks, '#' or control characters.
std::optional<std::string> word_field(json::object const& o, std::string_view key, std::string& out)
{
    auto const* v = o.if_contains(key);
    if (!v)
        return std::nullopt;
    if (!v->is_string())
        return std::string(key) + " must be a string";
    std::string_view text = v->as_string();
    for (unsigned char c : text)
        if (c <= 0x20 || c == 0x7f || c == '#')
            return std::string(key) + " must not hold blanks, '#' or control characters";
    out = std::string(text);
    return std::nullopt;
}

// A route from a JSON body; the domain from the path (PUT) or the body (POST).
std::variant<response, gateway::route> route_from_json(request const& req, std::optional<std::string> path_domain)
{
    auto body = json_body(req);
    if (auto* r = std::get_if<response>(&body))
        return std::move(*r);
    auto const& o = std::get<json::object>(body);
    for (auto const& [k, v] : o)
        if (k != "next_hop" && k != "tls" && k != "tls_name" && k != "tls_ca_file" && k != "tls_fallback" &&
            (path_domain || k != "domain"))
            return problem(400, "unknown field \"" + std::string(k) + "\"; expected " +
                                    (path_domain ? "" : "domain, ") + "next_hop, tls, tls_name, tls_ca_file, tls_fallback");
    gateway::route r;
    r.origin = gateway::route_origin::database;
    std::string domain;
    if (path_domain) {
        domain = *path_domain;
    } else {
        auto const* d = o.if_contains("domain");
        if (!d || !d->is_string())
            return problem(400, "domain must be a string: \"example.com\", \"*.example.com\" or \"*\"");
        domain = d->as_string();
    }
    if (auto why = gateway::normal_route_domain(domain, r.domain))
        return problem(path_domain ? 404 : 400, *why);
    auto const* hop = o.if_contains("next_hop");
    if (!hop || !hop->is_string())
        return problem(400, "next_hop must be a string: \"host\", \"host:port\" or \"[2001:db8::1]:port\"");
    if (auto why = gateway::parse_next_hop(hop->as_string(), r.host, r.port))
        return problem(400, "next_hop: " + *why);
    std::string level = "may";
    if (auto why = word_field(o, "tls", level))
        return problem(400, *why);
    auto l = gateway::parse_tls_level(level);
    if (!l)
        return problem(400, "tls must be none, may, encrypt or verify, not \"" + level + "\"");
    r.tls.level = *l;
    if (auto why = word_field(o, "tls_name", r.tls.name))
        return problem(400, *why);
    if (auto why = word_field(o, "tls_ca_file", r.tls.ca_file))
        return problem(400, *why);
    if (auto const* f = o.if_contains("tls_fallback")) {
        if (!f->is_bool())
            return problem(400, "tls_fallback must be true or false");
        r.tls.fallback = f->as_bool();
    }
    return r;
}

// An entry from a JSON body: {"key", "value"} (POST) or {"value"} (PUT).
std::variant<response, operation> entry_from_json(request const& req, ad::table_kind kind,
                                                  std::optional<std::string> path_key)
{
    auto body = json_body(req);
    if (auto* r = std::get_if<response>(&body))
        return std::move(*r);
    auto const& o = std::get<json::object>(body);
    for (auto const& [k, v] : o)
        if (k != "value" && (path_key || k != "key"))
            return problem(400, "unknown field \"" + std::string(k) + "\"; expected " +
                                    (path_key ? "value" : "key and value"));
    put_entry op;
    op.kind = kind;
    op.create_only = !path_key;
    if (path_key) {
        op.key = *path_key;
    } else {
        auto const* k = o.if_contains("key");
        if (!k || !k->is_string())
            return problem(400, "key must be a string: the left side of the table line");
        op.key = k->as_string();
    }
    auto const* v = o.if_contains("value");
    if (!v || !v->is_string())
        return problem(400, "value must be a string: the right side of the table line");
    op.value = v->as_string();
    return op;
}

json::object route_json(gateway::route const& r)
{
    return {{"domain", r.domain},
            {"next_hop", r.next_hop_text()},
            {"tls", std::string(gateway::tls_level_name(r.tls.level))},
            {"tls_name", r.tls.name},
            {"tls_ca_file", r.tls.ca_file},
            {"tls_fallback", r.tls.fallback},
            {"source", r.origin == gateway::route_origin::database ? "database" : "file"}};
}

json::object entry_json(ad::table_kind kind, ad::table_entry const& e)
{
    return {{"key", ad::entry_key_text(kind, e)},
            {"value", ad::entry_value_text(kind, e)},
            {"line", static_cast<std::int64_t>(e.line)}};
}

std::optional<ad::role> role_named(std::string_view r)
{
    if (r == "recipient")
        return ad::role::recipient;
    if (r == "header")
        return ad::role::header;
    if (r == "return")
        return ad::role::return_path;
    return std::nullopt;
}

std::variant<response, operation> route_config(request const& req, boost::urls::url_view const& url,
                                               std::vector<std::string> const& seg, std::string const& path)
{
    auto const& m = req.method;
    bool const read = m == "GET" || m == "HEAD";
    auto no_params = [&]() -> std::optional<response> {
        if (!url.params().empty())
            return problem(400, "this resource takes no query parameters");
        return std::nullopt;
    };
    if (seg[0] == "routes") {
        if (seg.size() == 1) {
            if (auto p = no_params())
                return *p;
            if (read)
                return list_routes{};
            if (m != "POST")
                return method_not_allowed(m, path, "GET, HEAD, POST");
            auto r = route_from_json(req, std::nullopt);
            if (auto* p = std::get_if<response>(&r))
                return std::move(*p);
            return put_route{std::move(std::get<gateway::route>(r)), true};
        }
        if (seg.size() == 2) {
            if (auto p = no_params())
                return *p;
            std::string domain;
            if (auto why = gateway::normal_route_domain(seg[1], domain))
                return problem(404, "no route " + seg[1] + ": " + *why);
            if (read)
                return show_route{domain};
            if (m == "DELETE")
                return delete_route{domain};
            if (m != "PUT")
                return method_not_allowed(m, path, "GET, HEAD, PUT, DELETE");
            auto r = route_from_json(req, domain);
            if (auto* p = std::get_if<response>(&r))
                return std::move(*p);
            return put_route{std::move(std::get<gateway::route>(r)), false};
        }
        return problem(404, "no resource at " + path);
    }
    if (seg[0] == "route-lookup" && seg.size() == 1) {
        if (!read)
            return method_not_allowed(m, path, "GET, HEAD");
        std::optional<std::string> domain;
        for (auto const p : url.params()) {
            if (p.key != "domain")
                return problem(400, "unknown query parameter \"" + std::string(p.key) + "\"; expected domain");
            domain = std::string(p.value);
        }
        if (!domain || domain->empty())
            return problem(400, "domain is required: /api/v1/route-lookup?domain=example.com");
        std::string lowered;
        if (auto why = gateway::normal_route_domain(*domain, lowered); why || lowered.starts_with("*"))
            return problem(400, addressing::quoted(*domain) + " is not a domain");
        return lookup_route{lowered};
    }
    if (seg[0] == "route-file" && seg.size() == 1) {
        if (auto p = no_params())
            return *p;
        if (read)
            return export_routes{};
        if (m != "PUT")
            return method_not_allowed(m, path, "GET, HEAD, PUT");
        auto text = text_body(req);
        if (auto* p = std::get_if<response>(&text))
            return std::move(*p);
        import_routes op;
        std::vector<std::string> errors;
        if (!gateway::parse_route_table(std::get<std::string>(text), "import", op.routes, errors))
            return import_refused("the route file has " + std::to_string(errors.size()) +
                                      " bad line(s); nothing was changed",
                                  errors);
        return op;
    }
    if (seg[0] == "tables") {
        if (seg.size() == 1) {
            if (auto p = no_params())
                return *p;
            if (!read)
                return method_not_allowed(m, path, "GET, HEAD");
            return list_tables{};
        }
        auto kind = ad::parse_table_kind(seg[1]);
        if (!kind)
            return problem(404, "no table " + seg[1] +
                                    ": the kinds are or-to-domain, domain-to-or, gate-or-to-domain, gate-domain-to-or");
        if (seg.size() == 2) {
            if (read) {
                list_table op;
                op.kind = *kind;
                for (auto const p : url.params()) {
                    std::string const value = p.has_value ? std::string(p.value) : std::string();
                    if (p.key == "limit") {
                        int v = 0;
                        auto [e, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
                        if (ec != std::errc() || e != value.data() + value.size() || v < 1 || v > max_table_page)
                            return problem(400, "limit must be a whole number from 1 to " +
                                                    std::to_string(max_table_page));
                        op.limit = v;
                    } else if (p.key == "cursor") {
                        std::size_t v = 0;
                        auto [e, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
                        if (ec != std::errc() || e != value.data() + value.size())
                            return problem(400, "cursor must be the next_cursor of a previous page");
                        op.after = v;
                    } else {
                        return problem(400, "unknown query parameter \"" + std::string(p.key) +
                                                "\"; expected limit or cursor");
                    }
                }
                return op;
            }
            if (auto p = no_params())
                return *p;
            if (m != "POST")
                return method_not_allowed(m, path, "GET, HEAD, POST");
            return entry_from_json(req, *kind, std::nullopt);
        }
        if (seg.size() == 3) {
            if (auto p = no_params())
                return *p;
            if (read)
                return show_entry{*kind, seg[2]};
            if (m == "DELETE")
                return delete_entry{*kind, seg[2]};
            if (m != "PUT")
                return method_not_allowed(m, path, "GET, HEAD, PUT, DELETE");
            return entry_from_json(req, *kind, seg[2]);
        }
        return problem(404, "no resource at " + path);
    }
    if (seg[0] == "table-file" && seg.size() == 2) {
        auto kind = ad::parse_table_kind(seg[1]);
        if (!kind)
            return problem(404, "no table " + seg[1] +
                                    ": the kinds are or-to-domain, domain-to-or, gate-or-to-domain, gate-domain-to-or");
        if (auto p = no_params())
            return *p;
        if (read)
            return export_table{*kind};
        if (m != "PUT")
            return method_not_allowed(m, path, "GET, HEAD, PUT");
        auto text = text_body(req);
        if (auto* p = std::get_if<response>(&text))
            return std::move(*p);
        std::vector<std::string> errors;
        if (!ad::parse_table(std::get<std::string>(text), *kind, "import", &errors))
            return import_refused("the table has " + std::to_string(errors.size()) + " bad line(s); nothing was changed",
                                  errors);
        return import_table{*kind, std::move(std::get<std::string>(text))};
    }
    if (seg[0] == "address-lookup" && seg.size() == 1) {
        if (!read)
            return method_not_allowed(m, path, "GET, HEAD");
        address_lookup op;
        std::optional<std::string> to, address;
        for (auto const p : url.params()) {
            std::string const value = p.has_value ? std::string(p.value) : std::string();
            if (p.key == "to")
                to = value;
            else if (p.key == "address")
                address = value;
            else if (p.key == "role") {
                auto r = role_named(value);
                if (!r)
                    return problem(400, "role must be recipient, header or return, not \"" + value + "\"");
                op.role = *r;
            } else
                return problem(400, "unknown query parameter \"" + std::string(p.key) +
                                        "\"; expected to, address and role");
        }
        if (!to || (*to != "rfc822" && *to != "x400"))
            return problem(400, "to must be rfc822 (an O/R address to map) or x400 (an RFC 822 address to map)");
        if (!address || address->empty() || address->size() > 4096)
            return problem(400, "address is required (1 to 4096 characters)");
        op.to_rfc822 = *to == "rfc822";
        op.address = std::move(*address);
        return op;
    }
    return problem(404, "no resource at " + path);
}

std::string text_of(json::value const& v)
{
    return json::serialize(v);
}
} // namespace

response problem(int status, std::string_view detail)
{
    response r;
    r.status = status;
    r.content_type = "application/problem+json";
    json::object o{{"type", "about:blank"},
                   {"title", std::string(reason(status))},
                   {"status", status},
                   {"detail", std::string(detail)}};
    r.body = json::serialize(o);
    r.body += '\n';
    return r;
}

response unauthorized(std::string_view detail)
{
    auto r = problem(401, detail);
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"x400gw\"");
    return r;
}

bool writes(operation const& op) noexcept
{
    return std::holds_alternative<queue_action>(op) || std::holds_alternative<put_route>(op) ||
           std::holds_alternative<delete_route>(op) || std::holds_alternative<import_routes>(op) ||
           std::holds_alternative<put_entry>(op) || std::holds_alternative<delete_entry>(op) ||
           std::holds_alternative<import_table>(op);
}

response import_refused(std::string_view detail, std::vector<std::string> const& errors)
{
    auto r = problem(400, detail);
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    json::array list;
    for (auto const& e : errors)
        list.push_back(json::value(e));
    v.as_object()["errors"] = std::move(list);
    r.body = json::serialize(v);
    r.body += '\n';
    return r;
}

namespace {

// HTTP's optional white space (RFC 9110 5.6.3) off both ends.
std::string_view trim_ows(std::string_view s) noexcept
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

} // namespace

std::optional<std::string> bearer_token(std::string_view authorization)
{
    auto const space = authorization.find(' ');
    if (space == std::string_view::npos || !addressing::iequals(authorization.substr(0, space), "bearer"))
        return std::nullopt;
    auto const token = trim_ows(authorization.substr(space + 1));
    if (token.empty())
        return std::nullopt;
    return std::string(token);
}

head_verdict check_head(request_head const& head)
{
    auto refuse = [](int status, std::string_view detail) {
        return head_verdict{problem(status, detail), false};
    };
    if (head.version >= 11 && head.host_fields != 1)
        return refuse(400, head.host_fields == 0 ? "an HTTP/1.1 request needs a Host field"
                                                 : "a request may have only one Host field");
    if (head.authorization_fields > 1)
        return refuse(400, "a request may have only one Authorization field");
    if (head.content_type_fields > 1)
        return refuse(400, "a request may have only one Content-Type field");
    if (!head.transfer_encoding.empty()) {
        // RFC 9112 6.1 and 6.3: without chunked last, or beside a
        // Content-Length, or in HTTP/1.0, the body's end is not known.
        if (head.version < 11)
            return refuse(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request");
        if (head.content_length_fields != 0)
            return refuse(400, "a request may not have both Transfer-Encoding and Content-Length");
        std::vector<std::string_view> codings;
        for (std::string_view rest = head.transfer_encoding; !rest.empty();) {
            auto const comma = rest.find(',');
            auto const coding = trim_ows(rest.substr(0, comma));
            if (!coding.empty())
                codings.push_back(coding.substr(0, coding.find(';')));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        }
        if (codings.empty() || !addressing::iequals(trim_ows(codings.back()), "chunked"))
            return refuse(400, "the request's Transfer-Encoding does not end in chunked, so its length is unknown");
        if (codings.size() > 1)
            return refuse(501, "only the chunked transfer coding is understood here");
    }
    auto const expect = trim_ows(head.expect);
    if (!expect.empty() && !addressing::iequals(expect, "100-continue"))
        return refuse(417, "the only expectation met here is 100-continue");
    return {std::nullopt, !expect.empty() && head.version >= 11 && head.has_body};
}

response unparsable(std::string_view what, std::string_view received, bool head_too_large)
{
    if (head_too_large)
        return problem(431, "the request's header section is over the limit");
    // "METHOD target HTTP/d.d": well formed, in a version not spoken here.
    auto const line = received.substr(0, received.find('\r'));
    auto const version = line.substr(line.rfind(' ') + 1);
    auto const digit = [](char c) { return c >= '0' && c <= '9'; };
    if (std::count(line.begin(), line.end(), ' ') == 2 && version.size() == 8 && version.starts_with("HTTP/") &&
        digit(version[5]) && version[6] == '.' && digit(version[7]) && version != "HTTP/1.0" && version != "HTTP/1.1")
        return problem(505, "only HTTP/1.0 and HTTP/1.1 are spoken here, not " + std::string(version));
    return problem(400, "the request is not valid HTTP/1.1: " + std::string(what));
}

std::string origin_target(std::string_view target)
{
    if (target.empty() || target.front() == '/' || target == "*")
        return std::string(target);
    auto const url = boost::urls::parse_absolute_uri(target);
    if (!url || !(addressing::iequals(url->scheme(), "http") || addressing::iequals(url->scheme(), "https")))
        return std::string(target);
    std::string out = url->encoded_path().empty() ? std::string("/") : std::string(url->encoded_path());
    if (url->has_query())
        out.append("?").append(url->encoded_query());
    return out;
}

std::variant<response, operation> route(request const& req)
{
    auto parsed = boost::urls::parse_origin_form(req.target);
    if (!parsed)
        return problem(400, "the request target is not a valid origin-form URL");
    auto const& url = *parsed;
    // Every parameter here takes one value: a repeated one is said, never
    // read as its last (or first) value.
    std::vector<std::string> keys;
    for (auto const p : url.params()) {
        if (std::find(keys.begin(), keys.end(), p.key) != keys.end())
            return problem(400, "query parameter \"" + std::string(p.key) + "\" is given more than once");
        keys.push_back(std::string(p.key));
    }
    std::vector<std::string> seg;
    for (auto const s : url.segments())
        seg.push_back(s);
    std::string const path = url.path();
    auto const& m = req.method;
    bool const read = m == "GET" || m == "HEAD";
    if (seg.size() < 2 || seg[0] != "api" || seg[1] != "v1")
        return problem(404, "no resource at " + path);
    seg.erase(seg.begin(), seg.begin() + 2);

    if (seg.size() == 1 && seg[0] == "openapi.json") {
        if (!read)
            return method_not_allowed(m, path, "GET, HEAD");
        response r;
        r.body = std::string(openapi_document());
        return r;
    }
    if (seg.size() == 1 && seg[0] == "summary") {
        if (!read)
            return method_not_allowed(m, path, "GET, HEAD");
        if (!url.params().empty())
            return problem(400, "summary takes no query parameters");
        return summary{};
    }
    if (seg.size() == 1 && (seg[0] == "queue" || seg[0] == "audit")) {
        if (!read)
            return method_not_allowed(m, path, "GET, HEAD");
        bool const queue = seg[0] == "queue";
        list_queue lq;
        list_audit la;
        for (auto const p : url.params()) {
            std::string const key = p.key;
            std::string const value = p.has_value ? std::string(p.value) : std::string();
            if (key == "limit") {
                auto n = page_size(value);
                if (!n)
                    return problem(400, "limit must be a whole number from 1 to " + std::to_string(max_page));
                lq.limit = la.limit = *n;
            } else if (key == "cursor") {
                // The cursor is the last id of the previous page: a queue
                // id for the queue, an audit row number for the audit.
                if (queue) {
                    auto k = queue::parse_qid(value);
                    if (!k)
                        return problem(400, "cursor must be the next_cursor of a previous page");
                    lq.after = static_cast<std::int64_t>(*k);
                } else {
                    std::int64_t v = 0;
                    auto [e, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
                    if (ec != std::errc() || e != value.data() + value.size() || v <= 0)
                        return problem(400, "cursor must be the next_cursor of a previous page");
                    la.before = v;
                }
            } else if (!queue) {
                return problem(400, "unknown query parameter \"" + key + "\"; expected limit or cursor");
            } else if (auto why = set_filter(lq.filter, key, value)) {
                return problem(400, "query parameter: " + *why);
            }
        }
        if (queue)
            return lq;
        return la;
    }
    if (seg.size() == 2 && seg[0] == "queue" && seg[1] == "actions") {
        if (m != "POST")
            return method_not_allowed(m, path, "POST");
        return bulk_action(req);
    }
    if (seg.size() >= 2 && seg.size() <= 3 && seg[0] == "queue") {
        auto qid = normal_qid(seg[1]);
        if (!qid)
            return problem(404, "no message " + seg[1] + ": a queue id is ten base-32 characters");
        if (seg.size() == 2) {
            if (m == "DELETE")
                return one_action(req, *qid, db::queue_action::remove);
            if (!read)
                return method_not_allowed(m, path, "GET, HEAD, DELETE");
            return show_message{*qid};
        }
        if (seg[2] == "raw" || seg[2] == "structure") {
            if (!read)
                return method_not_allowed(m, path, "GET, HEAD");
            if (seg[2] == "raw")
                return raw_message{*qid};
            return message_structure{*qid};
        }
        if (auto a = action_named(seg[2])) {
            if (m != "POST")
                return method_not_allowed(m, path, "POST");
            return one_action(req, *qid, *a);
        }
    }
    if (!seg.empty() && (seg[0] == "routes" || seg[0] == "route-lookup" || seg[0] == "route-file" ||
                         seg[0] == "tables" || seg[0] == "table-file" || seg[0] == "address-lookup"))
        return route_config(req, url, seg, path);
    if (is_write_method(m) || read)
        return problem(404, "no resource at " + path);
    return problem(405, m + " is not a method this API knows");
}

response render_list(list_queue const& op, std::vector<db::message_view> const& page, double now)
{
    json::array items;
    for (auto const& m : page)
        items.push_back(message_json(m, now));
    json::value next = nullptr;
    if (static_cast<int>(page.size()) == op.limit && !page.empty())
        next = json::value(page.back().qid);
    return json_response(json::object{{"items", std::move(items)}, {"next_cursor", next}});
}

response render_message(db::message_view const& m, std::vector<db::attempt_view> const& attempts, double now)
{
    auto o = message_json(m, now);
    o["client"] = m.client;
    json::array history;
    for (auto const& a : attempts)
        history.push_back(json::object{{"at", rfc3339(a.at)},
                                       {"recipient", a.recipient},
                                       {"node", a.node},
                                       {"next_hop", a.next_hop},
                                       {"remote", text_or_null(a.remote)},
                                       {"outcome", a.outcome},
                                       {"reply", a.reply},
                                       {"tls", text_or_null(a.tls)}});
    o["attempts"] = std::move(history);
    return json_response(o);
}

response render_structure(std::string_view qid, std::string_view describe_json)
{
    boost::system::error_code ec;
    auto tree = json::parse(describe_json, ec);
    if (ec)
        tree = json::value(std::string(describe_json));
    return json_response(json::object{{"id", std::string(qid)}, {"structure", std::move(tree)}});
}

response render_actions(queue_action const& op, std::vector<db::action_outcome> const& outcomes)
{
    json::array messages;
    std::int64_t changed = 0, waiting = 0;
    std::vector<std::string> found;
    for (auto const& o : outcomes) {
        messages.push_back(json::object{{"id", o.qid}, {"changed", o.changed}, {"waiting", o.waiting}});
        changed += o.changed;
        waiting += o.waiting;
        found.push_back(o.qid);
    }
    json::array missing;
    for (auto const& q : op.qids)
        if (std::find(found.begin(), found.end(), q) == found.end())
            missing.push_back(json::value(q));
    if (op.qids.size() == 1 && outcomes.empty())
        return not_found_message(op.qids.front());
    return json_response(json::object{{"action", std::string(db::action_name(op.action))},
                                      {"messages", std::move(messages)},
                                      {"changed", changed},
                                      {"waiting", waiting},
                                      {"missing", std::move(missing)}});
}

response render_summary(std::vector<db::shape_row> const& shape, std::vector<db::oldest_row> const& oldest)
{
    constexpr auto buckets = std::size(db::age_buckets_minutes) + 1;
    json::object by_state;
    for (auto s : states)
        by_state[s] = json::object{{"messages", 0}, {"recipients", 0}, {"oldest_id", nullptr}, {"oldest_age_seconds", nullptr}};
    for (auto const& o : oldest) {
        auto& e = by_state[o.state].as_object();
        e["messages"] = o.messages;
        e["oldest_id"] = o.qid;
        e["oldest_age_seconds"] = static_cast<std::int64_t>(std::floor(o.age_seconds));
    }
    std::map<std::string, std::vector<std::int64_t>> hops;
    std::vector<std::int64_t> total(buckets, 0);
    for (auto const& r : shape) {
        auto& e = by_state[r.state].as_object();
        e["recipients"] = e["recipients"].as_int64() + r.recipients;
        auto& row = hops[r.next_hop];
        row.resize(buckets, 0);
        auto const b = static_cast<std::size_t>(std::clamp(r.bucket, 0, static_cast<int>(buckets) - 1));
        row[b] += r.recipients;
        total[b] += r.recipients;
    }
    json::array edges;
    for (auto e : db::age_buckets_minutes)
        edges.push_back(e);
    auto row_json = [](std::string const& name, std::vector<std::int64_t> const& v) {
        std::int64_t sum = 0;
        json::array counts;
        for (auto n : v) {
            counts.push_back(n);
            sum += n;
        }
        return json::object{{"next_hop", name}, {"total", sum}, {"by_age", std::move(counts)}};
    };
    json::array by_hop;
    by_hop.push_back(row_json("TOTAL", total));
    for (auto const& [name, v] : hops)
        by_hop.push_back(row_json(name, v));
    return json_response(json::object{{"by_state", std::move(by_state)},
                                      {"age_buckets_minutes", std::move(edges)},
                                      {"by_next_hop", std::move(by_hop)}});
}

response render_audit(list_audit const& op, std::vector<db::audit_row> const& rows)
{
    json::array items;
    auto parse = [](std::string const& text) -> json::value {
        boost::system::error_code ec;
        auto v = json::parse(text, ec);
        return ec ? json::value(nullptr) : v;
    };
    for (auto const& r : rows)
        items.push_back(json::object{{"id", r.id},
                                     {"at", rfc3339(r.at)},
                                     {"actor", r.actor},
                                     {"action", r.action},
                                     {"target", parse(r.target)},
                                     {"before", parse(r.before)},
                                     {"after", parse(r.after)}});
    json::value next = nullptr;
    if (static_cast<int>(rows.size()) == op.limit && !rows.empty())
        next = json::value(std::to_string(rows.back().id));
    return json_response(json::object{{"items", std::move(items)}, {"next_cursor", next}});
}

response not_found_message(std::string_view qid)
{
    return problem(404, "no message " + std::string(qid) + " in the queue");
}

std::string route_json_text(gateway::route const& r)
{
    return text_of(route_json(r));
}

response render_routes(gateway::route_set const& routes)
{
    json::array items;
    for (auto const& r : routes.routes())
        items.push_back(route_json(r));
    return json_response(json::object{{"items", std::move(items)}});
}

response render_route(gateway::route const* r, std::string_view domain)
{
    if (!r)
        return problem(404, "no route for " + std::string(domain));
    return json_response(route_json(*r));
}

response render_route_lookup(gateway::route const* r, std::string_view domain)
{
    if (!r)
        return problem(404, "no route leads to " + std::string(domain) + " (and no \"*\" route)");
    auto o = route_json(*r);
    o["lookup"] = std::string(domain);
    return json_response(o);
}

response render_route_change(config_change const& c)
{
    if (c.status >= 400)
        return problem(c.status, c.detail);
    json::object o;
    if (c.route_before || c.route_after) {
        o["before"] = c.route_before ? json::value(route_json(*c.route_before)) : json::value(nullptr);
        o["after"] = c.route_after ? json::value(route_json(*c.route_after)) : json::value(nullptr);
    } else {
        o["routes"] = static_cast<std::int64_t>(c.count);
    }
    return json_response(o, c.status);
}

response render_text(std::string text)
{
    response r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(text);
    return r;
}

response render_tables(std::vector<table_summary> const& tables)
{
    json::array items;
    for (auto const& t : tables)
        items.push_back(json::object{{"kind", std::string(ad::kind_name(t.kind))},
                                     {"source", t.source},
                                     {"entries", static_cast<std::int64_t>(t.entries)}});
    return json_response(json::object{{"items", std::move(items)}});
}

response render_table(list_table const& op, ad::mapping_table const* table)
{
    json::array items;
    std::size_t const total = table ? table->entries.size() : 0;
    std::size_t const end = std::min(total, op.after + static_cast<std::size_t>(op.limit));
    for (std::size_t i = op.after; i < end; ++i)
        items.push_back(entry_json(op.kind, table->entries[i]));
    json::value next = nullptr;
    if (end < total)
        next = json::value(std::to_string(end));
    return json_response(json::object{{"kind", std::string(ad::kind_name(op.kind))},
                                      {"items", std::move(items)},
                                      {"next_cursor", next}});
}

response render_entry(ad::table_kind kind, ad::table_entry const* e, std::string_view key)
{
    if (!e)
        return problem(404, "no entry " + std::string(key) + " in the " + std::string(ad::kind_name(kind)) + " table");
    return json_response(entry_json(kind, *e));
}

response render_entry_change(config_change const& c)
{
    if (c.status >= 400)
        return problem(c.status, c.detail);
    json::object o;
    if (c.entry_before || c.entry_after) {
        o["before"] = c.entry_before ? json::value(*c.entry_before) : json::value(nullptr);
        o["after"] = c.entry_after ? json::value(*c.entry_after) : json::value(nullptr);
    } else {
        o["entries"] = static_cast<std::int64_t>(c.count);
    }
    return json_response(o, c.status);
}

response render_address_lookup(address_lookup const& op, ad::mapping_state const& state)
{
    json::object o{{"to", op.to_rfc822 ? "rfc822" : "x400"}, {"input", op.address}};
    auto refuse = [&](std::string stage, std::string reason, int code = 0, std::string status = {}) {
        o["mapped"] = false;
        o["stage"] = std::move(stage);
        o["reason"] = std::move(reason);
        o["code"] = code ? json::value(code) : json::value(nullptr);
        o["status"] = status.empty() ? json::value(nullptr) : json::value(status);
        return json_response(o);
    };
    auto with_offset = [](ad::error const& e) {
        return e.offset == ad::error::npos ? e.why : e.why + " (at offset " + std::to_string(e.offset) + ")";
    };
    if (op.to_rfc822) {
        auto a = ad::parse_or_text(op.address);
        if (!a)
            return refuse("parse", with_offset(a.failure()));
        if (auto e = ad::check_or_address(*a))
            return refuse("validate", e->why);
        auto mapped = ad::map_x400_to_822(*a, op.role, state.identity, state.tables);
        if (!mapped)
            return refuse("map", mapped.failure().why, mapped.failure().code, mapped.failure().status);
        o["mapped"] = true;
        o["address"] = mapped->address;
        return json_response(o);
    }
    auto mapped = ad::map_written_822_to_x400(op.address, op.role, state.identity, state.tables);
    if (!mapped)
        return refuse("map", mapped.failure().why, mapped.failure().code, mapped.failure().status);
    o["mapped"] = true;
    o["address"] = ad::render_std_or(mapped->address);
    return json_response(o);
}

response no_addressing()
{
    return problem(409, "this gateway has no [addressing] section, so it applies no mapping tables");
}

} // namespace x400gw::rest
