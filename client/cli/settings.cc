#include "client/cli/settings.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <CLI/CLI.hpp>

namespace weft::cli {
namespace {

namespace fs = std::filesystem;

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

StatusOr<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Err(ENOENT, "cannot read {}", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return Trim(ss.str());
}

// The config file to read: the named one (must exist), else the default one if present, else "".
StatusOr<std::string> ConfigPath(const SettingsFlags& flags, const SettingsEnv& env) {
  if (!flags.config.empty()) {
    if (!fs::is_regular_file(flags.config)) return Err(EINVAL, "config file '{}' not found", flags.config);
    return flags.config;
  }
  std::string base = env.getenv("XDG_CONFIG_HOME");
  if (base.empty()) {
    std::string home = env.getenv("HOME");
    if (home.empty()) return std::string();
    base = home + "/.config";
  }
  std::string path = base + "/weft/weftctl.toml";
  return fs::is_regular_file(path) ? path : std::string();
}

// key -> value of a flat TOML/INI file (CLI11's reader: quotes removed, comments skipped).
StatusOr<std::map<std::string, std::string>> ReadConfig(const std::string& path) {
  std::map<std::string, std::string> out;
  if (path.empty()) return out;
  std::ifstream in(path);
  if (!in) return Err(EINVAL, "cannot read config file '{}'", path);
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_config(in);
  } catch (const CLI::Error& e) {
    return Err(EINVAL, "config file '{}': {}", path, e.what());
  }
  for (const auto& item : items) {
    std::string key = item.fullname();
    if (key == "++" || key == "--" || key.empty()) continue;  // CLI11's section markers
    if (key != "meta" && key != "token" && key != "tls-ca" && key != "output" && key != "timeout") {
      return Err(EINVAL, "config file '{}': unknown key '{}' (known: meta, token, tls-ca, output, timeout)", path,
                 key);
    }
    if (item.inputs.size() != 1) return Err(EINVAL, "config file '{}': '{}' needs one value", path, key);
    out[key] = item.inputs[0];
  }
  return out;
}

StatusOr<std::chrono::milliseconds> ParseTimeout(const std::string& text, const std::string& from) {
  double secs = 0;
  size_t used = 0;
  try {
    secs = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(secs) || secs <= 0 || secs > 3600) {
    return Err(EINVAL, "invalid timeout '{}' from {}: give seconds, more than 0 and at most 3600", text, from);
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(secs * 1000)));
}

// "HOST:PORT" or "grpc=HOST:PORT" (the form of a ready file).
std::string LocalAddress(const std::string& content) {
  std::istringstream in(content);
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.rfind("grpc=", 0) == 0) return line.substr(5);
    if (!line.empty() && line.find('=') == std::string::npos) return line;
  }
  return "";
}

}  // namespace

SettingsEnv ProcessEnv() {
  SettingsEnv env;
  env.getenv = [](const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return std::string(v ? v : "");
  };
  return env;
}

StatusOr<Settings> ResolveSettings(const SettingsFlags& flags, const SettingsEnv& env) {
  auto path = ConfigPath(flags, env);
  if (!path.ok()) return path.status();
  auto config = ReadConfig(*path);
  if (!config.ok()) return config.status();
  auto from_config = [&](const char* key) {
    auto it = config->find(key);
    return it == config->end() ? std::string() : it->second;
  };
  const std::string config_source = "config " + *path;

  Settings s;
  bool meta_from_local = false;
  if (!flags.meta.empty()) {
    s.meta = flags.meta, s.meta_source = "--meta";
  } else if (std::string e = env.getenv("WEFT_META"); !e.empty()) {
    s.meta = e, s.meta_source = "WEFT_META";
  } else if (std::string c = from_config("meta"); !c.empty()) {
    s.meta = c, s.meta_source = config_source;
  } else if (auto local = ReadSmallFile(env.cwd + "/.weft-local/meta.addr");
             local.ok() && !LocalAddress(*local).empty()) {
    s.meta = LocalAddress(*local), s.meta_source = ".weft-local/meta.addr";
    meta_from_local = true;
  } else {
    s.meta = kDefaultMeta, s.meta_source = "default";
  }

  if (!flags.token.empty()) {
    s.token = flags.token;
  } else if (std::string e = env.getenv("WEFT_TOKEN"); !e.empty()) {
    s.token = e;
  } else if (std::string c = from_config("token"); !c.empty()) {
    s.token = c;
  } else if (meta_from_local) {
    auto t = ReadSmallFile(env.cwd + "/.weft-local/admin.token");
    if (t.ok()) s.token = *t;
  }

  if (!flags.tls_ca.empty()) {
    s.tls_ca = flags.tls_ca;
  } else if (std::string e = env.getenv("WEFT_TLS_CA"); !e.empty()) {
    s.tls_ca = e;
  } else if (std::string c = from_config("tls-ca"); !c.empty()) {
    s.tls_ca = c;
  } else if (meta_from_local) {
    std::string local_ca = env.cwd + "/.weft-local/tls/ca.pem";
    if (fs::is_regular_file(local_ca)) s.tls_ca = local_ca;
  }

  std::string output = !flags.output.empty() ? flags.output : from_config("output");
  if (!output.empty()) {
    auto f = ParseFormat(output);
    if (!f.ok()) return f.status();
    s.format = *f;
  }

  if (!flags.timeout.empty()) {
    auto t = ParseTimeout(flags.timeout, "--timeout");
    if (!t.ok()) return t.status();
    s.timeout = *t;
  } else if (std::string c = from_config("timeout"); !c.empty()) {
    auto t = ParseTimeout(c, config_source);
    if (!t.ok()) return t.status();
    s.timeout = *t;
  }
  return s;
}

}  // namespace weft::cli
