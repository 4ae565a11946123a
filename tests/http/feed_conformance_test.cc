// One conformance suite for the live feed, run against both transports: gRPC Subscribe (through a stub) and
// Server-Sent Events (through the HTTP gateway, with httplib's client). Both are encoders over the same feed session
// (server/feed/session.h), so the same cases must hold for both: ordering across subscribers, resume with no gap or
// duplicate, snapshots racing writes, reset below the retained log, a stalled subscriber, heartbeats, the start
// check, and the feed metrics counting both transports.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "server/http/json_api.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

using nlohmann::json;

constexpr char kSubscribePath[] = "/api/ketenbeeld.v1.PictureService/Subscribe";

// One feed message, whichever transport carried it.
struct Message {
  enum class Kind { kReset, kSnapshot, kSynced, kEvents, kHeartbeat, kEnd };
  Kind kind = Kind::kEnd;
  int64_t revision = 0;                                  // reset: the compacted revision; end: none.
  std::vector<std::pair<int64_t, std::string>> events;   // (revision, record name).
  int64_t group_last_revision = 0;                       // events: that of the last event.
  std::vector<std::pair<std::string, int64_t>> records;  // snapshot: (name, mod_revision).
  absl::StatusCode code = absl::StatusCode::kOk;         // end only.
};

int64_t JsonRevision(const json& value) {
  int64_t revision = 0;
  if (value.is_string()) (void)absl::SimpleAtoi(value.get<std::string>(), &revision);
  if (value.is_number()) revision = value.get<int64_t>();
  return revision;
}

// An open feed. Reads on its own thread; while gated (see Stall()) it reads nothing more, as a stalled client.
class FeedClient {
 public:
  virtual ~FeedClient() = default;

  bool WaitFor(const std::function<bool(const std::vector<Message>&)>& done,
               absl::Duration timeout = absl::Seconds(20)) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done(messages_) || ended_; };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    return done(messages_);
  }
  bool WaitForKind(Message::Kind kind) {
    return WaitFor([kind](const std::vector<Message>& m) {
      for (const Message& message : m) {
        if (message.kind == kind) return true;
      }
      return false;
    });
  }
  // Until an event with this revision or a heartbeat at or beyond it has arrived.
  bool WaitForRevision(int64_t revision, absl::Duration timeout = absl::Seconds(30)) {
    return WaitFor(
        [revision](const std::vector<Message>& m) {
          for (const Message& message : m) {
            if (message.kind == Message::Kind::kHeartbeat && message.revision >= revision) return true;
            if (!message.events.empty() && message.events.back().first >= revision) return true;
          }
          return false;
        },
        timeout);
  }
  std::vector<Message> messages() {
    absl::MutexLock lock(&mu_);
    return messages_;
  }
  std::vector<int64_t> EventRevisions() {
    std::vector<int64_t> revisions;
    for (const Message& message : messages()) {
      for (const auto& [revision, name] : message.events) revisions.push_back(revision);
    }
    return revisions;
  }
  // Lets a client created stalled read on. Only the test's thread calls this.
  void Release() {
    if (!gate_.HasBeenNotified()) gate_.Notify();
  }

 protected:
  // Called by the reading thread for every message; blocks while the client is stalled (after its first message).
  void Add(Message message) {
    {
      absl::MutexLock lock(&mu_);
      messages_.push_back(std::move(message));
    }
    if (stalled_) gate_.WaitForNotification();
  }
  void SetEnded() {
    absl::MutexLock lock(&mu_);
    ended_ = true;
  }

  bool stalled_ = false;
  absl::Notification gate_;

 private:
  absl::Mutex mu_;
  std::vector<Message> messages_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
};

class GrpcFeed : public FeedClient {
 public:
  GrpcFeed(v1::PictureService::Stub& stub, const v1::SubscribeRequest& request, bool stalled) {
    stalled_ = stalled;
    thread_ = std::thread([this, &stub, request] {
      std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader = stub.Subscribe(&context_, request);
      v1::SubscribeResponse response;
      while (reader->Read(&response)) Add(Convert(response));
      const grpc::Status status = reader->Finish();
      Message end;
      end.code = static_cast<absl::StatusCode>(status.error_code());
      Add(std::move(end));
      SetEnded();
    });
  }
  ~GrpcFeed() override {
    context_.TryCancel();
    Release();
    thread_.join();
  }

 private:
  static Message Convert(const v1::SubscribeResponse& response) {
    Message message;
    if (response.has_reset()) {
      message.kind = Message::Kind::kReset;
      message.revision = response.reset().compacted_revision();
    } else if (response.has_snapshot()) {
      message.kind = Message::Kind::kSnapshot;
      message.revision = response.snapshot().revision();
      for (const v1::Record& record : response.snapshot().records()) {
        message.records.emplace_back(record.name(), record.mod_revision());
      }
    } else if (response.has_synced()) {
      message.kind = Message::Kind::kSynced;
      message.revision = response.synced().revision();
    } else if (response.has_events()) {
      message.kind = Message::Kind::kEvents;
      for (const v1::Event& event : response.events().events()) {
        message.events.emplace_back(event.revision(), event.record().name());
        message.revision = event.revision();
        message.group_last_revision = event.group_last_revision();
      }
    } else if (response.has_heartbeat()) {
      message.kind = Message::Kind::kHeartbeat;
      message.revision = response.heartbeat().revision();
    }
    return message;
  }

  grpc::ClientContext context_;
  std::thread thread_;
};

class SseFeed : public FeedClient {
 public:
  SseFeed(int port, const v1::SubscribeRequest& request, bool stalled) : client_("127.0.0.1", port) {
    stalled_ = stalled;
    client_.set_read_timeout(30, 0);
    std::string path = absl::StrCat(kSubscribePath, "?from_revision=", request.from_revision());
    if (request.has_filter()) {
      absl::StrAppend(&path, "&filter=", httplib::detail::encode_query_param(http::ToJson(request.filter())));
    }
    thread_ = std::thread([this, path] {
      std::string buffer;
      (void)client_.Get(path, [this, &buffer](const char* data, size_t length) {
        buffer.append(data, length);
        for (size_t end; (end = buffer.find("\n\n")) != std::string::npos;) {
          std::string event;
          json payload;
          for (absl::string_view line : absl::StrSplit(absl::string_view(buffer).substr(0, end), '\n')) {
            if (absl::ConsumePrefix(&line, "event: ")) event = std::string(line);
            if (absl::ConsumePrefix(&line, "data: ")) payload = json::parse(line);
          }
          buffer.erase(0, end + 2);
          Add(Convert(event, payload));
        }
        return !stop_.load();
      });
      SetEnded();
    });
  }
  ~SseFeed() override {
    stop_ = true;
    Release();
    client_.stop();
    thread_.join();
  }

 private:
  static Message Convert(const std::string& event, const json& data) {
    Message message;
    if (event == "reset") {
      message.kind = Message::Kind::kReset;
      message.revision = JsonRevision(data["compacted_revision"]);
    } else if (event == "snapshot") {
      message.kind = Message::Kind::kSnapshot;
      message.revision = JsonRevision(data["revision"]);
      for (const json& record : data["records"]) {
        message.records.emplace_back(record["name"].get<std::string>(),
                                     record.contains("mod_revision") ? JsonRevision(record["mod_revision"]) : 0);
      }
    } else if (event == "synced") {
      message.kind = Message::Kind::kSynced;
      message.revision = JsonRevision(data["revision"]);
    } else if (event == "events") {
      message.kind = Message::Kind::kEvents;
      for (const json& e : data["events"]) {
        message.events.emplace_back(JsonRevision(e["revision"]), e["record"]["name"].get<std::string>());
        message.revision = message.events.back().first;
        message.group_last_revision = JsonRevision(e["group_last_revision"]);
      }
    } else if (event == "heartbeat") {
      message.kind = Message::Kind::kHeartbeat;
      message.revision = JsonRevision(data["revision"]);
    } else {
      message.kind = Message::Kind::kEnd;
      absl::StatusCode code = absl::StatusCode::kUnknown;
      const std::string name = data.value("code", "");
      for (int c = 0; c <= 16; ++c) {
        if (absl::StatusCodeToString(static_cast<absl::StatusCode>(c)) == name) code = static_cast<absl::StatusCode>(c);
      }
      message.code = code;
    }
    return message;
  }

  httplib::Client client_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

enum class Transport { kGrpc, kSse };

std::string TransportName(const ::testing::TestParamInfo<Transport>& info) {
  return info.param == Transport::kGrpc ? "Grpc" : "Sse";
}

v1::SubscribeRequest From(int64_t revision) {
  v1::SubscribeRequest request;
  request.set_from_revision(revision);
  return request;
}

std::vector<int64_t> Range(int64_t first, int64_t last) {
  std::vector<int64_t> revisions;
  for (int64_t r = first; r <= last; ++r) revisions.push_back(r);
  return revisions;
}

class FeedConformanceTest : public ::testing::TestWithParam<Transport> {
 protected:
  void StartServer(std::function<void(app::ServerOptions&)> configure = nullptr) {
    server_ = std::make_unique<TestServer>([configure](app::ServerOptions& options) {
      options.http_listen_address = "127.0.0.1:0";
      options.metrics_listen_address = "127.0.0.1:0";
      if (configure) configure(options);
    });
  }

  std::unique_ptr<FeedClient> Open(const v1::SubscribeRequest& request, bool stalled = false) {
    if (GetParam() == Transport::kGrpc) return std::make_unique<GrpcFeed>(server_->stub(), request, stalled);
    return std::make_unique<SseFeed>(server_->server().http_port(), request, stalled);
  }

  void WriteReports(const std::string& id, int count, int threads = 4, const std::string& free_text = "") {
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t) {
      writers.emplace_back([&, t] {
        for (int i = t; i < count; i += threads) {
          v1::StatusReport report = MakeReport(id, i % 40);
          if (!free_text.empty()) report.set_free_text(free_text);
          ASSERT_TRUE(Report(server_->stub(), report).ok());
        }
      });
    }
    for (auto& writer : writers) writer.join();
  }

  std::unique_ptr<TestServer> server_;
};

TEST_P(FeedConformanceTest, SubscribersSeeTheSameOrderedUniqueGapFreeSequenceInWholeCommitGroups) {
  StartServer();
  ASSERT_TRUE(Register(server_->stub(), MakeOrganization("a")).ok());  // Revision 1.
  std::vector<std::unique_ptr<FeedClient>> feeds;
  for (int i = 0; i < 4; ++i) feeds.push_back(Open(From(1)));
  for (auto& feed : feeds) ASSERT_TRUE(feed->WaitForKind(Message::Kind::kSynced));
  WriteReports("a", 200);
  const int64_t head = server_->server().revision();
  ASSERT_EQ(head, 201);
  for (auto& feed : feeds) {
    ASSERT_TRUE(feed->WaitForRevision(head));
    EXPECT_EQ(feed->EventRevisions(), Range(2, head));
    EXPECT_EQ(feed->messages().front().kind, Message::Kind::kSynced);
    EXPECT_EQ(feed->messages().front().revision, 1);
    // Atomic: a message of events ends where a commit group ends (4 concurrent writers form groups of several).
    int multi_event_messages = 0;
    for (const Message& message : feed->messages()) {
      if (message.kind != Message::Kind::kEvents) continue;
      EXPECT_EQ(message.revision, message.group_last_revision) << "a commit group was split across messages";
      if (message.events.size() > 1) ++multi_event_messages;
    }
    EXPECT_GT(multi_event_messages, 0) << "no commit group of several events formed: the case tested nothing";
  }
}

TEST_P(FeedConformanceTest, ResumeFromAnyRetainedRevisionHasNoGapAndNoDuplicate) {
  StartServer();
  ASSERT_TRUE(Register(server_->stub(), MakeOrganization("a")).ok());
  WriteReports("a", 20, 1);  // 2..21
  for (int64_t from : {1, 2, 11, 20, 21}) {
    SCOPED_TRACE(absl::StrCat("from_revision ", from));
    auto feed = Open(From(from));
    ASSERT_TRUE(feed->WaitForKind(Message::Kind::kSynced));
    if (from < 21) {
      ASSERT_TRUE(feed->WaitForRevision(21));
    }
    const std::vector<Message> messages = feed->messages();
    EXPECT_EQ(messages.front().kind, Message::Kind::kSynced);
    EXPECT_EQ(messages.front().revision, from);
    EXPECT_EQ(feed->EventRevisions(), Range(from + 1, 21));
  }
}

TEST_P(FeedConformanceTest, SnapshotRacingWritesLosesAndDuplicatesNothing) {
  StartServer();
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(Register(server_->stub(), MakeOrganization(id)).ok());
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int i = 0; writing && i < 3000; ++i) {
      ASSERT_TRUE(Report(server_->stub(), MakeReport(std::string(1, "abc"[i % 3]), i % 40)).ok());
    }
  });
  std::vector<std::unique_ptr<FeedClient>> feeds;
  for (int i = 0; i < 6; ++i) {
    feeds.push_back(Open(From(0)));
    ASSERT_TRUE(feeds.back()->WaitForKind(Message::Kind::kSynced));  // Joins while writes are in flight.
  }
  writing = false;
  writer.join();
  const int64_t head = server_->server().revision();

  grpc::ClientContext context;
  v1::ListResponse truth_list;
  ASSERT_TRUE(server_->stub().List(&context, v1::ListRequest(), &truth_list).ok());
  ASSERT_EQ(truth_list.revision(), head);
  std::map<std::string, int64_t> truth;
  for (const v1::Record& record : truth_list.records()) truth[record.name()] = record.mod_revision();
  for (auto& feed : feeds) {
    ASSERT_TRUE(feed->WaitForRevision(head));
    std::map<std::string, int64_t> replica;
    int64_t last = -1;
    for (const Message& message : feed->messages()) {
      if (message.kind == Message::Kind::kSnapshot) {
        for (const auto& [name, mod_revision] : message.records) replica[name] = mod_revision;
        last = message.revision;
      }
      if (message.kind == Message::Kind::kSynced) {
        EXPECT_EQ(message.revision, last);
      }
      for (const auto& [revision, name] : message.events) {
        EXPECT_EQ(revision, last + 1) << "gap or duplicate after the snapshot";
        last = revision;
        replica[name] = revision;
      }
    }
    EXPECT_EQ(replica, truth);
  }
}

TEST_P(FeedConformanceTest, ResumeBelowTheRetainedLogGetsResetAndAFreshSnapshot) {
  StartServer();
  ASSERT_TRUE(Register(server_->stub(), MakeOrganization("a")).ok());
  WriteReports("a", 20, 1);  // 2..21
  ASSERT_TRUE(server_->server().CompactLog(10).ok());
  auto feed = Open(From(5));
  ASSERT_TRUE(feed->WaitForKind(Message::Kind::kSynced));
  const std::vector<Message> messages = feed->messages();
  ASSERT_GE(messages.size(), 3u);
  EXPECT_EQ(messages[0].kind, Message::Kind::kReset);
  EXPECT_EQ(messages[0].revision, 10);
  EXPECT_EQ(messages[1].kind, Message::Kind::kSnapshot);
  EXPECT_EQ(messages[1].revision, 21);
  EXPECT_EQ(messages.back().kind, Message::Kind::kSynced);
  EXPECT_EQ(messages.back().revision, 21);

  auto at_boundary = Open(From(10));  // Still retained: no reset.
  ASSERT_TRUE(at_boundary->WaitForRevision(21));
  EXPECT_EQ(at_boundary->messages().front().kind, Message::Kind::kSynced);
  EXPECT_EQ(at_boundary->EventRevisions(), Range(11, 21));
}

TEST_P(FeedConformanceTest, StalledSubscriberDoesNotDelayOthersAndGetsEverythingWhenItReadsAgain) {
  // A small ring, so the stalled subscriber falls off it and is served from the log.
  StartServer([](app::ServerOptions& options) {
    options.hub.ring_max_events = 64;
    options.feed.max_message_bytes = 16 << 10;
  });
  ASSERT_TRUE(Register(server_->stub(), MakeOrganization("a")).ok());
  auto stalled = Open(From(1), /*stalled=*/true);  // Reads its first message (synced), then nothing.
  auto live = Open(From(1));
  ASSERT_TRUE(stalled->WaitForKind(Message::Kind::kSynced));
  ASSERT_TRUE(live->WaitForKind(Message::Kind::kSynced));
  WriteReports("a", 1500, 4, std::string(2000, 'x'));
  const int64_t head = 1 + 1500;
  ASSERT_TRUE(live->WaitForRevision(head));
  EXPECT_EQ(live->EventRevisions(), Range(2, head));

  stalled->Release();
  ASSERT_TRUE(stalled->WaitForRevision(head));
  EXPECT_EQ(stalled->EventRevisions(), Range(2, head));
}

TEST_P(FeedConformanceTest, CaughtUpAndFilteredFeedsHeartbeatWithTheirResumePoint) {
  StartServer();  // Heartbeats every 200 ms (FastOptions).
  ASSERT_TRUE(Register(server_->stub(), MakeOrganization("a")).ok());
  ASSERT_TRUE(Register(server_->stub(), MakeOrganization("b")).ok());
  auto feed = Open(From(2));
  ASSERT_TRUE(feed->WaitForKind(Message::Kind::kHeartbeat));
  for (const Message& message : feed->messages()) {
    if (message.kind == Message::Kind::kHeartbeat) {
      EXPECT_EQ(message.revision, 2);
    }
  }
  // A filtered feed's heartbeat moves its resume point past events it does not match.
  v1::SubscribeRequest request = From(2);
  request.mutable_filter()->add_organization_ids("b");
  auto filtered = Open(request);
  ASSERT_TRUE(filtered->WaitForKind(Message::Kind::kSynced));
  ASSERT_TRUE(Report(server_->stub(), MakeReport("a")).ok());  // Revision 3, not matching.
  ASSERT_TRUE(filtered->WaitForRevision(3));
  EXPECT_TRUE(filtered->EventRevisions().empty());
}

TEST_P(FeedConformanceTest, ImpossibleStartsEndWithTheirCode) {
  StartServer();
  ASSERT_TRUE(Register(server_->stub(), MakeOrganization("a")).ok());
  auto ahead = Open(From(99));
  ASSERT_TRUE(ahead->WaitForKind(Message::Kind::kEnd));
  EXPECT_EQ(ahead->messages().front().kind, Message::Kind::kEnd);
  EXPECT_EQ(ahead->messages().front().code, absl::StatusCode::kOutOfRange);
}

INSTANTIATE_TEST_SUITE_P(BothTransports, FeedConformanceTest, ::testing::Values(Transport::kGrpc, Transport::kSse),
                         TransportName);

// The feed metrics count both transports (SSE feeds used to be missing from ketenbeeld_feeds_live).
TEST(FeedMetricsTest, LiveFeedsAndDeliveredEventsCountBothTransports) {
  TestServer server([](app::ServerOptions& options) {
    options.http_listen_address = "127.0.0.1:0";
    options.metrics_listen_address = "127.0.0.1:0";
  });
  httplib::Client metrics("127.0.0.1", server.server().metrics_port());
  auto scrape = [&metrics](const std::string& name) -> int64_t {
    httplib::Result result = metrics.Get("/metrics");
    EXPECT_TRUE(result);
    if (!result) return -1;
    for (absl::string_view line : absl::StrSplit(result->body, '\n')) {
      if (absl::ConsumePrefix(&line, absl::StrCat(name, " "))) {
        double value = 0;
        EXPECT_TRUE(absl::SimpleAtod(line, &value)) << line;
        return static_cast<int64_t>(value);
      }
    }
    ADD_FAILURE() << name << " not in the metrics";
    return -1;
  };
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("a")).ok());
  EXPECT_EQ(scrape("ketenbeeld_feeds_live"), 0);
  {
    GrpcFeed grpc_feed(server.stub(), From(1), false);
    SseFeed sse_feed(server.server().http_port(), From(1), false);
    ASSERT_TRUE(grpc_feed.WaitForKind(Message::Kind::kSynced));
    ASSERT_TRUE(sse_feed.WaitForKind(Message::Kind::kSynced));
    EXPECT_EQ(scrape("ketenbeeld_feeds_live"), 2);
    ASSERT_TRUE(Report(server.stub(), MakeReport("a")).ok());
    ASSERT_TRUE(grpc_feed.WaitForRevision(2));
    ASSERT_TRUE(sse_feed.WaitForRevision(2));
    EXPECT_EQ(scrape("ketenbeeld_feed_events_delivered_total"), 2) << "one event, delivered to two feeds";
  }
  // Both feeds are closed by their clients; the server notices within its wake interval.
  int64_t live = -1;
  for (int i = 0; i < 100 && (live = scrape("ketenbeeld_feeds_live")) != 0; ++i) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(live, 0);
}

}  // namespace
}  // namespace ketenbeeld::testing
