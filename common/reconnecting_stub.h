// A gRPC stub whose channel is replaced when calls keep failing with UNAVAILABLE.
//
// Why: with TLS on, a long-lived gRPC 1.51 channel reconnecting to a restarted server sometimes leaves
// its client-side handshake unread (the server's reply sits in the socket's receive queue) and fails
// every call with "tcp handshaker shutdown" or "Handshake read failed", while a new channel connects at
// once. So after `stuck_ms` of nothing but UNAVAILABLE, the next Get() builds a new channel.
//
//   ReconnectingStub<Meta> meta(address, tls);
//   auto stub = meta.Get();
//   grpc::Status s = stub->Lookup(&ctx, req, &resp);
//   meta.Report(s);
//
// Thread-safety: thread-safe. Stubs handed out stay valid (shared) after a replacement.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/grpc_util.h"

namespace weft {

template <typename Service>
class ReconnectingStub {
 public:
  using Stub = typename Service::Stub;

  // tls: null = plain text; else not owned, must outlive this. max_backoff_ms as for MakeChannel.
  ReconnectingStub(std::string address, const Tls* tls, int max_backoff_ms, int64_t stuck_ms = 3000)
      : address_(std::move(address)), tls_(tls), max_backoff_ms_(max_backoff_ms), stuck_ms_(stuck_ms) {
    stub_ = Service::NewStub(MakeChannel(address_, tls_, max_backoff_ms_));
  }

  std::shared_ptr<Stub> Get() {
    std::lock_guard lock(mu_);
    return stub_;
  }

  // Records a call's outcome; replaces the channel once UNAVAILABLE has lasted stuck_ms.
  void Report(const grpc::Status& s) {
    std::lock_guard lock(mu_);
    if (s.error_code() != grpc::StatusCode::UNAVAILABLE) {
      failing_since_ = 0;
      return;
    }
    const int64_t now = MonoMs();
    if (failing_since_ == 0) {
      failing_since_ = now;
    } else if (now - failing_since_ >= stuck_ms_) {
      spdlog::info("{}: unavailable for {} ms ({}); opening a new channel", address_, now - failing_since_,
                   s.error_message());
      stub_ = Service::NewStub(MakeChannel(address_, tls_, max_backoff_ms_));
      failing_since_ = now;
    }
  }

 private:
  const std::string address_;
  const Tls* const tls_;
  const int max_backoff_ms_;
  const int64_t stuck_ms_;
  std::mutex mu_;
  std::shared_ptr<Stub> stub_;  // GUARDED_BY(mu_)
  int64_t failing_since_ = 0;   // GUARDED_BY(mu_); MonoMs of the first UNAVAILABLE in a row, 0 = none
};

}  // namespace weft
