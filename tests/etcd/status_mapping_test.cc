// How the client names etcd's errors that travel as UNKNOWN, against a fake Election service on loopback: the
// real etcd sends Go's context errors only when the deadline a call carries reaches its handler before the client's
// own timer fires, which a test against a real etcd cannot arrange every time.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "etcd/client.h"
#include "etcd/proto/v3electionpb/v3election.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace ketenbeeld::etcd_test {
namespace {

using ::testing::HasSubstr;

// Answers every Campaign with UNKNOWN and the campaign's name as the message, as etcd's Go handlers do with a plain
// error; Leader and Proclaim answer with etcd's own election errors.
class FakeElection final : public v3electionpb::Election::Service {
 public:
  grpc::Status Campaign(grpc::ServerContext*, const v3electionpb::CampaignRequest* request,
                        v3electionpb::CampaignResponse*) override {
    return grpc::Status(grpc::StatusCode::UNKNOWN, request->name());
  }
  grpc::Status Leader(grpc::ServerContext*, const v3electionpb::LeaderRequest*,
                      v3electionpb::LeaderResponse*) override {
    return grpc::Status(grpc::StatusCode::UNKNOWN, "election: no leader");
  }
  grpc::Status Proclaim(grpc::ServerContext*, const v3electionpb::ProclaimRequest*,
                        v3electionpb::ProclaimResponse*) override {
    return grpc::Status(grpc::StatusCode::UNKNOWN, "election: not leader");
  }
};

class StatusMappingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&election_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    absl::StatusOr<std::unique_ptr<etcd::Client>> client = etcd::Client::Connect(
        {.endpoints = {endpoint()}, .dial_timeout = absl::Seconds(5), .probe_interval = absl::ZeroDuration()});
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }
  void TearDown() override {
    client_.reset();
    if (server_ != nullptr) server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  }

  std::string endpoint() const { return absl::StrCat("127.0.0.1:", port_); }
  absl::Status CampaignAnswered(const std::string& message) {
    return client_->Campaign(message, /*lease_id=*/1, "a", absl::Now() + absl::Seconds(2)).status();
  }

  FakeElection election_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<etcd::Client> client_;
};

TEST_F(StatusMappingTest, GoDeadlineErrorIsDeadlineExceededNamingEndpointAndMethod) {
  const absl::Status status = CampaignAnswered("context deadline exceeded");
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_THAT(status.message(),
              HasSubstr(absl::StrCat("etcd ", endpoint(), " Election.Campaign: context deadline exceeded")));
}

TEST_F(StatusMappingTest, GoCancellationIsCancelled) {
  const absl::Status status = CampaignAnswered("context canceled");
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
}

TEST_F(StatusMappingTest, AnyOtherUnknownErrorStaysUnknown) {
  // Only the exact messages are mapped: one that merely contains them is not Go's context error.
  for (const std::string message : {"something else", "campaign: context deadline exceeded", ""}) {
    const absl::Status status = CampaignAnswered(message);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnknown) << message << ": " << status;
  }
}

TEST_F(StatusMappingTest, ElectionErrorsGetTheirCodes) {
  EXPECT_EQ(client_->Leader("e").status().code(), absl::StatusCode::kNotFound);
  v3electionpb::LeaderKey leader;
  leader.set_name("e");
  EXPECT_EQ(client_->Proclaim(leader, "v").code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ketenbeeld::etcd_test
