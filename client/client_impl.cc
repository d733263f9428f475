#include "client/client_impl.h"

#include <algorithm>

#include <sys/stat.h>

#include <fcntl.h>

#include <unistd.h>

#include <spdlog/spdlog.h>

namespace weft {

Caller RootCaller() {
  Caller c;
  c.set_uid(0);
  c.set_gid(0);
  return c;
}

StatusOr<std::unique_ptr<Client>> Client::Connect(const ClientOptions& options) {
  if (options.meta_address.empty()) return Err(EINVAL, "no metadata service address given");
  if (options.volume.empty()) return Err(EINVAL, "no volume given");
  auto tls = Tls::Load(TlsFiles{.ca_file = options.tls_ca_file}, /*server=*/false);
  if (!tls.ok()) return tls.status();
  auto c = std::make_unique<client::ClientImpl>(options, std::move(*tls));
  RETURN_IF_ERROR(c->Mount());
  return std::unique_ptr<Client>(std::move(c));
}

namespace client {

ClientImpl::ClientImpl(const ClientOptions& o, TlsPtr tls)
    : opts_(o),
      tls_(std::move(tls)),
      meta_(o.meta_address, tls_.get(), o.token, o.rpc_timeout_ms, o.retry_window_ms),
      chains_(&meta_),
      runtime_(o.io_threads, 2, tls_.get()),
      io_(&runtime_, &chains_,
          ChunkIoOptions{.request_timeout_ms = o.data_timeout_ms, .retry_window_ms = o.retry_window_ms,
                         .blocking_reads = o.blocking_reads && tls_ == nullptr}),
      pool_(o.write_buffer_bytes, 16),
      ra_pool_(std::make_shared<BufferPool>(o.readahead_total_bytes,
                                            std::max<size_t>(4, static_cast<size_t>(o.readahead_total_bytes >> 20)))),
      cache_(o.attr_cache_ms),
      hints_(o.dir_hint_ms),
      leased_(o.dir_leases) {}

ClientImpl::~ClientImpl() {
  StopRecalls();
  if (deferred_) {
    deferred_->Flush();  // the creates answered here reach weft-meta while the session lives
    spdlog::info("deferred creates: {} answered here, {} refused by weft-meta after the answer",
                 deferred_->answered(), deferred_->failed());
    spdlog::info("deferred unlinks: {} answered here, {} refused by weft-meta after the answer",
                 deferred_->unlinks_answered(), deferred_->unlinks_failed());
    meta_.set_before_call(nullptr);
    deferred_.reset();
  }
  closer_.reset();  // sends the queued closes while the session lives
  {
    std::lock_guard lock(ka_mu_);
    stopping_ = true;
  }
  ka_cv_.notify_all();
  if (keepalive_.joinable()) keepalive_.join();
  if (meta_.session() != 0) {
    UnmountRequest req;
    req.set_session_id(meta_.session());
    UnmountResponse resp;
    grpc::ClientContext ctx;
    PrepareContext(&ctx, std::chrono::seconds(5), opts_.token);
    (void)meta_.stub()->Unmount(&ctx, req, &resp);
  }
}

Status ClientImpl::Mount() {
  MountRequest req;
  req.set_volume(opts_.volume);
  req.set_read_only(opts_.read_only);
  std::string name = opts_.client_name;
  if (name.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    name = std::string(host) + ":" + std::to_string(getpid());
  }
  req.set_client(name);
  MountResponse resp;
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::Mount, req, &resp));
  meta_.set_session(resp.session_id());
  meta_.wire().SetPort(static_cast<uint16_t>(resp.wire_port()));
  root_ino_ = resp.root_ino();
  volume_id_ = resp.volume_id();
  chunk_size_ = resp.chunk_size();
  read_only_ = resp.read_only();
  session_ttl_ms_ = resp.session_ttl_ms() ? resp.session_ttl_ms() : 30000;
  RETURN_IF_ERROR(chains_.RefreshNow());
  if (opts_.close_batch_ms > 0) {
    closer_ = std::make_unique<CloseBatcher>(
        [this](const std::vector<uint64_t>& handles) {
          CloseRequest req;
          req.set_handle(handles.front());
          for (size_t i = 1; i < handles.size(); ++i) req.add_more_handles(handles[i]);
          CloseResponse resp;
          return meta_.Call(&Meta::Stub::Close, req, &resp, true);
        },
        opts_.close_batch_ms, /*max_batch=*/256);
  }
  if (opts_.deferred_creates && leased_.enabled() && !read_only_) {
    deferred_ = std::make_unique<DeferredCreates>(
        [this](uint32_t count) -> StatusOr<uint64_t> {
          ReserveInodesRequest req;
          req.set_count(count);
          ReserveInodesResponse resp;
          RETURN_IF_ERROR(meta_.Call(&Meta::Stub::ReserveInodes, req, &resp, true, /*synced=*/true));
          if (resp.count() != count) return Err(EIO, "weft-meta reserved {} inodes, not {}", resp.count(), count);
          meta_takes_unlinks_.store(resp.unlinks());
          return resp.first();
        },
        [this](const CreateBatchRequest& req) -> StatusOr<CreateBatchResponse> {
          CreateBatchResponse resp;
          RETURN_IF_ERROR(meta_.Call(&Meta::Stub::CreateBatch, req, &resp, true));
          return resp;
        },
        [this](const CreateBatchRequest& req, const CreateBatchResponse& resp, int64_t sent_ms) {
          std::vector<uint64_t> dirs;
          for (const auto& e : req.creates()) dirs.push_back(e.parent());
          std::sort(dirs.begin(), dirs.end());
          dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
          leased_.BatchReplied(dirs, resp.leases(), sent_ms);
        },
        DeferredCreates::Options{.delay_ms = opts_.deferred_create_delay_ms});
    flush_deferred_ = [d = deferred_.get()] { d->Flush(); };
    meta_.set_before_call(&flush_deferred_);
    recall_ = std::thread([this] { RecallLoop(); });
  }
  keepalive_ = std::thread([this] { KeepaliveLoop(); });
  spdlog::info("mounted volume {} (id {}, root inode {}, session {})", opts_.volume, volume_id_, root_ino_,
               resp.session_id());
  return Status::Ok();
}

void ClientImpl::KeepaliveLoop() {
  std::unique_lock lock(ka_mu_);
  while (!stopping_) {
    ka_cv_.wait_for(lock, std::chrono::milliseconds(std::max<uint32_t>(session_ttl_ms_ / 3, 100)));
    if (stopping_) break;
    lock.unlock();
    KeepaliveRequest req;
    KeepaliveResponse resp;
    grpc::ClientContext ctx;
    req.set_session_id(meta_.session());
    PrepareContext(&ctx, std::chrono::milliseconds(std::max<uint32_t>(session_ttl_ms_ / 3, 1000)), opts_.token);
    Status s = FromGrpc(meta_.stub()->Keepalive(&ctx, req, &resp));
    if (s.ok()) {
      chains_.NoteVersion(resp.chain_table_version());
      meta_.wire().SetPort(static_cast<uint16_t>(resp.wire_port()));  // a restarted weft-meta has a new one
    } else {
      spdlog::warn("session keepalive failed: {}", s.ToString());
    }
    lock.lock();
  }
}

void ClientImpl::RecallLoop() {
  constexpr uint32_t kWaitMs = 1000;
  std::vector<uint64_t> released;
  while (!recall_stop_.load()) {
    RecallRequest req;
    req.set_wait_ms(kWaitMs);
    for (uint64_t dir : released) req.add_released(dir);
    RecallResponse resp;
    Status s = meta_.Call(&Meta::Stub::Recall, req, &resp);
    if (!s.ok()) {
      if (s.err() == ENOSYS) {  // a weft-meta without recalls: other sessions wait leases out
        spdlog::info("weft-meta does not recall directory leases: other clients wait them out");
        return;
      }
      spdlog::debug("lease recall call failed: {}", s.ToString());
      // `released` is kept and sent again (a release is idempotent); the session may be gone or
      // weft-meta down: the keepalive says so.
      std::unique_lock lock(ka_mu_);
      ka_cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_ || recall_stop_.load(); });
      continue;
    }
    released.assign(resp.dirs().begin(), resp.dirs().end());
    if (released.empty()) continue;
    {
      std::unique_lock lock(defer_mu_);  // no create is between its lease check and its queueing
      for (uint64_t dir : released) leased_.Forget(dir);
    }
    deferred_->Flush();  // every create answered under those leases, sent (or recorded as refused)
  }
}

void ClientImpl::StopRecalls() {
  if (!recall_.joinable()) return;
  recall_stop_.store(true);
  ka_cv_.notify_all();
  RecallRequest req;
  req.set_stop(true);  // the waiting call returns now
  RecallResponse resp;
  (void)meta_.Call(&Meta::Stub::Recall, req, &resp);
  recall_.join();
}

Attr ClientImpl::Overlay(Attr a) {
  if (auto st = FindInode(a.ino())) {
    std::lock_guard lock(st->mu);
    if (st->size > a.size()) a.set_size(st->size);
  }
  return a;
}

StatusOr<Attr> ClientImpl::Lookup(const Caller& c, uint64_t parent, std::string_view name) {
  if (leased_.Absent(parent, name, c)) return Status(ENOENT, "no such entry (this client's directory lease)");
  std::string n(name);
  if (auto ino = cache_.GetEntry(parent, n)) {
    if (auto a = cache_.GetAttr(*ino)) return Overlay(*a);
  }
  LookupRequest req;
  *req.mutable_caller() = c;
  req.set_parent(parent);
  req.set_name(n);
  AttrResponse resp;
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::Lookup, req, &resp));
  cache_.PutEntry(parent, n, resp.attr());
  hints_.Drop(resp.attr().ino());
  return Overlay(resp.attr());
}

StatusOr<Attr> ClientImpl::GetAttr(const Caller& c, uint64_t ino) {
  if (auto a = hints_.Take(ino)) return *a;  // directories only: no local size to overlay
  if (auto a = cache_.GetAttr(ino)) return Overlay(*a);
  GetAttrRequest req;
  *req.mutable_caller() = c;
  req.set_ino(ino);
  AttrResponse resp;
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::GetAttr, req, &resp));
  cache_.PutAttr(resp.attr());
  return Overlay(resp.attr());
}

StatusOr<Attr> ClientImpl::Mknod(const Caller& c, uint64_t parent, std::string_view name, mode_t mode, dev_t rdev,
                                 mode_t umask) {
  CreateRequest req;
  *req.mutable_caller() = c;
  req.set_parent(parent);
  req.set_name(std::string(name));
  req.set_mode(mode);
  req.set_umask(umask);
  req.set_rdev(rdev);
  req.set_exclusive(true);
  CreateResponse resp;
  leased_.WillAdd(parent, name);
  const int64_t sent = MonoMs();
  RETURN_IF_ERROR(RetryAfterCloses([&] { return meta_.Call(&Meta::Stub::Create, req, &resp, true); }));
  leased_.Added(parent, resp.leases(), sent, resp.parent());
  cache_.DropAttr(parent);
  hints_.Put(resp.parent());
  return resp.attr();
}

namespace {
// This client's clock, as the times of a create or unlink answered here.
Timespec NowTimespec() {
  const int64_t now_ns = NowUnixNs();
  Timespec now;
  now.set_sec(now_ns / 1'000'000'000);
  now.set_nsec(static_cast<uint32_t>(now_ns % 1'000'000'000));
  return now;
}

// Whether the owner's permission bits of mode allow the access open_flags ask for (a deferred create
// opens the file later by inode, with the usual checks).
bool OwnerMayOpen(mode_t mode, int open_flags) {
  switch (open_flags & O_ACCMODE) {
    case O_RDONLY: return mode & S_IRUSR;
    case O_WRONLY: return mode & S_IWUSR;
    default: return (mode & S_IRUSR) && (mode & S_IWUSR);
  }
}
}  // namespace

std::optional<CreateResult> ClientImpl::TryDeferCreate(const Caller& c, uint64_t parent, std::string_view name,
                                                       mode_t mode, mode_t umask, int open_flags) {
  const mode_t perm = mode & 07777 & ~umask;
  if (!deferred_ || (perm & (S_ISUID | S_ISGID)) || !OwnerMayOpen(perm, open_flags)) return std::nullopt;
  const Timespec now = NowTimespec();
  std::shared_lock recall_guard(defer_mu_);  // until the create is queued (RecallLoop)
  auto dir_after = leased_.MayDefer(parent, name, c, now);
  if (!dir_after) return std::nullopt;
  const uint64_t ino = deferred_->TakeIno();
  if (ino == 0) return std::nullopt;
  Attr a;
  a.set_ino(ino);
  a.set_mode(S_IFREG | perm);
  a.set_uid(c.uid());
  a.set_gid(c.gid());
  a.set_nlink(1);
  *a.mutable_atime() = now;
  *a.mutable_mtime() = now;
  *a.mutable_ctime() = now;
  a.set_volume_id(volume_id_);
  a.set_no_xattrs(true);
  DeferredCreate e;
  *e.mutable_caller() = c;
  e.set_parent(parent);
  e.set_name(std::string(name));
  e.set_ino(ino);
  e.set_mode(mode & 07777);
  e.set_umask(umask);
  *e.mutable_time() = now;
  leased_.WillAdd(parent, name);
  deferred_->Add(std::move(e));
  leased_.AddedFile(parent, name, ino);
  cache_.DropAttr(parent);
  if (dir_after->ino() == parent) hints_.Put(*dir_after);
  CreateResult out;
  out.attr = a;
  out.handle = AttachHandle(a, 0, open_flags & ~O_TRUNC, "", 0);
  out.handle->opener = c;
  out.handle->deferred.store(true);
  return out;
}

StatusOr<CreateResult> ClientImpl::Create(const Caller& c, uint64_t parent, std::string_view name, mode_t mode,
                                          mode_t umask, int open_flags, bool exclusive, bool open) {
  if (open) {
    if (auto deferred = TryDeferCreate(c, parent, name, mode, umask, open_flags)) return std::move(*deferred);
  }
  CreateRequest req;
  *req.mutable_caller() = c;
  req.set_parent(parent);
  req.set_name(std::string(name));
  req.set_mode((mode & ~S_IFMT) | S_IFREG);
  req.set_umask(umask);
  req.set_exclusive(exclusive);
  req.set_open(open);
  req.set_open_flags(static_cast<uint32_t>(open_flags & ~O_TRUNC));
  CreateResponse resp;
  leased_.WillAdd(parent, name);
  const bool deferring = meta_takes_unlinks_.load();  // weft-meta guards what this session learns from here
  const int64_t sent = MonoMs();
  RETURN_IF_ERROR(RetryAfterCloses([&] { return meta_.Call(&Meta::Stub::Create, req, &resp, true); }));
  if (resp.created()) {  // an existing file's open renews nothing
    leased_.Added(parent, resp.leases(), sent, resp.parent());
    if (deferring) leased_.AddedFile(parent, name, resp.attr().ino());
  }
  cache_.DropAttr(parent);
  hints_.Put(resp.parent());
  CreateResult out;
  out.attr = resp.attr();
  if (open) {
    if (!resp.created() && (open_flags & O_TRUNC) && resp.attr().size() > 0) {
      // An existing file opened with O_TRUNC: the data goes first, then the length.
      SetAttrRequest sa;
      sa.set_ino(resp.attr().ino());
      sa.set_mask(SETATTR_SIZE);
      sa.set_size(0);
      auto a = SetAttr(c, sa, nullptr);
      if (!a.ok()) return a.status();
      out.attr = *a;
    }
    out.handle = AttachHandle(out.attr, resp.handle(), open_flags, resp.capability(), resp.capability_ttl_ms());
  }
  return out;
}

StatusOr<Attr> ClientImpl::Mkdir(const Caller& c, uint64_t parent, std::string_view name, mode_t mode, mode_t umask) {
  MkdirRequest req;
  *req.mutable_caller() = c;
  req.set_parent(parent);
  req.set_name(std::string(name));
  req.set_mode(mode);
  req.set_umask(umask);
  req.set_want_dir_lease(leased_.enabled());
  AttrResponse resp;
  leased_.WillAdd(parent, name);
  const int64_t sent = MonoMs();
  RETURN_IF_ERROR(RetryAfterCloses([&] { return meta_.Call(&Meta::Stub::Mkdir, req, &resp, true); }));
  leased_.Added(parent, resp.leases(), sent, resp.parent());
  leased_.Made(resp.attr(), resp.leases(), sent);
  if (deferred_ && !resp.leases().empty()) deferred_->Warm();  // creates may follow: reserve inodes
  cache_.DropAttr(parent);
  hints_.Put(resp.parent());
  return resp.attr();
}

std::optional<Attr> ClientImpl::TryDeferUnlink(const Caller& c, uint64_t parent, std::string_view name) {
  if (!deferred_ || !opts_.deferred_unlinks || !meta_takes_unlinks_.load()) return std::nullopt;
  const Timespec now = NowTimespec();
  std::shared_lock recall_guard(defer_mu_);  // until the unlink is queued (RecallLoop)
  // Not while a handle is open on the file here (weft-meta may not know of it yet: a deferred create's
  // handle opens there at its first I/O), nor for a create weft-meta refused (the plain unlink says ENOENT).
  auto u = leased_.MayDeferUnlink(
      parent, name, c, now,
      [this](uint64_t ino) { return FindInode(ino) != nullptr || !deferred_->Failure(ino).ok(); },
      [&](uint64_t ino) {
        DeferredCreate e;
        *e.mutable_caller() = c;
        e.set_parent(parent);
        e.set_name(std::string(name));
        e.set_ino(ino);
        *e.mutable_time() = now;
        e.set_unlink(true);
        deferred_->Add(std::move(e));
      });
  if (!u) return std::nullopt;
  cache_.DropEntry(parent, std::string(name));
  cache_.DropAttr(u->ino);
  cache_.DropAttr(parent);
  if (u->dir.ino() == parent) hints_.Put(u->dir);
  Attr a;
  a.set_ino(u->ino);
  a.set_mode(S_IFREG);
  a.set_volume_id(volume_id_);
  *a.mutable_ctime() = now;
  return a;
}

StatusOr<Attr> ClientImpl::Unlink(const Caller& c, uint64_t parent, std::string_view name) {
  if (auto deferred = TryDeferUnlink(c, parent, name)) return *deferred;
  leased_.Removing(parent, name);
  UnlinkRequest req;
  *req.mutable_caller() = c;
  req.set_parent(parent);
  req.set_name(std::string(name));
  UnlinkResponse resp;
  cache_.DropEntry(parent, req.name());
  FlushCloses();  // a file this client closed and this call unlinks is released by it, not later
  const int64_t sent = MonoMs();
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::Unlink, req, &resp, true));
  leased_.Renewed(parent, resp.leases(), sent);  // a lease that lapsed while idle: the next unlinks are answered here
  cache_.DropAttr(resp.attr().ino());
  hints_.Put(resp.parent());
  return resp.attr();
}

Status ClientImpl::Rmdir(const Caller& c, uint64_t parent, std::string_view name) {
  RmdirRequest req;
  *req.mutable_caller() = c;
  req.set_parent(parent);
  req.set_name(std::string(name));
  RmdirResponse resp;
  cache_.DropEntry(parent, req.name());
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::Rmdir, req, &resp, true));
  leased_.Forget(resp.removed_ino());
  hints_.Drop(resp.removed_ino());
  hints_.Put(resp.parent());
  return Status::Ok();
}

StatusOr<RenameResponse> ClientImpl::Rename(const Caller& c, uint64_t parent, std::string_view name,
                                            uint64_t new_parent, std::string_view new_name, uint32_t flags) {
  RenameRequest req;
  *req.mutable_caller() = c;
  req.set_parent(parent);
  req.set_name(std::string(name));
  req.set_new_parent(new_parent);
  req.set_new_name(std::string(new_name));
  req.set_flags(flags);
  RenameResponse resp;
  cache_.DropEntry(parent, req.name());
  cache_.DropEntry(new_parent, req.new_name());
  FlushCloses();  // a file this client closed and this call unlinks is released by it, not later
  const bool adds = !(flags & RENAME_EXCHANGE_FLAG);  // an exchange adds no name
  if (adds) leased_.WillAdd(new_parent, new_name);
  leased_.Removing(parent, name);
  leased_.Removing(new_parent, new_name);
  const bool deferring = meta_takes_unlinks_.load();  // weft-meta guards what this session learns from here
  const int64_t sent = MonoMs();
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::Rename, req, &resp, true));
  if (adds && resp.moved().ino() != 0) {
    leased_.Added(new_parent, resp.leases(), sent, new_parent == parent ? resp.parent() : resp.new_parent());
    if (deferring && S_ISREG(resp.moved().mode())) leased_.AddedFile(new_parent, new_name, resp.moved().ino());
  }
  cache_.DropAttr(resp.moved().ino());
  if (resp.replaced().ino()) cache_.DropAttr(resp.replaced().ino());
  hints_.Drop(resp.moved().ino());  // a directory moved elsewhere has a new ctime (and maybe nlink)
  hints_.Put(resp.parent());
  hints_.Put(resp.new_parent());
  return resp;
}

StatusOr<Attr> ClientImpl::Link(const Caller& c, uint64_t ino, uint64_t new_parent, std::string_view new_name) {
  LinkRequest req;
  *req.mutable_caller() = c;
  req.set_ino(ino);
  req.set_new_parent(new_parent);
  req.set_new_name(std::string(new_name));
  AttrResponse resp;
  leased_.WillAdd(new_parent, new_name);
  const int64_t sent = MonoMs();
  RETURN_IF_ERROR(RetryAfterCloses([&] { return meta_.Call(&Meta::Stub::Link, req, &resp, true); }));
  leased_.Added(new_parent, resp.leases(), sent, resp.parent());
  cache_.DropAttr(ino);
  cache_.DropAttr(new_parent);
  hints_.Put(resp.parent());
  return Overlay(resp.attr());
}

StatusOr<Attr> ClientImpl::Symlink(const Caller& c, uint64_t parent, std::string_view name, std::string_view target) {
  SymlinkRequest req;
  *req.mutable_caller() = c;
  req.set_parent(parent);
  req.set_name(std::string(name));
  req.set_target(std::string(target));
  AttrResponse resp;
  leased_.WillAdd(parent, name);
  const int64_t sent = MonoMs();
  RETURN_IF_ERROR(RetryAfterCloses([&] { return meta_.Call(&Meta::Stub::Symlink, req, &resp, true); }));
  leased_.Added(parent, resp.leases(), sent, resp.parent());
  cache_.DropAttr(parent);
  hints_.Put(resp.parent());
  return resp.attr();
}

StatusOr<std::string> ClientImpl::Readlink(const Caller& c, uint64_t ino) {
  ReadlinkRequest req;
  *req.mutable_caller() = c;
  req.set_ino(ino);
  ReadlinkResponse resp;
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::Readlink, req, &resp));
  return resp.target();
}

StatusOr<DirPage> ClientImpl::ReadDir(const Caller& c, uint64_t ino, std::string_view cookie, uint32_t limit,
                                      bool plus) {
  ReadDirRequest req;
  *req.mutable_caller() = c;
  req.set_ino(ino);
  req.set_cookie(std::string(cookie));
  req.set_limit(limit);
  req.set_plus(plus);
  ReadDirResponse resp;
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::ReadDir, req, &resp));
  DirPage page;
  page.entries.reserve(static_cast<size_t>(resp.entries_size()));
  for (auto& e : *resp.mutable_entries()) {
    if (plus && e.has_attr()) *e.mutable_attr() = Overlay(e.attr());
    page.entries.push_back(std::move(e));
  }
  page.next_cookie = resp.next_cookie();
  page.eof = resp.eof();
  return page;
}

StatusOr<std::string> ClientImpl::GetXattr(const Caller& c, uint64_t ino, std::string_view name) {
  XattrRequest req;
  *req.mutable_caller() = c;
  req.set_ino(ino);
  req.set_name(std::string(name));
  XattrResponse resp;
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::GetXattr, req, &resp));
  return resp.value();
}

Status ClientImpl::SetXattr(const Caller& c, uint64_t ino, std::string_view name, std::string_view value, int flags) {
  XattrRequest req;
  *req.mutable_caller() = c;
  req.set_ino(ino);
  req.set_name(std::string(name));
  req.set_value(std::string(value));
  req.set_flags(static_cast<uint32_t>(flags));
  XattrResponse resp;
  cache_.DropAttr(ino);
  hints_.Drop(ino);
  return meta_.Call(&Meta::Stub::SetXattr, req, &resp, true);
}

StatusOr<std::vector<std::string>> ClientImpl::ListXattr(const Caller& c, uint64_t ino) {
  XattrRequest req;
  *req.mutable_caller() = c;
  req.set_ino(ino);
  XattrResponse resp;
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::ListXattr, req, &resp));
  return std::vector<std::string>(resp.names().begin(), resp.names().end());
}

Status ClientImpl::RemoveXattr(const Caller& c, uint64_t ino, std::string_view name) {
  XattrRequest req;
  *req.mutable_caller() = c;
  req.set_ino(ino);
  req.set_name(std::string(name));
  XattrResponse resp;
  cache_.DropAttr(ino);
  hints_.Drop(ino);
  return meta_.Call(&Meta::Stub::RemoveXattr, req, &resp, true);
}

StatusOr<StatFsResponse> ClientImpl::StatFs() {
  StatFsRequest req;
  StatFsResponse resp;
  FlushCloses();  // usage without the reservations of handles already closed
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::StatFs, req, &resp));
  return resp;
}

StatusOr<Attr> ClientImpl::ResolvePath(const Caller& c, std::string_view path) {
  auto cur = GetAttr(c, root_ino_);
  if (!cur.ok()) return cur.status();
  Attr a = *cur;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view part = path.substr(pos, next - pos);
    pos = next + 1;
    if (part.empty() || part == ".") continue;
    auto child = Lookup(c, a.ino(), part);
    if (!child.ok()) return child.status().Annotate(std::string(path));
    a = *child;
  }
  return a;
}

}  // namespace client
}  // namespace weft
