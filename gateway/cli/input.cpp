// gateway/cli/input.cpp
//
// See input.hpp.
#include "gateway/cli/input.hpp"

#include "addressing/or_address.hpp"
#include "addressing/table.hpp"

#include <toml++/toml.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace x400gw::cli {

std::optional<std::string> read_input(std::string const& file)
{
    bool const standard_input = file.empty() || file == "-";
    std::FILE* f = stdin;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(nullptr, std::fclose);
    if (!standard_input) {
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
        // errno says why: "Is a directory", "Input/output error", ...
        std::fprintf(stderr, "x400gwctl: %s: %s\n", standard_input ? "stdin" : file.c_str(), std::strerror(errno));
        return std::nullopt;
    }
    return data;
}

void write_out(std::string_view s)
{
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
}

std::optional<std::string> read_addressing_section(std::string const& config_file, addressing::mapping_config& cfg)
{
    try {
        toml::table const t = toml::parse_file(config_file);
        std::filesystem::path const base = std::filesystem::path(config_file).parent_path();
        auto const* section = t["addressing"].as_table();
        if (!section)
            return std::nullopt;
        if (auto v = (*section)["gateway_domain"].value<std::string>())
            cfg.gateway_domain = *v;
        if (auto v = (*section)["gateway_or"].value<std::string>())
            cfg.gateway_or = *v;
        if (auto const* tables = (*section)["tables"].as_table()) {
            for (auto const& [key, node] : *tables) {
                auto kind = addressing::parse_table_kind(key.str());
                auto path = node.value<std::string>();
                if (!kind || !path)
                    return config_file + ": [addressing] tables: unknown kind or non-string path for " +
                           addressing::quoted(key.str());
                std::filesystem::path p(*path);
                if (p.is_relative())
                    p = base / p;
                cfg.table_files[static_cast<std::size_t>(*kind)] = p.string();
            }
        }
    } catch (toml::parse_error const& e) {
        return config_file + ": " + std::string(e.description()) + " (line " +
               std::to_string(e.source().begin.line) + ")";
    }
    return std::nullopt;
}

} // namespace x400gw::cli
