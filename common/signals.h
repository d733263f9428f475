// Graceful shutdown for servers: block SIGINT/SIGTERM in every thread (call first in main, before any
// thread starts), then wait for one of them on the main thread.
#pragma once

namespace weft {

void BlockShutdownSignals();
// Returns the signal number received (SIGINT or SIGTERM).
int WaitForShutdownSignal();

}  // namespace weft
