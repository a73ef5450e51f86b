// tests/fuzz/table_fuzz.cpp
//
// MIXER table files (RFC 2156 App. F) and PX records (RFC 2163), for each
// of the four kinds (chosen by the first byte). Promises checked: a table
// that loads renders to a text that loads to the same table, indexes
// without error, and survives the trip through PX records and back; the
// list of every bad line starts with the refusal; a zone read as PX
// records writes back to records that read the same; an entry edited out and
// back in (the API's delete and add) leaves a table that loads.
#include "addressing/mapping_tables.hpp"
#include "addressing/table.hpp"
#include "addressing/table_edit.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace ad = x400gw::addressing;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    if (size == 0)
        return 0;
    auto const kind = static_cast<ad::table_kind>(data[0] % ad::table_kind_count);
    std::string_view const text(reinterpret_cast<char const*>(data + 1), size - 1);
    // A zone read as PX records writes back as PX records that read the same.
    if (auto z = ad::parse_px(text, kind, "fuzz")) {
        if (auto zone = ad::render_px(*z)) {
            auto back = ad::parse_px(*zone, kind, "again");
            if (!back || ad::render_table(*back) != ad::render_table(*z))
                std::abort();
        }
    }
    std::vector<std::string> errors;
    auto t = ad::parse_table(text, kind, "fuzz", &errors);
    if (t.ok() != errors.empty() || (!t && errors.front() != t.failure().why))
        std::abort();
    if (!t)
        return 0;
    if (!t->entries.empty()) {
        auto const& e = t->entries.back();
        auto const key = ad::entry_key_text(kind, e);
        auto const value = ad::entry_value_text(kind, e);
        auto removed = ad::remove_entry(text, kind, key);
        if (removed.status != ad::edit_status::done)
            std::abort();
        auto added = ad::add_entry(removed.text, kind, key, value);
        if (added.status != ad::edit_status::done || !ad::parse_table(added.text, kind, "edited"))
            std::abort();
        auto replaced = ad::replace_entry(added.text, kind, key, value);
        if (replaced.status != ad::edit_status::done)
            std::abort();
    }
    std::string const rendered = ad::render_table(*t);
    auto again = ad::parse_table(rendered, kind, "fuzz");
    if (!again || ad::render_table(*again) != rendered)
        std::abort();
    if (!ad::mapping_tables::build({*t}))
        std::abort(); // parse_table already refused duplicates
    if (auto zone = ad::render_px(*t)) {
        auto back = ad::parse_px(*zone, kind, "zone");
        if (!back || ad::render_table(*back) != rendered)
            std::abort();
    }
    return 0;
}
