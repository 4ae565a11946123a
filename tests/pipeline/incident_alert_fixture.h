// Test fixture for the incident and alert planners: a real committer over a RocksDB store in a temporary
// directory, with a fake clock the test moves, ticks on demand, and a restart that reloads everything from disk.
#ifndef KETENBEELD_TESTS_PIPELINE_INCIDENT_ALERT_FIXTURE_H_
#define KETENBEELD_TESTS_PIPELINE_INCIDENT_ALERT_FIXTURE_H_

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "server/pipeline/committer.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::pipeline {

namespace v1 = ::ketenbeeld::v1;

class IncidentAlertFixture : public ::testing::Test {
 protected:
  // 2026-03-01T12:00:00Z: a fixed start, so expected times are exact.
  static constexpr int64_t kStartSeconds = 1772366400;

  void SetUp() override {
    clock_micros_.store(kStartSeconds * 1'000'000);
    OpenPipeline();
  }

  void TearDown() override { ClosePipeline(); }

  // Stops the committer and closes the store, then reopens everything from disk: what a server restart does.
  void Restart() {
    ClosePipeline();
    OpenPipeline();
  }

  absl::Time Now() const { return absl::FromUnixMicros(clock_micros_.load()); }
  void Advance(absl::Duration duration) { clock_micros_.fetch_add(absl::ToInt64Microseconds(duration)); }

  // Submits one write and waits for its outcome.
  template <typename Body>
  absl::StatusOr<WriteResult> Write(Body body) {
    std::vector<absl::StatusOr<WriteResult>> results =
        WriteAll({mutations::WriteRequest{.body = std::move(body), .actor = {}}});
    return results[0];
  }

  // Submits all writes without waiting in between (they may share commit groups); the outcomes in order.
  std::vector<absl::StatusOr<WriteResult>> WriteAll(std::vector<mutations::WriteRequest> requests) {
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

  // One SystemTick; returns how many alert records it changed (other time-driven facts, such as overdue reports,
  // are not counted).
  int Tick() {
    const int64_t before = store_->last_revision();
    absl::StatusOr<WriteResult> result = Write(mutations::SystemTick{});
    EXPECT_TRUE(result.ok()) << result.status();
    int alert_changes = 0;
    for (const v1::Event& event : Log()) {
      if (event.revision() > before && event.record().kind() == v1::ENTITY_KIND_ALERT) ++alert_changes;
    }
    return alert_changes;
  }

  // The record with this name in the picture; fails the test when it is missing.
  v1::Record Find(const std::string& name) {
    state::RecordPtr record = picture_->Find(name);
    EXPECT_NE(record, nullptr) << name;
    return record == nullptr ? v1::Record() : record->record;
  }

  // Every event in the log, in revision order.
  std::vector<v1::Event> Log() const {
    std::vector<v1::Event> events;
    absl::StatusOr<std::vector<storage::StoredEvent>> stored =
        store_->ReadLog(1, store_->last_revision(), size_t{64} << 20);
    EXPECT_TRUE(stored.ok()) << stored.status();
    if (!stored.ok()) return events;
    for (const storage::StoredEvent& entry : *stored) {
      v1::Event event;
      EXPECT_TRUE(event.ParseFromString(entry.event_bytes));
      events.push_back(std::move(event));
    }
    return events;
  }

  absl::Status Register(const std::string& id, v1::OrganizationKind kind = v1::ORGANIZATION_KIND_HOSPITAL,
                        const std::string& region = "VR10") {
    v1::RegisterOrganizationRequest request;
    *request.mutable_organization() = testing::MakeOrganization(id, kind, region);
    return Write(request).status();
  }

  // Region rules for the next OpenPipeline() (a test that needs other levels sets this, then calls Restart()).
  domain::Region region_ = domain::Region::Default();
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<state::Picture> picture_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<Committer> committer_;

 private:
  void OpenPipeline() {
    absl::StatusOr<std::unique_ptr<storage::Store>> store =
        storage::Store::Open({.path = dir_.path() + "/db", .sync = false, .small_buffers = true});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    absl::StatusOr<std::unique_ptr<state::Picture>> picture = state::Picture::Load(*store_);
    ASSERT_TRUE(picture.ok()) << picture.status();
    picture_ = *std::move(picture);
    hub_ = std::make_unique<Hub>(*store_, store_->last_revision(), Hub::Options{});
    Committer::Options options;
    options.region = region_;
    options.clock = [this] { return absl::FromUnixMicros(clock_micros_.load()); };
    committer_ = std::make_unique<Committer>(*store_, *picture_, *hub_, std::move(options));
  }

  void ClosePipeline() {
    if (committer_ != nullptr) committer_->Stop();
    committer_.reset();
    hub_.reset();
    picture_.reset();
    store_.reset();
  }

  testing::TempDir dir_;
  std::atomic<int64_t> clock_micros_{0};
};

}  // namespace ketenbeeld::pipeline

#endif  // KETENBEELD_TESTS_PIPELINE_INCIDENT_ALERT_FIXTURE_H_
