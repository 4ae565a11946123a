// ketenbeeld-federator's command line: sources and the downstream server with their credentials, and every mistake
// refused naming the flag.
#include <string>
#include <vector>

#include "federator/federator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ketenbeeld::federator {
namespace {

using ::testing::HasSubstr;

TEST(FederatorFlagsTest, ParsesSourcesAndTheDownstream) {
  absl::StatusOr<FederatorConfig> config =
      ParseFlags({"--downstream", "target=roaz.example:443,ca=/etc/ca.pem,cert=/etc/f.pem,key=/etc/f.key", "--source",
                  "VR10,target=127.0.0.1:50051,token=abc", "--source=VR11,target=10.0.0.1:50051,ca=/etc/vr11.pem",
                  "--max-batch-events", "50", "--heartbeat-every-seconds=5", "--call-timeout-seconds", "4"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->downstream.target, "roaz.example:443");
  EXPECT_EQ(config->downstream.connect.ca_file, "/etc/ca.pem");
  EXPECT_EQ(config->downstream.connect.cert_file, "/etc/f.pem");
  EXPECT_EQ(config->downstream.connect.key_file, "/etc/f.key");
  ASSERT_EQ(config->sources.size(), 2u);
  EXPECT_EQ(config->sources[0].region, "VR10");
  EXPECT_EQ(config->sources[0].endpoint.target, "127.0.0.1:50051");
  EXPECT_EQ(config->sources[0].endpoint.connect.token, "abc");
  EXPECT_EQ(config->sources[1].region, "VR11");
  EXPECT_EQ(config->sources[1].endpoint.connect.ca_file, "/etc/vr11.pem");
  EXPECT_EQ(config->max_batch_events, 50);
  EXPECT_EQ(config->heartbeat_every, absl::Seconds(5));
  EXPECT_EQ(config->call_timeout, absl::Seconds(4));
}

// Reconnecting after a server restarts (federator.h): every channel's reconnect backoff is capped at 1 s, the
// federator's own retries at 2 s unless --max-backoff-ms says otherwise; a refusal waits longer.
TEST(FederatorFlagsTest, BackoffsAreShortSoThatARestartedServerIsUsedAgainWithinSeconds) {
  absl::StatusOr<FederatorConfig> config =
      ParseFlags({"--downstream", "target=127.0.0.1:1", "--source", "VR10,target=127.0.0.1:2"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->downstream.connect.max_reconnect_backoff, absl::Seconds(1));
  EXPECT_EQ(config->sources[0].endpoint.connect.max_reconnect_backoff, absl::Seconds(1));
  EXPECT_LE(config->downstream.connect.initial_reconnect_backoff, absl::Milliseconds(100));
  EXPECT_EQ(config->backoff.max, absl::Seconds(2));
  EXPECT_EQ(config->backoff.initial, absl::Milliseconds(100));
  EXPECT_GT(config->backoff.jitter, 0);
  EXPECT_GT(config->refused_retry, config->backoff.max);

  config =
      ParseFlags({"--downstream", "target=127.0.0.1:1", "--source", "VR10,target=127.0.0.1:2", "--max-backoff-ms=500"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->backoff.max, absl::Milliseconds(500));
}

TEST(FederatorFlagsTest, MistakesNameTheFlag) {
  const struct {
    std::vector<std::string> args;
    const char* message;
  } cases[] = {
      {{"--source", "VR10,target=a:1"}, "--downstream: required"},
      {{"--downstream", "target=a:1"}, "--source: at least one"},
      {{"--downstream", "ca=x", "--source", "VR10,target=a:1"}, "--downstream: target=HOST:PORT is required"},
      {{"--downstream", "target=a:1", "--source", "VR26,target=a:1"}, "--source: \"VR26\" is not a safety region"},
      {{"--downstream", "target=a:1", "--source", "VR10,target=a:1", "--source", "VR10,target=b:1"},
       "VR10 given twice"},
      {{"--downstream", "target=a:1", "--source", "VR10,target=a:1,colour=red"}, "--source VR10: unknown key"},
      {{"--downstream", "target=a:1", "--source", "VR10,target=a:1", "--max-batch-events", "1001"},
       "--max-batch-events: must be 1..1000"},
      {{"--downstream", "target=a:1", "--source", "VR10,target=a:1", "--call-timeout-seconds", "0"},
       "--call-timeout-seconds: must be 1..300"},
      {{"--downstream", "target=a:1", "--source", "VR10,target=a:1", "--max-backoff-ms", "99"},
       "--max-backoff-ms: must be 100..60000"},
      {{"--downstream", "target=a:1", "--source", "VR10,target=a:1,token_file=/nonexistent/token"},
       "cannot read token file"},
      {{"--downstream", "target=a:1", "--frobnicate", "1"}, "--frobnicate: unknown flag"},
      {{"--downstream"}, "--downstream: needs a value"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<FederatorConfig> config = ParseFlags(c.args);
    ASSERT_FALSE(config.ok()) << c.message;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(config.status().message(), HasSubstr(c.message));
  }
}

TEST(FederatorFlagsTest, OnlyFailuresInTransitAreRetriedAsTheSameCall) {
  EXPECT_TRUE(IsTransient(grpc::StatusCode::UNAVAILABLE));
  EXPECT_TRUE(IsTransient(grpc::StatusCode::DEADLINE_EXCEEDED));
  EXPECT_FALSE(IsTransient(grpc::StatusCode::ABORTED));
  EXPECT_FALSE(IsTransient(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_FALSE(IsTransient(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_FALSE(IsTransient(grpc::StatusCode::PERMISSION_DENIED));
}

}  // namespace
}  // namespace ketenbeeld::federator
