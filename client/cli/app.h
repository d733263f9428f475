// weftctl's entry point: builds the command tree, parses the command line, runs the chosen command.
//
// Thread-safety: one call at a time.
#pragma once

#include "client/cli/cli.h"

namespace weft::cli {

// Runs weftctl with argv on io; returns the exit code (errors.h).
int RunWeftctl(int argc, const char* const* argv, const Io& io, SettingsEnv env);

}  // namespace weft::cli
