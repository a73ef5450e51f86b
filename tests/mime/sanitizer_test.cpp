// tests/mime/sanitizer_test.cpp: the sanitizer's promises on the corpus and
// on named incidents. The Python checker (check_sanitizer.py) verifies the
// same outputs with an independent MIME implementation.
#include "mime/sanitizer.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace m = x400gw::mime;
namespace t = x400gw::mime::test;

namespace {

bool has_change(m::sanitize_result const& r, std::string_view kind)
{
    for (auto const& c : r.changes)
        if (c.kind == kind)
            return true;
    return false;
}

// Lines of the output: CRLF only, at most 998 octets, no NUL.
void expect_wire_clean(std::string const& s, bool seven_bit, std::string const& what)
{
    ASSERT_TRUE(s.ends_with("\r\n")) << what;
    std::size_t line = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto u = static_cast<unsigned char>(s[i]);
        ASSERT_NE(u, 0) << what;
        if (seven_bit) {
            ASSERT_LT(u, 128) << what << " at " << i;
        }
        if (u == '\r') {
            ASSERT_TRUE(i + 1 < s.size() && s[i + 1] == '\n') << what << " bare CR at " << i;
            ++i;
            line = 0;
            continue;
        }
        ASSERT_NE(u, '\n') << what << " bare LF at " << i;
        ASSERT_LE(++line, 998u) << what << " at " << i;
    }
}

} // namespace

// The Exchange connector incident: a part with "Content-Type:" and nothing
// after it must leave with the RFC 2045 default, never an empty field.
TEST(Sanitizer, EmptyContentTypePartGetsTheDefault)
{
    std::string in = "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
                     "--b1\r\nContent-Type: text/plain\r\n\r\none\r\n--b1\r\nContent-Type:\r\n\r\ntwo\r\n--b1--\r\n";
    auto r = m::sanitize(in);
    EXPECT_EQ(r.message.find("Content-Type:\r\n"), std::string::npos);
    EXPECT_NE(r.message.find("--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\ntwo\r\n--b1--"),
              std::string::npos)
        << r.message;
    EXPECT_TRUE(has_change(r, "content_type_replaced"));
    auto again = m::parse(r.message);
    EXPECT_EQ(again.all_defects, 0u);
}

TEST(Sanitizer, CleanMessageIsReturnedUnchanged)
{
    std::string in = "From: a@example.com\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
    for (int i = 0; i < 1000; ++i)
        in += "a clean line of text\r\n";
    for (bool seven : {false, true}) {
        m::sanitize_options o;
        o.seven_bit = seven;
        auto r = m::sanitize(in, o);
        EXPECT_TRUE(r.unchanged);
        EXPECT_TRUE(r.changes.empty());
        EXPECT_EQ(r.message, in);
    }
}

TEST(Sanitizer, PlainRfc5322MessageGetsMimeFields)
{
    auto r = m::sanitize("Subject: x\nFrom: a@b\n\nhello\n");
    EXPECT_EQ(r.message, "Subject: x\r\nFrom: a@b\r\nContent-Type: text/plain; charset=us-ascii\r\n"
                         "MIME-Version: 1.0\r\n\r\nhello\r\n");
    EXPECT_TRUE(has_change(r, "mime_version_added"));
    EXPECT_TRUE(has_change(r, "content_type_added"));
    EXPECT_TRUE(has_change(r, "line_ends_normalized"));
}

TEST(Sanitizer, SevenBitDowngradeEncodesBodiesAndHeaders)
{
    std::string in = "Subject: caf\xc3\xa9\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: 8bit\r\n\r\nna\xc3\xafve text\r\n";
    EXPECT_TRUE(m::needs_7bit_downgrade(in));
    m::sanitize_options o;
    o.seven_bit = true;
    auto r = m::sanitize(in, o);
    EXPECT_FALSE(m::needs_7bit_downgrade(r.message));
    EXPECT_NE(r.message.find("Subject: =?utf-8?B?Y2Fmw6k=?="), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("Content-Transfer-Encoding: quoted-printable"), std::string::npos);
    EXPECT_NE(r.message.find("na=C3=AFve text"), std::string::npos);
    EXPECT_TRUE(has_change(r, "header_encoded"));
    EXPECT_TRUE(has_change(r, "cte_reencoded"));
    // Without the option the 8-bit body travels as it is.
    auto r8 = m::sanitize(in);
    EXPECT_TRUE(r8.unchanged);
}

TEST(Sanitizer, NeedsDowngradeScansEveryOctet)
{
    EXPECT_FALSE(m::needs_7bit_downgrade(""));
    EXPECT_FALSE(m::needs_7bit_downgrade("plain ascii text of some length, more than eight"));
    for (std::size_t at = 0; at < 20; ++at) {
        std::string s(20, 'a');
        s[at] = '\x80';
        EXPECT_TRUE(m::needs_7bit_downgrade(s)) << at;
    }
}

// Every case, both modes: wire-clean output, a tree without defects when
// parsed again, and a second run changes nothing.
TEST(Sanitizer, CorpusOutputIsCleanAndStable)
{
    for (auto const& f : t::case_files()) {
        auto in = t::read_file(f);
        for (bool seven : {false, true}) {
            m::sanitize_options o;
            o.seven_bit = seven;
            auto r = m::sanitize(in, o);
            auto what = f.filename().string() + (seven ? " 7bit" : " 8bit");
            expect_wire_clean(r.message, seven, what);
            auto tree = m::parse(r.message);
            // 8-bit header text travels as it is to an 8BITMIME hop.
            auto allowed = seven ? 0 : m::bit(m::defect::eight_bit_header);
            for (std::size_t i = 0; i < tree.parts.size(); ++i)
                EXPECT_EQ(tree.parts[i].defects & ~allowed, 0u)
                    << what << " part " << i << ": " << m::describe_json(tree);
            auto again = m::sanitize(r.message, o);
            EXPECT_TRUE(again.unchanged) << what;
            EXPECT_EQ(again.message, r.message) << what;
        }
    }
}

TEST(Sanitizer, OverLimitInputsStillGiveCleanMessages)
{
    std::string deep = "MIME-Version: 1.0\r\n";
    for (int i = 0; i < 1000; ++i)
        deep += "Content-Type: multipart/mixed; boundary=\"d" + std::to_string(i) + "\"\r\n\r\n--d" +
                std::to_string(i) + "\r\n";
    std::string many = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=s\r\n\r\n";
    for (int i = 0; i < 20000; ++i)
        many += "--s\r\nContent-Type: text/plain\r\n\r\nx\r\n";
    for (auto const* in : {&deep, &many}) {
        for (bool seven : {false, true}) {
            m::sanitize_options o;
            o.seven_bit = seven;
            auto r = m::sanitize(*in, o);
            EXPECT_TRUE(r.over_limit);
            expect_wire_clean(r.message, seven, "over limit");
            // The output fits the limits: it parses again without a flag.
            EXPECT_EQ(m::parse(r.message).all_defects, 0u);
        }
    }
}
