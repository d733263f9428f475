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
