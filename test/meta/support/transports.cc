#include <chrono>
#include <type_traits>

#include "common/grpc_status.h"
#include "common/grpc_util.h"
#include "client/meta_client.h"
#include "common/net.h"
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

class WireTransport final : public Transport {
 public:
  WireTransport(const std::string& address, std::string token, int timeout_ms)
      : grpc_(address, nullptr, token, timeout_ms), wire_(HostOf(address), token), timeout_ms_(timeout_ms) {}
#define WEFT_WIRE_CALL(kind, service, Name, Req, Resp)                                 \
  Status Name(const Req& req, Resp* resp) override {                                   \
    const WireMethod m = weft::client::MetaClient::WireMethodOf(&service::Stub::Name); \
    if (m != WireMethod::kInvalid) return OverWire(m, req, resp);                      \
    Status s = grpc_.Name(req, resp);                                                  \
    if (s.ok()) NotePort(*resp);                                                       \
    return s;                                                                          \
  }
  WEFT_META_TEST_CALLS(WEFT_WIRE_CALL)
#undef WEFT_WIRE_CALL

 private:
  static std::string HostOf(const std::string& address) {
    auto hp = ParseHostPort(address);
    return hp.ok() ? hp->host : "";
  }
  template <typename Resp>
  void NotePort(const Resp& r) {
    if constexpr (std::is_same_v<Resp, MountResponse>) wire_.SetPort(static_cast<uint16_t>(r.wire_port()));
  }
  Status OverWire(WireMethod m, const google::protobuf::Message& req, google::protobuf::Message* resp) {
    auto s = wire_.Call(m, req, resp, timeout_ms_);
    if (!s) {
      // A restarted weft-meta listens on a new port: ask for it as a client's keepalive does, then retry
      // on the wire once (after the wire's rest after a failed connect).
      const auto* f = req.GetDescriptor()->FindFieldByName("session_id");
      KeepaliveRequest ka;
      KeepaliveResponse kr;
      if (f) ka.set_session_id(req.GetReflection()->GetUInt64(req, f));
      if (f && grpc_.Keepalive(ka, &kr).ok() && kr.wire_port() != wire_.port()) {
        wire_.SetPort(static_cast<uint16_t>(kr.wire_port()));
        s = wire_.Call(m, req, resp, timeout_ms_);
      }
    }
    if (!s) return Err(EPIPE, "the metadata wire did not carry call {} (port {})", static_cast<int>(m), wire_.port());
    return FromGrpc(*s);
  }
  GrpcTransport grpc_;
  weft::client::MetaWireClient wire_;
  const int timeout_ms_;
};

}  // namespace

std::unique_ptr<Transport> NewWireTransport(const std::string& address, const std::string& token, int timeout_ms) {
  return std::make_unique<WireTransport>(address, token, timeout_ms);
}

std::unique_ptr<Transport> NewCoreTransport(MetaCore* core) { return std::make_unique<CoreTransport>(core); }
std::unique_ptr<Transport> NewGrpcTransport(const std::string& address, const Tls* tls, const std::string& token,
                                            int timeout_ms) {
  return std::make_unique<GrpcTransport>(address, tls, token, timeout_ms);
}

}  // namespace weft::meta::test
