// Flag and config-file parsing shared by every binary (CLI11). A binary describes its options as plain
// structs, registers them on a CLI::App, and calls ParseFlags; `--config FILE` (TOML or INI, keys named
// like the long flags) supplies any flag, and the command line wins over the file.
#pragma once

#include <CLI/CLI.hpp>

namespace weft {

// Adds --config. Returns -1 to go on, or the exit code to return from main (help, bad flags).
int ParseFlags(CLI::App& app, int argc, char** argv);

}  // namespace weft
