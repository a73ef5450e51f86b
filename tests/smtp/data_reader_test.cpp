#include "gateway/smtp/data_reader.hpp"
#include "gateway/smtp/line_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace smtp = x400gw::smtp;

namespace {

struct result {
    std::string body;
    std::size_t used_total = 0;
    bool done = false;
};

result read_data(std::string_view wire, std::size_t piece, std::uint64_t max = 1 << 20)
{
    smtp::data_reader reader(max);
    result r;
    while (!wire.empty() && !r.done) {
        auto chunk = wire.substr(0, piece);
        auto [state, used] = reader.feed(chunk, r.body);
        r.used_total += used;
        wire.remove_prefix(used);
        r.done = state == smtp::data_reader::status::done;
    }
    return r;
}

} // namespace

TEST(DataReader, OneOctetPerWriteReadsAsAllAtOnce)
{
    std::string const wire = "Subject: x\r\n\r\nline one\r\n..dot stuffed\r\n.\r\nQUIT\r\n";
    auto whole = read_data(wire, wire.size());
    ASSERT_TRUE(whole.done);
    EXPECT_EQ(whole.body, "Subject: x\r\n\r\nline one\r\n.dot stuffed\r\n");
    auto bytewise = read_data(wire, 1);
    ASSERT_TRUE(bytewise.done);
    EXPECT_EQ(bytewise.body, whole.body);
    EXPECT_EQ(bytewise.used_total, whole.used_total);
}

TEST(DataReader, EndOfDataAndPipelinedCommandsInOneWrite)
{
    std::string const wire = "body\r\n.\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n";
    smtp::data_reader reader(1000);
    std::string body;
    auto [state, used] = reader.feed(wire, body);
    ASSERT_EQ(state, smtp::data_reader::status::done);
    EXPECT_EQ(body, "body\r\n");
    EXPECT_EQ(std::string_view(wire).substr(used), "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
}

TEST(DataReader, EverySplitPoint)
{
    std::string const wire = "a\r\n.b\r\n..\r\n\r\n...\r\n.\r\nNEXT";
    std::string expected;
    {
        auto r = read_data(wire, wire.size());
        expected = r.body;
        EXPECT_EQ(expected, "a\r\nb\r\n.\r\n\r\n..\r\n");
    }
    for (std::size_t cut = 1; cut < wire.size(); ++cut) {
        smtp::data_reader reader(1000);
        std::string body;
        std::string_view rest = wire;
        bool done = false;
        std::size_t consumed = 0;
        for (auto piece : {rest.substr(0, cut), rest.substr(cut)}) {
            while (!piece.empty() && !done) {
                auto [state, used] = reader.feed(piece, body);
                piece.remove_prefix(used);
                consumed += used;
                done = state == smtp::data_reader::status::done;
            }
        }
        EXPECT_EQ(rest.substr(consumed), "NEXT") << "cut " << cut;
        EXPECT_TRUE(done) << "cut " << cut;
        EXPECT_EQ(body, expected) << "cut " << cut;
    }
}

TEST(DataReader, EmptyBody)
{
    EXPECT_TRUE(read_data(".\r\n", 1).done);
    EXPECT_EQ(read_data(".\r\n", 1).body, "");
}

TEST(DataReader, OnlyCrLfDotCrLfEndsTheData)
{
    // The sequences of the SMTP smuggling attacks: each is body content, and
    // the commands after it are too, until a real CRLF "." CRLF.
    std::string const tail = "MAIL FROM:<admin@victim.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\nforged\r\n";
    for (std::string const smuggle : {"\n.\r\n", "\r\n.\n", "\n.\n", "\r.\r\n", "\r\n.\r", "\r\n\n.\r\n"}) {
        std::string const wire = "real\r\n" + smuggle.substr(smuggle.starts_with("\r\n") ? 2 : 0) + tail + ".\r\nQUIT\r\n";
        for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7}, wire.size()}) {
            auto r = read_data(wire, piece);
            ASSERT_TRUE(r.done);
            EXPECT_EQ(std::string_view(wire).substr(r.used_total), "QUIT\r\n") << testing::PrintToString(smuggle);
            EXPECT_NE(r.body.find("forged"), std::string::npos) << testing::PrintToString(smuggle);
        }
    }
    EXPECT_FALSE(read_data("x\n.\n", 1).done);
    EXPECT_EQ(read_data("x\n.\n", 1).body, "x\n.\n");
    EXPECT_EQ(read_data("x\n.\r\n", 1).body, "x\n.\r\n");
    // A bare LF still ends a line for dot-unstuffing.
    auto r = read_data("x\n..y\r\n.\r\n", 1);
    EXPECT_TRUE(r.done);
    EXPECT_EQ(r.body, "x\n.y\r\n");
}

TEST(DataReader, DotCrWithoutLfIsKept)
{
    auto r = read_data("a\r\n.\rb\r\n.\r\n", 1);
    EXPECT_TRUE(r.done);
    EXPECT_EQ(r.body, "a\r\n\rb\r\n");
}

TEST(DataReader, SizeLimitCountsButDoesNotKeep)
{
    std::string wire(5000, 'x');
    wire += "\r\n.\r\n";
    auto r = read_data(wire, 333, 1000);
    EXPECT_TRUE(r.done);
    EXPECT_EQ(r.body.size(), 1000u);
    smtp::data_reader reader(1000);
    std::string body;
    reader.feed(wire, body);
    EXPECT_TRUE(reader.too_big());
    EXPECT_EQ(reader.size(), 5002u);
}

namespace {

struct read_lines {
    std::vector<std::string> lines;
    int too_long = 0;
    std::size_t largest_buffer = 0;   // what the caller had to keep at most
};

// Feeds `wire` to a line_reader `piece` octets at a time, as a session does.
read_lines feed_lines(std::string_view wire, std::size_t piece)
{
    smtp::line_reader reader;
    std::string buffer;
    read_lines out;
    for (std::size_t i = 0; i < wire.size(); i += piece) {
        buffer += wire.substr(i, piece);
        for (;;) {
            auto step = reader.next(buffer);
            if (step.state == smtp::line_reader::status::line)
                out.lines.emplace_back(step.line);
            if (step.state == smtp::line_reader::status::too_long)
                ++out.too_long;
            buffer.erase(0, step.used);
            if (step.used == 0)
                break;
        }
        out.largest_buffer = std::max(out.largest_buffer, buffer.size());
    }
    return out;
}

} // namespace

TEST(LineReader, LinesSplitAnywhere)
{
    for (std::size_t piece : {1u, 2u, 5u, 100u}) {
        auto const r = feed_lines("EHLO a\r\nMAIL FROM:<>\nNOOP\r\n", piece);
        EXPECT_EQ(r.lines, (std::vector<std::string>{"EHLO a", "MAIL FROM:<>", "NOOP"})) << piece;
        EXPECT_EQ(r.too_long, 0);
    }
}

TEST(LineReader, EmptyInputNeedsMore)
{
    smtp::line_reader reader;
    auto step = reader.next(std::string_view{});
    EXPECT_EQ(step.state, smtp::line_reader::status::need_more);
    EXPECT_EQ(step.used, 0u);
}

TEST(LineReader, TooLongIsReportedOnceAndSkipped)
{
    std::string const wire = "NOOP " + std::string(2000, 'x') + "\r\nQUIT\r\n";
    for (std::size_t piece : {1u, 100u, 10000u}) {
        auto const r = feed_lines(wire, piece);
        EXPECT_EQ(r.too_long, 1) << piece;
        EXPECT_EQ(r.lines, (std::vector<std::string>{"QUIT"})) << piece;
        EXPECT_LE(r.largest_buffer, 512u + piece);
    }
}
