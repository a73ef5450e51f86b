// addressing/mapper.hpp
//
// The gateway's front to addressing/: a thread-safe, reloadable mapper built
// from the gateway's identity and the four MIXER tables, plus the pieces the
// SMTP session and the X.400-side router need (RCPT-time resolution, the
// local part a peer expects, O/R route prefixes).
//
// Concurrency: the tables and identity live in one immutable mapping_state
// held by std::atomic<std::shared_ptr<const mapping_state>>. Every call
// takes one snapshot and works on it, so a reload (SIGHUP, admin API) swaps
// the tables atomically between two calls and never under one; a reload
// whose tables are invalid keeps the old ones and returns the reason.
//
// Table files are read by load_mapping_state (the one function here that
// touches the file system); everything else is pure.
#pragma once

#include "addressing/mixer.hpp"

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace x400gw::addressing {

// What the gateway configuration names ([addressing] in the TOML file; the
// daemon and x400gwctl each read the file, this is the parsed form).
struct mapping_config {
    std::string gateway_domain;
    std::string gateway_or; // any O/R text form (parse_or_text)
    // Table file per kind, indexed by table_kind; empty = no such table.
    std::array<std::string, table_kind_count> table_files;
};

// An immutable snapshot: identity, indexed tables, warnings from loading.
struct mapping_state {
    gateway_identity identity;
    mapping_tables tables;
    std::vector<std::string> warnings;
};

// What the configuration file gives the mapper: the identity and the
// tables read from their files (loaded, not yet indexed), so that tables
// from elsewhere (the database) can take the place of some of them.
struct mapping_sources {
    gateway_identity identity;
    std::vector<mapping_table> tables;
};
result<mapping_sources> load_mapping_sources(mapping_config const& config);

// Reads and checks everything `config` names. Refusals name the file and line
// ("tables/or.txt:12: PRMD out of order ...") or the bad setting.
result<std::shared_ptr<mapping_state const>> load_mapping_state(mapping_config const& config);
// Reads one table file. Refusals read "file:line: reason" or "file: cannot read ...".
result<mapping_table> load_table_file(std::string const& path, table_kind kind);
// The whole of the file at `path`, or "PATH: cannot read (reason)": a
// directory is refused ("Is a directory"), not read as an empty file.
result<std::string> read_text_file(std::string const& path);
// Builds a state from tables already parsed (tests, benchmarks, the admin API).
result<std::shared_ptr<mapping_state const>> make_mapping_state(gateway_identity identity,
                                                                  std::vector<mapping_table> tables);
// The same over shared tables (a reload): those `previous` holds keep its
// index, so only a table that changed is indexed again.
result<std::shared_ptr<mapping_state const>> make_mapping_state(
    gateway_identity identity, std::vector<std::shared_ptr<mapping_table const>> tables,
    mapping_state const* previous);
// Checks a gateway identity: a domain of two labels or more and a valid O/R address.
std::optional<error> check_identity(gateway_identity const& identity);

// Where an SMTP envelope address goes.
enum class route_kind {
    rfc822,  // an RFC 822 address: route by its domain (rfc822 holds it, possibly rewritten)
    x400,    // an X.400 recipient: route on the X.400 side by `x400`
    refused, // refuse with `refused`
};

struct resolution {
    route_kind kind = route_kind::refused;
    mapping_method method = mapping_method::encapsulated; // for the metrics label
    // rfc822: the mailbox to route by domain; empty for the null reverse path.
    // x400: the mailbox as received (normalised quoting).
    std::string rfc822;
    // x400: the recipient. rfc822 + return role: the originator O/R address
    // to use if the message goes to X.400 (4.3.4 Stage II under our O/R).
    std::optional<or_address> x400;
    std::string std_or;               // render_std_or(*x400) when x400 is set
    std::optional<refusal> refused;   // kind == refused
};

// How an X.400-side SMTP peer (another MIXER gateway, an Exchange
// connector) wants the recipient written.
enum class peer_form { std_or, imcea };
// `"/S=Smith/O=Widget/ADMD=BTT/C=TC/"@domain` or
// `IMCEAX400-c=TC+3Ba=BTT+3Bo=Widget+3Bs=Smith+3B@domain`.
std::string render_peer_mailbox(or_address const& a, peer_form form, std::string_view domain);

// A route key on the X.400 side: C, ADMD, PRMD, O, OU1..OU4 terms, written
// like admin O/R text ("C=TC;ADMD=BTT", "/O=Widget/PRMD=@/ADMD=BTT/C=TC/").
// A term with a value demands that value (compared normalised, so case and
// spacing do not matter and an empty ADMD equals a blank one); a term
// written "@" demands absence (`PRMD=@`: only addresses with no PRMD). A
// level the key does not name matches anything, including absence, so
// "C=TC;ADMD=BTT" covers every address under that ADMD, with or without
// PRMD. Longest-prefix routing picks the matching key of most terms.
struct route_prefix {
    struct term {
        std::size_t level = 0;            // 0 = C ... 4..7 = OU1..OU4
        std::optional<std::string> value; // normalised; nullopt = must be absent
    };
    std::vector<term> terms;

    bool matches(or_address const& a) const noexcept;
    std::size_t specificity() const noexcept { return terms.size(); }
};
result<route_prefix> parse_route_prefix(std::string_view text);

class mapper {
public:
    explicit mapper(std::shared_ptr<mapping_state const> initial);

    // The current snapshot; valid for as long as the caller holds it.
    std::shared_ptr<mapping_state const> state() const;
    // Swaps in a new state (already checked).
    void replace(std::shared_ptr<mapping_state const> next);
    // Loads `config`; on success swaps and returns nothing, otherwise keeps
    // the current state and returns why.
    std::optional<error> reload(mapping_config const& config);

    // RCPT (role recipient) or MAIL FROM (role return_path) resolution of an
    // RFC 5321 mailbox such as `"/S=Smith/O=Widget/ADMD=BTT/C=TC/"@gw.example`,
    // `IMCEAX400-c=TC+3Ba=BTT+3Bo=Widget+3Bs=Smith@gw.example` or
    // `ops@mapped.example`:
    //  - at the gateway's own domain, a std-or or IMCEA local part is an
    //    X.400 address. When the tables (table1, gate1) or an RFC-822 DDA
    //    give it an RFC 822 form, it goes there (rfc822, rewritten), unless
    //    that form maps back into X.400 (RFC 2156 4.4.1: both ends local),
    //    when it stays an X.400 recipient; with no such form it is an X.400
    //    recipient. A plain local part there maps only through a table2
    //    MCGAM for our own domain. Anything else there is refused 550 5.1.1
    //    with the reason (invalid O/R address, not an X.400 address, a
    //    mapping loop);
    //  - elsewhere, a domain an MCGAM covers (table2), or, for recipients,
    //    one a gate2 entry routes through an X.400 gateway, is an X.400
    //    recipient; every other address is rfc822;
    //  - refusals: 501 5.1.3 syntax, 553 5.1.3 cannot be encoded (return
    //    role), 550 5.1.1 at our domain. The null reverse path "" or "<>"
    //    is rfc822 with an empty address for the return role.
    resolution resolve(std::string_view mailbox, role r) const;

    // Header (and any other) mappings on the current snapshot.
    result<rfc822_mapping, refusal> to_rfc822(or_address const& a, role r) const;
    result<x400_mapping, refusal> to_x400(std::string_view rfc822_address, role r) const;

    // A header address (an addr-spec: the caller strips display names and
    // comments) that is an O/R address at the gateway's domain, std-or or
    // IMCEA, and that the tables or an RFC-822 DDA give an RFC 822 form:
    // that form (role header). Nothing when the address should stay as it is.
    std::optional<std::string> rewrite_header_address(std::string_view addr_spec) const;

private:
    std::atomic<std::shared_ptr<mapping_state const>> state_;
};

} // namespace x400gw::addressing
