#include "gateway/smtp/command.hpp"
#include "gateway/smtp/ehlo.hpp"

#include <gtest/gtest.h>

namespace smtp = x400gw::smtp;

namespace {
smtp::command ok(std::string_view line)
{
    auto parsed = smtp::parse_command(line);
    if (auto* r = std::get_if<smtp::reply>(&parsed))
        ADD_FAILURE() << line << " -> " << r->summary();
    return std::get_if<smtp::command>(&parsed) ? std::get<smtp::command>(parsed) : smtp::command{};
}
smtp::reply refused(std::string_view line)
{
    auto parsed = smtp::parse_command(line);
    if (!std::holds_alternative<smtp::reply>(parsed)) {
        ADD_FAILURE() << line << " was accepted";
        return {};
    }
    return std::get<smtp::reply>(parsed);
}
} // namespace

TEST(CommandParser, Verbs)
{
    EXPECT_EQ(ok("EHLO client.example").argument, "client.example");
    EXPECT_EQ(ok("ehlo client.example").what, smtp::verb::ehlo);
    EXPECT_EQ(ok("HELO x").what, smtp::verb::helo);
    EXPECT_EQ(ok("DATA").what, smtp::verb::data);
    EXPECT_EQ(ok("rset").what, smtp::verb::rset);
    EXPECT_EQ(ok("NOOP anything").what, smtp::verb::noop);
    EXPECT_EQ(ok("QUIT").what, smtp::verb::quit);
    EXPECT_EQ(ok("VRFY smith").what, smtp::verb::vrfy);
    EXPECT_EQ(ok("HELP").what, smtp::verb::help);
    EXPECT_EQ(refused("FOO").code, 500);
    EXPECT_EQ(refused("").code, 500);
    EXPECT_EQ(refused("EHLO").code, 501);
    EXPECT_EQ(refused("DATA x").code, 501);
}

TEST(CommandParser, MailAndRcpt)
{
    auto m = ok("MAIL FROM:<a.b@example.com> SIZE=1000 BODY=8BITMIME");
    EXPECT_EQ(m.path.render(), "a.b@example.com");
    EXPECT_EQ(m.size, 1000u);
    EXPECT_EQ(m.body, smtp::body_type::eight_bit_mime);
    EXPECT_TRUE(ok("MAIL FROM:<>").path.null());
    EXPECT_EQ(ok("MAIL FROM: <x@y.z>").path.domain, "y.z");
    EXPECT_EQ(ok("RCPT TO:<@relay.example:u@d.example>").path.render(), "u@d.example");
    EXPECT_EQ(ok("RCPT TO:<Postmaster>").path.render(), "Postmaster");
    auto q = ok(R"(RCPT TO:<"/S=Smith/O=Widget/ADMD=BTT/C=TC/"@gw.example>)");
    EXPECT_EQ(q.path.local_part, R"("/S=Smith/O=Widget/ADMD=BTT/C=TC/")");
    EXPECT_EQ(q.path.domain, "gw.example");
    EXPECT_EQ(ok(R"(RCPT TO:<"a>b"@x.example>)").path.local_part, R"("a>b")");
    EXPECT_EQ(ok("RCPT TO:<u@[192.0.2.1]>").path.domain, "[192.0.2.1]");
}

// Postfix's default (strict_rfc821_envelopes = no), which the edge follows
// where RFC 5321 is stricter than the clients that exist: an address
// without its angle brackets, as old clients and devices send it, is read
// as if it had them (up to the first blank outside a quoted string).
TEST(CommandParser, AddressWithoutAngleBrackets)
{
    auto m = ok("MAIL FROM:a.b@example.com SIZE=1000");
    EXPECT_EQ(m.path.render(), "a.b@example.com");
    EXPECT_EQ(m.size, 1000u);
    EXPECT_EQ(ok("MAIL FROM: a@b.example").path.domain, "b.example");
    EXPECT_EQ(ok("RCPT TO:postmaster").path.render(), "postmaster");
    EXPECT_EQ(ok("RCPT TO:@relay.example:u@d.example").path.render(), "u@d.example");
    EXPECT_EQ(ok(R"(RCPT TO:"a b"@x.example)").path.local_part, R"("a b")");
    EXPECT_EQ(refused("RCPT TO:a@@b.example").status, (smtp::enhanced_status{5, 1, 3}));
}

TEST(CommandParser, MailAndRcptRefusals)
{
    auto r = refused("MAIL FROM:a@b.example>");
    EXPECT_EQ(r.code, 501);
    EXPECT_EQ(r.status, (smtp::enhanced_status{5, 1, 7}));
    EXPECT_EQ(refused("MAIL FROM:<a@b.example").code, 501);
    EXPECT_EQ(refused("MAIL FROM:").code, 501);
    EXPECT_EQ(refused("RCPT TO:a<b@c.example").code, 501);
    r = refused("RCPT TO:<a@@b>");
    EXPECT_EQ(r.status, (smtp::enhanced_status{5, 1, 3}));
    EXPECT_EQ(refused("RCPT TO:<>").status, (smtp::enhanced_status{5, 1, 3}));
    EXPECT_EQ(refused("RCPT TO:<user>").code, 501);
    EXPECT_EQ(refused("RCPT TO:<a..b@c.example>").code, 501);
    EXPECT_EQ(refused("RCPT TO:<a@-c.example>").code, 501);
    EXPECT_EQ(refused("MAIL FROM:<a@b.example> FOO=1").code, 555);
    EXPECT_EQ(refused("MAIL FROM:<a@b.example> SIZE=x").code, 501);
    EXPECT_EQ(refused("MAIL FROM:<a@b.example> BODY=BINARYMIME").code, 555);
    EXPECT_EQ(refused("MAIL TO:<a@b.example>").code, 501);
    EXPECT_EQ(refused("MAIL FROM:<a@b.example> NOTIFY=NEVER").code, 555);
    EXPECT_EQ(refused("RCPT TO:<a@b.example> RET=FULL").code, 555);
    // Each parameter once, in any case of its keyword.
    auto twice = refused("MAIL FROM:<a@b.example> BODY=7BIT body=8BITMIME");
    EXPECT_EQ(twice.code, 501);
    EXPECT_EQ(twice.status, (smtp::enhanced_status{5, 5, 4}));
    EXPECT_EQ(twice.text, "Duplicate parameter body");
    EXPECT_EQ(refused("MAIL FROM:<a@b.example> SIZE=1 SIZE=1").code, 501);
}

// RFC 4954 5: AUTH=<> or the submitter in xtext (RFC 3461 4).
TEST(CommandParser, MailAuthParameter)
{
    EXPECT_EQ(ok("MAIL FROM:<a@b.example> SIZE=9 AUTH=<>").auth, "<>");
    EXPECT_EQ(ok("MAIL FROM:<e=mc2@example.com> AUTH=e+3Dmc2@example.com").auth, "e=mc2@example.com");
    EXPECT_FALSE(ok("MAIL FROM:<a@b.example>").auth);
    for (auto bad : {"AUTH=", "AUTH", "AUTH=a+3", "AUTH=a+3d", "AUTH=a=b", "AUTH=a+ZZ"})
        EXPECT_EQ(refused(std::string("MAIL FROM:<a@b.example> ") + bad).code, 501) << bad;
    EXPECT_EQ(refused("MAIL FROM:<a@b.example> AUTH=<> AUTH=<>").code, 501);
    EXPECT_EQ(refused("RCPT TO:<a@b.example> AUTH=<>").code, 555);
}

// RFC 3461: RET and ENVID on MAIL, NOTIFY and ORCPT on RCPT, in any
// letter case; NOTIFY kept in one spelling, ENVID and ORCPT decoded from
// xtext (and encoded again for the next hop).
TEST(CommandParser, DsnParameters)
{
    auto m = ok("MAIL FROM:<a@b.example> ret=hdrs ENVID=QQ+2B1+3D2");
    EXPECT_EQ(m.ret, "HDRS");
    EXPECT_EQ(m.envid, "QQ+1=2");
    EXPECT_EQ(smtp::encode_xtext(m.envid), "QQ+2B1+3D2");
    EXPECT_EQ(ok("MAIL FROM:<> RET=FULL").ret, "FULL");
    auto r = ok("RCPT TO:<b@c.example> NOTIFY=delay,Success ORCPT=rfc822;B+2Bx@c.example");
    EXPECT_EQ(r.notify, "SUCCESS,DELAY");
    EXPECT_EQ(r.orcpt, "rfc822;B+x@c.example");
    EXPECT_EQ(ok("RCPT TO:<b@c.example> NOTIFY=NEVER").notify, "NEVER");
    EXPECT_EQ(ok("RCPT TO:<b@c.example> NOTIFY=FAILURE").notify, "FAILURE");
    EXPECT_EQ(ok("RCPT TO:<b@c.example>").notify, "");
    EXPECT_EQ(ok("RCPT TO:<b@c.example> ORCPT=utf-8;j\\x{FC}rgen@x.example").orcpt, "utf-8;j\\x{FC}rgen@x.example");
    // RFC 6533's unitext form (raw UTF-8, from an SMTPUTF8 client) is kept
    // in the 7-bit form, as the next hop and the reports get it.
    EXPECT_EQ(ok("RCPT TO:<b@c.example> ORCPT=UTF-8;j\xc3\xbcrgen@\xe4\xbe\x8b.example").orcpt,
              "UTF-8;j\\x{FC}rgen@\\x{4F8B}.example");
    EXPECT_EQ(ok("RCPT TO:<b@c.example> ORCPT=utf-8;\xf0\x9f\x93\xa7@x.example").orcpt, "utf-8;\\x{1F4E7}@x.example");
    // A "+" is no xtext escape there: written as RFC 6533 writes it.
    EXPECT_EQ(ok("RCPT TO:<b@c.example> ORCPT=utf-8;j\xc3\xbc+tag@x.example").orcpt,
              "utf-8;j\\x{FC}\\x{2B}tag@x.example");
}

TEST(CommandParser, DsnParameterRefusals)
{
    for (auto bad : {"NOTIFY=", "NOTIFY=NEVER,SUCCESS", "NOTIFY=SUCCESS,SUCCESS", "NOTIFY=SOMETIMES",
                     "NOTIFY=SUCCESS,", "ORCPT=b@c.example", "ORCPT=;b@c.example", "ORCPT=rfc822;",
                     "ORCPT=rfc 822;b@c", "ORCPT=rfc822;b+0Ac@d", "ORCPT=rfc822;b+zz",
                     // What it decodes to is printable US-ASCII (RFC 6533's 7-bit form above).
                     "ORCPT=utf-8;j+C3+BCrgen@x.example",
                     // raw 8-bit: only the utf-8 type's unitext form, and only UTF-8
                     "ORCPT=rfc822;j\xc3\xbcrgen@x.example", "ORCPT=utf-8;j\xfcrgen@x.example"}) {
        auto const r = refused(std::string("RCPT TO:<b@c.example> ") + bad);
        EXPECT_EQ(r.code, 501) << bad;
        EXPECT_EQ(r.status, (smtp::enhanced_status{5, 5, 4})) << bad;
    }
    // 200 characters of Cyrillic are 400 octets, and 1,200 in the 7-bit form.
    std::string cyrillic;
    for (int i = 0; i < 200; ++i)
        cyrillic += "\xd0\x96";
    EXPECT_EQ(refused("RCPT TO:<b@c.example> ORCPT=utf-8;" + cyrillic + "@x.example").code, 501);
    for (auto bad : {"RET=", "RET=ALL", "ENVID=", "ENVID=a=b", "ENVID=x+0D+0Ay"})
        EXPECT_EQ(refused(std::string("MAIL FROM:<a@b.example> ") + bad).code, 501) << bad;
    EXPECT_EQ(refused("MAIL FROM:<a@b.example> ENVID=" + std::string(101, 'x')).code, 501);
    EXPECT_EQ(ok("MAIL FROM:<a@b.example> ENVID=" + std::string(100, 'x')).envid.size(), 100u);
    EXPECT_EQ(refused("MAIL FROM:<a@b.example> RET=FULL RET=HDRS").code, 501);
    EXPECT_EQ(refused("RCPT TO:<b@c.example> NOTIFY=NEVER notify=NEVER").code, 501);
}

// RFC 6710: MT-PRIORITY on MAIL, a sign and one digit, once.
TEST(CommandParser, MtPriority)
{
    EXPECT_FALSE(ok("MAIL FROM:<a@b.example>").priority);
    EXPECT_EQ(ok("MAIL FROM:<a@b.example> MT-PRIORITY=4").priority, 4);
    EXPECT_EQ(ok("MAIL FROM:<a@b.example> mt-priority=-9 SIZE=10").priority, -9);
    EXPECT_EQ(ok("MAIL FROM:<a@b.example> MT-PRIORITY=+9").priority, 9);
    EXPECT_EQ(ok("MAIL FROM:<> MT-PRIORITY=0").priority, 0);
    for (auto bad : {"MT-PRIORITY=", "MT-PRIORITY=10", "MT-PRIORITY=-10", "MT-PRIORITY=high", "MT-PRIORITY=+",
                     "MT-PRIORITY=4 MT-PRIORITY=4", "MT-PRIORITY=--1", "MT-PRIORITY"}) {
        auto const r = refused(std::string("MAIL FROM:<a@b.example> ") + bad);
        EXPECT_EQ(r.code, 501) << bad;
        EXPECT_EQ(r.status, (smtp::enhanced_status{5, 5, 4})) << bad;
    }
    EXPECT_EQ(refused("RCPT TO:<b@c.example> MT-PRIORITY=1").code, 555) << "a MAIL parameter";
}

TEST(CommandParser, SmtpUtf8)
{
    EXPECT_TRUE(ok("MAIL FROM:<j\xc3\xbcrgen@b\xc3\xbc" "cher.example> SMTPUTF8").smtputf8);
    EXPECT_FALSE(ok("MAIL FROM:<a@b.example>").smtputf8);
    EXPECT_EQ(refused("MAIL FROM:<a@b.example> SMTPUTF8=yes").code, 501);
    EXPECT_EQ(refused("RCPT TO:<b@c.example> SMTPUTF8").code, 555);
}

TEST(CommandParser, RequireTls)
{
    EXPECT_FALSE(ok("MAIL FROM:<a@b.example>").require_tls);
    EXPECT_TRUE(ok("MAIL FROM:<a@b.example> requiretls SIZE=5").require_tls);
    EXPECT_EQ(refused("MAIL FROM:<a@b.example> REQUIRETLS=yes").code, 501);
    EXPECT_EQ(refused("MAIL FROM:<a@b.example> REQUIRETLS=").code, 501);
    EXPECT_EQ(refused("MAIL FROM:<a@b.example> REQUIRETLS REQUIRETLS").code, 501);
    EXPECT_EQ(refused("RCPT TO:<b@c.example> REQUIRETLS").code, 555);
}

TEST(CommandParser, Bdat)
{
    auto b = ok("BDAT 1000 LAST");
    EXPECT_EQ(b.chunk_size, 1000u);
    EXPECT_TRUE(b.last_chunk);
    EXPECT_FALSE(ok("BDAT 0").last_chunk);
    EXPECT_EQ(refused("BDAT").code, 501);
    EXPECT_EQ(refused("BDAT 10 FIRST").code, 501);
    EXPECT_EQ(refused("BDAT -1").code, 501);
}

TEST(Ehlo, RenderAndParseAgree)
{
    smtp::capabilities caps;
    caps.pipelining = caps.eight_bit_mime = caps.enhanced_status = caps.chunking = true;
    caps.size = 12345;
    auto r = smtp::render_ehlo("gw.example", "client", caps);
    auto back = smtp::parse_ehlo(r);
    EXPECT_TRUE(back.pipelining);
    EXPECT_TRUE(back.eight_bit_mime);
    EXPECT_TRUE(back.chunking);
    EXPECT_FALSE(back.starttls);
    EXPECT_FALSE(back.mt_priority);
    EXPECT_EQ(back.size, 12345u);
    caps.mt_priority = true;
    EXPECT_TRUE(smtp::parse_ehlo(smtp::render_ehlo("gw.example", "client", caps)).mt_priority);
    // A next hop may name its priority assignment policy (RFC 6710 3).
    EXPECT_TRUE(smtp::parse_ehlo({250, {}, "mx.example\nMT-PRIORITY STANAG4406"}).mt_priority);
    EXPECT_FALSE(back.require_tls);
    caps.require_tls = true;
    EXPECT_TRUE(smtp::parse_ehlo(smtp::render_ehlo("gw.example", "client", caps)).require_tls);
    EXPECT_EQ(r.render().substr(0, 4), "250-");
}

TEST(Reply, RenderMultiLine)
{
    smtp::reply r{550, {5, 1, 1}, "No such user\nreally"};
    EXPECT_EQ(r.render(), "550-5.1.1 No such user\r\n550 5.1.1 really\r\n");
    EXPECT_EQ(r.summary(), "550 5.1.1 No such user / really");
    EXPECT_EQ(smtp::replies::queued("ABC").render(), "250 2.0.0 Ok: queued as ABC\r\n");
}

// A next hop's reply text goes into the queue's last error, the log, the
// REST API and a bounce's Diagnostic-Code: its summary holds only what
// RFC 5321's textstring allows there (HTAB as a space), and '?' for the
// rest (ESC would act on an administrator's terminal, 8-bit octets would
// make the bounce's report part 8-bit).
TEST(Reply, SummaryHoldsOnlyPrintableText)
{
    smtp::reply r{550, {5, 1, 1}, "bad\x1b[31m\tuser\x07\nna\xc3\xafve\x7f"};
    EXPECT_EQ(r.summary(), "550 5.1.1 bad?[31m user? / na??ve?");
}
