// tests/fuzz/mixer_fuzz.cpp
//
// The RFC 822 -> X.400 mapping (mailbox parsing, Stage I, Stage II) and
// back, against a small fixed set of MCGAMs. Promises checked: refusals are
// only the named ones (501/553 5.1.3); a Stage II result (the address in
// the RFC-822 DDA) maps back to exactly the address given; an address that
// maps through an MCGAM maps back to RFC 822 without refusal; an address
// as written maps as the addr-spec addr_spec_of finds in it.
#include "addressing/mapper.hpp"
#include "addressing/mixer.hpp"
#include "addressing/validate.hpp"
#include "addressing/ps_encoding.hpp"
#include "addressing/rfc822.hpp"
#include "addressing/std_or.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace ad = x400gw::addressing;

namespace {

ad::mapping_tables make_tables()
{
    std::vector<ad::mapping_table> ts;
    ts.push_back(*ad::parse_table("O$Widget.PRMD$@.ADMD$BTT.C$TC#Widget.COM#\nADMD$Master400.C$it#Master400.it#\n",
                                  ad::table_kind::or_to_domain, "t1"));
    ts.push_back(*ad::parse_table("Widget.COM#O$Widget.PRMD$@.ADMD$BTT.C$TC#\nMaster400.it#ADMD$Master400.C$it#\n",
                                  ad::table_kind::domain_to_or, "t2"));
    ts.push_back(*ad::parse_table("alter.net#PRMD$relay.ADMD$BTglobal.C$gb#\n", ad::table_kind::gate_domain_to_or, "g2"));
    return std::move(*ad::mapping_tables::build(std::move(ts)));
}


ad::mapper make_mapper()
{
    std::vector<ad::mapping_table> ts;
    ts.push_back(*ad::parse_table("O$Widget.PRMD$@.ADMD$BTT.C$TC#Widget.COM#\nO$Plain.PRMD$@.ADMD$BTT.C$TC#plain.example#\n",
                                  ad::table_kind::or_to_domain, "t1"));
    ts.push_back(*ad::parse_table("Widget.COM#O$Widget.PRMD$@.ADMD$BTT.C$TC#\n", ad::table_kind::domain_to_or, "t2"));
    ts.push_back(*ad::parse_table("alter.net#PRMD$relay.ADMD$BTglobal.C$gb#\n", ad::table_kind::gate_domain_to_or, "g2"));
    return ad::mapper(*ad::make_mapping_state({"gw.example", *ad::parse_or_text("C=TC;ADMD=BTT;O=GW")}, std::move(ts)));
}

} // namespace

// The gateway's RCPT/MAIL FROM call: refusals carry only the named replies,
// an X.400 recipient is a valid O/R address, and a header address is
// rewritten only into something that is a mailbox.
static void check_resolve(std::string_view text)
{
    static ad::mapper const m = make_mapper();
    for (auto r : {ad::role::recipient, ad::role::return_path}) {
        auto res = m.resolve(text, r);
        switch (res.kind) {
        case ad::route_kind::refused:
            if (!res.refused || !(res.refused->code == 501 || res.refused->code == 550 || res.refused->code == 553))
                std::abort();
            break;
        case ad::route_kind::x400:
            if (!res.x400 || ad::check_or_address(*res.x400) || res.std_or != ad::render_std_or(*res.x400))
                std::abort();
            break;
        case ad::route_kind::rfc822:
            if (!res.rfc822.empty() && !ad::parse_mailbox(res.rfc822))
                std::abort();
            break;
        }
    }
    if (auto h = m.rewrite_header_address(text); h && !ad::parse_mailbox(*h))
        std::abort();
}


extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    static ad::mapping_tables const tables = make_tables();
    static ad::gateway_identity const gw{"gw.example", *ad::parse_or_text("C=TC;ADMD=BTT;O=GW")};
    std::string_view const text(reinterpret_cast<char const*>(data), size);
    check_resolve(text);
    // An address as written: an addr-spec it gives maps as that addr-spec
    // does, and a bare addr-spec (no comment, phrase or blank) is itself.
    if (auto spec = ad::addr_spec_of(text)) {
        auto const written = ad::map_written_822_to_x400(text, ad::role::recipient, gw, tables);
        auto const direct = ad::map_822_to_x400(*spec, ad::role::recipient, gw, tables);
        if (written.ok() != direct.ok() || (written && !(written->address == direct->address)))
            std::abort();
        if (ad::parse_mailbox(text) && text.find_first_of(" \t\r\n(<") == std::string_view::npos && *spec != text)
            std::abort();
    } else if (ad::map_written_822_to_x400(text, ad::role::recipient, gw, tables).failure().code != 501) {
        std::abort();
    }
    for (auto r : {ad::role::recipient, ad::role::header, ad::role::return_path}) {
        auto x = ad::map_822_to_x400(text, r, gw, tables);
        if (!x) {
            auto const& f = x.failure();
            if (!((f.code == 501 || f.code == 553) && f.status == "5.1.3"))
                std::abort();
            continue;
        }
        auto back = ad::map_x400_to_822(x->address, r, gw, tables);
        if (!back) {
            // only an RFC-822 DDA the LHS itself carried can be refused
            if (back.failure().code != 550 || back.failure().status != "5.1.1")
                std::abort();
            continue;
        }
        // Stage II: the DDA holds the whole address, which must come back.
        auto m = ad::parse_mailbox(text);
        if (!m)
            std::abort(); // mapped, so it was a mailbox
        auto enc = ad::ps_encode(m->text);
        bool const stage2 = enc && enc->size() <= 128 && !x->address.ddas.empty() &&
                            x->address.ddas.front().type == "RFC-822" && x->address.ddas.front().value == *enc;
        if (stage2 && r != ad::role::header && std::string_view(back->address) != m->text)
            std::abort();
    }
    return 0;
}
