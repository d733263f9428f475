// weft-chunk: the chunk server. Parses flags and runs the server (server/chunk/server.h).
#include <CLI/CLI.hpp>

#include "common/flags.h"
#include "common/log.h"
#include "common/signals.h"
#include "server/chunk/server.h"

int main(int argc, char** argv) {
  weft::BlockShutdownSignals();
  weft::chunk::ServerOptions opts;
  CLI::App app{"weft-chunk: the weft chunk server"};
  weft::chunk::AddServerFlags(app, &opts);
  if (int rc = weft::ParseFlags(app, argc, argv); rc >= 0) return rc;
  weft::InitLogging("weft-chunk", opts.log);
  return weft::chunk::RunServer(opts);
}
