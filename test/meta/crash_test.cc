// The crash test: several clients storm weft-meta with create/rename/unlink in their own directories
// while it is killed with SIGKILL at random moments. Clients retry each unanswered request with the
// same request id (as the real client does) until they get an answer. After every kill the offline
// checker must pass on the store; at the end every client's directory must equal its model — every
// acknowledged operation present exactly once, nothing unacknowledged half-applied.
#include <catch2/catch.hpp>
#include <signal.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "test/meta/support/grpc_fixture.h"

using namespace weft;
using namespace weft::meta::test;

namespace {

constexpr int kClients = 4;
constexpr int kKills = 6;

bool Transient(int err) {
  return err == ENOTCONN || err == ETIMEDOUT || err == ECONNREFUSED || err == ESHUTDOWN || err == ECANCELED ||
         err == EAGAIN;
}

// Calls fn until the answer is not a transport failure (the request, and its id, stay the same).
template <typename Fn>
Status Retry(Fn&& fn, std::atomic<uint64_t>* retries) {
  for (;;) {
    Status s = fn();
    if (!Transient(s.err())) return s;
    ++*retries;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

struct ClientResult {
  std::map<std::string, uint64_t> model;  // name -> ino
  uint64_t acked = 0;
  std::vector<std::string> mismatches;
};

void Storm(Transport& t, uint64_t session, uint64_t dir, uint32_t seed, const std::atomic<bool>& stop,
           std::atomic<uint64_t>* retries, ClientResult* out) {
  std::mt19937 rng(seed);
  uint64_t request_id = 1;
  auto name = [&] { return "n" + std::to_string(std::uniform_int_distribution<int>(0, 19)(rng)); };
  auto& model = out->model;
  while (!stop.load()) {
    int kind = std::uniform_int_distribution<int>(0, 2)(rng);
    if (kind == 0) {
      CreateRequest q;
      q.set_session_id(session);
      q.set_request_id(request_id++);
      q.set_parent(dir);
      q.set_name(name());
      q.set_mode(0644);
      q.set_exclusive(true);
      CreateResponse r;
      Status s = Retry([&] { return t.Create(q, &r); }, retries);
      bool exists = model.count(q.name()) > 0;
      if (exists ? s.err() != EEXIST : !s.ok()) {
        out->mismatches.push_back("create " + q.name() + ": " + s.ToString());
      } else if (s.ok()) {
        model[q.name()] = r.attr().ino();
      }
    } else if (kind == 1) {
      RenameRequest q;
      q.set_session_id(session);
      q.set_request_id(request_id++);
      q.set_parent(dir);
      q.set_name(name());
      q.set_new_parent(dir);
      q.set_new_name(name());
      RenameResponse r;
      Status s = Retry([&] { return t.Rename(q, &r); }, retries);
      auto src = model.find(q.name());
      if (src == model.end() ? s.err() != ENOENT : !s.ok() || r.moved().ino() != src->second) {
        out->mismatches.push_back("rename " + q.name() + " -> " + q.new_name() + ": " + s.ToString());
      } else if (s.ok()) {
        uint64_t ino = src->second;
        model.erase(src);
        model[q.new_name()] = ino;
      }
    } else {
      UnlinkRequest q;
      q.set_session_id(session);
      q.set_request_id(request_id++);
      q.set_parent(dir);
      q.set_name(name());
      UnlinkResponse r;
      Status s = Retry([&] { return t.Unlink(q, &r); }, retries);
      auto victim = model.find(q.name());
      if (victim == model.end() ? s.err() != ENOENT : !s.ok() || r.attr().ino() != victim->second) {
        out->mismatches.push_back("unlink " + q.name() + ": " + s.ToString());
      } else if (s.ok()) {
        model.erase(victim);
      }
    }
    ++out->acked;
  }
}

}  // namespace

TEST_CASE("kill -9 during a create/rename/unlink storm loses no acknowledged operation", "[meta][crash][integration]") {
  GrpcFixture f({"--session-ttl-ms", "120000"});
  std::vector<uint64_t> dirs, sessions;
  std::vector<std::unique_ptr<Transport>> transports;
  for (int i = 0; i < kClients; ++i) {
    auto d = f.c.Mkdir(f.c.root, "c" + std::to_string(i));
    REQUIRE(d.ok());
    dirs.push_back(d->ino());
    transports.push_back(NewGrpcTransport(f.cluster().meta_address(), f.cluster().tls(), f.cluster().admin_token(), 2000));
    TestClient c(transports.back().get());
    REQUIRE(c.MountVolume("v").ok());
    sessions.push_back(c.session);
  }
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> retries{0};
  std::vector<ClientResult> results(kClients);
  std::vector<std::thread> threads;
  const uint32_t seed = std::random_device()();
  INFO("seed " << seed);
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      size_t k = static_cast<size_t>(i);
      Storm(*transports[k], sessions[k], dirs[k], seed + static_cast<uint32_t>(i), stop, &retries, &results[k]);
    });
  }
  std::mt19937 rng(seed);
  for (int kill = 0; kill < kKills; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 700)(rng)));
    f.cluster().meta().Stop(SIGKILL, 10000);
    std::string out;
    int rc = f.RunChecker(&out);
    INFO("after kill " << kill << ":\n" << out);
    CHECK(rc == 0);
    f.cluster().RestartMeta(SIGKILL);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& t : threads) t.join();

  uint64_t acked = 0;
  for (int i = 0; i < kClients; ++i) {
    const ClientResult& r = results[static_cast<size_t>(i)];
    acked += r.acked;
    for (size_t m = 0; m < std::min<size_t>(r.mismatches.size(), 10); ++m) UNSCOPED_INFO("client " << i << ": " << r.mismatches[m]);
    CHECK(r.mismatches.empty());
    // The directory on the server equals the client's model.
    auto names = f.c.ReadDir(dirs[static_cast<size_t>(i)], "", 0, true);
    REQUIRE(names.ok());
    REQUIRE(names->eof());
    std::map<std::string, uint64_t> server;
    for (const auto& e : names->entries()) server[e.name()] = e.ino();
    CHECK(server == r.model);
  }
  INFO(acked << " acknowledged ops, " << retries.load() << " retried calls");
  CHECK(acked > 500);
  CHECK(retries.load() > 0);  // the kills really interrupted clients
  std::string out;
  CHECK(f.StopCheckRestart(&out, SIGKILL) == 0);
  INFO(out);
}
