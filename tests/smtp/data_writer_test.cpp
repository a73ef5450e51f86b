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
                                  "a\rb\r\n", "\n", "\r\n\r", "a\r\r\n", "\r\n.\r\n"}) {
        EXPECT_FALSE(smtp::sendable_as_is(body)) << body;
    }
}
