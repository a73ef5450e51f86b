// tests/mime/sanitizer_test.cpp: the sanitizer's promises on the corpus and
// on named incidents. The Python checker (check_sanitizer.py) verifies the
// same outputs with an independent MIME implementation.
#include "mime/codec.hpp"
#include "mime/header_codec.hpp"
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

// The RFC 2045 default's us-ascii is not written on UTF-8 text: text
// without a charset of its own is labelled utf-8 when it is UTF-8; other
// 8-bit text keeps us-ascii (unknown-8bit would make Python's get_content
// raise), and a charset the message gave stays.
TEST(Sanitizer, Utf8TextWithoutACharsetIsNotCalledUsAscii)
{
    for (auto [body, charset] : {std::pair{"Gr\xc3\xbc\xc3\x9f" "e\r\n", "utf-8"},
                                 std::pair{"Gr\xfc\xdf" "e\r\n", "us-ascii"}, std::pair{"plain\r\n", "us-ascii"}}) {
        for (bool seven : {false, true}) {
            m::sanitize_options o;
            o.seven_bit = seven;
            auto r = m::sanitize(std::string("Subject: x\r\n\r\n") + body, o);
            EXPECT_NE(r.message.find(std::string("Content-Type: text/plain; charset=") + charset + "\r\n"),
                      std::string::npos)
                << r.message;
            EXPECT_EQ(has_change(r, "charset_labelled"), std::string_view(charset) != "us-ascii") << r.message;
        }
    }
    auto r = m::sanitize("MIME-Version: 1.0\r\nContent-Type: text; charset=iso-8859-1\r\n\r\nGr\xfc\xdf" "e\r\n");
    EXPECT_NE(r.message.find("Content-Type: text/plain; charset=iso-8859-1\r\n"), std::string::npos) << r.message;
    EXPECT_FALSE(has_change(r, "charset_labelled"));
}

// RFC 2045 4: a message/rfc822 body is MIME only if its own header says
// MIME-Version. Courier's reformime reads a nested multipart or text/html
// without it as text/plain, and a base64 body written into it for a 7-bit
// hop as text. Each nested message written says MIME-Version: 1.0 once,
// as the top level does, and a message already so is left as it came.
TEST(Sanitizer, NestedMessageHeaderSaysMimeVersion)
{
    std::string const outer = "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n";
    struct row {
        std::string nested, expected_header;
    };
    for (auto const& [nested, expected] : std::initializer_list<row>{
             {"Subject: n\r\nContent-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\n\r\ndeep\r\n--in--\r\n",
              "Subject: n\r\nContent-Type: multipart/mixed; boundary=in\r\nMIME-Version: 1.0\r\n\r\n"},
             {"Subject: n\r\n\r\nplain\r\n",
              "Subject: n\r\nContent-Type: text/plain; charset=us-ascii\r\nMIME-Version: 1.0\r\n\r\n"},
             {"Subject: n\r\nMIME-Version: 1.0 (x)\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<p>\r\n",
              "Subject: n\r\nMIME-Version: 1.0 (x)\r\nContent-Type: text/html\r\n\r\n"},
             {"Subject: n\r\nMIME-Version: 2.0\r\nContent-Type: text/html\r\n\r\n<p>\r\n",
              "Subject: n\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n"},
         }) {
        auto r = m::sanitize(outer + nested);
        EXPECT_NE(r.message.find("\r\n\r\n" + expected), std::string::npos) << r.message;
        EXPECT_FALSE(r.unchanged);
        auto again = m::sanitize(r.message);
        EXPECT_TRUE(again.unchanged) << r.message;
    }
    // base64 written into a nested header for a 7-bit hop.
    m::sanitize_options o;
    o.seven_bit = true;
    auto r = m::sanitize(outer + "Subject: n\r\n\r\nGr\xfc\xdf" "e\r\n", o);
    EXPECT_NE(r.message.find("Subject: n\r\nContent-Type: text/plain; charset=us-ascii\r\n"
                             "Content-Transfer-Encoding: base64\r\nMIME-Version: 1.0\r\n\r\n"),
              std::string::npos)
        << r.message;
    // Encoded composites are decoded and their nested messages say it too.
    std::string inner;
    m::encode_base64("Subject: n\r\nContent-Type: text/html\r\n\r\n<p>\r\n", inner);
    r = m::sanitize("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                    "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + inner +
                    "\r\n--b--\r\n");
    EXPECT_NE(r.message.find("Subject: n\r\nContent-Type: text/html\r\nMIME-Version: 1.0\r\n\r\n<p>\r\n"),
              std::string::npos)
        << r.message;
    // A body part needs no MIME-Version; one it has says 1.0, once.
    std::string const parts = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                              "--b\r\nContent-Type: text/html\r\n\r\n<p>\r\n"
                              "--b\r\nContent-Type: text/html\r\nMIME-Version: 1.0\r\n\r\n<p>\r\n--b--\r\n";
    EXPECT_TRUE(m::sanitize(parts).unchanged);
    for (std::string version : {"2.0", "abc", ""}) {
        auto in = parts;
        in.replace(in.find("MIME-Version: 1.0\r\n\r\n<p>"), 17, "MIME-Version: " + version);
        r = m::sanitize(in);
        EXPECT_EQ(r.message, parts) << r.message;
        EXPECT_TRUE(has_change(r, "mime_version_fixed"));
    }
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
    // An 8bit or binary label on 7-bit content needs the downgrade too.
    EXPECT_TRUE(m::needs_7bit_downgrade("Subject: x\r\nContent-Transfer-Encoding: 8bit\r\n\r\nascii\r\n"));
    EXPECT_TRUE(m::needs_7bit_downgrade("MIME-Version: 1.0\r\n\r\n--b\ncontent-transfer-encoding :BINARY\n\nx\n"));
    EXPECT_FALSE(m::needs_7bit_downgrade("Content-Transfer-Encoding: 7bit\r\n\r\n8bit text\r\n"));
    EXPECT_FALSE(m::needs_7bit_downgrade("Subject: Content-Transfer-Encoding: 8bit\r\n\r\nx\r\n"));
    // After a bare CR, which ends a body line (found by fuzzing).
    EXPECT_TRUE(m::needs_7bit_downgrade("MIME-Version: 1.0\r\n\r\n--b\rContent-Transfer-Encoding: binary\n\nx\n"));
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

namespace {

std::string const top = "From: a@example.com\r\nMIME-Version: 1.0\r\n";

// The part of the sanitized message whose Content-Type starts with `type`,
// as parsed again.
m::part const* find_part(m::message const& t, std::string_view type)
{
    for (auto const& p : t.parts)
        if ((p.content_type.type + "/" + p.content_type.subtype) == type)
            return &p;
    return nullptr;
}

std::string body_of(std::string const& s, m::part const& p)
{
    return s.substr(p.body_begin, p.body_end - p.body_begin);
}

} // namespace

// Issue 12, class 1: a bounce whose delivery-status has bare LF line ends
// left as application/octet-stream, so no reader downstream could parse it.
TEST(Sanitizer, MessageLeavesWithBareLineEndsKeepTheirType)
{
    for (std::string sub : {"delivery-status", "disposition-notification", "partial", "external-body",
                            "rfc822-headers", "global-headers", "global-delivery-status", "feedback-report",
                            "x-unknown"}) {
        for (std::string eol : {"\n", "\r"}) {
            std::string in = top + "Content-Type: multipart/report; boundary=r\r\n\r\n--r\r\nContent-Type: message/" +
                             sub + "\r\n\r\nField-One: a" + eol + "Field-Two: b" + eol + "\r\n--r--\r\n";
            for (bool seven : {false, true}) {
                m::sanitize_options o;
                o.seven_bit = seven;
                auto r = m::sanitize(in, o);
                auto t = m::parse(r.message);
                auto const* p = find_part(t, "message/" + sub);
                ASSERT_NE(p, nullptr) << sub << "\n" << r.message;
                EXPECT_EQ(body_of(r.message, *p), "Field-One: a\r\nField-Two: b\r\n") << sub;
                EXPECT_TRUE(has_change(r, "line_ends_normalized"));
                EXPECT_FALSE(has_change(r, "made_opaque"));
            }
        }
    }
}

TEST(Sanitizer, MessageLeafLosesItsTypeOnlyWhenItCannotBeCarried)
{
    auto one = [](std::string body, std::string sub = "delivery-status", std::string cte = "") {
        return top + "Content-Type: message/" + sub + "\r\n" + cte + "\r\n" + body;
    };
    struct expectation {
        std::string in;
        bool seven;
        std::string type; // after sanitizing
    };
    std::string const long_fields = "Diagnostic-Code: smtp; " + std::string(600, 'a') + " " + std::string(600, 'b') + "\r\n";
    std::string const long_word = "Diagnostic-Code: smtp; " + std::string(1200, 'a') + "\r\n";
    std::vector<expectation> cases{
        {one("Action: failed\r\n"), true, "message/delivery-status"},
        {one("Action: f\xc3\xa4iled\r\n"), false, "message/delivery-status"},            // 8bit
        {one("Action: f\xc3\xa4iled\r\n"), true, "application/octet-stream"},            // 8-bit, 7-bit hop
        {one(std::string("Action: f\0iled\r\n", 16)), false, "application/octet-stream"}, // NUL
        {one(long_fields), true, "message/delivery-status"},                              // folded
        {one(long_word), false, "application/octet-stream"},                              // cannot fold
        {one("x: " + std::string(1200, 'a') + "\r\n", "partial"), false, "application/octet-stream"},
        {one("Action: f\xc3\xa4iled\r\n", "global-delivery-status"), true, "message/global-delivery-status"},
        {one(std::string("A: \0\r\n", 6), "global-headers"), true, "message/global-headers"},
        {one("QWN0aW9uOiBmYWlsZWQNCg==\r\n", "delivery-status", "Content-Transfer-Encoding: base64\r\n"), true,
         "message/delivery-status"},
        {one("Action: fa=\r\niled\r\n", "disposition-notification", "Content-Transfer-Encoding: quoted-printable\r\n"),
         true, "message/disposition-notification"},
        {one("Action: failed", "delivery-status"), false, "message/delivery-status"}, // no final line end
        // UTF-8 recipients have a 7-bit form (RFC 6533): the type stays
        {one("Final-Recipient: utf-8; j\xc3\xbcrgen@example.org\r\n"), true, "message/delivery-status"},
        {one("Original-Recipient: rfc822; \xc3\xa9@x\r\n", "disposition-notification"), true,
         "message/disposition-notification"},
        {one("Final-Recipient: utf-8; \xff@x\r\n"), true, "application/octet-stream"}, // not UTF-8
        {one("Final-Recipient: utf-8; \xc3\xa9@x\rAction: f\xc3\xa4iled\r"), true, "application/octet-stream"},
        {one("Action: failed\rFinal-Recipient: utf-8; \xc3\xa9@x\r"), true, "message/delivery-status"},
        {one("X-Note: a\r\n Final-Recipient: utf-8; \xc3\xa9@x\r\n"), true, "application/octet-stream"}, // folded
        {one("Final-Recipient: utf-8; \xc3\xa9@x \r\n (note)\r\n"), true, "application/octet-stream"},   // folded
        {one("Reporting-UA: j\xc3\xbcrgen@example.org\r\n"), true, "application/octet-stream"}, // not an address field
    };
    for (auto const& c : cases) {
        m::sanitize_options o;
        o.seven_bit = c.seven;
        auto r = m::sanitize(c.in, o);
        auto t = m::parse(r.message);
        auto const& p = t.parts[0];
        EXPECT_EQ(p.content_type.type + "/" + p.content_type.subtype, c.type) << c.in.substr(0, 120);
        EXPECT_EQ(t.all_defects & ~m::bit(m::defect::eight_bit_header), 0u) << r.message.substr(0, 300);
    }
    // Folding keeps the field: unfolded, it is the line that came in.
    auto r = m::sanitize(one(long_fields));
    auto t = m::parse(r.message);
    auto b = body_of(r.message, t.parts[0]);
    EXPECT_NE(b, long_fields);
    std::string unfolded;
    for (std::size_t i = 0; i < b.size(); ++i)
        if (!(b.compare(i, 3, "\r\n ") == 0 && (i += 1)))
            unfolded.push_back(b[i]);
    EXPECT_EQ(unfolded, long_fields);
    // A base64-encoded report is decoded: 7bit, readable, its type kept.
    r = m::sanitize(one("QWN0aW9uOiBmYWlsZWQNCg==\r\n", "delivery-status", "Content-Transfer-Encoding: base64\r\n"));
    EXPECT_NE(r.message.find("Content-Transfer-Encoding: 7bit\r\n\r\nAction: failed\r\n"), std::string::npos) << r.message;
    // utf-8-addr-xtext: every character outside QCHAR as \x{HEXPOINT},
    // upper case, no leading zero; an escape already there kept.
    m::sanitize_options seven;
    seven.seven_bit = true;
    r = m::sanitize(one("Final-Recipient: RFC822;  j\xc3\xbc+a=b\\x{E9}@\xe8\xaa\xac.example \r\nAction: failed\r\n"), seven);
    EXPECT_NE(r.message.find("\r\n\r\nFinal-Recipient: utf-8; j\\x{FC}\\x{2B}a\\x{3D}b\\x{E9}@\\x{8AAC}.example\r\n"
                             "Action: failed\r\n"),
              std::string::npos)
        << r.message;
    EXPECT_TRUE(has_change(r, "header_encoded"));
}

// Issue 12, class 2: whatever the tree, after the 7-bit downgrade no
// entity declares 8bit or binary, and no octet is above 127.
TEST(Sanitizer, SevenBitLeavesNoEightBitLabelOrOctet)
{
    std::vector<std::string> inputs{
        top + "Content-Type: multipart/mixed; boundary=a\r\nContent-Transfer-Encoding: 8bit\r\n\r\n--a\r\n"
              "Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\nascii\r\n--a\r\n"
              "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: binary\r\n\r\nSubject: x\r\n"
              "Content-Transfer-Encoding: 8bit\r\n\r\nascii\r\n--a--\r\n",
        top + "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-unknown\r\n\r\ncaf\xe9\r\n",
        "Subject: no MIME\r\n\r\nGr\xfc\xdf" "e\r\n",
        top + "Content-Type: multipart/mixed; boundary=zz\r\n\r\n--yy\r\n\r\n\xe9t\xe9\r\n--yy--\r\n",
        top + "Content-Type: multipart/mixed\r\n\r\n\xe9\r\n--q\r\n\r\nna\xefve\r\n",
        top + "Content-Type: multipart/mixed; boundary=p\r\n\r\npre\xe9\r\n--p\r\nX-T\xe9st: 1\r\n\r\nx\r\n--p--\r\nepi\xe9\r\n",
        top + "Content-Type: message/rfc822\r\n\r\nSubject: \xe9\r\nContent-Type: text/plain; name=\"\xe9\"\r\n\r\n\xe9\r\n",
    };
    m::sanitize_options o;
    o.seven_bit = true;
    for (auto const& in : inputs) {
        auto r = m::sanitize(in, o);
        EXPECT_FALSE(m::needs_7bit_downgrade(r.message)) << r.message;
        for (auto const& p : m::parse(r.message).parts) {
            EXPECT_NE(p.encoding, m::transfer_encoding::eight_bit) << r.message;
            EXPECT_NE(p.encoding, m::transfer_encoding::binary) << r.message;
        }
    }
}

// Issue 12, class 3: "--frontier-notes" is no delimiter of "frontier" by
// RFC 2046, but a reader that matches prefixes splits the part there.
TEST(Sanitizer, NoLineStartsWithAnEnclosingBoundary)
{
    std::vector<std::string> inputs{
        top + "Content-Type: multipart/mixed; boundary=frontier\r\n\r\n--frontier\r\nContent-Type: text/plain\r\n"
              "Content-Transfer-Encoding: quoted-printable\r\n\r\n--frontier-notes\r\n--frontier--\r\n",
        top + "Content-Type: multipart/mixed; boundary=e\r\n\r\n--eX preamble\r\n--e\r\n\r\nx\r\n--e--\r\n--e epilogue\r\n",
        top + "Content-Type: multipart/mixed; boundary=h\r\n\r\n--h\r\n--hx: field\r\n\r\nx\r\n--h--\r\n",
        top + "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: message/rfc822\r\n\r\n"
              "Subject: s\r\n\r\n--outer text\r\n--o--\r\n",
        top + "Content-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\nContent-Type: message/delivery-status\r\n"
              "Content-Transfer-Encoding: base64\r\n\r\nLS1jDQo=\r\n--c--\r\n", // decodes to "--c"
    };
    for (auto const& in : inputs) {
        auto r = m::sanitize(in);
        auto t = m::parse(r.message);
        EXPECT_EQ(t.all_defects, 0u) << r.message;
        EXPECT_TRUE(has_change(r, "boundary_regenerated")) << in;
        auto b = t.parts[0].boundary;
        for (std::size_t at = 0; (at = r.message.find("\r\n--" + b, at)) != std::string::npos; at += 2) {
            auto tail = r.message.substr(at + 4 + b.size(), 2);
            EXPECT_TRUE(tail == "\r\n" || tail == "--") << r.message;
        }
    }
    // The parser flags it; the boundary of a clean message stays.
    auto t = m::parse(inputs[0]);
    EXPECT_TRUE(t.parts[0].has(m::defect::boundary_in_content));
}

// Courier's reformime takes "--BB" for a delimiter of boundary "bb": a
// line that starts with the boundary in another letter case is one too
// (in a body, a preamble, a header; a nested boundary that is a prefix
// of an enclosing one), and so is our own prefix in capitals.
TEST(Sanitizer, NoLineStartsWithABoundaryInAnyLetterCase)
{
    std::vector<std::string> inputs{
        top + "Content-Type: multipart/mixed; boundary=bb\r\n\r\n--BB preamble\r\n--bb\r\n\r\nx\r\n--Bb--\r\n--bb--\r\n",
        top + "Content-Type: multipart/mixed; boundary=h\r\n\r\n--h\r\n--H: field\r\n\r\nx\r\n--h--\r\n",
        top + "Content-Type: multipart/mixed; boundary=\"Ab\"\r\n\r\n--Ab\r\n"
              "Content-Type: multipart/alternative; boundary=\"aB1\"\r\n\r\n--aB1\r\n\r\ny\r\n--aB1--\r\n--Ab--\r\n",
        top + "Content-Type: multipart/mixed; boundary=h\r\n\r\n--h\r\n\r\n--H\r\n--h--\r\n",
    };
    for (auto const& in : inputs) {
        auto r = m::sanitize(in);
        EXPECT_TRUE(has_change(r, "boundary_regenerated")) << in;
        auto t = m::parse(r.message);
        EXPECT_EQ(t.all_defects, 0u) << r.message;
        EXPECT_TRUE(m::sanitize(r.message).unchanged) << r.message;
    }
    // Text that holds, in capitals, the very boundary we would choose
    // (the choice hangs on the input's size and first 4096 octets, so a
    // placeholder of the same length past them finds it): we choose
    // another.
    std::string const head = top + "Content-Type: multipart/mixed; boundary=bb\r\n\r\n--bb\r\n\r\n" +
                             std::string(4200, 'x') + "\r\n--bb-x\r\n--";
    std::string const placeholder = "=_X400GW_ZZZZZZZZZZZZ_00000000";
    auto first = m::sanitize(head + placeholder + "\r\n");
    auto at = first.message.find("boundary=\"=_x400gw_");
    ASSERT_NE(at, std::string::npos) << first.message;
    auto const b = first.message.substr(at + 10, placeholder.size());
    std::string upper = b;
    for (auto& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto r = m::sanitize(head + upper + "\r\n");
    EXPECT_EQ(r.message.find("boundary=\"" + b.substr(0, 21)), std::string::npos) << r.message;
    EXPECT_EQ(m::parse(r.message).all_defects, 0u) << r.message;
}

// A boundary folded inside its quotes is "a b" to a reader that unfolds
// (RFC 5322 2.2.3) and "a\r\n b" to one that does not; in RFC 2231 sections
// or percent-encoded it is lost on a reader without RFC 2231. Each leaves
// with a boundary written plainly; one written whole, even with a space
// in it (RFC 2046 allows it), stays.
TEST(Sanitizer, BoundaryNotWrittenWholeIsReplaced)
{
    std::string const body = "\r\n--a b\r\nContent-Type: text/plain\r\n\r\nkept\r\n--a b--\r\n";
    std::vector<std::string> inputs{
        top + "Content-Type: multipart/mixed; boundary=\"a\r\n b\"\r\n" + body,
        top + "Content-Type: multipart/mixed;\r\n boundary*0=\"a \";\r\n boundary*1=\"b\"\r\n" + body,
        top + "Content-Type: multipart/mixed; boundary*=''a%20b\r\n" + body,
    };
    for (auto const& in : inputs) {
        auto t = m::parse(in);
        ASSERT_EQ(t.parts.size(), 2u) << in;
        EXPECT_TRUE(t.parts[0].has(m::defect::boundary_not_plain)) << in;
        auto r = m::sanitize(in);
        EXPECT_TRUE(has_change(r, "boundary_regenerated")) << in;
        auto again = m::parse(r.message);
        EXPECT_EQ(again.all_defects, 0u) << r.message;
        ASSERT_EQ(again.parts.size(), 2u) << r.message;
        EXPECT_NE(r.message.find("\r\n\r\nkept\r\n--" + again.parts[0].boundary + "--\r\n"), std::string::npos)
            << r.message;
        EXPECT_NE(r.message.find("boundary=\"" + again.parts[0].boundary + "\"\r\n"), std::string::npos) << r.message;
    }
    auto plain = top + "Content-Type: multipart/mixed; boundary=\"a b\"\r\n" + body;
    EXPECT_FALSE(m::parse(plain).parts[0].has(m::defect::boundary_not_plain));
    auto r = m::sanitize(plain);
    EXPECT_TRUE(r.unchanged) << r.message;
}

// A multipart header with no empty line before the first delimiter: the
// header ends at the delimiter of its own boundary, the parts are found
// (a reader that ends a header at its first line that is no field does
// the same), and the output has the empty line.
TEST(Sanitizer, HeaderEndedByItsOwnDelimiterStillHasItsParts)
{
    for (std::string between : {"", "This is a multi-part message in MIME format.\r\n"}) {
        auto in = top + "Content-Type: multipart/mixed; boundary=nb\r\n" + between +
                  "--nb\r\nContent-Type: text/plain\r\n\r\none\r\n--nb\r\nContent-Type: text/html\r\n\r\n"
                  "<p>two</p>\r\n--nb--\r\n";
        auto t = m::parse(in);
        ASSERT_EQ(t.parts.size(), 3u) << in;
        EXPECT_TRUE(t.parts[0].has(m::defect::header_not_ended));
        EXPECT_EQ(t.parts[2].content_type.subtype, "html");
        auto r = m::sanitize(in);
        EXPECT_FALSE(r.unchanged);
        auto again = m::parse(r.message);
        EXPECT_EQ(again.all_defects, 0u) << r.message;
        ASSERT_EQ(again.parts.size(), 3u) << r.message;
        EXPECT_NE(r.message.find("boundary=nb\r\n\r\n--nb\r\n"), std::string::npos) << r.message;
    }
}

// "Content-Transfer-Encoding:" with nothing after it declares nothing, as
// an empty Content-Type does: read as 7bit, the field not written back. As
// an unknown encoding it cost a delivery report its type and a multipart
// its parts.
TEST(Sanitizer, EmptyTransferEncodingIsNoEncoding)
{
    for (std::string cte : {"Content-Transfer-Encoding:\r\n", "Content-Transfer-Encoding:  (none)\r\n"}) {
        auto in = top + "Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n" + cte +
                  "\r\n--r\r\nContent-Type: message/delivery-status\r\n" + cte +
                  "\r\nReporting-MTA: dns; mx.example.com\r\n\r\nAction: failed\r\n--r--\r\n";
        auto t = m::parse(in);
        ASSERT_EQ(t.parts.size(), 2u) << in;
        EXPECT_TRUE(t.parts[1].has(m::defect::cte_empty));
        for (bool seven : {false, true}) {
            m::sanitize_options o;
            o.seven_bit = seven;
            auto r = m::sanitize(in, o);
            auto again = m::parse(r.message);
            EXPECT_EQ(again.all_defects, 0u) << r.message;
            ASSERT_EQ(again.parts.size(), 2u) << r.message;
            EXPECT_EQ(again.parts[1].content_type.subtype, "delivery-status") << r.message;
            EXPECT_EQ(r.message.find("Content-Transfer-Encoding"), std::string::npos) << r.message;
        }
    }
}

// Issue 12, class 4: RFC 2045 6.4 forbids base64 on a multipart, but the
// text inside must still reach the reader.
TEST(Sanitizer, EncodedCompositesAreDecodedAndParsed)
{
    std::string inner = "--in\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                        "nested caf=C3=A9\r\n--in--\r\n";
    std::string enc;
    m::encode_base64(inner, enc);
    std::string in = top + "Content-Type: multipart/mixed; boundary=in\r\nContent-Transfer-Encoding: base64\r\n\r\n" + enc;
    auto r = m::sanitize(in);
    EXPECT_TRUE(has_change(r, "composite_decoded"));
    auto t = m::parse(r.message);
    EXPECT_EQ(t.all_defects, 0u) << r.message;
    auto const* p = find_part(t, "text/plain");
    ASSERT_NE(p, nullptr) << r.message;
    EXPECT_EQ(body_of(r.message, *p), "nested caf=C3=A9");
    // Layers past max_decode_nesting stay opaque, their octets kept.
    std::string layered = "Subject: core\r\n\r\ncore text\r\n";
    for (int i = 0; i < 6; ++i) {
        std::string e;
        m::encode_base64(layered, e);
        layered = "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + e;
    }
    m::sanitize_options o;
    o.parse_limits.max_decode_nesting = 3;
    r = m::sanitize(layered, o);
    t = m::parse(r.message);
    EXPECT_EQ(t.all_defects, 0u) << r.message;
    EXPECT_TRUE(has_change(r, "made_opaque"));
    o.parse_limits.max_decode_nesting = 8;
    r = m::sanitize(layered, o);
    EXPECT_NE(r.message.find("\r\n\r\ncore text\r\n"), std::string::npos) << r.message;
}

// An encoded composite's header is read as its message was, and what
// decoding gives with the line ends it has. A message of bare-CR line
// ends (classic Mac OS) whose message/rfc822 came base64, or such a
// message sent base64 inside a CRLF one: the inner header is a header,
// not text of an empty-headed message. And where the message's bare CRs
// do not end header lines, the composite's header does not end at one
// either (Dovecot reads both so).
TEST(Sanitizer, EncodedCompositeIsReadWithTheMessagesLineEnds)
{
    std::string inner;
    m::encode_base64("Subject: in\rContent-Type: text/plain\r\rbody line\r", inner);
    std::string const mac = "MIME-Version: 1.0\rContent-Type: message/rfc822\rContent-Transfer-Encoding: base64\r\r" + inner;
    auto r = m::sanitize(mac);
    EXPECT_NE(r.message.find("\r\n\r\nSubject: in\r\nContent-Type: text/plain\r\nMIME-Version: 1.0\r\n\r\nbody line\r\n"),
              std::string::npos)
        << r.message;
    EXPECT_NE(m::describe(mac, m::parse(mac)).find("(NIL \"in\" "), std::string::npos);
    std::string const inside = "MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n"
                               "Content-Transfer-Encoding: base64\r\n\r\n" + inner;
    r = m::sanitize(inside);
    EXPECT_NE(r.message.find("\r\n\r\nSubject: in\r\nContent-Type: text/plain\r\nMIME-Version: 1.0\r\n\r\nbody line\r\n"),
              std::string::npos)
        << r.message;
    // The first line end is LF: a bare CR stays in its header line, also in
    // the header of the quoted-printable multipart, where the first line
    // end is now the bare CR of a fold.
    std::string const lf = "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"o\"\n\n--o\n"
                           "Content-Type: multipart/mixed;\r\tboundary=\"i\"\r\n\r--i\r\n"
                           "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\rheader text\n\n"
                           "--i\nContent-Type: text/plain\n\none\n--i--\n--o--\n";
    auto const tree = m::parse(lf);
    EXPECT_EQ(m::describe(lf, tree), "(((\"text\" \"plain\" NIL NIL NIL \"7BIT\" 3 1 NIL NIL NIL NIL) \"mixed\" "
                                     "(\"boundary\" \"i\") NIL NIL NIL) \"mixed\" (\"boundary\" \"o\") NIL NIL NIL)");
    r = m::sanitize(lf);
    EXPECT_EQ(r.message.find("header text"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("\r\n\r\none\r\n--"), std::string::npos) << r.message;
}

// A bare CR inside a header line of an encoded composite, in a message
// whose bare CRs do not end lines, is read as the message reads it: white
// space (or nothing inside a quoted string). The tree is the same whether
// the multipart is encoded or not; the CR once vanished, and
// `boundary=i\rX=1` became the boundary "iX".
TEST(Sanitizer, EncodedCompositeKeepsAStrayCrOfItsHeader)
{
    auto const message = [](std::string_view cte, std::string_view type) {
        return "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: " +
               std::string(type) + "\n" + std::string(cte) +
               "\n--i\nContent-Type: text/plain\n\ninner\n--i--\n--o--\n";
    };
    for (std::string_view type : {"multipart/mixed; boundary=i\rX=1", "multipart/mixed; boundary=\"\ri\"",
                                  "multipart/mixed;\rboundary=i"}) {
        auto const plain = message("", type);
        auto const encoded = message("Content-Transfer-Encoding: quoted-printable\n", type);
        auto const want = m::describe(plain, m::parse(plain));
        EXPECT_NE(want.find("\"mixed\" (\"boundary\" \"i\""), std::string::npos) << want;
        auto const shown = m::describe(encoded, m::parse(encoded));
        EXPECT_NE(shown.find(want.substr(0, want.find(" \"mixed\" (\"boundary\" \"i\""))), std::string::npos)
            << shown;
        auto const r = m::sanitize(encoded);
        EXPECT_NE(r.message.find("boundary=i"), std::string::npos) << r.message;
        EXPECT_NE(r.message.find("\r\n--i\r\nContent-Type: text/plain\r\n\r\ninner\r\n--i--\r\n"),
                  std::string::npos)
            << r.message;
    }
}

// An encoded composite in a message whose bare CRs do not end lines,
// whose decoded body starts with a bare-CR line end (classic Mac OS): its
// header is cut into fields as the message's was, also when it is written
// again, though the body's line ends are bare CRs. The line
// "\rContent-Type:" once became "Content-Type:" then, the first
// Content-Type, and the output left with an empty one.
TEST(Sanitizer, EncodedCompositeHeaderIsWalkedWithTheMessagesLineEnds)
{
    std::string body;
    m::encode_base64("Subject: in\rContent-Type: text/plain\r\rbody line\r", body);
    for (std::string_view stray : {"\rContent-Type:\n", "\rContent-Type: text/html\n",
                                   "no field name\n\rContent-Type:\n"}) {
        auto const in = "MIME-Version: 1.0\n" + std::string(stray) +
                        "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" + body;
        auto const r = m::sanitize(in);
        EXPECT_TRUE(has_change(r, "composite_decoded")) << r.message;
        // A line without a field name is left out of the entity, and said.
        EXPECT_EQ(has_change(r, "header_line_dropped"), stray.front() == 'n') << r.message;
        auto const tree = m::parse(r.message);
        EXPECT_EQ(tree.all_defects, 0u) << r.message;
        ASSERT_FALSE(tree.parts.empty());
        EXPECT_EQ(tree.parts[0].content_type.type, "message") << r.message;
        EXPECT_EQ(("\n" + r.message).find("\nContent-Type:\r\n"), std::string::npos) << r.message;
        EXPECT_NE(r.message.find("\r\n\r\nSubject: in\r\nContent-Type: text/plain\r\nMIME-Version: 1.0\r\n\r\nbody line\r\n"),
                  std::string::npos)
            << r.message;
    }
}

// In a message whose bare CRs do not end lines, a bare CR inside a header
// line is white space to the parser, and a space in the field written
// back; one at the end of a line ("\r\r\n") is part of the line end.
TEST(Sanitizer, StrayCrInAHeaderLineIsWrittenAsASpace)
{
    std::string const in = "MIME-Version: 1.0\nSubject: one\rtwo\nX-Doubled: end\r\r\n"
                           "Content-Type: text/plain\nContent-Language: en\rde\n"
                           "Content-ID: <a\rb@example.com>\n\nbody\n";
    auto const r = m::sanitize(in);
    for (std::string_view want : {"\r\nSubject: one two\r\n", "\r\nX-Doubled: end\r\n",
                                  "\r\nContent-Language: en de\r\n", "\r\nContent-ID: <a b@example.com>\r\n"})
        EXPECT_NE(r.message.find(want), std::string::npos) << want << "\n" << r.message;
    // The parser reads the output as it read the input.
    EXPECT_EQ(m::describe(r.message, m::parse(r.message)), m::describe(in, m::parse(in)));
}

// A part written as application/octet-stream, because its content
// cannot be carried as its type or its type cannot be read, was written
// without its Content-Type parameters: an attachment named only there
// lost its name. It keeps it now; a holder of the rest of the message,
// past a limit, names nothing.
TEST(Sanitizer, APartWrittenAsOctetsKeepsItsName)
{
    auto report = [](std::string ct, std::string body) {
        return top + "Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
                     "--r\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--r\r\n" +
               ct + "\r\n" + body + "\r\n--r--\r\n";
    };
    struct expectation {
        std::string in;
        bool seven;
        std::string field; // the Content-Type written
    };
    std::vector<expectation> cases{
        // NUL in a delivery-status: not 7bit or 8bit
        {report("Content-Type: message/delivery-status; name=\"status.txt\"\r\n",
                std::string("Reporting-MTA: dns; x\0y\r\n", 24)),
         false, "Content-Type: application/octet-stream; name=status.txt\r\n"},
        // 8-bit octets for a 7-bit hop, an RFC 2231 name
        {report("Content-Type: message/delivery-status;\r\n name*=utf-8''st%C3%A4tus.txt; x-other=1\r\n",
                "Reporting-UA: j\xc3\xbcrgen\r\n"),
         true, "Content-Type: application/octet-stream; name*=utf-8''st%C3%A4tus.txt\r\n"},
        // a composite in an encoding no one knows: kept opaque
        {report("Content-Type: message/rfc822; name=\"fwd.eml\"\r\nContent-Transfer-Encoding: x-uue\r\n",
                "begin 644 fwd.eml\r\nend\r\n"),
         false, "Content-Type: application/octet-stream; name=fwd.eml\r\n"},
    };
    for (auto const& c : cases) {
        m::sanitize_options o;
        o.seven_bit = c.seven;
        auto r = m::sanitize(c.in, o);
        EXPECT_NE(r.message.find(c.field), std::string::npos) << r.message;
        EXPECT_TRUE(has_change(r, "made_opaque")) << r.message;
    }
    // `mime structure` shows the opaque part with the name it will have.
    auto const shown = m::describe(cases[2].in, m::parse(cases[2].in));
    EXPECT_NE(shown.find("(\"application\" \"octet-stream\" (\"name\" \"fwd.eml\") "), std::string::npos) << shown;
    // The holder of what is past the part limit is no one attachment.
    m::limits l;
    l.max_parts = 3;
    std::string many = top + "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
    for (int i = 0; i < 4; ++i)
        many += "--b\r\nContent-Type: application/pdf; name=\"f" + std::to_string(i) + ".pdf\"\r\n\r\nx\r\n";
    many += "--b--\r\n";
    m::sanitize_options o;
    o.parse_limits = l;
    auto r = m::sanitize(many, o);
    EXPECT_NE(r.message.find("Content-Type: application/octet-stream\r\n"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find("name=\"f1.pdf\""), std::string::npos) << r.message;
}

// A text part in UTF-16 or UTF-32 is octets: "Test\n" in UTF-16LE is
// 54 00 65 00 73 00 74 00 0A 00, and the 0A is half of a character.
// Stalwart's test message of it left as quoted-printable with that 0A
// read as a line end, written CRLF: 0D 0A 00, no longer UTF-16.
TEST(Sanitizer, TextInAWideCharsetKeepsItsOctets)
{
    auto wide = [](std::string_view ascii, bool big) {
        std::string w;
        for (char c : ascii) {
            if (big)
                w.push_back('\0');
            w.push_back(c);
            if (!big)
                w.push_back('\0');
        }
        return w;
    };
    std::string const le = wide("Test\rmessage\n", false), be = wide("Gr\r\n", true);
    std::string const in = top + "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                                 "--b\r\nContent-Type: text/plain; charset=utf-16le\r\n"
                                 "Content-Transfer-Encoding: binary\r\n\r\n" + le +
                           "\r\n--b\r\nContent-Type: text/plain; charset=\"Unicode\"\r\n\r\n" + le +
                           "\r\n--b\r\nContent-Type: text/plain; charset=UTF-16BE\r\n"
                           "Content-Transfer-Encoding: quoted-printable\r\n\r\n=00G=00r=00=0D=00=0A=XY" +
                           "\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nline\nline\r\n--b--\r\n";
    for (bool seven : {false, true}) {
        m::sanitize_options o;
        o.seven_bit = seven;
        auto r = m::sanitize(in, o);
        auto t = m::parse(r.message);
        ASSERT_EQ(t.parts.size(), 5u) << r.message;
        std::vector<std::string> content;
        for (std::uint32_t i = 1; i < 5; ++i) {
            auto const& p = t.parts[i];
            auto b = r.message.substr(p.body_begin, p.body_end - p.body_begin);
            std::string d;
            if (p.encoding == m::transfer_encoding::base64)
                m::decode_base64(b, d);
            else if (p.encoding == m::transfer_encoding::quoted_printable)
                m::decode_qp(b, d);
            else
                d = b;
            content.push_back(d);
        }
        EXPECT_EQ(content[0], le) << r.message;
        EXPECT_EQ(content[1], le) << r.message;
        EXPECT_EQ(content[2], be + "=XY") << r.message; // the invalid escape as it stood
        EXPECT_EQ(content[3], "line\r\nline") << r.message; // a text in lines: line ends CRLF
    }
    // Which names are wide: UTF-16 and UTF-32 by any spelling, UCS-2 and
    // UCS-4, Microsoft's "unicode"; UTF-7 and UTF-8 by their old names not.
    auto lines_of = [](std::string cs) {
        auto r = m::sanitize(top + "Content-Type: text/plain; charset=" + cs + "\r\n\r\na\nb\r\n");
        return r.message.find("\r\n\r\na\r\nb\r\n") != std::string::npos;
    };
    for (auto cs : {"UTF-16", "utf_16le", "utf-32BE", "ucs-2", "ISO-10646-UCS-4", "unicode", "unicodeFFFE", "csUnicode"})
        EXPECT_FALSE(lines_of(cs)) << cs;
    for (auto cs : {"utf-8", "UTF-7", "csUnicode11UTF7", "unicode-1-1-utf-8", "iso-8859-1", "gb18030", "\"\""})
        EXPECT_TRUE(lines_of(cs)) << cs;
}

// `mime structure` shows an encoded composite as the sanitizer writes
// it: its declared type, encoding and size outside, the decoded tree
// inside, the same layers decoded and the same left opaque.
TEST(Sanitizer, DescribeShowsEncodedCompositesAsTheyAreWritten)
{
    std::string layered = "Subject: core\r\n\r\ncore text\r\n";
    for (int i = 0; i < 3; ++i) {
        std::string e;
        m::encode_base64(layered, e);
        layered = "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + e;
    }
    auto const tree = m::parse(layered);
    EXPECT_EQ(m::describe(tree).rfind("(\"application\" \"octet-stream\" NIL NIL NIL \"BASE64\" ", 0), 0u)
        << "without the input the part is shown as parsed";
    auto const shown = m::describe(layered, tree);
    EXPECT_EQ(shown.rfind("(\"message\" \"rfc822\" NIL NIL NIL \"BASE64\" " +
                              std::to_string(tree.parts[0].size) + " (NIL NIL ",
                          0),
              0u)
        << shown;
    EXPECT_NE(shown.find("(NIL \"core\" "), std::string::npos) << shown;
    EXPECT_NE(shown.find("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 11 1 "),
              std::string::npos)
        << shown;
    m::limits two;
    two.max_decode_nesting = 2;
    auto const cut = m::describe(layered, tree, two);
    EXPECT_EQ(cut.find("core"), std::string::npos) << cut;
    EXPECT_NE(cut.find("(\"application\" \"octet-stream\" NIL NIL NIL \"BASE64\" "), std::string::npos) << cut;
    m::sanitize_options o;
    o.parse_limits = two;
    auto const r = m::sanitize(layered, o);
    EXPECT_EQ(m::describe(r.message, m::parse(r.message)).find("core"), std::string::npos) << r.message;
    // A false label: the parts are read as they stand.
    std::string const parts = "--=_b1\r\nContent-Type: text/plain\r\n\r\none\r\n"
                              "--=_b1\r\nContent-Type: text/html\r\n\r\n<p>two</p>\r\n--=_b1--\r\n";
    auto const labelled = top + "Content-Type: multipart/mixed; boundary=\"=_b1\"\r\n"
                                "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + parts;
    auto const as_written = m::describe(labelled, m::parse(labelled));
    EXPECT_NE(as_written.find("(\"text\" \"html\" "), std::string::npos) << as_written;
    EXPECT_NE(as_written.find(" \"mixed\" (\"boundary\" \"=_b1\")"), std::string::npos) << as_written;
}

// A multipart labelled quoted-printable or base64 whose body is not
// encoded (its parts carry their own encodings): decoding would lose
// delimiters, so the body is read as it stands and every part kept.
TEST(Sanitizer, FalseEncodingLabelOnAMultipartIsRemoved)
{
    std::string const parts = "--=_b1\r\nContent-Type: text/plain\r\n\r\none\r\n"
                              "--=_b1\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                              "iVBORw0KGgo=\r\n--=_b1\r\nContent-Type: text/html\r\n\r\n<p>three</p>\r\n--=_b1--\r\n";
    for (std::string cte : {"quoted-printable", "base64"}) {
        auto in = top + "Content-Type: multipart/mixed; boundary=\"=_b1\"\r\nContent-Transfer-Encoding: " + cte +
                  "\r\n\r\n" + parts;
        auto r = m::sanitize(in);
        EXPECT_TRUE(has_change(r, "cte_removed")) << cte;
        EXPECT_FALSE(has_change(r, "composite_decoded")) << cte;
        auto t = m::parse(r.message);
        EXPECT_EQ(t.all_defects, 0u) << r.message;
        ASSERT_EQ(t.parts.size(), 4u) << r.message;
        EXPECT_EQ(body_of(r.message, t.parts[2]), "iVBORw0KGgo=");
        EXPECT_EQ(body_of(r.message, t.parts[3]), "<p>three</p>");
    }
    // Really encoded, the same multipart is decoded: its delimiters are
    // found only after decoding.
    std::string enc;
    m::encode_base64(parts, enc);
    auto r = m::sanitize(top + "Content-Type: multipart/mixed; boundary=\"=_b1\"\r\n"
                               "Content-Transfer-Encoding: base64\r\n\r\n" + enc);
    EXPECT_TRUE(has_change(r, "composite_decoded"));
    EXPECT_EQ(m::parse(r.message).parts.size(), 4u) << r.message;
}

// A delimiter that ends the input with no line end opens no part; the
// multipart is closed, and one without parts gets its one empty part.
TEST(Sanitizer, DelimiterAtTheEndOfTheInputOpensNoPart)
{
    auto r = m::sanitize(top + "Content-Type: multipart/mixed; boundary=q\r\n\r\npre\r\n--q\r\n\r\none\r\n--q");
    EXPECT_TRUE(has_change(r, "close_delimiter_added"));
    EXPECT_NE(r.message.find("\r\n\r\none\r\n--q--\r\n"), std::string::npos) << r.message;
    EXPECT_EQ(m::parse(r.message).parts.size(), 2u) << r.message;
    r = m::sanitize(top + "Content-Type: multipart/mixed; boundary=q\r\n\r\npre\r\n--q");
    EXPECT_NE(r.message.find("pre\r\n--q\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n\r\n--q--\r\n"),
              std::string::npos)
        << r.message;
    EXPECT_EQ(m::parse(r.message).all_defects, 0u) << r.message;
}

// A part's header line too long to be kept whole that starts with the
// boundary: no delimiter, but content holding the boundary, so the
// multipart gets a new one (found by fuzzing: written back as a field, the
// line still started with "--b").
TEST(Sanitizer, LongHeaderLineStartingWithTheBoundaryGetsANewBoundary)
{
    m::limits l;
    auto line = "--b-- : " + std::string(l.max_field_bytes + 1000, 'y');
    auto in = top + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n" + line +
              "\r\n\r\ntext\r\n--b--\r\n";
    EXPECT_TRUE(m::parse(in).parts[0].has(m::defect::boundary_in_content));
    auto r = m::sanitize(in);
    EXPECT_TRUE(has_change(r, "boundary_regenerated")) << r.message;
    EXPECT_EQ(m::parse(r.message).all_defects, 0u) << r.message;
}

// A Content-Transfer-Encoding with white space or a comment after its
// token is written again as the token alone: readers that compare the
// whole value (Python's email) would not decode the part.
TEST(Sanitizer, TransferEncodingWithMoreThanItsTokenIsWrittenAgain)
{
    for (std::string v : {"quoted-printable  ", "quoted-printable (qp)", "Quoted-Printable\t"}) {
        auto in = top + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: " + v +
                  "\r\n\r\ncaf=C3=A9\r\n";
        EXPECT_TRUE(m::parse(in).parts[0].cte_not_plain) << v;
        auto r = m::sanitize(in);
        EXPECT_FALSE(r.unchanged) << v;
        EXPECT_TRUE(has_change(r, "header_fixed")) << v;
        EXPECT_NE(r.message.find("Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n"),
                  std::string::npos)
            << r.message;
    }
    EXPECT_FALSE(m::parse(top + "Content-Type: text/plain\r\nContent-Transfer-Encoding:\r\n base64\r\n\r\naGk=\r\n")
                     .parts[0]
                     .cte_not_plain);
}

// A field name over 900 octets (a name cannot be folded; binary data read
// as a message has them) is dropped; one of 900 is kept whole.
TEST(Sanitizer, FieldNameLongerThanALineIsDropped)
{
    for (std::size_t len : {901u, 990u, 1200u}) {
        auto in = "X-" + std::string(len - 2, 'n') + ": v\r\n" + top + "Content-Type: text/plain\r\n\r\nbody\r\n";
        auto r = m::sanitize(in);
        EXPECT_TRUE(has_change(r, "header_line_dropped")) << len;
        EXPECT_EQ(r.message.find("nnnn"), std::string::npos) << r.message;
        expect_wire_clean(r.message, false, "long name");
    }
    auto kept = "X-" + std::string(898, 'n') + ": v\r\n" + top + "Content-Type: text/plain\r\n\r\nbody\r\n";
    EXPECT_NE(m::sanitize(kept).message.find("X-" + std::string(898, 'n') + ": v\r\n"), std::string::npos);
}

// An encoded word with raw 8-bit octets in its text (RFC 2047 section 5
// forbids them; lenient readers decode them as they are): for a 7-bit hop
// they are escaped in a Q word, dropped from a B word, and the word still
// decodes to what those readers saw.
TEST(Sanitizer, EncodedWordWithRaw8bitOctetsIsRepaired)
{
    auto in = "Subject: =?utf-8?q?Di\xe9_h=C3=A9?= =?utf-8?B?aMOp\xe9?=x\r\n" + top +
              "Content-Type: text/plain\r\n\r\nbody\r\n";
    m::sanitize_options o;
    o.seven_bit = true;
    auto r = m::sanitize(in, o);
    EXPECT_NE(r.message.find("Subject: =?utf-8?q?Di=E9_h=C3=A9?="), std::string::npos) << r.message;
    // Not all encoded words: encoded as a whole, as any 8-bit text.
    EXPECT_NE(r.message.find("=?unknown-8bit?B?"), std::string::npos) << r.message;
    in = "Subject: =?utf-8?q?Di\xe9?==?utf-8?B?aMOp\xe9?=\r\n" + top + "Content-Type: text/plain\r\n\r\nbody\r\n";
    r = m::sanitize(in, o);
    EXPECT_NE(r.message.find("Subject: =?utf-8?q?Di=E9?==?utf-8?B?aMOp?=\r\n"), std::string::npos) << r.message;
    expect_wire_clean(r.message, true, "encoded words");
    // 8-bit octets in the charset, or controls anywhere: no encoded word
    // to repair, the whole is encoded (found by fuzzing: the charset's
    // octets had been copied).
    for (std::string w : {"=?ut\xff-8?q?caf\xe9?=", "=?utf-8?q?\x01" "caf\xe9?="}) {
        r = m::sanitize("Subject: " + w + "\r\n" + top + "Content-Type: text/plain\r\n\r\nbody\r\n", o);
        expect_wire_clean(r.message, true, "not encoded words");
        EXPECT_NE(r.message.find("=?unknown-8bit?B?"), std::string::npos) << r.message;
    }
}

// The step budget is a bound the code checks as it goes: a hostile shape
// (a million "--" lines under 99 open multiparts) stops at the budget with
// a clean message, reported over the limit, and a small budget never
// crashes or loses the octets it did not read.
TEST(Sanitizer, StepBudgetBoundsTheWorkAndDegradesToACleanMessage)
{
    std::string in = top;
    for (int i = 0; i < 99; ++i)
        in += "Content-Type: multipart/mixed; boundary=\"n" + std::to_string(i) + "\"\r\n\r\n--n" + std::to_string(i) + "\r\n";
    in += "Content-Type: text/plain\r\n\r\n";
    for (int i = 0; i < 300000; ++i)
        in += "--\r\n";
    for (bool seven : {false, true}) {
        m::sanitize_options o;
        o.seven_bit = seven;
        o.parse_limits.max_steps = 5'000'000;
        auto r = m::sanitize(in, o);
        EXPECT_TRUE(r.over_limit);
        EXPECT_LE(r.steps, o.parse_limits.max_steps + 1000);
        expect_wire_clean(r.message, seven, "step limit");
        auto t = m::parse(r.message);
        EXPECT_EQ(t.all_defects, 0u);
        bool opaque_rest = false;
        for (auto const& p : t.parts)
            opaque_rest = opaque_rest || (p.content_type.type == "application" && p.encoding == m::transfer_encoding::base64);
        EXPECT_TRUE(opaque_rest);
        EXPECT_TRUE(m::sanitize(r.message, o).unchanged);
    }
    // Within the default budget the same message is read to its end.
    auto full = m::sanitize(in);
    EXPECT_FALSE(full.over_limit);
    EXPECT_EQ(m::step_budget(std::chrono::milliseconds(10)), 10 * m::steps_per_millisecond);
    // Every budget from nothing up: never a crash, always a clean message.
    std::string small = top + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n"
                              "Content-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogeA0KDQpib2R5DQo=\r\n--b\r\n\r\ntext\r\n--b--\r\n";
    for (std::uint64_t budget = 0; budget < 400; ++budget) {
        m::sanitize_options o;
        o.parse_limits.max_steps = budget;
        auto r = m::sanitize(small, o);
        expect_wire_clean(r.message, false, "budget " + std::to_string(budget));
        EXPECT_EQ(m::parse(r.message).all_defects, 0u) << budget << "\n" << r.message;
    }
}

// Found by fuzzing: a nested message whose multipart body came
// quoted-printable is decoded and written on its own; when the budget ran
// out inside it, it was written as octets with no MIME-Version, so a
// reader took its Content-Type for a non-MIME header's (RFC 2045 4). At
// every budget each message header says MIME-Version 1.0 once.
TEST(Sanitizer, DecodedNestedMessageSaysMimeVersionAtEveryBudget)
{
    std::string const in = top + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                                 "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n"
                                 "Content-Type: multipart/mixed; boundary=i\r\n"
                                 "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                                 "--i\r\n\r\ntext=3D\r\n--i\r\n\r\nmore text\r\n--i--\r\n\r\n--b--\r\n";
    for (std::uint64_t budget = 0; budget < 2 * in.size(); ++budget) {
        m::sanitize_options o;
        o.parse_limits.max_steps = budget;
        auto r = m::sanitize(in, o);
        auto t = m::parse(r.message);
        EXPECT_EQ(t.all_defects, 0u) << budget << "\n" << r.message;
        for (auto const& p : t.parts) {
            if (p.is_message_root) {
                EXPECT_EQ(p.mime_version_count, 1u) << budget << "\n" << r.message;
            }
        }
    }
}

// Found by fuzzing: a MIME-Version 1.0 whose comment runs past
// max_field_bytes was copied; read within the limit, it is cut before its
// ")" and is no version at all. It is written as 1.0 instead.
TEST(Sanitizer, MimeVersionPastTheFieldLimitIsWrittenAgain)
{
    m::sanitize_options o;
    o.parse_limits.max_field_bytes = 300;
    std::string const in = "MIME-Version: 1.0 (" + std::string(300, 'n') + ")\r\nSubject: s\r\n\r\nbody\r\n";
    auto r = m::sanitize(in, o);
    auto t = m::parse(r.message, o.parse_limits);
    ASSERT_FALSE(t.parts.empty());
    EXPECT_EQ(t.parts[0].mime_version_count, 1u);
    EXPECT_TRUE(m::is_mime_version_1_0(t.parts[0].mime_version)) << r.message;
    EXPECT_NE(r.message.find("MIME-Version: 1.0\r\n"), std::string::npos);
    // Within the limit, the comment stays.
    std::string const fits = "MIME-Version: 1.0 (fine)\r\nSubject: s\r\n\r\nbody\r\n";
    EXPECT_NE(m::sanitize(fits, o).message.find("MIME-Version: 1.0 (fine)\r\n"), std::string::npos);
}

// Found by fuzzing: decoded composites inside decoded composites wrote
// more entities than max_parts allows, so the output did not parse again
// within the limits.
TEST(Sanitizer, DecodedCompositesStayWithinThePartLimit)
{
    auto wrap = [](std::string const& inner) {
        std::string e;
        m::encode_base64(inner, e);
        return "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + e;
    };
    std::string leaf = "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\na\r\n--x\r\n\r\nb\r\n--x--\r\n";
    std::string in = top + "Content-Type: multipart/mixed; boundary=o\r\n\r\n";
    for (int i = 0; i < 8; ++i)
        in += "--o\r\n" + wrap("Subject: s\r\n" + wrap("Subject: t\r\n" + leaf)) + "\r\n";
    in += "--o--\r\n";
    for (std::size_t max_parts : {10u, 20u, 40u, 100u}) {
        m::sanitize_options o;
        o.parse_limits.max_parts = max_parts;
        auto r = m::sanitize(in, o);
        auto t = m::parse(r.message, o.parse_limits);
        EXPECT_LE(t.parts.size(), max_parts);
        EXPECT_EQ(t.all_defects, 0u) << max_parts << "\n" << r.message;
    }
}

// A message with bare LF line ends (as stored in a Unix file) and nothing
// else to repair leaves as its CRLF form, line for line: base64 and
// quoted-printable bodies keep their lines (both decoders take any line
// end), empty preamble and epilogue lines stay, and a MIME-Version with a
// comment (RFC 2045 section 4) is kept as written. A signature over the
// CRLF form (S/MIME, PGP/MIME, DKIM) still holds. Base64 was encoded again
// with other line lengths, and the empty lines were dropped.
TEST(Sanitizer, BareLfMessageLeavesAsItsCrlfForm)
{
    std::string const b64 = "VGhpcyBpcyBhIHRlc3QgYXR0YWNobWVudC4gIFRoZSBtYWdpYyB3b3JkIGlzOiAgemFuemli\n"
                            "YXIuCg==\n";
    std::string const in = "From: a@example.com\n"
                           "Mime-Version: 1.0 (Mac OS X Mail 7.1 \\(1827\\))\n"
                           "Content-Type: multipart/signed; boundary=s; protocol=\"application/pkcs7-signature\"; "
                           "micalg=sha-256\n\n"
                           "--s\n"
                           "Content-Type: multipart/mixed; boundary=m\n\n\n"
                           "--m\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
                           "caf=C3=A9 and a long line that is broken with a soft line break =\nhere\n\n"
                           "--m\nContent-Type: text/plain; name=a.txt\nContent-Transfer-Encoding: base64\n\n" +
                           b64 + "\n--m--\n\n"
                                 "--s\nContent-Type: application/pkcs7-signature; name=smime.p7s\n"
                                 "Content-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgMFADCABgkqhkiG9w0BBwEAAKCC\n"
                                 "--s--\n";
    std::string crlf;
    for (char c : in)
        crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    for (bool seven : {false, true}) {
        m::sanitize_options o;
        o.seven_bit = seven;
        auto r = m::sanitize(in, o);
        EXPECT_EQ(r.message, crlf) << (seven ? "7bit" : "8bit");
        EXPECT_TRUE(has_change(r, "line_ends_normalized"));
        EXPECT_FALSE(has_change(r, "cte_reencoded"));
        EXPECT_FALSE(has_change(r, "mime_version_fixed"));
        // The CRLF form itself is clean and leaves untouched.
        auto again = m::sanitize(crlf, o);
        EXPECT_TRUE(again.unchanged);
        EXPECT_EQ(again.message, crlf);
    }
}

// Where a repair elsewhere makes the sanitizer write the message again,
// the empty lines around a nested multipart are still written: Apple Mail
// signs a multipart/alternative with an empty preamble and epilogue.
TEST(Sanitizer, EmptyPreambleAndEpilogueLinesAreKept)
{
    std::string const signed_part = "Content-Type: multipart/alternative; boundary=a\r\n\r\n\r\n"
                                    "--a\r\nContent-Type: text/plain\r\n\r\none\r\n"
                                    "--a\r\nContent-Type: text/html\r\n\r\n<p>one</p>\r\n"
                                    "--a--\r\n\r\n";
    std::string const in = "From: a@example.com\r\nSubject: caf\xc3\xa9\r\nMIME-Version: 1.0\r\n"
                           "Content-Type: multipart/signed; boundary=s; protocol=\"application/pgp-signature\"\r\n\r\n"
                           "--s\r\n" +
                           signed_part +
                           "--s\r\nContent-Type: application/pgp-signature\r\n\r\n"
                           "-----BEGIN PGP SIGNATURE-----\r\n-----END PGP SIGNATURE-----\r\n--s--\r\n";
    m::sanitize_options o;
    o.seven_bit = true; // the Subject must be encoded: the message is written again
    auto r = m::sanitize(in, o);
    EXPECT_FALSE(r.unchanged);
    EXPECT_TRUE(has_change(r, "header_encoded"));
    EXPECT_NE(r.message.find("\r\n--s\r\n" + signed_part + "--s\r\n"), std::string::npos) << r.message;
}

// A quoted-printable body that ends the message without a line end gets a
// soft line break ("=" CRLF), so the final CRLF adds nothing to its
// content; a last line of 76 octets, the most RFC 2045 allows, is split
// first (before its last character or "=XX" escape), so that the "=" does
// not make it 77 and the output is clean on a second run.
TEST(Sanitizer, QuotedPrintableEndingTheMessageStaysWithin76Octets)
{
    std::string const head = "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
                             "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    std::string const x75(75, 'x'), x73(73, 'x');
    struct {
        std::string body, want;
    } const cases[] = {
        {"short", "short=\r\n"},
        {x75 + "y", x75 + "=\r\ny=\r\n"},
        {x73 + "=41", x73 + "=\r\n=41=\r\n"},
        {"a\n" + x75 + "y", "a\r\n" + x75 + "=\r\ny=\r\n"}, // line ends made CRLF too
        {x75 + "y\r\n", x75 + "y\r\n"},
    };
    for (auto const& c : cases) {
        for (bool seven : {false, true}) {
            m::sanitize_options o;
            o.seven_bit = seven;
            auto r = m::sanitize(head + c.body, o);
            EXPECT_EQ(r.message, head + c.want) << c.body;
            EXPECT_FALSE(has_change(r, "cte_reencoded")) << c.body;
            auto again = m::sanitize(r.message, o);
            EXPECT_TRUE(again.unchanged) << c.body;
        }
    }
}

// A Content-Disposition whose type alone is longer than the field limit
// (limits::max_field_bytes) cannot be written back within it, whatever
// parameters are dropped: it is removed, so that the output parses again
// with no field over the limit.
TEST(Sanitizer, ContentDispositionTooLongForTheFieldLimitIsRemoved)
{
    m::sanitize_options o;
    o.parse_limits.max_field_bytes = 300;
    for (std::size_t len : {290u, 320u}) {
        auto in = top + "Content-Type: text/plain\r\nContent-Disposition: x" + std::string(len, 'z') +
                  "; filename=a.txt\r\n\r\nbody\r\n";
        auto r = m::sanitize(in, o);
        bool const fits = len < 300;
        EXPECT_EQ(r.message.find("Content-Disposition: x") != std::string::npos, fits) << len;
        EXPECT_TRUE(has_change(r, fits ? "parameter_dropped" : "header_fixed")) << len;
        auto tree = m::parse(r.message, o.parse_limits);
        EXPECT_EQ(tree.all_defects, 0u) << len;
    }
}

// The part at the part limit holds the rest of the message (delimiters
// and all): its encoding is checked over all of it, so an invalid rest is
// encoded again and the output parses again cleanly.
TEST(Sanitizer, EncodedPartAtThePartLimitIsCheckedOverTheRest)
{
    m::sanitize_options o;
    o.parse_limits.max_parts = 2;
    for (std::string_view cte : {"quoted-printable", "base64"}) {
        auto in = top + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: " +
                  std::string(cte) + "\r\n\r\nQUJD\r\n--b\r\nContent-Type: text/plain\r\n\r\n= not valid \r\n--b--\r\n";
        auto r = m::sanitize(in, o);
        EXPECT_TRUE(r.over_limit) << cte;
        EXPECT_TRUE(has_change(r, "cte_reencoded")) << cte;
        auto relaxed = o.parse_limits;
        relaxed.max_parts = 10;
        EXPECT_EQ(m::parse(r.message, relaxed).all_defects, 0u) << cte << "\n" << r.message;
    }
}
