// SMTP AUTH exchanges (RFC 4954, RFC 4616 PLAIN, LOGIN) without a socket.
#include "gateway/smtp/auth.hpp"

#include <gtest/gtest.h>

namespace smtp = x400gw::smtp;

namespace {

smtp::credentials creds(smtp::auth_exchange::step const& s)
{
    if (auto* c = std::get_if<smtp::credentials>(&s))
        return *c;
    ADD_FAILURE() << "a reply: " << std::get<smtp::reply>(s).summary();
    return {};
}

int code(smtp::auth_exchange::step const& s)
{
    auto* r = std::get_if<smtp::reply>(&s);
    return r ? r->code : 0;
}

std::string b64(std::string_view s) { return smtp::encode_base64(s); }

} // namespace

TEST(Base64, StrictRoundTrip)
{
    for (std::string s : {std::string(), std::string("a"), std::string("ab"), std::string("abc"), std::string("abcd"),
                          std::string("\0\xff\x10", 3)})
        EXPECT_EQ(smtp::decode_base64(smtp::encode_base64(s)), s);
    EXPECT_EQ(smtp::encode_base64(std::string_view("\0user\0pass", 10)), "AHVzZXIAcGFzcw==");
    for (auto bad : {"A", "AB=C", "A===", "AHVz ZXI=", "AHVzZXIAcGFzcw=", "=AAA", "AA=A"})
        EXPECT_FALSE(smtp::decode_base64(bad)) << bad;
}

TEST(AuthPlain, InitialResponseAndChallenge)
{
    smtp::auth_exchange a;
    auto c = creds(a.start("PLAIN " + b64(std::string("\0alice\0secret", 13))));
    EXPECT_EQ(c.user, "alice");
    EXPECT_EQ(c.password, "secret");
    EXPECT_EQ(c.mechanism, "PLAIN");
    smtp::auth_exchange b;
    auto first = b.start("plain");
    EXPECT_EQ(code(first), 334);
    EXPECT_EQ(std::get<smtp::reply>(first).text, "");
    EXPECT_EQ(creds(b.respond(b64(std::string("alice\0alice\0pw", 14)))).user, "alice");
    // An authorisation identity other than the user: acting for someone else.
    smtp::auth_exchange d;
    EXPECT_EQ(code(d.start("PLAIN " + b64(std::string("bob\0alice\0pw", 12)))), 501);
    smtp::auth_exchange e;
    EXPECT_EQ(code(e.start("PLAIN =")), 501);
    smtp::auth_exchange f;
    EXPECT_EQ(code(f.start("PLAIN !!!!")), 501);
}

TEST(AuthLogin, TwoChallengesAndCancel)
{
    smtp::auth_exchange a;
    auto s = a.start("LOGIN");
    EXPECT_EQ(std::get<smtp::reply>(s).text, b64("Username:"));
    s = a.respond(b64("alice"));
    EXPECT_EQ(std::get<smtp::reply>(s).text, b64("Password:"));
    auto c = creds(a.respond(b64("secret")));
    EXPECT_EQ(c.user, "alice");
    EXPECT_EQ(c.password, "secret");
    EXPECT_EQ(c.mechanism, "LOGIN");
    smtp::auth_exchange b;
    b.start("LOGIN " + b64("alice"));
    auto cancelled = b.respond("*");
    EXPECT_EQ(code(cancelled), 501);
    smtp::auth_exchange d;
    EXPECT_EQ(code(d.start("CRAM-MD5")), 504);
}
