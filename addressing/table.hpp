// addressing/table.hpp
//
// The four MIXER mapping tables of RFC 2156 Appendix F, their lines, and
// their RFC 2163 DNS (PX record) form. Sans-I/O: text in, tables out
// (table_file.hpp reads files).
//
//   table1 / gate1 line = dmn-or-address "#" domain "#"      (App. F 6, 7)
//   table2 / gate2 line = domain "#" dmn-or-address "#"      (App. F 5, 8)
//   dmn-or-address      = dmn-part *( "." dmn-part )          ; most significant on the right
//   dmn-part            = attribute "$" ( dmn-printablestring / "@" )
//   dmn-printablestring = *( dmn-char / "\." )
//
// "$@" says "this level is omitted" (no PRMD in this hierarchy), which is
// not the same as a present empty value. A level skipped in an MCGAM line
// (`XEROX.COM#O$Xerox.ADMD$ATT.C$US#`, printed so in App. F) and a bare
// label (`O.PRMD$ninp...`, RFC 2163) are read as "$@" with a warning, since
// the RFCs' own examples write them so.
//
// Refuses, naming the line: a missing "#", an unescaped "." inside a value,
// levels out of order, no C at the root, attributes other than C, ADMD,
// PRMD, O and OU in an MCGAM table, a fifth OU, a domain that is not
// domain-syntax, a duplicate key. One bad line refuses the whole table.
#pragma once

#include "addressing/or_address.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace x400gw::addressing {

enum class table_kind {
    or_to_domain,      // table1: MCGAM, X.400 -> RFC 822 (4.3.5 step 3)
    domain_to_or,      // table2: MCGAM, RFC 822 -> X.400 (4.3.4 step 8)
    gate_or_to_domain, // gate1: O/R prefix -> domain of a preferred gateway
    gate_domain_to_or, // gate2: domain -> O/R address of a preferred gateway
};
inline constexpr std::size_t table_kind_count = 4;

std::string_view kind_name(table_kind k) noexcept; // "or-to-domain", ...
std::optional<table_kind> parse_table_kind(std::string_view name) noexcept;
bool is_gateway_table(table_kind k) noexcept;
bool is_or_keyed(table_kind k) noexcept; // table1 and gate1

// The O/R side of a table line.
struct dmn_or_address {
    // C first. levels.size() is the depth; nullopt marks an omitted level.
    std::vector<std::optional<std::string>> levels;
    // Gateway tables only: attributes outside the hierarchy (S, G, CN,
    // DDAs written "~type$value") that complete a gateway's O/R address.
    // Null when there are none, which is every MCGAM line: a pointer keeps a
    // 100,000-line table from carrying 100,000 empty O/R addresses.
    std::shared_ptr<or_address const> extra;
    friend bool operator==(dmn_or_address const& a, dmn_or_address const& b)
    {
        return a.levels == b.levels && (a.extra && b.extra ? *a.extra == *b.extra : a.extra == b.extra);
    }
};

// `mcgam` restricts the attributes to the hierarchy. Warnings (skipped
// levels) are appended to `warnings` when it is not null.
result<dmn_or_address> parse_dmn_or(std::string_view text, bool mcgam, std::vector<std::string>* warnings = nullptr);
std::string render_dmn_or(dmn_or_address const& d);
// The O/R address a dmn-or-address names (omitted levels absent).
or_address to_or_address(dmn_or_address const& d);

// The lookup key of a hierarchy prefix: each level's comparison form
// (normalise_value; "@" when omitted), each followed by '\x1f'.
std::string or_key(std::vector<std::optional<std::string>> const& levels);

struct table_entry {
    std::string domain;          // as written, without a trailing "."
    dmn_or_address or_side;
    std::size_t line = 0;        // 1-based line in the source
};

struct mapping_table {
    table_kind kind = table_kind::or_to_domain;
    std::string source;                 // file name, for messages
    std::vector<table_entry> entries;   // in file order
    std::vector<std::string> warnings;  // "file:line: ..."
};

// Refusals read "file:line: reason": the first bad line's. With `errors`,
// every bad line's refusal is appended there (an import names them all).
result<mapping_table> parse_table(std::string_view text, table_kind kind, std::string_view source,
                                  std::vector<std::string>* errors = nullptr);
// The key an entry is found by (and unique on): the normalised O/R levels
// (table1, gate1) or the domain in lower case (table2, gate2). The key is
// always the left side of a table line.
std::string entry_key(table_kind kind, table_entry const& e);
std::string render_table_line(table_kind kind, table_entry const& e);
std::string render_table(mapping_table const& t);

// RFC 2163: the O/R part in DNS syntax (4.2.1), e.g.
//   OU$sales dept\..O$@.PRMD$ACME.ADMD$ .C$GB  <->  OU-sales-b-dept-d.O.PRMD-ACME.ADMDb.C-GB
result<std::string> render_dns_or(dmn_or_address const& d);
result<dmn_or_address> parse_dns_or(std::string_view text, bool mcgam);

// Zone-file text of PX records (RFC 2163 section 4), PREFERENCE 50, one
// record for the owner itself and one wildcard record below it:
//   table1  *.PRMD-ab.ADMD-ac.X42D.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.
//   table2  *.ab.fr. IN PX 50 ab.fr. PRMD-ab.ADMD-ac.C-fr.
//   gate2   *.mw. IN PX 50 mw. O-cce.PRMD-nrc.ADMD-acme.C-it.G.
result<std::string> render_px(mapping_table const& t);
// PX records back to a table of `kind`, from a DNS master file as
// zone_file.hpp reads one ("owner [ttl] [class] PX pref map822 mapx400",
// $ORIGIN, "@", parentheses, comments; TYPE26 is PX); records of other
// types are skipped with one warning. The owner and wildcard records of
// one mapping collapse into one line. The ".G." suffix must be present on
// gateway kinds and absent on MCGAM kinds.
result<mapping_table> parse_px(std::string_view zone, table_kind kind, std::string_view source);

} // namespace x400gw::addressing
