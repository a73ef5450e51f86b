// tests/gateway/password_test.cpp: SASLprep (RFC 4013) as SMTP AUTH and
// x400gwctl's user commands use it, and the Argon2id round trip.
#include "gateway/password.hpp"

#include <gtest/gtest.h>

using x400gw::gateway::saslprep;

// RFC 4013 section 3, the examples, and the mappings behind them.
TEST(Saslprep, Rfc4013Examples)
{
    for (bool stored : {false, true}) {
        EXPECT_EQ(saslprep("I\xc2\xad" "X", stored), "IX");   // SOFT HYPHEN mapped to nothing
        EXPECT_EQ(saslprep("user", stored), "user");
        EXPECT_EQ(saslprep("USER", stored), "USER");          // no case folding
        EXPECT_EQ(saslprep("\xc2\xaa", stored), "a");         // FEMININE ORDINAL INDICATOR, NFKC
        EXPECT_EQ(saslprep("\xe2\x85\xa8", stored), "IX");    // ROMAN NUMERAL NINE, NFKC
        EXPECT_EQ(saslprep("\x07", stored), std::nullopt);    // a control character: prohibited
        EXPECT_EQ(saslprep("\xd8\xa7" "1", stored), std::nullopt); // RandALCat then LCat: bidi
        EXPECT_EQ(saslprep("correct\xc2\xa0horse", stored), "correct horse"); // NO-BREAK SPACE
        EXPECT_EQ(saslprep("caf\xc3\xa9", stored), "caf\xc3\xa9");
        EXPECT_EQ(saslprep("cafe\xcc\x81", stored), "caf\xc3\xa9"); // e + COMBINING ACUTE: NFKC
        EXPECT_EQ(saslprep(std::string_view("a\0b", 3), stored), std::nullopt);
        EXPECT_EQ(saslprep("caf\xe9", stored), std::nullopt); // Latin-1, not UTF-8
    }
    // U+0221 was unassigned in Unicode 3.2: refused for a stored string only.
    EXPECT_EQ(saslprep("a\xc8\xa1", false), "a\xc8\xa1");
    EXPECT_EQ(saslprep("a\xc8\xa1", true), std::nullopt);
}

TEST(Password, HashesVerifyOnlyTheirPassword)
{
    auto const hash = x400gw::gateway::hash_password("correct horse");
    ASSERT_TRUE(hash);
    EXPECT_TRUE(x400gw::gateway::verify_password(hash, "correct horse"));
    EXPECT_FALSE(x400gw::gateway::verify_password(hash, "correct horse "));
    EXPECT_FALSE(x400gw::gateway::verify_password(std::nullopt, "correct horse"));
}
