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
#include "common/meta_wire.h"
#include "weft/meta.pb.h"

using namespace weft;
using namespace weft::client;

namespace {

// A wire peer: answers each GetAttr after `delay_ms` with an empty AttrResponse, or, with `hang_up`,
// closes the connection instead of answering.
class WirePeer {
 public:
  WirePeer(int delay_ms, bool hang_up) : delay_ms_(delay_ms), hang_up_(hang_up) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(fd_, 8) == 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
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
        auto f = WireReceive(c, WireRequestLimits(), 5000);
        if (!f.ok()) break;
        if (f->header.type == kWireHello) continue;
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
        if (hang_up_) break;
        if (!WireSend(c, kWireReply, 0, f->header.request_id, AttrResponse().SerializeAsString()).ok()) break;
      }
      close(c);
    }
  }
  const int delay_ms_;
  const bool hang_up_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_CASE("a wire connection lost after the port changed gives its slot back", "[client][wire]") {
  WirePeer old_peer(300, /*hang_up=*/true);
  WirePeer new_peer(0, /*hang_up=*/false);
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
