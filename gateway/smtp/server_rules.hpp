// gateway/smtp/server_rules.hpp
//
// What an inbound SMTP session may do next, as pure code: a table with one
// row per verb (the states it is allowed in, whether it ends a pipelined
// group, the check that may refuse it), over a session state that holds no
// socket. The session coroutine in gateway/smtp_server/ asks check_command
// before it acts and advance after it answered; relay control, the
// recipient limit and the order of commands are rows and checks here, so
// unit tests and the transcript fuzzer reach them without a connection.
//
// RFC 5321 4.1.4 (order of commands), 4.5.3.1.8 (recipients), RFC 2920 3.1
// (commands that end a pipelined group), RFC 1870 (SIZE), RFC 3030
// (BDAT), RFC 6531 3.6.1 (non-ASCII without SMTPUTF8), RFC 3207 (STARTTLS).
#pragma once

#include "gateway/smtp/command.hpp"
#include "gateway/smtp/reply.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace x400gw::smtp {

struct session_state {
    bool greeted = false;          // EHLO or HELO accepted
    bool esmtp = false;            // ... and it was EHLO
    bool tls = false;              // STARTTLS completed
    bool authenticated = false;
    bool in_transaction = false;   // MAIL accepted
    std::size_t recipients = 0;    // RCPTs accepted in this transaction
    bool bdat = false;             // a BDAT chunk accepted in this transaction
    bool bdat_failed = false;      // a chunk was refused: the rest are read and dropped
    bool smtputf8 = false;         // this transaction's MAIL said SMTPUTF8 (RFC 6531)
};

// Where a session is, for the table's "allowed" column.
enum phase : unsigned {
    before_helo = 1u << 0,
    ready = 1u << 1,            // greeted, no transaction
    awaiting_recipient = 1u << 2,   // MAIL accepted, no recipient yet
    has_recipients = 1u << 3,
    in_bdat = 1u << 4,          // a BDAT chunk was accepted
    any_phase = (1u << 5) - 1,
};
phase current_phase(session_state const& s) noexcept;

// What the checks need of the configuration.
struct server_policy {
    std::uint64_t message_size = 50 * 1024 * 1024;
    std::size_t recipients = 1000;
    bool tls_offered = false;      // a certificate is configured
    bool require_tls = false;      // MAIL before STARTTLS gets 530 5.7.0
    bool auth_offered = false;     // SMTP AUTH is configured (offered only under TLS)
};

using check_fn = std::optional<reply> (*)(session_state const&, command const&, server_policy const&);

struct rule {
    verb what;
    unsigned allowed;         // phases in which the verb may proceed
    bool ends_group;          // RFC 2920 3.1: flush the replies after it
    check_fn check;           // a refusal, or nothing; nullptr when none
    std::string_view out_of_sequence;   // the 503 text outside `allowed`
};

rule const& rule_for(verb v) noexcept;

// The refusal for `cmd` in state `s`, or nothing when the session may carry
// it out. BDAT is the exception that RFC 3030 forces: its chunk is read
// whatever the answer, so check_bdat is asked after the chunk is read.
std::optional<reply> check_command(session_state const& s, command const& cmd, server_policy const& p);
std::optional<reply> check_bdat(session_state const& s);

// The state after `cmd` was answered with `r`.
void advance(session_state& s, command const& cmd, reply const& r) noexcept;
// The transaction is over (end of data answered, BDAT LAST answered).
void end_transaction(session_state& s) noexcept;

// Relay control (RFC 5321 3.6, 7.1; Postfix's reject_unauth_destination
// with allow_untrusted_routing = no). Where a recipient goes decides who
// may send to it.
enum class destination {
    local,     // a local domain: accepted from anyone
    mapped,    // the gateway domain or a domain the MIXER tables map: accepted from anyone
    other,     // anywhere else: only from relay_networks or an authenticated client
};
struct relay_client {
    bool trusted = false;          // in relay_networks
    bool authenticated = false;
};
// `local_part` is the recipient's as written. A local domain reached from
// an untrusted client refuses sender-specified routing in the local part
// (user%host@, host!user@, "user@host"@), which some next hops would
// honour and so relay.
std::optional<reply> check_relay(relay_client const& c, destination d, std::string_view local_part);

// The priority a message is accepted with (RFC 6710 4): what MAIL asked
// (0 when nothing), except that a client that may not relay may lower its
// message's priority but not raise it, so strangers cannot jump the queue.
int accepted_priority(relay_client const& c, std::optional<int> asked) noexcept;

// RFC 6758 3.1: the priority a message's own MT-Priority header field
// gives, for a message whose MAIL gave none (what a relay without the
// extension tunnelled): the value of the one such field, "-9" to "9" with
// white space and comments around it; nullopt when there is none, more
// than one, or one that says something else. Read in the first 256 KiB,
// as count_received reads. The caller applies accepted_priority to it.
std::optional<int> header_priority(std::string_view message) noexcept;

// RFC 6758 3.3: the message as a next hop without MT-PRIORITY gets it:
// every MT-Priority field of its header removed (a sender's own cannot
// pass for the gateway's) and, where the message has a priority other
// than 0 or had such a field, one of the gateway's own on top. nullopt
// when that changes nothing (no field, priority 0).
std::optional<std::string> tunnel_priority(std::string_view message, int priority);

// The Received: fields in a message's header section (up to its first
// empty line), for RFC 5321 6.3's loop detection; counting stops at
// `limit`, and at the first 256 KiB (each MTA puts its field on top: a
// hundred of them fit in a tenth of that), so that a message without a
// header's end is not read whole on the I/O thread.
std::size_t count_received(std::string_view message, std::size_t limit) noexcept;

// A value that a header field may carry as it is: printable US-ASCII and
// space, nothing that ends a line; with `utf8` (an SMTPUTF8 message, RFC
// 6532), UTF-8 as well.
bool header_safe(std::string_view v, bool utf8 = false) noexcept;

// The Received: field a session prepends (RFC 5321 4.4, RFC 3848 protocol
// names). Every client-supplied value was checked by the parser (the EHLO
// domain, the recipient); any octet outside header_safe is still written
// as '?', so this function can never start a header line of the client's
// making. Ends with CRLF.
struct received_info {
    std::string_view helo;           // as the client gave it
    std::string_view peer_address;   // "192.0.2.1"
    std::string_view by;             // our host name
    bool esmtp = false;
    bool tls = false;
    bool authenticated = false;
    bool utf8 = false;               // SMTPUTF8: "UTF8SMTP..." (RFC 6531 4.3), UTF-8 kept in "for"
    std::string_view id;             // the queue id
    std::string_view for_recipient;  // empty unless exactly one recipient
    std::string_view date;           // RFC 5322 date-time
};
std::string render_received(received_info const& r);

} // namespace x400gw::smtp
