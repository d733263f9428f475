#include "server/meta/service/meta_wire_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include "common/frame_socket.h"
#include "common/meta_wire.h"
#include "common/net.h"

namespace weft::meta {
namespace {

std::string PeerOf(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = {};
  uint16_t port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
  }
  return fmt::format("wire:{}:{}", host, port);
}

}  // namespace

StatusOr<std::unique_ptr<MetaWireServer>> MetaWireServer::Start(const MetaWireOptions& opts, MetaService* service) {
  auto parsed = ParseHostPort(opts.listen);
  if (!parsed.ok()) return parsed.status();
  const HostPort& hp = *parsed;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port_text = std::to_string(hp.port);
  if (int rc = getaddrinfo(hp.host.c_str(), port_text.c_str(), &hints, &res); rc != 0) {
    return Err(EINVAL, "metadata wire: cannot resolve '{}': {}", opts.listen, gai_strerror(rc));
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(res);
    return Err(errno, "metadata wire: socket");
  }
  int one = 1;
  (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = bind(fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (rc != 0 || listen(fd, 128) != 0) {
    int e = errno;
    close(fd);
    return Err(e, "metadata wire: cannot listen on {}", opts.listen);
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  uint16_t port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                    : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  std::unique_ptr<MetaWireServer> server(new MetaWireServer(opts, service, fd, port));
  server->acceptor_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

MetaWireServer::MetaWireServer(const MetaWireOptions& opts, MetaService* service, int listen_fd, uint16_t port)
    : opts_(opts), service_(service), listen_fd_(listen_fd), port_(port) {}

MetaWireServer::~MetaWireServer() { Stop(); }

void MetaWireServer::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& c : conns_) shutdown(c->fd, SHUT_RDWR);  // the reader sees end of stream
  }
  shutdown(listen_fd_, SHUT_RDWR);  // accept() fails
  if (acceptor_.joinable()) acceptor_.join();
  close(listen_fd_);
  std::lock_guard lock(mu_);
  for (auto& c : conns_) {
    if (c->thread.joinable()) c->thread.join();
    close(c->fd);
  }
  conns_.clear();
}

void MetaWireServer::ReapLocked() {
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (!(*it)->done) {
      ++it;
      continue;
    }
    (*it)->thread.join();
    close((*it)->fd);
    it = conns_.erase(it);
  }
}

void MetaWireServer::AcceptLoop() {
  for (;;) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
    std::lock_guard lock(mu_);
    if (stopping_) {
      if (fd >= 0) close(fd);
      return;
    }
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // EMFILE and the like: wait a little rather than spin.
      spdlog::warn("metadata wire: accept: {}", strerror(errno));
      mu_.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      mu_.lock();
      continue;
    }
    ReapLocked();
    if (conns_.size() >= opts_.max_connections) {
      spdlog::warn("metadata wire: {} connections open (--wire-max-connections): refused {}; it uses gRPC",
                   conns_.size(), PeerOf(peer));
      close(fd);
      continue;
    }
    SetNoDelay(fd);
    auto c = std::make_unique<Conn>();
    c->fd = fd;
    c->peer = PeerOf(peer);
    Conn* raw = c.get();
    conns_.push_back(std::move(c));
    raw->thread = std::thread([this, raw] { Serve(raw); });
  }
}

void MetaWireServer::Serve(Conn* c) {
  const FrameLimits limits = WireRequestLimits();
  // One reader for the connection's life: the client sends its HELLO and first call back to back.
  FrameReader reader(c->fd);
  // The HELLO comes first, at once: a peer that sends nothing is not kept.
  auto hello = reader.Next(limits, 10000);
  if (!hello.ok() || hello->header.type != kWireHello) {
    spdlog::info("metadata wire: closed {}: {}", c->peer,
                 hello.ok() ? fmt::format("frame type {} before HELLO", hello->header.type)
                            : hello.status().ToString());
    shutdown(c->fd, SHUT_RDWR);
    c->done = true;
    return;
  }
  const std::string bearer = hello->msg.empty() ? "" : "Bearer " + hello->msg;
  // The token is hashed once per connection; every call still checks it against its record.
  const std::string token_hash = Auth::HashOfBearer(bearer);
  CallAuth auth{.bearer = bearer, .peer = c->peer, .token_hash = token_hash};
  std::string response;
  for (;;) {
    auto f = reader.Next(limits, -1);
    if (!f.ok()) {
      // A clean close between calls is the normal end; anything else is worth a line.
      if (f.status().err() != ECONNRESET) spdlog::info("metadata wire: closed {}: {}", c->peer, f.status().ToString());
      break;
    }
    if (f->header.type == kWireHello || f->header.type == kWireReply) {
      spdlog::info("metadata wire: closed {}: unexpected frame type {}", c->peer, f->header.type);
      break;
    }
    response.clear();
    grpc::Status s = service_->WireCall(auth, static_cast<WireMethod>(f->header.type), f->msg, &response);
    Status sent = s.ok() ? SendFrame(c->fd, kWireReply, 0, f->header.request_id, response)
                         : SendFrame(c->fd, kWireReply, kWireError, f->header.request_id, s.error_message(),
                                    fmt::format("{}\n{}", static_cast<int>(s.error_code()), s.error_details()));
    if (!sent.ok()) break;  // the client is gone; it retries the call elsewhere by its request id
  }
  // The peer sees the end now; the descriptor is closed by the reaper (never here, so that Stop's
  // shutdown of a live connection cannot hit a reused descriptor).
  shutdown(c->fd, SHUT_RDWR);
  c->done = true;
}

}  // namespace weft::meta
