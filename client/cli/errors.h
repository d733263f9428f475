// weftctl's exit codes, and the one function that turns a failed Status into the line printed on
// stderr and the exit code. The codes are part of weftctl's interface: scripts branch on them.
//
//   0  ok
//   1  anything else (internal error, I/O error, cancelled at the prompt)
//   2  usage: bad flags, arguments or sizes, or a command this cluster does not support yet
//   3  not found: no such tenant, volume, class or server
//   4  permission: missing or wrong token
//   5  refused by the cluster's state: over quota, below usage, already exists, not empty, busy
//   6  cluster unavailable: weft-meta cannot be reached or did not answer in time
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "common/status.h"

namespace weft::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,
  kExitUsage = 2,
  kExitNotFound = 3,
  kExitPermission = 4,
  kExitConflict = 5,
  kExitUnavailable = 6,
};

// The object a command works on ("volume", "x"), so a message can name it and say what to do.
struct Subject {
  std::string kind;  // "tenant", "volume", "class", "server"; "" = none
  std::string name;
};

// What the failing invocation was; every field may be empty.
struct ErrorContext {
  std::string command;      // "volume resize"
  Subject subject;
  std::string meta;         // the weft-meta address used
  std::string meta_source;  // where that address came from: "--meta", "WEFT_META", ...
  std::string timeout;      // the per-call deadline, for the message ("5s")
  bool tls = false;         // weftctl spoke TLS (--tls-ca)
};

struct Explained {
  int exit_code = kExitOk;
  std::string message;  // one line, starting "weftctl: ", without a newline
};

// The exit code for an errno (the table above).
int ExitCodeFor(int err);
// REQUIRES: !s.ok(). What went wrong and what to do about it, and the exit code.
Explained Explain(const Status& s, const ErrorContext& ctx);

}  // namespace weft::cli
