// weftctl tenant create|list|show|set-quota|delete (tokens: tenant_token_cmd.cc).
#include <memory>

#include "client/cli/commands.h"
#include "client/cli/units.h"
#include "client/cli/views.h"

namespace weft::cli {
namespace {

struct QuotaArgs {
  TextOption bytes, inodes, volumes;  // "unlimited" or 0 = no limit
};

struct TenantArgs {
  std::string name;
  QuotaArgs quota;
};

void AddQuotaOptions(CLI::App* verb, QuotaArgs* q) {
  AddTextOption(verb, "--max-bytes", &q->bytes, "byte quota over all its volumes (a size, or unlimited)", "SIZE");
  AddTextOption(verb, "--max-inodes", &q->inodes, "inode quota over all its volumes (a count, or unlimited)", "N");
  AddTextOption(verb, "--max-volumes", &q->volumes, "how many volumes it may own (a count, or unlimited)", "N");
}

// Applies the given quota flags to q; "unlimited" (or 0) clears a limit.
Status ApplyQuotaArgs(const QuotaArgs& a, Quota* q) {
  auto apply = [](const std::string& flag, const TextOption& opt, bool size, auto set) -> Status {
    if (!opt.given()) return Status::Ok();
    const std::string& text = opt.text;
    if (text == "unlimited") {
      set(0);
      return Status::Ok();
    }
    auto v = size ? SizeFlag(flag, text) : CountFlag(flag, text);
    if (!v.ok()) return v.status();
    set(*v);
    return Status::Ok();
  };
  RETURN_IF_ERROR(apply("--max-bytes", a.bytes, true, [q](uint64_t v) { q->set_bytes(v); }));
  RETURN_IF_ERROR(apply("--max-inodes", a.inodes, false, [q](uint64_t v) { q->set_inodes(v); }));
  return apply("--max-volumes", a.volumes, false, [q](uint64_t v) { q->set_volumes(v); });
}

// A new quota below what the tenant already uses is refused by weft-meta; say it with the numbers.
Status CheckQuotaAboveUsage(const Tenant& t, const Quota& q) {
  const Usage& u = t.usage();
  if (q.bytes() && q.bytes() < u.bytes()) {
    return Err(EDQUOT, "tenant '{}' already uses {}, more than the new byte quota {} (free space or choose more)",
               t.name(), FormatSize(u.bytes()), FormatSize(q.bytes()));
  }
  if (q.inodes() && q.inodes() < u.inodes()) {
    return Err(EDQUOT, "tenant '{}' already uses {} inodes, more than the new inode quota {}", t.name(),
               FormatCount(u.inodes()), FormatCount(q.inodes()));
  }
  if (q.volumes() && q.volumes() < u.volumes()) {
    return Err(EDQUOT, "tenant '{}' already owns {} volumes, more than the new volume quota {}", t.name(),
               u.volumes(), q.volumes());
  }
  return Status::Ok();
}

Value TenantDoc(const Tenant& t) {
  Value v = Value::MakeObject();
  v.Set("name", t.name())
      .Set("quota", QuotaDoc(t.quota(), true))
      .Set("usage", UsageDoc(t.usage(), true))
      .Set("created_ms", t.created_ms());
  return v;
}

std::string TenantText(const Tenant& t) {
  Fields f;
  f.Add("Name", t.name())
      .Add("Volumes", UsedOfCount(t.usage().volumes(), t.quota().volumes()))
      .Add("Bytes", fmt::format("{} ({} reserved)", UsedOfSize(t.usage().bytes(), t.quota().bytes()),
                                FormatSize(t.usage().reserved_bytes())))
      .Add("Inodes", UsedOfCount(t.usage().inodes(), t.quota().inodes()))
      .Add("Created", Timestamp(t.created_ms()));
  return f.Render();
}

Status Create(Cli& cli, const TenantArgs& a) {
  cli.About("tenant", a.name);
  CreateTenantRequest req;
  req.set_name(a.name);
  RETURN_IF_ERROR(ApplyQuotaArgs(a.quota, req.mutable_quota()));
  auto t = cli.admin().Call(&Admin::Stub::CreateTenant, req);
  if (!t.ok()) return t.status();
  cli.out().Emit(TenantDoc(*t), [&] {
    return fmt::format("tenant '{}' created (bytes {}, inodes {}, volumes {})\n", t->name(),
                       QuotaSize(t->quota().bytes()), QuotaCount(t->quota().inodes()),
                       QuotaCount(t->quota().volumes()));
  });
  return Status::Ok();
}

Status List(Cli& cli) {
  auto resp = cli.admin().Call(&Admin::Stub::ListTenants, ListTenantsRequest());
  if (!resp.ok()) return resp.status();
  Value items = Value::MakeArray();
  for (const auto& t : resp->tenants()) items.Push(TenantDoc(t));
  cli.out().Emit(Value::MakeObject().Set("tenants", std::move(items)), [&] {
    if (resp->tenants().empty()) return std::string("No tenants. Create one with: weftctl tenant create NAME\n");
    int64_t now = NowUnixMs();
    Table table({"NAME", "VOLUMES", "BYTES", "INODES", "AGE"});
    for (const auto& t : resp->tenants()) {
      table.AddRow({t.name(), UsedOfCount(t.usage().volumes(), t.quota().volumes()),
                    UsedOfSize(t.usage().bytes(), t.quota().bytes()), UsedOfCount(t.usage().inodes(), t.quota().inodes()),
                    Age(t.created_ms(), now)});
    }
    return table.Render();
  });
  return Status::Ok();
}

Status Show(Cli& cli, const TenantArgs& a) {
  cli.About("tenant", a.name);
  TenantRequest req;
  req.set_name(a.name);
  auto t = cli.admin().Call(&Admin::Stub::GetTenant, req);
  if (!t.ok()) return t.status();
  cli.out().Emit(TenantDoc(*t), [&] { return TenantText(*t); });
  return Status::Ok();
}

Status SetQuota(Cli& cli, const TenantArgs& a) {
  cli.About("tenant", a.name);
  if (!a.quota.bytes.given() && !a.quota.inodes.given() && !a.quota.volumes.given()) {
    return Err(EINVAL, "give at least one of --max-bytes, --max-inodes, --max-volumes");
  }
  TenantRequest get;
  get.set_name(a.name);
  auto current = cli.admin().Call(&Admin::Stub::GetTenant, get);
  if (!current.ok()) return current.status();
  SetTenantQuotaRequest req;
  req.set_name(a.name);
  *req.mutable_quota() = current->quota();  // flags not given keep their value
  RETURN_IF_ERROR(ApplyQuotaArgs(a.quota, req.mutable_quota()));
  RETURN_IF_ERROR(CheckQuotaAboveUsage(*current, req.quota()));
  auto t = cli.admin().Call(&Admin::Stub::SetTenantQuota, req);
  if (!t.ok()) return t.status();
  cli.out().Emit(TenantDoc(*t), [&] {
    return fmt::format("tenant '{}' quota set: bytes {}, inodes {}, volumes {}\n", t->name(),
                       QuotaSize(t->quota().bytes()), QuotaCount(t->quota().inodes()),
                       QuotaCount(t->quota().volumes()));
  });
  return Status::Ok();
}

Status Delete(Cli& cli, const TenantArgs& a) {
  cli.About("tenant", a.name);
  TenantRequest req;
  req.set_name(a.name);
  auto r = cli.admin().Call(&Admin::Stub::DeleteTenant, req);
  if (!r.ok()) return r.status();
  cli.out().Emit(Value::MakeObject().Set("name", a.name).Set("deleted", true),
                 [&] { return fmt::format("tenant '{}' deleted\n", a.name); });
  return Status::Ok();
}

}  // namespace

void AddTenantCommands(CLI::App* root, Cli& cli) {
  CLI::App* tenant = AddNoun(root, "tenant", "tenants: the unit of isolation, with quotas over their volumes",
                             {"weftctl tenant list", "weftctl tenant create acme --max-bytes 10Ti --max-volumes 50"});
  const std::string size_help(kSizeHelp);
  {
    auto a = std::make_shared<TenantArgs>();
    CLI::App* v = AddVerb(tenant, cli, "create", "create a tenant (quotas default to unlimited)",
                          {"weftctl tenant create acme", "weftctl tenant create acme --max-bytes 10Ti --max-inodes 100M"},
                          [&cli, a] { return Create(cli, *a); });
    v->add_option("NAME", a->name, "tenant name: letters, digits, '.', '_', '-'")->required();
    AddQuotaOptions(v, &a->quota);
    v->footer(v->get_footer() + "\n" + size_help + "\n");
  }
  AddVerb(tenant, cli, "list", "list tenants with their usage and quotas",
          {"weftctl tenant list", "weftctl tenant list -o json"}, [&cli] { return List(cli); });
  {
    auto a = std::make_shared<TenantArgs>();
    CLI::App* v = AddVerb(tenant, cli, "show", "show one tenant", {"weftctl tenant show acme"},
                          [&cli, a] { return Show(cli, *a); });
    v->add_option("NAME", a->name, "tenant name")->required();
  }
  {
    auto a = std::make_shared<TenantArgs>();
    CLI::App* v = AddVerb(tenant, cli, "set-quota", "change a tenant's quotas (flags not given keep their value)",
                          {"weftctl tenant set-quota acme --max-bytes 20Ti",
                           "weftctl tenant set-quota acme --max-volumes unlimited"},
                          [&cli, a] { return SetQuota(cli, *a); });
    v->add_option("NAME", a->name, "tenant name")->required();
    AddQuotaOptions(v, &a->quota);
    v->footer(v->get_footer() + "\n" + size_help + "\n");
  }
  {
    auto a = std::make_shared<TenantArgs>();
    CLI::App* v = AddVerb(tenant, cli, "delete", "delete a tenant that owns no volumes",
                          {"weftctl tenant delete acme"}, [&cli, a] { return Delete(cli, *a); });
    v->add_option("NAME", a->name, "tenant name")->required();
  }
  AddTenantTokenCommands(tenant, cli);
}

}  // namespace weft::cli
