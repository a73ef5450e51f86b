#include "queue/dsn.hpp"
#include "queue/outcome.hpp"
#include "queue/qid.hpp"
#include "queue/retry.hpp"
#include "queue/settle.hpp"

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

namespace {

// A report on one failed recipient, bob@b.example, with `diagnostic`.
q::dsn_request one_failure(std::string diagnostic)
{
    q::dsn_request r;
    r.reporting_mta = "gw.example";
    r.qid = "1ABCDEFGHJ";
    r.original_sender = "alice@corp.example";
    r.arrival = q::clock_time{sys_days{2024y / 1 / 1}};
    r.now = r.arrival + hours(1);
    r.message_id = "1ABCDEFGHJ.dsn@gw.example";
    r.recipients.push_back({"bob@b.example", "failed", "5.1.1", std::move(diagnostic), "mx.b.example"});
    return r;
}

} // namespace

TEST(Dsn, MultipartReportWithOriginalHeaders)
{
    auto r = one_failure("smtp; 550 5.1.1 No such user");
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

// Whatever reached a recipient's diagnostic (a local error's text), no
// control octet reaches the report's fields.
TEST(Dsn, NoControlOctetInTheReportFields)
{
    auto const dsn = q::compose_dsn(one_failure("x\x1b[2Jy\x07\x7f"));
    EXPECT_NE(dsn.find("Diagnostic-Code: x-x400gw; x [2Jy  \r\n"), std::string::npos) << dsn;
}

// RFC 3461: NOTIFY decides which outcomes the sender hears of.
TEST(Dsn, NotifyDecidesTheNotice)
{
    using k = q::outcome_kind;
    EXPECT_EQ(q::notice_for(k::failed, "", false, false), "failed");
    EXPECT_EQ(q::notice_for(k::failed, "FAILURE", true, false), "failed");
    EXPECT_EQ(q::notice_for(k::failed, "SUCCESS,DELAY", false, false), "");
    EXPECT_EQ(q::notice_for(k::failed, "NEVER", false, false), "");
    EXPECT_EQ(q::notice_for(k::delivered, "", false, false), "");
    EXPECT_EQ(q::notice_for(k::delivered, "FAILURE", false, false), "");
    EXPECT_EQ(q::notice_for(k::delivered, "SUCCESS,FAILURE", false, false), "relayed");
    // A next hop that took the NOTIFY reports the success itself.
    EXPECT_EQ(q::notice_for(k::delivered, "SUCCESS", true, false), "");
    EXPECT_EQ(q::notice_for(k::deferred, "SUCCESS,FAILURE,DELAY", false, false), "");
    EXPECT_EQ(q::notice_for(k::quarantined, "", false, false), "");
    // A deferral whose delay report is due: reported unless NOTIFY leaves
    // out DELAY (none given is FAILURE,DELAY, RFC 3461 4.1).
    EXPECT_EQ(q::notice_for(k::deferred, "", false, true), "delayed");
    EXPECT_EQ(q::notice_for(k::deferred, "FAILURE,DELAY", true, true), "delayed");
    EXPECT_EQ(q::notice_for(k::deferred, "SUCCESS,FAILURE", false, true), "");
    EXPECT_EQ(q::notice_for(k::deferred, "NEVER", false, true), "");
    EXPECT_EQ(q::notice_for(k::failed, "DELAY", false, true), "");
}

// A recipient still deferred at delay_warning after its arrival has one
// delay report due; the retry before it is brought forward to that time,
// and none is due once it was made or when the warning is off.
TEST(Settle, DelayReportFallsDueOnce)
{
    q::retry_policy p;
    p.first_delay = seconds(1800);
    p.jitter = 0;
    p.delay_warning = seconds(3600);
    auto const arrival = q::clock_time{} + seconds(1000000);
    auto const deferred = q::outcome::transient("4.4.1", "connect failed", "");
    auto s = q::settle(deferred, p, arrival, 0, arrival + seconds(10), 0.0);
    EXPECT_FALSE(s.delay_due);
    EXPECT_EQ(*s.next_attempt, arrival + seconds(1810));
    // The next retry would come at 3,000 + 3,600 s: the report's time comes first.
    s = q::settle(deferred, p, arrival, 1, arrival + seconds(3000), 0.0);
    EXPECT_FALSE(s.delay_due);
    EXPECT_EQ(*s.next_attempt, arrival + seconds(3600));
    s = q::settle(deferred, p, arrival, 2, arrival + seconds(3600), 0.0);
    EXPECT_TRUE(s.delay_due);
    EXPECT_EQ(*s.next_attempt, arrival + seconds(3600 + 7200));
    EXPECT_EQ(q::notice_for(s.result.kind, "", false, s.delay_due), "delayed");
    s = q::settle(deferred, p, arrival, 3, arrival + seconds(10800), 0.0, true);
    EXPECT_FALSE(s.delay_due);
    // A failure is never a delay, whatever the time.
    auto const refused = q::outcome::from_reply(550, "5.1.1", "550 5.1.1 no such user", "mx");
    EXPECT_FALSE(q::settle(refused, p, arrival, 2, arrival + seconds(7200), 0.0).delay_due);
    // Off: no report, no retry brought forward.
    p.delay_warning = seconds(0);
    s = q::settle(deferred, p, arrival, 1, arrival + seconds(3000), 0.0);
    EXPECT_FALSE(s.delay_due);
    EXPECT_EQ(*s.next_attempt, arrival + seconds(6600));
    s = q::settle(deferred, p, arrival, 2, arrival + seconds(7200), 0.0);
    EXPECT_FALSE(s.delay_due);
}

// RFC 6533: a report on a UTF-8 address of an SMTPUTF8 message is a
// global one; its UTF-8 header comes back as message/global-headers.
TEST(Dsn, GlobalReportForUtf8Addresses)
{
    auto r = one_failure("smtp; 550 5.1.1 No such user");
    r.recipients.front().address = "j\xc3\xbcrgen@b.example";
    r.original_message = "Subject: Gr\xc3\xbc\xc3\x9f\x65\r\n\r\nbody\r\n";
    r.utf8 = true;
    auto dsn = q::compose_dsn(r);
    EXPECT_NE(dsn.find("boundary=\"1ABCDEFGHJ/gw.example/report\"\r\nContent-Transfer-Encoding: 8bit\r\n"),
              std::string::npos) << dsn;
    EXPECT_NE(dsn.find("Content-Type: message/global-delivery-status\r\nContent-Transfer-Encoding: 8bit\r\n"),
              std::string::npos);
    EXPECT_NE(dsn.find("Final-Recipient: utf-8; j\xc3\xbcrgen@b.example\r\n"), std::string::npos);
    EXPECT_NE(dsn.find("Content-Type: message/global-headers\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                       "Subject: Gr\xc3\xbc\xc3\x9f\x65\r\n"),
              std::string::npos);
    // Without SMTPUTF8 the same octets are an 8-bit header, not a global one.
    r.utf8 = false;
    dsn = q::compose_dsn(r);
    EXPECT_NE(dsn.find("Content-Type: message/delivery-status\r\n"), std::string::npos);
    EXPECT_NE(dsn.find("Final-Recipient: rfc822; j\xc3\xbcrgen@b.example\r\n"), std::string::npos);
    EXPECT_NE(dsn.find("Content-Type: text/rfc822-headers\r\nContent-Transfer-Encoding: 8bit\r\n"),
              std::string::npos);
    // ASCII throughout: as before, no 8bit label anywhere.
    r = one_failure("smtp; 550 5.1.1 No such user");
    r.utf8 = true;
    r.original_message = "Subject: plain\r\n\r\nbody\r\n";
    dsn = q::compose_dsn(r);
    EXPECT_EQ(dsn.find("8bit"), std::string::npos);
    EXPECT_NE(dsn.find("Content-Type: message/delivery-status\r\n"), std::string::npos);
}

// A delay report (RFC 3464 Action: delayed) warns and returns the header
// only, even with RET=FULL; it says until when the message is retried.
TEST(Dsn, DelayReport)
{
    auto r = one_failure("smtp; 451 4.3.0 try later");
    r.recipients.front().action = "delayed";
    r.recipients.front().status = "4.3.0";
    r.recipients.front().will_retry_until = r.arrival + hours(24 * 5);
    r.return_full = true;
    r.original_message = "Subject: hello\r\n\r\nsecret body\r\n";
    r.original_complete = true;
    auto dsn = q::compose_dsn(r);
    EXPECT_NE(dsn.find("Subject: Delayed Mail (still being retried)\r\n"), std::string::npos) << dsn;
    EXPECT_NE(dsn.find("This is a warning only"), std::string::npos);
    EXPECT_EQ(dsn.find("could not be delivered"), std::string::npos);
    EXPECT_NE(dsn.find("<bob@b.example>: smtp; 451 4.3.0 try later\r\n"), std::string::npos);
    EXPECT_NE(dsn.find("Action: delayed\r\nStatus: 4.3.0\r\n"), std::string::npos);
    EXPECT_NE(dsn.find("Last-Attempt-Date: Mon, 01 Jan 2024 01:00:00 +0000\r\n"
                       "Will-Retry-Until: Sat, 06 Jan 2024 00:00:00 +0000\r\n"),
              std::string::npos) << dsn;
    EXPECT_NE(dsn.find("Content-Description: Message Headers\r\nContent-Type: text/rfc822-headers\r\n\r\n"
                       "Subject: hello\r\n"),
              std::string::npos);
    EXPECT_EQ(dsn.find("secret body"), std::string::npos) << "RET=FULL is for failures";
    // With a failure beside it, the report is a failure report that also warns.
    r.recipients.push_back({"carol@c.example", "failed", "5.1.1", "smtp; 550 5.1.1 no", "mx.c.example"});
    dsn = q::compose_dsn(r);
    EXPECT_NE(dsn.find("Subject: Undelivered Mail Returned to Sender"), std::string::npos);
    EXPECT_NE(dsn.find("This is a warning only"), std::string::npos);
    EXPECT_NE(dsn.find("Action: failed"), std::string::npos);
    EXPECT_NE(dsn.find("Action: delayed"), std::string::npos);
    EXPECT_EQ(dsn.find("Will-Retry-Until"), dsn.rfind("Will-Retry-Until")) << "for the delayed one only";
}

// ENVID and ORCPT come back in the report (RFC 3464 2.2.1, 2.3.1); a
// relayed recipient is reported as such, with no failure wording.
TEST(Dsn, EnvelopeIdOriginalRecipientAndRelayed)
{
    auto r = one_failure("smtp; 550 5.1.1 No such user");
    r.envid = "QQ314159";
    r.recipients.front().original_recipient = "rfc822;Bob@B.example";
    r.recipients.push_back({"carol@c.example", "relayed", "2.0.0", "smtp; 250 2.0.0 Ok", "mx.c.example", ""});
    r.original_message = "Subject: hello\r\n\r\nsecret body\r\n";
    r.original_complete = true;
    auto dsn = q::compose_dsn(r);
    EXPECT_NE(dsn.find("\r\n\r\nOriginal-Envelope-Id: QQ314159\r\nReporting-MTA: dns; gw.example\r\n"),
              std::string::npos) << dsn;
    EXPECT_NE(dsn.find("Original-Recipient: rfc822; Bob@B.example\r\nFinal-Recipient: rfc822; bob@b.example\r\n"),
              std::string::npos) << dsn;
    EXPECT_NE(dsn.find("Final-Recipient: rfc822; carol@c.example\r\nAction: relayed\r\nStatus: 2.0.0\r\n"),
              std::string::npos) << dsn;
    EXPECT_NE(dsn.find("Subject: Undelivered Mail Returned to Sender"), std::string::npos);
    EXPECT_NE(dsn.find("<carol@c.example>: smtp; 250 2.0.0 Ok"), std::string::npos);
    EXPECT_EQ(dsn.find("secret body"), std::string::npos) << "no RET=FULL: the header only";

    // Only relayed: a success report, with the header.
    r.recipients.erase(r.recipients.begin());
    r.return_full = true;
    dsn = q::compose_dsn(r);
    EXPECT_NE(dsn.find("Subject: Successful Mail Delivery Report"), std::string::npos);
    EXPECT_EQ(dsn.find("could not be delivered"), std::string::npos);
    EXPECT_EQ(dsn.find("Action: failed"), std::string::npos);
    EXPECT_NE(dsn.find("Content-Type: text/rfc822-headers\r\n\r\nSubject: hello\r\n"), std::string::npos);
    EXPECT_EQ(dsn.find("secret body"), std::string::npos) << "a success returns no content";
}

// RET=FULL returns a failed message whole, up to returned_message_limit.
TEST(Dsn, ReturnFullReturnsTheWholeMessage)
{
    auto r = one_failure("smtp; 550 5.1.1 No such user");
    r.return_full = true;
    r.original_message = "Subject: hello\r\n\r\nsecret body\nbare LF line\r\n";
    r.original_complete = true;
    auto dsn = q::compose_dsn(r);
    EXPECT_NE(dsn.find("Content-Type: message/rfc822\r\n\r\nSubject: hello\r\n\r\nsecret body\r\nbare LF line\r\n"),
              std::string::npos) << dsn;
    EXPECT_EQ(dsn.find("text/rfc822-headers"), std::string::npos);
    EXPECT_NE(dsn.find("It is attached below."), std::string::npos);
    // 8-bit content is labelled so, and so is the report around it.
    std::string eight = "Subject: x\r\n\r\ncaf\xc3\xa9\r\n";
    r.original_message = eight;
    dsn = q::compose_dsn(r);
    EXPECT_NE(dsn.find("message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"), std::string::npos);
    EXPECT_NE(dsn.find("boundary=\"1ABCDEFGHJ/gw.example/report\"\r\nContent-Transfer-Encoding: 8bit\r\n"),
              std::string::npos) << dsn;
    // A line that could be taken for the report's delimiter: the header only.
    std::string forged = "Subject: x\r\n\r\n--1ABCDEFGHJ/gw.example/report--\r\n";
    r.original_message = forged;
    dsn = q::compose_dsn(r);
    EXPECT_EQ(dsn.find("\r\n--1ABCDEFGHJ/gw.example/report--\r\n"), dsn.rfind("--1ABCDEFGHJ/gw.example/report--") - 2);
    EXPECT_NE(dsn.find("text/rfc822-headers"), std::string::npos);
    // Incomplete (only its first octets were read) or over the limit: the header.
    std::string big = "Subject: big\r\n\r\n" + std::string(q::returned_message_limit, 'x') + "\r\n";
    r.original_message = big;
    dsn = q::compose_dsn(r);
    EXPECT_NE(dsn.find("Content-Type: text/rfc822-headers\r\n\r\nSubject: big\r\n"), std::string::npos);
    EXPECT_EQ(dsn.find("xxxxxxxx"), std::string::npos);
    r.original_message = "Subject: hello\r\n\r\nsecret body\r\n";
    r.original_complete = false;
    EXPECT_EQ(q::compose_dsn(r).find("secret body"), std::string::npos);
}

TEST(Dsn, HeaderSection)
{
    EXPECT_EQ(q::header_section("A: b\r\nC: d\r\n\r\nbody"), "A: b\r\nC: d\r\n");
    EXPECT_EQ(q::header_section("A: b\n\nbody"), "A: b\n");
    EXPECT_EQ(q::header_section("A: b\r\n"), "A: b\r\n");
    EXPECT_EQ(q::header_section("\r\nbody"), "");
}

TEST(Settle, DecidesEachOutcome)
{
    using namespace std::chrono_literals;
    x400gw::queue::retry_policy p;
    p.first_delay = 300s;
    p.lifetime = 3600s;
    p.jitter = 0;
    auto const arrival = x400gw::queue::clock_time{} + 1000000s;
    auto const deferred = x400gw::queue::outcome::transient("4.4.1", "connect failed", "");
    auto s = x400gw::queue::settle(deferred, p, arrival, 0, arrival + 10s, 0.0);
    EXPECT_EQ(s.result.kind, x400gw::queue::outcome_kind::deferred);
    ASSERT_TRUE(s.next_attempt);
    EXPECT_EQ(*s.next_attempt, arrival + 310s);
    EXPECT_EQ(x400gw::queue::notice_for(s.result.kind, "", false, false), "");
    // Past the lifetime a deferral is a failure with 4.4.7, and the DSN says why.
    s = x400gw::queue::settle(deferred, p, arrival, 9, arrival + 3601s, 0.0);
    EXPECT_EQ(s.result.kind, x400gw::queue::outcome_kind::failed);
    EXPECT_EQ(s.result.dsn_status, "4.4.7");
    EXPECT_NE(s.result.diagnostic.find("connect failed"), std::string::npos);
    EXPECT_EQ(x400gw::queue::notice_for(s.result.kind, "", false, false), "failed");
    auto const refused = x400gw::queue::outcome::from_reply(550, "5.1.1", "550 5.1.1 no such user", "mx[192.0.2.1]:25");
    s = x400gw::queue::settle(refused, p, arrival, 0, arrival, 0.0);
    EXPECT_EQ(s.result.kind, x400gw::queue::outcome_kind::failed);
    EXPECT_EQ(x400gw::queue::notice_for(s.result.kind, "", false, false), "failed");
    EXPECT_FALSE(s.next_attempt);
    auto const sent = x400gw::queue::outcome::from_reply(250, "2.0.0", "250 ok", "mx");
    EXPECT_EQ(x400gw::queue::settle(sent, p, arrival, 0, arrival, 0.0).result.kind, x400gw::queue::outcome_kind::delivered);
}

TEST(Dsn, ReturnedHeaderIsCappedAtAFieldBoundary)
{
    std::string header = "From: a@b.example\r\nSubject: x\r\n";
    for (int i = 0; i < 100; ++i)
        header += "X-Pad-" + std::to_string(i) + ": " + std::string(100, 'p') + "\r\n\tcontinued\r\n";
    auto const capped = x400gw::queue::capped_header(header, x400gw::queue::returned_header_limit);
    EXPECT_LE(capped.size(), x400gw::queue::returned_header_limit);
    EXPECT_GT(capped.size(), x400gw::queue::returned_header_limit - 200);
    EXPECT_TRUE(capped.ends_with("continued\r\n"));
    EXPECT_EQ(x400gw::queue::capped_header("A: b\r\n", 100), "A: b\r\n");

    x400gw::queue::dsn_request r;
    r.reporting_mta = "gw.example";
    r.qid = "1000000401";
    r.original_sender = "a@b.example";
    r.message_id = "x@gw.example";
    for (int i = 0; i < 150; ++i)
        r.recipients.push_back({"r" + std::to_string(i) + "@c.example", "failed", "5.1.1", "smtp; 550 no", ""});
    std::string original = header + "\r\nbody\r\n";
    r.original_message = original;
    auto const dsn = x400gw::queue::compose_dsn(r);
    std::size_t count = 0;
    for (auto p = dsn.find("Final-Recipient:"); p != std::string::npos; p = dsn.find("Final-Recipient:", p + 1))
        ++count;
    EXPECT_EQ(count, 150u);
    EXPECT_NE(dsn.find("cut at 4096 octets"), std::string::npos);
    EXPECT_EQ(dsn.find("X-Pad-99"), std::string::npos);
}
