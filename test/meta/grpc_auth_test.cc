// Bearer tokens and tenant isolation over gRPC against a real weft-meta: who may mount, use a session,
// see volumes and tenants, and make admin calls; revocation; missing, garbage and wrong tokens; the
// admin token file; no secret in the log.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "common/grpc_status.h"
#include "common/grpc_util.h"
#include "test/fixture/status_util.h"
#include "test/meta/support/grpc_fixture.h"

using namespace weft;
using namespace weft::meta::test;

namespace {

// A fixture with tenants "a" (volume "va") and "b" (volume "vb"), a token for each, and a client
// mounted on each volume with its own tenant's token.
struct TwoTenants {
  TwoTenants() {
    REQUIRE_OK(f.c.CreateTenant("a"));
    REQUIRE_OK(f.c.CreateTenant("b"));
    REQUIRE_OK(f.c.CreateVolume("va", "a"));
    REQUIRE_OK(f.c.CreateVolume("vb", "b"));
    tok_a = f.cluster().IssueToken("a", "alice");
    tok_b = f.cluster().IssueToken("b");
    ta = NewGrpcTransport(f.cluster().meta_address(), f.cluster().tls(), tok_a.token);
    tb = NewGrpcTransport(f.cluster().meta_address(), f.cluster().tls(), tok_b.token);
    a = TestClient(ta.get());
    b = TestClient(tb.get());
    REQUIRE_OK(a.MountVolume("va"));
    REQUIRE_OK(b.MountVolume("vb"));
  }
  GrpcFixture f;
  weft::test::IssuedToken tok_a, tok_b;
  std::unique_ptr<Transport> ta, tb;
  TestClient a{nullptr}, b{nullptr};
};

grpc::Status RawListTenants(const std::string& address, const Tls* tls, const std::string& token) {
  auto stub = Admin::NewStub(MakeChannel(address, tls));
  grpc::ClientContext ctx;
  PrepareContext(&ctx, std::chrono::seconds(5), token);
  ListTenantsResponse r;
  return stub->ListTenants(&ctx, ListTenantsRequest(), &r);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("a tenant token mounts and uses only its own tenant's volumes", "[meta][grpc][integration][auth]") {
  TwoTenants t;
  CHECK_OK(t.a.Mkdir(t.a.root, "mine"));

  // Mounting the other tenant's volume, or one that does not exist, is the same EACCES.
  TestClient a2(t.ta.get());
  auto other = a2.MountVolume("vb");
  CHECK(Errno(other) == EACCES);
  CHECK_THAT(other.status().message(), Catch::Contains("no access to volume 'vb'"));
  auto ghost = a2.MountVolume("ghost");
  CHECK(Errno(ghost) == EACCES);
  CHECK_THAT(ghost.status().message(), Catch::Contains("no access to volume 'ghost'"));

  // Tenant a's token with tenant b's session: every namespace call refused, nothing changed.
  TestClient stolen(t.ta.get());
  stolen.session = t.b.session;
  stolen.root = t.b.root;
  CHECK(Errno(stolen.Mkdir(stolen.root, "intruder")) == EACCES);
  CHECK(Errno(stolen.GetAttr(stolen.root)) == EACCES);
  CHECK(Errno(stolen.ReadDir(stolen.root)) == EACCES);
  CHECK(Errno(stolen.CreateOpen(stolen.root, "f", 0644, O_RDWR)) == EACCES);
  KeepaliveRequest kq;
  kq.set_session_id(t.b.session);
  KeepaliveResponse kr;
  CHECK(t.ta->Keepalive(kq, &kr).err() == EACCES);
  CHECK(Errno(t.b.Lookup(t.b.root, "intruder")) == ENOENT);
  UnmountRequest uq;
  uq.set_session_id(t.b.session);
  UnmountResponse ur;
  CHECK(t.ta->Unmount(uq, &ur).err() == EACCES);
  CHECK_OK(t.b.GetAttr(t.b.root));  // b's session lives on
  // An unknown session is ESTALE, as it is for the admin token; unmounting it succeeds.
  stolen.session = 999999;
  CHECK(Errno(stolen.GetAttr(1)) == ESTALE);
  uq.set_session_id(999999);
  CHECK_OK(t.ta->Unmount(uq, &ur));

  // The admin token may use any volume.
  TestClient admin(&t.f.transport());
  REQUIRE_OK(admin.MountVolume("vb"));
  CHECK_OK(admin.Lookup(admin.root, "."));
}

TEST_CASE("a tenant token sees only its own tenant and volumes and makes no admin calls",
          "[meta][grpc][integration][auth]") {
  TwoTenants t;
  auto& ta = *t.ta;
  CHECK_OK(t.a.GetVolume("va"));
  auto vb = t.a.GetVolume("vb");
  CHECK(Errno(vb) == EACCES);
  CHECK(Errno(t.a.GetVolume("ghost")) == EACCES);
  CHECK_OK(t.a.GetTenant("a"));
  CHECK(Errno(t.a.GetTenant("b")) == EACCES);

  ListVolumesRequest all;
  ListVolumesResponse lr;
  REQUIRE(ta.ListVolumes(all, &lr).ok());
  REQUIRE(lr.volumes_size() == 1);
  CHECK(lr.volumes(0).name() == "va");
  ListVolumesRequest of_b;
  of_b.set_tenant("b");
  CHECK(ta.ListVolumes(of_b, &lr).err() == EACCES);

  ListTokensRequest tq;
  ListTokensResponse tr;
  REQUIRE(ta.ListTokens(tq, &tr).ok());
  REQUIRE(tr.tokens_size() == 1);
  CHECK(tr.tokens(0).id() == t.tok_a.id);
  CHECK(tr.tokens(0).name() == "alice");
  tq.set_tenant("b");
  CHECK(ta.ListTokens(tq, &tr).err() == EACCES);
  ListClassesResponse classes;
  CHECK(ta.ListClasses(ListClassesRequest(), &classes).ok());

  // Admin calls.
  CHECK(t.a.CreateTenant("c").err() == EACCES);
  CHECK(Errno(t.a.CreateVolume("va2", "a")) == EACCES);
  ListTenantsResponse tl;
  Status s = ta.ListTenants(ListTenantsRequest(), &tl);
  CHECK(s.err() == EACCES);
  CHECK_THAT(s.message(), Catch::Contains("needs the admin token"));
  VolumeRequest del;
  del.set_name("va");
  DeleteResponse dr;
  CHECK(ta.DeleteVolume(del, &dr).err() == EACCES);
  IssueTokenRequest iq;
  iq.set_tenant("a");
  IssueTokenResponse ir;
  CHECK(ta.IssueToken(iq, &ir).err() == EACCES);
  RevokeTokenRequest rq;
  rq.set_id(t.tok_b.id);
  RevokeTokenResponse rr;
  CHECK(ta.RevokeToken(rq, &rr).err() == EACCES);
  CHECK(grpc::StatusCode::PERMISSION_DENIED == RawListTenants(t.f.cluster().meta_address(), t.f.cluster().tls(), t.tok_a.token).error_code());
}

TEST_CASE("a revoked token is refused at once, and missing, garbage and wrong tokens never get in",
          "[meta][grpc][integration][auth]") {
  TwoTenants t;
  const std::string addr = t.f.cluster().meta_address();
  t.f.cluster().RevokeToken(t.tok_a.id);
  CHECK(Errno(t.a.GetAttr(t.a.root)) == EACCES);
  CHECK(Errno(t.a.GetVolume("va")) == EACCES);
  CHECK_OK(t.b.GetAttr(t.b.root));  // b's token still works
  RevokeTokenRequest again;
  again.set_id(t.tok_a.id);
  RevokeTokenResponse rr;
  CHECK(t.f.transport().RevokeToken(again, &rr).err() == ENOENT);
  again.set_id(0);
  CHECK(t.f.transport().RevokeToken(again, &rr).err() == EINVAL);  // the admin token is not revocable

  std::string wrong = t.f.cluster().admin_token();
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  for (const std::string& bad : {std::string(), std::string("garbage"), std::string("wt_0_short"), wrong,
                                 t.tok_a.token}) {
    INFO("token '" << bad << "'");
    grpc::Status s = RawListTenants(addr, t.f.cluster().tls(), bad);
    CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(FromGrpc(s).err() == EACCES);
    CHECK_THAT(s.error_message(), Catch::StartsWith("unauthenticated: "));
    auto tr = NewGrpcTransport(addr, t.f.cluster().tls(), bad);
    TestClient c(tr.get());
    CHECK(Errno(c.MountVolume("va")) == EACCES);
  }
  // Health needs no token; the chain table takes none or a valid one.
  auto meta = Meta::NewStub(MakeChannel(addr, t.f.cluster().tls()));
  grpc::ClientContext h;
  PrepareContext(&h, std::chrono::seconds(5));
  HealthResponse hr;
  CHECK(meta->Health(&h, HealthRequest(), &hr).ok());
  grpc::ClientContext c1, c2;
  PrepareContext(&c1, std::chrono::seconds(5));
  PrepareContext(&c2, std::chrono::seconds(5), wrong);
  ChainTableResponse cr;
  CHECK(meta->GetChainTable(&c1, ChainTableRequest(), &cr).ok());
  CHECK(meta->GetChainTable(&c2, ChainTableRequest(), &cr).error_code() == grpc::StatusCode::UNAUTHENTICATED);

  // Neither secret ever reaches the log.
  std::string log = ReadAll(t.f.cluster().dir() + "/meta.log");
  CHECK(log.find(t.tok_b.token.substr(8)) == std::string::npos);
  CHECK(log.find(t.f.cluster().admin_token().substr(5)) == std::string::npos);
}

TEST_CASE("tokens and the admin token file survive a restart, and a deleted tenant's tokens die with it",
          "[meta][grpc][integration][auth]") {
  TwoTenants t;
  struct stat st;
  REQUIRE(stat(t.f.cluster().admin_token_file().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  // A deleted tenant's tokens go with it: a tenant created again under the name does not inherit them.
  REQUIRE_OK(t.f.c.CreateTenant("c"));
  weft::test::IssuedToken tok_c = t.f.cluster().IssueToken("c");
  auto tc = NewGrpcTransport(t.f.cluster().meta_address(), t.f.cluster().tls(), tok_c.token);
  TestClient c(tc.get());
  CHECK_OK(c.GetTenant("c"));
  TenantRequest dt;
  dt.set_name("c");
  DeleteResponse dr;
  REQUIRE(t.f.transport().DeleteTenant(dt, &dr).ok());
  REQUIRE_OK(t.f.c.CreateTenant("c"));
  CHECK(Errno(c.GetTenant("c")) == EACCES);
  ListTokensRequest lq;
  lq.set_tenant("c");
  ListTokensResponse lr;
  REQUIRE(t.f.transport().ListTokens(lq, &lr).ok());
  CHECK(lr.tokens_size() == 0);

  // The checker accepts the token records; after the restart the same tokens work.
  std::string out;
  CHECK(t.f.StopCheckRestart(&out, SIGKILL) == 0);
  INFO(out);
  CHECK_OK(t.f.c.GetTenant("a"));  // the same admin token
  TestClient a(t.ta.get());
  REQUIRE_OK(a.MountVolume("va"));
  CHECK(Errno(c.GetTenant("c")) == EACCES);
}

TEST_CASE("weft-meta refuses to start on an admin token file that holds no admin token",
          "[meta][grpc][integration][auth]") {
  weft::test::TestCluster c(weft::test::ClusterOptions{.chunk_servers = 0, .wait_registered = false});
  c.meta().Stop(SIGTERM, 10000);
  std::ofstream(c.admin_token_file(), std::ios::trunc) << "not-a-token\n";
  CHECK_THROWS_WITH(c.RestartMeta(SIGTERM), Catch::Contains("weft-meta"));
  CHECK_THAT(weft::test::TailFile(c.dir() + "/meta.log"), Catch::Contains("does not hold an admin token") &&
                                                               !Catch::Contains("not-a-token"));
}
