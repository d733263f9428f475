#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "server/meta/cluster/chain_builder.h"

using namespace weft;
using weft::meta::BuildChains;
using weft::meta::ClusterOptions;
using weft::meta::RemoveFromChains;

namespace {
void AddServer(ChainTable* t, uint64_t id, std::string domain) {
  auto* s = t->add_servers();
  s->set_id(id);
  s->set_state(SERVER_UP);
  s->set_failure_domain(std::move(domain));
}
}  // namespace

TEST_CASE("no chain of length r forms with fewer than r live servers", "[meta][cluster]") {
  ChainTable t;
  AddServer(&t, 1, "a");
  AddServer(&t, 2, "b");
  ClusterOptions o;
  BuildChains(&t, o);
  for (const auto& c : t.chains()) CHECK(c.replication() <= 2);
  CHECK(t.chains_size() == 2 * 4 * 2);
}

TEST_CASE("chains span distinct servers and failure domains, with heads spread", "[meta][cluster]") {
  ChainTable t;
  for (uint64_t i = 1; i <= 6; ++i) AddServer(&t, i, i <= 3 ? "rack" + std::to_string(i) : "rack" + std::to_string(i - 3));
  ClusterOptions o;
  o.max_replication = 3;
  BuildChains(&t, o);
  std::map<uint64_t, int> heads, members;
  int r3 = 0;
  for (const auto& c : t.chains()) {
    std::set<uint64_t> ids(c.servers().begin(), c.servers().end());
    CHECK(ids.size() == static_cast<size_t>(c.servers_size()));
    CHECK(c.servers_size() == static_cast<int>(c.replication()));
    if (c.replication() != 3) continue;
    ++r3;
    std::set<std::string> domains;
    for (uint64_t id : c.servers()) {
      domains.insert(t.servers(static_cast<int>(id - 1)).failure_domain());
      ++members[id];
    }
    CHECK(domains.size() == 3);
    ++heads[c.servers(0)];
  }
  CHECK(r3 == 24);
  for (auto& [id, n] : heads) CHECK(n == 4);    // 24 chains / 6 servers
  for (auto& [id, n] : members) CHECK(n == 12);  // 72 memberships / 6 servers
}

TEST_CASE("a removed server leaves every chain it was in, and their versions bump", "[meta][cluster]") {
  ChainTable t;
  for (uint64_t i = 1; i <= 3; ++i) AddServer(&t, i, "d" + std::to_string(i));
  BuildChains(&t, ClusterOptions{});
  std::map<uint32_t, uint64_t> before;
  for (const auto& c : t.chains()) before[c.id()] = c.version();
  int left = RemoveFromChains(&t, 2);
  CHECK(left > 0);
  CHECK(t.servers(1).state() == SERVER_DOWN);
  int bumped = 0;
  for (const auto& c : t.chains()) {
    for (uint64_t id : c.servers()) CHECK(id != 2);
    if (c.version() != before[c.id()]) ++bumped;
  }
  CHECK(bumped == left);
  // Forming again does not put the down server back, and leaves existing chains alone.
  int n = t.chains_size();
  BuildChains(&t, ClusterOptions{});
  for (int i = 0; i < n; ++i) {
    for (uint64_t id : t.chains(i).servers()) CHECK(id != 2);
  }
}

// --- Re-replication: replicas being filled, promotion, drains ---

namespace {
using weft::meta::FinishDrains;
using weft::meta::PlanReplacements;
using weft::meta::PromoteFilled;
using weft::meta::StartDrain;
using weft::meta::StopDrain;

ChainInfo* AddChain(ChainTable* t, uint32_t id, uint32_t replication, std::vector<uint64_t> servers) {
  ChainInfo* c = t->add_chains();
  c->set_id(id);
  c->set_version(1);
  c->set_replication(replication);
  for (uint64_t s : servers) c->add_servers(s);
  return c;
}
ServerState StateOf(const ChainTable& t, uint64_t id) {
  for (const auto& s : t.servers()) {
    if (s.id() == id) return s.state();
  }
  return SERVER_UNKNOWN;
}
}  // namespace

TEST_CASE("a chain that lost a member gets a replica being filled, from another failure domain", "[meta][cluster]") {
  ChainTable t;
  AddServer(&t, 1, "a");
  AddServer(&t, 2, "b");
  AddServer(&t, 3, "a");
  AddServer(&t, 4, "c");
  AddChain(&t, 1, 3, {1, 2});  // lost one member
  AddChain(&t, 2, 2, {1, 2});  // full
  std::map<uint32_t, std::string> blocked;
  CHECK(PlanReplacements(&t, &blocked) == 1);
  CHECK(blocked.empty());
  REQUIRE(t.chains(0).syncing_size() == 1);
  CHECK(t.chains(0).syncing(0) == 4);  // server 3 shares domain "a" with member 1
  CHECK(t.chains(0).version() == 2);
  CHECK(t.chains(1).syncing_size() == 0);
  CHECK(t.chains(1).version() == 1);
  // One replica at a time: planning again changes nothing.
  CHECK(PlanReplacements(&t, &blocked) == 0);
}

TEST_CASE("a chain with no server to take a copy, or no member to copy from, is reported blocked", "[meta][cluster]") {
  ChainTable t;
  AddServer(&t, 1, "a");
  AddServer(&t, 2, "b");
  AddChain(&t, 1, 3, {1, 2});
  AddChain(&t, 2, 1, {});
  std::map<uint32_t, std::string> blocked;
  CHECK(PlanReplacements(&t, &blocked) == 0);
  REQUIRE(blocked.size() == 2);
  CHECK_THAT(blocked[1], Catch::Contains("no other up server"));
  CHECK_THAT(blocked[2], Catch::Contains("no member left"));
}

TEST_CASE("drain: replicas fill, are promoted, the draining server leaves and ends drained", "[meta][cluster]") {
  ChainTable t;
  for (uint64_t i = 1; i <= 4; ++i) AddServer(&t, i, "");
  AddChain(&t, 1, 3, {1, 2, 3});
  AddChain(&t, 2, 2, {2, 1});
  AddChain(&t, 3, 2, {3, 4});
  REQUIRE(StartDrain(&t, 1).ok());
  CHECK(StateOf(t, 1) == SERVER_DRAINING);
  CHECK(PlanReplacements(&t) == 2);
  CHECK(t.chains(0).syncing(0) == 4);
  CHECK(t.chains(1).syncing(0) == 3);  // 4 has 2 memberships now, 3 has 2 too: lowest id of the least used
  CHECK(t.chains(2).syncing_size() == 0);

  // A report for a stale version, or from a server that is not filling the chain, changes nothing.
  CHECK_FALSE(PromoteFilled(&t, 4, 1, 1));
  CHECK_FALSE(PromoteFilled(&t, 2, 1, 2));
  CHECK(PromoteFilled(&t, 4, 1, 2));
  CHECK(std::vector<uint64_t>(t.chains(0).servers().begin(), t.chains(0).servers().end()) ==
        std::vector<uint64_t>{2, 3, 4});
  CHECK(t.chains(0).syncing_size() == 0);
  CHECK(t.chains(0).version() == 3);
  CHECK(FinishDrains(&t) == 0);  // still in chain 2
  CHECK(PromoteFilled(&t, 3, 2, 2));
  CHECK(std::vector<uint64_t>(t.chains(1).servers().begin(), t.chains(1).servers().end()) ==
        std::vector<uint64_t>{2, 3});
  CHECK(FinishDrains(&t) == 1);
  CHECK(StateOf(t, 1) == SERVER_DRAINED);
  CHECK(PlanReplacements(&t) == 0);
}

TEST_CASE("drain is refused when a chain has nowhere to go, and a down or unknown server is an error",
          "[meta][cluster]") {
  ChainTable t;
  for (uint64_t i = 1; i <= 3; ++i) AddServer(&t, i, "");
  AddChain(&t, 1, 3, {1, 2, 3});
  ChainTable before = t;
  Status s = StartDrain(&t, 2);
  CHECK(s.err() == ENOSPC);
  CHECK_THAT(s.message(), Catch::Contains("chain 1 (replication 3)"));
  CHECK(t.SerializeAsString() == before.SerializeAsString());
  CHECK(StartDrain(&t, 9).err() == ENOENT);
  RemoveFromChains(&t, 3);
  CHECK(StartDrain(&t, 3).err() == EINVAL);
  CHECK(StopDrain(&t, 3).err() == EINVAL);
}

TEST_CASE("undrain drops the replicas filled for the drain but keeps those healing a chain", "[meta][cluster]") {
  ChainTable t;
  for (uint64_t i = 1; i <= 5; ++i) AddServer(&t, i, "");
  AddChain(&t, 1, 2, {1, 2});  // full: its replica is only for the drain
  AddChain(&t, 2, 3, {1, 3});  // short: its replica heals it
  REQUIRE(StartDrain(&t, 1).ok());
  CHECK(PlanReplacements(&t) == 2);
  const uint64_t v1 = t.chains(0).version();
  REQUIRE(StopDrain(&t, 1).ok());
  CHECK(StateOf(t, 1) == SERVER_UP);
  CHECK(t.chains(0).syncing_size() == 0);
  CHECK(t.chains(0).version() == v1 + 1);
  CHECK(t.chains(1).syncing_size() == 1);
  // Draining twice, or undraining an up server, is not an error.
  REQUIRE(StartDrain(&t, 1).ok());
  REQUIRE(StartDrain(&t, 1).ok());
  REQUIRE(StopDrain(&t, 1).ok());
  REQUIRE(StopDrain(&t, 1).ok());
}

TEST_CASE("a lost replica being filled leaves the chain like a member", "[meta][cluster]") {
  ChainTable t;
  for (uint64_t i = 1; i <= 3; ++i) AddServer(&t, i, "");
  AddChain(&t, 1, 2, {1});
  REQUIRE(PlanReplacements(&t) == 1);
  const uint64_t filler = t.chains(0).syncing(0);
  CHECK(RemoveFromChains(&t, filler) == 1);
  CHECK(t.chains(0).syncing_size() == 0);
  CHECK(PlanReplacements(&t) == 1);
  CHECK(t.chains(0).syncing(0) != filler);
}
