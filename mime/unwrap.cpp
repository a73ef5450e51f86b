// mime/unwrap.cpp
#include "mime/unwrap.hpp"

#include "mime/codec.hpp"
#include "mime/header_codec.hpp"
#include "mime/parser.hpp"

#include <algorithm>

namespace x400gw::mime {

namespace {

// How many lines of `body` are delimiters of `boundary` (close ones
// included): "--", the boundary, maybe "--", then only transport padding.
std::size_t count_delimiters(std::string_view body, std::string_view boundary) noexcept
{
    std::size_t n = 0;
    body_lines lines(body);
    for (std::string_view line, eol; lines.next(line, eol);) {
        if (line.size() >= 2 + boundary.size() && line.starts_with("--") && line.substr(2).starts_with(boundary)) {
            auto tail = line.substr(2 + boundary.size());
            if (tail.starts_with("--"))
                tail.remove_prefix(2);
            if (tail.find_first_not_of(" \t") == std::string_view::npos)
                ++n;
        }
    }
    return n;
}

} // namespace

bool unwrappable(part const& p) noexcept
{
    return p.opaque && p.has(defect::encoded_composite) && !p.has(defect::part_limit) &&
           !p.has(defect::step_limit) && !p.has(defect::depth_limit) &&
           (p.encoding == transfer_encoding::base64 || p.encoding == transfer_encoding::quoted_printable);
}

unwrapped unwrap(std::string_view in, message const& m, part const& p)
{
    unwrapped u;
    auto& entity = u.entity;
    auto const raw = in.substr(p.body_begin, p.body_end - p.body_begin);
    entity.reserve(p.header_end - p.header_begin + raw.size() + 64);
    bool const implied = !p.content_type_present || p.content_type_defaulted;
    if (implied)
        entity += "Content-Type: " + p.content_type.type + "/" + p.content_type.subtype + "\r\n";
    // The header is written as the message's reading has it: lines
    // without a colon dropped (the sanitizer drops them too), each kept
    // line ended with CRLF where the message's line ended. Nothing else
    // changes: a bare CR left inside a line (the message's reading kept it
    // there, as white space, or nothing inside a quoted string) stays, and
    // the entity's header is read with the message's line ends
    // (parse_unwrapped), so it stays in the line there too. Removing it
    // would join `boundary=i\rX=1` into the boundary "iX".
    bool const cr = m.header_cr_line_ends(p);
    for_each_field(
        in.substr(p.header_begin, p.header_end - p.header_begin),
        [&](raw_field const& f) {
            if (f.no_colon)
                ++u.lines_dropped;
            if (f.no_colon || iequals(f.name, "content-transfer-encoding") ||
                (implied && iequals(f.name, "content-type")))
                return;
            for (std::size_t i = 0; i < f.whole.size();) {
                auto const next = line_after(f.whole, i, cr);
                auto const line = f.whole.substr(i, next - i);
                entity.append(line.substr(0, line.size() - line_end_size(line, cr)));
                entity.append("\r\n");
                i = next;
            }
        },
        cr);
    entity.append("\r\n");
    auto const body_at = entity.size();
    // A base64 label on a body that is not base64 (header fields and
    // text) is false whatever the type.
    if (p.encoding == transfer_encoding::base64 && base64_label_is_false(raw)) {
        u.as_it_stands = true;
        entity.append(raw);
        return u;
    }
    if (p.encoding == transfer_encoding::base64)
        decode_base64(raw, entity);
    else
        decode_qp(raw, entity);
    if (p.content_type.type == "multipart") {
        auto const* b = p.content_type.param("boundary");
        if (b && !b->empty() &&
            count_delimiters(raw, *b) > count_delimiters(std::string_view(entity).substr(body_at), *b)) {
            u.as_it_stands = true;
            entity.resize(body_at);
            entity.append(raw);
        }
    }
    return u;
}

std::optional<unwrapped_entity> parse_unwrapped(std::string_view in, message const& m, part const& p,
                                                limits const& lim, std::size_t parts_left,
                                                std::uint64_t& steps_left)
{
    auto const raw_size = p.body_end - p.body_begin;
    if (steps_left < raw_size)
        return std::nullopt;
    steps_left -= raw_size;
    unwrapped_entity e{unwrap(in, m, p), lim, {}};
    e.sub.max_depth = lim.max_depth - p.depth;
    e.sub.max_parts = parts_left + 1;
    e.sub.max_steps = steps_left;
    // The header is read as the message was; decoded octets are a text of
    // their own (a Mac OS message sent base64 inside a CRLF one), and
    // their first line end decides. A body kept as it stands is the
    // message's own octets.
    parser ps(e.sub);
    ps.read_entity_of(m, !e.u.as_it_stands);
    ps.feed(e.u.entity);
    e.tree = ps.finish();
    steps_left -= std::min(e.tree.steps, steps_left);
    return e;
}

} // namespace x400gw::mime
