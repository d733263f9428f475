// mdtest-like metadata benchmark. Tree: <root>/wb-meta-.../c<i>/d<j>/f<k> (each client its own
// directories), or with --shared-dirs <root>/wb-meta-.../d<j>/c<i>.f<k> (every client in every
// directory). Phases run in order, each timed across all clients: mkdir, create, stat, readdir, rename
// (f<k> -> r<k> in the same directory), unlink, rmdir. --drop-caches drops the kernel's caches before
// stat and readdir, so a FUSE file system answers them from its servers rather than the kernel.
#include <fmt/format.h>

#include <vector>

#include "bench/weft_bench/bench_fs.h"
#include "bench/weft_bench/modes.h"

namespace weft::bench {
namespace {

struct Tree {
  int clients;
  int dirs;   // per client (own dirs) or in total (shared)
  int files;  // per client per directory
  bool shared;
  Dir run;
  std::vector<Dir> client_dirs;         // c<i> (own dirs only)
  std::vector<std::vector<Dir>> dirs_of;  // [client][j]: the directories client i works in

  std::string DirName(int j) const { return fmt::format("d{}", j); }
  std::string FileName(int client, int k, char prefix) const {
    return shared ? fmt::format("c{}.{}{}", client, prefix, k) : fmt::format("{}{}", prefix, k);
  }
  // The parent of directory j of client i, and whether client i makes it (shared: round-robin).
  const Dir& DirParent(int i) const { return shared ? run : client_dirs[static_cast<size_t>(i)]; }
  bool Makes(int i, int j) const { return !shared || j % clients == i; }
};

using OpFn = std::function<Status(BenchFs&, int client, int j, int k)>;

// Runs op over every (j, k) a client owns; k < 0 means one op per directory.
PhaseResult PerFile(std::vector<std::shared_ptr<BenchFs>>& fs, const Tree& t, bool per_dir, const OpFn& op) {
  return RunPhase(t.clients, [&](int i, const std::atomic<bool>& stop, WorkerResult* out) {
    BenchFs& f = *fs[static_cast<size_t>(i)];
    for (int j = 0; j < t.dirs && !stop; ++j) {
      if (per_dir) {
        if (!t.Makes(i, j)) continue;
        Clock::time_point t0 = Clock::now();
        out->status = op(f, i, j, -1);
        if (!out->status.ok()) return;
        out->latency.Add(NanosSince(t0));
        ++out->ops;
        continue;
      }
      for (int k = 0; k < t.files && !stop; ++k) {
        Clock::time_point t0 = Clock::now();
        out->status = op(f, i, j, k);
        if (!out->status.ok()) return;
        out->latency.Add(NanosSince(t0));
        ++out->ops;
      }
    }
  });
}

Status RunOne(const CommonOptions& common, const MetaOptions& opts, int clients, Report* report) {
  auto fss = MakeClients(common, clients);
  if (!fss.ok()) return fss.status();
  auto& fs = *fss;
  BenchFs& fs0 = *fs[0];
  Tree t{clients, opts.shared_dirs ? opts.dirs_per_client * clients : opts.dirs_per_client, opts.files_per_dir,
         opts.shared_dirs, {}, {}, {}};
  auto root = fs0.Root();
  if (!root.ok()) return root.status();
  const std::string run_name = RunDirName("meta");
  auto run = fs0.MakeDir(*root, run_name);
  if (!run.ok()) return run.status();
  t.run = *run;
  if (!t.shared) {
    for (int i = 0; i < clients; ++i) {
      auto d = fs0.MakeDir(t.run, fmt::format("c{}", i));
      if (!d.ok()) return d.status();
      t.client_dirs.push_back(*d);
    }
  }
  std::string params = fmt::format("dirs={}{} files/dir={}", t.dirs, t.shared ? " shared" : "/client",
                                   t.shared ? t.files * clients : t.files);
  auto add = [&](const std::string& phase, const PhaseResult& r, const char* unit = "ops/s") {
    bool cold = common.drop_caches && (phase == "stat" || phase == "readdir");
    report->Add(MakeRow("meta", phase, clients, params + (cold ? " cold" : ""), r, unit));
  };

  PhaseResult r = PerFile(fs, t, true, [&](BenchFs& f, int i, int j, int) {
    return f.MakeDir(t.DirParent(i), t.DirName(j), false).status();
  });
  if (!r.status.ok()) return r.status.Annotate("mkdir");
  add("mkdir", r);
  // Open every client's directories (untimed).
  t.dirs_of.resize(static_cast<size_t>(clients));
  for (int i = 0; i < clients; ++i) {
    for (int j = 0; j < t.dirs; ++j) {
      if (t.shared && i > 0) {
        t.dirs_of[static_cast<size_t>(i)].push_back(t.dirs_of[0][static_cast<size_t>(j)]);
        continue;
      }
      auto d = fs0.OpenDir(t.DirParent(i), t.DirName(j));
      if (!d.ok()) return d.status();
      t.dirs_of[static_cast<size_t>(i)].push_back(*d);
    }
  }
  auto dir = [&](int i, int j) -> const Dir& { return t.dirs_of[static_cast<size_t>(i)][static_cast<size_t>(j)]; };

  r = PerFile(fs, t, false, [&](BenchFs& f, int i, int j, int k) {
    return f.CreateEmpty(dir(i, j), t.FileName(i, k, 'f'));
  });
  if (!r.status.ok()) return r.status.Annotate("create");
  add("create", r);

  if (common.drop_caches) RETURN_IF_ERROR(DropCaches());
  r = PerFile(fs, t, false, [&](BenchFs& f, int i, int j, int k) { return f.Stat(dir(i, j), t.FileName(i, k, 'f')).status(); });
  if (!r.status.ok()) return r.status.Annotate("stat");
  add("stat", r);

  if (common.drop_caches) RETURN_IF_ERROR(DropCaches());
  size_t want = static_cast<size_t>(t.shared ? t.files * clients : t.files);
  r = PerFile(fs, t, true, [&](BenchFs& f, int i, int j, int) -> Status {
    auto n = f.List(dir(i, j));
    if (!n.ok()) return n.status();
    if (*n != want) return Err(EIO, "readdir of d{} listed {} entries, expected {}", j, *n, want);
    return Status::Ok();
  });
  if (!r.status.ok()) return r.status.Annotate("readdir");
  r.ops *= want;  // the figure is entries listed per second
  add("readdir", r, "entries/s");

  r = PerFile(fs, t, false, [&](BenchFs& f, int i, int j, int k) {
    return f.Rename(dir(i, j), t.FileName(i, k, 'f'), dir(i, j), t.FileName(i, k, 'r'));
  });
  if (!r.status.ok()) return r.status.Annotate("rename");
  add("rename", r);

  r = PerFile(fs, t, false, [&](BenchFs& f, int i, int j, int k) { return f.Unlink(dir(i, j), t.FileName(i, k, 'r')); });
  if (!r.status.ok()) return r.status.Annotate("unlink");
  add("unlink", r);

  for (int j = 0; j < t.dirs; ++j) {
    for (int i = 0; i < clients; ++i) {
      if (!t.shared || i == 0) fs0.CloseDir(t.dirs_of[static_cast<size_t>(i)][static_cast<size_t>(j)]);
    }
  }
  r = PerFile(fs, t, true, [&](BenchFs& f, int i, int j, int) { return f.RemoveDir(t.DirParent(i), t.DirName(j)); });
  if (!r.status.ok()) return r.status.Annotate("rmdir");
  add("rmdir", r);

  for (int i = 0; i < static_cast<int>(t.client_dirs.size()); ++i) {
    fs0.CloseDir(t.client_dirs[static_cast<size_t>(i)]);
    RETURN_IF_ERROR(fs0.RemoveDir(t.run, fmt::format("c{}", i)));
  }
  fs0.CloseDir(t.run);
  RETURN_IF_ERROR(fs0.RemoveDir(*root, run_name));
  fs0.CloseDir(*root);
  return Status::Ok();
}

}  // namespace

Status RunMeta(const CommonOptions& common, const MetaOptions& opts, Report* report) {
  if (opts.dirs_per_client < 1 || opts.files_per_dir < 1) return Err(EINVAL, "--dirs and --files must be >= 1");
  for (int clients : common.clients) RETURN_IF_ERROR(RunOne(common, opts, clients, report));
  return Status::Ok();
}

}  // namespace weft::bench
