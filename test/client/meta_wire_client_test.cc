// MetaWireClient's pool against scripted wire peers on loopback: connections are counted right when
// the port changes under a call in flight (a regression: such a connection, dropped, kept its slot, and
// a client with one slot used gRPC for ever after).
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "client/meta_wire_client.h"
#include "common/frame_socket.h"
#include "common/meta_wire.h"
#include "test/client/loopback_listener.h"
#include "weft/meta.pb.h"

using namespace weft;
using namespace weft::client;

namespace {

// A wire peer: after `delay_ms` it answers each call with an empty AttrResponse, hangs up instead, or
// answers as a weft-meta that does not know the method.
enum class Answer { kReply, kHangUp, kUnknownMethod };

class WirePeer {
 public:
  WirePeer(int delay_ms, Answer answer) : delay_ms_(delay_ms), answer_(answer) {
    fd_ = weft::test::ListenLoopback(&port_);
    thread_ = std::thread([this] { Run(); });
  }
  ~WirePeer() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  uint16_t port() const { return port_; }

 private:
  void Run() {
    for (;;) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      for (;;) {
        auto f = ReceiveFrame(c, WireRequestLimits(), 5000);
        if (!f.ok()) break;
        if (f->header.type == kWireHello) continue;
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
        if (answer_ == Answer::kHangUp) break;
        Status sent = answer_ == Answer::kUnknownMethod
                          ? SendFrame(c, kWireReply, kWireError, f->header.request_id,
                                      std::string(kWireUnknownMethod) + " 3",
                                      std::to_string(int(grpc::StatusCode::UNIMPLEMENTED)) + "\n" +
                                          std::to_string(ENOSYS))
                          : SendFrame(c, kWireReply, 0, f->header.request_id, AttrResponse().SerializeAsString());
        if (!sent.ok()) break;
      }
      close(c);
    }
  }
  const int delay_ms_;
  const Answer answer_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_CASE("a wire connection lost after the port changed gives its slot back", "[client][wire]") {
  WirePeer old_peer(300, Answer::kHangUp);
  WirePeer new_peer(0, Answer::kReply);
  MetaWireClient w("127.0.0.1", "", /*max_connections=*/1);
  w.SetPort(old_peer.port());
  GetAttrRequest q;
  std::atomic<bool> fell_back{false};
  std::thread busy([&] {
    AttrResponse r;
    fell_back = !w.Call(WireMethod::kGetAttr, q, &r, 5000).has_value();  // the peer hangs up
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the call is in flight
  w.SetPort(new_peer.port());                                   // a restarted weft-meta's new port
  busy.join();
  CHECK(fell_back);
  AttrResponse r;
  auto s = w.Call(WireMethod::kGetAttr, q, &r, 5000);
  REQUIRE(s.has_value());  // the one slot is free again, and the new port is not resting
  CHECK(s->ok());
  CHECK(w.calls() == 1);
}

TEST_CASE("a method the server does not know is left to gRPC",
          "[client][wire]") {
  WirePeer old_server(0, Answer::kUnknownMethod);
  MetaWireClient w("127.0.0.1", "");
  w.SetPort(old_server.port());
  GetAttrRequest q;
  AttrResponse r;
  CHECK_FALSE(w.Call(WireMethod::kGetAttr, q, &r, 5000).has_value());  // the caller makes it over gRPC
  CHECK(w.fallbacks() == 1);
  CHECK(w.calls() == 0);
}
