// addressing/table_edit.hpp
//
// One entry of a table changed in the table's text, for the
// administration API (add, replace, delete). The text stays the table an
// administrator wrote: comments, order and every line not touched are
// kept; the new line is checked as a line of that kind, and the whole
// result is parsed again, so what the caller stores always loads.
// Sans-I/O: text in, text out.
#pragma once

#include "addressing/table.hpp"

#include <string>
#include <string_view>

namespace x400gw::addressing {

enum class edit_status {
    done,
    bad_entry,   // the key or value is not a valid entry of this kind
    exists,      // add: an entry with this key is there already
    not_found,   // replace, remove: no entry with this key
    bad_table,   // the table text itself does not parse
};

struct edit_result {
    edit_status status = edit_status::done;
    std::string text;      // done: the new table text
    std::string why;       // otherwise: the reason
    table_entry entry;     // done: the entry added, replaced (its new form) or removed
    table_entry previous;  // replace: the entry as it was
};

// A table line's key is its left side (the O/R address of table1 and gate1,
// the domain of table2 and gate2) and its value the right side; a line is
// `key#value#`. Keys compare as the tables do (entry_key).
edit_result add_entry(std::string_view text, table_kind kind, std::string_view key, std::string_view value);
edit_result replace_entry(std::string_view text, table_kind kind, std::string_view key, std::string_view value);
edit_result remove_entry(std::string_view text, table_kind kind, std::string_view key);

// The entry of `table` with the key `key`, or null (also when the key does
// not parse).
table_entry const* find_entry(mapping_table const& table, std::string_view key);
// The key and the value of an entry as a line writes them.
std::string entry_key_text(table_kind kind, table_entry const& e);
std::string entry_value_text(table_kind kind, table_entry const& e);

} // namespace x400gw::addressing
