// fuse/lookup_ahead.h: which lookups a fetched page answers, and which it must not.
#include <catch2/catch.hpp>

#include <thread>

#include "common/clock.h"
#include "fuse/lookup_ahead.h"

using weft::Attr;
using weft::DirEntry;
using weft::MonoMs;
using weft::fuse::LookupAhead;

namespace {

constexpr uint64_t kDir = 50;

std::vector<DirEntry> Page(const std::vector<std::pair<std::string, uint64_t>>& names) {
  std::vector<DirEntry> out;
  for (const auto& [name, ino] : names) {
    DirEntry e;
    e.set_name(name);
    e.set_ino(ino);
    e.mutable_attr()->set_ino(ino);
    e.mutable_attr()->set_size(ino * 10);
    e.mutable_attr()->set_no_xattrs(true);
    out.push_back(e);
  }
  return out;
}

}  // namespace

TEST_CASE("a page answers the names it covers and holds, nothing else", "[fuse][lookup_ahead]") {
  LookupAhead la(60000, 3);
  la.Store(kDir, "b", Page({{"c", 3}, {"e", 5}}), /*eof=*/false, MonoMs());
  auto hit = la.Find(kDir, "c");
  REQUIRE(hit.has_value());
  CHECK(hit->attr.size() == 30);
  CHECK_FALSE(hit->attr.no_xattrs());  // never a "no xattrs" hint from a page
  CHECK(la.Find(kDir, "e").has_value());
  CHECK_FALSE(la.Find(kDir, "d").has_value());   // covered, absent: weft-meta says (no negative answers)
  CHECK_FALSE(la.Find(kDir, "b").has_value());   // before the page
  CHECK_FALSE(la.Find(kDir, "f").has_value());   // after its last name, not eof
  CHECK_FALSE(la.Find(kDir + 1, "c").has_value());
  CHECK(la.answered() == 2);
}

TEST_CASE("a page answers for its time-to-live from its request, with its age", "[fuse][lookup_ahead]") {
  LookupAhead la(200, 3);
  la.Store(kDir, "", Page({{"a", 1}}), true, MonoMs() - 150);
  auto hit = la.Find(kDir, "a");
  REQUIRE(hit.has_value());
  CHECK(hit->age_ms >= 150);
  la.Store(kDir, "", Page({{"a", 1}}), true, MonoMs() - 200);
  CHECK_FALSE(la.Find(kDir, "a").has_value());
}

TEST_CASE("this mount's own changes are never answered from an older page", "[fuse][lookup_ahead]") {
  LookupAhead la(60000, 3);
  const int64_t fetched = MonoMs();
  la.Store(kDir, "", Page({{"a", 1}, {"b", 2}}), true, fetched);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  la.ChangedIno(2);  // e.g. a chmod or a write of b
  CHECK(la.Find(kDir, "a").has_value());
  CHECK_FALSE(la.Find(kDir, "b").has_value());
  // A page fetched after the change answers for it again.
  la.Store(kDir, "", Page({{"a", 1}, {"b", 2}}), true, MonoMs() + 1);
  CHECK(la.Find(kDir, "b").has_value());

  // A changed entry leaves the page (its other names stay), and a page requested before it is not kept.
  std::this_thread::sleep_for(std::chrono::milliseconds(2));  // past the ChangedIno above
  const int64_t before = MonoMs();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  la.ChangedEntry(kDir, "a");
  CHECK_FALSE(la.Find(kDir, "a").has_value());
  CHECK(la.Find(kDir, "b").has_value());
  la.Store(kDir, "", Page({{"a", 1}, {"b", 2}}), true, before);
  CHECK_FALSE(la.Find(kDir, "a").has_value());
  CHECK(la.Find(kDir, "b").has_value());
}

TEST_CASE("a page is fetched after the trigger's count of lookups, by one caller at a time", "[fuse][lookup_ahead]") {
  LookupAhead la(60000, 3);
  const int64_t now = MonoMs();
  CHECK_FALSE(la.Missed(kDir, now));
  CHECK_FALSE(la.Missed(kDir, now));
  CHECK(la.Missed(kDir, now));        // the third: fetch
  for (int i = 0; i < 5; ++i) CHECK_FALSE(la.Missed(kDir, now));  // one fetch in flight
  la.Store(kDir, "x", {}, false, now);  // it failed: nothing kept, and no new fetch for a while
  CHECK_FALSE(la.Find(kDir, "y").has_value());
  for (int i = 0; i < 5; ++i) CHECK_FALSE(la.Missed(kDir, now));
  // A success lets the next fetch come after the trigger's count again.
  la.Store(kDir, "x", Page({{"y", 9}}), true, now);
  CHECK(la.Find(kDir, "y").has_value());
  CHECK_FALSE(la.Missed(kDir, now));
  CHECK_FALSE(la.Missed(kDir, now));
  CHECK(la.Missed(kDir, now));
  // Lookups spread wider than the time-to-live never fetch.
  LookupAhead slow(100, 3);
  CHECK_FALSE(slow.Missed(kDir, 0));
  CHECK_FALSE(slow.Missed(kDir, 50));
  CHECK_FALSE(slow.Missed(kDir, 150));
  CHECK_FALSE(slow.Missed(kDir, 300));
  // Off: never.
  LookupAhead off(0, 1);
  CHECK_FALSE(off.Missed(kDir, now));
  off.Store(kDir, "", Page({{"a", 1}}), true, now);
  CHECK_FALSE(off.Find(kDir, "a").has_value());
}

TEST_CASE("lookup-ahead keeps a bounded number of pages, the oldest replaced first", "[fuse][lookup_ahead]") {
  LookupAhead la(60000, 3);
  const int64_t now = MonoMs();
  for (uint64_t d = 0; d < LookupAhead::kMaxPages; ++d) la.Store(d, "", Page({{"a", d + 1}}), true, now + static_cast<int64_t>(d));
  la.Store(1000, "", Page({{"a", 1000}}), true, now + 100);
  CHECK_FALSE(la.Find(0, "a").has_value());  // the oldest went
  CHECK(la.Find(1, "a").has_value());
  CHECK(la.Find(1000, "a").has_value());
}

TEST_CASE("a change while a page is on its way is not answered from it, and an idle one costs no lock",
          "[fuse][lookup_ahead]") {
  LookupAhead la(60000, 1);
  la.ChangedIno(1);  // no page, none on its way: nothing to keep from anything
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  REQUIRE(la.Missed(kDir, MonoMs()));  // a fetch starts
  const int64_t sent = MonoMs();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  la.ChangedIno(2);  // e.g. a write while the page is on its way
  la.Store(kDir, "", Page({{"a", 1}, {"b", 2}}), true, sent);
  CHECK(la.Find(kDir, "a").has_value());
  CHECK_FALSE(la.Find(kDir, "b").has_value());
}
