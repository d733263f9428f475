// FUSE over io_uring for weft-mount (kernel 6.14+, fs/fuse/dev_uring.c), beside libfuse 3.14, which
// predates it.
//
// Why: through /dev/fuse, a request wakes one of libfuse's workers, mostly on the other CPU, and its
// reply wakes the caller back; on a VM each cross-CPU wake-up costs 85-320 µs (bench/wake_bench.cc),
// more than weft's own work on a create or a cached stat. With the ring, the kernel gives a request to
// a queue of the caller's own CPU; its worker is pinned there, so the caller's sleep hands the CPU
// straight to the worker and the reply hands it back: two same-CPU switches.
//
// How: libfuse keeps the session, the INIT handshake and its worker loop on /dev/fuse (interrupts,
// forgets and notifications stay there). `Install` gives the session a custom I/O: its read notes
// the kernel's INIT and whether the kernel offers the ring; its writev asks for the ring in the INIT
// reply, and routes each reply either to the ring entry whose request it answers or to /dev/fuse. Once
// INIT is answered, `threads_per_queue` workers per CPU each register one entry (a 288-byte header
// and a payload of max_write) on their own io_uring and serve it: a request becomes a fuse_buf laid
// out as /dev/fuse would give it (the header and the op's arguments are copied in front of the payload,
// which is not copied) and goes through fuse_session_process_buf, so the handlers are libfuse's.
// A worker holds one request at a time; a handler that blocks (a weft-meta round trip) holds only its
// own worker, and the kernel queues a CPU's requests while all its workers are busy.
//
// The kernel offers the ring only with /sys/module/fuse/parameters/enable_uring = Y (off by default);
// without it weft-mount serves /dev/fuse alone, as before.
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse3/fuse_lowlevel.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace weft::fuse {

enum class UringMode { kAuto, kOn, kOff };  // auto: when the kernel offers it; on: the mount fails without

struct UringOptions {
  UringMode mode = UringMode::kAuto;
  unsigned threads_per_queue = 8;  // workers (each one entry) per CPU queue
  bool pin = true;                 // pin each queue's workers to its CPU
};

struct UringCounters {
  uint64_t requests = 0;  // requests served through the ring
  uint64_t bad = 0;       // requests the ring gave in a shape not understood (answered EIO)
};

// On a ring worker, in a read handler: where the reply's data may be written in place, so that the
// reply is not copied once more into the ring's payload (null elsewhere, or when `size` does not fit).
// Valid until the handler replies.
char* UringReplyBuffer(size_t size);

class FuseUring {
 public:
  // Installs the custom I/O on `se`, which must be mounted (fuse_session_mount) and not yet serving.
  // Returns null (and leaves the session as it was) when `mode` is off.
  static std::unique_ptr<FuseUring> Install(fuse_session* se, const UringOptions& opts);
  ~FuseUring();

  // After the INIT handshake: whether the ring serves requests (all queues registered), or why not.
  // Waits up to `timeout_ms` for the workers to register.
  bool WaitActive(int timeout_ms, std::string* why);

  // Ends the workers; call once the session is unmounted (the kernel ends the entries then), before
  // fuse_session_destroy.
  void Stop();

  UringCounters counters() const;
  unsigned workers_per_queue() const;  // as started (threads_per_queue, fewer on a machine of many CPUs)
  static bool KernelEnabled();         // /sys/module/fuse/parameters/enable_uring reads Y

  struct Impl;

 private:
  explicit FuseUring(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::fuse
