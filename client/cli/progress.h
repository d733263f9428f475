// Progress of a long operation (server drain, volume purge) on stderr: on a terminal a bar redrawn in
// place, otherwise plain lines a log can keep — one per 10% step, and at least one every 10 seconds
// while it moves. WaitFor polls an operation until it is finished and feeds its progress.
//
// Thread-safety: one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace weft::cli {

class Progress {
 public:
  virtual ~Progress() = default;
  // A bar when terminal, else lines. `what` names the operation ("drain server 3").
  static std::unique_ptr<Progress> Make(std::ostream& err, bool terminal, std::string what);
  // done of total units (e.g. "chunks"); total may be 0 when unknown.
  virtual void Update(uint64_t done, uint64_t total, std::string_view unit) = 0;
  // Ends the display with a final line.
  virtual void Finish(std::string_view message) = 0;
};

// One observation of a long operation.
struct Step {
  uint64_t done = 0;
  uint64_t total = 0;
  std::string unit;       // "chunks", "inodes"
  bool finished = false;
};

struct WaitOptions {
  std::chrono::milliseconds interval{1000};  // between polls; default 1 s
  std::chrono::milliseconds timeout{0};      // give up (ETIMEDOUT) after this long; 0 = never
  // Sleeps between polls; tests replace it.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// Polls until a step is finished (OK) or poll fails (its status), updating progress after each poll.
Status WaitFor(const std::function<StatusOr<Step>()>& poll, Progress& progress, const WaitOptions& opts);

}  // namespace weft::cli
