// RFC 2156/2157 mapping: round trips both ways, golden files for the
// header and body part mappings, refusals, the sanitizer's guarantees.
#include "samples.hpp"

#include "addressing/std_or.hpp"
#include "mime/codec.hpp"
#include "mime/parser.hpp"
#include "mime/sanitizer.hpp"
#include "x400/mapping.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace x4 = x400gw::x400;
namespace p1 = x400gw::x400::p1;
namespace p22 = x400gw::x400::p22;
namespace ber = x400gw::x400::ber;
namespace ad = x400gw::addressing;
namespace samples = x400gw::x400::samples;

namespace {

ad::mapper test_mapper()
{
    ad::gateway_identity gw;
    gw.domain = "gw.example";
    gw.address = *ad::parse_std_or("/PRMD=Gateway/ADMD= /C=XX/");
    return ad::mapper(*ad::make_mapping_state(gw, {}));
}

ber::bytes as_bytes(std::string const& s)
{
    return {reinterpret_cast<std::uint8_t const*>(s.data()), s.size()};
}

p22::ipm content_of(p1::mts_apdu const& a)
{
    auto const& m = std::get<p1::message>(a);
    auto c = p22::decode(as_bytes(m.content));
    EXPECT_TRUE(c) << c.failure().reason;
    return std::get<p22::ipm>(*c);
}

std::string read_file(std::string const& path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// from_mime with the test gateway, a fixed time and one recipient.
x400gw::addressing::result<p1::mts_apdu, x4::mapping_refusal> mime_to_x400(std::string const& message,
                                                                           std::string const& from = "ann@a.example")
{
    return x4::from_mime({message, from, {"bob@b.example"}, 1796385600, "l-1"}, test_mapper());
}

// The address a header field maps to, given the O/R name it came from.
std::optional<ad::or_address> formal(std::optional<p22::or_descriptor> const& d)
{
    if (!d || !d->formal_name)
        return std::nullopt;
    return d->formal_name->address;
}

} // namespace

TEST(Mapping, X400ToMimeToX400KeepsWhatRfc2156Keeps)
{
    auto const map = test_mapper();
    p1::mts_apdu const original{samples::full_message()};
    auto mime = x4::to_mime(original, map);
    ASSERT_TRUE(mime) << mime.failure().why;
    x4::from_mime_input in{mime->message, mime->envelope.mail_from, {}, 1796385600, "local-1"};
    for (auto const& r : mime->envelope.rcpt_to)
        in.rcpt_to.push_back(r.address);
    auto back = x4::from_mime(in, map);
    ASSERT_TRUE(back) << back.failure().why;

    auto const& e0 = std::get<p1::message>(original).envelope;
    auto const& e1 = std::get<p1::message>(*back).envelope;
    EXPECT_EQ(e1.message_id, e0.message_id);
    EXPECT_EQ(e1.content_identifier, e0.content_identifier);
    EXPECT_EQ(e1.priority, e0.priority);
    ASSERT_EQ(e1.trace.size(), e0.trace.size() + 1);   // ours is added
    for (std::size_t i = 0; i < e0.trace.size(); ++i) {
        EXPECT_EQ(e1.trace[i].domain, e0.trace[i].domain);
        EXPECT_EQ(e1.trace[i].arrival_time, e0.trace[i].arrival_time);
        EXPECT_EQ(e1.trace[i].action, e0.trace[i].action);
        EXPECT_EQ(e1.trace[i].deferred_time, e0.trace[i].deferred_time);
        EXPECT_EQ(e1.trace[i].attempted_domain, e0.trace[i].attempted_domain);
    }
    // The originator had an RFC-822 DDA, so MAIL FROM carries that address
    // and it comes back as the DDA under the gateway (RFC 2156 4.3.4).
    auto const from = map.to_rfc822(e1.originator.address, ad::role::return_path);
    ASSERT_TRUE(from);
    EXPECT_EQ(from->address, mime->envelope.mail_from);

    auto const h0 = content_of(original).heading;
    auto const h1 = content_of(*back).heading;
    EXPECT_EQ(h1.this_ipm, h0.this_ipm);
    EXPECT_EQ(h1.replied_to_ipm, h0.replied_to_ipm);
    EXPECT_EQ(h1.related_ipms, h0.related_ipms);
    EXPECT_EQ(h1.obsoleted_ipms, h0.obsoleted_ipms);
    EXPECT_EQ(h1.subject, h0.subject);
    EXPECT_EQ(h1.expiry_time, h0.expiry_time);
    EXPECT_EQ(h1.reply_time, h0.reply_time);
    EXPECT_EQ(h1.importance, h0.importance);
    EXPECT_EQ(h1.sensitivity, h0.sensitivity);
    EXPECT_EQ(h1.auto_forwarded, h0.auto_forwarded);
    EXPECT_EQ(formal(h1.originator), formal(h0.originator));
    EXPECT_EQ(h1.originator->free_form_name, h0.originator->free_form_name);
    ASSERT_EQ(h1.authorizing_users.size(), 1u);
    EXPECT_EQ(formal(h1.authorizing_users[0]), formal(h0.authorizing_users[0]));
    ASSERT_EQ(h1.primary_recipients.size(), 1u);
    EXPECT_EQ(h1.primary_recipients[0].recipient, h0.primary_recipients[0].recipient);
    ASSERT_EQ(h1.copy_recipients.size(), 1u);
    EXPECT_EQ(formal(h1.copy_recipients[0].recipient), formal(h0.copy_recipients[0].recipient));
    ASSERT_TRUE(h1.reply_recipients);
    EXPECT_EQ(formal(h1.reply_recipients->at(0)), formal(h0.reply_recipients->at(0)));

    auto const b0 = content_of(original).body;
    auto const b1 = content_of(*back).body;
    ASSERT_EQ(b1.size(), b0.size());
    EXPECT_EQ(b1[0], b0[0]);                                   // ia5-text
    EXPECT_TRUE(std::holds_alternative<p22::ia5_text>(b1[1])); // teletex (ASCII) becomes text, as stated
    for (std::size_t i : {2u, 3u, 4u, 5u, 6u})                 // fax, bilateral, national, general text, file
        EXPECT_EQ(b1[i], b0[i]) << "body part " << i;
    auto const& fwd = std::get<p22::message_body_part>(b1[7]);
    ASSERT_EQ(fwd.data.size(), 1u);
    EXPECT_EQ(fwd.data[0].heading.subject, std::get<p22::message_body_part>(b0[7]).data[0].heading.subject);
    EXPECT_EQ(fwd.data[0].body, std::get<p22::message_body_part>(b0[7]).data[0].body);
}

TEST(Mapping, LossesAreStatedInTheHeader)
{
    auto mime = x4::to_mime(p1::mts_apdu{samples::full_message()}, test_mapper());
    ASSERT_TRUE(mime);
    auto const& m = mime->message;
    auto const header = m.substr(0, m.find("\r\n\r\n"));
    EXPECT_NE(header.find("Discarded-X400-IPMS-Extensions: 1.3.6.1.4.1.58888.9"), std::string::npos);
    EXPECT_NE(header.find("Discarded-X400-MTS-Extensions: 1.3.6.1.4.1.58888.7"), std::string::npos);
    EXPECT_NE(header.find("Comments: x400gw: receipt notification requests are not carried"), std::string::npos);
    EXPECT_FALSE(mime->losses.empty());
}

TEST(Mapping, MimeToX400ToMimeKeepsTheMessage)
{
    auto const map = test_mapper();
    std::string const original =
        "From: Ann Lee <ann@a.example>\r\n"
        "To: bob@b.example, \"Cy\" <cy@c.example>\r\n"
        "Cc: team: dee@d.example;\r\n"
        "Subject: Figures\r\n"
        "Date: Fri, 04 Dec 2026 10:00:00 +0000\r\n"
        "Message-ID: <20261204.1@a.example>\r\n"
        "In-Reply-To: <20261203.9@b.example>\r\n"
        "References: <20261201.1@a.example> <20261203.9@b.example>\r\n"
        "Importance: low\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "See attached.\r\n"
        "--b1\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "Gr=FC=DFe\r\n"
        "--b1\r\n"
        "Content-Type: application/pdf; name=\"q.pdf\"\r\n"
        "Content-Disposition: attachment; filename=\"q.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        "JVBERi0xLjQK\r\n"
        "--b1--\r\n";
    auto x = x4::from_mime({original, "ann@a.example", {"bob@b.example", "cy@c.example"}, 1796385600, "l-1"}, map);
    ASSERT_TRUE(x) << x.failure().why;
    auto const ipm = content_of(*x);
    EXPECT_EQ(ipm.heading.subject, "Figures");
    EXPECT_EQ(ipm.heading.importance, p22::importance::low);
    ASSERT_EQ(ipm.heading.primary_recipients.size(), 2u);
    ASSERT_EQ(ipm.heading.copy_recipients.size(), 1u);
    EXPECT_EQ(ipm.heading.related_ipms.size(), 2u);
    ASSERT_EQ(ipm.body.size(), 3u);
    EXPECT_EQ(std::get<p22::ia5_text>(ipm.body[0]).text, "See attached.");
    EXPECT_EQ(std::get<p22::general_text>(ipm.body[1]).text, "Gr\xfc\xdf" "e");
    auto const& file = std::get<p22::file_transfer>(ipm.body[2]);
    EXPECT_EQ(file.file_name, "q.pdf");
    EXPECT_EQ(file.data.at(0).data, "%PDF-1.4\n");

    auto again = x4::to_mime(*x, map);
    ASSERT_TRUE(again) << again.failure().why;
    auto const& m = again->message;
    for (char const* expect : {"Subject: Figures\r\n", "Message-ID: <20261204.1@a.example>\r\n",
                               "In-Reply-To: <20261203.9@b.example>\r\n", "Importance: low\r\n",
                               "From: \"Ann Lee\" <ann@a.example>\r\n", "charset=iso-8859-1", "filename=\"q.pdf\"",
                               "JVBERi0xLjQK", "See attached.\r\n", "Gr=FC=DFe"})
        EXPECT_NE(m.find(expect), std::string::npos) << expect << "\n" << m;
    EXPECT_EQ(again->envelope.mail_from, "ann@a.example");
    ASSERT_EQ(again->envelope.rcpt_to.size(), 2u);
    EXPECT_EQ(again->envelope.rcpt_to[1].address, "cy@c.example");
}

// A body part whose base64 runs over one line: encode_base64 already
// breaks lines, and they were broken again every 76 characters, which cut
// quanta across lines and left empty lines in the body.
TEST(Mapping, Base64BodiesAreWrappedOnce)
{
    auto const map = test_mapper();
    std::string data;
    for (int i = 0; i < 300; ++i)
        data += static_cast<char>(i * 7);
    std::string encoded;
    x400gw::mime::encode_base64(data, encoded);
    std::string const original = "From: ann@a.example\r\nMIME-Version: 1.0\r\n"
                                 "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                                 encoded;
    auto x = mime_to_x400(original);
    ASSERT_TRUE(x) << x.failure().why;
    auto back = x4::to_mime(*x, map);
    ASSERT_TRUE(back) << back.failure().why;
    auto const& m = back->message;
    auto const body = m.find("\r\n\r\n", m.find("Content-Transfer-Encoding: base64"));
    ASSERT_NE(body, std::string::npos) << m;
    EXPECT_EQ(m.substr(body + 4), encoded) << m;
}

// Malformed MIME is read as the sanitizer writes it: a multipart with a
// transfer encoding label it does not use, and a multipart that really is
// base64-encoded (RFC 2045 6.4 forbids both), keep their parts.
TEST(Mapping, MalformedMimeIsReadAsTheSanitizerRepairsIt)
{
    std::string const inner = "--b1\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n"
                              "--b1\r\nContent-Type: application/pdf; name=\"q.pdf\"\r\n"
                              "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n";
    std::string encoded_inner;
    x400gw::mime::encode_base64(inner, encoded_inner);
    for (auto const& body : {inner, encoded_inner}) {
        std::string const original = "From: ann@a.example\r\nMIME-Version: 1.0\r\n"
                                     "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
                                     "Content-Transfer-Encoding: base64\r\n\r\n" + body;
        auto x = mime_to_x400(original);
        ASSERT_TRUE(x) << x.failure().why;
        auto const ipm = content_of(*x);
        ASSERT_EQ(ipm.body.size(), 2u) << body;
        EXPECT_EQ(std::get<p22::ia5_text>(ipm.body[0]).text, "first part");
        auto const& file = std::get<p22::file_transfer>(ipm.body[1]);
        EXPECT_EQ(file.file_name, "q.pdf");
        EXPECT_EQ(file.data.at(0).data, "%PDF-1.4\n");
    }
}

// A heading address with no O/R address does not refuse the message: the
// envelope's addresses decide who gets it. Each is carried as a free-form
// name, and comes back as a group's display name.
TEST(Mapping, HeadingAddressesWithoutAnOrAddressAreFreeFormNames)
{
    auto const map = test_mapper();
    std::string const original = "From: Ann Lee <ann@a.example>\r\n"
                                 "To: bob@b.example, eryq, \"J\xc3\xb8ran\" <j\xc3\xb8ran@example.com>\r\n"
                                 "Cc: <@relay.example,@other.example:cy@c.example>, <>\r\n"
                                 "Subject: x\r\n\r\nbody\r\n";
    auto x = mime_to_x400(original);
    ASSERT_TRUE(x) << x.failure().why;
    auto const ipm = content_of(*x);
    ASSERT_EQ(ipm.heading.primary_recipients.size(), 3u);
    EXPECT_TRUE(ipm.heading.primary_recipients[0].recipient.formal_name);
    auto const& bare = ipm.heading.primary_recipients[1].recipient;
    EXPECT_FALSE(bare.formal_name);
    EXPECT_EQ(bare.free_form_name, "eryq");
    auto const& utf8 = ipm.heading.primary_recipients[2].recipient;
    EXPECT_FALSE(utf8.formal_name);
    ASSERT_TRUE(utf8.free_form_name);
    EXPECT_NE(utf8.free_form_name->find("example.com>"), std::string::npos);
    // The empty address has nothing to carry; the source route is text.
    ASSERT_EQ(ipm.heading.copy_recipients.size(), 1u);
    auto back = x4::to_mime(*x, map);
    ASSERT_TRUE(back) << back.failure().why;
    EXPECT_NE(back->message.find("\"eryq\":;"), std::string::npos) << back->message;
}

// A multipart/report that is neither a DSN nor an MDN (an ARF feedback
// report) is a message like any other.
TEST(Mapping, OtherReportsAreMessages)
{
    std::string const original = "From: abuse@a.example\r\nMIME-Version: 1.0\r\n"
                                 "Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\r\n\r\n"
                                 "--b\r\nContent-Type: text/plain\r\n\r\nA complaint.\r\n"
                                 "--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
                                 "--b--\r\n";
    auto x = mime_to_x400(original, "abuse@a.example");
    ASSERT_TRUE(x) << x.failure().why;
    auto const ipm = content_of(*x);
    ASSERT_EQ(ipm.body.size(), 2u);
    EXPECT_EQ(std::get<p22::ia5_text>(ipm.body[0]).text, "A complaint.");
}

// Octets under 128 are IA5 text only when the charset reads them as
// ASCII: UTF-16 text of Latin letters, or ISO-2022-JP, is not.
TEST(Mapping, SevenBitTextInAnotherCharsetIsNotIa5Text)
{
    for (std::string const charset : {"utf-16le", "UTF-32BE", "iso-2022-jp", "utf-7"}) {
        std::string const text = charset == "iso-2022-jp" ? std::string("\x1b$B$3$s\x1b(B\r\n")
                                 : charset == "utf-7"     ? std::string("Hi Mom -+Jjo--!\r\n")
                                 : charset == "UTF-32BE"  ? std::string("\0\0\0H\0\0\0i", 8)
                                                          : std::string("H\0i\0", 4);
        std::string const original = "From: ann@a.example\r\nMIME-Version: 1.0\r\n"
                                     "Content-Type: text/plain; charset=" + charset + "\r\n\r\n" + text;
        auto x = mime_to_x400(original);
        ASSERT_TRUE(x) << x.failure().why;
        auto const ipm = content_of(*x);
        ASSERT_EQ(ipm.body.size(), 1u);
        EXPECT_FALSE(std::holds_alternative<p22::ia5_text>(ipm.body[0])) << charset;
    }
}

// 8-bit text with no charset, or the sanitizer's unknown-8bit, is not
// IA5Text: UTF-8 when its octets are, ISO 8859-1 otherwise.
TEST(Mapping, EightBitTextWithoutACharsetIsGeneralText)
{
    for (auto [header, text, set] :
         {std::tuple{"", "Gr\xc3\xbc\xc3\x9f" "e", 196}, std::tuple{"", "Gr\xfc\xdf" "e", 100},
          std::tuple{"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=unknown-8bit\r\n", "Gr\xfc\xdf" "e", 100},
          std::tuple{"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=unknown-8bit\r\n",
                     "Gr\xc3\xbc\xc3\x9f" "e", 196}}) {
        auto x = mime_to_x400(std::string("From: ann@a.example\r\n") + header + "\r\n" + text + "\r\n");
        ASSERT_TRUE(x) << x.failure().why;
        auto const ipm = content_of(*x);
        ASSERT_EQ(ipm.body.size(), 1u);
        auto const* g = std::get_if<p22::general_text>(&ipm.body[0]);
        ASSERT_NE(g, nullptr) << text;
        EXPECT_EQ(g->text, std::string(text) + "\r\n");
        EXPECT_EQ(g->character_sets, (std::vector<std::int64_t>{1, 6, set})) << text;
    }
}

// A file labelled text/plain (a WAV or a JPEG sent so) is not text: its
// octets go on as they are, no LF made CR LF.
TEST(Mapping, BinaryUnderATextLabelIsAFile)
{
    std::string data("RIFF\0\0\n\x01\xff\n\r\n", 13);
    std::string encoded;
    x400gw::mime::encode_base64(data, encoded);
    std::string const original = "From: ann@a.example\r\nMIME-Version: 1.0\r\n"
                                 "Content-Type: text/plain; charset=us-ascii; name=\"a.wav\"\r\n"
                                 "Content-Transfer-Encoding: base64\r\n\r\n" + encoded;
    auto x = mime_to_x400(original);
    ASSERT_TRUE(x) << x.failure().why;
    auto const ipm = content_of(*x);
    ASSERT_EQ(ipm.body.size(), 1u);
    auto const* file = std::get_if<p22::file_transfer>(&ipm.body[0]);
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->file_name, "a.wav");
    ASSERT_EQ(file->data.size(), 1u);
    EXPECT_EQ(file->data[0].data, data);
}

// message/global (RFC 6532) is a message like message/rfc822.
TEST(Mapping, MessageGlobalIsAMessageBodyPart)
{
    std::string const original = "From: ann@a.example\r\nMIME-Version: 1.0\r\n"
                                 "Content-Type: message/global\r\n\r\n"
                                 "From: J\xc3\xb8ran <j\xc3\xb8ran@example.com>\r\nSubject: Gr\xc3\xbc\xc3\x9f" "e\r\n"
                                 "Content-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n";
    auto x = mime_to_x400(original);
    ASSERT_TRUE(x) << x.failure().why;
    auto const ipm = content_of(*x);
    ASSERT_EQ(ipm.body.size(), 1u);
    auto const* m = std::get_if<p22::message_body_part>(&ipm.body[0]);
    ASSERT_NE(m, nullptr);
    ASSERT_EQ(m->data.size(), 1u);
    EXPECT_TRUE(m->data[0].heading.subject);
    EXPECT_TRUE(m->data[0].heading.originator);
}

// IA5 and Teletex strings may hold CR and LF, and ps-encoded text may
// decode to them: none of them may end a header field and start another
// (header injection from the X.400 side) or start a line of a report.
TEST(Mapping, NoX400TextStartsAHeaderLine)
{
    auto const map = test_mapper();
    auto const injected = [](std::string const& text) {
        std::size_t at = 0;
        while ((at = text.find("X-Evil", at)) != std::string::npos) {
            if (at == 0 || text[at - 1] == '\n' || text[at - 1] == '\r')
                return true;
            ++at;
        }
        return false;
    };
    auto m = samples::full_message();
    m.envelope.message_id.local = "m1\r\nX-Evil: 1";
    auto ipm = samples::full_ipm();
    ipm.heading.subject = "a\r\nX-Evil: 1";
    ipm.heading.originator->free_form_name = "Ann\r\nX-Evil: 1";
    ipm.heading.this_ipm = p22::ipm_identifier{std::nullopt, "x(013)(010)X-Evil:1(a)y"};
    ipm.heading.primary_recipients.push_back({samples::descriptor(samples::person("Bo", "Ray"), "Bo\nX-Evil: 2"), {}, {}, {}});
    ipm.body.resize(1);   // the text bodies may hold such lines
    m.content = p22::encode(ipm);
    auto mime = x4::to_mime(p1::mts_apdu{m}, map);
    ASSERT_TRUE(mime) << mime.failure().why;
    EXPECT_FALSE(injected(mime->message)) << mime->message;

    auto r = samples::sample_report();
    r.subject_id.local = "s1\r\nX-Evil: 1";
    r.report_id.local = "r1\nX-Evil: 1";
    r.ext.reporting_mta_name = "mta\r\nX-Evil: 1";
    r.recipients.front().supplementary_information = "why\r\nX-Evil: 1";
    auto dsn = x4::to_mime(p1::mts_apdu{r}, map);
    ASSERT_TRUE(dsn) << dsn.failure().why;
    EXPECT_FALSE(injected(dsn->message)) << dsn->message;
}

// Other control octets from the X.400 side (an ESC that starts a terminal
// sequence, a BEL, DEL) are not text either: RFC 5322 allows them only as
// obsolete syntax, which a generator must not write, and a terminal acts on
// them. Each becomes a space in the header and in a report's text; HTAB
// stays.
TEST(Mapping, NoControlOctetFromTheX400SideIsWritten)
{
    auto const map = test_mapper();
    auto const stray = [](std::string const& text) {
        for (std::size_t i = 0; i < text.size(); ++i) {
            auto const u = static_cast<unsigned char>(text[i]);
            bool const line_end = (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ||
                                  (text[i] == '\n' && i > 0 && text[i - 1] == '\r');
            if ((u < 0x20 && text[i] != '\t' && !line_end) || u == 0x7f)
                return true;
        }
        return false;
    };
    auto m = samples::full_message();
    m.envelope.message_id.local = "m1\x1b[2J";
    auto ipm = samples::full_ipm();
    ipm.heading.subject = "a\x1b[31mred\x07\tand\x7f";
    ipm.heading.originator->free_form_name = "Ann\x1b]0;title\x07";
    ipm.body.resize(1);
    m.content = p22::encode(ipm);
    auto mime = x4::to_mime(p1::mts_apdu{m}, map);
    ASSERT_TRUE(mime) << mime.failure().why;
    auto const header = mime->message.substr(0, mime->message.find("\r\n\r\n"));
    EXPECT_FALSE(stray(header)) << header;
    EXPECT_NE(header.find("Subject: a [31mred \tand \r\n"), std::string::npos) << header;

    auto r = samples::sample_report();
    r.subject_id.local = "s1\x1b[2J";
    r.ext.reporting_mta_name = "mta\x08\x08\x08";
    r.recipients.front().supplementary_information = "why\x1b[31m";
    auto dsn = x4::to_mime(p1::mts_apdu{r}, map);
    ASSERT_TRUE(dsn) << dsn.failure().why;
    EXPECT_FALSE(stray(dsn->message)) << dsn->message;
}

// X.420's upper bounds hold in what from-mime writes: a Subject of at most
// 128 octets, a free-form name of at most 64 (a peer that checks them
// would refuse the message), never cut between a diacritic and its letter.
TEST(Mapping, HeadingTextKeepsX420Bounds)
{
    std::string subject;
    for (int i = 0; i < 127; ++i)
        subject += 'S';
    subject += "\xc3\xa9 and more";   // é: two T.61 octets across the bound
    std::string name(100, 'N');
    std::string const original = "From: \"" + name + "\" <ann@a.example>\r\nSubject: " + subject +
                                 "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx\r\n";
    auto x = mime_to_x400(original);
    ASSERT_TRUE(x) << x.failure().why;
    auto const h = content_of(*x).heading;
    ASSERT_TRUE(h.subject);
    EXPECT_EQ(*h.subject, subject.substr(0, 127));
    ASSERT_TRUE(h.originator && h.originator->free_form_name);
    EXPECT_EQ(*h.originator->free_form_name, name.substr(0, 64));
}

// The other way, the same octets (encoded words may decode to them) are
// not written into a Teletex heading field, where ESC would start a T.61
// code extension.
TEST(Mapping, NoControlOctetFromTheMimeSideIsWritten)
{
    std::string const original = "From: =?utf-8?q?Ann=1B=5D0=3Bt=07?= <ann@a.example>\r\n"
                                 "Subject: =?utf-8?q?a=1B[31mred=07=09and=7F?=\r\n"
                                 "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx\r\n";
    auto x = mime_to_x400(original);
    ASSERT_TRUE(x) << x.failure().why;
    auto const h = content_of(*x).heading;
    ASSERT_TRUE(h.subject);
    EXPECT_EQ(*h.subject, "a [31mred \tand ");
    ASSERT_TRUE(h.originator && h.originator->free_form_name);
    EXPECT_EQ(*h.originator->free_form_name, "Ann ]0;t ");
}

namespace {

// A line that starts with the planted field in some entity's header, or in
// the fields of a report part.
bool planted_field(std::string const& message)
{
    auto const tree = x400gw::mime::parse(message);
    auto has = [&](std::size_t begin, std::size_t end) {
        std::string_view const block = std::string_view(message).substr(begin, end - begin);
        for (std::size_t at = block.find("X-Evil"); at != std::string_view::npos; at = block.find("X-Evil", at + 1))
            if (at == 0 || block[at - 1] == '\n' || block[at - 1] == '\r')
                return true;
        return false;
    };
    for (auto const& p : tree.parts) {
        if (has(p.header_begin, p.header_end))
            return true;
        if (p.content_type.type == "message" &&
            (p.content_type.subtype == "delivery-status" || p.content_type.subtype == "disposition-notification") &&
            has(p.body_begin, p.body_end))
            return true;
    }
    return false;
}

} // namespace

// No text from the X.400 side starts a header line, whatever value holds
// it: every printable text value of every sample PDU (and of the P22
// content inside) is replaced with text holding CR, LF or both and a
// field, the PDU is encoded again and mapped. A refusal is fine; a header
// line of the sender's choosing is not.
TEST(Mapping, NoTextValueOfAnySampleStartsAHeaderLine)
{
    auto const map = test_mapper();
    auto const from = mime_to_x400("From: Ann <ann@a.example>\r\nTo: bob@b.example, eryq\r\nSubject: s\r\n\r\nx\r\n");
    ASSERT_TRUE(from) << from.failure().why;
    auto ipn = [](p22::information_object const& n) {
        auto m = samples::minimal_message();
        m.content = p22::encode(n);
        return p1::mts_apdu{m};
    };
    std::vector<p1::mts_apdu> const all{p1::mts_apdu{samples::full_message()}, p1::mts_apdu{samples::minimal_message()},
                                        p1::mts_apdu{samples::intl_message()}, p1::mts_apdu{samples::sample_report()},
                                        ipn(samples::receipt_notification()), ipn(samples::non_receipt_notification()),
                                        *from};
    std::size_t tried = 0;
    for (auto const& apdu : all) {
        auto const wire = p1::encode(apdu);
        for (std::size_t target = 0;; ++target) {
            std::size_t seen = 0;
            for (std::string_view const payload : {"\r\nX-Evil: 1", "\r\nX-Evil: 1\r\n", "\nX-Evil: 1", "\rX-Evil: 1",
                                                   "(013)(010)X-Evil:1(a)x"}) {
                seen = 0;
                auto const mutated = samples::with_text(wire, target, payload, seen);
                ASSERT_TRUE(mutated);
                if (target >= seen)
                    break;
                ++tried;
                auto decoded = p1::decode(as_bytes(*mutated));
                if (!decoded)
                    continue;
                auto mime = x4::to_mime(*decoded, map);
                if (mime) {
                    EXPECT_FALSE(planted_field(mime->message)) << "text value " << target << " as '" << payload
                                                                << "':\n" << mime->message;
                }
            }
            if (target >= seen)
                break;
        }
    }
    RecordProperty("mutations", static_cast<int>(tried));
    EXPECT_GT(tried, 1000u);
}

TEST(Mapping, WhatItWritesIsAlreadySanitized)
{
    for (auto const& m : {samples::full_message(), samples::minimal_message()}) {
        auto mime = x4::to_mime(p1::mts_apdu{m}, test_mapper());
        ASSERT_TRUE(mime);
        auto again = x400gw::mime::sanitize(mime->message);
        EXPECT_TRUE(again.unchanged) << (again.changes.empty() ? "" : again.changes[0].text);
    }
}

TEST(Mapping, RefusalsSayWhy)
{
    auto const map = test_mapper();
    auto probe = x4::to_mime(p1::mts_apdu{samples::sample_probe()}, map);
    ASSERT_FALSE(probe);
    EXPECT_NE(probe.failure().why.find("probe"), std::string::npos);
    auto edi = samples::minimal_message();
    edi.envelope.type.built_in = p1::content_types::edi;
    auto r = x4::to_mime(p1::mts_apdu{edi}, map);
    ASSERT_FALSE(r);
    EXPECT_NE(r.failure().why.find("edi-messaging"), std::string::npos);
    auto critical = samples::minimal_message();
    p1::extension_field f;
    f.standard = 44;
    f.criticality = samples::bits_of({p1::crit::for_delivery});
    critical.envelope.ext.other.push_back(f);
    r = x4::to_mime(p1::mts_apdu{critical}, map);
    ASSERT_FALSE(r);
    EXPECT_NE(r.failure().why.find("critical extension 44"), std::string::npos);
    auto bad = x4::from_mime({"Subject: x\r\n\r\nbody\r\n", "not an address", {"b@b.example"}, 0, "x"}, map);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.failure().why.find("MAIL FROM"), std::string::npos);
}

TEST(Mapping, ReportToDsnToReport)
{
    auto const map = test_mapper();
    auto const original = samples::sample_report();
    auto dsn = x4::to_mime(p1::mts_apdu{original}, map);
    ASSERT_TRUE(dsn) << dsn.failure().why;
    EXPECT_EQ(dsn->envelope.mail_from, "");
    EXPECT_NE(dsn->message.find("report-type=delivery-status"), std::string::npos);
    EXPECT_NE(dsn->message.find("Status: 5.1.1"), std::string::npos);
    EXPECT_NE(dsn->message.find("Content-Type: message/rfc822"), std::string::npos);   // returned content
    EXPECT_TRUE(x400gw::mime::sanitize(dsn->message).unchanged);
    auto back = x4::from_mime({dsn->message, "", {dsn->envelope.rcpt_to.at(0).address}, 1796385600, "rep-2"}, map);
    ASSERT_TRUE(back) << back.failure().why;
    auto const& r = std::get<p1::report>(*back);
    EXPECT_EQ(r.subject_id, original.subject_id);
    EXPECT_EQ(r.destination.address, original.destination.address);
    ASSERT_EQ(r.recipients.size(), original.recipients.size());
    for (std::size_t i = 0; i < r.recipients.size(); ++i) {
        EXPECT_EQ(r.recipients[i].actual_recipient, original.recipients[i].actual_recipient);
        EXPECT_EQ(r.recipients[i].report, original.recipients[i].report);
        EXPECT_EQ(r.recipients[i].arrival_time, original.recipients[i].arrival_time);
        EXPECT_EQ(r.recipients[i].supplementary_information, original.recipients[i].supplementary_information);
        EXPECT_EQ(r.recipients[i].originally_intended_recipient, original.recipients[i].originally_intended_recipient);
    }
}

// The report's own delivery-status part is the first one (RFC 6522); a
// later one (inside a returned message, say) does not replace it.
TEST(Mapping, TheFirstDeliveryStatusPartIsTheReport)
{
    auto const map = test_mapper();
    auto dsn = x4::to_mime(p1::mts_apdu{samples::sample_report()}, map);
    ASSERT_TRUE(dsn) << dsn.failure().why;
    auto text = dsn->message;
    auto const close = text.rfind("\r\n--x400gw-report--");
    ASSERT_NE(close, std::string::npos) << text;
    text.insert(close, "\r\n--x400gw-report\r\nContent-Type: message/delivery-status\r\n\r\n"
                       "Final-Recipient: rfc822; x@y.example\r\nAction: failed\r\n");
    auto back = x4::from_mime({text, "", {dsn->envelope.rcpt_to.at(0).address}, 1796385600, "rep-2"}, map);
    ASSERT_TRUE(back) << back.failure().why;
    EXPECT_EQ(std::get<p1::report>(*back).recipients.size(), samples::sample_report().recipients.size());
}

TEST(Mapping, IpnToMdnToIpn)
{
    auto const map = test_mapper();
    for (auto const& ipn : {p22::ipn{samples::receipt_notification()}, p22::ipn{samples::non_receipt_notification()}}) {
        auto m = samples::minimal_message();
        m.content = p22::encode(ipn);
        auto mdn = x4::to_mime(p1::mts_apdu{m}, map);
        ASSERT_TRUE(mdn) << mdn.failure().why;
        EXPECT_NE(mdn->message.find("report-type=disposition-notification"), std::string::npos);
        EXPECT_EQ(mdn->envelope.mail_from, "");
        EXPECT_TRUE(x400gw::mime::sanitize(mdn->message).unchanged);
        auto back = x4::from_mime({mdn->message, "", {"a@a.example"}, 1796385600, "n-1"}, map);
        ASSERT_TRUE(back) << back.failure().why;
        auto const& c = std::get<p1::message>(*back).content;
        auto decoded = p22::decode(as_bytes(c));
        ASSERT_TRUE(decoded);
        auto const& n = std::get<p22::ipn>(*decoded);
        EXPECT_EQ(n.subject_ipm, ipn.subject_ipm);
        EXPECT_EQ(n.ipn_originator->formal_name->address, ipn.ipn_originator->formal_name->address);
        EXPECT_EQ(n.fields, ipn.fields);
        if (ipn.ipm_intended_recipient) {
            ASSERT_TRUE(n.ipm_intended_recipient);
            EXPECT_EQ(n.ipm_intended_recipient->formal_name, ipn.ipm_intended_recipient->formal_name);
        }
        EXPECT_EQ(std::get<p1::message>(*back).envelope.originator.address, ipn.ipn_originator->formal_name->address);
    }
}

TEST(Mapping, ForeignDsnsWithoutAnX400SubjectAreRefused)
{
    std::string const dsn = "From: MAILER-DAEMON@b.example\r\nTo: a@a.example\r\nMIME-Version: 1.0\r\n"
                            "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
                            "--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
                            "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
                            "Reporting-MTA: dns; b.example\r\nOriginal-Envelope-Id: abc123\r\n\r\n"
                            "Final-Recipient: rfc822; x@b.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
                            "--b--\r\n";
    auto r = x4::from_mime({dsn, "", {"a@a.example"}, 0, "x"}, test_mapper());
    ASSERT_FALSE(r);
    EXPECT_NE(r.failure().why.find("Original-Envelope-Id"), std::string::npos);
}

TEST(Mapping, Rfc5322Dates)
{
    EXPECT_EQ(x4::rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    EXPECT_EQ(x4::rfc5322_date(1796385600), "Fri, 04 Dec 2026 12:00:00 +0000");
    EXPECT_EQ(x4::parse_rfc5322_date("Fri, 04 Dec 2026 12:00:00 +0000"), 1796385600);
    EXPECT_EQ(x4::parse_rfc5322_date("4 Dec 2026 13:00:00 +0100"), 1796385600);
    EXPECT_EQ(x4::parse_rfc5322_date("Fri, 04 Dec 2026 12:00 +0000"), 1796385600);
    EXPECT_FALSE(x4::parse_rfc5322_date("yesterday"));
    // Signed fields out of range (the fuzzer's case overflowed the minutes).
    EXPECT_FALSE(x4::parse_rfc5322_date("4 Dec 2026 12:-130817600:00 +0000"));
    EXPECT_FALSE(x4::parse_rfc5322_date("4 Dec 2026 -1:00:00 +0000"));
    EXPECT_FALSE(x4::parse_rfc5322_date("4 Dec 2026 12:00:-5 +0000"));
    EXPECT_FALSE(x4::parse_rfc5322_date("4 Dec -2026 12:00:00 +0000"));
    EXPECT_FALSE(x4::parse_rfc5322_date("4 Dec 2147483647 12:00:00 +0000"));
}

// Golden files: each sample's to-mime output, committed under golden/.
// X400GW_UPDATE_GOLDEN=1 rewrites them (review the diff before committing).
TEST(Mapping, GoldenFiles)
{
    auto no_prmd = samples::minimal_message();   // no PRMD in the envelope or the heading
    no_prmd.envelope.trace[0].domain.prmd.reset();
    struct c2 {
        char const* name;
        p1::mts_apdu m;
    };
    std::vector<c2> const cases{{"message-full", p1::mts_apdu{samples::full_message()}},
                                {"message-intl", p1::mts_apdu{samples::intl_message()}},
                                {"message-minimal-no-prmd", p1::mts_apdu{no_prmd}},
                                {"report-dsn", p1::mts_apdu{samples::sample_report()}},
                                {"ipn-receipt-mdn", p1::mts_apdu{[] {
                                     auto m = samples::minimal_message();
                                     m.content = p22::encode(samples::receipt_notification());
                                     return m;
                                 }()}}};
    for (auto const& x : cases) {
        auto mime = x4::to_mime(x.m, test_mapper());
        ASSERT_TRUE(mime) << mime.failure().why;
        auto const actual = mime->message + "\r\n-- envelope\r\n" + x4::to_json(mime->envelope) + "\r\n";
        std::string const path = std::string(X400GW_X400_GOLDEN_DIR) + "/" + x.name + ".eml";
        if (std::getenv("X400GW_UPDATE_GOLDEN")) {
            std::ofstream(path, std::ios::binary) << actual;
            continue;
        }
        EXPECT_EQ(actual, read_file(path)) << x.name;
    }
}
