// addressing/std_or.cpp
//
// Parsers and generators of the O/R address text forms (see std_or.hpp).
// Two passes, both linear: tokenize() splits the text into key/value pairs
// and undoes "$" quoting; build() classifies the keys and fills the value.
// Neither looks back, so 10,000 OUs or a megabyte of "$" cost what they weigh.
#include "addressing/std_or.hpp"

#include "addressing/imcea.hpp"
#include "addressing/ps_encoding.hpp"

#include <algorithm>
#include <array>

namespace x400gw::addressing {

namespace {

struct token {
    std::string key;
    std::string value;
    std::size_t at = 0; // offset of the key in the input
};

enum class delimiters { both, semicolon, slash };

struct syntax {
    delimiters delims = delimiters::both;
    bool strict = true; // RFC 2156 values only; otherwise administrator input
};

bool is_sep(char ch, delimiters d) noexcept
{
    switch (d) {
    case delimiters::both: return ch == '/' || ch == ';';
    case delimiters::semicolon: return ch == ';';
    case delimiters::slash: return ch == '/';
    }
    return false;
}

// RFC 2156 std-char: PrintableString (less the separators, handled by the
// caller) plus the Teletex markers "{", "}", "*".
bool is_std_char(char ch) noexcept
{
    return is_printable_char(ch) || ch == '{' || ch == '}' || ch == '*';
}

//   [ sep ] pair *( sep pair ) [ sep ]     pair = key "=" value
result<std::vector<token>> tokenize(std::string_view text, syntax const& sx)
{
    std::vector<token> out;
    std::size_t i = 0;
    auto skip_spaces = [&] {
        while (i < text.size() && text[i] == ' ')
            ++i;
    };
    // "$" and the PrintableString character it quotes, appended to `into`.
    auto take_quoted = [&](std::string& into) -> std::optional<error> {
        if (i + 1 >= text.size() || !is_printable_char(text[i + 1]))
            return error{"'$' must quote a PrintableString character", i};
        into.push_back(text[i + 1]);
        i += 2;
        return std::nullopt;
    };
    skip_spaces();
    if (i < text.size() && is_sep(text[i], sx.delims))
        ++i;
    for (;;) {
        skip_spaces();
        if (i >= text.size())
            break;
        if (is_sep(text[i], sx.delims))
            return error{"empty attribute (doubled delimiter)", i};
        token t;
        t.at = i;
        // key, up to "="
        for (;;) {
            if (i >= text.size())
                return error{"attribute without '='", t.at};
            char const ch = text[i];
            if (ch == '=')
                break;
            if (is_sep(ch, sx.delims))
                return error{"attribute without '='", t.at};
            if (ch == '$') {
                if (auto e = take_quoted(t.key))
                    return *e;
                continue;
            }
            if (!is_std_char(ch))
                return error{describe_char(ch) + " not allowed in an attribute type", i};
            t.key.push_back(ch);
            ++i;
        }
        if (t.key.empty())
            return error{"empty attribute type", t.at};
        ++i; // "="
        // value, up to a separator
        while (i < text.size() && !is_sep(text[i], sx.delims)) {
            char const ch = text[i];
            if (ch == '$') {
                if (auto e = take_quoted(t.value))
                    return *e;
                continue;
            }
            if (sx.strict) {
                if (ch == '=')
                    return error{"'=' in a value must be written '$='", i};
                if (!is_std_char(ch) && ch != '|') // "|" only in PD-ADDRESS; build() checks
                    return error{describe_char(ch) + " not allowed in a value", i};
            } else if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) > 0x7e) {
                return error{describe_char(ch) + " not allowed in a value", i};
            }
            t.value.push_back(ch);
            ++i;
        }
        out.push_back(std::move(t));
        if (i < text.size())
            ++i; // the separator
    }
    if (out.empty())
        return error{"no attributes", 0};
    return out;
}

enum class kind { c, admd, prmd, o, ou, ou_n, s, g, i, gq, cn, x121, ua_id, t_id, other, pd_line, pn, dda, dda_n };

struct key_class {
    kind k = kind::other;
    int n = 0;              // the number of OUn, DDn or PD-An
    std::string name;       // generation key for `other`, DDA type for `dda` and `dda_n`
};

// The line separator of an unformatted postal address (RFC 2156 4.1.1:
// upa-string = [ printable *( "|" printable ) ] [ "*" teletex-string ]).
constexpr char postal_line_separator = '|';
constexpr std::string_view postal_address_key = "PD-ADDRESS";

struct alias {
    std::string_view input;
    std::string_view generate;
};

// Postal, terminal-type and extended network attributes (RFC 2156 4.1.1).
constexpr std::array other_keys{
    alias{"T-TY", "T-TY"},
    alias{"PD-SERVICE", "PD-SERVICE"}, alias{"PD-SN", "PD-SERVICE"},
    alias{"PD-C", "PD-C"},
    alias{"PD-CODE", "PD-CODE"}, alias{"PD-PC", "PD-CODE"},
    alias{"PD-OFFICE", "PD-OFFICE"}, alias{"PD-OF", "PD-OFFICE"},
    alias{"PD-OFFICE-NUM", "PD-OFFICE-NUM"}, alias{"PD-OFN", "PD-OFFICE-NUM"},
    alias{"PD-EXT-ADDRESS", "PD-EXT-ADDRESS"}, alias{"PD-EA", "PD-EXT-ADDRESS"},
    alias{"PD-PN", "PD-PN"},
    alias{"PD-O", "PD-O"},
    alias{"PD-EXT-DELIVERY", "PD-EXT-DELIVERY"}, alias{"PD-ED", "PD-EXT-DELIVERY"},
    alias{"PD-ADDRESS", "PD-ADDRESS"}, alias{"PD-A", "PD-ADDRESS"},
    alias{"PD-STREET", "PD-STREET"}, alias{"PD-S", "PD-STREET"},
    alias{"PD-BOX", "PD-BOX"}, alias{"PD-B", "PD-BOX"},
    alias{"PD-RESTANTE", "PD-RESTANTE"}, alias{"PD-R", "PD-RESTANTE"},
    alias{"PD-UNIQUE", "PD-UNIQUE"}, alias{"PD-U", "PD-UNIQUE"},
    alias{"PD-LOCAL", "PD-LOCAL"}, alias{"PD-L", "PD-LOCAL"},
    alias{"NET-NUM", "NET-NUM"}, alias{"E.164", "NET-NUM"}, alias{"ISDN", "NET-NUM"},
    alias{"NET-SUB", "NET-SUB"},
    alias{"NET-PSAP", "NET-PSAP"}, alias{"PSAP", "NET-PSAP"},
};

std::optional<key_class> classify(std::string const& key)
{
    std::string const up = to_upper(key);
    auto is = [&](std::string_view k) { return up == k; };
    if (is("C")) return key_class{kind::c};
    if (is("ADMD") || is("A")) return key_class{kind::admd};
    if (is("PRMD") || is("P")) return key_class{kind::prmd};
    if (is("O")) return key_class{kind::o};
    if (is("OU")) return key_class{kind::ou};
    if (up.size() == 3 && up[0] == 'O' && up[1] == 'U' && up[2] >= '1' && up[2] <= '4')
        return key_class{kind::ou_n, up[2] - '0'};
    if (is("S")) return key_class{kind::s};
    if (is("G")) return key_class{kind::g};
    if (is("I")) return key_class{kind::i};
    if (is("GQ") || is("Q")) return key_class{kind::gq};
    if (is("CN")) return key_class{kind::cn};
    if (is("X121") || is("X.121")) return key_class{kind::x121};
    if (is("UA-ID") || is("N-ID")) return key_class{kind::ua_id};
    if (is("T-ID")) return key_class{kind::t_id};
    if (is("PN")) return key_class{kind::pn};
    if (is("RFC-822")) return key_class{kind::dda, 0, key};
    for (std::string_view prefix : {"DDA.", "DDA:", "DD.", "DD:"}) {
        if (up.size() > prefix.size() && up.compare(0, prefix.size(), prefix) == 0)
            return key_class{kind::dda, 0, key.substr(prefix.size())};
    }
    // DD1..DD4 are numbered dd-keys, as OU1..OU4 are numbered OUs:
    // "DD2.type=value" is the second domain-defined attribute of the sequence.
    if (up.size() >= 3 && up[0] == 'D' && up[1] == 'D' && up[2] >= '1' && up[2] <= '4' &&
        (up.size() == 3 || up[3] == '.' || up[3] == ':')) {
        if (up.size() == 4)
            return key_class{kind::dda}; // "DD1." with no type: refused as such
        return key_class{kind::dda_n, up[2] - '0', up.size() > 4 ? key.substr(4) : std::string()};
    }
    // PD-A1..PD-A6 are the lines of the unformatted postal address.
    if (up.size() == 5 && up.compare(0, 4, "PD-A") == 0 && up[4] >= '1' && up[4] <= '6')
        return key_class{kind::pd_line, up[4] - '0'};
    for (auto const& a : other_keys)
        if (up == a.input)
            return key_class{kind::other, 0, std::string(a.generate)};
    return std::nullopt;
}

struct build_options {
    bool strict = true;
};

constexpr std::size_t npos = static_cast<std::size_t>(-1);

// Numbered keys (OU1..OU4, DD1..DD4, PD-A1..PD-A6) name their place in a
// sequence; the places must be filled from the first without a gap.
template <class T, std::size_t N>
std::optional<error> append_numbered(std::array<std::optional<T>, N>& slots, std::string_view key,
                                     std::vector<T>& out)
{
    for (std::size_t n = 0; n < N; ++n) {
        if (!slots[n]) {
            for (std::size_t m = n + 1; m < N; ++m)
                if (slots[m])
                    return error{std::string(key) + std::to_string(m + 1) + " without " + std::string(key) +
                                 std::to_string(n + 1)};
            break;
        }
        out.push_back(std::move(*slots[n]));
    }
    return std::nullopt;
}

template <class T, std::size_t N>
bool any_of(std::array<std::optional<T>, N> const& slots) noexcept
{
    return std::any_of(slots.begin(), slots.end(), [](auto const& s) { return s.has_value(); });
}

result<or_address> build(std::vector<token>& tokens, build_options const& opt)
{
    or_address a;
    std::array<std::optional<std::string>, 4> numbered_ou;
    std::vector<std::string> plain_ou;
    std::array<std::optional<dda>, 4> numbered_dda;
    std::array<std::optional<std::string>, 6> postal_lines;
    std::size_t first_hierarchy = npos;
    std::size_t first_plain_ou = npos;
    std::size_t first_dda = npos;
    std::size_t first_numbered_dda = npos;
    std::size_t first_postal_line = npos;
    bool pn_used = false;

    auto set_once = [](std::optional<std::string>& field, std::string& v, token const& t,
                       char const* name) -> std::optional<error> {
        if (field)
            return error{std::string("duplicate ") + name, t.at};
        field = std::move(v);
        return std::nullopt;
    };
    // Administrator input is read leniently (any printable ASCII up to the
    // delimiter) so that a DDA value can be re-encoded as ps-encoded here.
    auto dda_value = [&](token& t) -> result<std::string> {
        std::string value = std::move(t.value);
        if (!opt.strict && !is_printable_string(value)) {
            // Exchange displays DDA values unencoded; carry them as ps-encoded.
            auto enc = ps_encode(value);
            if (!enc)
                return error{"DDA value: " + enc.failure().why, t.at};
            value = std::move(*enc);
        }
        return value;
    };

    for (std::size_t idx = 0; idx < tokens.size(); ++idx) {
        token& t = tokens[idx];
        auto cls = classify(t.key);
        if (!cls)
            return error{"unknown attribute type " + quoted(t.key), t.at};
        // Every value but a leniently read DDA must be a std-printablestring;
        // "|" separates the lines of PD-ADDRESS and appears nowhere else.
        bool const lenient_dda = !opt.strict && (cls->k == kind::dda || cls->k == kind::dda_n);
        bool const postal_address = cls->k == kind::other && cls->name == postal_address_key;
        if (!lenient_dda) {
            for (char ch : t.value)
                if (!is_std_char(ch) && !(postal_address && ch == postal_line_separator))
                    return error{describe_char(ch) + " not allowed in a value", t.at};
        }
        std::optional<error> e;
        switch (cls->k) {
        case kind::c: e = set_once(a.c, t.value, t, "C"); break;
        case kind::admd: e = set_once(a.admd, t.value, t, "ADMD"); break;
        case kind::prmd: e = set_once(a.prmd, t.value, t, "PRMD"); break;
        case kind::o: e = set_once(a.o, t.value, t, "O"); break;
        case kind::s: e = set_once(a.surname, t.value, t, "S"); break;
        case kind::g: e = set_once(a.given, t.value, t, "G"); break;
        case kind::i: e = set_once(a.initials, t.value, t, "I"); break;
        case kind::gq: e = set_once(a.generation, t.value, t, "GQ"); break;
        case kind::cn: e = set_once(a.common_name, t.value, t, "CN"); break;
        case kind::x121: e = set_once(a.x121, t.value, t, "X121"); break;
        case kind::ua_id: e = set_once(a.ua_id, t.value, t, "UA-ID"); break;
        case kind::t_id: e = set_once(a.t_id, t.value, t, "T-ID"); break;
        case kind::ou:
            if (first_plain_ou == npos)
                first_plain_ou = idx;
            plain_ou.push_back(std::move(t.value));
            break;
        case kind::ou_n: {
            auto& slot = numbered_ou[static_cast<std::size_t>(cls->n - 1)];
            if (slot)
                return error{"duplicate OU" + std::to_string(cls->n), t.at};
            slot = std::move(t.value);
            break;
        }
        case kind::pn: {
            if (pn_used)
                return error{"duplicate PN", t.at};
            pn_used = true;
            auto pn = parse_encoded_pn(t.value);
            if (!pn)
                return error{"PN: " + pn.failure().why, t.at};
            if (a.surname || a.given || a.initials)
                return error{"PN together with S, G or I", t.at};
            a.surname = std::move(pn->surname);
            a.given = std::move(pn->given);
            a.initials = std::move(pn->initials);
            break;
        }
        case kind::dda: {
            if (cls->name.empty())
                return error{"empty domain-defined attribute type", t.at};
            if (first_dda == npos)
                first_dda = idx;
            auto value = dda_value(t);
            if (!value)
                return value.failure();
            a.ddas.push_back(dda{std::move(cls->name), std::move(*value)});
            break;
        }
        case kind::dda_n: {
            std::string const key = "DD" + std::to_string(cls->n);
            if (cls->name.empty()) {
                // "DD1=type=value" (with "$=" in std-or): the type leads the value.
                auto const eq = t.value.find('=');
                if (eq == 0 || eq == std::string::npos)
                    return error{key + " without a type (write " + key + ".type=value)", t.at};
                cls->name = t.value.substr(0, eq);
                for (char ch : cls->name)
                    if (!is_std_char(ch))
                        return error{describe_char(ch) + " not allowed in an attribute type", t.at};
                t.value.erase(0, eq + 1);
            }
            auto& slot = numbered_dda[static_cast<std::size_t>(cls->n - 1)];
            if (slot)
                return error{"duplicate " + key, t.at};
            if (first_numbered_dda == npos)
                first_numbered_dda = idx;
            auto value = dda_value(t);
            if (!value)
                return value.failure();
            slot = dda{std::move(cls->name), std::move(*value)};
            break;
        }
        case kind::pd_line: {
            auto& slot = postal_lines[static_cast<std::size_t>(cls->n - 1)];
            if (slot)
                return error{"duplicate PD-A" + std::to_string(cls->n), t.at};
            if (first_postal_line == npos)
                first_postal_line = idx;
            slot = std::move(t.value);
            break;
        }
        case kind::other:
            for (auto const& o : a.other)
                if (o.key == cls->name)
                    return error{"duplicate " + cls->name, t.at};
            a.other.push_back(other_attribute{std::move(cls->name), std::move(t.value)});
            break;
        }
        if (e)
            return *e;
        if (!opt.strict && (cls->k == kind::c || cls->k == kind::admd || cls->k == kind::prmd || cls->k == kind::o) &&
            first_hierarchy == npos)
            first_hierarchy = idx;
    }

    // OUs: plain or numbered, never both.
    if (any_of(numbered_ou)) {
        if (!plain_ou.empty())
            return error{"OU mixed with OU1..OU4", tokens[first_plain_ou].at};
        if (auto e = append_numbered(numbered_ou, "OU", a.ou))
            return *e;
    } else {
        // RFC 2156 4.3.3: the most significant OU is the rightmost, unless
        // an administrator wrote the hierarchy most significant first.
        bool const left_first = !opt.strict && first_hierarchy < first_plain_ou;
        a.ou = std::move(plain_ou);
        if (!left_first)
            std::reverse(a.ou.begin(), a.ou.end());
    }
    // DDAs likewise; DD1 is the first (most significant) of the sequence.
    if (any_of(numbered_dda)) {
        if (!a.ddas.empty())
            return error{"DD.type mixed with DD1..DD4", tokens[std::max(first_dda, first_numbered_dda)].at};
        if (auto e = append_numbered(numbered_dda, "DD", a.ddas))
            return *e;
    } else {
        bool const dda_left_first = !opt.strict && first_hierarchy < first_dda;
        if (!dda_left_first)
            std::reverse(a.ddas.begin(), a.ddas.end());
    }
    // PD-A1..PD-A6 spell PD-ADDRESS line by line.
    if (any_of(postal_lines)) {
        for (auto const& o : a.other)
            if (o.key == postal_address_key)
                return error{"PD-ADDRESS mixed with PD-A1..PD-A6", tokens[first_postal_line].at};
        std::vector<std::string> lines;
        if (auto e = append_numbered(postal_lines, "PD-A", lines))
            return *e;
        std::string joined;
        for (std::size_t n = 0; n < lines.size(); ++n) {
            if (n > 0)
                joined.push_back(postal_line_separator);
            joined += lines[n];
        }
        a.other.push_back(other_attribute{std::string(postal_address_key), std::move(joined)});
    }

    // RFC 2156 4.1.3: a country with no ADMD has a blank ADMD.
    if (a.c && !a.admd)
        a.admd = " ";
    return a;
}

bool value_needs_escape(char ch) noexcept { return ch == '/' || ch == '=' || ch == '$' || ch == ';'; }

void append_escaped(std::string& out, std::string_view v)
{
    for (char ch : v) {
        if (value_needs_escape(ch))
            out.push_back('$');
        out.push_back(ch);
    }
}

void append_pair(std::string& out, std::string_view key, std::string_view value)
{
    out += key;
    out.push_back('=');
    append_escaped(out, value);
    out.push_back('/');
}

} // namespace

result<or_address> parse_std_or(std::string_view text)
{
    auto tokens = tokenize(text, syntax{delimiters::both, true});
    if (!tokens)
        return tokens.failure();
    return build(*tokens, build_options{true});
}

namespace {

result<or_address> parse_or_text_at(std::string_view text, bool allow_imcea);

} // namespace

result<or_address> parse_or_text(std::string_view text)
{
    return parse_or_text_at(text, true);
}

namespace {

// One level of IMCEA only: a decoded address that is itself IMCEA is refused
// rather than unwrapped again (which would let input nest without bound).
result<or_address> parse_or_text_at(std::string_view text, bool allow_imcea)
{
    std::size_t lead = 0;
    while (lead < text.size() && text[lead] == ' ')
        ++lead;
    std::string_view body = text.substr(lead);
    // Exchange's proxy type, as its address lists write it ("X400:" for the
    // primary address, "x400:" for the others): no attribute has that name.
    if (allow_imcea && body.size() >= 5 && iequals(body.substr(0, 5), "X400:")) {
        lead += 5;
        body.remove_prefix(5);
        if (body.empty())
            return error{"nothing after the proxy type X400:", lead};
    }
    if (allow_imcea && looks_like_imcea(body)) {
        auto enc = parse_imcea(body);
        if (!enc)
            return error{"IMCEA: " + enc.failure().why, enc.failure().offset};
        if (!iequals(enc->type, "X400"))
            return error{"IMCEA" + enc->type + " is not an X.400 address", 5};
        auto inner = parse_or_text_at(enc->address, false);
        if (!inner)
            return error{"IMCEA X.400 address: " + inner.failure().why};
        return inner;
    }
    delimiters d = delimiters::slash;
    if (!body.empty() && body.front() == '/')
        d = delimiters::both;
    else if (body.find(';') != std::string_view::npos)
        d = delimiters::semicolon;
    auto tokens = tokenize(body, syntax{d, false});
    if (!tokens) {
        auto e = tokens.failure();
        if (e.offset != error::npos)
            e.offset += lead;
        return e;
    }
    return build(*tokens, build_options{false});
}

} // namespace

std::optional<error> parse_encoded_pn_into(std::string_view text, or_address& a)
{
    if (text.empty())
        return error{"empty personal name", 0};
    for (std::size_t i = 0; i < text.size(); ++i)
        if (!is_printable_char(text[i]))
            return error{describe_char(text[i]) + " not allowed in a personal name", i};
    std::size_t pos = 0;
    std::size_t dot = text.find('.');
    // given = 2*<ps-char not including "."> followed by more text
    if (dot != std::string_view::npos && dot >= 2 && dot + 1 < text.size()) {
        a.given = std::string(text.substr(0, dot));
        pos = dot + 1;
    }
    // initial = ALPHA, each followed by "." and more text
    std::size_t const initials_start = pos;
    while (pos + 2 < text.size() && text[pos + 1] == '.') {
        char const ch = text[pos];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')))
            break;
        pos += 2;
    }
    if (pos > initials_start) {
        std::string initials;
        for (std::size_t i = initials_start; i < pos; i += 2)
            initials.push_back(text[i]);
        a.initials = std::move(initials);
    }
    if (pos >= text.size())
        return error{"personal name without a surname", pos};
    a.surname = std::string(text.substr(pos));
    return std::nullopt;
}

result<or_address> parse_encoded_pn(std::string_view text)
{
    or_address a;
    if (auto e = parse_encoded_pn_into(text, a))
        return *e;
    return a;
}

bool can_render_encoded_pn(or_address const& a) noexcept
{
    if (!a.surname || a.surname->empty() || a.generation)
        return false;
    auto plain = [](std::string_view v) { return is_printable_string(v) && v.find('=') == std::string_view::npos; };
    std::string_view const s = *a.surname;
    if (!plain(s) || s.substr(0, 2).find('.') != std::string_view::npos)
        return false;
    if (a.initials) {
        if (a.initials->empty())
            return false;
        for (char ch : *a.initials)
            if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')))
                return false;
    }
    if (a.given) {
        if (a.given->size() < 2 || a.given->find('.') != std::string::npos || !plain(*a.given))
            return false;
    }
    if (!a.given && !a.initials && s.find('.') != std::string_view::npos)
        return false;
    return true;
}

std::string render_encoded_pn(or_address const& a)
{
    std::string out;
    if (a.given) {
        out += *a.given;
        out.push_back('.');
    }
    if (a.initials)
        for (char ch : *a.initials) {
            out.push_back(ch);
            out.push_back('.');
        }
    if (a.surname)
        out += *a.surname;
    return out;
}

std::string render_std_or(or_address const& a)
{
    std::string out = "/";
    for (auto it = a.ddas.rbegin(); it != a.ddas.rend(); ++it) {
        if (it->type == "RFC-822") {
            out += "RFC-822=";
        } else {
            out += "DD.";
            append_escaped(out, it->type);
            out.push_back('=');
        }
        append_escaped(out, it->value);
        out.push_back('/');
    }
    auto opt = [&](std::string_view key, std::optional<std::string> const& v) {
        if (v)
            append_pair(out, key, *v);
    };
    opt("G", a.given);
    opt("I", a.initials);
    opt("S", a.surname);
    opt("GQ", a.generation);
    opt("CN", a.common_name);
    opt("X121", a.x121);
    opt("UA-ID", a.ua_id);
    opt("T-ID", a.t_id);
    for (auto const& o : a.other)
        append_pair(out, o.key, o.value);
    for (auto it = a.ou.rbegin(); it != a.ou.rend(); ++it)
        append_pair(out, "OU", *it);
    opt("O", a.o);
    opt("PRMD", a.prmd);
    opt("ADMD", a.admd);
    opt("C", a.c);
    return out;
}

namespace {

// Labelled and Exchange forms use ";" alone: "$" quotes "=" in a DDA type
// and any ";" (which no valid value holds).
void append_labelled(std::string& out, std::string_view key, std::string_view value, std::string_view sep)
{
    if (!out.empty())
        out += sep;
    out += key;
    out.push_back('=');
    for (char ch : value) {
        if (ch == ';' || ch == '$')
            out.push_back('$');
        out.push_back(ch);
    }
}

std::string dda_key(dda const& d)
{
    std::string k = "DDA:";
    for (char ch : d.type) {
        if (ch == '=' || ch == ';' || ch == '$' || ch == '/')
            k.push_back('$');
        k.push_back(ch);
    }
    return k;
}

// parse_or_text reads unnumbered DDAs first-to-last when C, ADMD, PRMD or
// O is written before them (both forms below write those first), and
// last-to-first otherwise (RFC 2156 4.3.3); write them so they read back.
std::vector<dda const*> ddas_in_writing_order(or_address const& a)
{
    std::vector<dda const*> out;
    for (auto const& d : a.ddas)
        out.push_back(&d);
    if (!(a.c || a.admd || a.prmd || a.o))
        std::reverse(out.begin(), out.end());
    return out;
}

// OU1..OU4 numbered; more than four (an invalid address, but a parsable
// one) cannot be numbered, so they are written unnumbered in the order the
// reader will take them back (see ddas_in_writing_order).
void append_ous(std::string& out, or_address const& a, bool hierarchy_before, std::string_view sep,
                std::string_view key)
{
    bool const numbered = a.ou.size() <= 4;
    bool const reversed = !numbered && !hierarchy_before;
    for (std::size_t i = 0; i < a.ou.size(); ++i) {
        std::size_t const n = reversed ? a.ou.size() - 1 - i : i;
        std::string k(key);
        if (numbered)
            k += std::to_string(n + 1);
        append_labelled(out, k, a.ou[n], sep);
        if (sep.empty())
            out.push_back(';');
    }
}

} // namespace

std::string render_labelled(or_address const& a)
{
    std::string out;
    std::size_t pairs = 0;
    auto opt = [&](std::string_view key, std::optional<std::string> const& v) {
        if (v) {
            append_labelled(out, key, *v, "; ");
            ++pairs;
        }
    };
    opt("G", a.given);
    opt("I", a.initials);
    opt("S", a.surname);
    opt("Q", a.generation);
    opt("CN", a.common_name);
    opt("X.121", a.x121);
    opt("N-ID", a.ua_id);
    opt("T-ID", a.t_id);
    for (auto const& o : a.other) {
        append_labelled(out, o.key, o.value, "; ");
        ++pairs;
    }
    opt("O", a.o);
    append_ous(out, a, a.o.has_value(), "; ", "OU");
    pairs += a.ou.size();
    opt("P", a.prmd);
    opt("A", a.admd);
    opt("C", a.c);
    for (auto const& d : ddas_in_writing_order(a)) {
        append_labelled(out, dda_key(*d), d->value, "; ");
        ++pairs;
    }
    if (pairs == 1)
        out.push_back(';'); // keeps ";" the delimiter, so "/" in the value stays a character
    return out;
}

std::string render_exchange(or_address const& a)
{
    std::string out;
    auto opt = [&](std::string_view key, std::optional<std::string> const& v) {
        if (v) {
            append_labelled(out, key, *v, "");
            out.push_back(';');
        }
    };
    opt("c", a.c);
    opt("a", a.admd);
    opt("p", a.prmd);
    opt("o", a.o);
    append_ous(out, a, a.c || a.admd || a.prmd || a.o, "", "ou");
    opt("s", a.surname);
    opt("g", a.given);
    opt("i", a.initials);
    opt("q", a.generation);
    opt("cn", a.common_name);
    opt("x.121", a.x121);
    opt("n-id", a.ua_id);
    opt("t-id", a.t_id);
    for (auto const& o : a.other) {
        append_labelled(out, to_lower(o.key), o.value, "");
        out.push_back(';');
    }
    for (auto const* d : ddas_in_writing_order(a)) {
        std::string k = dda_key(*d);
        k[0] = 'd';
        k[1] = 'd';
        k[2] = 'a';
        append_labelled(out, k, d->value, "");
        out.push_back(';');
    }
    return out;
}

} // namespace x400gw::addressing
