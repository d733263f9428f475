// fuse/xattr_hints.h: inodes weft-meta said have no xattrs, trusted for the attribute timeout.
#include <catch2/catch.hpp>

#include <thread>

#include "fuse/xattr_hints.h"

using weft::Attr;
using weft::fuse::XattrHints;

namespace {
Attr Inode(uint64_t ino, bool no_xattrs) {
  Attr a;
  a.set_ino(ino);
  a.set_no_xattrs(no_xattrs);
  return a;
}
}  // namespace

TEST_CASE("an inode said to have no xattrs is known so until a reply says otherwise", "[fuse][xattr_hints]") {
  XattrHints h(60000);
  CHECK_FALSE(h.NoneKnown(7));  // never seen: ask
  h.Note(Inode(7, true));
  CHECK(h.NoneKnown(7));
  CHECK_FALSE(h.NoneKnown(8));
  h.Note(Inode(7, false));  // a later reply: it has some now
  CHECK_FALSE(h.NoneKnown(7));
  h.Note(Inode(7, true));
  h.Forget(7);  // this client changes its xattrs
  CHECK_FALSE(h.NoneKnown(7));
  h.Note(Inode(0, true));  // no inode in the reply: nothing learned
  CHECK_FALSE(h.NoneKnown(0));
}

TEST_CASE("xattr hints expire after their ttl, and a ttl of 0 disables them", "[fuse][xattr_hints]") {
  XattrHints h(50);
  h.Note(Inode(7, true));
  CHECK(h.NoneKnown(7));
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  CHECK_FALSE(h.NoneKnown(7));
  XattrHints off(0);
  off.Note(Inode(7, true));
  CHECK_FALSE(off.NoneKnown(7));
}
