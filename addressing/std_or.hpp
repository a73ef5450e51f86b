// addressing/std_or.hpp
//
// Text forms of an O/R address: parsers and generators. Sans-I/O, linear in
// the input (one pass to split, one to classify; no backtracking), never
// throwing on input. Parsing checks syntax only; the X.411 bounds and
// combination rules are a separate step (validate.hpp), as RFC 2156 4.3.4
// Stage I does it.
//
// Forms (RFC 2156 4.1.2, 4.1.3, 4.3.3, App. E; RFC 1685 / F.401 Annex F;
// Microsoft Exchange proxy and MS Mail forms; IMCEA, see imcea.hpp):
//
//   std-or-address-input = [ sep ] pair *( sep pair ) [ sep ]   ; as read, see below
//   sep   = "/" / ";"          pair = key "=" value
//   value = *( std-char / "$" ps-char )
//
// The printed grammar of App. E demands a leading and a trailing separator
// and two pairs; the RFC's own examples have neither, so both are optional.
// Spaces after a separator are skipped (keys never contain spaces).
// A doubled separator ("//", ";;") is refused: RFC 2156 reads an empty pair,
// F.401 an escaped delimiter, and guessing would silently change an address.
//
// Numbered keys name a place in a sequence: OU1..OU4 the OUs, DD1..DD4 the
// DDAs (dd-keys, "DD2.type=value"; also "DD2=type=value"), PD-A1..PD-A6
// the lines of PD-ADDRESS, which is one value with "|" between the lines
// (RFC 2156 4.1.1 upa-string).
//
// Refuses: unknown keys, a missing "=", a bad "$" (before a non-PrintableString
// character or at the end), a duplicate single-valued attribute, a numbered
// key mixed with its unnumbered form or after a gap, "|" outside PD-ADDRESS,
// characters outside the allowed set.
#pragma once

#include "addressing/or_address.hpp"

#include <string>
#include <string_view>

namespace x400gw::addressing {

// RFC 2156 std-or-address-input, strictly, as found in an RFC 822 local part
// (Stage I of 4.3.4): "/" and ";" both separate, "$" quotes, values are
// PrintableString plus "{", "}", "*" (Teletex, 3.3.4). Repeated OU and DDA
// keys are read with the most significant on the right (4.3.3). A country
// with no ADMD gets a blank ADMD (last paragraph of 4.1.3).
result<or_address> parse_std_or(std::string_view text);

// Any text form an administrator or a peer will type or send: RFC 2156,
// RFC 1685/F.401 labelled (`G=john; S=smith; O=a bank ltd; P=abl; A=snomail; C=aq`),
// Exchange proxies (`c=US;a= ;p=MS;o=PARIS;s=user;`, also with the proxy
// type Exchange lists them with, `X400:c=US;...`, in any case), MS Mail
// (`c=US;a=TELENET;p=ABC;o=P/Q;g=JOHN;s=STEEL`, `/c=US/.../o=P$/Q/...`), and
// IMCEA encapsulation (`IMCEAX400-c=US+3Ba=+20+3B...@domain`, any case).
// Delimiter (spec note 2.4): text starting with "/" uses "/" (and ";", as
// RFC 2156 does); otherwise text containing ";" uses ";" alone and "/" is an
// ordinary character (`o=P/Q`); otherwise "/". "$" quotes in every form.
// Unnumbered repeated OU/DDA keys: if C, ADMD, PRMD or O is written before
// them the text is read most-significant-first (Exchange and F.401 habit),
// otherwise as RFC 2156 4.3.3 (most significant on the right).
// A DDA value holding characters outside PrintableString (Exchange displays
// `DDA:RFC-822=user@host`) is ps-encoded (spec note 14 item 11).
result<or_address> parse_or_text(std::string_view text);

// RFC 2156 4.1.2 encoded-pn:  [ given "." ] *( initial "." ) surname
// Sets surname, given and initials of an otherwise empty address.
result<or_address> parse_encoded_pn(std::string_view text);
// The same, filling S, G and I of `out` in place (the mapping's hot path
// avoids moving a whole or_address); `out` is unspecified on error.
std::optional<error> parse_encoded_pn_into(std::string_view text, or_address& out);

// True when the personal name of `a` may be written as encoded-pn and read
// back unchanged (the five conditions of 4.1.2). Looks only at S, G, I, GQ.
bool can_render_encoded_pn(or_address const& a) noexcept;
// `J.Linnimouth`, `Marshall.M.T.Rose`. Precondition: can_render_encoded_pn.
std::string render_encoded_pn(or_address const& a);

// Canonical std-or-address (4.1.3, 4.3.3): generation keys only, a leading
// and a trailing "/", "$" before "/", "=" and "$"; DDAs on the left, then the
// personal name, CN, the non-mnemonic attributes, OUs, O, PRMD, ADMD, C,
// so the most significant is on the right:
//   /G=Andy/S=Wharol/OU=x/O=MMNY/PRMD=p/ADMD=ATT/C=US/
// The empty address renders as "/".
std::string render_std_or(or_address const& a);

// RFC 1685 labelled form, RARE order, ";" delimiter, numbered OUs, DDAs
// last in sequence order:  G=john; S=smith; O=a bank ltd; P=abl; A=snomail; C=aq
std::string render_labelled(or_address const& a);

// Exchange proxy form, most significant first, trailing ";":
//   c=US;a= ;p=MS;o=PARIS;s=user;
std::string render_exchange(or_address const& a);

} // namespace x400gw::addressing
