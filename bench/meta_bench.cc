// weft-meta-bench: metadata operations per second against a running weft-meta (loopback), through
// libweft's metadata client: over the metadata wire when weft-meta offers one, or with --grpc-only over
// gRPC. For each client count, every client (a thread with its own connections, session and directory) runs the
// phases in turn — create, stat (lookup), readdir (plus, 1024 per page), rename, unlink — and the phase's
// rate is the total operations divided by the wall time from the common start to the last client's end.
//
//   weft-meta-bench --meta 127.0.0.1:7400 --clients 1,16 --files 2000
#include <CLI/CLI.hpp>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <functional>
#include <sstream>
#include <thread>

#include "client/meta_client.h"
#include "common/flags.h"
#include "common/grpc_status.h"
#include "common/grpc_util.h"
#include "common/token.h"
#include "weft/admin.grpc.pb.h"
#include "weft/meta.grpc.pb.h"

namespace {

struct Options {
  std::string meta = "127.0.0.1:7400";
  std::vector<int> clients = {1, 16};
  int files = 2000;  // per client
  std::string tenant = "bench";
  std::string volume = "bench";
  std::string token;  // bearer token: the admin token (creates the tenant and volume)
  std::string tls_ca;  // TLS on: the CA of weft-meta's certificate
  bool grpc_only = false;  // every call over gRPC, even when weft-meta offers the metadata wire
  weft::TlsPtr tls;    // loaded from tls_ca (null = plain text)
};

using Clock = std::chrono::steady_clock;

void Die(const std::string& what, const weft::Status& s) {
  fprintf(stderr, "weft-meta-bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  exit(1);
}

template <typename Fn>
weft::Status Call(const std::string& token, Fn&& fn) {
  grpc::ClientContext ctx;
  weft::PrepareContext(&ctx, std::chrono::seconds(30), token);
  return weft::FromGrpc(fn(&ctx));
}

// One client: a session on the volume and a directory of its own.
class BenchClient {
 public:
  BenchClient(const Options& o, int id, int run)
      : mc_(o.meta, o.tls.get(), o.token, 30000, 30000), files_(o.files) {
    weft::MountRequest m;
    m.set_volume(o.volume);
    m.set_client("weft-meta-bench");
    weft::MountResponse mr;
    if (auto s = mc_.Call(&weft::Meta::Stub::Mount, m, &mr); !s.ok()) Die("mount", s);
    session_ = mr.session_id();
    mc_.set_session(session_);
    if (!o.grpc_only) mc_.wire().SetPort(static_cast<uint16_t>(mr.wire_port()));
    weft::MkdirRequest d;
    d.set_session_id(session_);
    d.set_parent(mr.root_ino());
    d.set_name("run" + std::to_string(run) + "-client" + std::to_string(id));
    d.set_mode(0755);
    weft::AttrResponse dr;
    if (auto s = mc_.Call(&weft::Meta::Stub::Mkdir, d, &dr, true); !s.ok()) Die("mkdir", s);
    dir_ = dr.attr().ino();
  }
  ~BenchClient() {
    weft::UnmountRequest u;
    u.set_session_id(session_);
    weft::UnmountResponse ur;
    (void)mc_.Call(&weft::Meta::Stub::Unmount, u, &ur);
  }

  // Renews the session (a real client does this every TTL/3).
  void Keepalive() {
    weft::KeepaliveRequest k;
    k.set_session_id(session_);
    weft::KeepaliveResponse kr;
    if (auto s = mc_.Call(&weft::Meta::Stub::Keepalive, k, &kr); !s.ok()) Die("keepalive", s);
  }

  std::string Name(int i, bool renamed) const { return (renamed ? "r" : "f") + std::to_string(i); }

  // Each phase returns the number of operations it made.
  uint64_t Create() {
    for (int i = 0; i < files_; ++i) {
      weft::CreateRequest q;
      Fill(&q);
      q.set_parent(dir_);
      q.set_name(Name(i, false));
      q.set_mode(0644);
      q.set_exclusive(true);
      weft::CreateResponse r;
      Check("create", mc_.Call(&weft::Meta::Stub::Create, q, &r, true));
    }
    return static_cast<uint64_t>(files_);
  }
  uint64_t Stat() {
    for (int i = 0; i < files_; ++i) {
      weft::LookupRequest q;
      q.set_session_id(session_);
      q.set_parent(dir_);
      q.set_name(Name(i, false));
      weft::AttrResponse r;
      Check("lookup", mc_.Call(&weft::Meta::Stub::Lookup, q, &r));
    }
    return static_cast<uint64_t>(files_);
  }
  uint64_t ReadDir() {
    uint64_t entries = 0;
    std::string cookie;
    for (;;) {
      weft::ReadDirRequest q;
      q.set_session_id(session_);
      q.set_ino(dir_);
      q.set_cookie(cookie);
      q.set_limit(1024);
      q.set_plus(true);
      weft::ReadDirResponse r;
      Check("readdir", mc_.Call(&weft::Meta::Stub::ReadDir, q, &r));
      entries += static_cast<uint64_t>(r.entries_size());
      if (r.eof()) break;
      cookie = r.next_cookie();
    }
    if (entries != static_cast<uint64_t>(files_)) Die("readdir", weft::Err(EIO, "{} entries, expected {}", entries, files_));
    return entries;
  }
  uint64_t Rename() {
    for (int i = 0; i < files_; ++i) {
      weft::RenameRequest q;
      Fill(&q);
      q.set_parent(dir_);
      q.set_name(Name(i, false));
      q.set_new_parent(dir_);
      q.set_new_name(Name(i, true));
      weft::RenameResponse r;
      Check("rename", mc_.Call(&weft::Meta::Stub::Rename, q, &r, true));
    }
    return static_cast<uint64_t>(files_);
  }
  uint64_t Unlink() {
    for (int i = 0; i < files_; ++i) {
      weft::UnlinkRequest q;
      Fill(&q);
      q.set_parent(dir_);
      q.set_name(Name(i, true));
      weft::UnlinkResponse r;
      Check("unlink", mc_.Call(&weft::Meta::Stub::Unlink, q, &r, true));
    }
    return static_cast<uint64_t>(files_);
  }

 private:
  template <typename Req>
  void Fill(Req* q) {
    q->set_session_id(session_);  // the request id: MetaClient's (mutating calls)
  }
  static void Check(const char* what, const weft::Status& s) {
    if (!s.ok()) Die(what, s);
  }

  weft::client::MetaClient mc_;  // libweft's: the metadata wire when weft-meta offers it, else gRPC
  const int files_;
  uint64_t session_ = 0;
  uint64_t dir_ = 0;
};

void EnsureVolume(const Options& o) {
  auto admin = weft::Admin::NewStub(weft::MakeChannel(o.meta, o.tls.get()));
  weft::CreateTenantRequest t;
  t.set_name(o.tenant);
  weft::Tenant tr;
  weft::Status s = Call(o.token, [&](auto* c) { return admin->CreateTenant(c, t, &tr); });
  if (!s.ok() && s.err() != EEXIST) Die("create tenant", s);
  weft::CreateVolumeRequest v;
  v.set_name(o.volume);
  v.set_tenant(o.tenant);
  v.set_class_name("large");
  v.set_access_mode(weft::ACCESS_SHARED);
  weft::Volume vr;
  s = Call(o.token, [&](auto* c) { return admin->CreateVolume(c, v, &vr); });
  if (!s.ok() && s.err() != EEXIST) Die("create volume", s);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"weft-meta-bench: metadata ops/s against a running weft-meta"};
  app.add_option("--meta", o.meta, "weft-meta gRPC address")->capture_default_str();
  app.add_option("--clients", o.clients, "client counts to run, e.g. 1,16")->delimiter(',')->capture_default_str();
  app.add_option("--files", o.files, "files per client")->capture_default_str();
  app.add_option("--tenant", o.tenant, "tenant (created if missing)")->capture_default_str();
  app.add_option("--volume", o.volume, "volume (created if missing, class large, shared)")->capture_default_str();
  std::string token_file;
  app.add_option("--token", o.token, "admin bearer token (or WEFT_TOKEN)")->envname("WEFT_TOKEN");
  app.add_option("--token-file", token_file, "read the admin token from this file");
  app.add_option("--tls-ca", o.tls_ca, "weft-meta runs TLS: its CA certificate (PEM)");
  app.add_flag("--grpc-only", o.grpc_only, "make every call over gRPC (default: the metadata wire when offered)");
  if (int rc = weft::ParseFlags(app, argc, argv); rc >= 0) return rc;
  auto tls = weft::Tls::Load(weft::TlsFiles{.ca_file = o.tls_ca}, /*server=*/false);
  if (!tls.ok()) Die("--tls-ca", tls.status());
  o.tls = std::move(*tls);
  if (!token_file.empty()) {
    auto t = weft::ReadTokenFile(token_file);
    if (!t.ok()) Die("--token-file", t.status());
    o.token = *t;
  }
  EnsureVolume(o);

  using Phase = std::pair<const char*, std::function<uint64_t(BenchClient&)>>;
  const std::vector<Phase> phases = {{"create", &BenchClient::Create}, {"stat", &BenchClient::Stat},
                                     {"readdir", &BenchClient::ReadDir}, {"rename", &BenchClient::Rename},
                                     {"unlink", &BenchClient::Unlink}};
  printf("%-8s %8s %10s %12s %10s\n", "clients", "phase", "ops", "ops/s", "seconds");
  int run = 0;
  for (int n : o.clients) {
    ++run;
    std::vector<std::unique_ptr<BenchClient>> clients;
    for (int i = 0; i < n; ++i) clients.push_back(std::make_unique<BenchClient>(o, i, run));
    std::atomic<bool> done{false};
    std::thread keepalive([&] {
      while (!done.load()) {
        for (auto& c : clients) c->Keepalive();
        for (int i = 0; i < 50 && !done.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
    for (const auto& [name, fn] : phases) {
      std::atomic<uint64_t> ops{0};
      std::barrier sync(n + 1);
      std::vector<std::thread> threads;
      for (int i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
          sync.arrive_and_wait();
          ops += fn(*clients[static_cast<size_t>(i)]);
        });
      }
      auto start = Clock::now();
      sync.arrive_and_wait();
      for (auto& t : threads) t.join();
      double secs = std::chrono::duration<double>(Clock::now() - start).count();
      printf("%-8d %8s %10llu %12.0f %10.3f\n", n, name, static_cast<unsigned long long>(ops.load()),
             static_cast<double>(ops.load()) / secs, secs);
      fflush(stdout);
    }
    done = true;
    keepalive.join();
  }
  return 0;
}
