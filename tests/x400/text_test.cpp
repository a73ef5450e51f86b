// T.61 (Teletex) text to and from UTF-8, and the shared text helpers.
#include "x400/text.hpp"

#include <gtest/gtest.h>

namespace text = x400gw::x400::text;

TEST(Text, T61DiacriticsCombineWithTheFollowingLetter)
{
    EXPECT_EQ(text::t61_to_utf8("Caf\xc2" "e"), "Caf\u00e9");
    EXPECT_EQ(text::t61_to_utf8("\xe8\xc2od\xc2z"), "\u0141\u00f3d\u017a");          // Łódź
    EXPECT_EQ(text::t61_to_utf8("Gr\xc8u\xfb" "e"), "Gr\u00fc\u00dfe");                // Grüße
    EXPECT_EQ(text::t61_to_utf8("\xcf" "c\xcfs"), "\u010d\u0161");                     // caron: čš
    EXPECT_EQ(text::t61_to_utf8("\xc9u"), "\u00fc");                                   // the old umlaut
    EXPECT_EQ(text::t61_to_utf8("\xcb" "c"), "\u00e7");                                // cedilla
    EXPECT_EQ(text::t61_to_utf8("\xce" "a"), "\u0105");                                // ogonek
    EXPECT_EQ(text::t61_to_utf8("\xcd" "o"), "\u0151");                                // double acute
}

TEST(Text, T61DiacriticWithoutALetter)
{
    // Before a space: the spacing form, the space consumed; at the end too.
    EXPECT_EQ(text::t61_to_utf8("a\xc2 b"), "a\u00b4b");
    EXPECT_EQ(text::t61_to_utf8("a\xc8"), "a\u00a8");
    // A pair with no precomposed character: the letter and the combining mark.
    EXPECT_EQ(text::t61_to_utf8("\xc2q"), "q\u0301");
    // Before another diacritic: the spacing form, then the next pair.
    EXPECT_EQ(text::t61_to_utf8("\xc1\xc2" "e"), "`\u00e9");
}

TEST(Text, T61SupplementarySetAndUndefinedOctets)
{
    EXPECT_EQ(text::t61_to_utf8("\xa3" "5 \xa7" "1 \xb0 \xbd"), "\u00a35 \u00a71 \u00b0 \u00bd");
    EXPECT_EQ(text::t61_to_utf8("\xe1\xea\xf1\xfa\xe9\xf9"), "\u00c6\u0152\u00e6\u0153\u00d8\u00f8");
    EXPECT_EQ(text::t61_to_utf8("\xa4\xa6"), "$#");
    std::size_t unmapped = 0;
    EXPECT_EQ(text::t61_to_utf8("a\x85" "b\xd5\xe5\xff\x1b", &unmapped), "a\ufffdb\ufffd\ufffd\ufffd\ufffd");
    EXPECT_EQ(unmapped, 5u);
    EXPECT_EQ(text::t61_to_utf8("plain ASCII {~}", &unmapped), "plain ASCII {~}");
    EXPECT_EQ(unmapped, 0u);
}

TEST(Text, Utf8ToT61WritesWhatT61Has)
{
    std::size_t bad = 0;
    EXPECT_EQ(text::utf8_to_t61("\u0141\u00f3d\u017a", &bad), "\xe8\xc2od\xc2z");
    EXPECT_EQ(bad, 0u);
    EXPECT_EQ(text::utf8_to_t61("Gr\u00fc\u00dfe"), "Gr\xc8u\xfb" "e");
    // A combining mark after a letter goes before it.
    EXPECT_EQ(text::utf8_to_t61("q\u0301"), "\xc2q");
    // Spacing accents are diacritic + space.
    EXPECT_EQ(text::utf8_to_t61("\u00b4"), "\xc2 ");
    // No T.61 form: '?', counted; so is a malformed sequence.
    EXPECT_EQ(text::utf8_to_t61("5 \u20ac \u4e2d \xff", &bad), "5 ? ? ?");
    EXPECT_EQ(bad, 3u);
    EXPECT_TRUE(text::t61_representable("caf\u00e9 \u0141\u00f3d\u017a"));
    EXPECT_FALSE(text::t61_representable("\u20ac"));
}

TEST(Text, T61RoundTripsEveryCharacterItWrites)
{
    // Every octet pair diacritic + letter and every single octet T.61
    // defines reads to UTF-8 and writes back to the same octets.
    for (int d = 0xc1; d <= 0xcf; ++d) {
        if (d == 0xc9)
            continue; // the old umlaut: read as 0xc8, written as 0xc8
        for (char l : std::string("AEIOUYCGSZaeiouycgszNn")) {
            std::string const t61{static_cast<char>(d), l};
            std::size_t unmapped = 0, bad = 0;
            auto const utf8 = text::t61_to_utf8(t61, &unmapped);
            EXPECT_EQ(unmapped, 0u);
            EXPECT_EQ(text::utf8_to_t61(utf8, &bad), t61) << d << l;
            EXPECT_EQ(bad, 0u);
        }
    }
    for (int c = 0xa0; c <= 0xff; ++c) {
        if ((c >= 0xc0 && c <= 0xdf) || c == 0xa4 || c == 0xa6 || c == 0xe5 || c == 0xff)
            continue;
        std::string const t61(1, static_cast<char>(c));
        EXPECT_EQ(text::utf8_to_t61(text::t61_to_utf8(t61)), t61) << c;
    }
}

TEST(Text, Helpers)
{
    EXPECT_EQ(text::hex(std::string("\x00\xff\x10", 3)), "00ff10");
    std::string j;
    text::append_json_string(j, "a\"\\\n\x01\xc3");
    EXPECT_EQ(j, "\"a\\\"\\\\\\n\\u0001\\u00c3\"");
    std::string u;
    text::append_utf8(u, 0x1f600);
    text::append_utf8(u, 0xd800);
    EXPECT_EQ(u, "\U0001f600\ufffd");
    EXPECT_EQ(text::latin1_to_utf8("\xe9"), "\u00e9");
}
