#include "server/meta/check/checker.h"

#include <sys/stat.h>

#include <map>
#include <set>

#include "server/meta/keys.h"
#include "server/meta/records.pb.h"

namespace weft::meta {
namespace {

struct Entry {
  uint64_t parent;
  std::string name;
  rec::Dentry d;
};

// Everything in the store, by family.
struct Snapshot {
  std::map<uint64_t, rec::Inode> inodes;
  std::vector<Entry> dentries;
  std::map<uint64_t, uint64_t> xattrs;  // ino -> count
  std::map<uint64_t, rec::Volume> volumes;
  std::map<std::string, uint64_t> volume_names;
  std::map<std::string, rec::Tenant> tenants;
  std::map<uint64_t, rec::Session> sessions;
  std::vector<rec::Handle> handles;
  std::map<uint64_t, rec::GcItem> gc;
  std::map<uint64_t, uint64_t> replies;  // session -> count
  std::map<std::string, uint64_t> counters;
  std::map<uint64_t, rec::Token> tokens;
};

template <typename T>
bool Parse(std::string_view v, T* out) {
  return out->ParseFromArray(v.data(), static_cast<int>(v.size()));
}

Status Load(KvReader& kv, Snapshot* s, std::vector<std::string>* bad) {
  auto it = kv.Scan("", "");
  for (; it->Valid(); it->Next()) {
    std::string_view k = it->key(), v = it->value();
    char family = k.empty() ? '\0' : k[0];
    bool ok = true;
    auto id = [&](size_t at) { return k.size() >= at + 8 ? keys::DecodeU64(k.substr(at)) : 0; };
    switch (family) {
      case keys::kInode: ok = k.size() == 9 && Parse(v, &s->inodes[id(1)]); break;
      case keys::kDentry: {
        Entry e{id(1), std::string(k.size() > 9 ? k.substr(9) : ""), {}};
        ok = k.size() > 9 && Parse(v, &e.d);
        s->dentries.push_back(std::move(e));
        break;
      }
      case keys::kXattr: ok = k.size() > 9; s->xattrs[id(1)]++; break;
      case keys::kVolume: ok = k.size() == 9 && Parse(v, &s->volumes[id(1)]); break;
      case keys::kVolumeName:
        ok = v.size() == 8;
        if (ok) s->volume_names[std::string(k.substr(1))] = keys::DecodeU64(v);
        break;
      case keys::kTenant: ok = Parse(v, &s->tenants[std::string(k.substr(1))]); break;
      case keys::kSession: ok = k.size() == 9 && Parse(v, &s->sessions[id(1)]); break;
      case keys::kHandle: {
        rec::Handle h;
        ok = k.size() == 17 && Parse(v, &h) && h.session_id() == id(1) && h.id() == id(9);
        s->handles.push_back(std::move(h));
        break;
      }
      case keys::kGc: ok = k.size() == 9 && Parse(v, &s->gc[id(1)]); break;
      case keys::kReply: ok = k.size() == 17; s->replies[id(1)]++; break;
      case keys::kCounter:
        ok = v.size() == 8;
        if (ok) s->counters[std::string(k.substr(1))] = keys::DecodeU64(v);
        break;
      case keys::kToken: {
        rec::Token t;
        ok = k.size() == 9 && Parse(v, &t) && t.info().id() == id(1) && t.hash().size() == 32;
        if (ok) s->tokens[id(1)] = std::move(t);
        break;
      }
      case 'C': break;  // cluster membership: checked by its owner
      default: ok = false; break;
    }
    if (!ok) bad->push_back(fmt::format("malformed record under key family '{}' ({} byte key)", family, k.size()));
  }
  return it->status();
}

class Checker {
 public:
  Checker(const Snapshot& s, CheckReport* r) : s_(s), r_(r) {}

  void Run() {
    CheckDentries();
    CheckInodes();
    CheckReachability();
    CheckVolumes();
    CheckTenants();
    CheckSessionsAndHandles();
    CheckMisc();
  }

 private:
  template <typename... Args>
  void Bad(fmt::format_string<Args...> f, Args&&... args) {
    r_->violations.push_back(fmt::format(f, std::forward<Args>(args)...));
  }
  const rec::Volume* VolumeOf(uint64_t id) const {
    auto it = s_.volumes.find(id);
    return it == s_.volumes.end() ? nullptr : &it->second;
  }
  bool Purging(uint64_t volume_id) const {
    const rec::Volume* v = VolumeOf(volume_id);
    return v && v->deleting();
  }

  void CheckDentries() {
    for (const auto& e : s_.dentries) {
      auto p = s_.inodes.find(e.parent);
      auto c = s_.inodes.find(e.d.ino());
      if (p == s_.inodes.end()) {
        Bad("dentry '{}' in directory {}: the directory does not exist", e.name, e.parent);
        continue;
      }
      if (!S_ISDIR(p->second.attr().mode())) Bad("dentry '{}' in inode {}: the parent is not a directory", e.name, e.parent);
      if (c == s_.inodes.end()) {
        Bad("dentry '{}' in directory {} points to missing inode {}", e.name, e.parent, e.d.ino());
        continue;
      }
      const Attr& ca = c->second.attr();
      if (ca.volume_id() != p->second.attr().volume_id()) {
        Bad("dentry '{}' in directory {} (volume {}) points to inode {} of volume {}", e.name, e.parent,
            p->second.attr().volume_id(), e.d.ino(), ca.volume_id());
      }
      if ((ca.mode() & S_IFMT) != e.d.type()) {
        Bad("dentry '{}' in directory {} says type {:o}, inode {} is {:o}", e.name, e.parent, e.d.type(), e.d.ino(),
            ca.mode() & S_IFMT);
      }
      links_[e.d.ino()]++;
      entries_[e.parent]++;
      if (S_ISDIR(ca.mode())) {
        subdirs_[e.parent]++;
        dir_parent_[e.d.ino()] = e.parent;
      }
    }
  }

  void CheckInodes() {
    for (const auto& h : s_.handles) handles_[h.ino()]++;
    for (const auto& [ino, inode] : s_.inodes) {
      const Attr& a = inode.attr();
      if (a.ino() != ino) Bad("inode record {} says ino {}", ino, a.ino());
      const rec::Volume* vol = VolumeOf(a.volume_id());
      const bool queued = s_.gc.count(ino) > 0;
      if (!vol) {
        // A deleted volume's files wait in the GC queue for their data to go; nothing else may outlive it.
        if (!queued) Bad("inode {} belongs to missing volume {}", ino, a.volume_id());
        continue;
      }
      const uint64_t handles = handles_.count(ino) ? handles_[ino] : 0;
      const uint64_t xattrs = s_.xattrs.count(ino) ? s_.xattrs.at(ino) : 0;
      if (inode.xattrs() != xattrs) Bad("inode {} counts {} xattrs, {} exist", ino, inode.xattrs(), xattrs);
      if (inode.open_handles() != handles) {
        Bad("inode {} counts {} open handles, {} handle records exist", ino, inode.open_handles(), handles);
      }
      if (queued && (a.nlink() != 0 || handles != 0)) {
        Bad("inode {} is in the GC queue with nlink {} and {} handles", ino, a.nlink(), handles);
      }
      if (queued && !S_ISREG(a.mode())) Bad("inode {} in the GC queue is not a regular file", ino);
      if (!queued) volume_inodes_[a.volume_id()]++;
      if (!queued && S_ISREG(a.mode())) volume_bytes_[a.volume_id()] += a.size();
      if (vol->deleting()) continue;  // a purge in progress leaves directory counts behind
      const uint64_t links = links_.count(ino) ? links_[ino] : 0;
      const bool is_root = vol->info().root_ino() == ino;
      if (S_ISDIR(a.mode())) {
        const uint64_t subdirs = subdirs_.count(ino) ? subdirs_[ino] : 0;
        const uint64_t entries = entries_.count(ino) ? entries_[ino] : 0;
        if (a.nlink() != 2 + subdirs) Bad("directory {} has nlink {}, expected {} (2 + {} subdirectories)", ino, a.nlink(), 2 + subdirs, subdirs);
        if (inode.entries() != entries) Bad("directory {} counts {} entries, {} dentries exist", ino, inode.entries(), entries);
        if (links != (is_root ? 0u : 1u)) Bad("directory {} has {} names (expected {})", ino, links, is_root ? 0 : 1);
        uint64_t expected_parent = is_root ? ino : (dir_parent_.count(ino) ? dir_parent_[ino] : 0);
        if (inode.parent() != expected_parent) Bad("directory {} says parent {}, its dentry is in {}", ino, inode.parent(), expected_parent);
      } else {
        if (is_root) Bad("volume {} root inode {} is not a directory", a.volume_id(), ino);
        if (a.nlink() != links) Bad("inode {} has nlink {} but {} dentries", ino, a.nlink(), links);
        if (a.nlink() == 0 && handles == 0 && !queued) Bad("orphan inode {}: no link, no handle, not in the GC queue", ino);
      }
    }
  }

  void CheckReachability() {
    std::map<uint64_t, std::vector<uint64_t>> children;
    for (const auto& e : s_.dentries) children[e.parent].push_back(e.d.ino());
    std::set<uint64_t> seen;
    for (const auto& [id, v] : s_.volumes) {
      if (v.deleting()) continue;
      std::vector<uint64_t> stack = {v.info().root_ino()};
      while (!stack.empty()) {
        uint64_t ino = stack.back();
        stack.pop_back();
        if (!seen.insert(ino).second) continue;
        for (uint64_t c : children[ino]) stack.push_back(c);
      }
    }
    for (const auto& [ino, inode] : s_.inodes) {
      if (inode.attr().nlink() > 0 && !seen.count(ino) && !Purging(inode.attr().volume_id()) &&
          VolumeOf(inode.attr().volume_id())) {
        Bad("inode {} (nlink {}) is not reachable from its volume's root", ino, inode.attr().nlink());
      }
    }
  }

  void CheckVolumes() {
    std::map<uint64_t, uint64_t> reserved, mounts, writers;
    for (const auto& h : s_.handles) reserved[h.volume_id()] += h.reserved();
    std::map<uint64_t, uint64_t> ino_charged;  // inodes reserved for deferred creates, charged, not yet used
    for (const auto& [id, sess] : s_.sessions) {
      mounts[sess.volume_id()]++;
      if (!sess.read_only()) writers[sess.volume_id()]++;
      ino_charged[sess.volume_id()] += sess.ino_charged();
    }
    for (const auto& [id, v] : s_.volumes) {
      const Volume& info = v.info();
      if (info.id() != id) Bad("volume record {} says id {}", id, info.id());
      if (!v.deleting()) {
        ++r_->volumes;
        auto n = s_.volume_names.find(info.name());
        if (n == s_.volume_names.end() || n->second != id) Bad("volume '{}' ({}) is missing from the name index", info.name(), id);
        auto root = s_.inodes.find(info.root_ino());
        if (root == s_.inodes.end()) Bad("volume '{}' root inode {} is missing", info.name(), info.root_ino());
      }
      if (!s_.tenants.count(info.tenant())) Bad("volume '{}' belongs to missing tenant '{}'", info.name(), info.tenant());
      if (info.usage().inodes() != volume_inodes_[id] + ino_charged[id]) {
        Bad("volume '{}' usage says {} inodes, {} exist and sessions hold {} reserved", info.name(), info.usage().inodes(),
            volume_inodes_[id], ino_charged[id]);
      }
      if (info.usage().bytes() != volume_bytes_[id]) Bad("volume '{}' usage says {} bytes, files hold {}", info.name(), info.usage().bytes(), volume_bytes_[id]);
      if (info.usage().reserved_bytes() != reserved[id]) Bad("volume '{}' says {} bytes reserved, handles hold {}", info.name(), info.usage().reserved_bytes(), reserved[id]);
      if (info.mounts() != mounts[id]) Bad("volume '{}' counts {} mounts, {} sessions exist", info.name(), info.mounts(), mounts[id]);
      if (v.writer_mounts() != writers[id]) Bad("volume '{}' counts {} writer mounts, {} exist", info.name(), v.writer_mounts(), writers[id]);
    }
    for (const auto& [name, id] : s_.volume_names) {
      const rec::Volume* v = VolumeOf(id);
      if (!v || v->deleting() || v->info().name() != name) Bad("volume name '{}' indexes no live volume ({})", name, id);
    }
  }

  void CheckTenants() {
    std::map<std::string, Usage> sums;
    for (const auto& [id, v] : s_.volumes) {
      Usage& u = sums[v.info().tenant()];
      u.set_bytes(u.bytes() + v.info().usage().bytes());
      u.set_inodes(u.inodes() + v.info().usage().inodes());
      u.set_reserved_bytes(u.reserved_bytes() + v.info().usage().reserved_bytes());
      if (!v.deleting()) u.set_volumes(u.volumes() + 1);
    }
    for (const auto& [name, t] : s_.tenants) {
      ++r_->tenants;
      const Usage& have = t.info().usage();
      const Usage& want = sums[name];
      if (have.bytes() != want.bytes() || have.inodes() != want.inodes() || have.volumes() != want.volumes() ||
          have.reserved_bytes() != want.reserved_bytes()) {
        Bad("tenant '{}' usage says {} bytes, {} inodes, {} volumes, {} reserved; its volumes sum to {}, {}, {}, {}", name,
            have.bytes(), have.inodes(), have.volumes(), have.reserved_bytes(), want.bytes(), want.inodes(), want.volumes(),
            want.reserved_bytes());
      }
    }
  }

  void CheckSessionsAndHandles() {
    for (const auto& [id, sess] : s_.sessions) {
      ++r_->sessions;
      const rec::Volume* v = VolumeOf(sess.volume_id());
      if (!v || v->deleting()) Bad("session {} is on missing or deleted volume {}", id, sess.volume_id());
    }
    for (const auto& h : s_.handles) {
      ++r_->handles;
      auto sess = s_.sessions.find(h.session_id());
      if (sess == s_.sessions.end()) Bad("handle {} belongs to missing session {}", h.id(), h.session_id());
      else if (sess->second.volume_id() != h.volume_id()) Bad("handle {} is on volume {}, its session on {}", h.id(), h.volume_id(), sess->second.volume_id());
      auto inode = s_.inodes.find(h.ino());
      if (inode == s_.inodes.end()) Bad("handle {} is open on missing inode {}", h.id(), h.ino());
      else if (inode->second.attr().volume_id() != h.volume_id()) Bad("handle {} on volume {} is open on inode {} of volume {}", h.id(), h.volume_id(), h.ino(), inode->second.attr().volume_id());
    }
    for (const auto& [sid, n] : s_.replies) {
      if (!s_.sessions.count(sid)) Bad("{} recorded replies belong to missing session {}", n, sid);
    }
  }

  void CheckMisc() {
    for (const auto& [ino, n] : s_.xattrs) {
      if (!s_.inodes.count(ino)) Bad("{} xattrs belong to missing inode {}", n, ino);
    }
    for (const auto& [ino, item] : s_.gc) {
      ++r_->gc_pending;
      if (!s_.inodes.count(ino)) Bad("GC entry for missing inode {}", ino);
    }
    auto counter = [&](std::string_view name) {
      auto it = s_.counters.find(std::string(name));
      return it == s_.counters.end() ? 0 : it->second;
    };
    for (std::string_view name : keys::kCounters) {
      auto r = s_.counters.find(std::string(name).append(keys::kReservedSuffix));
      if (r != s_.counters.end() && counter(name) > r->second) {
        Bad("counter '{}' is at {}, past its on-disk reservation {}", name, counter(name), r->second);
      }
    }
    uint64_t max_ino = s_.inodes.empty() ? 0 : s_.inodes.rbegin()->first;
    if (max_ino > counter(keys::kInoCounter)) Bad("inode {} exists but the inode counter is at {}", max_ino, counter(keys::kInoCounter));
    uint64_t max_vol = s_.volumes.empty() ? 0 : s_.volumes.rbegin()->first;
    if (max_vol > counter(keys::kVolumeCounter)) Bad("volume {} exists but the volume counter is at {}", max_vol, counter(keys::kVolumeCounter));
    uint64_t max_sess = s_.sessions.empty() ? 0 : s_.sessions.rbegin()->first;
    if (max_sess > counter(keys::kSessionCounter)) Bad("session {} exists but the session counter is at {}", max_sess, counter(keys::kSessionCounter));
    for (const auto& h : s_.handles) {
      if (h.id() > counter(keys::kHandleCounter)) Bad("handle {} exists but the handle counter is at {}", h.id(), counter(keys::kHandleCounter));
    }
    for (const auto& [id, t] : s_.tokens) {
      if (id != 0 && !s_.tenants.count(t.info().tenant())) Bad("token {} belongs to missing tenant '{}'", id, t.info().tenant());
      if ((id == 0) != t.admin()) Bad("token {}: only token 0 is the admin token", id);
      if (id > counter(keys::kTokenCounter)) Bad("token {} exists but the token counter is at {}", id, counter(keys::kTokenCounter));
    }
    r_->inodes = s_.inodes.size();
    r_->dentries = s_.dentries.size();
  }

  const Snapshot& s_;
  CheckReport* const r_;
  std::map<uint64_t, uint64_t> links_, entries_, subdirs_, dir_parent_, handles_, volume_inodes_, volume_bytes_;
};

}  // namespace

std::string CheckReport::Summary() const {
  if (!ok()) return fmt::format("{} violations", violations.size());
  return fmt::format("ok: {} volumes, {} tenants, {} inodes, {} dentries, {} sessions, {} handles, {} awaiting GC",
                     volumes, tenants, inodes, dentries, sessions, handles, gc_pending);
}

StatusOr<CheckReport> CheckConsistency(KvReader& kv) {
  Snapshot s;
  CheckReport r;
  RETURN_IF_ERROR(Load(kv, &s, &r.violations));
  Checker(s, &r).Run();
  return r;
}

}  // namespace weft::meta
