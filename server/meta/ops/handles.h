// Open handles (H records): the open-time checks, opening, committing a writer's length, and release.
// An inode's open_handles counts its H records; an unlinked inode stays until its last handle goes.
//
// Thread-safety: as OpContext (one op's thread).
#pragma once

#include <cstdint>

#include "common/status.h"
#include "server/meta/op_context.h"

namespace weft::meta::ops {

// Files never grow past this (1 EiB): EFBIG.
inline constexpr uint64_t kMaxFileSize = 1ull << 60;

// True when open(2) flags ask for writing (O_WRONLY, O_RDWR or O_TRUNC).
bool WantsWrite(uint32_t flags);
// The open(2) checks for an existing inode: ELOOP (symlink), EISDIR (directory: no handles on them),
// EROFS (writing on a read-only volume or session), EACCES (permission by the access mode; O_TRUNC
// needs write).
Status CheckOpen(OpContext& ctx, const Caller& caller, const rec::Inode& inode, uint32_t flags);
// O_TRUNC on a regular file: size 0 (usage follows), mtime = ctime = now. Other types are untouched.
Status TruncateOnOpen(OpContext& ctx, rec::Inode* inode, uint32_t flags);
// Creates a handle of the bound session on inode (open_handles+1; the inode is stored). Returns its id.
StatusOr<uint64_t> OpenHandle(OpContext& ctx, rec::Inode* inode, uint32_t flags);
// The bound session's handle `id`: EBADF when there is none.
StatusOr<rec::Handle> FindHandle(OpContext& ctx, uint64_t id);
// A writer's length: grows the file to `size` when larger (usage follows, consuming the handle's
// reservation), sets mtime (the given one when set, else now) and ctime = now. Stores inode and handle.
Status CommitLength(OpContext& ctx, rec::Handle* handle, rec::Inode* inode, uint64_t size, const Timespec& mtime);
// Closes a handle: returns its unused reservation, open_handles-1, and releases the inode when that was
// its last handle and it has no link left. REQUIRES: the handle's volume is bound.
Status ReleaseHandle(OpContext& ctx, const rec::Handle& handle);

}  // namespace weft::meta::ops
