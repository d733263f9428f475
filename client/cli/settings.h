// Where weftctl finds its cluster and token. Each setting comes from the first source that has it:
//   1. the command line:        --meta, --token, --tls-ca, -o/--output, --timeout
//   2. the environment:         WEFT_META, WEFT_TOKEN, WEFT_TLS_CA
//   3. the config file:         --config FILE, else $XDG_CONFIG_HOME/weft/weftctl.toml or
//                               ~/.config/weft/weftctl.toml when present; TOML keys named like the long
//                               flags: meta = "host:7400", token = "...", tls-ca = "/etc/weft/ca.pem",
//                               output = "json", timeout = 10
//   4. a local cluster's files: ./.weft-local/meta.addr ("HOST:PORT" or "grpc=HOST:PORT"), and beside it
//                               admin.token and tls/ca.pem (when the cluster runs TLS) — only when the
//                               address came from there too, so a local token never goes to another cluster
//   5. the default:             127.0.0.1:7400 (weft-meta's default listen address), no token
//
// Thread-safety: pure functions of their inputs.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "client/cli/output.h"
#include "common/status.h"

namespace weft::cli {

// What the command line said ("" = not given).
struct SettingsFlags {
  std::string meta;
  std::string token;
  std::string tls_ca;
  std::string output;
  std::string timeout;  // seconds, as text
  std::string config;   // --config FILE
};

// The world the settings come from; tests replace it.
struct SettingsEnv {
  std::function<std::string(const std::string&)> getenv;  // "" = unset
  std::string cwd = ".";                                   // where .weft-local is looked for
};
SettingsEnv ProcessEnv();

struct Settings {
  std::string meta;
  std::string meta_source;  // "--meta", "WEFT_META", "config /path", ".weft-local/meta.addr", "default"
  std::string token;
  std::string tls_ca;  // "" = plain text
  Format format = Format::kTable;
  std::chrono::milliseconds timeout{5000};  // default 5 s
};

inline constexpr const char* kDefaultMeta = "127.0.0.1:7400";

// EINVAL for a bad --config file (missing, unparsable, unknown key), output format or timeout.
StatusOr<Settings> ResolveSettings(const SettingsFlags& flags, const SettingsEnv& env);

}  // namespace weft::cli
