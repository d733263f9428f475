// gRPC plumbing shared by servers and clients: starting a server on an address (port 0 = pick one),
// TLS or plain text (common/tls.h), channels with sane keepalive, per-call deadlines, and the bearer
// token carried as call metadata.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "common/status.h"
#include "common/tls.h"
#include "common/tls.h"

namespace weft {

struct StartedServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;  // the bound port
};

// Idle threads a synchronous gRPC service keeps waiting for calls (StartGrpcServer).
inline constexpr int kSyncServerMaxPollers = 8;

// Builds and starts a gRPC server listening on `listen` ("host:port", port 0 picks a free one); TLS with
// tls's certificate when tls is given (REQUIRES: tls->server()), else plain text. max_threads > 0 bounds
// the threads of synchronous services (each runs one call at a time); a call past the bound is answered
// RESOURCE_EXHAUSTED with no details (IsServerBusy).
StatusOr<StartedServer> StartGrpcServer(const std::string& listen, const std::vector<grpc::Service*>& services,
                                        const Tls* tls, int max_threads = 0);

// True for gRPC's own "no thread free for the call" refusal: retrying later is safe (the call never ran).
inline bool IsServerBusy(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && s.error_details().empty();
}

// A channel to host:port with keepalive pings; connection attempts back off at most max_backoff_ms. With
// tls, the server's certificate must be signed by tls's CA and name the host dialled; null = plain text.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address, const Tls* tls, int max_backoff_ms = 1000);

// Prepares a client context: deadline `timeout` from now and the bearer token (if any).
void PrepareContext(grpc::ClientContext* ctx, std::chrono::milliseconds timeout, const std::string& token = "");

}  // namespace weft
