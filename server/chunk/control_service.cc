#include "server/chunk/control_service.h"

#include <boost/asio/co_spawn.hpp>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/grpc_status.h"

#ifndef WEFT_VERSION
#define WEFT_VERSION "dev"
#endif

namespace weft::chunk {

ControlService::ControlService(boost::asio::io_context& loop, ChunkService* service, ChunkStore* store,
                               Membership* membership, const ClusterKey* key, std::function<Usage()> usage)
    : loop_(loop), service_(service), store_(store), membership_(membership), key_(key), usage_(std::move(usage)),
      start_ms_(MonoMs()) {}

grpc::ServerUnaryReactor* ControlService::Health(grpc::CallbackServerContext* ctx, const HealthRequest*,
                                                 HealthResponse* resp) {
  resp->set_service("weft-chunk");
  resp->set_version(WEFT_VERSION);
  resp->set_uptime_ms(static_cast<uint64_t>(MonoMs() - start_ms_));
  resp->set_serving(serving_.load());
  resp->set_server_id(membership_->server_id());
  auto* r = ctx->DefaultReactor();
  r->Finish(grpc::Status::OK);
  return r;
}

grpc::ServerUnaryReactor* ControlService::Stats(grpc::CallbackServerContext* ctx, const ChunkStatsRequest*,
                                                ChunkStatsResponse* resp) {
  if (Status s = key_->CheckCall(ctx, "ChunkControl.Stats"); !s.ok()) {
    spdlog::warn("refused a call from {}: {}", ctx->peer(), s.message());
    auto* r = ctx->DefaultReactor();
    r->Finish(ToGrpc(s));
    return r;
  }
  Usage u = usage_();
  resp->set_chunks(store_->chunks());
  resp->set_used_bytes(store_->used_bytes());
  resp->set_capacity_bytes(u.capacity_bytes);
  resp->set_checksum_errors(service_->stats().checksum_errors.load());
  resp->set_repairs(service_->stats().repairs.load());
  auto* r = ctx->DefaultReactor();
  r->Finish(grpc::Status::OK);
  return r;
}

grpc::ServerUnaryReactor* ControlService::RemoveChunks(grpc::CallbackServerContext* ctx,
                                                       const RemoveChunksRequest* req, RemoveChunksResponse* resp) {
  auto* r = ctx->DefaultReactor();
  if (Status s = key_->CheckCall(ctx, "ChunkControl.RemoveChunks"); !s.ok()) {
    spdlog::warn("refused a call from {}: {}", ctx->peer(), s.message());
    r->Finish(ToGrpc(s));
    return r;
  }
  const uint64_t ino = req->ino();
  const uint32_t from = req->from_index();
  ChunkService* service = service_;
  boost::asio::co_spawn(
      loop_,
      [service, ino, from, resp]() -> boost::asio::awaitable<Status> {
        auto n = co_await service->RemoveLocal(ino, from);
        if (!n.ok()) co_return n.status();
        resp->set_removed(*n);
        co_return Status::Ok();
      },
      [r, ino, from](std::exception_ptr e, Status s) {
        if (e) s = Err(EIO, "remove chunks of inode {}: internal error", ino);
        if (!s.ok()) spdlog::error("remove chunks of inode {} from index {}: {}", ino, from, s.ToString());
        r->Finish(ToGrpc(s));
      });
  return r;
}

grpc::ServerUnaryReactor* ControlService::RemoveInodes(grpc::CallbackServerContext* ctx,
                                                       const RemoveInodesRequest* req, RemoveInodesResponse* resp) {
  auto* r = ctx->DefaultReactor();
  if (Status s = key_->CheckCall(ctx, "ChunkControl.RemoveInodes"); !s.ok()) {
    spdlog::warn("refused a call from {}: {}", ctx->peer(), s.message());
    r->Finish(ToGrpc(s));
    return r;
  }
  if (req->inos_size() > kMaxRemoveInodes) {
    r->Finish(ToGrpc(Err(EINVAL, "remove inodes: {} inodes in one call, at most {}", req->inos_size(),
                         kMaxRemoveInodes)));
    return r;
  }
  std::vector<uint64_t> inos(req->inos().begin(), req->inos().end());
  ChunkService* service = service_;
  boost::asio::co_spawn(
      loop_,
      [service, inos = std::move(inos), resp]() -> boost::asio::awaitable<Status> {
        uint64_t removed = 0;
        for (uint64_t ino : inos) {
          auto n = co_await service->RemoveLocal(ino, 0);
          if (!n.ok()) co_return n.status().Annotate(fmt::format("inode {}", ino));
          removed += *n;
        }
        resp->set_removed(removed);
        co_return Status::Ok();
      },
      [r, n = req->inos_size()](std::exception_ptr e, Status s) {
        if (e) s = Err(EIO, "remove chunks of {} inodes: internal error", n);
        if (!s.ok()) spdlog::error("remove chunks of {} inodes: {}", n, s.ToString());
        r->Finish(ToGrpc(s));
      });
  return r;
}

}  // namespace weft::chunk
