// The client library's transport options (client/connection.h): what ConnectChecked() refuses before connecting, the
// loopback rule for plaintext tokens, and Connect()'s failing channel. (Successful TLS and token calls:
// end_to_end_test.cc.)
#include <chrono>

#include "client/connection.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"
#include "tests/security/test_pki.h"

namespace ketenbeeld::client {
namespace {

using ::ketenbeeld::testing::PkiDirectory;
using ::ketenbeeld::testing::TestCa;
using ::testing::HasSubstr;

TEST(IsLoopbackTarget, KnowsThisMachine) {
  for (const char* target : {"127.0.0.1:50051", "127.1.2.3:1", "localhost:50051", "LOCALHOST", "[::1]:50051",
                             "dns:///localhost:50051", "ipv4:127.0.0.1:5", "ipv6:[::1]:5", "unix:/tmp/socket"}) {
    EXPECT_TRUE(IsLoopbackTarget(target)) << target;
  }
  for (const char* target : {"10.0.0.1:50051", "ketenbeeld.vr10.nl:443", "dns:///ketenbeeld:50051", "128.0.0.1:1",
                             "127.0.0.1.evil.example:1", "[2001:db8::1]:5", "localhost.example:1", "127.0.0.256:1"}) {
    EXPECT_FALSE(IsLoopbackTarget(target)) << target;
  }
}

TEST(ConnectChecked, RefusesSettingsThatCannotWork) {
  PkiDirectory dir;
  TestCa ca;
  const std::string ca_file = dir.Write("ca.pem", ca.certificate_pem());
  const std::string key_file = dir.Write("client.key", ca.IssueClient("zh-noord", "institution").key_pem);

  struct Case {
    const char* name;
    std::string target;
    ConnectOptions options;
    const char* message;
  };
  const Case cases[] = {
      {"missing CA", "127.0.0.1:1", {.ca_file = dir.path() + "/missing.pem"}, "CA file "},
      {"CA is a key", "127.0.0.1:1", {.ca_file = key_file}, "no PEM CERTIFICATE"},
      {"cert without key", "127.0.0.1:1", {.ca_file = ca_file, .cert_file = ca_file}, "both the certificate file"},
      {"key is not a key", "127.0.0.1:1", {.ca_file = ca_file, .cert_file = ca_file, .key_file = ca_file}, "key file "},
      {"cert without TLS", "127.0.0.1:1", {.cert_file = ca_file, .key_file = key_file}, "needs TLS"},
      {"server name without TLS", "127.0.0.1:1", {.server_name = "localhost"}, "needs TLS"},
      {"token in the clear to a remote server", "ketenbeeld.vr10.nl:50051", {.token = "t"}, "only to a loopback"},
      {"token with a newline", "127.0.0.1:1", {.token = "abc\n"}, "printable ASCII"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ConnectChecked(c.target, c.options);
    ASSERT_FALSE(channel.ok()) << c.name;
    EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(channel.status().message(), HasSubstr(c.message)) << c.name;
  }
  EXPECT_THAT(ConnectChecked("127.0.0.1:1", {.ca_file = dir.path() + "/missing.pem"}).status().message(),
              HasSubstr("missing.pem: No such file or directory"));

  // What does work: a token in the clear to loopback, TLS to anywhere.
  EXPECT_TRUE(ConnectChecked("127.0.0.1:1", {.token = "t"}).ok());
  EXPECT_TRUE(ConnectChecked("ketenbeeld.vr10.nl:50051", {.ca_file = ca_file, .token = "t"}).ok());
}

TEST(Connect, InvalidOptionsGiveAChannelWhoseCallsFailWithTheReason) {
  PkiDirectory dir;
  std::shared_ptr<grpc::Channel> channel = Connect("127.0.0.1:1", {.ca_file = dir.path() + "/missing.pem"});
  ASSERT_NE(channel, nullptr);
  std::unique_ptr<v1::PictureService::Stub> stub = v1::PictureService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::GetResponse response;
  grpc::Status status = stub->Get(&context, v1::GetRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("missing.pem"));
}

}  // namespace
}  // namespace ketenbeeld::client
