#include "client/cli/cli.h"

#include <ostream>

#include "client/cli/units.h"

namespace weft::cli {
namespace {

std::string FormatTimeout(std::chrono::milliseconds t) {
  if (t.count() % 1000 == 0) return fmt::format("{}s", t.count() / 1000);
  return fmt::format("{}ms", t.count());
}

std::string CommandPath(const CLI::App* app) {
  std::string path;
  for (; app != nullptr && app->get_parent() != nullptr; app = app->get_parent()) {
    path = path.empty() ? app->get_name() : app->get_name() + " " + path;
  }
  return path;
}

std::string ExamplesFooter(const std::vector<std::string>& examples) {
  if (examples.empty()) return "";
  std::string footer = "\nExamples:\n";
  for (const auto& e : examples) footer += "  " + e + "\n";
  return footer + "\nGlobal options (--meta, --token, --tls-ca, -o, --timeout, --config) and exit codes: weftctl --help\n";
}

}  // namespace

void Cli::Select(std::string command, Action action) {
  command_ = std::move(command);
  action_ = std::move(action);
}

AdminClient& Cli::admin() {
  if (!admin_) {
    admin_ = std::make_unique<AdminClient>(
        AdminOptions{.address = settings_->meta, .token = settings_->token, .timeout = settings_->timeout, .tls = tls_});
  }
  return *admin_;
}

ErrorContext Cli::Context() const {
  ErrorContext ctx;
  ctx.command = command_;
  ctx.subject = subject_;
  if (settings_) {
    ctx.meta = settings_->meta;
    ctx.meta_source = settings_->meta_source;
    ctx.timeout = FormatTimeout(settings_->timeout);
    ctx.tls = !settings_->tls_ca.empty();
  }
  return ctx;
}

int Cli::RunSelected() {
  auto settings = ResolveSettings(flags, env_);
  Status s = settings.status();
  if (settings.ok()) {
    settings_ = std::move(*settings);
    printer_ = std::make_unique<Printer>(settings_->format, io_.out);
    auto tls = Tls::Load(TlsFiles{.ca_file = settings_->tls_ca}, /*server=*/false);
    s = tls.status();
    if (s.ok()) {
      tls_ = std::move(*tls);
      s = action_();
    }
  }
  if (s.ok()) return kExitOk;
  Explained e = Explain(s, Context());
  io_.out.flush();
  io_.err << e.message << "\n";
  io_.err.flush();
  return e.exit_code;
}

CLI::App* AddNoun(CLI::App* parent, const std::string& name, const std::string& help,
                  const std::vector<std::string>& examples) {
  CLI::App* noun = parent->add_subcommand(name, help);
  noun->footer(ExamplesFooter(examples));
  return noun;
}

CLI::App* AddVerb(CLI::App* parent, Cli& cli, const std::string& name, const std::string& help,
                  const std::vector<std::string>& examples, Cli::Action action) {
  CLI::App* verb = parent->add_subcommand(name, help);
  verb->footer(ExamplesFooter(examples));
  verb->callback([&cli, verb, action = std::move(action)] { cli.Select(CommandPath(verb), action); });
  return verb;
}

void AddTextOption(CLI::App* app, const std::string& name, TextOption* t, const std::string& help,
                   const std::string& value_name) {
  t->option = app->add_option(name, t->text, help)->option_text(value_name);
}

StatusOr<uint64_t> SizeFlag(const std::string& flag, const std::string& text) {
  auto v = ParseSize(text);
  if (!v.ok()) return v.status().Annotate(flag);
  return v;
}

StatusOr<uint64_t> CountFlag(const std::string& flag, const std::string& text) {
  auto v = ParseCount(text);
  if (!v.ok()) return v.status().Annotate(flag);
  return v;
}

}  // namespace weft::cli
