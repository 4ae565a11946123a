// Test support: an in-process Ketenbeeld server on a loopback port with its data in a fresh temporary directory,
// a stub connected to it, builders for valid requests, and a feed reader that collects Subscribe messages.
#ifndef KETENBEELD_TESTS_SUPPORT_TEST_SERVER_H_
#define KETENBEELD_TESTS_SUPPORT_TEST_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"
#include "server/app/server.h"
#include "tests/support/api_methods.h"
#include "tests/support/temp_dir.h"

namespace ketenbeeld::testing {

// A client context whose call fails with DEADLINE_EXCEEDED after `timeout` instead of hanging a test.
std::unique_ptr<grpc::ClientContext> Deadline(absl::Duration timeout = absl::Seconds(10));

// Calls unary `method` ("/ketenbeeld.v1.PictureService/Get") with `bytes` as the request, as they are (a generic
// stub: no parsing on the client side), and returns the call's status. Bounded by Deadline().
grpc::Status CallUnaryWithBytes(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                                const std::string& bytes);

// Options for fast tests: short heartbeats, no fsync (durability is tested by the system tests).
app::ServerOptions FastOptions(const std::string& data_dir);

class TestServer {
 public:
  explicit TestServer(std::function<void(app::ServerOptions&)> configure = nullptr);
  ~TestServer();

  // Stops the server (graceful) and starts it again on the same data directory and port.
  void Restart();
  void Stop();

  app::KetenbeeldServer& server() { return *server_; }
  ketenbeeld::v1::PictureService::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  const std::string& data_dir() const { return dir_.path(); }

 private:
  void Start();

  TempDir dir_;
  app::ServerOptions options_;
  std::unique_ptr<app::KetenbeeldServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ketenbeeld::v1::PictureService::Stub> stub_;
};

// Valid requests.
ketenbeeld::v1::Organization MakeOrganization(
    const std::string& id, ketenbeeld::v1::OrganizationKind kind = ketenbeeld::v1::ORGANIZATION_KIND_HOSPITAL,
    const std::string& region = "VR10");
ketenbeeld::v1::StatusReport MakeReport(
    const std::string& organization_id, int ic_available = 3,
    ketenbeeld::v1::OverallStatus overall = ketenbeeld::v1::OVERALL_STATUS_STRAINED);

// Unary calls with a deadline; the status and the response.
grpc::Status Register(ketenbeeld::v1::PictureService::Stub& stub, const ketenbeeld::v1::Organization& organization,
                      ketenbeeld::v1::WriteResponse* response = nullptr);
grpc::Status Report(ketenbeeld::v1::PictureService::Stub& stub, const ketenbeeld::v1::StatusReport& report,
                    ketenbeeld::v1::WriteResponse* response = nullptr);

// Reads a Subscribe stream on its own thread and keeps every message.
class FeedReader {
 public:
  FeedReader(ketenbeeld::v1::PictureService::Stub& stub, const ketenbeeld::v1::SubscribeRequest& request);
  ~FeedReader();  // Cancels the stream and joins.

  // Waits until `done(messages)` holds or the timeout passes; returns whether it held.
  bool WaitFor(const std::function<bool(const std::vector<ketenbeeld::v1::SubscribeResponse>&)>& done,
               absl::Duration timeout = absl::Seconds(10));
  // Waits until the feed has said `synced` (after its snapshot, or at once on a resume): from then on every write
  // reaches it as an event.
  bool WaitUntilSynced(absl::Duration timeout = absl::Seconds(10));
  // Waits until an event with this revision (or a heartbeat at or beyond it) has arrived.
  bool WaitForRevision(int64_t revision, absl::Duration timeout = absl::Seconds(10));
  // Waits for the stream to end; returns its status.
  grpc::Status WaitForEnd(absl::Duration timeout = absl::Seconds(10));

  std::vector<ketenbeeld::v1::SubscribeResponse> messages();
  // All events received, in order.
  std::vector<ketenbeeld::v1::Event> events();
  void Cancel();

 private:
  grpc::ClientContext context_;
  absl::Mutex mu_;
  std::vector<ketenbeeld::v1::SubscribeResponse> messages_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SUPPORT_TEST_SERVER_H_
