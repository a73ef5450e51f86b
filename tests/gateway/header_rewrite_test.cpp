#include "gateway/header_rewrite.hpp"

#include <gtest/gtest.h>

using x400gw::gateway::rewrite_address_headers;

namespace {
std::optional<std::string> upper_at_gw(std::string_view spec)
{
    if (!spec.ends_with("@gw.test"))
        return std::nullopt;
    std::string out(spec.substr(0, spec.size() - 8));
    for (auto& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out + "@mapped.test";
}
} // namespace

TEST(HeaderRewrite, MailboxesDisplayNamesGroupsAndUntouchedFields)
{
    std::string const in =
        "Received: from x by y; date\r\n"
        "From: \"Smith, J\" <js@gw.test>\r\n"
        "To: a@gw.test, Bee <b@other.test>,\r\n\tcrew: c@gw.test, d@x.test;\r\n"
        "Subject: a@gw.test stays\r\n"
        "Resent-Cc: (comment) e@gw.test\r\n"
        "\r\n"
        "To: body@gw.test stays too\r\n";
    auto out = rewrite_address_headers(in, upper_at_gw);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out,
              "Received: from x by y; date\r\n"
              "From: \"Smith, J\" <JS@mapped.test>\r\n"
              "To: A@mapped.test, Bee <b@other.test>,\tcrew: C@mapped.test, d@x.test;\r\n"
              "Subject: a@gw.test stays\r\n"
              "Resent-Cc: (comment) e@gw.test\r\n"
              "\r\n"
              "To: body@gw.test stays too\r\n");
}

TEST(HeaderRewrite, NothingToChangeGivesNothing)
{
    EXPECT_FALSE(rewrite_address_headers("From: a@b.test\r\n\r\nbody", upper_at_gw));
    EXPECT_FALSE(rewrite_address_headers("", upper_at_gw));
    EXPECT_FALSE(rewrite_address_headers("no colon at all", upper_at_gw));
}

TEST(HeaderRewrite, LongFieldsAreFoldedAtCommas)
{
    std::string to = "To: ";
    for (int i = 0; i < 10; ++i)
        to += (i ? ", " : "") + std::string("someone") + std::to_string(i) + "@gw.test";
    auto out = rewrite_address_headers(to + "\r\n\r\n", upper_at_gw);
    ASSERT_TRUE(out);
    for (std::size_t pos = 0, nl; (nl = out->find("\r\n", pos)) != std::string::npos; pos = nl + 2)
        EXPECT_LE(nl - pos, 78u) << *out;
    EXPECT_NE(out->find("SOMEONE9@mapped.test"), std::string::npos);
}
