// weft-bench options: one plain struct per mode plus the options every mode shares. Every field states its
// default; main.cc maps flags onto these structs and nothing else reads flags.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace weft::bench {

// How the benchmark reaches the file system.
enum class Via { kLib, kMount };

struct CommonOptions {
  Via via = Via::kMount;              // --via lib|mount; default mount
  // --via lib
  std::string meta_address;           // --meta HOST:PORT (required with lib)
  std::string volume;                 // --volume NAME (required with lib)
  std::string token;                  // --token (or WEFT_TOKEN); default none
  std::string lib_path = "/";         // --path: directory inside the volume to work in; default "/"
  bool shared_client = false;         // --shared-client: one libweft Client for all threads; default one each
  uint32_t io_threads = 1;            // --io-threads: libweft data-plane threads per Client; default 1
  int attr_cache_ms = -1;             // --attr-cache-ms: libweft attribute cache TTL; default -1 = library's
  // --via mount
  std::string dir;                    // --dir PATH: directory to work in (required with mount)
  bool direct = false;                // --direct: O_DIRECT for data I/O through the mount; default off
  // both
  std::vector<int> clients = {1};     // --clients 1,4: client (thread) counts, one result set each; default 1
  bool drop_caches = false;           // --drop-caches: `sync; echo 3 > drop_caches` before cold phases
                                      // (root only); default off
  bool keep = false;                  // --keep: leave the files behind; default remove them
  std::string label;                  // --label: free text copied into the JSON (e.g. "weft", "moosefs")
  std::string json_path;              // --json FILE: also write the results as JSON; default none
};

struct ThroughputOptions {
  std::vector<uint64_t> file_sizes = {1ull << 30};  // --file-size 4K,1M,1G; default 1 GiB
  uint64_t block_size = 1ull << 20;                 // --block-size: bytes per write/read call; default 1 MiB
  uint64_t bytes_per_client = 64ull << 20;          // --bytes-per-client: each client writes
                                                    // max(1, this / file size) files; default 64 MiB
  uint64_t files_per_client = 0;                    // --files: fixed file count per client; default 0 = above
  bool fsync = true;                                // --no-fsync: skip fsync before each close; default fsync
  bool verify = false;                              // --verify: stamp blocks and check every byte on read
};

struct IopsOptions {
  uint64_t file_size = 1ull << 30;                  // --file-size: the shared file's size; default 1 GiB
  uint64_t block_size = 4096;                       // --block-size; default 4 KiB
  double runtime_s = 10;                            // --runtime: seconds per pattern; default 10
  std::vector<std::string> patterns = {"randread", "randwrite"};  // --rw randread,randwrite,randrw
  int read_pct = 70;                                // --read-pct: reads in randrw; default 70
  bool fsync_at_end = true;                         // --no-end-fsync: skip each writer's final fsync
};

struct MetaOptions {
  int dirs_per_client = 4;                          // --dirs: directories per client; default 4
  int files_per_dir = 1000;                         // --files: files per directory; default 1000
  bool shared_dirs = false;                         // --shared-dirs: all clients work in the same
                                                    // directories (names carry the client); default each own
};

// Parses "4K", "1M", "1G", "512", "1.5G" (binary units; K/KiB/KB all mean 1024). False on bad input.
bool ParseSize(const std::string& text, uint64_t* out);
// "4KiB", "1GiB", "1.5MiB".
std::string FormatSize(uint64_t bytes);

}  // namespace weft::bench
