// A listening TCP socket on 127.0.0.1 and a free port, for tests that script a peer.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>

#include <catch2/catch.hpp>

namespace weft::test {

// The listening socket (the caller closes it); *port receives its port.
inline int ListenLoopback(uint16_t* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(listen(fd, 8) == 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

}  // namespace weft::test
