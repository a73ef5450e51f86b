// addressing/mixer.hpp
//
// The MIXER mapping of RFC 2156: X.400 -> RFC 822 (section 4.3.5, mappings
// A and B) and RFC 822 -> X.400 (section 4.3.4, Stage I and Stage II), as
// pure functions of the address, the role, the gateway's identity and the
// tables. No I/O; the thread-safe, reloadable front is mapper.hpp.
//
// What it never does: fail because no table entry matches. An X.400 address
// without a match is carried whole as a std-or local part at the gateway's
// domain; an RFC 822 address without one is carried whole in the RFC-822
// DDA under the gateway's own O/R address (which may lack a PRMD). Nor does
// it derive X.400 attributes from a domain without an MCGAM (Exchange's
// `c=com; a=microsoft`, KB Q238506), or a domain from O/R attributes without
// one (`smith@acme.nowhere.tc`, KB Q254992).
//
// The only refusals are those RFC 2156 names: an RFC 822 address that is
// not one (syntax), one whose encoded form exceeds 512 characters (4.3.4
// Stage II, envelope roles only; headers are truncated, 5.1.3), and an
// RFC-822 DDA that is not valid ps-encoded RFC 822 (3.4, envelope roles).
#pragma once

#include "addressing/mapping_tables.hpp"
#include "addressing/or_address.hpp"

#include <string>
#include <string_view>

namespace x400gw::addressing {

// The gateway itself: the domain X.400 addresses are written at, and the
// O/R address RFC 822 addresses are carried under (PRMD may be absent).
struct gateway_identity {
    std::string domain;
    or_address address;
};

// Where an address appears (4.3.4 Stage II step 3 chooses the remainder by it).
enum class role {
    recipient,   // SMTP RCPT / X.400 recipient-name
    header,      // From, To, Cc ... (IPMS level)
    return_path, // SMTP MAIL FROM / X.400 originator-name
};
std::string_view role_name(role r) noexcept; // "recipient", "header", "return"

// How a mapping was made, for logs and a metrics label.
enum class mapping_method {
    table,         // an MCGAM (table1/table2) matched
    gateway_table, // a gateway table (gate1/gate2) matched
    algorithmic,   // the address carried the other form itself: a std-or or
                   // IMCEA local part, or an RFC-822 DDA (mapping A)
    encapsulated,  // no table: std-or local part at the gateway domain, or
                   // the RFC-822 DDA under the gateway's O/R address
};
std::string_view method_name(mapping_method m) noexcept;

struct rfc822_mapping {
    std::string address; // local@domain, local part quoted when needed
    mapping_method method = mapping_method::encapsulated;
};

struct x400_mapping {
    or_address address;
    mapping_method method = mapping_method::encapsulated;
    bool truncated = false; // header role: the RFC-822 DDA was cut at 512
};

// Named refusals with their SMTP reply (spec note section 9).
namespace refusals {
refusal address_syntax(std::string why);     // 501 5.1.3
refusal cannot_encode(std::string why);      // 553 5.1.3 (over 512, not ASCII)
refusal unknown_or_name(std::string why);    // 550 5.1.1 (X.400 1/0 unrecognised O/R name)
} // namespace refusals

// RFC 2156 4.3.5. `a` is taken as it is (validate it first where a refusal
// must name a bound). Header role: an RFC-822 DDA that does not decode is
// passed through raw instead of refused.
result<rfc822_mapping, refusal> map_x400_to_822(or_address const& a, role r, gateway_identity const& gw,
                                                mapping_tables const& tables);

// RFC 2156 4.3.4. `address` is local@domain as received (RFC 5321 mailbox,
// optionally in "<>", local part possibly quoted, optionally with an
// RFC 822 source route). Header role strips a source route (4.7.1);
// envelope roles keep it in the DDA and use its first hop for Stage II.
// An IMCEAX400 local part is decoded only at the gateway's own domain.
result<x400_mapping, refusal> map_822_to_x400(std::string_view address, role r, gateway_identity const& gw,
                                              mapping_tables const& tables);
// The same for an address as an administrator writes one (addr_spec_of:
// `John <john@example.com>`, comments, white space around): the lookups of
// x400gwctl and the REST API, never the SMTP envelope.
result<x400_mapping, refusal> map_written_822_to_x400(std::string_view text, role r, gateway_identity const& gw,
                                                      mapping_tables const& tables);

// The local part of `a` in std-or form, RFC 822 quoted when needed, at `domain`.
std::string render_std_or_mailbox(or_address const& a, std::string_view domain);

} // namespace x400gw::addressing
