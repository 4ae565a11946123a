// What every gRPC service of the server is built from, and the one way a service submits a write.
#ifndef KETENBEELD_SERVER_API_SERVICE_CONTEXT_H_
#define KETENBEELD_SERVER_API_SERVICE_CONTEXT_H_

#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "server/domain/region.h"
#include "server/pipeline/committer.h"
#include "server/pipeline/hub.h"
#include "server/pipeline/picture.h"
#include "server/pipeline/reader.h"
#include "storage/store.h"

namespace ketenbeeld::api {

// Everything outlives the services.
struct ServiceContext {
  pipeline::Committer& committer;
  const pipeline::Reader& reader;
  const pipeline::Picture& picture;
  const storage::Store& store;
  pipeline::Hub& hub;
  const domain::Region& region;
};

// Submits `request` (with the caller as actor) to the committer and finishes the call when the write is durable or
// refused: `response` gets the revision and the record. The handler returns the reactor at once.
grpc::ServerUnaryReactor* SubmitWrite(grpc::CallbackServerContext* context, pipeline::Committer& committer,
                                      pipeline::WriteRequest request, ketenbeeld::v1::WriteResponse* response);

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_SERVICE_CONTEXT_H_
