// Shared by the pipeline tests of the crisis workflow (assistance, cadence, reports):
//  * CommitterFixture: a committer over a real RocksDB store in a temporary directory, with a fake clock, a way to
//    restart it on the same store, and the log as events;
//  * record builders and PutDirectly(), which puts records straight into a Picture for tests of the pure planners
//    and queries (no store, no thread).
#ifndef KETENBEELD_TESTS_PIPELINE_WORKFLOW_FIXTURE_H_
#define KETENBEELD_TESTS_PIPELINE_WORKFLOW_FIXTURE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "server/domain/entities.h"
#include "server/domain/names.h"
#include "server/pipeline/committer.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::pipeline::testing {

namespace v1 = ::ketenbeeld::v1;

// A fixed point in time the tests start from (2024-01-01T00:00:00Z).
inline const absl::Time kStart = absl::FromUnixSeconds(1704067200);

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

inline v1::Record IncidentRecord(const std::string& id, const std::string& level, v1::IncidentStatus status,
                                 std::vector<std::string> affected = {}, const std::string& region = "VR10") {
  v1::Record record;
  record.set_name(domain::IncidentName(id));
  record.set_kind(v1::ENTITY_KIND_INCIDENT);
  record.mutable_scope()->set_safety_region(region);
  v1::Incident& incident = *record.mutable_incident();
  incident.set_id(id);
  incident.set_title("Brand Oostpolder");
  incident.set_type("brand");
  incident.set_scale_up_level(level);
  incident.set_safety_region(region);
  incident.set_status(status);
  for (std::string& organization : affected) incident.add_affected_organization_ids(std::move(organization));
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

// --- Requests ---

template <typename Request>
mutations::WriteRequest Write(Request request) {
  return mutations::WriteRequest{.body = std::move(request), .actor = {}};
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

// A committer over a real store, with a fake clock that only moves when told.
class CommitterFixture : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void TearDown() override { Close(); }

  // Starts the committer (the store and picture are open). Call once per test, or again after Restart's Close.
  void StartCommitter(const domain::Region& region = domain::Region::Default()) {
    region_ = std::make_unique<domain::Region>(region);
    Committer::Options options;
    options.region = *region_;
    options.clock = [this] { return Now(); };
    committer_ = std::make_unique<Committer>(*store_, *picture_, *hub_, std::move(options));
  }

  // Stops everything and opens it again on the same data, as a server restart does.
  void Restart() {
    const domain::Region region = *region_;
    Close();
    Open();
    StartCommitter(region);
  }

  absl::Time Now() {
    absl::MutexLock lock(&clock_mu_);
    return now_;
  }
  void Advance(absl::Duration by) {
    absl::MutexLock lock(&clock_mu_);
    now_ += by;
  }

  // Submits one write and waits for its outcome.
  absl::StatusOr<WriteResult> Submit(mutations::WriteRequest request) {
    absl::StatusOr<WriteResult> outcome = absl::UnknownError("no callback");
    absl::Notification done;
    committer_->Submit(std::move(request), [&](absl::StatusOr<WriteResult> result) {
      outcome = std::move(result);
      done.Notify();
    });
    done.WaitForNotification();
    return outcome;
  }

  // Submits a write that must succeed; returns the record it left.
  v1::Record MustSubmit(mutations::WriteRequest request) {
    absl::StatusOr<WriteResult> result = Submit(std::move(request));
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok() || result->record == nullptr) return {};
    return result->record->record;
  }

  absl::StatusOr<WriteResult> Tick() { return Submit(Write(mutations::SystemTick{})); }

  // Every event in the log, in revision order.
  std::vector<v1::Event> Log() {
    std::vector<v1::Event> events;
    absl::StatusOr<std::vector<storage::StoredEvent>> stored =
        store_->ReadLog(1, store_->last_revision(), size_t{1} << 40);
    EXPECT_TRUE(stored.ok()) << stored.status();
    if (!stored.ok()) return events;
    for (const storage::StoredEvent& entry : *stored) {
      v1::Event& event = events.emplace_back();
      EXPECT_TRUE(event.ParseFromString(entry.event_bytes));
    }
    return events;
  }

  ketenbeeld::testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<state::Picture> picture_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<Committer> committer_;

 private:
  void Open() {
    storage::StoreOptions options;
    options.path = dir_.path() + "/db";
    options.sync = false;
    options.small_buffers = true;
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    absl::StatusOr<std::unique_ptr<state::Picture>> picture = state::Picture::Load(*store_);
    ASSERT_TRUE(picture.ok()) << picture.status();
    picture_ = *std::move(picture);
    hub_ = std::make_unique<Hub>(*store_, store_->last_revision(), Hub::Options{});
  }

  void Close() {
    committer_.reset();
    hub_.reset();
    picture_.reset();
    store_.reset();
  }

  std::unique_ptr<domain::Region> region_;
  absl::Mutex clock_mu_;
  absl::Time now_ ABSL_GUARDED_BY(clock_mu_) = kStart;
};

}  // namespace ketenbeeld::pipeline::testing

#endif  // KETENBEELD_TESTS_PIPELINE_WORKFLOW_FIXTURE_H_
