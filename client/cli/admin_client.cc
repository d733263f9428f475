#include "client/cli/admin_client.h"

#include "common/grpc_util.h"

namespace weft::cli {

AdminClient::AdminClient(AdminOptions opts)
    : opts_(std::move(opts)), stub_(Admin::NewStub(MakeChannel(opts_.address, opts_.tls.get(), 1000))) {}

void AdminClient::Prepare(grpc::ClientContext* ctx) const { PrepareContext(ctx, opts_.timeout, opts_.token); }

}  // namespace weft::cli
