// addressing/zone_file.hpp
//
// The resource records of a DNS master file (RFC 1035 section 5.1), as far
// as reading PX records (RFC 2163) needs: what a DNS server exports or an
// administrator writes around them. Read:
//   - ";" comments (not inside a quoted string), parentheses that continue
//     a record over several lines, quoted strings and "\" escapes kept in
//     their word;
//   - a record whose line starts with a blank has the previous owner;
//   - "@" is the origin; with $ORIGIN, a name without a final "." is
//     completed with it (without one, names are taken as written);
//   - TTL (seconds, or BIND's 1h30m) and class (IN, CH, HS, CS, CLASSn) in
//     either order before the type.
// $TTL is read and not needed; $INCLUDE, $GENERATE and other directives
// are refused, as is text this grammar cannot read, naming the line.
// Pure and linear.
#pragma once

#include "addressing/or_address.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace x400gw::addressing {

struct zone_record {
    std::size_t line = 0;            // where the record starts
    std::string owner;               // completed with the origin when there is one
    std::string origin;              // the $ORIGIN in effect ("" when none), with its final "."
    std::string type;                // upper case ("PX", "SOA", "TYPE26")
    std::vector<std::string> data;   // the words after the type
};

// `name` completed with `origin` (RFC 1035 5.1): "@" is the origin, a name
// ending in "." is whole, any other is relative when there is an origin.
std::string absolute_name(std::string_view name, std::string_view origin);

// Errors are "SOURCE:LINE: reason".
result<std::vector<zone_record>> read_zone(std::string_view text, std::string_view source);

} // namespace x400gw::addressing
