#include "client/cli/views.h"

#include <chrono>
#include <ctime>

#include "client/cli/units.h"

namespace weft::cli {

std::string QuotaSize(uint64_t bytes) { return bytes ? FormatSize(bytes) : "unlimited"; }
std::string QuotaCount(uint64_t n) { return n ? FormatCount(n) : "unlimited"; }
std::string UsedOfSize(uint64_t used, uint64_t quota) { return FormatSize(used) + "/" + QuotaSize(quota); }
std::string UsedOfCount(uint64_t used, uint64_t quota) { return FormatCount(used) + "/" + QuotaCount(quota); }

std::string Percent(uint64_t used, uint64_t total) {
  if (total == 0) return "-";
  return fmt::format("{}%", static_cast<uint64_t>(static_cast<unsigned __int128>(used) * 100 / total));
}

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Age(int64_t unix_ms, int64_t now_ms) {
  if (unix_ms <= 0) return "-";
  int64_t s = std::max<int64_t>(0, (now_ms - unix_ms) / 1000);
  if (s < 120) return fmt::format("{}s", s);
  if (s < 120 * 60) return fmt::format("{}m", s / 60);
  if (s < 48 * 3600) return fmt::format("{}h", s / 3600);
  return fmt::format("{}d", s / 86400);
}

std::string Timestamp(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string AccessModeName(AccessMode m) {
  switch (m) {
    case ACCESS_EXCLUSIVE: return "exclusive";
    case ACCESS_SHARED: return "shared";
    default: return "unspecified";
  }
}

std::string ServerStateName(ServerState s) {
  switch (s) {
    case SERVER_UP: return "up";
    case SERVER_DOWN: return "down";
    case SERVER_DRAINING: return "draining";
    case SERVER_DRAINED: return "drained";
    default: return "unknown";
  }
}

bool ServerServing(ServerState s) { return s == SERVER_UP || s == SERVER_DRAINING; }

Value QuotaDoc(const Quota& q, bool tenant) {
  Value v = Value::MakeObject();
  v.Set("bytes", q.bytes()).Set("inodes", q.inodes());
  if (tenant) v.Set("volumes", q.volumes());
  return v;
}

Value UsageDoc(const Usage& u, bool tenant) {
  Value v = Value::MakeObject();
  v.Set("bytes", u.bytes()).Set("inodes", u.inodes());
  if (tenant) v.Set("volumes", u.volumes());
  v.Set("reserved_bytes", u.reserved_bytes());
  return v;
}

Value ServerDoc(const ServerInfo& s) {
  Value disks = Value::MakeArray();
  for (const auto& d : s.disks()) disks.Push(d);
  Value v = Value::MakeObject();
  v.Set("id", s.id())
      .Set("state", ServerStateName(s.state()))
      .Set("failure_domain", s.failure_domain())
      .Set("address", s.address())
      .Set("control_address", s.control_address())
      .Set("capacity_bytes", s.capacity_bytes())
      .Set("used_bytes", s.used_bytes())
      .Set("chunks", s.chunks())
      .Set("last_heartbeat_ms", s.last_heartbeat_ms())
      .Set("disks", std::move(disks));
  return v;
}

Table ServerTable(const std::vector<const ServerInfo*>& servers, int64_t now_ms) {
  Table t({"ID", "STATE", "FAILURE-DOMAIN", "ADDRESS", "CAPACITY", "USED", "USE%", "CHUNKS", "HEARTBEAT"});
  for (const ServerInfo* s : servers) {
    t.AddRow({std::to_string(s->id()), ServerStateName(s->state()),
              s->failure_domain().empty() ? "-" : s->failure_domain(), s->address(), FormatSize(s->capacity_bytes()),
              FormatSize(s->used_bytes()), Percent(s->used_bytes(), s->capacity_bytes()), FormatCount(s->chunks()),
              s->last_heartbeat_ms() ? Age(s->last_heartbeat_ms(), now_ms) + " ago" : "-"});
  }
  return t;
}

std::string ChainHealth(const ChainInfo& c, const ChainTable& t) {
  uint32_t serving = 0;
  for (uint64_t id : c.servers()) {
    for (const auto& s : t.servers()) {
      if (s.id() == id && ServerServing(s.state())) ++serving;
    }
  }
  if (serving == 0) return "unavailable";
  return serving >= c.replication() ? "healthy" : "degraded";
}

std::string ChainMembers(const ChainInfo& c) {
  std::string out;
  for (uint64_t id : c.servers()) out += (out.empty() ? "" : ",") + std::to_string(id);
  if (out.empty()) out = "-";
  for (uint64_t id : c.syncing()) out += fmt::format(" +{} filling", id);
  return out;
}

Value ChainDoc(const ChainInfo& c, const ChainTable& t) {
  Value servers = Value::MakeArray();
  for (uint64_t id : c.servers()) servers.Push(id);
  Value filling = Value::MakeArray();
  for (uint64_t id : c.syncing()) filling.Push(id);
  Value v = Value::MakeObject();
  v.Set("id", c.id())
      .Set("version", c.version())
      .Set("replication", c.replication())
      .Set("servers", std::move(servers))
      .Set("filling", std::move(filling))
      .Set("health", ChainHealth(c, t));
  return v;
}

}  // namespace weft::cli
