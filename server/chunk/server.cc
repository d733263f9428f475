#include "server/chunk/server.h"

#include <unistd.h>

#include <filesystem>
#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "common/capability.h"
#include "common/cluster_key.h"
#include "common/grpc_util.h"
#include "common/net.h"
#include "common/signals.h"
#include "server/chunk/chunk_store.h"
#include "server/chunk/control_service.h"
#include "server/chunk/membership.h"
#include "server/chunk/meta_committer.h"
#include "server/chunk/meta_store.h"

namespace weft::chunk {
namespace {

// Runs body on the loop and waits for it (shutdown steps).
void RunOnLoop(asio::io_context& loop, std::function<asio::awaitable<void>()> body) {
  std::promise<void> done;
  asio::co_spawn(loop, std::move(body), [&done](std::exception_ptr e) {
    if (e) spdlog::error("shutdown step failed with an exception");
    done.set_value();
  });
  done.get_future().wait();
}

std::string Advertised(const std::string& bound, const std::string& host) {
  if (host.empty()) return bound;
  auto hp = ParseHostPort(bound);
  return hp.ok() ? HostPort{host, hp->port}.ToString() : bound;
}

}  // namespace

int RunServer(const ServerOptions& opts) {
  if (opts.data_dirs.empty()) {
    spdlog::critical("no --data directory given");
    return 2;
  }
  for (const auto& d : opts.data_dirs) {
    std::error_code ec;
    std::filesystem::create_directories(d, ec);
    if (ec) {
      spdlog::critical("cannot create data directory {}: {}", d, ec.message());
      return 1;
    }
  }
  // Without the cluster key the server could verify no capability and join no cluster: refuse to start.
  auto key = ClusterKey::Load(opts.cluster_key_file);
  if (!key.ok()) {
    spdlog::critical("cannot load the cluster key: {} (pass --cluster-key-file: the file weft-meta created, "
                     "DATA/cluster.key of weft-meta by default)",
                     key.status().ToString());
    return 2;
  }
  spdlog::info("cluster key {:08x} from {}", key->key_id(), opts.cluster_key_file);
  auto tls = Tls::Load(opts.tls, /*server=*/true);
  if (!tls.ok()) {
    spdlog::critical("{}", tls.status().ToString());
    return 2;
  }
  const CapabilitySigner signer(*key);
  const bool sync = opts.durability == "sync";
  asio::io_context loop(1);

  // Storage: records, buffers, disk I/O, the chunk store.
  auto records = OpenRocksMetaStore(opts.data_dirs.front() + "/meta", opts.records_memory);
  if (!records.ok()) {
    spdlog::critical("{}", records.status().ToString());
    return 1;
  }
  BufferPool pool(opts.buffers);
  std::unique_ptr<IoBackend> io;
  if (opts.io_backend == "uring") {
    auto ring = MakeUringBackend(loop, UringOptions{});
    if (ring.ok()) {
      io = std::move(*ring);
    } else {
      spdlog::warn("io_uring unavailable ({}): using the thread backend", ring.status().ToString());
    }
  }
  if (!io) io = MakeThreadBackend(loop, 4);
  if (Status s = io->RegisterBuffers(pool.iovecs()); s.ok()) {
    pool.set_registered(true);
  } else if (s.err() != ENOTSUP) {
    spdlog::info("I/O buffers not registered ({}): plain buffers are used", s.ToString());
  }
  MetaCommitter committer(records->get(), loop.get_executor(), sync, opts.meta_cache_mb << 20);
  StoreOptions store_opts{opts.data_dirs, FdCacheOptions{opts.fd_cache, opts.direct_io}, sync};
  ChunkStore store(store_opts, io.get(), &committer, &pool);
  if (Status s = store.Open(records->get()); !s.ok()) {
    spdlog::critical("cannot open the chunk store: {}", s.ToString());
    return 1;
  }
  spdlog::info("chunk store: {} chunks, {} bytes in {} dir(s); I/O {}{}; durability {}", store.chunks(),
               store.used_bytes(), opts.data_dirs.size(), io->name(), pool.registered() ? " (registered buffers)" : "",
               opts.durability);

  // Cluster: the chain table, membership, peers, the request handler.
  ChainTableCache chains;
  ChunkService* service_ptr = nullptr;  // set before membership starts
  auto usage = [&store, &opts, &service_ptr] {
    Usage u = DiskUsage(opts.data_dirs);
    u.used_bytes = store.used_bytes();
    u.chunks = store.chunks();
    if (service_ptr) u.syncs = service_ptr->SyncReport();
    return u;
  };
  MembershipOptions mopts;
  mopts.meta = opts.meta;
  mopts.failure_domain = opts.failure_domain;
  mopts.disks = opts.data_dirs;
  mopts.id_file = opts.data_dirs.front() + "/server_id";
  mopts.tls = tls->get();
  Membership membership(mopts, &*key, &chains, usage, [&loop, &service_ptr] {
    asio::post(loop, [service_ptr] { service_ptr->OnTableChanged(); });
  });
  if (Status s = membership.LoadId(); !s.ok()) {
    spdlog::critical("{}", s.ToString());
    return 1;
  }
  PeerPool peers(loop.get_executor(), &pool, std::chrono::milliseconds(2000), tls->get());
  ChunkService service(opts.service, loop.get_executor(), &store, &chains, &peers, &signer,
                       [&membership] { membership.RequestRefresh(); });
  service_ptr = &service;

  // Listeners.
  DataServerOptions dopts = opts.data;
  dopts.limits.max_payload = opts.service.limits.max_chunk_size;
  dopts.max_bytes = std::max<uint64_t>(dopts.max_bytes, dopts.limits.max_payload + 8192);
  DataServer data(loop, dopts, &service, &pool, tls->get());
  auto data_bound = data.Listen(opts.listen);
  if (!data_bound.ok()) {
    spdlog::critical("{}", data_bound.status().ToString());
    return 1;
  }
  ControlService control(loop, &service, &store, &membership, &*key, usage);
  auto grpc_server = StartGrpcServer(opts.control_listen, {&control}, tls->get());
  if (!grpc_server.ok()) {
    spdlog::critical("cannot start gRPC on {}: {}", opts.control_listen, grpc_server.status().ToString());
    return 1;
  }
  auto control_hp = ParseHostPort(opts.control_listen);
  std::string control_bound = HostPort{control_hp.ok() ? control_hp->host : "127.0.0.1",
                                       static_cast<uint16_t>(grpc_server->port)}.ToString();
  membership.SetAddresses(Advertised(*data_bound, opts.advertise_host),
                          Advertised(control_bound, opts.advertise_host));

  data.Start();
  auto work = asio::make_work_guard(loop);
  std::thread loop_thread([&loop] { loop.run(); });
  control.set_serving(true);
  spdlog::info("serving data on {} and control on {} ({}; weft-meta at {})", *data_bound, control_bound,
               *tls ? "TLS" : "plain text", opts.meta);
  if (!opts.ready_file.empty()) {
    Status s = WriteFileAtomic(opts.ready_file, "control=" + control_bound + "\ndata=" + *data_bound + "\n");
    if (!s.ok()) spdlog::error("ready file: {}", s.ToString());
  }
  membership.Start();

  int sig = WaitForShutdownSignal();
  spdlog::info("signal {}: shutting down", sig);
  control.set_serving(false);
  membership.Stop();
  bool drained = true;
  RunOnLoop(loop, [&]() -> asio::awaitable<void> {
    service.StopBackground();
    co_await data.Stop(std::chrono::milliseconds(opts.shutdown_grace_ms));
    peers.CloseAll();
    bool background = co_await service.WaitBackground(std::chrono::milliseconds(opts.shutdown_grace_ms));
    asio::steady_timer settle(loop, std::chrono::milliseconds(20));  // let closed sockets' readers finish
    co_await settle.async_wait(asio::as_tuple(asio::use_awaitable));
    drained = background && data.connections() == 0;
  });
  grpc_server->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  committer.Stop();  // everything queued is written
  asio::post(loop, [&loop] { loop.stop(); });
  loop_thread.join();
  if (!drained) {
    // Requests still hold state the destructors would free under them: the metadata is written, so
    // leave without running them.
    spdlog::warn("requests still running at exit; leaving without cleanup");
    _exit(0);
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace weft::chunk
