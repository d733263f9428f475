#include "server/meta/cluster/chain_builder.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

namespace weft::meta {

int BuildChains(ChainTable* table, const ClusterOptions& options) {
  std::vector<const ServerInfo*> live;
  for (const auto& s : table->servers()) {
    if (s.state() == SERVER_UP) live.push_back(&s);
  }
  uint32_t next_id = 1;
  for (const auto& c : table->chains()) next_id = std::max(next_id, c.id() + 1);

  int added = 0;
  for (uint32_t r = 1; r <= options.max_replication; ++r) {
    if (live.size() < r) continue;
    std::map<uint64_t, int> members, heads;
    size_t existing = 0;
    for (const auto& c : table->chains()) {
      if (c.replication() != r) continue;
      ++existing;
      for (uint64_t id : c.servers()) ++members[id];
      if (c.servers_size() > 0) ++heads[c.servers(0)];
    }
    size_t target = static_cast<size_t>(options.chains_per_server) * live.size();
    while (existing < target) {
      std::vector<const ServerInfo*> order = live;
      std::sort(order.begin(), order.end(), [&](const ServerInfo* a, const ServerInfo* b) {
        if (members[a->id()] != members[b->id()]) return members[a->id()] < members[b->id()];
        return a->id() < b->id();
      });
      std::vector<const ServerInfo*> pick;
      std::set<std::string> domains;
      for (const ServerInfo* s : order) {  // distinct failure domains first
        if (pick.size() == r) break;
        if (domains.insert(s->failure_domain()).second) pick.push_back(s);
      }
      for (const ServerInfo* s : order) {  // then anyone not yet picked
        if (pick.size() == r) break;
        if (std::find(pick.begin(), pick.end(), s) == pick.end()) pick.push_back(s);
      }
      std::stable_sort(pick.begin(), pick.end(), [&](const ServerInfo* a, const ServerInfo* b) {
        return heads[a->id()] < heads[b->id()];
      });
      ChainInfo* c = table->add_chains();
      c->set_id(next_id++);
      c->set_version(1);
      c->set_replication(r);
      for (const ServerInfo* s : pick) {
        c->add_servers(s->id());
        ++members[s->id()];
      }
      ++heads[pick.front()->id()];
      ++existing;
      ++added;
    }
  }
  return added;
}

int RemoveFromChains(ChainTable* table, uint64_t id) {
  for (auto& s : *table->mutable_servers()) {
    if (s.id() == id) s.set_state(SERVER_DOWN);
  }
  int left = 0;
  for (auto& c : *table->mutable_chains()) {
    auto* servers = c.mutable_servers();
    auto it = std::find(servers->begin(), servers->end(), id);
    if (it == servers->end()) continue;
    servers->erase(it);
    c.set_version(c.version() + 1);
    ++left;
  }
  return left;
}

}  // namespace weft::meta
