// weft-chunk: the chunk server. Parses flags and runs the server (server/chunk/server.h).
#include <cstdio>

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
  if (weft::Status s = weft::chunk::FitMemoryBudget(&opts); !s.ok()) {
    fprintf(stderr, "weft-chunk: --memory-budget-mb: %s\n", s.ToString().c_str());
    return 2;
  }
  weft::InitLogging("weft-chunk", opts.log);
  return weft::chunk::RunServer(opts);
}
