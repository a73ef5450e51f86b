// addressing/imcea.hpp
//
// Microsoft Exchange IMCEA encapsulation ([MS-OXCMAIL] 2.1.3.1.8, KB 323351):
// a non-SMTP address carried as an SMTP local part.
//
//   Encapsulated-address = "IMCEA" address-type "-" encoded-address "@" domain
//   encoded-address      = *( "_" / "+" 2HEXDIG / ALPHA / DIGIT / "-" / "=" )
//
// Letters, digits, "-" and "=" stand for themselves, "_" is "/", "+XX" is
// the octet XX. The prefix is accepted in any case and generated in upper
// case: Exchange 5.5 required upper case and returned mail whose prefix a
// relay had lowered (KB Q271575).
#pragma once

#include "addressing/or_address.hpp"

#include <string>
#include <string_view>

namespace x400gw::addressing {

struct imcea_address {
    std::string type;    // "X400", "EX", "FAX" ... as written
    std::string address; // decoded
    std::string domain;  // after the last "@" (may be empty when none was given)
};

// True when `text` begins with "IMCEA" (any case) and has a "-" after it.
bool looks_like_imcea(std::string_view text) noexcept;

// Decodes `IMCEAtype-encoded@domain` or `IMCEAtype-encoded` (a bare local
// part). Refuses characters outside the encoded-address set and a "+" not
// followed by two hex digits.
result<imcea_address> parse_imcea(std::string_view text);

// `IMCEA` + type + "-" + encoded + "@" + domain (no "@" when domain is empty).
std::string render_imcea(std::string_view type, std::string_view address, std::string_view domain);

} // namespace x400gw::addressing
