// gateway/cli/config_commands.cpp
//
// x400gwctl on the REST API's routes and mapping tables (what a running
// gateway applies; changes go to the database, and every gateway on it
// applies them within seconds):
//
//   x400gwctl routes [--json]                          every route in effect
//   x400gwctl routes show|lookup DOMAIN [--json]       one route; the route a domain takes
//   x400gwctl routes add|replace DOMAIN NEXT_HOP [--tls L] [--tls-name N] [--tls-ca-file F] [--tls-fallback]
//   x400gwctl routes delete DOMAIN
//   x400gwctl routes import FILE                       all or nothing; "-" reads stdin
//   x400gwctl routes export                            the database's routes as a route file
//
//   x400gwctl tables [--json]                          the four tables, their source and size
//   x400gwctl tables list KIND [--json]                the entries, as table lines
//   x400gwctl tables show KIND KEY [--json]
//   x400gwctl tables add|replace KIND KEY VALUE
//   x400gwctl tables delete KIND KEY
//   x400gwctl tables import KIND FILE                  all or nothing; "-" reads stdin
//   x400gwctl tables export KIND
//   x400gwctl tables lookup to-rfc822|to-x400 ADDRESS [--role R]
//                                                      what `address to-rfc822|to-x400` prints
//
// Every command takes --url, --token-file and --ca-file. Exit 0 done, 1
// refused or failed (the server's detail on stderr; an import's bad lines
// one per line), 2 usage.
#include "gateway/cli/api_client.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/cli/input.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace x400gw::cli {
namespace {
namespace json = boost::json;

struct config_options {
    api_options api;
    bool json = false;
    std::string domain, next_hop, tls, tls_name, tls_ca_file;
    bool tls_fallback = false;
    std::string kind, key, value, file, direction, address, role = "recipient";
};

void print_json(json::value const& v)
{
    std::cout << json::serialize(v) << '\n';
}

std::string route_line(json::object const& r)
{
    std::string line = json_text(r.at("domain"), "-") + "  " + json_text(r.at("next_hop"), "-") + "  tls=" +
                       json_text(r.at("tls"), "-");
    if (!r.at("tls_name").as_string().empty())
        line += " tls_name=" + json_text(r.at("tls_name"), "-");
    if (!r.at("tls_ca_file").as_string().empty())
        line += " tls_ca_file=" + json_text(r.at("tls_ca_file"), "-");
    if (r.at("tls_fallback").as_bool())
        line += " tls_fallback=yes";
    return line + "  (" + json_text(r.at("source"), "-") + ")";
}

int list_routes(config_options const& o)
{
    auto v = call_json(o.api, "GET", "/api/v1/routes");
    if (!v)
        return 1;
    if (o.json) {
        print_json(*v);
        return 0;
    }
    auto const& items = v->at("items").as_array();
    if (items.empty())
        std::cout << "no routes\n";
    for (auto const& r : items)
        std::cout << route_line(r.as_object()) << '\n';
    return 0;
}

int show_route(config_options const& o, bool lookup)
{
    auto v = lookup ? call_json(o.api, "GET", "/api/v1/route-lookup?domain=" + url_encode(o.domain))
                    : call_json(o.api, "GET", "/api/v1/routes/" + url_encode(o.domain));
    if (!v)
        return 1;
    if (o.json)
        print_json(*v);
    else
        std::cout << route_line(v->as_object()) << '\n';
    return 0;
}

int put_route(config_options const& o, bool add)
{
    json::object body{{"next_hop", o.next_hop}};
    if (add)
        body["domain"] = o.domain;
    if (!o.tls.empty())
        body["tls"] = o.tls;
    if (!o.tls_name.empty())
        body["tls_name"] = o.tls_name;
    if (!o.tls_ca_file.empty())
        body["tls_ca_file"] = o.tls_ca_file;
    if (o.tls_fallback)
        body["tls_fallback"] = true;
    auto v = add ? call_json(o.api, "POST", "/api/v1/routes", json::serialize(body))
                 : call_json(o.api, "PUT", "/api/v1/routes/" + url_encode(o.domain), json::serialize(body));
    if (!v)
        return 1;
    auto const& after = v->at("after");
    std::cout << (add ? "added: " : "replaced: ") << route_line(after.as_object()) << '\n';
    return 0;
}

int delete_route(config_options const& o)
{
    auto v = call_json(o.api, "DELETE", "/api/v1/routes/" + url_encode(o.domain));
    if (!v)
        return 1;
    std::cout << "deleted: " << route_line(v->at("before").as_object()) << '\n';
    return 0;
}

// PUT a file's text; a refusal prints the detail and every bad line.
int import_text(config_options const& o, std::string const& path, std::string const& what)
{
    auto const input = read_input(o.file);
    if (!input)
        return 1;
    std::string const& body = *input;
    auto const reply = call_with_token(o.api, "PUT", path, body, "text/plain; charset=utf-8");
    if (!reply)
        return 1;
    auto const& r = *reply;
    if (r.status != 200) {
        std::fprintf(stderr, "x400gwctl: %s\n", r.error.c_str());
        boost::system::error_code ec;
        auto v = json::parse(r.body, ec);
        if (!ec && v.is_object())
            if (auto const* errors = v.as_object().if_contains("errors"); errors && errors->is_array())
                for (auto const& e : errors->as_array())
                    std::fprintf(stderr, "%s\n", json_text(e, "-").c_str());
        return 1;
    }
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (ec || !v.is_object()) {
        std::fprintf(stderr, "x400gwctl: the server's answer is not JSON\n");
        return 1;
    }
    auto const& counts = v.as_object();
    auto const n = counts.contains("routes") ? counts.at("routes") : counts.at("entries");
    std::cout << what << ": " << json_text(n, "-") << (counts.contains("routes") ? " routes" : " entries")
              << " in the database\n";
    return 0;
}

int export_text(config_options const& o, std::string const& path)
{
    auto const reply = call_with_token(o.api, "GET", path);
    if (!reply)
        return 1;
    auto const& r = *reply;
    if (r.status != 200) {
        std::fprintf(stderr, "x400gwctl: %s\n", r.error.c_str());
        return 1;
    }
    std::cout << r.body;
    return 0;
}

int list_tables(config_options const& o)
{
    auto v = call_json(o.api, "GET", "/api/v1/tables");
    if (!v)
        return 1;
    if (o.json) {
        print_json(*v);
        return 0;
    }
    for (auto const& t : v->at("items").as_array())
        std::printf("%-18s %-9s %s entries\n", json_text(t.at("kind"), "-").c_str(),
                    json_text(t.at("source"), "-").c_str(), json_text(t.at("entries"), "-").c_str());
    return 0;
}

int list_table(config_options const& o)
{
    json::array all;
    std::string cursor;
    do {
        auto page = call_json(o.api, "GET", "/api/v1/tables/" + url_encode(o.kind) + "?limit=10000" +
                                                (cursor.empty() ? "" : "&cursor=" + cursor));
        if (!page)
            return 1;
        for (auto& e : page->at("items").as_array())
            all.push_back(e);
        auto const& next = page->at("next_cursor");
        cursor = next.is_string() ? std::string(next.as_string()) : std::string();
    } while (!cursor.empty());
    if (o.json) {
        print_json(json::object{{"kind", o.kind}, {"items", std::move(all)}});
        return 0;
    }
    for (auto const& e : all)
        std::cout << json_text(e.at("key"), "-") << '#' << json_text(e.at("value"), "-") << "#\n";
    return 0;
}

int show_entry(config_options const& o)
{
    auto v = call_json(o.api, "GET", "/api/v1/tables/" + url_encode(o.kind) + "/" + url_encode(o.key));
    if (!v)
        return 1;
    if (o.json)
        print_json(*v);
    else
        std::cout << json_text(v->at("key"), "-") << '#' << json_text(v->at("value"), "-") << "#\n";
    return 0;
}

int edit_entry(config_options const& o, std::string const& verb)
{
    std::optional<json::value> v;
    if (verb == "add")
        v = call_json(o.api, "POST", "/api/v1/tables/" + url_encode(o.kind),
                      json::serialize(json::object{{"key", o.key}, {"value", o.value}}));
    else if (verb == "replace")
        v = call_json(o.api, "PUT", "/api/v1/tables/" + url_encode(o.kind) + "/" + url_encode(o.key),
                      json::serialize(json::object{{"value", o.value}}));
    else
        v = call_json(o.api, "DELETE", "/api/v1/tables/" + url_encode(o.kind) + "/" + url_encode(o.key));
    if (!v)
        return 1;
    auto const& c = v->as_object();
    if (verb == "add")
        std::cout << "added: " << json_text(c.at("after"), "-") << '\n';
    else if (verb == "replace")
        std::cout << "replaced: " << json_text(c.at("before"), "-") << " -> " << json_text(c.at("after"), "-") << '\n';
    else
        std::cout << "deleted: " << json_text(c.at("before"), "-") << '\n';
    return 0;
}

// The answer `x400gwctl address to-rfc822|to-x400` gives offline: the
// address on stdout, or "stage: reason" on stderr and exit 1.
int lookup_address(config_options const& o)
{
    if (o.direction != "to-rfc822" && o.direction != "to-x400") {
        std::fprintf(stderr, "usage: tables lookup to-rfc822|to-x400 ADDRESS\n");
        return 2;
    }
    auto v = call_json(o.api, "GET",
                       "/api/v1/address-lookup?to=" + std::string(o.direction == "to-rfc822" ? "rfc822" : "x400") +
                           "&address=" + url_encode(o.address) + "&role=" + url_encode(o.role));
    if (!v)
        return 1;
    auto const& r = v->as_object();
    if (r.at("mapped").as_bool()) {
        std::cout << json_text(r.at("address"), "-") << '\n';
        return 0;
    }
    auto const stage = json_text(r.at("stage"), "-");
    if (stage == "map")
        std::fprintf(stderr, "map: %s %s %s\n", json_text(r.at("code"), "-").c_str(),
                     json_text(r.at("status"), "-").c_str(), json_text(r.at("reason"), "-").c_str());
    else
        std::fprintf(stderr, "%s: %s\n", stage.c_str(), json_text(r.at("reason"), "-").c_str());
    return 1;
}

constexpr char const* kinds_help = "or-to-domain, domain-to-or, gate-or-to-domain or gate-domain-to-or";

} // namespace

void add_config_commands(CLI::App& app, int& status)
{
    auto o = std::make_shared<config_options>();

    auto* routes = app.add_subcommand("routes", "SMTP routes of a running gateway (through its REST API)");
    add_api_options(routes, o->api);
    routes->add_flag("--json", o->json, "Print JSON");
    routes->require_subcommand(0, 1);
    routes->fallthrough();
    for (auto const* verb : {"show", "lookup"}) {
        auto* sub = routes->add_subcommand(verb, std::string_view(verb) == "show"
                                                     ? "The route with exactly this domain pattern"
                                                     : "The route mail to a domain takes");
        sub->add_option("DOMAIN", o->domain, "example.com, *.example.com or *")->required();
        bool const lookup = std::string_view(verb) == "lookup";
        sub->callback([o, lookup, &status] { status = show_route(*o, lookup); });
    }
    for (auto const* verb : {"add", "replace"}) {
        bool const add = std::string_view(verb) == "add";
        auto* sub = routes->add_subcommand(verb, add ? "Add a route (refused when the domain has one)"
                                                     : "Add or replace the database's route for a domain");
        sub->add_option("DOMAIN", o->domain, "example.com, *.example.com or *")->required();
        sub->add_option("NEXT_HOP", o->next_hop, "host, host:port or [IPv6]:port")->required();
        sub->add_option("--tls", o->tls, "none, may (default), encrypt or verify")
            ->check(CLI::IsMember({"none", "may", "encrypt", "verify"}));
        sub->add_option("--tls-name", o->tls_name, "verify: the name the certificate must carry");
        sub->add_option("--tls-ca-file", o->tls_ca_file, "verify: the CA file");
        sub->add_flag("--tls-fallback", o->tls_fallback, "may: after a failed handshake, try once in plaintext");
        sub->callback([o, add, &status] { status = put_route(*o, add); });
    }
    auto* del = routes->add_subcommand("delete", "Delete the database's route for a domain");
    del->add_option("DOMAIN", o->domain, "example.com, *.example.com or *")->required();
    del->callback([o, &status] { status = delete_route(*o); });
    auto* rimport = routes->add_subcommand("import", "Replace every database route with a route file, all or nothing");
    rimport->add_option("FILE", o->file, "The route file (\"-\": standard input)")->required();
    rimport->callback([o, &status] { status = import_text(*o, "/api/v1/route-file", "routes"); });
    auto* rexport = routes->add_subcommand("export", "Print the database's routes as a route file");
    rexport->callback([o, &status] { status = export_text(*o, "/api/v1/route-file"); });
    routes->callback([o, routes, &status] {
        if (routes->get_subcommands().empty())
            status = list_routes(*o);
    });

    auto* tables = app.add_subcommand("tables", "RFC 2156 mapping tables of a running gateway (through its REST API)");
    add_api_options(tables, o->api);
    tables->add_flag("--json", o->json, "Print JSON");
    tables->require_subcommand(0, 1);
    tables->fallthrough();
    auto kind_option = [&](CLI::App* sub) {
        sub->add_option("KIND", o->kind, kinds_help)
            ->required()
            ->check(CLI::IsMember({"or-to-domain", "domain-to-or", "gate-or-to-domain", "gate-domain-to-or"}));
    };
    auto* tlist = tables->add_subcommand("list", "A table's entries, as table lines");
    kind_option(tlist);
    tlist->callback([o, &status] { status = list_table(*o); });
    auto* tshow = tables->add_subcommand("show", "One entry, by key");
    kind_option(tshow);
    tshow->add_option("KEY", o->key, "The entry's key (the left side of its line)")->required();
    tshow->callback([o, &status] { status = show_entry(*o); });
    for (auto const* verb : {"add", "replace", "delete"}) {
        std::string const v = verb;
        auto* sub = tables->add_subcommand(verb, v == "add"       ? "Add an entry (refused when the key is there)"
                                                 : v == "replace" ? "Replace an entry's value"
                                                                  : "Delete an entry");
        kind_option(sub);
        sub->add_option("KEY", o->key, "The entry's key (the left side of its line)")->required();
        if (v != "delete")
            sub->add_option("VALUE", o->value, "The entry's value (the right side of its line)")->required();
        sub->callback([o, v, &status] { status = edit_entry(*o, v); });
    }
    auto* timport = tables->add_subcommand("import", "Replace a table with a table file, all or nothing");
    kind_option(timport);
    timport->add_option("FILE", o->file, "The table file (\"-\": standard input)")->required();
    timport->callback([o, &status] { status = import_text(*o, "/api/v1/table-file/" + url_encode(o->kind), o->kind); });
    auto* texport = tables->add_subcommand("export", "Print a table as a table file");
    kind_option(texport);
    texport->callback([o, &status] { status = export_text(*o, "/api/v1/table-file/" + url_encode(o->kind)); });
    auto* lookup = tables->add_subcommand("lookup", "Map an address on the tables the gateway applies");
    lookup->add_option("DIRECTION", o->direction, "to-rfc822 (an O/R address) or to-x400 (an RFC 822 address)")
        ->required()
        ->check(CLI::IsMember({"to-rfc822", "to-x400"}));
    lookup->add_option("ADDRESS", o->address, "The address")->required();
    lookup->add_option("--role", o->role, "recipient (default), header, return")
        ->check(CLI::IsMember({"recipient", "header", "return"}));
    lookup->callback([o, &status] { status = lookup_address(*o); });
    tables->callback([o, tables, &status] {
        if (tables->get_subcommands().empty())
            status = list_tables(*o);
    });
}

} // namespace x400gw::cli
