// BlockingCalls (client/data/blocking_calls.h) against a scripted peer on loopback: a clean reply lands
// in the caller's buffer and the connection is reused; a peer that closes, answers the wrong request,
// sends garbage, claims more data than it sends or sends more than one reply costs that connection
// only, with a clear error.
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include "client/data/blocking_calls.h"
#include "common/frame_socket.h"
#include "test/client/loopback_listener.h"

using namespace weft;
using namespace weft::client;

namespace {

// Accepts connections one after another; for each request frame runs `answer(fd, request)`, which
// replies (or not) and returns false to close the connection.
class ScriptedPeer {
 public:
  explicit ScriptedPeer(std::function<bool(int, const ReceivedFrame&)> answer) : answer_(std::move(answer)) {
    fd_ = weft::test::ListenLoopback(&port_);
    thread_ = std::thread([this] { Run(); });
  }
  ~ScriptedPeer() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_; }

 private:
  void Run() {
    for (;;) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++accepted_;
      for (;;) {
        auto f = ReceiveFrame(c, FrameLimits{}, 5000);
        if (!f.ok() || !answer_(c, *f)) break;
      }
      close(c);
    }
  }
  std::function<bool(int, const ReceivedFrame&)> answer_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<int> accepted_{0};
};

DataReply ReplyOf(uint32_t length) {
  DataReply r;
  r.set_length(length);
  return r;
}

}  // namespace

TEST_CASE("a blocking data call lands its payload in the caller's buffer and reuses the connection",
          "[client][blocking]") {
  ScriptedPeer peer([](int fd, const ReceivedFrame& f) {
    REQUIRE(f.header.type == FRAME_READ);
    return SendFrame(fd, FRAME_REPLY, 0, f.header.request_id, ReplyOf(5).SerializeAsString(), "hello").ok();
  });
  BlockingCalls calls;
  for (int i = 0; i < 3; ++i) {
    char buf[16] = {};
    auto r = calls.Call(peer.address(), FRAME_READ, "", std::span<char>(buf, sizeof buf), 5000);
    REQUIRE(r.ok());
    CHECK(r->length() == 5);
    CHECK(std::string(buf, 5) == "hello");
  }
  CHECK(peer.accepted() == 1);
}

TEST_CASE("a blocking data call fails clearly on a peer that misbehaves, and opens a new connection next",
          "[client][blocking]") {
  std::atomic<int> script{0};
  ScriptedPeer peer([&](int fd, const ReceivedFrame& f) {
    switch (script.load()) {
      case 0: return false;  // closes without a reply
      case 1: return SendFrame(fd, FRAME_REPLY, 0, f.header.request_id + 1, ReplyOf(0).SerializeAsString()).ok();
      case 2: return send(fd, "garbage garbage garbage garbage!", 32, MSG_NOSIGNAL) == 32;
      case 3: return SendFrame(fd, FRAME_REPLY, 0, f.header.request_id, ReplyOf(4096).SerializeAsString(), "abc").ok();
      case 4: {  // the reply and one more, in one send: the connection is out of step
        std::string two = EncodeFrame(FRAME_REPLY, f.header.request_id, ReplyOf(0).SerializeAsString(), "") +
                          EncodeFrame(FRAME_REPLY, f.header.request_id + 1, ReplyOf(0).SerializeAsString(), "");
        return send(fd, two.data(), two.size(), MSG_NOSIGNAL) == ssize_t(two.size());
      }
      default: return SendFrame(fd, FRAME_REPLY, 0, f.header.request_id, ReplyOf(0).SerializeAsString()).ok();
    }
  });
  BlockingCalls calls;
  char buf[8];
  auto call = [&] { return calls.Call(peer.address(), FRAME_READ, "", std::span<char>(buf, sizeof buf), 5000); };
  script = 0;
  CHECK(call().status().err() == ECONNRESET);  // closed before replying
  script = 1;
  CHECK(call().status().err() == EPROTO);  // the wrong request id
  script = 2;
  CHECK(call().status().err() == EPROTO);  // no frame at all
  script = 3;
  CHECK(call().status().err() == EPROTO);  // claims 4096 bytes, sends 3
  script = 4;
  CHECK(call().status().err() == EPROTO);  // bytes after the reply
  script = 5;
  CHECK(call().ok());
  CHECK(call().ok());
  CHECK(peer.accepted() == 6);  // every failure cost its connection, and only that
  // A payload larger than the caller's buffer is refused, not written past it.
  script = 9;
  ScriptedPeer big([](int fd, const ReceivedFrame& f) {
    return SendFrame(fd, FRAME_REPLY, 0, f.header.request_id, ReplyOf(64).SerializeAsString(), std::string(64, 'x')).ok();
  });
  CHECK(calls.Call(big.address(), FRAME_READ, "", std::span<char>(buf, sizeof buf), 5000).status().err() == EMSGSIZE);
  // Nobody listening: the connect's error.
  CHECK(calls.Call("127.0.0.1:1", FRAME_READ, "", std::span<char>(buf, sizeof buf), 1000).status().err() == ECONNREFUSED);
}
