#include "server/meta/check/check_command.h"

#include <cstdio>
#include <filesystem>

#include "server/meta/check/checker.h"
#include "server/meta/kv.h"

namespace weft::meta {

int RunCheck(const std::string& data_dir) {
  if (!std::filesystem::exists(data_dir + "/CURRENT")) {
    fprintf(stderr, "weft-meta check: no weft-meta store at %s\n", data_dir.c_str());
    return 2;
  }
  auto kv = OpenRocksKv({.path = data_dir});
  if (!kv.ok()) {
    fprintf(stderr, "weft-meta check: cannot open %s: %s\n", data_dir.c_str(), kv.status().ToString().c_str());
    return 2;
  }
  auto report = CheckConsistency(**kv);
  if (!report.ok()) {
    fprintf(stderr, "weft-meta check: %s\n", report.status().ToString().c_str());
    return 2;
  }
  for (const auto& v : report->violations) printf("violation: %s\n", v.c_str());
  printf("%s\n", report->Summary().c_str());
  return report->ok() ? 0 : 1;
}

}  // namespace weft::meta
