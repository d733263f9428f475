// Transport security for both planes behind one switch. With a CA file given (--tls-ca), every gRPC
// server and channel of the process and every data-plane connection (common/data_stream.h) speaks TLS 1.2
// or later, and a client checks that the server's certificate is signed by that CA and names the host it
// dialled (an IP address or a DNS name from the address). Without it, everything is plain TCP, for a
// trusted network only. A TLS server refuses plain-text peers: their first bytes fail the handshake.
//
// Servers present one certificate (--tls-cert, --tls-key) on their gRPC and data ports; clients present
// none: they authenticate with tokens (admin, tenant) and servers with the cluster key, over the encrypted
// channel. scripts/make-certs makes a CA and a server certificate for a local cluster.
//
// Thread-safety: a loaded Tls is immutable; its Asio contexts may back any number of streams on any
// threads (OpenSSL contexts are safe to share once configured).
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include "common/status.h"

namespace CLI {
class App;
}

namespace weft {

struct TlsFiles {
  std::string ca_file;    // PEM certificates of the CA that signs the cluster's servers; "" = TLS off
  std::string cert_file;  // servers: this server's certificate chain (PEM); default none
  std::string key_file;   // servers: its private key (PEM, unencrypted); default none
  bool enabled() const { return !ca_file.empty(); }
};

// Adds --tls-ca, and for a server also --tls-cert and --tls-key.
void AddTlsFlags(CLI::App& app, TlsFiles* files, bool server);

class Tls {
 public:
  // Reads and checks the files: a client needs ca_file only; a server also cert_file and key_file, and
  // the key must match the certificate. Returns nullptr when files.enabled() is false (plain TCP).
  // EINVAL when a file is missing or unreadable, holds no PEM, or a server names only one of cert and key.
  static StatusOr<std::shared_ptr<const Tls>> Load(const TlsFiles& files, bool server);
  ~Tls();  // cleanses the key

  bool server() const { return server_ctx_ != nullptr; }
  std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials() const;
  // REQUIRES: server().
  std::shared_ptr<grpc::ServerCredentials> ServerCredentials() const;
  // Contexts for data-plane streams: the client one verifies peers against the CA; the server one
  // presents the certificate. REQUIRES for server_context: server().
  boost::asio::ssl::context& client_context() const { return *client_ctx_; }
  boost::asio::ssl::context& server_context() const { return *server_ctx_; }

 private:
  Tls() = default;
  std::string ca_pem_;
  std::string cert_pem_;
  std::string key_pem_;
  std::unique_ptr<boost::asio::ssl::context> client_ctx_;
  std::unique_ptr<boost::asio::ssl::context> server_ctx_;
};

using TlsPtr = std::shared_ptr<const Tls>;  // nullptr = plain TCP

}  // namespace weft
