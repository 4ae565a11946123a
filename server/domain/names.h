// Resource names of the records in the picture (AIP-122 style), and the kind of record each name denotes.
//   organizations/{organization_id}
//   organizations/{organization_id}/status
//   organizations/{organization_id}/locations/{location_id}/status
#ifndef KETENBEELD_SERVER_DOMAIN_NAMES_H_
#define KETENBEELD_SERVER_DOMAIN_NAMES_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ketenbeeld/v1/picture.pb.h"

namespace ketenbeeld::domain {

struct ParsedName {
  ketenbeeld::v1::EntityKind kind = ketenbeeld::v1::ENTITY_KIND_UNSPECIFIED;
  std::string organization_id;
  std::string location_id;  // Empty unless a per-location status report.
};

std::string OrganizationName(std::string_view organization_id);
std::string StatusReportName(std::string_view organization_id, std::string_view location_id);

// The prefix under which all records of one organisation live besides the organisation record itself:
// "organizations/{id}/" (its status reports). The trailing '/' keeps "org-a" from matching "org-ab"; the
// organisation record, OrganizationName(id), is the one key of the organisation outside this prefix.
std::string OrganizationPrefix(std::string_view organization_id);

// Parses a resource name. INVALID_ARGUMENT naming `field` when it is not one of the forms above or an id in it is
// not a valid identifier (see ValidateId). Parsing is strict: no empty segments, no trailing '/', no extra segments,
// so every valid name has exactly one spelling and OrganizationName/StatusReportName(ParseName(n)) == n.
absl::StatusOr<ParsedName> ParseName(std::string_view name, std::string_view field = "name");

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_NAMES_H_
