// Validation of client input, field by field. Pure functions of the message: checks that need the current
// picture (is the organisation registered, does the location exist, compare-and-set) live in the committer.
//
// Every error is INVALID_ARGUMENT with a message that starts with the full field path, e.g.
//   "report.capacity[2].available: must be between 0 and 100000, got -1"
// Output-only fields are ignored on input (AIP-203), never an error.
#ifndef KETENBEELD_SERVER_DOMAIN_VALIDATION_H_
#define KETENBEELD_SERVER_DOMAIN_VALIDATION_H_

#include <string_view>

#include "absl/status/status.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/status.pb.h"

namespace ketenbeeld::domain {

// Limits on input (characters are Unicode code points).
inline constexpr int kMaxIdLength = 64;
inline constexpr int kMaxNameLength = 200;
inline constexpr int kMaxShortTextLength = 2000;
inline constexpr int kMaxFreeTextLength = 4000;
inline constexpr int kMaxCount = 100000;
inline constexpr int kMaxLocations = 100;
inline constexpr int kMaxFilterValues = 1000;

// Identifiers: 1..64 characters of [a-z0-9-], not starting or ending with '-'.
absl::Status ValidateId(std::string_view id, std::string_view field);

absl::Status ValidateOrganization(const ketenbeeld::v1::Organization& organization,
                                  std::string_view field = "organization");
// A whole status report must state its overall status; a partial one (an update mask that does not name
// overall_status, see status_update.h) need not.
enum class StatusReportForm { kWhole, kPartial };

absl::Status ValidateStatusReport(const ketenbeeld::v1::StatusReport& report, std::string_view field = "report",
                                  StatusReportForm form = StatusReportForm::kWhole);
// Whether the report's capacity that is not beds fits the kind of its organisation (StatusReport.ambulance and the
// fields after it name the kinds each is for): INVALID_ARGUMENT naming the first field that does not, e.g.
//   "report.ambulance: only for ambulance services; the organisation is ORGANIZATION_KIND_NURSING_HOME".
// Needs the registration, so the planner calls it (ValidateStatusReport cannot); expects a validated report.
absl::Status ValidateStatusReportFitsKind(const ketenbeeld::v1::StatusReport& report,
                                          ketenbeeld::v1::OrganizationKind kind, std::string_view field = "report");

absl::Status ValidateFilter(const ketenbeeld::v1::Filter& filter, std::string_view field = "filter");

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_VALIDATION_H_
