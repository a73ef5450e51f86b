// tests/mime/parser_test.cpp: the push parser's promises. Same tree at every
// split point; each tolerated defect flagged where it was seen; limits give
// flags, not failures; the torture shapes finish with bounded memory.
#include "mime/sanitizer.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace m = x400gw::mime;
namespace t = x400gw::mime::test;

namespace {

std::string torture_nesting(int levels, bool closed)
{
    std::string s = "MIME-Version: 1.0\r\n";
    for (int i = 0; i < levels; ++i)
        s += "Content-Type: multipart/mixed; boundary=\"n" + std::to_string(i) + "x\"\r\n\r\n--n" +
             std::to_string(i) + "x\r\n";
    s += "Content-Type: text/plain\r\n\r\ndeepest\r\n";
    if (closed)
        for (int i = levels; i-- > 0;)
            s += "--n" + std::to_string(i) + "x--\r\n";
    return s;
}

std::string torture_parts(int n)
{
    std::string s = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"s\"\r\n\r\n";
    for (int i = 0; i < n; ++i)
        s += "--s\r\nContent-Type: text/plain\r\n\r\npart " + std::to_string(i) + "\r\n";
    return s + "--s--\r\n";
}

bool has_flag(m::part const& p, m::defect d) { return p.has(d); }

} // namespace

// The Exchange connector incident: a part whose Content-Type has nothing
// after the colon. It must parse, take the RFC 2045 default, and be flagged.
TEST(Parser, EmptyContentTypeTakesTheDefault)
{
    std::string s = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                    "--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\nContent-Type:\r\n\r\ntwo\r\n--b--\r\n";
    auto msg = m::parse(s);
    ASSERT_EQ(msg.parts.size(), 3u);
    auto const& p = msg.parts[2];
    EXPECT_TRUE(has_flag(p, m::defect::content_type_empty));
    EXPECT_TRUE(p.content_type_defaulted);
    EXPECT_EQ(p.content_type.type, "text");
    EXPECT_EQ(p.content_type.subtype, "plain");
    EXPECT_EQ(*p.content_type.param("charset"), "us-ascii");
    EXPECT_EQ(s.substr(p.body_begin, p.body_end - p.body_begin), "two");
    EXPECT_EQ(m::describe(msg),
              "((\"text\" \"plain\" NIL NIL NIL \"7BIT\" 3 1 NIL NIL NIL NIL)"
              "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 3 1 NIL NIL NIL NIL)"
              " \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)");
}

TEST(Parser, DigestDefaultsToMessageRfc822)
{
    std::string s = "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: a\r\n\r\nx\r\n--d--\r\n";
    auto msg = m::parse(s);
    ASSERT_GE(msg.parts.size(), 3u);
    EXPECT_EQ(msg.parts[1].content_type.type, "message");
    EXPECT_TRUE(msg.parts[1].is_message());
    EXPECT_EQ(msg.parts[2].envelope[static_cast<int>(m::envelope_field::subject)], "a");
}

TEST(Parser, SameTreeAtEverySplitPoint)
{
    for (auto const& f : t::case_files()) {
        auto s = t::read_file(f);
        if (s.size() > 6000)
            continue;
        auto whole = t::fingerprint(m::parse(s));
        for (std::size_t cut = 0; cut <= s.size(); ++cut) {
            m::parser p;
            p.feed(std::string_view(s).substr(0, cut));
            p.feed(std::string_view(s).substr(cut));
            ASSERT_EQ(t::fingerprint(p.finish()), whole) << f << " cut at " << cut;
        }
    }
}

TEST(Parser, SameTreeOneByteAtATime)
{
    for (auto const& f : t::case_files()) {
        auto s = t::read_file(f);
        EXPECT_EQ(t::fingerprint(t::parse_in_pieces(s, 1)), t::fingerprint(m::parse(s))) << f;
    }
}

TEST(Parser, LineEndsOfEveryKindAreCountedAndFlagged)
{
    auto msg = m::parse("Content-Type: text/plain\n\na\nb\rc\r\nd");
    auto const& p = msg.parts[0];
    EXPECT_TRUE(has_flag(p, m::defect::bare_lf));
    EXPECT_TRUE(has_flag(p, m::defect::bare_cr));
    EXPECT_EQ(p.lines, 4u);       // a, b, c, and the unterminated d
    EXPECT_EQ(p.size, 10u);       // each line end counted as two octets
}

// The body is skipped eight octets at a time where it holds none of NUL,
// CR, LF or an octet above 127: each is found wherever it falls in a word,
// and the lines and their sizes are what the octets say.
TEST(Parser, SpecialOctetsAreFoundAtEveryPositionOfAWord)
{
    std::string const head = "Content-Type: text/plain\r\n\r\n";
    for (std::size_t n = 1; n <= 40; ++n) {
        auto plain = m::parse(head + std::string(n, 'a') + "\r\n");
        EXPECT_FALSE(plain.parts[0].body_8bit || plain.parts[0].body_nul || plain.parts[0].body_bare_eol) << n;
        EXPECT_EQ(plain.parts[0].lines, 1u) << n;
        for (std::size_t at = 0; at < n; ++at) {
            for (char c : {'\0', '\x80', '\xff', '\r', '\n'}) {
                std::string body(n, 'a');
                body[at] = c;
                auto msg = m::parse(head + body + "\r\n");
                auto const& p = msg.parts[0];
                EXPECT_EQ(p.body_nul, c == '\0') << n << " " << at;
                EXPECT_EQ(p.body_8bit, c == '\x80' || c == '\xff') << n << " " << at;
                EXPECT_EQ(p.body_bare_eol, c == '\r' || c == '\n') << n << " " << at;
                EXPECT_EQ(p.lines, c == '\r' || c == '\n' ? 2u : 1u) << n << " " << at;
            }
        }
    }
}

// A message whose first line end is a bare CR (classic Mac OS) has bare-CR
// line ends: they end header lines too, and its fields and body are found.
// Elsewhere a bare CR in a header is a character of the line.
TEST(Parser, BareCrLineEndsEndHeaderLinesWhenTheFirstLineEndIsOne)
{
    auto mac = m::parse("Subject: s\rContent-Type: text/html\r\rbody\rmore\r");
    EXPECT_TRUE(mac.cr_line_ends);
    ASSERT_EQ(mac.parts.size(), 1u);
    EXPECT_EQ(mac.parts[0].content_type.subtype, "html");
    EXPECT_TRUE(has_flag(mac.parts[0], m::defect::bare_cr));
    EXPECT_EQ(mac.parts[0].lines, 2u);
    auto stray = m::parse("Subject: a\r\nX: c\rContent-Type: text/plain\r\nContent-Type: text/html\r\n\r\nbody\r\n");
    EXPECT_FALSE(stray.cr_line_ends);
    EXPECT_EQ(stray.parts[0].content_type.subtype, "html");
    // Doubled line ends ("\r\r\n", a CRLF converted twice) are one each:
    // the header ends at its line of a lone CR.
    auto doubled = m::parse("Subject: s\r\r\nContent-Type: text/html\r\r\n\r\r\nbody\r\r\n");
    EXPECT_FALSE(doubled.cr_line_ends);
    EXPECT_EQ(doubled.parts[0].content_type.subtype, "html");
    EXPECT_FALSE(has_flag(doubled.parts[0], m::defect::header_without_colon));
    // Split anywhere, the same.
    for (std::string s : {"Subject: s\rContent-Type: text/html\r\rbody\r",
                          "Subject: s\r\r\nContent-Type: text/html\r\r\n\r\r\nbody\r\r\n"})
        EXPECT_EQ(t::fingerprint(t::parse_in_pieces(s, 1)), t::fingerprint(m::parse(s)));
}

// A multipart's header line that starts with its own boundary without
// being a delimiter ("--b" CR "Content-Type: ..." read as one line) is
// content holding the boundary.
TEST(Parser, HeaderLineStartingWithItsOwnBoundaryIsFlagged)
{
    auto msg = m::parse("Content-Type: multipart/mixed; boundary=b\r\n--b\rX-Field: v\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n");
    EXPECT_TRUE(has_flag(msg.parts[0], m::defect::boundary_in_content));
    EXPECT_FALSE(has_flag(msg.parts[0], m::defect::header_not_ended));
}

// A multipart labelled quoted-printable or base64 (RFC 2045 6.4 forbids
// it) is an opaque leaf; when its header ends at its own delimiter, that
// line is the first of its body and its encoding is checked over it too:
// "--b " has trailing white space, which quoted-printable does not allow.
TEST(Parser, FirstBodyLineOfAnEncodedCompositeWithoutEmptyLineIsValidated)
{
    auto qp = m::parse("Content-Type: multipart/mixed; boundary=b\r\nContent-Transfer-Encoding: quoted-printable\r\n"
                       "--b \r\nx\r\n");
    ASSERT_EQ(qp.parts.size(), 1u);
    EXPECT_TRUE(has_flag(qp.parts[0], m::defect::header_not_ended));
    EXPECT_TRUE(has_flag(qp.parts[0], m::defect::encoded_composite));
    EXPECT_TRUE(has_flag(qp.parts[0], m::defect::invalid_qp));
    auto b64 = m::parse("Content-Type: multipart/mixed; boundary=b\r\nContent-Transfer-Encoding: base64\r\n"
                        "--b\r\nQUJD\r\n");
    EXPECT_TRUE(has_flag(b64.parts[0], m::defect::invalid_base64));
}

TEST(Parser, HeaderDefectsAreFlagged)
{
    auto msg = m::parse(" lead\r\nFrom : a\r\nno colon here\r\nBad Name: x\r\nContent-Type: text/html\r\n"
                        "Content-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\n"
                        "Content-Transfer-Encoding: base64\r\nX: \xff\r\n\r\nbody");
    auto const& p = msg.parts[0];
    for (auto d : {m::defect::header_starts_with_space, m::defect::space_before_colon,
                   m::defect::header_without_colon, m::defect::invalid_field_name,
                   m::defect::duplicate_content_type, m::defect::duplicate_cte, m::defect::eight_bit_header,
                   m::defect::missing_mime_version})
        EXPECT_TRUE(has_flag(p, d)) << m::defect_name(d);
    EXPECT_EQ(p.content_type.subtype, "html"); // the first wins
    EXPECT_EQ(p.encoding, m::transfer_encoding::seven_bit);
}

TEST(Parser, MultipartDefectsAreFlagged)
{
    auto none = m::parse("Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\nall of it\r\n");
    EXPECT_TRUE(has_flag(none.parts[0], m::defect::missing_boundary));
    ASSERT_EQ(none.parts.size(), 2u);
    EXPECT_TRUE(none.parts[1].synthesized);

    auto lost = m::parse("Content-Type: multipart/mixed; boundary=q\r\n\r\nno delimiter\r\n");
    EXPECT_TRUE(has_flag(lost.parts[0], m::defect::boundary_not_found));

    auto open = m::parse("Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n\r\nx\r\n");
    EXPECT_TRUE(has_flag(open.parts[0], m::defect::unterminated_multipart));

    // A delimiter with no line end at the end of the input opens no part.
    auto cut = m::parse("Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n\r\nx\r\n--q");
    EXPECT_TRUE(has_flag(cut.parts[0], m::defect::unterminated_multipart));
    ASSERT_EQ(cut.parts.size(), 2u);
    EXPECT_EQ(cut.parts[1].size, 1u);
    auto cut_inner = m::parse("Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n"
                              "Content-Type: multipart/mixed; boundary=r\r\n\r\n--r\r\n\r\ny\r\n--r");
    ASSERT_EQ(cut_inner.parts.size(), 3u);
    EXPECT_TRUE(has_flag(cut_inner.parts[1], m::defect::unterminated_multipart));
    auto cut_after_eol = m::parse("Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n\r\nx\r\n--q\r\n");
    EXPECT_EQ(cut_after_eol.parts.size(), 3u);   // an empty part, as before

    auto empty = m::parse("Content-Type: multipart/mixed; boundary=q\r\n\r\n--q--\r\n");
    EXPECT_TRUE(has_flag(empty.parts[0], m::defect::empty_multipart));
    EXPECT_NE(m::describe(empty).find("(\"text\" \"plain\""), std::string::npos);

    auto junk = m::parse("Content-Type: multipart/mixed; boundary=q\r\n\r\n--q  junk\r\n\r\nx\r\n--q--\r\n");
    EXPECT_TRUE(has_flag(junk.parts[0], m::defect::boundary_junk));
    EXPECT_EQ(junk.parts.size(), 2u);

    // "--n10" ends nothing when the open boundaries are n1 and n10x.
    auto prefix = m::parse("Content-Type: multipart/mixed; boundary=n1\r\n\r\n--n1\r\n"
                           "Content-Type: multipart/mixed; boundary=n10x\r\n\r\n--n10x\r\n\r\na\r\n--n10x--\r\n--n1--\r\n");
    EXPECT_TRUE(has_flag(prefix.parts[1], m::defect::boundary_prefix));
    EXPECT_FALSE(has_flag(prefix.parts[0], m::defect::boundary_junk));
    EXPECT_EQ(prefix.parts.size(), 3u);
}

TEST(Parser, EncodingDefectsAreFlagged)
{
    auto b64 = m::parse("Content-Transfer-Encoding: base64\r\n\r\naGVs*bG8=\r\n");
    EXPECT_TRUE(has_flag(b64.parts[0], m::defect::invalid_base64));
    auto qp = m::parse("Content-Transfer-Encoding: quoted-printable\r\n\r\nbad =ZZ\r\n");
    EXPECT_TRUE(has_flag(qp.parts[0], m::defect::invalid_qp));
    auto unk = m::parse("Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n");
    EXPECT_TRUE(has_flag(unk.parts[0], m::defect::unknown_cte));
    auto comp = m::parse("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogeA0KDQp4\r\n");
    EXPECT_TRUE(has_flag(comp.parts[0], m::defect::encoded_composite));
    EXPECT_TRUE(comp.parts[0].opaque);
    auto eight = m::parse("Content-Type: text/plain\r\n\r\ncaf\xc3\xa9\r\n\0nul");
    EXPECT_TRUE(has_flag(eight.parts[0], m::defect::eight_bit_in_7bit));
}

TEST(Parser, DepthLimitKeepsTheRestOpaque)
{
    auto msg = m::parse(torture_nesting(1000, true));
    EXPECT_TRUE(msg.over_limit);
    m::limits l;
    std::size_t opaque = 0;
    for (auto const& p : msg.parts) {
        EXPECT_LE(p.depth, l.max_depth);
        if (p.opaque) {
            ++opaque;
            EXPECT_TRUE(has_flag(p, m::defect::depth_limit));
        }
    }
    EXPECT_EQ(opaque, 1u);
    EXPECT_FALSE(m::describe(msg).empty());
}

TEST(Parser, PartLimitMakesOneOpaqueRest)
{
    auto s = torture_parts(20000);
    auto msg = m::parse(s);
    m::limits l;
    EXPECT_EQ(msg.parts.size(), l.max_parts);
    auto const& last = msg.parts.back();
    EXPECT_TRUE(last.opaque);
    EXPECT_TRUE(has_flag(last, m::defect::part_limit));
    EXPECT_EQ(last.body_end, s.size());
}

TEST(Parser, HugeHeaderAndLineStayBounded)
{
    std::string s = "MIME-Version: 1.0\r\n";
    for (int i = 0; i < 100000; ++i)
        s += "X-Field-" + std::to_string(i) + ": value\r\n";
    s += "Content-Type: text/html\r\n\r\nbody\r\n";
    auto msg = m::parse(s);
    EXPECT_TRUE(has_flag(msg.parts[0], m::defect::header_limit));
    EXPECT_EQ(s.substr(msg.parts[0].body_begin), "body\r\n");

    std::string line = "Content-Type: text/plain\r\nSubject: " + std::string(10 * 1024 * 1024, 'h') +
                       "\r\n\r\n" + std::string(10 * 1024 * 1024, 'b') + "\r\n";
    auto big = m::parse(line);
    EXPECT_TRUE(has_flag(big.parts[0], m::defect::long_line));
    EXPECT_EQ(big.parts[0].size, 10u * 1024 * 1024 + 2);
}

TEST(Parser, ContentTypeFieldOverTheLimitIsTruncated)
{
    m::limits l;
    l.max_field_bytes = 100;
    std::string s = "Content-Type: text/plain; name=\"" + std::string(500, 'n') + "\"\r\n\r\nx";
    auto msg = m::parse(s, l);
    EXPECT_TRUE(has_flag(msg.parts[0], m::defect::field_truncated));
}

// Found by mime_sanitize_fuzz: a Content-Type folded across the header
// limit was read in part but not flagged, and the sanitizer copied the
// whole field, parameters it never read (an RFC 2231 gap) included.
TEST(Parser, ContentTypeFoldedAcrossTheHeaderLimitIsTruncated)
{
    m::limits l;
    l.max_header_bytes = 200;
    std::string s = "MIME-Version: 1.0\r\n" + std::string("X-Pad: ") + std::string(100, 'p') + "\r\n" +
                    "Content-Type: application/octet-stream;\r\n name=\"file\";\r\n" +
                    " title*0=a; title*2=c\r\n\r\nbody\r\n";
    auto msg = m::parse(s, l);
    EXPECT_TRUE(has_flag(msg.parts[0], m::defect::header_limit));
    EXPECT_TRUE(has_flag(msg.parts[0], m::defect::field_truncated));
    EXPECT_EQ(*msg.parts[0].content_type.param("name"), "file");
    m::sanitize_options o;
    o.parse_limits = l;
    auto const out = m::sanitize(s, msg, o).message;
    EXPECT_EQ(out.find("title"), std::string::npos) << out;
    EXPECT_NE(out.find("Content-Type: application/octet-stream; name=file\r\n"), std::string::npos) << out;
}

TEST(Parser, NeverThrowsOnNoise)
{
    std::string noise;
    std::uint32_t x = 12345;
    for (int i = 0; i < 200000; ++i) {
        x = x * 1103515245 + 12345;
        static constexpr char alphabet[] = "-\r\n:; =\"\t\0abc\xff";
        noise.push_back(alphabet[(x >> 16) % (sizeof alphabet - 1)]);
        if (i % 5000 == 0)
            noise += "\r\n--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
    }
    EXPECT_NO_THROW({
        auto msg = t::parse_in_pieces(noise, 7);
        (void)m::describe(msg);
        (void)m::describe_json(msg);
    });
}

// Found by mime_parser_fuzz: a message/rfc822 part whose header is cut by
// the next delimiter (or the end) has an empty message inside, which must
// get its header ended and its default type like any other entity.
TEST(Parser, Rfc822HeaderCutByTheEndStillHasAnEmptyMessage)
{
    for (std::string s : {std::string("Content-Type: message/rfc822"),
                          std::string("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                                      "Content-Type: message/rfc822\r\n--b--\r\n")}) {
        auto msg = m::parse(s);
        for (auto const& p : msg.parts) {
            EXPECT_FALSE(p.content_type.type.empty()) << s;
            EXPECT_FALSE(p.content_type.subtype.empty()) << s;
        }
        auto const& inner = msg.parts.back();
        EXPECT_EQ(inner.content_type.type, "text");
        EXPECT_TRUE(msg.parts[inner.parent].is_message());
    }
}

// Found by mime_parser_fuzz: "--inner" then "--outer" at once. The line end
// between them belongs to the outer delimiter, so the part the inner one
// opened is empty and must lie inside its parent.
TEST(Parser, DelimiterRightAfterDelimiterOpensAnEmptyPartInside)
{
    std::string s = "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
                    "Content-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\n\r\nx\r\n--i\r\n--o--\r\n";
    auto msg = m::parse(s);
    for (auto const& p : msg.parts) {
        ASSERT_LE(p.header_begin, p.body_end);
        if (p.parent == m::no_part)
            continue;
        auto const& parent = msg.parts[p.parent];
        EXPECT_GE(p.header_begin, parent.body_begin);
        EXPECT_LE(p.body_end, parent.body_end);
    }
    ASSERT_EQ(msg.parts.size(), 4u);
    EXPECT_EQ(msg.parts[3].body_begin, msg.parts[3].body_end);
}

// limits::max_steps: the tree is the same at every split, and the rest
// after the budget is one opaque part, flagged and over the limit.
TEST(Parser, StepLimitKeepsTheRestOpaqueAtEverySplit)
{
    std::string in = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
    for (int i = 0; i < 30; ++i)
        in += "--b\r\nContent-Type: text/plain\r\n\r\npart " + std::to_string(i) + "\r\n";
    in += "--b--\r\n";
    m::limits l;
    l.max_steps = 600;
    auto whole = m::parse(in, l);
    EXPECT_TRUE(whole.over_limit);
    EXPECT_TRUE(whole.all_defects & m::bit(m::defect::step_limit));
    EXPECT_LE(whole.steps, l.max_steps + 200);
    auto const& last = whole.parts.back();
    EXPECT_TRUE(last.opaque);
    EXPECT_EQ(last.body_end, in.size());
    for (std::size_t piece : {1u, 2u, 3u, 7u, 64u})
        EXPECT_EQ(t::fingerprint(t::parse_in_pieces(in, piece, l)), t::fingerprint(whole)) << piece;
    l.max_steps = m::limits{}.max_steps;
    EXPECT_FALSE(m::parse(in, l).over_limit);
}

// An invalid Content-Type (no subtype, a type that is no token) takes the
// default too, but its parameters stay: the charset of the text, the name
// of an attachment (flanker's "Content-Type: ; name=...", MimeKit's
// "application-x-gzip; name=..."). They were dropped with the type.
TEST(Parser, AnInvalidContentTypeKeepsItsParameters)
{
    auto t = m::parse("Content-Type: text; charset=iso-8859-1; name=\"a b.txt\"\r\n\r\ncaf\xe9\r\n");
    auto const& p = t.parts[0];
    EXPECT_TRUE(p.has(m::defect::content_type_invalid));
    EXPECT_TRUE(p.content_type_defaulted);
    EXPECT_EQ(p.content_type.type + "/" + p.content_type.subtype, "text/plain");
    ASSERT_EQ(p.content_type.params.size(), 2u);
    EXPECT_EQ(*p.content_type.param("charset"), "iso-8859-1");
    EXPECT_EQ(*p.content_type.param("name"), "a b.txt");
    t = m::parse("Content-Type: ; name=report.bin\r\n\r\nx\r\n");
    EXPECT_EQ(t.parts[0].content_type.params.size(), 2u);
    EXPECT_EQ(*t.parts[0].content_type.param("charset"), "us-ascii"); // the default's, first
    EXPECT_EQ(t.parts[0].content_type.params[1].name, "name");
    t = m::parse("Content-Type: \r\n\r\nx\r\n"); // nothing to keep
    EXPECT_EQ(t.parts[0].content_type.params.size(), 1u);
}

TEST(Parser, LineStartingWithAnOpenBoundaryIsFlagged)
{
    auto t = m::parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n--bX\r\n--b--\r\n");
    EXPECT_TRUE(t.parts[0].has(m::defect::boundary_in_content));
    t = m::parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n--c\r\n--b--\r\n--b\r\n");
    EXPECT_TRUE(t.parts[0].has(m::defect::boundary_in_content)); // in its own epilogue
    t = m::parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n-- b\r\n--b--\r\n");
    EXPECT_FALSE(t.parts[0].has(m::defect::boundary_in_content));
    // RFC 6838 4.2: no type name over 127 characters.
    t = m::parse("Content-Type: text/" + std::string(128, 'x') + "\r\n\r\nx\r\n");
    EXPECT_TRUE(t.parts[0].content_type_defaulted);
}

// Found by fuzzing: an empty multipart early in a message that later
// reaches max_parts. The sanitizer adds a part to it, so its slot is
// taken when it closes; otherwise the output had one part too many.
TEST(Parser, EmptyMultipartTakesItsSlotBeforeThePartLimit)
{
    std::string in = "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=s\r\n\r\n"
                     "--s\r\nContent-Type: multipart/alternative; boundary=e\r\n\r\n--e--\r\n";
    for (int i = 0; i < 20; ++i)
        in += "--s\r\nContent-Type: text/plain\r\n\r\np\r\n";
    in += "--s--\r\n";
    m::limits l;
    l.max_parts = 10;
    auto r = m::sanitize(in, m::sanitize_options{false, l});
    auto t = m::parse(r.message, l);
    EXPECT_LE(t.parts.size(), l.max_parts);
    EXPECT_EQ(t.all_defects, 0u) << r.message;
}
