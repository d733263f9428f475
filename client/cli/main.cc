// weftctl: the weft admin CLI. See docs/weftctl.md.
#include <unistd.h>

#include <iostream>

#include "client/cli/app.h"

int main(int argc, char** argv) {
  weft::cli::Io io{std::cout, std::cerr, std::cin, isatty(STDIN_FILENO) == 1, isatty(STDERR_FILENO) == 1};
  return weft::cli::RunWeftctl(argc, argv, io, weft::cli::ProcessEnv());
}
