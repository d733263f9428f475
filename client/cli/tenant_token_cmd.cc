// weftctl tenant token issue|revoke: bearer tokens of a tenant. weft-meta has no token RPCs yet, so
// both report "not supported by this cluster yet" (ENOSYS, exit 2). When the security work adds them
// (e.g. Admin.IssueToken / Admin.RevokeToken), only this file changes: call them through
// cli.admin().Call(&Admin::Stub::IssueToken, req) and print the result.
#include <memory>

#include "client/cli/commands.h"

namespace weft::cli {
namespace {

struct TokenArgs {
  std::string tenant;
  std::string token_id;  // revoke
  std::string ttl;       // issue: lifetime, "" = the cluster's default
};

Status Issue(Cli& cli, const TokenArgs& a) {
  cli.About("tenant", a.tenant);
  return Err(ENOSYS, "weft-meta has no IssueToken call");
}

Status Revoke(Cli& cli, const TokenArgs& a) {
  cli.About("tenant", a.tenant);
  return Err(ENOSYS, "weft-meta has no RevokeToken call");
}

}  // namespace

void AddTenantTokenCommands(CLI::App* tenant, Cli& cli) {
  CLI::App* token = AddNoun(tenant, "token", "bearer tokens a tenant's clients authenticate with",
                            {"weftctl tenant token issue acme", "weftctl tenant token revoke acme TOKEN-ID"});
  {
    auto a = std::make_shared<TokenArgs>();
    CLI::App* v = AddVerb(token, cli, "issue", "issue a new token for a tenant (printed once)",
                          {"weftctl tenant token issue acme"}, [&cli, a] { return Issue(cli, *a); });
    v->add_option("TENANT", a->tenant, "tenant name")->required();
    v->add_option("--ttl", a->ttl, "lifetime in seconds (default: the cluster's)")->option_text("SECONDS");
  }
  {
    auto a = std::make_shared<TokenArgs>();
    CLI::App* v = AddVerb(token, cli, "revoke", "revoke one of a tenant's tokens",
                          {"weftctl tenant token revoke acme 7f3a"}, [&cli, a] { return Revoke(cli, *a); });
    v->add_option("TENANT", a->tenant, "tenant name")->required();
    v->add_option("TOKEN-ID", a->token_id, "the token's id (never the token itself)")->required();
  }
}

}  // namespace weft::cli
