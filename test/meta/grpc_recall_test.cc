// Recall (lease recalls, docs/meta-semantics.md) against a real weft-meta, over gRPC and over the
// metadata wire: a deferring session's waiting call names the directory another session waits for, and
// handing it back lets that session go on at once; an unknown session gets ESTALE, another tenant's token
// EACCES, and a wait past the cap is cut to it. The same over real mounts: test/fuse/deferred_test.cc.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <optional>

#include "client/meta_wire_client.h"
#include "common/grpc_status.h"
#include "common/grpc_util.h"
#include "common/meta_wire.h"
#include "test/fixture/status_util.h"
#include "test/meta/support/core_fixture.h"
#include "test/meta/support/grpc_fixture.h"

using namespace weft;
using namespace weft::meta::test;

namespace {

// One Recall with token over gRPC, or over the wire on wire_port (0 = gRPC).
Status CallRecall(GrpcFixture& f, const std::string& token, uint16_t wire_port, const RecallRequest& q,
                  RecallResponse* r) {
  if (wire_port != 0) {
    client::MetaWireClient w("127.0.0.1", token);
    w.SetPort(wire_port);
    auto s = w.Call(WireMethod::kRecall, q, r, 10000);
    if (!s) return Err(EPIPE, "the wire did not carry the call");
    return FromGrpc(*s);
  }
  auto stub = Meta::NewStub(MakeChannel(f.cluster().meta_address(), f.cluster().tls()));
  grpc::ClientContext ctx;
  PrepareContext(&ctx, std::chrono::seconds(10), token);
  return FromGrpc(stub->Recall(&ctx, q, r));
}

}  // namespace

TEST_CASE("over gRPC and the metadata wire: Recall refuses strangers and caps its wait",
          "[meta][grpc][integration][wire][recall]") {
  GrpcFixture f;
  auto m = f.NewClient().MountVolume("v");
  REQUIRE_OK(m);
  REQUIRE_OK(f.c.CreateTenant("u"));
  const auto tok_t = f.cluster().IssueToken("t");
  const auto tok_u = f.cluster().IssueToken("u");
  std::vector<uint16_t> ways = {0};
  if (!f.cluster().tls()) ways.push_back(static_cast<uint16_t>(m->wire_port()));  // no wire with TLS
  for (uint16_t wire : ways) {
    INFO((wire ? "over the wire" : "over gRPC"));
    RecallRequest q;
    q.set_session_id(m->session_id());
    q.set_wait_ms(50);
    RecallResponse r;
    CHECK(CallRecall(f, tok_t.token, wire, q, &r).ok());  // the session's tenant: nothing to hand back
    CHECK(r.dirs_size() == 0);
    CHECK(CallRecall(f, tok_u.token, wire, q, &r).err() == EACCES);  // another tenant's session
    CHECK(CallRecall(f, "", wire, q, &r).err() == EACCES);
    RecallRequest unknown = q;
    unknown.set_session_id(m->session_id() + 1000);
    CHECK(CallRecall(f, f.cluster().admin_token(), wire, unknown, &r).err() == ESTALE);
    // A minute asked, at most a second held: the call returns well within its 10 s deadline.
    RecallRequest longer = q;
    longer.set_wait_ms(60000);
    CHECK(CallRecall(f, tok_t.token, wire, longer, &r).ok());
    CHECK(r.dirs_size() == 0);
  }
  // An unmounted session is unknown too.
  TestClient gone = f.NewClient();
  REQUIRE_OK(gone.MountVolume("v"));
  const uint64_t id = gone.session;
  REQUIRE_OK(gone.Unmount());
  RecallRequest q;
  q.set_session_id(id);
  RecallResponse r;
  CHECK(CallRecall(f, f.cluster().admin_token(), 0, q, &r).err() == ESTALE);
}

TEST_CASE("over gRPC: a deferring session's Recall names the directory another session waits for, and its release ends the wait",
          "[meta][grpc][integration][recall]") {
  // Leases of a minute: the waiting lookup below ends only by the release.
  GrpcFixture f({"--dir-lease-ms", "60000"});
  TestClient& a = f.c;
  TestClient b = f.NewClient();
  REQUIRE_OK(b.MountVolume("v"));
  ReserveInodesRequest rq;
  rq.set_session_id(a.session);
  rq.set_count(8);
  rq.set_request_id(a.NextRequestId());
  ReserveInodesResponse rr;
  REQUIRE_OK(f.transport().ReserveInodes(rq, &rr));
  CHECK(rr.unlinks());
  const uint64_t dir = MkdirLeased(a, a.root, "d").attr().ino();

  auto looked = std::async(std::launch::async, [&] { return b.Lookup(dir, "x"); });
  RecallRequest q;
  q.set_session_id(a.session);
  q.set_wait_ms(1000);
  RecallResponse r;
  for (int i = 0; i < 10 && r.dirs_size() == 0; ++i) REQUIRE_OK(CallRecall(f, f.cluster().admin_token(), 0, q, &r));
  REQUIRE(r.dirs_size() == 1);
  CHECK(r.dirs(0) == dir);
  CHECK(looked.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);  // still waiting
  // Hand it back: b's lookup goes on at once (a minute's lease notwithstanding).
  RecallRequest release;
  release.set_session_id(a.session);
  release.add_released(dir);
  release.set_stop(true);  // and stop listening: the call returns at once
  REQUIRE_OK(CallRecall(f, f.cluster().admin_token(), 0, release, &r));
  REQUIRE(looked.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  CHECK(Errno(looked.get()) == ENOENT);
}
