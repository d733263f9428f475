// libweft against a real cluster: the data path without FUSE.
#include <catch2/catch.hpp>
#include <fcntl.h>

#include <random>
#include <thread>

#include "client/client_impl.h"
#include "common/cluster_key.h"
#include "common/grpc_util.h"
#include "test/fixture/cluster.h"
#include "test/fixture/status_util.h"
#include "weft/client.h"
#include "weft/cluster.grpc.pb.h"

using namespace weft;
using weft::test::ClusterOptions;
using weft::test::TestCluster;

namespace {

std::string Random(size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::unique_ptr<Client> Connect(TestCluster& c, const std::string& volume = "v") {
  ClientOptions o;
  o.meta_address = c.meta_address();
  o.tls_ca_file = c.tls_ca_file();
  o.token = c.admin_token();
  o.volume = volume;
  o.retry_window_ms = 30000;
  auto cl = Client::Connect(o);
  REQUIRE(cl.ok());
  return std::move(*cl);
}

struct Env {
  explicit Env(ClusterOptions o = {}) : cluster(o) {
    cluster.CreateTenant("t");
    cluster.CreateVolume("v", "t");
    client = Connect(cluster);
  }
  TestCluster cluster;
  std::unique_ptr<Client> client;
};

FileHandle* CreateFile(Client& c, const std::string& name) {
  auto r = c.Create(RootCaller(), c.root_ino(), name, 0644, 0, O_RDWR, true, true);
  REQUIRE_OK(r);
  return r->handle;
}

std::string ReadAll(Client& c, const std::string& name) {
  auto a = c.Lookup(RootCaller(), c.root_ino(), name);
  REQUIRE(a.ok());
  auto fh = c.Open(RootCaller(), a->ino(), O_RDONLY);
  REQUIRE(fh.ok());
  std::string out(a->size(), '\0');
  size_t done = 0;
  while (done < out.size()) {
    auto n = c.Read(*fh, done, std::min<size_t>(out.size() - done, 1 << 20), out.data() + done);
    REQUIRE(n.ok());
    if (*n == 0) break;
    done += *n;
  }
  out.resize(done);
  REQUIRE_OK(c.Close(*fh));
  return out;
}

// The number of chunks chunk server i holds (ChunkControl.Stats, with the cluster's credential).
uint64_t ChunksOn(TestCluster& c, int i) {
  auto key = ClusterKey::Load(c.cluster_key_file());
  REQUIRE_OK(key);
  auto stub = ChunkControl::NewStub(MakeChannel(c.chunk(i).control_address, c.tls()));
  grpc::ClientContext ctx;
  PrepareContext(&ctx, std::chrono::seconds(5));
  key->Attach(&ctx);
  ChunkStatsResponse resp;
  grpc::Status s = stub->Stats(&ctx, ChunkStatsRequest(), &resp);
  REQUIRE(s.ok());
  return resp.chunks();
}

// Polls until chunk server i holds `want` chunks; false after timeout_ms.
bool WaitChunks(TestCluster& c, int i, uint64_t want, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 100) {
    if (ChunksOn(c, i) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return ChunksOn(c, i) == want;
}

}  // namespace

TEST_CASE("connecting to a volume that does not exist fails with ENOENT", "[client][integration]") {
  TestCluster c(ClusterOptions{.chunk_servers = 0});
  ClientOptions o;
  o.meta_address = c.meta_address();
  o.tls_ca_file = c.tls_ca_file();
  o.token = c.admin_token();
  o.volume = "missing";
  auto cl = Client::Connect(o);
  REQUIRE(!cl.ok());
  CHECK(cl.status().err() == ENOENT);
}

TEST_CASE("an unreachable metadata service fails the connect within the retry window", "[client][integration]") {
  ClientOptions o;
  o.meta_address = "127.0.0.1:1";
  o.volume = "v";
  o.rpc_timeout_ms = 500;
  o.retry_window_ms = 1500;
  auto start = std::chrono::steady_clock::now();
  auto cl = Client::Connect(o);
  REQUIRE(!cl.ok());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("small writes are buffered into chunk writes and read back exactly", "[client][integration]") {
  Env e;
  FileHandle* fh = CreateFile(*e.client, "f");
  std::string data = Random(9 * 1024 * 1024 + 123, 1);
  for (size_t off = 0; off < data.size(); off += 4096) {
    size_t n = std::min<size_t>(4096, data.size() - off);
    REQUIRE_OK(e.client->Write(fh, off, data.data() + off, n));
  }
  REQUIRE_OK(e.client->Close(fh));
  CHECK(ReadAll(*e.client, "f") == data);
  // Another client sees the closed file (close-to-open).
  auto other = Connect(e.cluster);
  CHECK(ReadAll(*other, "f") == data);
}

TEST_CASE("truncation across chunk boundaries removes old bytes for good", "[client][integration]") {
  Env e;
  FileHandle* fh = CreateFile(*e.client, "f");
  std::string data = Random(10 << 20, 2);
  REQUIRE_OK(e.client->Write(fh, 0, data.data(), data.size()));
  REQUIRE_OK(e.client->Close(fh));
  auto a = e.client->Lookup(RootCaller(), e.client->root_ino(), "f");
  REQUIRE(a.ok());
  SetAttrRequest sa;
  sa.set_ino(a->ino());
  sa.set_mask(SETATTR_SIZE);
  sa.set_size(5 * 1024 * 1024 + 7);
  REQUIRE_OK(e.client->SetAttr(RootCaller(), sa));
  sa.set_size(10 << 20);
  REQUIRE_OK(e.client->SetAttr(RootCaller(), sa));
  std::string want = data.substr(0, 5 * 1024 * 1024 + 7);
  want.resize(10 << 20, '\0');
  CHECK(ReadAll(*e.client, "f") == want);
}

TEST_CASE("writes continue when a chunk server is killed mid-stream", "[client][integration]") {
  ClusterOptions o;
  o.meta_args = {"--server-timeout-ms", "2000"};
  Env e(o);
  FileHandle* fh = CreateFile(*e.client, "f");
  std::string data = Random(32 << 20, 3);
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    e.cluster.StopChunk(1, SIGKILL);
  });
  Status s;
  for (size_t off = 0; off < data.size() && s.ok(); off += 1 << 20) {
    s = e.client->Write(fh, off, data.data() + off, 1 << 20);
  }
  killer.join();
  REQUIRE_OK(s);
  REQUIRE_OK(e.client->Fsync(fh));
  REQUIRE_OK(e.client->Close(fh));
  CHECK(ReadAll(*e.client, "f") == data);
}

TEST_CASE("random reads from six threads return exact bytes across a chunk server restart", "[client][integration]") {
  ClusterOptions o;
  o.meta_args = {"--server-timeout-ms", "2000"};
  Env e(o);
  std::string data = Random(12 << 20, 4);
  FileHandle* w = CreateFile(*e.client, "f");
  REQUIRE_OK(e.client->Write(w, 0, data.data(), data.size()));
  REQUIRE_OK(e.client->Close(w));
  ClientOptions co;
  co.meta_address = e.cluster.meta_address();
  co.tls_ca_file = e.cluster.tls_ca_file();
  co.token = e.cluster.admin_token();
  co.volume = "v";
  co.retry_window_ms = 30000;
  auto reader = Client::Connect(co);
  REQUIRE(reader.ok());
  auto a = (*reader)->Lookup(RootCaller(), (*reader)->root_ino(), "f");
  REQUIRE_OK(a);
  std::atomic<int> bad{0}, failed{0};
  auto read_some = [&](unsigned seed) {
    auto fh = (*reader)->Open(RootCaller(), a->ino(), O_RDONLY);
    if (!fh.ok()) {
      ++failed;
      return;
    }
    std::mt19937_64 rng(seed);
    std::string buf;
    for (int i = 0; i < 150; ++i) {
      // Unaligned, never following the previous read (no readahead), sometimes across a chunk boundary.
      size_t len = 1 + rng() % 20000;
      uint64_t off = rng() % (data.size() - len);
      buf.assign(len, '\0');
      auto n = (*reader)->Read(*fh, off, len, buf.data());
      if (!n.ok() || *n != len) ++failed;
      else if (buf != data.substr(off, len)) ++bad;
    }
    if (!(*reader)->Close(*fh).ok()) ++failed;
  };
  auto run_readers = [&](unsigned round) {
    std::vector<std::thread> ts;
    for (unsigned t = 0; t < 6; ++t) ts.emplace_back(read_some, round * 10 + t);
    for (auto& t : ts) t.join();
  };
  run_readers(1);
  // The client now holds idle connections to every server; one server goes away under them and
  // comes back: reads move to the other replicas, then reconnect.
  e.cluster.StopChunk(1, SIGKILL);
  run_readers(2);
  e.cluster.StartChunk(1);
  run_readers(3);
  CHECK(failed == 0);
  CHECK(bad == 0);
}

TEST_CASE("reads through one handle see the unflushed writes of another wherever they overlap",
          "[client][integration]") {
  Env e;
  // Two handles of one file, writes and reads mixed at random offsets (some sequential runs, some across
  // the 4 MiB chunk boundary): every read must return what a local file would.
  FileHandle* a = CreateFile(*e.client, "f");
  auto attr = e.client->Lookup(RootCaller(), e.client->root_ino(), "f");
  REQUIRE_OK(attr);
  auto b = e.client->Open(RootCaller(), attr->ino(), O_RDWR);
  REQUIRE_OK(b);
  const size_t span = 10 << 20;
  std::string model = Random(span, 5);
  REQUIRE_OK(e.client->Write(a, 0, model.data(), model.size()));
  REQUIRE_OK(e.client->Fsync(a));
  std::string buf;
  {
    // A sequential reader fetches ahead of itself: a write waiting in the other handle's buffer inside
    // that window, not in the range read, must still show when the reader gets there.
    std::string x = Random(5000, 7);
    REQUIRE_OK(e.client->Write(a, (1 << 20) + 100, x.data(), x.size()));
    model.replace((1 << 20) + 100, x.size(), x);
    for (uint64_t off = 0; off < (3u << 20); off += 128 << 10) {
      buf.assign(128 << 10, '\0');
      auto n = e.client->Read(*b, off, buf.size(), buf.data());
      REQUIRE_OK(n);
      REQUIRE(*n == buf.size());
      REQUIRE(buf == model.substr(off, buf.size()));
    }
  }
  std::mt19937_64 rng(6);
  uint64_t next_seq = 0;
  int mismatches = 0;
  for (int i = 0; i < 600; ++i) {
    FileHandle* h = rng() % 2 ? a : *b;
    size_t len = 1 + rng() % 70000;
    uint64_t off = rng() % 8 == 0 ? next_seq : rng() % (span - len);
    if (off + len > span) off = span - len;
    if (rng() % 3 == 0) {
      std::string data = Random(len, static_cast<unsigned>(i));
      REQUIRE_OK(e.client->Write(h, off, data.data(), len));
      model.replace(off, len, data);
    } else {
      buf.assign(len, '\0');
      auto n = e.client->Read(h, off, len, buf.data());
      REQUIRE_OK(n);
      REQUIRE(*n == len);
      if (buf != model.substr(off, len)) ++mismatches;
      next_seq = off + len;
    }
  }
  CHECK(mismatches == 0);
  REQUIRE_OK(e.client->Close(a));
  REQUIRE_OK(e.client->Close(*b));
  CHECK(ReadAll(*e.client, "f") == model);
}

TEST_CASE("readahead: reads out of order keep the window, and a block short of a file that grew is read again",
          "[client][integration]") {
  Env e;
  FileHandle* a = CreateFile(*e.client, "f");
  std::string model = Random(300 << 10, 3);
  REQUIRE_OK(e.client->Write(a, 0, model.data(), model.size()));
  REQUIRE_OK(e.client->Fsync(a));
  auto attr = e.client->Lookup(RootCaller(), e.client->root_ino(), "f");
  REQUIRE_OK(attr);
  auto b = e.client->Open(RootCaller(), attr->ino(), O_RDONLY);
  REQUIRE_OK(b);
  auto read = [&](uint64_t off, size_t len) {
    std::string buf(len, '\0');
    auto n = e.client->Read(*b, off, len, buf.data());
    REQUIRE_OK(n);
    buf.resize(*n);
    return buf;
  };
  // From 0: the block about it is read ahead, holding all 300 KiB of the file.
  CHECK(read(0, 64 << 10) == model.substr(0, 64 << 10));
  // The next two out of order, as two FUSE workers may pass on the kernel's readahead requests.
  CHECK(read(192 << 10, 64 << 10) == model.substr(192 << 10, 64 << 10));
  CHECK(read(128 << 10, 64 << 10) == model.substr(128 << 10, 64 << 10));
  // The file grows past the block's end by a write that does not touch the block (a hole between).
  const std::string x = Random(100 << 10, 4);
  REQUIRE_OK(e.client->Write(a, 500 << 10, x.data(), x.size()));
  REQUIRE_OK(e.client->Fsync(a));
  model.resize(500 << 10, '\0');
  model += x;
  // A read from inside the block across its old end is whole: the hole as zeros, then the write.
  const std::string got = read(256 << 10, 400 << 10);
  CHECK(got.size() == model.size() - (256 << 10));
  CHECK(got == model.substr(256 << 10));
  REQUIRE_OK(e.client->Close(a));
  REQUIRE_OK(e.client->Close(*b));
}

TEST_CASE("namespace calls ride out a metadata service restart", "[client][integration]") {
  Env e(ClusterOptions{.chunk_servers = 3});
  REQUIRE_OK(e.client->Mkdir(RootCaller(), e.client->root_ino(), "before", 0755, 0));
  e.cluster.RestartMeta(SIGKILL);
  CHECK_OK(e.client->Mkdir(RootCaller(), e.client->root_ino(), "after", 0755, 0));
  CHECK_OK(e.client->Lookup(RootCaller(), e.client->root_ino(), "before"));
}

TEST_CASE("fsync and SyncNamespace make acknowledged namespace changes durable with one sync when needed",
          "[client][integration]") {
  // The background sync is 10 s away: every sync the counters show below is one the client asked for.
  Env e(ClusterOptions{.chunk_servers = 0, .meta_args = {"--sync-interval-ms", "10000"}});
  Client& c = *e.client;
  REQUIRE_OK(c.Close(CreateFile(c, "warm-up")));  // takes the first block of handle ids (a synced commit)
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the batched close goes out
  const ClusterStatusResponse s0 = e.cluster.ClusterStatus();
  REQUIRE_OK(c.Mkdir(RootCaller(), c.root_ino(), "d", 0755, 0));
  FileHandle* fh = CreateFile(c, "f");
  const ClusterStatusResponse s1 = e.cluster.ClusterStatus();
  CHECK(s1.meta_commits() >= s0.meta_commits() + 2);
  CHECK(s1.meta_synced_commits() == s0.meta_synced_commits());  // acknowledged before any sync
  CHECK(s1.meta_requested_syncs() == s0.meta_requested_syncs());
  REQUIRE_OK(c.Fsync(fh));  // nothing written: the create and the mkdir still need the sync
  CHECK(e.cluster.ClusterStatus().meta_requested_syncs() == s0.meta_requested_syncs() + 1);
  REQUIRE_OK(c.Fsync(fh));  // nothing new since
  REQUIRE_OK(c.SyncNamespace());
  CHECK(e.cluster.ClusterStatus().meta_requested_syncs() == s0.meta_requested_syncs() + 1);
  auto d = c.Lookup(RootCaller(), c.root_ino(), "d");
  REQUIRE_OK(d);
  REQUIRE_OK(c.Rename(RootCaller(), c.root_ino(), "f", d->ino(), "g", 0));
  REQUIRE_OK(c.SyncNamespace());  // fsyncdir
  CHECK(e.cluster.ClusterStatus().meta_requested_syncs() == s0.meta_requested_syncs() + 2);
  REQUIRE_OK(c.Close(fh));
}

TEST_CASE("a file kept open past its capability's lifetime keeps working (renewal)", "[client][integration][security]") {
  ClusterOptions o;
  // Capabilities live 2 s and chunk servers allow no skew: without renewal the later writes, reads and
  // the ftruncate fail with EACCES. (The renewed capability has 1 s left at least when it is used, room
  // for a write's trip down the chain on a loaded machine.)
  o.meta_args = {"--capability-ttl-ms", "2000"};
  o.chunk_args = {"--capability-skew-ms", "0"};
  Env e(o);
  FileHandle* fh = CreateFile(*e.client, "f");
  std::string a = Random(300000, 7), b = Random(200000, 8);
  REQUIRE_OK(e.client->Write(fh, 0, a.data(), a.size()));
  REQUIRE_OK(e.client->Fsync(fh));
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  REQUIRE_OK(e.client->Write(fh, a.size(), b.data(), b.size()));
  REQUIRE_OK(e.client->Fsync(fh));
  std::string got(a.size() + b.size(), '\0');
  auto n = e.client->Read(fh, 0, got.size(), got.data());
  REQUIRE_OK(n);
  CHECK(got == a + b);
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  SetAttrRequest sa;
  sa.set_ino(e.client->HandleIno(fh));
  sa.set_mask(SETATTR_SIZE);
  sa.set_size(1000);
  REQUIRE_OK(e.client->SetAttr(RootCaller(), sa, fh));  // ftruncate: the handle's renewed capability
  REQUIRE_OK(e.client->Close(fh));
  CHECK(ReadAll(*e.client, "f") == a.substr(0, 1000));

  // Truncation by path: weft-meta issues a write capability only to a caller who may write.
  Caller other;
  other.set_uid(4321);
  other.set_gid(4321);
  sa.set_size(10);
  auto refused = e.client->SetAttr(other, sa);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().err() == EACCES);
  REQUIRE_OK(e.client->SetAttr(RootCaller(), sa));
  CHECK(ReadAll(*e.client, "f") == a.substr(0, 10));
}

TEST_CASE("batched closes: an unlink right after a close frees the file at once and a grant refused for "
          "space a queued close still holds succeeds",
          "[client][integration][quota]") {
  ClusterOptions co;
  co.meta_args = {"--grant-increment", "1048576"};
  TestCluster cluster(co);
  cluster.CreateTenant("t");
  test::VolumeSpec spec;
  spec.quota_bytes = 4ull << 20;
  cluster.CreateVolume("v", "t", spec);
  ClientOptions o;
  o.meta_address = cluster.meta_address();
  o.tls_ca_file = cluster.tls_ca_file();
  o.token = cluster.admin_token();
  o.volume = "v";
  o.close_batch_ms = 600000;  // closes stay queued until something sends them
  auto batched = Client::Connect(o);
  REQUIRE_OK(batched);
  Client& c = **batched;
  auto other = Connect(cluster);  // no queued closes of its own: sees what weft-meta holds

  // A file of 2 MiB, closed (queued), then unlinked: the unlink sends the close first, so the space
  // is free as soon as the unlink returns.
  FileHandle* f = CreateFile(c, "big");
  std::string two = Random(2 << 20, 5);
  REQUIRE_OK(c.Write(f, 0, two.data(), two.size()));
  REQUIRE_OK(c.Close(f));
  auto before = other->StatFs();
  REQUIRE_OK(before);
  CHECK(before->free_bytes() <= (2ull << 20));
  REQUIRE_OK(c.Unlink(RootCaller(), c.root_ino(), "big"));
  auto after = other->StatFs();
  REQUIRE_OK(after);
  CHECK(after->free_bytes() == (4ull << 20));

  // One byte reserves a whole 1 MiB grant, held until the close lands. 3.5 MiB more fit the quota only
  // once that close went out: the refused grant sends the queued closes and asks again.
  FileHandle* small = CreateFile(c, "small");
  REQUIRE_OK(c.Write(small, 0, "x", 1));
  REQUIRE_OK(c.Close(small));
  FileHandle* g = CreateFile(c, "g");
  std::string data = Random((3u << 20) + (512u << 10), 6);
  REQUIRE_OK(c.Write(g, 0, data.data(), data.size()));
  REQUIRE_OK(c.Close(g));
  CHECK(ReadAll(*other, "g") == data);
  CHECK(ReadAll(*other, "small") == "x");
}

TEST_CASE("the chunks of many unlinked files leave every replica, and a server that was down gets its share later",
          "[client][integration][gc]") {
  ClusterOptions o;
  o.meta_args = {"--server-timeout-ms", "60000"};  // server 1 stays in its chains while it is down
  Env e(o);
  constexpr int kFiles = 300;
  std::string data = Random(3000, 9);
  for (int i = 0; i < kFiles; ++i) {
    FileHandle* f = CreateFile(*e.client, "f" + std::to_string(i));
    REQUIRE_OK(e.client->Write(f, 0, data.data(), data.size()));
    REQUIRE_OK(e.client->Close(f));
  }
  FileHandle* keep = CreateFile(*e.client, "keep");
  REQUIRE_OK(e.client->Write(keep, 0, data.data(), data.size()));
  REQUIRE_OK(e.client->Close(keep));
  REQUIRE_OK(e.client->SyncNamespace());
  // Replication 3 on 3 servers: every server holds one chunk per file.
  for (int i = 0; i < 3; ++i) CHECK(ChunksOn(e.cluster, i) == kFiles + 1);

  // Server 1 is down while the files go: the others drop their copies at once; server 1's removal
  // fails and is retried until it is back.
  e.cluster.StopChunk(1, SIGKILL);
  for (int i = 0; i < kFiles; ++i) REQUIRE_OK(e.client->Unlink(RootCaller(), e.client->root_ino(), "f" + std::to_string(i)));
  CHECK(WaitChunks(e.cluster, 0, 1, 20000));
  CHECK(WaitChunks(e.cluster, 2, 1, 20000));
  e.cluster.StartChunk(1);
  CHECK(WaitChunks(e.cluster, 1, 1, 40000));
  // The file that stays is whole on every replica.
  CHECK(ReadAll(*e.client, "keep") == data);
}

namespace {
const client::LeasedDirs& LeasesOf(Client& c) {
  auto* impl = dynamic_cast<client::ClientImpl*>(&c);
  REQUIRE(impl != nullptr);
  return impl->leased_dirs();
}
}  // namespace

TEST_CASE("a client answers lookups in a directory it made, and sees another client's add once that returns",
          "[client][integration][dir_lease]") {
  Env e(ClusterOptions{.chunk_servers = 0});
  Client& a = *e.client;
  auto b = Connect(e.cluster);
  auto d = a.Mkdir(RootCaller(), a.root_ino(), "d", 0755, 0);
  REQUIRE_OK(d);
  const uint64_t at_start = LeasesOf(a).answered();
  // The kernel's pattern: a negative lookup, then the create. The first lookup comes right after the
  // mkdir, well within the lease; every create renews it.
  for (int i = 0; i < 20; ++i) {
    const std::string name = "f" + std::to_string(i);
    auto missing = a.Lookup(RootCaller(), d->ino(), name);
    CHECK(missing.status().err() == ENOENT);
    auto made = a.Create(RootCaller(), d->ino(), name, 0644, 0, O_RDWR, true, false);
    REQUIRE_OK(made);
    auto found = a.Lookup(RootCaller(), d->ino(), name);  // a name it added: asked of weft-meta
    REQUIRE_OK(found);
    CHECK(found->ino() == made->attr.ino());
  }
  CHECK(LeasesOf(a).answered() > at_start);
  // ".." and names weft-meta refuses are its to answer, lease or not.
  auto up = a.Lookup(RootCaller(), d->ino(), "..");
  REQUIRE_OK(up);
  CHECK(up->ino() == a.root_ino());
  CHECK(a.Lookup(RootCaller(), d->ino(), std::string(300, 'n')).status().err() == ENAMETOOLONG);

  // Another client's create waits for the lease to end: once it returns, the holder finds the name.
  auto theirs = b->Create(RootCaller(), d->ino(), "from-b", 0644, 0, O_RDWR, true, false);
  REQUIRE_OK(theirs);
  auto seen = a.Lookup(RootCaller(), d->ino(), "from-b");
  REQUIRE_OK(seen);
  CHECK(seen->ino() == theirs->attr.ino());
  // The lease is over for good: a's lookups go to weft-meta (and still find nothing that is not there).
  const uint64_t after = LeasesOf(a).answered();
  CHECK(a.Lookup(RootCaller(), d->ino(), "nothing").status().err() == ENOENT);
  CHECK(LeasesOf(a).answered() == after);
  // Names that come from renames and links count as adds too: b's rename into a fresh leased directory.
  auto d2 = a.Mkdir(RootCaller(), a.root_ino(), "d2", 0755, 0);
  REQUIRE_OK(d2);
  REQUIRE_OK(b->Rename(RootCaller(), d->ino(), "from-b", d2->ino(), "moved", 0));
  auto moved = a.Lookup(RootCaller(), d2->ino(), "moved");
  REQUIRE_OK(moved);
  CHECK(moved->ino() == theirs->attr.ino());
}

TEST_CASE("directory leases hold across a metadata service restart", "[client][integration][dir_lease]") {
  // A long lease, so the restart happens while the holder still trusts it.
  Env e(ClusterOptions{.chunk_servers = 0, .meta_args = {"--dir-lease-ms", "4000"}});
  Client& a = *e.client;
  auto b = Connect(e.cluster);
  auto d = a.Mkdir(RootCaller(), a.root_ino(), "d", 0755, 0);
  REQUIRE_OK(d);
  CHECK(a.Lookup(RootCaller(), d->ino(), "x").status().err() == ENOENT);
  e.cluster.RestartMeta(SIGKILL);
  // The restarted weft-meta no longer knows a's lease: b's add waits one lease period after its start.
  auto theirs = b->Create(RootCaller(), d->ino(), "x", 0644, 0, O_RDWR, true, false);
  REQUIRE_OK(theirs);
  auto seen = a.Lookup(RootCaller(), d->ino(), "x");
  REQUIRE_OK(seen);
  CHECK(seen->ino() == theirs->attr.ino());
}

TEST_CASE("a create refused for quota in a leased directory leaves its name to weft-meta and the lease intact",
          "[client][integration][dir_lease]") {
  // A long lease: what is checked below must not depend on how fast this machine is.
  Env e(ClusterOptions{.chunk_servers = 0, .meta_args = {"--dir-lease-ms", "30000"}});
  e.cluster.CreateVolume("small", "t", weft::test::VolumeSpec{.quota_inodes = 3});
  auto c = Connect(e.cluster, "small");
  auto d = c->Mkdir(RootCaller(), c->root_ino(), "d", 0755, 0);
  REQUIRE_OK(d);
  Status refused;
  int made = 0;
  for (; made < 10; ++made) {
    auto r = c->Create(RootCaller(), d->ino(), "f" + std::to_string(made), 0644, 0, O_RDWR, true, false);
    if (!r.ok()) {
      refused = r.status();
      break;
    }
  }
  REQUIRE(refused.err() == EDQUOT);
  const uint64_t before = LeasesOf(*c).answered();
  // The refused name was noted before the call: its lookup asks weft-meta, which has no such entry.
  CHECK(c->Lookup(RootCaller(), d->ino(), "f" + std::to_string(made)).status().err() == ENOENT);
  CHECK(LeasesOf(*c).answered() == before);
  // The lease itself holds: a name never tried is still answered here.
  CHECK(c->Lookup(RootCaller(), d->ino(), "never").status().err() == ENOENT);
  CHECK(LeasesOf(*c).answered() == before + 1);
}
