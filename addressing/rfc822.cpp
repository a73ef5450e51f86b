// addressing/rfc822.cpp
//
// Mailbox splitting and local-part quoting (RFC 5321 4.1.2, RFC 5322 3.4.1,
// RFC 822 6.1 for source routes).
#include "addressing/rfc822.hpp"

namespace x400gw::addressing {

namespace {

bool is_alnum(char ch) noexcept
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

bool is_atext(char ch) noexcept
{
    if (is_alnum(ch))
        return true;
    switch (ch) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}': case '~':
        return true;
    default:
        return false;
    }
}

bool is_domain_char(char ch) noexcept { return is_alnum(ch) || ch == '-' || ch == '.' || ch == '_'; }

} // namespace

bool is_dot_atom(std::string_view s) noexcept
{
    if (s.empty() || s.front() == '.' || s.back() == '.')
        return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (s[i + 1] == '.')
                return false;
        } else if (!is_atext(s[i])) {
            return false;
        }
    }
    return true;
}

std::string quote_local_part(std::string_view local)
{
    if (is_dot_atom(local))
        return std::string(local);
    std::string out = "\"";
    for (char ch : local) {
        if (ch == '"' || ch == '\\')
            out.push_back('\\');
        out.push_back(ch);
    }
    out.push_back('"');
    return out;
}

bool is_domain_label(std::string_view label) noexcept
{
    if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back()))
        return false;
    for (char ch : label)
        if (!is_alnum(ch) && ch != '-')
            return false;
    return true;
}

bool is_domain_name(std::string_view domain) noexcept
{
    if (domain.empty())
        return false;
    std::size_t start = 0;
    for (;;) {
        std::size_t const dot = domain.find('.', start);
        if (!is_domain_label(domain.substr(start, dot - start)))
            return false;
        if (dot == std::string_view::npos)
            return true;
        start = dot + 1;
    }
}

std::string mailbox::address() const
{
    std::string out = quote_local_part(local);
    out.push_back('@');
    out += domain;
    return out;
}

result<std::string> addr_spec_of(std::string_view text)
{
    constexpr auto npos = std::string::npos;
    std::string plain;   // the text without its comments
    std::size_t open = npos, close = npos;
    bool quoted = false;
    int depth = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char const c = text[i];
        if (depth > 0) {
            if (c == '\\')
                ++i;
            else if (c == '(')
                ++depth;
            else if (c == ')')
                --depth;
            continue;
        }
        if (quoted) {
            plain.push_back(c);
            if (c == '\\' && i + 1 < text.size())
                plain.push_back(text[++i]);
            else if (c == '"')
                quoted = false;
            continue;
        }
        if (c == '(') {
            ++depth;
            continue;
        }
        if (c == '"') {
            quoted = true;
        } else if (c == '<') {
            if (open != npos)
                return error{"more than one '<'", i};
            open = plain.size();
        } else if (c == '>' && open != npos && close == npos) {
            close = plain.size();
        }
        plain.push_back(c);
    }
    if (depth > 0)
        return error{"unterminated comment", text.size()};
    if (quoted)
        return error{"unterminated quoted string", text.size()};
    auto const trim = [](std::string_view s) {
        auto const first = s.find_first_not_of(" \t\r\n");
        if (first == std::string_view::npos)
            return std::string_view{};
        return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
    };
    std::string_view const all = plain;
    if (open != npos) {
        if (close == npos)
            return error{"'<' without its '>'", open};
        if (!trim(all.substr(close + 1)).empty())
            return error{"text after the '>'", close + 1};
        return std::string(trim(all.substr(open + 1, close - open - 1)));
    }
    auto const spec = trim(all);
    if (spec.ends_with(';') && spec.find(':') != std::string_view::npos)
        return error{"a group, not one mailbox", 0};
    return std::string(spec);
}

result<mailbox> parse_mailbox(std::string_view text)
{
    if (text.size() >= 2 && text.front() == '<' && text.back() == '>')
        text = text.substr(1, text.size() - 2);
    mailbox m;
    m.text = text;
    std::size_t i = 0;
    if (!text.empty() && text[0] == '@') {
        std::size_t const colon = text.find(':');
        if (colon == std::string_view::npos)
            return error{"source route without ':'", 0};
        m.route = text.substr(0, colon);
        for (std::size_t j = 0; j < colon; ++j) {
            char const ch = text[j];
            if (!(is_domain_char(ch) || ch == '@' || ch == ',' || ch == '[' || ch == ']'))
                return error{"character not allowed in a source route", j};
        }
        i = colon + 1;
    }
    if (i >= text.size())
        return error{"empty local part", i};
    if (text[i] == '"') {
        m.quoted = true;
        ++i;
        for (;;) {
            if (i >= text.size())
                return error{"unterminated quoted local part", i};
            char const ch = text[i];
            if (ch == '"')
                break;
            if (ch == '\\') {
                if (i + 1 >= text.size())
                    return error{"unterminated quoted local part", i};
                m.local.push_back(text[i + 1]);
                i += 2;
                continue;
            }
            if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
                return error{"control character in the local part", i};
            m.local.push_back(ch);
            ++i;
        }
        ++i; // closing quote
        if (i >= text.size() || text[i] != '@')
            return error{"'@' expected after the quoted local part", i};
    } else {
        std::size_t const at = text.rfind('@');
        if (at == std::string_view::npos || at < i)
            return error{"no '@' in the address", i};
        for (std::size_t j = i; j < at; ++j) {
            char const ch = text[j];
            if (!(is_atext(ch) || ch == '.'))
                return error{"character not allowed in an unquoted local part", j};
        }
        m.local = std::string(text.substr(i, at - i));
        i = at;
    }
    if (m.local.empty())
        return error{"empty local part", i};
    ++i; // "@"
    std::string_view const domain = text.substr(i);
    if (domain.empty())
        return error{"empty domain", i};
    if (domain.front() == '[') {
        if (domain.back() != ']')
            return error{"unterminated domain literal", i};
    } else {
        for (std::size_t j = 0; j < domain.size(); ++j)
            if (!is_domain_char(domain[j]))
                return error{"character not allowed in a domain", i + j};
        if (domain.front() == '.' || domain.find("..") != std::string_view::npos)
            return error{"empty label in the domain", i};
    }
    m.domain = domain;
    return m;
}

} // namespace x400gw::addressing
