// tests/mime/golden_test.cpp
//
// tests/mime/cases/NAME.eml next to NAME.expected (its BODYSTRUCTURE, as
// `x400gwctl mime structure` prints it),
// NAME.sanitized and NAME.sanitized7 (the sanitizer's output without and
// with the 7-bit option). Adding a case means adding the .eml and running
// the test once with X400GW_UPDATE_GOLDEN=1 to write the others, then
// reading them.
#include "mime/sanitizer.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace m = x400gw::mime;
namespace t = x400gw::mime::test;

namespace {

void compare_or_update(std::filesystem::path const& golden, std::string const& actual)
{
    if (std::getenv("X400GW_UPDATE_GOLDEN")) {
        std::ofstream(golden, std::ios::binary) << actual;
        return;
    }
    ASSERT_TRUE(std::filesystem::exists(golden)) << golden << " is missing (run with X400GW_UPDATE_GOLDEN=1)";
    EXPECT_EQ(t::read_file(golden), actual) << golden;
}

} // namespace

TEST(Golden, BodystructureAndSanitizedOutputOfEveryCase)
{
    auto files = t::case_files();
    ASSERT_GE(files.size(), 40u);
    for (auto const& f : files) {
        auto in = t::read_file(f);
        auto stem = f;
        stem.replace_extension();
        compare_or_update(stem.string() + ".expected", m::describe(in, m::parse(in)) + "\n");
        m::sanitize_options o;
        compare_or_update(stem.string() + ".sanitized", m::sanitize(in, o).message);
        o.seven_bit = true;
        compare_or_update(stem.string() + ".sanitized7", m::sanitize(in, o).message);
    }
}
