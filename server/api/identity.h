// Who is calling: the actor recorded in every event. Until authentication lands (mTLS/tokens, see
// docs/architecture.md) the server listens on loopback only and the actor is the peer address, without a role.
#ifndef KETENBEELD_SERVER_API_IDENTITY_H_
#define KETENBEELD_SERVER_API_IDENTITY_H_

#include "grpcpp/server_context.h"
#include "ketenbeeld/v1/picture.pb.h"

namespace ketenbeeld::api {

ketenbeeld::v1::Actor ActorOf(const grpc::CallbackServerContext& context);

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_IDENTITY_H_
