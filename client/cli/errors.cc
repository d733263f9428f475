#include "client/cli/errors.h"

#include <regex>

namespace weft::cli {
namespace {

// "volume 'x'", "server 7".
std::string Describe(const Subject& s) {
  if (s.kind == "server") return fmt::format("server {}", s.name);
  return fmt::format("{} '{}'", s.kind, s.name);
}

// The weftctl noun that lists things of this kind.
std::string NounFor(const std::string& kind) { return kind == "volume class" ? "class" : kind; }

// weft-meta words its not-found errors "no <kind> '<name>'"; prefer what it names over the command's
// subject (volume create fails with "no tenant 't'" or "no volume class 'c'").
Subject NotFoundSubject(const std::string& message, const Subject& fallback) {
  static const std::regex re("no (tenant|volume class|class|volume|server) '?([^' ]*)'?");
  std::smatch m;
  if (std::regex_search(message, m, re)) return {m[1].str() == "class" ? "volume class" : m[1].str(), m[2].str()};
  return fallback;
}

std::string WithDetail(std::string what, const std::string& detail) {
  if (detail.empty() || detail == what) return what;
  return what + ": " + detail;
}

std::string ExplainNotFound(const Status& s, const ErrorContext& ctx) {
  Subject subject = NotFoundSubject(s.message(), ctx.subject);
  if (subject.kind.empty()) return WithDetail("not found", s.message());
  std::string noun = NounFor(subject.kind);
  std::string list = noun == "class" ? "classes" : noun + "s";
  return fmt::format("{} not found (list {} with: weftctl {} list)", Describe(subject), list, noun);
}

std::string ExplainConflict(const Status& s, const ErrorContext& ctx) {
  const Subject& subj = ctx.subject;
  switch (s.err()) {
    case EEXIST:
      if (!subj.kind.empty()) {
        return fmt::format("{} already exists (see it with: weftctl {} show {})", Describe(subj), subj.kind, subj.name);
      }
      return WithDetail("already exists", s.message());
    case ENOTEMPTY:
      if (subj.kind == "tenant") {
        return fmt::format("{} still owns volumes: {} (delete them first; list them with: weftctl volume list "
                           "--tenant {})",
                           Describe(subj), s.message(), subj.name);
      }
      return WithDetail("not empty", s.message());
    case EROFS: return WithDetail("read-only", s.message());
    case ENOSPC: return WithDetail("no space", s.message());
    case EBUSY: return WithDetail("busy", s.message()) + " (try again later)";
    default: return WithDetail("over quota", s.message());
  }
}

// gRPC's transport errors read "failed to connect to all addresses; last error: UNKNOWN: ipv4:1.2.3.4:5:
// Failed to connect to remote host: Connection refused"; the last part is the news.
std::string TransportReason(const std::string& message) {
  if (message.rfind("failed to connect to all addresses", 0) != 0) return message;
  size_t colon = message.rfind(": ");
  return colon == std::string::npos ? message : message.substr(colon + 2);
}

std::string ExplainUnavailable(const Status& s, const ErrorContext& ctx) {
  std::string where = ctx.meta.empty() ? "weft-meta" : "weft-meta at " + ctx.meta;
  if (!ctx.meta_source.empty()) where += " (from " + ctx.meta_source + ")";
  std::string what = s.err() == ETIMEDOUT
                         ? fmt::format("{} did not answer{}", where, ctx.timeout.empty() ? "" : " within " + ctx.timeout)
                         : WithDetail("cannot reach " + where, TransportReason(s.message()));
  if (ctx.tls) {
    return what + " (is weft-meta running, with TLS on and a certificate from the CA in --tls-ca that names this"
                  " host? set its address with --meta HOST:PORT or WEFT_META)";
  }
  return what + " (is weft-meta running? set its address with --meta HOST:PORT or WEFT_META; a cluster with TLS"
                " on needs --tls-ca)";
}

}  // namespace

int ExitCodeFor(int err) {
  switch (err) {
    case 0: return kExitOk;
    case EINVAL: case ENAMETOOLONG: case ERANGE: case ENOSYS: case EOPNOTSUPP: return kExitUsage;
    case ENOENT: case ENODATA: return kExitNotFound;
    case EACCES: case EPERM: return kExitPermission;
    case EDQUOT: case ENOSPC: case EFBIG: case EMLINK: case EEXIST: case ENOTEMPTY: case EBUSY: case EROFS:
      return kExitConflict;
    case ENOTCONN: case ETIMEDOUT: case ECONNREFUSED: case ECONNRESET: case EHOSTUNREACH: case ESHUTDOWN:
    case EAGAIN:
      return kExitUnavailable;
    default: return kExitFailure;
  }
}

Explained Explain(const Status& s, const ErrorContext& ctx) {
  Explained out;
  out.exit_code = ExitCodeFor(s.err());
  std::string text;
  switch (out.exit_code) {
    case kExitUsage:
      if (s.err() == ENOSYS || s.err() == EOPNOTSUPP) {
        text = fmt::format("'{}' is not supported by this cluster yet (weft-meta{} lacks it)",
                           ctx.command.empty() ? "this command" : ctx.command,
                           ctx.meta.empty() ? "" : " at " + ctx.meta);
      } else {
        text = s.message().empty() ? "invalid argument" : s.message();
        text += ctx.command.empty() ? " (see: weftctl --help)" : fmt::format(" (see: weftctl {} --help)", ctx.command);
      }
      break;
    case kExitNotFound: text = ExplainNotFound(s, ctx); break;
    case kExitPermission:
      text = WithDetail("permission denied", s.message()) +
             " (pass the admin token with --token, WEFT_TOKEN or the config file)";
      break;
    case kExitConflict: text = ExplainConflict(s, ctx); break;
    case kExitUnavailable: text = ExplainUnavailable(s, ctx); break;
    default:
      text = s.err() == ECANCELED ? WithDetail("cancelled", s.message()) : s.ToString();
      break;
  }
  // One line: a server message could carry newlines.
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  out.message = "weftctl: " + text;
  return out;
}

}  // namespace weft::cli
