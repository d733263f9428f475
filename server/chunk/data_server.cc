#include "server/chunk/data_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "common/frame_io.h"
#include "common/net.h"

namespace weft::chunk {

using asio::ip::tcp;

class DataServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(DataServer* server, tcp::socket socket)
      : server_(server),
        socket_(std::move(socket), server->tls_, DataStream::Role::kServer),
        requests_(server->options_.max_requests),
        bytes_(server->options_.max_bytes) {
    boost::system::error_code ec;
    auto ep = socket_.socket().remote_endpoint(ec);
    peer_ = ec ? "?" : fmt::format("{}:{}", ep.address().to_string(), ep.port());
    socket_.socket().set_option(tcp::no_delay(true), ec);
  }

  asio::awaitable<void> Run();
  // Stops reading new requests; replies of running ones still go out.
  void StopReading() { socket_.Shutdown(tcp::socket::shutdown_receive); }
  void Close() {
    closed_ = true;
    socket_.Close();
  }
  std::list<std::shared_ptr<Connection>>::iterator self_it;

 private:
  // What a request holds until its reply is sent.
  struct Permit {
    std::shared_ptr<Connection> conn;
    uint64_t bytes = 0;
    bool client = false;
    Permit(std::shared_ptr<Connection> c, uint64_t b, bool cl) : conn(std::move(c)), bytes(b), client(cl) {}
    Permit(Permit&& o) noexcept : conn(std::move(o.conn)), bytes(o.bytes), client(o.client) {}
    ~Permit() {
      if (!conn) return;
      conn->requests_.Release(1);
      conn->bytes_.Release(bytes);
      if (client) conn->server_->client_bytes_.Release(bytes);
    }
  };

  Status Parse(const FrameHeader& head, const std::string& msg, Request& req, uint64_t* bytes, bool* client);
  asio::awaitable<void> Serve(Request req, Permit permit, TaskCounter::Token token);
  void ProtocolError(const Status& s) {
    ++server_->protocol_errors_;
    spdlog::warn("data connection from {}: {}; closing it", peer_, s.ToString());
    Close();
  }

  DataServer* const server_;
  DataStream socket_;
  std::string peer_;
  AsyncMutex write_mu_;
  AsyncSemaphore requests_;
  AsyncSemaphore bytes_;
  bool closed_ = false;
  const std::shared_ptr<VerifiedCapabilities> verified_ = std::make_shared<VerifiedCapabilities>();
};

Status DataServer::Connection::Parse(const FrameHeader& head, const std::string& msg, Request& req,
                                     uint64_t* bytes, bool* client) {
  const auto& limits = server_->options_.limits;
  req.type = head.type;
  req.id = head.request_id;
  req.payload_len = head.payload_len;
  *bytes = 0;
  *client = false;
  bool parsed = true;
  switch (head.type) {
    case FRAME_WRITE: {
      WriteRequest w;
      parsed = w.ParseFromString(msg);
      *bytes = head.payload_len;
      *client = w.hop() == 0;
      req.payload_skip = w.offset() % kCrcBlock;
      req.msg = std::move(w);
      break;
    }
    case FRAME_READ: {
      ReadRequest r;
      parsed = r.ParseFromString(msg);
      *bytes = r.whole_chunk() ? limits.max_payload : std::min<uint64_t>(r.length(), limits.max_payload);
      *client = !r.any_state();
      req.msg = std::move(r);
      break;
    }
    case FRAME_TRUNCATE: {
      TruncateRequest t;
      parsed = t.ParseFromString(msg);
      req.msg = std::move(t);
      break;
    }
    case FRAME_REMOVE: {
      RemoveRequest r;
      parsed = r.ParseFromString(msg);
      req.msg = std::move(r);
      break;
    }
    case FRAME_LIST: {
      ListRequest l;
      parsed = l.ParseFromString(msg);
      req.msg = std::move(l);
      break;
    }
    case FRAME_PING:
      break;
    default:
      return Err(EPROTO, "unknown frame type {}", head.type);
  }
  if (!parsed) return Err(EPROTO, "unparsable header message for frame type {}", head.type);
  if (head.type != FRAME_WRITE && head.payload_len != 0) {
    return Err(EPROTO, "frame type {} with a payload of {} bytes", head.type, head.payload_len);
  }
  *bytes = std::min<uint64_t>(*bytes + kCrcBlock, server_->options_.max_bytes);  // edges of the aligned span
  return Status::Ok();
}

asio::awaitable<void> DataServer::Connection::Run() {
  auto self = shared_from_this();
  std::string msg;
  if (Status s = co_await socket_.Handshake(""); !s.ok()) {
    ProtocolError(s);  // a plain-text client of a TLS server, or one that does not trust this certificate
  }
  while (!closed_) {
    co_await requests_.Acquire(1);
    auto head = co_await ReadFrameHead(socket_, server_->options_.limits, msg);
    if (!head.ok()) {
      requests_.Release(1);
      const Status& s = head.status();
      if (s.err() == ECONNRESET || s.err() == ECANCELED || closed_ || server_->stopping_) {
        spdlog::debug("data connection from {} ends: {}", peer_, s.ToString());
      } else {
        ProtocolError(s);
      }
      break;
    }
    Request req;
    req.verified = verified_;
    uint64_t bytes = 0;
    bool client = false;
    if (Status s = Parse(*head, msg, req, &bytes, &client); !s.ok()) {
      requests_.Release(1);
      ProtocolError(s);
      break;
    }
    co_await bytes_.Acquire(bytes);
    if (client) co_await server_->client_bytes_.Acquire(bytes);
    Permit permit(self, bytes, client);
    if (req.type == FRAME_WRITE && req.payload_len > 0) {
      req.payload = server_->pool_->Get(size_t{req.payload_skip} + req.payload_len);
      Status s = co_await ReadFramePayload(socket_, *head, {req.payload.data() + req.payload_skip, req.payload_len});
      if (!s.ok()) {
        ProtocolError(s);
        break;
      }
    }
    asio::co_spawn(socket_.get_executor(), Serve(std::move(req), std::move(permit), server_->tasks_.Start()),
                   [peer = peer_](std::exception_ptr e) {
                     if (e) spdlog::critical("data request from {} failed with an exception", peer);
                   });
  }
  server_->conns_.erase(self_it);
}

asio::awaitable<void> DataServer::Connection::Serve(Request req, Permit permit, TaskCounter::Token token) {
  const uint64_t id = req.id;
  Response resp = co_await server_->handler_->Handle(std::move(req));
  std::string header = resp.reply.SerializeAsString();
  std::span<const char> payload;
  if (resp.reply.length() > 0) payload = {resp.payload.data() + resp.skip, resp.reply.length()};
  auto guard = co_await write_mu_.Scoped();
  if (closed_) co_return;
  Status s = co_await WriteFrame(socket_, FRAME_REPLY, id, header, payload);
  if (!s.ok()) {
    spdlog::debug("data connection from {}: reply {} not sent: {}", peer_, id, s.ToString());
    Close();
  }
}

DataServer::DataServer(asio::io_context& loop, const DataServerOptions& options, RequestHandler* handler,
                       BufferPool* pool, const Tls* tls)
    : loop_(loop),
      options_(options),
      handler_(handler),
      pool_(pool),
      tls_(tls),
      acceptor_(loop),
      client_bytes_(std::max<uint64_t>(options.client_bytes, options.max_bytes)) {}

DataServer::~DataServer() {
  for (auto& c : conns_) c->Close();
}

StatusOr<std::string> DataServer::Listen(const std::string& address) {
  auto hp = ParseHostPort(address);
  if (!hp.ok()) return hp.status();
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(hp->host, ec);
  if (ec) return Err(EINVAL, "listen address {} is not an IP address", address);
  tcp::endpoint ep(ip, hp->port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return FromAsioError(ec, "listen on " + address);
  auto bound = acceptor_.local_endpoint(ec);
  return HostPort{hp->host, bound.port()}.ToString();
}

void DataServer::Start() {
  asio::co_spawn(loop_, AcceptLoop(), [](std::exception_ptr e) {
    if (e) spdlog::critical("data server: accept loop failed with an exception");
  });
}

asio::awaitable<void> DataServer::AcceptLoop() {
  while (!stopping_) {
    auto [ec, sock] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      spdlog::warn("data server: accept: {}", ec.message());
      asio::steady_timer t(loop_, std::chrono::milliseconds(50));  // e.g. EMFILE: do not spin
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    auto conn = std::make_shared<Connection>(this, std::move(sock));
    conns_.push_front(conn);
    conn->self_it = conns_.begin();
    asio::co_spawn(loop_, conn->Run(), [](std::exception_ptr e) {
      if (e) spdlog::critical("data connection failed with an exception");
    });
  }
}

asio::awaitable<void> DataServer::Stop(std::chrono::milliseconds grace) {
  stopping_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto& c : conns_) c->StopReading();
  if (!co_await tasks_.WaitIdle(grace)) {
    spdlog::warn("data server: {} requests still running after {} ms; closing", tasks_.running(), grace.count());
  }
  auto conns = conns_;
  for (auto& c : conns) c->Close();
}

}  // namespace weft::chunk
