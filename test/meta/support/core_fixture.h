// The op-level test fixture: a MetaCore (sequencer, ops, sessions, GC — no gRPC, no chunk servers)
// over a fresh KV engine, with tenant "t" and volume "v" (shared) mounted by client `c` as root.
// Engines: MemEngine (in memory) and RocksEngine (RocksDB in a temporary directory); unit tests run
// as TEMPLATE_TEST_CASE over both. Declare the engine before the fixture so it outlives it.
//
// Thread-safety: one test thread (clients may be copied to other threads).
#pragma once

#include <memory>
#include <string>

#include "server/meta/core.h"
#include "server/meta/kv.h"
#include "test/meta/support/client.h"

namespace weft::meta::test {

struct MemEngine {
  std::unique_ptr<KvStore> Open() { return NewMemKv(); }
};

struct RocksEngine {
  RocksEngine();
  ~RocksEngine();
  std::unique_ptr<KvStore> Open();
  std::string dir;
};

// Options for tests: long session TTL (no expiry unless a test wants it), quick GC.
MetaOptions TestOptions();
// TestOptions with directory leases of lease_ms.
MetaOptions LeaseOptions(uint32_t lease_ms);

class CoreFixture {
 public:
  explicit CoreFixture(std::unique_ptr<KvStore> kv, MetaOptions options = TestOptions());
  ~CoreFixture();

  KvStore& kv() { return *kv_; }
  MetaCore& core() { return *core_; }
  Transport& transport() { return *transport_; }
  // A client without a session, sharing the transport.
  TestClient NewClient() { return TestClient(transport_.get()); }
  // Runs the offline checker: "" when consistent, else every violation on its own line.
  std::string Check();
  // Waits until the GC queue is empty and no volume is being purged. False after timeout_ms.
  bool DrainGc(int timeout_ms = 10000);
  uint64_t GcPending();

  TestClient c;

 private:
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<MetaCore> core_;
  std::unique_ptr<Transport> transport_;
};

// Mkdir by c asking for a directory lease (unless want is false); the reply.
AttrResponse MkdirLeased(TestClient& c, uint64_t parent, const std::string& name, bool want = true,
                         uint32_t mode = 0755);

}  // namespace weft::meta::test
