#include "client/cli/errors.h"

#include <catch2/catch.hpp>

namespace weft::cli {
namespace {

ErrorContext Ctx(std::string command, std::string kind = "", std::string name = "") {
  ErrorContext c;
  c.command = std::move(command);
  c.subject = {std::move(kind), std::move(name)};
  c.meta = "127.0.0.1:7400";
  c.meta_source = "--meta";
  c.timeout = "5s";
  return c;
}

TEST_CASE("ExitCodeFor maps every errno class to its documented code", "[cli][errors]") {
  CHECK(ExitCodeFor(0) == 0);
  for (int e : {EINVAL, ENAMETOOLONG, ERANGE, ENOSYS, EOPNOTSUPP}) CHECK(ExitCodeFor(e) == 2);
  for (int e : {ENOENT, ENODATA}) CHECK(ExitCodeFor(e) == 3);
  for (int e : {EACCES, EPERM}) CHECK(ExitCodeFor(e) == 4);
  for (int e : {EDQUOT, ENOSPC, EFBIG, EMLINK, EEXIST, ENOTEMPTY, EBUSY, EROFS}) CHECK(ExitCodeFor(e) == 5);
  for (int e : {ENOTCONN, ETIMEDOUT, ECONNREFUSED, ECONNRESET, EHOSTUNREACH, ESHUTDOWN, EAGAIN}) {
    CHECK(ExitCodeFor(e) == 6);
  }
  for (int e : {EIO, ESTALE, ECANCELED, ENOMEM, EBADMSG}) CHECK(ExitCodeFor(e) == 1);
}

TEST_CASE("Explain names a missing volume and says how to list volumes", "[cli][errors]") {
  Explained e = Explain(Err(ENOENT, "no volume 'x'"), Ctx("volume show", "volume", "x"));
  CHECK(e.exit_code == 3);
  CHECK(e.message == "weftctl: volume 'x' not found (list volumes with: weftctl volume list)");
}

TEST_CASE("Explain prefers what weft-meta says is missing over the command's subject", "[cli][errors]") {
  Explained t = Explain(Err(ENOENT, "no tenant 'acme'"), Ctx("volume create", "volume", "data"));
  CHECK(t.exit_code == 3);
  CHECK(t.message == "weftctl: tenant 'acme' not found (list tenants with: weftctl tenant list)");
  Explained c = Explain(Err(ENOENT, "no volume class 'huge'"), Ctx("volume create", "volume", "data"));
  CHECK(c.message == "weftctl: volume class 'huge' not found (list classes with: weftctl class list)");
}

TEST_CASE("Explain words a missing server by id", "[cli][errors]") {
  Explained e = Explain(Status(ENOENT, ""), Ctx("server show", "server", "42"));
  CHECK(e.exit_code == 3);
  CHECK(e.message == "weftctl: server 42 not found (list servers with: weftctl server list)");
}

TEST_CASE("Explain says a tenant with volumes must lose them first", "[cli][errors]") {
  Explained e = Explain(Err(ENOTEMPTY, "tenant 'acme' still owns 2 volumes (0 being deleted)"),
                        Ctx("tenant delete", "tenant", "acme"));
  CHECK(e.exit_code == 5);
  CHECK_THAT(e.message, Catch::StartsWith("weftctl: tenant 'acme' still owns volumes") &&
                            Catch::Contains("weftctl volume list --tenant acme"));
}

TEST_CASE("Explain reports quota and existence conflicts with exit code 5", "[cli][errors]") {
  Explained q = Explain(Err(EDQUOT, "volume 'x' holds 5Mi, more than the new size 1Mi"), Ctx("volume resize"));
  CHECK(q.exit_code == 5);
  CHECK(q.message == "weftctl: over quota: volume 'x' holds 5Mi, more than the new size 1Mi");
  Explained x = Explain(Err(EEXIST, "volume 'x' exists"), Ctx("volume create", "volume", "x"));
  CHECK(x.exit_code == 5);
  CHECK(x.message == "weftctl: volume 'x' already exists (see it with: weftctl volume show x)");
}

TEST_CASE("Explain points at the token on a permission error", "[cli][errors]") {
  Explained e = Explain(Err(EACCES, "admin token required"), Ctx("tenant list"));
  CHECK(e.exit_code == 4);
  CHECK_THAT(e.message, Catch::Contains("permission denied: admin token required") && Catch::Contains("--token"));
}

TEST_CASE("Explain says where the unreachable address came from", "[cli][errors]") {
  Explained e = Explain(Err(ENOTCONN,
                            "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:1: Failed to "
                            "connect to remote host: Connection refused"),
                        Ctx("cluster status"));
  CHECK(e.exit_code == 6);
  CHECK(e.message ==
        "weftctl: cannot reach weft-meta at 127.0.0.1:7400 (from --meta): Connection refused (is weft-meta running? "
        "set its address with --meta HOST:PORT or WEFT_META; a cluster with TLS on needs --tls-ca)");
  ErrorContext with_tls = Ctx("cluster status");
  with_tls.tls = true;  // a TLS client: the hint is about the certificate, not about --tls-ca
  CHECK_THAT(Explain(Err(ENOTCONN, "failed to connect to all addresses"), with_tls).message,
             Catch::Contains("with TLS on and a certificate from the CA in --tls-ca"));
  Explained t = Explain(Err(ETIMEDOUT, "Deadline Exceeded"), Ctx("cluster status"));
  CHECK(t.exit_code == 6);
  CHECK_THAT(t.message, Catch::Contains("did not answer within 5s"));
}

TEST_CASE("Explain reports an RPC the cluster lacks as not supported yet, exit code 2", "[cli][errors]") {
  Explained e = Explain(Status(ENOSYS, ""), Ctx("server drain", "server", "3"));
  CHECK(e.exit_code == 2);
  CHECK(e.message == "weftctl: 'server drain' is not supported by this cluster yet (weft-meta at 127.0.0.1:7400 lacks it)");
}

TEST_CASE("Explain points a usage error at the command's help", "[cli][errors]") {
  Explained e = Explain(Err(EINVAL, "--size: invalid size '10Gb': unknown unit 'Gb'"), Ctx("volume create"));
  CHECK(e.exit_code == 2);
  CHECK(e.message == "weftctl: --size: invalid size '10Gb': unknown unit 'Gb' (see: weftctl volume create --help)");
}

TEST_CASE("Explain keeps every message on one line", "[cli][errors]") {
  Explained e = Explain(Err(EIO, "first\nsecond\r\nthird"), Ctx("tenant list"));
  CHECK(e.exit_code == 1);
  CHECK(e.message.find('\n') == std::string::npos);
  CHECK(e.message.find('\r') == std::string::npos);
  CHECK_THAT(e.message, Catch::StartsWith("weftctl: EIO: first second"));
}

TEST_CASE("Explain reports a cancelled prompt with exit code 1", "[cli][errors]") {
  Explained e = Explain(Err(ECANCELED, "volume 'x' was not deleted"), Ctx("volume delete"));
  CHECK(e.exit_code == 1);
  CHECK(e.message == "weftctl: cancelled: volume 'x' was not deleted");
}

}  // namespace
}  // namespace weft::cli
