// The randomized model test: several clients (threads, each with its own session and uid) run thousands
// of random namespace operations over gRPC against a real weft-meta — in private directories and in a
// shared one where they race on the same names. Every result is then checked against ModelFs:
//   - successful mutations carry the op's unique sequencer timestamp (the ctime they set); sorted by it
//     they are the server's serialization order, and replaying them on the model must succeed with the
//     same attributes;
//   - failed mutations, no-op successes and reads must match the model in at least one state their
//     time window allows (the states between the successes that surround it);
// and finally the whole tree read back from the server must equal the model's.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <random>
#include <set>
#include <thread>

#include "common/clock.h"
#include "test/meta/support/grpc_fixture.h"
#include "test/meta/support/model_fs.h"

using namespace weft;
using namespace weft::meta::test;

namespace {

constexpr int kClients = 4;
constexpr int kOpsPerClient = 750;
constexpr uint32_t kGroup = 100;
const std::vector<std::string> kNames = {"a", "b", "c", "d", "e", "f"};

struct Event {
  int client = 0;
  int64_t t_inv = 0, t_resp = 0;
  ModelOp op;
  int err = 0;
  Attr attr;  // the op's reported inode (see ResultAttr)
  uint64_t replaced = 0;
  int64_t stamp = 0;  // ordered mutations: their timestamp
  size_t lo = 0, hi = 0;
};

int64_t Ns(const Timespec& t) { return t.sec() * 1'000'000'000 + t.nsec(); }

class Runner {
 public:
  Runner(TestClient client, int id, uint64_t priv, uint64_t shared, uint32_t seed)
      : c_(std::move(client)), id_(id), rng_(seed) {
    dirs_ = {priv, shared};
    inos_ = {priv, shared};
    c_.caller = User(1000 + static_cast<uint32_t>(id), kGroup);
  }

  std::vector<Event> Run() {
    std::vector<Event> out;
    for (int i = 0; i < kOpsPerClient; ++i) out.push_back(One());
    return out;
  }

 private:
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng_)];
  }
  int Roll(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  Event One() {
    Event e;
    e.client = id_;
    ModelOp& op = e.op;
    op.uid = c_.caller.uid();
    op.gid = c_.caller.gid();
    op.parent = Pick(dirs_);
    op.new_parent = Pick(dirs_);
    op.ino = Pick(inos_);
    op.name = Pick(kNames);
    op.new_name = Pick(kNames);
    int r = Roll(100);
    op.kind = r < 15 ? ModelOp::kCreate : r < 27 ? ModelOp::kMkdir : r < 31 ? ModelOp::kSymlink
            : r < 38 ? ModelOp::kLink : r < 50 ? ModelOp::kUnlink : r < 58 ? ModelOp::kRmdir
            : r < 76 ? ModelOp::kRename : r < 82 ? ModelOp::kChmod : r < 87 ? ModelOp::kTruncate
            : r < 97 ? ModelOp::kLookup : ModelOp::kGetAttr;
    switch (op.kind) {
      case ModelOp::kCreate: op.mode = Pick(std::vector<uint32_t>{0666, 0644, 0600}); break;
      case ModelOp::kMkdir: op.mode = Pick(std::vector<uint32_t>{0777, 01777, 0755}); break;
      case ModelOp::kSymlink: op.target = std::string(static_cast<size_t>(1 + Roll(20)), 't'); break;
      case ModelOp::kRename: op.flags = Pick(std::vector<uint32_t>{0, 0, 0, 0, 1, 2}); break;
      case ModelOp::kChmod: op.mode = Pick(std::vector<uint32_t>{0777, 01777, 0755, 0666, 0644, 0600}); break;
      case ModelOp::kTruncate: op.size = static_cast<uint64_t>(Roll(5000)); break;
      default: break;
    }
    e.t_inv = NowUnixNs();
    Status s = Call(op, &e);
    e.t_resp = NowUnixNs();
    e.err = s.err();
    if (s.ok()) Learn(e);
    return e;
  }

  Status Call(const ModelOp& op, Event* e) {
    auto take = [e](const auto& r) -> Status {
      if (r.ok()) e->attr = *r;
      return r.status();
    };
    switch (op.kind) {
      case ModelOp::kCreate: return take(c_.Create(op.parent, op.name, op.mode, Roll(2) == 0));
      case ModelOp::kMkdir: return take(c_.Mkdir(op.parent, op.name, op.mode));
      case ModelOp::kSymlink: return take(c_.Symlink(op.parent, op.name, op.target));
      case ModelOp::kLink: return take(c_.Link(op.ino, op.new_parent, op.new_name));
      case ModelOp::kUnlink: {
        auto r = c_.Unlink(op.parent, op.name);
        if (r.ok()) e->attr = r->attr();
        return r.status();
      }
      case ModelOp::kRmdir: {
        auto r = c_.Rmdir(op.parent, op.name);
        if (r.ok()) e->attr = r->parent();
        return r.status();
      }
      case ModelOp::kRename: {
        auto r = c_.Rename(op.parent, op.name, op.new_parent, op.new_name, op.flags);
        if (r.ok()) {
          e->attr = r->moved();
          e->replaced = r->replaced().ino();
        }
        return r.status();
      }
      case ModelOp::kChmod: return take(c_.Chmod(op.ino, op.mode));
      case ModelOp::kTruncate: return take(c_.Truncate(op.ino, op.size));
      case ModelOp::kLookup: return take(c_.Lookup(op.parent, op.name));
      case ModelOp::kGetAttr: return take(c_.GetAttr(op.ino));
    }
    return Status::Ok();
  }

  void Learn(const Event& e) {
    const Attr& a = e.attr;
    if (e.op.kind == ModelOp::kRmdir || a.ino() == 0) return;
    if (std::find(inos_.begin(), inos_.end(), a.ino()) == inos_.end()) inos_.push_back(a.ino());
    if (S_ISDIR(a.mode()) && std::find(dirs_.begin(), dirs_.end(), a.ino()) == dirs_.end()) dirs_.push_back(a.ino());
  }

  TestClient c_;
  const int id_;
  std::mt19937 rng_;
  std::vector<uint64_t> dirs_, inos_;
};

bool SameNode(const Attr& a, const ModelNode& n, bool check_ino) {
  return (!check_ino || a.ino() == n.ino) && a.mode() == n.mode && a.uid() == n.uid && a.gid() == n.gid &&
         a.nlink() == n.nlink && a.size() == n.size;
}

std::string Show(const Attr& a) {
  return fmt::format("ino {} mode {:o} uid {} gid {} nlink {} size {}", a.ino(), a.mode(), a.uid(), a.gid(), a.nlink(), a.size());
}
std::string Show(const ModelNode& n) {
  return fmt::format("ino {} mode {:o} uid {} gid {} nlink {} size {}", n.ino, n.mode, n.uid, n.gid, n.nlink, n.size);
}

bool Matches(const Event& e, const ModelResult& r) {
  if (r.err != e.err) return false;
  if (e.err != 0) return true;
  bool creates = e.op.kind == ModelOp::kCreate || e.op.kind == ModelOp::kMkdir || e.op.kind == ModelOp::kSymlink;
  if (e.op.kind == ModelOp::kRename && e.replaced != r.replaced) return false;
  return SameNode(e.attr, r.node, !creates);
}

// Walks the server's tree from dir and compares it with the model, entry by entry.
void CompareTree(TestClient& c, const ModelFs& model, uint64_t dir, const std::string& path, std::set<uint64_t>* visited,
                 std::vector<std::string>* diffs) {
  const ModelNode& m = model.nodes().at(dir);
  std::map<std::string, DirEntry> server;
  std::string cookie;
  for (;;) {
    auto page = c.ReadDir(dir, cookie, 0, true);
    REQUIRE(page.ok());
    for (const auto& e : page->entries()) server[e.name()] = e;
    if (page->eof()) break;
    cookie = page->next_cookie();
  }
  for (const auto& [name, e] : server) {
    if (!m.entries.count(name)) diffs->push_back(path + "/" + name + ": on the server only");
  }
  for (const auto& [name, ino] : m.entries) {
    auto it = server.find(name);
    if (it == server.end()) {
      diffs->push_back(path + "/" + name + ": in the model only");
      continue;
    }
    const ModelNode& child = model.nodes().at(ino);
    visited->insert(ino);
    if (!SameNode(it->second.attr(), child, true)) {
      diffs->push_back(path + "/" + name + ": server " + Show(it->second.attr()) + ", model " + Show(child));
    }
    if (S_ISDIR(child.mode)) CompareTree(c, model, ino, path + "/" + name, visited, diffs);
  }
}

}  // namespace

TEST_CASE("random namespace operations from concurrent clients match the reference model", "[meta][model][integration]") {
  GrpcFixture f;
  // Shared anchor directories, world-writable, owned by root.
  auto shared = f.c.Mkdir(f.c.root, "shared", 0777);
  REQUIRE(shared.ok());
  REQUIRE(f.c.Chmod(f.c.root, 0777).ok());
  std::vector<uint64_t> priv;
  for (int i = 0; i < kClients; ++i) {
    auto p = f.c.Mkdir(f.c.root, "client" + std::to_string(i), 0777);
    REQUIRE(p.ok());
    priv.push_back(p->ino());
  }
  ModelFs model;
  model.AddRoot(*f.c.GetAttr(f.c.root));
  {
    ModelOp mk;
    mk.kind = ModelOp::kMkdir;
    mk.parent = f.c.root;
    mk.mode = 0777;
    mk.name = "shared";
    REQUIRE(model.Run(mk, true, shared->ino()).err == 0);
    for (int i = 0; i < kClients; ++i) {
      mk.name = "client" + std::to_string(i);
      REQUIRE(model.Run(mk, true, priv[static_cast<size_t>(i)]).err == 0);
    }
  }

  // Run.
  std::vector<std::vector<Event>> per_client(kClients);
  std::vector<std::thread> threads;
  const uint32_t seed = std::random_device()();
  INFO("seed " << seed);
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      auto c = f.NewClient();
      REQUIRE(c.MountVolume("v").ok());
      Runner r(c, i, priv[static_cast<size_t>(i)], shared->ino(), seed + static_cast<uint32_t>(i));
      per_client[static_cast<size_t>(i)] = r.Run();
    });
  }
  for (auto& t : threads) t.join();

  // Split: ordered successes (their timestamp inside their window) and window-checked events.
  std::vector<Event> ordered, windowed;
  size_t total = 0;
  for (auto& evs : per_client) {
    for (auto& e : evs) {
      ++total;
      int64_t stamp = e.err == 0 ? Ns(e.attr.ctime()) : 0;
      if (e.op.Mutates() && e.err == 0 && stamp >= e.t_inv && stamp <= e.t_resp) {
        e.stamp = stamp;
        ordered.push_back(e);
      } else {
        windowed.push_back(e);
      }
    }
  }
  std::sort(ordered.begin(), ordered.end(), [](const Event& a, const Event& b) { return a.stamp < b.stamp; });
  // A rename onto another link of the same inode succeeds as a no-op and returns the inode's ctime as
  // it was: when a concurrent op set that ctime inside the rename's window, both carry one stamp. The
  // stamp is the other op's; such renames are checked in their window instead (as no-ops).
  for (size_t i = 0; i < ordered.size();) {
    size_t j = i;
    while (j < ordered.size() && ordered[j].stamp == ordered[i].stamp) ++j;
    if (j - i > 1) {
      for (size_t k = i; k < j; ++k) {
        if (ordered[k].op.kind == ModelOp::kRename && j - i > 1) {
          windowed.push_back(ordered[k]);
          ordered.erase(ordered.begin() + static_cast<std::ptrdiff_t>(k));
          --j;
          --k;
        }
      }
    }
    i = j;
  }
  for (size_t i = 1; i < ordered.size(); ++i) REQUIRE(ordered[i].stamp > ordered[i - 1].stamp);
  std::vector<int64_t> stamps;
  for (const auto& e : ordered) stamps.push_back(e.stamp);
  auto count_le = [&](int64_t t) {
    return static_cast<size_t>(std::upper_bound(stamps.begin(), stamps.end(), t) - stamps.begin());
  };
  for (auto& e : windowed) {
    if (e.op.Mutates()) {
      e.lo = count_le(e.t_inv);
    } else {
      e.lo = 0;  // reads see at least every op whose reply arrived before they were sent
      for (size_t i = 0; i < ordered.size(); ++i) {
        if (ordered[i].t_resp < e.t_inv) e.lo = std::max(e.lo, i + 1);
      }
    }
    e.hi = std::max(e.lo, count_le(e.t_resp));
  }
  std::sort(windowed.begin(), windowed.end(), [](const Event& a, const Event& b) { return a.lo < b.lo; });

  // Replay.
  std::vector<std::string> violations;
  std::vector<const Event*> pending;
  std::map<const Event*, ModelResult> last_seen;
  size_t next = 0, failures = 0, noops = 0;
  for (size_t k = 0; k <= ordered.size(); ++k) {
    while (next < windowed.size() && windowed[next].lo == k) pending.push_back(&windowed[next++]);
    for (auto it = pending.begin(); it != pending.end();) {
      const Event& e = **it;
      ModelResult r = model.Run(e.op, false);
      if (Matches(e, r)) {
        if (e.err != 0) ++failures;
        else if (e.op.Mutates()) ++noops;
        it = pending.erase(it);
        continue;
      }
      last_seen[&e] = r;
      if (e.hi <= k) {
        violations.push_back(fmt::format("client {} {} got errno {} ({}), model says errno {} ({}) in states {}..{}",
                                         e.client, e.op.Describe(), e.err, e.err ? "" : Show(e.attr), r.err,
                                         r.err ? "" : Show(r.node), e.lo, e.hi));
        it = pending.erase(it);
        continue;
      }
      ++it;
    }
    if (k == ordered.size()) break;
    const Event& e = ordered[k];
    ModelResult r = model.Run(e.op, true, e.attr.ino());
    if (!Matches(e, r) || r.noop) {
      violations.push_back(fmt::format("step {}: client {} {} succeeded on the server ({}), model: errno {} ({})", k,
                                       e.client, e.op.Describe(), Show(e.attr), r.err, r.err ? "" : Show(r.node)));
      break;  // the model diverged: later steps would only repeat it
    }
  }
  INFO(total << " ops: " << ordered.size() << " ordered mutations, " << failures << " matched errors, " << noops
             << " no-ops, " << violations.size() << " violations");
  for (size_t i = 0; i < std::min<size_t>(violations.size(), 20); ++i) UNSCOPED_INFO(violations[i]);
  CHECK(violations.empty());
  CHECK(total == kClients * kOpsPerClient);
  CHECK(ordered.size() > 500);  // the run did real work
  CHECK(failures > 300);        // and hit real errors

  // The whole tree, read back, equals the model; and the store is consistent.
  std::vector<std::string> diffs;
  std::set<uint64_t> visited;
  auto root = f.NewClient();
  REQUIRE(root.MountVolume("v").ok());
  CompareTree(root, model, f.c.root, "", &visited, &diffs);
  for (size_t i = 0; i < std::min<size_t>(diffs.size(), 20); ++i) UNSCOPED_INFO(diffs[i]);
  CHECK(diffs.empty());
  CHECK(visited.size() + 1 == model.nodes().size());  // every model inode is reachable from the root
  std::string out;
  CHECK(f.StopCheckRestart(&out) == 0);
  INFO(out);
}
