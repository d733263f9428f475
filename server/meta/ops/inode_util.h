// Helpers shared by the namespace operations: new inodes, parent-directory times, link counting and
// the release of an inode whose last link and last handle are gone.
//
// Thread-safety: as OpContext (one op's thread).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "server/meta/op_context.h"
#include "weft/common.pb.h"
#include "weft/meta.pb.h"

namespace weft::meta::ops {

// Inode ids below this are never handed out (so that no volume root is FUSE's inode 1 by accident).
inline constexpr uint64_t kFirstIno = 16;

// A fresh inode for `mode` (type and permission bits) created by caller in parent: uid = caller's,
// gid = the caller's or, under a setgid directory, the directory's (new directories inherit setgid;
// a file's setgid is dropped when the caller is not in that group), times = now, nlink 1 (2 for
// directories), the bound volume. REQUIRES: a mutating ctx with a bound volume.
StatusOr<rec::Inode> NewInode(OpContext& ctx, const Caller& caller, const rec::Inode& parent, uint32_t mode);
// As NewInode, with an inode number handed out before (a deferred create's, from its session's reservation).
rec::Inode NewInodeWithId(OpContext& ctx, uint64_t ino, const Caller& caller, const rec::Inode& parent, uint32_t mode);
// An entry of dir changed: mtime = ctime = now.
void TouchDir(OpContext& ctx, rec::Inode* dir);
// w+x on dir: EACCES otherwise.
Status CheckEntryWrite(const Caller& caller, const rec::Inode& dir);
// Drops one link of a non-directory (nlink-1, ctime = now) and stores it; releases it when that was the
// last link and no handle is open.
Status DropLink(OpContext& ctx, rec::Inode* inode);
// Takes name, the entry of non-directory victim, out of directory parent (its entry count, mtime and
// ctime) and drops that link (DropLink). REQUIRES: the caller's checks passed. Unlink and a deferred
// unlink (CreateBatch) both end here.
Status RemoveFileEntry(OpContext& ctx, rec::Inode* parent, std::string_view name, rec::Inode* victim);
// Releases an inode with no link and no open handle: its usage leaves the counters, its xattrs go;
// a regular file goes to the GC queue (its record stays for the layout), anything else is deleted.
Status ReleaseInode(OpContext& ctx, const rec::Inode& inode);
// Deletes every xattr of inode (nothing to scan when it has none).
Status DeleteXattrs(OpContext& ctx, const rec::Inode& inode);
// Removes an empty directory's inode (and its xattrs) and its usage (and its lease). REQUIRES: no entries.
Status DeleteDirInode(OpContext& ctx, const rec::Inode& dir);

// Directory leases (server/meta/dir_leases.h). Both REQUIRE a bound session.
using Leases = google::protobuf::RepeatedPtrField<DirLease>;
// The op adds a name to dir (create, mknod, mkdir, symlink, link, rename into dir). Another session's
// live lease on dir: ctx.RetryLater (the op runs again once that lease has ended). The op's session's
// own lease on dir: renewed, and appended to *leases. Call it after the op's checks, before it fails
// for any other reason where possible (a wait for nothing costs the waiter, not correctness).
Status NoteAdd(OpContext& ctx, uint64_t dir, Leases* leases);
// The op's session took a name out of dir (an unlink): its own lease there, when intact and not
// revoked, is renewed as an add renews it, and appended to *leases. Nothing for another session's lease
// (the op waited for it: NoteDirRead).
void RenewOwnLease(OpContext& ctx, uint64_t dir, Leases* leases);
// Mkdir made dir: a lease on it for the op's session, appended to *leases (when one was granted).
void GrantLease(OpContext& ctx, uint64_t dir, Leases* leases);
// Before the op removes or replaces directory dir, whose emptiness it has read: another, deferring
// session's live lease on dir makes it ctx.RetryLater (that session may have answered creates in dir
// that weft-meta has not seen yet).
Status NoteDirRead(OpContext& ctx, uint64_t dir);

}  // namespace weft::meta::ops
