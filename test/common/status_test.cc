#include <catch2/catch.hpp>

#include "common/grpc_status.h"
#include "common/net.h"
#include "common/status.h"

using weft::Err;
using weft::Status;
using weft::StatusOr;

TEST_CASE("a status carries its errno and message through gRPC unchanged", "[common][status]") {
  for (int e : {ENOENT, EEXIST, ENOTEMPTY, EDQUOT, ENOSPC, EACCES, EROFS, EINVAL, ENAMETOOLONG, ESTALE, EIO}) {
    Status s = Err(e, "thing {} failed", 7);
    Status back = weft::FromGrpc(weft::ToGrpc(s));
    CHECK(back.err() == e);
    CHECK(back.message() == "thing 7 failed");
  }
  CHECK(weft::FromGrpc(weft::ToGrpc(Status::Ok())).ok());
}

TEST_CASE("a gRPC status without an errno maps by its code", "[common][status]") {
  CHECK(weft::FromGrpc(grpc::Status(grpc::StatusCode::NOT_FOUND, "x")).err() == ENOENT);
  CHECK(weft::FromGrpc(grpc::Status(grpc::StatusCode::UNAVAILABLE, "")).err() == ENOTCONN);
  CHECK(weft::FromGrpc(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "")).err() == ETIMEDOUT);
  CHECK(weft::FromGrpc(grpc::Status(grpc::StatusCode::INTERNAL, "boom")).err() == EIO);
  // Garbage in error_details does not confuse the mapping.
  CHECK(weft::FromGrpc(grpc::Status(grpc::StatusCode::NOT_FOUND, "x", "12abc")).err() == ENOENT);
}

TEST_CASE("ToString names the errno", "[common][status]") {
  CHECK(Err(EDQUOT, "volume v over quota").ToString() == "EDQUOT: volume v over quota");
  CHECK(Status::Ok().ToString() == "OK");
  CHECK(Err(ENOENT, "x").Annotate("lookup").message() == "lookup: x");
}

TEST_CASE("StatusOr holds a value or an error", "[common][status]") {
  StatusOr<int> v = 5;
  REQUIRE(v.ok());
  CHECK(*v == 5);
  StatusOr<int> e = Err(ENOENT, "none");
  CHECK(!e.ok());
  CHECK(e.status().err() == ENOENT);
  StatusOr<int> bad = Status::Ok();  // misuse becomes an error, not a crash
  CHECK(!bad.ok());
}

TEST_CASE("host:port parsing rejects malformed addresses", "[common][net]") {
  auto a = weft::ParseHostPort("127.0.0.1:7400");
  REQUIRE(a.ok());
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 7400);
  auto v6 = weft::ParseHostPort("[::1]:80");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->ToString() == "[::1]:80");
  for (const char* bad : {"", "host", ":80", "h:", "h:99999", "h:8a", "[::1]80"}) {
    CHECK(weft::ParseHostPort(bad).status().err() == EINVAL);
  }
}
