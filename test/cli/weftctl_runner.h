// Runs the real build/bin/weftctl as a subprocess for integration tests: stdout and stderr captured
// apart, the exit code, and how long it took. stdin is /dev/null (so weftctl never sees a terminal),
// HOME points nowhere and WEFT_META / WEFT_TOKEN / XDG_CONFIG_HOME are unset unless the test sets them,
// so the developer's own config never leaks in. A weftctl that hangs is killed after kill_after_ms
// (code -1), so a hang fails the test instead of stalling it.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace weft::cli::test {

struct CtlResult {
  int code = -1;  // exit code; -1 = killed after the time limit or died by a signal
  std::string out;
  std::string err;
  double seconds = 0;
  std::string Describe() const;  // for INFO: "exit 3 after 0.05s\nstdout:...\nstderr:..."
};

struct CtlOptions {
  std::map<std::string, std::string> env;  // set in the child
  std::string cwd = "/";                   // working directory of the child
  std::string input;                       // fed to stdin (then closed); "" = stdin is /dev/null
  int kill_after_ms = 30000;
};

// weftctl args...
CtlResult RunCtl(const std::vector<std::string>& args, const CtlOptions& opts = {});
// Any program (argv[0] a path), with the same environment rules.
CtlResult RunProgram(const std::vector<std::string>& argv, const CtlOptions& opts = {});
std::string WeftctlPath();

// A free loopback port with nothing listening on it (bound, then closed).
int ClosedPort();

}  // namespace weft::cli::test
