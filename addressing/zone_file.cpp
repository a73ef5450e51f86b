// addressing/zone_file.cpp
#include "addressing/zone_file.hpp"

#include <algorithm>

namespace x400gw::addressing {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// RFC 1035 TTL (decimal seconds) or BIND's units: 1h30m, 2D.
bool is_ttl(std::string_view w) noexcept
{
    if (w.empty() || !is_digit(w.front()))
        return false;
    for (std::size_t i = 0; i < w.size();) {
        std::size_t j = i;
        while (j < w.size() && is_digit(w[j]))
            ++j;
        if (j == i)
            return false;
        if (j < w.size()) {
            if (std::string_view("smhdwSMHDW").find(w[j]) == std::string_view::npos)
                return false;
            ++j;
        }
        i = j;
    }
    return true;
}

bool is_class(std::string_view w) noexcept
{
    if (iequals(w, "IN") || iequals(w, "CH") || iequals(w, "HS") || iequals(w, "CS"))
        return true;
    return w.size() > 5 && iequals(w.substr(0, 5), "CLASS") &&
           std::all_of(w.begin() + 5, w.end(), [](char c) { return is_digit(c); });
}

// One entry of the file: its words, where it starts, whether its first
// line began with a blank (no owner).
struct entry {
    std::size_t line = 0;
    bool blank_owner = false;
    std::vector<std::string> words;
};

std::string at(std::string_view source, std::size_t line, std::string_view why)
{
    return std::string(source) + ":" + std::to_string(line) + ": " + std::string(why);
}

} // namespace

std::string absolute_name(std::string_view name, std::string_view origin)
{
    if (name == "@")
        return std::string(origin);
    if (origin.empty() || (!name.empty() && name.back() == '.' && (name.size() < 2 || name[name.size() - 2] != '\\')))
        return std::string(name);
    return std::string(name) + "." + std::string(origin);
}

result<std::vector<zone_record>> read_zone(std::string_view text, std::string_view source)
{
    if (text.starts_with("\xEF\xBB\xBF"))
        text.remove_prefix(3);
    std::vector<zone_record> out;
    std::string origin, owner;
    std::size_t line = 1;
    std::size_t i = 0;
    while (i < text.size()) {
        // One entry: up to a line end outside parentheses.
        entry e;
        e.line = line;
        e.blank_owner = text[i] == ' ' || text[i] == '\t';
        int depth = 0;
        std::size_t paren_line = 0;
        std::string word;
        bool in_word = false, quoted = false;
        auto end_word = [&] {
            if (in_word)
                e.words.push_back(std::move(word));
            word.clear();
            in_word = false;
        };
        for (; i < text.size(); ++i) {
            char const c = text[i];
            if (c == '\n') {
                if (quoted)
                    return error{at(source, line, "a quoted string is not closed on its line")};
                end_word();
                ++line;
                if (depth == 0) {
                    ++i;
                    break;
                }
                continue;
            }
            if (quoted) {
                word.push_back(c);
                if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n')
                    word.push_back(text[++i]);
                else if (c == '"')
                    quoted = false;
                continue;
            }
            if (c == ';') {
                while (i + 1 < text.size() && text[i + 1] != '\n')
                    ++i;
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\r') {
                end_word();
            } else if (c == '(') {
                end_word();
                if (depth++ == 0)
                    paren_line = line;
            } else if (c == ')') {
                end_word();
                if (--depth < 0)
                    return error{at(source, line, "')' without its '('")};
            } else {
                if (c == '"')
                    quoted = true;
                word.push_back(c);
                in_word = true;
                if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n')
                    word.push_back(text[++i]);
            }
        }
        end_word();
        if (depth > 0)
            return error{at(source, paren_line, "'(' without its ')'")};
        if (e.words.empty())
            continue;
        auto const& first = e.words.front();
        if (!e.blank_owner && first.starts_with("$")) {
            if (iequals(first, "$TTL"))
                continue;
            if (iequals(first, "$ORIGIN")) {
                if (e.words.size() != 2)
                    return error{at(source, e.line, "$ORIGIN takes one domain name")};
                origin = absolute_name(e.words[1], origin);
                if (origin.empty() || origin.back() != '.')
                    return error{at(source, e.line, "$ORIGIN must be a whole name, ending in '.'")};
                continue;
            }
            return error{at(source, e.line, addressing::quoted(first) + " is not read here; give the records in this file")};
        }
        std::size_t w = 0;
        if (!e.blank_owner)
            owner = absolute_name(e.words[w++], origin);
        else if (owner.empty())
            return error{at(source, e.line, "a record with no owner before any owner is named")};
        while (w < e.words.size() && (is_ttl(e.words[w]) || is_class(e.words[w])))
            ++w;
        if (w >= e.words.size())
            return error{at(source, e.line, "expected: owner [ttl] [class] type data")};
        zone_record r;
        r.line = e.line;
        r.owner = owner;
        r.origin = origin;
        r.type = to_upper(e.words[w]);
        r.data.assign(std::make_move_iterator(e.words.begin() + static_cast<std::ptrdiff_t>(w) + 1),
                      std::make_move_iterator(e.words.end()));
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace x400gw::addressing
