// addressing/mapping_tables.cpp
//
// Longest-match index of the MIXER tables (see mapping_tables.hpp).
#include "addressing/mapping_tables.hpp"

#include <algorithm>
#include <cstring>

namespace x400gw::addressing {

namespace {

std::string domain_key(std::string_view domain)
{
    std::string k = to_lower(domain);
    if (!k.empty() && k.back() == '.')
        k.pop_back();
    return k;
}

} // namespace

namespace {

std::uint64_t hash_key(std::string_view k) noexcept
{
    // FNV-1a: keys are short and the loop is branch-free.
    std::uint64_t h = 1469598103934665603ull;
    for (char ch : k) {
        h ^= static_cast<unsigned char>(ch);
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

// The O/R levels of a domain-keyed entry, as its index payload: each value
// (original spelling) followed by '\x1f', an omitted level as a lone '\x1e'.
// Values are PrintableString, so neither control character occurs in them.
std::string levels_payload(dmn_or_address const& d)
{
    std::string out;
    for (auto const& v : d.levels) {
        if (v)
            out += *v;
        else
            out.push_back('\x1e');
        out.push_back('\x1f');
    }
    return out;
}

} // namespace

mapping_tables::key_index::record mapping_tables::key_index::record_at(std::uint32_t offset) const noexcept
{
    std::uint32_t header[3];
    std::memcpy(header, arena_.data() + offset, sizeof header);
    std::string_view const rest = std::string_view(arena_).substr(offset + sizeof header);
    return record{header[0], rest.substr(0, header[1]), rest.substr(header[1], header[2])};
}

void mapping_tables::key_index::reserve(std::size_t keys)
{
    std::size_t n = 16;
    while (n < keys * 2)
        n *= 2;
    if (n <= slots_.size())
        return;
    std::vector<slot> old = std::move(slots_);
    slots_.assign(n, slot{});
    for (auto const& sl : old)
        if (sl.offset_plus_one != 0) {
            std::size_t i = hash_key(record_at(sl.offset_plus_one - 1).key) & (n - 1);
            while (slots_[i].offset_plus_one != 0)
                i = (i + 1) & (n - 1);
            slots_[i] = sl;
        }
}

void mapping_tables::key_index::grow() { reserve(std::max<std::size_t>(count_ + 1, slots_.size())); }

bool mapping_tables::key_index::insert(std::string_view key, std::string_view payload, std::uint32_t entry,
                                       std::uint32_t& existing)
{
    if ((count_ + 1) * 2 > slots_.size())
        grow();
    std::uint64_t const h = hash_key(key);
    auto const tag = static_cast<std::uint32_t>(h >> 32);
    std::size_t const mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        slot& sl = slots_[i];
        if (sl.offset_plus_one == 0) {
            auto const offset = static_cast<std::uint32_t>(arena_.size());
            std::uint32_t const header[3] = {entry, static_cast<std::uint32_t>(key.size()),
                                             static_cast<std::uint32_t>(payload.size())};
            arena_.append(reinterpret_cast<char const*>(header), sizeof header);
            arena_ += key;
            arena_ += payload;
            sl = slot{tag, offset + 1};
            ++count_;
            return true;
        }
        if (sl.tag == tag) {
            record const r = record_at(sl.offset_plus_one - 1);
            if (r.key == key) {
                existing = r.entry;
                return false;
            }
        }
    }
}

std::optional<mapping_tables::key_index::hit> mapping_tables::key_index::find(std::string_view key) const noexcept
{
    if (count_ == 0)
        return std::nullopt;
    std::uint64_t const h = hash_key(key);
    auto const tag = static_cast<std::uint32_t>(h >> 32);
    std::size_t const mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        slot const& sl = slots_[i];
        if (sl.offset_plus_one == 0)
            return std::nullopt;
        if (sl.tag == tag) {
            record const r = record_at(sl.offset_plus_one - 1);
            if (r.key == key)
                return hit{r.entry, r.payload};
        }
    }
}

mapping_table const* mapping_tables::table(table_kind kind) const noexcept { return slot(kind).table.get(); }

std::array<std::shared_ptr<mapping_tables::slot_t const>, table_kind_count> mapping_tables::empty_slots()
{
    static auto const none = std::make_shared<slot_t const>();
    std::array<std::shared_ptr<slot_t const>, table_kind_count> out;
    out.fill(none);
    return out;
}

result<std::shared_ptr<mapping_tables::slot_t const>>
mapping_tables::index_table(std::shared_ptr<mapping_table const> table)
{
    auto s = std::make_shared<slot_t>();
    s->table = std::move(table);
    auto const& t = *s->table;
    s->index.reserve(t.entries.size());
    bool const or_keyed = is_or_keyed(t.kind);
    for (std::size_t i = 0; i < t.entries.size(); ++i) {
        auto const& e = t.entries[i];
        std::string const key = or_keyed ? or_key(e.or_side.levels) : domain_key(e.domain);
        std::size_t const length = or_keyed ? e.or_side.levels.size()
                                            : 1 + static_cast<std::size_t>(std::count(key.begin(), key.end(), '.'));
        s->lengths |= std::uint64_t{1} << std::min<std::size_t>(length, 63);
        std::string const payload = or_keyed ? e.domain : levels_payload(e.or_side);
        std::uint32_t first = 0;
        if (!s->index.insert(key, payload, static_cast<std::uint32_t>(i), first))
            return error{t.source + ":" + std::to_string(e.line) + ": duplicate key (first on line " +
                         std::to_string(t.entries[first].line) + ")"};
    }
    return std::shared_ptr<slot_t const>(std::move(s));
}

std::vector<std::shared_ptr<mapping_table const>> share(std::vector<mapping_table> tables)
{
    std::vector<std::shared_ptr<mapping_table const>> shared;
    shared.reserve(tables.size());
    for (auto& t : tables)
        shared.push_back(std::make_shared<mapping_table const>(std::move(t)));
    return shared;
}

result<mapping_tables> mapping_tables::build(std::vector<mapping_table> tables)
{
    return build(share(std::move(tables)));
}

result<mapping_tables> mapping_tables::build(std::vector<std::shared_ptr<mapping_table const>> tables,
                                             mapping_tables const* reuse)
{
    mapping_tables out;
    for (auto& t : tables) {
        auto& s = out.slots_[static_cast<std::size_t>(t->kind)];
        if (s->table)
            return error{"two " + std::string(kind_name(t->kind)) + " tables given (" + s->table->source + ", " +
                         t->source + ")"};
        if (reuse) {
            auto const& held = reuse->slots_[static_cast<std::size_t>(t->kind)];
            if (held->table == t) {
                s = held;
                continue;
            }
        }
        auto indexed = index_table(std::move(t));
        if (!indexed)
            return indexed.failure();
        s = std::move(*indexed);
    }
    // A key may not be both an MCGAM and a gateway entry of one direction.
    for (auto [mcgam, gate] : {std::pair{table_kind::or_to_domain, table_kind::gate_or_to_domain},
                               std::pair{table_kind::domain_to_or, table_kind::gate_domain_to_or}}) {
        auto const& m = out.slot(mcgam);
        auto const& g = out.slot(gate);
        if (!m.table || !g.table)
            continue;
        std::optional<error> clash;
        g.index.for_each([&](std::string_view key, std::uint32_t idx) {
            auto found = m.index.find(key);
            if (!found || clash)
                return;
            // any clash will do: the message names both places
            auto const& ge = g.table->entries[idx];
            auto const& me = m.table->entries[found->entry];
            clash = error{g.table->source + ":" + std::to_string(ge.line) + ": key also in the MCGAM table " +
                          m.table->source + ":" + std::to_string(me.line)};
        });
        if (clash)
            return *clash;
    }
    return out;
}

std::optional<mapping_tables::or_match> mapping_tables::match_or(table_kind kind, or_address const& a) const
{
    auto const& s = slot(kind);
    if (!s.table || s.index.empty() || !a.c)
        return std::nullopt;
    std::array<std::optional<std::string_view>, level_count> v;
    std::size_t depth = 0;
    for (std::size_t n = 0; n < level_count; ++n) {
        v[n] = level_value(a, n);
        if (v[n])
            depth = n + 1;
    }
    // Spec note 8.9: an ADMD absent from a binary address with a country is
    // looked up as blank, as the text forms read it (RFC 2156 4.1.3).
    if (!v[1])
        v[1] = std::string_view(" ");
    depth = std::max<std::size_t>(depth, 2);
    // One buffer per thread: after the first lookup a key costs no allocation.
    thread_local std::string key;
    key.clear();
    std::array<std::size_t, level_count + 2> end{};
    for (std::size_t n = 0; n < depth; ++n) {
        if (v[n])
            append_normalised(key, *v[n], n == 1);
        else
            key.push_back('@');
        key.push_back('\x1f');
        end[n] = key.size();
    }
    auto probe = [&](std::string_view k, std::size_t levels) -> std::optional<or_match> {
        if (!s.has_length(levels))
            return std::nullopt;
        if (auto found = s.index.find(k))
            return or_match{&s.table->entries[found->entry], levels, found->payload};
        return std::nullopt;
    };
    // Absent PRMD and O at the bottom, tried as "$@" before shortening (an
    // entry such as GMD.DE#O$@.PRMD$GMD... is meant for addresses with no O).
    if (depth >= 2 && depth <= 3) {
        std::string ext = key;
        std::array<std::size_t, 2> ext_end{};
        std::size_t count = 0;
        for (std::size_t n = depth; n <= 3; ++n) {
            ext += "@\x1f";
            ext_end[count++] = ext.size();
        }
        for (std::size_t i = count; i-- > 0;)
            if (auto m = probe(std::string_view(ext).substr(0, ext_end[i]), depth + i + 1))
                return m;
    }
    for (std::size_t k = depth; k > 0; --k)
        if (auto m = probe(std::string_view(key).substr(0, end[k - 1]), k))
            return m;
    return std::nullopt;
}

std::optional<mapping_tables::domain_match> mapping_tables::match_domain(table_kind kind,
                                                                         std::string_view domain) const
{
    auto const& s = slot(kind);
    if (!s.table || s.index.empty())
        return std::nullopt;
    if (!domain.empty() && domain.back() == '.')
        domain.remove_suffix(1);
    thread_local std::string key;
    key.assign(domain);
    for (char& ch : key)
        if (ch >= 'A' && ch <= 'Z')
            ch = static_cast<char>(ch - 'A' + 'a');
    std::size_t start = 0;
    std::size_t labels = 1 + static_cast<std::size_t>(std::count(key.begin(), key.end(), '.'));
    for (;; --labels) {
        std::string_view const suffix = std::string_view(key).substr(start);
        if (!s.has_length(labels)) {
            // no key of this many labels: go on to the next suffix
        } else if (auto found = s.index.find(suffix)) {
            domain_match m;
            m.entry = &s.table->entries[found->entry];
            m.below = start == 0 ? std::string_view() : domain.substr(0, start - 1);
            std::string_view p = found->payload;
            while (!p.empty() && m.depth < level_count) {
                std::size_t const end = p.find('\x1f');
                std::string_view const v = p.substr(0, end);
                if (v != "\x1e")
                    m.levels[m.depth] = v;
                ++m.depth;
                p.remove_prefix(end + 1);
            }
            return m;
        }
        std::size_t const dot = key.find('.', start);
        if (dot == std::string::npos)
            return std::nullopt;
        start = dot + 1;
    }
}

} // namespace x400gw::addressing
