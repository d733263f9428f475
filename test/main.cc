// The Catch2 main of every weft test binary: a listener that records a failed assertion (so the cluster
// fixture prints logs), and interrupt handlers that kill started processes and detach mounts.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <signal.h>

#include "test/fixture/cluster.h"

namespace {
struct FailureListener : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(const Catch::TestCaseInfo&) override { weft::test::SetCurrentTestFailed(false); }
  bool assertionEnded(const Catch::AssertionStats& stats) override {
    if (!stats.assertionResult.isOk()) weft::test::SetCurrentTestFailed(true);
    return true;
  }
};
}  // namespace
CATCH_REGISTER_LISTENER(FailureListener)

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  weft::test::InstallInterruptCleanup();
  return Catch::Session().run(argc, argv);
}
