#include "fuse/uring.h"

#include <liburing.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.h"

namespace weft::fuse {
namespace {

// The kernel's interface (include/uapi/linux/fuse.h, protocol 7.42); Debian 12's headers predate it.
constexpr uint32_t kOverIoUringFlags2 = 1u << (41 - 32);  // FUSE_OVER_IO_URING, in flags2
constexpr uint32_t kCmdRegister = 1;                      // FUSE_IO_URING_CMD_REGISTER
constexpr uint32_t kCmdCommitAndFetch = 2;                // FUSE_IO_URING_CMD_COMMIT_AND_FETCH
constexpr size_t kHeaderInOut = 128;                      // FUSE_URING_IN_OUT_HEADER_SZ
constexpr size_t kOpInOut = 128;                          // FUSE_URING_OP_IN_OUT_SZ

struct RingEntInOut {  // struct fuse_uring_ent_in_out
  uint64_t flags;
  uint64_t commit_id;  // the request's unique, given back with the commit
  uint32_t payload_sz;
  uint32_t padding;
  uint64_t reserved;
};

struct RingReqHeader {        // struct fuse_uring_req_header
  char in_out[kHeaderInOut];  // fuse_in_header in, fuse_out_header out
  char op_in[kOpInOut];       // the op's own argument struct (fuse_write_in, ...)
  RingEntInOut ring_ent_in_out;
};
static_assert(sizeof(RingReqHeader) == 288);

struct CmdReq {  // struct fuse_uring_cmd_req, in the SQE's command area
  uint64_t flags;
  uint64_t commit_id;
  uint16_t qid;
  uint8_t padding[6];
};

constexpr size_t kFront = 4096;  // the page before the payload: the ring header, then room for the
                                 // in-header and op arguments copied in front of the payload

unsigned PossibleCpus() {  // the kernel's num_possible_cpus(): one queue each
  std::ifstream f("/sys/devices/system/cpu/possible");
  std::string s;
  if (!(f >> s)) return std::thread::hardware_concurrency();
  unsigned n = 0;
  size_t pos = 0;
  while (pos < s.size()) {  // "0-1" or "0,2-5"
    size_t comma = s.find(',', pos);
    std::string part = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t dash = part.find('-');
    unsigned lo = std::stoul(part.substr(0, dash));
    unsigned hi = dash == std::string::npos ? lo : std::stoul(part.substr(dash + 1));
    n = std::max(n, hi + 1);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return n;
}

}  // namespace

struct Worker {
  FuseUring::Impl* impl = nullptr;
  unsigned qid = 0;
  char* area = nullptr;  // kFront + payload_size, mmap'd: untouched pages cost no memory
  size_t area_size = 0;
  RingReqHeader* header = nullptr;
  char* payload = nullptr;
  size_t payload_size = 0;
  io_uring ring{};
  bool ring_ok = false;
  std::thread thread;

  // The request in hand and its reply; `mu` because a handler may reply from another thread.
  std::atomic<uint64_t> unique{0};
  std::mutex mu;
  std::condition_variable cv;
  bool replied = false;

  void Run();
  bool Submit(uint32_t op, uint64_t commit_id);
  void Serve();
  void Fill(const iovec* iov, int count);
};

thread_local Worker* tl_worker = nullptr;

struct FuseUring::Impl {
  fuse_session* se = nullptr;
  int fd = -1;
  UringOptions opts;
  std::atomic<uint64_t> init_unique{0};
  std::atomic<bool> kernel_offers{false};
  size_t payload_size = 0;
  unsigned workers_per_queue = 0;

  std::mutex mu;
  std::condition_variable cv;
  enum class State { kWaitInit, kStarting, kActive, kOff } state = State::kWaitInit;
  std::string why;
  unsigned registered = 0;
  unsigned failed = 0;
  std::vector<unsigned> queue_registered;        // per CPU queue
  std::vector<std::unique_ptr<Worker>> workers;  // written once, at INIT, under `mu`
  std::atomic<bool> workers_set{false};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> bad{0};

  void SetOff(std::string reason) {
    std::lock_guard lk(mu);
    state = State::kOff;
    why = std::move(reason);
    cv.notify_all();
  }
  void StartWorkers(size_t payload);
  // Each worker reports once. The kernel serves through the ring once every queue has an entry, so
  // the ring is on then even if some workers failed (logged), and off only if a queue has none.
  void Registered(unsigned qid, bool ok, const std::string& err) {
    std::lock_guard lk(mu);
    if (ok) {
      ++registered;
      ++queue_registered[qid];
    } else {
      ++failed;
      if (why.empty()) why = err;
    }
    if (registered + failed < workers.size()) return;
    const bool every_queue =
        std::all_of(queue_registered.begin(), queue_registered.end(), [](unsigned n) { return n > 0; });
    state = every_queue ? State::kActive : State::kOff;
    if (every_queue && failed > 0)
      spdlog::warn("FUSE over io_uring: {} of {} workers could not register ({}); the others serve", failed,
                   workers.size(), why);
    cv.notify_all();
  }
  Worker* FindWorker(uint64_t unique) {
    if (!workers_set.load(std::memory_order_acquire)) return nullptr;
    for (auto& w : workers)
      if (w->unique.load(std::memory_order_acquire) == unique) return w.get();
    return nullptr;
  }
};

namespace {

FuseUring::Impl* g_impl = nullptr;  // one session per process; the custom I/O has no other handle

ssize_t UringRead(int fd, void* buf, size_t len, void*) {
  ssize_t n = ::read(fd, buf, len);
  FuseUring::Impl* impl = g_impl;
  if (impl && n >= static_cast<ssize_t>(sizeof(fuse_in_header) + 16) &&
      impl->init_unique.load(std::memory_order_relaxed) == 0) {
    const auto* ih = static_cast<const fuse_in_header*>(buf);
    if (ih->opcode == FUSE_INIT) {
      const auto* in = reinterpret_cast<const fuse_init_in*>(ih + 1);
      bool ext = n >= static_cast<ssize_t>(sizeof(fuse_in_header) + offsetof(fuse_init_in, flags2) + 4) &&
                 (in->flags & FUSE_INIT_EXT);
      impl->kernel_offers = ext && (in->flags2 & kOverIoUringFlags2);
      impl->init_unique = ih->unique;
    }
  }
  return n;
}

ssize_t UringWritev(int fd, struct iovec* iov, int count, void*) {
  FuseUring::Impl* impl = g_impl;
  if (!impl || count < 1 || iov[0].iov_len < sizeof(fuse_out_header)) return ::writev(fd, iov, count);
  const auto* oh = static_cast<const fuse_out_header*>(iov[0].iov_base);
  size_t total = 0;
  for (int i = 0; i < count; ++i) total += iov[i].iov_len;
  if (oh->unique != 0) {
    Worker* w = tl_worker;
    if (!w || w->unique.load(std::memory_order_relaxed) != oh->unique) w = impl->FindWorker(oh->unique);
    if (w) {
      w->Fill(iov, count);
      return static_cast<ssize_t>(total);
    }
  }
  if (oh->unique == 0 || oh->unique != impl->init_unique.load()) return ::writev(fd, iov, count);

  // The INIT reply: ask for the ring when the kernel offers it.
  if (oh->error != 0 || count < 2 || iov[1].iov_len < offsetof(fuse_init_out, flags2) + 4) {
    impl->SetOff("the INIT reply carries no extended flags (libfuse or protocol too old)");
    return ::writev(fd, iov, count);
  }
  if (!impl->kernel_offers) {
    impl->SetOff(
        "the kernel does not offer it (/sys/module/fuse/parameters/enable_uring is N, or the kernel "
        "predates 6.14)");
    return ::writev(fd, iov, count);
  }
  fuse_init_out out;
  std::memset(&out, 0, sizeof(out));
  std::memcpy(&out, iov[1].iov_base, std::min(sizeof(out), iov[1].iov_len));
  out.flags |= FUSE_INIT_EXT;
  out.flags2 |= kOverIoUringFlags2;
  std::vector<iovec> patched(iov, iov + count);
  patched[1].iov_base = &out;
  patched[1].iov_len = std::min(sizeof(out), iov[1].iov_len);
  ssize_t rc = ::writev(fd, patched.data(), count);
  if (rc < 0) {
    int err = errno;
    impl->SetOff(std::string("the INIT reply failed: ") + strerror(err));
    errno = err;
    return rc;
  }
  // The kernel sizes every entry's payload so: max(FUSE_MIN_READ_BUFFER, max_write, max_pages pages).
  size_t pages = (out.flags & FUSE_MAX_PAGES) ? out.max_pages : 32;
  size_t payload = std::max<size_t>({8192, out.max_write, pages * 4096});
  impl->StartWorkers(payload);
  return rc;
}

}  // namespace

void FuseUring::Impl::StartWorkers(size_t payload) {
  unsigned queues = PossibleCpus();
  // Each worker is a thread, a ring (one descriptor) and a payload mapping (resident once used): at
  // most 256 in all, however many CPUs the machine may have.
  const unsigned per_queue = std::clamp(opts.threads_per_queue, 1u, std::max(1u, 256 / std::max(1u, queues)));
  std::lock_guard lk(mu);
  workers_per_queue = per_queue;
  queue_registered.assign(queues, 0);
  payload_size = payload;
  state = State::kStarting;
  for (unsigned q = 0; q < queues; ++q) {
    for (unsigned i = 0; i < per_queue; ++i) {
      auto w = std::make_unique<Worker>();
      w->impl = this;
      w->qid = q;
      workers.push_back(std::move(w));
    }
  }
  workers_set.store(true, std::memory_order_release);
  for (auto& w : workers) w->thread = std::thread([p = w.get()] { p->Run(); });
}

bool Worker::Submit(uint32_t op, uint64_t commit_id) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (!sqe) return false;
  std::memset(sqe, 0, 128);  // SQE128
  sqe->opcode = IORING_OP_URING_CMD;
  sqe->fd = impl->fd;
  sqe->cmd_op = op;
  static thread_local iovec iov[2];
  if (op == kCmdRegister) {
    iov[0] = {header, sizeof(RingReqHeader)};
    iov[1] = {payload, payload_size};
    sqe->addr = reinterpret_cast<uint64_t>(iov);
    sqe->len = 2;
  }
  auto* cmd = reinterpret_cast<CmdReq*>(sqe->cmd);
  cmd->qid = static_cast<uint16_t>(qid);
  cmd->commit_id = commit_id;
  return io_uring_submit(&ring) == 1;
}

void Worker::Run() {
  tl_worker = this;
  pthread_setname_np(pthread_self(), ("weft-uring" + std::to_string(qid)).c_str());
  if (impl->opts.pin) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(qid, &set);
    (void)sched_setaffinity(0, sizeof(set), &set);  // not allowed there (cpuset): run unpinned
  }
  auto fail = [&](const std::string& what) { impl->Registered(qid, false, what); };
  payload_size = impl->payload_size;
  area_size = kFront + payload_size;
  void* m = mmap(nullptr, area_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return fail(std::string("mmap: ") + strerror(errno));
  area = static_cast<char*>(m);
  header = reinterpret_cast<RingReqHeader*>(area);
  payload = area + kFront;
  io_uring_params p{};
  p.flags = IORING_SETUP_SQE128 | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  int rc = io_uring_queue_init_params(2, &ring, &p);
  if (rc < 0) {
    p = io_uring_params{};
    p.flags = IORING_SETUP_SQE128;
    rc = io_uring_queue_init_params(2, &ring, &p);
  }
  if (rc < 0) {
    munmap(area, area_size);
    return fail(std::string("io_uring_queue_init: ") + strerror(-rc));
  }
  ring_ok = true;
  // Register; the kernel answers EAGAIN until it has processed the INIT reply.
  for (int attempt = 0;; ++attempt) {
    if (!Submit(kCmdRegister, 0)) return fail("cannot submit the registration");
    io_uring_cqe* cqe = nullptr;
    if (io_uring_peek_cqe(&ring, &cqe) != 0) break;  // no completion: the entry waits for requests
    int res = cqe->res;
    io_uring_cqe_seen(&ring, cqe);
    if (res == -EAGAIN && attempt < 1000 && !impl->stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    return fail(std::string("registration: ") + strerror(-res));
  }
  impl->Registered(qid, true, "");
  Serve();
}

void Worker::Serve() {
  int reregistered = 0;
  for (;;) {
    io_uring_cqe* cqe = nullptr;
    __kernel_timespec ts{1, 0};
    int rc = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
    if (rc == -ETIME || rc == -EINTR) {
      if (impl->stop) return;
      continue;
    }
    if (rc < 0) {
      spdlog::warn("FUSE over io_uring: queue {} worker stops: {}", qid, strerror(-rc));
      return;
    }
    int res = cqe->res;
    io_uring_cqe_seen(&ring, cqe);
    if (res < 0) {
      // ENOTCONN: the connection ended (unmount). Anything else ended this entry alone (a commit the
      // kernel did not take): the worker registers a fresh one, or the CPU's queue would lose a worker
      // for good; requests never fall back to /dev/fuse once the ring serves.
      if (res == -ENOTCONN || res == -ECANCELED || res == -ECONNABORTED || impl->stop) return;
      spdlog::warn("FUSE over io_uring: queue {} entry ended ({}); registering it again", qid,
                   strerror(-res));
      if (++reregistered > 100 || !Submit(kCmdRegister, 0)) {
        spdlog::error("FUSE over io_uring: queue {} worker stops", qid);
        return;
      }
      continue;
    }
    // The request, laid out as /dev/fuse gives it: header and op arguments in front of the payload.
    fuse_in_header ih;
    std::memcpy(&ih, header->in_out, sizeof(ih));
    const RingEntInOut ent = header->ring_ent_in_out;
    const size_t fixed =
        ih.len >= sizeof(ih) + ent.payload_sz ? ih.len - sizeof(ih) - ent.payload_sz : SIZE_MAX;
    bool ok = fixed <= kOpInOut && ent.payload_sz <= payload_size && ent.commit_id == ih.unique;
    {
      std::lock_guard lk(mu);
      replied = false;
    }
    unique.store(ih.unique, std::memory_order_release);
    if (ok) {
      char* start = payload - fixed - sizeof(ih);
      std::memcpy(start + sizeof(ih), header->op_in, fixed);
      std::memcpy(start, &ih, sizeof(ih));
      fuse_buf buf{};
      buf.mem = start;
      buf.size = ih.len;
      impl->requests.fetch_add(1, std::memory_order_relaxed);
      fuse_session_process_buf(impl->se, &buf);
    } else {
      impl->bad.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn(
          "FUSE over io_uring: request {} (opcode {}) of length {} with a {}-byte payload not understood",
          ih.unique, ih.opcode, ih.len, ent.payload_sz);
      fuse_out_header oh{sizeof(fuse_out_header), -EIO, ih.unique};
      iovec v{&oh, sizeof(oh)};
      Fill(&v, 1);
    }
    {
      // Every request the ring gives has a reply (forgets, which have none, come through /dev/fuse); a
      // handler may give it from another thread.
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return replied; });
    }
    unique.store(0, std::memory_order_release);
    if (!Submit(kCmdCommitAndFetch, ent.commit_id)) {
      spdlog::warn("FUSE over io_uring: queue {} worker cannot submit its commit", qid);
      return;
    }
  }
}

void Worker::Fill(const iovec* iov, int count) {
  std::lock_guard lk(mu);
  std::memcpy(header->in_out, iov[0].iov_base, sizeof(fuse_out_header));
  size_t off = 0;
  for (int i = 1; i < count; ++i) {
    size_t n = std::min(iov[i].iov_len, payload_size - off);  // never more: the kernel sized it
    if (iov[i].iov_base != payload + off)
      std::memmove(payload + off, iov[i].iov_base, n);  // in place: no copy
    off += n;
  }
  header->ring_ent_in_out.payload_sz = static_cast<uint32_t>(off);
  replied = true;
  cv.notify_one();
}

char* UringReplyBuffer(size_t size) {
  Worker* w = tl_worker;
  return w && size <= w->payload_size ? w->payload : nullptr;
}

FuseUring::FuseUring(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FuseUring::~FuseUring() {
  Stop();
  if (g_impl == impl_.get()) g_impl = nullptr;
}

std::unique_ptr<FuseUring> FuseUring::Install(fuse_session* se, const UringOptions& opts) {
  if (opts.mode == UringMode::kOff) return nullptr;
  auto impl = std::make_unique<Impl>();
  impl->se = se;
  impl->fd = fuse_session_fd(se);
  impl->opts = opts;
  fuse_custom_io io{};
  io.read = UringRead;
  io.writev = UringWritev;
  g_impl = impl.get();
  if (fuse_session_custom_io(se, &io, impl->fd) != 0) {
    g_impl = nullptr;
    return nullptr;
  }
  return std::unique_ptr<FuseUring>(new FuseUring(std::move(impl)));
}

bool FuseUring::WaitActive(int timeout_ms, std::string* why) {
  std::unique_lock lk(impl_->mu);
  bool done = impl_->cv.wait_for(lk, std::chrono::milliseconds(timeout_ms), [&] {
    return impl_->state == Impl::State::kActive || impl_->state == Impl::State::kOff;
  });
  if (impl_->state == Impl::State::kActive) return true;
  if (why) *why = done ? impl_->why : "its workers did not register in time";
  return false;
}

void FuseUring::Stop() {
  impl_->stop = true;
  std::vector<Worker*> ws;
  {
    std::lock_guard lk(impl_->mu);
    for (auto& w : impl_->workers) ws.push_back(w.get());
  }
  for (Worker* w : ws) {
    if (w->thread.joinable()) w->thread.join();
    if (w->ring_ok) {
      io_uring_queue_exit(&w->ring);
      w->ring_ok = false;
    }
    if (w->area) {
      munmap(w->area, w->area_size);
      w->area = nullptr;
    }
  }
}

unsigned FuseUring::workers_per_queue() const {
  std::lock_guard lk(impl_->mu);
  return impl_->workers_per_queue;
}

UringCounters FuseUring::counters() const { return {impl_->requests.load(), impl_->bad.load()}; }

bool FuseUring::KernelEnabled() {
  std::ifstream f("/sys/module/fuse/parameters/enable_uring");
  std::string v;
  return (f >> v) && (v == "Y" || v == "1");
}

}  // namespace weft::fuse
