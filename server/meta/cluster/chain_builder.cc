#include "server/meta/cluster/chain_builder.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include <fmt/format.h>

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
    bool found = false;
    for (auto* list : {c.mutable_servers(), c.mutable_syncing()}) {
      auto it = std::find(list->begin(), list->end(), id);
      if (it == list->end()) continue;
      list->erase(it);
      found = true;
    }
    if (!found) continue;
    c.set_version(c.version() + 1);
    ++left;
  }
  return left;
}

}  // namespace weft::meta

namespace weft::meta {
namespace {

const ServerInfo* Find(const ChainTable& t, uint64_t id) {
  for (const auto& s : t.servers()) {
    if (s.id() == id) return &s;
  }
  return nullptr;
}
ServerInfo* FindMutable(ChainTable* t, uint64_t id) {
  for (auto& s : *t->mutable_servers()) {
    if (s.id() == id) return &s;
  }
  return nullptr;
}

bool Draining(const ChainTable& t, uint64_t id) {
  const ServerInfo* s = Find(t, id);
  return s && s->state() == SERVER_DRAINING;
}

bool InChain(const ChainInfo& c, uint64_t id) {
  return std::find(c.servers().begin(), c.servers().end(), id) != c.servers().end() ||
         std::find(c.syncing().begin(), c.syncing().end(), id) != c.syncing().end();
}

}  // namespace

bool NeedsReplacement(const ChainTable& table, const ChainInfo& c) {
  if (static_cast<uint32_t>(c.servers_size()) < c.replication()) return true;
  for (uint64_t id : c.servers()) {
    if (Draining(table, id)) return true;
  }
  return false;
}

uint64_t PickReplacement(const ChainTable& table, const ChainInfo& c) {
  std::set<std::string> domains;  // of the members that stay
  for (uint64_t id : c.servers()) {
    const ServerInfo* s = Find(table, id);
    if (s && s->state() != SERVER_DRAINING) domains.insert(s->failure_domain());
  }
  std::map<uint64_t, int> members;
  for (const auto& ch : table.chains()) {
    for (uint64_t id : ch.servers()) ++members[id];
    for (uint64_t id : ch.syncing()) ++members[id];
  }
  const ServerInfo* best = nullptr;
  auto key = [&](const ServerInfo* s) {
    // An empty failure domain means "every server is its own domain" (see BuildChains).
    bool shared = !s->failure_domain().empty() && domains.count(s->failure_domain()) > 0;
    return std::make_tuple(shared, members[s->id()], s->id());
  };
  for (const auto& s : table.servers()) {
    if (s.state() != SERVER_UP || InChain(c, s.id())) continue;
    if (!best || key(&s) < key(best)) best = &s;
  }
  return best ? best->id() : 0;
}

int PlanReplacements(ChainTable* table, std::map<uint32_t, std::string>* blocked) {
  int changed = 0;
  if (blocked) blocked->clear();
  for (int i = 0; i < table->chains_size(); ++i) {
    ChainInfo* c = table->mutable_chains(i);
    if (c->syncing_size() > 0 || !NeedsReplacement(*table, *c)) continue;
    if (c->servers_size() == 0) {
      if (blocked) (*blocked)[c->id()] = "it has no member left to copy from";
      continue;
    }
    uint64_t pick = PickReplacement(*table, *c);
    if (pick == 0) {
      if (blocked) {
        (*blocked)[c->id()] = fmt::format("no other up server can take a copy of chain {} (replication {})", c->id(),
                                          c->replication());
      }
      continue;
    }
    c->add_syncing(pick);
    c->set_version(c->version() + 1);
    ++changed;
  }
  return changed;
}

bool PromoteFilled(ChainTable* table, uint64_t id, uint32_t chain_id, uint64_t version) {
  for (auto& c : *table->mutable_chains()) {
    if (c.id() != chain_id) continue;
    if (c.version() != version || c.syncing_size() != 1 || c.syncing(0) != id) return false;
    c.clear_syncing();
    c.add_servers(id);
    if (static_cast<uint32_t>(c.servers_size()) > c.replication()) {
      auto* servers = c.mutable_servers();
      auto it = std::find_if(servers->begin(), servers->end(), [&](uint64_t s) { return Draining(*table, s); });
      if (it != servers->end()) servers->erase(it);
    }
    c.set_version(c.version() + 1);
    return true;
  }
  return false;
}

int FinishDrains(ChainTable* table) {
  int n = 0;
  for (auto& s : *table->mutable_servers()) {
    if (s.state() != SERVER_DRAINING) continue;
    bool member = false;
    for (const auto& c : table->chains()) member = member || InChain(c, s.id());
    if (!member) {
      s.set_state(SERVER_DRAINED);
      ++n;
    }
  }
  return n;
}

Status StartDrain(ChainTable* table, uint64_t id) {
  ServerInfo* s = FindMutable(table, id);
  if (!s) return Err(ENOENT, "no chunk server with id {}", id);
  if (s->state() == SERVER_DOWN) {
    return Err(EINVAL, "server {} is down: it already left its chains (bring it back up to drain it)", id);
  }
  if (s->state() == SERVER_DRAINING || s->state() == SERVER_DRAINED) return Status::Ok();
  ChainTable next = *table;
  FindMutable(&next, id)->set_state(SERVER_DRAINING);
  for (const auto& c : next.chains()) {
    if (std::find(c.servers().begin(), c.servers().end(), id) == c.servers().end()) continue;
    if (c.syncing_size() > 0) continue;  // already being filled; the next replica is chosen after it
    if (PickReplacement(next, c) == 0) {
      return Err(ENOSPC,
                 "server {} cannot be drained: chain {} (replication {}) has no other up server to move to; add a "
                 "chunk server first",
                 id, c.id(), c.replication());
    }
  }
  *table = std::move(next);
  return Status::Ok();
}

Status StopDrain(ChainTable* table, uint64_t id) {
  ServerInfo* s = FindMutable(table, id);
  if (!s) return Err(ENOENT, "no chunk server with id {}", id);
  if (s->state() == SERVER_DOWN) return Err(EINVAL, "server {} is down: start it to let it take chains", id);
  if (s->state() == SERVER_UP) return Status::Ok();
  s->set_state(SERVER_UP);
  for (auto& c : *table->mutable_chains()) {
    if (c.syncing_size() == 0 || std::find(c.servers().begin(), c.servers().end(), id) == c.servers().end()) continue;
    if (NeedsReplacement(*table, c)) continue;  // still short of its replication: keep filling
    c.clear_syncing();
    c.set_version(c.version() + 1);
  }
  return Status::Ok();
}

}  // namespace weft::meta
