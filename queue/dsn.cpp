// queue/dsn.cpp
#include "queue/dsn.hpp"

#include "mime/header_codec.hpp"

#include <algorithm>
#include <ctime>

namespace x400gw::queue {
namespace {

// Peer text goes into header-like fields: no line ends or other control
// octets (each a space), bounded length.
std::string field_value(std::string_view text, std::size_t max = 900)
{
    std::string out;
    for (char c : text.substr(0, max))
        out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    return out;
}

// The original header (text/rfc822-headers) or message (message/rfc822,
// RET=FULL): CRLF line ends, lines no longer than 998 octets (a line that
// breaks that limit is cut, since the part is for a human to read, not for
// a machine to resend).
void append_lines(std::string& out, std::string_view headers)
{
    while (!headers.empty()) {
        auto nl = headers.find('\n');
        auto line = headers.substr(0, nl);
        headers = nl == std::string_view::npos ? std::string_view{} : headers.substr(nl + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        out.append(line.substr(0, 998));
        out += "\r\n";
    }
}

} // namespace

std::string render_date(clock_time t)
{
    std::time_t const tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

std::string_view header_section(std::string_view message) noexcept
{
    if (message.starts_with("\r\n") || message.starts_with("\n"))
        return {};
    for (std::size_t pos = 0; (pos = message.find('\n', pos)) != std::string_view::npos; ++pos) {
        std::size_t next = pos + 1;
        if (next < message.size() && message[next] == '\r')
            ++next;
        if (next < message.size() && message[next] == '\n')
            return message.substr(0, pos + 1);
    }
    return message;
}

std::string_view capped_header(std::string_view header, std::size_t limit) noexcept
{
    if (header.size() <= limit)
        return header;
    for (std::size_t p = limit; p > 0; --p)
        if (header[p - 1] == '\n' && header[p] != ' ' && header[p] != '\t')
            return header.substr(0, p);
    return {};
}

std::string_view notice_for(outcome_kind kind, std::string_view notify, bool passed_on, bool delay_due) noexcept
{
    auto const asks = [notify](std::string_view word) { return notify.find(word) != std::string_view::npos; };
    if (kind == outcome_kind::failed && (notify.empty() || asks("FAILURE")))
        return "failed";
    if (kind == outcome_kind::delivered && !passed_on && asks("SUCCESS"))
        return "relayed";
    if (kind == outcome_kind::deferred && delay_due && (notify.empty() || asks("DELAY")))
        return "delayed";
    return {};
}

std::string compose_dsn(dsn_request const& r)
{
    std::string const boundary = r.qid + "/" + r.reporting_mta + "/report";
    std::string const date = render_date(r.now);
    auto const reports = [&r](std::string_view action) {
        return std::any_of(r.recipients.begin(), r.recipients.end(),
                           [action](dsn_recipient const& x) { return x.action == action; });
    };
    bool const failures = reports("failed");
    bool const relayed = reports("relayed");
    bool const delayed = reports("delayed");
    // RFC 3461 4.3: the whole message for RET=FULL, in a DSN that reports
    // a failure; a success returns at most the header.
    // (Not when a line of the message could be taken for this report's
    // delimiter: the boundary holds the queue id, which a sender may guess.)
    bool const whole = r.return_full && failures && r.original_complete &&
                       r.original_message.size() <= returned_message_limit &&
                       r.original_message.find(boundary) == std::string_view::npos;
    auto const header = header_section(r.original_message);
    auto const returned_header = capped_header(header, returned_header_limit);
    // RFC 6533: with SMTPUTF8, a UTF-8 address is of type utf-8 in a
    // message/global-delivery-status.
    bool const global = r.utf8 && std::any_of(r.recipients.begin(), r.recipients.end(), [](dsn_recipient const& x) {
        return mime::has_8bit_octet(x.address) || mime::has_8bit_octet(x.original_recipient);
    });
    // 8-bit octets in what is returned or reported: that part and the
    // report around it are labelled 8bit (RFC 2045 6.4: a composite is
    // labelled as what it holds).
    bool const eight_header = !whole && mime::has_8bit_octet(returned_header);
    bool const eight = (whole && mime::has_8bit_octet(r.original_message)) || eight_header || global;
    std::string out;
    out.reserve(2048 + (whole ? r.original_message.size() : r.original_message.size() / 4));
    out += "From: Mail Delivery System <MAILER-DAEMON@" + r.reporting_mta + ">\r\n";
    out += "To: <" + field_value(r.original_sender) + ">\r\n";
    out += failures  ? "Subject: Undelivered Mail Returned to Sender\r\n"
           : delayed ? "Subject: Delayed Mail (still being retried)\r\n"
                     : "Subject: Successful Mail Delivery Report\r\n";
    out += "Date: " + date + "\r\n";
    out += "Message-ID: <" + r.message_id + ">\r\n";
    out += "Auto-Submitted: auto-replied\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" + boundary + "\"\r\n";
    if (eight)
        out += "Content-Transfer-Encoding: 8bit\r\n";
    out += "\r\nThis is a MIME-encapsulated message.\r\n\r\n";

    out += "--" + boundary + "\r\n";
    out += "Content-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
    out += "This is the mail gateway at " + r.reporting_mta + ".\r\n\r\n";
    if (failures) {
        out += "Your message (queue id " + r.qid + ") could not be delivered to one or more\r\n";
        if (whole)
            out += "recipients. It is attached below.\r\n\r\n";
        else
            out += "recipients. Its header is attached below" +
                   (header.size() > returned_header_limit
                        ? ", cut at " + std::to_string(returned_header_limit) + " octets.\r\n\r\n"
                        : std::string(".\r\n\r\n"));
        for (auto const& rcpt : r.recipients)
            if (rcpt.action == "failed")
                out += "<" + field_value(rcpt.address) + ">: " + field_value(rcpt.diagnostic) + "\r\n";
        out += "\r\n";
    }
    if (delayed) {
        out += "Your message (queue id " + r.qid + ") has not yet been delivered to the recipients\r\n";
        out += "below. This is a warning only: it is still being retried, and you need not\r\n";
        out += "send it again.\r\n\r\n";
        for (auto const& rcpt : r.recipients)
            if (rcpt.action == "delayed")
                out += "<" + field_value(rcpt.address) + ">: " + field_value(rcpt.diagnostic) + "\r\n";
        out += "\r\n";
    }
    if (relayed) {
        out += "Your message (queue id " + r.qid + ") was relayed to a mail system that does\r\n";
        out += "not send delivery notifications; no further notification will come for:\r\n\r\n";
        for (auto const& rcpt : r.recipients)
            if (rcpt.action == "relayed")
                out += "<" + field_value(rcpt.address) + ">: " + field_value(rcpt.diagnostic) + "\r\n";
        out += "\r\n";
    }

    out += "--" + boundary + "\r\n";
    out += global ? "Content-Description: Delivery report\r\nContent-Type: message/global-delivery-status\r\n"
                    "Content-Transfer-Encoding: 8bit\r\n\r\n"
                  : "Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n";
    if (!r.envid.empty())
        out += "Original-Envelope-Id: " + field_value(r.envid, 100) + "\r\n";
    out += "Reporting-MTA: dns; " + r.reporting_mta + "\r\n";
    out += "X-X400gw-Queue-ID: " + r.qid + "\r\n";
    out += "X-X400gw-Sender: rfc822; " + field_value(r.original_sender) + "\r\n";
    out += "Arrival-Date: " + render_date(r.arrival) + "\r\n";
    for (auto const& rcpt : r.recipients) {
        out += "\r\n";
        if (auto const semi = rcpt.original_recipient.find(';'); semi != std::string::npos) {
            auto const address = rcpt.original_recipient.substr(semi + 1);
            auto const type = global && mime::has_8bit_octet(address)
                                  ? std::string("utf-8")
                                  : field_value(rcpt.original_recipient.substr(0, semi));
            out += "Original-Recipient: " + type + "; " + field_value(address, 500) + "\r\n";
        }
        auto const final_type = global && mime::has_8bit_octet(rcpt.address) ? "utf-8; " : "rfc822; ";
        out += "Final-Recipient: " + (final_type + field_value(rcpt.address)) + "\r\n";
        out += "Action: " + rcpt.action + "\r\n";
        out += "Status: " + field_value(rcpt.status, 16) + "\r\n";
        if (!rcpt.remote_mta.empty())
            out += "Remote-MTA: dns; " + field_value(rcpt.remote_mta, 255) + "\r\n";
        std::string diagnostic = rcpt.diagnostic.starts_with("smtp; ") ? rcpt.diagnostic : "x-x400gw; " + rcpt.diagnostic;
        out += "Diagnostic-Code: " + field_value(diagnostic) + "\r\n";
        out += "Last-Attempt-Date: " + date + "\r\n";
        if (rcpt.will_retry_until)
            out += "Will-Retry-Until: " + render_date(*rcpt.will_retry_until) + "\r\n";
    }
    out += "\r\n";

    out += "--" + boundary + "\r\n";
    if (whole) {
        out += "Content-Description: Undelivered Message\r\nContent-Type: message/rfc822\r\n";
        out += eight ? "Content-Transfer-Encoding: 8bit\r\n\r\n" : "\r\n";
        append_lines(out, r.original_message);   // every line, CRLF
    } else {
        out += failures ? "Content-Description: Undelivered Message Headers\r\n"
                        : "Content-Description: Message Headers\r\n";
        // RFC 6533 6.3: a UTF-8 header of an SMTPUTF8 message is message/global-headers.
        if (eight_header)
            out += r.utf8 ? "Content-Type: message/global-headers\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                          : "Content-Type: text/rfc822-headers\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
        else
            out += "Content-Type: text/rfc822-headers\r\n\r\n";
        append_lines(out, returned_header);
    }
    out += "\r\n--" + boundary + "--\r\n";
    return out;
}

} // namespace x400gw::queue
