#include "common/frame_socket.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "common/clock.h"
#include "common/crc32c.h"

namespace weft {
namespace {

// Waits until fd is readable; timeout_ms < 0 waits forever.
Status WaitReadable(int fd, int64_t deadline_ms) {
  if (deadline_ms < 0) return Status::Ok();
  for (;;) {
    int64_t left = deadline_ms - MonoMs();
    if (left <= 0) return Err(ETIMEDOUT, "no reply in time");
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    int r = poll(&p, 1, static_cast<int>(left));
    if (r > 0) return Status::Ok();
    if (r < 0 && errno != EINTR) return Err(errno, "poll");
  }
}

// Reads exactly n bytes. *got counts what arrived (to tell a clean close from a torn frame).
Status ReadFull(int fd, char* out, size_t n, int64_t deadline_ms, size_t* got) {
  *got = 0;
  while (*got < n) {
    // Try the read first: a reply that is already there costs no poll.
    ssize_t r = recv(fd, out + *got, n - *got, deadline_ms < 0 ? 0 : MSG_DONTWAIT);
    if (r > 0) {
      *got += static_cast<size_t>(r);
      continue;
    }
    if (r == 0) return Err(ECONNRESET, "connection closed by peer");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      RETURN_IF_ERROR(WaitReadable(fd, deadline_ms));
      continue;
    }
    return Err(errno, "recv");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<int> ConnectTcp(const std::string& host, uint16_t port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) {
    return Err(EHOSTUNREACH, "cannot resolve '{}'", host);
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int rc = fd < 0 ? -1 : connect(fd, res->ai_addr, res->ai_addrlen);
  int err = errno;
  freeaddrinfo(res);
  if (fd < 0) return Err(err, "socket");
  if (rc != 0 && err == EINPROGRESS) {
    pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
    socklen_t len = sizeof err;
    int ready = poll(&p, 1, timeout_ms);
    if (ready == 0) err = ETIMEDOUT;
    else if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    rc = err == 0 ? 0 : -1;
  }
  // Blocking from here: a send waits for buffer space; receives keep their own deadline (ReceiveFrame).
  if (rc != 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
    close(fd);
    return Err(err ? err : EIO, "connect to {}:{}", host, port);
  }
  SetNoDelay(fd);
  return fd;
}

void SetNoDelay(int fd) {
  int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Status SendFrame(int fd, uint8_t type, uint16_t flags, uint64_t request_id, std::string_view msg,
                std::string_view payload) {
  FrameHeader h;
  h.type = type;
  h.flags = static_cast<uint16_t>(flags | kFramePayloadCrc);
  h.request_id = request_id;
  h.payload_len = static_cast<uint32_t>(payload.size());
  h.payload_crc = Crc32c(payload);
  uint8_t fixed[kFixedHeaderSize];
  EncodeFixedHeader(h, msg, fixed);
  iovec iov[3] = {{fixed, kFixedHeaderSize},
                  {const_cast<char*>(msg.data()), msg.size()},
                  {const_cast<char*>(payload.data()), payload.size()}};
  msghdr m{};
  m.msg_iov = iov;
  m.msg_iovlen = 3;
  size_t left = kFixedHeaderSize + msg.size() + payload.size();
  while (left > 0) {
    ssize_t r = sendmsg(fd, &m, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Err(errno, "send");
    }
    left -= static_cast<size_t>(r);
    // Skip what went out (rare: a large message on a full socket buffer).
    size_t done = static_cast<size_t>(r);
    while (done > 0 && m.msg_iovlen > 0) {
      if (done >= m.msg_iov[0].iov_len) {
        done -= m.msg_iov[0].iov_len;
        ++m.msg_iov;
        --m.msg_iovlen;
      } else {
        m.msg_iov[0].iov_base = static_cast<char*>(m.msg_iov[0].iov_base) + done;
        m.msg_iov[0].iov_len -= done;
        done = 0;
      }
    }
  }
  return Status::Ok();
}

namespace {

// One frame, read through read(out, n, &got): exactly n bytes or an error, got counting what came (to
// tell a clean close from a torn frame).
template <typename ReadExact>
StatusOr<ReceivedFrame> ParseFrame(ReadExact&& read, const FrameLimits& limits, std::span<char> into) {
  uint8_t fixed[kFixedHeaderSize];
  size_t got = 0;
  if (Status s = read(reinterpret_cast<char*>(fixed), kFixedHeaderSize, &got); !s.ok()) {
    if (s.err() == ECONNRESET && got == 0) return Err(ECONNRESET, "connection closed at a frame boundary");
    if (s.err() == ECONNRESET) return Err(EPROTO, "truncated frame ({} of {} header bytes)", got,
                                          kFixedHeaderSize);
    return s;
  }
  auto head = DecodeFixedHeader(fixed, limits);
  if (!head.ok()) return head.status();
  ReceivedFrame f;
  f.header = *head;
  // In steps: a peer that claims a large message but sends little costs little.
  constexpr size_t kStep = 1 << 20;
  while (f.msg.size() < head->header_len) {
    size_t at = f.msg.size();
    f.msg.resize(at + std::min<size_t>(kStep, head->header_len - at));
    if (Status s = read(f.msg.data() + at, f.msg.size() - at, &got); !s.ok()) {
      return s.err() == ECONNRESET ? Err(EPROTO, "truncated frame") : s;
    }
  }
  RETURN_IF_ERROR(VerifyHeaderCrc(f.header, fixed, f.msg));
  char* dst = nullptr;
  if (!into.empty()) {
    if (head->payload_len > into.size()) {
      return Err(EMSGSIZE, "a payload of {} bytes for a buffer of {}", head->payload_len, into.size());
    }
    dst = into.data();
  } else {
    f.payload.resize(head->payload_len);  // at most the limits' max_payload
    dst = f.payload.data();
  }
  if (Status s = read(dst, head->payload_len, &got); !s.ok()) {
    return s.err() == ECONNRESET ? Err(EPROTO, "truncated frame") : s;
  }
  RETURN_IF_ERROR(VerifyPayloadCrc(f.header, std::string_view(dst, head->payload_len)));
  return f;
}

}  // namespace

StatusOr<ReceivedFrame> ReceiveFrame(int fd, const FrameLimits& limits, int timeout_ms, std::span<char> into) {
  const int64_t deadline = timeout_ms < 0 ? -1 : MonoMs() + timeout_ms;
  return ParseFrame([&](char* out, size_t n, size_t* got) { return ReadFull(fd, out, n, deadline, got); }, limits,
                    into);
}

FrameReader::FrameReader(int fd, size_t buffer_bytes)
    : fd_(fd), cap_(buffer_bytes), buf_(buffer_bytes ? new char[buffer_bytes] : nullptr) {}

StatusOr<ReceivedFrame> FrameReader::Next(const FrameLimits& limits, int timeout_ms, std::span<char> into) {
  const int64_t deadline = timeout_ms < 0 ? -1 : MonoMs() + timeout_ms;
  return ParseFrame(
      [&](char* out, size_t n, size_t* got) {
        *got = 0;
        return Take(out, n, deadline, got);
      },
      limits, into);
}

Status FrameReader::Take(char* out, size_t n, int64_t deadline_ms, size_t* got) {
  while (*got < n) {
    if (buffered() > 0) {
      size_t k = std::min(n - *got, buffered());
      std::memcpy(out + *got, buf_.get() + begin_, k);
      begin_ += k;
      *got += k;
      continue;
    }
    // A small rest comes through the buffer, with whatever follows it; a large one straight to out.
    if (n - *got < cap_ / 2) {
      RETURN_IF_ERROR(Fill(deadline_ms));
      continue;
    }
    auto r = ReceiveSome(out + *got, n - *got, deadline_ms);
    if (!r.ok()) return r.status();
    if (*r == 0) return Err(ECONNRESET, "connection closed by peer");
    *got += *r;
  }
  return Status::Ok();
}

Status FrameReader::Fill(int64_t deadline_ms) {
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  auto r = ReceiveSome(buf_.get() + end_, cap_ - end_, deadline_ms);
  if (!r.ok()) return r.status();
  if (*r == 0) return Err(ECONNRESET, "connection closed by peer");
  end_ += *r;
  return Status::Ok();
}

StatusOr<size_t> FrameReader::ReceiveSome(char* out, size_t n, int64_t deadline_ms) {
  for (;;) {
    // The receive waits on SO_RCVTIMEO. One already set that ends within 10 ms after the deadline does:
    // a connection whose calls share one timeout sets it once.
    int want = 0;  // 0 = forever
    if (deadline_ms >= 0) {
      int64_t left = deadline_ms - MonoMs();
      if (left <= 0) return Err(ETIMEDOUT, "no reply in time");
      want = static_cast<int>(std::min<int64_t>(left, INT32_MAX / 1000));
    }
    bool fits = want == 0 ? timeout_set_ms_ == 0 : timeout_set_ms_ >= want && timeout_set_ms_ <= want + 10;
    if (!fits) {
      timeval tv{.tv_sec = want / 1000, .tv_usec = (want % 1000) * 1000};
      if (setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) return Err(errno, "set SO_RCVTIMEO");
      timeout_set_ms_ = want;
    }
    ssize_t r = recv(fd_, out, n, 0);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return Err(errno, "recv");
    // The wait ran out, or the socket does not block: poll for what is left.
    if (deadline_ms >= 0) {
      RETURN_IF_ERROR(WaitReadable(fd_, deadline_ms));
    } else if (pollfd p{.fd = fd_, .events = POLLIN, .revents = 0}; poll(&p, 1, -1) < 0 && errno != EINTR) {
      return Err(errno, "poll");
    }
  }
}

}  // namespace weft
