// Real programs on a weft mount: sqlite3, git, tar.
#include <catch2/catch.hpp>

#include "test/fuse/fuse_test_util.h"

using namespace weft::test;

TEST_CASE("sqlite3: a database created and filled on the mount passes integrity_check", "[fuse][integration]") {
  MountedCluster m;
  std::string db = m.Path("test.db");
  std::string sql =
      "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, payload BLOB);"
      "BEGIN;"
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 20000) "
      "INSERT INTO t(name, payload) SELECT 'row' || x, randomblob(200) FROM c;"
      "COMMIT;"
      "CREATE INDEX ix ON t(name);"
      "DELETE FROM t WHERE id % 3 = 0;"
      "VACUUM;";
  int rc = 0;
  std::string out = Sh("sqlite3 " + db + " \"" + sql + "\"", &rc);
  INFO(out);
  REQUIRE(rc == 0);
  out = Sh("sqlite3 " + db + " 'PRAGMA integrity_check; SELECT count(*) FROM t;'", &rc);
  REQUIRE(rc == 0);
  CHECK(out == "ok\n13334\n");
}

TEST_CASE("git: init, add, commit and log in a repository on the mount", "[fuse][integration]") {
  MountedCluster m;
  std::string repo = m.Path("repo");
  int rc = 0;
  std::string out = Sh("set -e; mkdir " + repo + " && cd " + repo +
                           " && git init -q && git config user.email t@example.com && git config user.name T"
                           " && for i in $(seq 1 50); do echo line $i > f$i.txt; done"
                           " && mkdir sub && cp -r " WEFT_SOURCE_DIR "/common sub/"
                           " && git add -A && git commit -qm first && echo more >> f1.txt && git commit -qam second"
                           " && git log --oneline | wc -l && git fsck --strict 2>&1 | tail -1 && git status --porcelain | wc -l",
                       &rc);
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(out.rfind("2\n", 0) == 0);
  CHECK(out.substr(out.size() - 2) == "0\n");
}

TEST_CASE("tar: a source tree extracted on the mount checksums equal to the original", "[fuse][integration]") {
  MountedCluster m;
  std::string src = WEFT_SOURCE_DIR;
  std::string sums = m.cluster.dir() + "/src.sha256";
  int rc = 0;
  std::string out = Sh("set -e; cd " + src + " && tar cf - common proto server client | (cd " + m.mnt +
                           " && tar xf -) && cd " + src +
                           " && find common proto server client -type f | sort | xargs sha256sum > " + sums +
                           " && cd " + m.mnt + " && sha256sum -c --quiet " + sums + " && echo SAME",
                       &rc);
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(out.find("SAME") != std::string::npos);
}
