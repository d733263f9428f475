// weft-meta's end of the metadata wire (common/meta_wire.h): a listener and one thread per connection,
// each reading a request, running it through MetaService::WireCall on that same thread and writing the
// reply. No thread hands a call to another: on a small VM each wake-up of another thread costs ~90 us,
// and gRPC's sync server takes several per call.
//
// Connections are bounded (MetaWireOptions::max_connections): one over the bound is closed at once and
// its client uses gRPC. A client keeps a few connections (client/meta_wire_client.h), so the bound is on
// clients times a small number, not on inodes or files.
//
// Plain TCP only: weft-meta with TLS runs no wire (RunServer passes no address), and its clients use
// gRPC over TLS.
//
// Thread-safety: Start and Stop from one thread; the service must outlive Stop.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "server/meta/service/meta_service.h"

namespace weft::meta {

struct MetaWireOptions {
  std::string listen;                // "HOST:PORT"; port 0 = a free port (the default: --listen's host)
  uint32_t max_connections = 1024;   // connections served at once; default 1024
};

class MetaWireServer {
 public:
  // Listens and starts accepting. EADDRINUSE/EINVAL when the address cannot be bound.
  static StatusOr<std::unique_ptr<MetaWireServer>> Start(const MetaWireOptions& opts, MetaService* service);
  ~MetaWireServer();  // Stop()
  MetaWireServer(const MetaWireServer&) = delete;
  MetaWireServer& operator=(const MetaWireServer&) = delete;

  uint16_t port() const { return port_; }
  // Closes the listener and every connection (a call in progress finishes first) and joins the threads.
  void Stop();

 private:
  struct Conn {
    int fd = -1;
    std::string peer;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  MetaWireServer(const MetaWireOptions& opts, MetaService* service, int listen_fd, uint16_t port);
  void AcceptLoop();
  void Serve(Conn* c);
  void ReapLocked();  // joins finished connection threads. REQUIRES: mu_ held.

  const MetaWireOptions opts_;
  MetaService* const service_;
  const int listen_fd_;
  const uint16_t port_;
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::list<std::unique_ptr<Conn>> conns_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                   // GUARDED_BY(mu_)
};

}  // namespace weft::meta
