#include "client/cli/settings.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

namespace weft::cli {
namespace {

namespace fs = std::filesystem;

// A temporary HOME and working directory, and a fake environment.
struct World {
  World() {
    std::string tmpl = (fs::temp_directory_path() / "weftctl-settings-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    fs::create_directories(dir + "/home");
    fs::create_directories(dir + "/cwd");
    vars["HOME"] = dir + "/home";
  }
  ~World() { fs::remove_all(dir); }
  void Write(const std::string& rel, const std::string& content) {
    fs::create_directories(fs::path(dir + "/" + rel).parent_path());
    std::ofstream(dir + "/" + rel) << content;
  }
  SettingsEnv Env() {
    SettingsEnv env;
    env.getenv = [this](const std::string& k) { return vars.count(k) ? vars[k] : std::string(); };
    env.cwd = dir + "/cwd";
    return env;
  }
  Settings Resolve(const SettingsFlags& flags = {}) {
    auto s = ResolveSettings(flags, Env());
    INFO(s.status().ToString());
    REQUIRE(s.ok());
    return *s;
  }
  std::string dir;
  std::map<std::string, std::string> vars;
};

TEST_CASE("settings default to weft-meta's default address and the table format", "[cli][settings]") {
  World w;
  Settings s = w.Resolve();
  CHECK(s.meta == "127.0.0.1:7400");
  CHECK(s.meta_source == "default");
  CHECK(s.token.empty());
  CHECK(s.format == Format::kTable);
  CHECK(s.timeout == std::chrono::milliseconds(5000));
}

TEST_CASE("a flag beats the environment, which beats the config file", "[cli][settings]") {
  World w;
  w.Write("home/.config/weft/weftctl.toml", "meta = \"conf:1\"\ntoken = \"conf-token\"\noutput = \"yaml\"\ntimeout = 9\n");
  Settings from_config = w.Resolve();
  CHECK(from_config.meta == "conf:1");
  CHECK(from_config.meta_source == "config " + w.dir + "/home/.config/weft/weftctl.toml");
  CHECK(from_config.token == "conf-token");
  CHECK(from_config.format == Format::kYaml);
  CHECK(from_config.timeout == std::chrono::milliseconds(9000));

  w.vars["WEFT_META"] = "env:2";
  w.vars["WEFT_TOKEN"] = "env-token";
  Settings from_env = w.Resolve();
  CHECK(from_env.meta == "env:2");
  CHECK(from_env.meta_source == "WEFT_META");
  CHECK(from_env.token == "env-token");

  SettingsFlags flags;
  flags.meta = "flag:3";
  flags.token = "flag-token";
  flags.output = "json";
  flags.timeout = "0.5";
  Settings from_flags = w.Resolve(flags);
  CHECK(from_flags.meta == "flag:3");
  CHECK(from_flags.meta_source == "--meta");
  CHECK(from_flags.token == "flag-token");
  CHECK(from_flags.format == Format::kJson);
  CHECK(from_flags.timeout == std::chrono::milliseconds(500));
}

TEST_CASE("XDG_CONFIG_HOME moves the default config file", "[cli][settings]") {
  World w;
  w.Write("xdg/weft/weftctl.toml", "meta = \"xdg:1\"\n");
  w.vars["XDG_CONFIG_HOME"] = w.dir + "/xdg";
  CHECK(w.Resolve().meta == "xdg:1");
}

TEST_CASE("the file named by --config is read and must exist", "[cli][settings]") {
  World w;
  w.Write("mine.toml", "# comment\nmeta = 'mine:7'\n");
  SettingsFlags flags;
  flags.config = w.dir + "/mine.toml";
  CHECK(w.Resolve(flags).meta == "mine:7");
  flags.config = w.dir + "/absent.toml";
  auto s = ResolveSettings(flags, w.Env());
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().err() == EINVAL);
  CHECK_THAT(s.status().message(), Catch::Contains("absent.toml"));
}

TEST_CASE("an unknown config key is an error naming it", "[cli][settings]") {
  World w;
  w.Write("home/.config/weft/weftctl.toml", "meta = \"a:1\"\nmetta = \"typo\"\n");
  auto s = ResolveSettings({}, w.Env());
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.status().message(), Catch::Contains("unknown key 'metta'"));
}

TEST_CASE("a local cluster's files supply the address and, with it, the admin token", "[cli][settings]") {
  World w;
  w.Write("cwd/.weft-local/meta.addr", "127.0.0.1:41234\n");
  w.Write("cwd/.weft-local/admin.token", "local-secret\n");
  Settings s = w.Resolve();
  CHECK(s.meta == "127.0.0.1:41234");
  CHECK(s.meta_source == ".weft-local/meta.addr");
  CHECK(s.token == "local-secret");

  SECTION("the ready-file form grpc=HOST:PORT works too") {
    w.Write("cwd/.weft-local/meta.addr", "grpc=127.0.0.1:5555\n");
    CHECK(w.Resolve().meta == "127.0.0.1:5555");
  }
  SECTION("the local token never goes to another cluster") {
    w.vars["WEFT_META"] = "elsewhere:7400";
    Settings other = w.Resolve();
    CHECK(other.meta == "elsewhere:7400");
    CHECK(other.token.empty());
  }
}

TEST_CASE("bad output formats and timeouts are usage errors", "[cli][settings]") {
  World w;
  for (std::string t : {"0", "-1", "abc", "5s", "1e9", ""}) {
    if (t.empty()) continue;
    SettingsFlags flags;
    flags.timeout = t;
    auto s = ResolveSettings(flags, w.Env());
    INFO(t);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().err() == EINVAL);
  }
  SettingsFlags flags;
  flags.output = "xml";
  auto s = ResolveSettings(flags, w.Env());
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.status().message(), Catch::Contains("'xml'"));
}

}  // namespace
TEST_CASE("the TLS CA comes from --tls-ca, WEFT_TLS_CA, tls-ca in the config, or a local cluster's tls/ca.pem",
          "[cli][settings][tls]") {
  World w;
  CHECK(w.Resolve().tls_ca.empty());  // plain text by default
  w.Write("home/.config/weft/weftctl.toml", "tls-ca = \"/conf/ca.pem\"\n");
  CHECK(w.Resolve().tls_ca == "/conf/ca.pem");
  w.vars["WEFT_TLS_CA"] = "/env/ca.pem";
  CHECK(w.Resolve().tls_ca == "/env/ca.pem");
  SettingsFlags flag;
  flag.tls_ca = "/flag/ca.pem";
  CHECK(w.Resolve(flag).tls_ca == "/flag/ca.pem");

  // A local cluster's CA is used only with the local cluster's address.
  World local;
  local.Write("cwd/.weft-local/meta.addr", "127.0.0.1:7777\n");
  local.Write("cwd/.weft-local/tls/ca.pem", "-----BEGIN CERTIFICATE-----\n");
  CHECK(local.Resolve().tls_ca == local.dir + "/cwd/.weft-local/tls/ca.pem");
  local.vars["WEFT_META"] = "elsewhere:7400";
  CHECK(local.Resolve().tls_ca.empty());
}

}  // namespace weft::cli
