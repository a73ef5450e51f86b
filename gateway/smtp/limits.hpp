// gateway/smtp/limits.hpp: every number the SMTP server and client enforce,
// each with its reason. The configuration file's [limits] keys have the same
// names and defaults.
#pragma once

#include <chrono>
#include <cstdint>

namespace x400gw::smtp {

struct server_limits {
    std::size_t command_line = 512;                  // RFC 5321 4.5.3.1.4, CRLF included
    std::size_t recipients = 1000;                   // RFC 5321 4.5.3.1.8 asks for at least 100
    std::uint64_t message_size = 50 * 1024 * 1024;   // advertised as SIZE (RFC 1870)
    std::size_t errors = 20;                         // bad commands before 421 (a slow harvester)
    std::chrono::seconds greeting_timeout{300};      // not in 5321: how long we wait for the first command
    // A deadline for the whole command line, not for each read: a client
    // that sends a byte every few seconds is cut off all the same.
    std::chrono::seconds command_timeout{300};       // RFC 5321 4.5.3.2.7: "at least 5 minutes"
    std::chrono::seconds data_timeout{180};          // RFC 5321 4.5.3.2.5 (DATA block, client side 3 min)
    // DATA and BDAT must average this many octets a second, after a first
    // data_timeout of grace (Postfix's smtpd_min_data_rate).
    std::uint64_t min_data_rate = 500;
    std::size_t junk_commands = 100;                 // NOOP, RSET, VRFY, HELP without mail before 421
    // RFC 5321 6.3: a message with this many Received: fields is looping
    // (Postfix's hopcount_limit; the RFC asks for at least 100, and a
    // lower one stops a loop sooner between gateways that count alike).
    std::size_t max_hops = 100;
};

struct client_timeouts {                              // RFC 5321 4.5.3.2, per phase
    std::chrono::seconds connect{30};                 // not in 5321; Postfix's default
    std::chrono::seconds greeting{300};               // 4.5.3.2.1 initial 220: 5 minutes
    std::chrono::seconds ehlo{300};                   // not named; as MAIL
    std::chrono::seconds mail{300};                   // 4.5.3.2.2: 5 minutes
    std::chrono::seconds rcpt{300};                   // 4.5.3.2.3: 5 minutes
    std::chrono::seconds data_init{120};              // 4.5.3.2.4: 2 minutes for 354
    std::chrono::seconds data_block{180};             // 4.5.3.2.5: 3 minutes per send
    std::chrono::seconds data_term{600};              // 4.5.3.2.6: 10 minutes for the final reply
    std::chrono::seconds quit{60};
};

} // namespace x400gw::smtp
