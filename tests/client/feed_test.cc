// The resumable feed against a scripted fake PictureService on 127.0.0.1 (no ketenbeeld server involved): each
// Subscribe call runs the next script, so tests can break streams at chosen points and check where the feed resumes.
#include "client/feed.h"

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/connection.h"
#include "client/replica.h"
#include "gmock/gmock.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/client/feed_messages.h"

namespace ketenbeeld::client {
namespace {

using ::ketenbeeld::client::testing::Heartbeat;
using ::ketenbeeld::client::testing::Synced;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// ---- Backoff ----

TEST(BackoffTest, DoublesFromTheInitialDelayUpToTheCap) {
  Backoff backoff({}, [] { return 0.5; });  // 0.5: no jitter.
  std::vector<int64_t> millis;
  for (int i = 0; i < 10; ++i) millis.push_back(absl::ToInt64Milliseconds(backoff.Next()));
  EXPECT_THAT(millis, ElementsAre(100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000));
  backoff.Reset();
  EXPECT_EQ(absl::ToInt64Milliseconds(backoff.Next()), 100);
}

TEST(BackoffTest, JitterStaysWithinTwentyPercent) {
  Backoff low({}, [] { return 0.0; });
  Backoff high({}, [] { return 0.999999; });
  for (int i = 0; i < 12; ++i) {
    const double base = std::min(100.0 * (1 << i), 10000.0);
    EXPECT_NEAR(absl::ToDoubleMilliseconds(low.Next()), base * 0.8, 0.01) << "attempt " << i;
    EXPECT_NEAR(absl::ToDoubleMilliseconds(high.Next()), base * 1.2, 0.01) << "attempt " << i;
  }
  // A random source that misbehaves (outside [0, 1)) cannot push the delay outside the bounds either.
  Backoff wild({}, [] { return 7.0; });
  EXPECT_LE(wild.Next(), absl::Milliseconds(120));
}

TEST(BackoffTest, TheRealRandomSourceStaysWithinBoundsAndVaries) {
  Backoff backoff;
  std::vector<absl::Duration> first_delays;
  for (int i = 0; i < 200; ++i) {
    backoff.Reset();
    const absl::Duration delay = backoff.Next();
    EXPECT_GE(delay, absl::Milliseconds(80));
    EXPECT_LE(delay, absl::Milliseconds(120));
    first_delays.push_back(delay);
  }
  EXPECT_NE(*std::min_element(first_delays.begin(), first_delays.end()),
            *std::max_element(first_delays.begin(), first_delays.end()));
  for (int i = 0; i < 100; ++i) EXPECT_LE(backoff.Next(), absl::Seconds(12));
}

TEST(BackoffTest, RetryableStatuses) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::OUT_OF_RANGE, grpc::StatusCode::PERMISSION_DENIED,
        grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::UNIMPLEMENTED}) {
    EXPECT_FALSE(IsRetryableFeedStatus(code)) << code;
  }
  for (grpc::StatusCode code : {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::INTERNAL, grpc::StatusCode::UNKNOWN,
                                grpc::StatusCode::CANCELLED, grpc::StatusCode::DEADLINE_EXCEEDED,
                                grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::ABORTED}) {
    EXPECT_TRUE(IsRetryableFeedStatus(code)) << code;
  }
}

// ---- Feed against a scripted server ----

using Writer = grpc::ServerWriter<v1::SubscribeResponse>;
using Script = std::function<grpc::Status(grpc::ServerContext*, const v1::SubscribeRequest&, Writer*)>;

class ScriptedPictureService final : public v1::PictureService::Service {
 public:
  explicit ScriptedPictureService(std::vector<Script> scripts) : scripts_(std::move(scripts)) {}

  grpc::Status Subscribe(grpc::ServerContext* context, const v1::SubscribeRequest* request, Writer* writer) override {
    Script script;
    {
      absl::MutexLock lock(&mu_);
      from_revisions_.push_back(request->from_revision());
      script = scripts_[std::min(from_revisions_.size(), scripts_.size()) - 1];  // The last script repeats.
    }
    return script(context, *request, writer);
  }

  std::vector<int64_t> from_revisions() const {
    absl::MutexLock lock(&mu_);
    return from_revisions_;
  }

 private:
  const std::vector<Script> scripts_;
  mutable absl::Mutex mu_;
  std::vector<int64_t> from_revisions_ ABSL_GUARDED_BY(mu_);
};

v1::SubscribeResponse Events(std::vector<int64_t> revisions) {
  v1::SubscribeResponse message;
  for (int64_t revision : revisions) {
    v1::Event* event = message.mutable_events()->add_events();
    event->set_revision(revision);
    event->set_type(v1::EVENT_TYPE_PUT);
    event->mutable_record()->set_name("organizations/org-" + std::to_string(revision));
  }
  return message;
}

v1::SubscribeResponse Snapshot(int64_t revision) {
  v1::SubscribeResponse message;
  message.mutable_snapshot()->set_revision(revision);
  message.mutable_snapshot()->add_records()->set_name("organizations/a");
  return message;
}

v1::SubscribeResponse Reset(int64_t compacted) {
  v1::SubscribeResponse message;
  message.mutable_reset()->set_compacted_revision(compacted);
  return message;
}

// Blocks like a live feed with nothing to say, until the client cancels (bounded, so a broken test cannot hang).
grpc::Status WaitUntilCancelled(grpc::ServerContext* context) {
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (!context->IsCancelled() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(5));
  return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
}

class FeedTest : public ::testing::Test {
 protected:
  void Start(std::vector<Script> scripts) {
    service_ = std::make_unique<ScriptedPictureService>(std::move(scripts));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    FeedOptions options;
    options.backoff.initial = absl::Milliseconds(1);
    options.backoff.max = absl::Milliseconds(20);
    feed_ = std::make_unique<Feed>(Connect("127.0.0.1:" + std::to_string(port)), options);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }

  // Runs the feed on this thread, collecting messages into a Replica (which fails on any duplicate or protocol
  // error) and connection events; `stop_when` decides, per message, when to cancel.
  absl::Status RunUntil(v1::Filter filter, int64_t from, std::function<bool(const v1::SubscribeResponse&)> stop_when) {
    FeedHandler handler;
    handler.on_message = [&](const v1::SubscribeResponse& message) {
      absl::Status applied = replica_.Apply(message);
      if (applied.ok() && stop_when(message)) feed_->Cancel();  // Cancel from inside the handler is allowed.
      return applied;
    };
    handler.on_connection = [&](const ConnectionEvent& event) {
      connection_events_.push_back(event);
      if (event.type == ConnectionEvent::Type::kReconnected) replica_.OnNewStream();
    };
    return feed_->Run(filter, from, handler);
  }

  std::vector<ConnectionEvent::Type> ConnectionEventTypes() const {
    std::vector<ConnectionEvent::Type> types;
    for (const ConnectionEvent& event : connection_events_) types.push_back(event.type);
    return types;
  }

  std::unique_ptr<ScriptedPictureService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Feed> feed_;
  Replica replica_;
  std::vector<ConnectionEvent> connection_events_;
};

TEST_F(FeedTest, ResumesFromTheLastRevisionSeenAfterBrokenOrEndedStreams) {
  Start({
      [](grpc::ServerContext*, const v1::SubscribeRequest&, Writer* writer) {
        writer->Write(Snapshot(5));
        writer->Write(Synced(5));
        writer->Write(Events({6, 7}));
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "server restarting");
      },
      [](grpc::ServerContext*, const v1::SubscribeRequest& request, Writer* writer) {
        writer->Write(Synced(request.from_revision()));
        writer->Write(Events({8}));
        writer->Write(Heartbeat(10));
        return grpc::Status::OK;  // The server ends the stream (graceful shutdown): the feed goes on.
      },
      [](grpc::ServerContext* context, const v1::SubscribeRequest& request, Writer* writer) {
        writer->Write(Synced(request.from_revision()));
        return WaitUntilCancelled(context);
      },
  });
  absl::Status status = RunUntil({}, 0, [](const v1::SubscribeResponse& message) {
    return message.has_synced() && message.synced().revision() == 10;
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  // 7: the last event of the first stream; 10: the heartbeat of the second.
  EXPECT_THAT(service_->from_revisions(), ElementsAre(0, 7, 10));
  using Type = ConnectionEvent::Type;
  EXPECT_THAT(ConnectionEventTypes(), ElementsAre(Type::kLost, Type::kReconnected, Type::kLost, Type::kReconnected));
  ASSERT_EQ(connection_events_.size(), 4u);
  EXPECT_EQ(connection_events_[0].cause.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(connection_events_[0].resume_revision, 7);
  EXPECT_EQ(connection_events_[1].resume_revision, 7);
  EXPECT_EQ(connection_events_[3].resume_revision, 10);
  EXPECT_EQ(feed_->last_seen_revision(), 10);
  // Every event arrived once: the replica (which rejects duplicates) holds the snapshot record and 6..8.
  EXPECT_EQ(replica_.records().size(), 4u);
}

TEST_F(FeedTest, AfterAResetABrokenStreamStartsOverWithASnapshot) {
  Start({
      [](grpc::ServerContext*, const v1::SubscribeRequest&, Writer* writer) {
        writer->Write(Reset(30));
        writer->Write(Snapshot(40));  // Broken in the middle of the fresh snapshot.
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection reset");
      },
      [](grpc::ServerContext* context, const v1::SubscribeRequest&, Writer* writer) {
        writer->Write(Snapshot(41));
        writer->Write(Synced(41));
        return WaitUntilCancelled(context);
      },
  });
  // The replica must be resumable from 5; give it that state.
  ASSERT_TRUE(replica_.Apply(Synced(5)).ok());
  absl::Status status = RunUntil({}, 5, [](const v1::SubscribeResponse& message) { return message.has_synced(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_THAT(service_->from_revisions(), ElementsAre(5, 0));
  EXPECT_EQ(replica_.revision(), 41);
}

TEST_F(FeedTest, NonRetryableStatusEndsRunWithIt) {
  Start({[](grpc::ServerContext*, const v1::SubscribeRequest&, Writer*) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "from_revision 99 is ahead of the server (12)");
  }});
  absl::Status status = RunUntil({}, 99, [](const v1::SubscribeResponse&) { return false; });
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(status.message(), HasSubstr("ahead of the server"));
  EXPECT_THAT(service_->from_revisions(), ElementsAre(99));
  EXPECT_TRUE(connection_events_.empty());
}

TEST_F(FeedTest, HandlerErrorEndsRunWithTheHandlersStatus) {
  Start({[](grpc::ServerContext* context, const v1::SubscribeRequest&, Writer* writer) {
    writer->Write(Synced(5));
    writer->Write(Events({6}));
    writer->Write(Events({6}));  // A duplicate: the replica refuses it.
    return WaitUntilCancelled(context);
  }});
  absl::Status status = RunUntil({}, 0, [](const v1::SubscribeResponse&) { return false; });
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(service_->from_revisions(), ElementsAre(0));
}

TEST_F(FeedTest, CancelFromAnotherThreadEndsABlockedReadPromptly) {
  absl::Notification synced;
  Start({[&](grpc::ServerContext* context, const v1::SubscribeRequest&, Writer* writer) {
    writer->Write(Synced(3));
    return WaitUntilCancelled(context);
  }});
  absl::Time cancelled_at;
  std::thread canceller([&] {
    ASSERT_TRUE(synced.WaitForNotificationWithTimeout(absl::Seconds(10)));
    cancelled_at = absl::Now();
    feed_->Cancel();
  });
  FeedHandler handler;
  handler.on_message = [&](const v1::SubscribeResponse& message) {
    if (message.has_synced()) synced.Notify();
    return absl::OkStatus();
  };
  absl::Status status = feed_->Run({}, 0, handler);
  const absl::Time returned_at = absl::Now();
  canceller.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_LT(returned_at - cancelled_at, absl::Seconds(2));
  // Cancel is sticky: a later Run returns at once without calling the server.
  EXPECT_EQ(feed_->Run({}, 0, handler).code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(service_->from_revisions(), ElementsAre(0));
}

TEST_F(FeedTest, CancelCutsABackoffWaitShort) {
  // A long backoff: without a prompt Cancel the test would wait a minute. Nothing listens on 127.0.0.1:1.
  FeedOptions options;
  options.backoff.initial = absl::Seconds(60);
  options.backoff.max = absl::Seconds(60);
  Feed feed(Connect("127.0.0.1:1"), options);
  absl::Notification lost;
  absl::Time cancelled_at;
  std::thread canceller([&] {
    ASSERT_TRUE(lost.WaitForNotificationWithTimeout(absl::Seconds(10)));
    cancelled_at = absl::Now();
    feed.Cancel();
  });
  FeedHandler handler;
  handler.on_message = [](const v1::SubscribeResponse&) { return absl::OkStatus(); };
  std::vector<ConnectionEvent> events;
  handler.on_connection = [&](const ConnectionEvent& event) {
    events.push_back(event);
    lost.Notify();
  };
  absl::Status status = feed.Run({}, 0, handler);
  const absl::Time returned_at = absl::Now();
  canceller.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_LT(returned_at - cancelled_at, absl::Seconds(2));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, ConnectionEvent::Type::kLost);
  EXPECT_EQ(events[0].cause.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_GE(events[0].retry_in, absl::Seconds(48));
}

}  // namespace
}  // namespace ketenbeeld::client
