// libweft's end of the metadata wire (common/meta_wire.h): a small pool of blocking TCP connections to
// weft-meta's wire port. A call takes an idle connection (or opens one, up to max_connections), writes
// the request and waits for the reply on the calling thread: no other thread is woken.
//
// The wire is an accelerator, never the only way: Call answers nullopt whenever it cannot carry a call
// (no wire port, every connection busy, connect refused, the connection lost mid-call, a reply that
// does not parse), and MetaClient then makes the same call over gRPC with the same request id, so a
// mutation applied before its connection broke is answered from weft-meta's record, not applied twice.
// After a failed connect or a lost connection the wire rests for a second before it is tried again.
//
// Thread-safety: thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include "common/frame_socket.h"
#include "common/meta_wire.h"

namespace weft::client {

class MetaWireClient {
 public:
  // host: where weft-meta was dialled (its gRPC address's host); token: the bearer token ("" = none).
  // max_connections: 4 for calls, and one for a deferring session's waiting Recall.
  MetaWireClient(std::string host, std::string token, size_t max_connections = 5);
  ~MetaWireClient();
  MetaWireClient(const MetaWireClient&) = delete;
  MetaWireClient& operator=(const MetaWireClient&) = delete;

  // The port weft-meta announced (Mount, Keepalive); 0 = none. A new port drops the pooled connections.
  void SetPort(uint16_t port);
  uint16_t port() const { return port_.load(); }

  // Makes one call. nullopt: the wire did not carry it (see above); else the call's status as gRPC
  // would have given it (DEADLINE_EXCEEDED after timeout_ms without a reply).
  std::optional<grpc::Status> Call(WireMethod method, const google::protobuf::Message& request,
                                   google::protobuf::Message* response, int timeout_ms);

  uint64_t calls() const { return calls_.load(); }          // answered over the wire
  uint64_t fallbacks() const { return fallbacks_.load(); }  // nullopt answers (tests, logs)

 private:
  struct Conn {
    int fd = -1;
    uint64_t generation = 0;
    std::shared_ptr<FrameReader> reader;  // reads fd's replies (one recv for a small one)
  };
  std::optional<Conn> Take();
  void Give(Conn c);
  void Drop(Conn c, const std::string& why);  // closes it and rests the wire
  int Connect(uint16_t port, int timeout_ms);  // a connected, HELLO'd socket, or -1

  const std::string host_;
  const std::string token_;
  const size_t max_connections_;
  std::atomic<uint16_t> port_{0};
  std::atomic<uint64_t> next_id_{1};
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> fallbacks_{0};

  std::mutex mu_;
  std::vector<Conn> idle_;     // GUARDED_BY(mu_)
  size_t open_ = 0;            // GUARDED_BY(mu_): idle and busy
  uint64_t generation_ = 0;    // GUARDED_BY(mu_): bumped by SetPort
  int64_t rest_until_ms_ = 0;  // GUARDED_BY(mu_): no new connection before this
};

}  // namespace weft::client
