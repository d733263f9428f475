#include "common/reconnecting_stub.h"

#include <thread>

#include <catch2/catch.hpp>

#include "weft/meta.grpc.pb.h"

namespace {

const grpc::Status kUnavailable(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses");

}  // namespace

TEST_CASE("a stub unavailable for stuck_ms gets a new channel, and any other answer resets the clock",
          "[common][grpc]") {
  // Nothing listens on port 1; channels connect lazily, so no call is made here.
  weft::ReconnectingStub<weft::Meta> holder("127.0.0.1:1", nullptr, 200, /*stuck_ms=*/50);
  auto first = holder.Get();
  holder.Report(kUnavailable);
  holder.Report(kUnavailable);
  CHECK(holder.Get() == first);  // not yet stuck_ms

  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  holder.Report(grpc::Status(grpc::StatusCode::NOT_FOUND, "an answer"));  // the server answered
  holder.Report(kUnavailable);
  CHECK(holder.Get() == first);  // the clock started again

  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  holder.Report(kUnavailable);
  auto second = holder.Get();
  CHECK(second != first);
  CHECK(first.use_count() >= 1);  // a stub handed out before stays usable
  holder.Report(grpc::Status::OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  holder.Report(kUnavailable);
  CHECK(holder.Get() == second);
}
