// weftctl's command line, run in-process: help, usage errors and the checks made before any call to
// weft-meta. (Runs against a real cluster are in weftctl_integration_test.cc.)
#include "client/cli/app.h"

#include <catch2/catch.hpp>
#include <sstream>

namespace weft::cli {
namespace {

struct Result {
  int code;
  std::string out, err;
};

// Nothing listens on port 1 of loopback: any call fails fast with "connection refused".
constexpr const char* kClosed = "127.0.0.1:1";

Result Run(std::vector<std::string> args, const std::string& input = "", bool terminal = false) {
  args.insert(args.begin(), "weftctl");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  std::istringstream in(input);
  SettingsEnv env;
  env.getenv = [](const std::string&) { return std::string(); };
  env.cwd = "/nonexistent";
  int code = RunWeftctl(static_cast<int>(argv.size()), argv.data(), Io{out, err, in, terminal, terminal}, env);
  return {code, out.str(), err.str()};
}

TEST_CASE("weftctl --help lists the nouns, the exit codes and examples", "[cli][app]") {
  Result r = Run({"--help"});
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  for (const char* s : {"tenant", "volume", "class", "cluster", "server", "Exit codes:", "6  cluster unavailable",
                        "Examples:", "--meta", "--token", "--output", "WEFT_META"}) {
    CHECK_THAT(r.out, Catch::Contains(s));
  }
}

TEST_CASE("every noun and verb has --help with examples", "[cli][app]") {
  std::vector<std::vector<std::string>> commands = {
      {"tenant"}, {"tenant", "create"}, {"tenant", "list"}, {"tenant", "show"}, {"tenant", "set-quota"},
      {"tenant", "delete"}, {"tenant", "token"}, {"tenant", "token", "issue"}, {"tenant", "token", "revoke"},
      {"tenant", "token", "list"},
      {"volume"}, {"volume", "create"}, {"volume", "list"}, {"volume", "show"}, {"volume", "resize"},
      {"volume", "set-readonly"}, {"volume", "delete"}, {"class"}, {"class", "list"}, {"class", "show"},
      {"cluster"}, {"cluster", "status"}, {"server"}, {"server", "list"}, {"server", "show"},
      {"server", "drain"}, {"server", "undrain"}};
  for (auto args : commands) {
    std::string path = "weftctl";
    for (const auto& a : args) path += " " + a;
    args.push_back("--help");
    Result r = Run(args);
    INFO(path << "\n" << r.out << r.err);
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("Usage: " + path) && Catch::Contains("Examples:\n  weftctl "));
  }
}

TEST_CASE("size flags' help states the unit and case rules", "[cli][app]") {
  Result r = Run({"volume", "create", "--help"});
  CHECK_THAT(r.out, Catch::Contains("powers of 1024") && Catch::Contains("case-sensitive"));
}

TEST_CASE("a noun without a verb is a usage error listing the verbs", "[cli][app]") {
  Result r = Run({"volume"});
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "weftctl: volume needs a verb: create, list, show, resize, set-readonly, delete (see: weftctl volume --help)\n");
  Result none = Run({});
  CHECK(none.code == 2);
  CHECK_THAT(none.err, Catch::StartsWith("weftctl: give a command: tenant, volume"));
}

TEST_CASE("unknown commands, flags and bad flag values are usage errors", "[cli][app]") {
  for (auto args : std::vector<std::vector<std::string>>{
           {"volume", "explode"},
           {"volume", "list", "--frobnicate"},
           {"volume", "create", "x"},  // --tenant is required
           {"volume", "create", "x", "--tenant", "t", "--replication", "4"},
           {"volume", "create", "x", "--tenant", "t", "--mode", "solo"},
           {"server", "show", "abc"},
           {"-o", "xml", "tenant", "list"},
           {"--timeout", "-1", "tenant", "list"}}) {
    Result r = Run(args);
    INFO(args[0] << " " << args[1] << ": " << r.err);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("weftctl: "));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}

TEST_CASE("invalid sizes are usage errors naming the value, before any call", "[cli][app]") {
  for (std::string bad : {"10Gb", "-1", "1.2.3Gi", "", "99999999999Ei", "10 Gi"}) {
    Result r = Run({"--meta", kClosed, "volume", "create", "x", "--tenant", "t", "--size", bad});
    INFO(bad << ": " << r.err);
    CHECK(r.code == 2);
    if (!bad.empty()) CHECK_THAT(r.err, Catch::Contains("'" + bad + "'"));
    CHECK_THAT(r.err, Catch::Contains("--size"));
  }
  Result resize = Run({"--meta", kClosed, "volume", "resize", "x", "--size", "10GB"});
  CHECK(resize.code == 2);
  CHECK_THAT(resize.err, Catch::Contains("'10GB'"));
  Result zero = Run({"--meta", kClosed, "volume", "resize", "x", "--size", "0"});
  CHECK(zero.code == 2);
  Result quota = Run({"--meta", kClosed, "tenant", "create", "t", "--max-bytes", "5XB"});
  CHECK(quota.code == 2);
  CHECK_THAT(quota.err, Catch::Contains("--max-bytes") && Catch::Contains("'5XB'"));
  Result inodes = Run({"--meta", kClosed, "volume", "create", "x", "--tenant", "t", "--inodes", "1Mi"});
  CHECK(inodes.code == 2);
  CHECK_THAT(inodes.err, Catch::Contains("--inodes") && Catch::Contains("'1Mi'"));
}

TEST_CASE("resize and set-quota need something to change", "[cli][app]") {
  CHECK(Run({"--meta", kClosed, "volume", "resize", "x"}).code == 2);
  CHECK(Run({"--meta", kClosed, "tenant", "set-quota", "t"}).code == 2);
}

TEST_CASE("global options work after the command too", "[cli][app]") {
  Result r = Run({"volume", "list", "-o", "json", "--meta", kClosed});
  CHECK(r.code == 6);
  CHECK_THAT(r.err, Catch::Contains("cannot reach weft-meta at 127.0.0.1:1 (from --meta)"));
  CHECK(r.out.empty());
}

TEST_CASE("an unreachable cluster is exit code 6 with one line saying what to do", "[cli][app]") {
  Result r = Run({"--meta", kClosed, "cluster", "status"});
  CHECK(r.code == 6);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::StartsWith("weftctl: cannot reach weft-meta at 127.0.0.1:1") &&
                        Catch::Contains("--meta HOST:PORT or WEFT_META") && Catch::EndsWith(")\n"));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("tenant token revoke takes a numeric id and issue needs a reachable cluster", "[cli][app]") {
  Result revoke = Run({"--meta", kClosed, "tenant", "token", "revoke", "acme"});
  CHECK(revoke.code == 2);
  CHECK(revoke.out.empty());
  Result issue = Run({"--meta", kClosed, "tenant", "token", "issue", "acme"});
  CHECK(issue.code == 6);
  CHECK(issue.out.empty());
}

TEST_CASE("weftctl --version prints the version", "[cli][app]") {
  Result r = Run({"--version"});
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("weftctl "));
}

}  // namespace
}  // namespace weft::cli
