// P22 (X.420) InformationObjects: round trips, every truncation, every
// form X.690 allows, body parts kept opaque, the subject's explicit tag.
#include "samples.hpp"

#include "x400/describe.hpp"
#include "x400/p22.hpp"

#include <gtest/gtest.h>

namespace x4 = x400gw::x400;
namespace p22 = x400gw::x400::p22;
namespace ber = x400gw::x400::ber;
namespace samples = x400gw::x400::samples;

namespace {

ber::bytes as_bytes(std::string const& s)
{
    return {reinterpret_cast<std::uint8_t const*>(s.data()), s.size()};
}

std::vector<p22::information_object> all_samples()
{
    return {samples::full_ipm(), samples::receipt_notification(), samples::non_receipt_notification()};
}

} // namespace

TEST(P22, EverySampleRoundTrips)
{
    for (auto const& content : all_samples()) {
        auto const wire = p22::encode(content);
        auto back = p22::decode(as_bytes(wire));
        ASSERT_TRUE(back) << back.failure().offset << ": " << back.failure().reason;
        EXPECT_EQ(*back, content) << x4::to_text(x4::describe(*back));
        EXPECT_EQ(p22::encode(*back), wire);
    }
}

TEST(P22, EveryTruncationIsAnErrorInsideTheInput)
{
    for (auto const& content : all_samples()) {
        auto const wire = p22::encode(content);
        for (std::size_t cut = 0; cut < wire.size(); ++cut) {
            auto r = p22::decode(as_bytes(wire.substr(0, cut)));
            ASSERT_FALSE(r) << "cut at " << cut;
            EXPECT_LE(r.failure().offset, cut);
        }
    }
}

TEST(P22, IndefiniteLengthsAndSegmentedStringsDecodeTheSame)
{
    auto m = samples::full_ipm();
    // Parts kept encoded change with the rewrite; leave them out here.
    m.heading.extensions.clear();
    std::erase_if(m.body, [](p22::body_part const& b) {
        return std::holds_alternative<p22::nationally_defined>(b) || std::holds_alternative<p22::file_transfer>(b) ||
               std::holds_alternative<p22::general_text>(b);
    });
    auto const wire = p22::encode(m);
    for (bool segments : {false, true}) {
        auto other = samples::rewrite(wire, segments);
        ASSERT_TRUE(other);
        auto back = p22::decode(as_bytes(*other));
        ASSERT_TRUE(back) << back.failure().offset << ": " << back.failure().reason;
        EXPECT_EQ(*back, p22::information_object{m});
    }
}

TEST(P22, SubjectIsExplicitlyTagged)
{
    p22::ipm m;
    m.heading.this_ipm.user_relative_identifier = "x";
    m.heading.subject = "Hi";
    auto const wire = p22::encode(m);
    EXPECT_NE(wire.find(std::string("\xa8\x04\x14\x02Hi", 6)), std::string::npos);
    // The same IPM with [8] written implicitly, as an encoder that forgets
    // X.420's EXPLICIT would: refused, with the place and the reason.
    ber::writer w;
    auto top = w.begin(ber::context(0));
    auto head = w.begin(ber::universal(17));
    auto id = w.begin(ber::application(11));
    w.octets(ber::universal(19), "x");
    w.end(id);
    w.octets(ber::context(8), "Hi");
    w.end(head);
    auto body = w.begin(ber::universal(16));
    w.end(body);
    w.end(top);
    auto r = p22::decode(as_bytes(w.data()));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.failure().offset, w.data().find(std::string("\x88\x02Hi", 4)));
    EXPECT_NE(r.failure().reason.find("constructed"), std::string::npos) << r.failure().reason;
}

TEST(P22, UnknownBodyPartsAndExtendedTypesRideAlong)
{
    p22::ipm m;
    m.heading.this_ipm.user_relative_identifier = "x";
    // videotex [6] and an extended body part of a type x400gw does not know
    m.body.push_back(p22::opaque_body_part{"videotex", std::string("\xa6\x05\x31\x00\x16\x01v", 7)});
    ber::writer w;
    auto top = w.begin(ber::context(15));
    ber::external data;
    data.direct_reference = ber::oid::parse("1.3.6.1.4.1.58888.3");
    data.kind = ber::external::encoding::single_asn1_type;
    data.data = std::string("\x04\x01z", 3);
    w.ext(ber::universal(8), data);
    w.end(top);
    m.body.push_back(p22::opaque_body_part{"extended", w.take()});
    auto const wire = p22::encode(m);
    auto back = p22::decode(as_bytes(wire));
    ASSERT_TRUE(back) << back.failure().reason;
    EXPECT_EQ(*back, p22::information_object{m});
}

TEST(P22, NestedMessagesStopAtTheDepthLimit)
{
    p22::ipm m;
    m.heading.this_ipm.user_relative_identifier = "0";
    for (int i = 1; i < 40; ++i) {
        p22::ipm outer;
        outer.heading.this_ipm.user_relative_identifier = std::to_string(i);
        p22::message_body_part b;
        b.data.push_back(std::move(m));
        outer.body.push_back(std::move(b));
        m = std::move(outer);
    }
    auto const wire = p22::encode(m);
    EXPECT_TRUE(p22::decode(as_bytes(wire), ber::limits{200, 1'000'000, 1 << 20}));
    auto r = p22::decode(as_bytes(wire), ber::limits{64, 1'000'000, 1 << 20});
    ASSERT_FALSE(r);
    EXPECT_NE(r.failure().reason.find("depth"), std::string::npos);
}

TEST(P22, DescribeNamesTheFields)
{
    auto const text = x4::to_text(x4::describe(p22::information_object{samples::full_ipm()}));
    EXPECT_NE(text.find("subject: Quarterly report (draft)"), std::string::npos);
    EXPECT_NE(text.find("file-name: figures.csv"), std::string::npos);
    EXPECT_NE(text.find("sensitivity: company-confidential"), std::string::npos);
    auto const json = x4::to_json(x4::describe(p22::information_object{samples::receipt_notification()}));
    EXPECT_NE(json.find("\"receipt-time\":\"261204113000Z\""), std::string::npos);
}
