// BER reader and writer: X.690 forms, the errors with their offsets, the limits.
#include "x400/ber.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ber = x400gw::x400::ber;

namespace {

ber::bytes as_bytes(std::string const& s)
{
    return {reinterpret_cast<std::uint8_t const*>(s.data()), s.size()};
}

std::string h(std::initializer_list<int> octets)
{
    std::string s;
    for (int o : octets)
        s += static_cast<char>(o);
    return s;
}

// The first element of `wire`, read with the given limits; the session is
// returned so tests can look at its error.
struct one {
    std::string wire;
    ber::session s;
    std::optional<ber::element> e;
    explicit one(std::string w, ber::limits l = {}) : wire(std::move(w)), s(as_bytes(wire), l)
    {
        ber::reader r(s, as_bytes(wire));
        e = r.next();
    }
};

} // namespace

TEST(BerIdentifier, HighTagNumbersRoundTrip)
{
    for (std::uint32_t n : {0u, 1u, 30u, 31u, 127u, 128u, 16383u, 16384u, 2097151u, 268435455u}) {
        ber::writer w;
        w.integer(ber::context(n), 5);
        one r(w.data());
        ASSERT_TRUE(r.e) << n << ": " << r.s.failure().reason;
        EXPECT_EQ(r.e->tag, ber::context(n));
        EXPECT_EQ(ber::read_integer(r.s, *r.e), 5);
    }
    EXPECT_EQ(ber::encode_identifier(ber::application(31), true), h({0x7f, 0x1f}));
    EXPECT_EQ(ber::encode_identifier(ber::context(201), false), h({0x9f, 0x81, 0x49}));
}

TEST(BerIdentifier, RefusesWhatX690Forbids)
{
    one leading_zero(h({0x9f, 0x80, 0x01, 0x00}));
    EXPECT_FALSE(leading_zero.e);
    EXPECT_EQ(leading_zero.s.failure().offset, 1u);
    one short_in_long(h({0x9f, 0x05, 0x00}));
    EXPECT_FALSE(short_in_long.e);
    EXPECT_NE(short_in_long.s.failure().reason.find("below 31"), std::string::npos);
    one too_big(h({0x9f, 0x8f, 0xff, 0xff, 0xff, 0x7f, 0x00}));
    EXPECT_FALSE(too_big.e);
}

TEST(BerLength, ShortLongAndIndefinite)
{
    EXPECT_EQ(ber::encode_length(0), h({0}));
    EXPECT_EQ(ber::encode_length(127), h({127}));
    EXPECT_EQ(ber::encode_length(128), h({0x81, 0x80}));
    EXPECT_EQ(ber::encode_length(256), h({0x82, 0x01, 0x00}));
    // A long form with leading zero octets is legal BER.
    one padded(h({0x04, 0x83, 0x00, 0x00, 0x02, 'h', 'i'}));
    ASSERT_TRUE(padded.e);
    EXPECT_EQ(ber::read_octets(padded.s, *padded.e), "hi");
    // SEQUENCE { INTEGER 1, SEQUENCE(indefinite) { INTEGER 2 } } all indefinite.
    one indef(h({0x30, 0x80, 0x02, 0x01, 0x01, 0x30, 0x80, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00}));
    ASSERT_TRUE(indef.e) << indef.s.failure().reason;
    EXPECT_TRUE(indef.e->indefinite);
    EXPECT_EQ(indef.e->end, indef.wire.size());
    ber::reader r(indef.s, indef.e->content, 1);
    auto a = r.next();
    auto b = r.next();
    ASSERT_TRUE(a && b);
    EXPECT_EQ(ber::read_integer(indef.s, *a), 1);
    ber::reader inner = r.enter(*b);
    auto c = inner.next();
    ASSERT_TRUE(c);
    EXPECT_EQ(ber::read_integer(indef.s, *c), 2);
    EXPECT_TRUE(r.at_end());
    EXPECT_FALSE(indef.s.failed());
}

TEST(BerLength, ErrorsCarryTheirOffset)
{
    struct bad {
        std::string wire;
        std::size_t offset;
        char const* reason;
    };
    bad const cases[] = {
        {h({0x04, 0x80, 0x00, 0x00}), 1, "indefinite length on a primitive"},
        {h({0x30, 0xff}), 1, "reserved"},
        {h({0x30, 0x05, 0x02, 0x01}), 2, "beyond the end"},
        {h({0x30, 0x80, 0x02, 0x01, 0x01}), 5, "end-of-contents missing"},
        {h({0x30, 0x80, 0x00, 0x01}), 2, "non-zero length"},
        {h({0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9}), 1, "more than 8 octets"},
        {h({0x30}), 1, "length expected"},
        {h({0x00, 0x00}), 0, "unexpected end-of-contents"},
        {h({0x00, 0x01, 0x00}), 1, "reserved for end-of-contents"},
        {h({0x30, 0x80, 0x20, 0x00, 0x00, 0x00}), 3, "reserved for end-of-contents"},
    };
    for (auto const& c : cases) {
        one r(c.wire);
        EXPECT_FALSE(r.e);
        ASSERT_TRUE(r.s.failed());
        EXPECT_EQ(r.s.failure().offset, c.offset) << c.reason;
        EXPECT_NE(r.s.failure().reason.find(c.reason), std::string::npos) << r.s.failure().reason;
    }
}

TEST(BerLimits, DepthElementsAndSize)
{
    // 100 nested indefinite SEQUENCEs: refused at the depth limit, not by the stack.
    std::string deep;
    for (int i = 0; i < 100; ++i)
        deep += h({0x30, 0x80});
    for (int i = 0; i < 100; ++i)
        deep += h({0x00, 0x00});
    ber::limits l;
    l.max_depth = 16;
    one r(deep, l);
    EXPECT_FALSE(r.e);
    EXPECT_NE(r.s.failure().reason.find("depth"), std::string::npos);

    // Definite nesting is refused when entered past the limit.
    std::string def = h({0x05, 0x00});
    for (int i = 0; i < 20; ++i)
        def = h({0x30}) + ber::encode_length(def.size()) + def;
    ber::session s(as_bytes(def), l);
    ber::reader top(s, as_bytes(def));
    auto e = top.next();
    ber::reader cur = top;
    for (int i = 0; i < 20 && e && !s.failed(); ++i) {
        cur = cur.enter(*e);
        e = cur.next();
    }
    EXPECT_TRUE(s.failed());
    EXPECT_NE(s.failure().reason.find("depth"), std::string::npos);

    std::string many;
    for (int i = 0; i < 50; ++i)
        many += h({0x05, 0x00});
    ber::limits few;
    few.max_elements = 10;
    ber::session s2(as_bytes(many), few);
    ber::reader r2(s2, as_bytes(many));
    int n = 0;
    while (r2.next())
        ++n;
    EXPECT_EQ(n, 10);
    EXPECT_NE(s2.failure().reason.find("element limit"), std::string::npos);

    ber::limits small;
    small.max_size = 4;
    ber::session s3(as_bytes(many), small);
    EXPECT_TRUE(s3.failed());
}

TEST(BerStrings, ConstructedAtAnyDepth)
{
    // OCTET STRING (constructed, indefinite) { "ab", (constructed) { "cd" }, "e" }
    one r(h({0x24, 0x80, 0x04, 0x02, 'a', 'b', 0x24, 0x04, 0x04, 0x02, 'c', 'd', 0x04, 0x01, 'e', 0x00, 0x00}));
    ASSERT_TRUE(r.e);
    EXPECT_EQ(ber::read_octets(r.s, *r.e), "abcde");
    // A PrintableString in segments (OCTET STRING segments, X.690 8.23.6).
    one p(h({0x33, 0x08, 0x04, 0x02, 'A', 'B', 0x04, 0x02, 'C', 'D'}));
    ASSERT_TRUE(p.e);
    EXPECT_EQ(ber::read_string(p.s, *p.e, ber::u::printable_string), "ABCD");
    // A segment of the wrong type is refused at its offset.
    one bad(h({0x24, 0x04, 0x02, 0x02, 'a', 'b'}));
    EXPECT_FALSE(ber::read_octets(bad.s, *bad.e));
    EXPECT_EQ(bad.s.failure().offset, 2u);
}

TEST(BerStrings, CharacterSets)
{
    struct c {
        std::uint32_t type;
        std::string value;
        bool ok;
    };
    c const cases[] = {
        {ber::u::printable_string, "Ann Lee (ATC) +1 ?=:/.,-'", true},
        {ber::u::printable_string, "a@b", false},
        {ber::u::numeric_string, "0123 45", true},
        {ber::u::numeric_string, "12a", false},
        {ber::u::ia5_string, "any@thing~", true},
        {ber::u::ia5_string, "\xe9", false},
        {ber::u::bmp_string, h({0, 'A', 0x20, 0xac}), true},
        {ber::u::bmp_string, "abc", false},
        {ber::u::universal_string, h({0, 0, 0, 'A'}), true},
        {ber::u::universal_string, h({0, 0, 'A'}), false},
        {ber::u::utf8_string, "caf\xc3\xa9", true},
        {ber::u::utf8_string, "\xc3", false},
        {ber::u::utf8_string, "\xed\xa0\x80", false},
        {ber::u::teletex_string, "\xc2" "e", true},
        {ber::u::graphic_string, "x", true},
        {ber::u::general_string, "x", true},
    };
    for (auto const& x : cases) {
        ber::writer w;
        w.octets(ber::universal(x.type), x.value);
        one r(w.data());
        ASSERT_TRUE(r.e);
        auto v = ber::read_string(r.s, *r.e, x.type);
        EXPECT_EQ(v.has_value(), x.ok) << x.type << " " << x.value;
        if (x.ok) {
            EXPECT_EQ(*v, x.value);
        }
    }
    EXPECT_EQ(ber::bmp_to_utf8(h({0, 'A', 0x20, 0xac})), "A\xe2\x82\xac");
    EXPECT_EQ(ber::universal_to_utf8(h({0, 1, 0xf6, 0x00})), "\xf0\x9f\x98\x80");
}

TEST(BerIntegers, ShortestFormsRoundTrip)
{
    for (std::int64_t v : std::initializer_list<std::int64_t>{0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, -32768,
                                                              4294967296LL, INT64_MAX, INT64_MIN}) {
        ber::writer w;
        w.integer(ber::universal(ber::u::integer), v);
        one r(w.data());
        ASSERT_TRUE(r.e);
        EXPECT_EQ(ber::read_integer(r.s, *r.e), v);
    }
    ber::writer w;
    w.integer(ber::universal(ber::u::integer), 128);
    EXPECT_EQ(w.data(), h({0x02, 0x02, 0x00, 0x80}));
    one empty(h({0x02, 0x00}));
    EXPECT_FALSE(ber::read_integer(empty.s, *empty.e));
    one huge(h({0x02, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_FALSE(ber::read_integer(huge.s, *huge.e));
    one padded(h({0x02, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 5}));
    EXPECT_EQ(ber::read_integer(padded.s, *padded.e), 5);
}

TEST(BerBitString, PrimitiveAndConstructed)
{
    ber::bit_string b;
    b.set(0);
    b.set(3);
    EXPECT_EQ(b.size(), 4u);
    ber::writer w;
    w.bits(ber::universal(ber::u::bit_string), b);
    EXPECT_EQ(w.data(), h({0x03, 0x02, 0x04, 0x90}));
    one r(w.data());
    EXPECT_EQ(ber::read_bit_string(r.s, *r.e), b);
    one c(h({0x23, 0x80, 0x03, 0x02, 0x00, 0xff, 0x03, 0x02, 0x04, 0x90, 0x00, 0x00}));
    auto v = ber::read_bit_string(c.s, *c.e);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->size(), 12u);
    EXPECT_TRUE(v->test(8));
    EXPECT_FALSE(v->test(9));
    one bad_unused(h({0x03, 0x01, 0x03}));
    EXPECT_FALSE(ber::read_bit_string(bad_unused.s, *bad_unused.e));
    one mid_unused(h({0x23, 0x08, 0x03, 0x02, 0x04, 0x90, 0x03, 0x02, 0x00, 0xff}));
    EXPECT_FALSE(ber::read_bit_string(mid_unused.s, *mid_unused.e));
}

TEST(BerOid, RoundTripAndForms)
{
    for (char const* text : {"2.6.1.10.1", "1.2.840.113549.1.9.16.1.2", "0.0", "2.999.3", "2.6.0.2.12",
                             "1.3.6.1.4.1.18446744073709551615"}) {
        auto o = ber::oid::parse(text);
        ASSERT_TRUE(o) << text;
        ber::writer w;
        w.object_id(ber::universal(ber::u::object_identifier), *o);
        one r(w.data());
        auto back = ber::read_oid(r.s, *r.e);
        ASSERT_TRUE(back) << text << ": " << r.s.failure().reason;
        EXPECT_EQ(back->to_string(), text);
    }
    EXPECT_FALSE(ber::oid::parse("3.1"));
    EXPECT_FALSE(ber::oid::parse("1.40"));
    EXPECT_FALSE(ber::oid::parse("1..2"));
    one lead(h({0x06, 0x02, 0x80, 0x01}));
    EXPECT_FALSE(ber::read_oid(lead.s, *lead.e));
    one open_end(h({0x06, 0x02, 0x56, 0x81}));
    EXPECT_FALSE(ber::read_oid(open_end.s, *open_end.e));
}

TEST(BerTime, UtcAndGeneralized)
{
    auto t = [](char const* text, bool g) { return ber::time_point(ber::time_value{text, g}); };
    EXPECT_EQ(t("700101000000Z", false), 0);
    EXPECT_EQ(t("7001010000Z", false), 0);
    EXPECT_EQ(t("700101010000+0100", false), 0);
    EXPECT_EQ(t("491231235959Z", false), 2524607999);
    EXPECT_EQ(t("19700101000000Z", true), 0);
    EXPECT_EQ(t("19700101000000.123Z", true), 0);
    EXPECT_EQ(t("1970010100", true), 0);
    EXPECT_FALSE(t("700101000000", false));
    EXPECT_FALSE(t("701301000000Z", false));
    EXPECT_FALSE(t("700230000000Z", false));
    EXPECT_FALSE(t("700101000000Zx", false));
    EXPECT_EQ(t("000229120000Z", false), 951825600);
    for (std::int64_t v : std::initializer_list<std::int64_t>{0, 951825600, 2524607999, 1796299200})
        EXPECT_EQ(ber::time_point(ber::utc_time_from(v)), v);
    one bad(h({0x17, 0x03, '7', '0', 'Z'}));
    EXPECT_FALSE(ber::read_time(bad.s, *bad.e, false));
}

TEST(BerExternal, ThreeEncodings)
{
    ber::external x;
    x.direct_reference = ber::oid::parse("2.6.1.4.0");
    x.indirect_reference = 3;
    x.data_value_descriptor = "a descriptor";
    x.kind = ber::external::encoding::single_asn1_type;
    x.data = h({0x02, 0x01, 0x07});
    for (auto kind : {ber::external::encoding::single_asn1_type, ber::external::encoding::octet_aligned,
                      ber::external::encoding::arbitrary}) {
        x.kind = kind;
        ber::writer w;
        w.ext(ber::universal(ber::u::external), x);
        one r(w.data());
        ASSERT_TRUE(r.e);
        auto back = ber::read_external(r.s, *r.e);
        ASSERT_TRUE(back) << r.s.failure().reason;
        EXPECT_EQ(*back, x);
    }
    one no_encoding(h({0x28, 0x03, 0x06, 0x01, 0x28}));
    EXPECT_FALSE(ber::read_external(no_encoding.s, *no_encoding.e));
}

TEST(BerWriter, NestedLengthsAcrossTheLongFormBoundary)
{
    ber::writer w;
    auto outer = w.begin(ber::universal(ber::u::sequence));
    auto inner = w.begin(ber::context(1));
    w.octets(ber::universal(ber::u::octet_string), std::string(200, 'x'));
    w.end(inner);
    w.integer(ber::universal(ber::u::integer), 1);
    w.end(outer);
    one r(w.data());
    ASSERT_TRUE(r.e);
    EXPECT_EQ(r.e->end, w.data().size());
    ber::reader c(r.s, r.e->content, 1);
    auto a = c.next();
    auto b = c.next();
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->content.size(), 203u);
    EXPECT_EQ(ber::read_integer(r.s, *b), 1);
}
