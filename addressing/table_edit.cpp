// addressing/table_edit.cpp
#include "addressing/table_edit.hpp"

#include "addressing/text_lines.hpp"

#include <vector>

namespace x400gw::addressing {
namespace {

constexpr std::string_view source = "entry";

bool clean(std::string_view s) noexcept
{
    return s.find_first_of("#\r\n") == std::string_view::npos;
}

// The key as a lookup key (entry_key's form), or nullopt when it does not parse.
std::optional<std::string> normal_key(table_kind kind, std::string_view key)
{
    while (!key.empty() && (key.front() == ' ' || key.front() == '\t'))
        key.remove_prefix(1);
    if (key.empty() || !clean(key))
        return std::nullopt;
    if (is_or_keyed(kind)) {
        auto d = parse_dmn_or(key, !is_gateway_table(kind));
        if (!d)
            return std::nullopt;
        return or_key(d->levels);
    }
    table_entry e;
    e.domain = std::string(key);
    if (!e.domain.empty() && e.domain.back() == '.')
        e.domain.pop_back();
    return entry_key(kind, e);
}

// The text as lines without their line ends, numbered as parse_table
// numbers them.
std::vector<std::string_view> split_lines(std::string_view text)
{
    std::vector<std::string_view> out;
    text_lines lines(text);
    for (std::string_view line; lines.next(line);)
        out.push_back(line);
    return out;
}

std::string join_lines(std::vector<std::string_view> const& lines)
{
    std::string out;
    for (auto l : lines) {
        out += l;
        out += '\n';
    }
    return out;
}

// The new line `key#value#`, parsed as a one-line table of `kind`.
result<table_entry> new_entry(table_kind kind, std::string_view key, std::string_view value, std::string& line)
{
    if (!clean(key) || !clean(value))
        return error{"a key or value must not hold '#' or a line end"};
    line = std::string(key) + "#" + std::string(value) + "#";
    auto t = parse_table(line, kind, source);
    if (!t)
        return error{t.failure().why.substr(source.size() + 4)};   // without "entry:1: "
    if (t->entries.size() != 1)
        return error{"an entry needs a key and a value"};
    return std::move(t->entries.front());
}

edit_result fail(edit_status s, std::string why)
{
    edit_result r;
    r.status = s;
    r.why = std::move(why);
    return r;
}

edit_result finish(std::string text, table_kind kind, table_entry entry, std::string_view key_text)
{
    auto check = parse_table(text, kind, "table");
    if (!check)
        return fail(edit_status::bad_table, check.failure().why);
    edit_result r;
    r.text = std::move(text);
    r.entry = std::move(entry);
    if (auto const* e = find_entry(*check, key_text))
        r.entry.line = e->line;
    return r;
}

enum class op { add, replace, remove };

edit_result edit(std::string_view text, table_kind kind, op o, std::string_view key, std::string_view value)
{
    auto current = parse_table(text, kind, "table");
    if (!current)
        return fail(edit_status::bad_table, current.failure().why);
    std::string line;
    table_entry entry;
    if (o != op::remove) {
        auto e = new_entry(kind, key, value, line);
        if (!e)
            return fail(edit_status::bad_entry, e.failure().why);
        entry = std::move(*e);
        // The path's key and the entry's must name the same thing.
        if (auto k = normal_key(kind, key); !k || *k != entry_key(kind, entry))
            return fail(edit_status::bad_entry, "the key does not parse as a key of this table");
    } else if (!normal_key(kind, key)) {
        return fail(edit_status::bad_entry, quoted(key) + " is not a key of a " +
                                                std::string(kind_name(kind)) + " table");
    }
    auto const* found = find_entry(*current, key);
    auto lines = split_lines(text);
    if (o == op::add) {
        if (found)
            return fail(edit_status::exists, "an entry with this key is on line " + std::to_string(found->line));
        lines.push_back(line);
        return finish(join_lines(lines), kind, std::move(entry), key);
    }
    if (!found)
        return fail(edit_status::not_found, "no entry with the key " + quoted(key));
    auto const index = found->line - 1;
    if (o == op::replace) {
        table_entry previous = *found;
        lines[index] = line;
        auto r = finish(join_lines(lines), kind, std::move(entry), key);
        r.previous = std::move(previous);
        return r;
    }
    table_entry removed = *found;
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(index));
    auto r = finish(join_lines(lines), kind, table_entry{}, key);
    r.entry = std::move(removed);
    return r;
}

} // namespace

edit_result add_entry(std::string_view text, table_kind kind, std::string_view key, std::string_view value)
{
    return edit(text, kind, op::add, key, value);
}

edit_result replace_entry(std::string_view text, table_kind kind, std::string_view key, std::string_view value)
{
    return edit(text, kind, op::replace, key, value);
}

edit_result remove_entry(std::string_view text, table_kind kind, std::string_view key)
{
    return edit(text, kind, op::remove, key, {});
}

table_entry const* find_entry(mapping_table const& table, std::string_view key)
{
    auto const k = normal_key(table.kind, key);
    if (!k)
        return nullptr;
    for (auto const& e : table.entries)
        if (entry_key(table.kind, e) == *k)
            return &e;
    return nullptr;
}

std::string entry_key_text(table_kind kind, table_entry const& e)
{
    return is_or_keyed(kind) ? render_dmn_or(e.or_side) : e.domain;
}

std::string entry_value_text(table_kind kind, table_entry const& e)
{
    return is_or_keyed(kind) ? e.domain : render_dmn_or(e.or_side);
}

} // namespace x400gw::addressing
