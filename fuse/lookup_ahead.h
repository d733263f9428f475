// Lookups answered from a directory page fetched moments ago. After a drop of the kernel's caches, a
// crawl that stats the files of a directory one by one (find, a job listing its input, `stat` of each
// file, mdtest's stat phase) makes one LOOKUP per file, each a metadata round trip. Once a few lookups
// in one directory have gone to weft-meta within the attribute timeout, weft-mount fetches the page of
// that directory (with attributes) that follows the name looked up, and answers the next lookups that
// page covers from it.
//
// Staleness is what it was: an answer from a page fetched `age` ms ago tells the kernel to keep the
// entry and its attributes for the mount's timeouts minus `age`, so nothing is trusted longer after
// weft-meta said it than a kernel-cached lookup would have been. Only names the page holds are answered:
// a name it does not hold goes to weft-meta (a page is never a negative cache). This mount's own
// changes go before anything: a name it created, removed or renamed leaves the page (the page's other
// names stay: an unlink loop that looks each name up first must not refetch the page per unlink), a
// change of an inode's attributes (setattr, write, xattrs, links) keeps its entries from being
// answered by any page fetched before it. Answers carry no "no xattrs" hint (xattr_hints.h trusts a hint for a full timeout).
//
// Bounded: at most kMaxPages pages (one per directory; each at most one ReadDir page, 1,024 entries),
// the oldest replaced first.
//
// Thread-safety: thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "weft/meta.pb.h"

namespace weft::fuse {

class LookupAhead {
 public:
  static constexpr size_t kMaxPages = 32;
  static constexpr size_t kMaxChanged = 65536;      // inodes changed within one time-to-live
  static constexpr size_t kMaxRecentDirs = 1024;    // directories with entries changed within one
  static constexpr size_t kMaxRecentNames = 16384;  // names changed in one directory within one

  // ttl_ms: how long a page answers (the mount's attribute timeout; 0 = off). trigger: lookups of one
  // directory that go to weft-meta within ttl_ms before its page is fetched.
  LookupAhead(int64_t ttl_ms, int trigger) : ttl_ms_(ttl_ms), trigger_(trigger) {}
  int64_t ttl_ms() const { return ttl_ms_; }

  struct Hit {
    Attr attr;
    int64_t age_ms = 0;
  };
  // name's entry in dir from a fresh page that covers it; nullopt: ask weft-meta.
  std::optional<Hit> Find(uint64_t dir, const std::string& name) {
    if (ttl_ms_ <= 0) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = pages_.find(dir);
    if (it == pages_.end()) return std::nullopt;
    const Page& p = it->second;
    const int64_t age = MonoMs() - p.fetched_ms;
    if (age >= ttl_ms_) return std::nullopt;
    if (!(name > p.after) || (!p.eof && name > p.last)) return std::nullopt;
    auto e = p.entries.find(name);
    if (e == p.entries.end()) return std::nullopt;
    auto c = changed_.find(e->second.ino());
    if (c != changed_.end() && c->second >= p.fetched_ms) return std::nullopt;
    ++answered_;
    Hit h{e->second, age};
    h.attr.set_no_xattrs(false);
    return h;
  }

  // A lookup of a name in dir went to weft-meta and found it, at now. True when the caller should
  // fetch dir's page after that name and Store it (then no other caller is told so until it has).
  bool Missed(uint64_t dir, int64_t now) {
    if (ttl_ms_ <= 0) return false;
    std::lock_guard lock(mu_);
    Miss& m = misses_[dir];
    if (now - m.first_ms >= ttl_ms_) m = Miss{.first_ms = now};
    if (m.fetching && now - m.fetch_ms < ttl_ms_) return false;
    if (++m.count < trigger_) return false;
    m.fetching = true;
    m.fetch_ms = now;
    m.count = 0;
    ++inflight_;  // until its Store
    if (misses_.size() > 4 * kMaxPages) std::erase_if(misses_, [&](const auto& kv) { return now - kv.second.first_ms >= ttl_ms_; });
    return true;
  }

  // A page of dir fetched at fetched_ms (the time its request was sent): the entries after `after`,
  // through the last one, or to the end when eof. entries carry attributes (a plus listing). No
  // entries and not eof: the fetch failed. Every Missed that returned true is followed by one Store.
  void Store(uint64_t dir, const std::string& after, const std::vector<DirEntry>& entries, bool eof,
             int64_t fetched_ms) {
    if (ttl_ms_ <= 0) return;
    std::lock_guard lock(mu_);
    struct Done {  // last, after live_until_ moved: ChangedIno reads them in the other order
      std::atomic<int>& n;
      ~Done() { --n; }
    } done{inflight_};
    // A failed fetch (nothing, not even the end: e.g. EACCES on a directory the caller may only
    // search) keeps its directory's fetch pending for one time-to-live: no retry per 4 lookups.
    if (entries.empty() && !eof) return;
    if (auto m = misses_.find(dir); m != misses_.end()) m->second.fetching = false;
    auto recent = recent_.find(dir);
    if (recent != recent_.end() && recent->second.overflow_ms >= fetched_ms) return;
    if (!pages_.contains(dir) && pages_.size() >= kMaxPages) {
      auto oldest = pages_.begin();
      for (auto it = pages_.begin(); it != pages_.end(); ++it) {
        if (it->second.fetched_ms < oldest->second.fetched_ms) oldest = it;
      }
      pages_.erase(oldest);
    }
    if (live_until_ < fetched_ms + ttl_ms_) live_until_ = fetched_ms + ttl_ms_;
    Page& p = pages_[dir];
    p = Page{.after = after, .last = entries.empty() ? after : entries.back().name(), .eof = eof,
             .fetched_ms = fetched_ms};
    p.entries.reserve(entries.size());
    for (const DirEntry& e : entries) {
      if (e.attr().ino() != 0) p.entries.emplace(e.name(), e.attr());
    }
    if (recent == recent_.end()) return;
    for (const auto& [at, name] : recent->second.names) {
      if (at >= fetched_ms) p.entries.erase(name);  // changed here while the page was on its way
    }
  }

  // This mount changed the entry `name` of dir (created, removed, renamed, replaced it): the page no
  // longer answers for that name, and a page of dir requested before now is not stored.
  void ChangedEntry(uint64_t dir, const std::string& name) {
    if (ttl_ms_ <= 0) return;
    const int64_t now = MonoMs();
    std::lock_guard lock(mu_);
    if (auto it = pages_.find(dir); it != pages_.end()) it->second.entries.erase(name);
    if (recent_.size() >= kMaxRecentDirs) {
      std::erase_if(recent_, [&](const auto& kv) { return now - kv.second.newest_ms > ttl_ms_; });
      if (recent_.size() >= kMaxRecentDirs) {  // changes in more directories than we track: trust no page
        pages_.clear();
        recent_.clear();
      }
    }
    Recent& r = recent_[dir];
    while (!r.names.empty() && now - r.names.front().first > ttl_ms_) r.names.pop_front();
    if (r.names.size() >= kMaxRecentNames) {  // too many to keep: no page of dir requested before now
      r.names.clear();
      r.overflow_ms = now;
    }
    r.names.emplace_back(now, name);
    r.newest_ms = now;
  }
  // This mount changed ino's attributes: no page fetched before now answers for it. Called for every
  // write (the data path): while no page can answer and none is on its way, it takes no lock, since
  // any page fetched later already holds the change (weft-meta's, or libweft's local length overlaid).
  void ChangedIno(uint64_t ino) {
    if (ttl_ms_ <= 0 || ino == 0) return;
    const int64_t now = MonoMs();
    if (inflight_ == 0 && now >= live_until_) return;
    std::lock_guard lock(mu_);
    Note(changed_, ino, now);
  }

  uint64_t answered() const {
    std::lock_guard lock(mu_);
    return answered_;
  }

 private:
  struct Page {
    std::string after;  // entries are the names > after
    std::string last;   // ... and <= last unless eof
    bool eof = false;
    int64_t fetched_ms = 0;
    std::unordered_map<std::string, Attr> entries;
  };
  struct Recent {
    std::deque<std::pair<int64_t, std::string>> names;  // (when, name) this mount changed, oldest first
    int64_t newest_ms = 0;
    int64_t overflow_ms = 0;  // names were dropped then: pages requested before it are not stored
  };
  struct Miss {
    int64_t first_ms = 0;
    int count = 0;
    bool fetching = false;
    int64_t fetch_ms = 0;
  };
  // Records id -> now, pruning the records no page can predate any more. REQUIRES: mu_ held.
  void Note(std::unordered_map<uint64_t, int64_t>& m, uint64_t id, int64_t now) {
    if (m.size() >= kMaxChanged) {
      std::erase_if(m, [&](const auto& kv) { return now - kv.second > ttl_ms_; });
      if (m.size() >= kMaxChanged) {  // more changes within one timeout than we keep: trust no page
        pages_.clear();
        m.clear();
      }
    }
    m[id] = now;
  }

  const int64_t ttl_ms_;
  const int trigger_;
  std::atomic<int> inflight_{0};         // fetches between Missed and Store
  std::atomic<int64_t> live_until_{0};   // written under mu_: no stored page answers from then on
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Page> pages_;        // GUARDED_BY(mu_), by directory
  std::unordered_map<uint64_t, Miss> misses_;       // GUARDED_BY(mu_), by directory
  std::unordered_map<uint64_t, int64_t> changed_;   // GUARDED_BY(mu_): ino -> when this mount changed it
  std::unordered_map<uint64_t, Recent> recent_;     // GUARDED_BY(mu_): the entries this mount changed, by dir
  uint64_t answered_ = 0;                           // GUARDED_BY(mu_)
};

}  // namespace weft::fuse
