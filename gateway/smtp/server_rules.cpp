// gateway/smtp/server_rules.cpp
#include "gateway/smtp/server_rules.hpp"

#include "mime/header_codec.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace x400gw::smtp {
namespace {

bool has_8bit(mailbox const& m) noexcept
{
    return mime::has_8bit_octet(m.local_part) || mime::has_8bit_octet(m.domain);
}

// RFC 6531 3.3: with SMTPUTF8 an address may hold UTF-8; without, only ASCII.
bool address_allowed(mailbox const& m, bool smtputf8) noexcept
{
    if (!has_8bit(m))
        return true;
    return smtputf8 && mime::is_utf8(m.local_part) && mime::is_utf8(m.domain);
}

std::optional<reply> check_mail(session_state const& s, command const& c, server_policy const& p)
{
    if (p.require_tls && !s.tls)
        return replies::tls_required();
    if (!address_allowed(c.path, c.smtputf8))
        return replies::non_ascii_address();
    if (c.size && *c.size > p.message_size)
        return replies::message_too_big_for_size(p.message_size);
    // RFC 4954 5: where AUTH is offered (under TLS only), its MAIL
    // parameter is accepted and, as no client is trusted to vouch for
    // another submitter, read as AUTH=<>; elsewhere it is unknown.
    if (c.auth && !(p.auth_offered && s.tls))
        return replies::bad_parameter("Unsupported parameter AUTH");
    // RFC 8689: REQUIRETLS is offered under TLS only; its parameter asks
    // for TLS all the way, and a message that came in the clear cannot have it.
    if (c.require_tls && !s.tls)
        return replies::requiretls_without_tls();
    return std::nullopt;
}

std::optional<reply> check_rcpt(session_state const& s, command const& c, server_policy const& p)
{
    if (s.recipients >= p.recipients)
        return replies::too_many_recipients();
    if (!address_allowed(c.path, s.smtputf8))
        return replies::non_ascii_address();
    return std::nullopt;
}

std::optional<reply> check_data(session_state const& s, command const&, server_policy const&)
{
    if (s.recipients == 0)
        return replies::no_valid_recipients();
    return std::nullopt;
}

std::optional<reply> check_expn(session_state const&, command const&, server_policy const&)
{
    // Mailing lists are not ours to expand; EXPN only helps harvesters.
    return replies::not_implemented("EXPN");
}

std::optional<reply> check_starttls(session_state const& s, command const&, server_policy const& p)
{
    if (!p.tls_offered)
        return replies::not_implemented("STARTTLS");
    if (s.tls)
        return replies::bad_sequence("TLS already active");
    return std::nullopt;
}

std::optional<reply> check_auth(session_state const& s, command const&, server_policy const& p)
{
    if (!p.auth_offered)
        return replies::not_implemented("AUTH");
    // RFC 4954 4: a mechanism that sends the password in the clear only
    // over an encrypted channel.
    if (!s.tls)
        return reply{538, {5, 7, 11}, "Encryption required for requested authentication mechanism"};
    if (s.authenticated)
        return replies::bad_sequence("Already authenticated");
    return std::nullopt;
}

constexpr unsigned in_transaction = awaiting_recipient | has_recipients | in_bdat;

// One row per verb, in the order of enum verb.
constexpr std::array<rule, 14> table{{
    {verb::ehlo, any_phase, true, nullptr, {}},
    {verb::helo, any_phase, true, nullptr, {}},
    {verb::mail, ready, false, check_mail, "Nested MAIL command"},
    {verb::rcpt, awaiting_recipient | has_recipients, false, check_rcpt, "Need MAIL command"},
    {verb::data, awaiting_recipient | has_recipients, true, check_data, "Need MAIL command"},
    {verb::bdat, any_phase, false, nullptr, {}},
    {verb::rset, any_phase, false, nullptr, {}},
    {verb::noop, any_phase, true, nullptr, {}},
    {verb::quit, any_phase, true, nullptr, {}},
    {verb::vrfy, any_phase, true, nullptr, {}},
    {verb::expn, any_phase, true, check_expn, {}},
    {verb::help, any_phase, false, nullptr, {}},
    // RFC 3207 4.2: not inside a transaction; RFC 2920: last in its group.
    {verb::starttls, before_helo | ready, true, check_starttls, "STARTTLS inside a transaction"},
    // RFC 4954 4: after EHLO, not inside a transaction, once.
    {verb::auth, ready, true, check_auth, "AUTH inside a transaction"},
}};

static_assert(in_transaction == (any_phase & ~(before_helo | ready)));

std::string_view sequence_refusal(rule const& r, phase p) noexcept
{
    if (p == before_helo && (r.what == verb::mail || r.what == verb::auth))
        return "Send EHLO or HELO first";
    if (p == in_bdat && r.what == verb::rcpt)
        return "RCPT after BDAT";
    if (p == in_bdat && r.what == verb::data)
        return "DATA after BDAT";
    return r.out_of_sequence;
}

} // namespace

phase current_phase(session_state const& s) noexcept
{
    if (!s.in_transaction)
        return s.greeted ? ready : before_helo;
    if (s.bdat)
        return in_bdat;
    return s.recipients == 0 ? awaiting_recipient : has_recipients;
}

rule const& rule_for(verb v) noexcept { return table[static_cast<std::size_t>(v)]; }

std::optional<reply> check_command(session_state const& s, command const& cmd, server_policy const& p)
{
    auto const& r = rule_for(cmd.what);
    auto const now = current_phase(s);
    if (!(r.allowed & now))
        return replies::bad_sequence(sequence_refusal(r, now));
    if (r.check)
        return r.check(s, cmd, p);
    return std::nullopt;
}

std::optional<reply> check_bdat(session_state const& s)
{
    if (!s.in_transaction)
        return replies::bad_sequence("Need MAIL command");
    if (s.recipients == 0)
        return replies::no_valid_recipients();
    if (s.bdat_failed)
        return replies::bad_sequence("An earlier BDAT failed; send RSET");
    return std::nullopt;
}

void end_transaction(session_state& s) noexcept
{
    s.in_transaction = false;
    s.recipients = 0;
    s.bdat = false;
    s.bdat_failed = false;
    s.smtputf8 = false;
}

void advance(session_state& s, command const& cmd, reply const& r) noexcept
{
    if (cmd.what == verb::starttls && r.code == 220) {
        // RFC 3207 4.2: the client must start again from EHLO.
        s = session_state{};
        s.tls = true;
        return;
    }
    if (!r.positive())
        return;
    switch (cmd.what) {
    case verb::ehlo:
    case verb::helo:
        // RFC 5321 4.1.4: EHLO resets the state like RSET.
        end_transaction(s);
        s.greeted = true;
        s.esmtp = cmd.what == verb::ehlo;
        break;
    case verb::mail:
        end_transaction(s);
        s.in_transaction = true;
        s.smtputf8 = cmd.smtputf8;
        break;
    case verb::rcpt:
        ++s.recipients;
        break;
    case verb::rset:
        end_transaction(s);
        break;
    case verb::auth:
        s.authenticated = r.code == 235;
        break;
    case verb::bdat:
        if (cmd.last_chunk)
            end_transaction(s);
        else
            s.bdat = true;
        break;
    default:
        break;
    }
}

std::size_t count_received(std::string_view message, std::size_t limit) noexcept
{
    message = message.substr(0, 256 * 1024);
    std::size_t n = 0;
    std::size_t pos = 0;
    while (pos < message.size() && n < limit) {
        auto const end = message.find('\n', pos);
        auto line = message.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (line.empty() || line == "\r")
            break;   // the end of the header section
        constexpr std::string_view name = "received:";
        if (line.size() >= name.size() &&
            std::equal(name.begin(), name.end(), line.begin(),
                       [](char a, char b) { return a == (b >= 'A' && b <= 'Z' ? char(b - 'A' + 'a') : b); }))
            ++n;
        if (end == std::string_view::npos)
            break;
        pos = end + 1;
    }
    return n;
}

namespace {

// Calls f(field, offset) for each MT-Priority field of the message's
// header section (mime::for_each_field's reading, up to the first empty
// line), `offset` where the field's first line starts in `message`.
template <class F>
void for_each_priority_field(std::string_view message, F&& f)
{
    std::size_t end = 0;
    while (end < message.size()) {
        auto const next = mime::line_after(message, end, false);
        auto const line = message.substr(end, next - end);
        if (line == "\n" || line == "\r\n")
            break;   // the end of the header section
        end = next;
    }
    mime::for_each_field(message.substr(0, end), [&](mime::raw_field const& rf) {
        if (mime::iequals(rf.name, "mt-priority"))
            f(rf, static_cast<std::size_t>(rf.whole.data() - message.data()));
    });
}

} // namespace

std::optional<int> header_priority(std::string_view message) noexcept
{
    std::optional<int> value;
    int fields = 0;
    for_each_priority_field(message.substr(0, 256 * 1024), [&](mime::raw_field const& rf, std::size_t) {
        // CFWS priority-value CFWS: comments (nested) and white space go.
        std::string digits;
        int depth = 0;
        for (std::size_t i = 0; i < rf.value.size(); ++i) {
            char const c = rf.value[i];
            if (c == '\\' && depth > 0)
                ++i;
            else if (c == '(')
                ++depth;
            else if (c == ')' && depth > 0)
                --depth;
            else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n')
                digits += c;
        }
        ++fields;
        value = depth == 0 ? parse_priority(digits) : std::nullopt;
    });
    return fields == 1 ? value : std::nullopt;
}

std::optional<std::string> tunnel_priority(std::string_view message, int priority)
{
    std::vector<std::pair<std::size_t, std::size_t>> found;   // (offset, length) of each MT-Priority field
    for_each_priority_field(message, [&](mime::raw_field const& rf, std::size_t at) {
        found.emplace_back(at, rf.whole.size());
    });
    if (found.empty() && priority == 0)
        return std::nullopt;
    std::string out = "MT-Priority: " + std::to_string(priority) + "\r\n";
    out.reserve(out.size() + message.size());
    std::size_t pos = 0;
    for (auto [at, size] : found) {
        out.append(message.substr(pos, at - pos));
        pos = at + size;
    }
    out.append(message.substr(pos));
    return out;
}

int accepted_priority(relay_client const& c, std::optional<int> asked) noexcept
{
    int const p = asked.value_or(0);
    return p > 0 && !c.trusted && !c.authenticated ? 0 : p;
}

std::optional<reply> check_relay(relay_client const& c, destination d, std::string_view local_part)
{
    if (c.trusted || c.authenticated)
        return std::nullopt;
    switch (d) {
    case destination::mapped:
        return std::nullopt;
    case destination::local:
        if (local_part.find_first_of("%!@") != std::string_view::npos)
            return replies::relaying_denied();
        return std::nullopt;
    case destination::other:
        break;
    }
    return replies::relaying_denied();
}

bool header_safe(std::string_view v, bool utf8) noexcept
{
    auto const printable = [](char c) { return c >= 32 && c <= 126; };
    if (std::all_of(v.begin(), v.end(), printable))
        return true;
    // RFC 6532: UTF-8 where the message is SMTPUTF8; still no control octet.
    return utf8 && mime::is_utf8(v) &&
           std::all_of(v.begin(), v.end(), [&](char c) { return printable(c) || static_cast<unsigned char>(c) >= 0x80; });
}

namespace {

void append_safe(std::string& out, std::string_view v, bool utf8 = false)
{
    if (utf8 && header_safe(v, true)) {
        out += v;
        return;
    }
    for (char c : v)
        out += (c >= 32 && c <= 126) ? c : '?';
}

} // namespace

std::string render_received(received_info const& r)
{
    std::string h = "Received: from ";
    append_safe(h, r.helo);
    h += r.peer_address.find(':') == std::string_view::npos ? " ([" : " ([IPv6:";
    append_safe(h, r.peer_address);
    h += "])\r\n\tby ";
    append_safe(h, r.by);
    h += " (x400gw) with ";
    h += r.utf8 ? "UTF8SMTP" : r.esmtp ? "ESMTP" : "SMTP";
    if (r.esmtp && r.tls)
        h += 'S';
    if (r.esmtp && r.authenticated)
        h += 'A';
    h += " id ";
    append_safe(h, r.id);
    if (!r.for_recipient.empty()) {
        h += "\r\n\tfor <";
        append_safe(h, r.for_recipient, r.utf8);
        h += '>';
    }
    h += "; ";
    append_safe(h, r.date);
    h += "\r\n";
    return h;
}

} // namespace x400gw::smtp
