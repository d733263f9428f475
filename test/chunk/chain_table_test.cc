// The chunk server's view of a chain: members that serve reads, then replicas being filled.
#include <catch2/catch.hpp>

#include "server/chunk/chain_table.h"

using namespace weft;
using weft::chunk::ChainTableCache;

TEST_CASE("a replica being filled follows the tail on the write path and is not the read tail", "[chunk][chain]") {
  ChainTable t;
  t.set_version(4);
  for (uint64_t id = 1; id <= 4; ++id) {
    auto* s = t.add_servers();
    s->set_id(id);
    s->set_address("127.0.0.1:" + std::to_string(7500 + id));
  }
  auto* c = t.add_chains();
  c->set_id(9);
  c->set_version(3);
  c->set_replication(3);
  for (uint64_t id : {2, 1, 3}) c->add_servers(id);
  c->add_syncing(4);

  ChainTableCache cache;
  REQUIRE(cache.Update(t));
  auto view = [&](uint64_t self) {
    cache.set_self(self);
    auto v = cache.Find(9);
    REQUIRE(v);
    return *v;
  };
  auto filler = view(4);
  CHECK(filler.servers == std::vector<uint64_t>{2, 1, 3, 4});
  CHECK(filler.addresses.back() == "127.0.0.1:7504");
  CHECK(filler.readable == 3);
  CHECK(filler.position == 3);
  CHECK(filler.syncing());
  CHECK(filler.is_tail());
  CHECK_FALSE(filler.is_read_tail());

  auto read_tail = view(3);
  CHECK(read_tail.is_read_tail());
  CHECK_FALSE(read_tail.is_tail());
  CHECK_FALSE(read_tail.syncing());

  auto head = view(2);
  CHECK(head.position == 0);
  CHECK_FALSE(head.is_read_tail());
  CHECK_FALSE(head.syncing());

  auto all = cache.All();
  REQUIRE(all.size() == 1);
  CHECK(all[0].position == 0);  // seen from the current self (2)
  CHECK_FALSE(view(7).member());
}
