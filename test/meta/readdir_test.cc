// ops/readdir.cc: ordered paging, cookies that survive changes, plus.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <map>
#include <set>

#include "test/meta/support/core_fixture.h"

using namespace weft;
using namespace weft::meta::test;

#define ENGINES MemEngine, RocksEngine

namespace {
std::string Name(int i) {
  char buf[16];
  snprintf(buf, sizeof buf, "f%04d", i);
  return buf;
}
}  // namespace

TEMPLATE_TEST_CASE("readdir lists every entry once in name order across pages", "[meta][readdir]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  for (int i = 99; i >= 0; --i) REQUIRE(f.c.Create(f.c.root, Name(i)).ok());
  auto names = f.c.ListNames(f.c.root, 7);
  REQUIRE(names.ok());
  REQUIRE(names->size() == 100);
  for (int i = 0; i < 100; ++i) CHECK((*names)[static_cast<size_t>(i)] == Name(i));
  auto page = f.c.ReadDir(f.c.root, "", 10);
  REQUIRE(page.ok());
  CHECK(page->entries_size() == 10);
  CHECK_FALSE(page->eof());
  CHECK(page->next_cookie() == Name(9));
  auto last = f.c.ReadDir(f.c.root, Name(95), 10);
  REQUIRE(last.ok());
  CHECK(last->entries_size() == 4);
  CHECK(last->eof());
}

TEMPLATE_TEST_CASE("a readdir cookie stays valid while entries are added and removed", "[meta][readdir]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto d = f.c.Mkdir(f.c.root, "d");
  REQUIRE(d.ok());
  for (int i = 0; i < 60; i += 2) REQUIRE(f.c.Create(d->ino(), Name(i)).ok());  // even names
  auto first = f.c.ReadDir(d->ino(), "", 10);
  REQUIRE(first.ok());
  std::multiset<std::string> seen;
  for (const auto& e : first->entries()) seen.insert(e.name());
  std::string cookie = first->next_cookie();
  REQUIRE(cookie == Name(18));
  // Meanwhile: the cookie's own entry and some others go, new ones come before and after it.
  REQUIRE(f.c.Unlink(d->ino(), Name(18)).ok());
  REQUIRE(f.c.Unlink(d->ino(), Name(20)).ok());
  REQUIRE(f.c.Unlink(d->ino(), Name(2)).ok());
  REQUIRE(f.c.Create(d->ino(), Name(1)).ok());
  REQUIRE(f.c.Create(d->ino(), Name(19)).ok());
  REQUIRE(f.c.Create(d->ino(), Name(99)).ok());
  for (;;) {
    auto page = f.c.ReadDir(d->ino(), cookie, 10);
    REQUIRE(page.ok());
    for (const auto& e : page->entries()) seen.insert(e.name());
    if (page->eof()) break;
    cookie = page->next_cookie();
  }
  // Entries present throughout appear exactly once; removed ones after the cookie do not appear.
  for (int i = 0; i < 60; i += 2) {
    if (i == 18 || i == 20 || i == 2) continue;
    CHECK(seen.count(Name(i)) == 1);
  }
  CHECK(seen.count(Name(20)) == 0);
  CHECK(seen.count(Name(19)) == 1);  // added after the cookie
  CHECK(seen.count(Name(99)) == 1);
  CHECK(seen.count(Name(1)) == 0);   // added before the cookie: not revisited
  for (const auto& n : seen) CHECK(seen.count(n) == 1);
}

TEMPLATE_TEST_CASE("readdir plus returns each entry's attributes", "[meta][readdir]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "file", 0640);
  auto dir = f.c.Mkdir(f.c.root, "dir", 0700);
  auto link = f.c.Symlink(f.c.root, "link", "file");
  REQUIRE(file.ok());
  auto page = f.c.ReadDir(f.c.root, "", 0, /*plus=*/true);
  REQUIRE(page.ok());
  REQUIRE(page->entries_size() == 3);
  std::map<std::string, DirEntry> by_name;
  for (const auto& e : page->entries()) by_name[e.name()] = e;
  CHECK(by_name["file"].ino() == file->ino());
  CHECK(by_name["file"].attr().mode() == file->mode());
  CHECK(by_name["dir"].attr().nlink() == 2);
  CHECK(S_ISLNK(by_name["link"].mode()));
  CHECK(by_name["link"].attr().size() == 4);
  auto plain = f.c.ReadDir(f.c.root);
  REQUIRE(plain.ok());
  CHECK(plain->entries(0).mode() == S_IFDIR);  // type bits only
  CHECK_FALSE(plain->entries(0).has_attr());
}

TEMPLATE_TEST_CASE("readdir of a file fails with ENOTDIR, without read permission with EACCES", "[meta][readdir][perm]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto file = f.c.Create(f.c.root, "f");
  CHECK(Errno(f.c.ReadDir(file->ino())) == ENOTDIR);
  auto d = f.c.Mkdir(f.c.root, "d", 0711);
  REQUIRE(d.ok());
  CHECK(Errno(f.c.As(User(1000, 1000)).ReadDir(d->ino())) == EACCES);
  CHECK(f.c.ReadDir(d->ino()).ok());
  auto empty = f.c.ReadDir(d->ino());
  CHECK(empty->entries_size() == 0);
  CHECK(empty->eof());
  CHECK(Errno(f.c.ReadDir(999999)) == ENOENT);
}

TEMPLATE_TEST_CASE("readdir plus gives every entry its own inode's attributes, inodes dense or sparse",
                   "[meta][readdir]", ENGINES) {
  TestType engine;
  CoreFixture f(engine.Open());
  auto dense = f.c.Mkdir(f.c.root, "dense");
  auto sparse = f.c.Mkdir(f.c.root, "sparse");
  auto other = f.c.Mkdir(f.c.root, "other");
  REQUIRE(dense.ok());
  REQUIRE(sparse.ok());
  REQUIRE(other.ok());
  // dense: 40 files, each followed by one elsewhere (their numbers interleave with another directory's);
  // sparse: 10 files, each followed by 50 elsewhere.
  for (int i = 0; i < 40; ++i) {
    REQUIRE(f.c.Create(dense->ino(), Name(i), 0400 | static_cast<uint32_t>(i % 8)).ok());
    REQUIRE(f.c.Create(other->ino(), "o" + Name(i)).ok());
  }
  REQUIRE(f.c.Mkdir(dense->ino(), "zsub").ok());  // numbered right after them
  for (int i = 0; i < 10; ++i) {
    REQUIRE(f.c.Create(sparse->ino(), Name(i), 0400 | static_cast<uint32_t>(i % 8)).ok());
    for (int j = 0; j < 50; ++j) REQUIRE(f.c.Create(other->ino(), "s" + Name(i * 50 + j)).ok());
  }
  // A hard link: one inode under two names of the last page (f0032..f0039, zlink, zsub: dense, so read
  // by one scan; the sparse directory's page is read inode by inode); a file gone before the listing.
  auto linked = f.c.Lookup(dense->ino(), Name(35));
  REQUIRE(linked.ok());
  REQUIRE(f.c.Link(linked->ino(), dense->ino(), "zlink").ok());
  REQUIRE(f.c.Unlink(dense->ino(), Name(7)).ok());
  for (auto [dir, expect] : {std::pair{dense->ino(), 41}, std::pair{sparse->ino(), 10}}) {
    std::set<std::string> seen;
    std::string cookie;
    for (;;) {
      auto page = f.c.ReadDir(dir, cookie, 16, /*plus=*/true);
      REQUIRE(page.ok());
      for (const auto& e : page->entries()) {
        INFO("entry " << e.name());
        CHECK(seen.insert(e.name()).second);
        REQUIRE(e.has_attr());
        auto a = f.c.GetAttr(e.ino());
        REQUIRE(a.ok());
        CHECK(e.attr().ino() == e.ino());
        CHECK(e.attr().mode() == a->mode());
        CHECK(e.attr().nlink() == a->nlink());
        CHECK(e.mode() == a->mode());
      }
      if (page->eof()) break;
      cookie = page->next_cookie();
    }
    CHECK(seen.size() == static_cast<size_t>(expect));  // dense: 40 - 1 unlinked + zlink + zsub
  }
}
