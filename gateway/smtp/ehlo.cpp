// gateway/smtp/ehlo.cpp
#include "gateway/smtp/ehlo.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace x400gw::smtp {

reply render_ehlo(std::string_view host, std::string_view client, capabilities const& offered)
{
    std::string text = std::string(host) + " greets " + std::string(client);
    if (offered.pipelining)
        text += "\nPIPELINING";
    if (offered.size)
        text += "\nSIZE " + std::to_string(offered.size);
    if (offered.eight_bit_mime)
        text += "\n8BITMIME";
    if (offered.enhanced_status)
        text += "\nENHANCEDSTATUSCODES";
    if (offered.chunking)
        text += "\nCHUNKING";
    if (offered.starttls)
        text += "\nSTARTTLS";
    if (offered.auth)
        text += "\nAUTH PLAIN LOGIN";
    if (offered.dsn)
        text += "\nDSN";
    if (offered.smtputf8)
        text += "\nSMTPUTF8";
    if (offered.mt_priority)
        text += "\nMT-PRIORITY";
    if (offered.require_tls)
        text += "\nREQUIRETLS";
    // No enhanced status on the EHLO reply: its lines are keywords.
    return {250, {}, std::move(text)};
}

capabilities parse_ehlo(reply const& r)
{
    capabilities caps;
    std::string_view text = r.text;
    bool first = true;
    while (!text.empty() || first) {
        auto const nl = text.find('\n');
        std::string line(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (first) {
            first = false;
            continue;   // the greeting line, not a keyword
        }
        std::transform(line.begin(), line.end(), line.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        std::string_view kw = line;
        auto const sp = kw.find(' ');
        auto const arg = sp == std::string_view::npos ? std::string_view{} : kw.substr(sp + 1);
        kw = kw.substr(0, sp);
        if (kw == "PIPELINING")
            caps.pipelining = true;
        else if (kw == "8BITMIME")
            caps.eight_bit_mime = true;
        else if (kw == "ENHANCEDSTATUSCODES")
            caps.enhanced_status = true;
        else if (kw == "CHUNKING")
            caps.chunking = true;
        else if (kw == "STARTTLS")
            caps.starttls = true;
        else if (kw == "DSN")
            caps.dsn = true;
        else if (kw == "SMTPUTF8")
            caps.smtputf8 = true;
        else if (kw == "REQUIRETLS")
            caps.require_tls = true;
        else if (kw == "MT-PRIORITY")
            caps.mt_priority = true;   // with or without its policy's name (RFC 6710 3)
        else if (kw == "SIZE" && !arg.empty())
            std::from_chars(arg.data(), arg.data() + arg.size(), caps.size);
    }
    return caps;
}

} // namespace x400gw::smtp
