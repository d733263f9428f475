#include "client/cli/progress.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "client/cli/confirm.h"

namespace weft::cli {
namespace {

int CountLines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

TEST_CASE("progress on a terminal redraws one bar in place", "[cli][progress]") {
  std::ostringstream err;
  auto p = Progress::Make(err, true, "drain server 3");
  p->Update(0, 200, "chunks");
  p->Update(100, 200, "chunks");
  p->Update(200, 200, "chunks");
  p->Finish("server 3 drained");
  std::string s = err.str();
  CHECK(CountLines(s) == 1);  // only the final line ends in a newline
  CHECK_THAT(s, Catch::Contains("\r") && Catch::Contains(" 50% 100/200 chunks") &&
                    Catch::Contains("[##############################] 100%") && Catch::EndsWith("server 3 drained\n"));
}

TEST_CASE("progress without a terminal prints a line per 10% step", "[cli][progress]") {
  std::ostringstream err;
  auto p = Progress::Make(err, false, "drain server 3");
  for (uint64_t done = 0; done <= 1000; done += 5) p->Update(done, 1000, "chunks");
  p->Finish("server 3 drained");
  std::string s = err.str();
  CHECK(s.find('\r') == std::string::npos);
  CHECK(s.find('\x1b') == std::string::npos);
  CHECK(CountLines(s) == 12);  // 0%, 10%, ..., 100%, and the final line
  CHECK_THAT(s, Catch::StartsWith("drain server 3: 0/1000 chunks (0%)\n") &&
                    Catch::Contains("drain server 3: 500/1000 chunks (50%)\n") &&
                    Catch::Contains("drain server 3: 1000/1000 chunks (100%)\n"));
}

TEST_CASE("progress lines with an unknown total print the first count", "[cli][progress]") {
  std::ostringstream err;
  auto p = Progress::Make(err, false, "purge");
  p->Update(3, 0, "inodes");
  p->Update(4, 0, "inodes");  // within 10 s of the last line: quiet
  CHECK(err.str() == "purge: 3 inodes\n");
}

TEST_CASE("WaitFor polls until finished and sleeps between polls", "[cli][progress]") {
  std::ostringstream err;
  auto p = Progress::Make(err, false, "op");
  int polls = 0, sleeps = 0;
  Status s = WaitFor(
      [&]() -> StatusOr<Step> {
        ++polls;
        return Step{static_cast<uint64_t>(polls), 4, "things", polls == 4};
      },
      *p, {.interval = std::chrono::milliseconds(10), .sleep = [&](std::chrono::milliseconds) { ++sleeps; }});
  CHECK(s.ok());
  CHECK(polls == 4);
  CHECK(sleeps == 3);
}

TEST_CASE("WaitFor stops at the first failed poll and returns its status", "[cli][progress]") {
  std::ostringstream err;
  auto p = Progress::Make(err, false, "op");
  int polls = 0;
  Status s = WaitFor(
      [&]() -> StatusOr<Step> {
        if (++polls == 2) return Err(ECANCELED, "stopped");
        return Step{0, 1, "x", false};
      },
      *p, {.sleep = [](std::chrono::milliseconds) {}});
  CHECK(s.err() == ECANCELED);
  CHECK(polls == 2);
}

TEST_CASE("WaitFor gives up after its timeout", "[cli][progress]") {
  std::ostringstream err;
  auto p = Progress::Make(err, false, "op");
  Status s = WaitFor([]() -> StatusOr<Step> { return Step{0, 1, "x", false}; }, *p,
                     {.interval = std::chrono::milliseconds(1000),
                      .timeout = std::chrono::milliseconds(3000),
                      .sleep = [](std::chrono::milliseconds) {}});
  CHECK(s.err() == ETIMEDOUT);
}

TEST_CASE("Confirm says yes without asking when --yes was given", "[cli][confirm]") {
  std::istringstream in("");
  std::ostringstream err;
  auto r = Confirm("Delete?", "delete volume 'x'", true, false, in, err);
  REQUIRE(r.ok());
  CHECK(*r);
  CHECK(err.str().empty());
}

TEST_CASE("Confirm refuses without a terminal and without --yes", "[cli][confirm]") {
  std::istringstream in("y\n");
  std::ostringstream err;
  auto r = Confirm("Delete?", "delete volume 'x'", false, false, in, err);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().err() == EINVAL);
  CHECK_THAT(r.status().message(), Catch::Contains("refusing to delete volume 'x' without --yes"));
}

TEST_CASE("Confirm on a terminal asks and accepts only y or yes", "[cli][confirm]") {
  auto ask = [](const std::string& answer) {
    std::istringstream in(answer);
    std::ostringstream err;
    auto r = Confirm("Delete volume 'x'?", "delete volume 'x'", false, true, in, err);
    REQUIRE(r.ok());
    CHECK(err.str() == "Delete volume 'x'? [y/N] ");
    return *r;
  };
  CHECK(ask("y\n"));
  CHECK(ask("YES\n"));
  CHECK(ask(" yes \n"));
  CHECK_FALSE(ask("\n"));
  CHECK_FALSE(ask("n\n"));
  CHECK_FALSE(ask("yep\n"));
}

TEST_CASE("Confirm treats end of input as no", "[cli][confirm]") {
  std::istringstream in("");
  std::ostringstream err;
  auto r = Confirm("Delete?", "delete", false, true, in, err);
  REQUIRE(r.ok());
  CHECK_FALSE(*r);
}

}  // namespace
}  // namespace weft::cli
