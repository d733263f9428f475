#include "server/meta/perm.h"

#include <sys/stat.h>

#include <algorithm>

namespace weft::meta {

bool IsRoot(const Caller& c) { return c.uid() == 0; }

bool InGroup(const Caller& c, uint32_t gid) {
  return c.gid() == gid || std::find(c.groups().begin(), c.groups().end(), gid) != c.groups().end();
}

bool IsOwnerOrRoot(const Caller& c, const Attr& a) { return IsRoot(c) || c.uid() == a.uid(); }

Status CheckAccess(const Caller& c, const Attr& a, int mask) {
  uint32_t mode = a.mode();
  if (IsRoot(c)) {
    // Root reads and writes anything and searches any directory; it executes a file only when some
    // x bit is set.
    if ((mask & kMayExec) && !S_ISDIR(mode) && (mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
      return Err(EACCES, "no execute permission on inode {}", a.ino());
    }
    return Status::Ok();
  }
  uint32_t bits;
  if (c.uid() == a.uid()) bits = (mode >> 6) & 7;
  else if (InGroup(c, a.gid())) bits = (mode >> 3) & 7;
  else bits = mode & 7;
  if ((bits & static_cast<uint32_t>(mask)) != static_cast<uint32_t>(mask)) {
    return Err(EACCES, "permission denied on inode {} (mode {:o}, owner {}:{}, caller {}:{})", a.ino(),
               mode & 07777, a.uid(), a.gid(), c.uid(), c.gid());
  }
  return Status::Ok();
}

Status CheckSticky(const Caller& c, const Attr& dir, const Attr& victim) {
  if ((dir.mode() & S_ISVTX) == 0 || IsRoot(c) || c.uid() == dir.uid() || c.uid() == victim.uid()) {
    return Status::Ok();
  }
  return Err(EPERM, "sticky directory {}: only the owner of the entry or the directory may remove it", dir.ino());
}

}  // namespace weft::meta
