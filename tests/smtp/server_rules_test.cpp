// The pure session rules: the command table, relay control, the Received:
// field, and the per-client counters, without a socket.
#include "gateway/smtp/client_limits.hpp"
#include "gateway/smtp/server_rules.hpp"

#include <gtest/gtest.h>

namespace smtp = x400gw::smtp;

namespace {

smtp::command parse(std::string_view line)
{
    auto parsed = smtp::parse_command(line);
    if (auto* r = std::get_if<smtp::reply>(&parsed)) {
        ADD_FAILURE() << line << " -> " << r->summary();
        return {};
    }
    return std::get<smtp::command>(parsed);
}

smtp::reply refusal(std::string_view line)
{
    auto parsed = smtp::parse_command(line);
    if (!std::holds_alternative<smtp::reply>(parsed)) {
        ADD_FAILURE() << line << " was accepted";
        return {};
    }
    return std::get<smtp::reply>(parsed);
}

// Runs `line` through the rules; an accepted command is answered as the
// session would answer it when everything succeeds.
std::optional<smtp::reply> step(smtp::session_state& s, std::string_view line, smtp::server_policy const& p = {})
{
    auto const cmd = parse(line);
    auto r = smtp::check_command(s, cmd, p);
    smtp::reply answer = r ? *r : smtp::reply{cmd.what == smtp::verb::data ? 354 : 250, {2, 0, 0}, "Ok"};
    smtp::advance(s, cmd, answer);
    return r;
}

} // namespace

TEST(QuotedLocalPart, OnlyRfc5321QtextAndQuotedPairs)
{
    // The header-injection case: a CR inside quotes, raw or as a quoted-pair.
    for (std::string_view bad : {std::string_view("RCPT TO:<\"x\\\rX-Evil: 1\"@example.com>"),
                                 std::string_view("RCPT TO:<\"x\rX-Evil: 1\"@example.com>"),
                                 std::string_view("RCPT TO:<\"x\\\nY\"@example.com>"),
                                 std::string_view("RCPT TO:<\"a\\\0b\"@example.com>", 30),
                                 std::string_view("RCPT TO:<\"a\0b\"@example.com>", 28),
                                 std::string_view("RCPT TO:<\"a\tb\"@example.com>"),
                                 std::string_view("RCPT TO:<\"a\x7f\"@example.com>"),
                                 std::string_view("RCPT TO:<\"a\xc3\xa9\"@example.com>")}) {
        auto r = refusal(bad);
        EXPECT_EQ(r.code, 501) << bad;
        EXPECT_EQ(r.status.render(), "5.1.3") << bad;
    }
    auto mail = refusal("MAIL FROM:<\"a\\\rb\"@example.com>");
    EXPECT_EQ(mail.code, 501);
    EXPECT_EQ(mail.status.render(), "5.1.7");
    EXPECT_EQ(parse("RCPT TO:<\"john smith\"@example.com>").path.local_part, "\"john smith\"");
    EXPECT_EQ(parse("RCPT TO:<\"a\\\"b\\\\c\"@example.com>").path.local_part, "\"a\\\"b\\\\c\"");
}

TEST(HeloArgument, HostNamesAndAddressLiteralsOnly)
{
    for (auto good : {"EHLO mail.example.com", "EHLO [192.0.2.1]", "EHLO [IPv6:2001:db8::1]", "HELO host_1.example",
                      "EHLO example.com.", "EHLO localhost"})
        EXPECT_EQ(parse(good).argument.empty(), false) << good;
    for (auto bad : {"EHLO a(b", "EHLO a;b", "EHLO [a(b;c]", "EHLO a[b]", "HELO x\"y", "EHLO a..b", "EHLO .",
                     "EHLO [1.2.3.4", "EHLO a)b"}) {
        auto r = refusal(bad);
        EXPECT_EQ(r.code, 501) << bad;
        EXPECT_EQ(r.status.render(), "5.5.4") << bad;
    }
}

TEST(SessionRules, OrderOfCommands)
{
    smtp::session_state s;
    EXPECT_EQ(step(s, "MAIL FROM:<a@b.example>")->text, "Send EHLO or HELO first");
    EXPECT_EQ(step(s, "RCPT TO:<a@b.example>")->code, 503);
    EXPECT_FALSE(step(s, "EHLO c.example"));
    EXPECT_EQ(step(s, "DATA")->text, "Need MAIL command");
    EXPECT_FALSE(step(s, "MAIL FROM:<a@b.example>"));
    EXPECT_EQ(step(s, "MAIL FROM:<a@b.example>")->text, "Nested MAIL command");
    EXPECT_EQ(step(s, "DATA")->code, 554);   // no valid recipients
    EXPECT_FALSE(step(s, "RCPT TO:<x@y.example>"));
    EXPECT_EQ(s.recipients, 1u);
    EXPECT_FALSE(step(s, "RSET"));
    EXPECT_FALSE(s.in_transaction);
    EXPECT_EQ(s.recipients, 0u);
    EXPECT_EQ(step(s, "EXPN list")->code, 502);
    EXPECT_EQ(step(s, "STARTTLS")->code, 502);   // no certificate configured
}

TEST(SessionRules, EhloResetsTheTransaction)
{
    smtp::session_state s;
    step(s, "EHLO c.example");
    step(s, "MAIL FROM:<>");
    step(s, "RCPT TO:<x@y.example>");
    EXPECT_FALSE(step(s, "EHLO again.example"));
    EXPECT_FALSE(s.in_transaction);
    EXPECT_EQ(step(s, "RCPT TO:<x@y.example>")->code, 503);
}

TEST(SessionRules, LimitsAndSize)
{
    smtp::server_policy p;
    p.recipients = 2;
    p.message_size = 1000;
    smtp::session_state s;
    step(s, "EHLO c.example", p);
    auto big = step(s, "MAIL FROM:<a@b.example> SIZE=1001", p);
    ASSERT_TRUE(big);
    EXPECT_EQ(big->code, 552);
    EXPECT_FALSE(step(s, "MAIL FROM:<a@b.example> SIZE=1000", p));
    EXPECT_FALSE(step(s, "RCPT TO:<x1@y.example>", p));
    EXPECT_FALSE(step(s, "RCPT TO:<x2@y.example>", p));
    auto third = step(s, "RCPT TO:<x3@y.example>", p);
    ASSERT_TRUE(third);
    EXPECT_EQ(third->code, 452);
    EXPECT_EQ(step(s, "RCPT TO:<caf\xc3\xa9@y.example>", p)->code, 452);
}

TEST(SessionRules, RequireTls)
{
    smtp::server_policy p;
    p.require_tls = true;
    p.tls_offered = true;
    smtp::session_state s;
    step(s, "EHLO c.example", p);
    auto r = step(s, "MAIL FROM:<a@b.example>", p);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->code, 530);
    EXPECT_EQ(r->status.render(), "5.7.0");
}

TEST(SessionRules, MailAuthParameterWhereAuthIsOffered)
{
    smtp::server_policy p;
    p.tls_offered = true;
    smtp::session_state s;
    step(s, "EHLO c.example", p);
    EXPECT_EQ(step(s, "MAIL FROM:<a@b.example> AUTH=<>", p)->code, 555);   // AUTH is not configured
    p.auth_offered = true;
    EXPECT_EQ(step(s, "MAIL FROM:<a@b.example> AUTH=<>", p)->code, 555);   // nor offered without TLS
    s.tls = true;
    EXPECT_FALSE(step(s, "MAIL FROM:<a@b.example> AUTH=<>", p));
    step(s, "RSET", p);
    EXPECT_FALSE(step(s, "MAIL FROM:<a@b.example> AUTH=someone+40b.example", p));
}

// RFC 6531: UTF-8 addresses with SMTPUTF8 only, and only UTF-8.
TEST(SessionRules, Utf8AddressesWithSmtpUtf8Only)
{
    smtp::session_state s;
    step(s, "EHLO c.example");
    auto r = step(s, "MAIL FROM:<j\xc3\xbcrgen@b.example>");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->code, 553);
    EXPECT_EQ(r->status.render(), "5.6.7");
    EXPECT_EQ(step(s, "MAIL FROM:<j\xfcrgen@b.example> SMTPUTF8")->code, 553) << "Latin-1 is not UTF-8";
    EXPECT_FALSE(step(s, "MAIL FROM:<j\xc3\xbcrgen@b.example> SMTPUTF8"));
    EXPECT_FALSE(step(s, "RCPT TO:<\xe5\xbc\xa0@\xe4\xbe\x8b\xe5\xad\x90.example>"));
    EXPECT_EQ(step(s, "RCPT TO:<b@\xff.example>")->code, 553);
    step(s, "RSET");
    EXPECT_FALSE(step(s, "MAIL FROM:<a@b.example>"));
    EXPECT_EQ(step(s, "RCPT TO:<\xe5\xbc\xa0@b.example>")->code, 553) << "not in a transaction without SMTPUTF8";
}

// RFC 8689: REQUIRETLS asks for TLS all the way, so not in the clear.
TEST(SessionRules, RequireTlsOnlyUnderTls)
{
    smtp::server_policy p;
    p.tls_offered = true;
    smtp::session_state s;
    step(s, "EHLO c.example", p);
    auto const r = step(s, "MAIL FROM:<a@b.example> REQUIRETLS", p);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->code, 530);
    EXPECT_EQ(r->status.render(), "5.7.10");
    s.tls = true;
    EXPECT_FALSE(step(s, "MAIL FROM:<a@b.example> REQUIRETLS", p));
}

TEST(SessionRules, StartTlsForgetsEverything)
{
    smtp::server_policy p;
    p.tls_offered = true;
    smtp::session_state s;
    step(s, "EHLO c.example", p);
    step(s, "MAIL FROM:<a@b.example>", p);
    EXPECT_EQ(step(s, "STARTTLS", p)->code, 503);   // inside a transaction
    step(s, "RSET", p);
    auto cmd = parse("STARTTLS");
    EXPECT_FALSE(smtp::check_command(s, cmd, p));
    EXPECT_TRUE(smtp::rule_for(smtp::verb::starttls).ends_group);
    smtp::advance(s, cmd, {220, {2, 0, 0}, "Ready to start TLS"});
    EXPECT_TRUE(s.tls);
    EXPECT_FALSE(s.greeted);
    EXPECT_EQ(step(s, "STARTTLS", p)->code, 503);   // a second time
}

TEST(SessionRules, Bdat)
{
    smtp::session_state s;
    EXPECT_EQ(smtp::check_bdat(s)->text, "Need MAIL command");
    step(s, "EHLO c.example");
    step(s, "MAIL FROM:<a@b.example>");
    EXPECT_EQ(smtp::check_bdat(s)->code, 554);
    step(s, "RCPT TO:<x@y.example>");
    EXPECT_FALSE(smtp::check_bdat(s));
    smtp::advance(s, parse("BDAT 10"), {250, {2, 0, 0}, "10 octets received"});
    EXPECT_EQ(smtp::current_phase(s), smtp::in_bdat);
    EXPECT_EQ(step(s, "RCPT TO:<z@y.example>")->text, "RCPT after BDAT");
    EXPECT_EQ(step(s, "DATA")->text, "DATA after BDAT");
    s.bdat_failed = true;
    EXPECT_EQ(smtp::check_bdat(s)->code, 503);
}

// RFC 5321 6.3: Received: fields of the header section only, any case.
TEST(LoopDetection, CountsReceivedFieldsInTheHeader)
{
    EXPECT_EQ(smtp::count_received("Received: a\r\n\tfolded\r\nRECEIVED:b\nX-Received: c\r\nSubject: s\r\n"
                                   "\r\nReceived: in the body\r\n",
                                   100),
              2u);
    EXPECT_EQ(smtp::count_received("Received: a", 100), 1u);
    EXPECT_EQ(smtp::count_received("\r\nReceived: body only\r\n", 100), 0u);
    std::string many;
    for (int i = 0; i < 150; ++i)
        many += "Received: from hop" + std::to_string(i) + "\r\n";
    EXPECT_EQ(smtp::count_received(many + "\r\nbody", 100), 100u) << "counting stops at the limit";
    EXPECT_EQ(smtp::count_received(many + "\r\nbody", 1000), 150u);
}

// RFC 6710 4: only a client that may relay raises its message's priority.
TEST(RelayControl, WhoMayRaiseThePriority)
{
    smtp::relay_client const stranger{false, false}, trusted{true, false}, authenticated{false, true};
    EXPECT_EQ(smtp::accepted_priority(stranger, std::nullopt), 0);
    EXPECT_EQ(smtp::accepted_priority(stranger, 4), 0);
    EXPECT_EQ(smtp::accepted_priority(stranger, -4), -4);
    EXPECT_EQ(smtp::accepted_priority(trusted, 9), 9);
    EXPECT_EQ(smtp::accepted_priority(authenticated, 2), 2);
    EXPECT_EQ(smtp::accepted_priority(authenticated, -9), -9);
}

// RFC 6758: the MT-Priority header field, read where MAIL gave no
// priority, and written for a next hop without the extension.
TEST(PriorityTunnel, HeaderPriorityIsTheOneReadableField)
{
    EXPECT_EQ(smtp::header_priority("Subject: x\r\nMT-Priority: 4\r\n\r\nbody\r\n"), 4);
    EXPECT_EQ(smtp::header_priority("mt-priority:-9 (flash)\r\n\r\n"), -9);
    EXPECT_EQ(smtp::header_priority("MT-Priority :\r\n (a (nested) comment) +2\r\n\r\n"), 2);
    EXPECT_EQ(smtp::header_priority("MT-Priority: 0\n\n"), 0);
    for (auto none : {"Subject: x\r\n\r\nMT-Priority: 4\r\n",                  // in the body
                      "MT-Priority: 4\r\nMT-Priority: 4\r\n\r\n",               // twice
                      "MT-Priority: 10\r\n\r\n", "MT-Priority: high\r\n\r\n",
                      "MT-Priority: 4 5\r\n\r\n", "MT-Priority: (open 4\r\n\r\n",
                      "X-MT-Priority: 4\r\n\r\n", "Priority: urgent\r\n\r\n"})
        EXPECT_EQ(smtp::header_priority(none), std::nullopt) << none;
}

TEST(PriorityTunnel, OnlyTheGatewaysOwnFieldLeaves)
{
    EXPECT_EQ(smtp::tunnel_priority("Subject: x\r\n\r\nbody\r\n", 0), std::nullopt);
    EXPECT_EQ(smtp::tunnel_priority("Subject: x\r\n\r\nbody\r\n", -3),
              "MT-Priority: -3\r\nSubject: x\r\n\r\nbody\r\n");
    // A sender's own fields (folded or not, any letter case) go, whatever
    // they said; the body's lines stay.
    EXPECT_EQ(smtp::tunnel_priority("MT-Priority: 9\r\nSubject: x\r\nmt-priority:\r\n 9\r\n\r\n"
                                    "MT-Priority: 9\r\n",
                                    2),
              "MT-Priority: 2\r\nSubject: x\r\n\r\nMT-Priority: 9\r\n");
    EXPECT_EQ(smtp::tunnel_priority("MT-Priority: 9\r\n\r\nbody\r\n", 0), "MT-Priority: 0\r\n\r\nbody\r\n");
}

TEST(RelayControl, WhoMaySendWhere)
{
    using smtp::destination;
    smtp::relay_client const stranger{false, false}, trusted{true, false}, authenticated{false, true};
    EXPECT_EQ(smtp::check_relay(stranger, destination::other, "user")->code, 554);
    EXPECT_EQ(smtp::check_relay(stranger, destination::other, "user")->status.render(), "5.7.1");
    EXPECT_EQ(smtp::check_relay(stranger, destination::other, "user")->text, "Relaying denied");
    EXPECT_FALSE(smtp::check_relay(trusted, destination::other, "user"));
    EXPECT_FALSE(smtp::check_relay(authenticated, destination::other, "user"));
    EXPECT_FALSE(smtp::check_relay(stranger, destination::local, "user"));
    EXPECT_FALSE(smtp::check_relay(stranger, destination::mapped, "/S=x/"));
    // Sender-specified routing through a local domain.
    for (auto trick : {"user%evil.example", "evil.example!user", "\"user@evil.example\""})
        EXPECT_EQ(smtp::check_relay(stranger, destination::local, trick)->code, 554) << trick;
    EXPECT_FALSE(smtp::check_relay(trusted, destination::local, "user%elsewhere.example"));
}

TEST(Received, ClientTextNeverStartsALine)
{
    smtp::received_info r;
    r.helo = "evil\r\nX-Evil: 1";
    r.peer_address = "192.0.2.1";
    r.by = "gw.example";
    r.esmtp = true;
    r.id = "1000000401";
    r.for_recipient = "a\r\nX-Evil: 2@b.example";
    r.date = "Fri, 04 Dec 2026 12:00:00 +0000";
    auto const h = smtp::render_received(r);
    EXPECT_EQ(h,
              "Received: from evil??X-Evil: 1 ([192.0.2.1])\r\n\tby gw.example (x400gw) with ESMTP id 1000000401\r\n"
              "\tfor <a??X-Evil: 2@b.example>; Fri, 04 Dec 2026 12:00:00 +0000\r\n");
    r.tls = r.authenticated = true;
    r.peer_address = "2001:db8::1";
    r.for_recipient = {};
    EXPECT_NE(smtp::render_received(r).find("([IPv6:2001:db8::1])"), std::string::npos);
    EXPECT_NE(smtp::render_received(r).find("with ESMTPSA id"), std::string::npos);
    // RFC 6531 4.3: an SMTPUTF8 transaction, its UTF-8 recipient kept; a
    // line end is still not.
    r.utf8 = true;
    r.for_recipient = "j\xc3\xbcrgen@b.example";
    EXPECT_NE(smtp::render_received(r).find("with UTF8SMTPSA id 1000000401\r\n\tfor <j\xc3\xbcrgen@b.example>;"),
              std::string::npos);
    r.for_recipient = "j\xc3\xbc\r\nX-Evil: 3@b.example";
    EXPECT_NE(smtp::render_received(r).find("for <j????X-Evil: 3@b.example>"), std::string::npos);
}

TEST(ClientLimits, SessionsAndRates)
{
    using namespace std::chrono_literals;
    smtp::client_limits l;
    l.configure({2, 3, 2});
    auto const t0 = smtp::client_limits::clock::time_point{} + 1h;
    EXPECT_EQ(l.open("192.0.2.1", t0), smtp::client_limits::verdict::ok);
    EXPECT_EQ(l.open("192.0.2.1", t0), smtp::client_limits::verdict::ok);
    EXPECT_EQ(l.open("192.0.2.1", t0), smtp::client_limits::verdict::too_many_sessions);
    EXPECT_EQ(l.open("192.0.2.2", t0), smtp::client_limits::verdict::ok);
    l.close("192.0.2.1", t0);
    // The fourth connection this minute is over the rate, free slot or not.
    EXPECT_EQ(l.open("192.0.2.1", t0 + 1s), smtp::client_limits::verdict::too_many_connections);
    EXPECT_EQ(l.open("192.0.2.1", t0 + 61s), smtp::client_limits::verdict::ok);
    EXPECT_TRUE(l.message("192.0.2.2", t0));
    EXPECT_TRUE(l.message("192.0.2.2", t0));
    EXPECT_FALSE(l.message("192.0.2.2", t0 + 30s));
    EXPECT_TRUE(l.message("192.0.2.2", t0 + 61s));
    // Clients with no session and a minute behind them are forgotten.
    l.close("192.0.2.1", t0 + 62s);
    l.close("192.0.2.1", t0 + 62s);
    l.close("192.0.2.2", t0 + 200s);
    EXPECT_EQ(l.open("192.0.2.3", t0 + 300s), smtp::client_limits::verdict::ok);
    EXPECT_EQ(l.tracked(), 1u);
}

TEST(ClientLimits, FailedAuthBlocksTheAddressForAMinute)
{
    using namespace std::chrono_literals;
    smtp::client_limits l;
    l.configure({50, 0, 0, 2});
    auto const t0 = smtp::client_limits::clock::time_point{} + 1h;
    EXPECT_FALSE(l.auth_blocked("192.0.2.1", t0));
    EXPECT_TRUE(l.auth_failure("192.0.2.1", t0));
    EXPECT_TRUE(l.auth_failure("192.0.2.1", t0));
    EXPECT_TRUE(l.auth_blocked("192.0.2.1", t0 + 1s));
    EXPECT_FALSE(l.auth_blocked("192.0.2.2", t0 + 1s));
    EXPECT_FALSE(l.auth_blocked("192.0.2.1", t0 + 61s));
}
