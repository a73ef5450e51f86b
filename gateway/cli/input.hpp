// gateway/cli/input.hpp
//
// What the offline x400gwctl commands (address, mime, x400) share: reading
// their input file or standard input whole, writing their output, and
// reading the [addressing] section of the gateway's configuration file as
// the daemon reads it.
#pragma once

#include "addressing/mapper.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace x400gw::cli {

// The whole of FILE (empty or "-": standard input), read in binary;
// nullopt, with the reason on stderr, when it cannot be opened or read.
std::optional<std::string> read_input(std::string const& file);

// Writes s to standard output and flushes it.
void write_out(std::string_view s);

// Reads the [addressing] section of the TOML file `config_file` into
// `cfg`: gateway_domain, gateway_or and the [addressing.tables] paths
// (relative ones taken from the file's directory). Keys the file does not
// set leave `cfg` as it was. nullopt when done, else the reason, already
// prefixed with the file name (print it after "config: ").
std::optional<std::string> read_addressing_section(std::string const& config_file,
                                                   addressing::mapping_config& cfg);

} // namespace x400gw::cli
