// gateway/smtp_client/dns.hpp
//
// The DNS lookups of delivery by MX (RFC 5321 5.1): a domain's MX hosts in
// the order to try them, and a host's addresses. Through libresolv, which
// blocks: callers run them on a thread of their own, never the I/O thread.
// `server` ("address:port", IPv4) replaces the system's name servers, for
// a site with its own resolver and for the tests; empty: /etc/resolv.conf.
// A name with U-labels (RFC 5890; an SMTPUTF8 recipient's domain) is looked
// up by its A-labels (libidn2); one that is no valid IDN does not exist.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace x400gw::gateway {

enum class dns_status {
    ok,          // found (for MX: `hosts`, maybe empty: no MX, the domain is its own host)
    no_domain,   // NXDOMAIN: the name does not exist
    null_mx,     // RFC 7505: the domain says it takes no mail
    failed,      // the lookup failed for now (SERVFAIL, timeout, no server): `why`
};

struct mx_answer {
    dns_status status = dns_status::failed;
    std::vector<std::string> hosts;   // by preference, equal preferences in random order
    std::string why;
};

struct address_answer {
    dns_status status = dns_status::failed;
    std::vector<std::string> addresses;   // IPv4 then IPv6, as text
    std::string why;
};

mx_answer lookup_mx(std::string const& domain, std::string const& server, std::uint32_t seed);
address_answer lookup_addresses(std::string const& host, std::string const& server);

// Pure: MX records (preference, exchange) in the order to try them, the
// equal ones shuffled with `rng`; a single exchange "" or "." is a null MX
// (status null_mx).
mx_answer order_mx(std::vector<std::pair<int, std::string>> records, std::mt19937& rng);

} // namespace x400gw::gateway
