// weft-bench: throughput, IOPS and metadata benchmarks through libweft or a mounted directory.
//   weft-bench throughput --via mount --dir /mnt/weft --file-size 4K,1M,1G --clients 1,4
//   weft-bench iops --via lib --meta 127.0.0.1:7000 --volume v --runtime 30
//   weft-bench meta --via mount --dir /mnt/weft --dirs 8 --files 1000 --clients 1,4 --json out.json
// Prints a table to stdout (progress to stderr) and, with --json, writes the rows as JSON.
#include <CLI/CLI.hpp>

#include "bench/weft_bench/modes.h"
#include "common/flags.h"
#include "common/log.h"

namespace {

using namespace weft::bench;

struct Flags {
  CommonOptions common;
  std::string via = "mount";
  std::vector<std::string> sizes;  // throughput --file-size list
  std::string block_size;
  std::string bytes_per_client;
  std::string iops_file_size;
  std::string iops_block_size;
  bool no_fsync = false;
  bool no_end_fsync = false;
  weft::LogOptions log{.level = "warn"};
};

void AddCommon(CLI::App* sub, Flags* f) {
  CommonOptions& c = f->common;
  sub->add_option("--via", f->via, "lib (libweft) or mount (POSIX calls on --dir)")
      ->check(CLI::IsMember({"lib", "mount"}))->capture_default_str();
  sub->add_option("--meta", c.meta_address, "weft-meta HOST:PORT (--via lib)");
  sub->add_option("--volume", c.volume, "volume (--via lib)");
  sub->add_option("--token", c.token, "tenant token (or WEFT_TOKEN)")->envname("WEFT_TOKEN");
  sub->add_option("--path", c.lib_path, "directory inside the volume (--via lib)")->capture_default_str();
  sub->add_flag("--shared-client", c.shared_client, "one libweft Client for all threads (default: one each)");
  sub->add_option("--io-threads", c.io_threads, "libweft data-plane threads per Client")->capture_default_str();
  sub->add_option("--attr-cache-ms", c.attr_cache_ms, "libweft attribute cache TTL (-1 = library default)")
      ->capture_default_str();
  sub->add_option("--dir", c.dir, "directory to work in (--via mount)");
  sub->add_flag("--direct", c.direct, "O_DIRECT data I/O (--via mount)");
  sub->add_option("--clients", c.clients, "client (thread) counts, e.g. 1,4")->delimiter(',')->capture_default_str();
  sub->add_flag("--drop-caches", c.drop_caches, "drop the kernel's caches before cold phases (root)");
  sub->add_flag("--keep", c.keep, "keep the files");
  sub->add_option("--label", c.label, "free text copied into the JSON");
  sub->add_option("--json", c.json_path, "write the results as JSON to this file");
  weft::AddLogFlags(*sub, &f->log);
}

bool Size(const std::string& flag, const std::string& text, uint64_t* out) {
  if (text.empty()) return true;
  if (ParseSize(text, out) && *out > 0) return true;
  fprintf(stderr, "weft-bench: %s: bad size '%s' (e.g. 4K, 1M, 1G)\n", flag.c_str(), text.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  ThroughputOptions tp;
  IopsOptions io;
  MetaOptions md;
  CLI::App app{"weft-bench: throughput, IOPS and metadata benchmarks through libweft or a mount"};
  app.require_subcommand(1);

  CLI::App* t = app.add_subcommand("throughput", "sequential write then read, MiB/s");
  AddCommon(t, &f);
  t->add_option("--file-size", f.sizes, "file sizes, e.g. 4K,1M,1G (default 1G)")->delimiter(',');
  t->add_option("--block-size", f.block_size, "bytes per write/read call (default 1M)");
  t->add_option("--bytes-per-client", f.bytes_per_client,
                "each client writes max(1, this / file size) files (default 64M)");
  t->add_option("--files", tp.files_per_client, "files per client (overrides --bytes-per-client)");
  t->add_flag("--no-fsync", f.no_fsync, "do not fsync before close");
  t->add_flag("--verify", tp.verify, "stamp the data and check every byte read");

  CLI::App* i = app.add_subcommand("iops", "random block reads/writes on one file, IOPS");
  AddCommon(i, &f);
  i->add_option("--file-size", f.iops_file_size, "size of the shared file (default 1G)");
  i->add_option("--block-size", f.iops_block_size, "bytes per I/O (default 4K)");
  i->add_option("--runtime", io.runtime_s, "seconds per pattern")->capture_default_str();
  i->add_option("--rw", io.patterns, "patterns: randread,randwrite,randrw")->delimiter(',')->capture_default_str();
  i->add_option("--read-pct", io.read_pct, "reads in randrw, percent")->check(CLI::Range(0, 100))->capture_default_str();
  i->add_flag("--no-end-fsync", f.no_end_fsync, "writers skip the final fsync");

  CLI::App* m = app.add_subcommand("meta", "mdtest-like: mkdir, create, stat, readdir, rename, unlink, rmdir");
  AddCommon(m, &f);
  m->add_option("--dirs", md.dirs_per_client, "directories per client")->capture_default_str();
  m->add_option("--files", md.files_per_dir, "files per directory (per client)")->capture_default_str();
  m->add_flag("--shared-dirs", md.shared_dirs, "all clients work in the same directories");

  if (int rc = weft::ParseFlags(app, argc, argv); rc >= 0) return rc;
  weft::InitLogging("weft-bench", f.log);

  CommonOptions& c = f.common;
  c.via = f.via == "lib" ? Via::kLib : Via::kMount;
  if (c.via == Via::kLib && (c.meta_address.empty() || c.volume.empty())) {
    fprintf(stderr, "weft-bench: --via lib needs --meta and --volume\n");
    return 2;
  }
  if (c.via == Via::kMount && c.dir.empty()) {
    fprintf(stderr, "weft-bench: --via mount needs --dir\n");
    return 2;
  }
  for (int n : c.clients) {
    if (n < 1) {
      fprintf(stderr, "weft-bench: --clients must be >= 1\n");
      return 2;
    }
  }
  if (!f.sizes.empty()) {
    tp.file_sizes.clear();
    for (const auto& s : f.sizes) {
      uint64_t v = 0;
      if (!Size("--file-size", s, &v)) return 2;
      tp.file_sizes.push_back(v);
    }
  }
  if (!Size("--block-size", f.block_size, &tp.block_size) ||
      !Size("--bytes-per-client", f.bytes_per_client, &tp.bytes_per_client) ||
      !Size("--file-size", f.iops_file_size, &io.file_size) ||
      !Size("--block-size", f.iops_block_size, &io.block_size)) {
    return 2;
  }
  tp.fsync = !f.no_fsync;
  io.fsync_at_end = !f.no_end_fsync;
  if (io.file_size < io.block_size) {
    fprintf(stderr, "weft-bench: --file-size must be at least --block-size\n");
    return 2;
  }

  std::string mode = app.get_subcommands()[0]->get_name();
  Report report(mode, c);
  weft::Status s;
  if (mode == "throughput") s = RunThroughput(c, tp, &report);
  if (mode == "iops") s = RunIops(c, io, &report);
  if (mode == "meta") s = RunMeta(c, md, &report);
  report.PrintTable();
  if (!c.json_path.empty()) {
    weft::Status js = report.WriteJson(c.json_path);
    if (!js.ok()) fprintf(stderr, "weft-bench: %s\n", js.ToString().c_str());
  }
  if (!s.ok()) {
    fprintf(stderr, "weft-bench: %s failed: %s\n", mode.c_str(), s.ToString().c_str());
    return 1;
  }
  return 0;
}
