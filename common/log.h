// Logging through spdlog: one line per event, levels, to stderr or a file. Secrets never go to logs:
// log token ids, never tokens.
//
// Thread-safety: InitLogging once from main before threads start; spdlog's loggers are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace CLI { class App; }

namespace weft {

struct LogOptions {
  std::string level = "info";  // trace|debug|info|warn|error|critical|off; default info
  std::string file;            // "" (default) = stderr
};

// Adds --log-level and --log-file to app.
void AddLogFlags(CLI::App& app, LogOptions* opts);
// Installs the default logger named after the program. Bad level names fall back to info.
void InitLogging(std::string_view program, const LogOptions& opts);

}  // namespace weft
