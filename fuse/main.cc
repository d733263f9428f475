// weft-mount: mounts a weft volume through FUSE.
//   weft-mount --meta HOST:PORT --volume NAME [--token T | --token-file F] MOUNTPOINT [-f] [-o opts]
// The token (a tenant token of the volume's tenant, or the admin token) comes from --token, WEFT_TOKEN
// or --token-file (preferred: a token on the command line shows in ps).
// Without -f it forks: the parent exits 0 once the mount is live (or non-zero with the reason), the
// child serves the mount. SIGTERM/SIGINT unmount cleanly.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <memory>
#include <thread>

#include <CLI/CLI.hpp>

#include "common/flags.h"
#include "common/log.h"
#include "common/token.h"
#include "fuse/fuse_ops.h"
#include "fuse/uring.h"

namespace {

struct Options {
  weft::ClientOptions client;
  weft::fuse::FuseOptions fuse;
  std::string mountpoint;
  bool foreground = false;
  std::vector<std::string> fuse_opts;  // -o values
  unsigned max_threads = 32;
  bool lookup_ahead = true;  // fuse/lookup_ahead.h
  uint32_t read_around_kb = 16;  // fuse/read_around.h; 0 = off
  uint32_t read_around_store_delay_ms = 0;  // tests only
  weft::fuse::UringOptions uring;  // fuse/uring.h
  uint64_t memory_budget_mb = 1024;  // the process's memory (weft::FitMemoryBudget); default 1 GiB
  weft::LogOptions log;
};

// Runs the mount; when notify_fd >= 0, writes one status line there once mounted or failed.
int Serve(Options& opt, int notify_fd) {
  auto tell = [&](const std::string& msg) {
    if (notify_fd >= 0) {
      (void)!write(notify_fd, msg.data(), msg.size());
      close(notify_fd);
      notify_fd = -1;
    }
  };
  auto client = weft::Client::Connect(opt.client);
  if (!client.ok()) {
    std::string msg = "cannot mount volume '" + opt.client.volume + "': " + client.status().ToString();
    spdlog::error("{}", msg);
    tell("E" + msg + "\n");
    return 1;
  }
  weft::fuse::FuseContext ctx;
  ctx.client = client->get();
  ctx.opts = opt.fuse;
  // Trusted as long as the kernel trusts attributes (xattr_hints.h).
  weft::fuse::XattrHints xattr_hints(static_cast<uint32_t>(opt.fuse.attr_timeout * 1000));
  ctx.xattr_hints = &xattr_hints;
  // Pages answer lookups for what remains of the attribute timeout (lookup_ahead.h); fetched after 4
  // lookups of one directory went to weft-meta within it.
  weft::fuse::LookupAhead lookup_ahead(opt.lookup_ahead ? static_cast<int64_t>(opt.fuse.attr_timeout * 1000) : 0, 4);
  ctx.lookup_ahead = &lookup_ahead;
  // Random reads' neighbouring pages go to the kernel (read_around.h); never under the kernel's
  // write-back cache, whose dirty pages a store would overwrite.
  const uint32_t around = opt.fuse.writeback_cache ? 0 : opt.read_around_kb * 1024;
  auto read_around = std::make_unique<weft::fuse::ReadAround>(
      around,
      [&ctx](uint64_t ino, uint64_t off, const char* data, size_t len) {
        fuse_bufvec bv = FUSE_BUFVEC_INIT(len);
        bv.buf[0].mem = const_cast<char*>(data);
        int rc = fuse_lowlevel_notify_store(ctx.session, ino, static_cast<off_t>(off), &bv, fuse_buf_copy_flags{});
        if (rc != 0 && rc != -ENOENT) spdlog::debug("read-around store of inode {} failed: {}", ino, strerror(-rc));
      },
      [&ctx](uint64_t ino) { fuse_lowlevel_notify_inval_inode(ctx.session, ino, 0, 0); },
      opt.read_around_store_delay_ms);
  if (around > 0) ctx.read_around = read_around.get();

  std::vector<std::string> args = {"weft-mount"};
  std::string o = "fsname=weft:" + opt.client.volume + ",subtype=weft,default_permissions";
  if (geteuid() == 0) o += ",allow_other";
  if (opt.client.read_only || (*client)->read_only()) o += ",ro";
  for (const auto& extra : opt.fuse_opts) o += "," + extra;
  args.push_back("-o");
  args.push_back(o);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  fuse_args fargs = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
  fuse_session* se = fuse_session_new(&fargs, weft::fuse::Operations(), sizeof(fuse_lowlevel_ops), &ctx);
  if (!se) {
    tell("Ecannot create the FUSE session (bad -o option?)\n");
    return 1;
  }
  ctx.session = se;
  if (fuse_set_signal_handlers(se) != 0 || fuse_session_mount(se, opt.mountpoint.c_str()) != 0) {
    tell("Ecannot mount at " + opt.mountpoint + " (is /dev/fuse available, the directory present?)\n");
    fuse_session_destroy(se);
    return 1;
  }
  spdlog::info("volume {} mounted at {}", opt.client.volume, opt.mountpoint);
  // FUSE over io_uring (fuse/uring.h): installed before the INIT handshake, which asks for it; the
  // mount counts as live once the ring serves, or is known not to.
  using weft::fuse::UringMode;
  if (opt.uring.mode == UringMode::kOn && !weft::fuse::FuseUring::KernelEnabled()) {
    std::string msg = "FUSE over io_uring asked for (--fuse-uring on) but the kernel does not offer it: as root, "
                      "echo Y > /sys/module/fuse/parameters/enable_uring (kernel 6.14 or later)";
    spdlog::error("{}", msg);
    tell("E" + msg + "\n");
    fuse_session_unmount(se);
    fuse_session_destroy(se);
    return 1;
  }
  auto uring = weft::fuse::FuseUring::Install(se, opt.uring);
  std::thread uring_watch;
  if (uring) {
    uring_watch = std::thread([&] {
      std::string why;
      if (uring->WaitActive(10000, &why)) {
        spdlog::info("FUSE over io_uring: on ({} workers per CPU{})", uring->workers_per_queue(),
                     opt.uring.pin ? ", pinned" : "");
      } else if (opt.uring.mode == UringMode::kOn) {
        std::string msg = "FUSE over io_uring asked for (--fuse-uring on) but not available: " + why;
        spdlog::error("{}", msg);
        tell("E" + msg + "\n");
        kill(getpid(), SIGTERM);  // libfuse's handler ends the loop; the mount goes
        return;
      } else {
        spdlog::info("FUSE over io_uring: off, /dev/fuse serves alone ({})", why);
      }
      tell("OK\n");
    });
  } else {
    tell("OK\n");
  }
  fuse_loop_config* cfg = fuse_loop_cfg_create();
  fuse_loop_cfg_set_max_threads(cfg, opt.max_threads);
  fuse_loop_cfg_set_idle_threads(cfg, 8);
  int rc = fuse_session_loop_mt(se, cfg);
  fuse_loop_cfg_destroy(cfg);
  spdlog::info("unmounting {}", opt.mountpoint);
  if (ctx.read_around) {
    ctx.read_around = nullptr;
    auto c = read_around->counters();
    spdlog::info("read-around: {} blocks given to the kernel, {} not (changed meanwhile or queue full), {} dropped "
                 "after an open or truncation outwaited them",
                 c.stored, c.skipped, c.invalidated);
  }
  // Its thread stores through the session: stopped before the session goes. A store can wait in the
  // kernel for a page that a read no worker will answer now holds locked; it ends when the connection
  // does, so the object is left to the process's exit rather than waited for.
  if (!read_around->Stop(std::chrono::seconds(2))) {
    spdlog::warn("read-around: a store is still waiting in the kernel; leaving it to the exit");
    (void)read_around.release();
  }
  read_around.reset();
  fuse_remove_signal_handlers(se);
  // The rest is bounded (the deferred creates and queued closes go out, then the session ends, each
  // within the RPC deadline): a second SIGTERM or Ctrl-C must not cut it short, or the session and what
  // it holds (reserved inodes, open handles) would linger until its TTL. SIGKILL still ends it.
  std::signal(SIGTERM, SIG_IGN);
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGHUP, SIG_IGN);
  fuse_session_unmount(se);
  if (uring_watch.joinable()) uring_watch.join();
  if (uring) {
    uring->Stop();  // after the unmount, which ends the ring's entries; before the session goes
    auto c = uring->counters();
    spdlog::info("FUSE over io_uring: {} requests served through the ring{}", c.requests,
                 c.bad ? fmt::format(", {} not understood (answered EIO)", c.bad) : std::string());
  }
  fuse_session_destroy(se);
  client->reset();
  return rc == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"weft-mount: mount a weft volume through FUSE"};
  app.add_option("--meta", opt.client.meta_address, "metadata service HOST:PORT")->required();
  app.add_option("--volume", opt.client.volume, "volume to mount")->required();
  std::string token_file;
  app.add_option("--token", opt.client.token, "tenant token (or WEFT_TOKEN)")->envname("WEFT_TOKEN");
  app.add_option("--token-file", token_file, "read the tenant token from this file (instead of --token)");
  app.add_option("--tls-ca", opt.client.tls_ca_file,
                 "turn TLS on: PEM file of the CA that signs the cluster's server certificates (or WEFT_TLS_CA)")
      ->envname("WEFT_TLS_CA");
  app.add_option("mountpoint", opt.mountpoint, "where to mount")->required();
  app.add_flag("-f,--foreground", opt.foreground, "stay in the foreground");
  app.add_option("-o", opt.fuse_opts, "extra FUSE mount options (comma-separated)")->delimiter(',');
  app.add_flag("--read-only", opt.client.read_only, "mount read-only");
  app.add_option("--attr-timeout", opt.fuse.attr_timeout, "kernel attribute cache seconds")->capture_default_str();
  app.add_option("--entry-timeout", opt.fuse.entry_timeout, "kernel dentry cache seconds")->capture_default_str();
  app.add_flag("--writeback-cache", opt.fuse.writeback_cache,
               "kernel write-back cache (only for volumes no other client writes: sizes are not shared)");
  app.add_option("--readahead", opt.client.readahead_bytes, "client readahead bytes")->capture_default_str();
  app.add_option("--write-buffer", opt.client.write_buffer_bytes, "client write buffer bytes")->capture_default_str();
  app.add_option("--io-threads", opt.client.io_threads, "data-plane threads")->capture_default_str();
  app.add_flag("!--no-blocking-reads", opt.client.blocking_reads,
               "make uncached reads on the data-plane threads only (default: first on the FUSE thread, plain TCP)");
  app.add_flag("!--no-lookup-ahead", opt.lookup_ahead,
               "answer every lookup from weft-meta (default: after a few lookups in one directory, fetch the page "
               "after the name and answer the next lookups from it within the attribute timeout)");
  app.add_option("--read-around-kb", opt.read_around_kb,
                 "a random read smaller than this fetches the aligned block of this size about it and gives the "
                 "kernel the rest for its page cache (0 = off; off with --writeback-cache; fuse/read_around.h)")
      ->check(CLI::Range(0u, 1024u))
      ->check([](const std::string& v) { return std::stoul(v) % 4 == 0 ? std::string() : "must be a multiple of 4"; })
      ->capture_default_str();
  app.add_option("--read-around-store-delay-ms", opt.read_around_store_delay_ms,
                 "for tests: hold each read-around store this long before it is checked")
      ->group("");
  app.add_flag("!--no-dir-leases", opt.client.dir_leases,
               "do not ask for directory leases (with one, lookups in a directory this mount made are answered "
               "here; docs/meta-semantics.md)");
  opt.client.deferred_creates = true;  // weft-mount's default (libweft's is off)
  app.add_flag("--deferred-creates,!--no-deferred-creates", opt.client.deferred_creates,
               "(default: on) answer creates in a directory this mount holds the lease on here, and send them to "
               "weft-meta in batches within a few ms; another client that reads or adds to such a directory recalls "
               "the lease (a round trip). A refusal after the answer shows as EIO at flush, fsync or close; "
               "docs/meta-semantics.md, \"Deferred creates\"");
  app.add_flag("--deferred-unlinks,!--no-deferred-unlinks", opt.client.deferred_unlinks,
               "(default: on, with deferred creates) answer unlinks here of files this mount put in a directory it "
               "holds the lease on, with no handle open on them here, and send them in the same batches; another "
               "client's unlink or rename out of such a directory recalls the lease");
  app.add_option("--deferred-create-delay-ms", opt.client.deferred_create_delay_ms,
                 "the longest a deferred create waits here before its batch leaves")
      ->check(CLI::Range(0u, 200u))
      ->capture_default_str();
  app.add_option("--retry-window-ms", opt.client.retry_window_ms,
                 "retry unreachable servers this long before failing (EIO; at mount: exit)")
      ->capture_default_str();
  app.add_option("--max-threads", opt.max_threads, "FUSE worker threads (/dev/fuse)")->capture_default_str();
  std::string uring_mode = "auto";
  app.add_option("--fuse-uring", uring_mode,
                 "FUSE over io_uring (kernel 6.14+, with /sys/module/fuse/parameters/enable_uring = Y): a request "
                 "is served on its caller's CPU, without a cross-CPU wake-up each way. auto: when the kernel "
                 "offers it; on: fail the mount without it; off: /dev/fuse alone")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->capture_default_str();
  app.add_option("--fuse-uring-threads", opt.uring.threads_per_queue,
                 "FUSE over io_uring: workers per CPU, each serving one request at a time")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  app.add_flag("!--no-fuse-uring-pin", opt.uring.pin, "do not pin each CPU's io_uring workers to that CPU");
  app.add_option("--memory-budget-mb", opt.memory_budget_mb,
                 "memory this process may use: lowers --write-buffer to half of it beyond a 64 MiB reserve, and "
                 "all handles' readahead together to a quarter")
      ->capture_default_str();
  weft::AddLogFlags(app, &opt.log);
  if (int rc = weft::ParseFlags(app, argc, argv); rc >= 0) return rc;
  opt.uring.mode = uring_mode == "on"    ? weft::fuse::UringMode::kOn
                   : uring_mode == "off" ? weft::fuse::UringMode::kOff
                                         : weft::fuse::UringMode::kAuto;
  if (!token_file.empty()) {
    auto t = weft::ReadTokenFile(token_file);
    if (!t.ok()) {
      fprintf(stderr, "weft-mount: --token-file: %s\n", t.status().ToString().c_str());
      return 2;
    }
    opt.client.token = *t;
  }
  if (weft::Status s = weft::FitMemoryBudget(opt.memory_budget_mb << 20, &opt.client); !s.ok()) {
    fprintf(stderr, "weft-mount: --memory-budget-mb: %s\n", s.ToString().c_str());
    return 2;
  }
  opt.client.attr_cache_ms = 0;  // the kernel caches attributes and entries with its own timeouts
  // The kernel drops a directory's attributes after each change in it and asks again at once; the
  // change's reply answers that (client/dir_hints.h), no staler than the kernel's own cache would be.
  opt.client.dir_hint_ms = static_cast<uint32_t>(opt.fuse.attr_timeout * 1000);
  opt.client.close_batch_ms = 5;  // release is asynchronous to close(2) already

  struct stat st {};
  if (stat(opt.mountpoint.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "weft-mount: mountpoint %s is not a directory\n", opt.mountpoint.c_str());
    return 2;
  }
  if (opt.foreground) {
    weft::InitLogging("weft-mount", opt.log);
    return Serve(opt, -1);
  }
  // Background: fork before any thread exists; the parent reports the child's verdict.
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid > 0) {
    close(fds[1]);
    std::string msg;
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) msg.append(buf, static_cast<size_t>(n));
    if (msg.rfind("OK", 0) == 0) return 0;
    fprintf(stderr, "weft-mount: %s", msg.empty() ? "the mount process died\n" : msg.c_str() + 1);
    return 1;
  }
  close(fds[0]);
  setsid();
  if (opt.log.file.empty()) {
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
  }
  weft::InitLogging("weft-mount", opt.log);
  if (chdir("/") != 0) return 1;
  return Serve(opt, fds[1]);
}
