// gateway/header_rewrite.cpp
#include "gateway/header_rewrite.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace x400gw::gateway {
namespace {

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool is_address_field(std::string_view name)
{
    static constexpr std::array names{"from", "sender", "reply-to", "to", "cc", "bcc"};
    if (name.size() > 7 && iequals(name.substr(0, 7), "resent-"))
        name.remove_prefix(7);
    return std::any_of(names.begin(), names.end(), [&](char const* n) { return iequals(name, n); });
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

// Walks RFC 5322 text, stepping over quoted strings and comments (nested,
// with quoted pairs): structural() is true when v[i] stands outside both,
// so it can be a delimiter ("<", ">", ",", ":", ";").
class scanner {
public:
    bool structural(std::string_view v, std::size_t& i) noexcept
    {
        char const c = v[i];
        if (quoted_) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                quoted_ = false;
            return false;
        }
        if (comment_) {
            if (c == '\\')
                ++i;
            else if (c == '(')
                ++comment_;
            else if (c == ')')
                --comment_;
            return false;
        }
        if (c == '"') {
            quoted_ = true;
            return false;
        }
        if (c == '(') {
            ++comment_;
            return false;
        }
        return true;
    }

private:
    bool quoted_ = false;
    int comment_ = 0;
};

// Rewrites one mailbox (display name and angle-addr, or a bare addr-spec),
// or returns nullopt when `map` leaves it alone.
std::optional<std::string> rewrite_mailbox(std::string_view element, address_map const& map)
{
    // The addr-spec: inside the last <...> outside quotes, else the element
    // without comments.
    std::size_t open = std::string_view::npos, close = std::string_view::npos;
    scanner scan;
    for (std::size_t i = 0; i < element.size(); ++i) {
        if (!scan.structural(element, i))
            continue;
        if (element[i] == '<')
            open = i;
        else if (element[i] == '>' && open != std::string_view::npos)
            close = i;
    }
    if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
        auto const spec = trim(element.substr(open + 1, close - open - 1));
        auto mapped = map(spec);
        if (!mapped)
            return std::nullopt;
        return std::string(element.substr(0, open + 1)) + *mapped + std::string(element.substr(close));
    }
    auto const spec = trim(element);
    if (spec.empty() || spec.find('(') != std::string_view::npos)
        return std::nullopt;   // comments around a bare addr-spec: left as they are
    auto mapped = map(spec);
    if (!mapped)
        return std::nullopt;
    auto const lead = element.substr(0, static_cast<std::size_t>(spec.data() - element.data()));
    auto const tail = element.substr(lead.size() + spec.size());
    return std::string(lead) + *mapped + std::string(tail);
}

// The value split at top-level commas (and group colons and semicolons kept
// with their elements).
std::optional<std::string> rewrite_value(std::string_view value, address_map const& map)
{
    std::vector<std::string_view> elements;
    std::vector<char> separators;
    scanner scan;
    int angle = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (!scan.structural(value, i))
            continue;
        char const c = value[i];
        if (c == '<') {
            ++angle;
        } else if (c == '>') {
            angle = std::max(0, angle - 1);
        } else if (!angle && (c == ',' || c == ':' || c == ';')) {
            elements.push_back(value.substr(start, i - start));
            separators.push_back(c);
            start = i + 1;
        }
    }
    elements.push_back(value.substr(start));
    bool changed = false;
    std::string out;
    for (std::size_t i = 0; i < elements.size(); ++i) {
        // A group's display name (the element before ':') is not a mailbox.
        bool const group_name = i < separators.size() && separators[i] == ':';
        auto mapped = group_name ? std::nullopt : rewrite_mailbox(elements[i], map);
        if (mapped) {
            changed = true;
            out += *mapped;
        } else {
            out += elements[i];
        }
        if (i < separators.size())
            out += separators[i];
    }
    if (!changed)
        return std::nullopt;
    return out;
}

// Folds an unfolded field at commas so its lines stay under 78 octets
// where they can (RFC 5322 2.1.1).
std::string fold(std::string const& field)
{
    if (field.size() <= 78)
        return field;
    std::string out;
    std::size_t line = 0;
    std::size_t i = 0;
    while (i < field.size()) {
        auto comma = field.find(',', i);
        auto const piece_end = comma == std::string::npos ? field.size() : comma + 1;
        auto piece = std::string_view(field).substr(i, piece_end - i);
        if (line > 0 && line + piece.size() > 78) {
            out += "\r\n\t";
            while (!piece.empty() && piece.front() == ' ') {
                piece.remove_prefix(1);
            }
            line = 1;
        }
        out += piece;
        line += piece.size();
        i = piece_end;
    }
    return out;
}

} // namespace

std::optional<std::string> rewrite_address_headers(std::string_view message, address_map const& map)
{
    std::string out;
    bool changed = false;
    std::size_t pos = 0;
    while (pos < message.size()) {
        // One field: its first line and the continuation lines after it.
        auto line_end = [&](std::size_t from) {
            auto nl = message.find('\n', from);
            return nl == std::string_view::npos ? message.size() : nl + 1;
        };
        std::size_t end = line_end(pos);
        auto const first = message.substr(pos, end - pos);
        if (trim(first).empty())
            break;   // the empty line: the header section ends
        while (end < message.size() && (message[end] == ' ' || message[end] == '\t'))
            end = line_end(end);
        auto const field = message.substr(pos, end - pos);
        auto const colon = field.find(':');
        std::optional<std::string> value;
        if (colon != std::string_view::npos && is_address_field(trim(field.substr(0, colon)))) {
            std::string unfolded;
            for (char c : field.substr(colon + 1))
                if (c != '\r' && c != '\n')
                    unfolded += c;
            value = rewrite_value(unfolded, map);
        }
        if (value) {
            changed = true;
            out += fold(std::string(field.substr(0, colon + 1)) + *value);
            out += "\r\n";
        } else {
            out += field;
        }
        pos = end;
    }
    if (!changed)
        return std::nullopt;
    out += message.substr(pos);
    return out;
}

} // namespace x400gw::gateway
