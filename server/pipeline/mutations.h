// What each kind of write does to the picture: the checks that need current state (is the organisation registered,
// does the location exist, compare-and-set) and the record it produces. Field validation happens before, in
// domain/validation; revisions and metadata are assigned after, by the committer.
#ifndef KETENBEELD_SERVER_PIPELINE_MUTATIONS_H_
#define KETENBEELD_SERVER_PIPELINE_MUTATIONS_H_

#include <string_view>
#include <variant>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "server/pipeline/records.h"

namespace ketenbeeld::pipeline {

// A write as the committer receives it: the request and who made it.
struct WriteRequest {
  std::variant<ketenbeeld::v1::RegisterOrganizationRequest, ketenbeeld::v1::ReportStatusRequest> body;
  ketenbeeld::v1::Actor actor;
};

// Field validation of a write (domain/validation), run on the caller's thread before it is queued.
absl::Status ValidateWrite(const WriteRequest& request);

// The change a write makes, before the committer assigns its revision.
struct PlannedChange {
  ketenbeeld::v1::EventType type = ketenbeeld::v1::EVENT_TYPE_PUT;
  // The new record: name, kind, scope and entity. The committer sets revisions, update time and actor.
  ketenbeeld::v1::Record record;
  // The record this change replaces, or nullptr.
  RecordPtr previous;
};

struct PlanContext {
  absl::Time commit_time;
  // Cadence used for StatusReport.next_report_due.
  absl::Duration report_interval;
};

// Looks a record up in the picture as it will be after the earlier changes of the same commit group.
using RecordLookup = absl::FunctionRef<RecordPtr(absl::string_view name)>;

// Plans a validated write against the current state. Errors: INVALID_ARGUMENT (unknown organisation or location,
// naming the field), ABORTED (expected_revision does not match).
absl::StatusOr<PlannedChange> PlanWrite(const WriteRequest& request, RecordLookup lookup, const PlanContext& context);

}  // namespace ketenbeeld::pipeline

#endif  // KETENBEELD_SERVER_PIPELINE_MUTATIONS_H_
