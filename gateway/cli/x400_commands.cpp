// gateway/cli/x400_commands.cpp
//
// x400gwctl x400 decode [--json] [--content ipm] FILE|-
// x400gwctl x400 to-mime [--config FILE] FILE|-
// x400gwctl x400 from-mime [--config FILE] --from ADDR --to ADDR... FILE|-
// x400gwctl x400 answer-probe [--config FILE] FILE|-
//
// Offline. decode reads BER and prints what x400/ makes of it: an MTS-APDU
// (X.411), or with --content ipm a bare P22 InformationObject (X.420).
// to-mime maps an MTS-APDU carrying an IPM to an RFC 5322/MIME message on
// stdout and its SMTP envelope as one JSON line on stderr; from-mime maps
// a message and its envelope to a BER MTS-APDU on stdout; answer-probe
// writes the BER report that answers a probe (exit 3 for anything else, or
// a probe that asks for no report). --config reads
// the [addressing] section as the daemon does; without it the mapping uses
// the built-in identity gateway.invalid, /C=XX/ADMD= /PRMD=x400gw/ and no
// tables. Exit 0 done; 1 invalid input (the byte offset and reason on
// stderr) or an unreadable file; 2 usage error; 3 the content cannot be
// mapped (the reason on stderr). Scripts and tests depend on these names,
// flags, outputs and exit statuses.
#include "gateway/cli/commands.hpp"
#include "gateway/cli/input.hpp"

#include "addressing/mapper.hpp"
#include "addressing/std_or.hpp"
#include "x400/describe.hpp"
#include "x400/mapping.hpp"
#include "x400/p1.hpp"
#include "x400/p22.hpp"

#include <ctime>
#include <cstdio>
#include <memory>
#include <variant>
#include <optional>
#include <string>
#include <vector>

namespace x400gw::cli {

namespace {

namespace x4 = x400gw::x400;

struct x400_options {
    std::string file;
    bool json = false;
    std::string content;
    std::string config_file;
    std::string from;
    std::vector<std::string> to;
};

constexpr int invalid_input = 1, usage_error = 2, unmappable = 3;

x4::ber::bytes as_bytes(std::string const& s)
{
    return {reinterpret_cast<std::uint8_t const*>(s.data()), s.size()};
}

int decode_command(x400_options const& o)
{
    auto input = read_input(o.file);
    if (!input)
        return 1;
    x4::node tree;
    if (o.content == "ipm") {
        auto decoded = x4::p22::decode(as_bytes(*input));
        if (!decoded) {
            std::fprintf(stderr, "x400gwctl: invalid P22 content at byte %zu: %s\n", decoded.failure().offset,
                         decoded.failure().reason.c_str());
            return 1;
        }
        tree = x4::describe(*decoded);
    } else {
        auto decoded = x4::p1::decode(as_bytes(*input));
        if (!decoded) {
            std::fprintf(stderr, "x400gwctl: invalid MTS-APDU at byte %zu: %s\n", decoded.failure().offset,
                         decoded.failure().reason.c_str());
            return 1;
        }
        tree = x4::describe(*decoded);
    }
    write_out(o.json ? x4::to_json(tree) + "\n" : x4::to_text(tree));
    return 0;
}

namespace ad = x400gw::addressing;

// The [addressing] section of --config (the keys the daemon reads), or the
// built-in identity. nullptr, with the reason on stderr, when it is wrong.
std::unique_ptr<ad::mapper> make_mapper(std::string const& config_file)
{
    ad::mapping_config cfg;
    cfg.gateway_domain = "gateway.invalid";
    cfg.gateway_or = "/C=XX/ADMD= /PRMD=x400gw/";
    if (!config_file.empty()) {
        if (auto why = read_addressing_section(config_file, cfg)) {
            std::fprintf(stderr, "config: %s\n", why->c_str());
            return nullptr;
        }
    }
    auto state = ad::load_mapping_state(cfg);
    if (!state) {
        std::fprintf(stderr, "config: %s\n", state.failure().why.c_str());
        return nullptr;
    }
    return std::make_unique<ad::mapper>(*state);
}

// What to-mime and answer-probe start with: the mapper of --config and the
// MTS-APDU of the input; otherwise the exit status, the reason on stderr.
struct mapped_input {
    std::unique_ptr<ad::mapper> map;
    x4::p1::mts_apdu apdu;
};

std::variant<mapped_input, int> read_apdu(x400_options const& o)
{
    auto map = make_mapper(o.config_file);
    if (!map)
        return usage_error;
    auto input = read_input(o.file);
    if (!input)
        return invalid_input;
    auto decoded = x4::p1::decode(as_bytes(*input));
    if (!decoded) {
        std::fprintf(stderr, "x400gwctl: invalid MTS-APDU at byte %zu: %s\n", decoded.failure().offset,
                     decoded.failure().reason.c_str());
        return invalid_input;
    }
    return mapped_input{std::move(map), std::move(*decoded)};
}

int to_mime_command(x400_options const& o)
{
    auto in = read_apdu(o);
    if (auto const* status = std::get_if<int>(&in))
        return *status;
    auto& [map, apdu] = std::get<mapped_input>(in);
    auto mapped = x4::to_mime(apdu, *map);
    if (!mapped) {
        std::fprintf(stderr, "x400gwctl: cannot be mapped: %s\n", mapped.failure().why.c_str());
        return unmappable;
    }
    write_out(mapped->message);
    std::fprintf(stderr, "%s\n", x4::to_json(mapped->envelope).c_str());
    return 0;
}

int answer_probe_command(x400_options const& o)
{
    auto in = read_apdu(o);
    if (auto const* status = std::get_if<int>(&in))
        return *status;
    auto& [map, apdu] = std::get<mapped_input>(in);
    auto const* probe = std::get_if<x4::p1::probe>(&apdu);
    if (!probe) {
        std::fprintf(stderr, "x400gwctl: cannot be answered: not a probe\n");
        return unmappable;
    }
    auto const now = static_cast<std::int64_t>(std::time(nullptr));
    auto report = x4::answer_probe(*probe, *map, now, "x400gw.probe." + std::to_string(now));
    if (!report) {
        std::fprintf(stderr, "x400gwctl: cannot be answered: %s\n", report.failure().why.c_str());
        return unmappable;
    }
    write_out(x4::p1::encode(x4::p1::mts_apdu{std::move(*report)}));
    return 0;
}

int from_mime_command(x400_options const& o)
{
    auto map = make_mapper(o.config_file);
    if (!map)
        return usage_error;
    auto input = read_input(o.file);
    if (!input)
        return invalid_input;
    x4::from_mime_input in;
    in.message = std::move(*input);
    in.mail_from = o.from;
    in.rcpt_to = o.to;
    in.now = static_cast<std::int64_t>(std::time(nullptr));
    // A local identifier from the time and the message itself (FNV-1a),
    // so the same message converted twice in one second gets the same one.
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : in.message)
        h = (h ^ c) * 1099511628211ull;
    char id[40];
    std::snprintf(id, sizeof id, "x400gw.%llx.%08llx", static_cast<unsigned long long>(in.now),
                  static_cast<unsigned long long>(h & 0xffffffffu));
    in.local_identifier = id;
    auto mapped = x4::from_mime(in, *map);
    if (!mapped) {
        std::fprintf(stderr, "x400gwctl: cannot be mapped: %s\n", mapped.failure().why.c_str());
        return unmappable;
    }
    write_out(x4::p1::encode(*mapped));
    return 0;
}

} // namespace

void add_x400_commands(CLI::App& app, int& status)
{
    auto opts = std::make_shared<x400_options>();
    auto* x400 = app.add_subcommand("x400", "Decode and map X.400 P1/P22 BER (offline)");
    x400->require_subcommand(1);

    auto* decode = x400->add_subcommand("decode", "Decode a BER MTS-APDU and print its fields");
    decode->add_option("FILE", opts->file, "BER file, or - for standard input")->required();
    decode->add_flag("--json", opts->json, "Print the fields as one line of JSON");
    decode->add_option("--content", opts->content, "Decode a bare content instead of an MTS-APDU")
        ->check(CLI::IsMember({"ipm"}));
    decode->callback([opts, &status] { status = decode_command(*opts); });

    auto* to_mime = x400->add_subcommand("to-mime", "Map an MTS-APDU to an RFC 5322/MIME message (RFC 2156, RFC 2157)");
    to_mime->add_option("FILE", opts->file, "BER file, or - for standard input")->required();
    to_mime->add_option("--config", opts->config_file, "gateway configuration file (TOML, [addressing])");
    to_mime->callback([opts, &status] { status = to_mime_command(*opts); });

    auto* answer = x400->add_subcommand("answer-probe",
                                        "Answer a probe MTS-APDU with the report this gateway would send (BER)");
    answer->add_option("FILE", opts->file, "BER file, or - for standard input")->required();
    answer->add_option("--config", opts->config_file, "gateway configuration file (TOML, [addressing])");
    answer->callback([opts, &status] { status = answer_probe_command(*opts); });

    auto* from_mime = x400->add_subcommand("from-mime", "Map an RFC 5322/MIME message to a BER MTS-APDU");
    from_mime->add_option("FILE", opts->file, "message file, or - for standard input")->required();
    from_mime->add_option("--config", opts->config_file, "gateway configuration file (TOML, [addressing])");
    from_mime->add_option("--from", opts->from, "the envelope's MAIL FROM address")->required();
    from_mime->add_option("--to", opts->to, "an RCPT TO address (repeatable)")->required();
    from_mime->callback([opts, &status] { status = from_mime_command(*opts); });
}

} // namespace x400gw::cli
