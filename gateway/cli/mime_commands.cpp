// gateway/cli/mime_commands.cpp
//
// x400gwctl mime structure [--json] [FILE]
// x400gwctl mime sanitize [--7bit] [-v] [FILE]
//
// Offline: read a message from FILE or standard input (any octets), run the
// pure mime module on it, print the result. Exit 0 whenever output was
// produced, 1 when FILE cannot be read, 2 on a usage error.
#include "gateway/cli/commands.hpp"
#include "gateway/cli/input.hpp"

#include "mime/describe.hpp"
#include "mime/parser.hpp"
#include "mime/sanitizer.hpp"

#include <cstdio>
#include <memory>
#include <string>

namespace x400gw::cli {

namespace {

struct mime_options {
    std::string file;
    bool json = false;
    bool seven_bit = false;
    bool verbose = false;
};

} // namespace

void add_mime_commands(CLI::App& app, int& status)
{
    auto opts = std::make_shared<mime_options>();
    auto* mime = app.add_subcommand("mime", "Inspect and sanitize MIME messages (offline)");
    mime->require_subcommand(1);

    auto* structure = mime->add_subcommand(
        "structure", "Print the IMAP BODYSTRUCTURE of a message (RFC 3501 7.4.2) on one line");
    structure->add_option("FILE", opts->file, "Message file (default: standard input)");
    structure->add_flag("--json", opts->json, "Print the part tree with each part's flags as JSON");
    structure->callback([opts, &status] {
        auto data = read_input(opts->file);
        if (!data) {
            status = 1;
            return;
        }
        auto tree = mime::parse(*data);
        if (opts->json)
            write_out(mime::describe_json(tree));
        else
            write_out(mime::describe(*data, tree) + "\n");
        status = 0;
    });

    auto* sanitize = mime->add_subcommand(
        "sanitize", "Write the message rewritten so any RFC-conforming peer can read it");
    sanitize->add_option("FILE", opts->file, "Message file (default: standard input)");
    sanitize->add_flag("--7bit", opts->seven_bit, "The next hop lacks 8BITMIME: no octet above 127");
    sanitize->add_flag("-v,--verbose", opts->verbose, "List the changes made on standard error");
    sanitize->callback([opts, &status] {
        auto data = read_input(opts->file);
        if (!data) {
            status = 1;
            return;
        }
        mime::sanitize_options so;
        so.seven_bit = opts->seven_bit;
        auto result = mime::sanitize(*data, so);
        write_out(result.message);
        if (opts->verbose) {
            if (result.unchanged)
                std::fprintf(stderr, "unchanged (already clean)\n");
            for (auto const& c : result.changes)
                std::fprintf(stderr, "%.*s count=%llu part=%u (%s)\n", static_cast<int>(c.kind.size()),
                             c.kind.data(), static_cast<unsigned long long>(c.count), c.part, c.text.c_str());
            if (result.over_limit)
                std::fprintf(stderr, "over_limit (a parser limit was reached)\n");
        }
        status = 0;
    });
}

} // namespace x400gw::cli
