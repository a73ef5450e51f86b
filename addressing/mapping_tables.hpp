// addressing/mapping_tables.hpp
//
// The in-memory index of the four MIXER tables: longest match by whole
// levels (O/R keys) or whole labels (domains), case-insensitive, values
// compared in their normalised form (RFC 2156 App. F section 4).
//
// Each table is one open-addressing hash index from its normalised key to
// the entry; a longest match is at most 8 (O/R) or label-count (domain)
// probes, each a string_view into one per-thread buffer, so a lookup costs
// a few cache misses whatever the table size. A prefix trie would save
// memory but not time at the table sizes a gateway meets (10^5 entries):
// it would chase one pointer per level instead of reading one slot.
//
// Immutable once built, so readers on any thread share it without locks;
// the mapper swaps whole instances on reload.
#pragma once

#include "addressing/table.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace x400gw::addressing {

// Tables parsed just now, made shareable (moved, not copied).
std::vector<std::shared_ptr<mapping_table const>> share(std::vector<mapping_table> tables);

class mapping_tables {
public:
    mapping_tables() = default;

    // Indexes the given tables (any subset of the four kinds, at most one of
    // each). Refuses a key present in both the MCGAM table and the gateway
    // table of the same direction (App. F 7 and 8, RFC 2163 4.4), naming
    // both places.
    static result<mapping_tables> build(std::vector<mapping_table> tables);
    // The same over shared tables, which it keeps rather than copies; a
    // table that `reuse` holds (the same object) keeps its index from
    // there, so a change to one table of a reload indexes that one only.
    static result<mapping_tables> build(std::vector<std::shared_ptr<mapping_table const>> tables,
                                        mapping_tables const* reuse = nullptr);

    struct or_match {
        table_entry const* entry = nullptr;
        std::size_t depth = 0;   // levels of the hierarchy the entry covers
        std::string_view domain; // == entry->domain, read from the index (no extra cache miss)
    };
    // Longest match of the address's C, ADMD, PRMD, O, OU1..OU4 in table1 or
    // gate1 (spec note 4.4): absent levels with a present level below are
    // "@"; when nothing matches the key as built, absent PRMD and O levels
    // at the bottom are tried as "@" before shorter keys. An address with no
    // C never matches.
    std::optional<or_match> match_or(table_kind kind, or_address const& a) const;

    struct domain_match {
        table_entry const* entry = nullptr;
        std::string_view below; // the labels left of the match ("" when the whole domain matched)
        // == entry->or_side.levels, original values, read from the index
        std::array<std::optional<std::string_view>, level_count> levels{};
        std::size_t depth = 0;
    };
    // Longest match by whole labels in table2 or gate2; `below` views `domain`.
    std::optional<domain_match> match_domain(table_kind kind, std::string_view domain) const;

    std::size_t size(table_kind kind) const noexcept
    {
        auto const& t = slot(kind).table;
        return t ? t->entries.size() : 0;
    }
    mapping_table const* table(table_kind kind) const noexcept;

private:
    // Open addressing over one array of (hash, entry) pairs, the keys
    // themselves in one arena. A probe reads one 16-byte slot and, only
    // when the 64-bit hashes agree, the key: a miss costs one cache line,
    // where a node-based map costs a pointer chase per bucket entry. On
    // 100,000-entry tables that halves the cost of a mapping.
    // Each key is stored with a payload right after it (table1/gate1: the
    // domain; table2/gate2: the O/R levels), so a hit reads one place.
    class key_index {
    public:
        struct hit {
            std::uint32_t entry = 0;
            std::string_view payload;
        };
        void reserve(std::size_t keys);
        // False when the key is already present (`existing` names its entry).
        bool insert(std::string_view key, std::string_view payload, std::uint32_t entry, std::uint32_t& existing);
        std::optional<hit> find(std::string_view key) const noexcept;
        bool empty() const noexcept { return count_ == 0; }
        template <class F>
        void for_each(F&& f) const
        {
            for (auto const& sl : slots_)
                if (sl.offset_plus_one != 0) {
                    record const r = record_at(sl.offset_plus_one - 1);
                    f(r.key, r.entry);
                }
        }

    private:
        // 8 bytes: half the cache footprint of a (hash, entry, key) slot.
        struct slot {
            std::uint32_t tag = 0;             // high half of the key's hash
            std::uint32_t offset_plus_one = 0; // of the record in arena_; 0 = empty
        };
        // arena_ holds records: entry (4 bytes), key length (4), payload
        // length (4), key, payload; so a hit reads one place.
        struct record {
            std::uint32_t entry = 0;
            std::string_view key;
            std::string_view payload;
        };
        record record_at(std::uint32_t offset) const noexcept;
        void grow();
        std::vector<slot> slots_;
        std::string arena_;
        std::size_t count_ = 0;
    };
    // One table and its index, shared by the snapshots that hold it.
    struct slot_t {
        std::shared_ptr<mapping_table const> table;   // null: no table of this kind
        key_index index;
        // Bit n set when some key has n levels (O/R) or n labels (domains):
        // probes for lengths no key has are skipped, which spares a cache
        // miss per level of a typical longest match.
        std::uint64_t lengths = 0;
        bool has_length(std::size_t n) const noexcept { return n >= 63 || ((lengths >> n) & 1u) != 0; }
    };
    static result<std::shared_ptr<slot_t const>> index_table(std::shared_ptr<mapping_table const> table);
    // Never null: a kind without a table has an empty slot, shared.
    static std::array<std::shared_ptr<slot_t const>, table_kind_count> empty_slots();
    slot_t const& slot(table_kind k) const noexcept { return *slots_[static_cast<std::size_t>(k)]; }
    std::array<std::shared_ptr<slot_t const>, table_kind_count> slots_ = empty_slots();
};

} // namespace x400gw::addressing
