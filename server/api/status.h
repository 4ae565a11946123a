// The one place where absl::Status becomes grpc::Status.
#ifndef KETENBEELD_SERVER_API_STATUS_H_
#define KETENBEELD_SERVER_API_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace ketenbeeld::api {

// Same code (absl and gRPC codes share their numbering), same message.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_STATUS_H_
