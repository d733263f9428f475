#include "client/data/blocking_calls.h"

#include <unistd.h>

#include "common/net.h"

namespace weft::client {

BlockingCalls::BlockingCalls(size_t max_idle_per_server, size_t max_open)
    : max_idle_per_server_(max_idle_per_server), max_open_(max_open) {}

BlockingCalls::~BlockingCalls() {
  std::lock_guard lock(mu_);
  for (auto& [addr, conns] : idle_) {
    for (auto& c : conns) close(c->fd());
  }
}

StatusOr<BlockingCalls::Conn> BlockingCalls::Take(const std::string& address, int timeout_ms) {
  {
    std::lock_guard lock(mu_);
    auto it = idle_.find(address);
    if (it != idle_.end() && !it->second.empty()) {
      Conn c = std::move(it->second.back());
      it->second.pop_back();
      return c;
    }
    if (open_ >= max_open_) return Err(EAGAIN, "{} blocking data connections busy", open_);
    ++open_;
  }
  auto hp = ParseHostPort(address);
  StatusOr<int> fd = hp.ok() ? ConnectTcp(hp->host, hp->port, std::min(timeout_ms, 2000)) : StatusOr<int>(hp.status());
  if (!fd.ok()) {
    std::lock_guard lock(mu_);
    --open_;
    return fd.status();
  }
  return std::make_unique<FrameReader>(*fd);  // a 4 KiB read's reply fits its buffer
}

void BlockingCalls::Give(const std::string& address, Conn c) {
  std::lock_guard lock(mu_);
  auto& conns = idle_[address];
  if (conns.size() < max_idle_per_server_) {
    conns.push_back(std::move(c));
    return;
  }
  close(c->fd());
  --open_;
}

void BlockingCalls::Forget(Conn c) {
  close(c->fd());
  std::lock_guard lock(mu_);
  --open_;
}

StatusOr<DataReply> BlockingCalls::Call(const std::string& address, uint8_t type, const std::string& header,
                                        std::span<char> into, int timeout_ms) {
  auto c = Take(address, timeout_ms);
  if (!c.ok()) return c.status();
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
  }
  if (Status s = SendFrame((*c)->fd(), type, 0, id, header); !s.ok()) {
    Forget(std::move(*c));
    return s;
  }
  // Data-plane limits (common/frame.h's defaults): a reply's payload is at most a chunk.
  auto f = (*c)->Next(FrameLimits{}, timeout_ms, into);
  if (!f.ok()) {
    Forget(std::move(*c));
    return f.status();
  }
  DataReply reply;
  // One reply per request: bytes after it mean the connection is out of step.
  if (f->header.type != FRAME_REPLY || f->header.request_id != id || (*c)->buffered() > 0 ||
      !reply.ParseFromString(f->msg)) {
    size_t extra = (*c)->buffered();
    Forget(std::move(*c));
    return Err(EPROTO, "a bad reply from {} (type {}, request {} for {}, {} bytes after it)", address,
               f->header.type, f->header.request_id, id, extra);
  }
  // A reply carries at most what was asked; its length says how much of the payload is data.
  if (reply.length() > f->header.payload_len) {
    Forget(std::move(*c));
    return Err(EPROTO, "a reply from {} claims {} bytes with a payload of {}", address, reply.length(),
               f->header.payload_len);
  }
  Give(address, std::move(*c));
  return reply;
}

}  // namespace weft::client
