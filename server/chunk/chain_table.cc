#include "server/chunk/chain_table.h"

#include <algorithm>

namespace weft::chunk {

bool ChainTableCache::Update(const ChainTable& table, bool force) {
  auto next = std::make_shared<Snapshot>();
  next->version = table.version();
  std::unordered_map<uint64_t, std::string> addr;
  for (const auto& s : table.servers()) addr[s.id()] = s.address();
  for (const auto& c : table.chains()) {
    ChainView v;
    v.id = c.id();
    v.version = c.version();
    v.replication = c.replication();
    for (uint64_t id : c.servers()) v.servers.push_back(id);
    v.readable = v.servers.size();
    for (uint64_t id : c.syncing()) v.servers.push_back(id);
    for (uint64_t id : v.servers) {
      auto it = addr.find(id);
      v.addresses.push_back(it == addr.end() ? "" : it->second);
    }
    next->chains[v.id] = std::move(v);
  }
  std::lock_guard lock(mu_);
  if (!force && snap_->version >= next->version) return false;
  snap_ = std::move(next);
  return true;
}

uint64_t ChainTableCache::version() const {
  std::lock_guard lock(mu_);
  return snap_->version;
}

std::vector<ChainView> ChainTableCache::All() const {
  std::shared_ptr<const Snapshot> snap;
  {
    std::lock_guard lock(mu_);
    snap = snap_;
  }
  std::vector<ChainView> out;
  out.reserve(snap->chains.size());
  for (const auto& [id, c] : snap->chains) {
    ChainView v = c;
    auto pos = std::find(v.servers.begin(), v.servers.end(), self_.load());
    v.position = pos == v.servers.end() ? -1 : static_cast<int>(pos - v.servers.begin());
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<ChainView> ChainTableCache::Find(uint32_t chain_id) const {
  std::shared_ptr<const Snapshot> snap;
  {
    std::lock_guard lock(mu_);
    snap = snap_;
  }
  auto it = snap->chains.find(chain_id);
  if (it == snap->chains.end()) return std::nullopt;
  ChainView v = it->second;
  auto pos = std::find(v.servers.begin(), v.servers.end(), self_.load());
  v.position = pos == v.servers.end() ? -1 : static_cast<int>(pos - v.servers.begin());
  return v;
}

}  // namespace weft::chunk
