// addressing/table.cpp
//
// Appendix F table lines and RFC 2163 PX records (see table.hpp).
#include "addressing/table.hpp"

#include "addressing/ps_encoding.hpp"
#include "addressing/rfc822.hpp"
#include "addressing/text_lines.hpp"
#include "addressing/zone_file.hpp"

#include <algorithm>
#include <unordered_map>

namespace x400gw::addressing {

std::string_view kind_name(table_kind k) noexcept
{
    switch (k) {
    case table_kind::or_to_domain: return "or-to-domain";
    case table_kind::domain_to_or: return "domain-to-or";
    case table_kind::gate_or_to_domain: return "gate-or-to-domain";
    case table_kind::gate_domain_to_or: return "gate-domain-to-or";
    }
    return "";
}

std::optional<table_kind> parse_table_kind(std::string_view name) noexcept
{
    for (auto k : {table_kind::or_to_domain, table_kind::domain_to_or, table_kind::gate_or_to_domain,
                   table_kind::gate_domain_to_or})
        if (name == kind_name(k))
            return k;
    return std::nullopt;
}

bool is_gateway_table(table_kind k) noexcept
{
    return k == table_kind::gate_or_to_domain || k == table_kind::gate_domain_to_or;
}

bool is_or_keyed(table_kind k) noexcept
{
    return k == table_kind::or_to_domain || k == table_kind::gate_or_to_domain;
}

namespace {

std::optional<std::size_t> hierarchy_level(std::string_view attr) noexcept
{
    if (iequals(attr, "C")) return 0;
    if (iequals(attr, "ADMD")) return 1;
    if (iequals(attr, "PRMD")) return 2;
    if (iequals(attr, "O")) return 3;
    if (iequals(attr, "OU")) return 4;
    return std::nullopt;
}

// One element of an O/R prefix, as read from a table or from DNS.
struct part {
    std::string attr;                 // as written
    std::optional<std::string> value; // nullopt = omitted
    bool bare = false;                // written without "$" (RFC 2163 style)
};

// Parts arrive most significant last (as written); assembles the levels
// from the right and checks their order.
result<dmn_or_address> assemble(std::vector<part>& parts, bool mcgam, std::vector<std::string>* warnings)
{
    dmn_or_address d;
    or_address x;
    std::size_t next = 0;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        part& p = *it;
        auto lv = hierarchy_level(p.attr);
        if (!lv) {
            if (p.bare)
                return error{quoted(p.attr) + " is not an attribute (an unescaped '.' in a value? write '\\.')"};
            if (mcgam)
                return error{quoted(p.attr) + " may not appear in an MCGAM table (only C, ADMD, PRMD, O, OU)"};
            if (!p.value)
                return error{quoted(p.attr) + " cannot be omitted"};
            std::string const up = to_upper(p.attr);
            std::optional<std::string>* field = nullptr;
            if (up == "S") field = &x.surname;
            else if (up == "G") field = &x.given;
            else if (up == "I") field = &x.initials;
            else if (up == "GQ" || up == "Q") field = &x.generation;
            else if (up == "CN") field = &x.common_name;
            else if (up == "X121" || up == "X.121") field = &x.x121;
            else if (up == "UA-ID" || up == "N-ID") field = &x.ua_id;
            else if (up == "T-ID") field = &x.t_id;
            if (field) {
                if (*field)
                    return error{"duplicate " + up};
                *field = std::move(*p.value);
            } else if (p.attr.size() > 1 && p.attr[0] == '~') {
                // read from the right: the first DDA met is the most significant
                x.ddas.push_back(dda{p.attr.substr(1), std::move(*p.value)});
            } else {
                return error{"unknown attribute " + quoted(p.attr)};
            }
            continue;
        }
        std::size_t level = *lv;
        if (level == 4)
            level = std::max<std::size_t>(next, 4);
        if (level >= level_count)
            return error{"more than 4 OU levels"};
        if (level < next) {
            if (next == 0)
                return error{"no C at the root (the rightmost part)"};
            return error{std::string(level_key(level)) + " out of order (the most significant is on the right)"};
        }
        if (level == 0 && next != 0)
            return error{"duplicate C"};
        if (next == 0 && level != 0)
            return error{"no C at the root (the rightmost part)"};
        while (next < level) {
            if (warnings)
                warnings->push_back(std::string(level_key(next)) + " skipped: read as " +
                                    std::string(level_key(next)) + "$@");
            d.levels.emplace_back(std::nullopt);
            ++next;
        }
        if (p.bare && warnings)
            warnings->push_back(std::string(level_key(level)) + " written without '$': read as " +
                                std::string(level_key(level)) + "$@");
        d.levels.push_back(std::move(p.value));
        next = level + 1;
    }
    if (d.levels.empty())
        return error{"no C at the root (the rightmost part)"};
    if (!x.empty())
        d.extra = std::make_shared<or_address const>(std::move(x));
    return d;
}

bool is_dmn_char(char ch) noexcept
{
    return (is_printable_char(ch) && ch != '.') || ch == '{' || ch == '}' || ch == '*';
}

} // namespace

result<dmn_or_address> parse_dmn_or(std::string_view text, bool mcgam, std::vector<std::string>* warnings)
{
    std::vector<part> parts;
    std::size_t i = 0;
    if (text.empty())
        return error{"empty O/R address", 0};
    while (i <= text.size()) {
        part p;
        std::size_t const start = i;
        std::string cur;
        bool have_dollar = false;
        std::string value;
        for (; i < text.size() && text[i] != '.'; ++i) {
            char ch = text[i];
            if (ch == '\\') {
                if (i + 1 >= text.size() || text[i + 1] != '.')
                    return error{"'\\' must escape '.'", i};
                ch = '.';
                ++i;
            } else if (!have_dollar && ch == '$') {
                have_dollar = true;
                continue;
            } else if (!have_dollar && ch == '~' && cur.empty()) {
                // DDA type marker
            } else if (have_dollar && ch == '@' && value.empty()) {
                // "$@": the level is omitted (checked below)
            } else if (!is_dmn_char(ch)) {
                return error{describe_char(ch) + " not allowed", i};
            }
            (have_dollar ? value : cur).push_back(ch);
        }
        if (cur.empty())
            return error{"empty attribute", start};
        p.attr = std::move(cur);
        if (!have_dollar) {
            p.bare = true;
        } else if (value != "@") {
            if (!value.empty() && value.front() == '@')
                return error{"'@' stands alone: \"$@\" marks an omitted level", start};
            p.value = std::move(value);
        }
        parts.push_back(std::move(p));
        if (i >= text.size())
            break;
        ++i; // "."
        if (i == text.size())
            return error{"trailing '.'", i};
    }
    auto d = assemble(parts, mcgam, warnings);
    if (!d)
        return error{d.failure().why, 0};
    return d;
}

namespace {

void append_dmn_value(std::string& out, std::string_view v)
{
    for (char ch : v) {
        if (ch == '.')
            out.push_back('\\');
        out.push_back(ch);
    }
}

} // namespace

std::string render_dmn_or(dmn_or_address const& d)
{
    std::string out;
    auto add = [&](std::string_view attr, std::optional<std::string> const& v, bool escape_attr = false) {
        if (!out.empty())
            out.push_back('.');
        if (escape_attr)
            append_dmn_value(out, attr);   // a DDA type may hold an escaped '.'
        else
            out += attr;
        out.push_back('$');
        if (v)
            append_dmn_value(out, *v);
        else
            out.push_back('@');
    };
    static or_address const none;
    auto const& x = d.extra ? *d.extra : none;
    for (auto it = x.ddas.rbegin(); it != x.ddas.rend(); ++it)
        add("~" + it->type, it->value, true);
    if (x.given) add("G", x.given);
    if (x.initials) add("I", x.initials);
    if (x.surname) add("S", x.surname);
    if (x.generation) add("GQ", x.generation);
    if (x.common_name) add("CN", x.common_name);
    if (x.x121) add("X121", x.x121);
    if (x.ua_id) add("UA-ID", x.ua_id);
    if (x.t_id) add("T-ID", x.t_id);
    for (std::size_t n = d.levels.size(); n-- > 0;)
        add(level_key(n), d.levels[n]);
    return out;
}

or_address to_or_address(dmn_or_address const& d)
{
    or_address a = d.extra ? *d.extra : or_address{};
    for (std::size_t n = 0; n < d.levels.size(); ++n)
        if (d.levels[n])
            set_level(a, n, *d.levels[n]);
    // An omitted OU between present ones cannot be expressed; OUs below an
    // omitted one are dropped so OU1 stays the most significant.
    if (d.levels.size() > 4) {
        std::size_t present = 0;
        while (4 + present < d.levels.size() && d.levels[4 + present])
            ++present;
        a.ou.resize(present);
    }
    return a;
}

std::string or_key(std::vector<std::optional<std::string>> const& levels)
{
    std::string key;
    for (std::size_t n = 0; n < levels.size(); ++n) {
        if (levels[n])
            append_normalised(key, *levels[n], n == 1);
        else
            key.push_back('@');
        key.push_back('\x1f');
    }
    return key;
}

namespace {

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::string located(std::string_view source, std::size_t line, std::string_view why)
{
    return std::string(source) + ":" + std::to_string(line) + ": " + std::string(why);
}

} // namespace

std::string entry_key(table_kind kind, table_entry const& e)
{
    return is_or_keyed(kind) ? or_key(e.or_side.levels) : to_lower(e.domain);
}

namespace {

// Shared by parse_table and parse_px: checks one entry and records its key.
std::optional<error> check_entry(table_kind kind, table_entry const& e,
                                 std::unordered_map<std::string, std::size_t>& seen, std::string_view source)
{
    if (!is_domain_name(e.domain))
        return error{located(source, e.line, quoted(e.domain) + " is not a domain (letters, digits, inner hyphens)")};
    if (kind == table_kind::gate_or_to_domain && e.or_side.extra)
        return error{located(source, e.line, "gate1 keys match on C, ADMD, PRMD, O and OU only")};
    auto [it, fresh] = seen.emplace(entry_key(kind, e), e.line);
    if (!fresh)
        return error{located(source, e.line, "duplicate key (first on line " + std::to_string(it->second) + ")")};
    return std::nullopt;
}

} // namespace

result<mapping_table> parse_table(std::string_view text, table_kind kind, std::string_view source,
                                  std::vector<std::string>* errors)
{
    // Each refusal goes to `errors` (when given) and the walk goes on, so
    // an import can name every bad line at once; the first is returned.
    std::optional<error> first;
    auto const refuse = [&](error e) {
        if (errors)
            errors->push_back(e.why);
        if (!first)
            first = std::move(e);
    };
    mapping_table t;
    t.kind = kind;
    t.source = std::string(source);
    std::unordered_map<std::string, std::size_t> seen;
    bool const mcgam = !is_gateway_table(kind);
    text_lines lines(text);
    std::string_view line;
    while (!(first && !errors) && lines.next(line)) {
        std::size_t const line_no = lines.number();
        std::string_view const stripped = trim(line);
        if (stripped.empty() || stripped.front() == '#')
            continue;
        // Leading blanks are not part of either side; trailing ones after
        // the closing "#" are ignored. Inside, blanks are data (ADMD$ ).
        std::string_view body = line;
        while (!body.empty() && (body.front() == ' ' || body.front() == '\t'))
            body.remove_prefix(1);
        std::size_t const h1 = body.find('#');
        if (h1 == std::string_view::npos) {
            refuse(error{located(source, line_no, "missing '#' between the two sides")});
            continue;
        }
        std::size_t const h2 = body.find('#', h1 + 1);
        if (h2 == std::string_view::npos) {
            refuse(error{located(source, line_no, "missing the closing '#'")});
            continue;
        }
        if (!trim(body.substr(h2 + 1)).empty()) {
            refuse(error{located(source, line_no, "text after the closing '#'")});
            continue;
        }
        std::string_view const left = body.substr(0, h1);
        std::string_view const right = body.substr(h1 + 1, h2 - h1 - 1);
        std::string_view const or_text = is_or_keyed(kind) ? left : right;
        std::string_view domain = is_or_keyed(kind) ? right : left;
        if (!domain.empty() && domain.back() == '.')
            domain.remove_suffix(1);
        std::vector<std::string> warnings;
        auto d = parse_dmn_or(or_text, mcgam, &warnings);
        if (!d) {
            refuse(error{located(source, line_no, d.failure().why)});
            continue;
        }
        for (auto& w : warnings)
            t.warnings.push_back(located(source, line_no, w));
        table_entry e{std::string(domain), std::move(*d), line_no};
        if (auto bad = check_entry(kind, e, seen, source)) {
            refuse(std::move(*bad));
            continue;
        }
        t.entries.push_back(std::move(e));
    }
    if (first)
        return *first;
    t.entries.shrink_to_fit(); // a 100,000-line table is read once and kept for hours
    return t;
}

std::string render_table_line(table_kind kind, table_entry const& e)
{
    if (is_or_keyed(kind))
        return render_dmn_or(e.or_side) + "#" + e.domain + "#";
    return e.domain + "#" + render_dmn_or(e.or_side) + "#";
}

std::string render_table(mapping_table const& t)
{
    std::string out;
    for (auto const& e : t.entries) {
        out += render_table_line(t.kind, e);
        out.push_back('\n');
    }
    return out;
}

// ---- RFC 2163 DNS syntax -------------------------------------------------

namespace {

bool is_alnum(char ch) noexcept
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

// RFC 2163 4.2.1: "-" -> "-h-", "." -> "-d-", " " -> "-b-", other
// non-alphanumerics -> "-ddd-", then one trailing "-" dropped.
std::string dns_value(std::string_view v)
{
    std::string out;
    for (char ch : v) {
        if (is_alnum(ch)) {
            out.push_back(ch);
        } else if (ch == '-') {
            out += "-h-";
        } else if (ch == '.') {
            out += "-d-";
        } else if (ch == ' ') {
            out += "-b-";
        } else {
            auto const u = static_cast<unsigned char>(ch);
            out.push_back('-');
            out.push_back(static_cast<char>('0' + u / 100));
            out.push_back(static_cast<char>('0' + u / 10 % 10));
            out.push_back(static_cast<char>('0' + u % 10));
            out.push_back('-');
        }
    }
    if (!out.empty() && out.back() == '-')
        out.pop_back();
    return out;
}

result<std::string> undns_value(std::string_view v)
{
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] != '-') {
            if (!is_alnum(v[i]))
                return error{"character not allowed in a DNS O/R label", i};
            out.push_back(v[i]);
            continue;
        }
        std::size_t const end = std::min(v.find('-', i + 1), v.size());
        std::string_view const code = v.substr(i + 1, end - i - 1);
        if (code == "h" || code == "H")
            out.push_back('-');
        else if (code == "d" || code == "D")
            out.push_back('.');
        else if (code == "b" || code == "B")
            out.push_back(' ');
        else if (code.size() == 3 && is_digits(code)) {
            int const c = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
            if (c > 127)
                return error{"escaped character above 127", i};
            out.push_back(static_cast<char>(c));
        } else {
            return error{"unknown escape '-" + std::string(code) + "-'", i};
        }
        i = end; // at the closing "-" (or the end, when it was dropped)
    }
    return out;
}

} // namespace

result<std::string> render_dns_or(dmn_or_address const& d)
{
    if (d.extra)
        return error{"attributes outside C, ADMD, PRMD, O, OU have no DNS form here"};
    std::string out;
    for (std::size_t n = d.levels.size(); n-- > 0;) {
        if (!out.empty())
            out.push_back('.');
        out += level_key(n);
        auto const& v = d.levels[n];
        if (!v)
            continue;
        if (*v == " ") {
            out.push_back('b');
            continue;
        }
        out.push_back('-');
        out += dns_value(*v);
    }
    return out;
}

result<dmn_or_address> parse_dns_or(std::string_view text, bool mcgam)
{
    if (!text.empty() && text.back() == '.')
        text.remove_suffix(1);
    if (text.empty())
        return error{"empty O/R address in DNS form", 0};
    std::vector<part> parts;
    std::size_t start = 0;
    for (;;) {
        std::size_t const dot = text.find('.', start);
        std::string_view const label = text.substr(start, dot == std::string_view::npos ? std::string_view::npos
                                                                                          : dot - start);
        part p;
        std::size_t const dash = label.find('-');
        if (dash == std::string_view::npos) {
            if (hierarchy_level(label)) {
                p.attr = std::string(label);
            } else if (label.size() > 1 && (label.back() == 'b' || label.back() == 'B') &&
                       hierarchy_level(label.substr(0, label.size() - 1))) {
                p.attr = std::string(label.substr(0, label.size() - 1));
                p.value = " ";
            } else {
                return error{quoted(label) + " is not an O/R element in DNS form", start};
            }
        } else {
            p.attr = std::string(label.substr(0, dash));
            auto v = undns_value(label.substr(dash + 1));
            if (!v)
                return error{v.failure().why, start + dash + 1 + v.failure().offset};
            p.value = std::move(*v);
        }
        parts.push_back(std::move(p));
        if (dot == std::string_view::npos)
            break;
        start = dot + 1;
    }
    return assemble(parts, mcgam, nullptr);
}

result<std::string> render_px(mapping_table const& t)
{
    std::string out;
    bool const gate = is_gateway_table(t.kind);
    for (auto const& e : t.entries) {
        auto mapx400 = render_dns_or(e.or_side);
        if (!mapx400)
            return error{located(t.source, e.line, mapx400.failure().why)};
        std::string const rdata = "IN PX 50 " + e.domain + ". " + *mapx400 + (gate ? ".G." : ".");
        std::string owner;
        if (is_or_keyed(t.kind)) {
            // RFC 2163 4.3: the C element becomes "X42D.cc." at the top.
            std::string const& full = *mapx400;
            std::size_t const c_at = full.rfind('.');
            owner = c_at == std::string::npos ? std::string() : full.substr(0, c_at + 1);
            owner += "X42D." + dns_value(e.or_side.levels.front().value_or("")) + ".";
        } else {
            owner = e.domain + ".";
        }
        out += owner + " " + rdata + "\n";
        out += "*." + owner + " " + rdata + "\n";
    }
    return out;
}

result<mapping_table> parse_px(std::string_view zone, table_kind kind, std::string_view source)
{
    auto records = read_zone(zone, source);
    if (!records)
        return records.failure();
    mapping_table t;
    t.kind = kind;
    t.source = std::string(source);
    std::unordered_map<std::string, std::size_t> seen;
    std::unordered_map<std::string, std::string> mapping_of; // key -> rendered line, to fold owner+wildcard
    std::vector<std::string> other_types;
    std::size_t others = 0;
    bool more_types = false;
    bool const gate = is_gateway_table(kind);
    for (auto& rec : *records) {
        std::size_t const line_no = rec.line;
        // PX is type 26 (RFC 2163), which tools that do not know it print
        // as TYPE26 (RFC 3597); the zone's other records are not mappings.
        if (rec.type != "PX" && rec.type != "TYPE26") {
            ++others;
            if (std::find(other_types.begin(), other_types.end(), rec.type) == other_types.end()) {
                if (other_types.size() < 4)
                    other_types.push_back(rec.type);
                else
                    more_types = true;
            }
            continue;
        }
        if (rec.data.size() != 3)
            return error{located(source, line_no, "expected: owner [ttl] [IN] PX preference map822 mapx400")};
        if (!is_digits(rec.data[0]))
            return error{located(source, line_no, "PX preference must be a number")};
        std::string const map822_name = absolute_name(rec.data[1], rec.origin);
        std::string const mapx400_name = absolute_name(rec.data[2], rec.origin);
        std::string_view owner = rec.owner;
        std::string_view map822 = map822_name;
        std::string_view mapx400 = mapx400_name;
        if (!map822.empty() && map822.back() == '.')
            map822.remove_suffix(1);
        if (!mapx400.empty() && mapx400.back() == '.')
            mapx400.remove_suffix(1);
        bool const has_g = mapx400.size() > 2 && iequals(mapx400.substr(mapx400.size() - 2), ".G");
        if (gate && !has_g)
            return error{located(source, line_no, "a gateway record must end MAPX400 with '.G.'")};
        if (!gate && has_g)
            return error{located(source, line_no, "'.G.' marks a gateway record; use a gateway table kind")};
        if (has_g)
            mapx400.remove_suffix(2);
        auto d = parse_dns_or(mapx400, !gate);
        if (!d)
            return error{located(source, line_no, d.failure().why)};
        table_entry e;
        e.line = line_no;
        e.or_side = std::move(*d);
        if (is_or_keyed(kind)) {
            e.domain = std::string(map822);
        } else {
            if (owner.size() > 2 && owner.substr(0, 2) == "*.")
                owner.remove_prefix(2);
            if (!owner.empty() && owner.back() == '.')
                owner.remove_suffix(1);
            e.domain = std::string(owner);
        }
        std::string const key = entry_key(kind, e);
        std::string const rendered = render_table_line(kind, e);
        if (auto it = mapping_of.find(key); it != mapping_of.end()) {
            if (it->second == rendered)
                continue; // the wildcard twin of a record already read
            return error{located(source, line_no, "conflicting record for the same key")};
        }
        mapping_of.emplace(key, rendered);
        if (auto bad = check_entry(kind, e, seen, source))
            return *bad;
        t.entries.push_back(std::move(e));
    }
    if (others) {
        std::string types;
        for (auto const& ty : other_types)
            types += (types.empty() ? "" : ", ") + ty;
        t.warnings.push_back(std::string(source) + ": " + std::to_string(others) +
                             " record(s) other than PX skipped (" + types + (more_types ? ", ..." : "") +
                             ")");
    }
    return t;
}

} // namespace x400gw::addressing
