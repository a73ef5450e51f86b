// gateway/cli/queue_commands.cpp
//
// x400gwctl on the REST API (a running gateway's admin port):
//
//   x400gwctl queue [FILTERS] [--json]                 mailq: every message, its recipients
//   x400gwctl queue show ID... [--json]                one message, with its attempt history
//   x400gwctl queue hold|release|retry|delete|bounce (ID... | --all | FILTERS)
//   x400gwctl summary [--json]                         qshape: the queue by next hop and age
//
// FILTERS: --state, --sender, --recipient, --next-hop, --qid (a prefix),
// --min-age and --max-age (seconds). Every command takes --url (default
// http://127.0.0.1:8025), --token-file (else $X400GW_TOKEN) and --ca-file.
// Exit 0 done, 1 refused or failed (the server's detail on stderr), 2 usage.
//
// And, with direct database access like `user`:
//   x400gwctl token create --name NAME --role read|admin   prints the token, once
//   x400gwctl token revoke NAME
#include "gateway/cli/api_client.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/cli/database.hpp"

#include "db/admin.hpp"
#include "db/store.hpp"
#include "gateway/config/config.hpp"
#include "gateway/password.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>

namespace x400gw::cli {
namespace {
namespace json = boost::json;

struct queue_options {
    api_options api;
    bool json = false;
    bool all = false;
    std::vector<std::string> ids;
    std::string state, sender, recipient, next_hop, qid;
    std::optional<double> min_age, max_age;
};

void add_filters(CLI::App* cmd, queue_options& o)
{
    cmd->add_option("--state", o.state, "A recipient in this state: queued, deferred, active, held, quarantined");
    cmd->add_option("--sender", o.sender, "The sender contains this (any case)");
    cmd->add_option("--recipient", o.recipient, "A recipient contains this (any case)");
    cmd->add_option("--next-hop", o.next_hop, "A recipient goes to this next hop (host:port)");
    cmd->add_option("--qid", o.qid, "The queue id starts with this");
    cmd->add_option("--min-age", o.min_age, "Arrived at least this many seconds ago");
    cmd->add_option("--max-age", o.max_age, "Arrived at most this many seconds ago");
}

std::vector<std::pair<std::string, std::string>> filter_fields(queue_options const& o)
{
    std::vector<std::pair<std::string, std::string>> f;
    auto text = [&](char const* k, std::string const& v) {
        if (!v.empty())
            f.emplace_back(k, v);
    };
    text("state", o.state);
    text("sender", o.sender);
    text("recipient", o.recipient);
    text("next_hop", o.next_hop);
    text("qid", o.qid);
    auto number = [&](char const* k, std::optional<double> v) {
        if (v)
            f.emplace_back(k, json::serialize(json::value(*v)));
    };
    number("min_age", o.min_age);
    number("max_age", o.max_age);
    return f;
}

// "Fri Dec  4 14:29:19" from "2026-12-04T14:29:19Z", as mailq prints it.
std::string mailq_time(std::string const& rfc3339)
{
    std::tm tm{};
    if (!strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm))
        return rfc3339;
    char buf[32];
    std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S", &tm);
    return buf;
}

int list(queue_options const& o)
{
    std::string query;
    for (auto const& [k, v] : filter_fields(o))
        query += "&" + k + "=" + url_encode(v);
    json::array all;
    std::string cursor;
    for (;;) {
        auto page = call_json(o.api, "GET", "/api/v1/queue?limit=1000" + query + (cursor.empty() ? "" : "&cursor=" + cursor));
        if (!page)
            return 1;
        for (auto const& m : page->at("items").as_array())
            all.push_back(m);
        if (page->at("next_cursor").is_null())
            break;
        cursor = json_text(page->at("next_cursor"));
    }
    if (o.json) {
        std::cout << json::serialize(json::object{{"items", all}}) << "\n";
        return 0;
    }
    if (all.empty()) {
        std::cout << "Mail queue is empty\n";
        return 0;
    }
    std::printf("-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n");
    std::int64_t octets = 0;
    for (auto const& mv : all) {
        auto const& m = mv.as_object();
        bool active = false, held = true;
        for (auto const& r : m.at("recipients").as_array()) {
            auto const state = json_text(r.at("state"));
            active |= state == "active";
            held &= state == "held";
        }
        auto const size = m.at("size").as_int64();
        octets += size;
        // mailq's marks: * in delivery, ! held.
        std::printf("%s%c %8lld %-20s  %s\n", json_text(m.at("id")).c_str(), active ? '*' : held ? '!' : ' ',
                    static_cast<long long>(size), mailq_time(json_text(m.at("arrival"))).c_str(),
                    json_text(m.at("sender")).empty() ? "MAILER-DAEMON" : json_text(m.at("sender")).c_str());
        for (auto const& r : m.at("recipients").as_array()) {
            auto const reply = json_text(r.at("last_reply"));
            auto const pending = json_text(r.at("pending_action"));
            std::printf("%42s%s  %s%s%s\n", "", json_text(r.at("address")).c_str(), json_text(r.at("state")).c_str(),
                        pending.empty() ? "" : (" (" + pending + " pending)").c_str(),
                        reply.empty() ? "" : (" (" + reply + ")").c_str());
        }
        std::printf("\n");
    }
    std::printf("-- %lld Kbytes in %zu Request%s.\n", static_cast<long long>((octets + 1023) / 1024), all.size(),
                all.size() == 1 ? "" : "s");
    return 0;
}

int show(queue_options const& o)
{
    int status = 0;
    for (auto const& id : o.ids) {
        auto m = call_json(o.api, "GET", "/api/v1/queue/" + url_encode(id));
        if (!m) {
            status = 1;
            continue;
        }
        if (o.json) {
            std::cout << json::serialize(*m) << "\n";
            continue;
        }
        auto const& v = m->as_object();
        std::printf("id: %s\nsize: %lld\narrival: %s\nsender: <%s>\nclient: %s\n", json_text(v.at("id")).c_str(),
                    static_cast<long long>(v.at("size").as_int64()), json_text(v.at("arrival")).c_str(),
                    json_text(v.at("sender")).c_str(), json_text(v.at("client")).c_str());
        // The DSN parameters the client gave (RFC 3461), when it gave any.
        std::string dsn;
        for (auto const* key : {"ret", "envid"})
            if (auto const* x = v.if_contains(key))
                dsn += std::string(dsn.empty() ? "" : " ") + key + "=" + json_text(*x);
        if (!dsn.empty())
            std::printf("dsn: %s\n", dsn.c_str());
        if (auto const* p = v.if_contains("priority"))
            std::printf("priority: %lld\n", static_cast<long long>(p->as_int64()));
        if (v.if_contains("requiretls"))
            std::printf("requiretls: yes\n");
        if (v.if_contains("smtputf8"))
            std::printf("smtputf8: yes\n");
        for (auto const& r : v.at("recipients").as_array()) {
            std::printf("recipient: <%s> via %s: %s, %lld attempts", json_text(r.at("address")).c_str(),
                        json_text(r.at("next_hop")).c_str(), json_text(r.at("state")).c_str(),
                        static_cast<long long>(r.at("attempts").as_int64()));
            if (!r.at("next_attempt").is_null())
                std::printf(", next %s", json_text(r.at("next_attempt")).c_str());
            if (!r.at("pending_action").is_null())
                std::printf(", %s pending", json_text(r.at("pending_action")).c_str());
            if (!r.at("lease_owner").is_null())
                std::printf(", in flight on %s", json_text(r.at("lease_owner")).c_str());
            for (auto const* key : {"notify", "orcpt"})
                if (auto const* x = r.as_object().if_contains(key))
                    std::printf(", %s=%s", key, json_text(*x).c_str());
            if (!r.at("last_reply").is_null())
                std::printf("\n  last reply: %s", json_text(r.at("last_reply")).c_str());
            std::printf("\n");
        }
        for (auto const& a : v.at("attempts").as_array())
            std::printf("attempt: %s <%s> %s via %s%s: %s\n", json_text(a.at("at")).c_str(),
                        json_text(a.at("recipient")).c_str(), json_text(a.at("outcome")).c_str(),
                        json_text(a.at("remote")).empty() ? json_text(a.at("next_hop")).c_str()
                                                          : json_text(a.at("remote")).c_str(),
                        json_text(a.at("tls")).empty() ? "" : (" tls=" + json_text(a.at("tls"))).c_str(),
                        json_text(a.at("reply")).c_str());
        std::printf("\n");
    }
    return status;
}

int act(queue_options const& o, std::string const& action)
{
    auto const filters = filter_fields(o);
    int const ways = (o.ids.empty() ? 0 : 1) + (o.all ? 1 : 0) + (filters.empty() ? 0 : 1);
    if (ways != 1) {
        std::fprintf(stderr, "x400gwctl: queue %s needs queue ids, or --all, or filters (one of them)\n",
                     action.c_str());
        return 2;
    }
    json::object body{{"action", action}};
    if (!o.ids.empty()) {
        body["ids"] = json::value_from(o.ids);
    } else {
        json::object f;
        for (auto const& [k, v] : filters)
            f[k] = (k == "min_age" || k == "max_age") ? json::parse(v) : json::value(v);
        body["filter"] = std::move(f);
    }
    auto r = call_json(o.api, "POST", "/api/v1/queue/actions", json::serialize(body));
    if (!r)
        return 1;
    if (o.json) {
        std::cout << json::serialize(*r) << "\n";
    } else {
        auto const& v = r->as_object();
        for (auto const& m : v.at("messages").as_array())
            std::printf("%s: %lld recipients changed, %lld waiting for a delivery in flight\n",
                        json_text(m.at("id")).c_str(), static_cast<long long>(m.at("changed").as_int64()),
                        static_cast<long long>(m.at("waiting").as_int64()));
        std::printf("%s: %zu messages, %lld recipients changed, %lld waiting\n", action.c_str(),
                    v.at("messages").as_array().size(), static_cast<long long>(v.at("changed").as_int64()),
                    static_cast<long long>(v.at("waiting").as_int64()));
    }
    auto const& missing = r->at("missing").as_array();
    for (auto const& m : missing)
        std::fprintf(stderr, "x400gwctl: no message %s in the queue\n", json_text(m).c_str());
    return missing.empty() ? 0 : 1;
}

int summary(api_options const& api, bool as_json)
{
    auto r = call_json(api, "GET", "/api/v1/summary");
    if (!r)
        return 1;
    if (as_json) {
        std::cout << json::serialize(*r) << "\n";
        return 0;
    }
    auto const& v = r->as_object();
    std::printf("%-30s %6s", "", "T");
    for (auto const& e : v.at("age_buckets_minutes").as_array())
        std::printf(" %5lld", static_cast<long long>(e.as_int64()));
    std::printf(" %5s\n", "more");
    for (auto const& row : v.at("by_next_hop").as_array()) {
        std::printf("%-30s %6lld", json_text(row.at("next_hop")).c_str(),
                    static_cast<long long>(row.at("total").as_int64()));
        for (auto const& n : row.at("by_age").as_array())
            std::printf(" %5lld", static_cast<long long>(n.as_int64()));
        std::printf("\n");
    }
    std::printf("\n%-12s %9s %11s  %s\n", "state", "messages", "recipients", "oldest");
    for (auto const& [state, c] : v.at("by_state").as_object()) {
        auto const oldest = json_text(c.at("oldest_id"));
        std::printf("%-12s %9lld %11lld  %s\n", std::string(state).c_str(),
                    static_cast<long long>(c.at("messages").as_int64()),
                    static_cast<long long>(c.at("recipients").as_int64()),
                    oldest.empty() ? "-"
                                   : (oldest + " (" + json_text(c.at("oldest_age_seconds")) + " s)").c_str());
    }
    return 0;
}

// --- token create / revoke: direct database access ---

struct token_options {
    std::string name, role, config = "/etc/x400gw/x400gw.conf", database;
};

int token(token_options const& o, bool create)
{
    if (o.name.empty() || o.name.size() > 100 || o.name.find_first_of(" \t\r\n") != std::string::npos) {
        std::fprintf(stderr, "x400gwctl: a token name is 1 to 100 characters without spaces\n");
        return 2;
    }
    auto info = database_conninfo(o.config, o.database);
    if (!info)
        return 1;
    try {
        db::connection c(*info);
        db::apply_migrations(c);
        if (!create) {
            if (!db::token_revoke(c, o.name)) {
                std::fprintf(stderr, "x400gwctl: no token named %s\n", o.name.c_str());
                return 1;
            }
            std::fprintf(stderr, "token %s revoked\n", o.name.c_str());
            return 0;
        }
        auto const t = gateway::new_token();
        if (!db::token_create(c, o.name, o.role, gateway::token_digest(t))) {
            std::fprintf(stderr, "x400gwctl: a token named %s exists (revoke it first)\n", o.name.c_str());
            return 1;
        }
        // The token itself on stdout, alone, for scripts; it is not stored.
        std::printf("%s\n", t.c_str());
        std::fprintf(stderr, "token %s created with role %s; it is shown only now\n", o.name.c_str(), o.role.c_str());
    } catch (std::exception const& e) {
        std::fprintf(stderr, "x400gwctl: database: %s\n", e.what());
        return 1;
    }
    return 0;
}

} // namespace

void add_queue_commands(CLI::App& app, int& status)
{
    auto o = std::make_shared<queue_options>();
    auto* queue = app.add_subcommand("queue", "The mail queue of a running gateway (through its REST API)");
    add_api_options(queue, o->api);
    add_filters(queue, *o);
    queue->add_flag("--json", o->json, "Print JSON");
    queue->require_subcommand(0, 1);
    queue->fallthrough();

    auto* show_cmd = queue->add_subcommand("show", "One message: envelope, recipients, attempt history");
    show_cmd->add_option("ID", o->ids, "Queue ids")->required();
    show_cmd->callback([o, &status] { status = show(*o); });
    for (auto const* name : {"hold", "release", "retry", "delete", "bounce"}) {
        static constexpr char const* help[] = {"Hold: never delivered until released",
                                               "Release from hold or quarantine; due now", "Retry now",
                                               "Delete, without notification", "Fail with a DSN to the sender"};
        auto const i = std::string_view(name) == "hold"      ? 0
                       : std::string_view(name) == "release" ? 1
                       : std::string_view(name) == "retry"   ? 2
                       : std::string_view(name) == "delete"  ? 3
                                                             : 4;
        auto* sub = queue->add_subcommand(name, help[i]);
        sub->add_option("ID", o->ids, "Queue ids");
        sub->add_flag("--all", o->all, "Every message in the queue");
        std::string action = name;
        sub->callback([o, action, &status] { status = act(*o, action); });
    }
    queue->callback([o, queue, &status] {
        if (queue->get_subcommands().empty())
            status = list(*o);
    });

    auto api = std::make_shared<api_options>();
    auto as_json = std::make_shared<bool>(false);
    auto* sum = app.add_subcommand("summary", "The queue by state, next hop and age (like qshape)");
    add_api_options(sum, *api);
    sum->add_flag("--json", *as_json, "Print JSON");
    sum->callback([api, as_json, &status] { status = summary(*api, *as_json); });

    auto t = std::make_shared<token_options>();
    auto* tok = app.add_subcommand("token", "REST API bearer tokens in the gateway's database");
    tok->require_subcommand(1);
    auto* create = tok->add_subcommand("create", "Create a token and print it (only now)");
    create->add_option("--name", t->name, "Its name, shown in the audit trail")->required();
    create->add_option("--role", t->role, "read (look only) or admin (may change)")
        ->required()
        ->check(CLI::IsMember({"read", "admin"}));
    auto* revoke = tok->add_subcommand("revoke", "Revoke a token by name");
    revoke->add_option("NAME,--name", t->name, "The token's name")->required();
    for (auto* sub : {create, revoke}) {
        sub->add_option("-c,--config", t->config, "Configuration file whose [database] conninfo to use");
        sub->add_option("--database", t->database, "libpq connection string; overrides the configuration");
    }
    create->callback([t, &status] { status = token(*t, true); });
    revoke->callback([t, &status] { status = token(*t, false); });
}

} // namespace x400gw::cli
