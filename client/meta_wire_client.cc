#include "client/meta_wire_client.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>

#include <spdlog/spdlog.h>

#include "common/clock.h"

namespace weft::client {
namespace {

constexpr int64_t kRestMs = 1000;          // after a failure, no new connection for this long
constexpr int kConnectTimeoutMs = 2000;    // at most; less when the call's timeout is shorter

// The status a REPLY with kWireError carries: message in msg, "<code>\n<details>" in the payload.
grpc::Status ErrorOf(const ReceivedFrame& f) {
  std::string_view p = f.payload;
  size_t nl = p.find('\n');
  int code = static_cast<int>(grpc::StatusCode::UNKNOWN);
  std::from_chars(p.data(), p.data() + (nl == std::string_view::npos ? p.size() : nl), code);
  std::string details = nl == std::string_view::npos ? "" : std::string(p.substr(nl + 1));
  return grpc::Status(static_cast<grpc::StatusCode>(code), f.msg, details);
}

}  // namespace

MetaWireClient::MetaWireClient(std::string host, std::string token, size_t max_connections)
    : host_(std::move(host)), token_(std::move(token)), max_connections_(std::max<size_t>(1, max_connections)) {}

MetaWireClient::~MetaWireClient() {
  std::lock_guard lock(mu_);
  for (Conn& c : idle_) close(c.fd);
}

void MetaWireClient::SetPort(uint16_t port) {
  if (port_.exchange(port) == port) return;
  std::lock_guard lock(mu_);
  ++generation_;
  for (Conn& c : idle_) close(c.fd);
  open_ -= idle_.size();
  idle_.clear();
  rest_until_ms_ = 0;
}

int MetaWireClient::Connect(uint16_t port, int timeout_ms) {
  auto fd = ConnectTcp(host_, port, std::min(timeout_ms, kConnectTimeoutMs));
  if (!fd.ok()) return -1;
  if (!SendFrame(*fd, kWireHello, 0, 0, token_).ok()) {
    close(*fd);
    return -1;
  }
  return *fd;
}

std::optional<MetaWireClient::Conn> MetaWireClient::Take() {
  uint64_t gen;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      Conn c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    if (open_ >= max_connections_ || MonoMs() < rest_until_ms_) return std::nullopt;
    ++open_;
    gen = generation_;
  }
  uint16_t port = port_.load();
  int fd = port == 0 ? -1 : Connect(port, kConnectTimeoutMs);
  if (fd < 0) {
    std::lock_guard lock(mu_);
    --open_;
    rest_until_ms_ = MonoMs() + kRestMs;
    if (port != 0) spdlog::debug("metadata wire: cannot connect to {} port {}: using gRPC", host_, port);
    return std::nullopt;
  }
  return Conn{fd, gen, std::make_shared<FrameReader>(fd)};
}

void MetaWireClient::Give(Conn c) {
  std::lock_guard lock(mu_);
  if (c.generation != generation_) {  // the port changed meanwhile
    close(c.fd);
    if (open_ > 0) --open_;
    return;
  }
  idle_.push_back(std::move(c));
}

void MetaWireClient::Drop(Conn c, const std::string& why) {
  spdlog::debug("metadata wire: dropped a connection: {}", why);
  close(c.fd);
  std::lock_guard lock(mu_);
  if (open_ > 0) --open_;  // busy connections stay counted across SetPort, whatever their generation
  if (c.generation == generation_) rest_until_ms_ = MonoMs() + kRestMs;
}

std::optional<grpc::Status> MetaWireClient::Call(WireMethod method, const google::protobuf::Message& request,
                                                 google::protobuf::Message* response, int timeout_ms) {
  if (port_.load() == 0) return std::nullopt;
  std::optional<Conn> c = Take();
  if (!c) {
    fallbacks_.fetch_add(1);
    return std::nullopt;
  }
  const uint64_t id = next_id_.fetch_add(1);
  std::string bytes;
  request.SerializeToString(&bytes);
  Status sent = SendFrame(c->fd, static_cast<uint8_t>(method), 0, id, bytes);
  if (!sent.ok()) {
    Drop(*c, sent.ToString());
    fallbacks_.fetch_add(1);
    return std::nullopt;
  }
  auto reply = c->reader->Next(WireReplyLimits(), timeout_ms);
  if (!reply.ok()) {
    Drop(*c, reply.status().ToString());
    if (reply.status().err() == ETIMEDOUT) {
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "metadata wire: no reply within the deadline");
    }
    fallbacks_.fetch_add(1);
    return std::nullopt;
  }
  if (reply->header.type != kWireReply || reply->header.request_id != id || c->reader->buffered() > 0) {
    Drop(*c, fmt::format("a reply of type {} for request {} while waiting for {} ({} bytes after it)",
                         reply->header.type, reply->header.request_id, id, c->reader->buffered()));
    fallbacks_.fetch_add(1);
    return std::nullopt;
  }
  Give(*c);
  if (reply->header.flags & kWireError) {
    grpc::Status err = ErrorOf(*reply);
    // A weft-meta that does not know the method (older than this client): gRPC carries it.
    if (err.error_code() == grpc::StatusCode::UNIMPLEMENTED && err.error_message().starts_with(kWireUnknownMethod)) {
      fallbacks_.fetch_add(1);
      return std::nullopt;
    }
    calls_.fetch_add(1);
    return err;
  }
  if (!response->ParseFromString(reply->msg)) {
    spdlog::warn("metadata wire: a {} reply did not parse: using gRPC", static_cast<int>(method));
    fallbacks_.fetch_add(1);
    return std::nullopt;
  }
  calls_.fetch_add(1);
  return grpc::Status::OK;
}

}  // namespace weft::client
