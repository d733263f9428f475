// Pure functions over a ChainTable: forming chains from the live servers and removing a failed server.
// Kept apart from ClusterManager so placement rules are unit-tested without processes.
//
// Thread-safety: pure functions on caller-owned values.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "server/meta/cluster/cluster_manager.h"
#include "common/status.h"
#include "weft/common.pb.h"

namespace weft::meta {

// Adds chains until, for each replication factor r in 1..options.max_replication with at least r live
// (SERVER_UP) servers, there are options.chains_per_server * live chains of target length r. Each new
// chain takes the r live servers with the fewest memberships in chains of that length, in distinct
// failure domains where enough exist; heads are spread the same way. Existing chains are untouched.
// Returns the number of chains added.
int BuildChains(ChainTable* table, const ClusterOptions& options);

// Marks server id down and removes it from every chain (as a member or a replica being filled),
// bumping those chains' versions. Returns the number of chains it left.
int RemoveFromChains(ChainTable* table, uint64_t id);

// --- Re-replication (docs/data-protocol.md "Re-replication") ---

// Whether chain c needs a replica filled: it is shorter than its replication (a member was lost) or
// holds a draining server.
bool NeedsReplacement(const ChainTable& table, const ChainInfo& c);

// The up server to fill chain c with: not in the chain, in a failure domain the chain's staying members
// do not use where one exists, then with the fewest chain memberships, then the lowest id. 0 = none.
uint64_t PickReplacement(const ChainTable& table, const ChainInfo& c);

// Adds a replica being filled (ChainInfo.syncing) to every chain that needs one and has none, bumping
// those chains' versions. Chains that need one but cannot get one go to `blocked` (chain id -> why; cleared
// first), when given. Returns the number of chains changed.
int PlanReplacements(ChainTable* table, std::map<uint32_t, std::string>* blocked = nullptr);

// Server id reports chain_id filled at chain version `version`. When it is that chain's replica being
// filled at that version, it becomes the chain's tail, and a draining member leaves if the chain then
// has more members than its replication. Returns whether the table changed.
bool PromoteFilled(ChainTable* table, uint64_t id, uint32_t chain_id, uint64_t version);

// Draining servers that are in no chain any more become drained. Returns how many.
int FinishDrains(ChainTable* table);

// Drain: server id becomes draining (ENOENT unknown; EINVAL when down; OK when already draining or
// drained). ENOSPC, and nothing changes, when one of its chains has no server to move to.
Status StartDrain(ChainTable* table, uint64_t id);
// Undrain: a draining or drained server is up again; the replicas being filled for its drain are
// dropped (chains that need them for another reason keep them). ENOENT unknown; EINVAL when down.
Status StopDrain(ChainTable* table, uint64_t id);

}  // namespace weft::meta
