// weftctl class list|show: the cluster's volume classes ("t-shirt sizes").
#include <memory>

#include "client/cli/commands.h"
#include "client/cli/units.h"
#include "client/cli/views.h"

namespace weft::cli {
namespace {

Value ClassDoc(const VolumeClass& c) {
  Value v = Value::MakeObject();
  v.Set("name", c.name())
      .Set("default_quota_bytes", c.default_quota_bytes())
      .Set("default_quota_inodes", c.default_quota_inodes())
      .Set("replication", c.replication())
      .Set("stripe_width", c.stripe_width())
      .Set("chunk_size", c.chunk_size())
      .Set("qos_bandwidth_bytes", c.qos_bandwidth_bytes())
      .Set("qos_iops", c.qos_iops());
  return v;
}

std::string Bandwidth(uint64_t b) { return b ? FormatSize(b) + "/s" : "unlimited"; }

Status List(Cli& cli) {
  auto resp = cli.admin().Call(&Admin::Stub::ListClasses, ListClassesRequest());
  if (!resp.ok()) return resp.status();
  Value items = Value::MakeArray();
  for (const auto& c : resp->classes()) items.Push(ClassDoc(c));
  cli.out().Emit(Value::MakeObject().Set("classes", std::move(items)), [&] {
    Table t({"NAME", "SIZE", "INODES", "REPLICATION", "STRIPE", "CHUNK", "BANDWIDTH", "IOPS"});
    for (const auto& c : resp->classes()) {
      t.AddRow({c.name(), QuotaSize(c.default_quota_bytes()), QuotaCount(c.default_quota_inodes()),
                std::to_string(c.replication()), std::to_string(c.stripe_width()), FormatSize(c.chunk_size()),
                Bandwidth(c.qos_bandwidth_bytes()), QuotaCount(c.qos_iops())});
    }
    return t.Render();
  });
  return Status::Ok();
}

Status Show(Cli& cli, const std::string& name) {
  cli.About("volume class", name);
  ClassRequest req;
  req.set_name(name);
  auto c = cli.admin().Call(&Admin::Stub::GetClass, req);
  if (!c.ok()) return c.status();
  cli.out().Emit(ClassDoc(*c), [&] {
    Fields f;
    f.Add("Name", c->name())
        .Add("Default size", QuotaSize(c->default_quota_bytes()))
        .Add("Default inodes", QuotaCount(c->default_quota_inodes()))
        .Add("Replication", std::to_string(c->replication()))
        .Add("Stripe width", std::to_string(c->stripe_width()))
        .Add("Chunk size", FormatSize(c->chunk_size()))
        .Add("Bandwidth", Bandwidth(c->qos_bandwidth_bytes()) + " per mount")
        .Add("IOPS", QuotaCount(c->qos_iops()) + " per mount");
    return f.Render();
  });
  return Status::Ok();
}

}  // namespace

void AddClassCommands(CLI::App* root, Cli& cli) {
  CLI::App* cls = AddNoun(root, "class", "volume classes: the defaults a volume is created with",
                          {"weftctl class list", "weftctl class show large"});
  AddVerb(cls, cli, "list", "list volume classes", {"weftctl class list"}, [&cli] { return List(cli); });
  auto name = std::make_shared<std::string>();
  CLI::App* v = AddVerb(cls, cli, "show", "show one volume class", {"weftctl class show small -o yaml"},
                        [&cli, name] { return Show(cli, *name); });
  v->add_option("NAME", *name, "class name")->required();
}

}  // namespace weft::cli
