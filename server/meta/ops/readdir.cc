// ReadDir: an ordered prefix scan of D<dir>. The cookie is the last name returned, so a resumed scan
// starts right after it whatever was added or removed meanwhile: entries present for the whole listing
// appear exactly once. "." and ".." are not listed (the client adds them).
//
// With plus, each entry carries its inode's attributes. The files of one directory are mostly created
// together, so their inode numbers are close: when a page's inodes lie densely in their range, one scan
// of that range reads them (a RocksDB Get is a memtable skiplist search each, a scan step is not);
// otherwise each is read on its own.
#include <algorithm>

#include "server/meta/keys.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {
namespace {
constexpr size_t kMaxReplyBytes = 4 << 20;
constexpr size_t kAttrBytes = 128;  // a generous estimate of an entry's attributes, for the byte budget
// A range scan is used when the page's inodes fill at least 1/kDensity of their number range.
constexpr uint64_t kDensity = 4;
constexpr size_t kMinForScan = 8;

// Fills entries[i].attr for every entry whose inode is live; clears the ino of the others (removed
// between the dentry scan and now: left out of the reply).
Status FillAttrs(OpContext& ctx, ReadDirResponse* resp) {
  auto& entries = *resp->mutable_entries();
  std::vector<std::pair<uint64_t, int>> wanted;  // (ino, entry index), sorted by ino
  wanted.reserve(static_cast<size_t>(entries.size()));
  for (int i = 0; i < entries.size(); ++i) wanted.emplace_back(entries[i].ino(), i);
  std::sort(wanted.begin(), wanted.end());
  auto fill = [&](int i, const rec::Inode& inode) {
    DirEntry* e = &entries[i];
    e->set_mode(inode.attr().mode());
    *e->mutable_attr() = inode.attr();
  };
  const bool dense = wanted.size() >= kMinForScan && wanted.back().first < UINT64_MAX &&
                     wanted.back().first - wanted.front().first < kDensity * wanted.size();
  if (!dense) {
    for (const auto& [ino, i] : wanted) {
      auto inode = ctx.GetInode(ino);
      if (inode.ok()) fill(i, *inode);
      else if (inode.status().err() == ENOENT) entries[i].set_ino(0);
      else return inode.status();
    }
    return Status::Ok();
  }
  auto it = ctx.reader().Scan(keys::Inode(wanted.front().first), keys::Inode(wanted.back().first + 1));
  size_t next = 0;  // the first wanted not yet found
  for (; it->Valid() && next < wanted.size(); it->Next()) {
    if (it->key().size() != 1 + sizeof(uint64_t)) continue;
    const uint64_t ino = keys::DecodeU64(it->key().substr(1));
    while (next < wanted.size() && wanted[next].first < ino) entries[wanted[next++].second].set_ino(0);  // absent
    if (next == wanted.size() || wanted[next].first != ino) continue;
    rec::Inode inode;
    if (!inode.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Err(EIO, "corrupt inode record {}", ino);
    }
    const bool live = ctx.Live(inode);
    for (; next < wanted.size() && wanted[next].first == ino; ++next) {  // hard links: one inode, many names
      if (live) fill(wanted[next].second, inode);
      else entries[wanted[next].second].set_ino(0);
    }
  }
  RETURN_IF_ERROR(it->status());
  for (; next < wanted.size(); ++next) entries[wanted[next].second].set_ino(0);
  return Status::Ok();
}

}  // namespace

Status ReadDir(OpContext& ctx, const ReadDirRequest& req, ReadDirResponse* resp) {
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  auto dir = ctx.GetDir(req.ino());
  if (!dir.ok()) return dir.status();
  RETURN_IF_ERROR(CheckAccess(req.caller(), dir->attr(), kMayRead));
  uint32_t limit = ctx.options().readdir_max_entries;
  if (req.limit() != 0 && req.limit() < limit) limit = req.limit();
  std::string prefix = keys::DentryPrefix(req.ino());
  std::string start = prefix;
  if (!req.cookie().empty()) {
    start.append(req.cookie());
    start.push_back('\0');  // the first name after the cookie
  }
  auto it = ctx.reader().Scan(start, keys::PrefixEnd(prefix));
  size_t bytes = 0;
  std::string last;  // the cookie to resume after: the last name scanned, listed or not
  for (; it->Valid(); it->Next()) {
    if (static_cast<uint32_t>(resp->entries_size()) >= limit || bytes >= kMaxReplyBytes) break;
    rec::Dentry d;
    if (!d.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Err(EIO, "corrupt entry in directory {}", req.ino());
    }
    DirEntry* e = resp->add_entries();
    e->set_name(std::string(it->key().substr(prefix.size())));
    e->set_ino(d.ino());
    e->set_mode(d.type());
    bytes += e->ByteSizeLong() + (req.plus() ? kAttrBytes : 0);
    last = e->name();
  }
  RETURN_IF_ERROR(it->status());
  resp->set_eof(!it->Valid());
  if (req.plus() && resp->entries_size() > 0) {
    RETURN_IF_ERROR(FillAttrs(ctx, resp));
    // Entries whose inode went between the two scans are left out.
    auto* entries = resp->mutable_entries();
    entries->erase(std::remove_if(entries->begin(), entries->end(), [](const DirEntry& e) { return e.ino() == 0; }),
                   entries->end());
  }
  if (!last.empty()) resp->set_next_cookie(last);
  return Status::Ok();
}

}  // namespace weft::meta::ops
