// The client's metadata RPCs: deadlines on every call, the bearer token, the session id, and retries
// with backoff while weft-meta is unavailable (restarting) for up to the retry window. Mutations carry a
// request id (when their message has a request_id field) so that a retried mutation whose first reply
// was lost is answered from weft-meta's record instead of being applied twice.
//
// Thread-safety: thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <type_traits>

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include "client/meta_wire_client.h"
#include "common/grpc_status.h"
#include "common/grpc_util.h"
#include "common/reconnecting_stub.h"
#include "common/status.h"
#include "weft/meta.grpc.pb.h"

namespace weft::client {

class MetaClient {
 public:
  // tls: null = plain text; else not owned, must outlive the client.
  MetaClient(const std::string& address, const Tls* tls, std::string token, uint32_t timeout_ms,
             uint32_t retry_window_ms);

  // The current stub (replaced when the channel is stuck: common/reconnecting_stub.h).
  std::shared_ptr<Meta::Stub> stub() { return stub_.Get(); }
  void set_session(uint64_t id) { session_id_ = id; }
  uint64_t session() const { return session_id_; }

  // Calls stub->*method with retries. `mutating` requests get a fresh request id (kept across retries);
  // unless `synced` (weft-meta syncs it before replying), the mutation counts as one Sync must cover.
  // Session calls go over the metadata wire while weft-meta offers one (client/meta_wire_client.h), and
  // over gRPC otherwise or whenever the wire cannot carry them.
  template <typename Req, typename Resp>
  Status Call(grpc::Status (Meta::Stub::*method)(grpc::ClientContext*, const Req&, Resp*), Req req, Resp* resp,
              bool mutating = false, bool synced = false) {
    const WireMethod wm = WireMethodOf(method);
    if (wm != WireMethod::kCreateBatch && wm != WireMethod::kReserveInodes && wm != WireMethod::kRecall) {
      if (auto* hook = before_call_.load()) (*hook)();
    }
    Prepare(&req, mutating);
    Status s = WithRetries([&]() -> grpc::Status {
      if (wm != WireMethod::kInvalid) {
        if (auto ws = wire_.Call(wm, req, resp, static_cast<int>(timeout_ms_))) return *ws;
      }
      return CallGrpc([&](grpc::ClientContext* ctx) { return (stub_.Get().get()->*method)(ctx, req, resp); });
    });
    if (mutating && !synced) unsynced_replies_.fetch_add(1);
    return s;
  }

  // Runs before every call but ReserveInodes, CreateBatch and Recall (the deferred creates' own): ClientImpl
  // sends its queued deferred creates there, so weft-meta sees them before any later call. fn must
  // outlive the calls; null = none.
  void set_before_call(const std::function<void()>* fn) { before_call_.store(fn); }

  // weft-meta acknowledges namespace changes before it syncs them. Sync makes every mutation whose
  // reply this client had before the call durable: one Sync call, unless a sync since covered them.
  Status Sync();
  // A mutation weft-meta syncs before replying (a durable length commit) covers every reply received
  // before it was sent: take the mark before the call, report it after success.
  uint64_t MutationMark() const { return unsynced_replies_.load(); }
  void NoteSynced(uint64_t mark);

  // The metadata wire: its port comes with Mount and Keepalive replies.
  MetaWireClient& wire() { return wire_; }

  // The wire method of a weft.Meta stub method; kInvalid for those gRPC always carries (Mount, ...).
  template <typename M>
  static WireMethod WireMethodOf(M m) {
#define WEFT_WIRE_OF(Name)                                                        \
  if constexpr (std::is_same_v<M, decltype(&Meta::Stub::Name)>) {                 \
    if (m == &Meta::Stub::Name) return WireMethod::k##Name;                       \
  }
    WEFT_WIRE_OF(Keepalive) WEFT_WIRE_OF(Lookup) WEFT_WIRE_OF(GetAttr) WEFT_WIRE_OF(SetAttr)
    WEFT_WIRE_OF(Create) WEFT_WIRE_OF(Mkdir) WEFT_WIRE_OF(Unlink) WEFT_WIRE_OF(Rmdir) WEFT_WIRE_OF(Rename)
    WEFT_WIRE_OF(Link) WEFT_WIRE_OF(Symlink) WEFT_WIRE_OF(Readlink) WEFT_WIRE_OF(ReadDir)
    WEFT_WIRE_OF(GetXattr) WEFT_WIRE_OF(SetXattr) WEFT_WIRE_OF(ListXattr) WEFT_WIRE_OF(RemoveXattr)
    WEFT_WIRE_OF(StatFs) WEFT_WIRE_OF(Open) WEFT_WIRE_OF(Close) WEFT_WIRE_OF(Commit) WEFT_WIRE_OF(Grant)
    WEFT_WIRE_OF(GetCapability) WEFT_WIRE_OF(Sync) WEFT_WIRE_OF(ReserveInodes) WEFT_WIRE_OF(CreateBatch)
    WEFT_WIRE_OF(Recall)
#undef WEFT_WIRE_OF
    return WireMethod::kInvalid;
  }

 private:
  void Prepare(google::protobuf::Message* req, bool mutating);
  // Runs fn (one attempt) until it succeeds, fails for good, or the retry window ends.
  Status WithRetries(const std::function<grpc::Status()>& fn);
  // One gRPC attempt: a context with the deadline and token, and the outcome reported to the channel's
  // health (ReconnectingStub) -- the wire's outcomes are not gRPC's.
  grpc::Status CallGrpc(const std::function<grpc::Status(grpc::ClientContext*)>& fn);

  ReconnectingStub<Meta> stub_;
  MetaWireClient wire_;
  const std::string token_;
  const uint32_t timeout_ms_;
  const uint32_t retry_window_ms_;
  std::atomic<uint64_t> session_id_{0};
  std::atomic<const std::function<void()>*> before_call_{nullptr};
  std::atomic<uint64_t> next_request_id_;
  std::atomic<uint64_t> unsynced_replies_{0};  // replies to mutations weft-meta may not have synced
  std::atomic<uint64_t> synced_{0};            // the first this many of those replies are durable
};

}  // namespace weft::client
