#include "tests/support/test_server.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"

namespace ketenbeeld::testing {
namespace {

std::unique_ptr<grpc::ClientContext> ContextWithDeadline() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

}  // namespace

std::unique_ptr<grpc::ClientContext> Deadline(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

grpc::Status CallUnaryWithBytes(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                                const std::string& bytes) {
  grpc::GenericStub stub(channel);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  auto context = Deadline();
  absl::Notification done;
  grpc::Status result;
  stub.UnaryCall(context.get(), method, grpc::StubOptions(), &request, &response, [&](grpc::Status status) {
    result = std::move(status);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

app::ServerOptions FastOptions(const std::string& data_dir) {
  app::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = data_dir + "/db";
  options.sync = false;
  options.shutdown_drain = absl::ZeroDuration();  // The real binary's drain is tested in tests/system.
  options.feed.heartbeat_interval = absl::Milliseconds(200);
  options.hub.wake_interval = absl::Milliseconds(100);
  return options;
}

TestServer::TestServer(std::function<void(app::ServerOptions&)> configure) : options_(FastOptions(dir_.path())) {
  if (configure) configure(options_);
  Start();
}

TestServer::~TestServer() { Stop(); }

void TestServer::Start() {
  absl::StatusOr<std::unique_ptr<app::KetenbeeldServer>> server = app::KetenbeeldServer::Start(options_);
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  // Restart on the same port, so existing channels reconnect.
  options_.listen_address = server_->address();
  channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  stub_ = ketenbeeld::v1::PictureService::NewStub(channel_);
}

void TestServer::Stop() {
  if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
  server_.reset();
}

void TestServer::Restart() {
  Stop();
  Start();
}

ketenbeeld::v1::Organization MakeOrganization(const std::string& id, ketenbeeld::v1::OrganizationKind kind,
                                              const std::string& region) {
  ketenbeeld::v1::Organization organization;
  organization.set_id(id);
  organization.set_name(absl::StrCat("Organisation ", id));
  organization.set_kind(kind);
  organization.set_safety_region(region);
  ketenbeeld::v1::Location* location = organization.add_locations();
  location->set_id("main");
  location->set_name("Hoofdlocatie");
  organization.mutable_contact()->set_phone("+31 72 000 0000");
  return organization;
}

ketenbeeld::v1::StatusReport MakeReport(const std::string& organization_id, int ic_available,
                                        ketenbeeld::v1::OverallStatus overall) {
  ketenbeeld::v1::StatusReport report;
  report.set_organization_id(organization_id);
  report.set_overall_status(overall);
  ketenbeeld::v1::Capacity* capacity = report.add_capacity();
  capacity->set_type(ketenbeeld::v1::BED_TYPE_IC_ADULT);
  capacity->set_available(ic_available);
  capacity->set_occupied(10);
  ketenbeeld::v1::Disruption* disruption = report.add_disruptions();
  disruption->set_type(ketenbeeld::v1::DISRUPTION_TYPE_STAFF_SHORTAGE);
  disruption->set_severity(ketenbeeld::v1::SEVERITY_MAJOR);
  report.mutable_reporter()->set_name("Crisiscoördinator");
  return report;
}

grpc::Status Register(ketenbeeld::v1::PictureService::Stub& stub, const ketenbeeld::v1::Organization& organization,
                      ketenbeeld::v1::WriteResponse* response) {
  ketenbeeld::v1::RegisterOrganizationRequest request;
  *request.mutable_organization() = organization;
  ketenbeeld::v1::WriteResponse ignored;
  return stub.RegisterOrganization(ContextWithDeadline().get(), request, response != nullptr ? response : &ignored);
}

grpc::Status Report(ketenbeeld::v1::PictureService::Stub& stub, const ketenbeeld::v1::StatusReport& report,
                    ketenbeeld::v1::WriteResponse* response) {
  ketenbeeld::v1::ReportStatusRequest request;
  *request.mutable_report() = report;
  ketenbeeld::v1::WriteResponse ignored;
  return stub.ReportStatus(ContextWithDeadline().get(), request, response != nullptr ? response : &ignored);
}

FeedReader::FeedReader(ketenbeeld::v1::PictureService::Stub& stub, const ketenbeeld::v1::SubscribeRequest& request) {
  context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  thread_ = std::thread([this, &stub, request] {
    std::unique_ptr<grpc::ClientReader<ketenbeeld::v1::SubscribeResponse>> reader = stub.Subscribe(&context_, request);
    ketenbeeld::v1::SubscribeResponse message;
    while (reader->Read(&message)) {
      absl::MutexLock lock(&mu_);
      messages_.push_back(message);
    }
    grpc::Status status = reader->Finish();
    absl::MutexLock lock(&mu_);
    status_ = status;
    ended_ = true;
  });
}

FeedReader::~FeedReader() {
  Cancel();
  thread_.join();
}

void FeedReader::Cancel() { context_.TryCancel(); }

bool FeedReader::WaitFor(const std::function<bool(const std::vector<ketenbeeld::v1::SubscribeResponse>&)>& done,
                         absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto condition = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done(messages_) || ended_; };
  mu_.AwaitWithTimeout(absl::Condition(&condition), timeout);
  return done(messages_);
}

bool FeedReader::WaitUntilSynced(absl::Duration timeout) {
  return WaitFor(
      [](const std::vector<ketenbeeld::v1::SubscribeResponse>& messages) {
        return std::any_of(messages.begin(), messages.end(),
                           [](const ketenbeeld::v1::SubscribeResponse& message) { return message.has_synced(); });
      },
      timeout);
}

bool FeedReader::WaitForRevision(int64_t revision, absl::Duration timeout) {
  return WaitFor(
      [revision](const std::vector<ketenbeeld::v1::SubscribeResponse>& messages) {
        for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
          if (it->has_events() && it->events().events_size() > 0) {
            return it->events().events(it->events().events_size() - 1).revision() >= revision;
          }
          if (it->has_heartbeat() && it->heartbeat().revision() >= revision) return true;
          if (it->has_synced() && it->synced().revision() >= revision) return true;
        }
        return false;
      },
      timeout);
}

grpc::Status FeedReader::WaitForEnd(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&ended_), timeout);
  if (!ended_) return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "feed did not end in time");
  return status_;
}

std::vector<ketenbeeld::v1::SubscribeResponse> FeedReader::messages() {
  absl::MutexLock lock(&mu_);
  return messages_;
}

std::vector<ketenbeeld::v1::Event> FeedReader::events() {
  std::vector<ketenbeeld::v1::Event> events;
  for (const auto& message : messages()) {
    for (const auto& event : message.events().events()) events.push_back(event);
  }
  return events;
}

}  // namespace ketenbeeld::testing
