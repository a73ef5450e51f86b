// queue/message_options.hpp
//
// What the client asked at MAIL of its message as a whole, kept with it in
// the queue (message.dsn_ret ... smtputf8) and carried whole from the
// session to the commit, a claim or the hand-over, a delivery job, its
// notifications and the next hop's MAIL command.
#pragma once

#include <string>

namespace x400gw::queue {

struct message_options {
    std::string dsn_ret;        // RFC 3461 RET: "FULL", "HDRS" or "" (not given)
    std::string dsn_envid;      // RFC 3461 ENVID, decoded; "" when not given
    int priority = 0;           // RFC 6710 MT-PRIORITY as accepted, -9 to 9
    bool require_tls = false;   // RFC 8689 REQUIRETLS
    bool smtputf8 = false;      // RFC 6531 SMTPUTF8
};

} // namespace x400gw::queue
