#include "client/data/blocking_calls.h"

#include <unistd.h>

#include "common/frame_socket.h"
#include "common/net.h"

namespace weft::client {

BlockingCalls::BlockingCalls(size_t max_idle_per_server, size_t max_open)
    : max_idle_per_server_(max_idle_per_server), max_open_(max_open) {}

BlockingCalls::~BlockingCalls() {
  std::lock_guard lock(mu_);
  for (auto& [addr, fds] : idle_) {
    for (int fd : fds) close(fd);
  }
}

StatusOr<int> BlockingCalls::Take(const std::string& address, int timeout_ms) {
  {
    std::lock_guard lock(mu_);
    auto it = idle_.find(address);
    if (it != idle_.end() && !it->second.empty()) {
      int fd = it->second.back();
      it->second.pop_back();
      return fd;
    }
    if (open_ >= max_open_) return Err(EAGAIN, "{} blocking data connections busy", open_);
    ++open_;
  }
  auto hp = ParseHostPort(address);
  StatusOr<int> fd = hp.ok() ? ConnectTcp(hp->host, hp->port, std::min(timeout_ms, 2000)) : StatusOr<int>(hp.status());
  if (!fd.ok()) {
    std::lock_guard lock(mu_);
    --open_;
  }
  return fd;
}

void BlockingCalls::Give(const std::string& address, int fd) {
  std::lock_guard lock(mu_);
  auto& fds = idle_[address];
  if (fds.size() < max_idle_per_server_) {
    fds.push_back(fd);
    return;
  }
  close(fd);
  --open_;
}

void BlockingCalls::Forget(int fd) {
  close(fd);
  std::lock_guard lock(mu_);
  --open_;
}

StatusOr<DataReply> BlockingCalls::Call(const std::string& address, uint8_t type, const std::string& header,
                                        std::span<char> into, int timeout_ms) {
  auto fd = Take(address, timeout_ms);
  if (!fd.ok()) return fd.status();
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
  }
  if (Status s = SendFrame(*fd, type, 0, id, header); !s.ok()) {
    Forget(*fd);
    return s;
  }
  // Data-plane limits (common/frame.h's defaults): a reply's payload is at most a chunk.
  auto f = ReceiveFrame(*fd, FrameLimits{}, timeout_ms, into);
  if (!f.ok()) {
    Forget(*fd);
    return f.status();
  }
  DataReply reply;
  if (f->header.type != FRAME_REPLY || f->header.request_id != id || !reply.ParseFromString(f->msg)) {
    Forget(*fd);
    return Err(EPROTO, "a bad reply from {} (type {}, request {} for {})", address, f->header.type,
               f->header.request_id, id);
  }
  // A reply carries at most what was asked; its length says how much of the payload is data.
  if (reply.length() > f->header.payload_len) {
    Forget(*fd);
    return Err(EPROTO, "a reply from {} claims {} bytes with a payload of {}", address, reply.length(),
               f->header.payload_len);
  }
  Give(address, *fd);
  return reply;
}

}  // namespace weft::client
