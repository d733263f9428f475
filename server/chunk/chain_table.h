// The chunk server's copy of the cluster's chain table (proto ChainTable, served by weft-meta), and this
// server's place in each chain.
//
// Thread-safety: thread-safe. The membership thread installs tables; the loop looks chains up.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "weft/common.pb.h"

namespace weft::chunk {

struct ChainView {
  uint32_t id = 0;
  uint64_t version = 0;
  // The write path: ChainInfo.servers (head first), then ChainInfo.syncing (replicas being filled).
  std::vector<uint64_t> servers;
  std::vector<std::string> addresses;  // data-plane host:port of each server ("" when unknown)
  size_t readable = 0;                 // servers[0, readable) serve reads; the rest are being filled
  uint32_t replication = 0;            // the chain's target length
  int position = -1;                   // this server's index in servers, -1 when not a member

  bool member() const { return position >= 0; }
  // The end of the write path: it commits updates.
  bool is_tail() const { return member() && position + 1 == static_cast<int>(servers.size()); }
  // The last member that serves reads: it answers reads of dirty copies (its copy is the newest readable).
  bool is_read_tail() const { return member() && position + 1 == static_cast<int>(readable); }
  // Being filled: holds some of the chain's chunks only; serves no reads but peer copies.
  bool syncing() const { return member() && position >= static_cast<int>(readable); }
};

class ChainTableCache {
 public:
  // Installs table when its version is newer than the one held (or always, with force: a registration
  // answer is authoritative even if weft-meta lost its state); true when it did.
  bool Update(const ChainTable& table, bool force = false);
  uint64_t version() const;
  // The chain, seen from this server (self id set by set_self), or nullopt when the table lacks it.
  std::optional<ChainView> Find(uint32_t chain_id) const;
  // Every chain of the table, seen from this server.
  std::vector<ChainView> All() const;

  void set_self(uint64_t id) { self_ = id; }
  uint64_t self() const { return self_; }

 private:
  struct Snapshot {
    uint64_t version = 0;
    std::unordered_map<uint32_t, ChainView> chains;  // positions unset
  };
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> snap_ = std::make_shared<Snapshot>();  // guarded by mu_
  std::atomic<uint64_t> self_{0};
};

}  // namespace weft::chunk
