// gateway/smtp/command.cpp
#include "gateway/smtp/command.hpp"

#include "mime/header_codec.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

namespace x400gw::smtp {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20) && ((x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z') || x == y);
           });
}

bool istarts_with(std::string_view text, std::string_view prefix) noexcept
{
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

bool is_atext(char c) noexcept
{
    // RFC 5322 atext
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool is_let_dig(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str]
// address-literal = "[" ( IPv4 / "IPv6:" IPv6 / General ) "]" (checked loosely)
bool valid_domain(std::string_view d) noexcept
{
    if (d.empty() || d.size() > 255)
        return false;
    if (d.front() == '[')
        return d.size() > 2 && d.back() == ']' &&
               std::all_of(d.begin() + 1, d.end() - 1, [](char c) { return c > ' ' && c < 127 && c != '[' && c != ']' && c != '\\'; });
    std::size_t label = 0;
    char prev = '.';
    for (char c : d) {
        if (c == '.') {
            if (label == 0 || prev == '-')
                return false;
            label = 0;
        } else if (is_let_dig(c) || (c == '-' && label > 0) || (static_cast<unsigned char>(c) >= 0x80)) {
            // 8-bit: a U-label (RFC 6531 3.3) with SMTPUTF8; without it,
            // or not UTF-8, the session rules refuse it (553 5.6.7).
            if (++label > 63)
                return false;
        } else {
            return false;
        }
        prev = c;
    }
    return label > 0 && prev != '-';
}

// The EHLO/HELO argument, which Received: carries as its "from" domain
// (RFC 5321 4.4): Domain or address-literal (4.1.3), with the underscore
// that real host names carry tolerated, and a literal limited to what an
// IPv4 or IPv6 address is made of. Anything else ("(", ";", "[" in a name)
// would break the trace field's structure.
bool valid_helo_domain(std::string_view d) noexcept
{
    if (d.empty() || d.size() > 255)
        return false;
    if (d.front() == '[') {
        if (d.size() < 3 || d.back() != ']')
            return false;
        auto const inner = d.substr(1, d.size() - 2);
        return std::all_of(inner.begin(), inner.end(), [](char c) {
            return is_let_dig(c) || c == ':' || c == '.' || c == '-';
        });
    }
    if (d.back() == '.')
        d.remove_suffix(1);
    std::size_t label = 0;
    for (char c : d) {
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if (is_let_dig(c) || c == '-' || c == '_') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0;
}

struct path_result {
    std::optional<std::string> error;
    std::size_t used = 0;
};

// The index in `text` of the first `stop` octet outside a quoted string,
// from `from`; text.size() when there is none.
std::size_t unquoted_find(std::string_view text, std::size_t from, std::string_view stop) noexcept
{
    bool quoted = false;
    std::size_t i = from;
    for (; i < text.size(); ++i) {
        char const c = text[i];
        if (quoted) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                quoted = false;
        } else if (c == '"') {
            quoted = true;
        } else if (stop.find(c) != std::string_view::npos) {
            break;
        }
    }
    return std::min(i, text.size());
}

// Reads "<" ... ">" at the start of `text`, honouring quoted strings, and
// fills `out`. A null path "<>" leaves `out` empty. An address without its
// brackets (Postfix's default, strict_rfc821_envelopes = no) is read up to
// the first blank outside a quoted string, and may hold no "<" or ">".
path_result parse_path(std::string_view text, mailbox& out)
{
    std::string_view inner;
    std::size_t used = 0;
    if (!text.empty() && text.front() == '<') {
        auto const i = unquoted_find(text, 1, ">");
        if (i >= text.size())
            return {"missing closing >", 0};
        inner = text.substr(1, i - 1);
        used = i + 1;
    } else {
        used = unquoted_find(text, 0, " \t");
        inner = text.substr(0, used);
        if (inner.empty())
            return {"no address", 0};
        if (unquoted_find(inner, 0, "<>") != inner.size())
            return {"'<' or '>' in an address without its brackets", 0};
    }
    if (!inner.empty() && inner.front() == '@') {
        // A-d-l (source route): RFC 5321 4.1.2 says to accept and ignore it.
        auto colon = inner.find(':');
        if (colon == std::string_view::npos)
            return {"bad source route", 0};
        inner.remove_prefix(colon + 1);
    }
    if (inner.empty()) {
        out = {};
        return {std::nullopt, used};
    }
    if (auto why = parse_mailbox(inner, out))
        return {why, 0};
    return {std::nullopt, used};
}

bool parse_number(std::string_view text, std::uint64_t& out) noexcept
{
    if (text.empty() || text.size() > 19)
        return false;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && p == text.data() + text.size();
}

std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

struct verb_entry {
    std::string_view name;
    verb what;
};
constexpr std::array verbs{
    verb_entry{"EHLO", verb::ehlo}, verb_entry{"HELO", verb::helo}, verb_entry{"MAIL", verb::mail},
    verb_entry{"RCPT", verb::rcpt}, verb_entry{"DATA", verb::data}, verb_entry{"BDAT", verb::bdat},
    verb_entry{"RSET", verb::rset}, verb_entry{"NOOP", verb::noop}, verb_entry{"QUIT", verb::quit},
    verb_entry{"VRFY", verb::vrfy}, verb_entry{"EXPN", verb::expn}, verb_entry{"HELP", verb::help},
    verb_entry{"STARTTLS", verb::starttls}, verb_entry{"AUTH", verb::auth},
};

// RFC 3461 4.1: NOTIFY="NEVER" / 1#( "SUCCESS" / "FAILURE" / "DELAY" ),
// in any letter case, each at most once. Written back in upper case, in
// that order, so the queue holds one spelling.
std::optional<std::string> parse_notify(std::string_view value)
{
    if (iequals(value, "NEVER"))
        return std::string("NEVER");
    constexpr std::array<std::string_view, 3> words{"SUCCESS", "FAILURE", "DELAY"};
    std::array<bool, 3> given{};
    while (true) {
        auto const comma = value.find(',');
        auto const word = value.substr(0, comma);
        auto const it = std::find_if(words.begin(), words.end(), [word](std::string_view w) { return iequals(w, word); });
        if (it == words.end() || given[static_cast<std::size_t>(it - words.begin())])
            return std::nullopt;
        given[static_cast<std::size_t>(it - words.begin())] = true;
        if (comma == std::string_view::npos)
            break;
        value.remove_prefix(comma + 1);
    }
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i)
        if (given[i])
            out += (out.empty() ? "" : ",") + std::string(words[i]);
    return out;
}

// What an ENVID or ORCPT decodes to goes into report fields and the next
// hop's envelope: printable US-ASCII only, as Postfix and sendmail ask.
bool printable_ascii(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= ' ' && c <= '~'; });
}

// RFC 3461 4.2: ORCPT=addr-type ";" xtext, addr-type an atom; at most 500
// characters. Kept as "addr-type;address", the address decoded. The utf-8
// type (RFC 6533) also comes as raw UTF-8 from an SMTPUTF8 client.
std::optional<std::string> parse_orcpt(std::string_view value)
{
    auto const semi = value.find(';');
    if (semi == std::string_view::npos || semi == 0 || value.size() > 500)
        return std::nullopt;
    auto const type = value.substr(0, semi);
    if (!std::all_of(type.begin(), type.end(), [](char c) { return is_atext(c); }))
        return std::nullopt;
    std::optional<std::string> seven_bit;
    auto text = value.substr(semi + 1);
    if (iequals(type, "utf-8") &&
        std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
        // RFC 6533 3's unitext form (raw UTF-8) in its 7-bit form, each
        // character past ASCII as "\x{HEX}": what is kept and passed on,
        // and within the 500 too.
        if (!mime::is_utf8(text))
            return std::nullopt;
        seven_bit.emplace();
        mime::append_utf8_addr_xtext(text, *seven_bit);
        if (type.size() + 1 + seven_bit->size() > 500)
            return std::nullopt;
        text = *seven_bit;
    }
    auto address = decode_xtext(text);
    if (!address || !printable_ascii(*address))
        return std::nullopt;
    return std::string(type) + ";" + *address;
}

parsed_command parse_mail_or_rcpt(command cmd, std::string_view rest)
{
    bool const mail = cmd.what == verb::mail;
    std::string_view const keyword = mail ? "FROM:" : "TO:";
    if (!istarts_with(rest, keyword))
        return replies::parameter_syntax(mail ? "Syntax: MAIL FROM:<address>" : "Syntax: RCPT TO:<address>");
    rest.remove_prefix(keyword.size());
    // Some clients put a space after the colon; RFC 5321 does not, but
    // refusing them helps nobody.
    while (!rest.empty() && rest.front() == ' ')
        rest.remove_prefix(1);
    auto [error, used] = parse_path(rest, cmd.path);
    if (error)
        return mail ? replies::bad_sender_syntax("Bad sender address syntax: " + *error)
                    : replies::bad_recipient_syntax("Bad recipient address syntax: " + *error);
    if (!mail && cmd.path.null())
        return replies::bad_recipient_syntax("Bad recipient address syntax: null path");
    rest.remove_prefix(used);
    // esmtp-param *(SP esmtp-param); esmtp-param = esmtp-keyword ["=" esmtp-value]
    // Each parameter at most once: a second SIZE or BODY would leave the
    // transaction with two meanings.
    std::vector<std::string_view> seen;
    while (!rest.empty()) {
        if (rest.front() != ' ')
            return replies::parameter_syntax("Syntax error after the address");
        rest = trim(rest);
        if (rest.empty())
            break;
        auto const sp = rest.find(' ');
        auto const param = rest.substr(0, sp);
        rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp);
        auto const eq = param.find('=');
        auto const key = param.substr(0, eq);
        auto const value = eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
        if (std::any_of(seen.begin(), seen.end(), [key](std::string_view k) { return iequals(k, key); }))
            return replies::parameter_syntax("Duplicate parameter " + std::string(key.substr(0, 64)));
        seen.push_back(key);
        if (mail && iequals(key, "SIZE")) {
            std::uint64_t n = 0;
            if (!parse_number(value, n))
                return replies::parameter_syntax("Bad SIZE parameter");
            cmd.size = n;
        } else if (mail && iequals(key, "BODY")) {
            if (iequals(value, "7BIT"))
                cmd.body = body_type::seven_bit;
            else if (iequals(value, "8BITMIME"))
                cmd.body = body_type::eight_bit_mime;
            else
                return replies::bad_parameter("Unsupported BODY type");
        } else if (mail && iequals(key, "AUTH")) {
            // Whether AUTH is offered is the session's to say (check_mail).
            auto decoded = decode_xtext(value);
            if (!decoded)
                return replies::parameter_syntax("Bad AUTH parameter: not xtext");
            cmd.auth = std::move(*decoded);
        } else if (mail && iequals(key, "RET")) {
            // RFC 3461 4.3
            if (iequals(value, "FULL"))
                cmd.ret = "FULL";
            else if (iequals(value, "HDRS"))
                cmd.ret = "HDRS";
            else
                return replies::parameter_syntax("Bad RET parameter: FULL or HDRS");
        } else if (mail && iequals(key, "ENVID")) {
            // RFC 3461 4.4: xtext of at most 100 characters.
            auto decoded = decode_xtext(value);
            if (!decoded || value.size() > 100 || !printable_ascii(*decoded))
                return replies::parameter_syntax("Bad ENVID parameter: at most 100 characters of xtext");
            cmd.envid = std::move(*decoded);
        } else if (mail && iequals(key, "SMTPUTF8")) {
            if (eq != std::string_view::npos)
                return replies::parameter_syntax("Bad SMTPUTF8 parameter: it takes no value");
            cmd.smtputf8 = true;
        } else if (mail && iequals(key, "REQUIRETLS")) {
            if (eq != std::string_view::npos)
                return replies::parameter_syntax("Bad REQUIRETLS parameter: it takes no value");
            cmd.require_tls = true;
        } else if (mail && iequals(key, "MT-PRIORITY")) {
            cmd.priority = parse_priority(value);
            if (!cmd.priority)
                return replies::parameter_syntax("Bad MT-PRIORITY parameter: -9 to 9");
        } else if (!mail && iequals(key, "NOTIFY")) {
            auto notify = parse_notify(value);
            if (!notify)
                return replies::parameter_syntax("Bad NOTIFY parameter: NEVER, or SUCCESS, FAILURE and DELAY");
            cmd.notify = std::move(*notify);
        } else if (!mail && iequals(key, "ORCPT")) {
            auto orcpt = parse_orcpt(value);
            if (!orcpt)
                return replies::parameter_syntax("Bad ORCPT parameter: addr-type;xtext");
            cmd.orcpt = std::move(*orcpt);
        } else {
            return replies::bad_parameter("Unsupported parameter " + std::string(key.substr(0, 64)));
        }
    }
    return cmd;
}

} // namespace

std::optional<int> parse_priority(std::string_view text) noexcept
{
    auto digits = text;
    if (!digits.empty() && (digits.front() == '+' || digits.front() == '-'))
        digits.remove_prefix(1);
    if (digits.size() != 1 || digits.front() < '0' || digits.front() > '9')
        return std::nullopt;
    return (text.front() == '-' ? -1 : 1) * (digits.front() - '0');
}

std::optional<std::string> decode_xtext(std::string_view text)
{
    if (text.empty())
        return std::nullopt;
    auto const hex = [](char c) {
        return (c >= '0' && c <= '9') ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    };
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char const c = text[i];
        if (c == '+') {
            if (i + 2 >= text.size())
                return std::nullopt;
            int const hi = hex(text[i + 1]), lo = hex(text[i + 2]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c < '!' || c > '~' || c == '=') {
            return std::nullopt;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string encode_xtext(std::string_view text)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        auto const u = static_cast<unsigned char>(c);
        if (u < '!' || u > '~' || c == '+' || c == '=') {
            out.push_back('+');
            out.push_back(digits[u >> 4]);
            out.push_back(digits[u & 15]);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string_view verb_name(verb v) noexcept
{
    static constexpr std::array names{"ehlo", "helo", "mail", "rcpt", "data", "bdat", "rset",
                                      "noop", "quit", "vrfy", "expn", "help", "starttls", "auth"};
    return names[static_cast<std::size_t>(v)];
}

std::string mailbox::render() const
{
    if (domain.empty())
        return local_part;
    return local_part + '@' + domain;
}

std::optional<std::string> parse_mailbox(std::string_view text, mailbox& out)
{
    // Local-part = Dot-string / Quoted-string
    std::size_t i = 0;
    if (!text.empty() && text.front() == '"') {
        // Quoted-string   = DQUOTE *QcontentSMTP DQUOTE
        // QcontentSMTP    = qtextSMTP / quoted-pairSMTP
        // quoted-pairSMTP = %d92 %d32-126
        // qtextSMTP       = %d32-33 / %d35-91 / %d93-126
        // Nothing else: a CR, LF or NUL taken here once reached Received:,
        // the X400-* fields and the next hop's envelope as a header line of
        // the client's making.
        auto const printable = [](char c) { return c >= 32 && c <= 126; };
        for (i = 1; i < text.size() && text[i] != '"'; ++i) {
            if (text[i] == '\\') {
                if (++i >= text.size() || !printable(text[i]))
                    return "invalid quoted-pair in quoted local part";
            } else if (!printable(text[i])) {
                return "invalid character in quoted local part";
            }
        }
        if (i >= text.size())
            return "unterminated quoted local part";
        ++i;
    } else {
        char prev = '.';
        for (; i < text.size() && text[i] != '@'; ++i) {
            char c = text[i];
            if (c == '.') {
                if (prev == '.')
                    return "empty atom in local part";
            } else if (!is_atext(c) && static_cast<unsigned char>(c) < 0x80) {
                return "invalid character in local part";
            }
            prev = c;
        }
        if (i == 0)
            return "empty local part";
        if (prev == '.')
            return "local part ends with a dot";
    }
    std::string_view local = text.substr(0, i);
    if (local.size() > 64 * 8)
        return "local part too long";
    if (i == text.size()) {
        // Only <Postmaster> may go without a domain (RFC 5321 4.1.1.3).
        if (!iequals(local, "postmaster"))
            return "missing domain";
        out = {std::string(local), {}};
        return std::nullopt;
    }
    if (text[i] != '@')
        return "garbage after the local part";
    auto const domain = text.substr(i + 1);
    if (!valid_domain(domain))
        return "invalid domain";
    out = {std::string(local), std::string(domain)};
    return std::nullopt;
}

parsed_command parse_command(std::string_view line)
{
    auto const sp = line.find(' ');
    auto const name = line.substr(0, sp);
    auto rest = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
    auto it = std::find_if(verbs.begin(), verbs.end(), [&](verb_entry const& e) { return iequals(e.name, name); });
    if (it == verbs.end())
        return replies::unknown_command();
    command cmd;
    cmd.what = it->what;
    switch (cmd.what) {
    case verb::ehlo:
    case verb::helo: {
        auto const domain = trim(rest);
        if (domain.empty())
            return replies::parameter_syntax(cmd.what == verb::ehlo ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
        cmd.argument = std::string(domain.substr(0, domain.find(' ')));
        if (!valid_helo_domain(cmd.argument))
            return replies::parameter_syntax("Invalid domain name in " + std::string(it->name) +
                                             " (a host name or an address literal)");
        return cmd;
    }
    case verb::mail:
    case verb::rcpt:
        return parse_mail_or_rcpt(std::move(cmd), rest);
    case verb::bdat: {
        rest = trim(rest);
        auto const sp2 = rest.find(' ');
        if (!parse_number(rest.substr(0, sp2), cmd.chunk_size))
            return replies::parameter_syntax("Syntax: BDAT chunk-size [LAST]");
        if (sp2 != std::string_view::npos) {
            if (!iequals(trim(rest.substr(sp2)), "LAST"))
                return replies::parameter_syntax("Syntax: BDAT chunk-size [LAST]");
            cmd.last_chunk = true;
        }
        return cmd;
    }
    case verb::data:
    case verb::rset:
    case verb::quit:
    case verb::starttls:
        if (!trim(rest).empty())
            return replies::parameter_syntax("Syntax: " + std::string(it->name) + " takes no parameters");
        return cmd;
    case verb::vrfy:
    case verb::expn:
        if (trim(rest).empty())
            return replies::parameter_syntax("Syntax: " + std::string(it->name) + " address");
        cmd.argument = std::string(trim(rest));
        return cmd;
    case verb::noop:
    case verb::help:
        cmd.argument = std::string(trim(rest));
        return cmd;
    case verb::auth:
        if (trim(rest).empty())
            return replies::parameter_syntax("Syntax: AUTH mechanism [initial-response]");
        cmd.argument = std::string(trim(rest));
        return cmd;
    }
    return replies::unknown_command();
}

} // namespace x400gw::smtp
