#include "server/meta/cluster/cluster_manager.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/grpc_status.h"
#include "common/grpc_util.h"
#include "server/meta/cluster/chain_builder.h"
#include "weft/cluster.grpc.pb.h"

namespace weft::meta {
namespace {

// The whole membership state is one small value: servers and chains change rarely (registration,
// failure), and one key makes every change atomic. Persistent format: see docs/meta-keys.md.
constexpr std::string_view kTableKey = "Ctable";

class ClusterManagerImpl;

// Synchronous like the Meta service (meta_service.h says why): a process with any callback service
// gets gRPC's callback pollers, which then share every connection's events with the sync threads.
class ClusterService final : public Cluster::Service {
 public:
  explicit ClusterService(ClusterManagerImpl* m) : m_(m) {}
  grpc::Status Register(grpc::ServerContext* ctx, const RegisterRequest* req, RegisterResponse* resp) override;
  grpc::Status Heartbeat(grpc::ServerContext* ctx, const HeartbeatRequest* req, HeartbeatResponse* resp) override;
  grpc::Status GetChainTable(grpc::ServerContext* ctx, const ChainTableRequest* req, ChainTable* resp) override;

 private:
  ClusterManagerImpl* const m_;
};

class ClusterManagerImpl final : public ClusterManager {
 public:
  ClusterManagerImpl(KvStore* kv, const ClusterOptions& o, const ClusterKey* key, const Tls* tls)
      : kv_(kv), opts_(o), key_(key), tls_(tls), service_(this) {}
  ~ClusterManagerImpl() override { Stop(); }

  Status Load() {
    auto v = kv_->Get(kTableKey);
    if (!v.ok()) return v.status();
    if (v->has_value() && !table_.ParseFromString(**v)) return Err(EIO, "corrupt cluster table record");
    int64_t now = MonoMs();
    for (const auto& s : table_.servers()) {
      // After a restart every known server gets a full timeout to heartbeat before it is declared down.
      if (s.state() != SERVER_DOWN) last_seen_[s.id()] = now;
    }
    spdlog::info("cluster: loaded table version {} ({} servers, {} chains)", table_.version(),
                 table_.servers_size(), table_.chains_size());
    detector_ = std::thread([this] { DetectorLoop(); });
    return Status::Ok();
  }

  grpc::Service* service() override { return &service_; }

  std::vector<uint32_t> PickStripe(uint32_t replication, uint32_t width) override {
    std::lock_guard lock(mu_);
    std::vector<uint32_t> eligible;
    for (const auto& c : table_.chains()) {
      if (c.replication() == replication && c.servers_size() > 0) eligible.push_back(c.id());
    }
    std::vector<uint32_t> out;
    if (eligible.empty() || width == 0) return out;
    size_t n = std::min<size_t>(width, eligible.size());
    for (size_t i = 0; i < n; ++i) out.push_back(eligible[(cursor_ + i) % eligible.size()]);
    cursor_ += n;
    return out;
  }

  ChainTable Snapshot() const override {
    std::lock_guard lock(mu_);
    return table_;
  }
  uint64_t version() const override {
    std::lock_guard lock(mu_);
    return table_.version();
  }

  Status RemoveChunks(const Layout& layout, uint64_t ino, uint32_t from_index) override {
    for (auto& [id, addr] : ServersOf(layout)) {
      Status s = RemoveOn(id, addr, ino, from_index);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  std::map<uint64_t, Status> RemoveInodes(const std::vector<std::pair<uint64_t, Layout>>& inodes) override {
    // Per server, the inodes whose chains it serves: one call per server (per kMaxInodesPerCall).
    std::map<uint64_t, std::pair<std::string, std::vector<uint64_t>>> per_server;
    for (const auto& [ino, layout] : inodes) {
      for (auto& [id, addr] : ServersOf(layout)) {
        auto& e = per_server[id];
        e.first = addr;
        e.second.push_back(ino);
      }
    }
    std::map<uint64_t, Status> failed;
    for (auto& [id, entry] : per_server) {
      const auto& [addr, inos] = entry;
      for (size_t at = 0; at < inos.size(); at += kMaxInodesPerCall) {
        std::vector<uint64_t> part(inos.begin() + static_cast<ptrdiff_t>(at),
                                   inos.begin() + static_cast<ptrdiff_t>(std::min(inos.size(), at + kMaxInodesPerCall)));
        grpc::ClientContext ctx;
        PrepareContext(&ctx, std::chrono::seconds(30));
        key_->Attach(&ctx);
        RemoveInodesRequest req;
        req.mutable_inos()->Add(part.begin(), part.end());
        RemoveInodesResponse resp;
        grpc::Status g = ChunkControl::NewStub(ChannelFor(id, addr))->RemoveInodes(&ctx, req, &resp);
        if (g.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
          // A weft-chunk older than RemoveInodes: one RemoveChunks call per inode.
          for (uint64_t ino : part) {
            if (Status s = RemoveOn(id, addr, ino, 0); !s.ok()) failed.emplace(ino, s);
          }
          continue;
        }
        Status s = FromGrpc(g);
        if (s.ok()) continue;
        s = s.Annotate(fmt::format("remove chunks of {} inodes on server {}", part.size(), id));
        for (uint64_t ino : part) failed.emplace(ino, s);
      }
    }
    return failed;
  }

  void FillStatus(ClusterStatusResponse* out) const override {
    std::lock_guard lock(mu_);
    *out->mutable_table() = table_;
    uint32_t up = 0, down = 0, degraded = 0;
    for (const auto& s : table_.servers()) {
      if (s.state() == SERVER_DOWN) ++down;
      else ++up;
    }
    uint64_t under = 0;
    for (const auto& c : table_.chains()) {
      if (static_cast<uint32_t>(c.servers_size()) >= c.replication()) continue;
      ++degraded;
      // Chunks still to copy into the chain, as far as its replica being filled has listed them.
      auto it = fills_.find(c.id());
      if (it != fills_.end()) {
        under += it->second.chunks_total() - std::min(it->second.chunks_done(), it->second.chunks_total());
      }
    }
    out->set_servers_up(up);
    out->set_servers_down(down);
    out->set_degraded_chains(degraded);
    out->set_under_replicated(under);
  }

  StatusOr<ServerResponse> GetServer(uint64_t id) const override {
    std::lock_guard lock(mu_);
    return ServerView(id);
  }

  StatusOr<ServerResponse> Drain(uint64_t id, bool drain) override {
    std::lock_guard lock(mu_);
    ChainTable next = table_;
    Status s = drain ? StartDrain(&next, id) : StopDrain(&next, id);
    if (!s.ok()) return s;
    const ServerInfo* before = FindServer(id);
    const ServerState was = before->state();
    PlanReplacements(&next, &blocked_);
    FinishDrains(&next);
    if (next.SerializeAsString() != table_.SerializeAsString()) {
      RETURN_IF_ERROR(Persist(std::move(next)));
      const ServerInfo* now = FindServer(id);
      if (now->state() != was) {
        spdlog::info("cluster: server {} is {} (was {})", id, ServerState_Name(now->state()), ServerState_Name(was));
      }
    }
    return ServerView(id);
  }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (detector_.joinable()) detector_.join();
  }

  // --- Cluster service bodies ---

  // Only chunk servers holding the cluster key register and heartbeat. The refusal is logged once per
  // peer and call kind (a misconfigured server retries every few seconds); never with what it sent.
  Status CheckServerCall(const grpc::ServerContext* ctx, std::string_view what) {
    Status s = key_->CheckCall(ctx, what);
    if (!s.ok()) {
      std::lock_guard lock(refused_mu_);
      if (refused_.insert(ctx->peer() + std::string(what)).second) {
        spdlog::warn("cluster: refused {} from {}: {}", what, ctx->peer(), s.message());
      }
    }
    return s;
  }

  Status Register(const RegisterRequest& req, RegisterResponse* resp) {
    if (req.address().empty() || req.control_address().empty()) {
      return Err(EINVAL, "register: address and control_address are required");
    }
    std::lock_guard lock(mu_);
    ChainTable next = table_;
    ServerInfo* s = nullptr;
    for (auto& e : *next.mutable_servers()) {
      if (req.server_id() != 0 && e.id() == req.server_id()) s = &e;
    }
    if (!s) {
      uint64_t id = req.server_id();
      if (id == 0) {
        for (const auto& e : next.servers()) id = std::max(id, e.id());
        ++id;
      }
      s = next.add_servers();
      s->set_id(id);
      spdlog::info("cluster: server {} at {} ({}) joins", id, req.address(), req.failure_domain());
    } else if (s->state() == SERVER_DOWN) {
      // A returning server keeps its id but not its old chain positions: its copies may be stale.
      spdlog::info("cluster: server {} at {} returns", s->id(), req.address());
    }
    s->set_address(req.address());
    s->set_control_address(req.control_address());
    s->set_failure_domain(req.failure_domain());
    s->mutable_disks()->CopyFrom(req.disks());
    s->set_capacity_bytes(req.capacity_bytes());
    s->set_used_bytes(req.used_bytes());
    if (s->state() == SERVER_UNKNOWN || s->state() == SERVER_DOWN) s->set_state(SERVER_UP);
    s->set_last_heartbeat_ms(NowUnixMs());
    uint64_t id = s->id();
    BuildChains(&next, opts_);
    PlanReplacements(&next, &blocked_);  // a new or returning server may heal chains that lost a member
    RETURN_IF_ERROR(Persist(std::move(next)));
    last_seen_[id] = MonoMs();
    resp->set_server_id(id);
    resp->set_heartbeat_interval_ms(opts_.heartbeat_interval_ms);
    *resp->mutable_table() = table_;
    return Status::Ok();
  }

  Status Heartbeat(const HeartbeatRequest& req, HeartbeatResponse* resp) {
    std::lock_guard lock(mu_);
    ServerInfo* s = FindServer(req.server_id());
    if (!s) {
      resp->set_reregister(true);
      return Status::Ok();
    }
    if (s->state() == SERVER_DOWN) {
      // Declared dead while it was unreachable (stopped, cut off): it must register again and is
      // treated as a returning server.
      resp->set_reregister(true);
      return Status::Ok();
    }
    last_seen_[s->id()] = MonoMs();
    // Volatile fields are not persisted on every beat; they ride along with the next persisted change.
    s->set_capacity_bytes(req.capacity_bytes());
    s->set_used_bytes(req.used_bytes());
    s->set_chunks(req.chunks());
    s->set_last_heartbeat_ms(NowUnixMs());
    if (req.syncs_size() > 0) OnFillReports(req);
    if (req.chain_table_version() != table_.version()) *resp->mutable_table() = table_;
    return Status::Ok();
  }

  // REQUIRES: mu_ held. Records fill progress; a replica that reports its chain complete becomes a
  // member (and a draining server may leave the chain); drains that finish are marked.
  void OnFillReports(const HeartbeatRequest& req) {
    ChainTable next = table_;
    bool changed = false;
    for (const ChainSync& fs : req.syncs()) {
      const ChainInfo* c = FindChain(fs.chain_id());
      if (!c || std::find(c->syncing().begin(), c->syncing().end(), req.server_id()) == c->syncing().end()) continue;
      fills_[fs.chain_id()] = fs;
      if (!fs.done()) continue;
      if (PromoteFilled(&next, req.server_id(), fs.chain_id(), fs.chain_version())) {
        spdlog::info("cluster: server {} holds chain {} in full ({} chunks copied): it is a member now",
                     req.server_id(), fs.chain_id(), fs.chunks_done());
        fills_.erase(fs.chain_id());
        changed = true;
      }
    }
    if (!changed) return;
    FinishDrains(&next);
    for (const auto& s : next.servers()) {
      const ServerInfo* was = FindServer(s.id());
      if (was && was->state() == SERVER_DRAINING && s.state() == SERVER_DRAINED) {
        spdlog::info("cluster: server {} is drained: it holds no chain", s.id());
      }
    }
    PlanReplacements(&next, &blocked_);
    if (Status s = Persist(std::move(next)); !s.ok()) spdlog::error("cluster: persist: {}", s.ToString());
  }

  // REQUIRES: mu_ held.
  StatusOr<ServerResponse> ServerView(uint64_t id) const {
    ServerResponse out;
    const ServerInfo* s = FindServer(id);
    if (!s) return Err(ENOENT, "no chunk server with id {}", id);
    *out.mutable_server() = *s;
    uint32_t left = 0;
    std::string blocked;
    for (const auto& c : table_.chains()) {
      bool member = std::find(c.servers().begin(), c.servers().end(), id) != c.servers().end();
      bool filling = std::find(c.syncing().begin(), c.syncing().end(), id) != c.syncing().end();
      if (!member && !filling) continue;
      out.add_chains(c.id());
      ++left;
      if (s->state() != SERVER_DRAINING || !member) continue;
      if (auto it = fills_.find(c.id()); it != fills_.end()) {
        out.set_drain_chunks_done(out.drain_chunks_done() + it->second.chunks_done());
        out.set_drain_chunks_total(out.drain_chunks_total() + it->second.chunks_total());
      }
      if (auto it = blocked_.find(c.id()); it != blocked_.end() && c.syncing_size() == 0 && blocked.empty()) {
        blocked = fmt::format("chain {}: {}", c.id(), it->second);
      }
    }
    if (s->state() == SERVER_DRAINING) {
      out.set_drain_chains_left(left);
      out.set_drain_blocked(blocked);
    }
    return out;
  }

  void GetTable(const ChainTableRequest& req, ChainTable* resp) {
    std::lock_guard lock(mu_);
    if (req.known_version() != table_.version()) *resp = table_;
    else resp->set_version(table_.version());
  }

 private:
  ServerInfo* FindServer(uint64_t id) {
    for (auto& s : *table_.mutable_servers()) {
      if (s.id() == id) return &s;
    }
    return nullptr;
  }
  const ServerInfo* FindServer(uint64_t id) const {
    for (const auto& s : table_.servers()) {
      if (s.id() == id) return &s;
    }
    return nullptr;
  }
  const ChainInfo* FindChain(uint32_t id) const {
    for (const auto& c : table_.chains()) {
      if (c.id() == id) return &c;
    }
    return nullptr;
  }

  // REQUIRES: mu_ held. Bumps the version, writes the table durably, then makes it current.
  Status Persist(ChainTable next) {
    next.set_version(table_.version() + 1);
    for (auto it = fills_.begin(); it != fills_.end();) {  // progress of fills that ended
      bool live = false;
      for (const auto& c : next.chains()) live = live || (c.id() == it->first && c.syncing_size() > 0);
      it = live ? std::next(it) : fills_.erase(it);
    }
    auto batch = kv_->NewBatch();
    batch->Put(kTableKey, next.SerializeAsString());
    RETURN_IF_ERROR(kv_->Commit(*batch, /*sync=*/true));
    table_ = std::move(next);
    return Status::Ok();
  }

  void DetectorLoop() {
    std::unique_lock lock(mu_);
    uint32_t tick = std::clamp<uint32_t>(opts_.server_timeout_ms / 10, 50, 1000);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::milliseconds(tick));
      if (stopping_) break;
      int64_t now = MonoMs();
      std::vector<uint64_t> dead;
      for (const auto& s : table_.servers()) {
        if (s.state() == SERVER_DOWN) continue;
        auto it = last_seen_.find(s.id());
        if (it == last_seen_.end() || now - it->second > static_cast<int64_t>(opts_.server_timeout_ms)) {
          dead.push_back(s.id());
        }
      }
      if (dead.empty()) continue;
      ChainTable next = table_;
      for (uint64_t id : dead) {
        spdlog::warn("cluster: server {} missed its heartbeat deadline ({} ms): leaving its chains", id,
                     opts_.server_timeout_ms);
        RemoveFromChains(&next, id);
        last_seen_.erase(id);
      }
      BuildChains(&next, opts_);
      PlanReplacements(&next, &blocked_);
      if (Status s = Persist(std::move(next)); !s.ok()) spdlog::error("cluster: persist: {}", s.ToString());
    }
  }

  static constexpr size_t kMaxInodesPerCall = 1024;  // the chunk server takes up to 4096

  // The live servers (id, control address) holding copies of the layout's chains: their members and
  // the replicas being filled.
  std::vector<std::pair<uint64_t, std::string>> ServersOf(const Layout& layout) const {
    std::vector<std::pair<uint64_t, std::string>> targets;
    std::lock_guard lock(mu_);
    std::set<uint64_t> ids;
    for (uint32_t chain_id : layout.chains()) {
      for (const auto& c : table_.chains()) {
        if (c.id() != chain_id) continue;
        ids.insert(c.servers().begin(), c.servers().end());
        ids.insert(c.syncing().begin(), c.syncing().end());  // replicas being filled hold copies too
      }
    }
    for (const auto& s : table_.servers()) {
      if (ids.count(s.id()) && s.state() != SERVER_DOWN) targets.emplace_back(s.id(), s.control_address());
    }
    return targets;
  }

  // ChunkControl.RemoveChunks of one inode's chunks from from_index on one server.
  Status RemoveOn(uint64_t id, const std::string& addr, uint64_t ino, uint32_t from_index) {
    grpc::ClientContext ctx;
    PrepareContext(&ctx, std::chrono::seconds(10));
    key_->Attach(&ctx);
    RemoveChunksRequest req;
    req.set_ino(ino);
    req.set_from_index(from_index);
    RemoveChunksResponse resp;
    Status s = FromGrpc(ChunkControl::NewStub(ChannelFor(id, addr))->RemoveChunks(&ctx, req, &resp));
    if (!s.ok()) return s.Annotate(fmt::format("remove chunks of inode {} on server {}", ino, id));
    return Status::Ok();
  }

  std::shared_ptr<grpc::Channel> ChannelFor(uint64_t id, const std::string& addr) {
    std::lock_guard lock(channels_mu_);
    auto& e = channels_[id];
    if (!e.second || e.first != addr) e = {addr, MakeChannel(addr, tls_)};
    return e.second;
  }

  KvStore* const kv_;
  const ClusterOptions opts_;
  const ClusterKey* const key_;
  const Tls* const tls_;
  ClusterService service_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  ChainTable table_;                      // GUARDED_BY(mu_)
  std::map<uint64_t, int64_t> last_seen_;  // GUARDED_BY(mu_): monotonic ms of the last beat
  size_t cursor_ = 0;                     // GUARDED_BY(mu_)
  std::map<uint32_t, ChainSync> fills_;   // GUARDED_BY(mu_): progress of the replicas being filled, by chain
  std::map<uint32_t, std::string> blocked_;  // GUARDED_BY(mu_): chains needing a replica that none can take
  bool stopping_ = false;                 // GUARDED_BY(mu_)
  std::thread detector_;

  std::mutex refused_mu_;  // never held with mu_
  std::set<std::string> refused_;  // GUARDED_BY(refused_mu_): peers already logged as refused

  std::mutex channels_mu_;  // never held with mu_
  std::map<uint64_t, std::pair<std::string, std::shared_ptr<grpc::Channel>>> channels_;
};

grpc::Status ClusterService::Register(grpc::ServerContext* ctx, const RegisterRequest* req, RegisterResponse* resp) {
  if (Status s = m_->CheckServerCall(ctx, "Cluster.Register"); !s.ok()) return ToGrpc(s);
  return ToGrpc(m_->Register(*req, resp));
}
grpc::Status ClusterService::Heartbeat(grpc::ServerContext* ctx, const HeartbeatRequest* req,
                                       HeartbeatResponse* resp) {
  if (Status s = m_->CheckServerCall(ctx, "Cluster.Heartbeat"); !s.ok()) return ToGrpc(s);
  return ToGrpc(m_->Heartbeat(*req, resp));
}
// Not authenticated by the cluster key: clients (client/chain_map.cc) call it as well as chunk servers.
// Client calls are the bearer-token interceptor's to authenticate (tenant tokens).
grpc::Status ClusterService::GetChainTable(grpc::ServerContext*, const ChainTableRequest* req, ChainTable* resp) {
  m_->GetTable(*req, resp);
  return grpc::Status::OK;
}

}  // namespace

StatusOr<std::unique_ptr<ClusterManager>> ClusterManager::Open(KvStore* kv, const ClusterOptions& options,
                                                               const ClusterKey* key, const Tls* tls) {
  auto m = std::make_unique<ClusterManagerImpl>(kv, options, key, tls);
  RETURN_IF_ERROR(m->Load());
  return std::unique_ptr<ClusterManager>(std::move(m));
}

}  // namespace weft::meta
