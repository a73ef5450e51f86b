// mime/describe.cpp
//
// BODYSTRUCTURE (RFC 3501 7.4.2):
//
//   body-type-1part = (body-type-basic / body-type-msg / body-type-text)
//                     [SP body-ext-1part]
//   body-type-msg   = media-message SP body-fields SP envelope SP body SP body-fld-lines
//   body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
//   envelope        = "(" env-date SP env-subject SP env-from SP env-sender SP
//                     env-reply-to SP env-to SP env-cc SP env-bcc SP
//                     env-in-reply-to SP env-message-id ")"
//
// Strings are quoted; the CR, LF and NUL a quoted string cannot hold become
// spaces, so the result stays one line (a literal would break it).
#include "mime/describe.hpp"

#include "mime/header_codec.hpp"
#include "mime/parser.hpp"
#include "mime/unwrap.hpp"

#include <string_view>
#include <vector>

namespace x400gw::mime {

namespace {

void quoted(std::string& out, std::string_view s)
{
    out.push_back('"');
    for (char c : s) {
        if (c == '"' || c == '\\')
            out.push_back('\\');
        if (c == '\r' || c == '\n' || c == '\0')
            c = ' ';
        out.push_back(c);
    }
    out.push_back('"');
}

void nstring(std::string& out, bool present, std::string_view s)
{
    if (present)
        quoted(out, s);
    else
        out += "NIL";
}

void params(std::string& out, std::vector<parameter> const& ps)
{
    if (ps.empty()) {
        out += "NIL";
        return;
    }
    out.push_back('(');
    bool first = true;
    for (auto const& p : ps) {
        if (!first)
            out.push_back(' ');
        first = false;
        quoted(out, p.name);
        out.push_back(' ');
        quoted(out, p.value);
    }
    out.push_back(')');
}

std::string_view encoding_name(part const& p)
{
    switch (p.encoding) {
    case transfer_encoding::none:
    case transfer_encoding::seven_bit:
        return "7BIT";
    case transfer_encoding::eight_bit:
        return "8BIT";
    case transfer_encoding::binary:
        return "BINARY";
    case transfer_encoding::quoted_printable:
        return "QUOTED-PRINTABLE";
    case transfer_encoding::base64:
        return "BASE64";
    case transfer_encoding::unknown:
        break;
    }
    return p.encoding_token;
}

// body-fld-dsp, body-fld-lang, body-fld-loc
void extension_tail(std::string& out, part const& p)
{
    out.push_back(' ');
    if (p.has_disposition) {
        out.push_back('(');
        quoted(out, p.disposition.type);
        out.push_back(' ');
        params(out, p.disposition.params);
        out.push_back(')');
    } else {
        out += "NIL";
    }
    out.push_back(' ');
    if (!p.has_language || trim(p.language).empty()) {
        out += "NIL";
    } else {
        std::vector<std::string_view> tags;
        std::string_view l = p.language;
        while (!l.empty()) {
            auto c = l.find(',');
            auto t = trim(l.substr(0, c));
            if (!t.empty())
                tags.push_back(t);
            l = c == std::string_view::npos ? std::string_view{} : l.substr(c + 1);
        }
        if (tags.size() == 1) {
            quoted(out, tags[0]);
        } else {
            out.push_back('(');
            for (std::size_t i = 0; i < tags.size(); ++i) {
                if (i)
                    out.push_back(' ');
                quoted(out, tags[i]);
            }
            out.push_back(')');
        }
    }
    out.push_back(' ');
    nstring(out, p.has_location, p.location);
}

std::string unquote(std::string_view s)
{
    s = trim(s);
    std::string r;
    bool in_q = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '"') {
            in_q = !in_q;
            continue;
        }
        if (c == '\\' && in_q && i + 1 < s.size())
            c = s[++i];
        r.push_back(c);
    }
    return r;
}

// Removes comments outside quoted strings.
std::string strip_comments(std::string_view s)
{
    std::string r;
    int level = 0;
    bool in_q = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (level == 0 && c == '"')
            in_q = !in_q;
        if (!in_q && c == '(') {
            ++level;
            continue;
        }
        if (!in_q && c == ')' && level > 0) {
            --level;
            continue;
        }
        if (c == '\\' && i + 1 < s.size() && (in_q || level > 0)) {
            if (level == 0) {
                r.push_back(c);
                r.push_back(s[i + 1]);
            }
            ++i;
            continue;
        }
        if (level == 0)
            r.push_back(c);
    }
    return r;
}

void one_address(std::string& out, std::string_view text)
{
    std::string name;
    bool has_name = false;
    std::string_view addr = text;
    auto lt = text.find('<');
    std::string inner;
    if (lt != std::string_view::npos) {
        name = unquote(text.substr(0, lt));
        has_name = !name.empty();
        auto gt = text.find('>', lt);
        inner = std::string(text.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1));
        addr = inner;
    }
    addr = trim(addr);
    std::string_view adl;
    bool has_adl = false;
    if (!addr.empty() && addr[0] == '@') {
        auto colon = addr.find(':');
        if (colon != std::string_view::npos) {
            adl = addr.substr(0, colon);
            has_adl = true;
            addr = trim(addr.substr(colon + 1));
        }
    }
    auto at = addr.rfind('@');
    std::string mailbox = unquote(at == std::string_view::npos ? addr : addr.substr(0, at));
    std::string host = std::string(at == std::string_view::npos ? std::string_view{} : trim(addr.substr(at + 1)));
    out.push_back('(');
    nstring(out, has_name, name);
    out.push_back(' ');
    nstring(out, has_adl, adl);
    out.push_back(' ');
    quoted(out, mailbox);
    out.push_back(' ');
    // RFC 3501 uses a NIL host for group syntax, so a missing domain gets a
    // placeholder word instead.
    quoted(out, host.empty() ? std::string_view("MISSING_DOMAIN") : std::string_view(host));
    out.push_back(')');
}

// An address list: mailboxes and RFC 5322 groups, split at top-level
// commas. Tolerant: whatever is not an address becomes a mailbox word.
void address_list(std::string& out, bool present, std::string_view raw)
{
    std::string s = strip_comments(raw);
    std::string rendered;
    std::size_t start = 0;
    bool in_q = false, in_angle = false;
    int count = 0;
    auto flush = [&](std::size_t b, std::size_t e) {
        auto t = trim(std::string_view(s).substr(b, e - b));
        if (t.empty())
            return;
        auto colon = std::string_view::npos;
        {
            bool q = false;
            for (std::size_t k = 0; k < t.size(); ++k) {
                if (t[k] == '"')
                    q = !q;
                else if (!q && t[k] == '<')
                    break;
                else if (!q && t[k] == ':') {
                    colon = k;
                    break;
                }
            }
        }
        if (colon != std::string_view::npos && !(t[0] == '@')) {
            // group: "name:" starts it; the members follow until ';'
            rendered += "(NIL NIL ";
            quoted(rendered, unquote(t.substr(0, colon)));
            rendered += " NIL)";
            ++count;
            t = trim(t.substr(colon + 1));
        }
        // A ';' ends a group: RFC 3501 writes its end as an all-NIL address.
        bool ends = !t.empty() && t.back() == ';';
        if (ends)
            t = trim(t.substr(0, t.size() - 1));
        if (!t.empty()) {
            one_address(rendered, t);
            ++count;
        }
        if (ends)
            rendered += "(NIL NIL NIL NIL)";
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '\\' && in_q) {
            ++i;
            continue;
        }
        if (c == '"')
            in_q = !in_q;
        else if (!in_q && c == '<')
            in_angle = true;
        else if (!in_q && c == '>')
            in_angle = false;
        else if (!in_q && !in_angle && c == ',') {
            flush(start, i);
            start = i + 1;
        }
    }
    flush(start, s.size());
    if (!present || count == 0) {
        out += "NIL";
        return;
    }
    out.push_back('(');
    out += rendered;
    out.push_back(')');
}

void envelope(std::string& out, part const& root)
{
    auto has = [&](envelope_field f) { return root.has_envelope[static_cast<std::size_t>(f)]; };
    auto get = [&](envelope_field f) -> std::string const& {
        return root.envelope[static_cast<std::size_t>(f)];
    };
    out.push_back('(');
    nstring(out, has(envelope_field::date), get(envelope_field::date));
    out.push_back(' ');
    nstring(out, has(envelope_field::subject), get(envelope_field::subject));
    for (auto f : {envelope_field::from, envelope_field::sender, envelope_field::reply_to,
                   envelope_field::to, envelope_field::cc, envelope_field::bcc}) {
        out.push_back(' ');
        // RFC 3501: sender and reply-to default to from.
        auto g = f;
        if ((f == envelope_field::sender || f == envelope_field::reply_to) && !has(f))
            g = envelope_field::from;
        address_list(out, has(g), get(g));
    }
    out.push_back(' ');
    nstring(out, has(envelope_field::in_reply_to), get(envelope_field::in_reply_to));
    out.push_back(' ');
    nstring(out, has(envelope_field::message_id), get(envelope_field::message_id));
    out.push_back(')');
}

bool shown_as_multipart(part const& p) { return p.is_multipart(); }
bool shown_as_message(part const& p) { return p.is_message(); }

void basic_fields(std::string& out, part const& p, std::string_view type, std::string_view subtype,
                  std::vector<parameter> const& ps)
{
    out.push_back('(');
    quoted(out, type);
    out.push_back(' ');
    quoted(out, subtype);
    out.push_back(' ');
    params(out, ps);
    out.push_back(' ');
    nstring(out, p.has_id, p.id);
    out.push_back(' ');
    nstring(out, p.has_description, p.description);
    out.push_back(' ');
    quoted(out, encoding_name(p));
    out.push_back(' ');
    out += std::to_string(p.size);
}

// The end of a non-multipart body: body MD5, the extension data, ")".
void md5_extensions_close(std::string& out, part const& p)
{
    out.push_back(' ');
    nstring(out, p.has_md5, p.md5);
    extension_tail(out, p);
    out.push_back(')');
}

void leaf(std::string& out, part const& p)
{
    if (p.opaque) {
        basic_fields(out, p, "application", "octet-stream", p.octet_params());
    } else {
        basic_fields(out, p, p.content_type.type, p.content_type.subtype, p.content_type.params);
        if (p.content_type.type == "text") {
            out.push_back(' ');
            out += std::to_string(p.lines);
        }
    }
    md5_extensions_close(out, p);
}

// What is left of the limits for the entities of encoded composites,
// shared by all of them in one message, as the sanitizer shares it.
struct unwrap_budget {
    limits lim;
    std::size_t nesting_left = 0;
    std::size_t parts_left = 0;
    std::uint64_t steps_left = 0;
};

std::string describe_tree(std::string_view in, message const& m, unwrap_budget* budget);

// An encoded composite as the sanitizer writes it: the tree of its
// entity, under the part's own encoding, size and lines. False when it
// stays opaque (no input, or past a limit: the sanitizer keeps it so).
bool unwrapped_tree(std::string& out, std::string_view in, message const& m, part const& p, unwrap_budget* budget)
{
    if (!budget || !unwrappable(p) || budget->nesting_left == 0 || p.depth >= budget->lim.max_depth)
        return false;
    auto e = parse_unwrapped(in, m, p, budget->lim, budget->parts_left, budget->steps_left);
    if (!e)
        return false;
    auto& tree = e->tree;
    budget->parts_left -= std::min(budget->parts_left, tree.parts.size() - 1);
    auto& root = tree.parts[0];
    root.encoding = p.encoding;
    root.encoding_token = p.encoding_token;
    root.size = p.size;
    root.lines = p.lines;
    --budget->nesting_left;
    out += describe_tree(e->u.entity, tree, budget);
    ++budget->nesting_left;
    return true;
}

void open(std::string& out, std::string_view in, message const& m, part const& p, unwrap_budget* budget)
{
    if (shown_as_multipart(p)) {
        out.push_back('(');
        if (p.first_child == no_part) // RFC 3501 needs one body at least
            out += "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)";
    } else if (shown_as_message(p)) {
        basic_fields(out, p, p.content_type.type, p.content_type.subtype, p.content_type.params);
        out.push_back(' ');
        envelope(out, m.parts[p.first_child]);
        out.push_back(' ');
    } else if (!unwrapped_tree(out, in, m, p, budget)) {
        leaf(out, p);
    }
}

void close(std::string& out, part const& p)
{
    if (shown_as_multipart(p)) {
        out.push_back(' ');
        quoted(out, p.content_type.subtype);
        out.push_back(' ');
        params(out, p.content_type.params);
        extension_tail(out, p);
        out.push_back(')');
    } else if (shown_as_message(p)) {
        out.push_back(' ');
        out += std::to_string(p.lines);
        md5_extensions_close(out, p);
    }
}

void json_string(std::string& out, std::string_view s)
{
    static constexpr char hex[] = "0123456789abcdef";
    bool utf8 = is_utf8(s);
    out.push_back('"');
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (u < 32 || u == 127 || (u >= 128 && !utf8)) {
            out += "\\u00";
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 15]);
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
}

std::string describe_tree(std::string_view in, message const& m, unwrap_budget* budget)
{
    std::string out;
    if (m.parts.empty())
        return out;
    std::uint32_t cur = 0;
    for (;;) {
        auto const& p = m.parts[cur];
        open(out, in, m, p, budget);
        if ((shown_as_multipart(p) || shown_as_message(p)) && p.first_child != no_part) {
            cur = p.first_child;
            continue;
        }
        // Close this part and its ancestors until one has a next sibling.
        for (;;) {
            close(out, m.parts[cur]);
            if (cur == 0)
                return out;
            auto const& c = m.parts[cur];
            if (c.next_sibling != no_part) {
                cur = c.next_sibling;
                break;
            }
            cur = c.parent;
        }
    }
}

} // namespace

std::string describe(message const& m)
{
    return describe_tree({}, m, nullptr);
}

std::string describe(std::string_view input, message const& m, limits const& l)
{
    unwrap_budget budget;
    budget.lim = l;
    budget.nesting_left = l.max_decode_nesting;
    budget.parts_left = l.max_parts > m.parts.size() ? l.max_parts - m.parts.size() : 0;
    budget.steps_left = l.max_steps > m.steps ? l.max_steps - m.steps : 0;
    return describe_tree(input, m, &budget);
}

std::string describe_json(message const& m)
{
    std::string out = "{\"parts\":[";
    for (std::size_t i = 0; i < m.parts.size(); ++i) {
        auto const& p = m.parts[i];
        if (i)
            out.push_back(',');
        out += "\n{\"index\":" + std::to_string(i);
        out += ",\"parent\":";
        out += p.parent == no_part ? std::string("null") : std::to_string(p.parent);
        out += ",\"depth\":" + std::to_string(p.depth);
        out += ",\"type\":";
        if (p.opaque)
            json_string(out, "application/octet-stream");
        else
            json_string(out, p.content_type.type + "/" + p.content_type.subtype);
        out += ",\"params\":{";
        bool first = true;
        for (auto const& q : p.content_type.params) {
            if (!first)
                out.push_back(',');
            first = false;
            json_string(out, q.name);
            out.push_back(':');
            json_string(out, q.value);
        }
        out += "},\"defaulted\":";
        out += p.content_type_defaulted ? "true" : "false";
        out += ",\"opaque\":";
        out += p.opaque ? "true" : "false";
        out += ",\"encoding\":";
        json_string(out, p.encoding == transfer_encoding::none ? std::string_view("7bit") : std::string_view(p.encoding_token));
        out += ",\"size\":" + std::to_string(p.size);
        out += ",\"lines\":" + std::to_string(p.lines);
        out += ",\"header_begin\":" + std::to_string(p.header_begin);
        out += ",\"header_end\":" + std::to_string(p.header_end);
        out += ",\"body_begin\":" + std::to_string(p.body_begin);
        out += ",\"body_end\":" + std::to_string(p.body_end);
        if (p.is_multipart()) {
            out += ",\"boundary\":";
            json_string(out, p.boundary);
        }
        out += ",\"flags\":[";
        first = true;
        for (unsigned d = 0; d < static_cast<unsigned>(defect::count_); ++d) {
            if (!(p.defects & (defect_set{1} << d)))
                continue;
            if (!first)
                out.push_back(',');
            first = false;
            json_string(out, defect_name(static_cast<defect>(d)));
        }
        out += "],\"children\":[";
        first = true;
        for (auto c = p.first_child; c != no_part; c = m.parts[c].next_sibling) {
            if (!first)
                out.push_back(',');
            first = false;
            out += std::to_string(c);
        }
        out += "]}";
    }
    out += "\n],\"over_limit\":";
    out += m.over_limit ? "true" : "false";
    out += "}\n";
    return out;
}

} // namespace x400gw::mime
