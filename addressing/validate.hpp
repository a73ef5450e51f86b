// addressing/validate.hpp
//
// The X.411 upper bounds and the combination rules of the O/R address forms
// (X.402 18.5), checked apart from parsing as RFC 2156 4.3.4 Stage I does
// (step 4 parses, steps 5 and 9 check). Each refusal names its reason.
//
// Bounds are X.411's as RFC 5280 Appendix A lists them (ub-domain-name-length
// 16, ub-organization-name-length 64, ...). C must be 2 letters or 3 digits,
// not one of the assigned ISO 3166 codes: ICAO AMHS uses C=XX.
//
// Refuses nothing for a missing PRMD: an address with C, ADMD (possibly blank
// or empty) and any of O, OU, S, CN is complete (spec note section 8, and
// Exchange's own statement in KB Q166866).
#pragma once

#include "addressing/or_address.hpp"

#include <optional>

namespace x400gw::addressing {

struct or_limits {
    std::size_t domain_name = 16;   // ADMD (0..16) and PRMD (1..16)
    std::size_t organization = 64;
    std::size_t org_unit = 32;
    std::size_t org_units = 4;
    std::size_t surname = 40;
    std::size_t given = 16;
    std::size_t initials = 5;
    std::size_t generation = 3;
    std::size_t common_name = 64;
    std::size_t x121 = 16;          // some profiles 15 (KB Q118563)
    std::size_t ua_id = 32;
    std::size_t t_id = 24;
    std::size_t ddas = 4;
    std::size_t dda_type = 8;
    std::size_t dda_value = 128;
    std::size_t postal_lines = 6;       // PD-ADDRESS: ub-pds-physical-address-lines
    std::size_t postal_line = 30;       //   each line: ub-pds-parameter-length
    std::size_t postal_teletex = 180;   //   its Teletex form: ub-unformatted-address-length
};

// Nothing when `a` is a valid O/R address; otherwise the first reason found.
std::optional<error> check_or_address(or_address const& a, or_limits const& limits = {});

// Only the per-attribute syntax (numeric attributes digits only, C two
// letters or three digits, values PrintableString or Teletex), no bounds and
// no form rules: Stage I step 5.
std::optional<error> check_attribute_syntax(or_address const& a);

} // namespace x400gw::addressing
