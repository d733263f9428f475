// How weftctl shows weft's objects: one document builder (for JSON/YAML) and one text form (for tables)
// per message, shared by the nouns that print them. Document keys are weftctl's stable interface:
// snake_case, sizes in bytes, times in unix milliseconds (*_ms), quotas 0 = unlimited.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/cli/output.h"
#include "weft/admin.pb.h"
#include "weft/common.pb.h"

namespace weft::cli {

// "unlimited" for 0, else FormatSize / FormatCount.
std::string QuotaSize(uint64_t bytes);
std::string QuotaCount(uint64_t n);
// "1.5Gi/10Gi", "12/unlimited".
std::string UsedOfSize(uint64_t used, uint64_t quota);
std::string UsedOfCount(uint64_t used, uint64_t quota);
// "37%", "-" without a quota.
std::string Percent(uint64_t used, uint64_t total);

// Age as kubectl shows it ("45s", "12m", "3h", "5d"); "-" for 0.
std::string Age(int64_t unix_ms, int64_t now_ms);
// "2026-11-25T19:00:57Z"; "-" for 0.
std::string Timestamp(int64_t unix_ms);
int64_t NowUnixMs();

std::string AccessModeName(AccessMode m);     // "exclusive", "shared", "unspecified"
std::string ServerStateName(ServerState s);   // "up", "down", "draining", "drained", "unknown"
bool ServerServing(ServerState s);            // up or draining: holds and serves chunks

Value QuotaDoc(const Quota& q, bool tenant);
Value UsageDoc(const Usage& u, bool tenant);
Value ServerDoc(const ServerInfo& s);
// The servers table (ID, STATE, FAILURE-DOMAIN, ADDRESS, CAPACITY, USED, USE%, CHUNKS, HEARTBEAT).
Table ServerTable(const std::vector<const ServerInfo*>& servers, int64_t now_ms);

// A chain's health from its members' states: "healthy" (replication members serving), "degraded"
// (fewer), "unavailable" (none).
std::string ChainHealth(const ChainInfo& c, const ChainTable& t);
Value ChainDoc(const ChainInfo& c, const ChainTable& t);
std::string ChainMembers(const ChainInfo& c);  // "1,2,3" head first

}  // namespace weft::cli
