// A gRPC status as test failure text: "OK", or its code and message.
#ifndef KETENBEELD_TESTS_SUPPORT_GRPC_STATUS_TEXT_H_
#define KETENBEELD_TESTS_SUPPORT_GRPC_STATUS_TEXT_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "grpcpp/support/status.h"

namespace ketenbeeld::testing {

inline std::string GrpcStatusText(const grpc::Status& status) {
  return status.ok() ? "OK" : absl::StrCat(status.error_code(), " ", status.error_message());
}

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SUPPORT_GRPC_STATUS_TEXT_H_
