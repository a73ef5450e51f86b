#include "gateway/smtp/reply_parser.hpp"

#include <gtest/gtest.h>

namespace smtp = x400gw::smtp;
using status = smtp::reply_parser::status;

namespace {

// Feeds `wire` in the pieces given by `cuts`; returns the replies taken.
std::vector<smtp::reply> feed_all(std::string_view wire, std::size_t piece)
{
    std::vector<smtp::reply> out;
    smtp::reply_parser parser;
    while (!wire.empty()) {
        auto chunk = wire.substr(0, piece);
        while (!chunk.empty()) {
            auto [state, used] = parser.feed(chunk);
            EXPECT_NE(state, status::malformed) << parser.why();
            if (state == status::need_more) {
                EXPECT_EQ(used, chunk.size());
            }
            if (state == status::done)
                out.push_back(parser.take());
            chunk.remove_prefix(used);
            wire.remove_prefix(used);
        }
    }
    return out;
}

} // namespace

TEST(ReplyParser, SameReplyAtEverySplitPoint)
{
    std::string const wire = "354-Go ahead\r\n354 End data with <CR><LF>.<CR><LF>\r\n";
    for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
        smtp::reply_parser parser;
        status state{};
        for (auto piece : {std::string_view(wire).substr(0, cut), std::string_view(wire).substr(cut)}) {
            if (piece.empty())
                continue;
            auto [s, used] = parser.feed(piece);
            EXPECT_EQ(used, piece.size()) << "cut at " << cut;
            state = s;
        }
        ASSERT_EQ(state, status::done) << "cut at " << cut;
        auto r = parser.take();
        EXPECT_EQ(r.code, 354);
        EXPECT_EQ(r.text, "Go ahead\nEnd data with <CR><LF>.<CR><LF>");
    }
}

TEST(ReplyParser, OneByteAtATime)
{
    std::string const wire = "250-mx.example greets you\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n";
    auto replies = feed_all(wire, 1);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].code, 250);
    EXPECT_EQ(replies[0].text, "mx.example greets you\nPIPELINING\nSIZE 1000\n8BITMIME");
}

TEST(ReplyParser, PipelinedRepliesAreSeparated)
{
    std::string const wire = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 No such user\r\n354 Go\r\n";
    for (std::size_t piece : {1u, 3u, 7u, 100u}) {
        auto replies = feed_all(wire, piece);
        ASSERT_EQ(replies.size(), 4u);
        EXPECT_EQ(replies[0].status, (smtp::enhanced_status{2, 1, 0}));
        EXPECT_EQ(replies[2].code, 550);
        EXPECT_EQ(replies[2].status, (smtp::enhanced_status{5, 1, 1}));
        EXPECT_EQ(replies[2].text, "No such user");
        EXPECT_EQ(replies[3].code, 354);
        EXPECT_TRUE(replies[3].status.empty());
    }
}

TEST(ReplyParser, EnhancedStatusOnEveryLineIsKeptOnce)
{
    auto replies = feed_all("451-4.3.0 Try\r\n451 4.3.0 later\r\n", 5);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].text, "Try\nlater");
    EXPECT_EQ(replies[0].render(), "451-4.3.0 Try\r\n451 4.3.0 later\r\n");
}

TEST(ReplyParser, BareLfAndCodeOnly)
{
    auto replies = feed_all("220\n250 ok\n", 2);
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0].code, 220);
    EXPECT_EQ(replies[0].text, "");
}

TEST(ReplyParser, Malformed)
{
    for (std::string_view bad : {"hello\r\n", "25\r\n", "250-a\r\n251 b\r\n", "250xok\r\n", "650 no\r\n"}) {
        smtp::reply_parser parser;
        status state = status::need_more;
        std::string_view rest = bad;
        while (!rest.empty() && state == status::need_more) {
            auto step = parser.feed(rest);
            state = step.state;
            rest.remove_prefix(step.used);
        }
        EXPECT_EQ(state, status::malformed) << bad;
        EXPECT_FALSE(parser.why().empty());
    }
}

TEST(ReplyParser, TooLongIsMalformedNotUnbounded)
{
    smtp::reply_parser parser(100);
    std::string wire = "250-" + std::string(200, 'x');
    auto [state, used] = parser.feed(wire);
    EXPECT_EQ(state, status::malformed);
    EXPECT_LE(used, wire.size());
}

TEST(EnhancedStatus, Parse)
{
    EXPECT_EQ(smtp::parse_enhanced_status("5.1.1 x").second, 5u);
    EXPECT_EQ(smtp::parse_enhanced_status("2.0.0").second, 5u);
    EXPECT_EQ(smtp::parse_enhanced_status("4.123.45 x").first, (smtp::enhanced_status{4, 123, 45}));
    EXPECT_EQ(smtp::parse_enhanced_status("3.1.1 x").second, 0u);
    EXPECT_EQ(smtp::parse_enhanced_status("5.1.1x").second, 0u);
    EXPECT_EQ(smtp::parse_enhanced_status("Ok").second, 0u);
}
