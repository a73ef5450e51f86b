// addressing/mapping_tables.cpp
//
// Longest-match index of the MIXER tables (see mapping_tables.hpp).
#include "addressing/mapping_tables.hpp"

#include <algorithm>

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

mapping_table const* mapping_tables::table(table_kind kind) const noexcept
{
    auto const& s = slot(kind);
    return s.present ? &s.table : nullptr;
}

result<mapping_tables> mapping_tables::build(std::vector<mapping_table> tables)
{
    mapping_tables out;
    for (auto& t : tables) {
        auto& s = out.slots_[static_cast<std::size_t>(t.kind)];
        if (s.present)
            return error{"two " + std::string(kind_name(t.kind)) + " tables given (" + s.table.source + ", " +
                         t.source + ")"};
        s.present = true;
        s.table = std::move(t);
        s.index.reserve(s.table.entries.size());
        bool const or_keyed = is_or_keyed(s.table.kind);
        for (std::size_t i = 0; i < s.table.entries.size(); ++i) {
            auto const& e = s.table.entries[i];
            std::string key = or_keyed ? or_key(e.or_side.levels) : domain_key(e.domain);
            if (!s.index.emplace(std::move(key), static_cast<std::uint32_t>(i)).second)
                return error{s.table.source + ":" + std::to_string(e.line) + ": duplicate key"};
        }
    }
    // A key may not be both an MCGAM and a gateway entry of one direction.
    for (auto [mcgam, gate] : {std::pair{table_kind::or_to_domain, table_kind::gate_or_to_domain},
                               std::pair{table_kind::domain_to_or, table_kind::gate_domain_to_or}}) {
        auto const& m = out.slot(mcgam);
        auto const& g = out.slot(gate);
        if (!m.present || !g.present)
            continue;
        for (auto const& [key, idx] : g.index) {
            if (auto it = m.index.find(std::string_view(key)); it != m.index.end()) {
                auto const& ge = g.table.entries[idx];
                auto const& me = m.table.entries[it->second];
                return error{g.table.source + ":" + std::to_string(ge.line) + ": key also in the MCGAM table " +
                             m.table.source + ":" + std::to_string(me.line)};
            }
        }
    }
    return out;
}

std::optional<mapping_tables::or_match> mapping_tables::match_or(table_kind kind, or_address const& a) const
{
    auto const& s = slot(kind);
    if (!s.present || s.index.empty() || !a.c)
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
    std::string key;
    key.reserve(96);
    std::array<std::size_t, level_count + 2> end{};
    for (std::size_t n = 0; n < depth; ++n) {
        if (v[n])
            key += normalise_value(*v[n], n == 1);
        else
            key.push_back('@');
        key.push_back('\x1f');
        end[n] = key.size();
    }
    auto probe = [&](std::string_view k, std::size_t levels) -> std::optional<or_match> {
        if (auto it = s.index.find(k); it != s.index.end())
            return or_match{&s.table.entries[it->second], levels};
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
    if (!s.present || s.index.empty())
        return std::nullopt;
    if (!domain.empty() && domain.back() == '.')
        domain.remove_suffix(1);
    std::string const key = to_lower(domain);
    std::size_t start = 0;
    for (;;) {
        std::string_view const suffix = std::string_view(key).substr(start);
        if (auto it = s.index.find(suffix); it != s.index.end()) {
            std::string_view below = start == 0 ? std::string_view() : domain.substr(0, start - 1);
            return domain_match{&s.table.entries[it->second], below};
        }
        std::size_t const dot = key.find('.', start);
        if (dot == std::string::npos)
            return std::nullopt;
        start = dot + 1;
    }
}

} // namespace x400gw::addressing
