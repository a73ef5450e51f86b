// addressing/validate.cpp
//
// X.411 bounds and X.402 form rules (see validate.hpp).
#include "addressing/validate.hpp"

#include "addressing/ps_encoding.hpp"

#include <cctype>
#include <string>

namespace x400gw::addressing {

namespace {

// teletex-and-or-ps = [ printablestring ] [ "*" teletex-string ]  (RFC 2156 3.3.4)
// teletex-string    = *( ps-char / "{" 1*3DIGIT "}" )
// Returns the length of the value as X.411 counts it (the printable part,
// or the Teletex part when only that is given), or nothing when malformed.
std::optional<std::size_t> value_length(std::string_view v)
{
    auto star = v.find('*');
    std::string_view const ps = v.substr(0, star);
    if (!is_printable_string(ps))
        return std::nullopt;
    if (star == std::string_view::npos)
        return ps.size();
    std::string_view const t = v.substr(star + 1);
    std::size_t count = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] == '{') {
            std::size_t j = i + 1;
            while (j < t.size() && j - i <= 3 && t[j] >= '0' && t[j] <= '9')
                ++j;
            if (j == i + 1 || j >= t.size() || t[j] != '}')
                return std::nullopt;
            i = j;
        } else if (!is_printable_char(t[i])) {
            return std::nullopt;
        }
        ++count;
    }
    return ps.empty() ? count : ps.size();
}

std::optional<error> check_value(std::string_view name, std::string_view v, std::size_t lo, std::size_t hi)
{
    auto len = value_length(v);
    if (!len)
        return error{std::string(name) + " is not a PrintableString (or Teletex) value"};
    if (*len < lo)
        return error{std::string(name) + " is present but empty"};
    if (*len > hi)
        return error{std::string(name) + " is longer than " + std::to_string(hi) + " characters"};
    return std::nullopt;
}

std::optional<error> check_value(std::string_view name, std::optional<std::string> const& v, std::size_t lo,
                                 std::size_t hi)
{
    if (!v)
        return std::nullopt;
    return check_value(name, std::string_view(*v), lo, hi);
}

// PD-ADDRESS, the unformatted postal address (RFC 2156 4.1.1):
//   upa-string = [ printable *( "|" printable ) ] [ "*" teletex-string ]
std::optional<error> check_postal_address(std::string_view v, or_limits const& lim)
{
    auto const star = v.find('*');
    std::string_view const lines = v.substr(0, star);
    if (star != std::string_view::npos) {
        auto const teletex = value_length(v.substr(star));
        if (!teletex)
            return error{"PD-ADDRESS has a malformed Teletex form"};
        if (*teletex > lim.postal_teletex)
            return error{"PD-ADDRESS Teletex form is longer than " + std::to_string(lim.postal_teletex) +
                         " characters"};
        if (lines.empty())
            return std::nullopt;
    }
    std::size_t count = 0;
    for (std::size_t from = 0;; ++count) {
        auto const bar = lines.find('|', from);
        std::string const name = "PD-ADDRESS line " + std::to_string(count + 1);
        if (auto e = check_value(name, lines.substr(from, bar - from), 1, lim.postal_line))
            return e;
        if (bar == std::string_view::npos)
            break;
        from = bar + 1;
    }
    if (count + 1 > lim.postal_lines)
        return error{"PD-ADDRESS has " + std::to_string(count + 1) + " lines (at most " +
                     std::to_string(lim.postal_lines) + ")"};
    return std::nullopt;
}

} // namespace

namespace {

// The checks of check_attribute_syntax that check_value does not make.
std::optional<error> check_special_syntax(or_address const& a)
{
    if (a.c) {
        std::string_view const c = *a.c;
        bool const alpha = c.size() == 2 && std::isalpha(static_cast<unsigned char>(c[0])) &&
                           std::isalpha(static_cast<unsigned char>(c[1]));
        bool const numeric = c.size() == 3 && is_digits(c);
        if (!alpha && !numeric)
            return error{"C must be 2 letters or 3 digits"};
    }
    if (a.x121 && !is_digits(*a.x121))
        return error{"X121 must be digits"};
    if (a.ua_id && !is_digits(*a.ua_id))
        return error{"UA-ID must be digits"};
    for (auto const& d : a.ddas)
        if (!is_printable_string(d.type))
            return error{"DDA type '" + d.type + "' is not a PrintableString"};
    return std::nullopt;
}

// X.411's ADMD and PRMD names are PrintableString (or NumericString)
// only: unlike O, OU or the personal name they have no Teletex form, so a
// "*" (RFC 2156's Teletex marker) cannot be written in one.
std::optional<error> check_domain_names(or_address const& a)
{
    if (a.admd && !is_printable_string(*a.admd))
        return error{"ADMD '" + *a.admd + "' is not a PrintableString (a domain name has no Teletex form)"};
    if (a.prmd && !is_printable_string(*a.prmd))
        return error{"PRMD '" + *a.prmd + "' is not a PrintableString (a domain name has no Teletex form)"};
    return std::nullopt;
}

} // namespace

std::optional<error> check_attribute_syntax(or_address const& a)
{
    if (auto e = check_special_syntax(a))
        return e;
    if (auto e = check_domain_names(a))
        return e;
    for (auto const* v : {&a.admd, &a.prmd, &a.o, &a.surname, &a.given, &a.initials, &a.generation, &a.common_name,
                          &a.t_id})
        if (*v && !value_length(**v))
            return error{"value '" + **v + "' is not a PrintableString (or Teletex) value"};
    for (auto const& ou : a.ou)
        if (!value_length(ou))
            return error{"OU '" + ou + "' is not a PrintableString (or Teletex) value"};
    for (auto const& d : a.ddas)
        if (!value_length(d.value))
            return error{"DDA " + d.type + " value is not a PrintableString (or Teletex) value"};
    return std::nullopt;
}

std::optional<error> check_or_address(or_address const& a, or_limits const& lim)
{
    // Per-attribute syntax: the special cases here, PrintableString (or
    // Teletex) with the bounds below, each value read once.
    if (auto e = check_special_syntax(a))
        return e;
    if (auto e = check_domain_names(a))
        return e;
    if (auto e = check_value("ADMD", a.admd, 0, lim.domain_name)) return e;
    if (auto e = check_value("PRMD", a.prmd, 1, lim.domain_name)) return e;
    if (auto e = check_value("O", a.o, 1, lim.organization)) return e;
    if (a.ou.size() > lim.org_units)
        return error{std::to_string(a.ou.size()) + " OUs (at most " + std::to_string(lim.org_units) + ")"};
    static constexpr std::string_view ou_names[] = {"OU1", "OU2", "OU3", "OU4"};
    for (std::size_t n = 0; n < a.ou.size(); ++n)
        if (auto e = check_value(n < 4 ? ou_names[n] : std::string_view("OU"), std::string_view(a.ou[n]), 1, lim.org_unit))
            return e;
    if (auto e = check_value("S", a.surname, 1, lim.surname)) return e;
    if (auto e = check_value("G", a.given, 1, lim.given)) return e;
    if (auto e = check_value("I", a.initials, 1, lim.initials)) return e;
    if (auto e = check_value("GQ", a.generation, 1, lim.generation)) return e;
    if (auto e = check_value("CN", a.common_name, 1, lim.common_name)) return e;
    if (auto e = check_value("X121", a.x121, 1, lim.x121)) return e;
    if (auto e = check_value("UA-ID", a.ua_id, 1, lim.ua_id)) return e;
    if (auto e = check_value("T-ID", a.t_id, 1, lim.t_id)) return e;
    for (auto const& o : a.other) {
        if (o.value.empty())
            return error{o.key + " is present but empty"};
        if (o.key == "PD-ADDRESS")
            if (auto e = check_postal_address(o.value, lim))
                return e;
    }
    if (a.ddas.size() > lim.ddas)
        return error{std::to_string(a.ddas.size()) + " domain-defined attributes (at most " +
                     std::to_string(lim.ddas) + ")"};
    for (auto const& d : a.ddas) {
        if (!value_length(d.value))
            return error{"DDA " + d.type + " value is not a PrintableString (or Teletex) value"};
        if (d.type.empty() || d.type.size() > lim.dda_type)
            return error{"DDA type '" + d.type + "' must be 1 to " + std::to_string(lim.dda_type) + " characters"};
        if (d.value.empty() || d.value.size() > lim.dda_value)
            return error{"DDA " + d.type + " value must be 1 to " + std::to_string(lim.dda_value) + " characters"};
    }
    if ((a.given || a.initials || a.generation) && !a.surname)
        return error{"S missing while G, I or GQ is present"};

    // Forms (X.402 18.5). C is needed by every form but the terminal one.
    bool const terminal = a.x121.has_value();
    if (!a.c && !terminal)
        return error{"C is missing"};
    if (a.prmd && !a.admd)
        return error{"PRMD without ADMD"};
    if (!a.c && (a.admd || a.prmd))
        return error{"ADMD or PRMD without C"};
    if (terminal)
        return std::nullopt;
    if (!a.admd)
        return error{"ADMD is missing (write a blank ADMD as 'ADMD= ')"};
    bool const mnemonic = a.o || !a.ou.empty() || a.surname || a.common_name;
    bool const numeric = a.ua_id.has_value();
    bool const postal = !a.other.empty();
    // An address below a PRMD carrying only DDAs is what RFC 2156 4.3.4
    // Stage II itself produces (`c=us; a=MCI; P=relay; dd.rfc-822=...`).
    bool const domain_with_ddas = (a.prmd || !a.ddas.empty());
    if (!mnemonic && !numeric && !postal && !domain_with_ddas)
        return error{"no O, OU, S, CN, UA-ID, PRMD or DDA identifies the recipient"};
    return std::nullopt;
}

} // namespace x400gw::addressing
