// ReadDir: an ordered prefix scan of D<dir>. The cookie is the last name returned, so a resumed scan
// starts right after it whatever was added or removed meanwhile: entries present for the whole listing
// appear exactly once. "." and ".." are not listed (the client adds them).
#include "server/meta/keys.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {
namespace {
constexpr size_t kMaxReplyBytes = 4 << 20;
}

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
    if (req.plus()) {
      auto child = ctx.GetInode(d.ino());
      if (!child.ok()) {
        // Removed between the scan and the read: leave it out.
        resp->mutable_entries()->RemoveLast();
        continue;
      }
      e->set_mode(child->attr().mode());
      *e->mutable_attr() = child->attr();
    }
    bytes += e->ByteSizeLong();
    resp->set_next_cookie(e->name());
  }
  RETURN_IF_ERROR(it->status());
  resp->set_eof(!it->Valid());
  return Status::Ok();
}

}  // namespace weft::meta::ops
