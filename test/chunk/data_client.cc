#include "test/chunk/data_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <csignal>

#include "common/clock.h"
#include "common/crc32c.h"
#include "common/frame.h"
#include "common/grpc_util.h"
#include "common/net.h"
#include "weft/cluster.grpc.pb.h"

namespace weft::test {

TestDataClient::TestDataClient(const std::string& address, const CapabilitySigner* signer, const Tls* tls)
    : signer_(signer) {
  auto hp = ParseHostPort(address);
  if (!hp.ok()) throw std::runtime_error(hp.status().ToString());
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(hp->port);
  if (inet_pton(AF_INET, hp->host.c_str(), &sa.sin_addr) != 1) throw std::runtime_error("bad host " + hp->host);
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    int e = errno;
    if (fd_ >= 0) close(fd_);
    throw std::runtime_error("connect " + address + ": " + strerror(e));
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (tls == nullptr) return;
  signal(SIGPIPE, SIG_IGN);  // SSL_write has no MSG_NOSIGNAL
  ssl_ = SSL_new(tls->client_context().native_handle());
  SSL_set_fd(ssl_, fd_);
  if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), hp->host.c_str()) != 1) {
    SSL_set1_host(ssl_, hp->host.c_str());
  }
  if (SSL_connect(ssl_) != 1) {
    char err[256];
    ERR_error_string_n(ERR_get_error(), err, sizeof err);
    SSL_free(ssl_);
    close(fd_);
    throw std::runtime_error("TLS handshake with " + address + ": " + err);
  }
  // From here SSL calls never wait on the socket (see the header): WANT_READ / WANT_WRITE mean poll.
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

TestDataClient::~TestDataClient() {
  if (ssl_) SSL_free(ssl_);
  if (fd_ >= 0) close(fd_);
}

void TestDataClient::SendRaw(std::string_view bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    if (!ssl_) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error(std::string("send: ") + strerror(errno));
      off += static_cast<size_t>(n);
      continue;
    }
    int n, err = SSL_ERROR_NONE;
    {
      std::lock_guard lock(ssl_mu_);
      n = SSL_write(ssl_, bytes.data() + off, static_cast<int>(bytes.size() - off));
      if (n <= 0) err = SSL_get_error(ssl_, n);
    }
    if (n > 0) {
      off += static_cast<size_t>(n);
    } else if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
      pollfd pfd{fd_, static_cast<short>(err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
      poll(&pfd, 1, 10);  // a short wait: the reader may be the one to take what blocks us
    } else {
      throw std::runtime_error("send: TLS error " + std::to_string(err) + ": " + strerror(errno));
    }
  }
}

uint64_t TestDataClient::Send(uint8_t type, const google::protobuf::MessageLite& msg, std::string_view payload) {
  uint64_t id = next_id_++;
  SendRaw(EncodeFrame(type, id, Header(type, msg), payload, 0));
  return id;
}

std::string TestDataClient::Header(uint8_t type, const google::protobuf::MessageLite& msg) const {
  auto fill = [this](auto m) {
    if (m.capability().empty()) m.set_capability(TestCapability(*signer_, m.chunk().ino()));
    return m.SerializeAsString();
  };
  if (signer_) {
    if (const auto* w = dynamic_cast<const WriteRequest*>(&msg); w && type == FRAME_WRITE) return fill(*w);
    if (const auto* r = dynamic_cast<const ReadRequest*>(&msg); r && type == FRAME_READ) return fill(*r);
    if (const auto* t = dynamic_cast<const TruncateRequest*>(&msg); t && type == FRAME_TRUNCATE) return fill(*t);
    if (const auto* rm = dynamic_cast<const RemoveRequest*>(&msg); rm && type == FRAME_REMOVE) return fill(*rm);
  }
  return msg.SerializeAsString();
}

std::string TestCapability(const CapabilitySigner& signer, uint64_t ino, uint8_t access, int64_t ttl_ms) {
  return signer.Mint({.ino = ino, .access = access, .expiry_ms = NowUnixMs() + ttl_ms});
}

ssize_t TestDataClient::ReadSome(char* p, size_t n, int timeout_ms) {
  if (!ssl_) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) <= 0) return -1;
    ssize_t r = ::recv(fd_, p, n, 0);
    return r > 0 ? r : 0;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    {
      std::lock_guard lock(ssl_mu_);
      int r = SSL_read(ssl_, p, static_cast<int>(n));
      if (r > 0) return r;
      int err = SSL_get_error(ssl_, r);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return 0;  // closed, or a TLS failure
    }
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) return -1;
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, std::min(left, 100)) < 0 && errno != EINTR) return 0;
  }
}

bool TestDataClient::ReadExact(char* p, size_t n, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t got = 0;
  while (got < n) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) return false;
    ssize_t r = ReadSome(p + got, n - got, left);
    if (r < 0) continue;
    if (r == 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

std::optional<TestReply> TestDataClient::Receive(int timeout_ms) {
  std::string fixed(kFixedHeaderSize, '\0');
  if (!ReadExact(fixed.data(), fixed.size(), timeout_ms)) return std::nullopt;
  auto h = DecodeFixedHeader({reinterpret_cast<const uint8_t*>(fixed.data()), fixed.size()}, FrameLimits{.max_payload = 64u << 20});
  if (!h.ok()) throw std::runtime_error("bad reply: " + h.status().ToString());
  std::string msg(h->header_len, '\0');
  TestReply r;
  r.payload.resize(h->payload_len);
  if (!ReadExact(msg.data(), msg.size(), timeout_ms) || !ReadExact(r.payload.data(), r.payload.size(), timeout_ms)) {
    return std::nullopt;
  }
  if (!VerifyHeaderCrc(*h, {reinterpret_cast<const uint8_t*>(fixed.data()), fixed.size()}, msg).ok()) {
    throw std::runtime_error("reply header CRC mismatch");
  }
  if (h->type != FRAME_REPLY || !r.reply.ParseFromString(msg)) throw std::runtime_error("not a reply frame");
  r.id = h->request_id;
  return r;
}

bool TestDataClient::WaitClosed(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    ssize_t r = ReadSome(buf, sizeof buf, 100);
    if (r == 0) return true;
  }
  return false;
}

TestReply TestDataClient::Call(uint8_t type, const google::protobuf::MessageLite& msg, std::string_view payload) {
  uint64_t id = Send(type, msg, payload);
  auto r = Receive();
  if (!r) throw std::runtime_error("no reply");
  if (r->id != id) throw std::runtime_error("reply to another request");
  return std::move(*r);
}

WriteRequest MakeWrite(uint64_t ino, uint32_t index, const ChainInfo& chain, uint32_t offset, std::string_view data,
                       uint32_t chunk_size) {
  WriteRequest w;
  w.mutable_chunk()->set_ino(ino);
  w.mutable_chunk()->set_index(index);
  w.mutable_chain()->set_chain_id(chain.id());
  w.mutable_chain()->set_chain_version(chain.version());
  w.set_offset(offset);
  w.set_length(static_cast<uint32_t>(data.size()));
  w.set_chunk_size(chunk_size);
  for (uint32_t c : BlockCrcs(data.data(), data.size())) w.add_crcs(c);
  return w;
}

ReadRequest MakeRead(uint64_t ino, uint32_t index, const ChainInfo& chain, uint32_t offset, uint32_t length) {
  ReadRequest r;
  r.mutable_chunk()->set_ino(ino);
  r.mutable_chunk()->set_index(index);
  r.mutable_chain()->set_chain_id(chain.id());
  r.mutable_chain()->set_chain_version(chain.version());
  r.set_offset(offset);
  r.set_length(length);
  return r;
}

bool ReplyCrcsMatch(const TestReply& r) {
  return FirstBadBlock(r.payload.data(), r.payload.size(),
                       {r.reply.crcs().data(), static_cast<size_t>(r.reply.crcs_size())}) < 0;
}

ChainTable FetchTable(const std::string& meta_address, const Tls* tls) {
  auto stub = Cluster::NewStub(MakeChannel(meta_address, tls, 200));
  grpc::ClientContext ctx;
  PrepareContext(&ctx, std::chrono::seconds(5));
  ChainTableRequest req;
  ChainTable t;
  grpc::Status s = stub->GetChainTable(&ctx, req, &t);
  if (!s.ok()) throw std::runtime_error("GetChainTable: " + s.error_message());
  return t;
}

ChainInfo WaitChain(const std::string& meta_address, const Tls* tls, int servers, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    ChainTable t = FetchTable(meta_address, tls);
    for (const auto& c : t.chains()) {
      if (c.servers_size() == servers && static_cast<int>(c.replication()) == servers) return c;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("no chain of " + std::to_string(servers) + " servers in time");
}

ChainInfo GetChain(const std::string& meta_address, const Tls* tls, uint32_t id) {
  ChainTable t = FetchTable(meta_address, tls);
  for (const auto& c : t.chains()) {
    if (c.id() == id) return c;
  }
  throw std::runtime_error("no chain " + std::to_string(id));
}

std::string ServerAddress(const ChainTable& table, uint64_t id) {
  for (const auto& s : table.servers()) {
    if (s.id() == id) return s.address();
  }
  throw std::runtime_error("no server " + std::to_string(id));
}

}  // namespace weft::test
