// FrameReader (common/frame_socket.h) on a socket pair: frames that arrive together, in pieces, larger
// than its buffer, or not at all; a peer that closes between frames or inside one; a socket that does
// not block; a timeout shorter than the one the reader set before.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/frame_socket.h"

using namespace weft;

namespace {

struct Pair {
  int a = -1, b = -1;
  Pair() { REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, &a) == 0); }
  ~Pair() {
    if (a >= 0) close(a);
    if (b >= 0) close(b);
  }
  void Send(const std::string& bytes) const { REQUIRE(send(b, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size())); }
  void CloseWriter() {
    close(b);
    b = -1;
  }
};

}  // namespace

TEST_CASE("a frame reader returns back-to-back frames one by one and keeps what follows", "[frame][reader]") {
  Pair p;
  p.Send(EncodeFrame(1, 7, "hello", "") + EncodeFrame(2, 8, "meta", std::string(3000, 'p')) + EncodeFrame(3, 9, "x", "y"));
  FrameReader r(p.a);
  auto f1 = r.Next(FrameLimits{}, 5000);
  REQUIRE(f1.ok());
  CHECK(f1->header.request_id == 7);
  CHECK(f1->msg == "hello");
  CHECK(r.buffered() > 0);  // the next frames came with it
  char into[4096];
  auto f2 = r.Next(FrameLimits{}, 5000, std::span<char>(into, sizeof into));
  REQUIRE(f2.ok());
  CHECK(f2->msg == "meta");
  CHECK(f2->payload.empty());
  CHECK(std::string(into, 3000) == std::string(3000, 'p'));
  auto f3 = r.Next(FrameLimits{}, 5000);
  REQUIRE(f3.ok());
  CHECK(f3->payload == "y");
  CHECK(r.buffered() == 0);
}

TEST_CASE("a frame reader assembles a frame that arrives in pieces", "[frame][reader]") {
  Pair p;
  const std::string frame = EncodeFrame(4, 11, std::string(700, 'm'), std::string(70000, 'd'));
  std::thread writer([&] {
    // Byte by byte through the header, then uneven pieces, with pauses between.
    size_t at = 0;
    for (; at < 40; ++at) p.Send(frame.substr(at, 1));
    for (size_t step = 1000; at < frame.size(); at += step, step += 7000) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      p.Send(frame.substr(at, step));
    }
  });
  FrameReader r(p.a, 4096);  // smaller than the frame: the large rest goes straight to the payload
  auto f = r.Next(FrameLimits{}, 10000);
  writer.join();
  REQUIRE(f.ok());
  CHECK(f->msg == std::string(700, 'm'));
  CHECK(f->payload == std::string(70000, 'd'));
  CHECK(r.buffered() == 0);
}

TEST_CASE("a frame reader tells a close between frames from a torn frame", "[frame][reader]") {
  SECTION("closed at a frame boundary") {
    Pair p;
    p.Send(EncodeFrame(1, 1, "a", ""));
    p.CloseWriter();
    FrameReader r(p.a);
    REQUIRE(r.Next(FrameLimits{}, 5000).ok());
    CHECK(r.Next(FrameLimits{}, 5000).status().err() == ECONNRESET);
  }
  SECTION("closed inside the header") {
    Pair p;
    p.Send(EncodeFrame(1, 1, "a", "").substr(0, 10));
    p.CloseWriter();
    FrameReader r(p.a);
    CHECK(r.Next(FrameLimits{}, 5000).status().err() == EPROTO);
  }
  SECTION("closed inside the payload") {
    Pair p;
    std::string f = EncodeFrame(1, 1, "a", std::string(50000, 'z'));
    p.Send(f.substr(0, f.size() - 1));
    p.CloseWriter();
    FrameReader r(p.a);
    CHECK(r.Next(FrameLimits{}, 5000).status().err() == EPROTO);
  }
  SECTION("a corrupted payload") {
    Pair p;
    std::string f = EncodeFrame(1, 1, "a", "payload");
    f.back() ^= 1;
    p.Send(f);
    FrameReader r(p.a);
    CHECK(r.Next(FrameLimits{}, 5000).status().err() == EBADMSG);
  }
  SECTION("a payload larger than the caller's buffer") {
    Pair p;
    p.Send(EncodeFrame(1, 1, "a", std::string(100, 'q')));
    FrameReader r(p.a);
    char small[10];
    CHECK(r.Next(FrameLimits{}, 5000, std::span<char>(small, sizeof small)).status().err() == EMSGSIZE);
  }
}

TEST_CASE("a frame reader waits no longer than each call's timeout", "[frame][reader]") {
  Pair p;
  FrameReader r(p.a);
  // A long timeout first (set on the socket), then a short one: the short one must hold.
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    p.Send(EncodeFrame(1, 1, "late", ""));
  });
  auto f = r.Next(FrameLimits{}, 30000);
  late.join();
  REQUIRE(f.ok());
  CHECK(f->msg == "late");
  int64_t t0 = MonoMs();
  CHECK(r.Next(FrameLimits{}, 200).status().err() == ETIMEDOUT);
  int64_t waited = MonoMs() - t0;
  CHECK(waited >= 190);
  CHECK(waited < 10000);  // not the 30 s set before
  // Still usable after a timeout that consumed nothing, and again with no timeout at all.
  p.Send(EncodeFrame(2, 2, "next", ""));
  auto g = r.Next(FrameLimits{}, -1);
  REQUIRE(g.ok());
  CHECK(g->msg == "next");
}

TEST_CASE("a frame reader works on a socket that does not block", "[frame][reader]") {
  Pair p;
  REQUIRE(fcntl(p.a, F_SETFL, fcntl(p.a, F_GETFL) | O_NONBLOCK) == 0);
  FrameReader r(p.a);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    p.Send(EncodeFrame(1, 1, "first", ""));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    p.Send(EncodeFrame(1, 2, "second", ""));
  });
  auto f = r.Next(FrameLimits{}, 5000);
  auto g = r.Next(FrameLimits{}, -1);
  writer.join();
  REQUIRE(f.ok());
  REQUIRE(g.ok());
  CHECK(f->msg == "first");
  CHECK(g->msg == "second");
  int64_t t0 = MonoMs();
  CHECK(r.Next(FrameLimits{}, 100).status().err() == ETIMEDOUT);
  CHECK(MonoMs() - t0 >= 90);
}

TEST_CASE("a frame reader refuses a frame whose claimed lengths pass the limits before reading them",
          "[frame][reader]") {
  Pair p;
  FrameLimits small{.max_header = 16, .max_payload = 16};
  p.Send(EncodeFrame(1, 1, std::string(17, 'h'), ""));
  FrameReader r(p.a);
  CHECK(r.Next(small, 5000).status().err() == EMSGSIZE);
}
