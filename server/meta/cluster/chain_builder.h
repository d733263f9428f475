// Pure functions over a ChainTable: forming chains from the live servers and removing a failed server.
// Kept apart from ClusterManager so placement rules are unit-tested without processes.
//
// Thread-safety: pure functions on caller-owned values.
#pragma once

#include <cstdint>

#include "server/meta/cluster/cluster_manager.h"
#include "weft/common.pb.h"

namespace weft::meta {

// Adds chains until, for each replication factor r in 1..options.max_replication with at least r live
// (SERVER_UP) servers, there are options.chains_per_server * live chains of target length r. Each new
// chain takes the r live servers with the fewest memberships in chains of that length, in distinct
// failure domains where enough exist; heads are spread the same way. Existing chains are untouched.
// Returns the number of chains added.
int BuildChains(ChainTable* table, const ClusterOptions& options);

// Marks server id down and removes it from every chain, bumping those chains' versions. Returns the
// number of chains it left.
int RemoveFromChains(ChainTable* table, uint64_t id);

}  // namespace weft::meta
