// gateway/smtp/ehlo.hpp
//
// SMTP service extensions <-> EHLO reply lines (RFC 5321 4.1.1.1): what
// the server offers, and what a client reads from the next hop's reply.
#pragma once

#include "gateway/smtp/reply.hpp"

#include <cstdint>
#include <string_view>

namespace x400gw::smtp {

struct capabilities {
    bool pipelining = false;          // RFC 2920
    bool eight_bit_mime = false;      // RFC 6152
    bool enhanced_status = false;     // RFC 2034
    bool chunking = false;            // RFC 3030
    bool starttls = false;            // RFC 3207
    bool dsn = false;                 // RFC 3461
    bool smtputf8 = false;            // RFC 6531
    bool mt_priority = false;         // RFC 6710
    bool require_tls = false;         // RFC 8689 REQUIRETLS
    bool auth = false;                // RFC 4954: AUTH PLAIN LOGIN (offered, not parsed from peers)
    std::uint64_t size = 0;           // RFC 1870; 0: no limit announced
};

// The 250 reply to EHLO, first line the greeting, then one keyword a line.
reply render_ehlo(std::string_view host, std::string_view client, capabilities const& offered);

// Reads the keywords of a 250 reply to EHLO (the first line is the greeting).
capabilities parse_ehlo(reply const& r);

} // namespace x400gw::smtp
