// Operations against an in-process server on loopback: backups taken while writes continue, compaction through the
// AdminService and by retention (and the `reset` a resuming feed gets), the Prometheus endpoint, request ids.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "ketenbeeld/v1/admin_service.grpc.pb.h"
#include "server/observability/metrics.h"
#include "storage/store.h"
#include "tests/security/token_line.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;

void SetDeadline(grpc::ClientContext* context, absl::Duration timeout = absl::Seconds(30)) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

grpc::Status Backup(v1::AdminService::Stub& admin, const std::string& directory, v1::BackupResponse* response) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::BackupRequest request;
  request.set_directory(directory);
  return admin.Backup(&context, request, response);
}

// Writes reports for one organisation in a closed loop until stopped; counts the acknowledged ones.
class BackgroundWriter {
 public:
  explicit BackgroundWriter(v1::PictureService::Stub& stub) : stub_(stub) {
    EXPECT_TRUE(Register(stub_, MakeOrganization("achtergrond")).ok());
    thread_ = std::thread([this] {
      for (int i = 0; !stop_.load(); ++i) {
        if (Report(stub_, MakeReport("achtergrond", i % 20)).ok()) acknowledged_.fetch_add(1);
      }
    });
  }
  ~BackgroundWriter() { Stop(); }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  int acknowledged() const { return acknowledged_.load(); }

 private:
  v1::PictureService::Stub& stub_;
  std::atomic<bool> stop_{false};
  std::atomic<int> acknowledged_{0};
  std::thread thread_;
};

TEST(OperationsTest, BackupWhileWritingHoldsExactlyTheRevisionsUpToItsRevision) {
  TempDir backups;
  TestServer server([&](app::ServerOptions& options) { options.backup_dir = backups.path(); });
  std::unique_ptr<v1::AdminService::Stub> admin = v1::AdminService::NewStub(server.channel());
  const std::string backup_dir = backups.path() + "/backup";
  v1::BackupResponse backup;
  {
    BackgroundWriter writer(server.stub());
    // Let some writes through first, so the backup lands in the middle of the load.
    for (int i = 0; i < 500 && writer.acknowledged() < 20; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    grpc::Status status = Backup(*admin, backup_dir, &backup);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (int i = 0; i < 500 && server.server().revision() <= backup.revision(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  EXPECT_EQ(backup.directory(), backup_dir);
  EXPECT_GT(backup.revision(), 1);
  EXPECT_GT(server.server().revision(), backup.revision()) << "the writes should have continued past the backup";

  // The backup is a complete store at exactly its revision: every log entry 1..R, nothing after.
  storage::StoreOptions options;
  options.path = backup_dir;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<storage::Store>> copy = storage::Store::Open(options);
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ((*copy)->last_revision(), backup.revision());
  absl::StatusOr<std::vector<storage::StoredEvent>> log = (*copy)->ReadLog(1, backup.revision() + 100, 64 << 20);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(static_cast<int64_t>(log->size()), backup.revision());
  EXPECT_EQ(log->back().revision, backup.revision());
  copy->reset();
  std::filesystem::remove_all(backup_dir);
}

// /healthz answers without credentials; with authentication configured it does not tell the revision (a count of
// writes), only whether the server is serving.
TEST(OperationsTest, HealthzOfAnAuthenticatedServerLeavesTheRevisionOut) {
  TempDir secrets;
  const std::string tokens = secrets.path() + "/tokens";
  std::ofstream(tokens) << TokenLine("s3cret", "ghor-vr10", "ghor", "ghor");
  for (const bool authenticated : {false, true}) {
    TestServer server([&](app::ServerOptions& options) {
      options.http_listen_address = "127.0.0.1:0";
      if (authenticated) options.tokens_file = tokens;
    });
    httplib::Client client("127.0.0.1", server.server().http_port());
    httplib::Result health = client.Get("/healthz");
    ASSERT_TRUE(health) << httplib::to_string(health.error());
    EXPECT_EQ(health->status, 200);
    EXPECT_THAT(health->body, HasSubstr("\"SERVING\""));
    EXPECT_EQ(health->body.find("revision") == std::string::npos, authenticated) << health->body;
  }
}

TEST(OperationsTest, BackupRefusesRelativeAndExistingDirectories) {
  TempDir backups;
  TestServer server([&](app::ServerOptions& options) { options.backup_dir = backups.path(); });
  std::unique_ptr<v1::AdminService::Stub> admin = v1::AdminService::NewStub(server.channel());
  v1::BackupResponse backup;
  grpc::Status relative = Backup(*admin, "backups/today", &backup);
  EXPECT_EQ(relative.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(relative.error_message(), HasSubstr("directory: must be an absolute path"));
  std::filesystem::create_directory(backups.path() + "/taken");
  grpc::Status existing = Backup(*admin, backups.path() + "/taken", &backup);
  EXPECT_EQ(existing.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(existing.error_message(), HasSubstr("already exists"));
  grpc::Status no_parent = Backup(*admin, backups.path() + "/nowhere/deeper/backup", &backup);
  EXPECT_EQ(no_parent.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

// An operator credential is not a way to write the region's figures wherever the server may write: only new
// directories inside the configured backup_dir, and none at all without one.
TEST(OperationsTest, BackupIsRefusedOutsideTheConfiguredBackupDirectory) {
  TempDir backups;
  TempDir elsewhere;
  TestServer server([&](app::ServerOptions& options) { options.backup_dir = backups.path(); });
  std::unique_ptr<v1::AdminService::Stub> admin = v1::AdminService::NewStub(server.channel());
  std::filesystem::create_directory_symlink(elsewhere.path(), backups.path() + "/link");
  for (const std::string& outside : {elsewhere.path() + "/backup", backups.path() + "/../escaped",
                                     backups.path() + "/link/backup", backups.path(), backups.path() + "/."}) {
    v1::BackupResponse backup;
    const grpc::Status status = Backup(*admin, outside, &backup);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << outside << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("directory: must be a new directory inside the backup directory"));
  }
  EXPECT_TRUE(std::filesystem::is_empty(elsewhere.path())) << "nothing was written outside the backup directory";
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(backups.path()).parent_path() / "escaped"));

  // Inside it the backup is made, readable by the server's user only, whatever the umask.
  v1::BackupResponse backup;
  const grpc::Status made = Backup(*admin, backups.path() + "/ok", &backup);
  ASSERT_TRUE(made.ok()) << made.error_message();
  namespace fs = std::filesystem;
  EXPECT_EQ(fs::status(backups.path() + "/ok").permissions(), fs::perms::owner_all);
  int files = 0;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(backups.path() + "/ok")) {
    if (!entry.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(entry.status().permissions(), fs::perms::owner_read | fs::perms::owner_write) << entry.path();
  }
  EXPECT_GT(files, 0);

  // Without a backup_dir backups are off.
  TestServer unconfigured;
  std::unique_ptr<v1::AdminService::Stub> unconfigured_admin = v1::AdminService::NewStub(unconfigured.channel());
  const grpc::Status off = Backup(*unconfigured_admin, elsewhere.path() + "/backup", &backup);
  EXPECT_EQ(off.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << off.error_message();
  EXPECT_THAT(off.error_message(), HasSubstr("backup_dir"));
}

TEST(OperationsTest, AdminCompactLogMakesAResumingFeedReset) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("oud")).ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Report(server.stub(), MakeReport("oud", i)).ok());
  std::unique_ptr<v1::AdminService::Stub> admin = v1::AdminService::NewStub(server.channel());

  grpc::ClientContext ahead_context;
  SetDeadline(&ahead_context);
  v1::CompactLogRequest ahead;
  ahead.set_revision(100);
  v1::CompactLogResponse response;
  EXPECT_EQ(admin->CompactLog(&ahead_context, ahead, &response).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  grpc::ClientContext context;
  SetDeadline(&context);
  v1::CompactLogRequest request;
  request.set_revision(4);
  grpc::Status status = admin->CompactLog(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.compacted_revision(), 4);

  v1::SubscribeRequest subscribe;
  subscribe.set_from_revision(2);
  FeedReader feed(server.stub(), subscribe);
  ASSERT_TRUE(feed.WaitUntilSynced());
  const std::vector<v1::SubscribeResponse> messages = feed.messages();
  ASSERT_FALSE(messages.empty());
  ASSERT_TRUE(messages.front().has_reset()) << messages.front().DebugString();
  EXPECT_EQ(messages.front().reset().compacted_revision(), 4);
}

TEST(OperationsTest, RetentionByCountCompactsPeriodicallyAndAResumingFeedResets) {
  TestServer server([](app::ServerOptions& options) {
    options.retention.max_events = 3;
    options.retention.check_interval = absl::Milliseconds(20);
  });
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("bewaar")).ok());
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(Report(server.stub(), MakeReport("bewaar", i)).ok());
  const int64_t head = server.server().revision();
  ASSERT_EQ(head, 10);

  // Retention keeps the newest 3 events: history up to head - 3 goes, within a few check intervals. (A round that
  // ran while the reports were still being written compacted less: wait for the one after the last write.)
  v1::SubscribeRequest subscribe;
  subscribe.set_from_revision(1);
  bool reset_seen = false;
  int64_t compacted = 0;
  for (int attempt = 0; attempt < 100 && compacted < head - 3; ++attempt) {
    FeedReader feed(server.stub(), subscribe);
    ASSERT_TRUE(feed.WaitUntilSynced());
    const std::vector<v1::SubscribeResponse> messages = feed.messages();
    if (!messages.empty() && messages.front().has_reset()) {
      reset_seen = true;
      compacted = messages.front().reset().compacted_revision();
    }
    if (compacted < head - 3) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ASSERT_TRUE(reset_seen) << "retention never compacted the log";
  EXPECT_EQ(compacted, head - 3);

  // A feed resuming inside the retained window is served without reset, gap-free.
  subscribe.set_from_revision(head - 3);
  FeedReader resumed(server.stub(), subscribe);
  ASSERT_TRUE(resumed.WaitForRevision(head));
  const std::vector<v1::Event> events = resumed.events();
  ASSERT_EQ(events.size(), 3u);
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].revision(), head - 2 + static_cast<int64_t>(i));
  for (const v1::SubscribeResponse& message : resumed.messages()) EXPECT_FALSE(message.has_reset());
}

TEST(OperationsTest, MetricsEndpointReportsCommitsRpcsFeedsAndStorage) {
  TestServer server([](app::ServerOptions& options) { options.metrics_listen_address = "127.0.0.1:0"; });
  ASSERT_GT(server.server().metrics_port(), 0);
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("meet")).ok());
  ASSERT_TRUE(Report(server.stub(), MakeReport("meet")).ok());
  ASSERT_FALSE(Report(server.stub(), MakeReport("onbekend")).ok());  // An error, to be counted by code.
  {
    // Two reports on a stream: counted one by one (besides the stream itself, when it ends).
    grpc::ClientContext context;
    auto stream = server.stub().PublishStatus(&context);
    v1::PublishStatusRequest request;
    *request.add_reports()->mutable_report() = MakeReport("meet", 5);
    *request.add_reports()->mutable_report() = MakeReport("onbekend");
    ASSERT_TRUE(stream->Write(request));
    stream->WritesDone();
    v1::PublishStatusResponse response;
    while (stream->Read(&response)) {
    }
    ASSERT_TRUE(stream->Finish().ok());
  }
  v1::SubscribeRequest subscribe;
  FeedReader feed(server.stub(), subscribe);
  ASSERT_TRUE(feed.WaitForRevision(3));

  httplib::Client client("127.0.0.1", server.server().metrics_port());
  client.set_read_timeout(10, 0);
  httplib::Result scraped = client.Get("/metrics");
  ASSERT_TRUE(scraped) << httplib::to_string(scraped.error());
  ASSERT_EQ(scraped->status, 200);
  const std::string& text = scraped->body;
  EXPECT_THAT(text, HasSubstr("ketenbeeld_revision 3"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_commit_groups_total{result=\"ok\"} 3"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_committed_events_total 3"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_commit_latency_seconds_count 3"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_commit_group_writes_bucket"));
  EXPECT_THAT(
      text,
      HasSubstr("ketenbeeld_rpc_total{code=\"OK\",method=\"/ketenbeeld.v1.PictureService/RegisterOrganization\"} 1"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_rpc_total{code=\"INVALID_ARGUMENT\",method=\"/ketenbeeld.v1.PictureService/"
                              "ReportStatus\"} 1"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_rpc_total{code=\"OK\",method=\"/ketenbeeld.v1.PictureService/"
                              "PublishStatus/report\"} 1"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_rpc_total{code=\"INVALID_ARGUMENT\",method=\"/ketenbeeld.v1.PictureService/"
                              "PublishStatus/report\"} 1"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_rpc_duration_seconds_bucket"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_feeds_live 1"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_feed_events_delivered_total"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_storage_failed 0"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_rocksdb_stall_seconds_total"));
  EXPECT_THAT(text, HasSubstr("ketenbeeld_rocksdb_pending_compaction_bytes"));
}

bool AcceptsConnections(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

// civetweb's master thread polls its listening socket with a 2 s timeout and sees the stop flag only after it; the
// destructor wakes it, so a server's shutdown does not wait on an idle metrics port. The bound is well under that
// 2 s poll (which restarts with the connection just before the stop), so this fails if the wake-up goes missing,
// and far above the few milliseconds the stop takes.
TEST(OperationsTest, TheMetricsEndpointStopsWellWithinCivetwebsPollAndClosesItsPort) {
  for (int round = 0; round < 3; ++round) {
    absl::StatusOr<std::unique_ptr<observability::Metrics>> metrics =
        observability::Metrics::Serve("127.0.0.1:0", [] { return observability::ServerFigures{}; });
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    const int port = (*metrics)->port();
    ASSERT_GT(port, 0);
    ASSERT_TRUE(AcceptsConnections(port));
    const absl::Time start = absl::Now();
    metrics->reset();
    EXPECT_LT(absl::Now() - start, absl::Milliseconds(1500)) << "round " << round;
    EXPECT_FALSE(AcceptsConnections(port)) << "round " << round;
  }
}

TEST(OperationsTest, EveryCallGetsARequestIdEchoedInItsMetadata) {
  TestServer server;
  v1::GetRequest request;
  request.set_name("organizations/bestaat-niet");
  v1::GetResponse response;

  auto request_id_of = [&](const char* given) {
    grpc::ClientContext context;
    SetDeadline(&context);
    if (given != nullptr) context.AddMetadata("x-request-id", given);
    EXPECT_EQ(server.stub().Get(&context, request, &response).error_code(), grpc::StatusCode::NOT_FOUND);
    // A call that fails without a response may come back "trailers-only": the id is then in the trailers.
    for (const auto* metadata : {&context.GetServerInitialMetadata(), &context.GetServerTrailingMetadata()}) {
      if (auto it = metadata->find("x-request-id"); it != metadata->end()) {
        return std::string(it->second.data(), it->second.size());
      }
    }
    return std::string();
  };
  EXPECT_EQ(request_id_of("meldkamer-42.7"), "meldkamer-42.7");
  const std::string generated = request_id_of(nullptr);
  EXPECT_FALSE(generated.empty());
  EXPECT_NE(request_id_of(nullptr), generated) << "generated ids must differ per call";
  const std::string replaced = request_id_of("spaties en {json}");
  EXPECT_FALSE(replaced.empty());
  EXPECT_NE(replaced, "spaties en {json}");
}

}  // namespace
}  // namespace ketenbeeld::testing
