// The state one weftctl invocation shares between its parts: the global flags, the chosen command,
// the resolved settings, the Admin client and the printer. Nouns register their verbs with AddVerb;
// the verb's action runs after parsing and returns a Status that Run explains (errors.h).
//
// Thread-safety: one thread.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "client/cli/admin_client.h"
#include "client/cli/errors.h"
#include "client/cli/output.h"
#include "client/cli/settings.h"
#include "common/status.h"

namespace weft::cli {

// Where a run reads and writes; tests give string streams.
struct Io {
  std::ostream& out;             // results
  std::ostream& err;             // errors, prompts, progress
  std::istream& in;              // prompt answers
  bool stdin_terminal = false;   // prompts are allowed only on a terminal
  bool stderr_terminal = false;  // progress bars only on a terminal
};

class Cli {
 public:
  using Action = std::function<Status()>;

  Cli(Io io, SettingsEnv env) : io_(io), env_(std::move(env)) {}

  SettingsFlags flags;  // bound to the global options

  // Called by the chosen verb's parse callback.
  void Select(std::string command, Action action);
  bool selected() const { return static_cast<bool>(action_); }
  const std::string& command() const { return command_; }
  // What the running command acts on, for error messages ("volume", "x").
  void About(std::string kind, std::string name) { subject_ = {std::move(kind), std::move(name)}; }

  // Resolves the settings, runs the chosen action and explains a failure on stderr. Returns the exit code.
  int RunSelected();

  // Valid while an action runs.
  const Settings& settings() const { return *settings_; }
  AdminClient& admin();
  Printer& out() { return *printer_; }
  const Io& io() const { return io_; }

 private:
  ErrorContext Context() const;

  Io io_;
  SettingsEnv env_;
  std::string command_;
  Action action_;
  Subject subject_;
  std::optional<Settings> settings_;
  std::unique_ptr<Printer> printer_;
  TlsPtr tls_;  // null = plain text
  std::unique_ptr<AdminClient> admin_;
};

// Adds verb `name` under `parent` with its help and examples (one command line per entry); `action`
// runs when it is chosen. Returns the verb for its options and arguments.
CLI::App* AddVerb(CLI::App* parent, Cli& cli, const std::string& name, const std::string& help,
                  const std::vector<std::string>& examples, Cli::Action action);
// Adds a noun (a group of verbs) under parent.
CLI::App* AddNoun(CLI::App* parent, const std::string& name, const std::string& help,
                  const std::vector<std::string>& examples);

// An option whose text the action parses (sizes, counts), so a bad value is explained like any other
// error: given() is true even for an empty text ("--size ''").
struct TextOption {
  std::string text;
  CLI::Option* option = nullptr;
  bool given() const { return option != nullptr && option->count() > 0; }
};
// Adds --name bound to t.
void AddTextOption(CLI::App* app, const std::string& name, TextOption* t, const std::string& help,
                   const std::string& value_name);

// Parses a size/count flag value; the message names the flag: "--size: invalid size '10Gb': ...".
StatusOr<uint64_t> SizeFlag(const std::string& flag, const std::string& text);
StatusOr<uint64_t> CountFlag(const std::string& flag, const std::string& text);

}  // namespace weft::cli
