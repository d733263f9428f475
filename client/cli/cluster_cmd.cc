// weftctl cluster status: servers, chains, under-replicated chunks and the metadata service, with the
// top-level counts scripts wait on (servers_up, servers_down, degraded_chains, under_replicated).
#include "client/cli/commands.h"
#include "client/cli/units.h"
#include "client/cli/views.h"

namespace weft::cli {
namespace {

std::string Uptime(uint64_t ms) {
  uint64_t s = ms / 1000;
  if (s < 120) return fmt::format("{}s", s);
  if (s < 7200) return fmt::format("{}m", s / 60);
  if (s < 48 * 3600) return fmt::format("{}h{}m", s / 3600, s / 60 % 60);
  return fmt::format("{}d{}h", s / 86400, s / 3600 % 24);
}

// "1 server", "2 servers".
std::string Count(uint64_t n, std::string_view noun) { return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s"); }

// "ok", or "degraded" with the reasons.
std::string Health(const ClusterStatusResponse& r) {
  std::vector<std::string> why;
  if (r.servers_down()) why.push_back(Count(r.servers_down(), "server") + " down");
  if (r.degraded_chains()) why.push_back(Count(r.degraded_chains(), "chain") + " degraded");
  if (r.under_replicated()) why.push_back(Count(r.under_replicated(), "chunk") + " under-replicated");
  if (r.servers_up() == 0) why.push_back("no servers up");
  if (why.empty()) return "ok";
  std::string out = "degraded (";
  for (size_t i = 0; i < why.size(); ++i) out += (i ? ", " : "") + why[i];
  return out + ")";
}

Value StatusDoc(const ClusterStatusResponse& r, const std::string& meta) {
  Value servers = Value::MakeArray();
  for (const auto& s : r.table().servers()) servers.Push(ServerDoc(s));
  Value chains = Value::MakeArray();
  for (const auto& c : r.table().chains()) chains.Push(ChainDoc(c, r.table()));
  Value metadata = Value::MakeObject();
  metadata.Set("address", meta)
      .Set("version", r.meta_version())
      .Set("uptime_ms", r.meta_uptime_ms())
      .Set("tenants", r.tenants())
      .Set("volumes", r.volumes())
      .Set("sessions", r.sessions())
      .Set("gc_pending", r.gc_pending())
      .Set("commits", r.meta_commits())
      .Set("synced_commits", r.meta_synced_commits())
      .Set("background_syncs", r.meta_background_syncs())
      .Set("requested_syncs", r.meta_requested_syncs())
      .Set("chain_table_version", r.table().version());
  Value doc = Value::MakeObject();
  doc.Set("health", Health(r) == "ok" ? "ok" : "degraded")
      .Set("servers_up", r.servers_up())
      .Set("servers_down", r.servers_down())
      .Set("degraded_chains", r.degraded_chains())
      .Set("under_replicated", r.under_replicated())
      .Set("metadata", std::move(metadata))
      .Set("servers", std::move(servers))
      .Set("chains", std::move(chains));
  return doc;
}

std::string StatusText(const ClusterStatusResponse& r, const std::string& meta) {
  Fields f;
  f.Add("Health", Health(r))
      .Add("Metadata", fmt::format("weft-meta {} at {}, up {}", r.meta_version().empty() ? "?" : r.meta_version(), meta,
                                   Uptime(r.meta_uptime_ms())))
      .Add("Tenants", std::to_string(r.tenants()))
      .Add("Volumes", fmt::format("{} ({} mounted sessions)", r.volumes(), r.sessions()))
      .Add("GC pending", fmt::format("{} inodes", r.gc_pending()))
      .Add("Commits", fmt::format("{} ({} synced before the reply; log synced {} times after, {} on request)",
                                  r.meta_commits(), r.meta_synced_commits(), r.meta_background_syncs(),
                                  r.meta_requested_syncs()))
      .Add("Servers", fmt::format("{} up, {} down", r.servers_up(), r.servers_down()))
      .Add("Chains", fmt::format("{} ({} degraded), table version {}", r.table().chains_size(), r.degraded_chains(),
                                 r.table().version()))
      .Add("Under-replicated", fmt::format("{} chunks", r.under_replicated()));
  std::string out = f.Render();
  std::vector<const ServerInfo*> servers;
  for (const auto& s : r.table().servers()) servers.push_back(&s);
  out += "\nSERVERS\n";
  out += servers.empty() ? "(none registered)\n" : ServerTable(servers, NowUnixMs()).Render();
  out += "\nCHAINS\n";
  if (r.table().chains().empty()) return out + "(none formed)\n";
  Table chains({"ID", "VERSION", "REPLICATION", "SERVERS", "HEALTH"});
  for (const auto& c : r.table().chains()) {
    chains.AddRow({std::to_string(c.id()), std::to_string(c.version()), std::to_string(c.replication()),
                   ChainMembers(c), ChainHealth(c, r.table())});
  }
  return out + chains.Render();
}

Status ShowStatus(Cli& cli) {
  auto r = cli.admin().Call(&Admin::Stub::ClusterStatus, ClusterStatusRequest());
  if (!r.ok()) return r.status();
  const std::string& meta = cli.settings().meta;
  cli.out().Emit(StatusDoc(*r, meta), [&] { return StatusText(*r, meta); });
  return Status::Ok();
}

}  // namespace

void AddClusterCommands(CLI::App* root, Cli& cli) {
  CLI::App* cluster = AddNoun(root, "cluster", "the cluster as a whole", {"weftctl cluster status"});
  AddVerb(cluster, cli, "status",
          "health of the cluster: servers, chains, under-replicated chunks, metadata service",
          {"weftctl cluster status",
           "weftctl cluster status -o json   # servers_up, servers_down, degraded_chains, under_replicated",
           "until weftctl cluster status -o json | grep -q '\"health\": \"ok\"'; do sleep 1; done"},
          [&cli] { return ShowStatus(cli); });
}

}  // namespace weft::cli
