// Graduated visibility of capacity: who sees an organisation's detailed figures, and what everyone else sees.
//
// Detailed figures (a status report's capacity, staffing, supplies, free text and reporter) are visible to the
// organisation itself, the GHOR and dispatch. Everyone else (other institutions, the bestuur, the operator) sees
// the rest of the report (overall status, disruptions, emergency department, crisis plan, timing) with
// `detail_withheld` set, and regional capacity totals only where at least `min_aggregate_group` organisations
// contribute. Providers share more when competitors cannot read their figures.
//
// Redaction is done once per audience, not once per reader: a shared record or event keeps its redacted form beside
// its full form (server/state/records.h), made on first use, so a thousand institution feeds cost one redaction.
//
// Thread safety: all functions are thread safe.
#ifndef KETENBEELD_SERVER_POLICY_VISIBILITY_H_
#define KETENBEELD_SERVER_POLICY_VISIBILITY_H_

#include <string>

#include "absl/strings/string_view.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "server/security/identity.h"
#include "server/state/records.h"

namespace ketenbeeld::policy {

inline constexpr int kDefaultMinAggregateGroup = 3;

// What one reader may see.
class Viewer {
 public:
  // Everything (development mode, and the server's own use).
  static Viewer Everything() { return Viewer(true, ""); }
  static Viewer For(const security::Identity& identity);

  // Whether this reader sees `organization_id`'s detailed figures.
  bool SeesDetailOf(absl::string_view organization_id) const {
    return all_detail_ || (!organization_id.empty() && organization_id == organization_id_);
  }
  // Whether this reader sees every organisation's figures (then nothing is ever redacted for it).
  bool sees_all_detail() const { return all_detail_; }

 private:
  Viewer(bool all_detail, std::string organization_id)
      : all_detail_(all_detail), organization_id_(std::move(organization_id)) {}
  bool all_detail_;
  std::string organization_id_;
};

// The organisation whose figures `record` holds (a status report's organisation), or empty for records without
// detailed figures.
absl::string_view DetailOwner(const ketenbeeld::v1::Record& record);

// Clears the detailed figures of a status report and sets detail_withheld.
void WithholdDetail(ketenbeeld::v1::StatusReport& report);

// Redacts `record` / `event` in place for `viewer`. Returns whether anything was withheld.
bool Redact(const Viewer& viewer, ketenbeeld::v1::Record& record);
bool Redact(const Viewer& viewer, ketenbeeld::v1::Event& event);

// The serialized form of a shared record / event for `viewer`: the full wire, or the redacted one (made once per
// record / event, then shared by every reader without detailed visibility).
const std::string& WireFor(const Viewer& viewer, const state::StoredRecord& record);
const std::string& WireFor(const Viewer& viewer, const state::PublishedEvent& event);

// Withholds the sums of totals with fewer than `min_group` contributing organisations, unless `viewer` sees every
// organisation's figures.
void ApplyMinimumGroup(const Viewer& viewer, int min_group, ketenbeeld::v1::CapacityOverview& overview);

}  // namespace ketenbeeld::policy

#endif  // KETENBEELD_SERVER_POLICY_VISIBILITY_H_
