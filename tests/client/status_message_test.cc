#include "client/cli/status_message.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ketenbeeld::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(StatusMessageTest, UnavailableNamesTheServerAndAsksWhetherItRuns) {
  const std::string message =
      UserMessage(grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses"), "127.0.0.1:50051");
  EXPECT_THAT(message, StartsWith("cannot reach the server at 127.0.0.1:50051: failed to connect to all addresses"));
  EXPECT_THAT(message, HasSubstr("is ketenbeeld-server running?"));
}

TEST(StatusMessageTest, InvalidArgumentKeepsTheFieldTheServerNamed) {
  EXPECT_EQ(
      UserMessage(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "report.capacity[2].available: > 100000"), "h:1"),
      "the server rejected the request: report.capacity[2].available: > 100000");
}

TEST(StatusMessageTest, AbortedExplainsCompareAndSet) {
  const std::string message =
      UserMessage(grpc::Status(grpc::StatusCode::ABORTED, "expected revision 4, current 7"), "h:1");
  EXPECT_THAT(message, StartsWith("someone else changed this record first (compare-and-set): reread and retry"));
  EXPECT_THAT(message, HasSubstr("expected revision 4, current 7"));
}

TEST(StatusMessageTest, OtherCodesKeepTheServerMessage) {
  EXPECT_THAT(UserMessage(grpc::Status(grpc::StatusCode::NOT_FOUND, "organizations/x"), "h:1"),
              "not found: organizations/x");
  EXPECT_EQ(UserMessage(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                     "incident \"x\" is INCIDENT_STATUS_CLOSED; a closed incident cannot be changed"),
                        "h:1"),
            "not possible in the current state: incident \"x\" is INCIDENT_STATUS_CLOSED; a closed incident cannot be "
            "changed");
  EXPECT_THAT(UserMessage(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, ""), "h:1"), HasSubstr("--timeout"));
  EXPECT_THAT(UserMessage(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "role institution"), "h:1"),
              HasSubstr("permission denied"));
  EXPECT_THAT(UserMessage(grpc::Status(grpc::StatusCode::DATA_LOSS, "boom"), "h:1"), HasSubstr("boom"));
}

TEST(StatusMessageTest, AbslStatusMapsLikeTheGrpcStatus) {
  EXPECT_EQ(UserMessage(absl::AbortedError("x"), "h:1"),
            UserMessage(grpc::Status(grpc::StatusCode::ABORTED, "x"), "h:1"));
}

}  // namespace
}  // namespace ketenbeeld::cli
