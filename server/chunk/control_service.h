// The gRPC face of weft-chunk (service ChunkControl in proto/weft/cluster.proto): health, statistics,
// and RemoveChunks / RemoveInodes for weft-meta's garbage collection (local removal only; weft-meta
// calls every server of the chains). Handlers are thin: removals run on the event loop and finish the
// call when done, without blocking a gRPC thread. Stats and the removals are server-internal: they need
// the cluster credential (common/cluster_key.h); Health answers anyone (liveness probes).
//
// Thread-safety: gRPC calls handlers on its threads; they only touch atomics or post to the loop.
#pragma once

#include <atomic>
#include <functional>

#include <boost/asio/io_context.hpp>

#include "common/cluster_key.h"
#include "server/chunk/membership.h"
#include "server/chunk/service.h"
#include "weft/cluster.grpc.pb.h"

namespace weft::chunk {

class ControlService final : public ChunkControl::CallbackService {
 public:
  // Collaborators are not owned and must outlive the service.
  ControlService(boost::asio::io_context& loop, ChunkService* service, ChunkStore* store, Membership* membership,
                 const ClusterKey* key, std::function<Usage()> usage);

  grpc::ServerUnaryReactor* Health(grpc::CallbackServerContext* ctx, const HealthRequest* req,
                                   HealthResponse* resp) override;
  grpc::ServerUnaryReactor* Stats(grpc::CallbackServerContext* ctx, const ChunkStatsRequest* req,
                                  ChunkStatsResponse* resp) override;
  grpc::ServerUnaryReactor* RemoveChunks(grpc::CallbackServerContext* ctx, const RemoveChunksRequest* req,
                                         RemoveChunksResponse* resp) override;
  // At most kMaxRemoveInodes inodes a call (INVALID_ARGUMENT beyond).
  grpc::ServerUnaryReactor* RemoveInodes(grpc::CallbackServerContext* ctx, const RemoveInodesRequest* req,
                                         RemoveInodesResponse* resp) override;
  static constexpr int kMaxRemoveInodes = 4096;

  void set_serving(bool serving) { serving_ = serving; }

 private:
  boost::asio::io_context& loop_;
  ChunkService* const service_;
  ChunkStore* const store_;
  Membership* const membership_;
  const ClusterKey* const key_;
  const std::function<Usage()> usage_;
  const int64_t start_ms_;
  std::atomic<bool> serving_{false};
};

}  // namespace weft::chunk
