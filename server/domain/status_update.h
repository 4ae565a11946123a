// Status reports that change only what they name: the update mask of ReportStatusRequest (AIP-134), checked here and
// applied over the stored report. The semantics are documented at ReportStatusRequest.update_mask in
// proto/ketenbeeld/v1/picture_service.proto; in short: scalars are set, the singular messages replaced (or one field of
// them), and the entries of capacity, supplies and disruptions merged by type, or one type replaced or removed.
//
// Thread safety: pure functions.
#ifndef KETENBEELD_SERVER_DOMAIN_STATUS_UPDATE_H_
#define KETENBEELD_SERVER_DOMAIN_STATUS_UPDATE_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "ketenbeeld/v1/status.pb.h"

namespace ketenbeeld::domain {

// At most this many paths in one update mask (there are fewer meaningful ones).
inline constexpr int kMaxUpdateMaskPaths = 100;

// True when `mask` asks for the whole report to be replaced: no paths, or the single path "*".
bool ReplacesWholeReport(const google::protobuf::FieldMask& mask);

// Validates a ReportStatusRequest: its update mask (errors name "update_mask.paths[i]": an unknown path, an output-only
// field, the report's identifying fields, an unknown type key) and its report, which must state its overall status
// when it is whole or its mask names "overall_status". INVALID_ARGUMENT naming the field.
absl::Status ValidateReportStatusRequest(const ketenbeeld::v1::ReportStatusRequest& request);

// The report to store when `update` arrives at `commit_time` with `mask` over `stored` (nullptr: none yet).
// Whole (ReplacesWholeReport): `update` itself. Partial: `stored` (or an empty report) with the named parts of
// `update` applied. Either way every capacity and supply entry that `update` wrote carries reported_at =
// `commit_time` (the others keep theirs; a written supply's warned_within is cleared: its new figures are not yet
// warned of), the emergency department's expired_since is cleared when the update wrote
// the department, update_mask is the normalised mask (empty for a whole report), and an overall status the server
// set to unknown (unknown_since) is cleared: to the update's, or, when a partial update does not name it, back to
// the last known one. The report-level output-only
// fields (commit time, next due, overdue) are the caller's (NormalizeStatusReport). Pre: ValidateReportStatusRequest
// accepted the request. The result may still lack an overall status (a partial first report); the caller refuses it.
ketenbeeld::v1::StatusReport ApplyStatusUpdate(const ketenbeeld::v1::StatusReport* stored,
                                               ketenbeeld::v1::StatusReport update,
                                               const google::protobuf::FieldMask& mask, absl::Time commit_time);

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_STATUS_UPDATE_H_
