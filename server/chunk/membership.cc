#include "server/chunk/membership.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <charconv>
#include <set>

#include <spdlog/spdlog.h>

#include "common/grpc_status.h"
#include "common/grpc_util.h"
#include "common/net.h"
#include "common/reconnecting_stub.h"
#include "weft/cluster.grpc.pb.h"

namespace weft::chunk {

struct Membership::Rpc {
  std::unique_ptr<ReconnectingStub<Cluster>> stub;  // a stuck channel is replaced (reconnecting_stub.h)
};

Membership::Membership(const MembershipOptions& options, const ClusterKey* key, ChainTableCache* chains,
                       std::function<Usage()> usage, std::function<void()> on_table)
    : options_(options), key_(key), chains_(chains), usage_(std::move(usage)), on_table_(std::move(on_table)),
      rpc_(std::make_unique<Rpc>()) {
  rpc_->stub = std::make_unique<ReconnectingStub<Cluster>>(options_.meta, options_.tls, 1000);
}

Membership::~Membership() { Stop(); }

Status Membership::LoadId() {
  auto content = ReadSmallFile(options_.id_file);
  if (!content.ok()) return Status::Ok();  // first start
  uint64_t id = 0;
  const std::string& s = *content;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc()) return Err(EINVAL, "server id file {} holds '{}', not a number", options_.id_file, s);
  id_ = id;
  chains_->set_self(id);
  spdlog::info("server id {} (from {})", id, options_.id_file);
  return Status::Ok();
}

void Membership::Start() { thread_ = std::thread([this] { Run(); }); }

void Membership::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Membership::RequestRefresh() {
  {
    std::lock_guard lock(mu_);
    refresh_ = true;
  }
  cv_.notify_all();
}

void Membership::Install(const ChainTable& table, bool force) {
  if (chains_->Update(table, force)) {
    spdlog::info("chain table v{} installed ({} chains)", table.version(), table.chains_size());
    on_table_();
  }
}

Status Membership::Register() {
  RegisterRequest req;
  req.set_server_id(id_);
  req.set_address(options_.address);
  req.set_control_address(options_.control_address);
  req.set_failure_domain(options_.failure_domain);
  for (const auto& d : options_.disks) req.add_disks(d);
  Usage u = usage_();
  req.set_capacity_bytes(u.capacity_bytes);
  req.set_used_bytes(u.used_bytes);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, std::chrono::milliseconds(options_.rpc_timeout_ms));
  key_->Attach(&ctx);
  RegisterResponse resp;
  grpc::Status gs = rpc_->stub->Get()->Register(&ctx, req, &resp);
  rpc_->stub->Report(gs);
  RETURN_IF_ERROR(FromGrpc(gs));
  if (resp.server_id() != id_) {
    if (id_ != 0) spdlog::warn("weft-meta assigned server id {} (this server had {})", resp.server_id(), id_.load());
    RETURN_IF_ERROR(WriteFileAtomic(options_.id_file, std::to_string(resp.server_id()) + "\n"));
    id_ = resp.server_id();
  }
  chains_->set_self(id_);
  interval_ms_ = resp.heartbeat_interval_ms() ? resp.heartbeat_interval_ms() : 1000;
  spdlog::info("registered with weft-meta at {} as server {} (heartbeat every {} ms)", options_.meta, id_.load(),
               interval_ms_);
  Install(resp.table(), /*force=*/true);
  return Status::Ok();
}

Status Membership::Beat() {
  HeartbeatRequest req;
  req.set_server_id(id_);
  Usage u = usage_();
  req.set_capacity_bytes(u.capacity_bytes);
  req.set_used_bytes(u.used_bytes);
  req.set_chunks(u.chunks);
  req.set_chain_table_version(chains_->version());
  for (auto& sync : u.syncs) *req.add_syncs() = std::move(sync);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, std::chrono::milliseconds(options_.rpc_timeout_ms));
  key_->Attach(&ctx);
  HeartbeatResponse resp;
  grpc::Status gs = rpc_->stub->Get()->Heartbeat(&ctx, req, &resp);
  rpc_->stub->Report(gs);
  RETURN_IF_ERROR(FromGrpc(gs));
  if (resp.reregister()) {
    spdlog::warn("weft-meta asks server {} to register again", id_.load());
    registered_ = false;
    return Status::Ok();
  }
  if (resp.has_table() && resp.table().version() > 0) Install(resp.table(), false);
  return Status::Ok();
}

Status Membership::FetchTable() {
  ChainTableRequest req;
  req.set_known_version(chains_->version());
  grpc::ClientContext ctx;
  PrepareContext(&ctx, std::chrono::milliseconds(options_.rpc_timeout_ms));
  key_->Attach(&ctx);
  ChainTable table;
  grpc::Status gs = rpc_->stub->Get()->GetChainTable(&ctx, req, &table);
  rpc_->stub->Report(gs);
  RETURN_IF_ERROR(FromGrpc(gs));
  if (table.chains_size() > 0 || table.servers_size() > 0) Install(table, false);
  return Status::Ok();
}

void Membership::Run() {
  int backoff_ms = 100;
  int failures = 0;
  auto next_beat = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (!registered_) {
      lock.unlock();
      Status s = Register();
      lock.lock();
      if (s.ok()) {
        registered_ = true;
        backoff_ms = 100;
        failures = 0;
        next_beat = std::chrono::steady_clock::now() + std::chrono::milliseconds(interval_ms_);
        continue;
      }
      if (failures++ % 20 == 0) {
        spdlog::warn("cannot register with weft-meta at {} (attempt {}): {}; retrying", options_.meta, failures,
                     s.ToString());
      }
      cv_.wait_for(lock, std::chrono::milliseconds(backoff_ms), [this] { return stop_; });
      backoff_ms = std::min(backoff_ms * 2, options_.max_backoff_ms);
      continue;
    }
    cv_.wait_until(lock, next_beat, [this] { return stop_ || refresh_; });
    if (stop_) break;
    bool refresh = std::exchange(refresh_, false);
    lock.unlock();
    if (refresh) {
      if (Status s = FetchTable(); !s.ok()) spdlog::debug("chain table refresh: {}", s.ToString());
    }
    if (std::chrono::steady_clock::now() >= next_beat) {
      if (Status s = Beat(); !s.ok()) spdlog::warn("heartbeat to weft-meta at {}: {}", options_.meta, s.ToString());
      next_beat = std::chrono::steady_clock::now() + std::chrono::milliseconds(interval_ms_);
    }
    lock.lock();
  }
}

Usage DiskUsage(const std::vector<std::string>& dirs) {
  Usage u;
  std::set<dev_t> seen;
  for (const auto& d : dirs) {
    struct stat st;
    struct statvfs vfs;
    if (stat(d.c_str(), &st) != 0 || statvfs(d.c_str(), &vfs) != 0) continue;
    if (!seen.insert(st.st_dev).second) continue;
    u.capacity_bytes += uint64_t{vfs.f_blocks} * vfs.f_frsize;
  }
  return u;
}

}  // namespace weft::chunk
