// The client's cache of the chain table: chain id -> (version, server data addresses, head first).
// Refreshed from weft-meta by a background thread when asked (a stale-chain reply, a dead server) or
// when a keepalive reports a newer version; data-plane coroutines never block on a metadata RPC.
//
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "client/meta_client.h"
#include "weft/common.pb.h"

namespace weft::client {

struct ChainView {
  uint32_t id = 0;
  uint64_t version = 0;
  std::vector<std::string> servers;  // data addresses, head first
};

class ChainMap {
 public:
  explicit ChainMap(MetaClient* meta);
  ~ChainMap();  // stops the refresher

  // Fetches the table now (mount time). Blocking.
  Status RefreshNow();
  // Asks for a refresh when the cached table is not newer than seen_table_version. Non-blocking.
  void RequestRefresh();
  // Called with the table version a keepalive reported.
  void NoteVersion(uint64_t table_version);

  std::optional<ChainView> Get(uint32_t chain_id) const;
  uint64_t table_version() const;
  // Bumped on every applied refresh: waiters compare before/after.
  uint64_t generation() const;

 private:
  void Apply(const ChainTable& t);
  void Loop();

  MetaClient* const meta_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t version_ = 0;       // GUARDED_BY(mu_)
  uint64_t generation_ = 0;    // GUARDED_BY(mu_)
  bool want_refresh_ = false;  // GUARDED_BY(mu_)
  bool stop_ = false;          // GUARDED_BY(mu_)
  std::unordered_map<uint32_t, ChainView> chains_;  // GUARDED_BY(mu_)
  std::thread refresher_;
};

}  // namespace weft::client
