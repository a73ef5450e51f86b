// tests/addressing/mapper_test.cpp
//
// The gateway's front: RCPT/MAIL resolution, the local part X.400-side peers
// expect, O/R route prefixes, and atomic reload that keeps the old tables
// when the new ones are invalid (also under concurrent readers).
#include "addressing/mapper.hpp"
#include "addressing/std_or.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

namespace ad = x400gw::addressing;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir()
    {
        path = fs::temp_directory_path() /
               ("x400gw-mapper-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        fs::create_directories(path);
    }
    ~temp_dir() { fs::remove_all(path); }
    std::string write(std::string const& name, std::string const& text) const
    {
        std::ofstream(path / name) << text;
        return (path / name).string();
    }
};

ad::mapping_config config(temp_dir const& d, std::string const& table2_text)
{
    ad::mapping_config c;
    c.gateway_domain = "gw.example";
    c.gateway_or = "C=TC; ADMD=BTT; O=SMTP-GW";
    c.table_files[static_cast<std::size_t>(ad::table_kind::domain_to_or)] = d.write("table2.txt", table2_text);
    c.table_files[static_cast<std::size_t>(ad::table_kind::or_to_domain)] =
        d.write("table1.txt", "O$Mapped.PRMD$@.ADMD$BTT.C$TC#mapped.example#\nO$Plain.PRMD$@.ADMD$BTT.C$TC#plain.example#\n");
    c.table_files[static_cast<std::size_t>(ad::table_kind::gate_domain_to_or)] =
        d.write("gate2.txt", "island.example#O$Island.PRMD$isl.ADMD$BTT.C$TC#\n");
    return c;
}

ad::mapper make_mapper(temp_dir const& d)
{
    auto s = ad::load_mapping_state(config(d, "mapped.example#O$Mapped.PRMD$@.ADMD$BTT.C$TC#\n"));
    EXPECT_TRUE(s.ok()) << (s ? "" : s.failure().why);
    return ad::mapper(std::move(*s));
}

} // namespace

TEST(Mapper, ResolveStdOrLocalPartAtOurDomainIsAnX400Recipient)
{
    temp_dir d;
    auto m = make_mapper(d);
    auto r = m.resolve("\"/S=Smith/O=Widget/ADMD=BTT/C=TC/\"@gw.example", ad::role::recipient);
    ASSERT_EQ(r.kind, ad::route_kind::x400);
    EXPECT_EQ(r.std_or, "/S=Smith/O=Widget/ADMD=BTT/C=TC/");
    EXPECT_EQ(r.method, ad::mapping_method::algorithmic);
    // unquoted, in angle brackets, domain in another case
    auto r2 = m.resolve("</S=Smith/O=Widget/ADMD=BTT/C=TC/@GW.Example>", ad::role::recipient);
    EXPECT_EQ(r2.kind, ad::route_kind::x400);
}

TEST(Mapper, ResolveImceaAtOurDomain)
{
    temp_dir d;
    auto m = make_mapper(d);
    auto r = m.resolve("IMCEAX400-c=TC+3Ba=BTT+3Bo=Widget+3Bs=Smith@gw.example", ad::role::recipient);
    ASSERT_EQ(r.kind, ad::route_kind::x400);
    EXPECT_EQ(r.std_or, "/S=Smith/O=Widget/ADMD=BTT/C=TC/");
}

TEST(Mapper, ResolveMcgamDomainIsAnX400Recipient)
{
    temp_dir d;
    auto m = make_mapper(d);
    auto r = m.resolve("ops@mapped.example", ad::role::recipient);
    ASSERT_EQ(r.kind, ad::route_kind::x400);
    EXPECT_EQ(r.std_or, "/S=ops/O=Mapped/ADMD=BTT/C=TC/");
    EXPECT_EQ(r.method, ad::mapping_method::table);
}

TEST(Mapper, ResolveGate2DomainIsAnX400RecipientForRcptOnly)
{
    temp_dir d;
    auto m = make_mapper(d);
    auto r = m.resolve("bob@island.example", ad::role::recipient);
    ASSERT_EQ(r.kind, ad::route_kind::x400);
    EXPECT_EQ(r.std_or, "/RFC-822=bob(a)island.example/O=Island/PRMD=isl/ADMD=BTT/C=TC/");
    EXPECT_EQ(r.method, ad::mapping_method::gateway_table);
    auto from = m.resolve("bob@island.example", ad::role::return_path);
    EXPECT_EQ(from.kind, ad::route_kind::rfc822);
}

TEST(Mapper, ResolveOrdinaryDomainIsRfc822WithItsOriginatorForm)
{
    temp_dir d;
    auto m = make_mapper(d);
    auto r = m.resolve("user@example.org", ad::role::return_path);
    ASSERT_EQ(r.kind, ad::route_kind::rfc822);
    EXPECT_EQ(r.rfc822, "user@example.org");
    ASSERT_TRUE(r.x400);
    EXPECT_EQ(r.std_or, "/RFC-822=user(a)example.org/O=SMTP-GW/ADMD=BTT/C=TC/");
    EXPECT_EQ(r.method, ad::mapping_method::encapsulated);
    auto null_path = m.resolve("<>", ad::role::return_path);
    EXPECT_EQ(null_path.kind, ad::route_kind::rfc822);
    EXPECT_EQ(null_path.rfc822, "");
}

TEST(Mapper, ResolveUnwrapsAnRfc822AddressWrappedUnderOurOwnOrAddress)
{
    temp_dir d;
    auto m = make_mapper(d);
    auto r = m.resolve("\"/RFC-822=user(a)example.org/O=SMTP-GW/ADMD=BTT/C=TC/\"@gw.example", ad::role::recipient);
    ASSERT_EQ(r.kind, ad::route_kind::rfc822);
    EXPECT_EQ(r.rfc822, "user@example.org");
}

TEST(Mapper, ResolveOrAddressThatTheTablesMapToRfc822GoesThere)
{
    // docs/operations.md: an O/R address at our domain goes to its RFC 822
    // form when the tables give one
    temp_dir d;
    auto m = make_mapper(d);
    auto r = m.resolve("\"/S=ops/O=Plain/ADMD=BTT/C=TC/\"@gw.example", ad::role::recipient);
    ASSERT_EQ(r.kind, ad::route_kind::rfc822);
    EXPECT_EQ(r.rfc822, "ops@plain.example");
    EXPECT_EQ(r.method, ad::mapping_method::table);
}

TEST(Mapper, ResolveBothEndsLocalStaysOnTheX400Side)
{
    // RFC 2156 4.4.1: table1 maps it to mapped.example, which table2 maps
    // straight back into X.400, so no needless round trip through SMTP
    temp_dir d;
    auto m = make_mapper(d);
    auto r = m.resolve("\"/S=ops/O=Mapped/ADMD=BTT/C=TC/\"@gw.example", ad::role::recipient);
    ASSERT_EQ(r.kind, ad::route_kind::x400);
    EXPECT_EQ(r.std_or, "/S=ops/O=Mapped/ADMD=BTT/C=TC/");
    EXPECT_EQ(r.method, ad::mapping_method::table);
    // and the recursive form of 4.4.1: an RFC-822 DDA naming an address an MCGAM covers
    auto rec = m.resolve("\"/RFC-822=ops(a)mapped.example/O=SMTP-GW/ADMD=BTT/C=TC/\"@gw.example", ad::role::recipient);
    ASSERT_EQ(rec.kind, ad::route_kind::x400);
    EXPECT_EQ(rec.std_or, "/S=ops/O=Mapped/ADMD=BTT/C=TC/");
}

TEST(Mapper, ResolveAnRfc822DdaPointingBackAtUsIsRefused)
{
    temp_dir d;
    auto m = make_mapper(d);
    auto r = m.resolve("\"/RFC-822=ops(a)gw.example/O=SMTP-GW/ADMD=BTT/C=TC/\"@gw.example", ad::role::recipient);
    ASSERT_EQ(r.kind, ad::route_kind::refused);
    EXPECT_EQ(r.refused->code, 550);
}

TEST(Mapper, RewriteHeaderAddress)
{
    temp_dir d;
    auto m = make_mapper(d);
    EXPECT_EQ(m.rewrite_header_address("\"/S=ops/O=Plain/ADMD=BTT/C=TC/\"@gw.example"), "ops@plain.example");
    EXPECT_EQ(m.rewrite_header_address("IMCEAX400-c=TC+3Ba=BTT+3Bo=Plain+3Bs=ops@GW.example"), "ops@plain.example");
    EXPECT_EQ(m.rewrite_header_address("\"/RFC-822=a(a)b.example/O=SMTP-GW/ADMD=BTT/C=TC/\"@gw.example"), "a@b.example");
    EXPECT_EQ(m.rewrite_header_address("\"/S=x/O=Widget/ADMD=BTT/C=TC/\"@gw.example"), std::nullopt); // no table
    EXPECT_EQ(m.rewrite_header_address("\"/S=ops/O=Plain/ADMD=BTT/C=TC/\"@elsewhere.example"), std::nullopt);
    EXPECT_EQ(m.rewrite_header_address("user@example.org"), std::nullopt);
    EXPECT_EQ(m.rewrite_header_address("not an address"), std::nullopt);
    // found by mixer_fuzz: an empty RFC-822 DDA is not rewritten into ""
    EXPECT_EQ(m.rewrite_header_address("IMCEAX400-RFC-822=@gw.example"), std::nullopt);
    EXPECT_EQ(m.rewrite_header_address("\"/RFC-822=bad(x)/O=SMTP-GW/ADMD=BTT/C=TC/\"@gw.example"), std::nullopt);
}

TEST(Mapper, ResolveRefusalsCarryTheirReplies)
{
    temp_dir d;
    auto m = make_mapper(d);
    auto syntax = m.resolve("no-at-sign", ad::role::recipient);
    ASSERT_EQ(syntax.kind, ad::route_kind::refused);
    EXPECT_EQ(syntax.refused->code, 501);
    EXPECT_EQ(syntax.refused->status, "5.1.3");
    auto five_ous = m.resolve("\"/S=x/OU=1/OU=2/OU=3/OU=4/OU=5/O=y/ADMD=z/C=TC/\"@gw.example", ad::role::recipient);
    ASSERT_EQ(five_ous.kind, ad::route_kind::refused);
    EXPECT_EQ(five_ous.refused->code, 550);
    EXPECT_EQ(five_ous.refused->status, "5.1.1");
    EXPECT_EQ(five_ous.refused->why, "invalid O/R address: 5 OUs (at most 4)");
    auto plain = m.resolve("postmaster@gw.example", ad::role::recipient);
    ASSERT_EQ(plain.kind, ad::route_kind::refused);
    EXPECT_EQ(plain.refused->why, "'postmaster' at the gateway domain is not an X.400 address");
    auto bad = m.resolve("\"/S=x/FOO=1/C=TC/\"@gw.example", ad::role::recipient);
    EXPECT_EQ(bad.refused->why, "std-or local part: unknown attribute type 'FOO'");
    auto long_from = m.resolve(std::string(600, 'a') + "@example.org", ad::role::return_path);
    ASSERT_EQ(long_from.kind, ad::route_kind::refused);
    EXPECT_EQ(long_from.refused->code, 553);
    EXPECT_EQ(long_from.refused->status, "5.1.3");
}

TEST(Mapper, RenderPeerMailbox)
{
    auto a = ad::parse_or_text("/S=Smith/O=Widget/ADMD=BTT/C=TC/");
    ASSERT_TRUE(a);
    EXPECT_EQ(ad::render_peer_mailbox(*a, ad::peer_form::std_or, "peer.example"),
              "/S=Smith/O=Widget/ADMD=BTT/C=TC/@peer.example");
    EXPECT_EQ(ad::render_peer_mailbox(*a, ad::peer_form::imcea, "peer.example"),
              "IMCEAX400-c=TC+3Ba=BTT+3Bo=Widget+3Bs=Smith+3B@peer.example");
    auto blank = ad::parse_or_text("/S=Smith/O=Widget/ADMD= /C=TC/");
    EXPECT_EQ(ad::render_peer_mailbox(*blank, ad::peer_form::std_or, "peer.example"),
              "\"/S=Smith/O=Widget/ADMD= /C=TC/\"@peer.example");
}

TEST(RoutePrefix, AbsentLevelsInTheKeyMatchAnything)
{
    auto key = ad::parse_route_prefix("C=TC;ADMD=BTT");
    ASSERT_TRUE(key);
    EXPECT_TRUE(key->matches(*ad::parse_or_text("/S=x/O=y/ADMD=btt/C=tc/")));
    EXPECT_TRUE(key->matches(*ad::parse_or_text("/S=x/O=y/PRMD=p/ADMD=BTT/C=TC/")));
    EXPECT_FALSE(key->matches(*ad::parse_or_text("/S=x/O=y/ADMD=Other/C=TC/")));
    EXPECT_EQ(key->specificity(), 2u);
}

TEST(RoutePrefix, AtSignDemandsAbsence)
{
    auto key = ad::parse_route_prefix("/O=Widget/PRMD=@/ADMD=BTT/C=TC/");
    ASSERT_TRUE(key);
    EXPECT_TRUE(key->matches(*ad::parse_or_text("/S=x/O=Widget/ADMD=BTT/C=TC/")));
    EXPECT_FALSE(key->matches(*ad::parse_or_text("/S=x/O=Widget/PRMD=p/ADMD=BTT/C=TC/")));
}

TEST(RoutePrefix, BlankAndEmptyAdmdAreTheSameKey)
{
    auto key = ad::parse_route_prefix("C=TC; ADMD= ; O=x");
    ASSERT_TRUE(key);
    EXPECT_TRUE(key->matches(*ad::parse_or_text("/S=a/O=X/ADMD=/C=TC/")));
    EXPECT_TRUE(key->matches(*ad::parse_or_text("/S=a/O=X/C=TC/")));
    auto ou = ad::parse_route_prefix("C=XX;ADMD=ICAO;PRMD=EG;O=AFTN;OU1=EGKKZPZX");
    EXPECT_TRUE(ou->matches(*ad::parse_or_text("/OU=EGKKZPZX/O=AFTN/PRMD=EG/ADMD=ICAO/C=XX/")));
    EXPECT_FALSE(ad::parse_route_prefix("C=TC;S=x"));
    EXPECT_FALSE(ad::parse_route_prefix(""));
}

TEST(Mapper, ReloadSwapsAndKeepsTheOldTablesWhenTheNewOnesAreInvalid)
{
    temp_dir d;
    auto m = make_mapper(d);
    EXPECT_EQ(m.resolve("ops@mapped.example", ad::role::recipient).kind, ad::route_kind::x400);
    auto bad = m.reload(config(d, "mapped.example#O$Mapped.PRMD$@.ADMD$BTT.C$TC#\nbroken line\n"));
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->why, (d.path / "table2.txt").string() + ":2: missing '#' between the two sides");
    EXPECT_EQ(m.resolve("ops@mapped.example", ad::role::recipient).kind, ad::route_kind::x400); // old tables
    auto good = m.reload(config(d, "other.example#O$Other.PRMD$@.ADMD$BTT.C$TC#\n"));
    EXPECT_FALSE(good);
    EXPECT_EQ(m.resolve("ops@mapped.example", ad::role::recipient).kind, ad::route_kind::rfc822);
    EXPECT_EQ(m.resolve("ops@other.example", ad::role::recipient).kind, ad::route_kind::x400);
}

TEST(Mapper, ReadersNeverSeeAHalfSwappedState)
{
    temp_dir d;
    auto m = make_mapper(d);
    auto a = ad::load_mapping_state(config(d, "mapped.example#O$Mapped.PRMD$@.ADMD$BTT.C$TC#\n"));
    auto b = ad::load_mapping_state(config(d, "mapped.example#O$Other.PRMD$@.ADMD$BTT.C$TC#\n"));
    ASSERT_TRUE(a && b);
    std::atomic<bool> stop{false};
    std::atomic<int> bad{0};
    std::thread reader([&] {
        while (!stop.load()) {
            auto r = m.resolve("ops@mapped.example", ad::role::recipient);
            if (r.kind != ad::route_kind::x400 ||
                (r.std_or != "/S=ops/O=Mapped/ADMD=BTT/C=TC/" && r.std_or != "/S=ops/O=Other/ADMD=BTT/C=TC/"))
                ++bad;
        }
    });
    for (int i = 0; i < 2000; ++i)
        m.replace(i % 2 ? *a : *b);
    stop = true;
    reader.join();
    EXPECT_EQ(bad.load(), 0);
}

TEST(Mapper, IdentityIsChecked)
{
    ad::mapping_config c;
    c.gateway_domain = "localhost";
    c.gateway_or = "C=TC; ADMD=BTT; O=GW";
    auto s = ad::load_mapping_state(c);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.failure().why, "gateway domain 'localhost' is not a domain of two labels or more");
    c.gateway_domain = "gw.example";
    c.gateway_or = "C=TC; ADMD=BTT";
    EXPECT_EQ(ad::load_mapping_state(c).failure().why,
              "gateway O/R address: no O, OU, S, CN, UA-ID, PRMD or DDA identifies the recipient");
    c.gateway_or = "C=TC; ADMD=BTT; O=GW";
    c.table_files[0] = "/nonexistent/table1.txt";
    EXPECT_EQ(ad::load_mapping_state(c).failure().why.substr(0, 40), "/nonexistent/table1.txt: cannot read (No");
}
