#include "common/grpc_util.h"

namespace weft {

StatusOr<StartedServer> StartGrpcServer(const std::string& listen, const std::vector<grpc::Service*>& services,
                                        const Tls* tls, int max_threads) {
  grpc::ServerBuilder builder;
  if (max_threads > 0) {
    grpc::ResourceQuota quota("weft-server");
    quota.SetMaxThreads(max_threads);
    builder.SetResourceQuota(quota);
  }
  // Synchronous services: gRPC keeps at least MIN_POLLERS threads waiting for calls and lets a thread that
  // finished a call exit when more than MAX_POLLERS wait. Its default maximum, 2, made weft-meta create
  // and end a thread about every 20 calls whenever two calls overlapped (a FUSE lookup beside a
  // heartbeat): 81-100 clone3 during 1,000 creates and 1,000 unlinks through a mount, 2-3 with 8.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, kSyncServerMaxPollers);
  StartedServer out;
  builder.AddListeningPort(listen, tls ? tls->ServerCredentials() : grpc::InsecureServerCredentials(), &out.port);
  builder.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  for (grpc::Service* s : services) builder.RegisterService(s);
  out.server = builder.BuildAndStart();
  if (!out.server || out.port == 0) return Err(EADDRINUSE, "cannot listen on {}", listen);
  return out;
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address, const Tls* tls, int max_backoff_ms) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  // gRPC takes this as the deadline of each connection attempt (TCP, TLS handshake, HTTP/2 settings),
  // not as a backoff: at 100 ms, TLS handshakes with a just-restarted, busy server kept being cut off
  // ("tcp handshaker shutdown") and the channel never reconnected. Calls still end at their own deadline.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 5000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, max_backoff_ms);
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  return grpc::CreateCustomChannel(address, tls ? tls->ChannelCredentials() : grpc::InsecureChannelCredentials(), args);
}

void PrepareContext(grpc::ClientContext* ctx, std::chrono::milliseconds timeout, const std::string& token) {
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
}

}  // namespace weft
