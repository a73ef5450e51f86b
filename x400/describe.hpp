// x400/describe.hpp
//
// Decoded X.400 values as a tree of named fields, rendered as an indented
// text (for people and logs) or as JSON (for scripts, tests and the two
// oracles). Field names are the ASN.1 component names of X.411 and X.420;
// O/R addresses use the RFC 2156 attribute keys (C, ADMD, PRMD, O, OU,
// S, G, ...); BIT STRINGs are strings of '0' and '1', bit 0 first; times
// keep their UTCTime or GeneralizedTime text; octets are hexadecimal.
//
// The tree knows nothing of how it is printed beyond these two renderers.
#pragma once

#include "x400/p1.hpp"
#include "x400/p22.hpp"

#include <string>
#include <vector>

namespace x400gw::x400 {

struct node {
    enum class kind { object, array, string, number, boolean } k = kind::object;
    std::string name;                    // empty inside arrays
    std::string value;                   // string, number or boolean text
    std::vector<node> children;

    node& add(node n);
    node& field(std::string name, std::string value);
    node& number(std::string name, std::int64_t value);
    node& flag(std::string name, bool value);
    node& object(std::string name);
    node& array(std::string name);
};

node describe(p1::mts_apdu const& apdu);
node describe(p1::or_name const& n);
node describe(p22::information_object const& content);

std::string to_json(node const& n);      // one line, no trailing newline
std::string to_text(node const& n);      // indented, one field per line

std::string hex(std::string_view octets);
std::string bits(ber::bit_string const& b);

} // namespace x400gw::x400
