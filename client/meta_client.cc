#include "client/meta_client.h"

#include <cerrno>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/net.h"

namespace weft::client {
namespace {

std::string HostOf(const std::string& address) {
  auto hp = ParseHostPort(address);
  return hp.ok() ? hp->host : "";
}

}  // namespace

MetaClient::MetaClient(const std::string& address, const Tls* tls, std::string token, uint32_t timeout_ms,
                       uint32_t retry_window_ms)
    : stub_(address, tls, 1000),
      // No wire with TLS: weft-meta serves none then (the wire is plain TCP).
      wire_(tls ? "" : HostOf(address), token),
      token_(std::move(token)),
      timeout_ms_(timeout_ms),
      retry_window_ms_(retry_window_ms) {
  // Request ids start at a random point so that a restarted client never reuses one of its
  // predecessor's ids within a session that weft-meta still remembers.
  std::random_device rd;
  next_request_id_ = (uint64_t{rd()} << 32) ^ uint64_t{rd()} ^ static_cast<uint64_t>(NowUnixNs());
}

void MetaClient::Prepare(google::protobuf::Message* req, bool mutating) {
  const auto* desc = req->GetDescriptor();
  const auto* refl = req->GetReflection();
  if (const auto* f = desc->FindFieldByName("session_id"); f && f->cpp_type() == f->CPPTYPE_UINT64) {
    if (refl->GetUInt64(*req, f) == 0) refl->SetUInt64(req, f, session_id_.load());
  }
  if (!mutating) return;
  if (const auto* f = desc->FindFieldByName("request_id"); f && f->cpp_type() == f->CPPTYPE_UINT64) {
    refl->SetUInt64(req, f, next_request_id_.fetch_add(1));
  }
}

Status MetaClient::Sync() {
  // Changes still queued on this side (deferred creates) go out first, so that the mark covers them.
  if (auto* hook = before_call_.load()) (*hook)();
  const uint64_t mark = unsynced_replies_.load();
  if (synced_.load() >= mark) return Status::Ok();
  SyncRequest req;
  SyncResponse resp;
  Status s = Call(&Meta::Stub::Sync, req, &resp);
  // A weft-meta older than Meta.Sync answers UNIMPLEMENTED (ENOSYS): it synced every change before
  // replying, so there is nothing to sync.
  if (!s.ok() && s.err() != ENOSYS) return s;
  NoteSynced(mark);
  return Status::Ok();
}

void MetaClient::NoteSynced(uint64_t mark) {
  uint64_t cur = synced_.load();
  while (cur < mark && !synced_.compare_exchange_weak(cur, mark)) {
  }
}

grpc::Status MetaClient::CallGrpc(const std::function<grpc::Status(grpc::ClientContext*)>& fn) {
  grpc::ClientContext ctx;
  PrepareContext(&ctx, std::chrono::milliseconds(timeout_ms_), token_);
  grpc::Status gs = fn(&ctx);
  stub_.Report(gs);
  return gs;
}

Status MetaClient::WithRetries(const std::function<grpc::Status()>& fn) {
  int64_t deadline = MonoMs() + retry_window_ms_;
  int backoff_ms = 50;
  for (;;) {
    grpc::Status gs = fn();
    if (gs.ok()) return Status::Ok();
    // UNAVAILABLE: weft-meta is down or restarting; busy: every call thread was taken, the call never ran.
    bool retry = gs.error_code() == grpc::StatusCode::UNAVAILABLE || IsServerBusy(gs);
    // A deadline on a call that may have been applied is retried too: the request id makes it safe.
    if (gs.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) retry = true;
    // An errno carried in details is the service's own answer (e.g. EAGAIN from it is still final).
    if (!gs.error_details().empty()) retry = false;
    Status s = FromGrpc(gs);
    if (!retry || MonoMs() + backoff_ms > deadline) {
      if (retry) return Err(s.err(), "metadata service unreachable: {}", s.message());
      return s;
    }
    spdlog::debug("metadata call failed ({}), retrying in {} ms", s.ToString(), backoff_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min(backoff_ms * 2, 1000);
  }
}

}  // namespace weft::client
