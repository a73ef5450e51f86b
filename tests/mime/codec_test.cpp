// tests/mime/codec_test.cpp: base64, quoted-printable and header codecs.
#include "mime/codec.hpp"
#include "mime/header_codec.hpp"

#include <gtest/gtest.h>

#include <random>

namespace m = x400gw::mime;

namespace {

std::string random_octets(std::mt19937& rng, std::size_t n, bool texty)
{
    std::string s;
    std::uniform_int_distribution<int> any(0, 255), ascii(32, 126), pick(0, 19);
    for (std::size_t i = 0; i < n; ++i) {
        if (texty) {
            int k = pick(rng);
            s.push_back(k == 0 ? '\n' : k == 1 ? '\r' : k == 2 ? '-' : k == 3 ? '.' : k == 4 ? ' '
                        : k == 5 ? static_cast<char>(any(rng)) : static_cast<char>(ascii(rng)));
        } else {
            s.push_back(static_cast<char>(any(rng)));
        }
    }
    return s;
}

std::vector<std::string_view> lines_of(std::string_view s)
{
    std::vector<std::string_view> v;
    while (!s.empty()) {
        auto p = s.find("\r\n");
        v.push_back(s.substr(0, p));
        s = p == std::string_view::npos ? std::string_view{} : s.substr(p + 2);
    }
    return v;
}

} // namespace

TEST(Base64, RoundTripsAnyOctetsWithShortLines)
{
    std::mt19937 rng(5);
    for (std::size_t n : {0, 1, 2, 3, 56, 57, 58, 1000}) {
        auto data = random_octets(rng, n, false);
        std::string enc, dec;
        m::encode_base64(data, enc);
        for (auto l : lines_of(enc))
            EXPECT_LE(l.size(), 76u);
        EXPECT_TRUE(m::decode_base64(enc, dec));
        EXPECT_EQ(dec, data);
        m::base64_validator v;
        for (auto l : lines_of(enc)) {
            v.feed(l);
            v.end_line();
        }
        EXPECT_TRUE(v.valid());
        EXPECT_FALSE(v.long_line());
    }
}

TEST(Base64, InvalidInputDecodesAsFarAsItGoes)
{
    std::string out;
    EXPECT_FALSE(m::decode_base64("aGVs*bG8=", out)); // bad character
    EXPECT_EQ(out, "hello");
    out.clear();
    EXPECT_FALSE(m::decode_base64("aGVsbG", out)); // truncated
    EXPECT_EQ(out, "hell");
    out.clear();
    EXPECT_FALSE(m::decode_base64("aA==aA==", out)); // glued encodings
    EXPECT_EQ(out, "hh");
    m::base64_validator v;
    v.feed("aGVsbG8=x");
    EXPECT_FALSE(v.valid());
}

// A base64 label on text that was never encoded: lines of words (three,
// or most of them). Damaged base64 has none; encoded output never has one.
TEST(Base64, FalseLabelIsTextInLinesOfWords)
{
    EXPECT_TRUE(m::base64_label_is_false("Your message could not be delivered.\r\n"));
    EXPECT_TRUE(m::base64_label_is_false("Reporting-MTA: dns; mx.example.org\r\n\r\nAction: failed\r\n"));
    std::string encoded;
    m::encode_base64(std::string(3000, 'x') + "some text with spaces in it", encoded);
    EXPECT_FALSE(m::base64_label_is_false(encoded));
    EXPECT_FALSE(m::base64_label_is_false("SGVsbG8*gd29y!bGQ=extra\r\n"));
    EXPECT_FALSE(m::base64_label_is_false(""));
    // A few lines of words among many base64 ones: a message/partial that
    // holds an encoded attachment.
    std::string partial = "From: a@example.com\r\nSubject: part one of three\r\nTo: b@example.org\r\n\r\n" + encoded;
    EXPECT_TRUE(m::base64_label_is_false(partial));
}

TEST(QuotedPrintable, RoundTripsTextAndBinary)
{
    std::mt19937 rng(7);
    for (bool text : {true, false}) {
        for (std::size_t n : {0, 1, 75, 76, 77, 500, 3000}) {
            auto data = random_octets(rng, n, true);
            std::string enc, dec;
            m::encode_qp(data, enc, text);
            for (auto l : lines_of(enc)) {
                EXPECT_LE(l.size(), 76u);
                if (!l.empty()) {
                    EXPECT_NE(l[0], '-') << "a line could look like a delimiter";
                    EXPECT_NE(l[0], '.');
                }
            }
            EXPECT_TRUE(m::decode_qp(enc, dec)) << enc;
            std::string want = data;
            if (text) { // text line ends are canonical CRLF
                std::string t;
                for (std::size_t i = 0; i < data.size(); ++i) {
                    if (data[i] == '\r' || data[i] == '\n') {
                        t += "\r\n";
                        if (data[i] == '\r' && i + 1 < data.size() && data[i + 1] == '\n')
                            ++i;
                    } else {
                        t.push_back(data[i]);
                    }
                }
                want = t;
            }
            EXPECT_EQ(dec, want);
            m::qp_validator v;
            for (auto l : lines_of(enc)) {
                v.feed(l);
                v.end_line();
            }
            EXPECT_TRUE(v.valid(true));
        }
    }
}

// "=0D" at the end of a line decodes to CR before the line's CRLF; as
// text it is encoded back as =0D, not as a second line end (an empty line
// the sender never wrote).
TEST(QuotedPrintable, CarriageReturnBeforeALineEndStaysAnOctet)
{
    std::string decoded, again;
    m::decode_qp("ist bearbeitet;=0D\nKu=DF!\n", decoded);
    EXPECT_EQ(decoded, "ist bearbeitet;\r\r\nKu\xdf!\r\n");
    m::encode_qp(decoded, again, true);
    EXPECT_EQ(again, "ist bearbeitet;=0D\r\nKu=DF!\r\n");
    again.clear();
    m::encode_qp("a\rb\r\n", again, true); // a bare CR elsewhere is a line end
    EXPECT_EQ(again, "a\r\nb\r\n");
}

TEST(QuotedPrintable, InvalidInputIsFlaggedAndKept)
{
    std::string out;
    EXPECT_FALSE(m::decode_qp("a=ZZb", out));
    EXPECT_EQ(out, "a=ZZb");
    out.clear();
    EXPECT_FALSE(m::decode_qp("lower=e9", out));
    EXPECT_EQ(out, "lower\xe9");
    out.clear();
    EXPECT_FALSE(m::decode_qp("soft at end=", out));
    EXPECT_EQ(out, "soft at end");
    m::qp_validator v;
    v.feed("ok=3D");
    v.end_line();
    v.feed("soft=");
    v.end_line();
    EXPECT_TRUE(v.valid(true));
    EXPECT_FALSE(v.valid(false)); // the soft break's line end was the delimiter's
}

TEST(ContentType, ParsesParametersCommentsAndRfc2231)
{
    m::field_value v;
    m::defect_set d = 0;
    ASSERT_TRUE(m::parse_field_value("Text/Plain (comment (nested)); Charset=\"utf-8\" (x); format=flowed;", true,
                                      64, v, d));
    EXPECT_EQ(v.type, "text");
    EXPECT_EQ(v.subtype, "plain");
    ASSERT_NE(v.param("charset"), nullptr);
    EXPECT_EQ(*v.param("charset"), "utf-8");
    EXPECT_EQ(*v.param("format"), "flowed");
    EXPECT_EQ(d, 0u);

    m::field_value w;
    d = 0;
    ASSERT_TRUE(m::parse_field_value(
        "application/x-stuff; title*2=\"three\"; title*0*=us-ascii'en'This%20is; title*1=\" two \"", true, 64, w, d));
    EXPECT_EQ(*w.param("title"), "This is two three");
    EXPECT_EQ(w.params[0].charset, "us-ascii");
    EXPECT_EQ(d, 0u);

    m::field_value gap;
    d = 0;
    m::parse_field_value("a/b; n*0=x; n*2=z", true, 64, gap, d);
    EXPECT_EQ(*gap.param("n"), "xz");
    EXPECT_TRUE(d & m::bit(m::defect::parameter_invalid));

    // The charset on a later segment (Stalwart's IMAP test message): a
    // prefix, taken as the charset when none came before (it was kept in
    // the name: "Book about utf-8''...").
    m::field_value late;
    d = 0;
    m::parse_field_value("image/gif; name*1=\"about \"; name*0=\"Book \";\r\n name*2*=utf-8''%e2%98%95 tables.gif; "
                         "t*0*=iso-8859-1''caf%e9; t*1*=utf-8''s",
                         true, 64, late, d);
    EXPECT_EQ(*late.param("name"), "Book about \xe2\x98\x95 tables.gif");
    EXPECT_EQ(late.params[0].charset, "utf-8");
    EXPECT_EQ(*late.param("t"), "caf\xe9s");
    EXPECT_EQ(late.params[1].charset, "iso-8859-1"); // the first one given
    EXPECT_TRUE(d & m::bit(m::defect::parameter_invalid));
}

// A parameter whose ';' is missing (RFC 2046 5.2.3.7's own example) is
// read as the next parameter, after a quoted value or an unquoted one; an
// unquoted value with spaces and no "name=" after them stays one value.
TEST(ContentType, ReadsAParameterWhoseSemicolonIsMissing)
{
    m::field_value v;
    m::defect_set d = 0;
    ASSERT_TRUE(m::parse_field_value("message/external-body;  access-type=mail-server   server=\"list@bogus.bitnet\"; "
                                     "expiration=\"Fri, 14 Jun 1991\"",
                                     true, 64, v, d));
    ASSERT_NE(v.param("access-type"), nullptr);
    EXPECT_EQ(*v.param("access-type"), "mail-server");
    ASSERT_NE(v.param("server"), nullptr);
    EXPECT_EQ(*v.param("server"), "list@bogus.bitnet");
    EXPECT_EQ(*v.param("expiration"), "Fri, 14 Jun 1991");
    EXPECT_TRUE(d & m::bit(m::defect::parameter_invalid));

    m::field_value q;
    d = 0;
    ASSERT_TRUE(m::parse_field_value("application/pdf; name=\"a b.pdf\" size = 12 x*0=y", true, 64, q, d));
    EXPECT_EQ(*q.param("name"), "a b.pdf");
    EXPECT_EQ(*q.param("size"), "12");
    EXPECT_EQ(*q.param("x"), "y");

    m::field_value u;
    d = 0;
    ASSERT_TRUE(m::parse_field_value("text/plain; name=this is a test.txt", true, 64, u, d));
    EXPECT_EQ(*u.param("name"), "this is a test.txt");
    EXPECT_EQ(u.params.size(), 1u);
}

// Parentheses inside an unquoted word are the value's, as readers take
// them (enmime's "name=Invoice_(302232133150612).pdf": the name was cut
// to "Invoice_" and written back so); a comment after white space, or at
// the value's end, is still a comment. A quoted string glued to a word
// likewise (name=3D"a.jpg" was cut to "3D").
TEST(ContentType, ParenthesesInsideAnUnquotedValueAreItsOwn)
{
    m::field_value v;
    m::defect_set d = 0;
    ASSERT_TRUE(m::parse_field_value("application/pdf; name=Invoice_(302232133150612).pdf; x=a(b)c(d)e", true, 64, v,
                                     d));
    EXPECT_EQ(*v.param("name"), "Invoice_(302232133150612).pdf");
    EXPECT_EQ(*v.param("x"), "a(b)c(d)e");
    EXPECT_TRUE(d & m::bit(m::defect::parameter_invalid)); // no token: written quoted
    m::field_value c;
    ASSERT_TRUE(m::parse_field_value("text/plain; charset=us-ascii (Plain text); a=b(c); n=x(y) z; u=(v)w", true, 64,
                                     c, d));
    EXPECT_EQ(*c.param("charset"), "us-ascii");
    EXPECT_EQ(*c.param("a"), "b");
    EXPECT_EQ(*c.param("n"), "x"); // "(y)" ends the word: a comment, then junk
    EXPECT_EQ(*c.param("u"), "w"); // a comment before the value
    // A quoted string glued to a word is the value's too, quotes and all
    // (a header that went through quoted-printable: name=3D"a.jpg").
    m::field_value q;
    ASSERT_TRUE(m::parse_field_value("image/jpeg; name=3D\"inline.jpg\"; x=a\"b\\\"c\"; y=z \"w\"; u=a\"b", true, 64,
                                     q, d));
    EXPECT_EQ(*q.param("name"), "3D\"inline.jpg\"");
    EXPECT_EQ(*q.param("x"), "a\"b\\\"c\"");
    EXPECT_EQ(*q.param("y"), "z");   // after white space: junk
    EXPECT_EQ(*q.param("u"), "a\"b"); // never closed: the rest of the field
    m::field_value open;
    m::defect_set od = 0;
    ASSERT_TRUE(m::parse_field_value("image/jpeg; name=a\"b; x=y", true, 64, open, od));
    EXPECT_EQ(*open.param("name"), "a\"b; x=y");
    EXPECT_EQ(open.param("x"), nullptr);
    EXPECT_NE(od & m::bit(m::defect::parameter_invalid), 0u);
}

TEST(ContentType, RefusesWhatHasNoUsableType)
{
    for (std::string_view bad : {"", "text", "/plain", "text/", "te xt/plain", "t\xe9xt/plain", "??? garbage",
                                 "text/plain/extra"}) {
        m::field_value v;
        m::defect_set d = 0;
        EXPECT_FALSE(m::parse_field_value(bad, true, 64, v, d)) << bad;
    }
}

TEST(ContentType, ParameterLimitIsAFlag)
{
    std::string s = "text/plain";
    for (int i = 0; i < 200; ++i)
        s += "; p" + std::to_string(i) + "=v";
    m::field_value v;
    m::defect_set d = 0;
    EXPECT_TRUE(m::parse_field_value(s, true, 64, v, d));
    EXPECT_EQ(v.params.size(), 64u);
    EXPECT_TRUE(d & m::bit(m::defect::parameter_limit));
}

TEST(ContentType, RendersQuotedAndRfc2231Values)
{
    m::field_value v;
    v.type = "text";
    v.subtype = "plain";
    v.params.push_back({"charset", "us-ascii", {}});
    v.params.push_back({"name", "a b.txt", {}});
    v.params.push_back({"title", "caf\xc3\xa9", {}});
    std::string out;
    m::render_field_value(v, 0, out);
    EXPECT_EQ(out, "text/plain; charset=us-ascii; name=\"a b.txt\"; title*=utf-8''caf%C3%A9");
}

TEST(EncodedWords, EightBitRunsBecomeAsciiWords)
{
    std::string out;
    m::encode_words("Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln und so", out);
    EXPECT_EQ(out, "=?utf-8?B?R3LDvMOfZQ==?= aus =?utf-8?B?S8O2bG4=?= und so");
    out.clear();
    m::encode_words("na\xefve", out); // not UTF-8
    EXPECT_EQ(out, "=?unknown-8bit?B?bmHvdmU=?=");
    out.clear();
    std::string long_run(200, '\xe9');
    m::encode_words(long_run, out);
    for (char c : out)
        EXPECT_LT(static_cast<unsigned char>(c), 128);
    std::size_t start = 0;
    while (start < out.size()) {
        auto sp = out.find(' ', start);
        auto word = out.substr(start, sp == std::string::npos ? std::string::npos : sp - start);
        EXPECT_LE(word.size(), 75u);
        start = sp == std::string::npos ? out.size() : sp + 1;
    }
}

namespace {

std::string encoded_list(std::string_view v)
{
    std::string out;
    m::encode_address_list(v, out);
    return out;
}

} // namespace

// An "=?" that opens no whole encoded word ("=?utf-8?q?broken") is
// encoded too where the field gets encoded words: Python's `email`, and
// readers as lenient, read from it to the end of the next encoded word as
// one word, and swallowed the word written after it. Whole encoded words
// stay as they are, and a field with no 8-bit octet is not encoded.
TEST(EncodedWords, AStrayOpenerIsEncodedWhereEncodedWordsFollow)
{
    auto words = [](std::string_view v) {
        std::string out;
        m::encode_words(v, out);
        return out;
    };
    EXPECT_EQ(words("plain =?utf-8?q?broken caf\xc3\xa9"), "plain =?utf-8?B?PT91dGYtOD9xP2Jyb2tlbiBjYWbDqQ==?=");
    EXPECT_EQ(words("caf\xc3\xa9 a=?x =?utf-8?q?ok?= (=?utf-8?q?ok?=)"),
              "=?utf-8?B?Y2Fmw6kgYT0/eA==?= =?utf-8?q?ok?= (=?utf-8?q?ok?=)");
    EXPECT_EQ(words("caf\xc3\xa9 ok =?q?x?= x"), "=?utf-8?B?Y2Fmw6k=?= ok =?utf-8?B?PT9xP3g/PQ==?= x");
    EXPECT_EQ(encoded_list(" plain =?utf-8?q?broken <w@x>, j\xc3\xb6@b.de"),
              " =?utf-8?B?cGxhaW4gPT91dGYtOD9xP2Jyb2tlbg==?= <w@x>, =?utf-8?B?asO2QGIuZGU=?= :;");
    EXPECT_EQ(encoded_list(" a@b (=?x), J\xc3\xb6rg <j@b>"), " a@b (=?utf-8?B?PT94?=), =?utf-8?B?SsO2cmc=?= <j@b>");
    EXPECT_EQ(encoded_list(" =?utf-8?q?J=C3=B6rg?= <j@b>, J\xc3\xb6rg <j@b>"),
              " =?utf-8?q?J=C3=B6rg?= <j@b>, =?utf-8?B?SsO2cmc=?= <j@b>");
}

// A raw 8-bit octet inside a B word's text is dropped, as base64 decoders
// skip it; when it stood for a character, what is left is no whole
// base64 ("sKzA8r16ILivP7Iyw==", 17 characters before the padding), which
// Python's `email` gives back undecoded. Such a word is decoded as far as
// it goes and encoded again; one from which nothing decodes is left out.
// Q words have the octet escaped; words without 8-bit octets are copied.
TEST(EncodedWords, ARepairedWordIsValid)
{
    auto words = [](std::string_view v) {
        std::string out;
        m::encode_words(v, out);
        return out;
    };
    EXPECT_EQ(words("=?gbk?B?sKzA8r16IL\xe9ivP7Iyw==?= T\xe9st"),
              "=?gbk?B?sKzA8r16ILivP7Iy?= =?unknown-8bit?B?VOlzdA==?=");
    EXPECT_EQ(words("=?iso-8859-1?B?Y2Fm\xe9" "6g==?= caf\xc3\xa9"), "=?iso-8859-1?B?Y2Fm6g==?= =?utf-8?B?Y2Fmw6k=?=");
    EXPECT_EQ(words("=?x?B?\xe9\xe9?= caf\xc3\xa9"), " =?utf-8?B?Y2Fmw6k=?=");
    EXPECT_EQ(words("=?x?Q?Di\xe9?= =?x?B?Y2Fm?= caf\xc3\xa9"), "=?x?Q?Di=E9?= =?x?B?Y2Fm?= =?utf-8?B?Y2Fmw6k=?=");
    EXPECT_EQ(encoded_list(" =?gbk?B?sKzA8r16IL\xe9ivP7Iyw==?= <a\xe9@x.com>"),
              " =?gbk?B?sKzA8r16ILivP7Iy?= =?unknown-8bit?B?YelAeC5jb20=?= :;");
}

// An address list for a 7-bit hop: a display name is encoded whole, so
// the comma and quotes of "M\xfcller, Hans" stay inside the encoded word
// (word by word, a quote was left outside and the list broken).
TEST(EncodedWords, AddressListsKeepTheirStructure)
{
    EXPECT_EQ(encoded_list(" \"M\xc3\xbcller, Hans\" <h@x.de>, plain <p@x.de>"),
              " =?utf-8?B?TcO8bGxlciwgSGFucw==?= <h@x.de>, plain <p@x.de>");
    EXPECT_EQ(encoded_list(" J\xc3\xb6rg M\xc3\xbcller<j@example.com>"),
              " =?utf-8?B?SsO2cmcgTcO8bGxlcg==?= <j@example.com>");
    // Comments are encoded where they are; 7-bit parts are copied.
    EXPECT_EQ(encoded_list(" a@y.de (Anna \xc3\x85), b@y.de (Bob)"),
              " a@y.de (=?utf-8?B?QW5uYSDDhQ==?=), b@y.de (Bob)");
    // Groups keep their name and members.
    EXPECT_EQ(encoded_list(" T\xc3\xa9" "am: a@y.de, b@y.de;"), " =?utf-8?B?VMOpYW0=?=: a@y.de, b@y.de;");
    // An 8-bit address has no 7-bit form: an empty group (RFC 6857).
    EXPECT_EQ(encoded_list(" J\xc3\xb6rg <j\xc3\xb6rg@example.com>"),
              " =?utf-8?B?SsO2cmc=?= =?utf-8?B?asO2cmdAZXhhbXBsZS5jb20=?= :;");
    EXPECT_EQ(encoded_list(" b\xc3\xbcro@example.com"), " =?utf-8?B?YsO8cm9AZXhhbXBsZS5jb20=?= :;");
    // Comments inside its angle brackets follow the group, as a bare
    // address's do (RFC 5322 A.5's "<pete(his account)@silly.test(his
    // host)>" with 8-bit octets); they were dropped.
    EXPECT_EQ(encoded_list(" P\xc3\xa9te <p\xc3\xa9te(his account)@silly.test(his host)>"),
              " =?utf-8?B?UMOpdGU=?= =?utf-8?B?cMOpdGVAc2lsbHkudGVzdA==?= :; (his account) (his host)");
    EXPECT_EQ(encoded_list(" <j\xc3\xb6@x(caf\xc3\xa9).de>"), " =?utf-8?B?asO2QHguZGU=?= :; (=?utf-8?B?Y2Fmw6k=?=)");
    // Encoded words with raw 8-bit octets are repaired, not encoded again.
    EXPECT_EQ(encoded_list(" =?iso-8859-1?Q?M\xfcller?= <m@x.de>"), " =?iso-8859-1?Q?M=FCller?= <m@x.de>");
    // Unclosed quotes and comments run to the end; nothing is lost.
    auto const open = encoded_list(" \"J\xc3\xb6rg <j@x.de>");
    EXPECT_EQ(open.find('\x80'), std::string::npos);
    for (char c : open + encoded_list(" (J\xc3\xb6rg <j@x.de>"))
        EXPECT_LT(static_cast<unsigned char>(c), 128);
    // A domain literal with 8-bit octets in a phrase (a broken list) is
    // encoded with it; it was copied as written (found by
    // mime_sanitize_fuzz, in a From holding a bounce's text).
    EXPECT_EQ(encoded_list(" from [192.0.\x80.2] <a@x.de>"), " =?unknown-8bit?B?ZnJvbSBbMTkyLjAugC4yXQ==?= <a@x.de>");
    for (char c : encoded_list(" Team [\xe9]: a@x.de;") + encoded_list(" [\xe9] <a@x.de>, [\xe9]: b@x.de;"))
        EXPECT_LT(static_cast<unsigned char>(c), 128);
    EXPECT_TRUE(m::is_address_field("Reply-To"));
    EXPECT_FALSE(m::is_address_field("Subject"));
}

TEST(Boundary, ValidityFollowsRfc2046)
{
    EXPECT_TRUE(m::is_valid_boundary("simple"));
    EXPECT_TRUE(m::is_valid_boundary("----=_Part_0_1.2 x"));
    EXPECT_FALSE(m::is_valid_boundary(""));
    EXPECT_FALSE(m::is_valid_boundary("ends with space "));
    EXPECT_FALSE(m::is_valid_boundary("bad<>"));
    EXPECT_FALSE(m::is_valid_boundary(std::string(71, 'a')));
    EXPECT_TRUE(m::is_valid_boundary(std::string(70, 'a')));
}

// Found by mime_parser_fuzz: a comment ending in a lone backslash at the
// very end of the value must not step past it (it threw out_of_range).
TEST(ContentType, CommentEndingInBackslashAtTheEnd)
{
    for (std::string_view v : {"text/plain (a\\", "text/plain; a=b (\\", "(\\", "text/(\\"}) {
        m::field_value f;
        m::defect_set d = 0;
        EXPECT_NO_THROW(m::parse_field_value(v, true, 64, f, d)) << v;
    }
}

// RFC 2045 section 4: "MIME-Version: 1.0 (produced by MetaSend Vx.x)".
TEST(MimeVersion, OnePointZeroWithCommentsAndWhiteSpace)
{
    EXPECT_TRUE(m::is_mime_version_1_0("1.0"));
    EXPECT_TRUE(m::is_mime_version_1_0(" 1.0 (produced by MetaSend Vx.x)"));
    EXPECT_TRUE(m::is_mime_version_1_0(" 1.0 (Mac OS X Mail 7.1 \\(1827\\))"));
    EXPECT_TRUE(m::is_mime_version_1_0("(a) 1.0\t(b (nested))"));
    EXPECT_FALSE(m::is_mime_version_1_0(""));
    EXPECT_FALSE(m::is_mime_version_1_0("1.1"));
    EXPECT_FALSE(m::is_mime_version_1_0("1.0 x"));
    EXPECT_FALSE(m::is_mime_version_1_0("1.0 (unclosed"));
    EXPECT_TRUE(m::is_mime_version_1_0("1.0 (caf\xc3\xa9)")); // for a 7-bit hop the field is rewritten anyway
}

TEST(EightBit, FoundAtEveryPositionOfEveryLength)
{
    // The word-at-a-time scan's three stretches (32, 8 and 1 octets): an
    // octet above 127 anywhere is found, and none is found where there is
    // none.
    for (std::size_t n = 0; n <= 80; ++n) {
        std::string s(n, 'a');
        EXPECT_FALSE(x400gw::mime::has_8bit_octet(s)) << n;
        for (std::size_t at = 0; at < n; ++at) {
            for (char c : {'\x80', '\xff'}) {
                s[at] = c;
                EXPECT_TRUE(x400gw::mime::has_8bit_octet(s)) << n << " " << at;
                EXPECT_TRUE(x400gw::mime::has_8bit_octet(std::string_view(s).substr(at))) << n << " " << at;
                EXPECT_FALSE(x400gw::mime::has_8bit_octet(std::string_view(s).substr(0, at))) << n << " " << at;
                s[at] = '\x7f';
                EXPECT_FALSE(x400gw::mime::has_8bit_octet(s)) << n << " " << at;
                s[at] = 'a';
            }
        }
    }
}
