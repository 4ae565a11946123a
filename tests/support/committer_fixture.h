// Shared by the pipeline tests (header only: the test binary links the pipeline libraries itself):
//  * CommitterFixture: a committer over a real RocksDB store in a temporary directory, with a fake clock the test
//    moves, writes submitted one at a time or several together, ticks on demand, the log as events, and a restart
//    that reloads everything from disk;
//  * request builders (Write, RegisterWrite, ReportWrite);
//  * record builders and PutDirectly(), which puts records straight into a Picture for tests of the pure planners
//    and queries (no store, no thread).
#ifndef KETENBEELD_TESTS_SUPPORT_COMMITTER_FIXTURE_H_
#define KETENBEELD_TESTS_SUPPORT_COMMITTER_FIXTURE_H_

#include <atomic>
#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/domain/entities.h"
#include "server/domain/names.h"
#include "server/pipeline/committer.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {

namespace v1 = ::ketenbeeld::v1;

// The time the fake clock starts at unless a fixture chooses another (2024-01-01T00:00:00Z).
inline const absl::Time kStart = absl::FromUnixSeconds(1704067200);

// --- Requests ---

// What a write carries: one of the v1 write requests, or mutations::SystemTick.
template <typename T>
concept RequestBody = std::constructible_from<mutations::WriteRequest::Body, T>;

template <RequestBody Body>
mutations::WriteRequest Write(Body body) {
  return mutations::WriteRequest{.body = std::move(body), .actor = {}};
}

inline mutations::WriteRequest RegisterWrite(v1::Organization organization) {
  v1::RegisterOrganizationRequest request;
  *request.mutable_organization() = std::move(organization);
  return Write(std::move(request));
}

inline mutations::WriteRequest ReportWrite(v1::StatusReport report) {
  v1::ReportStatusRequest request;
  *request.mutable_report() = std::move(report);
  return Write(std::move(request));
}

// --- Records for PutDirectly ---

inline v1::Record OrganizationRecord(v1::Organization organization) {
  domain::NormalizeOrganization(organization);
  v1::Record record;
  record.set_name(domain::OrganizationName(organization.id()));
  record.set_kind(v1::ENTITY_KIND_ORGANIZATION);
  record.mutable_scope()->set_organization_id(organization.id());
  record.mutable_scope()->set_safety_region(organization.safety_region());
  record.mutable_scope()->set_sector(organization.sector());
  record.mutable_scope()->set_organization_kind(organization.kind());
  *record.mutable_organization() = std::move(organization);
  return record;
}

// A status report committed at `at` (commit_time set as the committer would).
inline v1::Record ReportRecord(v1::StatusReport report, absl::Time at) {
  domain::NormalizeStatusReport(at, absl::Hours(24), report);
  v1::Record record;
  record.set_name(domain::StatusReportName(report.organization_id(), report.location_id()));
  record.set_kind(v1::ENTITY_KIND_STATUS_REPORT);
  record.mutable_scope()->set_organization_id(report.organization_id());
  *record.mutable_status_report() = std::move(report);
  return record;
}

// Puts `record` into `picture` as the next revision, as if it had been committed.
inline void PutDirectly(state::Picture& picture, v1::Record record) {
  const int64_t revision = picture.revision() + 1;
  record.set_create_revision(revision);
  record.set_mod_revision(revision);
  v1::Event event;
  event.set_revision(revision);
  event.set_type(v1::EVENT_TYPE_PUT);
  event.set_group_last_revision(revision);
  *event.mutable_record() = record;
  picture.Apply(
      {state::Change{.event = state::MakeEvent(std::move(event)), .record = state::MakeRecord(std::move(record))}});
}

// --- The fixture ---

// A committer over a real store, opened and started in SetUp. The clock is fake: it starts at `start` and only moves
// when the test calls Advance(). Before SetUp (in a derived constructor) a test may choose other region rules
// (region_), store options (store_options_: sync, a fault injector; the path is the fixture's) and committer options
// (committer_options_: observer, recovery interval; region and clock are the fixture's). region_ may also be changed
// before a Restart().
class CommitterFixture : public ::testing::Test {
 protected:
  explicit CommitterFixture(absl::Time start = kStart) : clock_micros_(absl::ToUnixMicros(start)) {
    store_options_.sync = false;
    store_options_.small_buffers = true;
  }

  void SetUp() override { OpenPipeline(); }
  void TearDown() override { ClosePipeline(); }

  // Stops the committer and closes the store, then reopens everything from disk: what a server restart does.
  void Restart() {
    ClosePipeline();
    OpenPipeline();
  }

  absl::Time Now() const { return absl::FromUnixMicros(clock_micros_.load()); }
  void Advance(absl::Duration by) { clock_micros_.fetch_add(absl::ToInt64Microseconds(by)); }

  // Submits one write and waits for its outcome.
  absl::StatusOr<pipeline::WriteResult> Submit(mutations::WriteRequest request) {
    std::vector<mutations::WriteRequest> requests;
    requests.push_back(std::move(request));
    return std::move(SubmitAll(std::move(requests))[0]);
  }
  // The same for a request body (a v1 request or mutations::SystemTick), submitted without an actor.
  template <RequestBody Body>
  absl::StatusOr<pipeline::WriteResult> Submit(Body body) {
    return Submit(Write(std::move(body)));
  }

  // Submits all writes without waiting in between (they may share commit groups); the outcomes in order.
  std::vector<absl::StatusOr<pipeline::WriteResult>> SubmitAll(std::vector<mutations::WriteRequest> requests) {
    std::vector<absl::StatusOr<pipeline::WriteResult>> results(requests.size(), absl::UnknownError("no callback"));
    absl::BlockingCounter done(static_cast<int>(requests.size()));
    for (size_t i = 0; i < requests.size(); ++i) {
      committer_->Submit(std::move(requests[i]), [&, i](absl::StatusOr<pipeline::WriteResult> result) {
        results[i] = std::move(result);
        done.DecrementCount();
      });
    }
    done.Wait();
    return results;
  }

  // Submits a write that must succeed; returns the record it left.
  v1::Record MustSubmit(mutations::WriteRequest request) {
    absl::StatusOr<pipeline::WriteResult> result = Submit(std::move(request));
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok() || result->record == nullptr) return {};
    return result->record->record;
  }

  // Registers an organisation (MakeOrganization's defaults: a hospital in VR10).
  absl::StatusOr<pipeline::WriteResult> Register(const std::string& id,
                                                 v1::OrganizationKind kind = v1::ORGANIZATION_KIND_HOSPITAL,
                                                 const std::string& region = "VR10") {
    return Submit(RegisterWrite(MakeOrganization(id, kind, region)));
  }

  // One SystemTick, and its outcome.
  absl::StatusOr<pipeline::WriteResult> Tick() { return Submit(mutations::SystemTick{}); }

  // The events in the log after revision `after` (all of them by default), in revision order.
  std::vector<v1::Event> Log(int64_t after = 0) const {
    std::vector<v1::Event> events;
    if (after >= store_->last_revision()) return events;
    absl::StatusOr<std::vector<storage::StoredEvent>> stored =
        store_->ReadLog(after + 1, store_->last_revision(), size_t{1} << 40);
    EXPECT_TRUE(stored.ok()) << stored.status();
    if (!stored.ok()) return events;
    for (const storage::StoredEvent& entry : *stored) {
      v1::Event& event = events.emplace_back();
      EXPECT_TRUE(event.ParseFromString(entry.event_bytes));
    }
    return events;
  }

  // The record with this name in the picture; fails the test when it is missing.
  v1::Record Find(const std::string& name) const {
    state::RecordPtr record = picture_->Find(name);
    EXPECT_NE(record, nullptr) << name;
    return record == nullptr ? v1::Record() : record->record;
  }

  domain::Region region_ = domain::Region::Default();
  storage::StoreOptions store_options_;
  pipeline::Committer::Options committer_options_;

  TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<state::Picture> picture_;
  std::unique_ptr<pipeline::Hub> hub_;
  std::unique_ptr<pipeline::Committer> committer_;

 private:
  void OpenPipeline() {
    storage::StoreOptions store_options = store_options_;
    store_options.path = dir_.path() + "/db";
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(store_options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    absl::StatusOr<std::unique_ptr<state::Picture>> picture = state::Picture::Load(*store_);
    ASSERT_TRUE(picture.ok()) << picture.status();
    picture_ = *std::move(picture);
    hub_ = std::make_unique<pipeline::Hub>(*store_, store_->last_revision(), pipeline::Hub::Options{});
    pipeline::Committer::Options options = committer_options_;
    options.region = region_;
    options.clock = [this] { return Now(); };
    committer_ = std::make_unique<pipeline::Committer>(*store_, *picture_, *hub_, std::move(options));
  }

  void ClosePipeline() {
    if (committer_ != nullptr) committer_->Stop();
    committer_.reset();
    hub_.reset();
    picture_.reset();
    store_.reset();
  }

  std::atomic<int64_t> clock_micros_;
};

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SUPPORT_COMMITTER_FIXTURE_H_
