// The Admin service of weft-meta, as weftctl calls it: one channel, every call with a deadline and the
// bearer token, every failure a Status with its errno (common/grpc_status.h). The stub's methods are
// called through Call, so a new RPC needs no code here:
//   auto vol = admin.Call(&Admin::Stub::GetVolume, req);
// An unreachable weft-meta fails fast (ENOTCONN); one that does not answer fails at the deadline
// (ETIMEDOUT); an RPC weft-meta lacks fails with ENOSYS.
//
// Thread-safety: calls may run from any thread (the gRPC stub is thread-safe).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "common/grpc_status.h"
#include "common/status.h"
#include "common/tls.h"
#include "weft/admin.grpc.pb.h"

namespace weft::cli {

struct AdminOptions {
  std::string address;                          // host:port of weft-meta; required
  std::string token;                            // bearer token; "" = none
  std::chrono::milliseconds timeout{5000};      // deadline of each call; default 5 s
  TlsPtr tls;                                   // null = plain text
};

class AdminClient {
 public:
  explicit AdminClient(AdminOptions opts);

  template <typename Req, typename Resp>
  using Method = grpc::Status (Admin::Stub::*)(grpc::ClientContext*, const Req&, Resp*);

  template <typename Req, typename Resp>
  StatusOr<Resp> Call(Method<Req, Resp> method, const Req& req) {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    Resp resp;
    Status s = FromGrpc((stub_.get()->*method)(&ctx, req, &resp));
    if (!s.ok()) return s;
    return resp;
  }

  const AdminOptions& options() const { return opts_; }

 private:
  void Prepare(grpc::ClientContext* ctx) const;

  const AdminOptions opts_;
  std::unique_ptr<Admin::Stub> stub_;
};

}  // namespace weft::cli
