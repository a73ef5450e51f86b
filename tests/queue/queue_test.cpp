#include "queue/dsn.hpp"
#include "queue/outcome.hpp"
#include "queue/qid.hpp"
#include "queue/retry.hpp"

#include <gtest/gtest.h>

#include <random>

namespace q = x400gw::queue;
using namespace std::chrono;

TEST(RetryPolicy, DoublesUntilTheCapThenExpires)
{
    q::retry_policy const policy;   // the documented defaults
    q::clock_time const t0{sys_days{2024y / 1 / 1}};
    EXPECT_EQ(q::next_attempt(policy, t0, 1, t0, 0.0), t0 + minutes(5));
    EXPECT_EQ(q::next_attempt(policy, t0, 2, t0, 0.0), t0 + minutes(10));
    EXPECT_EQ(q::next_attempt(policy, t0, 3, t0, 0.0), t0 + minutes(20));
    EXPECT_EQ(q::next_attempt(policy, t0, 9, t0, 0.0), t0 + hours(4));   // capped
    EXPECT_EQ(q::next_attempt(policy, t0, 30, t0, 0.0), t0 + hours(4));
    EXPECT_EQ(q::next_attempt(policy, t0, 3, t0 + days(5), 0.0), std::nullopt);
}

TEST(RetryPolicy, JitterStaysWithinItsFraction)
{
    q::retry_policy const policy;
    q::clock_time const t0{sys_days{2024y / 1 / 1}};
    EXPECT_EQ(q::next_attempt(policy, t0, 1, t0, 1.0), t0 + seconds(330));
    EXPECT_EQ(q::next_attempt(policy, t0, 1, t0, -1.0), t0 + seconds(270));
    EXPECT_EQ(q::next_attempt(policy, t0, 1, t0, 7.0), t0 + seconds(330));   // clamped
}

TEST(RetryPolicy, LastAttemptIsAtExpiryNotAfter)
{
    q::retry_policy const policy;
    q::clock_time const t0{sys_days{2024y / 1 / 1}};
    auto const late = t0 + days(5) - minutes(1);
    EXPECT_EQ(q::next_attempt(policy, t0, 20, late, 0.0), t0 + days(5));
}

TEST(QueueId, TenCharactersRoundTrip)
{
    EXPECT_EQ(q::render_qid(q::first_message_key), "1000000000");
    EXPECT_EQ(q::render_qid(q::last_message_key), "ZZZZZZZZZZ");
    std::mt19937_64 rng(42);
    for (int i = 0; i < 1000; ++i) {
        auto key = q::first_message_key + rng() % (q::last_message_key - q::first_message_key);
        auto text = q::render_qid(key);
        ASSERT_EQ(text.size(), 10u);
        EXPECT_EQ(text.find_first_of("ILOU"), std::string::npos);
        EXPECT_EQ(q::parse_qid(text), key);
    }
    EXPECT_EQ(q::parse_qid("1000000000"), q::first_message_key);
    EXPECT_EQ(q::parse_qid("zzzzzzzzzz"), q::last_message_key);
    EXPECT_EQ(q::parse_qid("10000000I0"), std::nullopt);
    EXPECT_EQ(q::parse_qid("100"), std::nullopt);
}

TEST(Outcome, ClassFromReply)
{
    auto d = q::outcome::from_reply(250, "2.0.0", "250 2.0.0 Ok", "mx[1.2.3.4]:25");
    EXPECT_EQ(d.kind, q::outcome_kind::delivered);
    auto f = q::outcome::from_reply(550, "5.1.1", "550 5.1.1 No such user", "mx");
    EXPECT_EQ(f.kind, q::outcome_kind::failed);
    EXPECT_EQ(f.dsn_status, "5.1.1");
    EXPECT_EQ(f.diagnostic, "smtp; 550 5.1.1 No such user");
    auto t = q::outcome::from_reply(451, "", "451 try later", "mx");
    EXPECT_EQ(t.kind, q::outcome_kind::deferred);
    EXPECT_EQ(t.dsn_status, "4.0.0");
    // A 4xx reply with a 5.x.x status: the code wins.
    EXPECT_EQ(q::outcome::from_reply(452, "5.2.2", "452 full", "mx").dsn_status, "4.0.0");
}

TEST(Dsn, MultipartReportWithOriginalHeaders)
{
    q::dsn_request r;
    r.reporting_mta = "gw.example";
    r.qid = "1ABCDEFGHJ";
    r.original_sender = "alice@corp.example";
    r.arrival = q::clock_time{sys_days{2024y / 1 / 1}};
    r.now = r.arrival + hours(1);
    r.message_id = "1ABCDEFGHJ.dsn@gw.example";
    r.recipients.push_back({"bob@b.example", "failed", "5.1.1", "smtp; 550 5.1.1 No such user", "mx.b.example"});
    r.original_message = "Subject: hello\r\nFrom: alice@corp.example\r\n\r\nsecret body\r\n";
    auto const dsn = q::compose_dsn(r);
    EXPECT_NE(dsn.find("Content-Type: multipart/report; report-type=delivery-status;"), std::string::npos);
    EXPECT_NE(dsn.find("Content-Type: message/delivery-status\r\n"), std::string::npos);
    EXPECT_NE(dsn.find("Final-Recipient: rfc822; bob@b.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"), std::string::npos);
    EXPECT_NE(dsn.find("Diagnostic-Code: smtp; 550 5.1.1 No such user\r\n"), std::string::npos);
    EXPECT_NE(dsn.find("Content-Type: text/rfc822-headers\r\n\r\nSubject: hello\r\nFrom: alice@corp.example\r\n"), std::string::npos);
    EXPECT_NE(dsn.find("1ABCDEFGHJ"), std::string::npos);
    EXPECT_EQ(dsn.find("secret body"), std::string::npos);
    EXPECT_NE(dsn.find("Arrival-Date: Mon, 01 Jan 2024 00:00:00 +0000"), std::string::npos);
    for (std::size_t pos = 0, nl; (nl = dsn.find('\n', pos)) != std::string::npos; pos = nl + 1) {
        ASSERT_GT(nl, 0u);
        EXPECT_EQ(dsn[nl - 1], '\r');
        EXPECT_LE(nl - pos, 1000u);
    }
}

TEST(Dsn, HeaderSection)
{
    EXPECT_EQ(q::header_section("A: b\r\nC: d\r\n\r\nbody"), "A: b\r\nC: d\r\n");
    EXPECT_EQ(q::header_section("A: b\n\nbody"), "A: b\n");
    EXPECT_EQ(q::header_section("A: b\r\n"), "A: b\r\n");
    EXPECT_EQ(q::header_section("\r\nbody"), "");
}
