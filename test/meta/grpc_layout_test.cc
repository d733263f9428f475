// Layouts from the chain table and data removal through GC, with real chunk servers registered.
#include <catch2/catch.hpp>
#include <fcntl.h>

#include <map>
#include <set>

#include "common/grpc_status.h"
#include "common/grpc_util.h"
#include "test/meta/support/grpc_fixture.h"

using namespace weft;
using namespace weft::meta::test;

TEST_CASE("over gRPC: new files get a stripe of chains of their volume's replication from the chain table", "[meta][grpc][integration][layout]") {
  GrpcFixture f({}, /*chunk_servers=*/3);
  auto status = f.Status();
  REQUIRE(status.servers_up() == 3);
  std::map<uint32_t, uint32_t> replication_of;  // chain -> replication
  for (const auto& c : status.table().chains()) replication_of[c.id()] = c.replication();
  REQUIRE(!replication_of.empty());

  auto v = f.c.GetVolume("v");  // medium: replication 3, stripe 8
  auto file = f.c.Create(f.c.root, "f");
  REQUIRE(file.ok());
  const Layout& l = file->layout();
  CHECK(l.chunk_size() == v->chunk_size());
  CHECK(l.replication() == 3);
  size_t eligible = 0;
  for (const auto& c : status.table().chains()) eligible += c.replication() == 3 && c.servers_size() > 0;
  CHECK(static_cast<size_t>(l.chains_size()) == std::min<size_t>(v->stripe_width(), eligible));
  std::set<uint32_t> distinct(l.chains().begin(), l.chains().end());
  CHECK(distinct.size() == static_cast<size_t>(l.chains_size()));
  for (uint32_t chain : l.chains()) CHECK(replication_of[chain] == 3);

  CreateVolumeRequest q;
  q.set_name("r1");
  q.set_tenant("t");
  q.set_replication(1);
  Volume r1;
  REQUIRE(f.transport().CreateVolume(q, &r1).ok());
  auto c1 = f.NewClient();
  REQUIRE(c1.MountVolume("r1").ok());
  auto single = c1.Create(c1.root, "g");
  REQUIRE(single.ok());
  REQUIRE(single->layout().chains_size() > 0);
  for (uint32_t chain : single->layout().chains()) CHECK(replication_of[chain] == 1);

  // Unlinking queues the data for GC; the worker removes the chunks from the servers and forgets it.
  auto w = f.c.CreateOpen(f.c.root, "data", 0644, O_WRONLY);
  REQUIRE(w.ok());
  REQUIRE(f.c.CloseWithSize(w->handle(), 1 << 20).ok());
  REQUIRE(f.c.Unlink(f.c.root, "data").ok());
  REQUIRE(f.c.Unlink(f.c.root, "f").ok());
  CHECK(f.WaitGcDrained());
  CHECK(Errno(f.c.GetAttr(file->ino())) == ENOENT);

  ServerRequest sr;
  sr.set_id(status.table().servers(0).id());
  auto stub = Admin::NewStub(MakeChannel(f.cluster().meta_address(), f.cluster().tls()));
  grpc::ClientContext ctx;
  PrepareContext(&ctx, std::chrono::seconds(5), f.cluster().admin_token());
  ServerResponse resp;
  CHECK(stub->GetServer(&ctx, sr, &resp).ok());
  CHECK(resp.server().id() == sr.id());
  grpc::ClientContext ctx2;
  PrepareContext(&ctx2, std::chrono::seconds(5), f.cluster().admin_token());
  sr.set_id(424242);
  CHECK(FromGrpc(stub->GetServer(&ctx2, sr, &resp)).err() == ENOENT);
}
