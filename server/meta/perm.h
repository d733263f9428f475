// POSIX permission rules, decided from the caller the FUSE client forwards (uid, gid, groups). uid 0
// bypasses read/write checks and search on directories, but executing a file needs some x bit.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "weft/common.pb.h"

namespace weft::meta {

inline constexpr int kMayExec = 1;
inline constexpr int kMayWrite = 2;
inline constexpr int kMayRead = 4;

bool IsRoot(const Caller& c);
// The caller's primary or a supplementary group is gid.
bool InGroup(const Caller& c, uint32_t gid);
bool IsOwnerOrRoot(const Caller& c, const Attr& a);
// EACCES unless the caller may access `a` for every bit of mask (kMayRead|kMayWrite|kMayExec).
Status CheckAccess(const Caller& c, const Attr& a, int mask);
// The sticky-directory rule for removing or replacing `victim` in `dir`: EPERM unless dir is not sticky
// or the caller owns dir or victim or is root.
Status CheckSticky(const Caller& c, const Attr& dir, const Attr& victim);

}  // namespace weft::meta
