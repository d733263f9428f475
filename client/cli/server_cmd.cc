// weftctl server list|show|drain|undrain: the chunk servers.
#include <memory>

#include "client/cli/commands.h"
#include "client/cli/progress.h"
#include "client/cli/units.h"
#include "client/cli/views.h"

namespace weft::cli {
namespace {

struct ServerArgs {
  uint64_t id = 0;
  bool wait = true;  // drain --wait (default) / --no-wait
};

StatusOr<ServerResponse> GetServer(Cli& cli, uint64_t id) {
  ServerRequest req;
  req.set_id(id);
  return cli.admin().Call(&Admin::Stub::GetServer, req);
}

// Asks weft-meta to start (drain) or stop (undrain) moving a server's chain memberships elsewhere.
StatusOr<ServerResponse> RequestDrain(Cli& cli, uint64_t id, bool drain) {
  DrainServerRequest req;
  req.set_id(id);
  req.set_drain(drain);
  return cli.admin().Call(&Admin::Stub::DrainServer, req);
}

// Polls the server until it is drained: progress = chains it has left since the first poll. A drain
// that stays blocked (no server can take a chain) for `blocked_polls` polls fails the wait; the drain
// goes on in weft-meta.
Status WaitForDrain(Cli& cli, uint64_t id, int blocked_polls = 30) {
  auto progress = Progress::Make(cli.io().err, cli.io().stderr_terminal, fmt::format("drain server {}", id));
  std::optional<uint64_t> total;
  int blocked = 0;
  Status s = WaitFor(
      [&]() -> StatusOr<Step> {
        auto r = GetServer(cli, id);
        if (!r.ok()) return r.status();
        const ServerInfo& info = r->server();
        if (info.state() == SERVER_UP) return Err(ECANCELED, "drain of server {} was cancelled: it is up again", id);
        if (info.state() == SERVER_DOWN) {
          return Err(EIO, "server {} went down while draining: its chains left it without a copy from it", id);
        }
        uint64_t left = static_cast<uint64_t>(r->chains_size());
        if (!total) total = left;
        blocked = r->drain_blocked().empty() ? 0 : blocked + 1;
        if (blocked > blocked_polls) {
          return Err(EBUSY, "the drain of server {} is stuck: {}; it goes on once a server can take the chain (see: "
                            "weftctl server show {})",
                     id, r->drain_blocked(), id);
        }
        return Step{*total - std::min(left, *total), *total, "chains", info.state() == SERVER_DRAINED};
      },
      *progress, {});
  if (!s.ok()) return s;
  progress->Finish(fmt::format("server {} drained", id));
  return Status::Ok();
}

Value DrainDoc(const ServerResponse& r) {
  Value doc = ServerDoc(r.server());
  if (r.server().state() == SERVER_DRAINING) {
    doc.Set("drain", Value::MakeObject()
                         .Set("chains_left", r.drain_chains_left())
                         .Set("chunks_copied", r.drain_chunks_done())
                         .Set("chunks_to_copy", r.drain_chunks_total())
                         .Set("blocked", r.drain_blocked()));
  }
  return doc;
}

Status List(Cli& cli) {
  auto r = cli.admin().Call(&Admin::Stub::ClusterStatus, ClusterStatusRequest());
  if (!r.ok()) return r.status();
  Value items = Value::MakeArray();
  std::vector<const ServerInfo*> servers;
  for (const auto& s : r->table().servers()) {
    items.Push(ServerDoc(s));
    servers.push_back(&s);
  }
  cli.out().Emit(Value::MakeObject().Set("servers", std::move(items)), [&] {
    if (servers.empty()) return std::string("No chunk servers registered.\n");
    return ServerTable(servers, NowUnixMs()).Render();
  });
  return Status::Ok();
}

Status Show(Cli& cli, const ServerArgs& a) {
  cli.About("server", std::to_string(a.id));
  auto r = GetServer(cli, a.id);
  if (!r.ok()) return r.status();
  Value doc = DrainDoc(*r);
  Value chains = Value::MakeArray();
  std::string chain_list;
  for (uint32_t c : r->chains()) {
    chains.Push(c);
    chain_list += (chain_list.empty() ? "" : ",") + std::to_string(c);
  }
  doc.Set("chains", std::move(chains));
  cli.out().Emit(doc, [&] {
    const ServerInfo& s = r->server();
    std::string disks;
    for (const auto& d : s.disks()) disks += (disks.empty() ? "" : ", ") + d;
    Fields f;
    f.Add("ID", std::to_string(s.id()))
        .Add("State", ServerStateName(s.state()))
        .Add("Failure domain", s.failure_domain().empty() ? "-" : s.failure_domain())
        .Add("Data address", s.address())
        .Add("Control address", s.control_address().empty() ? "-" : s.control_address())
        .Add("Capacity", FormatSize(s.capacity_bytes()))
        .Add("Used", fmt::format("{} ({})", FormatSize(s.used_bytes()), Percent(s.used_bytes(), s.capacity_bytes())))
        .Add("Chunks", std::to_string(s.chunks()))
        .Add("Last heartbeat", s.last_heartbeat_ms() ? Timestamp(s.last_heartbeat_ms()) : "-")
        .Add("Disks", disks.empty() ? "-" : disks)
        .Add("Chains", chain_list.empty() ? "-" : chain_list);
    if (s.state() == SERVER_DRAINING) {
      f.Add("Draining", fmt::format("{} chains left, {}/{} chunks copied into replacements{}", r->drain_chains_left(),
                                    r->drain_chunks_done(), r->drain_chunks_total(),
                                    r->drain_blocked().empty() ? "" : "; blocked: " + r->drain_blocked()));
    }
    return f.Render();
  });
  return Status::Ok();
}

Status Drain(Cli& cli, const ServerArgs& a, bool drain) {
  cli.About("server", std::to_string(a.id));
  auto started = RequestDrain(cli, a.id, drain);
  if (!started.ok()) return started.status();
  if (drain && a.wait) RETURN_IF_ERROR(WaitForDrain(cli, a.id));
  auto after = GetServer(cli, a.id);
  if (!after.ok()) return after.status();
  cli.out().Emit(DrainDoc(*after), [&] {
    if (!drain) {
      return fmt::format("server {} takes chains again (it gets new chains and replaces lost members; existing "
                         "chains stay where they are)\n",
                         a.id);
    }
    if (after->server().state() == SERVER_DRAINED) return fmt::format("server {} drained\n", a.id);
    return fmt::format("server {} is draining ({} chains left); follow it with: weftctl server show {}\n", a.id,
                       after->drain_chains_left(), a.id);
  });
  return Status::Ok();
}

}  // namespace

void AddServerCommands(CLI::App* root, Cli& cli) {
  CLI::App* server = AddNoun(root, "server", "chunk servers: state, capacity, draining",
                             {"weftctl server list", "weftctl server drain 3"});
  AddVerb(server, cli, "list", "list chunk servers", {"weftctl server list", "weftctl server list -o json"},
          [&cli] { return List(cli); });
  {
    auto a = std::make_shared<ServerArgs>();
    CLI::App* v = AddVerb(server, cli, "show", "show one chunk server and its chains", {"weftctl server show 3"},
                          [&cli, a] { return Show(cli, *a); });
    v->add_option("ID", a->id, "server id (see: weftctl server list)")->required();
  }
  {
    auto a = std::make_shared<ServerArgs>();
    CLI::App* v = AddVerb(server, cli, "drain",
                          "move every chain off a server so it can be removed (progress on stderr while waiting)",
                          {"weftctl server drain 3", "weftctl server drain 3 --no-wait"},
                          [&cli, a] { return Drain(cli, *a, true); });
    v->add_option("ID", a->id, "server id")->required();
    v->add_flag("--wait,!--no-wait", a->wait, "wait until drained (default), or return once draining started");
  }
  {
    auto a = std::make_shared<ServerArgs>();
    CLI::App* v = AddVerb(server, cli, "undrain", "cancel a drain, or let a drained server take chains again",
                          {"weftctl server undrain 3"}, [&cli, a] { return Drain(cli, *a, false); });
    v->add_option("ID", a->id, "server id")->required();
  }
}

}  // namespace weft::cli
