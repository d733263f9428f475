// The directories this session holds a lease on (DirLease in proto/weft/meta.proto; the server's side
// is server/meta/dir_leases.h), with the names the session added to each: a lookup in such a directory
// of a name the session did not add is answered ENOENT here, without a metadata round trip, while the
// lease holds. The kernel looks every name up before it creates it, so this halves the round trips of
// a create into a directory the client made itself (untar, a job's output, mdtest).
//
// Why it is exact: weft-meta grants the lease with the directory (Mkdir), so the holder knows every name
// in it (none); while the lease holds, no other session adds a name to it; the holder notes each name
// it adds before it sends the add. So a name the holder has not noted does not exist. Names it noted
// may be gone again (its own unlink): those lookups go to weft-meta, as all others do.
//
// Time: the holder trusts a lease until the send time of the request whose reply granted or renewed
// it + the lease's ms: weft-meta's deadline is later (it starts when the request arrives).
//
// Files: for deferred unlinks (client/deferred_creates.h), each directory also keeps the regular files
// the session itself put there under the lease (created, or renamed in), by name with their inode.
// The same argument makes this exact: while the lease holds, no other session takes a name out of the
// directory or changes what it names (weft-meta makes an unlink, a rename out of it and an exchange in
// it wait for the lease, as reads do), so such a name still names that inode until this session removes
// or replaces it, which it notes here first. weft-meta does so only for a session that reserved inodes
// (a deferring one), so the client notes files only from calls it sent after its first reservation came.
// Its own plain unlinks renew the lease (Renewed), so a lease that lapsed while the session only read
// comes back at its first unlink there.
//
// Bounded: at most kMaxDirs directories and kMaxNames names in each (a directory past that is
// forgotten: its lookups go to weft-meta), and kMaxFiles files in all (past that, new files are not
// kept: their unlinks go to weft-meta). Names are kept as 64-bit hashes: a collision only sends a
// lookup to weft-meta. Files are kept by their full names: an unlink answered here must be exact.
//
// Thread-safety: thread-safe.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <unordered_map>

#include <google/protobuf/repeated_ptr_field.h>

#include "common/clock.h"
#include "weft/meta.pb.h"

namespace weft::client {

class LeasedDirs {
 public:
  using Leases = google::protobuf::RepeatedPtrField<DirLease>;
  static constexpr size_t kMaxDirs = 4096;
  static constexpr size_t kMaxNames = 1 << 20;
  static constexpr size_t kMaxFiles = 1 << 18;

  explicit LeasedDirs(bool enabled) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }

  // A Mkdir sent at sent_ms made the directory `made` (its attributes): its reply's leases. A lease on
  // it starts its entry.
  void Made(const Attr& made, const Leases& leases, int64_t sent_ms) {
    if (!enabled_) return;
    std::lock_guard lock(mu_);
    for (const DirLease& l : leases) {
      if (l.dir() != made.ino() || l.grant() == 0) continue;
      if (dirs_.size() >= kMaxDirs) Prune(MonoMs());
      if (dirs_.size() >= kMaxDirs) return;
      Erase(made.ino());
      dirs_[made.ino()] = Dir{.grant = l.grant(), .until_ms = sent_ms + l.ms(), .ms = l.ms(), .mode = made.mode(),
                              .uid = made.uid(), .gid = made.gid(), .attr = made};
    }
  }

  // The session is about to send a call that adds name to dir (before it is sent: once the call
  // returns, a lookup of the name must not be answered ENOENT here).
  void WillAdd(uint64_t dir, std::string_view name) {
    if (!enabled_) return;
    std::lock_guard lock(mu_);
    auto it = dirs_.find(dir);
    if (it == dirs_.end()) return;
    if (it->second.names.size() >= kMaxNames) {
      Erase(it);
      return;
    }
    ++it->second.names[Hash(name)];
  }

  // A call sent at sent_ms that added a name to dir succeeded; leases: its reply's, dir_after: dir's
  // attributes in it (ino 0 when it carried none). The lease on dir is renewed when the reply carries
  // it, and ends when it does not.
  void Added(uint64_t dir, const Leases& leases, int64_t sent_ms, const Attr& dir_after) {
    if (!enabled_) return;
    std::lock_guard lock(mu_);
    auto it = dirs_.find(dir);
    if (it == dirs_.end()) return;
    if (!RenewFrom(it->second, dir, leases, sent_ms)) {
      Erase(it);  // another session added a name to dir: the lease is over for good
      return;
    }
    if (dir_after.ino() == dir) {
      it->second.mode = dir_after.mode();
      it->second.uid = dir_after.uid();
      it->second.gid = dir_after.gid();
      it->second.attr = dir_after;
    }
  }

  // A call sent at sent_ms took a name out of dir (a plain unlink); leases: its reply's. The lease on
  // dir is renewed when the reply carries it; nothing ends when it does not (an older weft-meta renews
  // nothing on an unlink; a revoked lease holds until its time).
  void Renewed(uint64_t dir, const Leases& leases, int64_t sent_ms) {
    if (!enabled_) return;
    std::lock_guard lock(mu_);
    if (auto it = dirs_.find(dir); it != dirs_.end()) RenewFrom(it->second, dir, leases, sent_ms);
  }

  // True when name surely does not exist in dir (a lease holds, and this session never added it).
  // Never for ".", "..", a name weft-meta would refuse, or a caller who may not search dir by the
  // directory's mode as this session last saw it: weft-meta's error is the answer then.
  bool Absent(uint64_t dir, std::string_view name, const Caller& caller) {
    if (!enabled_ || !PlainName(name)) return false;
    std::lock_guard lock(mu_);
    auto it = dirs_.find(dir);
    if (it == dirs_.end() || it->second.until_ms <= MonoMs()) return false;
    if (!MaySearch(caller, it->second)) return false;
    if (it->second.names.contains(Hash(name))) return false;
    ++answered_;
    return true;
  }

  // Whether this session may answer a create of name in dir itself (a deferred create,
  // client/deferred_creates.h): the lease holds for half its period more at least (the create is sent
  // within a few ms), the name is surely absent,
  // the caller may search and write dir by its mode as last seen, and dir is not setgid (what a new file
  // inherits then is weft-meta's to decide). When true: dir's attributes as they will be once the create
  // lands (mtime = ctime = now_time), for the kernel's next GETATTR of dir; ino 0 when not known.
  std::optional<Attr> MayDefer(uint64_t dir, std::string_view name, const Caller& caller, const Timespec& now_time) {
    if (!enabled_ || !PlainName(name)) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = dirs_.find(dir);
    if (it == dirs_.end()) return std::nullopt;
    Dir& d = it->second;
    if (d.until_ms - d.ms / 2 <= MonoMs() || (d.mode & S_ISGID)) return std::nullopt;
    if (!May(caller, d, 3) || d.names.contains(Hash(name))) return std::nullopt;
    if (d.attr.ino() == dir) {
      *d.attr.mutable_mtime() = now_time;
      *d.attr.mutable_ctime() = now_time;
    }
    return d.attr;
  }

  // A batch of deferred creates into dirs, sent at sent_ms, came back with leases: each of dirs is
  // renewed when they carry its lease, and forgotten when not (its lease ended).
  void BatchReplied(const std::vector<uint64_t>& dirs, const Leases& leases, int64_t sent_ms) {
    if (!enabled_) return;
    std::lock_guard lock(mu_);
    for (uint64_t dir : dirs) {
      auto it = dirs_.find(dir);
      if (it != dirs_.end() && !RenewFrom(it->second, dir, leases, sent_ms)) Erase(it);
    }
  }

  // The session put the regular file ino in dir as name (a create, deferred or not, or a rename in) and
  // dir is still leased: an unlink of name may be answered here (MayDeferUnlink).
  void AddedFile(uint64_t dir, std::string_view name, uint64_t ino) {
    if (!enabled_) return;
    std::lock_guard lock(mu_);
    auto it = dirs_.find(dir);
    if (it == dirs_.end()) return;
    auto [f, fresh] = it->second.files.try_emplace(std::string(name), ino);
    if (!fresh) {
      f->second = ino;
    } else if (files_ >= kMaxFiles) {
      it->second.files.erase(f);
    } else {
      ++files_;
    }
  }

  // The session is about to take name out of dir, or make it name another inode (an unlink or rename it
  // sends to weft-meta): from then on this side no longer knows what it names.
  void Removing(uint64_t dir, std::string_view name) {
    if (!enabled_) return;
    std::lock_guard lock(mu_);
    auto it = dirs_.find(dir);
    if (it == dirs_.end()) return;
    files_ -= it->second.files.erase(std::string(name));
  }

  struct Unlinked {
    uint64_t ino = 0;  // the file name named
    Attr dir;          // dir's attributes once the unlink lands (mtime = ctime = now_time); ino 0 when unknown
  };
  // Whether this session may answer an unlink of name in dir itself (a deferred unlink): name is a
  // regular file it put there under the lease, the lease holds for half its period more at least, the
  // caller may search and write dir by its mode as last seen, dir is not sticky, and busy(ino) is false
  // (the caller's test that no handle is open on the file here). When true, queue(ino) has run, under
  // this object's lock, so that an unlink or rename of the name sent meanwhile (Removing) comes either
  // before (the unlink is not answered here) or after the unlink is queued (and so sent first); name is
  // gone on this side: a lookup of it is answered ENOENT here, and a create of it may be deferred again.
  template <typename Busy, typename Queue>
  std::optional<Unlinked> MayDeferUnlink(uint64_t dir, std::string_view name, const Caller& caller,
                                         const Timespec& now_time, Busy&& busy, Queue&& queue) {
    if (!enabled_ || !PlainName(name)) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = dirs_.find(dir);
    if (it == dirs_.end()) return std::nullopt;
    Dir& d = it->second;
    if (d.until_ms - d.ms / 2 <= MonoMs() || (d.mode & S_ISVTX) || !May(caller, d, 3)) return std::nullopt;
    auto f = d.files.find(std::string(name));
    if (f == d.files.end() || busy(f->second)) return std::nullopt;
    Unlinked out{.ino = f->second};
    queue(out.ino);
    d.files.erase(f);
    --files_;
    // One add of name is undone: the hash stays while another add under it does (the same name added
    // twice, or another name with the same hash), so a collision still only sends a lookup to weft-meta.
    if (auto n = d.names.find(Hash(name)); n != d.names.end() && --n->second == 0) d.names.erase(n);
    if (d.attr.ino() == dir) {
      *d.attr.mutable_mtime() = now_time;
      *d.attr.mutable_ctime() = now_time;
      out.dir = d.attr;
    }
    return out;
  }

  // dir is gone (this session removed it).
  void Forget(uint64_t dir) {
    if (!enabled_) return;
    std::lock_guard lock(mu_);
    Erase(dir);
  }

  uint64_t answered() const {
    std::lock_guard lock(mu_);
    return answered_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return dirs_.size();
  }

 private:
  struct Dir {
    uint64_t grant = 0;
    int64_t until_ms = 0;  // MonoMs
    uint32_t ms = 0;       // the lease's period
    // The directory's mode and owner from the replies that made it and added to it (a chmod by another
    // session shows when the lease ends, within a lease period: what the kernel's attribute cache, which
    // a FUSE mount's permission checks use, allows too).
    uint32_t mode = 0, uid = 0, gid = 0;
    Attr attr;  // the directory as last seen (ino 0 when no reply carried it)
    std::unordered_map<uint64_t, uint32_t> names;  // hash of a name added -> adds under that hash
    std::unordered_map<std::string, uint64_t> files;  // regular files the session put here: name -> inode
  };

  // Renews d (directory dir) from a reply's leases, its request sent at sent_ms: false when they do not
  // carry its lease (this grant).
  static bool RenewFrom(Dir& d, uint64_t dir, const Leases& leases, int64_t sent_ms) {
    for (const DirLease& l : leases) {
      if (l.dir() == dir && l.grant() == d.grant) {
        d.until_ms = std::max(d.until_ms, sent_ms + l.ms());
        return true;
      }
    }
    return false;
  }
  // Whether the caller has all of `want` (1 = search, 2 = write) on the directory, as weft-meta's
  // CheckAccess decides it (root always).
  static bool May(const Caller& c, const Dir& d, uint32_t want) {
    if (c.uid() == 0) return true;
    uint32_t bits;
    if (c.uid() == d.uid) {
      bits = d.mode >> 6;
    } else if (c.gid() == d.gid || std::find(c.groups().begin(), c.groups().end(), d.gid) != c.groups().end()) {
      bits = d.mode >> 3;
    } else {
      bits = d.mode;
    }
    return (bits & want) == want;
  }
  static bool MaySearch(const Caller& c, const Dir& d) { return May(c, d, 1); }
  static uint64_t Hash(std::string_view name) { return std::hash<std::string_view>{}(name); }
  static bool PlainName(std::string_view name) {
    return !name.empty() && name.size() <= 255 && name != "." && name != ".." &&
           name.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
  }
  // Drops directories whose lease lapsed more than a minute ago (weft-meta may still renew a lapsed
  // one, but one idle that long is not worth its memory). REQUIRES: mu_ held.
  void Prune(int64_t now) {
    for (auto it = dirs_.begin(); it != dirs_.end();) {
      it = it->second.until_ms + 60000 < now ? Erase(it) : std::next(it);
    }
  }
  // REQUIRES: mu_ held.
  using DirMap = std::unordered_map<uint64_t, Dir>;
  DirMap::iterator Erase(DirMap::iterator it) {
    files_ -= it->second.files.size();
    return dirs_.erase(it);
  }
  void Erase(uint64_t dir) {
    if (auto it = dirs_.find(dir); it != dirs_.end()) Erase(it);
  }

  const bool enabled_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Dir> dirs_;  // GUARDED_BY(mu_)
  size_t files_ = 0;                        // GUARDED_BY(mu_): entries of every Dir::files
  uint64_t answered_ = 0;                   // GUARDED_BY(mu_)
};

}  // namespace weft::client
