// client/dir_hints.h: a directory's attributes from a change's reply answer one later getattr.
#include <catch2/catch.hpp>

#include "client/dir_hints.h"

using weft::Attr;
using weft::client::DirHints;

namespace {
Attr Dir(uint64_t ino, int64_t ctime_sec, uint32_t nlink = 2) {
  Attr a;
  a.set_ino(ino);
  a.set_nlink(nlink);
  a.mutable_ctime()->set_sec(ctime_sec);
  return a;
}
}  // namespace

TEST_CASE("a directory hint is handed out once", "[client][dir_hints]") {
  DirHints h(60000);
  h.Put(Dir(7, 100, 3));
  auto a = h.Take(7);
  REQUIRE(a.has_value());
  CHECK(a->nlink() == 3);
  CHECK_FALSE(h.Take(7).has_value());
  CHECK_FALSE(h.Take(8).has_value());
}

TEST_CASE("a directory hint with an earlier ctime does not replace a later one", "[client][dir_hints]") {
  DirHints h(60000);
  h.Put(Dir(7, 200, 4));
  h.Put(Dir(7, 100, 3));  // the reply of an earlier change, arriving late
  auto a = h.Take(7);
  REQUIRE(a.has_value());
  CHECK(a->nlink() == 4);
  h.Put(Dir(7, 300, 5));
  h.Put(Dir(7, 400, 6));
  CHECK(h.Take(7)->nlink() == 6);
}

TEST_CASE("directory hints: dropped ones, ino 0 and a zero ttl give nothing", "[client][dir_hints]") {
  DirHints h(60000);
  h.Put(Dir(7, 100));
  h.Drop(7);
  CHECK_FALSE(h.Take(7).has_value());
  h.Put(Dir(0, 100));
  CHECK_FALSE(h.Take(0).has_value());
  DirHints off(0);
  off.Put(Dir(7, 100));
  CHECK_FALSE(off.Take(7).has_value());
}
