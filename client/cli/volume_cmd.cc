// weftctl volume create|list|show|resize|set-readonly|delete.
#include <memory>

#include "client/cli/commands.h"
#include "client/cli/confirm.h"
#include "client/cli/progress.h"
#include "client/cli/units.h"
#include "client/cli/views.h"

namespace weft::cli {
namespace {

struct VolumeArgs {
  std::string name;
  std::string tenant;
  std::string class_name;
  TextOption size;
  TextOption inodes;
  uint32_t replication = 0;
  std::string mode;
  bool off = false;   // set-readonly --off
  bool yes = false;   // delete --yes
  bool wait = false;  // delete --wait
};

Value VolumeDoc(const Volume& v) {
  Value doc = Value::MakeObject();
  doc.Set("name", v.name())
      .Set("id", v.id())
      .Set("tenant", v.tenant())
      .Set("class", v.class_name())
      .Set("quota", QuotaDoc(v.quota(), false))
      .Set("usage", UsageDoc(v.usage(), false))
      .Set("replication", v.replication())
      .Set("access_mode", AccessModeName(v.access_mode()))
      .Set("read_only", v.read_only())
      .Set("stripe_width", v.stripe_width())
      .Set("chunk_size", v.chunk_size())
      .Set("root_ino", v.root_ino())
      .Set("mounts", v.mounts())
      .Set("created_ms", v.created_ms());
  return doc;
}

std::string ModeText(const Volume& v) { return AccessModeName(v.access_mode()) + (v.read_only() ? ",ro" : ""); }

std::string VolumeText(const Volume& v) {
  Fields f;
  f.Add("Name", v.name())
      .Add("ID", std::to_string(v.id()))
      .Add("Tenant", v.tenant())
      .Add("Class", v.class_name())
      .Add("Size", QuotaSize(v.quota().bytes()))
      .Add("Used", fmt::format("{} ({}), {} reserved", FormatSize(v.usage().bytes()),
                               Percent(v.usage().bytes(), v.quota().bytes()), FormatSize(v.usage().reserved_bytes())))
      .Add("Inodes", UsedOfCount(v.usage().inodes(), v.quota().inodes()))
      .Add("Replication", std::to_string(v.replication()))
      .Add("Stripe width", std::to_string(v.stripe_width()))
      .Add("Chunk size", FormatSize(v.chunk_size()))
      .Add("Access mode", AccessModeName(v.access_mode()))
      .Add("Read-only", v.read_only() ? "yes" : "no")
      .Add("Mounts", std::to_string(v.mounts()))
      .Add("Root inode", std::to_string(v.root_ino()))
      .Add("Created", Timestamp(v.created_ms()));
  return f.Render();
}

StatusOr<Volume> GetVolume(Cli& cli, const std::string& name) {
  VolumeRequest req;
  req.set_name(name);
  return cli.admin().Call(&Admin::Stub::GetVolume, req);
}

Status Create(Cli& cli, const VolumeArgs& a) {
  cli.About("volume", a.name);
  CreateVolumeRequest req;
  req.set_name(a.name);
  req.set_tenant(a.tenant);
  req.set_class_name(a.class_name);
  req.set_replication(a.replication);
  if (a.size.given()) {
    auto v = SizeFlag("--size", a.size.text);
    if (!v.ok()) return v.status();
    if (*v == 0) return Err(EINVAL, "--size must be more than 0 (leave it out for the class default)");
    req.set_quota_bytes(*v);
  }
  if (a.inodes.given()) {
    auto v = CountFlag("--inodes", a.inodes.text);
    if (!v.ok()) return v.status();
    if (*v == 0) return Err(EINVAL, "--inodes must be more than 0 (leave it out for the class default)");
    req.set_quota_inodes(*v);
  }
  if (a.mode == "exclusive") req.set_access_mode(ACCESS_EXCLUSIVE);
  if (a.mode == "shared") req.set_access_mode(ACCESS_SHARED);
  auto v = cli.admin().Call(&Admin::Stub::CreateVolume, req);
  if (!v.ok()) return v.status();
  cli.out().Emit(VolumeDoc(*v), [&] {
    return fmt::format("volume '{}' created: tenant {}, class {}, size {}, {} inodes, replication {}, {}\n",
                       v->name(), v->tenant(), v->class_name(), QuotaSize(v->quota().bytes()),
                       QuotaCount(v->quota().inodes()), v->replication(), AccessModeName(v->access_mode()));
  });
  return Status::Ok();
}

Status List(Cli& cli, const VolumeArgs& a) {
  if (!a.tenant.empty()) cli.About("tenant", a.tenant);
  ListVolumesRequest req;
  req.set_tenant(a.tenant);
  auto resp = cli.admin().Call(&Admin::Stub::ListVolumes, req);
  if (!resp.ok()) return resp.status();
  Value items = Value::MakeArray();
  for (const auto& v : resp->volumes()) items.Push(VolumeDoc(v));
  cli.out().Emit(Value::MakeObject().Set("volumes", std::move(items)), [&] {
    if (resp->volumes().empty()) {
      return a.tenant.empty() ? std::string("No volumes.\n") : fmt::format("No volumes of tenant '{}'.\n", a.tenant);
    }
    int64_t now = NowUnixMs();
    Table table({"NAME", "TENANT", "CLASS", "SIZE", "USED", "INODES", "REPL", "MODE", "MOUNTS", "AGE"});
    for (const auto& v : resp->volumes()) {
      table.AddRow({v.name(), v.tenant(), v.class_name(), QuotaSize(v.quota().bytes()), FormatSize(v.usage().bytes()),
                    UsedOfCount(v.usage().inodes(), v.quota().inodes()), std::to_string(v.replication()),
                    ModeText(v), std::to_string(v.mounts()), Age(v.created_ms(), now)});
    }
    return table.Render();
  });
  return Status::Ok();
}

Status Show(Cli& cli, const VolumeArgs& a) {
  cli.About("volume", a.name);
  auto v = GetVolume(cli, a.name);
  if (!v.ok()) return v.status();
  cli.out().Emit(VolumeDoc(*v), [&] { return VolumeText(*v); });
  return Status::Ok();
}

Status Resize(Cli& cli, const VolumeArgs& a) {
  cli.About("volume", a.name);
  if (!a.size.given() && !a.inodes.given()) return Err(EINVAL, "give --size, --inodes or both");
  ResizeVolumeRequest req;
  req.set_name(a.name);
  if (a.size.given()) {
    auto v = SizeFlag("--size", a.size.text);
    if (!v.ok()) return v.status();
    if (*v == 0) return Err(EINVAL, "--size must be more than 0");
    req.set_quota_bytes(*v);
  }
  if (a.inodes.given()) {
    auto v = CountFlag("--inodes", a.inodes.text);
    if (!v.ok()) return v.status();
    if (*v == 0) return Err(EINVAL, "--inodes must be more than 0");
    req.set_quota_inodes(*v);
  }
  // weft-meta refuses a quota below usage too; checking first gives the numbers and exit code 5.
  auto current = GetVolume(cli, a.name);
  if (!current.ok()) return current.status();
  const Usage& u = current->usage();
  if (req.quota_bytes() && req.quota_bytes() < u.bytes()) {
    return Err(EDQUOT, "volume '{}' holds {}, more than the new size {} (resize to at least {}, or delete data first)",
               a.name, FormatSize(u.bytes()), FormatSize(req.quota_bytes()), FormatSize(u.bytes()));
  }
  if (req.quota_inodes() && req.quota_inodes() < u.inodes()) {
    return Err(EDQUOT, "volume '{}' holds {} inodes, more than the new inode quota {} (remove files first)", a.name,
               u.inodes(), req.quota_inodes());
  }
  auto v = cli.admin().Call(&Admin::Stub::ResizeVolume, req);
  if (!v.ok()) return v.status();
  cli.out().Emit(VolumeDoc(*v), [&] {
    return fmt::format("volume '{}' resized: size {}, {} inodes\n", v->name(), QuotaSize(v->quota().bytes()),
                       QuotaCount(v->quota().inodes()));
  });
  return Status::Ok();
}

Status SetReadOnly(Cli& cli, const VolumeArgs& a) {
  cli.About("volume", a.name);
  SetReadOnlyRequest req;
  req.set_name(a.name);
  req.set_read_only(!a.off);
  auto v = cli.admin().Call(&Admin::Stub::SetVolumeReadOnly, req);
  if (!v.ok()) return v.status();
  cli.out().Emit(VolumeDoc(*v), [&] {
    return fmt::format("volume '{}' is {}\n", v->name(), v->read_only() ? "read-only" : "writable");
  });
  return Status::Ok();
}

// weft-meta purges a deleted volume's namespace in the background and takes its inodes off the
// tenant's usage as it goes; the purge is done when the tenant's inode count has dropped by the
// volume's. (Approximate while the tenant's other volumes create or remove files: weft-meta reports no
// per-volume purge progress yet.)
Status WaitForPurge(Cli& cli, const Volume& vol, const Tenant& before) {
  const uint64_t total = vol.usage().inodes();
  const uint64_t target = before.usage().inodes() > total ? before.usage().inodes() - total : 0;
  TenantRequest req;
  req.set_name(vol.tenant());
  auto progress = Progress::Make(cli.io().err, cli.io().stderr_terminal, fmt::format("purge volume '{}'", vol.name()));
  Status s = WaitFor(
      [&]() -> StatusOr<Step> {
        auto t = cli.admin().Call(&Admin::Stub::GetTenant, req);
        if (!t.ok() && t.status().err() == ENOENT) return Step{total, total, "inodes", true};
        if (!t.ok()) return t.status();
        uint64_t now = t->usage().inodes();
        uint64_t done = now >= before.usage().inodes() ? 0 : std::min(total, before.usage().inodes() - now);
        return Step{now <= target ? total : done, total, "inodes", now <= target};
      },
      *progress, {.interval = std::chrono::milliseconds(500)});
  if (!s.ok()) return s.Annotate(fmt::format("volume '{}' is deleted, but waiting for its purge failed", vol.name()));
  progress->Finish(fmt::format("volume '{}' purged", vol.name()));
  return Status::Ok();
}

Status Delete(Cli& cli, const VolumeArgs& a) {
  cli.About("volume", a.name);
  auto vol = GetVolume(cli, a.name);
  if (!vol.ok()) return vol.status();
  const Usage& u = vol->usage();
  std::string question = fmt::format(
      "Delete volume '{}' of tenant '{}' ({} in {} {}){}? This cannot be undone.", vol->name(), vol->tenant(),
      u.bytes() < 1024 ? fmt::format("{} bytes", u.bytes()) : FormatSize(u.bytes()), FormatCount(u.inodes()),
      u.inodes() == 1 ? "inode" : "inodes",
      vol->mounts() ? fmt::format(", mounted by {} clients that will lose it", vol->mounts()) : "");
  auto ok = Confirm(question, fmt::format("delete volume '{}'", a.name), a.yes, cli.io().stdin_terminal, cli.io().in,
                    cli.io().err);
  if (!ok.ok()) return ok.status();
  if (!*ok) return Err(ECANCELED, "volume '{}' was not deleted", a.name);
  Tenant before;
  if (a.wait) {
    TenantRequest req;
    req.set_name(vol->tenant());
    auto t = cli.admin().Call(&Admin::Stub::GetTenant, req);
    if (!t.ok()) return t.status();
    before = *t;
  }
  VolumeRequest req;
  req.set_name(a.name);
  auto r = cli.admin().Call(&Admin::Stub::DeleteVolume, req);
  if (!r.ok()) return r.status();
  if (a.wait) RETURN_IF_ERROR(WaitForPurge(cli, *vol, before));
  cli.out().Emit(Value::MakeObject().Set("name", a.name).Set("deleted", true).Set("purged", a.wait), [&] {
    return a.wait ? fmt::format("volume '{}' deleted and purged\n", a.name)
                  : fmt::format("volume '{}' deleted; its data is reclaimed in the background\n", a.name);
  });
  return Status::Ok();
}

}  // namespace

void AddVolumeCommands(CLI::App* root, Cli& cli) {
  CLI::App* volume = AddNoun(root, "volume", "volumes: a tenant's namespaces, each with a quota and a class",
                             {"weftctl volume list", "weftctl volume create data --tenant acme --size 100Gi"});
  const std::string size_help = std::string(kSizeHelp) + "\n";
  {
    auto a = std::make_shared<VolumeArgs>();
    CLI::App* v = AddVerb(volume, cli, "create", "create a volume of a tenant",
                          {"weftctl volume create data --tenant acme",
                           "weftctl volume create scratch --tenant acme --class small --size 50Gi --replication 2",
                           "weftctl volume create db --tenant acme --mode exclusive --inodes 1M"},
                          [&cli, a] { return Create(cli, *a); });
    v->add_option("NAME", a->name, "volume name: letters, digits, '.', '_', '-'")->required();
    v->add_option("--tenant", a->tenant, "the tenant that owns it")->required()->option_text("TENANT");
    v->add_option("--class", a->class_name, "volume class: small, medium (default), large or a custom one")
        ->option_text("CLASS");
    AddTextOption(v, "--size", &a->size, "byte quota (default: the class's)", "SIZE");
    AddTextOption(v, "--inodes", &a->inodes, "inode quota (default: the class's)", "N");
    v->add_option("--replication", a->replication, "copies of each chunk, 1..3 (default: the class's)")
        ->check(CLI::Range(1, 3))
        ->option_text("1..3");
    v->add_option("--mode", a->mode, "exclusive: one writer mount at a time; shared (default): many")
        ->check(CLI::IsMember({"exclusive", "shared"}))
        ->option_text("MODE");
    v->footer(v->get_footer() + "\n" + size_help);
  }
  {
    auto a = std::make_shared<VolumeArgs>();
    CLI::App* v = AddVerb(volume, cli, "list", "list volumes", {"weftctl volume list", "weftctl volume list --tenant acme -o json"},
                          [&cli, a] { return List(cli, *a); });
    v->add_option("--tenant", a->tenant, "only this tenant's volumes")->option_text("TENANT");
  }
  {
    auto a = std::make_shared<VolumeArgs>();
    CLI::App* v = AddVerb(volume, cli, "show", "show one volume", {"weftctl volume show data"},
                          [&cli, a] { return Show(cli, *a); });
    v->add_option("NAME", a->name, "volume name")->required();
  }
  {
    auto a = std::make_shared<VolumeArgs>();
    CLI::App* v = AddVerb(volume, cli, "resize", "change a volume's quota (never below what it holds)",
                          {"weftctl volume resize data --size 200Gi", "weftctl volume resize data --inodes 20M"},
                          [&cli, a] { return Resize(cli, *a); });
    v->add_option("NAME", a->name, "volume name")->required();
    AddTextOption(v, "--size", &a->size, "new byte quota", "SIZE");
    AddTextOption(v, "--inodes", &a->inodes, "new inode quota", "N");
    v->footer(v->get_footer() + "\n" + size_help);
  }
  {
    auto a = std::make_shared<VolumeArgs>();
    CLI::App* v = AddVerb(volume, cli, "set-readonly", "make a volume read-only (or writable again with --off)",
                          {"weftctl volume set-readonly data", "weftctl volume set-readonly data --off"},
                          [&cli, a] { return SetReadOnly(cli, *a); });
    v->add_option("NAME", a->name, "volume name")->required();
    v->add_flag("--off", a->off, "make it writable again");
  }
  {
    auto a = std::make_shared<VolumeArgs>();
    CLI::App* v = AddVerb(volume, cli, "delete",
                          "delete a volume and all its data (asks first on a terminal; scripts pass --yes)",
                          {"weftctl volume delete scratch", "weftctl volume delete scratch --yes --wait"},
                          [&cli, a] { return Delete(cli, *a); });
    v->add_option("NAME", a->name, "volume name")->required();
    v->add_flag("-y,--yes", a->yes, "do not ask; required when stdin is not a terminal");
    v->add_flag("--wait,!--no-wait", a->wait,
                "wait until the data is purged, with progress on stderr (default: --no-wait, purge runs in the "
                "background)");
  }
}

}  // namespace weft::cli
