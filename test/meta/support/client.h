// TestClient: terse helpers over a Transport for the metadata tests — one call per operation, the
// session and caller filled in, every mutation numbered with a fresh request id (as the real client
// does), results as StatusOr. Copies share the transport and the request-id counter; As() makes a copy
// acting for another caller.
//
// Thread-safety: a TestClient is used by one thread; copies may be used by different threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "test/meta/support/transport.h"

namespace weft::meta::test {

Caller RootCaller();
Caller User(uint32_t uid, uint32_t gid, std::vector<uint32_t> groups = {});

inline int Errno(const Status& s) { return s.err(); }
template <typename T>
int Errno(const StatusOr<T>& s) {
  return s.status().err();
}

class TestClient {
 public:
  explicit TestClient(Transport* transport);

  Transport& transport() { return *t_; }
  TestClient As(const Caller& who) const;
  // The next request id (shared by copies). 0 when request ids are off.
  uint64_t NextRequestId();

  uint64_t session = 0;
  uint64_t root = 0;
  uint64_t volume_id = 0;
  Caller caller = RootCaller();
  bool request_ids = true;

  // --- Admin ---
  Status CreateTenant(const std::string& name, const Quota& quota = Quota());
  StatusOr<Volume> CreateVolume(const std::string& name, const std::string& tenant, uint64_t quota_bytes = 0,
                                uint64_t quota_inodes = 0, AccessMode mode = ACCESS_SHARED);
  StatusOr<Volume> GetVolume(const std::string& name);
  StatusOr<Tenant> GetTenant(const std::string& name);
  // Mounts and makes this client use the new session and root.
  StatusOr<MountResponse> MountVolume(const std::string& volume, bool read_only = false);
  Status Unmount();

  // --- Namespace ---
  StatusOr<Attr> Lookup(uint64_t parent, const std::string& name);
  StatusOr<Attr> GetAttr(uint64_t ino);
  StatusOr<Attr> Mkdir(uint64_t parent, const std::string& name, uint32_t mode = 0755, uint32_t umask = 0);
  // mknod/create without open. mode without type bits makes a regular file.
  StatusOr<Attr> Create(uint64_t parent, const std::string& name, uint32_t mode = 0644, bool exclusive = false,
                        uint64_t rdev = 0);
  StatusOr<CreateResponse> CreateOpen(uint64_t parent, const std::string& name, uint32_t mode, uint32_t flags,
                                      bool exclusive = false);
  StatusOr<UnlinkResponse> Unlink(uint64_t parent, const std::string& name);
  StatusOr<RmdirResponse> Rmdir(uint64_t parent, const std::string& name);
  StatusOr<RenameResponse> Rename(uint64_t parent, const std::string& name, uint64_t new_parent,
                                  const std::string& new_name, uint32_t flags = 0);
  StatusOr<Attr> Link(uint64_t ino, uint64_t new_parent, const std::string& new_name);
  StatusOr<Attr> Symlink(uint64_t parent, const std::string& name, const std::string& target);
  StatusOr<std::string> Readlink(uint64_t ino);
  StatusOr<ReadDirResponse> ReadDir(uint64_t ino, const std::string& cookie = "", uint32_t limit = 0,
                                    bool plus = false);
  // Every name in a directory, following cookies.
  StatusOr<std::vector<std::string>> ListNames(uint64_t ino, uint32_t page = 0);
  StatusOr<Attr> SetAttr(SetAttrRequest req);  // session, caller and request id are filled in
  StatusOr<Attr> Chmod(uint64_t ino, uint32_t mode);
  StatusOr<Attr> Chown(uint64_t ino, uint32_t uid, uint32_t gid);
  StatusOr<Attr> Chgrp(uint64_t ino, uint32_t gid);
  StatusOr<Attr> Truncate(uint64_t ino, uint64_t size, uint64_t handle = 0);
  Status SetXattr(uint64_t ino, const std::string& name, const std::string& value, uint32_t flags = 0);
  StatusOr<std::string> GetXattr(uint64_t ino, const std::string& name);
  StatusOr<std::vector<std::string>> ListXattr(uint64_t ino);
  Status RemoveXattr(uint64_t ino, const std::string& name);
  StatusOr<StatFsResponse> StatFs();
  StatusOr<OpenResponse> Open(uint64_t ino, uint32_t flags);
  Status Close(uint64_t handle);
  // One Close of handles[0] carrying the rest as more_handles (how libweft batches clean closes).
  Status CloseMany(const std::vector<uint64_t>& handles);
  Status CloseWithSize(uint64_t handle, uint64_t size);
  StatusOr<Attr> Commit(uint64_t handle, uint64_t ino, uint64_t size);
  StatusOr<uint64_t> Grant(uint64_t handle, uint64_t ino, uint64_t end);
  // Makes every acknowledged change durable (what libweft sends at fsync).
  Status Sync();

 private:
  Transport* t_;
  std::shared_ptr<std::atomic<uint64_t>> next_request_id_;
};

}  // namespace weft::meta::test
