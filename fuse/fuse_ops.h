// weft-mount's FUSE low-level operations over libweft. Handlers are thin: decode the request, call
// the client, reply exactly once; a Status becomes an errno in one place (ReplyStatus).
//
// Inode numbers: the kernel's root (FUSE_ROOT_ID = 1) and the volume's root inode swap places; every
// other inode number is the volume's own (weft never reuses inode numbers, so generation is 0).
// weft-mount keeps no per-inode state the kernel's lookup counts would govern (forget is a no-op);
// the per-inode hints it keeps (xattr_hints.h, lookup_ahead.h) expire on their own.
//
// Thread-safety: handlers run concurrently on libfuse's worker threads, or on FUSE over io_uring's
// (fuse/uring.h: the same libfuse dispatch, one request per worker); the Client is thread-safe.
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse3/fuse_lowlevel.h>

#include <memory>

#include "fuse/lookup_ahead.h"
#include "fuse/read_around.h"
#include "fuse/xattr_hints.h"
#include "weft/client.h"

namespace weft::fuse {

struct FuseOptions {
  double attr_timeout = 1.0;   // kernel attribute cache, seconds; default 1
  double entry_timeout = 1.0;  // kernel dentry cache, seconds; default 1
  // Kernel write-back caching (FUSE_CAP_WRITEBACK_CACHE); default off. With it the kernel trusts its own
  // file sizes and never takes another client's from the metadata service, which breaks close-to-open
  // on a shared volume; turn it on only for a volume no other client writes.
  bool writeback_cache = false;
  unsigned max_write = 1u << 20;  // largest write request from the kernel; default 1 MiB
  unsigned max_readahead = 1u << 20;  // kernel readahead per request; default 1 MiB
};

struct FuseContext {
  Client* client = nullptr;
  fuse_session* session = nullptr;  // set once the session exists
  FuseOptions opts;
  XattrHints* xattr_hints = nullptr;  // inodes known to have no xattrs (null: ask weft-meta always)
  LookupAhead* lookup_ahead = nullptr;  // directory pages answering lookups (null: every lookup asks)
  ReadAround* read_around = nullptr;    // random reads' neighbouring pages for the kernel (null: off)
};

// The operation table; userdata passed to fuse_session_new must be a FuseContext*.
const fuse_lowlevel_ops* Operations();

}  // namespace weft::fuse
