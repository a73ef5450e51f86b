// tests/gateway/routes_test.cpp: SMTP routes (gateway/routes.hpp): next
// hops, domain patterns, which route a domain takes, the database's routes
// in the place of the file's, and the route file both ways.
#include "gateway/routes.hpp"

#include <gtest/gtest.h>

namespace x400gw::gateway {
namespace {

route make(std::string domain, std::string host, std::uint16_t port = 25, tls_level level = tls_level::may)
{
    route r;
    r.domain = std::move(domain);
    r.host = std::move(host);
    r.port = port;
    r.tls.level = level;
    return r;
}

TEST(Routes, NextHops)
{
    std::string host;
    std::uint16_t port = 0;
    EXPECT_FALSE(parse_next_hop("mx.example", host, port));
    EXPECT_EQ(host, "mx.example");
    EXPECT_EQ(port, 25);
    EXPECT_FALSE(parse_next_hop("mx.example:2525", host, port));
    EXPECT_EQ(port, 2525);
    EXPECT_FALSE(parse_next_hop("[2001:db8::1]:587", host, port));
    EXPECT_EQ(host, "2001:db8::1");
    EXPECT_EQ(port, 587);
    EXPECT_FALSE(parse_next_hop("[::1]", host, port));
    EXPECT_EQ(port, 25);
    EXPECT_EQ(make("a", "::1", 26).next_hop_text(), "[::1]:26");
    for (auto bad : {"", ":25", "mx:", "mx:0", "mx:65536", "mx:2x", "2001:db8::1:25", "[::1", "[::1]x", "a b:25",
                     "mx#:25"})
        EXPECT_TRUE(parse_next_hop(bad, host, port)) << bad;
}

TEST(Routes, DomainPatterns)
{
    std::string d;
    EXPECT_FALSE(normal_route_domain("Example.COM.", d));
    EXPECT_EQ(d, "example.com");
    EXPECT_FALSE(normal_route_domain("*.Example.com", d));
    EXPECT_EQ(d, "*.example.com");
    EXPECT_FALSE(normal_route_domain("*", d));
    EXPECT_FALSE(normal_route_domain("localhost", d));
    for (auto bad : {"", ".", "a..b", "*.", "**", "a.*", "-a.b", "a b", "*x.com", "a.b-"})
        EXPECT_TRUE(normal_route_domain(bad, d)) << bad;
}

TEST(Routes, ExactThenLongestSuffixThenStar)
{
    route_set s({make("*", "default"), make("*.example.com", "wild"), make("*.eu.example.com", "eu"),
                 make("example.com", "apex")},
                {}, "ca.pem");
    EXPECT_EQ(s.resolve("EXAMPLE.com")->host, "apex");
    EXPECT_EQ(s.resolve("mail.example.com")->host, "wild");
    EXPECT_EQ(s.resolve("a.eu.example.com")->host, "eu");
    EXPECT_EQ(s.resolve("eu.example.com")->host, "wild");
    EXPECT_EQ(s.resolve("other.test")->host, "default");
    route_set none({make("example.com", "apex")}, {}, "");
    EXPECT_EQ(none.resolve("other.test"), nullptr);
}

TEST(Routes, TheDatabaseReplacesTheFileDomainByDomain)
{
    route_set s({make("a.test", "file-a"), make("b.test", "file-b")}, {make("b.test", "db-b"), make("c.test", "db-c")},
                "ca.pem");
    ASSERT_EQ(s.routes().size(), 3u);
    EXPECT_EQ(s.find("a.test")->origin, route_origin::file);
    EXPECT_EQ(s.find("b.test")->host, "db-b");
    EXPECT_EQ(s.find("b.test")->origin, route_origin::database);
    EXPECT_EQ(s.find("c.test")->origin, route_origin::database);
    EXPECT_EQ(s.find("d.test"), nullptr);
}

TEST(Routes, TlsForANextHopIsTheStrictest)
{
    auto verify = make("b.test", "relay", 25, tls_level::verify);
    verify.tls.name = "mx.example";
    route_set s({make("a.test", "relay", 25, tls_level::may), verify, make("c.test", "other", 25, tls_level::none)},
                {}, "default-ca.pem");
    auto t = s.tls_for("relay:25");
    EXPECT_EQ(t.level, tls_level::verify);
    EXPECT_EQ(t.name, "mx.example");
    EXPECT_EQ(t.ca_file, "default-ca.pem");
    EXPECT_EQ(s.tls_for("unknown:25").level, tls_level::may);
    EXPECT_EQ(s.tls_for("other:25").level, tls_level::none);
}

// The next hop "mx": one hop per recipient domain, whose TLS is its route's.
TEST(Routes, MxRoutes)
{
    auto by_mx = make("*", "MX", 2525, tls_level::verify);
    EXPECT_TRUE(by_mx.via_mx());
    EXPECT_FALSE(make("a.test", "mx.", 25).via_mx());
    EXPECT_FALSE(make("a.test", "mx.example", 25).via_mx());
    EXPECT_EQ(by_mx.next_hop_for("Dest.Example."), "mx:dest.example:2525");
    EXPECT_EQ(make("a.test", "relay", 25).next_hop_for("a.test"), "relay:25");
    std::string domain;
    std::uint16_t port = 0;
    EXPECT_TRUE(split_mx_hop("mx:dest.example:2525", domain, port));
    EXPECT_EQ(domain, "dest.example");
    EXPECT_EQ(port, 2525);
    EXPECT_TRUE(split_mx_hop(by_mx.next_hop_for("[192.0.2.1]"), domain, port));
    EXPECT_EQ(domain, "192.0.2.1");
    EXPECT_FALSE(split_mx_hop("mx:25", domain, port));
    EXPECT_FALSE(split_mx_hop("relay:25", domain, port));
    route_set s({by_mx, make("plain.test", "relay", 25, tls_level::none)}, {}, "ca.pem");
    EXPECT_EQ(s.tls_for("mx:dest.example:2525").level, tls_level::verify);
    EXPECT_EQ(s.tls_for("mx:dest.example:2525").ca_file, "ca.pem");
    // A domain whose route no longer goes by MX: the default, may.
    EXPECT_EQ(s.tls_for("mx:plain.test:25").level, tls_level::may);
}

TEST(Routes, RouteFileBothWays)
{
    std::string const text = "# domain   next hop   options\n"
                             "example.com  mx.example.com:25 tls=verify tls_name=mx.example.com  # the apex\n"
                             "\n"
                             "*.example.net\t[2001:db8::25]   tls=encrypt\n"
                             "*  relay.example:587 tls=may tls_fallback=yes tls_ca_file=/etc/ca.pem\n";
    std::vector<route> routes;
    std::vector<std::string> errors;
    ASSERT_TRUE(parse_route_table(text, "f", routes, errors)) << errors.front();
    ASSERT_EQ(routes.size(), 3u);
    EXPECT_EQ(routes[1].host, "2001:db8::25");
    EXPECT_EQ(routes[1].tls.level, tls_level::encrypt);
    EXPECT_TRUE(routes[2].tls.fallback);
    EXPECT_EQ(render_route_table(routes), "example.com mx.example.com:25 tls=verify tls_name=mx.example.com\n"
                                          "*.example.net [2001:db8::25]:25 tls=encrypt\n"
                                          "* relay.example:587 tls=may tls_ca_file=/etc/ca.pem tls_fallback=yes\n");
    std::vector<route> again;
    ASSERT_TRUE(parse_route_table(render_route_table(routes), "g", again, errors));
    EXPECT_EQ(again, routes);
}

// A file written on Windows: a byte order mark and CR LF line ends, with
// the CR right after the last word of each line.
TEST(Routes, RouteFileFromAWindowsEditor)
{
    std::vector<route> routes;
    std::vector<std::string> errors;
    ASSERT_TRUE(parse_route_table("\xEF\xBB\xBF" "a.example 127.0.0.1:2526\r\n"
                                  "# comment\r\n"
                                  "\r\n"
                                  "b.example h:25 tls=may\r\n"
                                  "c.example h\r\n",
                                  "f", routes, errors))
        << errors.front();
    ASSERT_EQ(routes.size(), 3u);
    EXPECT_EQ(routes[0].domain, "a.example");
    EXPECT_EQ(routes[0].port, 2526);
    EXPECT_EQ(routes[1].tls.level, tls_level::may);
    EXPECT_EQ(routes[2].host, "h");
    EXPECT_FALSE(parse_route_table("a.example h\r\nb.example h tls=maybe\r\n", "f", routes, errors));
    EXPECT_EQ(errors, std::vector<std::string>{"f:2: tls must be none, may, encrypt or verify, not 'maybe'"});
}

// A control octet inside a route line (a CR that is not a line end, a NUL)
// is refused by value: the JSON form refuses it too, and a value carrying
// one would not read back the same from the rendered file.
TEST(Routes, ControlOctetsInARouteLineAreRefused)
{
    std::vector<route> routes;
    std::vector<std::string> errors;
    EXPECT_FALSE(parse_route_table("a.example h tls_name=mx:2\r# note\n"
                                   "b.example h tls_ca_file=/etc/ca\x01.pem\n"
                                   "c.example h\x7f\n"
                                   "d.example h\ttls=may # \x01 in a comment is no matter\n",
                                   "f", routes, errors));
    EXPECT_EQ(errors, (std::vector<std::string>{"f:1: octet 0x0D is not allowed in a route line",
                                                "f:2: octet 0x01 is not allowed in a route line",
                                                "f:3: octet 0x7F is not allowed in a route line"}));
    ASSERT_EQ(routes.size(), 1u);
    EXPECT_EQ(routes[0].domain, "d.example");
    // A next hop from the configuration file (TOML has "\r") or the REST API
    // is quoted with such octets shown by value.
    std::string host;
    std::uint16_t port = 0;
    EXPECT_EQ(parse_next_hop("mx\r.example", host, port), "'mx\\x0D.example' is not a host name or address");
}

TEST(Routes, RouteFileNamesEveryBadLine)
{
    std::vector<route> routes;
    std::vector<std::string> errors;
    EXPECT_FALSE(parse_route_table("a.test h\n"
                                   "lonely.test\n"
                                   "b.test h:0\n"
                                   "c.test h tls=maybe\n"
                                   "d.test h colour=red\n"
                                   "e.test h tls_fallback=perhaps\n"
                                   "A.TEST other\n"
                                   "bad..test h\n",
                                   "import", routes, errors));
    ASSERT_EQ(errors.size(), 7u);
    EXPECT_EQ(errors[0], "import:2: a route needs a domain and a next hop");
    EXPECT_EQ(errors[1], "import:3: bad port in next hop 'h:0'");
    EXPECT_EQ(errors[2], "import:4: tls must be none, may, encrypt or verify, not 'maybe'");
    EXPECT_EQ(errors[3], "import:5: unknown option 'colour' (tls, tls_name, tls_ca_file, tls_fallback)");
    EXPECT_EQ(errors[4], "import:6: tls_fallback must be yes or no, not 'perhaps'");
    EXPECT_EQ(errors[5], "import:7: a second route for a.test (first on line 1)");
    EXPECT_EQ(errors[6].rfind("import:8: 'bad..test' is not a route domain", 0), 0u);
}

} // namespace
} // namespace x400gw::gateway
