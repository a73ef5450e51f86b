// P1 (X.411) MTS-APDUs: round trips, every truncation, every form X.690
// allows, extensions kept opaque and their criticality.
#include "samples.hpp"

#include "x400/describe.hpp"
#include "x400/p1.hpp"

#include <gtest/gtest.h>

namespace x4 = x400gw::x400;
namespace p1 = x400gw::x400::p1;
namespace ber = x400gw::x400::ber;
namespace samples = x400gw::x400::samples;

namespace {

ber::bytes as_bytes(std::string const& s)
{
    return {reinterpret_cast<std::uint8_t const*>(s.data()), s.size()};
}

p1::mts_apdu decoded(std::string const& wire)
{
    auto r = p1::decode(as_bytes(wire));
    EXPECT_TRUE(r) << "at " << r.failure().offset << ": " << r.failure().reason;
    return r ? *r : p1::mts_apdu{};
}

std::vector<p1::mts_apdu> all_samples()
{
    return {samples::full_message(), samples::minimal_message(), samples::sample_probe(), samples::sample_report()};
}

} // namespace

TEST(P1, EverySampleRoundTrips)
{
    for (auto const& apdu : all_samples()) {
        auto const wire = p1::encode(apdu);
        auto back = decoded(wire);
        EXPECT_EQ(back, apdu) << x4::to_text(x4::describe(back));
        EXPECT_EQ(p1::encode(back), wire);
    }
}

TEST(P1, AMessageIsItsEnvelopeThenItsContent)
{
    auto const wire = p1::encode(samples::minimal_message());
    EXPECT_EQ(static_cast<unsigned char>(wire[0]), 0xa0);
    ber::session s(as_bytes(wire));
    ber::reader top(s, as_bytes(wire));
    auto m = top.next();
    ASSERT_TRUE(m);
    auto r = top.enter(*m);
    auto env = r.next();
    ASSERT_TRUE(env);
    EXPECT_EQ(env->tag, ber::universal(17));
    auto content = r.next();
    ASSERT_TRUE(content);
    EXPECT_EQ(ber::read_octets(s, *content), samples::minimal_message().content);
    // The envelope's first element is the MTSIdentifier [APPLICATION 4].
    auto e = r.enter(*env);
    auto id = e.next();
    ASSERT_TRUE(id);
    EXPECT_EQ(id->tag, ber::application(4));
    EXPECT_EQ(ber::raw(s, *id), std::string("\x64\x10\x63\x0b\x61\x04\x13\x02XX\x62\x03\x13\x01" "A\x16\x01" "1"));
}

TEST(P1, EveryTruncationIsAnErrorInsideTheInput)
{
    for (auto const& apdu : all_samples()) {
        auto const wire = p1::encode(apdu);
        for (std::size_t cut = 0; cut < wire.size(); ++cut) {
            auto r = p1::decode(as_bytes(wire.substr(0, cut)));
            ASSERT_FALSE(r) << "cut at " << cut;
            EXPECT_LE(r.failure().offset, cut);
            EXPECT_FALSE(r.failure().reason.empty());
        }
    }
}

TEST(P1, TrailingOctetsAreRefused)
{
    auto wire = p1::encode(samples::minimal_message()) + std::string("\x05\x00", 2);
    auto r = p1::decode(as_bytes(wire));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.failure().offset, wire.size() - 2);
}

TEST(P1, IndefiniteLengthsAndSegmentedStringsDecodeTheSame)
{
    for (auto const& apdu : all_samples()) {
        auto copy = apdu;
        // Opaque parts keep their own encoding, which the rewrite changes.
        if (auto* m = std::get_if<p1::message>(&copy))
            m->envelope.ext.other.clear();
        auto const wire = p1::encode(copy);
        for (bool segments : {false, true}) {
            auto other = samples::rewrite(wire, segments);
            ASSERT_TRUE(other);
            ASSERT_NE(*other, wire);
            EXPECT_EQ(decoded(*other), copy) << (segments ? "segments" : "indefinite");
        }
    }
}

TEST(P1, UnknownExtensionsAreWrittenBackUnchangedWithTheirCriticality)
{
    auto m = samples::minimal_message();
    p1::extension_field f;
    f.standard = 44;
    f.criticality = samples::bits_of({p1::crit::for_transfer, p1::crit::for_delivery});
    f.value = std::string("\x30\x80\x02\x01\x01\x00\x00", 7); // its own (indefinite) encoding
    m.envelope.ext.other.push_back(f);
    auto const wire = p1::encode(m);
    EXPECT_NE(wire.find(f.value), std::string::npos);
    auto back = std::get<p1::message>(decoded(wire));
    ASSERT_EQ(back.envelope.ext.other.size(), 1u);
    EXPECT_EQ(back.envelope.ext.other[0], f);
    auto const* critical = back.envelope.ext.critical_unsupported(p1::crit::for_delivery);
    ASSERT_NE(critical, nullptr);
    EXPECT_EQ(critical->standard, 44);
    EXPECT_EQ(back.envelope.ext.critical_unsupported(p1::crit::for_submission), nullptr);
}

TEST(P1, AModelledExtensionWithAnUnexpectedValueStaysOpaque)
{
    auto m = samples::minimal_message();
    p1::extension_field f;
    f.standard = p1::ext::latest_delivery_time;
    f.value = std::string("\x02\x01\x05", 3); // an INTEGER where a UTCTime belongs
    m.envelope.ext.other.push_back(f);
    auto back = std::get<p1::message>(decoded(p1::encode(m)));
    EXPECT_FALSE(back.envelope.ext.latest_delivery_time);
    ASSERT_EQ(back.envelope.ext.other.size(), 1u);
    EXPECT_EQ(back.envelope.ext.other[0], f);
}

TEST(P1, AnImplicitlyTaggedExtensionValueIsRefused)
{
    // [2] around an open type is explicit (X.680 31.2.7); an encoder that
    // writes it implicitly produces a primitive [2].
    auto m = samples::minimal_message();
    p1::extension_field f;
    f.standard = p1::ext::content_correlator;
    f.value = "X";
    m.envelope.ext.other.push_back(f);
    auto wire = p1::encode(m);
    auto const explicit_form = std::string("\xa2\x01X", 3);
    auto at = wire.find(explicit_form);
    ASSERT_NE(at, std::string::npos);
    auto implicit = wire;
    implicit[at] = '\x82';
    auto r = p1::decode(as_bytes(implicit));
    ASSERT_FALSE(r);
    EXPECT_NE(r.failure().reason.find("explicit"), std::string::npos) << r.failure().reason;
}

TEST(P1, UnmodelledOrAddressAttributesRideAlong)
{
    auto m = samples::minimal_message();
    // An unknown type 99, and a teletex-common-name (2) whose value is not
    // a TeletexString: both kept as they arrived.
    std::string const unknown("\x30\x08\x80\x01\x63\xa1\x03\x02\x01\x07", 10);
    std::string const odd_cn("\x30\x0a\x80\x01\x02\xa1\x05\x13\x03" "Ann", 12);
    m.envelope.originator.opaque_attributes = {unknown, odd_cn};
    m.envelope.originator.directory_name = std::string("\x30\x00", 2);
    auto back = std::get<p1::message>(decoded(p1::encode(m)));
    EXPECT_EQ(back.envelope.originator, m.envelope.originator);
}

TEST(P1, TeletexCommonNameIsReadIntoTheAddress)
{
    auto m = samples::minimal_message();
    // teletex-common-name (2) as a TeletexString: RFC 2156 3.3.4's "*" form.
    std::string const teletex_cn("\x30\x0a\x80\x01\x02\xa1\x05\x14\x03" "A\xc8n", 12);
    m.envelope.originator.opaque_attributes = {teletex_cn};
    auto back = std::get<p1::message>(decoded(p1::encode(m)));
    EXPECT_TRUE(back.envelope.originator.opaque_attributes.empty());
    EXPECT_EQ(back.envelope.originator.address.common_name, "*A{200}n");
    // Written back as the same attribute.
    EXPECT_NE(p1::encode(back).find(teletex_cn), std::string::npos);
}

TEST(P1, OrAddressWithoutPrmdAndWithNumericDomains)
{
    auto m = samples::minimal_message();
    m.envelope.originator.address.c = "208";
    m.envelope.originator.address.admd = "0";
    m.envelope.recipients[0].name.address.prmd.reset();
    auto back = std::get<p1::message>(decoded(p1::encode(m)));
    EXPECT_EQ(back, m);
}

TEST(P1, SchemaErrorsNameTheField)
{
    struct c {
        std::string wire;
        char const* reason;
    };
    c const cases[] = {
        {std::string("\xa3\x00", 2), "not an MTS-APDU"},
        {std::string("\xa0\x00", 2), "MessageTransferEnvelope"},
        {std::string("\xa0\x02\x31\x00", 4), "message-identifier missing"},
        {std::string(), "empty input"},
    };
    for (auto const& x : cases) {
        auto r = p1::decode(as_bytes(x.wire));
        ASSERT_FALSE(r);
        EXPECT_NE(r.failure().reason.find(x.reason), std::string::npos) << r.failure().reason;
    }
    // A recipient without its indicators.
    auto m = samples::minimal_message();
    auto wire = p1::encode(m);
    auto const indicators = std::string("\x81\x02\x00\xa8", 4);
    auto at = wire.find(indicators);
    ASSERT_NE(at, std::string::npos);
    wire[at] = '\x84'; // [4] is no field of PerRecipientMessageTransferFields
    auto r = p1::decode(as_bytes(wire));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.failure().offset, at);
}

TEST(P1, DescribeRendersNamedFields)
{
    auto const text = x4::to_text(x4::describe(p1::mts_apdu{samples::full_message()}));
    EXPECT_NE(text.find("priority: urgent"), std::string::npos);
    EXPECT_NE(text.find("local-identifier: msg-0001.x400gw"), std::string::npos);
    EXPECT_NE(text.find("PD-ADDRESS: 1 Main St|Springfield"), std::string::npos);
    auto const json = x4::to_json(x4::describe(p1::mts_apdu{samples::sample_report()}));
    EXPECT_NE(json.find("\"non-delivery-reason-code\":1"), std::string::npos);
    EXPECT_NE(json.find("\"mta-name\":\"mta1.atc\""), std::string::npos);
}
