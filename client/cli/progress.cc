#include "client/cli/progress.h"

#include <ostream>
#include <thread>

namespace weft::cli {
namespace {

using Clock = std::chrono::steady_clock;

unsigned PercentOf(uint64_t done, uint64_t total) {
  if (total == 0) return 0;
  return static_cast<unsigned>(std::min<unsigned __int128>(100, static_cast<unsigned __int128>(done) * 100 / total));
}

std::string Counts(uint64_t done, uint64_t total, std::string_view unit) {
  if (total == 0) return fmt::format("{} {}", done, unit);
  return fmt::format("{}/{} {}", done, total, unit);
}

class Bar final : public Progress {
 public:
  Bar(std::ostream& err, std::string what) : err_(err), what_(std::move(what)) {}
  void Update(uint64_t done, uint64_t total, std::string_view unit) override {
    constexpr int kWidth = 30;
    unsigned pct = PercentOf(done, total);
    int filled = total ? static_cast<int>(pct) * kWidth / 100 : 0;
    std::string line = fmt::format("{} [{}{}] {:3}% {}", what_, std::string(static_cast<size_t>(filled), '#'),
                                   std::string(static_cast<size_t>(kWidth - filled), '.'), pct,
                                   Counts(done, total, unit));
    // \r and clear-to-end-of-line redraw in place.
    err_ << "\r" << line << "\x1b[K" << std::flush;
    drawn_ = true;
  }
  void Finish(std::string_view message) override {
    if (drawn_) err_ << "\r\x1b[K";
    err_ << message << "\n" << std::flush;
  }

 private:
  std::ostream& err_;
  const std::string what_;
  bool drawn_ = false;
};

class Lines final : public Progress {
 public:
  Lines(std::ostream& err, std::string what) : err_(err), what_(std::move(what)) {}
  void Update(uint64_t done, uint64_t total, std::string_view unit) override {
    unsigned bucket = PercentOf(done, total) / 10;
    Clock::time_point now = Clock::now();
    bool first = !printed_;
    bool step = total != 0 && bucket != last_bucket_;
    bool moved = done != last_done_ && now - last_print_ >= std::chrono::seconds(10);
    if (!first && !step && !moved) return;
    if (total != 0) {
      err_ << fmt::format("{}: {} ({}%)\n", what_, Counts(done, total, unit), PercentOf(done, total));
    } else {
      err_ << fmt::format("{}: {}\n", what_, Counts(done, total, unit));
    }
    err_.flush();
    printed_ = true;
    last_bucket_ = bucket;
    last_done_ = done;
    last_print_ = now;
  }
  void Finish(std::string_view message) override { err_ << message << "\n" << std::flush; }

 private:
  std::ostream& err_;
  const std::string what_;
  bool printed_ = false;
  unsigned last_bucket_ = 0;
  uint64_t last_done_ = 0;
  Clock::time_point last_print_;
};

}  // namespace

std::unique_ptr<Progress> Progress::Make(std::ostream& err, bool terminal, std::string what) {
  if (terminal) return std::make_unique<Bar>(err, std::move(what));
  return std::make_unique<Lines>(err, std::move(what));
}

Status WaitFor(const std::function<StatusOr<Step>()>& poll, Progress& progress, const WaitOptions& opts) {
  auto sleep = opts.sleep ? opts.sleep : [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  std::chrono::milliseconds waited{0};
  for (;;) {
    auto step = poll();
    if (!step.ok()) return step.status();
    progress.Update(step->done, step->total, step->unit);
    if (step->finished) return Status::Ok();
    if (opts.timeout.count() > 0 && waited >= opts.timeout) {
      return Err(ETIMEDOUT, "still running after {}s (it goes on in the background)", opts.timeout.count() / 1000);
    }
    sleep(opts.interval);
    waited += opts.interval;
  }
}

}  // namespace weft::cli
