#include "fuse/fuse_ops.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "fuse/uring.h"

namespace weft::fuse {
namespace {

FuseContext* Ctx(fuse_req_t req) { return static_cast<FuseContext*>(fuse_req_userdata(req)); }
Client* Cl(fuse_req_t req) { return Ctx(req)->client; }

// The one place a Status becomes an errno for the kernel.
void ReplyStatus(fuse_req_t req, const Status& s) {
  if (!s.ok() && s.err() != ENOENT && s.err() != ENODATA && s.err() != EEXIST) {
    spdlog::debug("request failed: {}", s.ToString());
  }
  fuse_reply_err(req, s.ok() ? 0 : (s.err() > 0 ? s.err() : EIO));
}

uint64_t ToWeft(fuse_req_t req, fuse_ino_t ino) {
  uint64_t root = Cl(req)->root_ino();
  if (ino == FUSE_ROOT_ID) return root;
  if (ino == root) return FUSE_ROOT_ID;
  return ino;
}
fuse_ino_t ToKernel(fuse_req_t req, uint64_t ino) { return static_cast<fuse_ino_t>(ToWeft(req, ino)); }

Caller CallerOf(fuse_req_t req) {
  const fuse_ctx* c = fuse_req_ctx(req);
  Caller out;
  out.set_uid(c->uid);
  out.set_gid(c->gid);
  out.set_pid(static_cast<uint32_t>(c->pid));
  if (c->uid != 0) {
    // Supplementary groups matter for permission checks on the metadata service; root needs none.
    gid_t groups[64];
    int n = fuse_req_getgroups(req, 64, groups);
    for (int i = 0; i < n && i < 64; ++i) out.add_groups(groups[i]);
  }
  return out;
}

struct stat ToStat(fuse_req_t req, const Attr& a) {
  struct stat st {};
  st.st_ino = ToKernel(req, a.ino());
  st.st_mode = a.mode();
  st.st_nlink = a.nlink();
  st.st_uid = a.uid();
  st.st_gid = a.gid();
  st.st_size = static_cast<off_t>(a.size());
  st.st_rdev = a.rdev();
  st.st_blksize = 65536;
  st.st_blocks = static_cast<blkcnt_t>((a.size() + 511) / 512);
  st.st_atim = {a.atime().sec(), a.atime().nsec()};
  st.st_mtim = {a.mtime().sec(), a.mtime().nsec()};
  st.st_ctim = {a.ctime().sec(), a.ctime().nsec()};
  return st;
}

void NoteAttr(fuse_req_t req, const Attr& a) {
  if (XattrHints* h = Ctx(req)->xattr_hints) h->Note(a);
}

fuse_entry_param Entry(fuse_req_t req, const Attr& a) {
  NoteAttr(req, a);
  fuse_entry_param e {};
  e.ino = ToKernel(req, a.ino());
  e.generation = 0;
  e.attr = ToStat(req, a);
  e.attr_timeout = Ctx(req)->opts.attr_timeout;
  e.entry_timeout = Ctx(req)->opts.entry_timeout;
  return e;
}

void ReplyEntry(fuse_req_t req, const StatusOr<Attr>& a) {
  if (!a.ok()) return ReplyStatus(req, a.status());
  fuse_entry_param e = Entry(req, *a);
  fuse_reply_entry(req, &e);
}

void ReplyAttr(fuse_req_t req, const StatusOr<Attr>& a) {
  if (!a.ok()) return ReplyStatus(req, a.status());
  NoteAttr(req, *a);
  struct stat st = ToStat(req, *a);
  fuse_reply_attr(req, &st, Ctx(req)->opts.attr_timeout);
}

FileHandle* Fh(fuse_file_info* fi) { return reinterpret_cast<FileHandle*>(fi->fh); }

bool Writable(int open_flags) { return (open_flags & O_ACCMODE) != O_RDONLY; }

void OpInit(void* userdata, fuse_conn_info* conn) {
  auto* ctx = static_cast<FuseContext*>(userdata);
  if (ctx->opts.writeback_cache && (conn->capable & FUSE_CAP_WRITEBACK_CACHE)) conn->want |= FUSE_CAP_WRITEBACK_CACHE;
  if (conn->capable & FUSE_CAP_ASYNC_READ) conn->want |= FUSE_CAP_ASYNC_READ;
  if (conn->capable & FUSE_CAP_PARALLEL_DIROPS) conn->want |= FUSE_CAP_PARALLEL_DIROPS;
  if (conn->capable & FUSE_CAP_READDIRPLUS) conn->want |= FUSE_CAP_READDIRPLUS;
  // The kernel asks for attributes (READDIRPLUS) only while the reader looks entries up (ls -l, a
  // crawl that stats), and for names alone otherwise (ls, listdir): a plain page holds ~4x the entries
  // and spares the kernel an inode per entry. libfuse leaves this off unless asked (3.14).
  if (conn->capable & FUSE_CAP_READDIRPLUS_AUTO) conn->want |= FUSE_CAP_READDIRPLUS_AUTO;
  conn->want &= ~static_cast<unsigned>(FUSE_CAP_ATOMIC_O_TRUNC);  // truncation goes through setattr
  conn->max_write = ctx->opts.max_write;
  conn->max_readahead = ctx->opts.max_readahead;
  conn->max_background = 64;
  conn->congestion_threshold = 48;
}

// After this mount changed something (every handler below that changes the namespace or attributes
// calls these once its call returned): lookup_ahead.h answers nothing it changed from an older page.
void ChangedEntry(fuse_req_t req, uint64_t dir, const char* name) {
  if (LookupAhead* la = Ctx(req)->lookup_ahead) {
    la->ChangedEntry(dir, name);
    la->ChangedIno(dir);  // its mtime, and nlink for a subdirectory
  }
}
void ChangedIno(fuse_req_t req, uint64_t ino) {
  if (LookupAhead* la = Ctx(req)->lookup_ahead) la->ChangedIno(ino);
}

// A lookup answered from a page fetched age_ms ago: the kernel keeps it for what remains of the
// mount's timeouts, so nothing is trusted longer after weft-meta said it than a fresh lookup would be.
void ReplyEntryAged(fuse_req_t req, const Attr& a, int64_t age_ms) {
  fuse_entry_param e = Entry(req, a);
  const double age = static_cast<double>(age_ms) / 1000.0;
  e.attr_timeout = std::max(0.0, e.attr_timeout - age);
  e.entry_timeout = std::max(0.0, e.entry_timeout - age);
  fuse_reply_entry(req, &e);
}

void OpLookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  const uint64_t dir = ToWeft(req, parent);
  LookupAhead* la = Ctx(req)->lookup_ahead;
  if (la) {
    if (auto hit = la->Find(dir, name)) return ReplyEntryAged(req, hit->attr, hit->age_ms);
  }
  Client* client = Cl(req);
  const Caller caller = CallerOf(req);
  auto a = client->Lookup(caller, dir, name);
  const bool fetch = la && a.ok() && la->Missed(dir, MonoMs());
  const std::string after = fetch ? std::string(name) : std::string();  // before the reply frees req
  ReplyEntry(req, a);
  if (!fetch) return;
  // The page after this name, on this thread, after the kernel has its answer.
  const int64_t sent = MonoMs();
  auto page = client->ReadDir(caller, dir, after, 1024, /*plus=*/true);
  if (page.ok()) {
    la->Store(dir, after, page->entries, page->eof, sent);
  } else {
    la->Store(dir, after, {}, false, sent);  // nothing stored; another lookup may try again
  }
}

void OpForget(fuse_req_t req, fuse_ino_t, uint64_t) { fuse_reply_none(req); }

void OpForgetMulti(fuse_req_t req, size_t, fuse_forget_data*) { fuse_reply_none(req); }

void OpGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  ReplyAttr(req, Cl(req)->GetAttr(CallerOf(req), ToWeft(req, ino)));
}

Timespec ToTs(const struct timespec& t) {
  Timespec o;
  o.set_sec(t.tv_sec);
  o.set_nsec(static_cast<uint32_t>(t.tv_nsec));
  return o;
}

void OpSetattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
  SetAttrRequest r;
  r.set_ino(ToWeft(req, ino));
  uint32_t mask = 0;
  if (to_set & FUSE_SET_ATTR_MODE) { mask |= SETATTR_MODE; r.set_mode(attr->st_mode); }
  if (to_set & FUSE_SET_ATTR_UID) { mask |= SETATTR_UID; r.set_uid(attr->st_uid); }
  if (to_set & FUSE_SET_ATTR_GID) { mask |= SETATTR_GID; r.set_gid(attr->st_gid); }
  if (to_set & FUSE_SET_ATTR_SIZE) { mask |= SETATTR_SIZE; r.set_size(static_cast<uint64_t>(attr->st_size)); }
  if (to_set & FUSE_SET_ATTR_ATIME_NOW) mask |= SETATTR_ATIME_NOW;
  else if (to_set & FUSE_SET_ATTR_ATIME) { mask |= SETATTR_ATIME; *r.mutable_atime() = ToTs(attr->st_atim); }
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) mask |= SETATTR_MTIME_NOW;
  else if (to_set & FUSE_SET_ATTR_MTIME) { mask |= SETATTR_MTIME; *r.mutable_mtime() = ToTs(attr->st_mtim); }
  if (to_set & FUSE_SET_ATTR_CTIME) { mask |= SETATTR_CTIME; *r.mutable_ctime() = ToTs(attr->st_ctim); }
  r.set_mask(mask);
  if (ReadAround* ra = Ctx(req)->read_around; ra && (mask & SETATTR_SIZE)) ra->Truncated(ino);
  auto a = Cl(req)->SetAttr(CallerOf(req), r, fi ? Fh(fi) : nullptr);
  ChangedIno(req, r.ino());
  ReplyAttr(req, a);
}

void OpReadlink(fuse_req_t req, fuse_ino_t ino) {
  auto t = Cl(req)->Readlink(CallerOf(req), ToWeft(req, ino));
  if (!t.ok()) return ReplyStatus(req, t.status());
  fuse_reply_readlink(req, t->c_str());
}

void OpMknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  auto a = Cl(req)->Mknod(CallerOf(req), ToWeft(req, parent), name, mode, rdev, 0);
  ChangedEntry(req, ToWeft(req, parent), name);
  ReplyEntry(req, a);
}

void OpMkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  auto a = Cl(req)->Mkdir(CallerOf(req), ToWeft(req, parent), name, mode, 0);
  ChangedEntry(req, ToWeft(req, parent), name);
  ReplyEntry(req, a);
}

void OpUnlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  auto a = Cl(req)->Unlink(CallerOf(req), ToWeft(req, parent), name);
  ChangedEntry(req, ToWeft(req, parent), name);
  if (a.ok()) ChangedIno(req, a->ino());  // its nlink and ctime, under its other names
  ReplyStatus(req, a.status());
}

void OpRmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Status s = Cl(req)->Rmdir(CallerOf(req), ToWeft(req, parent), name);
  ChangedEntry(req, ToWeft(req, parent), name);
  ReplyStatus(req, s);
}

void OpSymlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  auto a = Cl(req)->Symlink(CallerOf(req), ToWeft(req, parent), name, link);
  ChangedEntry(req, ToWeft(req, parent), name);
  ReplyEntry(req, a);
}

void OpRename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent, const char* newname,
              unsigned int flags) {
  uint32_t f = 0;
  if (flags & RENAME_NOREPLACE) f |= RENAME_NOREPLACE_FLAG;
  if (flags & RENAME_EXCHANGE) f |= RENAME_EXCHANGE_FLAG;
  if (flags & ~static_cast<unsigned>(RENAME_NOREPLACE | RENAME_EXCHANGE)) return ReplyStatus(req, Err(EINVAL, "rename flags"));
  auto r = Cl(req)->Rename(CallerOf(req), ToWeft(req, parent), name, ToWeft(req, newparent), newname, f);
  ChangedEntry(req, ToWeft(req, parent), name);
  ChangedEntry(req, ToWeft(req, newparent), newname);
  if (r.ok()) {
    ChangedIno(req, r->moved().ino());
    ChangedIno(req, r->replaced().ino());
  }
  ReplyStatus(req, r.status());
}

void OpLink(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
  auto a = Cl(req)->Link(CallerOf(req), ToWeft(req, ino), ToWeft(req, newparent), newname);
  ChangedEntry(req, ToWeft(req, newparent), newname);
  ChangedIno(req, ToWeft(req, ino));
  ReplyEntry(req, a);
}

void OpOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  int flags = fi->flags;
  // With the kernel's write-back cache, a write-only open still needs reads (partial pages).
  if (Ctx(req)->opts.writeback_cache && (flags & O_ACCMODE) == O_WRONLY) flags = (flags & ~O_ACCMODE) | O_RDWR;
  // Before the kernel's pages are dropped below: a read-around store fetched earlier must not land after.
  ReadAround* ra = Ctx(req)->read_around;
  const bool writable = Writable(fi->flags);
  if (ra) ra->Opened(ino, writable);
  auto h = Cl(req)->Open(CallerOf(req), ToWeft(req, ino), flags & ~O_TRUNC);
  if (!h.ok()) {
    if (ra) ra->Closed(ino, writable);
    return ReplyStatus(req, h.status());
  }
  fi->fh = reinterpret_cast<uint64_t>(*h);
  // Close-to-open: a new open sees other clients' committed writes. Dropping the page cache is not
  // enough: the kernel's cached size must go too, or it would clip reads to a stale length.
  fi->keep_cache = 0;
  if (Ctx(req)->session) fuse_lowlevel_notify_inval_inode(Ctx(req)->session, ino, -1, 0);
  if (fuse_reply_open(req, fi) == -ENOENT) {
    (void)Cl(req)->Close(*h);
    if (ra) ra->Closed(ino, writable);
  }
}

void OpCreate(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  int flags = fi->flags;
  if (Ctx(req)->opts.writeback_cache && (flags & O_ACCMODE) == O_WRONLY) flags = (flags & ~O_ACCMODE) | O_RDWR;
  auto r = Cl(req)->Create(CallerOf(req), ToWeft(req, parent), name, mode, 0, flags, (flags & O_EXCL) != 0, true);
  ChangedEntry(req, ToWeft(req, parent), name);
  if (!r.ok()) return ReplyStatus(req, r.status());
  fi->fh = reinterpret_cast<uint64_t>(r->handle);
  fi->keep_cache = 0;
  fuse_entry_param e = Entry(req, r->attr);
  ReadAround* ra = Ctx(req)->read_around;
  const bool writable = Writable(fi->flags);
  if (ra) ra->Opened(e.ino, writable);
  if (fuse_reply_create(req, &e, fi) == -ENOENT) {
    (void)Cl(req)->Close(r->handle);
    if (ra) ra->Closed(e.ino, writable);
  }
}

// A random read smaller than the read-around size fetches the aligned block about it; the kernel gets
// what it asked in the reply and the rest for its page cache, from read_around.h's thread.
bool ReadWithAround(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  ReadAround* ra = Ctx(req)->read_around;
  // Only reads through the page cache: page-aligned, not O_DIRECT.
  if (!ra || ra->bytes() <= size || off % 4096 != 0 || (fi->flags & O_DIRECT)) return false;
  std::optional<uint64_t> token = ra->Begin(ino);
  if (!token) return false;
  std::vector<char> b = ra->Acquire(Client::ReadAroundCapacity(size, ra->bytes()));
  if (b.empty()) return false;
  auto e = Cl(req)->ReadAround(Fh(fi), static_cast<uint64_t>(off), size, ra->bytes(), b.data());
  if (!e.ok()) {
    ra->Release(std::move(b));
    ReplyStatus(req, e.status());
    return true;
  }
  const uint64_t from = static_cast<uint64_t>(off), got_end = e->off + e->len;
  const size_t n = got_end > from ? static_cast<size_t>(std::min<uint64_t>(size, got_end - from)) : 0;
  fuse_reply_buf(req, b.data() + (from - e->off), n);
  if (e->len > n) ra->Store(ino, *token, e->off, std::move(b), e->len, from, from + n);
  else ra->Release(std::move(b));
  return true;
}

void OpRead(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  if (ReadWithAround(req, ino, size, off, fi)) return;
  // One buffer per worker thread, kept (at most the kernel's largest read): a fresh allocation per read
  // of up to 1 MiB churned the allocator, whose freed blocks stayed resident.
  // On a FUSE-over-io_uring worker the data goes straight into the ring's payload (uring.h).
  thread_local std::vector<char> buf;
  char* dst = UringReplyBuffer(size);
  if (!dst) {
    if (buf.size() < size) buf.resize(size);
    dst = buf.data();
  }
  auto n = Cl(req)->Read(Fh(fi), static_cast<uint64_t>(off), size, dst);
  if (!n.ok()) return ReplyStatus(req, n.status());
  fuse_reply_buf(req, dst, *n);
}

void OpWrite(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
  Status s = Cl(req)->Write(Fh(fi), static_cast<uint64_t>(off), buf, size);
  ChangedIno(req, ToWeft(req, ino));
  if (!s.ok()) return ReplyStatus(req, s);
  fuse_reply_write(req, size);
}

// Flush, close and fsync commit what writes changed (length, mtime): after the commit, not only after
// the write, a page fetched in between holds the old length.
// Once a handle's writes are in weft (flush, fsync), the kernel asks for the file's attributes again
// at its next use of them. The new mtime then drops every page of the file, among them any page the
// kernel refilled with older bytes while a write was on its way: it puts a write in its page cache
// before it sends it, and an attribute refresh in between (auto_inval_data) can drop that page, so
// that a read fetches what the write has not yet replaced. Without this, such a page stayed until the
// attribute timeout ran out; now a reader with the file open reads the write once the writer's close
// or fsync returned.
void WritesLanded(fuse_req_t req, fuse_ino_t ino, FileHandle* fh) {
  if (Ctx(req)->session && Cl(req)->HandleWritable(fh)) {
    fuse_lowlevel_notify_inval_inode(Ctx(req)->session, ino, -1, 0);
  }
}

void OpFlush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Status s = Cl(req)->Flush(Fh(fi));
  ChangedIno(req, ToWeft(req, ino));
  if (s.ok()) WritesLanded(req, ino, Fh(fi));
  ReplyStatus(req, s);
}

void OpRelease(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Status s = Cl(req)->Close(Fh(fi));
  if (ReadAround* ra = Ctx(req)->read_around) ra->Closed(ino, Writable(fi->flags));
  ChangedIno(req, ToWeft(req, ino));
  ReplyStatus(req, s);
}

void OpFsync(fuse_req_t req, fuse_ino_t ino, int, fuse_file_info* fi) {
  Status s = Cl(req)->Fsync(Fh(fi));
  ChangedIno(req, ToWeft(req, ino));
  if (s.ok()) WritesLanded(req, ino, Fh(fi));
  ReplyStatus(req, s);
}

// A directory handle remembers, per readdir offset, the name to resume after: offsets stay valid
// while the directory changes because the metadata service resumes by name. It also remembers where a
// page ended the listing (eof_at): the kernel's next read at that offset, which always follows the
// last page, gets an empty page without a metadata round trip (POSIX lets a listing miss entries
// created after opendir or the last rewind; a rewind starts at offset 0 and asks the service again).
// A page may hold more entries than the kernel's buffer: the rest wait in `ahead` for the kernel's next
// read at ahead_at, which takes them without a round trip -- while they are fresh: attributes older
// than the attribute timeout would reach the kernel as new (it caches them for that timeout again), so
// an older readdirplus remainder is fetched anew.
struct DirHandle {
  std::mutex mu;
  std::vector<std::string> names;  // names[i] = the entry at offset i + 1
  off_t eof_at = -1;               // the offset after the last entry, once a page reached the end
  std::vector<DirEntry> ahead;     // fetched, not yet returned: the entries after offset ahead_at
  off_t ahead_at = -1;
  bool ahead_plus = false;  // they carry attributes (a readdirplus page)
  bool ahead_eof = false;   // their page ended the listing
  int64_t ahead_ms = 0;     // MonoMs when their page was fetched
};

// No metadata call: the kernel sends OPENDIR only for an inode it knows to be a directory, checks
// the caller's permission itself (default_permissions), and ReadDir checks it again in weft-meta.
void OpOpendir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  fi->fh = reinterpret_cast<uint64_t>(new DirHandle());
  fi->cache_readdir = 0;
  if (fuse_reply_open(req, fi) == -ENOENT) delete reinterpret_cast<DirHandle*>(fi->fh);
}

constexpr size_t kFirstPlusEntries = 64;

void ReadDirCommon(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi, bool plus) {
  auto* dh = reinterpret_cast<DirHandle*>(fi->fh);
  std::vector<char> buf(size);
  size_t used = 0;
  Status err;
  do {
    // The reply goes out only after the lock is released: once the kernel has it, a releasedir may free
    // the handle on another thread.
    std::lock_guard lock(dh->mu);
    if (off == 0) {  // opendir or rewinddir: list afresh
      dh->eof_at = -1;
      dh->ahead.clear();
      dh->ahead_at = -1;
    }
    if (off > 0 && off == dh->eof_at) break;  // past the last entry: an empty page
    std::vector<DirEntry> entries;
    bool eof = false, with_attrs = plus;
    const bool ahead_fresh =
        !plus || MonoMs() - dh->ahead_ms <= static_cast<int64_t>(Ctx(req)->opts.attr_timeout * 1000);
    if (off == dh->ahead_at && !dh->ahead.empty() && (dh->ahead_plus || !plus) && ahead_fresh) {
      entries = std::move(dh->ahead);
      eof = dh->ahead_eof;
      with_attrs = dh->ahead_plus;
    } else {
      std::string cookie;
      if (off > 0) {
        if (static_cast<size_t>(off) > dh->names.size()) {
          err = Err(EINVAL, "bad directory offset");
          break;
        }
        cookie = dh->names[static_cast<size_t>(off) - 1];
      }
      // The first plus page is small (see below): the attributes of the rest are asked for only if the
      // kernel wants them.
      uint32_t limit = plus && off == 0 ? kFirstPlusEntries
                                        : static_cast<uint32_t>(std::clamp<size_t>(size / 32, 256, 1024));
      auto page = Cl(req)->ReadDir(CallerOf(req), ToWeft(req, ino), cookie, limit, plus);
      if (!page.ok()) {
        err = page.status();
        break;
      }
      entries = std::move(page->entries);
      eof = page->eof;
      dh->ahead_ms = MonoMs();
    }
    dh->ahead.clear();
    dh->ahead_at = -1;
    off_t next = off;
    dh->names.resize(static_cast<size_t>(next));
    // The kernel (FUSE_CAP_READDIRPLUS_AUTO) asks for attributes at offset 0 of every listing, and
    // after that only once the reader looks entries up. So the first plus reply carries a few entries:
    // a plain listing then reads the rest without the kernel making an inode of each, and `ls -l`
    // (which looks entries up) still gets its next pages with attributes.
    const size_t cap = plus && off == 0 ? kFirstPlusEntries : entries.size();
    size_t i = 0;
    for (; i < entries.size() && i < cap; ++i) {
      const DirEntry& e = entries[i];
      size_t n;
      if (plus) {
        fuse_entry_param ep = Entry(req, e.attr());
        n = fuse_add_direntry_plus(req, buf.data() + used, size - used, e.name().c_str(), &ep, next + 1);
      } else {
        struct stat st {};
        st.st_ino = ToKernel(req, e.ino());
        st.st_mode = e.mode();
        n = fuse_add_direntry(req, buf.data() + used, size - used, e.name().c_str(), &st, next + 1);
      }
      if (n > size - used) break;  // full: the kernel asks again from this offset
      used += n;
      ++next;
      dh->names.push_back(e.name());
    }
    if (i < entries.size()) {
      dh->ahead.assign(std::make_move_iterator(entries.begin() + static_cast<long>(i)),
                       std::make_move_iterator(entries.end()));
      dh->ahead_at = next;
      dh->ahead_plus = with_attrs;
      dh->ahead_eof = eof;
    }
    dh->eof_at = eof && i == entries.size() ? next : -1;
  } while (false);
  if (!err.ok()) return ReplyStatus(req, err);
  fuse_reply_buf(req, buf.data(), used);
}

void OpReaddir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  ReadDirCommon(req, ino, size, off, fi, false);
}
void OpReaddirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  ReadDirCommon(req, ino, size, off, fi, true);
}

void OpReleasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete reinterpret_cast<DirHandle*>(fi->fh);
  fuse_reply_err(req, 0);
}

// weft-meta acknowledges namespace changes before it syncs them: fsync of a directory syncs them.
void OpFsyncdir(fuse_req_t req, fuse_ino_t, int, fuse_file_info*) { ReplyStatus(req, Cl(req)->SyncNamespace()); }

void OpStatfs(fuse_req_t req, fuse_ino_t) {
  auto s = Cl(req)->StatFs();
  if (!s.ok()) return ReplyStatus(req, s.status());
  struct statvfs st {};
  unsigned bs = s->block_size() ? s->block_size() : 4096;
  st.f_bsize = bs;
  st.f_frsize = bs;
  st.f_blocks = s->total_bytes() / bs;
  st.f_bfree = s->free_bytes() / bs;
  st.f_bavail = st.f_bfree;
  st.f_files = s->total_inodes();
  st.f_ffree = s->free_inodes();
  st.f_favail = st.f_ffree;
  st.f_namemax = s->name_max() ? s->name_max() : 255;
  fuse_reply_statfs(req, &st);
}

// Before and after this client changes an inode's xattrs: a hint noted from a reply in flight meanwhile
// must not outlive the change.
void ForgetXattrHint(fuse_req_t req, uint64_t ino) {
  if (XattrHints* h = Ctx(req)->xattr_hints) h->Forget(ino);
}
bool NoXattrsKnown(fuse_req_t req, uint64_t ino) {
  XattrHints* h = Ctx(req)->xattr_hints;
  return h && h->NoneKnown(ino);
}

void OpSetxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size, int flags) {
  const uint64_t w = ToWeft(req, ino);
  ForgetXattrHint(req, w);
  Status s = Cl(req)->SetXattr(CallerOf(req), w, name, std::string_view(value, size), flags);
  ForgetXattrHint(req, w);
  ChangedIno(req, w);
  ReplyStatus(req, s);
}

void OpGetxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  const uint64_t w = ToWeft(req, ino);
  if (NoXattrsKnown(req, w)) return (void)fuse_reply_err(req, ENODATA);
  auto v = Cl(req)->GetXattr(CallerOf(req), w, name);
  if (!v.ok()) return ReplyStatus(req, v.status());
  if (size == 0) return (void)fuse_reply_xattr(req, v->size());
  if (v->size() > size) return ReplyStatus(req, Err(ERANGE, "xattr value larger than the buffer"));
  fuse_reply_buf(req, v->data(), v->size());
}

void OpListxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  const uint64_t w = ToWeft(req, ino);
  if (NoXattrsKnown(req, w)) return size == 0 ? (void)fuse_reply_xattr(req, 0) : (void)fuse_reply_buf(req, nullptr, 0);
  auto names = Cl(req)->ListXattr(CallerOf(req), w);
  if (!names.ok()) return ReplyStatus(req, names.status());
  std::string out;
  for (const auto& n : *names) {
    out += n;
    out.push_back('\0');
  }
  if (size == 0) return (void)fuse_reply_xattr(req, out.size());
  if (out.size() > size) return ReplyStatus(req, Err(ERANGE, "xattr list larger than the buffer"));
  fuse_reply_buf(req, out.data(), out.size());
}

void OpRemovexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  const uint64_t w = ToWeft(req, ino);
  ForgetXattrHint(req, w);
  Status s = Cl(req)->RemoveXattr(CallerOf(req), w, name);
  ForgetXattrHint(req, w);
  ChangedIno(req, w);
  ReplyStatus(req, s);
}

void OpFallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length, fuse_file_info* fi) {
  if (mode != 0) return ReplyStatus(req, Err(EOPNOTSUPP, "only fallocate mode 0 is supported"));
  if (offset < 0 || length <= 0) return ReplyStatus(req, Err(EINVAL, "bad fallocate range"));
  Status s = Cl(req)->Allocate(Fh(fi), static_cast<uint64_t>(offset), static_cast<uint64_t>(length));
  ChangedIno(req, ToWeft(req, ino));
  ReplyStatus(req, s);
}

// SEEK_DATA/SEEK_HOLE without hole tracking: the whole file counts as data, as Linux allows.
void OpLseek(fuse_req_t req, fuse_ino_t, off_t off, int whence, fuse_file_info* fi) {
  uint64_t size = Cl(req)->HandleSize(Fh(fi));
  if (whence != SEEK_DATA && whence != SEEK_HOLE) return ReplyStatus(req, Err(EINVAL, "lseek whence"));
  if (off < 0 || static_cast<uint64_t>(off) >= size) return ReplyStatus(req, Err(ENXIO, "offset past the end"));
  fuse_reply_lseek(req, whence == SEEK_DATA ? off : static_cast<off_t>(size));
}

fuse_lowlevel_ops MakeOps() {
  fuse_lowlevel_ops o {};
  o.init = OpInit;
  o.lookup = OpLookup;
  o.forget = OpForget;
  o.forget_multi = OpForgetMulti;
  o.getattr = OpGetattr;
  o.setattr = OpSetattr;
  o.readlink = OpReadlink;
  o.mknod = OpMknod;
  o.mkdir = OpMkdir;
  o.unlink = OpUnlink;
  o.rmdir = OpRmdir;
  o.symlink = OpSymlink;
  o.rename = OpRename;
  o.link = OpLink;
  o.open = OpOpen;
  o.create = OpCreate;
  o.read = OpRead;
  o.write = OpWrite;
  o.flush = OpFlush;
  o.release = OpRelease;
  o.fsync = OpFsync;
  o.opendir = OpOpendir;
  o.readdir = OpReaddir;
  o.readdirplus = OpReaddirplus;
  o.releasedir = OpReleasedir;
  o.fsyncdir = OpFsyncdir;
  o.statfs = OpStatfs;
  o.setxattr = OpSetxattr;
  o.getxattr = OpGetxattr;
  o.listxattr = OpListxattr;
  o.removexattr = OpRemovexattr;
  o.fallocate = OpFallocate;
  o.lseek = OpLseek;
  return o;
}

}  // namespace

const fuse_lowlevel_ops* Operations() {
  static const fuse_lowlevel_ops ops = MakeOps();
  return &ops;
}

}  // namespace weft::fuse
