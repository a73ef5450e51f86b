// gateway/cli/x400_commands.cpp
//
// x400gwctl x400 decode [--json] [--content ipm] FILE|-
//
// Offline: read BER from FILE or standard input and print what x400/ makes
// of it: an MTS-APDU (X.411), or with --content ipm a bare P22
// InformationObject (X.420: an IPM or an IPN). Exit 0 when it decoded; 1 when it did not (the byte offset and
// reason of the first error on stderr) or FILE cannot be read; 2 on a
// usage error. Scripts and the oracle tests depend on these names, flags,
// outputs and exit statuses.
#include "gateway/cli/commands.hpp"

#include "x400/describe.hpp"
#include "x400/p1.hpp"
#include "x400/p22.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

namespace x400gw::cli {

namespace {

namespace x4 = x400gw::x400;

struct x400_options {
    std::string file;
    bool json = false;
    std::string content;
};

std::optional<std::string> read_all(std::string const& file)
{
    std::FILE* f = stdin;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(nullptr, std::fclose);
    if (!file.empty() && file != "-") {
        f = std::fopen(file.c_str(), "rb");
        if (!f) {
            std::fprintf(stderr, "x400gwctl: %s: %s\n", file.c_str(), std::strerror(errno));
            return std::nullopt;
        }
        owned.reset(f);
    }
    std::string data;
    char buf[65536];
    for (;;) {
        auto n = std::fread(buf, 1, sizeof buf, f);
        data.append(buf, n);
        if (n < sizeof buf)
            break;
    }
    if (std::ferror(f)) {
        std::fprintf(stderr, "x400gwctl: %s: read error\n", file.empty() || file == "-" ? "stdin" : file.c_str());
        return std::nullopt;
    }
    return data;
}

void write_out(std::string_view s)
{
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
}

x4::ber::bytes as_bytes(std::string const& s)
{
    return {reinterpret_cast<std::uint8_t const*>(s.data()), s.size()};
}

int decode_command(x400_options const& o)
{
    auto input = read_all(o.file);
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
}

} // namespace x400gw::cli
