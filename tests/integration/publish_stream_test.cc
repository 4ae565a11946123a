// PictureService.PublishStatus end to end against the in-process server (development mode; the access rules per
// report are in access_test.cc): acknowledgements per report, per-report errors, half-close, cancellation, the
// bound of reports in flight, shutdown, and the client library's StatusPublisher.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/connection.h"
#include "client/publisher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/policy/limits.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

namespace v1 = ketenbeeld::v1;
using ::testing::HasSubstr;

using Stream = grpc::ClientReaderWriter<v1::PublishStatusRequest, v1::PublishStatusResponse>;

std::unique_ptr<grpc::ClientContext> Deadline(int seconds = 30) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

v1::ReportStatusRequest ReportOf(const std::string& organization_id, int ic_available) {
  v1::ReportStatusRequest request;
  *request.mutable_report() = MakeReport(organization_id, ic_available);
  return request;
}

// Reads until the server ends the stream; the results by sequence number (a duplicate fails the test).
std::map<uint64_t, v1::PublishResult> ReadAll(Stream& stream) {
  std::map<uint64_t, v1::PublishResult> results;
  v1::PublishStatusResponse response;
  while (stream.Read(&response)) {
    for (const v1::PublishResult& result : response.results()) {
      EXPECT_TRUE(results.emplace(result.sequence(), result).second) << "duplicate result " << result.sequence();
    }
  }
  return results;
}

class PublishStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < kOrganizations; ++i) {
      ASSERT_TRUE(Register(server_.stub(), MakeOrganization(OrganizationId(i))).ok());
    }
  }
  static std::string OrganizationId(int i) { return "ziekenhuis-" + std::to_string(i); }

  static constexpr int kOrganizations = 10;
  TestServer server_;
};

TEST_F(PublishStreamTest, ManyReportsOnOneStreamAreAllAcknowledgedInOrderAndReadable) {
  constexpr int kReports = 300;
  auto context = Deadline();
  std::unique_ptr<Stream> stream = server_.stub().PublishStatus(context.get());
  for (int sent = 0; sent < kReports;) {
    v1::PublishStatusRequest request;
    for (int i = 0; i < 25; ++i, ++sent) *request.add_reports() = ReportOf(OrganizationId(sent % kOrganizations), sent);
    ASSERT_TRUE(stream->Write(request));
  }
  ASSERT_TRUE(stream->WritesDone());
  const std::map<uint64_t, v1::PublishResult> results = ReadAll(*stream);
  const grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();  // Half-close: OK once every report is answered.

  ASSERT_EQ(results.size(), static_cast<size_t>(kReports));
  int64_t previous = 0;
  for (const auto& [sequence, result] : results) {
    ASSERT_TRUE(result.has_written()) << sequence << ": " << result.error().message();
    // The reports of one stream are committed in stream order.
    EXPECT_GT(result.written().revision(), previous) << sequence;
    previous = result.written().revision();
    EXPECT_EQ(result.written().record().status_report().capacity(0).available(), static_cast<int>(sequence));
  }
  EXPECT_EQ(server_.server().revision(), previous);
  // The last report of each organisation is in the picture.
  for (int i = 0; i < kOrganizations; ++i) {
    v1::GetRequest get;
    get.set_name("organizations/" + OrganizationId(i) + "/status");
    v1::GetResponse response;
    ASSERT_TRUE(server_.stub().Get(Deadline().get(), get, &response).ok());
    EXPECT_EQ(response.record().status_report().capacity(0).available(), kReports - kOrganizations + i);
    // The acknowledgement carries the record as stored (the server assembles it from the stored bytes).
    const v1::PublishResult& last = results.at(static_cast<uint64_t>(kReports - kOrganizations + i));
    EXPECT_EQ(last.written().record().SerializeAsString(), response.record().SerializeAsString()) << i;
  }
}

TEST_F(PublishStreamTest, AMessageWithOmitRecordsGetsRevisionsOnlyAndTheOthersKeepTheirRecords) {
  auto context = Deadline();
  std::unique_ptr<Stream> stream = server_.stub().PublishStatus(context.get());
  v1::PublishStatusRequest lean;
  lean.set_omit_records(true);
  *lean.add_reports() = ReportOf(OrganizationId(0), 7);
  *lean.add_reports() = ReportOf(OrganizationId(1), 8);
  ASSERT_TRUE(stream->Write(lean));
  v1::PublishStatusRequest full;
  *full.add_reports() = ReportOf(OrganizationId(2), 9);
  ASSERT_TRUE(stream->Write(full));
  ASSERT_TRUE(stream->WritesDone());
  const std::map<uint64_t, v1::PublishResult> results = ReadAll(*stream);
  ASSERT_TRUE(stream->Finish().ok());

  ASSERT_EQ(results.size(), 3U);
  for (uint64_t sequence : {0U, 1U}) {
    const v1::PublishResult& result = results.at(sequence);
    ASSERT_TRUE(result.has_written()) << sequence << ": " << result.error().message();
    EXPECT_GT(result.written().revision(), 0) << sequence;
    EXPECT_FALSE(result.written().has_record()) << sequence;
  }
  ASSERT_TRUE(results.at(2).has_written());
  EXPECT_EQ(results.at(2).written().record().status_report().capacity(0).available(), 9);
  // Omitted from the answer only: the report was written in full.
  v1::GetRequest get;
  get.set_name("organizations/" + OrganizationId(1) + "/status");
  v1::GetResponse response;
  ASSERT_TRUE(server_.stub().Get(Deadline().get(), get, &response).ok());
  EXPECT_EQ(response.record().mod_revision(), results.at(1).written().revision());
  EXPECT_EQ(response.record().status_report().capacity(0).available(), 8);
}

TEST_F(PublishStreamTest, ABadReportGetsTheUnaryCallsErrorAndItsNeighboursAreWritten) {
  v1::ReportStatusRequest bad = ReportOf(OrganizationId(1), 5);
  bad.mutable_report()->mutable_capacity(0)->set_available(-1);
  const grpc::Status unary = Report(server_.stub(), bad.report());
  ASSERT_EQ(unary.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  auto context = Deadline();
  std::unique_ptr<Stream> stream = server_.stub().PublishStatus(context.get());
  v1::PublishStatusRequest request;
  *request.add_reports() = ReportOf(OrganizationId(0), 4);
  *request.add_reports() = bad;
  *request.add_reports() = ReportOf(OrganizationId(2), 6);
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->WritesDone());
  const std::map<uint64_t, v1::PublishResult> results = ReadAll(*stream);
  EXPECT_TRUE(stream->Finish().ok());

  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results.at(0).has_written());
  EXPECT_TRUE(results.at(2).has_written());
  ASSERT_TRUE(results.at(1).has_error());
  EXPECT_EQ(results.at(1).error().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(results.at(1).error().message(), unary.error_message());
  EXPECT_THAT(results.at(1).error().message(), HasSubstr("report.capacity[0].available"));
}

TEST_F(PublishStreamTest, TheStreamGoesOnAfterABadMessageOfItsOwnReports) {
  // Results may come out of order and several per message; the client sends while results come back.
  auto context = Deadline();
  std::unique_ptr<Stream> stream = server_.stub().PublishStatus(context.get());
  for (int i = 0; i < 20; ++i) {
    v1::PublishStatusRequest request;
    v1::ReportStatusRequest report = ReportOf(OrganizationId(i % kOrganizations), i);
    if (i % 4 == 3) report.mutable_report()->set_organization_id("");  // Invalid: answered at once.
    *request.add_reports() = report;
    ASSERT_TRUE(stream->Write(request));
  }
  ASSERT_TRUE(stream->WritesDone());
  const std::map<uint64_t, v1::PublishResult> results = ReadAll(*stream);
  EXPECT_TRUE(stream->Finish().ok());
  ASSERT_EQ(results.size(), 20u);
  for (const auto& [sequence, result] : results) {
    EXPECT_EQ(result.has_error(), sequence % 4 == 3) << sequence;
    if (result.has_error()) {
      EXPECT_THAT(result.error().message(), HasSubstr("report.organization_id"));
    }
  }
}

TEST_F(PublishStreamTest, AMessageWithMoreReportsThanTheBoundEndsTheStream) {
  auto context = Deadline();
  std::unique_ptr<Stream> stream = server_.stub().PublishStatus(context.get());
  v1::PublishStatusRequest request;
  for (int i = 0; i <= policy::kPublishReportsInFlight; ++i) *request.add_reports() = ReportOf(OrganizationId(0), 1);
  stream->Write(request);
  stream->WritesDone();
  EXPECT_TRUE(ReadAll(*stream).empty());
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("reports: 1025 reports in one message, at most 1024"));
  EXPECT_EQ(server_.server().revision(), kOrganizations);  // Nothing of it written.
}

TEST_F(PublishStreamTest, AClientThatSendsBeyondTheBoundWithoutReadingStillGetsEveryResult) {
  // The server stops reading at the bound (the writer below then blocks in Write on flow control) and goes on as
  // soon as its results are read.
  constexpr int kReports = 3 * policy::kPublishReportsInFlight + 7;
  auto context = Deadline(60);
  std::unique_ptr<Stream> stream = server_.stub().PublishStatus(context.get());
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; i < kReports; ++i) {
      v1::PublishStatusRequest request;
      *request.add_reports() = ReportOf(OrganizationId(i % kOrganizations), i % 100);
      if (!stream->Write(request)) return;
      written.fetch_add(1);
    }
    stream->WritesDone();
  });
  absl::SleepFor(absl::Milliseconds(300));  // Not reading yet.
  const std::map<uint64_t, v1::PublishResult> results = ReadAll(*stream);
  writer.join();
  EXPECT_EQ(written.load(), kReports);
  EXPECT_TRUE(stream->Finish().ok());
  ASSERT_EQ(results.size(), static_cast<size_t>(kReports));
  for (const auto& [sequence, result] : results) ASSERT_TRUE(result.has_written()) << sequence;
  EXPECT_EQ(server_.server().revision(), kOrganizations + kReports);
}

TEST_F(PublishStreamTest, CancellingMidStreamLeavesTheServerServing) {
  for (int round = 0; round < 3; ++round) {
    grpc::ClientContext context;
    std::unique_ptr<Stream> stream = server_.stub().PublishStatus(&context);
    for (int i = 0; i < 50; ++i) {
      v1::PublishStatusRequest request;
      for (int j = 0; j < 10; ++j) *request.add_reports() = ReportOf(OrganizationId(j), i);
      if (!stream->Write(request)) break;
    }
    v1::PublishStatusResponse first;
    stream->Read(&first);  // Some results have come back; more are in flight.
    context.TryCancel();
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  // Unary calls and a new stream still work.
  EXPECT_TRUE(Report(server_.stub(), MakeReport(OrganizationId(3), 1)).ok());
  auto context = Deadline();
  std::unique_ptr<Stream> stream = server_.stub().PublishStatus(context.get());
  v1::PublishStatusRequest request;
  *request.add_reports() = ReportOf(OrganizationId(4), 2);
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  const std::map<uint64_t, v1::PublishResult> results = ReadAll(*stream);
  EXPECT_TRUE(stream->Finish().ok());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results.at(0).has_written());
}

TEST_F(PublishStreamTest, AnOpenStreamDoesNotHoldUpShutdown) {
  auto context = Deadline();
  std::unique_ptr<Stream> stream = server_.stub().PublishStatus(context.get());
  v1::PublishStatusRequest request;
  *request.add_reports() = ReportOf(OrganizationId(0), 1);
  ASSERT_TRUE(stream->Write(request));
  v1::PublishStatusResponse response;
  ASSERT_TRUE(stream->Read(&response));  // Acknowledged; the stream stays open.
  const absl::Time start = absl::Now();
  server_.Stop();  // Grace of 2 s.
  EXPECT_LT(absl::Now() - start, absl::Seconds(1.5));
  while (stream->Read(&response)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

// --- The client library ---------------------------------------------------------------------------------------------

// Collects the results of a StatusPublisher.
class Results {
 public:
  client::StatusPublisher::Callback Expect() {
    absl::MutexLock lock(&mu_);
    ++expected_;
    return [this](absl::StatusOr<v1::WriteResponse> result) {
      absl::MutexLock lock(&mu_);
      results_.push_back(std::move(result));
    };
  }
  // Waits (bounded) for every expected result.
  std::vector<absl::StatusOr<v1::WriteResponse>> Wait() {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(
                             +[](Results* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
                               return self->results_.size() == self->expected_;
                             },
                             this),
                         absl::Seconds(30));
    return results_;
  }

 private:
  absl::Mutex mu_;
  size_t expected_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<absl::StatusOr<v1::WriteResponse>> results_ ABSL_GUARDED_BY(mu_);
};

TEST_F(PublishStreamTest, ThePublisherCoalescesReportsOfManyThreadsOnOneStream) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  Results results;
  client::StatusPublisher publisher(server_.channel());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) publisher.Publish(ReportOf(OrganizationId(t), i), results.Expect());
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<absl::StatusOr<v1::WriteResponse>> all = results.Wait();
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  for (const auto& result : all) ASSERT_TRUE(result.ok()) << result.status();
  const client::StatusPublisher::Stats stats = publisher.stats();
  EXPECT_EQ(stats.streams_opened, 1);
  EXPECT_EQ(stats.reports_sent, kThreads * kPerThread);
  EXPECT_LT(stats.messages_sent, stats.reports_sent);  // Coalesced while the previous message was in flight.
  EXPECT_EQ(publisher.waiting(), 0);
  // Each organisation's last report is in the picture.
  v1::GetRequest get;
  get.set_name("organizations/" + OrganizationId(0) + "/status");
  v1::GetResponse response;
  ASSERT_TRUE(server_.stub().Get(Deadline().get(), get, &response).ok());
  EXPECT_EQ(response.record().status_report().capacity(0).available(), kPerThread - 1);
}

TEST_F(PublishStreamTest, ThePublisherReportsPerReportErrors) {
  Results results;
  client::StatusPublisher publisher(server_.channel());
  v1::ReportStatusRequest bad = ReportOf(OrganizationId(1), 1);
  bad.mutable_report()->mutable_capacity(0)->set_available(-1);
  absl::Notification good_done;
  absl::StatusOr<v1::WriteResponse> good_result;
  publisher.Publish(ReportOf(OrganizationId(0), 1), [&](absl::StatusOr<v1::WriteResponse> result) {
    good_result = std::move(result);
    good_done.Notify();
  });
  absl::Notification bad_done;
  absl::Status bad_status;
  publisher.Publish(bad, [&](absl::StatusOr<v1::WriteResponse> result) {
    bad_status = result.status();
    bad_done.Notify();
  });
  ASSERT_TRUE(good_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(bad_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(good_result.ok()) << good_result.status();
  EXPECT_GT(good_result->revision(), 0);
  EXPECT_EQ(bad_status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_status.message(), HasSubstr("report.capacity[0].available"));
}

TEST_F(PublishStreamTest, ThePublisherWithOmitRecordsGetsRevisionsWithoutRecords) {
  constexpr int kReports = 50;
  Results results;
  client::StatusPublisher lean(server_.channel(), client::PublisherOptions{.omit_records = true});
  for (int i = 0; i < kReports; ++i) lean.Publish(ReportOf(OrganizationId(i % kOrganizations), i), results.Expect());
  const std::vector<absl::StatusOr<v1::WriteResponse>> all = results.Wait();
  ASSERT_EQ(all.size(), static_cast<size_t>(kReports));
  for (const auto& result : all) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_GT(result->revision(), 0);
    EXPECT_FALSE(result->has_record());
  }
  // The default publisher still gets the stored record.
  Results full_results;
  client::StatusPublisher full(server_.channel());
  full.Publish(ReportOf(OrganizationId(0), 99), full_results.Expect());
  const std::vector<absl::StatusOr<v1::WriteResponse>> one = full_results.Wait();
  ASSERT_EQ(one.size(), 1U);
  ASSERT_TRUE(one[0].ok()) << one[0].status();
  EXPECT_EQ(one[0]->record().status_report().capacity(0).available(), 99);
}

TEST_F(PublishStreamTest, ThePublisherFailsWaitingReportsWhenTheStreamBreaksAndOpensANewOne) {
  Results results;
  // The client library's channel: its reconnect backoff stays short, so the restarted server is found quickly.
  client::StatusPublisher publisher(client::Connect(server_.server().address()));
  for (int i = 0; i < 500; ++i) publisher.Publish(ReportOf(OrganizationId(i % kOrganizations), 1), results.Expect());
  server_.Stop();
  // Every report has its outcome: acknowledged before the server went, or the stream's status.
  for (const auto& result : results.Wait()) {
    if (!result.ok()) {
      EXPECT_THAT(result.status().code(),
                  ::testing::AnyOf(absl::StatusCode::kUnavailable, absl::StatusCode::kCancelled))
          << result.status();
    }
  }
  EXPECT_EQ(publisher.waiting(), 0);

  // With no server, reports fail with the stream's status (not hang).
  Results offline;
  publisher.Publish(ReportOf(OrganizationId(0), 2), offline.Expect());
  const std::vector<absl::StatusOr<v1::WriteResponse>> failed = offline.Wait();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].status().code(), absl::StatusCode::kUnavailable) << failed[0].status();

  // Back again: the next report opens a new stream (after the channel has reconnected: bounded retries).
  server_.Restart();
  absl::StatusOr<v1::WriteResponse> after = absl::UnknownError("not tried");
  for (int attempt = 0; attempt < 100 && !after.ok(); ++attempt) {
    Results again;
    publisher.Publish(ReportOf(OrganizationId(0), 3), again.Expect());
    after = again.Wait().at(0);
    if (!after.ok()) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(after.ok()) << after.status();
  EXPECT_GE(publisher.stats().streams_opened, 3);
}

}  // namespace
}  // namespace ketenbeeld::testing
