// ModelFs: an independent in-memory reference of the namespace semantics weft-meta promises (POSIX
// entry rules, link counts, permissions for non-root callers, sticky directories), used by the
// randomized model test. It evaluates an operation against its state (without changing it), or applies
// it; new inodes take the ino the server assigned. Error precedence mirrors the server's documented
// check order (ops/*.cc), because POSIX leaves it open.
//
// Thread-safety: none (the checker runs single-threaded).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "weft/common.pb.h"

namespace weft::meta::test {

struct ModelOp {
  enum Kind { kCreate, kMkdir, kSymlink, kLink, kUnlink, kRmdir, kRename, kChmod, kTruncate, kLookup, kGetAttr };
  Kind kind = kCreate;
  uint32_t uid = 0, gid = 0;
  uint64_t parent = 0;      // create/mkdir/symlink/unlink/rmdir/rename(src)/lookup
  uint64_t ino = 0;         // link/chmod/truncate/getattr
  uint64_t new_parent = 0;  // link/rename
  std::string name, new_name, target;
  uint32_t mode = 0;
  uint32_t flags = 0;  // rename flags
  uint64_t size = 0;
  bool Mutates() const { return kind != kLookup && kind != kGetAttr; }
  std::string Describe() const;
};

struct ModelNode {
  uint64_t ino = 0;
  uint32_t mode = 0, uid = 0, gid = 0, nlink = 0;
  uint64_t size = 0;
  uint64_t parent = 0;  // directories
  std::map<std::string, uint64_t> entries;
};

struct ModelResult {
  int err = 0;
  ModelNode node;         // the op's reported inode (see ResultNode in the test); valid when err == 0
  uint64_t replaced = 0;  // rename: the replaced/exchanged inode
  bool noop = false;      // succeeded without changing anything (rename onto the same inode)
};

class ModelFs {
 public:
  // Adds a directory as-is (the volume root).
  void AddRoot(const Attr& root);
  // Evaluates op at the current state; with apply, makes its change (creations get new_ino).
  ModelResult Run(const ModelOp& op, bool apply, uint64_t new_ino = 0);
  const std::map<uint64_t, ModelNode>& nodes() const { return nodes_; }

 private:
  int Access(const ModelOp& op, const ModelNode& n, int mask) const;
  int Sticky(const ModelOp& op, const ModelNode& dir, const ModelNode& victim) const;
  const ModelNode* Find(uint64_t ino) const;
  int Dir(uint64_t ino, const ModelNode** out) const;
  bool IsAncestorOrSelf(uint64_t ancestor, uint64_t dir) const;
  ModelResult Make(const ModelOp& op, bool apply, uint64_t new_ino, uint32_t mode, uint64_t size);
  ModelResult Link(const ModelOp& op, bool apply);
  ModelResult Remove(const ModelOp& op, bool apply, bool dir);
  ModelResult Rename(const ModelOp& op, bool apply);
  ModelResult SetAttr(const ModelOp& op, bool apply);
  ModelResult Lookup(const ModelOp& op);
  void Drop(uint64_t ino);

  std::map<uint64_t, ModelNode> nodes_;
};

}  // namespace weft::meta::test
