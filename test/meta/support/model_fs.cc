#include "test/meta/support/model_fs.h"

#include <cerrno>
#include <sys/stat.h>

#include <fmt/format.h>

namespace weft::meta::test {
namespace {
constexpr int kR = 4, kW = 2, kX = 1;
constexpr uint32_t kNoReplace = 1, kExchange = 2;
}  // namespace

std::string ModelOp::Describe() const {
  static const char* names[] = {"create", "mkdir", "symlink", "link", "unlink", "rmdir",
                                "rename", "chmod", "truncate", "lookup", "getattr"};
  return fmt::format("{}(uid {} parent {} ino {} new_parent {} name '{}' new_name '{}' mode {:o} flags {} size {})",
                     names[kind], uid, parent, ino, new_parent, name, new_name, mode, flags, size);
}

void ModelFs::AddRoot(const Attr& root) {
  ModelNode n;
  n.ino = root.ino();
  n.mode = root.mode();
  n.uid = root.uid();
  n.gid = root.gid();
  n.nlink = 2;
  n.parent = root.ino();
  nodes_[n.ino] = n;
}

const ModelNode* ModelFs::Find(uint64_t ino) const {
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? nullptr : &it->second;
}

int ModelFs::Dir(uint64_t ino, const ModelNode** out) const {
  *out = Find(ino);
  if (!*out) return ENOENT;
  if (!S_ISDIR((*out)->mode)) return ENOTDIR;
  return 0;
}

int ModelFs::Access(const ModelOp& op, const ModelNode& n, int mask) const {
  uint32_t bits = op.uid == n.uid ? (n.mode >> 6) & 7 : (op.gid == n.gid ? (n.mode >> 3) & 7 : n.mode & 7);
  return (bits & static_cast<uint32_t>(mask)) == static_cast<uint32_t>(mask) ? 0 : EACCES;
}

int ModelFs::Sticky(const ModelOp& op, const ModelNode& dir, const ModelNode& victim) const {
  if (!(dir.mode & S_ISVTX) || op.uid == dir.uid || op.uid == victim.uid) return 0;
  return EPERM;
}

bool ModelFs::IsAncestorOrSelf(uint64_t ancestor, uint64_t dir) const {
  for (;;) {
    if (dir == ancestor) return true;
    const ModelNode* n = Find(dir);
    if (!n || n->parent == dir) return false;
    dir = n->parent;
  }
}

void ModelFs::Drop(uint64_t ino) { nodes_.erase(ino); }

ModelResult ModelFs::Run(const ModelOp& op, bool apply, uint64_t new_ino) {
  switch (op.kind) {
    case ModelOp::kCreate: return Make(op, apply, new_ino, S_IFREG | (op.mode & 07777), 0);
    case ModelOp::kMkdir: return Make(op, apply, new_ino, S_IFDIR | (op.mode & (0777 | S_ISVTX)), 0);
    case ModelOp::kSymlink: return Make(op, apply, new_ino, S_IFLNK | 0777, op.target.size());
    case ModelOp::kLink: return Link(op, apply);
    case ModelOp::kUnlink: return Remove(op, apply, false);
    case ModelOp::kRmdir: return Remove(op, apply, true);
    case ModelOp::kRename: return Rename(op, apply);
    case ModelOp::kChmod: case ModelOp::kTruncate: return SetAttr(op, apply);
    case ModelOp::kLookup: return Lookup(op);
    case ModelOp::kGetAttr: {
      ModelResult r;
      const ModelNode* n = Find(op.ino);
      if (!n) r.err = ENOENT;
      else r.node = *n;
      return r;
    }
  }
  return {};
}

ModelResult ModelFs::Make(const ModelOp& op, bool apply, uint64_t new_ino, uint32_t mode, uint64_t size) {
  ModelResult r;
  const ModelNode* parent;
  if ((r.err = Dir(op.parent, &parent))) return r;
  if ((r.err = Access(op, *parent, kX))) return r;
  if (parent->entries.count(op.name)) return {EEXIST};
  if ((r.err = Access(op, *parent, kW | kX))) return r;
  ModelNode n;
  n.ino = new_ino;
  n.mode = mode;
  n.uid = op.uid;
  n.gid = op.gid;
  n.nlink = S_ISDIR(mode) ? 2 : 1;
  n.size = size;
  n.parent = S_ISDIR(mode) ? op.parent : 0;
  r.node = n;
  if (apply) {
    ModelNode& p = nodes_[op.parent];
    p.entries[op.name] = new_ino;
    if (S_ISDIR(mode)) p.nlink++;
    nodes_[new_ino] = n;
  }
  return r;
}

ModelResult ModelFs::Link(const ModelOp& op, bool apply) {
  ModelResult r;
  const ModelNode* n = Find(op.ino);
  if (!n) return {ENOENT};
  const ModelNode* parent;
  if ((r.err = Dir(op.new_parent, &parent))) return r;
  if ((r.err = Access(op, *parent, kX))) return r;
  if (parent->entries.count(op.new_name)) return {EEXIST};
  if ((r.err = Access(op, *parent, kW | kX))) return r;
  if (S_ISDIR(n->mode)) return {EPERM};
  r.node = *n;
  r.node.nlink++;
  if (apply) {
    nodes_[op.new_parent].entries[op.new_name] = op.ino;
    nodes_[op.ino].nlink++;
  }
  return r;
}

ModelResult ModelFs::Remove(const ModelOp& op, bool apply, bool dir) {
  ModelResult r;
  const ModelNode* parent;
  if ((r.err = Dir(op.parent, &parent))) return r;
  if ((r.err = Access(op, *parent, kX))) return r;
  auto e = parent->entries.find(op.name);
  if (e == parent->entries.end()) return {ENOENT};
  const ModelNode* victim = Find(e->second);
  if ((r.err = Access(op, *parent, kW | kX))) return r;
  if ((r.err = Sticky(op, *parent, *victim))) return r;
  if (!dir && S_ISDIR(victim->mode)) return {EISDIR};
  if (dir && !S_ISDIR(victim->mode)) return {ENOTDIR};
  if (dir && !victim->entries.empty()) return {ENOTEMPTY};
  const uint64_t vino = victim->ino;
  if (dir) {
    r.node = *parent;
    r.node.nlink--;
    r.node.entries.erase(op.name);
  } else {
    r.node = *victim;
    r.node.nlink--;
  }
  if (apply) {
    ModelNode& p = nodes_[op.parent];
    p.entries.erase(op.name);
    if (dir) {
      p.nlink--;
      Drop(vino);
    } else if (--nodes_[vino].nlink == 0) {
      Drop(vino);
    }
  }
  return r;
}

ModelResult ModelFs::Rename(const ModelOp& op, bool apply) {
  ModelResult r;
  if (op.flags & ~(kNoReplace | kExchange)) return {EINVAL};
  if ((op.flags & kNoReplace) && (op.flags & kExchange)) return {EINVAL};
  const bool same = op.parent == op.new_parent;
  const ModelNode *sdir, *ddir;
  if ((r.err = Dir(op.parent, &sdir))) return r;
  if ((r.err = Dir(op.new_parent, &ddir))) return r;
  if ((r.err = Access(op, *sdir, kX))) return r;
  if ((r.err = Access(op, *ddir, kX))) return r;
  auto se = sdir->entries.find(op.name);
  if (se == sdir->entries.end()) return {ENOENT};
  auto de = ddir->entries.find(op.new_name);
  const bool has_dst = de != ddir->entries.end();
  if ((op.flags & kExchange) && !has_dst) return {ENOENT};
  if ((op.flags & kNoReplace) && has_dst) return {EEXIST};
  const ModelNode* src = Find(se->second);
  if (has_dst && de->second == src->ino) {
    r.node = *src;
    r.noop = true;
    return r;
  }
  if ((r.err = Access(op, *sdir, kW | kX))) return r;
  if ((r.err = Access(op, *ddir, kW | kX))) return r;
  if ((r.err = Sticky(op, *sdir, *src))) return r;
  const ModelNode* dst = has_dst ? Find(de->second) : nullptr;
  if (dst && (r.err = Sticky(op, *ddir, *dst))) return r;
  const bool src_dir = S_ISDIR(src->mode), dst_dir = dst && S_ISDIR(dst->mode);
  if (dst && !(op.flags & kExchange)) {
    if (src_dir && !dst_dir) return {ENOTDIR};
    if (!src_dir && dst_dir) return {EISDIR};
    if (dst_dir && !dst->entries.empty()) return {ENOTEMPTY};
  }
  if (src_dir && !same && IsAncestorOrSelf(src->ino, op.new_parent)) return {EINVAL};
  if ((op.flags & kExchange) && dst_dir && !same && IsAncestorOrSelf(dst->ino, op.parent)) return {EINVAL};
  if (src_dir && !same && (r.err = Access(op, *src, kW))) return r;
  if ((op.flags & kExchange) && dst_dir && !same && (r.err = Access(op, *dst, kW))) return r;
  const uint64_t sino = src->ino, dino = dst ? dst->ino : 0;
  r.node = *src;
  r.replaced = dino;
  if (!apply) return r;
  ModelNode& sd = nodes_[op.parent];
  ModelNode& dd = nodes_[op.new_parent];
  if (op.flags & kExchange) {
    sd.entries[op.name] = dino;
    dd.entries[op.new_name] = sino;
    if (!same) {
      if (src_dir) { nodes_[sino].parent = op.new_parent; sd.nlink--; dd.nlink++; }
      if (dst_dir) { nodes_[dino].parent = op.parent; dd.nlink--; sd.nlink++; }
    }
    return r;
  }
  sd.entries.erase(op.name);
  dd.entries[op.new_name] = sino;
  if (dst) {
    if (dst_dir) {
      dd.nlink--;
      Drop(dino);
    } else if (--nodes_[dino].nlink == 0) {
      Drop(dino);
    }
  }
  if (src_dir && !same) {
    nodes_[sino].parent = op.new_parent;
    sd.nlink--;
    dd.nlink++;
  }
  return r;
}

ModelResult ModelFs::SetAttr(const ModelOp& op, bool apply) {
  ModelResult r;
  const ModelNode* n = Find(op.ino);
  if (!n) return {ENOENT};
  ModelNode after = *n;
  if (op.kind == ModelOp::kChmod) {
    if (op.uid != n->uid) return {EPERM};
    after.mode = (n->mode & S_IFMT) | (op.mode & 07777);
  } else {
    if (S_ISDIR(n->mode)) return {EISDIR};
    if (!S_ISREG(n->mode)) return {EINVAL};
    if ((r.err = Access(op, *n, kW))) return r;
    after.size = op.size;
  }
  r.node = after;
  if (apply) nodes_[op.ino] = after;
  return r;
}

ModelResult ModelFs::Lookup(const ModelOp& op) {
  ModelResult r;
  const ModelNode* dir;
  if ((r.err = Dir(op.parent, &dir))) return r;
  if ((r.err = Access(op, *dir, kX))) return r;
  auto e = dir->entries.find(op.name);
  if (e == dir->entries.end()) return {ENOENT};
  r.node = *Find(e->second);
  return r;
}

}  // namespace weft::meta::test
