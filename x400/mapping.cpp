// x400/mapping.cpp
//
// RFC 2156 / RFC 2157 mapping of interpersonal messages. See mapping.hpp.
#include "x400/mapping.hpp"

#include "addressing/ps_encoding.hpp"
#include "addressing/std_or.hpp"
#include "addressing/validate.hpp"
#include "mime/codec.hpp"
#include "mime/header_codec.hpp"
#include "mime/parser.hpp"
#include "mime/sanitizer.hpp"
#include "x400/describe.hpp"
#include "x400/text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>

namespace x400gw::x400 {

namespace {

namespace ad = addressing;
using refused = mapping_refusal;
template <class T>
using result = ad::result<T, refused>;

// ISO 8571 FTAM-3, the document type of an attachment from MIME.
constexpr char const* ftam_unstructured_binary = "1.0.8571.5.3";

constexpr std::array<char const*, 7> weekdays{"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
constexpr std::array<char const*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string trim(std::string_view s)
{
    return std::string(mime::trim(s));
}

// A control octet that is not text: every C0 octet but HTAB, and DEL.
// RFC 5322 has the others only as obsolete syntax (obs-NO-WS-CTL), which a
// generator must not write, and a terminal acts on them (ESC, BEL).
bool stray_control(char c) noexcept
{
    auto const u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
}

// Text from the X.400 side on one line. IA5 and Teletex strings (and
// ps-encoded text, "(013)") may hold CR and LF: written as they are into a
// header field they would end it and start another (header injection),
// and in a report's text they could start a delimiter line. Each CR, LF,
// NUL and other stray control octet becomes a space.
std::string one_line(std::string s)
{
    std::replace_if(s.begin(), s.end(), stray_control, ' ');
    return s;
}

// A header field's value as written: a CR or LF that is not the line
// break of a fold (CR LF, then SP or HTAB, then something other than white
// space on that line) becomes a space, so no value can end its field or the
// header, whichever text from the X.400 side it holds; so does any other
// stray control octet.
std::string header_value(std::string_view v)
{
    std::string out(v);
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i] == '\r' && i + 2 < out.size() && out[i + 1] == '\n' && (out[i + 2] == ' ' || out[i + 2] == '\t')) {
            auto const next = out.find_first_not_of(" \t", i + 2);
            if (next != std::string::npos && out[next] != '\r' && out[next] != '\n') {
                ++i;
                continue;
            }
        }
        if (stray_control(out[i]))
            out[i] = ' ';
    }
    return out;
}

std::string std_or_text(ad::or_address const& a)
{
    return one_line(ad::render_std_or(a));
}

// ------------------------------------------------------------ identifiers

// RFC 2156 global-id: "/C=XX/ADMD=A/PRMD=P/" (4.6.1 uses the std-or form).
std::string global_id(p1::global_domain_identifier const& g)
{
    ad::or_address a;
    a.c = g.country;
    a.admd = g.admd;
    a.prmd = g.prmd;
    return std_or_text(a);
}

std::optional<p1::global_domain_identifier> parse_global_id(std::string_view text)
{
    auto a = ad::parse_std_or(trim(text));
    if (!a || !a->c || !a->admd || !ad::is_printable_string(*a->c) || !ad::is_printable_string(*a->admd) ||
        (a->prmd && !ad::is_printable_string(*a->prmd)))
        return std::nullopt;   // GlobalDomainIdentifier values are Numeric or PrintableString
    return p1::global_domain_identifier{*a->c, *a->admd, a->prmd};
}

// mts-msg-id = "[" global-id ";" *text "]"  (RFC 2156 4.6.1.1)
std::string mts_id_text(p1::mts_identifier const& id)
{
    return one_line("[" + global_id(id.domain) + ";" + id.local + "]");
}

std::optional<p1::mts_identifier> parse_mts_id(std::string_view text)
{
    auto t = trim(text);
    if (t.size() < 4 || t.front() != '[' || t.back() != ']')
        return std::nullopt;
    auto semi = t.find(';');
    if (semi == std::string::npos)
        return std::nullopt;
    auto gdi = parse_global_id(std::string_view(t).substr(1, semi - 1));
    if (!gdi)
        return std::nullopt;
    auto local = t.substr(semi + 1, t.size() - semi - 2);
    if (local.empty() || local.size() > 32 ||
        std::any_of(local.begin(), local.end(), [](char c) { return c < 0x20 || c >= 0x7f; }))
        return std::nullopt;   // LocalIdentifier: IA5String SIZE (1..ub-local-id-length)
    return p1::mts_identifier{*gdi, local};
}

// IPMIdentifier <-> msg-id (RFC 2156 4.6.2): an IPM identifier becomes
// "<" ps-encoded user-relative-identifier "*" std-or "@" gateway-domain ">";
// a msg-id of that form at our domain comes back as it was, any other
// msg-id is carried in the user-relative-identifier, ps-encoded, with no
// user (LocalIPMIdentifier is PrintableString SIZE (0..64); a longer one
// keeps its first 64 characters, and the loss is stated).
// A space cannot stand in a msg-id (RFC 5322 3.6.4, dot-atom-text); it is
// written as "(032)", the ps-encoding of an arbitrary character.
std::string no_spaces(std::string_view s)
{
    std::string out;
    for (char c : s)
        out += c == ' ' ? std::string("(032)") : std::string(1, c);
    return out;
}

std::string with_spaces(std::string_view s)
{
    std::string out(s);
    for (auto at = out.find("(032)"); at != std::string::npos; at = out.find("(032)", at + 1))
        out.replace(at, 5, " ");
    return out;
}

std::string msg_id(p22::ipm_identifier const& id, std::string_view domain)
{
    // An identifier that came from an RFC 822 msg-id (no user, and the
    // ps-encoded text of an addr-spec) goes back to that msg-id.
    if (!id.user) {
        auto decoded = ad::ps_decode(id.user_relative_identifier);
        // Only an addr-spec of visible characters: ps-encoding can write any
        // octet, a CR or LF too, and those stay encoded below.
        if (decoded && decoded->find('@') != std::string::npos &&
            std::all_of(decoded->begin(), decoded->end(), [](char c) { return c > 0x20 && c < 0x7f && c != '<' && c != '>'; }))
            return "<" + *decoded + ">";
    }
    auto local = ad::ps_encode(id.user_relative_identifier);
    std::string out = "<" + no_spaces(local ? *local : id.user_relative_identifier) + "*";
    if (id.user)
        out += no_spaces(std_or_text(id.user->address));
    return out + "@" + std::string(domain) + ">";
}

p22::ipm_identifier ipm_id_from(std::string_view msgid, std::string_view domain, std::vector<std::string>& losses)
{
    auto t = trim(msgid);
    if (t.size() >= 2 && t.front() == '<' && t.back() == '>')
        t = t.substr(1, t.size() - 2);
    p22::ipm_identifier id;
    auto at = t.rfind('@');
    auto star = t.find('*');
    if (at != std::string::npos && star != std::string::npos && star < at &&
        ad::iequals(std::string_view(t).substr(at + 1), domain)) {
        auto local = ad::ps_decode(with_spaces(std::string_view(t).substr(0, star)));
        auto const std_or = with_spaces(std::string_view(t).substr(star + 1, at - star - 1));
        // Only an O/R address that P22 can carry (a "*" in a PRMD, say, is
        // none: fuzzing found one written as an invalid PrintableString).
        std::optional<ad::or_address> user;
        if (auto parsed = std_or.empty() ? std::nullopt : std::optional(ad::parse_std_or(std_or));
            parsed && *parsed && !ad::check_attribute_syntax(**parsed))
            user = std::move(**parsed);
        if (local && (std_or.empty() || user)) {
            id.user_relative_identifier = *local;
            if (user)
                id.user = p1::or_name{std::move(*user), {}, {}};
            return id;
        }
    }
    auto encoded = ad::ps_encode(t);
    std::string v;
    if (encoded) {
        v = *encoded;
    } else {
        // Octets the ps-encoding has no form for: "(ddd)", as it writes others.
        for (unsigned char c : t) {
            if (ad::is_printable_char(static_cast<char>(c))) {
                v += static_cast<char>(c);
            } else {
                char buf[8];
                std::snprintf(buf, sizeof buf, "(%03u)", c);
                v += buf;
            }
        }
    }
    if (v.size() > 64) {
        losses.push_back("Message-ID longer than an IPM identifier holds: " + t);
        v.resize(64);
    }
    id.user_relative_identifier = v;
    return id;
}

// --------------------------------------------------------------- dates

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    std::int64_t const era = (y >= 0 ? y : y - 399) / 400;
    auto const yoe = static_cast<unsigned>(y - era * 400);
    unsigned const doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// GeneralizedTime of a time (UTC, seconds), years 1950 to 2049 (as UTCTime
// holds them) only.
std::optional<ber::time_value> generalized_from(std::int64_t t)
{
    auto const utc = ber::utc_time_from(t);
    auto const back = ber::time_point(utc);
    if (!back || *back != t || utc.text.size() < 2)
        return std::nullopt;
    return ber::time_value{(utc.text[0] >= '5' ? "19" : "20") + utc.text, true};
}

std::string date_of(ber::time_value const& t)
{
    auto s = ber::time_point(t);
    return s ? rfc5322_date(*s) : t.text;
}

// UTCTime holds 1950 to 2049 (two-digit years, X.680 47.3 as X.509 reads them).
std::optional<ber::time_value> utc_from_date(std::string_view text)
{
    auto s = parse_rfc5322_date(text);
    if (!s || *s < -631152000 || *s >= 2524608000)
        return std::nullopt;
    return ber::utc_time_from(*s);
}

// ------------------------------------------------------------- addresses

struct header_address {
    std::string display;
    std::string addr_spec;
};

// An RFC 5322 address-list, split at top-level commas (groups flattened).
std::vector<header_address> address_list(std::string_view v)
{
    std::vector<header_address> out;
    std::string cur;
    int angle = 0, comment = 0;
    bool quoted = false;
    auto flush = [&] {
        auto item = trim(cur);
        cur.clear();
        if (item.empty())
            return;
        header_address a;
        auto lt = item.rfind('<');
        auto gt = item.rfind('>');
        if (lt != std::string::npos && gt != std::string::npos && gt > lt) {
            a.addr_spec = trim(std::string_view(item).substr(lt + 1, gt - lt - 1));
            a.display = trim(std::string_view(item).substr(0, lt));
            if (a.display.size() >= 2 && a.display.front() == '"' && a.display.back() == '"')
                a.display = a.display.substr(1, a.display.size() - 2);
        } else {
            a.addr_spec = item;
        }
        out.push_back(std::move(a));
    };
    for (std::size_t i = 0; i < v.size(); ++i) {
        char const c = v[i];
        if (quoted) {
            cur += c;
            if (c == '\\' && i + 1 < v.size())
                cur += v[++i];
            else if (c == '"')
                quoted = false;
            continue;
        }
        if (comment) {
            if (c == '(')
                ++comment;
            else if (c == ')')
                --comment;
            continue;
        }
        switch (c) {
        case '"': quoted = true; cur += c; break;
        case '(': comment = 1; break;
        case '<': ++angle; cur += c; break;
        case '>': angle = std::max(0, angle - 1); cur += c; break;
        case ',':
        case ';':
            if (angle == 0)
                flush();
            else
                cur += c;
            break;
        case ':':
            // group = display-name ":" [group-list] ";" (RFC 5322 3.4): the
            // group's name is dropped, its members are read.
            if (angle == 0)
                cur.clear();
            else
                cur += c;
            break;
        case '\r':
        case '\n': break;
        default: cur += c;
        }
    }
    flush();
    return out;
}

// A free-form name (TeletexString) as the display name (RFC 5322 phrase)
// of an address: T.61 read into UTF-8; a quoted string when that is ASCII,
// else RFC 2047 encoded words (which may not stand in a quoted string).
std::string display_of(p22::or_descriptor const& d)
{
    if (!d.free_form_name)
        return {};
    auto const n = text::t61_to_utf8(*d.free_form_name);
    if (std::all_of(n.begin(), n.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }))
        return "\"" + n + "\"";
    std::string out;
    mime::encode_words(one_line(n), out);
    return out;
}

// RFC 2047 encoded words in a header value, decoded to UTF-8 where their
// charset is UTF-8, US-ASCII or ISO 8859-1; other words stay as written.
std::string decode_words(std::string_view v)
{
    std::string out;
    std::size_t i = 0;
    bool after_word = false;
    while (i < v.size()) {
        auto const start = v.find("=?", i);
        if (start == std::string_view::npos) {
            out += v.substr(i);
            break;
        }
        auto const q1 = v.find('?', start + 2);
        auto const q2 = q1 == std::string_view::npos ? q1 : v.find('?', q1 + 1);
        auto const end = q2 == std::string_view::npos ? q2 : v.find("?=", q2 + 1);
        if (end == std::string_view::npos) {
            out += v.substr(i);
            break;
        }
        std::string charset(v.substr(start + 2, q1 - start - 2));
        mime::to_lower(charset);
        if (auto star = charset.find('*'); star != std::string::npos)
            charset.resize(star); // RFC 2231 language
        auto const enc = v.substr(q1 + 1, q2 - q1 - 1);
        auto const data = v.substr(q2 + 1, end - q2 - 1);
        std::string decoded;
        bool ok = charset == "utf-8" || charset == "us-ascii" || charset == "iso-8859-1";
        if (ok && (enc == "B" || enc == "b")) {
            ok = mime::decode_base64(data, decoded);
        } else if (ok && (enc == "Q" || enc == "q")) {
            auto digit = [](char h) {
                char const l = static_cast<char>(h | 0x20);
                return h >= '0' && h <= '9' ? h - '0' : l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
            };
            for (std::size_t k = 0; k < data.size(); ++k) {
                char const c = data[k];
                if (c == '_') {
                    decoded += ' ';
                } else if (c == '=' && k + 2 < data.size() && digit(data[k + 1]) >= 0 && digit(data[k + 2]) >= 0) {
                    decoded += static_cast<char>(digit(data[k + 1]) * 16 + digit(data[k + 2]));
                    k += 2;
                } else {
                    decoded += c;
                }
            }
        } else {
            ok = false;
        }
        auto const between = v.substr(i, start - i);
        // Linear white space between two encoded words is not text (RFC 2047 6.2).
        if (!(after_word && mime::trim(between).empty()))
            out += between;
        if (ok)
            out += charset == "iso-8859-1" ? text::latin1_to_utf8(decoded) : decoded;
        else
            out += v.substr(start, end + 2 - start);
        after_word = ok;
        i = end + 2;
    }
    return out;
}

// Header text (UTF-8 after decode_words) as a TeletexString of at most
// `bound` octets (X.420's upper bound for the field): ASCII as it is,
// anything else through T.61; what T.61 cannot write is '?', and what is
// past the bound is cut (never between a diacritic and its letter); both
// stated.
std::string teletex_of(std::string_view utf8, char const* what, std::size_t bound, std::vector<std::string>& losses)
{
    // A stray control octet is no text (and ESC would start a T.61 code
    // extension): a space, as on the way in.
    std::string const plain = one_line(std::string(utf8));
    std::string t;
    if (std::all_of(plain.begin(), plain.end(), [](char c) { return !(c & 0x80); })) {
        t = plain;
    } else {
        std::size_t bad = 0;
        t = text::utf8_to_t61(plain, &bad);
        if (bad)
            losses.push_back(std::to_string(bad) + " character(s) of the " + what +
                             " have no T.61 form and are written as '?'");
    }
    if (t.size() > bound) {
        t.resize(bound);
        // T.61's non-spacing diacritics (0xC1-0xCF) come before their letter.
        while (!t.empty() && static_cast<unsigned char>(t.back()) >= 0xc1 && static_cast<unsigned char>(t.back()) <= 0xcf)
            t.pop_back();
        losses.push_back(std::string("the ") + what + " is longer than X.420 allows (" + std::to_string(bound) +
                         " octets) and is cut there");
    }
    return t;
}

// X.420 upper bounds (ub-free-form-name, ub-subject-field).
constexpr std::size_t free_form_name_bound = 64;
constexpr std::size_t subject_bound = 128;

// The O/R address as P1 writes it: every value a PrintableString (the
// Teletex markers RFC 2156 allows in text have no BER form here yet), the
// numeric attributes digits. nullopt when it is, else why not.
// The attributes with a Teletex form in P1 (CN, O, the personal name, OU
// and DDA values) may carry one ("printable*teletex", RFC 2156 3.3.4);
// NET-PSAP must be the RFC 1278 text p1 writes.
std::optional<std::string> not_encodable(ad::or_address const& a)
{
    auto printable = [](std::optional<std::string> const& v) { return !v || ad::is_printable_string(*v); };
    auto numeric = [](std::optional<std::string> const& v) { return !v || ad::is_numeric_string(*v); };
    auto teletex = [](std::optional<std::string> const& v) {
        return !v || ad::is_printable_string(std::string_view(*v).substr(0, v->find('*')));
    };
    bool ok = printable(a.c) && printable(a.admd) && printable(a.prmd) && teletex(a.o) && teletex(a.surname) &&
              teletex(a.given) && teletex(a.initials) && teletex(a.generation) && teletex(a.common_name) &&
              printable(a.t_id) && numeric(a.x121) && numeric(a.ua_id);
    for (auto const& ou : a.ou)
        ok = ok && teletex(ou);
    for (auto const& d : a.ddas)
        ok = ok && ad::is_printable_string(d.type) && teletex(d.value);
    for (auto const& o : a.other) {
        std::string v = o.value;
        if (o.key == "PD-ADDRESS")
            std::replace(v.begin(), v.end(), '|', ' ');
        if (o.key == "NET-PSAP" && !p1::valid_psap_text(v))
            return "O/R address " + ad::render_std_or(a) + " has a NET-PSAP that is not 'p'H/'s'H/'t'H/NS+hex";
        // PDSParameter and the unformatted postal address have a Teletex form.
        bool const postal = o.key.starts_with("PD-") && o.key != "PD-SERVICE" && o.key != "PD-C" && o.key != "PD-CODE";
        ok = ok && (postal ? teletex(v) : ad::is_printable_string(v));
    }
    if (ok)
        return std::nullopt;
    return "O/R address " + ad::render_std_or(a) +
           " has a value outside PrintableString where P1 has no Teletex form";
}

// The universal (ISO 10646) forms of an O/R name's attributes have no
// RFC 2156 form: each is named as lost.
void universal_losses(p1::or_name const& n, std::vector<std::string>& losses)
{
    for (auto const& x : n.opaque_attributes) {
        auto u = p1::read_universal_attribute(x);
        if (!u)
            continue;
        std::string values;
        for (auto const& [key, v] : u->values)
            values += (values.empty() ? "" : ", ") + key + "=" + v.text;
        losses.push_back("the " + std::string(p1::universal_attribute_name(u->type)) + " (" + values +
                         ") of O/R address " + ad::render_std_or(n.address) + " has no RFC 2156 form and is not carried");
    }
}

result<std::string> rfc822_of(ad::mapper const& map, p1::or_name const& n, ad::role r,
                              std::vector<std::string>* losses = nullptr)
{
    if (losses)
        universal_losses(n, *losses);
    auto m = map.to_rfc822(n.address, r);
    if (!m)
        return refused{"O/R address " + ad::render_std_or(n.address) + " cannot be mapped: " + m.failure().why};
    return one_line(m->address);
}

// ------------------------------------------------------------- to MIME

// The types of the IPMSExtensions in a RecipientSpecifier's [3] (as kept,
// encoded): SET OF SEQUENCE { type OBJECT IDENTIFIER, value ANY DEFAULT NULL }.
// One that cannot be read is named "unknown".
std::vector<std::string> ipms_extension_types(std::string const& encoded)
{
    std::vector<std::string> out;
    ber::session s(ber::bytes(reinterpret_cast<std::uint8_t const*>(encoded.data()), encoded.size()));
    ber::reader top(s, s.input());
    auto set = top.next();
    if (!set || !set->constructed)
        return {"unknown"};
    ber::reader items = top.enter(*set);
    while (auto item = items.next()) {
        std::optional<ber::oid> type;
        if (item->constructed) {
            ber::reader fields = items.enter(*item);
            auto t = fields.next();
            if (t && t->is(ber::universal(ber::u::object_identifier)))
                type = ber::read_oid(s, *t);
        }
        out.push_back(type ? type->to_string() : "unknown");
        if (s.failed())
            break;
    }
    return out;
}

struct writer822 {
    ad::mapper const& map;
    std::vector<std::string>& losses;
    std::string domain;

    void field(std::string& out, std::string_view name, std::string_view value)
    {
        out += name;
        out += ": ";
        out += header_value(value);
        out += "\r\n";
    }

    result<std::string> descriptor_text(p22::or_descriptor const& d)
    {
        if (!d.formal_name) {
            if (d.free_form_name) {
                losses.push_back("a recipient with only a free-form name (" + *d.free_form_name +
                                 ") has no RFC 822 address and is written as an empty group");
                return display_of(d) + ":;";
            }
            return std::string("undisclosed:;");
        }
        auto a = rfc822_of(map, *d.formal_name, ad::role::header, &losses);
        if (!a)
            return a.failure();
        auto disp = display_of(d);
        return disp.empty() ? *a : disp + " <" + *a + ">";
    }

    result<bool> list_field(std::string& out, std::string_view name, std::vector<p22::or_descriptor> const& list)
    {
        std::string v;
        for (auto const& d : list) {
            auto t = descriptor_text(d);
            if (!t)
                return t.failure();
            if (!v.empty())
                v += ",\r\n ";
            v += *t;
        }
        if (!list.empty())
            field(out, name, v);
        return true;
    }

    result<bool> recipients_field(std::string& out, std::string_view name, std::vector<p22::recipient_specifier> const& list)
    {
        std::vector<p22::or_descriptor> ds;
        for (auto const& r : list) {
            // Per-recipient heading extensions (RecipientSpecifier [3]) have
            // no RFC 822 field: named, with the recipient's place.
            if (r.recipient_extensions)
                for (auto const& type : ipms_extension_types(*r.recipient_extensions))
                    losses.push_back("Discarded-X400-IPMS-Extensions: " + type + " (" + std::string(name) + " recipient " +
                                     std::to_string(ds.size() + 1) + ")");
            ds.push_back(r.recipient);
            if (r.notification_requests.test(p22::notification::rn) ||
                r.notification_requests.test(p22::notification::nrn))
                losses.push_back("receipt notification requests are not carried (RFC 2156 5.3.4)");
            if (r.reply_requested)
                losses.push_back("reply-requested is not carried");
        }
        return list_field(out, name, ds);
    }

    std::string ids(std::vector<p22::ipm_identifier> const& list)
    {
        std::string v;
        for (auto const& id : list)
            v += (v.empty() ? "" : " ") + msg_id(id, domain);
        return v;
    }

    std::string text_part_header(std::string_view charset, std::string const& body, std::string& encoded)
    {
        bool const eight_bit = std::any_of(body.begin(), body.end(), [](char c) { return c & 0x80; });
        bool long_line = false;
        std::size_t run = 0;
        for (char c : body) {
            run = c == '\n' ? 0 : run + 1;
            long_line = long_line || run > 998;
        }
        std::string h = "Content-Type: text/plain; charset=" + std::string(charset) + "\r\n";
        if (eight_bit || long_line) {
            mime::encode_qp(body, encoded, true);
            h += "Content-Transfer-Encoding: quoted-printable\r\n";
        } else {
            encoded = body;
        }
        return h;
    }

    std::string base64_part(std::string_view content_type, std::string const& body, std::string_view disposition = {})
    {
        std::string out = "Content-Type: " + std::string(content_type) + "\r\nContent-Transfer-Encoding: base64\r\n";
        if (!disposition.empty())
            out += "Content-Disposition: " + std::string(disposition) + "\r\n";
        out += "\r\n";
        mime::encode_base64(body, out); // lines of 76 characters, each ended with CRLF
        return out;
    }

    // RFC 2157 section 4: a body part with no MIME equivalent travels as
    // application/x400-bp, its BER encoding inside, so it comes back whole.
    std::string encapsulated(p22::body_part const& part, std::string_view type)
    {
        p22::ipm carrier;
        carrier.body.push_back(part);
        auto const wire = p22::encode(carrier);
        ber::session s(ber::bytes(reinterpret_cast<std::uint8_t const*>(wire.data()), wire.size()));
        // The body part's own TLV: the last element of the carrier's body.
        std::string encoded_part;
        ber::reader top(s, s.input());
        if (auto ipm = top.next()) {
            ber::reader r = top.enter(*ipm);
            (void)r.next();
            if (auto body = r.next()) {
                ber::reader parts = r.enter(*body);
                if (auto p = parts.next())
                    encoded_part = ber::raw(s, *p);
            }
        }
        losses.push_back("a " + std::string(type) +
                         " body part has no MIME equivalent; it is carried as application/x400-bp (RFC 2157)");
        return base64_part("application/x400-bp; bp-type=" + std::string(type), encoded_part);
    }

    std::string charset_of(std::vector<std::int64_t> const& sets)
    {
        // ISO 2375 registrations: C0 1, ASCII G0 6, and the G1 (right-hand)
        // sets of ISO 8859 (RFC 2157 appendix with the registration numbers).
        static constexpr std::array<std::pair<std::int64_t, char const*>, 10> right{{
            {100, "iso-8859-1"}, {101, "iso-8859-2"}, {109, "iso-8859-3"}, {110, "iso-8859-4"},
            {144, "iso-8859-5"}, {127, "iso-8859-6"}, {126, "iso-8859-7"}, {138, "iso-8859-8"},
            {148, "iso-8859-9"}, {196, "utf-8"},
        }};
        std::string cs;
        for (auto n : sets) {
            if (n == 1 || n == 6)
                continue;
            auto it = std::find_if(right.begin(), right.end(), [&](auto const& p) { return p.first == n; });
            if (it == right.end() || !cs.empty())
                return {};
            cs = it->second;
        }
        return cs.empty() ? "us-ascii" : cs;
    }

    result<std::string> body_part_text(p22::body_part const& part)
    {
        if (auto const* t = std::get_if<p22::ia5_text>(&part)) {
            std::string enc;
            auto h = text_part_header("us-ascii", t->text, enc);
            return h + "\r\n" + enc;
        }
        if (auto const* g = std::get_if<p22::general_text>(&part)) {
            auto cs = charset_of(g->character_sets);
            if (cs.empty())
                return encapsulated(part, "general-text");
            std::string enc;
            auto h = text_part_header(cs, g->text, enc);
            return h + "\r\n" + enc;
        }
        if (auto const* t = std::get_if<p22::teletex>(&part)) {
            // Basic Teletex becomes text/plain: T.61 read into UTF-8. With
            // non-basic parameters, telex compatibility or an octet T.61
            // does not define, it is encapsulated whole instead.
            std::string joined;
            for (auto const& page : t->pages)
                joined += page + "\r\n";
            std::size_t unmapped = 0;
            auto const utf8 = text::t61_to_utf8(joined, &unmapped);
            if (unmapped || t->telex_compatible || t->non_basic_parameters)
                return encapsulated(part, "teletex");
            if (t->pages.size() > 1)
                losses.push_back("teletex page boundaries are not kept");
            bool const ascii = utf8.size() == joined.size();
            std::string enc;
            auto h = text_part_header(ascii ? "us-ascii" : "utf-8", utf8, enc);
            return h + "\r\n" + enc;
        }
        if (auto const* b = std::get_if<p22::bilaterally_defined>(&part))
            return base64_part("application/octet-stream", b->octets);
        if (auto const* f = std::get_if<p22::file_transfer>(&part)) {
            // One octet-aligned data value, or none (an empty file).
            if (f->data.size() > 1 || (f->data.size() == 1 && f->data[0].kind != ber::external::encoding::octet_aligned))
                return encapsulated(part, "file-transfer");
            // RFC 2157 / RFC 2183: the file's name, dates and size become
            // Content-Disposition parameters; the rest is stated as lost.
            auto const& at = f->attributes;
            std::string type = "application/octet-stream";
            std::string disposition = "attachment";
            if (f->file_name && ad::is_printable_string(*f->file_name)) {
                type += "; name=\"" + *f->file_name + "\"";
                disposition += "; filename=\"" + *f->file_name + "\"";
            } else if (f->file_name) {
                losses.push_back("a file name outside PrintableString is not carried");
            }
            for (auto [name, t] : {std::pair{"creation-date", &at.creation_time},
                                   std::pair{"modification-date", &at.modification_time},
                                   std::pair{"read-date", &at.read_time}}) {
                if (*t && ber::time_point(**t))
                    disposition += std::string(";\r\n ") + name + "=\"" + date_of(**t) + "\"";
                else if (*t)
                    losses.push_back(std::string("the ") + name + " of a file is not a valid time and is not carried");
            }
            if (at.size && *at.size >= 0)
                disposition += ";\r\n size=" + std::to_string(*at.size);
            if (at.permitted_actions)
                losses.push_back("the FTAM permitted-actions of a file (" + bits(*at.permitted_actions) +
                                 ") have no MIME equivalent and are not carried");
            if (f->other_parameters)
                losses.push_back("file transfer parameters other than the file name, dates, size and document "
                                 "type are not carried");
            auto const document = at.document_type ? at.document_type->to_string() : std::string(ftam_unstructured_binary);
            if (document != ftam_unstructured_binary)
                losses.push_back("the FTAM document type " + document + " of a file is not carried");
            else if (!f->data.empty() && f->data[0].direct_reference &&
                     f->data[0].direct_reference->to_string() != ftam_unstructured_binary)
                losses.push_back("the FTAM document type " + f->data[0].direct_reference->to_string() +
                                 " of a file is not carried");
            return base64_part(type, f->data.empty() ? std::string() : f->data[0].data, disposition);
        }
        if (auto const* m = std::get_if<p22::message_body_part>(&part)) {
            if (m->data.empty())
                return encapsulated(part, "message");
            auto inner = ipm_text(m->data.front(), nullptr);
            if (!inner)
                return inner.failure();
            return "Content-Type: message/rfc822\r\n\r\n" + *inner;
        }
        if (std::holds_alternative<p22::nationally_defined>(part))
            return encapsulated(part, "nationally-defined");
        if (std::holds_alternative<p22::g3_facsimile>(part))
            return encapsulated(part, "g3-facsimile");
        return encapsulated(part, std::get<p22::opaque_body_part>(part).kind);
    }

    // The RFC 822 header and MIME body of an IPM; `env` adds the fields of
    // the P1 envelope (absent for a forwarded message).
    result<std::string> ipm_text(p22::ipm const& m, p1::message_envelope const* env)
    {
        std::string out;
        auto const& h = m.heading;
        if (env) {
            for (auto it = env->trace.rbegin(); it != env->trace.rend(); ++it) {
                std::string v = "by " + global_id(it->domain);
                if (it->deferred_time)
                    v += " ; deferred until " + date_of(*it->deferred_time);
                if (it->attempted_domain)
                    v += " ; attempted " + global_id(*it->attempted_domain);
                v += std::string(" ; ") + (it->action == p1::routing_action::relayed ? "Relayed" : "Rerouted");
                v += " ; " + date_of(it->arrival_time);
                field(out, "X400-Received", v);
            }
            if (!env->trace.empty())
                field(out, "Date", date_of(env->trace.front().arrival_time));
        }
        if (!h.authorizing_users.empty()) {
            if (auto r = list_field(out, "From", h.authorizing_users); !r)
                return r.failure();
            if (h.originator) {
                auto t = descriptor_text(*h.originator);
                if (!t)
                    return t.failure();
                field(out, "Sender", *t);
            }
        } else if (h.originator) {
            auto t = descriptor_text(*h.originator);
            if (!t)
                return t.failure();
            field(out, "From", *t);
        } else if (env) {
            auto a = rfc822_of(map, env->originator, ad::role::header);
            if (!a)
                return a.failure();
            field(out, "From", *a);
        }
        if (auto r = recipients_field(out, "To", h.primary_recipients); !r)
            return r.failure();
        if (auto r = recipients_field(out, "Cc", h.copy_recipients); !r)
            return r.failure();
        if (h.blind_copy_recipients)
            if (auto r = recipients_field(out, "Bcc", *h.blind_copy_recipients); !r)
                return r.failure();
        if (h.reply_recipients)
            if (auto r = list_field(out, "Reply-To", *h.reply_recipients); !r)
                return r.failure();
        if (h.subject) {
            std::string v;
            bool const ascii = std::none_of(h.subject->begin(), h.subject->end(), [](char c) { return c & 0x80; });
            if (ascii) {
                v = one_line(*h.subject);
            } else {
                // T.61 is not a MIME charset: read into UTF-8 (diacritics
                // combined with their letters) and encoded (RFC 2047).
                std::size_t unmapped = 0;
                auto const utf8 = text::t61_to_utf8(*h.subject, &unmapped);
                mime::encode_words(one_line(utf8), v);
                if (unmapped)
                    losses.push_back(std::to_string(unmapped) +
                                     " octet(s) of the Teletex subject have no T.61 reading (U+FFFD)");
            }
            field(out, "Subject", v);
        }
        field(out, "Message-ID", msg_id(h.this_ipm, domain));
        if (h.replied_to_ipm)
            field(out, "In-Reply-To", msg_id(*h.replied_to_ipm, domain));
        if (!h.related_ipms.empty())
            field(out, "References", ids(h.related_ipms));
        if (!h.obsoleted_ipms.empty())
            field(out, "Obsoletes", ids(h.obsoleted_ipms));
        if (h.expiry_time)
            field(out, "Expiry-Date", date_of(*h.expiry_time));
        if (h.reply_time)
            field(out, "Reply-By", date_of(*h.reply_time));
        if (h.importance != p22::importance::normal)
            field(out, "Importance", p22::importance_name(h.importance));
        if (h.sensitivity) {
            static constexpr std::array<char const*, 4> names{"", "Personal", "Private", "Company-Confidential"};
            field(out, "Sensitivity", names[static_cast<std::size_t>(*h.sensitivity)]);
        }
        if (h.auto_forwarded)
            field(out, "Autoforwarded", "TRUE");
        for (auto const& x : h.extensions)
            losses.push_back("Discarded-X400-IPMS-Extensions: " + x.type.to_string());
        if (env) {
            field(out, "X400-MTS-Identifier", mts_id_text(env->message_id));
            field(out, "X400-Originator", std_or_text(env->originator.address));
            std::string recips;
            for (auto const& r : env->recipients)
                recips += (recips.empty() ? "" : ",\r\n ") + std_or_text(r.name.address);
            field(out, "X400-Recipients", recips);
            field(out, "X400-Content-Type", env->type.built_in == p1::content_types::p2_1984 ? "P2" : "P2-1988");
            if (env->content_identifier)
                field(out, "X400-Content-Identifier", *env->content_identifier);
            if (env->priority != p1::priority::normal)
                field(out, "Priority", env->priority == p1::priority::urgent ? "urgent" : "non-urgent");
        }
        field(out, "MIME-Version", "1.0");
        if (m.body.size() == 1) {
            auto b = body_part_text(m.body.front());
            if (!b)
                return b.failure();
            out += *b;
            if (!out.ends_with("\n"))
                out += "\r\n";
            return out;
        }
        std::vector<std::string> parts;
        for (auto const& part : m.body) {
            auto b = body_part_text(part);
            if (!b)
                return b.failure();
            parts.push_back(std::move(*b));
        }
        std::string boundary = "x400gw-body-part";
        for (int n = 1; std::any_of(parts.begin(), parts.end(),
                                    [&](auto const& p) { return p.find(boundary) != std::string::npos; });
             ++n)
            boundary = "x400gw-body-part-" + std::to_string(n);
        out += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
        // The line end before a delimiter belongs to the delimiter (RFC 2046
        // 5.1.1), so each part keeps its own last line end.
        for (auto const& p : parts)
            out += "--" + boundary + "\r\n" + p + "\r\n";
        out += "--" + boundary + "--\r\n";
        return out;
    }
};

// An extension as RFC 2156's Discarded-X400-MTS-Extensions names it: its
// OBJECT IDENTIFIER, or { id-mhs-extension N } for a standard one.
std::string extension_name(p1::extension_field const& f)
{
    return f.private_type ? f.private_type->to_string()
                          : "{ id-mhs-extension " + std::to_string(f.standard.value_or(0)) + " }";
}

// The extensions of an envelope or a recipient that no RFC 822 field
// carries: the modelled ones present and every one kept opaque.
std::vector<std::string> discarded_extensions(p1::extensions const& x)
{
    std::vector<std::string> out;
    auto standard = [&](bool present, std::int64_t n) {
        if (present)
            out.push_back("{ id-mhs-extension " + std::to_string(n) + " }");
    };
    standard(x.recipient_reassignment_prohibited.has_value(), p1::ext::recipient_reassignment_prohibited);
    standard(x.originator_requested_alternate_recipient.has_value(), p1::ext::originator_requested_alternate_recipient);
    standard(x.dl_expansion_prohibited.has_value(), p1::ext::dl_expansion_prohibited);
    standard(x.conversion_with_loss_prohibited.has_value(), p1::ext::conversion_with_loss_prohibited);
    standard(x.latest_delivery_time.has_value(), p1::ext::latest_delivery_time);
    standard(x.originator_return_address.has_value(), p1::ext::originator_return_address);
    standard(x.content_correlator_value.has_value(), p1::ext::content_correlator);
    standard(x.has_internal_trace, p1::ext::internal_trace_information);
    standard(x.reporting_mta_name.has_value(), p1::ext::reporting_mta_name);
    for (auto const& f : x.other)
        out.push_back(extension_name(f));
    return out;
}

std::string notify_of(ber::bit_string const& indicators)
{
    bool const report = indicators.test(p1::pri::originator_report);
    bool const ndr = indicators.test(p1::pri::originator_non_delivery_report);
    if (report)
        return "SUCCESS,FAILURE";
    if (ndr)
        return "FAILURE";
    return "NEVER";
}


// --------------------------------------------------------------- from MIME

struct reader822 {
    ad::mapper const& map;
    std::string domain;
    std::vector<std::string> losses;

    // A heading address. One that has no O/R address (no domain, a UTF-8
    // local part, a syntax error) does not refuse the message: the
    // envelope names who gets it, and the heading only tells people who
    // was meant. Its text is carried as the free-form name, which to-mime
    // writes back as a group's display name. nullopt when nothing of it
    // is left to carry (an empty address without a display name).
    std::optional<p22::or_descriptor> descriptor(header_address const& a)
    {
        p22::or_descriptor d;
        if (!a.display.empty()) {
            auto const utf8 = decode_words(a.display);
            if (text::t61_representable(utf8))
                d.free_form_name = teletex_of(utf8, "display name", free_form_name_bound, losses);
            else
                losses.push_back("the display name " + a.display + " has no T.61 form and is not carried");
        }
        std::optional<std::string> why;
        auto x = map.to_x400(a.addr_spec, ad::role::header);
        if (!x)
            why = x.failure().why;
        else if (auto e = not_encodable(x->address))
            why = *e;
        if (!why) {
            d.formal_name = p1::or_name{x->address, {}, {}};
            return d;
        }
        losses.push_back("the address '" + a.addr_spec + "' has no O/R address (" + *why +
                         ") and is carried as a free-form name");
        if (!a.addr_spec.empty()) {
            auto const text = d.free_form_name ? text::t61_to_utf8(*d.free_form_name) + " <" + a.addr_spec + ">"
                                               : a.addr_spec;
            d.free_form_name = teletex_of(text, "address", free_form_name_bound, losses);
        }
        if (!d.free_form_name)
            return std::nullopt;
        return d;
    }

    std::vector<p22::or_descriptor> descriptors(std::string_view v)
    {
        std::vector<p22::or_descriptor> out;
        for (auto const& a : address_list(v))
            if (auto d = descriptor(a))
                out.push_back(std::move(*d));
        return out;
    }

    std::vector<p22::recipient_specifier> recipients(std::string_view v)
    {
        std::vector<p22::recipient_specifier> out;
        for (auto& d : descriptors(v)) {
            p22::recipient_specifier r;
            r.recipient = std::move(d);
            out.push_back(std::move(r));
        }
        return out;
    }

    std::vector<p22::ipm_identifier> id_list(std::string_view v)
    {
        std::vector<p22::ipm_identifier> out;
        std::size_t i = 0;
        while ((i = v.find('<', i)) != std::string_view::npos) {
            auto j = v.find('>', i);
            if (j == std::string_view::npos)
                break;
            out.push_back(ipm_id_from(v.substr(i, j - i + 1), domain, losses));
            i = j + 1;
        }
        return out;
    }

    static std::string body_of(std::string_view bytes, mime::part const& p)
    {
        auto raw = bytes.substr(p.body_begin, p.body_end - p.body_begin);
        std::string out;
        if (p.encoding == mime::transfer_encoding::base64) {
            if (mime::decode_base64(raw, out))
                return out;
            return std::string(raw);
        }
        if (p.encoding == mime::transfer_encoding::quoted_printable) {
            if (mime::decode_qp(raw, out))
                return out;
            return std::string(raw);
        }
        return std::string(raw);
    }

    static std::string crlf(std::string s)
    {
        std::string out;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
                out += '\r';
            out += s[i];
        }
        return out;
    }

    // One MIME entity (and its children) as body parts (RFC 2157 section 5).
    result<bool> entity(std::string_view bytes, mime::message const& tree, std::uint32_t index,
                        std::vector<p22::body_part>& body)
    {
        auto const& p = tree.parts[index];
        auto const& ct = p.content_type;
        if (p.is_multipart()) {
            bool const alternative = ct.subtype == "alternative";
            for (auto c = p.first_child; c != mime::no_part; c = tree.parts[c].next_sibling) {
                auto r = entity(bytes, tree, c, body);
                if (!r)
                    return r;
                if (alternative) {
                    if (tree.parts[c].next_sibling != mime::no_part)
                        losses.push_back("multipart/alternative: only the first alternative is carried");
                    break;
                }
            }
            return true;
        }
        if (p.is_message() && (ct.subtype == "rfc822" || ct.subtype == "global") && p.first_child != mime::no_part) {
            auto inner = ipm_of(bytes, tree, p.first_child);
            if (!inner)
                return inner.failure();
            p22::message_body_part m;
            m.data.push_back(std::move(*inner));
            body.push_back(std::move(m));
            return true;
        }
        auto content = body_of(bytes, p);
        // Text with NULs is a file under a text label (an image or a sound
        // labelled text/plain): it goes on as a file, its octets as they
        // are, with no line ends made CR LF.
        bool const binary = content.find('\0') != std::string::npos;
        if (ct.type == "text" && ct.subtype == "plain" && !binary) {
            auto const* cs = ct.param("charset");
            std::string charset = cs ? *cs : "us-ascii";
            mime::to_lower(charset);
            bool const ascii = std::none_of(content.begin(), content.end(), [](char c) { return c & 0x80; });
            // Octets under 128 are ASCII text only in a charset that is
            // ASCII there: not in UTF-16 or UTF-32 (NULs between the
            // letters), nor in the 7-bit charsets that switch sets by
            // escapes (ISO-2022-JP, UTF-7, HZ). Such text goes on as a file.
            bool const wide_or_shifted =
                charset.starts_with("utf-16") || charset.starts_with("utf-32") || charset.starts_with("ucs-") ||
                charset.starts_with("iso-2022") || charset == "utf-7" || charset.starts_with("hz-") ||
                content.find('\x1b') != std::string::npos;
            if (ascii && !wide_or_shifted) {
                body.push_back(p22::ia5_text{5, crlf(content)});
                return true;
            }
            if (charset == "us-ascii" || charset == "ascii" || charset == "unknown-8bit") {
                // IA5String cannot hold them: UTF-8 where they are UTF-8,
                // else Latin-1, the likeliest reading.
                if (mime::is_utf8(content)) {
                    charset = "utf-8";
                } else {
                    losses.push_back("8-bit octets in a " + charset + " text part are read as ISO 8859-1");
                    charset = "iso-8859-1";
                }
            }
            static constexpr std::array<std::pair<char const*, std::int64_t>, 10> sets{{
                {"iso-8859-1", 100}, {"iso-8859-2", 101}, {"iso-8859-3", 109}, {"iso-8859-4", 110},
                {"iso-8859-5", 144}, {"iso-8859-6", 127}, {"iso-8859-7", 126}, {"iso-8859-8", 138},
                {"iso-8859-9", 148}, {"utf-8", 196},
            }};
            for (auto const& [name, reg] : sets)
                if (charset == name) {
                    body.push_back(p22::general_text{{1, 6, reg}, crlf(content)});
                    return true;
                }
        }
        if (ct.type == "application" && ct.subtype == "x400-bp") {
            // Our own encapsulation (or a peer's, RFC 2157): the BER of one
            // body part, put back in an IPM to be read.
            ber::writer w;
            auto top = w.begin(ber::context(0));
            auto head = w.begin(ber::universal(17));
            auto id = w.begin(ber::application(11));
            w.octets(ber::universal(19), "");
            w.end(id);
            w.end(head);
            auto b = w.begin(ber::universal(16));
            w.raw(content);
            w.end(b);
            w.end(top);
            auto decoded = p22::decode(ber::bytes(reinterpret_cast<std::uint8_t const*>(w.data().data()), w.data().size()));
            if (decoded) {
                auto& carrier = std::get<p22::ipm>(*decoded);
                if (carrier.body.size() == 1) {
                    body.push_back(std::move(carrier.body.front()));
                    return true;
                }
            }
            losses.push_back("an application/x400-bp part that is not one BER body part is carried as a file");
        }
        if (ct.type == "application" && ct.subtype == "octet-stream" && !p.has_disposition && !ct.param("name")) {
            body.push_back(p22::bilaterally_defined{content});
            return true;
        }
        // Everything else: a file transfer body part (RFC 2157 section 5.3),
        // named as the Content-Disposition or Content-Type names it.
        p22::file_transfer f;
        std::string const* name = p.has_disposition ? p.disposition.param("filename") : nullptr;
        if (!name)
            name = ct.param("name");
        if (name && ad::is_printable_string(*name))
            f.file_name = *name;
        else if (name)
            losses.push_back("the file name " + *name + " is outside PrintableString and is not carried");
        // RFC 2183 parameters to FileAttributes (RFC 2157).
        auto& at = f.attributes;
        at.file_name = f.file_name;
        if (p.has_disposition) {
            for (auto [param, slot] : {std::pair{"creation-date", &at.creation_time},
                                       std::pair{"modification-date", &at.modification_time},
                                       std::pair{"read-date", &at.read_time}}) {
                if (auto const* v = p.disposition.param(param)) {
                    if (auto t = parse_rfc5322_date(*v); t && generalized_from(*t))
                        *slot = generalized_from(*t);
                    else
                        losses.push_back(std::string("the ") + param + " '" + *v + "' is not a date x400gw reads");
                }
            }
            if (auto const* v = p.disposition.param("size")) {
                char* end = nullptr;
                auto const n = std::strtoll(v->c_str(), &end, 10);
                if (!v->empty() && end && *end == 0 && n >= 0)
                    at.size = n;
            }
        }
        if (!at.empty())
            f.parameters = p22::file_transfer_parameters(at);
        // The file's contents as data values: one octet-aligned value, or
        // none for an empty file (an empty value is an FTAM-3 data element
        // without octets, which Wireshark's FTAM dissector calls malformed).
        if (!content.empty()) {
            ber::external x;
            x.direct_reference = ber::oid::parse(ftam_unstructured_binary);
            x.kind = ber::external::encoding::octet_aligned;
            x.data = std::move(content);
            f.data.push_back(std::move(x));
        }
        if (ct.type != "application" || ct.subtype != "octet-stream")
            losses.push_back("the media type " + ct.type + "/" + ct.subtype + " of a file body part is not carried");
        body.push_back(std::move(f));
        return true;
    }

    // The header fields of an entity, by lower-case name (first occurrence).
    static std::map<std::string, std::string> fields(std::string_view bytes, mime::part const& p)
    {
        std::map<std::string, std::string> out;
        mime::for_each_field(bytes.substr(p.header_begin, p.header_end - p.header_begin), [&](mime::raw_field const& f) {
            if (f.name.empty())
                return;
            std::string name(f.name);
            mime::to_lower(name);
            std::string v;
            for (char c : f.value)
                if (c != '\r' && c != '\n')
                    v += c;
            out.emplace(name, trim(v));
        });
        return out;
    }

    result<p22::ipm> ipm_of(std::string_view bytes, mime::message const& tree, std::uint32_t root)
    {
        auto const& p = tree.parts[root];
        auto f = fields(bytes, p);
        p22::ipm m;
        auto& h = m.heading;
        auto get = [&](char const* n) -> std::string const* {
            auto it = f.find(n);
            return it == f.end() ? nullptr : &it->second;
        };
        if (auto v = get("message-id"))
            h.this_ipm = ipm_id_from(*v, domain, losses);
        if (auto v = get("sender")) {
            auto d = descriptors(*v);
            if (!d.empty())
                h.originator = d.front();
            if (auto from = get("from"))
                h.authorizing_users = descriptors(*from);
        } else if (auto from = get("from")) {
            auto d = descriptors(*from);
            if (!d.empty())
                h.originator = d.front();
            if (d.size() > 1)
                h.authorizing_users = std::move(d);
        }
        if (auto v = get("to"))
            h.primary_recipients = recipients(*v);
        if (auto v = get("cc"))
            h.copy_recipients = recipients(*v);
        if (auto v = get("bcc"))
            h.blind_copy_recipients = recipients(*v);
        if (auto v = get("reply-to"))
            h.reply_recipients = descriptors(*v);
        if (auto v = get("subject")) {
            // RFC 2047 words decoded, then T.61 (an undecodable 8-bit
            // Subject is read as UTF-8, or failing that as Latin-1).
            auto utf8 = decode_words(*v);
            if (!ber::valid_utf8(utf8))
                utf8 = text::latin1_to_utf8(utf8);
            h.subject = teletex_of(utf8, "Subject", subject_bound, losses);
        }
        if (auto v = get("in-reply-to")) {
            auto ids = id_list(*v);
            if (!ids.empty())
                h.replied_to_ipm = ids.front();
        }
        if (auto v = get("references"))
            h.related_ipms = id_list(*v);
        if (auto v = get("obsoletes"))
            h.obsoleted_ipms = id_list(*v);
        if (auto v = get("expiry-date"))
            h.expiry_time = utc_from_date(*v);
        if (auto v = get("reply-by"))
            h.reply_time = utc_from_date(*v);
        if (auto v = get("importance")) {
            if (ad::iequals(*v, "low"))
                h.importance = p22::importance::low;
            else if (ad::iequals(*v, "high"))
                h.importance = p22::importance::high;
        }
        if (auto v = get("sensitivity")) {
            if (ad::iequals(*v, "personal"))
                h.sensitivity = p22::sensitivity::personal;
            else if (ad::iequals(*v, "private"))
                h.sensitivity = p22::sensitivity::private_;
            else if (ad::iequals(*v, "company-confidential"))
                h.sensitivity = p22::sensitivity::company_confidential;
        }
        if (auto v = get("autoforwarded"))
            h.auto_forwarded = ad::iequals(*v, "true");
        auto r = entity(bytes, tree, root, m.body);
        if (!r)
            return r.failure();
        return m;
    }
};

// ------------------------------------------------------ reports and DSNs

// NonDeliveryReasonCode and NonDeliveryDiagnosticCode (X.411 8.3.1.2.1.10
// and .11) to RFC 3463 status codes, as RFC 2156 appendix C and RFC 3463
// pair them; the inverse for DSNs coming back.
struct status_pair {
    std::int64_t reason;
    std::int64_t diagnostic;      // -1: any
    char const* status;
};
constexpr std::array<status_pair, 30> status_table{{
    {1, 0, "5.1.1"},  {1, 1, "5.1.4"},  {1, 2, "5.3.1"},  {1, 3, "5.4.6"},  {1, 4, "5.2.1"},
    {1, 5, "5.4.7"},  {1, 6, "5.6.1"},  {1, 7, "5.3.4"},  {1, 8, "5.6.3"},  {1, 9, "5.6.3"},
    {1, 10, "5.6.3"}, {1, 11, "5.5.4"}, {1, 12, "5.6.0"}, {1, 13, "5.3.4"}, {1, 14, "5.5.0"},
    {1, 15, "5.6.1"}, {1, 16, "5.5.3"}, {1, 17, "5.7.1"}, {1, 18, "5.3.3"}, {1, 19, "5.6.2"},
    {1, 27, "5.4.6"}, {1, 28, "5.2.4"}, {1, 29, "5.7.2"}, {1, 30, "5.2.4"}, {1, 46, "5.1.6"},
    {0, -1, "5.4.0"}, {2, -1, "5.6.3"}, {5, -1, "5.7.1"}, {6, -1, "5.4.4"}, {8, -1, "5.7.0"},
}};

std::string status_of(p1::non_delivery_report const& n)
{
    for (auto const& p : status_table)
        if (p.reason == n.reason && (p.diagnostic == -1 || (n.diagnostic && *n.diagnostic == p.diagnostic)))
            return p.status;
    return n.reason == 1 ? "5.1.0" : "5.0.0";
}

p1::non_delivery_report reason_of(std::string_view status)
{
    for (auto const& p : status_table)
        if (status == p.status)
            return {p.reason, p.diagnostic < 0 ? std::nullopt : std::optional<std::int64_t>(p.diagnostic)};
    return {1, std::nullopt};   // unable-to-transfer
}

std::string reporting_mta(p1::report const& r)
{
    if (r.ext.reporting_mta_name)
        return one_line(*r.ext.reporting_mta_name);
    if (!r.trace.empty())
        return global_id(r.trace.back().domain);
    return global_id(r.report_id.domain);
}

// RFC 2156 section 6 (reports) and RFC 3464: a multipart/report whose
// delivery-status part has one per-recipient block per reported recipient;
// the returned content, when there is one, is the third part.
result<mime_message> report_to_dsn(p1::report const& r, ad::mapper const& map)
{
    mime_message out;
    auto const state = map.state();
    writer822 w{map, out.losses, state->identity.domain};
    auto to = rfc822_of(map, r.destination, ad::role::recipient);
    if (!to)
        return to.failure();
    std::string human = "This is a delivery report from the X.400 message transfer system, for the message\r\n" +
                        mts_id_text(r.subject_id) + ".\r\n\r\n";
    std::string status = "Reporting-MTA: x400; " + reporting_mta(r) + "\r\n";
    status += "Original-Envelope-Id: " + no_spaces(mts_id_text(r.subject_id)) + "\r\n";
    if (!r.trace.empty())
        status += "Arrival-Date: " + date_of(r.trace.front().arrival_time) + "\r\n";
    for (auto const& x : r.recipients) {
        auto const std_or = std_or_text(x.actual_recipient.address);
        status += "\r\n";
        if (x.originally_intended_recipient)
            status += "Original-Recipient: x400; " + std_or_text(x.originally_intended_recipient->address) + "\r\n";
        status += "Final-Recipient: x400; " + std_or + "\r\n";
        if (auto const* d = std::get_if<p1::delivery_report>(&x.report)) {
            status += "Action: delivered\r\nStatus: 2.0.0\r\n";
            status += "X400-Message-Delivery-Time: " + date_of(d->message_delivery_time) + "\r\n";
            human += "Delivered to " + std_or + " at " + date_of(d->message_delivery_time) + ".\r\n";
        } else {
            auto const& n = std::get<p1::non_delivery_report>(x.report);
            status += "Action: failed\r\nStatus: " + status_of(n) + "\r\n";
            status += "Diagnostic-Code: X400; " + std::to_string(n.reason) +
                      (n.diagnostic ? " " + std::to_string(*n.diagnostic) : std::string()) + "\r\n";
            human += "Not delivered to " + std_or + " (non-delivery reason " + std::to_string(n.reason) +
                     (n.diagnostic ? ", diagnostic " + std::to_string(*n.diagnostic) : std::string()) + ").\r\n";
        }
        status += "Last-Attempt-Date: " + date_of(x.arrival_time) + "\r\n";
        if (x.supplementary_information)
            status += "X400-Supplementary-Info: " + one_line(*x.supplementary_information) + "\r\n";
    }
    std::string returned;
    if (r.returned_content) {
        auto c = p22::decode(ber::bytes(reinterpret_cast<std::uint8_t const*>(r.returned_content->data()),
                                        r.returned_content->size()));
        if (c && std::holds_alternative<p22::ipm>(*c)) {
            auto text = w.ipm_text(std::get<p22::ipm>(*c), nullptr);
            if (text)
                returned = "Content-Type: message/rfc822\r\n\r\n" + *text;
        }
        if (returned.empty())
            out.losses.push_back("the returned content is not an IPM and is not included");
    }
    std::string msg;
    if (!r.trace.empty())
        msg += "Date: " + date_of(r.trace.back().arrival_time) + "\r\n";
    msg += "From: Mail Delivery Subsystem <postmaster@" + state->identity.domain + ">\r\n";
    msg += "To: " + *to + "\r\n";
    msg += "Subject: Delivery report for " + no_spaces(mts_id_text(r.subject_id)) + "\r\n";
    msg += "Message-ID: <" + no_spaces(one_line(r.report_id.local)) + "*" + no_spaces(global_id(r.report_id.domain)) + "@" +
           state->identity.domain + ">\r\n";
    msg += "X400-MTS-Identifier: " + mts_id_text(r.report_id) + "\r\n";
    for (auto const& l : out.losses)
        msg += "Comments: x400gw: " + one_line(l) + "\r\n";
    msg += "MIME-Version: 1.0\r\n";
    std::string const boundary = "x400gw-report";
    msg += "Content-Type: multipart/report; report-type=delivery-status; boundary=\"" + boundary + "\"\r\n\r\n";
    msg += "--" + boundary + "\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + human + "\r\n";
    msg += "--" + boundary + "\r\nContent-Type: message/delivery-status\r\n\r\n" + status + "\r\n";
    if (!returned.empty())
        msg += "--" + boundary + "\r\n" + returned + "\r\n";
    msg += "--" + boundary + "--\r\n";
    out.message = mime::sanitize(msg).message;
    out.envelope.mail_from = "";
    out.envelope.rcpt_to.push_back({*to, "NEVER", std_or_text(r.destination.address)});
    out.envelope.ret = "HDRS";
    out.envelope.envid = mts_id_text(r.report_id);
    return out;
}

// An IPN as an RFC 8098 MDN (RFC 2156 section 5.4 maps receipt and
// non-receipt notifications to the notification of its day): a receipt is
// "displayed", a non-receipt of a discarded IPM "deleted", of an
// auto-forwarded one "dispatched"; the X.400 particulars ride in X400-*
// fields of the disposition-notification part, so they come back.
result<mime_message> ipn_to_mdn(p22::ipn const& n, p1::message_envelope const& env, ad::mapper const& map)
{
    mime_message out;
    auto const state = map.state();
    auto const& domain = state->identity.domain;
    auto from = rfc822_of(map, n.ipn_originator && n.ipn_originator->formal_name ? *n.ipn_originator->formal_name
                                                                                  : env.originator,
                          ad::role::header);
    if (!from)
        return from.failure();
    std::string to;
    for (auto const& r : env.recipients) {
        auto a = rfc822_of(map, r.name, ad::role::recipient);
        if (!a)
            return a.failure();
        if (r.indicators.test(p1::pri::responsibility))
            out.envelope.rcpt_to.push_back({*a, "NEVER", std_or_text(r.name.address)});
        to += (to.empty() ? "" : ", ") + *a;
    }
    if (out.envelope.rcpt_to.empty())
        return refused{"no recipient is this MTA's responsibility"};
    std::string disposition, human, extra;
    if (auto const* rf = std::get_if<p22::receipt_fields>(&n.fields)) {
        disposition = rf->acknowledgment_mode == 1 ? "automatic-action/MDN-sent-automatically; displayed"
                                                   : "manual-action/MDN-sent-manually; displayed";
        human = "The message was received at " + date_of(rf->receipt_time) + ".\r\n";
        extra += "X400-Receipt-Time: " + date_of(rf->receipt_time) + "\r\n";
        if (rf->supplementary_information)
            extra += "X400-Supplementary-Info: " + one_line(*rf->supplementary_information) + "\r\n";
    } else if (auto const* nf = std::get_if<p22::non_receipt_fields>(&n.fields)) {
        disposition = std::string("automatic-action/MDN-sent-automatically; ") +
                      (nf->reason == 1 ? "dispatched" : "deleted");
        human = nf->reason == 1 ? "The message was forwarded automatically without being read.\r\n"
                                : "The message was discarded without being read.\r\n";
        extra += "X400-Non-Receipt-Reason: " + std::to_string(nf->reason) + "\r\n";
        if (nf->discard)
            extra += "X400-Discard-Reason: " + std::to_string(*nf->discard) + "\r\n";
        if (nf->auto_forward_comment)
            extra += "X400-Auto-Forward-Comment: " + one_line(*nf->auto_forward_comment) + "\r\n";
        if (nf->returned_ipm)
            out.losses.push_back("the returned IPM of a non-receipt notification is not included");
    } else {
        return refused{"an IPN of another notification type has no MDN equivalent"};
    }
    std::string msg;
    if (!env.trace.empty())
        msg += "Date: " + date_of(env.trace.front().arrival_time) + "\r\n";
    msg += "From: " + *from + "\r\nTo: " + to + "\r\n";
    msg += std::string("Subject: ") + (std::holds_alternative<p22::receipt_fields>(n.fields) ? "Receipt" : "Non-receipt") +
           " notification\r\n";
    msg += "Message-ID: <" + no_spaces(one_line(env.message_id.local)) + "*" + no_spaces(global_id(env.message_id.domain)) + "@" +
           domain + ">\r\n";
    msg += "In-Reply-To: " + msg_id(n.subject_ipm, domain) + "\r\n";
    msg += "X400-MTS-Identifier: " + mts_id_text(env.message_id) + "\r\n";
    for (auto const& l : out.losses)
        msg += "Comments: x400gw: " + one_line(l) + "\r\n";
    msg += "MIME-Version: 1.0\r\n";
    std::string const boundary = "x400gw-notification";
    msg += "Content-Type: multipart/report; report-type=disposition-notification; boundary=\"" + boundary +
           "\"\r\n\r\n";
    msg += "--" + boundary + "\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + human + "\r\n";
    msg += "--" + boundary + "\r\nContent-Type: message/disposition-notification\r\n\r\n";
    msg += "Reporting-UA: " + domain + "; x400gw\r\n";
    if (n.ipm_intended_recipient && n.ipm_intended_recipient->formal_name)
        msg += "Original-Recipient: x400; " + std_or_text(n.ipm_intended_recipient->formal_name->address) + "\r\n";
    msg += "Final-Recipient: rfc822; " + *from + "\r\n";
    msg += "Original-Message-ID: " + msg_id(n.subject_ipm, domain) + "\r\n";
    msg += "Disposition: " + disposition + "\r\n" + extra + "\r\n";
    msg += "--" + boundary + "--\r\n";
    out.message = mime::sanitize(msg).message;
    out.envelope.mail_from = "";
    out.envelope.ret = "HDRS";
    out.envelope.envid = mts_id_text(env.message_id);
    return out;
}

// The fields of a message/delivery-status or message/disposition-notification
// part, in groups separated by empty lines, names in lower case.
std::vector<std::map<std::string, std::string>> field_groups(std::string_view body)
{
    std::vector<std::map<std::string, std::string>> groups(1);
    std::string line, last_name;
    auto add_line = [&](std::string const& l) {
        if (trim(l).empty()) {
            if (!groups.back().empty())
                groups.emplace_back();
            return;
        }
        if ((l[0] == ' ' || l[0] == '\t') && !last_name.empty()) {
            groups.back()[last_name] += " " + trim(l);
            return;
        }
        auto colon = l.find(':');
        if (colon == std::string::npos)
            return;
        last_name = trim(std::string_view(l).substr(0, colon));
        mime::to_lower(last_name);
        groups.back()[last_name] = trim(std::string_view(l).substr(colon + 1));
    };
    for (char c : body) {
        if (c == '\n') {
            add_line(line);
            line.clear();
        } else if (c != '\r') {
            line += c;
        }
    }
    add_line(line);
    if (groups.back().empty())
        groups.pop_back();
    return groups;
}

// An RFC 8098 MDN back to an IPN (the inverse of ipn_to_mdn).
result<p22::ipn> mdn_to_ipn(from_mime_input const& in, mime::message const& tree, reader822& r)
{
    std::uint32_t part = mime::no_part;
    for (std::uint32_t i = 0; i < tree.parts.size(); ++i)
        if (tree.parts[i].content_type.type == "message" &&
            tree.parts[i].content_type.subtype == "disposition-notification")
            part = i;
    if (part == mime::no_part)
        return refused{"a multipart/report without a message/disposition-notification part"};
    auto const& p = tree.parts[part];
    auto groups = field_groups(std::string_view(in.message).substr(p.body_begin, p.body_end - p.body_begin));
    if (groups.empty())
        return refused{"an empty disposition notification"};
    auto const& f = groups.front();
    auto get = [&](char const* k) -> std::string const* {
        auto it = f.find(k);
        return it == f.end() ? nullptr : &it->second;
    };
    auto const* original = get("original-message-id");
    auto const* disposition = get("disposition");
    auto const* final_recipient = get("final-recipient");
    if (!original || !disposition || !final_recipient)
        return refused{"an MDN without Original-Message-ID, Disposition or Final-Recipient"};
    p22::ipn n;
    n.subject_ipm = ipm_id_from(*original, r.domain, r.losses);
    auto semi = final_recipient->find(';');
    header_address who;
    who.addr_spec = trim(std::string_view(*final_recipient).substr(semi == std::string::npos ? 0 : semi + 1));
    n.ipn_originator = r.descriptor(who);
    if (auto const* o = get("original-recipient")) {
        auto s = o->find(';');
        if (s != std::string::npos && ad::iequals(trim(std::string_view(*o).substr(0, s)), "x400"))
            if (auto a = ad::parse_std_or(trim(std::string_view(*o).substr(s + 1))); a && !not_encodable(*a))
                n.ipm_intended_recipient = p22::or_descriptor{p1::or_name{*a, {}, {}}, std::nullopt, std::nullopt};
    }
    std::string disp = *disposition;
    mime::to_lower(disp);
    auto const type = trim(std::string_view(disp).substr(disp.find(';') == std::string::npos ? disp.size() : disp.find(';') + 1));
    if (type.starts_with("displayed")) {
        p22::receipt_fields rf;
        auto when = in.now;
        if (auto const* t = get("x400-receipt-time"))
            if (auto v = utc_from_date(*t))
                when = *ber::time_point(*v);
        rf.receipt_time = ber::utc_time_from(when);
        rf.acknowledgment_mode = disp.starts_with("automatic-action") ? 1 : 0;
        if (auto const* s = get("x400-supplementary-info"); s && ad::is_printable_string(*s) && s->size() <= 256)
            rf.supplementary_information = *s;
        n.fields = rf;
    } else if (type.starts_with("deleted") || type.starts_with("dispatched")) {
        p22::non_receipt_fields nf;
        nf.reason = type.starts_with("dispatched") ? 1 : 0;
        if (auto const* v = get("x400-discard-reason")) {
            auto const x = std::atoll(v->c_str());
            if (x >= 0 && x < 100)
                nf.discard = x;
        }
        if (auto const* c = get("x400-auto-forward-comment"); c && ad::is_printable_string(*c) && c->size() <= 256)
            nf.auto_forward_comment = *c;
        n.fields = nf;
    } else {
        return refused{"the disposition " + *disposition + " has no IPN equivalent"};
    }
    return n;
}

// An RFC 3464 DSN (multipart/report; report-type=delivery-status) to a
// report for the message its Original-Envelope-Id names.
result<p1::mts_apdu> dsn_to_report(from_mime_input const& in, mime::message const& tree, ad::mapper const& map)
{
    auto const state = map.state();
    auto const& gw = state->identity.address;
    std::string_view const bytes = in.message;
    std::uint32_t status_part = mime::no_part;
    // The first one (RFC 6522: the report's second part); a later one is
    // not the report's.
    for (std::uint32_t i = 0; i < tree.parts.size() && status_part == mime::no_part; ++i)
        if (tree.parts[i].content_type.type == "message" && tree.parts[i].content_type.subtype == "delivery-status")
            status_part = i;
    if (status_part == mime::no_part)
        return refused{"a multipart/report without a message/delivery-status part"};
    auto const& sp = tree.parts[status_part];
    std::string body(bytes.substr(sp.body_begin, sp.body_end - sp.body_begin));
    auto groups = field_groups(body);
    if (groups.size() < 2)
        return refused{"a delivery-status part without per-recipient fields"};

    p1::report r;
    r.report_id = {{gw.c.value_or("XX"), gw.admd.value_or(" "), gw.prmd}, in.local_identifier};
    auto const& per_message = groups.front();
    std::optional<p1::mts_identifier> subject;
    if (auto it = per_message.find("original-envelope-id"); it != per_message.end())
        subject = parse_mts_id(with_spaces(it->second));
    if (!subject)
        return refused{"the DSN's Original-Envelope-Id does not name an X.400 message (RFC 2156 6.2: no subject "
                       "identifier to report on)"};
    r.subject_id = *subject;
    if (in.rcpt_to.empty())
        return refused{"no recipient for the report"};
    auto dest = map.to_x400(in.rcpt_to.front(), ad::role::recipient);
    if (!dest)
        return refused{"RCPT TO " + in.rcpt_to.front() + " cannot be mapped: " + dest.failure().why};
    if (auto why = not_encodable(dest->address))
        return refused{"RCPT TO " + in.rcpt_to.front() + " cannot be mapped: " + *why};
    r.destination = p1::or_name{dest->address, {}, {}};
    p1::trace_element ours;
    ours.domain = {gw.c.value_or("XX"), gw.admd.value_or(" "), gw.prmd};
    ours.arrival_time = ber::utc_time_from(in.now);
    r.trace = {ours};
    std::int64_t n = 0;
    for (std::size_t g = 1; g < groups.size(); ++g) {
        auto const& f = groups[g];
        auto get = [&](char const* k) -> std::string const* {
            auto it = f.find(k);
            return it == f.end() ? nullptr : &it->second;
        };
        auto const* final_recipient = get("final-recipient");
        auto const* action = get("action");
        if (!final_recipient || !action)
            return refused{"a per-recipient block without Final-Recipient or Action"};
        if (ad::iequals(*action, "delayed") || ad::iequals(*action, "relayed") || ad::iequals(*action, "expanded"))
            continue;   // X.411 reports only delivery and non-delivery
        auto semi = final_recipient->find(';');
        std::string const type = trim(std::string_view(*final_recipient).substr(0, semi));
        std::string const addr = semi == std::string::npos ? *final_recipient
                                                            : trim(std::string_view(*final_recipient).substr(semi + 1));
        p1::report_recipient rec;
        if (ad::iequals(type, "x400")) {
            auto a = ad::parse_std_or(addr);
            if (!a)
                return refused{"Final-Recipient " + addr + " is not an O/R address: " + a.failure().why};
            rec.actual_recipient.address = *a;
        } else {
            auto a = map.to_x400(addr, ad::role::recipient);
            if (!a)
                return refused{"Final-Recipient " + addr + " cannot be mapped: " + a.failure().why};
            rec.actual_recipient.address = a->address;
        }
        if (auto why = not_encodable(rec.actual_recipient.address))
            return refused{"Final-Recipient " + addr + " cannot be mapped: " + *why};
        rec.originally_specified_number = ++n;
        rec.indicators.set(p1::pri::originator_non_delivery_report);
        rec.indicators.set(7, false);
        auto when = in.now;
        if (auto d = get("last-attempt-date"))
            if (auto t = utc_from_date(*d))
                when = *ber::time_point(*t);
        rec.arrival_time = ber::utc_time_from(when);
        if (ad::iequals(*action, "delivered")) {
            auto t = rec.arrival_time;
            if (auto d = get("x400-message-delivery-time"))
                if (auto v = utc_from_date(*d))
                    t = *v;
            rec.report = p1::delivery_report{t, 0};
        } else {
            auto const* st = get("status");
            auto nd = reason_of(st ? trim(*st) : std::string("5.0.0"));
            if (auto const* diag = get("diagnostic-code"); diag && diag->size() > 5 && ad::iequals(diag->substr(0, 5), "X400;")) {
                std::int64_t reason = -1, diagnostic = -1;
                if (std::sscanf(diag->c_str() + 5, "%lld %lld", reinterpret_cast<long long*>(&reason),
                                reinterpret_cast<long long*>(&diagnostic)) >= 1 && reason >= 0 && reason < 100) {
                    nd.reason = reason;
                    nd.diagnostic = diagnostic >= 0 && diagnostic < 100 ? std::optional<std::int64_t>(diagnostic)
                                                                        : std::nullopt;
                }
            }
            rec.report = nd;
        }
        if (auto const* o = get("original-recipient")) {
            auto semi = o->find(';');
            if (semi != std::string::npos && ad::iequals(trim(std::string_view(*o).substr(0, semi)), "x400"))
                if (auto a = ad::parse_std_or(trim(std::string_view(*o).substr(semi + 1))); a && !not_encodable(*a))
                    rec.originally_intended_recipient = p1::or_name{*a, {}, {}};
        }
        if (auto s = get("x400-supplementary-info"); s && ad::is_printable_string(*s) && s->size() <= 256)
            rec.supplementary_information = *s;
        r.recipients.push_back(std::move(rec));
    }
    if (r.recipients.empty())
        return refused{"the DSN reports no delivery or non-delivery (only delayed, relayed or expanded)"};
    return p1::mts_apdu{std::move(r)};
}

} // namespace

std::string rfc5322_date(std::int64_t t)
{
    std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    std::int64_t const secs = t - days * 86400;
    auto const weekday = weekdays[static_cast<std::size_t>(((days % 7) + 7) % 7)];
    auto const utc = ber::utc_time_from(t).text;
    std::int64_t const year = [&] {
        // civil year from days
        std::int64_t d = days + 719468;
        std::int64_t const era = (d >= 0 ? d : d - 146096) / 146097;
        auto const doe = static_cast<unsigned>(d - era * 146097);
        unsigned const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        unsigned const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned const mp = (5 * doy + 2) / 153;
        return static_cast<std::int64_t>(yoe) + era * 400 + ((mp < 10 ? mp + 3 : mp - 9) <= 2);
    }();
    int const month = (utc[2] - '0') * 10 + (utc[3] - '0');
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %c%c %s %04lld %02lld:%02lld:%02lld +0000", weekday, utc[4], utc[5],
                  months[static_cast<std::size_t>(month - 1)], static_cast<long long>(year),
                  static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                  static_cast<long long>(secs % 60));
    return buf;
}

// date-time = [ day-of-week "," ] day month year hour ":" minute [ ":" second ] zone  (RFC 5322 3.3)
std::optional<std::int64_t> parse_rfc5322_date(std::string_view text)
{
    std::string s = trim(text);
    if (auto comma = s.find(','); comma != std::string::npos)
        s = trim(std::string_view(s).substr(comma + 1));
    int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
    char mon[4] = {};
    char zone[8] = {};
    int n = 0;
    if (std::sscanf(s.c_str(), "%d %3s %d %d:%d:%d %7s%n", &day, mon, &year, &hh, &mm, &ss, zone, &n) < 7) {
        ss = 0;
        if (std::sscanf(s.c_str(), "%d %3s %d %d:%d %7s%n", &day, mon, &year, &hh, &mm, zone, &n) < 6)
            return std::nullopt;
    }
    auto it = std::find_if(months.begin(), months.end(), [&](char const* m) { return ad::iequals(m, mon); });
    // Every field in its range: sscanf's %d takes a sign, and a negative
    // minute would otherwise pass and overflow the sum below.
    if (it == months.end() || day < 1 || day > 31 || year < 0 || year > 9999 || hh < 0 || hh > 23 || mm < 0 ||
        mm > 59 || ss < 0 || ss > 60)
        return std::nullopt;
    if (year < 50)
        year += 2000;
    else if (year < 1000)
        year += 1900;
    std::int64_t offset = 0;
    std::string_view z = zone;
    if (z.size() == 5 && (z[0] == '+' || z[0] == '-') &&
        std::all_of(z.begin() + 1, z.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        int const v = std::atoi(zone + 1);
        offset = (v / 100 * 60 + v % 100) * 60 * (z[0] == '+' ? 1 : -1);
    }
    auto const month = static_cast<unsigned>(it - months.begin() + 1);
    return days_from_civil(year, month, static_cast<unsigned>(day)) * 86400 + hh * 3600 + mm * 60 + ss - offset;
}

std::string to_json(smtp_envelope const& e)
{
    std::string out = "{\"mail_from\":";
    text::append_json_string(out, e.mail_from);
    out += ",\"rcpt_to\":[";
    for (std::size_t i = 0; i < e.rcpt_to.size(); ++i) {
        if (i)
            out += ',';
        out += "{\"address\":";
        text::append_json_string(out, e.rcpt_to[i].address);
        out += ",\"notify\":";
        text::append_json_string(out, e.rcpt_to[i].notify);
        out += ",\"orcpt\":";
        text::append_json_string(out, "x400;" + e.rcpt_to[i].orcpt);
        out += '}';
    }
    out += "],\"ret\":";
    text::append_json_string(out, e.ret);
    out += ",\"envid\":";
    text::append_json_string(out, e.envid);
    out += '}';
    return out;
}

addressing::result<mime_message, mapping_refusal> to_mime(p1::mts_apdu const& apdu, addressing::mapper const& map)
{
    if (auto const* rep = std::get_if<p1::report>(&apdu))
        return report_to_dsn(*rep, map);
    auto const* msg = std::get_if<p1::message>(&apdu);
    if (!msg) {
        auto const& p = std::get<p1::probe>(apdu);
        return refused{"probe " + mts_id_text(p.probe_id) +
                       " has no RFC 822 equivalent: SMTP has no probe (RFC 2156 section 5.5 answers it on the X.400 "
                       "side, with a report)"};
    }
    auto const& env = msg->envelope;
    if (!(env.type.built_in == p1::content_types::p22_1988 || env.type.built_in == p1::content_types::p2_1984))
        return refused{"content type " + std::string(p1::content_type_name(env.type)) +
                       " is not interpersonal messaging; RFC 2156 maps only IPMs"};
    if (auto const* f = env.ext.critical_unsupported(p1::crit::for_delivery))
        return refused{"critical extension " +
                       (f->standard ? std::to_string(*f->standard) : f->private_type->to_string()) +
                       " is not supported (X.411: unsupported critical function)"};
    for (auto const& r : env.recipients)
        if (auto const* f = r.ext.critical_unsupported(p1::crit::for_delivery);
            f && r.indicators.test(p1::pri::responsibility))
            return refused{"critical extension " + extension_name(*f) + " of recipient " +
                           std::to_string(r.originally_specified_number) +
                           " is not supported (X.411: unsupported critical function)"};
    auto content = p22::decode(ber::bytes(reinterpret_cast<std::uint8_t const*>(msg->content.data()), msg->content.size()));
    if (!content)
        return refused{"the content is not a valid P22 InformationObject (byte " +
                       std::to_string(content.failure().offset) + ": " + content.failure().reason + ")"};
    if (auto const* n = std::get_if<p22::ipn>(&*content))
        return ipn_to_mdn(*n, env, map);
    auto const* ipm = std::get_if<p22::ipm>(&*content);

    mime_message out;
    auto const state = map.state();
    writer822 w{map, out.losses, state->identity.domain};
    auto text = w.ipm_text(*ipm, &env);
    if (!text)
        return text.failure();
    // What did not survive is said in the header (RFC 2156 5.3: the
    // Discarded-X400-*-Extensions fields; a Comments field for the rest):
    // the envelope's extensions and those of each recipient this MTA
    // delivers to, which have no RFC 822 field.
    universal_losses(env.originator, out.losses);
    for (auto const& r : env.recipients)
        if (r.indicators.test(p1::pri::responsibility))
            universal_losses(r.name, out.losses);
    for (auto const& name : discarded_extensions(env.ext))
        out.losses.push_back("Discarded-X400-MTS-Extensions: " + name);
    for (auto const& r : env.recipients) {
        if (!r.indicators.test(p1::pri::responsibility))
            continue;
        for (auto const& name : discarded_extensions(r.ext))
            out.losses.push_back("Discarded-X400-MTS-Extensions: " + name + " (recipient " +
                                 std::to_string(r.originally_specified_number) + ")");
    }
    if (!out.losses.empty()) {
        // Each loss once, in the order first stated.
        std::vector<std::string> once;
        for (auto& l : out.losses)
            if (std::find(once.begin(), once.end(), l) == once.end())
                once.push_back(std::move(l));
        out.losses = std::move(once);
        std::string fields;
        for (auto const& l : out.losses) {
            if (l.starts_with("Discarded-")) {
                fields += one_line(l) + "\r\n";
                continue;
            }
            std::string comment; // RFC 2047 words where a loss quotes non-ASCII text
            mime::encode_words(one_line(l), comment);
            fields += "Comments: x400gw: " + comment + "\r\n";
        }
        auto const at = text->find("\r\nMIME-Version: 1.0\r\n");
        text->insert(at == std::string::npos ? 0 : at + 2, fields);
    }
    auto sanitized = mime::sanitize(*text);
    out.message = std::move(sanitized.message);

    auto from = rfc822_of(map, env.originator, ad::role::return_path);
    if (!from)
        return from.failure();
    out.envelope.mail_from = *from;
    for (auto const& r : env.recipients) {
        if (!r.indicators.test(p1::pri::responsibility))
            continue;
        auto a = rfc822_of(map, r.name, ad::role::recipient);
        if (!a)
            return a.failure();
        out.envelope.rcpt_to.push_back({*a, notify_of(r.indicators), std_or_text(r.name.address)});
    }
    if (out.envelope.rcpt_to.empty())
        return refused{"no recipient is this MTA's responsibility"};
    out.envelope.ret = env.indicators.test(p1::pmi::content_return_request) ? "FULL" : "HDRS";
    out.envelope.envid = mts_id_text(env.message_id);
    return out;
}

addressing::result<p1::report, mapping_refusal> answer_probe(p1::probe const& probe, addressing::mapper const& map,
                                                            std::int64_t now, std::string const& local_identifier)
{
    // NonDeliveryReasonCode unable-to-transfer (1); NonDeliveryDiagnosticCode
    // unrecognised-OR-name (0), content-type-not-supported (15) (X.411 12.3.1.1.1).
    constexpr std::int64_t unable_to_transfer = 1, unrecognised_or_name = 0, content_type_not_supported = 15;
    auto const state = map.state();
    auto const& gw = state->identity.address;
    p1::global_domain_identifier const ours{gw.c.value_or("XX"), gw.admd.value_or(" "), gw.prmd};
    bool const ipm = probe.type.built_in == p1::content_types::p22_1988 ||
                     probe.type.built_in == p1::content_types::p2_1984;
    auto const time = ber::utc_time_from(now);
    p1::report r;
    r.report_id = {ours, local_identifier};
    r.destination = probe.originator;
    p1::trace_element t;
    t.domain = ours;
    t.arrival_time = time;
    r.trace = {t};
    r.subject_id = probe.probe_id;
    r.original_eits = probe.original_eits;
    r.type = probe.type;
    r.content_identifier = probe.content_identifier;
    for (auto const& rec : probe.recipients) {
        if (!rec.indicators.test(p1::pri::responsibility))
            continue;
        bool const wants_delivery = rec.indicators.test(p1::pri::originating_mta_report) ||
                                    rec.indicators.test(p1::pri::originator_report);
        bool const wants_non_delivery = wants_delivery ||
                                        rec.indicators.test(p1::pri::originating_mta_non_delivery_report) ||
                                        rec.indicators.test(p1::pri::originator_non_delivery_report);
        p1::report_recipient out;
        out.actual_recipient = rec.name;
        out.originally_specified_number = rec.originally_specified_number;
        out.indicators = rec.indicators;
        out.arrival_time = time;
        if (!ipm)
            out.report = p1::non_delivery_report{unable_to_transfer, content_type_not_supported};
        else if (!map.to_rfc822(rec.name.address, ad::role::recipient))
            out.report = p1::non_delivery_report{unable_to_transfer, unrecognised_or_name};
        else
            out.report = p1::delivery_report{time, 0};
        bool const delivered = std::holds_alternative<p1::delivery_report>(out.report);
        if (delivered ? wants_delivery : wants_non_delivery)
            r.recipients.push_back(std::move(out));
    }
    if (r.recipients.empty())
        return refused{"probe " + mts_id_text(probe.probe_id) + ": no recipient this MTA is responsible for asks for a report"};
    return r;
}

addressing::result<p1::mts_apdu, mapping_refusal> from_mime(from_mime_input const& raw, addressing::mapper const& map)
{
    // The message is read as the sanitizer writes it, not as it came: an
    // encoded composite decoded, a false label on a multipart dropped, a
    // broken boundary repaired, the same tree that an SMTP next hop gets
    // (docs/mime.md). What the mapping reads is then one well-formed tree.
    from_mime_input const in{mime::sanitize(raw.message).message, raw.mail_from, raw.rcpt_to, raw.now,
                             raw.local_identifier};
    auto const state = map.state();
    reader822 r{map, state->identity.domain, {}};
    auto tree = mime::parse(in.message);
    if (tree.parts.empty())
        return refused{"no message"};
    auto top = reader822::fields(in.message, tree.parts[0]);
    auto const* ct = &tree.parts[0].content_type;
    if (ct->type == "multipart" && ct->subtype == "report") {
        auto const* type = ct->param("report-type");
        if (type && ad::iequals(*type, "delivery-status"))
            return dsn_to_report(in, tree, map);
    }
    std::optional<p22::information_object> content;
    // An MDN becomes an IPN; a report of another type (an ARF feedback
    // report, a TLS report) is a message like any other.
    auto const* report_type = ct->param("report-type");
    if (ct->type == "multipart" && ct->subtype == "report" && report_type &&
        ad::iequals(*report_type, "disposition-notification")) {
        auto n = mdn_to_ipn(in, tree, r);
        if (!n)
            return n.failure();
        content = std::move(*n);
    } else {
        auto ipm = r.ipm_of(in.message, tree, 0);
        if (!ipm)
            return ipm.failure();
        if (ipm->heading.this_ipm.user_relative_identifier.empty() && !ipm->heading.this_ipm.user)
            ipm->heading.this_ipm.user_relative_identifier = in.local_identifier;
        content = std::move(*ipm);
    }

    p1::message m;
    auto& env = m.envelope;
    auto const& gw = state->identity.address;
    auto get = [&](char const* n) -> std::string const* {
        auto it = top.find(n);
        return it == top.end() ? nullptr : &it->second;
    };
    std::optional<p1::mts_identifier> id;
    if (auto v = get("x400-mts-identifier"))
        id = parse_mts_id(*v);
    env.message_id = id ? *id
                        : p1::mts_identifier{{gw.c.value_or("XX"), gw.admd.value_or(" "), gw.prmd}, in.local_identifier};
    if (in.mail_from.empty() || in.mail_from == "<>") {
        // The null reverse path (an MDN, say): X.411 needs an originator, so
        // the heading's one is used (RFC 2156 4.3.4 would map From: the same way).
        p22::or_descriptor const* who = nullptr;
        if (auto const* n = std::get_if<p22::ipn>(&*content))
            who = n->ipn_originator ? &*n->ipn_originator : nullptr;
        else if (auto const* i = std::get_if<p22::ipm>(&*content))
            who = i->heading.originator ? &*i->heading.originator : nullptr;
        if (!who || !who->formal_name)
            return refused{"the null reverse path and no originator in the heading: X.411 needs an originator"};
        env.originator = p1::or_name{who->formal_name->address, {}, {}};
    } else {
        auto from = map.to_x400(in.mail_from, ad::role::return_path);
        if (!from)
            return refused{"MAIL FROM " + in.mail_from + " cannot be mapped: " + from.failure().why};
        if (auto why = not_encodable(from->address))
            return refused{"MAIL FROM " + in.mail_from + " cannot be mapped: " + *why};
        env.originator = p1::or_name{from->address, {}, {}};
    }
    env.type.built_in = p1::content_types::p22_1988;
    if (auto v = get("x400-content-identifier"); v && ad::is_printable_string(*v) && !v->empty() && v->size() <= 16)
        env.content_identifier = *v;
    if (auto v = get("priority")) {
        if (ad::iequals(*v, "urgent"))
            env.priority = p1::priority::urgent;
        else if (ad::iequals(*v, "non-urgent"))
            env.priority = p1::priority::non_urgent;
    }
    env.indicators.set(p1::pmi::alternate_recipient_allowed);
    // X400-Received fields, most recent first, become the trace before ours.
    std::vector<p1::trace_element> earlier;
    mime::for_each_field(std::string_view(in.message).substr(0, tree.parts[0].header_end), [&](mime::raw_field const& f) {
        if (!mime::iequals(f.name, "X400-Received"))
            return;
        std::string v;
        for (char c : f.value)
            if (c != '\r' && c != '\n')
                v += c;
        p1::trace_element t;
        std::size_t start = 0;
        bool ok = false;
        std::vector<std::string> items;
        while (start <= v.size()) {
            auto semi = v.find(';', start);
            items.push_back(trim(std::string_view(v).substr(start, semi - start)));
            if (semi == std::string::npos)
                break;
            start = semi + 1;
        }
        for (auto const& item : items) {
            if (item.starts_with("by ")) {
                if (auto g = parse_global_id(item.substr(3))) {
                    t.domain = *g;
                    ok = true;
                }
            } else if (item.starts_with("deferred until ")) {
                t.deferred_time = utc_from_date(item.substr(15));
            } else if (item.starts_with("attempted ")) {
                t.attempted_domain = parse_global_id(item.substr(10));
            } else if (ad::iequals(item, "Rerouted")) {
                t.action = p1::routing_action::rerouted;
            } else if (ad::iequals(item, "Relayed")) {
                t.action = p1::routing_action::relayed;
            } else if (auto when = utc_from_date(item)) {
                t.arrival_time = *when;
            }
        }
        if (ok && !t.arrival_time.text.empty())
            earlier.push_back(std::move(t));
    });
    env.trace.assign(earlier.rbegin(), earlier.rend());
    p1::trace_element ours;
    ours.domain = {gw.c.value_or("XX"), gw.admd.value_or(" "), gw.prmd};
    ours.arrival_time = ber::utc_time_from(in.now);
    env.trace.push_back(ours);
    std::int64_t n = 0;
    for (auto const& to : in.rcpt_to) {
        auto x = map.to_x400(to, ad::role::recipient);
        if (!x)
            return refused{"RCPT TO " + to + " cannot be mapped: " + x.failure().why};
        if (auto why = not_encodable(x->address))
            return refused{"RCPT TO " + to + " cannot be mapped: " + *why};
        p1::message_recipient rec;
        rec.name = p1::or_name{x->address, {}, {}};
        rec.originally_specified_number = ++n;
        rec.indicators.set(p1::pri::responsibility);
        rec.indicators.set(p1::pri::originating_mta_non_delivery_report);
        rec.indicators.set(p1::pri::originator_non_delivery_report);
        rec.indicators.set(7, false);
        env.recipients.push_back(std::move(rec));
    }
    if (env.recipients.empty())
        return refused{"no recipients"};
    m.content = p22::encode(*content);
    return p1::mts_apdu{std::move(m)};
}

} // namespace x400gw::x400
