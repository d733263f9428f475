// weftctl tenant token issue|revoke|list: the bearer tokens a tenant's clients authenticate with.
// issue prints the token once (weft-meta keeps only its hash): in text form alone on stdout, so
// `TOKEN=$(weftctl tenant token issue acme)` works, with the note on stderr. list shows ids, names and
// ages, never a secret. Each needs the admin token (list: or a token of that tenant).
#include <memory>

#include "client/cli/commands.h"
#include "client/cli/views.h"

namespace weft::cli {
namespace {

struct TokenArgs {
  std::string tenant;
  std::string name;   // issue: a label
  uint64_t id = 0;    // revoke
};

Value TokenDoc(const Token& t) {
  Value v = Value::MakeObject();
  v.Set("id", t.id()).Set("tenant", t.tenant()).Set("name", t.name()).Set("created_ms", t.created_ms());
  return v;
}

Status Issue(Cli& cli, const TokenArgs& a) {
  cli.About("tenant", a.tenant);
  IssueTokenRequest req;
  req.set_tenant(a.tenant);
  req.set_name(a.name);
  auto r = cli.admin().Call(&Admin::Stub::IssueToken, req);
  if (!r.ok()) return r.status();
  Value doc = TokenDoc(r->token());
  doc.Set("token", r->secret());
  cli.out().Emit(doc, [&] {
    cli.io().err << fmt::format("weftctl: token {} issued for tenant '{}'; it is shown only this once, store it now\n",
                                r->token().id(), a.tenant);
    return r->secret() + "\n";
  });
  return Status::Ok();
}

Status Revoke(Cli& cli, const TokenArgs& a) {
  RevokeTokenRequest req;
  req.set_id(a.id);
  auto r = cli.admin().Call(&Admin::Stub::RevokeToken, req);
  if (!r.ok()) return r.status();
  cli.out().Emit(Value::MakeObject().Set("id", a.id).Set("revoked", true),
                 [&] { return fmt::format("token {} revoked\n", a.id); });
  return Status::Ok();
}

Status List(Cli& cli, const TokenArgs& a) {
  cli.About("tenant", a.tenant);
  ListTokensRequest req;
  req.set_tenant(a.tenant);
  auto r = cli.admin().Call(&Admin::Stub::ListTokens, req);
  if (!r.ok()) return r.status();
  Value items = Value::MakeArray();
  for (const auto& t : r->tokens()) items.Push(TokenDoc(t));
  cli.out().Emit(Value::MakeObject().Set("tokens", std::move(items)), [&] {
    if (r->tokens().empty()) {
      return fmt::format("No tokens for tenant '{}'. Issue one with: weftctl tenant token issue {}\n", a.tenant,
                         a.tenant);
    }
    int64_t now = NowUnixMs();
    Table table({"ID", "NAME", "CREATED", "AGE"});
    for (const auto& t : r->tokens()) {
      table.AddRow({std::to_string(t.id()), t.name(), Timestamp(t.created_ms()), Age(t.created_ms(), now)});
    }
    return table.Render();
  });
  return Status::Ok();
}

}  // namespace

void AddTenantTokenCommands(CLI::App* tenant, Cli& cli) {
  CLI::App* token = AddNoun(tenant, "token", "bearer tokens a tenant's clients authenticate with",
                            {"weftctl tenant token issue acme --name spark", "weftctl tenant token list acme",
                             "weftctl tenant token revoke 7"});
  {
    auto a = std::make_shared<TokenArgs>();
    CLI::App* v = AddVerb(token, cli, "issue", "issue a new token for a tenant (printed once, never again)",
                          {"weftctl tenant token issue acme", "TOKEN=$(weftctl tenant token issue acme --name ci)"},
                          [&cli, a] { return Issue(cli, *a); });
    v->add_option("TENANT", a->tenant, "tenant name")->required();
    v->add_option("--name", a->name, "a label shown by list (e.g. who holds it)")->option_text("NAME");
  }
  {
    auto a = std::make_shared<TokenArgs>();
    CLI::App* v = AddVerb(token, cli, "revoke", "revoke a token: its next call is refused",
                          {"weftctl tenant token revoke 7"}, [&cli, a] { return Revoke(cli, *a); });
    v->add_option("ID", a->id, "the token's id (see: weftctl tenant token list TENANT)")->required();
  }
  {
    auto a = std::make_shared<TokenArgs>();
    CLI::App* v = AddVerb(token, cli, "list", "list a tenant's tokens (ids, names, ages; never the secrets)",
                          {"weftctl tenant token list acme", "weftctl tenant token list acme -o json"},
                          [&cli, a] { return List(cli, *a); });
    v->add_option("TENANT", a->tenant, "tenant name")->required();
  }
}

}  // namespace weft::cli
