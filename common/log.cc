#include "common/log.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace weft {

void AddLogFlags(CLI::App& app, LogOptions* opts) {
  app.add_option("--log-level", opts->level, "trace|debug|info|warn|error|off")->capture_default_str();
  app.add_option("--log-file", opts->file, "log to this file instead of stderr");
}

void InitLogging(std::string_view program, const LogOptions& opts) {
  std::shared_ptr<spdlog::logger> logger;
  std::string name(program);
  if (opts.file.empty()) {
    logger = std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  } else {
    logger = std::make_shared<spdlog::logger>(
        name, std::make_shared<spdlog::sinks::basic_file_sink_mt>(opts.file, /*truncate=*/false));
  }
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %L %n[%P:%t] %v");
  auto level = spdlog::level::from_str(opts.level);
  if (level == spdlog::level::off && opts.level != "off") level = spdlog::level::info;
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace weft
