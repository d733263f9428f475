// libweft's file data path: handles, write-back buffering, background chunk writes, reads with
// readahead, length commits, truncation.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include <boost/asio/co_spawn.hpp>
#include <spdlog/spdlog.h>

#include "client/client_impl.h"
#include "common/capability.h"
#include "common/clock.h"
#include "common/crc32c.h"

namespace weft::client {
namespace {

Timespec NsToTimespec(int64_t ns) {
  Timespec t;
  t.set_sec(ns / 1000000000);
  t.set_nsec(static_cast<uint32_t>(ns % 1000000000));
  return t;
}

bool Overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1) { return a0 < b1 && b0 < a1; }

// The capability access an open mode needs (weft-meta grants the same: O_RDONLY read, O_WRONLY write,
// O_RDWR both).
uint8_t AccessFor(int flags) {
  switch (flags & O_ACCMODE) {
    case O_RDONLY: return kCapRead;
    case O_WRONLY: return kCapWrite;
    default: return kCapRead | kCapWrite;
  }
}

// When a capability of ttl_ms issued now is renewed: half-way, so a renewal that fails can be retried
// well before it runs out.
int64_t RenewAt(int64_t issued_mono_ms, uint32_t ttl_ms) { return issued_mono_ms + ttl_ms / 2; }

// The inode's open handles, kept alive for the caller's walk.
std::vector<std::shared_ptr<FileHandle>> Handles(InodeState& st) {
  std::vector<std::shared_ptr<FileHandle>> out;
  std::lock_guard lock(st.mu);
  out.reserve(st.handles.size());
  for (const auto& [raw, h] : st.handles) out.push_back(h);
  return out;
}

}  // namespace

std::shared_ptr<InodeState> ClientImpl::FindInode(uint64_t ino) {
  std::lock_guard lock(inodes_mu_);
  auto it = inodes_.find(ino);
  if (it == inodes_.end()) return nullptr;
  return it->second.lock();
}

FileHandle* ClientImpl::AttachHandle(const Attr& attr, uint64_t meta_handle, int flags, std::string capability,
                                     uint32_t ttl_ms) {
  const int64_t issued = MonoMs();
  std::shared_ptr<InodeState> st;
  {
    std::lock_guard lock(inodes_mu_);
    auto& w = inodes_[attr.ino()];
    st = w.lock();
    if (!st) {
      st = std::make_shared<InodeState>();
      st->ino = attr.ino();
      st->layout = attr.layout();
      st->size = attr.size();
      w = st;
    }
  }
  if (st->layout.chunk_size() == 0 && attr.layout().chunk_size() != 0) {
    std::lock_guard lock(st->mu);
    st->layout = attr.layout();  // a deferred create's inode, opened at weft-meta since
  }
  auto owned = std::make_shared<FileHandle>();
  FileHandle* fh = owned.get();
  fh->inode = st;
  fh->meta_handle = meta_handle;
  fh->flags = flags;
  {
    std::lock_guard cl(fh->cap_mu);
    fh->capability = std::move(capability);
    fh->cap_access = AccessFor(flags);
    fh->cap_renew_at = RenewAt(issued, ttl_ms);
  }
  std::lock_guard lock(st->mu);
  // Close-to-open: a fresh open sees the committed length unless this client holds newer writes.
  if (st->handles.empty() || attr.size() > st->size) st->size = attr.size();
  st->handles.emplace(fh, std::move(owned));
  return fh;
}

void ClientImpl::DetachHandle(FileHandle* fh) {
  auto st = fh->inode;
  std::shared_ptr<FileHandle> owned;
  {
    std::lock_guard lock(st->mu);
    auto it = st->handles.find(fh);
    if (it != st->handles.end()) {
      owned = std::move(it->second);
      st->handles.erase(it);
    }
  }
  owned.reset();  // freed here unless another thread's walk still holds it
  std::lock_guard lock(inodes_mu_);
  auto it = inodes_.find(st->ino);
  st.reset();
  if (it != inodes_.end() && it->second.expired()) inodes_.erase(it);
}

Status ClientImpl::EnsureOpened(FileHandle* fh) {
  if (!fh->deferred.load()) return Status::Ok();
  std::lock_guard lock(fh->open_mu);
  if (!fh->deferred.load()) return Status::Ok();
  auto st = fh->inode;
  deferred_->Flush();
  RETURN_IF_ERROR(deferred_->Failure(st->ino));
  OpenRequest req;
  *req.mutable_caller() = fh->opener;
  req.set_ino(st->ino);
  req.set_flags(static_cast<uint32_t>(fh->flags & ~(O_CREAT | O_EXCL | O_TRUNC)));
  OpenResponse resp;
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::Open, req, &resp, true));
  const int64_t issued = MonoMs();
  {
    std::lock_guard il(st->mu);
    if (st->layout.chunk_size() == 0) st->layout = resp.attr().layout();
  }
  fh->meta_handle = resp.handle();
  {
    std::lock_guard cl(fh->cap_mu);
    fh->capability = resp.capability();
    fh->cap_renew_at = RenewAt(issued, resp.capability_ttl_ms());
  }
  fh->deferred.store(false);
  return Status::Ok();
}

StatusOr<FileHandle*> ClientImpl::Open(const Caller& c, uint64_t ino, int flags) {
  if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) {
    SetAttrRequest sa;
    sa.set_ino(ino);
    sa.set_mask(SETATTR_SIZE);
    sa.set_size(0);
    auto a = SetAttr(c, sa, nullptr);
    if (!a.ok()) return a.status();
  }
  OpenRequest req;
  *req.mutable_caller() = c;
  req.set_ino(ino);
  req.set_flags(static_cast<uint32_t>(flags & ~O_TRUNC));
  OpenResponse resp;
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::Open, req, &resp, true));
  cache_.PutAttr(resp.attr());
  return AttachHandle(resp.attr(), resp.handle(), flags, resp.capability(), resp.capability_ttl_ms());
}

StatusOr<std::string> ClientImpl::HandleCapability(FileHandle* fh) {
  std::lock_guard lock(fh->cap_mu);
  const int64_t now = MonoMs();
  if (now < fh->cap_renew_at) return fh->capability;
  CapabilityRequest req;
  req.set_ino(fh->inode->ino);
  req.set_handle(fh->meta_handle);
  req.set_access(fh->cap_access);
  CapabilityResponse resp;
  Status s = meta_.Call(&Meta::Stub::GetCapability, req, &resp);
  if (!s.ok()) return s.Annotate(fmt::format("renew the capability of inode {}", fh->inode->ino));
  fh->capability = resp.capability();
  fh->cap_renew_at = RenewAt(now, resp.ttl_ms());
  spdlog::debug("capability of inode {} (handle {}) renewed for {} ms", fh->inode->ino, fh->meta_handle,
                resp.ttl_ms());
  return fh->capability;
}

StatusOr<std::string> ClientImpl::TruncateCapability(const Caller& c, uint64_t ino, FileHandle* fh) {
  if (fh && fh->inode->ino == ino && (fh->cap_access & kCapWrite)) return HandleCapability(fh);
  CapabilityRequest req;
  *req.mutable_caller() = c;
  req.set_ino(ino);
  req.set_access(kCapWrite);
  CapabilityResponse resp;
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::GetCapability, req, &resp));
  return resp.capability();
}

uint64_t ClientImpl::HandleSize(FileHandle* fh) {
  std::lock_guard lock(fh->inode->mu);
  return fh->inode->size;
}

Status ClientImpl::WaitInflight(InodeState& st, uint32_t index, uint32_t begin, uint32_t end) {
  std::unique_lock lock(st.mu);
  st.cv.wait(lock, [&] {
    for (const auto& r : st.inflight) {
      if (r.index == index && Overlaps(r.begin, r.end, begin, end)) return false;
    }
    return true;
  });
  return Status::Ok();
}

Status ClientImpl::FlushBufLocked(FileHandle* fh) {
  if (!fh->buf || fh->buf->len == 0) {
    if (fh->buf) pool_.Release(std::move(fh->buf->data));
    fh->buf.reset();
    fh->buffered = false;
    return Status::Ok();
  }
  auto b = std::make_shared<WriteBuf>(std::move(*fh->buf));
  fh->buf.reset();
  fh->buffered = false;
  auto st = fh->inode;
  auto cap = HandleCapability(fh);
  if (!cap.ok()) {
    pool_.Release(std::move(b->data));
    return cap.status();
  }
  auto crcs = std::make_shared<std::vector<uint32_t>>(BlockCrcs(b->data.data(), b->len));
  // Writes to overlapping ranges of a chunk go out one after the other, so the last one wins everywhere.
  uint64_t id;
  {
    std::unique_lock lock(st->mu);
    st->cv.wait(lock, [&] {
      for (const auto& r : st->inflight) {
        if (r.index == b->index && Overlaps(r.begin, r.end, b->off, b->off + b->len)) return false;
      }
      return true;
    });
    id = st->next_id++;
    st->inflight.push_back({b->index, b->off, b->off + b->len, id});
  }
  ChunkRef c = ChunkFor(st->layout, st->ino, uint64_t{b->index} * st->layout.chunk_size(), std::move(*cap));
  io_.WriteAsync(c, b->off, std::span<const char>(b->data.data(), b->len), *crcs,
                 [this, b, crcs, st, id](Status s) {
                   {
                     std::lock_guard lock(st->mu);
                     std::erase_if(st->inflight, [id](const InflightRange& r) { return r.id == id; });
                     if (!s.ok()) {
                       spdlog::warn("background write of inode {} chunk {} failed: {}", st->ino, b->index, s.ToString());
                       if (st->error.ok()) st->error = s;
                     }
                   }
                   st->cv.notify_all();
                   pool_.Release(std::move(b->data));
                 });
  return Status::Ok();
}

Status ClientImpl::Write(FileHandle* fh, uint64_t off, const char* data, size_t size) {
  if (size == 0) return Status::Ok();
  if (read_only_) return Err(EROFS, "volume is mounted read-only");
  RETURN_IF_ERROR(EnsureOpened(fh));
  auto st = fh->inode;
  uint32_t cs = st->layout.chunk_size();
  if (cs == 0 || st->layout.chains_size() == 0) return Err(EIO, "inode {} has no data layout", st->ino);
  std::lock_guard lock(fh->mu);
  {
    std::lock_guard il(st->mu);
    if (!st->error.ok()) {
      Status e = st->error;
      st->error = Status::Ok();
      return e;
    }
  }
  uint64_t end = off + size;
  if (end > fh->granted_end) {
    GrantRequest req;
    req.set_handle(fh->meta_handle);
    req.set_ino(st->ino);
    req.set_end(end);
    GrantResponse resp;
    RETURN_IF_ERROR(RetryAfterCloses([&] {
      RETURN_IF_ERROR(meta_.Call(&Meta::Stub::Grant, req, &resp, true));
      fh->granted_end = std::max(resp.granted_end(), fh->granted_end);
      if (fh->granted_end < end) return Err(EDQUOT, "quota grants space up to {} only", fh->granted_end);
      return Status::Ok();
    }));
  }
  DropReadahead(*st, off, end);
  uint64_t pos = off;
  while (pos < end) {
    uint32_t index = static_cast<uint32_t>(pos / cs);
    uint32_t in_off = static_cast<uint32_t>(pos % cs);
    uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(end - pos, cs - in_off));
    if (fh->buf && (fh->buf->index != index || fh->buf->off + fh->buf->len != in_off)) {
      RETURN_IF_ERROR(FlushBufLocked(fh));
    }
    if (!fh->buf) {
      fh->buf.emplace();
      fh->buf->index = index;
      fh->buf->off = in_off;
      fh->buf->data = pool_.Acquire(cs);
    }
    std::memcpy(fh->buf->data.data() + fh->buf->len, data + (pos - off), n);
    fh->buf->len += n;
    fh->buffered = true;
    if (fh->buf->off + fh->buf->len == cs) RETURN_IF_ERROR(FlushBufLocked(fh));
    pos += n;
  }
  {
    std::lock_guard il(st->mu);
    st->size = std::max(st->size, end);
  }
  fh->dirty = true;
  fh->mtime_ns = NowUnixNs();
  cache_.DropAttr(st->ino);
  return Status::Ok();
}

Status ClientImpl::SyncInode(InodeState& st) { return SyncRange(st, 0, UINT64_MAX); }

Status ClientImpl::SyncRange(InodeState& st, uint64_t begin, uint64_t end) {
  const uint64_t cs = st.layout.chunk_size();
  {
    // Every read comes here: with nothing buffered or in flight, that is all it costs.
    std::lock_guard lock(st.mu);
    bool pending = !st.inflight.empty();
    for (const auto& [raw, h] : st.handles) pending = pending || h->buffered.load();
    if (!pending) return Status::Ok();
  }
  for (const auto& h : Handles(st)) {
    if (!h->buffered.load()) continue;
    std::lock_guard lock(h->mu);
    if (h->buf && Overlaps(h->buf->index * cs + h->buf->off, h->buf->index * cs + h->buf->off + h->buf->len, begin, end)) {
      RETURN_IF_ERROR(FlushBufLocked(h.get()));
    }
  }
  std::unique_lock lock(st.mu);
  st.cv.wait(lock, [&] {
    for (const auto& r : st.inflight) {
      if (Overlaps(r.index * cs + r.begin, r.index * cs + r.end, begin, end)) return false;
    }
    return true;
  });
  return Status::Ok();
}

Status ClientImpl::CommitLength(FileHandle* fh, bool durable) {
  auto st = fh->inode;
  CommitRequest req;
  req.set_handle(fh->meta_handle);
  req.set_ino(st->ino);
  req.set_lazy(!durable);
  {
    std::lock_guard lock(st->mu);
    req.set_size(st->size);
  }
  *req.mutable_mtime() = NsToTimespec(fh->mtime_ns ? fh->mtime_ns : NowUnixNs());
  AttrResponse resp;
  const uint64_t mark = meta_.MutationMark();
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::Commit, req, &resp, true, /*synced=*/durable));
  if (durable) meta_.NoteSynced(mark);
  cache_.PutAttr(resp.attr());
  fh->dirty = false;
  {
    std::lock_guard lock(st->mu);
    // A synced commit makes every earlier lazy one durable (weft-meta's log is ordered).
    st->unsynced = !durable;
  }
  return Status::Ok();
}

Status ClientImpl::Flush(FileHandle* fh) { return FlushImpl(fh, /*durable=*/false); }

// Chunk servers acknowledge a write only once every live replica holds it durably, so a flush that
// waited for every acknowledgement and committed the length durably is an fsync.
Status ClientImpl::Fsync(FileHandle* fh) { return FlushImpl(fh, /*durable=*/true); }

// close(2) makes the data visible to the next open anywhere (close-to-open); only fsync makes the
// length durable in weft-meta.
Status ClientImpl::FlushImpl(FileHandle* fh, bool durable) {
  auto st = fh->inode;
  if (fh->deferred.load()) {  // never written (a write opens it): only the create to report
    if (durable) {
      deferred_->Flush();
      RETURN_IF_ERROR(deferred_->Failure(st->ino));
      return meta_.Sync();
    }
    return deferred_->Failure(st->ino);
  }
  {
    std::lock_guard lock(fh->mu);
    RETURN_IF_ERROR(FlushBufLocked(fh));
  }
  Status err;
  {
    std::unique_lock lock(st->mu);
    st->cv.wait(lock, [&] { return st->inflight.empty(); });
    err = st->error;
    st->error = Status::Ok();
  }
  RETURN_IF_ERROR(err);
  bool unsynced;
  {
    std::lock_guard lock(st->mu);
    unsynced = st->unsynced;
  }
  std::lock_guard lock(fh->mu);
  if (fh->dirty || (durable && unsynced)) RETURN_IF_ERROR(CommitLength(fh, durable));
  // fsync also makes this client's namespace changes durable, the file's own create among them:
  // weft-meta acknowledges those before it syncs them (no call when a durable commit covered them).
  if (durable) RETURN_IF_ERROR(meta_.Sync());
  return Status::Ok();
}

Status ClientImpl::Close(FileHandle* fh) {
  if (fh->deferred.load()) {  // not open at weft-meta: nothing to close there
    Status s = deferred_->Failure(fh->inode->ino);
    DetachHandle(fh);
    return s;
  }
  Status s = Flush(fh);
  CloseRequest req;
  req.set_handle(fh->meta_handle);
  {
    std::lock_guard lock(fh->inode->mu);
    if (s.ok() && fh->dirty) {
      req.set_has_size(true);
      req.set_size(fh->inode->size);
    }
  }
  if (s.ok() && !req.has_size() && closer_) {
    closer_->Add(req.handle());  // nothing to commit: batched (close_batch_ms)
    DetachHandle(fh);
    return Status::Ok();
  }
  CloseResponse resp;
  Status cs = meta_.Call(&Meta::Stub::Close, req, &resp, true);
  DetachHandle(fh);
  RETURN_IF_ERROR(s);
  return cs;
}

void ClientImpl::DropReadahead(InodeState& st, uint64_t begin, uint64_t end) {
  for (const auto& h : Handles(st)) {
    std::lock_guard lock(h->ra_mu);
    for (auto it = h->ra.begin(); it != h->ra.end();) {
      if (Overlaps(it->second->start, it->second->start + it->second->len, begin, end)) it = h->ra.erase(it);
      else ++it;
    }
  }
}

Status ClientImpl::ReadDirect(InodeState& st, uint64_t off, size_t size, char* buf, const std::string& capability) {
  uint32_t cs = st.layout.chunk_size();
  uint64_t pos = off, end = off + size;
  while (pos < end) {
    ChunkRef c = ChunkFor(st.layout, st.ino, pos, capability);
    uint32_t in_off = static_cast<uint32_t>(pos % cs);
    uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(end - pos, cs - in_off));
    RETURN_IF_ERROR(io_.ReadSync(c, in_off, std::span<char>(buf + (pos - off), n)));
    pos += n;
  }
  return Status::Ok();
}

StatusOr<size_t> ClientImpl::ReadSequential(FileHandle* fh, uint64_t off, size_t size, char* buf, uint64_t file_size,
                                            const std::string& capability) {
  auto st = fh->inode;
  uint32_t cs = st->layout.chunk_size();
  const uint64_t block = std::min<uint64_t>(cs, 1u << 20);
  uint64_t window_end = std::min<uint64_t>(file_size, off + size + opts_.readahead_bytes);
  std::vector<std::shared_ptr<RaBlock>> need;
  {
    std::lock_guard lock(fh->ra_mu);
    // Blocks wholly behind the reader are done with, but for the one just behind: a request of the
    // kernel's readahead window that a second thread passes on late still finds its block (in_ra above).
    for (auto it = fh->ra.begin(); it != fh->ra.end() && it->first + it->second->len + block <= off;) {
      it = fh->ra.erase(it);
    }
    for (uint64_t b = off / block * block; b < window_end; b += block) {
      auto it = fh->ra.find(b);
      // A block read when the file ended inside it is short of what the file holds now (a write beyond
      // it, which DropReadahead does not see as overlapping, grew the file): read it again.
      if (it != fh->ra.end() && it->second->len < std::min<uint64_t>(block, file_size - b)) {
        fh->ra.erase(it);
        it = fh->ra.end();
      }
      if (it == fh->ra.end()) {
        auto blk = std::make_shared<RaBlock>();
        blk->start = b;
        blk->len = static_cast<uint32_t>(std::min<uint64_t>(block, file_size - b));
        // The reader's own blocks never wait for memory; blocks ahead of it only while every handle's
        // readahead together stays within readahead_total_bytes.
        blk->data = b < off + size ? ra_pool_->Force(blk->len) : ra_pool_->TryAcquire(blk->len);
        if (blk->data.size() == 0) break;  // the readahead budget is spent: no further ahead for now
        blk->pool = ra_pool_;
        auto promise = std::make_shared<std::promise<Status>>();
        blk->done = promise->get_future().share();
        ChunkRef c = ChunkFor(st->layout, st->ino, b, capability);
        IoLoop& loop = runtime_.Pick();
        boost::asio::co_spawn(loop.io,
                              io_.Read(loop, c, static_cast<uint32_t>(b % cs), std::span<char>(blk->data.data(), blk->len)),
                              [blk, promise](std::exception_ptr e, Status s) {
                                promise->set_value(e ? Err(EIO, "readahead failed with an exception") : s);
                              });
        it = fh->ra.emplace(b, blk).first;
      }
      if (b < off + size) need.push_back(it->second);
    }
  }
  size_t done = 0;
  for (auto& blk : need) {
    Status s = blk->done.get();
    if (!s.ok()) {
      std::lock_guard lock(fh->ra_mu);
      fh->ra.erase(blk->start);
      return s;
    }
    uint64_t from = std::max<uint64_t>(off, blk->start);
    uint64_t to = std::min<uint64_t>(off + size, blk->start + blk->len);
    if (to <= from) continue;
    std::memcpy(buf + (from - off), blk->data.data() + (from - blk->start), to - from);
    done = std::max<size_t>(done, to - off);
  }
  return done;
}

StatusOr<size_t> ClientImpl::Read(FileHandle* fh, uint64_t off, size_t size, char* buf) {
  auto e = ReadAround(fh, off, size, 0, buf);
  if (!e.ok()) return e.status();
  return e->len;
}

StatusOr<Client::Extent> ClientImpl::ReadAround(FileHandle* fh, uint64_t off, size_t size, uint32_t around,
                                                char* buf) {
  auto st = fh->inode;
  if (size == 0) return Extent{off, 0};
  if (around % 4096 != 0) return Err(EINVAL, "read-around of {} bytes is not a multiple of 4 KiB", around);
  RETURN_IF_ERROR(EnsureOpened(fh));
  const uint32_t cs = st->layout.chunk_size();
  if (cs == 0) return Err(EIO, "inode {} has no data layout", st->ino);
  bool sequential;
  {
    std::lock_guard lock(fh->ra_mu);
    // Also sequential: a read near the last one's end that starts in a block read ahead. The kernel's
    // readahead requests of one window reach the client out of order when two threads pick them up
    // (FUSE over io_uring's workers of one CPU do, often); each such read must not drop the window the
    // next ones need. Near: a random reader's reads that land in a window by chance do not extend it.
    auto in_ra = [&] {
      const uint64_t last = fh->last_read_end, window = opts_.readahead_bytes;
      if (last == UINT64_MAX || off + window < last || off > last + window) return false;
      auto it = fh->ra.upper_bound(off);
      return it != fh->ra.begin() && off < std::prev(it)->first + std::prev(it)->second->len;
    };
    sequential = opts_.readahead_bytes > 0 && (off == fh->last_read_end || (off == 0 && size >= 65536) || in_ra());
    if (!sequential) fh->ra.clear();
  }
  // A random read fetches the aligned blocks about it when they are larger than what it asks.
  const bool wide = !sequential && around > size;
  const uint64_t from = wide ? off / around * around : off;
  const uint64_t to = wide ? (off + size + around - 1) / around * around : off + size;
  // This client's unflushed and in-flight writes to the bytes about to be fetched must be visible: those
  // are flushed and waited for. Writes elsewhere in the file go on (a random reader and writer of one
  // file do not wait for each other). A sequential read fetches its readahead window too.
  const uint64_t block = std::min<uint64_t>(cs, 1u << 20);
  RETURN_IF_ERROR(sequential ? SyncRange(*st, off / block * block, off + size + opts_.readahead_bytes + block)
                             : SyncRange(*st, from, to));
  uint64_t file_size;
  {
    std::lock_guard lock(st->mu);
    file_size = st->size;
  }
  if (off >= file_size) return Extent{off, 0};
  size = static_cast<size_t>(std::min<uint64_t>(size, file_size - off));
  {
    std::lock_guard lock(fh->ra_mu);
    fh->last_read_end = off + size;
  }
  auto cap = HandleCapability(fh);
  if (!cap.ok()) return cap.status();
  if (sequential) {
    auto n = ReadSequential(fh, off, size, buf, file_size, *cap);
    if (!n.ok()) return n.status();
    return Extent{off, *n};
  }
  const uint64_t end = std::min(to, file_size);
  RETURN_IF_ERROR(ReadDirect(*st, from, end - from, buf, *cap));
  return Extent{from, static_cast<size_t>(end - from)};
}

Status ClientImpl::TruncateData(const Attr& attr, uint64_t new_size, const std::string& capability) {
  const Layout& layout = attr.layout();
  uint32_t cs = layout.chunk_size();
  uint32_t width = static_cast<uint32_t>(layout.chains_size());
  if (cs == 0 || width == 0 || attr.size() <= new_size) return Status::Ok();
  uint64_t old_chunks = (attr.size() + cs - 1) / cs;
  uint32_t b = static_cast<uint32_t>(new_size / cs);
  uint32_t len = static_cast<uint32_t>(new_size % cs);
  for (uint32_t p = 0; p < width; ++p) {
    if (b % width == p) {
      if (b < old_chunks) {
        RETURN_IF_ERROR(io_.TruncateSync(ChunkFor(layout, attr.ino(), uint64_t{b} * cs, capability), len));
      }
      continue;
    }
    // The first chunk after b on this chain: everything from it on goes.
    uint32_t j = b + ((p + width - b % width) % width);
    if (j < old_chunks) RETURN_IF_ERROR(io_.RemoveSync(ChunkFor(layout, attr.ino(), uint64_t{j} * cs, capability)));
  }
  return Status::Ok();
}

StatusOr<Attr> ClientImpl::SetAttr(const Caller& c, SetAttrRequest req, FileHandle* fh) {
  if (fh) RETURN_IF_ERROR(EnsureOpened(fh));
  *req.mutable_caller() = c;
  if (fh) req.set_handle(fh->meta_handle);
  cache_.DropAttr(req.ino());
  hints_.Drop(req.ino());
  if (req.mask() & SETATTR_SIZE) {
    if (read_only_) return Err(EROFS, "volume is mounted read-only");
    auto st = FindInode(req.ino());
    if (st) RETURN_IF_ERROR(SyncInode(*st));
    GetAttrRequest gr;
    *gr.mutable_caller() = c;
    gr.set_ino(req.ino());
    AttrResponse cur;
    RETURN_IF_ERROR(meta_.Call(&Meta::Stub::GetAttr, gr, &cur));
    if (S_ISDIR(cur.attr().mode())) return Err(EISDIR, "cannot truncate a directory");
    Attr a = cur.attr();
    if (st) {
      std::lock_guard lock(st->mu);
      a.set_size(std::max(a.size(), st->size));
    }
    // The data goes first: a crash in between leaves the old length over zeros, never old bytes
    // reappearing past a new length.
    if (a.size() > req.size()) {
      auto cap = TruncateCapability(c, req.ino(), fh);
      if (!cap.ok()) return cap.status();
      RETURN_IF_ERROR(TruncateData(a, req.size(), *cap));
    }
    if (st) DropReadahead(*st, 0, UINT64_MAX);
    AttrResponse resp;
    RETURN_IF_ERROR(meta_.Call(&Meta::Stub::SetAttr, req, &resp, true));
    if (st) {
      std::lock_guard lock(st->mu);
      st->size = req.size();
    }
    return resp.attr();
  }
  AttrResponse resp;
  RETURN_IF_ERROR(meta_.Call(&Meta::Stub::SetAttr, req, &resp, true));
  return Overlay(resp.attr());
}

Status ClientImpl::Allocate(FileHandle* fh, uint64_t off, uint64_t len) {
  if (read_only_) return Err(EROFS, "volume is mounted read-only");
  RETURN_IF_ERROR(EnsureOpened(fh));
  auto st = fh->inode;
  uint64_t end = off + len;
  std::lock_guard lock(fh->mu);
  if (end > fh->granted_end) {
    GrantRequest req;
    req.set_handle(fh->meta_handle);
    req.set_ino(st->ino);
    req.set_end(end);
    GrantResponse resp;
    RETURN_IF_ERROR(RetryAfterCloses([&] {
      RETURN_IF_ERROR(meta_.Call(&Meta::Stub::Grant, req, &resp, true));
      fh->granted_end = std::max(resp.granted_end(), fh->granted_end);
      if (fh->granted_end < end) return Err(ENOSPC, "quota grants space up to {} only", fh->granted_end);
      return Status::Ok();
    }));
  }
  {
    std::lock_guard il(st->mu);
    if (end <= st->size) return Status::Ok();
    st->size = end;
  }
  fh->dirty = true;
  return CommitLength(fh, /*durable=*/true);
}

}  // namespace weft::client
