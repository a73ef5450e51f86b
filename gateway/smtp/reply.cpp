// gateway/smtp/reply.cpp: rendering and the named replies.
#include "gateway/smtp/reply.hpp"

#include <charconv>

namespace x400gw::smtp {

std::string enhanced_status::render() const
{
    if (empty())
        return {};
    return std::to_string(cls) + '.' + std::to_string(subject) + '.' + std::to_string(detail);
}

std::pair<enhanced_status, std::size_t> parse_enhanced_status(std::string_view text) noexcept
{
    // status-code = class "." subject "." detail; class = "2" / "4" / "5";
    // subject = 1*3digit; detail = 1*3digit (RFC 3463 section 2).
    if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.')
        return {{}, 0};
    std::size_t pos = 2;
    int parts[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
        std::size_t start = pos;
        while (pos < text.size() && pos - start < 4 && text[pos] >= '0' && text[pos] <= '9')
            parts[i] = parts[i] * 10 + (text[pos++] - '0');
        if (pos == start || pos - start > 3)
            return {{}, 0};
        if (i == 0) {
            if (pos >= text.size() || text[pos] != '.')
                return {{}, 0};
            ++pos;
        }
    }
    if (pos < text.size() && text[pos] != ' ')
        return {{}, 0};
    if (parts[0] > 255 || parts[1] > 255)
        return {{}, 0};
    return {{static_cast<std::uint8_t>(text[0] - '0'), static_cast<std::uint8_t>(parts[0]),
             static_cast<std::uint8_t>(parts[1])},
            pos};
}

void reply::render_to(std::string& out) const
{
    auto const status_text = status.render();
    std::string_view rest = text;
    char code_text[4] = {};
    std::to_chars(code_text, code_text + 3, code);
    for (;;) {
        auto const nl = rest.find('\n');
        auto const line = rest.substr(0, nl);
        out.append(code_text, 3);
        out.push_back(nl == std::string_view::npos ? ' ' : '-');
        if (!status_text.empty()) {
            out += status_text;
            if (!line.empty())
                out.push_back(' ');
        }
        // A reply may quote what the client sent (a parameter it did not
        // understand): a CR or another control octet in it must not reach
        // the wire, where it would split the reply.
        for (char c : line)
            out.push_back((c >= 32 && c <= 126) ? c : '?');
        out += "\r\n";
        if (nl == std::string_view::npos)
            break;
        rest.remove_prefix(nl + 1);
    }
}

std::string reply::render() const
{
    std::string out;
    render_to(out);
    return out;
}

std::string reply::summary() const
{
    std::string out = std::to_string(code);
    if (!status.empty())
        out += ' ' + status.render();
    if (!text.empty())
        out += ' ';
    for (char c : text) {
        if (c == '\n')
            out += " / ";
        else if (c == '\t')
            out += ' ';
        else
            out += (c >= 32 && c <= 126) ? c : '?';
    }
    return out;
}

namespace replies {
using namespace std::string_literals;

reply greeting(std::string_view host) { return {220, {}, std::string(host) + " ESMTP x400gw"}; }
reply helo(std::string_view host) { return {250, {}, std::string(host)}; }
reply closing(std::string_view host) { return {221, {2, 0, 0}, std::string(host) + " closing connection"}; }
reply ok(std::string_view what) { return {250, {2, 0, 0}, std::string(what)}; }
reply ok_sender() { return {250, {2, 1, 0}, "Ok"}; }
reply ok_recipient() { return {250, {2, 1, 5}, "Ok"}; }
reply start_data() { return {354, {}, "End data with <CR><LF>.<CR><LF>"}; }
reply queued(std::string_view qid) { return {250, {2, 0, 0}, "Ok: queued as "s + std::string(qid)}; }
reply bdat_accepted(std::size_t octets) { return {250, {2, 0, 0}, std::to_string(octets) + " octets received"}; }
reply cannot_vrfy() { return {252, {2, 5, 2}, "Cannot VRFY user, but will accept message and attempt delivery"}; }
reply help()
{
    return {214, {2, 0, 0},
            "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP\n"
            "See RFC 5321"};
}
reply noop() { return {250, {2, 0, 0}, "Ok"}; }
reply reset() { return {250, {2, 0, 0}, "Ok"}; }

reply syntax_error(std::string_view why) { return {500, {5, 5, 2}, std::string(why)}; }
reply line_too_long() { return {500, {5, 5, 2}, "Line too long"}; }
reply unknown_command() { return {500, {5, 5, 1}, "Command unrecognized"}; }
reply not_implemented(std::string_view what) { return {502, {5, 5, 1}, std::string(what) + " not implemented"}; }
reply parameter_syntax(std::string_view why) { return {501, {5, 5, 4}, std::string(why)}; }
reply bad_sequence(std::string_view why) { return {503, {5, 5, 1}, std::string(why)}; }
reply bad_parameter(std::string_view why) { return {555, {5, 5, 4}, std::string(why)}; }
reply bad_sender_syntax(std::string_view why) { return {501, {5, 1, 7}, std::string(why)}; }
reply bad_recipient_syntax(std::string_view why) { return {501, {5, 1, 3}, std::string(why)}; }
reply unknown_recipient(std::string_view why) { return {550, {5, 1, 1}, std::string(why)}; }
reply relay_denied(std::string_view why) { return {550, {5, 7, 1}, std::string(why)}; }
reply relaying_denied() { return {554, {5, 7, 1}, "Relaying denied"}; }
reply no_x400_route(std::string_view std_or) { return {550, {5, 1, 2}, "No X.400 route for "s + std::string(std_or)}; }
reply tls_required() { return {530, {5, 7, 0}, "Must issue a STARTTLS command first"}; }
reply requiretls_without_tls() { return {530, {5, 7, 10}, "REQUIRETLS needs a TLS session: issue STARTTLS first"}; }
reply mail_loop(std::size_t hops)
{
    return {554, {5, 4, 6}, "Too many hops (" + std::to_string(hops) + " Received: fields): a mail loop"};
}
reply too_many_messages_from_client() { return {450, {4, 7, 1}, "Too many messages from your address, try again later"}; }
reply too_many_connections_from_client(std::string_view host)
{
    return {421, {4, 7, 0}, std::string(host) + " too many connections from your address, try again later"};
}
reply too_many_junk_commands(std::string_view host)
{
    return {421, {4, 7, 0}, std::string(host) + " too many commands without mail, closing connection"};
}
reply too_many_recipients() { return {452, {4, 5, 3}, "Too many recipients"}; }
reply non_ascii_address() { return {553, {5, 6, 7}, "Non-ASCII address without SMTPUTF8, or not UTF-8"}; }
reply too_many_sessions(std::string_view host) { return {421, {4, 7, 0}, std::string(host) + " too many connections, try again later"}; }
reply message_too_big() { return {552, {5, 3, 4}, "Message size exceeds fixed limit"}; }
reply message_too_big_for_size(std::uint64_t max)
{
    return {552, {5, 3, 4}, "Message size exceeds fixed limit of " + std::to_string(max) + " octets"};
}
reply no_valid_recipients() { return {554, {5, 5, 1}, "No valid recipients"}; }
reply try_again_later(std::string_view why) { return {451, {4, 3, 0}, std::string(why)}; }
reply shutting_down(std::string_view host) { return {421, {4, 3, 2}, std::string(host) + " service shutting down, try again later"}; }
reply timeout(std::string_view host) { return {421, {4, 4, 2}, std::string(host) + " timeout exceeded, closing connection"}; }
reply too_many_errors(std::string_view host) { return {421, {4, 7, 0}, std::string(host) + " too many errors, closing connection"}; }
} // namespace replies

} // namespace x400gw::smtp
