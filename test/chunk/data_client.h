// A blocking data-protocol client for the chunk server tests (the test's own oracle: plain sockets, or
// OpenSSL's blocking TLS over one, and the common frame codec; no weft-chunk code), and helpers to find
// chains through weft-meta.
//
// Thread-safety: one TestDataClient per thread, except that one thread may Send while another Receives.
// With TLS that takes care: one OpenSSL session must not be used by two threads at once (SSL_read may
// write, and handles post-handshake messages, while SSL_write runs), so every SSL call holds ssl_mu_ and
// the socket does not block, so that neither side waits for the network while it holds the lock.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message_lite.h>
#include <openssl/types.h>

#include "common/capability.h"
#include "common/tls.h"
#include "weft/common.pb.h"
#include "weft/data.pb.h"

namespace weft::test {

struct TestReply {
  uint64_t id = 0;
  DataReply reply;
  std::string payload;
};

class TestDataClient {
 public:
  // Connects to host:port; throws std::runtime_error when it cannot. With a signer (the cluster key's,
  // standing in for weft-meta), every WRITE/READ/TRUNCATE/REMOVE sent without a capability gets a
  // read+write one for its inode; without, requests go exactly as built. With tls, the connection is TLS
  // and the server's certificate must verify against tls's CA and name the address's host.
  explicit TestDataClient(const std::string& address, const CapabilitySigner* signer = nullptr,
                          const Tls* tls = nullptr);
  ~TestDataClient();
  TestDataClient(const TestDataClient&) = delete;
  TestDataClient& operator=(const TestDataClient&) = delete;

  void SendRaw(std::string_view bytes);
  // Sends a frame; returns its request id.
  uint64_t Send(uint8_t type, const google::protobuf::MessageLite& msg, std::string_view payload = {});
  // The next reply frame; nullopt when the connection closed or nothing came within timeout_ms.
  std::optional<TestReply> Receive(int timeout_ms = 30000);
  // True when the server closes the connection within timeout_ms (reading and dropping anything sent).
  bool WaitClosed(int timeout_ms);
  // Send + Receive; throws when no reply comes.
  TestReply Call(uint8_t type, const google::protobuf::MessageLite& msg, std::string_view payload = {});

 private:
  bool ReadExact(char* p, size_t n, int timeout_ms);
  // One read of up to n bytes once readable within timeout_ms: > 0 bytes, 0 closed, -1 nothing in time.
  ssize_t ReadSome(char* p, size_t n, int timeout_ms);
  std::string Header(uint8_t type, const google::protobuf::MessageLite& msg) const;
  const CapabilitySigner* const signer_;
  int fd_ = -1;
  ssl_st* ssl_ = nullptr;  // TLS session over fd_, or null
  std::mutex ssl_mu_;      // held by every call on ssl_ after the handshake
  uint64_t next_id_ = 1;
};

WriteRequest MakeWrite(uint64_t ino, uint32_t index, const ChainInfo& chain, uint32_t offset, std::string_view data,
                       uint32_t chunk_size = 1u << 20);
ReadRequest MakeRead(uint64_t ino, uint32_t index, const ChainInfo& chain, uint32_t offset, uint32_t length);
// A capability for ino as weft-meta would issue it: `access` bits, expiring ttl_ms from now (negative:
// already expired).
std::string TestCapability(const CapabilitySigner& signer, uint64_t ino, uint8_t access = kCapRead | kCapWrite,
                           int64_t ttl_ms = 3600 * 1000);
// True when the reply's CRCs match its payload.
bool ReplyCrcsMatch(const TestReply& r);

// weft-meta's chain table (Cluster.GetChainTable).
ChainTable FetchTable(const std::string& meta_address, const Tls* tls);
// Waits until the table has a chain with `servers` members (target replication `servers`); throws on timeout.
ChainInfo WaitChain(const std::string& meta_address, const Tls* tls, int servers, int timeout_ms = 30000);
// The chain with this id in the current table (throws when absent).
ChainInfo GetChain(const std::string& meta_address, const Tls* tls, uint32_t id);
std::string ServerAddress(const ChainTable& table, uint64_t id);

}  // namespace weft::test
