// TLS on both planes (common/tls.h, common/data_stream.h): with it on, every port refuses plain text and
// untrusted certificates, while TLS clients (libweft through weft-mount, weftctl, raw data-protocol
// clients) work; Tls::Load refuses bad files with a clear error. The rest of the suite runs with TLS on as
// well (WEFT_TEST_TLS=1, scripts/test's second pass).
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "common/grpc_util.h"
#include "test/chunk/data_client.h"
#include "test/fixture/cluster.h"
#include "weft/cluster.grpc.pb.h"
#include "weft/meta.grpc.pb.h"

namespace {

using weft::Tls;
using weft::TlsFiles;
using weft::test::ClusterOptions;
using weft::test::RunCommand;
using weft::test::TestCluster;
using weft::test::TestDataClient;
namespace fs = std::filesystem;

// A fresh directory with a CA and a server certificate from scripts/make-certs.
struct CertDir {
  CertDir() {
    std::string tmpl = (fs::temp_directory_path() / "weft-tls-test-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    std::string out;
    REQUIRE(RunCommand(std::string(WEFT_SOURCE_DIR) + "/scripts/make-certs " + dir + "/c", &out) == 0);
  }
  ~CertDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string ca() const { return dir + "/c/ca.pem"; }
  std::string cert() const { return dir + "/c/server.pem"; }
  std::string key() const { return dir + "/c/server.key"; }
  std::string dir;
};

grpc::Status MetaHealth(const std::string& address, const Tls* tls) {
  grpc::ClientContext ctx;
  weft::PrepareContext(&ctx, std::chrono::seconds(3));
  weft::HealthResponse resp;
  return weft::Meta::NewStub(weft::MakeChannel(address, tls, 200))->Health(&ctx, weft::HealthRequest(), &resp);
}

grpc::Status ChunkHealth(const std::string& address, const Tls* tls) {
  grpc::ClientContext ctx;
  weft::PrepareContext(&ctx, std::chrono::seconds(3));
  weft::HealthResponse resp;
  return weft::ChunkControl::NewStub(weft::MakeChannel(address, tls, 200))
      ->Health(&ctx, weft::HealthRequest(), &resp);
}

}  // namespace

TEST_CASE("Tls::Load refuses missing, non-PEM and mismatched files, naming the file", "[tls]") {
  CertDir a, b;
  auto loaded = Tls::Load(TlsFiles{a.ca(), a.cert(), a.key()}, /*server=*/true);
  REQUIRE(loaded.ok());
  CHECK((*loaded)->server());
  auto off = Tls::Load(TlsFiles{}, /*server=*/true);
  REQUIRE(off.ok());
  CHECK(*off == nullptr);  // no CA: plain text

  std::ofstream(a.dir + "/junk.pem") << "not a certificate\n";
  struct Case {
    const char* what;
    TlsFiles files;
    bool server;
    const char* message;
  };
  const std::vector<Case> refused = {
      {"a missing CA", {a.dir + "/absent.pem", "", ""}, false, "absent.pem: cannot open it"},
      {"a CA file without PEM", {a.dir + "/junk.pem", "", ""}, false, "junk.pem holds no PEM block"},
      {"a server without a key", {a.ca(), a.cert(), ""}, true, "needs --tls-cert and --tls-key"},
      {"a certificate without a CA", {"", a.cert(), a.key()}, true, "need --tls-ca"},
      {"another certificate's key", {a.ca(), a.cert(), b.key()}, true, "is it the private key of"},
      {"a key file that holds a certificate", {a.ca(), a.cert(), a.cert()}, true, "TLS key file"},
  };
  for (const auto& c : refused) {
    INFO(c.what);
    auto r = Tls::Load(c.files, c.server);
    REQUIRE(!r.ok());
    CHECK(r.status().err() == EINVAL);
    CHECK_THAT(r.status().message(), Catch::Contains(c.message));
  }
}

TEST_CASE("with TLS on, every port refuses plain text and untrusted certificates, and TLS clients get through",
          "[tls][integration]") {
  TestCluster c(ClusterOptions{.tls = true});
  REQUIRE(c.tls() != nullptr);
  CertDir other;  // a CA the cluster's certificate is not from
  auto untrusted = Tls::Load(TlsFiles{.ca_file = other.ca()}, /*server=*/false);
  REQUIRE(untrusted.ok());

  // gRPC: weft-meta and weft-chunk's control port.
  CHECK(MetaHealth(c.meta_address(), c.tls()).ok());
  CHECK(MetaHealth(c.meta_address(), nullptr).error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(MetaHealth(c.meta_address(), untrusted->get()).error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(ChunkHealth(c.chunk(0).control_address, c.tls()).ok());
  CHECK(ChunkHealth(c.chunk(0).control_address, nullptr).error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(ChunkHealth(c.chunk(0).control_address, untrusted->get()).error_code() == grpc::StatusCode::UNAVAILABLE);

  // The data protocol: a well-formed PING in plain text gets no reply, only a closed connection.
  const std::string data = c.chunk(0).data_address;
  {
    TestDataClient plain(data);
    plain.Send(weft::FRAME_PING, weft::DataReply());
    CHECK(plain.WaitClosed(5000));
  }
  {
    TestDataClient tls(data, nullptr, c.tls());
    CHECK(tls.Call(weft::FRAME_PING, weft::DataReply()).reply.err() == 0);
  }
  CHECK_THROWS_WITH(TestDataClient(data, nullptr, untrusted->get()), Catch::Contains("TLS handshake"));

  // weftctl: plain text is refused with a hint; --tls-ca gets in.
  std::string out;
  const std::string ctl = "WEFT_TOKEN=" + c.admin_token() + " " + TestCluster::BinDir() + "/weftctl --meta " +
                          c.meta_address();
  CHECK(RunCommand(ctl + " cluster status", &out) == 6);
  CHECK_THAT(out, Catch::Contains("a cluster with TLS on needs --tls-ca"));
  out.clear();
  CHECK(RunCommand(ctl + " --tls-ca " + c.tls_ca_file() + " -o json cluster status", &out) == 0);
  CHECK_THAT(out, Catch::Contains("servers_up"));
  out.clear();
  CHECK(RunCommand(ctl + " --tls-ca " + other.ca() + " cluster status", &out) == 6);
  CHECK_THAT(out, Catch::Contains("with TLS on and a certificate from the CA in --tls-ca"));

  // A mount: bytes through three replicas (the chain forwards over TLS too) and back.
  c.CreateTenant("t");
  c.CreateVolume("v", "t");
  std::string m = c.Mount("v");
  std::string bytes(3 << 20, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 131 + i / 4096);
  std::ofstream(m + "/f", std::ios::binary) << bytes;
  std::ifstream in(m + "/f", std::ios::binary);
  std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(back == bytes);
  // weft-mount without the CA cannot mount: it speaks plain text and is refused.
  CHECK_THROWS_WITH(c.Mount("v", {"--tls-ca", "", "--retry-window-ms", "1000"}), Catch::Contains("did not come up"));
}

TEST_CASE("a TLS client refuses a plain-text cluster", "[tls][integration]") {
  TestCluster c(ClusterOptions{.chunk_servers = 1, .tls = false});
  CertDir certs;
  auto tls = Tls::Load(TlsFiles{.ca_file = certs.ca()}, /*server=*/false);
  REQUIRE(tls.ok());
  CHECK(MetaHealth(c.meta_address(), nullptr).ok());
  CHECK(MetaHealth(c.meta_address(), tls->get()).error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK_THROWS_WITH(TestDataClient(c.chunk(0).data_address, nullptr, tls->get()), Catch::Contains("TLS handshake"));
}
