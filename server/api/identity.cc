#include "server/api/identity.h"

namespace ketenbeeld::api {

ketenbeeld::v1::Actor ActorOf(const grpc::CallbackServerContext& context) {
  ketenbeeld::v1::Actor actor;
  actor.set_subject(context.peer());
  return actor;
}

}  // namespace ketenbeeld::api
