// tests/gateway/rest_test.cpp: the REST API's pure half, without sockets:
// routes, arguments, every error class, and the documents it renders.
#include "gateway/rest/api.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace x400gw::rest {
namespace {
namespace json = boost::json;

request get(std::string target) { return {"GET", std::move(target), "", "", ""}; }
request with(std::string method, std::string target, std::string body, std::string type = "application/json")
{
    return {std::move(method), std::move(target), std::move(type), "", std::move(body)};
}
request post(std::string target, std::string body, std::string type = "application/json")
{
    return {"POST", std::move(target), std::move(type), "", std::move(body)};
}

// The problem document a request gets, checked for its RFC 9457 shape.
json::object refused(request const& r, int status)
{
    auto routed = route(r);
    auto const* res = std::get_if<response>(&routed);
    EXPECT_NE(res, nullptr) << r.method << " " << r.target << " was routed";
    if (!res)
        return {};
    EXPECT_EQ(res->status, status) << r.target << ": " << res->body;
    EXPECT_EQ(res->content_type, "application/problem+json");
    auto doc = json::parse(res->body).as_object();
    EXPECT_EQ(doc.at("status").as_int64(), status);
    EXPECT_EQ(doc.at("type").as_string(), "about:blank");
    EXPECT_FALSE(doc.at("detail").as_string().empty());
    return doc;
}

template <class T>
T routed(request const& r)
{
    auto v = route(r);
    auto const* op = std::get_if<operation>(&v);
    EXPECT_NE(op, nullptr) << r.target << ": " << (op ? "" : std::get<response>(v).body);
    if (!op || !std::holds_alternative<T>(*op)) {
        ADD_FAILURE() << r.target << " became another operation";
        return {};
    }
    return std::get<T>(*op);
}

TEST(Rest, ListFiltersAndCursor)
{
    auto lq = routed<list_queue>(get("/api/v1/queue?state=held&sender=Alice%40corp&next_hop=mx%3A25&qid=1a&"
                                     "min_age=60&max_age=3600.5&limit=7&cursor=100000000A"));
    EXPECT_EQ(lq.filter.state, "held");
    EXPECT_EQ(lq.filter.sender, "Alice@corp");
    EXPECT_EQ(lq.filter.next_hop, "mx:25");
    EXPECT_EQ(lq.filter.qid_prefix, "1A");
    EXPECT_EQ(lq.filter.min_age, 60.0);
    EXPECT_EQ(lq.filter.max_age, 3600.5);
    EXPECT_EQ(lq.limit, 7);
    EXPECT_EQ(lq.after, (1ll << 45) + 10);
    EXPECT_FALSE(writes(operation{lq}));
}

TEST(Rest, EveryErrorClassIsAProblem)
{
    refused(get("/metricsx"), 404);
    refused(get("/api/v2/queue"), 404);
    refused(get("/api/v1/queue/ABC"), 404);
    refused(get("/api/v1/queue?state=gone"), 400);
    refused(get("/api/v1/queue?limit=1001"), 400);
    refused(get("/api/v1/queue?qid=I"), 400);   // not in the base-32 alphabet
    refused(get("/api/v1/queue?sender=%01"), 400);
    refused(get("/api/v1/audit?cursor=-3"), 400);
    refused(get("/api/v1/summary?x"), 400);
    // A repeated parameter is refused, not read as one of its values.
    auto twice = refused(get("/api/v1/queue?state=held&state=queued"), 400);
    EXPECT_EQ(twice.at("detail").as_string(), "query parameter \"state\" is given more than once");
    refused(get("/api/v1/route-lookup?domain=a.example&domain=b.example"), 400);
    refused(get("/api/v1/tables/domain-to-or?limit=5&limit=6"), 400);
    auto d = refused({"PATCH", "/api/v1/queue/100000000A", "", "", ""}, 405);
    EXPECT_NE(std::string(d.at("detail").as_string()).find("GET, HEAD, DELETE"), std::string::npos);
    refused(post("/api/v1/queue/actions", "{\"action\":\"hold\""), 400);
    refused(post("/api/v1/queue/actions", "{\"action\":\"hold\",\"ids\":[],\"x\":1}"), 400);
    refused(post("/api/v1/queue/actions", "{\"action\":\"hold\",\"ids\":[\"100000000A\"],\"filter\":{}}"), 400);
    refused(post("/api/v1/queue/actions", "{\"action\":\"hold\",\"filter\":{\"min_age\":\"x\"}}"), 400);
    refused(post("/api/v1/queue/actions", "{}", "text/plain"), 415);
    // A member given twice means nothing certain (Boost.JSON keeps the
    // last; another reader, the first), however its name is written.
    auto member = refused(post("/api/v1/queue/actions", R"({"action":"hold","action":"delete","ids":["100000000A"]})"), 400);
    EXPECT_EQ(member.at("detail").as_string(), "the request body gives the member \"action\" more than once");
    refused(post("/api/v1/queue/actions", R"({"action":"hold","\u0061ction":"delete","ids":["100000000A"]})"), 400);
    refused(post("/api/v1/queue/actions", R"({"action":"hold","filter":{"state":"held","state":"queued"}})"), 400);
    EXPECT_EQ(routed<queue_action>(post("/api/v1/queue/actions", R"({"action":"hold","ids":["100000000A","1000000001"]})"))
                  .qids.size(),
              2u);
    EXPECT_EQ(routed<queue_action>(post("/api/v1/queue/actions", "\xEF\xBB\xBF{\"action\":\"hold\",\"ids\":[\"100000000A\"]}"))
                  .action,
              db::queue_action::hold);
    refused(post("/api/v1/queue/actions", std::string(max_body + 1, ' ')), 413);
    refused(post("/api/v1/queue/100000000A/hold", "{\"force\":true}"), 400);
    refused({"BREW", "/api/v1/queue", "", "", ""}, 405);
}

TEST(Rest, ActionsNameTheirTargets)
{
    auto one = routed<queue_action>(post("/api/v1/queue/100000000a/bounce", ""));
    EXPECT_EQ(one.action, db::queue_action::bounce);
    EXPECT_EQ(one.qids, std::vector<std::string>{"100000000A"});
    EXPECT_TRUE(writes(operation{one}));
    auto del = routed<queue_action>({"DELETE", "/api/v1/queue/100000000A", "", "", ""});
    EXPECT_EQ(del.action, db::queue_action::remove);
    auto bulk = routed<queue_action>(
        post("/api/v1/queue/actions", "{\"action\":\"retry\",\"filter\":{\"state\":\"deferred\",\"min_age\":30}}",
             "application/json; charset=utf-8"));
    ASSERT_TRUE(bulk.filter);
    EXPECT_EQ(bulk.filter->state, "deferred");
    EXPECT_EQ(bulk.filter->min_age, 30.0);
    EXPECT_EQ(json::parse(bulk.target_json).at("filter").at("state").as_string(), "deferred");
    auto all = routed<queue_action>(post("/api/v1/queue/actions", "{\"action\":\"delete\",\"filter\":{}}"));
    ASSERT_TRUE(all.filter);
    EXPECT_FALSE(all.filter->state);
}

TEST(Rest, BearerTokens)
{
    EXPECT_EQ(bearer_token("Bearer abc"), "abc");
    EXPECT_EQ(bearer_token("bearer   abc  "), "abc");
    EXPECT_FALSE(bearer_token("Basic abc"));
    EXPECT_FALSE(bearer_token("Bearer"));
    EXPECT_FALSE(bearer_token("Bearer    "));
    EXPECT_EQ(bearer_token("BEARER \tabc\t"), "abc");
    EXPECT_FALSE(bearer_token("Bearerx abc"));
    EXPECT_EQ(unauthorized("x").headers.at(0).first, "WWW-Authenticate");
}

// RFC 9112's framing rules, decided on the head alone.
TEST(Rest, FramingThatCannotBeTrustedIsRefused)
{
    auto status = [](request_head const& h) { return check_head(h).refuse ? check_head(h).refuse->status : 0; };
    EXPECT_EQ(status({}), 0);
    EXPECT_EQ(status({.version = 10, .host_fields = 0}), 0);
    EXPECT_EQ(status({.host_fields = 0}), 400);
    EXPECT_EQ(status({.host_fields = 2}), 400);
    EXPECT_EQ(status({.authorization_fields = 2}), 400);
    EXPECT_EQ(status({.content_type_fields = 2}), 400);
    EXPECT_EQ(status({.authorization_fields = 1, .content_type_fields = 1}), 0);
    EXPECT_EQ(status({.transfer_encoding = "chunked", .has_body = true}), 0);
    EXPECT_EQ(status({.transfer_encoding = " Chunked ", .has_body = true}), 0);
    EXPECT_EQ(status({.transfer_encoding = "gzip"}), 400);
    EXPECT_EQ(status({.transfer_encoding = "chunked, gzip"}), 400);
    EXPECT_EQ(status({.transfer_encoding = ","}), 400);
    EXPECT_EQ(status({.transfer_encoding = "gzip, chunked"}), 501);
    EXPECT_EQ(status({.content_length_fields = 1, .transfer_encoding = "chunked"}), 400);
    EXPECT_EQ(status({.version = 10, .transfer_encoding = "chunked"}), 400);
    EXPECT_EQ(status({.expect = "teapot"}), 417);
    EXPECT_EQ(check_head({.expect = "100-Continue", .has_body = true}).send_continue, true);
    EXPECT_EQ(check_head({.expect = "100-continue"}).send_continue, false);   // nothing to ask for
    EXPECT_EQ(check_head({.version = 10, .host_fields = 0, .expect = "100-continue", .has_body = true}).send_continue,
              false);   // RFC 9110 10.1.1: ignored in HTTP/1.0
    auto const refused = check_head({.transfer_encoding = "gzip, chunked"}).refuse;
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->content_type, "application/problem+json");
    EXPECT_EQ(json::parse(refused->body).at("title").as_string(), "Not Implemented");
}

TEST(Rest, UnparsableRequestsGetTheirStatus)
{
    EXPECT_EQ(unparsable("bad field", "GET / HTTP/1.1\r\nno colon\r\n", false).status, 400);
    EXPECT_EQ(unparsable("header limit", "GET / HTTP/1.1\r\nX: aaaa", true).status, 431);
    EXPECT_EQ(unparsable("bad version", "GET / HTTP/2.0\r\n", false).status, 505);
    EXPECT_EQ(unparsable("bad version", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", false).status, 505);
    EXPECT_EQ(unparsable("bad version", "GET /\r\n", false).status, 400);
    EXPECT_EQ(unparsable("bad version", "GET / HTTP/1.10\r\n", false).status, 400);
    EXPECT_EQ(unparsable("bad version", "GET a b HTTP/3.0\r\n", false).status, 400);
    EXPECT_EQ(unparsable("bad version", "", false).status, 400);
    auto const doc = json::parse(unparsable("bad method", "\x01\r\n", false).body).as_object();
    EXPECT_EQ(doc.at("detail").as_string(), "the request is not valid HTTP/1.1: bad method");
}

TEST(Rest, AbsoluteFormTargetsAreRead)
{
    EXPECT_EQ(origin_target("/api/v1/queue?limit=1"), "/api/v1/queue?limit=1");
    EXPECT_EQ(origin_target("http://gw.example:8025/api/v1/queue?limit=1"), "/api/v1/queue?limit=1");
    EXPECT_EQ(origin_target("HTTPS://gw.example/healthz"), "/healthz");
    EXPECT_EQ(origin_target("http://gw.example"), "/");
    EXPECT_EQ(origin_target("http://gw.example?x=1"), "/?x=1");
    EXPECT_EQ(origin_target("http://gw.example/a%2Fb"), "/a%2Fb");
    EXPECT_EQ(origin_target("*"), "*");
    EXPECT_EQ(origin_target("ftp://gw.example/x"), "ftp://gw.example/x");
    EXPECT_EQ(origin_target("gw.example:8025"), "gw.example:8025");
    refused(get(origin_target("ftp://gw.example/x")), 400);
}

TEST(Rest, PagesAndDocuments)
{
    list_queue lq;
    lq.limit = 2;
    db::message_view m;
    m.id = 1;
    m.qid = "100000000A";
    m.received_at = 1000;
    db::recipient_view r;
    r.address = "bob@dest.test";
    r.state = "deferred";
    r.lease_until = 2000;   // leased past "now": shown as active
    r.lease_owner = "gw1";
    m.recipients.push_back(r);
    auto full = json::parse(render_list(lq, {m, m}, 1500).body);
    EXPECT_EQ(full.at("next_cursor").as_string(), "100000000A");
    auto const& rc = full.at("items").at(0).at("recipients").at(0);
    EXPECT_EQ(rc.at("state").as_string(), "active");
    EXPECT_EQ(rc.at("lease_owner").as_string(), "gw1");
    EXPECT_EQ(full.at("items").at(0).at("age_seconds").as_int64(), 500);
    EXPECT_TRUE(json::parse(render_list(lq, {m}, 1500).body).at("next_cursor").is_null());

    std::vector<db::shape_row> shape{{"deferred", "mx:25", 0, 3, 2}, {"deferred", "mx:25", 9, 1, 1},
                                     {"held", "other:25", 4, 5, 5}};
    auto s = json::parse(render_summary(shape, {{"deferred", "100000000A", 99.7, 3}}).body);
    EXPECT_EQ(s.at("by_state").at("deferred").at("recipients").as_int64(), 4);
    EXPECT_EQ(s.at("by_state").at("deferred").at("oldest_id").as_string(), "100000000A");
    EXPECT_TRUE(s.at("by_state").at("queued").at("oldest_id").is_null());
    auto const& total = s.at("by_next_hop").at(0);
    EXPECT_EQ(total.at("next_hop").as_string(), "TOTAL");
    EXPECT_EQ(total.at("total").as_int64(), 9);
    EXPECT_EQ(total.at("by_age").at(9).as_int64(), 1);

    queue_action qa;
    qa.action = db::queue_action::hold;
    qa.qids = {"100000000A"};
    EXPECT_EQ(render_actions(qa, {}).status, 404);
    qa.qids.push_back("100000000B");
    auto a = json::parse(render_actions(qa, {{"100000000A", 1, 0}}).body);
    EXPECT_EQ(a.at("missing").at(0).as_string(), "100000000B");

    auto doc = json::parse(openapi_document());
    EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
    auto r2 = route(get("/api/v1/openapi.json"));
    EXPECT_EQ(std::get<response>(r2).status, 200);
}


TEST(Rest, RoutesAndTheirErrors)
{
    auto add = routed<put_route>(post("/api/v1/routes", R"({"domain":"New.Test.","next_hop":"[::1]:2525","tls":"verify",)"
                                                         R"("tls_name":"mx.new.test","tls_fallback":false})"));
    EXPECT_TRUE(add.create_only);
    EXPECT_EQ(add.route.domain, "new.test");
    EXPECT_EQ(add.route.host, "::1");
    EXPECT_EQ(add.route.port, 2525);
    EXPECT_EQ(add.route.tls.level, gateway::tls_level::verify);
    EXPECT_EQ(add.route.tls.name, "mx.new.test");
    auto put = routed<put_route>(with("PUT", "/api/v1/routes/%2A.example.com", R"({"next_hop":"mx"})"));
    EXPECT_FALSE(put.create_only);
    EXPECT_EQ(put.route.domain, "*.example.com");
    EXPECT_EQ(put.route.port, 25);
    EXPECT_TRUE(writes(operation{put}));
    EXPECT_EQ(routed<delete_route>(with("DELETE", "/api/v1/routes/A.test", "")).domain, "a.test");
    EXPECT_EQ(routed<show_route>(get("/api/v1/routes/*")).domain, "*");
    EXPECT_EQ(routed<lookup_route>(get("/api/v1/route-lookup?domain=Mail.Example.COM")).domain, "mail.example.com");
    EXPECT_FALSE(writes(operation{routed<list_routes>(get("/api/v1/routes"))}));
    auto imported = routed<import_routes>(with("PUT", "/api/v1/route-file", "a.test h\n* relay:587\n", "text/plain"));
    ASSERT_EQ(imported.routes.size(), 2u);
    EXPECT_EQ(imported.routes[1].domain, "*");
    routed<export_routes>(get("/api/v1/route-file"));

    refused(post("/api/v1/routes", R"({"next_hop":"h"})"), 400);
    refused(post("/api/v1/routes", R"({"domain":"a.test","next_hop":7})"), 400);
    refused(post("/api/v1/routes", R"({"domain":"a.test","next_hop":"h","tls_ca_file":"a#b"})"), 400);
    refused(with("PUT", "/api/v1/routes/a..b", R"({"next_hop":"h"})"), 404);
    refused(with("PATCH", "/api/v1/routes/a.test", "{}"), 405);
    refused(with("PUT", "/api/v1/route-file", "a.test h", "application/json"), 415);
    refused(with("PUT", "/api/v1/route-file", std::string("a.test h\0", 9), "text/plain"), 400);
    auto doc = refused(with("PUT", "/api/v1/route-file", "a.test\nb.test h:99999\n", "text/plain"), 400);
    ASSERT_TRUE(doc.contains("errors"));
    EXPECT_EQ(doc.at("errors").as_array().size(), 2u);
    EXPECT_EQ(doc.at("errors").at(1).as_string(), "import:2: bad port in next hop 'h:99999'");
    refused(get("/api/v1/route-lookup?domain=a.test&x=1"), 400);
}

TEST(Rest, TablesAndLookups)
{
    auto add = routed<put_entry>(post("/api/v1/tables/domain-to-or", R"({"key":"a.test","value":"O$A.ADMD$B.C$GB"})"));
    EXPECT_TRUE(add.create_only);
    EXPECT_EQ(add.kind, addressing::table_kind::domain_to_or);
    auto put = routed<put_entry>(with("PUT", "/api/v1/tables/or-to-domain/PRMD%24Acme.ADMD%24%20.C%24GB",
                                      R"({"value":"acme.example"})"));
    EXPECT_EQ(put.key, "PRMD$Acme.ADMD$ .C$GB");
    EXPECT_FALSE(put.create_only);
    EXPECT_EQ(routed<delete_entry>(with("DELETE", "/api/v1/tables/gate-domain-to-or/x.test", "")).key, "x.test");
    auto page = routed<list_table>(get("/api/v1/tables/gate-or-to-domain?limit=5&cursor=10"));
    EXPECT_EQ(page.limit, 5);
    EXPECT_EQ(page.after, 10u);
    routed<list_tables>(get("/api/v1/tables"));
    auto imported = routed<import_table>(with("PUT", "/api/v1/table-file/domain-to-or", "a.test#O$A.ADMD$B.C$GB#\n",
                                              "text/plain; charset=utf-8"));
    EXPECT_TRUE(writes(operation{imported}));
    auto lookup = routed<address_lookup>(get("/api/v1/address-lookup?to=rfc822&address=%2FS%3DX%2F&role=header"));
    EXPECT_TRUE(lookup.to_rfc822);
    EXPECT_EQ(lookup.address, "/S=X/");
    EXPECT_EQ(lookup.role, addressing::role::header);

    refused(get("/api/v1/tables/colours"), 404);
    refused(get("/api/v1/table-file/colours"), 404);
    refused(post("/api/v1/tables/domain-to-or", R"({"value":"O$A.ADMD$B.C$GB"})"), 400);
    refused(with("PUT", "/api/v1/tables/domain-to-or/a.test", R"({"key":"a.test","value":"v"})"), 400);
    refused(get("/api/v1/tables/domain-to-or?limit=10001"), 400);
    refused(get("/api/v1/address-lookup?address=x"), 400);
    auto doc = refused(with("PUT", "/api/v1/table-file/domain-to-or", "ok.test#O$A.ADMD$B.C$GB#\nbroken\n",
                            "text/plain"),
                       400);
    EXPECT_EQ(doc.at("errors").at(0).as_string(), "import:2: missing '#' between the two sides");
}

TEST(Rest, RouteAndTableDocuments)
{
    gateway::route r;
    r.domain = "a.test";
    r.host = "::1";
    r.port = 26;
    r.origin = gateway::route_origin::database;
    gateway::route_set set({}, {r}, "");
    auto list = json::parse(render_routes(set).body);
    EXPECT_EQ(list.at("items").at(0).at("next_hop").as_string(), "[::1]:26");
    EXPECT_EQ(list.at("items").at(0).at("source").as_string(), "database");
    EXPECT_EQ(render_route(nullptr, "b.test").status, 404);
    EXPECT_EQ(json::parse(render_route_lookup(&r, "x.a.test").body).at("lookup").as_string(), "x.a.test");
    config_change created;
    created.status = 201;
    created.route_after = r;
    auto c = json::parse(render_route_change(created).body);
    EXPECT_TRUE(c.at("before").is_null());
    EXPECT_EQ(render_route_change(created).status, 201);
    config_change conflict;
    conflict.status = 409;
    conflict.detail = "in effect already";
    EXPECT_EQ(render_entry_change(conflict).content_type, "application/problem+json");
    config_change imported;
    imported.count = 3;
    EXPECT_EQ(json::parse(render_entry_change(imported).body).at("entries").as_int64(), 3);

    auto table = addressing::parse_table("a.test#O$A.ADMD$B.C$GB#\nb.test#O$B.ADMD$B.C$GB#\n",
                                         addressing::table_kind::domain_to_or, "t");
    ASSERT_TRUE(table);
    list_table lt;
    lt.kind = addressing::table_kind::domain_to_or;
    lt.limit = 1;
    auto page = json::parse(render_table(lt, &*table).body);
    EXPECT_EQ(page.at("items").at(0).at("key").as_string(), "a.test");
    EXPECT_EQ(page.at("next_cursor").as_string(), "1");
    EXPECT_EQ(render_text("x\n").content_type, "text/plain; charset=utf-8");
}
} // namespace
} // namespace x400gw::rest
