// tests/gateway/dns_test.cpp: the order in which a domain's MX hosts are
// tried (RFC 5321 5.1) and the null MX (RFC 7505); the lookups themselves
// are tested against a DNS server in tests/integration/test_delivery.py.
#include "gateway/smtp_client/dns.hpp"

#include <gtest/gtest.h>

namespace x400gw::gateway {
namespace {

TEST(Mx, PreferenceOrderEqualOnesShuffled)
{
    std::mt19937 rng(7);
    auto a = order_mx({{20, "c.example."}, {10, "a.example"}, {20, "b.example"}, {10, "a.example"}}, rng);
    EXPECT_EQ(a.status, dns_status::ok);
    ASSERT_EQ(a.hosts.size(), 3u) << "a host listed twice is tried once";
    EXPECT_EQ(a.hosts[0], "a.example");
    // Both orders of the two at preference 20 come up over a few seeds.
    bool b_first = false, c_first = false;
    for (unsigned seed = 0; seed < 32; ++seed) {
        std::mt19937 r(seed);
        auto const x = order_mx({{20, "c.example"}, {10, "a.example"}, {20, "b.example"}}, r);
        ASSERT_EQ(x.hosts.size(), 3u);
        EXPECT_EQ(x.hosts[0], "a.example");
        (x.hosts[1] == "b.example" ? b_first : c_first) = true;
    }
    EXPECT_TRUE(b_first && c_first);
    EXPECT_EQ(order_mx({}, rng).hosts.size(), 0u) << "no MX: the caller tries the domain itself";
}

TEST(Mx, NullMx)
{
    std::mt19937 rng(1);
    EXPECT_EQ(order_mx({{0, ""}}, rng).status, dns_status::null_mx);
    EXPECT_EQ(order_mx({{0, "."}}, rng).status, dns_status::null_mx);
    // Beside real exchanges, a root exchange is only skipped.
    auto const mixed = order_mx({{0, ""}, {10, "mx.example"}}, rng);
    EXPECT_EQ(mixed.status, dns_status::ok);
    EXPECT_EQ(mixed.hosts, std::vector<std::string>{"mx.example"});
}

} // namespace
} // namespace x400gw::gateway
