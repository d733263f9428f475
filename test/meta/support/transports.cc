#include <chrono>

#include "common/grpc_status.h"
#include "common/grpc_util.h"
#include "common/reconnecting_stub.h"
#include "server/meta/core.h"
#include "server/meta/ops/ops.h"
#include "test/meta/support/transport.h"

namespace weft::meta::test {
namespace {

class CoreTransport final : public Transport {
 public:
  explicit CoreTransport(MetaCore* core) : core_(core) {}
#define WEFT_CORE_M(Name, Req, Resp) \
  Status Name(const Req& req, Resp* resp) override { return core_->Run(ops::Name, req, resp); }
#define WEFT_CORE_R(Name, Req, Resp) \
  Status Name(const Req& req, Resp* resp) override { return core_->Read(ops::Name, req, resp); }
#define WEFT_CORE_K(Name, Req, Resp) \
  Status Name(const Req& req, Resp* resp) override { return core_->Keepalive(req, resp); }
#define WEFT_CORE_S(Name, Req, Resp) \
  Status Name(const Req& req, Resp*) override {                                    \
    if (!core_->sessions().Contains(req.session_id())) return Err(ESTALE, "unknown session"); \
    return core_->sequencer().Sync();                                              \
  }
#define WEFT_CORE_CALL(kind, service, Name, Req, Resp) WEFT_CORE_##kind(Name, Req, Resp)
  WEFT_META_TEST_CALLS(WEFT_CORE_CALL)
#undef WEFT_CORE_CALL
#undef WEFT_CORE_M
#undef WEFT_CORE_R
#undef WEFT_CORE_K
#undef WEFT_CORE_S

 private:
  MetaCore* const core_;
};

class GrpcTransport final : public Transport {
 public:
  GrpcTransport(const std::string& address, const Tls* tls, std::string token, int timeout_ms)
      : token_(std::move(token)), meta_(address, tls, 200), admin_(address, tls, 200), timeout_(timeout_ms) {}
#define WEFT_GRPC_CALL(kind, service, Name, Req, Resp)  \
  Status Name(const Req& req, Resp* resp) override {   \
    grpc::ClientContext ctx;                           \
    PrepareContext(&ctx, timeout_, token_);            \
    auto& holder = Holder##service();                  \
    grpc::Status gs = holder.Get()->Name(&ctx, req, resp); \
    holder.Report(gs);                                 \
    return FromGrpc(gs);                               \
  }
  WEFT_META_TEST_CALLS(WEFT_GRPC_CALL)
#undef WEFT_GRPC_CALL

 private:
  ReconnectingStub<Meta>& HolderMeta() { return meta_; }
  ReconnectingStub<Admin>& HolderAdmin() { return admin_; }
  const std::string token_;
  ReconnectingStub<Meta> meta_;
  ReconnectingStub<Admin> admin_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<Transport> NewCoreTransport(MetaCore* core) { return std::make_unique<CoreTransport>(core); }
std::unique_ptr<Transport> NewGrpcTransport(const std::string& address, const Tls* tls, const std::string& token,
                                            int timeout_ms) {
  return std::make_unique<GrpcTransport>(address, tls, token, timeout_ms);
}

}  // namespace weft::meta::test
