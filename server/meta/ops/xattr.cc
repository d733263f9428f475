// Extended attributes, X<ino><name> -> value, with Linux's namespace rules:
//   trusted.*          root only (others: EPERM to write, ENODATA to read; hidden from listings)
//   user.*             regular files and directories only; in a sticky directory only its owner writes;
//                      then read/write permission on the inode
//   security.*, system.* no permission check (system.posix_acl_*: EOPNOTSUPP — no ACLs here)
//   anything else      read/write permission on the inode
// Names are 1..255 bytes (ERANGE), values at most 64 KiB (E2BIG); XATTR_CREATE on an existing name is
// EEXIST, XATTR_REPLACE (or remove) of a missing one ENODATA.
#include <sys/stat.h>

#include "server/meta/keys.h"
#include "server/meta/names.h"
#include "server/meta/ops/ops.h"
#include "server/meta/perm.h"

namespace weft::meta::ops {
namespace {

constexpr uint32_t kXattrCreate = 1;
constexpr uint32_t kXattrReplace = 2;

bool HasPrefix(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

Status CheckXattrName(std::string_view name) {
  if (name.empty() || name.size() > kXattrNameMax) return Err(ERANGE, "xattr name must be 1..{} bytes", kXattrNameMax);
  if (name.find('\0') != std::string_view::npos) return Err(EINVAL, "xattr name contains NUL");
  return Status::Ok();
}

Status XattrPermission(const Caller& caller, const Attr& a, std::string_view name, bool write) {
  if (HasPrefix(name, "system.posix_acl_")) return Err(EOPNOTSUPP, "POSIX ACLs are not supported");
  if (HasPrefix(name, "security.") || HasPrefix(name, "system.")) return Status::Ok();
  if (HasPrefix(name, "trusted.")) {
    if (IsRoot(caller)) return Status::Ok();
    return write ? Err(EPERM, "trusted.* xattrs need root") : Err(ENODATA, "no xattr '{}'", name);
  }
  if (HasPrefix(name, "user.")) {
    if (!S_ISREG(a.mode()) && !S_ISDIR(a.mode())) {
      return write ? Err(EPERM, "user.* xattrs only on regular files and directories") : Err(ENODATA, "no xattr '{}'", name);
    }
    if (write && S_ISDIR(a.mode()) && (a.mode() & S_ISVTX) && !IsOwnerOrRoot(caller, a)) {
      return Err(EPERM, "only the owner of sticky directory {} may set its user.* xattrs", a.ino());
    }
  }
  return CheckAccess(caller, a, write ? kMayWrite : kMayRead);
}

// Binds the session and loads the inode for an xattr request.
StatusOr<rec::Inode> Prepare(OpContext& ctx, const XattrRequest& req, bool write) {
  RETURN_IF_ERROR(ctx.BindSession(req.session_id()));
  if (write) RETURN_IF_ERROR(ctx.CheckWritable());
  return ctx.GetInode(req.ino());
}

}  // namespace

Status GetXattr(OpContext& ctx, const XattrRequest& req, XattrResponse* resp) {
  auto inode = Prepare(ctx, req, false);
  if (!inode.ok()) return inode.status();
  RETURN_IF_ERROR(CheckXattrName(req.name()));
  RETURN_IF_ERROR(XattrPermission(req.caller(), inode->attr(), req.name(), false));
  auto v = ctx.reader().Get(keys::Xattr(req.ino(), req.name()));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Err(ENODATA, "no xattr '{}' on inode {}", req.name(), req.ino());
  resp->set_value(std::move(**v));
  return Status::Ok();
}

Status ListXattr(OpContext& ctx, const XattrRequest& req, XattrResponse* resp) {
  auto inode = Prepare(ctx, req, false);
  if (!inode.ok()) return inode.status();
  std::string prefix = keys::XattrPrefix(req.ino());
  auto it = ctx.reader().Scan(prefix, keys::PrefixEnd(prefix));
  for (; it->Valid(); it->Next()) {
    std::string_view name = it->key().substr(prefix.size());
    if (HasPrefix(name, "trusted.") && !IsRoot(req.caller())) continue;
    resp->add_names(std::string(name));
  }
  return it->status();
}

Status SetXattr(OpContext& ctx, const XattrRequest& req, XattrResponse*) {
  ctx.DeferSync();  // a namespace change: synced within sync_interval_ms or at a client's Sync
  auto inode = Prepare(ctx, req, true);
  if (!inode.ok()) return inode.status();
  RETURN_IF_ERROR(CheckXattrName(req.name()));
  if (req.flags() & ~(kXattrCreate | kXattrReplace)) return Err(EINVAL, "unknown xattr flags {:#x}", req.flags());
  if (req.flags() == (kXattrCreate | kXattrReplace)) return Err(EINVAL, "XATTR_CREATE and XATTR_REPLACE together");
  if (req.value().size() > kXattrValueMax) {
    return Err(E2BIG, "xattr value of {} bytes (max {})", req.value().size(), kXattrValueMax);
  }
  RETURN_IF_ERROR(XattrPermission(req.caller(), inode->attr(), req.name(), true));
  std::string key = keys::Xattr(req.ino(), req.name());
  auto old = ctx.reader().Get(key);
  if (!old.ok()) return old.status();
  if ((req.flags() & kXattrCreate) && old->has_value()) return Err(EEXIST, "xattr '{}' exists", req.name());
  if ((req.flags() & kXattrReplace) && !old->has_value()) return Err(ENODATA, "no xattr '{}'", req.name());
  ctx.batch().Put(key, req.value());
  if (!old->has_value()) inode->set_xattrs(inode->xattrs() + 1);
  inode->mutable_attr()->set_no_xattrs(false);
  *inode->mutable_attr()->mutable_ctime() = ctx.now();
  ctx.PutInode(*inode);
  return Status::Ok();
}

Status RemoveXattr(OpContext& ctx, const XattrRequest& req, XattrResponse*) {
  ctx.DeferSync();  // a namespace change: synced within sync_interval_ms or at a client's Sync
  auto inode = Prepare(ctx, req, true);
  if (!inode.ok()) return inode.status();
  RETURN_IF_ERROR(CheckXattrName(req.name()));
  RETURN_IF_ERROR(XattrPermission(req.caller(), inode->attr(), req.name(), true));
  std::string key = keys::Xattr(req.ino(), req.name());
  auto old = ctx.reader().Get(key);
  if (!old.ok()) return old.status();
  if (!old->has_value()) return Err(ENODATA, "no xattr '{}' on inode {}", req.name(), req.ino());
  ctx.Delete(key);
  inode->set_xattrs(inode->xattrs() > 0 ? inode->xattrs() - 1 : 0);
  inode->mutable_attr()->set_no_xattrs(inode->xattrs() == 0);
  *inode->mutable_attr()->mutable_ctime() = ctx.now();
  ctx.PutInode(*inode);
  return Status::Ok();
}

}  // namespace weft::meta::ops
