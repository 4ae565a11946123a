#include "server/api/service_context.h"

#include <utility>

#include "server/api/identity.h"
#include "server/api/status.h"

namespace ketenbeeld::api {

grpc::ServerUnaryReactor* SubmitWrite(grpc::CallbackServerContext* context, pipeline::Committer& committer,
                                      pipeline::WriteRequest request, ketenbeeld::v1::WriteResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  request.actor = ActorOf(*context);
  committer.Submit(std::move(request), [reactor, response](absl::StatusOr<pipeline::WriteResult> result) {
    if (result.ok()) {
      response->set_revision(result->revision);
      if (result->record != nullptr) *response->mutable_record() = result->record->record;
    }
    reactor->Finish(ToGrpcStatus(result.status()));
  });
  return reactor;
}

}  // namespace ketenbeeld::api
