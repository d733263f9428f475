#include "common/tls.h"

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <cstring>

#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <grpcpp/security/credentials.h>

namespace weft {
namespace ssl = boost::asio::ssl;

namespace {

constexpr long kProtocolOptions = ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1;

StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(EINVAL, "TLS {} file {}: cannot open it: {}", what, path, strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string pem = ss.str();
  if (pem.size() > (1u << 20)) return Err(EINVAL, "TLS {} file {} is over 1 MiB", what, path);
  if (pem.find("-----BEGIN ") == std::string::npos) {
    return Err(EINVAL, "TLS {} file {} holds no PEM block", what, path);
  }
  return pem;
}

// The error of a context call, named without its input (a key never reaches a message).
Status ContextError(const boost::system::error_code& ec, const std::string& what, const std::string& path) {
  return Err(EINVAL, "TLS {} file {}: {}", what, path, ec.message());
}

}  // namespace

void AddTlsFlags(CLI::App& app, TlsFiles* files, bool server) {
  app.add_option("--tls-ca", files->ca_file,
                 "turn TLS on: PEM file of the CA that signs the cluster's server certificates");
  if (!server) return;
  app.add_option("--tls-cert", files->cert_file, "with --tls-ca: this server's certificate chain (PEM)");
  app.add_option("--tls-key", files->key_file, "with --tls-ca: this server's private key (PEM)");
}

StatusOr<TlsPtr> Tls::Load(const TlsFiles& files, bool server) {
  if (!files.enabled()) {
    if (!files.cert_file.empty() || !files.key_file.empty()) {
      return Err(EINVAL, "--tls-cert and --tls-key need --tls-ca (the CA that signed the servers' certificates)");
    }
    return TlsPtr();
  }
  if (server && (files.cert_file.empty() || files.key_file.empty())) {
    return Err(EINVAL, "with --tls-ca a server needs --tls-cert and --tls-key (see scripts/make-certs)");
  }
  std::shared_ptr<Tls> tls(new Tls());
  auto ca = ReadPem(files.ca_file, "CA");
  if (!ca.ok()) return ca.status();
  tls->ca_pem_ = std::move(*ca);
  boost::system::error_code ec;
  tls->client_ctx_ = std::make_unique<ssl::context>(ssl::context::tls_client);
  tls->client_ctx_->set_options(kProtocolOptions, ec);
  if (!ec) tls->client_ctx_->add_certificate_authority(boost::asio::buffer(tls->ca_pem_), ec);
  if (!ec) tls->client_ctx_->set_verify_mode(ssl::verify_peer, ec);
  if (ec) return ContextError(ec, "CA", files.ca_file);
  if (!server) return TlsPtr(std::move(tls));

  auto cert = ReadPem(files.cert_file, "certificate");
  if (!cert.ok()) return cert.status();
  tls->cert_pem_ = std::move(*cert);
  auto key = ReadPem(files.key_file, "key");
  if (!key.ok()) return key.status();
  tls->key_pem_ = std::move(*key);
  tls->server_ctx_ = std::make_unique<ssl::context>(ssl::context::tls_server);
  tls->server_ctx_->set_options(kProtocolOptions, ec);
  if (!ec) tls->server_ctx_->use_certificate_chain(boost::asio::buffer(tls->cert_pem_), ec);
  if (ec) return ContextError(ec, "certificate", files.cert_file);
  tls->server_ctx_->use_private_key(boost::asio::buffer(tls->key_pem_), ssl::context::pem, ec);
  if (ec) {
    return Err(EINVAL, "TLS key file {}: {} (is it the private key of the certificate in {}?)", files.key_file,
               ec.message(), files.cert_file);
  }
  if (SSL_CTX_check_private_key(tls->server_ctx_->native_handle()) != 1) {
    return Err(EINVAL, "TLS key file {} does not match the certificate in {}", files.key_file, files.cert_file);
  }
  return TlsPtr(std::move(tls));
}

Tls::~Tls() { OPENSSL_cleanse(key_pem_.data(), key_pem_.size()); }

std::shared_ptr<grpc::ChannelCredentials> Tls::ChannelCredentials() const {
  grpc::SslCredentialsOptions o;
  o.pem_root_certs = ca_pem_;
  return grpc::SslCredentials(o);
}

std::shared_ptr<grpc::ServerCredentials> Tls::ServerCredentials() const {
  grpc::SslServerCredentialsOptions o(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  o.pem_key_cert_pairs.push_back({key_pem_, cert_pem_});
  return grpc::SslServerCredentials(o);
}

}  // namespace weft
