#include "gateway/smtp/data_writer.hpp"

#include <gtest/gtest.h>

namespace smtp = x400gw::smtp;

TEST(DataWriter, StuffsLeadingDotsAndEndsEveryLine)
{
    EXPECT_EQ(smtp::stuff_body(""), ".\r\n");
    EXPECT_EQ(smtp::stuff_body("a\r\n.b\r\n..\r\n"), "a\r\n..b\r\n...\r\n.\r\n");
    EXPECT_EQ(smtp::stuff_body(".x"), "..x\r\n.\r\n");
    EXPECT_EQ(smtp::stuff_body("a\nb\rc"), "a\r\nb\r\nc\r\n.\r\n");
    EXPECT_EQ(smtp::stuff_body("a\n.b\r.c"), "a\r\n..b\r\n..c\r\n.\r\n");
}

TEST(DataWriter, SendableAsIsOnlyWhenStuffingWouldChangeNothing)
{
    for (std::string_view body : {"a\r\n", "Subject: x\r\n\r\nline\r\n\r\n", "a.b\r\n x.\r\n"}) {
        EXPECT_TRUE(smtp::sendable_as_is(body)) << body;
        EXPECT_EQ(smtp::stuff_body(body), std::string(body) + ".\r\n");
    }
    for (std::string_view body : {"", "a", "a\r\nb", ".a\r\n", "a\r\n.b\r\n", "a\r\n.\r\n", "a\nb\r\n",
                                  "a\rb\r\n", "\n", "\r\n\r", "a\r\r\n", "\r\n.\r\n", "\r\r\n", "a\r\nb\rc\r\n",
                                  "a\r\n\n", "a\r\n\r\r\n", "\r"}) {
        EXPECT_FALSE(smtp::sendable_as_is(body)) << body;
    }
    // Whatever the octets, it says yes exactly when stuffing would change
    // nothing.
    std::string const alphabet = "\r\n.a";
    for (int n = 1; n <= 6; ++n) {
        std::string body(static_cast<std::size_t>(n), 'a');
        std::size_t combinations = 1;
        for (int i = 0; i < n; ++i)
            combinations *= alphabet.size();
        for (std::size_t k = 0; k < combinations; ++k) {
            auto v = k;
            for (auto& c : body) {
                c = alphabet[v % alphabet.size()];
                v /= alphabet.size();
            }
            EXPECT_EQ(smtp::sendable_as_is(body), smtp::stuff_body(body) == body + ".\r\n") << body;
        }
    }
}
