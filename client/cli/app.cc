#include "client/cli/app.h"

#include <ostream>

#include "client/cli/commands.h"
#include "client/cli/units.h"

#ifndef WEFT_VERSION
#define WEFT_VERSION "dev"
#endif

namespace weft::cli {
namespace {

constexpr const char* kRootFooter = R"(
Settings come from the first place that has them: flags, then WEFT_META / WEFT_TOKEN, then the
config file (--config, default ~/.config/weft/weftctl.toml; keys named like the flags: meta, token,
output, timeout), then ./.weft-local/meta.addr and admin.token of a local cluster, then 127.0.0.1:7400.

Exit codes:
  0  ok
  1  other failure (internal error, cancelled at the prompt)
  2  usage: bad flags, arguments or sizes, or a command this cluster does not support yet
  3  not found: no such tenant, volume, class or server
  4  permission denied: missing or wrong token
  5  refused by the cluster's state: over quota, below usage, exists, not empty, busy
  6  cluster unavailable: weft-meta unreachable or too slow

Examples:
  weftctl cluster status
  weftctl tenant create acme --max-bytes 10Ti
  weftctl volume create spark-data --tenant acme --class large --size 2Ti
  weftctl volume list --tenant acme -o json
  WEFT_META=meta.example:7400 weftctl server list
)";

void AddGlobalOptions(CLI::App& app, Cli& cli) {
  app.add_option("--meta", cli.flags.meta, "weft-meta address HOST:PORT (env WEFT_META)")->option_text("HOST:PORT");
  app.add_option("--token", cli.flags.token,
                 "bearer token: the admin token, or a tenant's for its own tenant (env WEFT_TOKEN; prefer the env "
                 "or config file)")
      ->option_text("TOKEN");
  app.add_option("--tls-ca", cli.flags.tls_ca,
                 "CA certificate (PEM) of a cluster with TLS on (env WEFT_TLS_CA); without it weftctl speaks plain text")
      ->option_text("FILE");
  app.add_option("-o,--output", cli.flags.output, "output format: table (default), json or yaml")
      ->option_text("FORMAT");
  app.add_option("--timeout", cli.flags.timeout, "deadline of each call to weft-meta, seconds (default 5)")
      ->option_text("SECONDS");
  app.add_option("--config", cli.flags.config, "config file (default ~/.config/weft/weftctl.toml if present)")
      ->option_text("FILE");
  app.set_version_flag("--version", std::string("weftctl ") + WEFT_VERSION);
}

// The deepest command the user named.
const CLI::App* Deepest(const CLI::App* app) {
  for (;;) {
    auto subs = app->get_subcommands();
    if (subs.empty()) return app;
    app = subs.front();
  }
}

std::string PathOf(const CLI::App* app) {
  std::string path;
  for (; app != nullptr && app->get_parent() != nullptr; app = app->get_parent()) {
    path = path.empty() ? app->get_name() : app->get_name() + " " + path;
  }
  return path.empty() ? "weftctl" : "weftctl " + path;
}

}  // namespace

int RunWeftctl(int argc, const char* const* argv, const Io& io, SettingsEnv env) {
  Cli cli(io, std::move(env));
  CLI::App app{"weftctl: manage a weft cluster — tenants, volumes, volume classes and servers", "weftctl"};
  app.fallthrough();  // global options may follow the command: weftctl volume list -o json
  app.get_formatter()->column_width(34);
  app.footer(kRootFooter);
  AddGlobalOptions(app, cli);
  AddTenantCommands(&app, cli);
  AddVolumeCommands(&app, cli);
  AddClassCommands(&app, cli);
  AddClusterCommands(&app, cli);
  AddServerCommands(&app, cli);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    io.out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp& e) {
    io.out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    io.out << e.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    io.err << "weftctl: " << e.what() << " (see: " << PathOf(Deepest(&app)) << " --help)\n";
    return kExitUsage;
  }
  if (!cli.selected()) {
    const CLI::App* at = Deepest(&app);
    std::string choices;
    for (const CLI::App* sub : at->get_subcommands({})) choices += (choices.empty() ? "" : ", ") + sub->get_name();
    io.err << "weftctl: " << (at == &app ? "give a command" : PathOf(at).substr(8) + " needs a verb") << ": "
           << choices << " (see: " << PathOf(at) << " --help)\n";
    return kExitUsage;
  }
  return cli.RunSelected();
}

}  // namespace weft::cli
