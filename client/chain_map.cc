#include "client/chain_map.h"

#include <spdlog/spdlog.h>

namespace weft::client {

ChainMap::ChainMap(MetaClient* meta) : meta_(meta) {
  refresher_ = std::thread([this] { Loop(); });
}

ChainMap::~ChainMap() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  refresher_.join();
}

Status ChainMap::RefreshNow() {
  ChainTableRequest req;
  ChainTableResponse resp;
  RETURN_IF_ERROR(meta_->Call(&Meta::Stub::GetChainTable, req, &resp));
  Apply(resp.table());
  return Status::Ok();
}

void ChainMap::Apply(const ChainTable& t) {
  std::unordered_map<uint64_t, std::string> addr;
  for (const auto& s : t.servers()) addr[s.id()] = s.address();
  std::unordered_map<uint32_t, ChainView> chains;
  for (const auto& c : t.chains()) {
    ChainView v;
    v.id = c.id();
    v.version = c.version();
    for (uint64_t id : c.servers()) {
      auto it = addr.find(id);
      if (it != addr.end()) v.servers.push_back(it->second);
    }
    chains.emplace(c.id(), std::move(v));
  }
  std::lock_guard lock(mu_);
  if (t.version() < version_) return;  // an older answer overtaken by a newer one
  version_ = t.version();
  chains_ = std::move(chains);
  ++generation_;
}

void ChainMap::RequestRefresh() {
  {
    std::lock_guard lock(mu_);
    want_refresh_ = true;
  }
  cv_.notify_all();
}

void ChainMap::NoteVersion(uint64_t table_version) {
  bool newer;
  {
    std::lock_guard lock(mu_);
    newer = table_version > version_;
  }
  if (newer) RequestRefresh();
}

std::optional<ChainView> ChainMap::Get(uint32_t chain_id) const {
  std::lock_guard lock(mu_);
  auto it = chains_.find(chain_id);
  if (it == chains_.end()) return std::nullopt;
  return it->second;
}

uint64_t ChainMap::table_version() const {
  std::lock_guard lock(mu_);
  return version_;
}

uint64_t ChainMap::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

void ChainMap::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait(lock, [&] { return stop_ || want_refresh_; });
    if (stop_) break;
    want_refresh_ = false;
    lock.unlock();
    Status s = RefreshNow();
    if (!s.ok()) spdlog::warn("chain table refresh failed: {}", s.ToString());
    lock.lock();
  }
}

}  // namespace weft::client
