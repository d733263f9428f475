// The metadata wire (common/meta_wire.h) against a real weft-meta: bad frames close only their own
// connection, every call is authorized as over gRPC, a mutation retried over gRPC after the wire is
// applied once, and libweft's MetaClient uses the wire when it can and gRPC when it is off, full or gone.
// The namespace itself over the wire: grpc_namespace_test.cc runs its op and errno tests on both.
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "client/meta_client.h"
#include "common/frame.h"
#include "common/frame_socket.h"
#include "common/meta_wire.h"
#include "test/fixture/status_util.h"
#include "test/meta/support/grpc_fixture.h"

using namespace weft;
using namespace weft::meta::test;

namespace {

// A raw connection to the wire port on loopback.
struct RawConn {
  explicit RawConn(uint16_t port) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~RawConn() { close(fd); }
  void Send(std::string_view bytes) { REQUIRE(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size())); }
  // True when the server closed the connection (within 5 s).
  bool ClosedByServer() {
    auto f = ReceiveFrame(fd, WireReplyLimits(), 5000);
    return !f.ok() && (f.status().err() == ECONNRESET || f.status().err() == EPROTO);
  }
  int fd = -1;
};

std::string Hello(const std::string& token) { return EncodeFrame(kWireHello, 0, token, ""); }

LookupRequest RootLookup(const TestClient& c, const std::string& name) {
  LookupRequest q;
  q.set_session_id(c.session);
  *q.mutable_caller() = c.caller;
  q.set_parent(c.root);
  q.set_name(name);
  return q;
}

}  // namespace

TEST_CASE("the metadata wire closes a connection that breaks the protocol and keeps serving others",
          "[meta][grpc][integration][wire]") {
  GrpcFixture f;
  TestClient other = f.NewClient();
  auto m = other.MountVolume("v");
  REQUIRE_OK(m);
  if (f.cluster().tls()) {
    CHECK(m->wire_port() == 0);  // the wire is plain TCP: a TLS weft-meta serves none
    return;
  }
  REQUIRE(m->wire_port() != 0);
  const uint16_t port = static_cast<uint16_t>(m->wire_port());
  const std::string token = f.cluster().admin_token();
  std::string lookup = RootLookup(other, "nothing-here").SerializeAsString();

  SECTION("bytes that are no frame") {
    RawConn r(port);
    r.Send("GET / HTTP/1.1\r\nHost: weft\r\n\r\n..");
    CHECK(r.ClosedByServer());
  }
  SECTION("a call before HELLO") {
    RawConn r(port);
    r.Send(EncodeFrame(static_cast<uint8_t>(WireMethod::kLookup), 1, lookup, ""));
    CHECK(r.ClosedByServer());
  }
  SECTION("a frame whose header checksum is wrong") {
    RawConn r(port);
    r.Send(Hello(token));
    std::string bad = EncodeFrame(static_cast<uint8_t>(WireMethod::kLookup), 1, lookup, "");
    bad[kFixedHeaderSize] ^= 0x5a;  // a byte of the request message
    r.Send(bad);
    CHECK(r.ClosedByServer());
  }
  SECTION("a frame longer than the limits") {
    RawConn r(port);
    r.Send(Hello(token));
    FrameHeader h;
    h.type = static_cast<uint8_t>(WireMethod::kLookup);
    h.payload_len = 1 << 30;
    uint8_t fixed[kFixedHeaderSize];
    EncodeFixedHeader(h, "", fixed);
    r.Send(std::string_view(reinterpret_cast<char*>(fixed), kFixedHeaderSize));
    CHECK(r.ClosedByServer());
    // A request message over weft-meta's 1 MiB (requests are small; replies may be larger).
    RawConn big(port);
    big.Send(Hello(token));
    FrameHeader hb;
    hb.type = static_cast<uint8_t>(WireMethod::kSetXattr);
    EncodeFixedHeader(hb, "", fixed);
    const uint32_t claimed = 2 << 20;  // header_len, bytes 16..19, little-endian
    std::memcpy(fixed + 16, &claimed, sizeof claimed);
    big.Send(std::string_view(reinterpret_cast<char*>(fixed), kFixedHeaderSize));
    CHECK(big.ClosedByServer());
  }
  SECTION("an unknown method and a request that does not parse get error replies") {
    RawConn r(port);
    r.Send(Hello(token));
    r.Send(EncodeFrame(99, 7, "", ""));
    auto unknown = ReceiveFrame(r.fd, WireReplyLimits(), 5000);
    REQUIRE_OK(unknown);
    CHECK(unknown->header.request_id == 7);
    CHECK((unknown->header.flags & kWireError) != 0);
    CHECK(unknown->msg.starts_with(kWireUnknownMethod));
    r.Send(EncodeFrame(static_cast<uint8_t>(WireMethod::kLookup), 8, "\xff\xff\xff\xff", ""));
    auto garbled = ReceiveFrame(r.fd, WireReplyLimits(), 5000);
    REQUIRE_OK(garbled);
    CHECK((garbled->header.flags & kWireError) != 0);
    CHECK(garbled->payload == fmt::format("{}\n{}", int(grpc::StatusCode::INVALID_ARGUMENT), EPROTO));
    // The connection still serves: a real lookup answers ENOENT.
    r.Send(EncodeFrame(static_cast<uint8_t>(WireMethod::kLookup), 9, lookup, ""));
    auto answer = ReceiveFrame(r.fd, WireReplyLimits(), 5000);
    REQUIRE_OK(answer);
    CHECK(answer->payload.ends_with(fmt::format("\n{}", ENOENT)));
  }
  // Whatever the bad peer did, a well-behaved client is served.
  client::MetaWireClient good("127.0.0.1", token);
  good.SetPort(port);
  LookupRequest q = RootLookup(other, "nothing-here");
  AttrResponse resp;
  auto s = good.Call(WireMethod::kLookup, q, &resp, 5000);
  REQUIRE(s.has_value());
  CHECK(FromGrpc(*s).err() == ENOENT);
}

TEST_CASE("the metadata wire authorizes every call as gRPC does", "[meta][grpc][integration][wire][auth]") {
  GrpcFixture f;
  if (f.cluster().tls()) return;  // no wire with TLS (checked in the test above)
  REQUIRE_OK(f.c.CreateTenant("u"));
  auto tok_t = f.cluster().IssueToken("t");
  auto tok_u = f.cluster().IssueToken("u");
  auto m = f.NewClient().MountVolume("v");
  REQUIRE_OK(m);
  TestClient session = f.NewClient();
  session.session = m->session_id();
  session.root = m->root_ino();
  const LookupRequest q = RootLookup(session, "x");
  auto call = [&](const std::string& token) {
    client::MetaWireClient w("127.0.0.1", token);
    w.SetPort(static_cast<uint16_t>(m->wire_port()));
    AttrResponse r;
    auto s = w.Call(WireMethod::kLookup, q, &r, 5000);
    REQUIRE(s.has_value());
    return FromGrpc(*s).err();
  };
  CHECK(call(tok_t.token) == ENOENT);                   // the session's tenant: the lookup runs
  CHECK(call(f.cluster().admin_token()) == ENOENT);     // the admin token
  CHECK(call("") == EACCES);                            // no token
  CHECK(call("wt_1_garbage") == EACCES);                // not a token
  CHECK(call(tok_u.token) == EACCES);                   // another tenant's token
  std::string wrong = tok_t.token;                      // the right id, a wrong secret (hashed once
  wrong.back() = wrong.back() == '0' ? '1' : '0';       // per connection, still checked)
  CHECK(call(wrong) == EACCES);
  // A revoked token fails on its next call, on a connection opened while it was valid.
  client::MetaWireClient w("127.0.0.1", tok_t.token);
  w.SetPort(static_cast<uint16_t>(m->wire_port()));
  AttrResponse r;
  REQUIRE(FromGrpc(*w.Call(WireMethod::kLookup, q, &r, 5000)).err() == ENOENT);
  f.cluster().RevokeToken(tok_t.id);
  CHECK(FromGrpc(*w.Call(WireMethod::kLookup, q, &r, 5000)).err() == EACCES);
}

TEST_CASE("a mutation sent on the metadata wire and retried over gRPC is applied once",
          "[meta][grpc][integration][wire][idempotent]") {
  GrpcFixture f;
  if (f.cluster().tls()) return;
  auto m = f.NewClient().MountVolume("v");
  REQUIRE_OK(m);
  CreateRequest q;
  q.set_session_id(m->session_id());
  *q.mutable_caller() = RootCaller();
  q.set_parent(m->root_ino());
  q.set_name("once");
  q.set_mode(0100644);
  q.set_request_id(4242);
  client::MetaWireClient w("127.0.0.1", f.cluster().admin_token());
  w.SetPort(static_cast<uint16_t>(m->wire_port()));
  CreateResponse first;
  auto s = w.Call(WireMethod::kCreate, q, &first, 5000);
  REQUIRE(s.has_value());
  REQUIRE(s->ok());
  // The retry a client makes when the wire broke before the reply reached it.
  CreateResponse again;
  REQUIRE_OK(f.transport().Create(q, &again));
  CHECK(again.attr().ino() == first.attr().ino());
  CHECK(f.c.ListNames(f.c.root, 0).value() == std::vector<std::string>{"once"});
}

TEST_CASE("libweft's metadata client uses the wire, and gRPC when the wire is off, full or gone",
          "[meta][grpc][integration][wire]") {
  auto mount = [](GrpcFixture& f, client::MetaClient& mc) {
    MountRequest req;
    req.set_volume("v");
    MountResponse resp;
    REQUIRE_OK(mc.Call(&Meta::Stub::Mount, req, &resp));
    mc.set_session(resp.session_id());
    mc.wire().SetPort(static_cast<uint16_t>(resp.wire_port()));
    return resp;
  };
  auto getattr = [](client::MetaClient& mc, uint64_t ino) {
    GetAttrRequest q;
    *q.mutable_caller() = RootCaller();
    q.set_ino(ino);
    AttrResponse r;
    return mc.Call(&Meta::Stub::GetAttr, q, &r);
  };

  SECTION("on, then weft-meta restarts on a new port") {
    GrpcFixture f;
    if (f.cluster().tls()) return;
    client::MetaClient mc(f.cluster().meta_address(), nullptr, f.cluster().admin_token(), 5000, 20000);
    auto m = mount(f, mc);
    REQUIRE_OK(getattr(mc, m.root_ino()));
    CHECK(mc.wire().calls() == 1);
    f.cluster().RestartMeta(SIGKILL);
    REQUIRE_OK(getattr(mc, m.root_ino()));  // the wire's port is gone: gRPC answered
    CHECK(mc.wire().calls() == 1);
    CHECK(mc.wire().fallbacks() >= 1);
    KeepaliveRequest kq;
    KeepaliveResponse kr;
    REQUIRE_OK(mc.Call(&Meta::Stub::Keepalive, kq, &kr));  // as the keepalive thread does
    REQUIRE(kr.wire_port() != 0);
    mc.wire().SetPort(static_cast<uint16_t>(kr.wire_port()));
    REQUIRE_OK(getattr(mc, m.root_ino()));
    CHECK(mc.wire().calls() == 2);
  }
  SECTION("off") {
    GrpcFixture f({"--wire-listen", "off"});
    client::MetaClient mc(f.cluster().meta_address(), f.cluster().tls(), f.cluster().admin_token(), 5000, 20000);
    auto m = mount(f, mc);
    CHECK(m.wire_port() == 0);
    REQUIRE_OK(getattr(mc, m.root_ino()));
    CHECK(mc.wire().calls() == 0);
  }
  SECTION("full") {
    GrpcFixture f({"--wire-max-connections", "1"});
    if (f.cluster().tls()) return;
    client::MetaClient a(f.cluster().meta_address(), nullptr, f.cluster().admin_token(), 5000, 20000);
    client::MetaClient b(f.cluster().meta_address(), nullptr, f.cluster().admin_token(), 5000, 20000);
    auto ma = mount(f, a);
    auto mb = mount(f, b);
    REQUIRE_OK(getattr(a, ma.root_ino()));  // a holds the one connection
    REQUIRE_OK(getattr(b, mb.root_ino()));  // b's is closed at once: gRPC answers
    CHECK(a.wire().calls() == 1);
    CHECK(b.wire().calls() == 0);
    CHECK(b.wire().fallbacks() >= 1);
    REQUIRE_OK(getattr(a, ma.root_ino()));
    CHECK(a.wire().calls() == 2);
  }
}
