// The committer: group commit, planning against earlier writes of the same group, durable-before-acknowledged,
// monotonic commit times, and stopping.
#include "server/pipeline/committer.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::pipeline {
namespace {

using google::protobuf::util::TimeUtil;

class CommitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<storage::Store>> store =
        storage::Store::Open({.path = dir_.path() + "/db", .sync = false, .small_buffers = true});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    picture_ = std::make_unique<state::Picture>();
    hub_ = std::make_unique<Hub>(*store_, 0, Hub::Options{});
  }

  void StartCommitter(Committer::Options options = {}) {
    committer_ = std::make_unique<Committer>(*store_, *picture_, *hub_, std::move(options));
  }

  static mutations::WriteRequest RegisterRequest(const std::string& id,
                                                 std::optional<int64_t> expected = std::nullopt) {
    v1::RegisterOrganizationRequest request;
    *request.mutable_organization() = testing::MakeOrganization(id);
    if (expected) request.set_expected_revision(*expected);
    return mutations::WriteRequest{.body = request, .actor = {}};
  }

  static mutations::WriteRequest ReportRequest(const std::string& id, int available = 3) {
    v1::ReportStatusRequest request;
    *request.mutable_report() = testing::MakeReport(id, available);
    return mutations::WriteRequest{.body = request, .actor = {}};
  }

  // Submits all requests without waiting in between (so they can share commit groups); returns the results in order.
  std::vector<absl::StatusOr<WriteResult>> SubmitAll(std::vector<mutations::WriteRequest> requests) {
    std::vector<absl::StatusOr<WriteResult>> results(requests.size(), absl::UnknownError("no callback"));
    absl::BlockingCounter done(static_cast<int>(requests.size()));
    for (size_t i = 0; i < requests.size(); ++i) {
      committer_->Submit(std::move(requests[i]), [&, i](absl::StatusOr<WriteResult> result) {
        results[i] = std::move(result);
        done.DecrementCount();
      });
    }
    done.Wait();
    return results;
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<state::Picture> picture_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<Committer> committer_;
};

TEST_F(CommitterTest, ManyQueuedWritesShareCommitGroupsWithConsecutiveRevisions) {
  StartCommitter();
  std::vector<mutations::WriteRequest> requests = {RegisterRequest("a")};
  for (int i = 0; i < 300; ++i) requests.push_back(ReportRequest("a", i % 50));
  std::vector<absl::StatusOr<WriteResult>> results = SubmitAll(std::move(requests));
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status();
    EXPECT_EQ(results[i]->revision, static_cast<int64_t>(i) + 1);  // Queue order is revision order.
  }
  const Committer::Stats stats = committer_->stats();
  EXPECT_EQ(stats.writes, 301);
  EXPECT_LT(stats.groups, 301) << "no write shared a group";
  EXPECT_EQ(store_->last_revision(), 301);
  EXPECT_EQ(picture_->revision(), 301);
  EXPECT_EQ(hub_->head(), 301);
}

TEST_F(CommitterTest, WritesSeeEarlierWritesOfTheSameGroup) {
  StartCommitter();
  // Registration and first report in one go: the report must see the organisation; the second registration with
  // expected_revision 0 must see that the first one exists by then.
  std::vector<absl::StatusOr<WriteResult>> results =
      SubmitAll({RegisterRequest("a", 0), ReportRequest("a"), RegisterRequest("a", 0), RegisterRequest("a", 1)});
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  ASSERT_TRUE(results[1].ok()) << results[1].status();
  EXPECT_EQ(results[2].status().code(), absl::StatusCode::kAborted);
  ASSERT_TRUE(results[3].ok()) << results[3].status();
  EXPECT_EQ(results[3]->record->record.create_revision(), 1);
  EXPECT_EQ(results[3]->record->record.mod_revision(), 3);  // The aborted write took no revision.
}

TEST_F(CommitterTest, AcknowledgedOnlyOnceDurableAppliedAndPublished) {
  StartCommitter();
  std::atomic<int> violations{0};
  absl::BlockingCounter done(50);
  committer_->Submit(RegisterRequest("a"), [&](absl::StatusOr<WriteResult>) {});
  for (int i = 0; i < 50; ++i) {
    committer_->Submit(ReportRequest("a"), [&](absl::StatusOr<WriteResult> result) {
      if (!result.ok() || store_->last_revision() < result->revision || picture_->revision() < result->revision ||
          hub_->head() < result->revision) {
        violations.fetch_add(1);
      }
      done.DecrementCount();
    });
  }
  done.Wait();
  EXPECT_EQ(violations.load(), 0);
}

TEST_F(CommitterTest, CommitTimesNeverGoBackwards) {
  std::atomic<int64_t> seconds{2'000'000'000};
  Committer::Options options;
  options.clock = [&] { return absl::FromUnixSeconds(seconds.fetch_sub(100)); };  // A clock running backwards.
  StartCommitter(std::move(options));
  std::vector<absl::StatusOr<WriteResult>> first = SubmitAll({RegisterRequest("a")});
  std::vector<absl::StatusOr<WriteResult>> second = SubmitAll({ReportRequest("a")});
  ASSERT_TRUE(first[0].ok() && second[0].ok());
  EXPECT_GE(TimeUtil::TimestampToSeconds(second[0]->record->record.update_time()),
            TimeUtil::TimestampToSeconds(first[0]->record->record.update_time()));
}

TEST_F(CommitterTest, InvalidWriteIsRefusedBeforeQueueingAndTakesNoRevision) {
  StartCommitter();
  mutations::WriteRequest bad = ReportRequest("a");
  std::get<v1::ReportStatusRequest>(bad.body).mutable_report()->set_organization_id("");
  std::vector<absl::StatusOr<WriteResult>> results = SubmitAll({std::move(bad), ReportRequest("unknown")});
  EXPECT_EQ(results[0].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(results[1].status().message().find("report.organization_id"), absl::string_view::npos);
  EXPECT_EQ(store_->last_revision(), 0);
}

TEST_F(CommitterTest, StopCommitsWhatIsQueuedThenRefusesWrites) {
  StartCommitter();
  std::vector<absl::StatusOr<WriteResult>> results(20, absl::UnknownError("no callback"));
  std::atomic<int> callbacks{0};
  committer_->Submit(RegisterRequest("a"), [&](absl::StatusOr<WriteResult>) { callbacks.fetch_add(1); });
  for (int i = 0; i < 20; ++i) {
    committer_->Submit(ReportRequest("a"), [&, i](absl::StatusOr<WriteResult> result) {
      results[i] = std::move(result);
      callbacks.fetch_add(1);
    });
  }
  committer_->Stop();
  EXPECT_EQ(callbacks.load(), 21);
  for (const auto& result : results) EXPECT_TRUE(result.ok()) << result.status();
  absl::Status after = absl::OkStatus();
  committer_->Submit(ReportRequest("a"), [&](absl::StatusOr<WriteResult> result) { after = result.status(); });
  EXPECT_EQ(after.code(), absl::StatusCode::kUnavailable);
}

TEST_F(CommitterTest, ASlowCallbackDelaysLaterCallbacksButNotLaterCommits) {
  StartCommitter();
  ASSERT_TRUE(SubmitAll({RegisterRequest("a")})[0].ok());
  absl::Notification release_first;
  absl::Notification first_called;
  std::vector<int64_t> completed;  // Written by the completion thread only; read after Stop().
  committer_->Submit(ReportRequest("a", 1), [&](absl::StatusOr<WriteResult> result) {
    first_called.Notify();
    release_first.WaitForNotification();
    completed.push_back(result.ok() ? result->revision : -1);
  });
  ASSERT_TRUE(first_called.WaitForNotificationWithTimeout(absl::Seconds(10)));
  // The first callback is blocked. The committer goes on: the next write is committed, applied and published.
  committer_->Submit(ReportRequest("a", 2), [&](absl::StatusOr<WriteResult> result) {
    completed.push_back(result.ok() ? result->revision : -1);
  });
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (hub_->head() < 3 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(hub_->head(), 3) << "a blocked callback held up the next commit";
  EXPECT_EQ(picture_->revision(), 3);
  release_first.Notify();
  committer_->Stop();  // Completes everything before returning.
  EXPECT_EQ(completed, (std::vector<int64_t>{2, 3})) << "callbacks run once each, in commit order";
}

}  // namespace
}  // namespace ketenbeeld::pipeline
