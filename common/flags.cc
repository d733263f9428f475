#include "common/flags.h"

namespace weft {

int ParseFlags(CLI::App& app, int argc, char** argv) {
  app.set_config("--config", "", "read flags from this TOML/INI file (the command line wins)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return -1;
}

}  // namespace weft
