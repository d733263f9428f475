// The real weftctl binary against a real cluster (TestCluster): every verb, table and JSON output (the
// JSON parsed and checked), and the error cases with their exit codes and messages.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "test/cli/json.h"
#include "test/cli/weftctl_runner.h"
#include "test/fixture/cluster.h"
#include "weft/client.h"

namespace weft::cli::test {
namespace {

namespace fs = std::filesystem;
using weft::test::ClusterOptions;
using weft::test::TestCluster;

constexpr uint64_t Ki = 1024, Mi = Ki * 1024, Gi = Mi * 1024;

struct Env {
  explicit Env(ClusterOptions o = {}) : cluster(std::move(o)) {}

  // weftctl --meta <cluster> args..., with the admin token in WEFT_TOKEN unless opts set one.
  CtlResult Ctl(std::vector<std::string> args, CtlOptions opts = {}) {
    args.insert(args.begin(), {"--meta", cluster.meta_address()});
    opts.env.emplace("WEFT_TOKEN", cluster.admin_token());
    opts.env.emplace("WEFT_TLS_CA", cluster.tls_ca_file());  // "" (TLS off) counts as unset
    return RunCtl(args, opts);
  }
  // Runs with -o json, requires exit 0 and parses stdout.
  Json CtlJson(std::vector<std::string> args) {
    args.insert(args.end(), {"-o", "json"});
    CtlResult r = Ctl(args);
    INFO(r.Describe());
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    return Json::Parse(r.out);
  }
  void Ok(std::vector<std::string> args) {
    CtlResult r = Ctl(std::move(args));
    INFO(r.Describe());
    REQUIRE(r.code == 0);
  }

  TestCluster cluster;
};

// Evaluates result once; on a wrong exit code prints the whole run.
#define REQUIRE_EXIT(result, expected)         \
  do {                                         \
    const CtlResult& weft_r_ = (result);       \
    INFO(weft_r_.Describe());                  \
    REQUIRE(weft_r_.code == (expected));       \
  } while (0)

// Writes `bytes` into a new file of the volume through libweft.
void WriteFile(TestCluster& c, const std::string& volume, const std::string& name, size_t bytes) {
  ClientOptions o;
  o.meta_address = c.meta_address();
  o.tls_ca_file = c.tls_ca_file();
  o.token = c.admin_token();
  o.volume = volume;
  auto client = Client::Connect(o);
  REQUIRE(client.ok());
  auto created = (*client)->Create(RootCaller(), (*client)->root_ino(), name, 0644, 0, O_RDWR, true, true);
  REQUIRE(created.ok());
  std::string data(bytes, 'w');
  REQUIRE((*client)->Write(created->handle, 0, data.data(), data.size()).ok());
  REQUIRE((*client)->Close(created->handle).ok());
}

TEST_CASE("weftctl tenant create, list, show, set-quota and delete", "[cli][integration]") {
  Env e(ClusterOptions{.chunk_servers = 1});

  CtlResult created = e.Ctl({"tenant", "create", "acme", "--max-bytes", "10Gi", "--max-volumes", "5"});
  REQUIRE_EXIT(created, 0);
  CHECK(created.out == "tenant 'acme' created (bytes 10Gi, inodes unlimited, volumes 5)\n");
  CHECK(created.err.empty());

  Json beta = e.CtlJson({"tenant", "create", "beta", "--max-inodes", "1M"});
  CHECK(beta["name"].str() == "beta");
  CHECK(beta["quota"]["bytes"].num() == 0);
  CHECK(beta["quota"]["inodes"].num() == 1e6);
  CHECK(beta["usage"]["volumes"].num() == 0);
  CHECK(beta["created_ms"].num() > 1.6e12);

  CtlResult table = e.Ctl({"tenant", "list"});
  REQUIRE_EXIT(table, 0);
  CHECK_THAT(table.out, Catch::Matches("NAME   VOLUMES       BYTES         INODES        AGE\n"
                                       "acme   0/5           0/10Gi        0/unlimited   \\d+s\n"
                                       "beta   0/unlimited   0/unlimited   0/1M          \\d+s\n"));

  Json list = e.CtlJson({"tenant", "list"});
  REQUIRE(list["tenants"].size() == 2);
  CHECK(list["tenants"][0]["name"].str() == "acme");
  CHECK(list["tenants"][0]["quota"]["bytes"].num() == 10.0 * Gi);
  CHECK(list["tenants"][0]["quota"]["volumes"].num() == 5);
  CHECK(list["tenants"][0]["usage"]["bytes"].num() == 0);

  CtlResult show = e.Ctl({"tenant", "show", "acme"});
  REQUIRE_EXIT(show, 0);
  CHECK_THAT(show.out, Catch::StartsWith("Name:     acme\nVolumes:  0/5\nBytes:    0/10Gi (0 reserved)\n"));
  CtlResult yaml = e.Ctl({"tenant", "show", "acme", "-o", "yaml"});
  REQUIRE_EXIT(yaml, 0);
  CHECK_THAT(yaml.out, Catch::StartsWith("name: acme\nquota:\n  bytes: 10737418240\n  inodes: 0\n  volumes: 5\n"));

  Json raised = e.CtlJson({"tenant", "set-quota", "acme", "--max-bytes", "20Gi"});
  CHECK(raised["quota"]["bytes"].num() == 20.0 * Gi);
  CHECK(raised["quota"]["volumes"].num() == 5);  // not given: kept
  Json unlimited = e.CtlJson({"tenant", "set-quota", "acme", "--max-volumes", "unlimited"});
  CHECK(unlimited["quota"]["volumes"].num() == 0);
  CHECK(unlimited["quota"]["bytes"].num() == 20.0 * Gi);

  CtlResult dup = e.Ctl({"tenant", "create", "acme"});
  REQUIRE_EXIT(dup, 5);
  CHECK(dup.err == "weftctl: tenant 'acme' already exists (see it with: weftctl tenant show acme)\n");

  CtlResult deleted = e.Ctl({"tenant", "delete", "beta"});
  REQUIRE_EXIT(deleted, 0);
  CHECK(deleted.out == "tenant 'beta' deleted\n");
  CtlResult gone = e.Ctl({"tenant", "show", "beta"});
  REQUIRE_EXIT(gone, 3);
  CHECK(gone.out.empty());
  CHECK(gone.err == "weftctl: tenant 'beta' not found (list tenants with: weftctl tenant list)\n");
  REQUIRE_EXIT(e.Ctl({"tenant", "delete", "beta"}), 3);
  REQUIRE_EXIT(e.Ctl({"tenant", "set-quota", "nope", "--max-bytes", "1Gi"}), 3);
}

TEST_CASE("weftctl volume create, list, show, resize, set-readonly and delete", "[cli][integration]") {
  Env e;
  e.Ok({"tenant", "create", "acme"});

  Json v = e.CtlJson({"volume", "create", "data", "--tenant", "acme", "--class", "small", "--size", "5Gi", "--inodes",
                      "1000", "--replication", "2", "--mode", "exclusive"});
  CHECK(v["name"].str() == "data");
  CHECK(v["tenant"].str() == "acme");
  CHECK(v["class"].str() == "small");
  CHECK(v["quota"]["bytes"].num() == 5.0 * Gi);
  CHECK(v["quota"]["inodes"].num() == 1000);
  CHECK(v["replication"].num() == 2);
  CHECK(v["access_mode"].str() == "exclusive");
  CHECK(v["read_only"].boolean() == false);
  CHECK(v["id"].num() > 0);
  CHECK(v["root_ino"].num() > 0);
  CHECK(v["usage"]["inodes"].num() == 1);  // the root
  CHECK(v["mounts"].num() == 0);

  CtlResult plain = e.Ctl({"volume", "create", "scratch", "--tenant", "acme"});
  REQUIRE_EXIT(plain, 0);
  CHECK_THAT(plain.out, Catch::StartsWith("volume 'scratch' created: tenant acme, class medium, size 100Gi"));

  CtlResult dup = e.Ctl({"volume", "create", "data", "--tenant", "acme"});
  REQUIRE_EXIT(dup, 5);
  CHECK(dup.err == "weftctl: volume 'data' already exists (see it with: weftctl volume show data)\n");

  CtlResult table = e.Ctl({"volume", "list"});
  REQUIRE_EXIT(table, 0);
  CHECK_THAT(table.out, Catch::Matches("NAME      TENANT   CLASS    SIZE    USED   INODES   REPL   MODE        MOUNTS   AGE\n"
                                       "data      acme     small    5Gi     0      1/1K     2      exclusive   0        \\d+s\n"
                                       "scratch   acme     medium   100Gi   0      1/10M    3      shared      0        \\d+s\n"));

  Json list = e.CtlJson({"volume", "list", "--tenant", "acme"});
  REQUIRE(list["volumes"].size() == 2);
  CHECK(list["volumes"][0]["name"].str() == "data");
  CHECK(list["volumes"][1]["name"].str() == "scratch");
  CHECK(list["volumes"][1]["quota"]["bytes"].num() == 100.0 * Gi);

  CtlResult show = e.Ctl({"volume", "show", "data"});
  REQUIRE_EXIT(show, 0);
  CHECK_THAT(show.out, Catch::StartsWith("Name:          data\n") && Catch::Contains("\nSize:          5Gi\n") &&
                           Catch::Contains("\nAccess mode:   exclusive\n") && Catch::Contains("\nRead-only:     no\n"));
  CHECK(e.CtlJson({"volume", "show", "data"})["chunk_size"].num() > 0);

  Json grown = e.CtlJson({"volume", "resize", "data", "--size", "10Gi"});
  CHECK(grown["quota"]["bytes"].num() == 10.0 * Gi);
  CHECK(grown["quota"]["inodes"].num() == 1000);  // not given: unchanged
  CtlResult more_inodes = e.Ctl({"volume", "resize", "data", "--inodes", "2K"});
  REQUIRE_EXIT(more_inodes, 0);
  CHECK(more_inodes.out == "volume 'data' resized: size 10Gi, 2K inodes\n");

  Json ro = e.CtlJson({"volume", "set-readonly", "data"});
  CHECK(ro["read_only"].boolean() == true);
  CtlResult ro_list = e.Ctl({"volume", "list"});
  CHECK_THAT(ro_list.out, Catch::Contains("exclusive,ro"));
  CtlResult rw = e.Ctl({"volume", "set-readonly", "data", "--off"});
  REQUIRE_EXIT(rw, 0);
  CHECK(rw.out == "volume 'data' is writable\n");
  CHECK(e.CtlJson({"volume", "show", "data"})["read_only"].boolean() == false);

  // Not a terminal and no --yes: refused, and the volume stays.
  CtlResult refused = e.Ctl({"volume", "delete", "scratch"});
  REQUIRE_EXIT(refused, 2);
  CHECK_THAT(refused.err, Catch::StartsWith("weftctl: refusing to delete volume 'scratch' without --yes"));
  REQUIRE_EXIT(e.Ctl({"volume", "show", "scratch"}), 0);

  CtlResult deleted = e.Ctl({"volume", "delete", "scratch", "--yes"});
  REQUIRE_EXIT(deleted, 0);
  CHECK(deleted.out == "volume 'scratch' deleted; its data is reclaimed in the background\n");
  REQUIRE_EXIT(e.Ctl({"volume", "show", "scratch"}), 3);
  CHECK(e.CtlJson({"volume", "list"})["volumes"].size() == 1);

  Json deleted_json = e.CtlJson({"volume", "delete", "data", "--yes"});
  CHECK(deleted_json["name"].str() == "data");
  CHECK(deleted_json["deleted"].boolean() == true);
  CtlResult empty = e.Ctl({"volume", "list"});
  REQUIRE_EXIT(empty, 0);
  CHECK(empty.out == "No volumes.\n");
  CHECK(e.CtlJson({"volume", "list"})["volumes"].size() == 0);
}

TEST_CASE("weftctl volume delete --wait returns once the volume is purged", "[cli][integration]") {
  Env e;
  e.Ok({"tenant", "create", "acme"});
  e.Ok({"volume", "create", "v", "--tenant", "acme"});
  for (int i = 0; i < 3; ++i) WriteFile(e.cluster, "v", "f" + std::to_string(i), 64 * Ki);
  Json before = e.CtlJson({"tenant", "show", "acme"});
  CHECK(before["usage"]["inodes"].num() == 4);

  CtlResult r = e.Ctl({"volume", "delete", "v", "--yes", "--wait"});
  REQUIRE_EXIT(r, 0);
  CHECK(r.out == "volume 'v' deleted and purged\n");
  // Not a terminal: plain progress lines, no bar.
  CHECK_THAT(r.err, Catch::Contains("purge volume 'v': ") && Catch::EndsWith("volume 'v' purged\n"));
  CHECK(r.err.find('\r') == std::string::npos);

  Json after = e.CtlJson({"tenant", "show", "acme"});
  CHECK(after["usage"]["inodes"].num() == 0);
  CHECK(after["usage"]["volumes"].num() == 0);
  // Purged: the tenant can go at once.
  REQUIRE_EXIT(e.Ctl({"tenant", "delete", "acme"}), 0);
}

// Runs weftctl on a pseudo-terminal (util-linux script), typing `input`; stdout and stderr both arrive
// in .out, as a terminal shows them.
CtlResult OnTerminal(Env& e, const std::vector<std::string>& args, const std::string& input) {
  std::string cmd = WeftctlPath() + " --meta " + e.cluster.meta_address();
  for (const auto& a : args) cmd += " " + a;
  return RunProgram({"/usr/bin/script", "--quiet", "--return", "--command", cmd, "/dev/null"},
                    {.env = {{"WEFT_TOKEN", e.cluster.admin_token()}, {"WEFT_TLS_CA", e.cluster.tls_ca_file()}},
                     .input = input});
}

TEST_CASE("on a terminal weftctl volume delete asks first and --wait draws a progress bar", "[cli][integration]") {
  Env e(ClusterOptions{.chunk_servers = 1});
  e.Ok({"tenant", "create", "acme"});
  e.Ok({"volume", "create", "v", "--tenant", "acme"});

  CtlResult no = OnTerminal(e, {"volume", "delete", "v"}, "n\n");
  REQUIRE_EXIT(no, 1);
  CHECK_THAT(no.out, Catch::Contains("Delete volume 'v' of tenant 'acme' (0 bytes in 1 inode)? This cannot be undone. "
                                     "[y/N]") &&
                         Catch::Contains("weftctl: cancelled: volume 'v' was not deleted"));
  REQUIRE_EXIT(e.Ctl({"volume", "show", "v"}), 0);

  CtlResult yes = OnTerminal(e, {"volume", "delete", "v", "--wait"}, "y\n");
  REQUIRE_EXIT(yes, 0);
  CHECK_THAT(yes.out, Catch::Contains("\rpurge volume 'v' [") && Catch::Contains("] 100% 1/1 inodes") &&
                          Catch::Contains("volume 'v' purged") && Catch::Contains("volume 'v' deleted and purged"));
  REQUIRE_EXIT(e.Ctl({"volume", "show", "v"}), 3);
}

TEST_CASE("weftctl reports unknown tenants, volumes and classes with exit code 3", "[cli][integration]") {
  Env e(ClusterOptions{.chunk_servers = 1});
  e.Ok({"tenant", "create", "acme"});

  CtlResult no_tenant = e.Ctl({"volume", "create", "v", "--tenant", "ghost"});
  REQUIRE_EXIT(no_tenant, 3);
  CHECK(no_tenant.err == "weftctl: tenant 'ghost' not found (list tenants with: weftctl tenant list)\n");
  CtlResult no_class = e.Ctl({"volume", "create", "v", "--tenant", "acme", "--class", "huge"});
  REQUIRE_EXIT(no_class, 3);
  CHECK(no_class.err == "weftctl: volume class 'huge' not found (list classes with: weftctl class list)\n");
  CtlResult list_ghost = e.Ctl({"volume", "list", "--tenant", "ghost"});
  REQUIRE_EXIT(list_ghost, 3);
  CHECK_THAT(list_ghost.err, Catch::Contains("tenant 'ghost' not found"));

  const std::string missing = "weftctl: volume 'nope' not found (list volumes with: weftctl volume list)\n";
  for (auto args : std::vector<std::vector<std::string>>{{"volume", "show", "nope"},
                                                          {"volume", "resize", "nope", "--size", "1Gi"},
                                                          {"volume", "set-readonly", "nope"},
                                                          {"volume", "delete", "nope", "--yes"}}) {
    CtlResult r = e.Ctl(args);
    REQUIRE_EXIT(r, 3);
    CHECK(r.err == missing);
    CHECK(r.out.empty());
  }
  CtlResult no_show = e.Ctl({"tenant", "show", "ghost", "-o", "json"});
  REQUIRE_EXIT(no_show, 3);
  CHECK(no_show.out.empty());  // nothing on stdout for scripts to misread
}

TEST_CASE("weftctl refuses to resize below usage and to delete a tenant with volumes, exit code 5",
          "[cli][integration]") {
  Env e;
  e.Ok({"tenant", "create", "acme"});
  e.Ok({"volume", "create", "v", "--tenant", "acme", "--size", "1Gi"});
  WriteFile(e.cluster, "v", "a", 3 * Mi);
  WriteFile(e.cluster, "v", "b", 1 * Mi);
  Json v = e.CtlJson({"volume", "show", "v"});
  REQUIRE(v["usage"]["bytes"].num() == 4.0 * Mi);
  REQUIRE(v["usage"]["inodes"].num() == 3);

  CtlResult small = e.Ctl({"volume", "resize", "v", "--size", "1Mi"});
  REQUIRE_EXIT(small, 5);
  CHECK(small.err ==
        "weftctl: over quota: volume 'v' holds 4Mi, more than the new size 1Mi (resize to at least 4Mi, or delete data "
        "first)\n");
  CtlResult few = e.Ctl({"volume", "resize", "v", "--inodes", "2"});
  REQUIRE_EXIT(few, 5);
  CHECK_THAT(few.err, Catch::Contains("holds 3 inodes"));
  CHECK(e.CtlJson({"volume", "show", "v"})["quota"]["bytes"].num() == 1.0 * Gi);  // unchanged
  // Exactly the usage is fine.
  CHECK(e.CtlJson({"volume", "resize", "v", "--size", "4Mi"})["quota"]["bytes"].num() == 4.0 * Mi);

  CtlResult tenant_quota = e.Ctl({"tenant", "set-quota", "acme", "--max-bytes", "2Mi"});
  REQUIRE_EXIT(tenant_quota, 5);
  CHECK_THAT(tenant_quota.err, Catch::Contains("tenant 'acme' already uses 4Mi"));

  CtlResult busy = e.Ctl({"tenant", "delete", "acme"});
  REQUIRE_EXIT(busy, 5);
  CHECK_THAT(busy.err, Catch::StartsWith("weftctl: tenant 'acme' still owns volumes") &&
                           Catch::Contains("weftctl volume list --tenant acme"));
  REQUIRE_EXIT(e.Ctl({"tenant", "show", "acme"}), 0);

  CtlResult over = e.Ctl({"tenant", "create", "capped", "--max-volumes", "1"});
  REQUIRE_EXIT(over, 0);
  e.Ok({"volume", "create", "c1", "--tenant", "capped"});
  CtlResult second = e.Ctl({"volume", "create", "c2", "--tenant", "capped"});
  REQUIRE_EXIT(second, 5);
  CHECK_THAT(second.err, Catch::StartsWith("weftctl: over quota: tenant 'capped' volume quota exceeded"));
}

TEST_CASE("weftctl rejects invalid sizes with exit code 2 naming the value", "[cli][integration]") {
  Env e(ClusterOptions{.chunk_servers = 1});
  e.Ok({"tenant", "create", "acme"});
  e.Ok({"volume", "create", "v", "--tenant", "acme"});
  for (std::string bad : {"10Gb", "-1", "1.2.3Gi", "", "20000Ei", "10gi", "1.5"}) {
    for (auto verb : std::vector<std::vector<std::string>>{{"volume", "create", "w", "--tenant", "acme", "--size"},
                                                            {"volume", "resize", "v", "--size"},
                                                            {"tenant", "set-quota", "acme", "--max-bytes"}}) {
      verb.push_back(bad);
      CtlResult r = e.Ctl(verb);
      REQUIRE_EXIT(r, 2);
      CHECK_THAT(r.err, Catch::StartsWith("weftctl: --"));
      if (!bad.empty()) CHECK_THAT(r.err, Catch::Contains("'" + bad + "'"));
      CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
  }
  CHECK(e.CtlJson({"volume", "list"})["volumes"].size() == 1);  // nothing was created
  CHECK(e.CtlJson({"volume", "show", "v"})["quota"]["bytes"].num() == 100.0 * Gi);  // nor resized
}

TEST_CASE("weftctl class list and show", "[cli][integration]") {
  Env e(ClusterOptions{.chunk_servers = 0, .wait_registered = false});
  CtlResult table = e.Ctl({"class", "list"});
  REQUIRE_EXIT(table, 0);
  CHECK_THAT(table.out, Catch::StartsWith("NAME     SIZE    INODES   REPLICATION   STRIPE   CHUNK   BANDWIDTH") &&
                            Catch::Contains("\nsmall    10Gi    1M       3") && Catch::Contains("\nlarge    1Ti"));
  Json list = e.CtlJson({"class", "list"});
  REQUIRE(list["classes"].size() == 3);
  bool saw_small = false;
  for (size_t i = 0; i < list["classes"].size(); ++i) {
    Json c = list["classes"][i];
    if (c["name"].str() != "small") continue;
    saw_small = true;
    CHECK(c["default_quota_bytes"].num() == 10.0 * Gi);
    CHECK(c["default_quota_inodes"].num() == 1e6);
    CHECK(c["replication"].num() == 3);
    CHECK(c["qos_bandwidth_bytes"].num() == 200.0 * Mi);
  }
  CHECK(saw_small);
  CtlResult yaml = e.Ctl({"class", "show", "large", "-o", "yaml"});
  REQUIRE_EXIT(yaml, 0);
  CHECK_THAT(yaml.out, Catch::StartsWith("name: large\ndefault_quota_bytes: 1099511627776\n"));
  CtlResult show = e.Ctl({"class", "show", "medium"});
  REQUIRE_EXIT(show, 0);
  CHECK_THAT(show.out, Catch::Contains("Default size:    100Gi\n"));
  CtlResult missing = e.Ctl({"class", "show", "huge"});
  REQUIRE_EXIT(missing, 3);
  CHECK(missing.err == "weftctl: volume class 'huge' not found (list classes with: weftctl class list)\n");
}

TEST_CASE("weftctl cluster status shows servers, chains and health, and scripts can wait on it",
          "[cli][integration]") {
  Env e(ClusterOptions{.meta_args = {"--server-timeout-ms", "2000"}});
  Json s = e.CtlJson({"cluster", "status"});
  CHECK(s["health"].str() == "ok");
  CHECK(s["servers_up"].num() == 3);
  CHECK(s["servers_down"].num() == 0);
  CHECK(s["degraded_chains"].num() == 0);
  CHECK(s["under_replicated"].num() == 0);
  CHECK(s["metadata"]["address"].str() == e.cluster.meta_address());
  CHECK_FALSE(s["metadata"]["version"].str().empty());
  CHECK(s["metadata"]["uptime_ms"].is_number());
  REQUIRE(s["servers"].size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(s["servers"][i]["state"].str() == "up");
    CHECK_THAT(s["servers"][i]["failure_domain"].str(), Catch::StartsWith("fd"));
    CHECK(s["servers"][i]["capacity_bytes"].is_number());
  }
  REQUIRE(s["chains"].size() > 0);
  for (size_t i = 0; i < s["chains"].size(); ++i) CHECK(s["chains"][i]["health"].str() == "healthy");

  CtlResult table = e.Ctl({"cluster", "status"});
  REQUIRE_EXIT(table, 0);
  CHECK_THAT(table.out, Catch::StartsWith("Health:            ok\n") && Catch::Contains("\nServers:           3 up, 0 down\n") &&
                            Catch::Contains("\nSERVERS\nID   STATE   FAILURE-DOMAIN") &&
                            Catch::Contains("\nCHAINS\nID   VERSION   REPLICATION   SERVERS   HEALTH\n") &&
                            Catch::Contains("healthy"));
  CtlResult yaml = e.Ctl({"cluster", "status", "-o", "yaml"});
  REQUIRE_EXIT(yaml, 0);
  CHECK_THAT(yaml.out, Catch::StartsWith("health: ok\nservers_up: 3\nservers_down: 0\ndegraded_chains: 0\n"));

  // A server dies: a script polling the JSON sees it go down and the cluster degrade.
  e.cluster.StopChunk(0, SIGKILL);
  Json degraded = s;
  for (int i = 0; i < 100; ++i) {
    degraded = e.CtlJson({"cluster", "status"});
    if (degraded["servers_down"].num() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  CHECK(degraded["servers_down"].num() == 1);
  CHECK(degraded["servers_up"].num() == 2);
  CHECK(degraded["health"].str() == "degraded");
  int down = 0;
  for (size_t i = 0; i < 3; ++i) down += degraded["servers"][i]["state"].str() == "down";
  CHECK(down == 1);
  CtlResult text = e.Ctl({"cluster", "status"});
  CHECK_THAT(text.out, Catch::StartsWith("Health:            degraded (1 server down"));
}

TEST_CASE("weftctl server list, show, drain and undrain", "[cli][integration]") {
  Env e;
  CtlResult table = e.Ctl({"server", "list"});
  REQUIRE_EXIT(table, 0);
  CHECK_THAT(table.out, Catch::StartsWith("ID   STATE   FAILURE-DOMAIN   ADDRESS"));
  CHECK(std::count(table.out.begin(), table.out.end(), '\n') == 4);

  Json list = e.CtlJson({"server", "list"});
  REQUIRE(list["servers"].size() == 3);
  auto id = static_cast<uint64_t>(list["servers"][0]["id"].num());
  std::string ids = std::to_string(id);
  CHECK(list["servers"][0]["state"].str() == "up");
  CHECK_FALSE(list["servers"][0]["address"].str().empty());

  Json one = e.CtlJson({"server", "show", ids});
  CHECK(one["id"].num() == static_cast<double>(id));
  CHECK(one["state"].str() == "up");
  CHECK(one["chains"].size() > 0);
  CtlResult show = e.Ctl({"server", "show", ids});
  REQUIRE_EXIT(show, 0);
  CHECK_THAT(show.out, Catch::StartsWith("ID:               " + ids + "\nState:            up\n") &&
                           Catch::Contains("\nChains:           "));

  CtlResult missing = e.Ctl({"server", "show", "999"});
  REQUIRE_EXIT(missing, 3);
  CHECK(missing.err == "weftctl: server 999 not found (list servers with: weftctl server list)\n");
  REQUIRE_EXIT(e.Ctl({"server", "drain", "999"}), 3);

  // Three servers and replication-3 chains: a drain has nowhere to move them, is refused and changes
  // nothing.
  CtlResult refused = e.Ctl({"server", "drain", ids});
  REQUIRE_EXIT(refused, 5);
  CHECK_THAT(refused.err, Catch::StartsWith("weftctl: no space: server " + ids + " cannot be drained: chain ") &&
                              Catch::Contains("has no other up server to move to; add a chunk server first"));
  CHECK(refused.out.empty());
  CHECK(e.CtlJson({"server", "show", ids})["state"].str() == "up");
  CtlResult undrain = e.Ctl({"server", "undrain", ids});  // an up server: nothing to undo
  REQUIRE_EXIT(undrain, 0);
  CHECK(e.CtlJson({"server", "show", ids})["state"].str() == "up");
}

// Bytes of file i: distinct per file and offset.
std::string FileBytes(int i, size_t n) {
  std::string s(n, '\0');
  for (size_t k = 0; k < n; ++k) s[k] = static_cast<char>((k * 131 + static_cast<size_t>(i) * 7919 + k / 4096) % 251);
  return s;
}

TEST_CASE("weftctl server drain moves a server's data away with progress, and undrain cancels a drain",
          "[cli][integration]") {
  Env e(ClusterOptions{.chunk_servers = 4,
                       .meta_args = {"--server-timeout-ms", "3000", "--heartbeat-interval-ms", "200"}});
  e.Ok({"tenant", "create", "acme"});
  e.Ok({"volume", "create", "data", "--tenant", "acme", "--replication", "3"});
  ClientOptions o;
  o.meta_address = e.cluster.meta_address();
  o.tls_ca_file = e.cluster.tls_ca_file();
  o.token = e.cluster.admin_token();
  o.volume = "data";
  auto client = Client::Connect(o);
  REQUIRE(client.ok());
  constexpr int kFiles = 6;
  constexpr size_t kBytes = 3 * 1024 * 1024 + 123;
  for (int i = 0; i < kFiles; ++i) {
    auto created = (*client)->Create(RootCaller(), (*client)->root_ino(), "f" + std::to_string(i), 0644, 0, O_RDWR,
                                     true, true);
    REQUIRE(created.ok());
    std::string data = FileBytes(i, kBytes);
    REQUIRE((*client)->Write(created->handle, 0, data.data(), data.size()).ok());
    REQUIRE((*client)->Close(created->handle).ok());
  }
  auto check_files = [&] {
    for (int i = 0; i < kFiles; ++i) {
      INFO("file f" << i);
      auto attr = (*client)->Lookup(RootCaller(), (*client)->root_ino(), "f" + std::to_string(i));
      REQUIRE(attr.ok());
      auto fh = (*client)->Open(RootCaller(), attr->ino(), O_RDONLY);
      REQUIRE(fh.ok());
      std::string got(kBytes, '\0');
      size_t off = 0;
      while (off < kBytes) {
        auto n = (*client)->Read(*fh, off, kBytes - off, got.data() + off);
        REQUIRE(n.ok());
        REQUIRE(*n > 0);
        off += *n;
      }
      CHECK(got == FileBytes(i, kBytes));
      REQUIRE((*client)->Close(*fh).ok());
    }
  };

  Json list = e.CtlJson({"server", "list"});
  REQUIRE(list["servers"].size() == 4);
  const std::string first = std::to_string(static_cast<uint64_t>(list["servers"][0]["id"].num()));
  const std::string second = std::to_string(static_cast<uint64_t>(list["servers"][1]["id"].num()));

  // --no-wait returns once draining started; undrain cancels it and the server stays in its chains.
  CtlResult started = e.Ctl({"server", "drain", second, "--no-wait"});
  REQUIRE_EXIT(started, 0);
  CHECK_THAT(started.out, Catch::StartsWith("server " + second + " is draining (") ||
                              Catch::Equals("server " + second + " drained\n"));
  Json draining = e.CtlJson({"server", "show", second});
  if (draining["state"].str() == "draining") {
    CHECK(draining["drain"]["chains_left"].num() > 0);
    CHECK(draining["drain"]["blocked"].str().empty());
  }
  CtlResult cancelled = e.Ctl({"server", "undrain", second});
  REQUIRE_EXIT(cancelled, 0);
  CHECK_THAT(cancelled.out, Catch::StartsWith("server " + second + " takes chains again"));
  CHECK(e.CtlJson({"server", "show", second})["state"].str() == "up");

  // drain --wait: progress lines on stderr (not a terminal), then the result.
  CtlResult drained = e.Ctl({"server", "drain", first});
  REQUIRE_EXIT(drained, 0);
  CHECK(drained.out == "server " + first + " drained\n");
  CHECK_THAT(drained.err, Catch::StartsWith("drain server " + first + ": ") && Catch::Contains(" chains ("));
  Json shown = e.CtlJson({"server", "show", first});
  CHECK(shown["state"].str() == "drained");
  CHECK(shown["chains"].size() == 0);
  Json status = e.CtlJson({"cluster", "status"});
  CHECK(status["degraded_chains"].num() == 0);
  CHECK(status["under_replicated"].num() == 0);
  check_files();
  CtlResult again = e.Ctl({"server", "drain", first});  // a drained server: nothing to do
  REQUIRE_EXIT(again, 0);
  CHECK(again.out == "server " + first + " drained\n");

  // The data no longer depends on it: stop it and read everything again.
  int index = -1;
  for (int i = 0; i < 4; ++i) {
    if (e.cluster.chunk(i).data_address == shown["address"].str()) index = i;
  }
  REQUIRE(index >= 0);
  e.cluster.StopChunk(index, SIGKILL);
  check_files();
}

TEST_CASE("weftctl tenant token issue, list and revoke, and a tenant's token sees only its tenant (exit code 4)",
          "[cli][integration]") {
  Env e(ClusterOptions{.chunk_servers = 0, .wait_registered = false});
  e.Ok({"tenant", "create", "acme"});
  e.Ok({"tenant", "create", "globex"});
  e.Ok({"volume", "create", "va", "--tenant", "acme"});
  e.Ok({"volume", "create", "vg", "--tenant", "globex"});

  CtlResult issued = e.Ctl({"tenant", "token", "issue", "acme", "--name", "spark"});
  REQUIRE_EXIT(issued, 0);
  REQUIRE_THAT(issued.out, Catch::StartsWith("wt_") && Catch::EndsWith("\n"));
  const std::string token = issued.out.substr(0, issued.out.size() - 1);
  CHECK_THAT(issued.err, Catch::Contains("shown only this once"));
  Json second = e.CtlJson({"tenant", "token", "issue", "acme"});
  CHECK_THAT(second["token"].str(), Catch::StartsWith("wt_"));

  CtlResult listed = e.Ctl({"tenant", "token", "list", "acme", "-o", "json"});
  REQUIRE_EXIT(listed, 0);
  Json list = Json::Parse(listed.out);
  REQUIRE(list["tokens"].size() == 2);
  CHECK(list["tokens"][0]["name"].str() == "spark");
  CHECK(list["tokens"][0]["tenant"].str() == "acme");
  const uint64_t id = static_cast<uint64_t>(list["tokens"][0]["id"].num());
  CtlResult table = e.Ctl({"tenant", "token", "list", "acme"});
  REQUIRE_EXIT(table, 0);
  CHECK_THAT(table.out, Catch::StartsWith("ID ") && Catch::Contains("spark"));
  for (const std::string& out : {table.out, listed.out}) {
    CHECK(out.find(token.substr(8)) == std::string::npos);
    CHECK(out.find(second["token"].str().substr(8)) == std::string::npos);
  }

  // With acme's token: its own volume and tenant only; admin verbs refused with exit code 4.
  auto as = [&](std::vector<std::string> args, const std::string& t) {
    args.insert(args.begin(), {"--meta", e.cluster.meta_address()});
    return RunCtl(args, {.env = {{"WEFT_TOKEN", t}, {"WEFT_TLS_CA", e.cluster.tls_ca_file()}}});
  };
  CtlResult mine = as({"volume", "list", "-o", "json"}, token);
  REQUIRE_EXIT(mine, 0);
  Json vols = Json::Parse(mine.out)["volumes"];
  REQUIRE(vols.size() == 1);
  CHECK(vols[0]["name"].str() == "va");
  REQUIRE_EXIT(as({"volume", "show", "va"}, token), 0);
  REQUIRE_EXIT(as({"tenant", "show", "acme"}, token), 0);
  CtlResult theirs = as({"volume", "show", "vg"}, token);
  REQUIRE_EXIT(theirs, 4);
  CHECK_THAT(theirs.err, Catch::StartsWith("weftctl: permission denied: ") &&
                             Catch::Contains("no access to volume 'vg'"));
  REQUIRE_EXIT(as({"tenant", "show", "globex"}, token), 4);
  CtlResult admin_only = as({"tenant", "list"}, token);
  REQUIRE_EXIT(admin_only, 4);
  CHECK_THAT(admin_only.err, Catch::Contains("needs the admin token"));
  REQUIRE_EXIT(as({"volume", "delete", "va", "--yes"}, token), 4);
  REQUIRE_EXIT(as({"tenant", "token", "issue", "acme"}, token), 4);
  REQUIRE_EXIT(as({"cluster", "status"}, token), 4);

  // Revoked: refused at once; the other token of acme still works; unknown ids are exit code 3.
  CtlResult revoked = e.Ctl({"tenant", "token", "revoke", std::to_string(id)});
  REQUIRE_EXIT(revoked, 0);
  CHECK(revoked.out == "token " + std::to_string(id) + " revoked\n");
  CtlResult after = as({"volume", "list"}, token);
  REQUIRE_EXIT(after, 4);
  CHECK_THAT(after.err, Catch::Contains("unknown, revoked or wrong"));
  REQUIRE_EXIT(as({"volume", "list"}, second["token"].str()), 0);
  REQUIRE_EXIT(e.Ctl({"tenant", "token", "revoke", std::to_string(id)}), 3);
  CHECK(e.CtlJson({"tenant", "token", "list", "acme"})["tokens"].size() == 1);

  // No token, garbage, a wrong secret.
  CtlResult none =
      RunCtl({"--meta", e.cluster.meta_address(), "tenant", "list"}, {.env = {{"WEFT_TLS_CA", e.cluster.tls_ca_file()}}});
  REQUIRE_EXIT(none, 4);
  CHECK_THAT(none.err, Catch::Contains("no bearer token"));
  REQUIRE_EXIT(as({"tenant", "list"}, "garbage"), 4);
  std::string wrong = e.cluster.admin_token();
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  REQUIRE_EXIT(as({"tenant", "list"}, wrong), 4);
}

TEST_CASE("weftctl against an unreachable cluster fails within seconds with exit code 6", "[cli][integration]") {
  const std::string closed = "127.0.0.1:" + std::to_string(ClosedPort());
  for (auto args : std::vector<std::vector<std::string>>{{"cluster", "status"},
                                                          {"volume", "list", "-o", "json"},
                                                          {"tenant", "create", "x"},
                                                          {"server", "drain", "1"}}) {
    args.insert(args.begin(), {"--meta", closed});
    CtlResult r = RunCtl(args);
    REQUIRE_EXIT(r, 6);
    CHECK(r.seconds < 5);
    CHECK(r.out.empty());
    CHECK(r.err == "weftctl: cannot reach weft-meta at " + closed +
                       " (from --meta): Connection refused (is weft-meta running? set its address with --meta "
                       "HOST:PORT or WEFT_META; a cluster with TLS on needs --tls-ca)\n");
  }
  CtlResult env = RunCtl({"cluster", "status"}, {.env = {{"WEFT_META", closed}}});
  REQUIRE_EXIT(env, 6);
  CHECK_THAT(env.err, Catch::Contains("(from WEFT_META)"));
}

TEST_CASE("weftctl gives up on a weft-meta that accepts but never answers", "[cli][integration]") {
  // A listener that completes TCP handshakes (the kernel does) but never speaks HTTP/2.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(listen(fd, 16) == 0);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  std::string silent = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  CtlResult r = RunCtl({"--meta", silent, "--timeout", "2", "cluster", "status"});
  close(fd);
  REQUIRE_EXIT(r, 6);
  CHECK(r.seconds < 4);
  CHECK_THAT(r.err, Catch::StartsWith("weftctl: ") && Catch::Contains(silent));
}

TEST_CASE("weftctl finds the cluster through WEFT_META, a config file and ./.weft-local", "[cli][integration]") {
  Env e(ClusterOptions{.chunk_servers = 0, .wait_registered = false});
  e.Ok({"tenant", "create", "acme"});
  std::string tmpl = (fs::temp_directory_path() / "weftctl-it-XXXXXX").string();
  REQUIRE(mkdtemp(tmpl.data()) != nullptr);
  const std::string dir = tmpl;

  const std::string token = e.cluster.admin_token();
  CtlResult env = RunCtl({"tenant", "list", "-o", "json"},
                         {.env = {{"WEFT_META", e.cluster.meta_address()}, {"WEFT_TOKEN", token},
                                  {"WEFT_TLS_CA", e.cluster.tls_ca_file()}}});
  REQUIRE_EXIT(env, 0);
  CHECK(Json::Parse(env.out)["tenants"][0]["name"].str() == "acme");

  std::ofstream(dir + "/weftctl.toml") << "meta = \"" << e.cluster.meta_address() << "\"\ntoken = \"" << token
                                       << "\"\noutput = \"json\"\n"
                                       << (e.cluster.tls() ? "tls-ca = \"" + e.cluster.tls_ca_file() + "\"\n" : "");
  CtlResult config = RunCtl({"--config", dir + "/weftctl.toml", "tenant", "list"});
  REQUIRE_EXIT(config, 0);
  CHECK(Json::Parse(config.out)["tenants"].size() == 1);

  fs::create_directories(dir + "/home/.config/weft");
  fs::copy_file(dir + "/weftctl.toml", dir + "/home/.config/weft/weftctl.toml");
  CtlResult home = RunCtl({"tenant", "show", "acme"}, {.env = {{"HOME", dir + "/home"}}});
  REQUIRE_EXIT(home, 0);
  CHECK(Json::Parse(home.out)["name"].str() == "acme");

  fs::create_directories(dir + "/work/.weft-local");
  std::ofstream(dir + "/work/.weft-local/meta.addr") << e.cluster.meta_address() << "\n";
  std::ofstream(dir + "/work/.weft-local/admin.token") << token << "\n";
  if (e.cluster.tls()) {  // a local TLS cluster's CA, found beside meta.addr
    fs::create_directories(dir + "/work/.weft-local/tls");
    fs::copy_file(e.cluster.tls_ca_file(), dir + "/work/.weft-local/tls/ca.pem");
  }
  CtlResult local = RunCtl({"tenant", "list"}, {.cwd = dir + "/work"});
  REQUIRE_EXIT(local, 0);
  CHECK_THAT(local.out, Catch::Contains("\nacme "));

  // The flag wins over all of them.
  CtlResult flag = RunCtl({"--meta", "127.0.0.1:" + std::to_string(ClosedPort()), "tenant", "list"},
                          {.env = {{"WEFT_META", e.cluster.meta_address()}, {"WEFT_TOKEN", token}}, .cwd = dir + "/work"});
  REQUIRE_EXIT(flag, 6);

  CtlResult bad_config = RunCtl({"--config", dir + "/absent.toml", "tenant", "list"});
  REQUIRE_EXIT(bad_config, 2);
  CHECK_THAT(bad_config.err, Catch::Contains("absent.toml"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace weft::cli::test
