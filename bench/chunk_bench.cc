// weft-chunk-bench: raw chunk-server throughput through one chain, over the data protocol (no FUSE, no
// client library): sequential writes of whole chunks through the head, sequential reads of them spread
// over the replicas, and 4 KiB random reads; N requests in flight, one connection per in-flight slot.
// Prints one "key=value" line per phase (bench/chunk-vs-fio.sh parses them).
//
// Requests carry a read+write capability for --ino, minted from the cluster key as weft-meta would
// (so the bench needs --cluster-key-file, the file weft-meta and the chunk servers use).
//
//   weft-chunk-bench --meta 127.0.0.1:7400 --cluster-key-file DIR/cluster.key --chunks 256 --inflight 8
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "common/capability.h"
#include "common/clock.h"
#include "common/crc32c.h"
#include "common/flags.h"
#include "common/grpc_util.h"
#include "server/chunk/data_conn.h"
#include "weft/cluster.grpc.pb.h"

namespace {

namespace asio = boost::asio;
using weft::chunk::BufferPool;
using weft::chunk::DataConn;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string meta = "127.0.0.1:7400";
  std::string cluster_key_file;      // REQUIRED: to mint the capability for `ino`
  uint32_t chain = 0;                // 0 = the first chain with `replication` servers
  uint32_t replication = 3;
  std::string mode = "all";          // write | read | randread | all
  uint32_t chunk_size = 4u << 20;
  uint32_t chunks = 256;             // 1 GiB of 4 MiB chunks
  uint32_t inflight = 8;
  uint32_t io_size = 4096;           // random reads
  double duration_s = 10;            // random reads
  uint64_t ino = 0x7e570000;         // inode the bench writes under
  bool verify = false;               // compare read bytes with what was written
  std::string tls_ca;                // TLS on: the CA of the servers' certificates
  weft::TlsPtr tls;                  // loaded from tls_ca (null = plain TCP)
};

struct Chain {
  weft::ChainInfo info;
  std::vector<std::string> addresses;
};

weft::StatusOr<Chain> FindChain(const Options& o) {
  auto stub = weft::Cluster::NewStub(weft::MakeChannel(o.meta, o.tls.get()));
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    grpc::ClientContext ctx;
    weft::PrepareContext(&ctx, std::chrono::seconds(5));
    weft::ChainTable t;
    if (stub->GetChainTable(&ctx, weft::ChainTableRequest(), &t).ok()) {
      for (const auto& c : t.chains()) {
        bool want = o.chain ? c.id() == o.chain
                            : (c.servers_size() == static_cast<int>(o.replication) && c.replication() == o.replication);
        if (!want || c.servers_size() == 0) continue;
        Chain out{c, {}};
        for (uint64_t id : c.servers()) {
          for (const auto& s : t.servers()) {
            if (s.id() == id) out.addresses.push_back(s.address());
          }
        }
        if (out.addresses.size() == static_cast<size_t>(c.servers_size())) return out;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return weft::Err(ENOENT, "no chain of {} servers in weft-meta's table at {}", o.replication, o.meta);
}

struct Result {
  uint64_t ops = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  std::vector<double> lat_us;
  int errors = 0;
  std::string first_error;
  void Print(const char* phase) {
    std::sort(lat_us.begin(), lat_us.end());
    auto pct = [&](double p) { return lat_us.empty() ? 0.0 : lat_us[static_cast<size_t>(p * (lat_us.size() - 1))]; };
    fmt::print("{} ops={} bytes={} seconds={:.3f} MBps={:.1f} iops={:.0f} p50_us={:.0f} p99_us={:.0f} errors={}\n",
               phase, ops, bytes, seconds, bytes / seconds / 1e6, ops / seconds, pct(0.5), pct(0.99), errors);
    if (errors) fmt::print("{} first_error=\"{}\"\n", phase, first_error);
  }
};

class Bench {
 public:
  Bench(const Options& o, Chain chain, std::string capability)
      : o_(o), chain_(std::move(chain)), pool_({.buffers = 0}), capability_(std::move(capability)) {
    data_.resize(o.chunk_size);
    std::mt19937_64 rng(1);
    for (size_t i = 0; i < data_.size(); i += 8) {
      uint64_t v = rng();
      memcpy(data_.data() + i, &v, std::min<size_t>(8, data_.size() - i));
    }
    crcs_ = weft::BlockCrcs(data_.data(), data_.size());
  }

  Result Run(const std::string& phase) {
    Result r;
    next_ = 0;
    auto start = Clock::now();
    deadline_ = start + std::chrono::milliseconds(static_cast<int64_t>(o_.duration_s * 1000));
    for (uint32_t w = 0; w < o_.inflight; ++w) {
      asio::co_spawn(io_, Worker(phase, w, &r), [&r](std::exception_ptr e) {
        if (e) ++r.errors;
      });
    }
    io_.run();
    io_.restart();
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return r;
  }

 private:
  weft::ChainRef Ref() const {
    weft::ChainRef ref;
    ref.set_chain_id(chain_.info.id());
    ref.set_chain_version(chain_.info.version());
    return ref;
  }

  void Fail(Result* r, const std::string& what) {
    if (r->errors++ == 0) r->first_error = what;
  }

  asio::awaitable<void> Worker(std::string phase, uint32_t w, Result* r) {
    const bool write = phase == "write";
    const bool random = phase == "randread";
    // Writes go to the head; reads spread over the replicas like the client's.
    std::vector<std::shared_ptr<DataConn>> conns;
    struct Closer {  // connections' readers keep the loop running until closed
      std::vector<std::shared_ptr<DataConn>>* conns;
      ~Closer() {
        for (auto& c : *conns) c->Close(weft::Err(ESHUTDOWN, "bench phase done"));
      }
    } closer{&conns};
    for (const auto& a : chain_.addresses) {
      auto c = co_await DataConn::Connect(io_.get_executor(), a, &pool_, std::chrono::seconds(5), o_.tls.get());
      if (!c.ok()) {
        Fail(r, c.status().ToString());
        co_return;
      }
      conns.push_back(*c);
    }
    std::mt19937_64 rng(w * 7919 + 1);
    for (;;) {
      uint32_t index;
      if (random) {
        if (Clock::now() >= deadline_) break;
        index = static_cast<uint32_t>(rng() % o_.chunks);
      } else {
        index = next_++;
        if (index >= o_.chunks) break;
      }
      auto t0 = Clock::now();
      weft::StatusOr<weft::chunk::PeerReply> reply = weft::Err(EIO, "not sent");
      uint32_t len = o_.chunk_size;
      uint32_t offset = 0;
      if (write) {
        weft::WriteRequest req;
        req.mutable_chunk()->set_ino(o_.ino);
        req.mutable_chunk()->set_index(index);
        *req.mutable_chain() = Ref();
        req.set_offset(0);
        req.set_length(o_.chunk_size);
        req.set_chunk_size(o_.chunk_size);
        req.mutable_crcs()->Add(crcs_.begin(), crcs_.end());
        req.set_capability(capability_);
        reply = co_await conns[0]->Call(weft::FRAME_WRITE, req, {data_.data(), data_.size()}, std::chrono::seconds(60));
      } else {
        if (random) {
          len = o_.io_size;
          offset = static_cast<uint32_t>(rng() % (o_.chunk_size / len)) * len;
        }
        weft::ReadRequest req;
        req.mutable_chunk()->set_ino(o_.ino);
        req.mutable_chunk()->set_index(index);
        *req.mutable_chain() = Ref();
        req.set_offset(offset);
        req.set_capability(capability_);
        req.set_length(len);
        size_t replica = (index + (random ? rng() : 0)) % conns.size();
        reply = co_await conns[replica]->Call(weft::FRAME_READ, req, {}, std::chrono::seconds(60));
        if (reply.ok() && reply->reply.err() == EAGAIN) {  // dirty here: the tail
          reply = co_await conns.back()->Call(weft::FRAME_READ, req, {}, std::chrono::seconds(60));
        }
      }
      if (!reply.ok()) {
        Fail(r, reply.status().ToString());
        co_return;
      }
      if (reply->reply.err() != 0) {
        Fail(r, fmt::format("{}: {}", weft::ErrnoName(reply->reply.err()), reply->reply.message()));
        continue;
      }
      if (!write) {
        const auto& d = reply->reply;
        const char* p = reply->payload.data();
        if (d.length() != len ||
            weft::FirstBadBlock(p, len, {d.crcs().data(), static_cast<size_t>(d.crcs_size())}) >= 0 ||
            (o_.verify && memcmp(p, data_.data() + offset, len) != 0)) {
          Fail(r, fmt::format("chunk {}: the reply's bytes are wrong", index));
          continue;
        }
      }
      r->lat_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      ++r->ops;
      r->bytes += len;
    }
  }

  const Options o_;
  const Chain chain_;
  asio::io_context io_{1};
  BufferPool pool_;
  const std::string capability_;
  std::string data_;
  std::vector<uint32_t> crcs_;
  uint32_t next_ = 0;
  Clock::time_point deadline_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"weft-chunk-bench: chunk write/read throughput through one chain"};
  app.add_option("--meta", o.meta, "weft-meta address (chain table)")->capture_default_str();
  app.add_option("--cluster-key-file", o.cluster_key_file, "the cluster key (to mint capabilities)")->required();
  app.add_option("--chain", o.chain, "chain id (default: the first with --replication servers)");
  app.add_option("--replication", o.replication, "servers in the chain to use")->capture_default_str();
  app.add_option("--mode", o.mode, "write | read | randread | all")->capture_default_str();
  app.add_option("--chunk-size", o.chunk_size, "bytes per chunk (and per sequential request)")->capture_default_str();
  app.add_option("--chunks", o.chunks, "chunks written, then read")->capture_default_str();
  app.add_option("--inflight", o.inflight, "requests in flight")->capture_default_str();
  app.add_option("--io-size", o.io_size, "random read size")->capture_default_str();
  app.add_option("--duration", o.duration_s, "random read seconds")->capture_default_str();
  app.add_option("--ino", o.ino, "inode number to write under")->capture_default_str();
  app.add_flag("--verify", o.verify, "compare every read with the written bytes");
  app.add_option("--tls-ca", o.tls_ca, "the cluster runs TLS: its CA certificate (PEM)");
  if (int rc = weft::ParseFlags(app, argc, argv); rc >= 0) return rc;
  auto tls = weft::Tls::Load(weft::TlsFiles{.ca_file = o.tls_ca}, /*server=*/false);
  if (!tls.ok()) {
    fmt::print(stderr, "{}\n", tls.status().ToString());
    return 2;
  }
  o.tls = std::move(*tls);

  auto chain = FindChain(o);
  if (!chain.ok()) {
    fmt::print(stderr, "{}\n", chain.status().ToString());
    return 1;
  }
  fmt::print("chain id={} version={} servers={} chunk_size={} chunks={} inflight={}\n", chain->info.id(),
             chain->info.version(), fmt::join(chain->addresses, ","), o.chunk_size, o.chunks, o.inflight);
  auto key = weft::ClusterKey::Load(o.cluster_key_file);
  if (!key.ok()) {
    fmt::print(stderr, "{}\n", key.status().ToString());
    return 1;
  }
  const weft::CapabilitySigner signer(*key);
  const int64_t hour = 3600 * 1000;
  Bench bench(o, *chain,
              signer.Mint({.ino = o.ino, .access = weft::kCapRead | weft::kCapWrite,
                           .expiry_ms = weft::NowUnixMs() + hour}));
  int failed = 0;
  for (const char* phase : {"write", "read", "randread"}) {
    if (o.mode != "all" && o.mode != phase) continue;
    Result r = bench.Run(phase);
    r.Print(phase);
    failed += r.errors;
  }
  return failed ? 1 : 0;
}
