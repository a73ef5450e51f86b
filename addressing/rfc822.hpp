// addressing/rfc822.hpp
//
// The RFC 822 / RFC 5321 side of the mapping: splitting a mailbox into
// route, local part and domain; quoting a local part; the `domain-syntax`
// label test of RFC 2156 4.2 (letters, digits, inner hyphens).
//
// Refuses: text that is not local-part "@" domain (no "@", empty local part,
// unterminated quoted string, empty domain, characters no mailbox holds).
// It does not judge whether a domain exists: that is routing's business.
#pragma once

#include "addressing/or_address.hpp"

#include <string>
#include <string_view>

namespace x400gw::addressing {

// route, domain and text view the text given to parse_mailbox and are valid
// as long as it is (the mapping runs once per RCPT: two allocations fewer).
struct mailbox {
    std::string_view route;  // "@a,@b" (without the ":"), empty when none
    std::string local;       // unquoted local part
    bool quoted = false;
    std::string_view domain; // as written; a domain literal keeps its brackets
    std::string_view text;   // the address as received, without "<" ">"

    // local@domain, the local part quoted when it is not a dot-atom
    std::string address() const;
};

// RFC 5321 Mailbox / RFC 822 addr-spec, optionally in "<" ">" and with an
// RFC 822 source route. Linear.
result<mailbox> parse_mailbox(std::string_view text);

// The addr-spec of an RFC 822 address as people and programs write one
// (RFC 822 6.1, RFC 5322 3.4): `John Smith <john@example.com>`,
// `john@example.com (John)`, `<john@example.com>`, white space around.
// Comments are dropped, the phrase too; the text inside "<" ">" (a route
// included), else the whole, is returned for parse_mailbox to judge.
// Refuses an unterminated comment, quoted string or "<", text after ">",
// two "<", and a group (`Team: a@b, c@d;`), which is no one mailbox.
result<std::string> addr_spec_of(std::string_view text);

// RFC 5322 dot-atom: 1*atext *( "." 1*atext ).
bool is_dot_atom(std::string_view s) noexcept;
// The local part as written in an address: itself when a dot-atom, otherwise
// a quoted-string with "\" before "\"" and "\\" (RFC 2156 4.3.5 step 5
// recommends quoting the whole local part).
std::string quote_local_part(std::string_view local);

// RFC 2156 4.2 domain-syntax: alphanum [ *alphanumhyphen alphanum ].
bool is_domain_label(std::string_view label) noexcept;
// Every label domain-syntax, at least one label, no empty label.
bool is_domain_name(std::string_view domain) noexcept;

} // namespace x400gw::addressing
