#include "server/domain/names.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "server/domain/validation.h"

namespace ketenbeeld::domain {
namespace {

constexpr absl::string_view kOrganizations = "organizations";
constexpr absl::string_view kLocations = "locations";
constexpr absl::string_view kStatus = "status";

// Names quoted in error messages are cut short so a huge input cannot blow up the message.
constexpr size_t kMaxQuotedNameBytes = 200;

// Debian's Abseil has its own string_view (ABSL_OPTION_USE_STD_STRING_VIEW is 0); our API uses std::string_view.
absl::string_view ToAbsl(std::string_view text) { return absl::string_view(text.data(), text.size()); }

std::string Quote(absl::string_view name) {
  if (name.size() <= kMaxQuotedNameBytes) return absl::StrCat("\"", absl::CHexEscape(name), "\"");
  return absl::StrCat("\"", absl::CHexEscape(name.substr(0, kMaxQuotedNameBytes)), "\"...");
}

absl::Status NotARecordName(absl::string_view name, absl::string_view field) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": ", Quote(name),
                   " is not a record name; expected organizations/{id}, organizations/{id}/status or "
                   "organizations/{id}/locations/{id}/status"));
}

// ValidateId phrased for an id inside a name: `name: "organizations/Foo" has an invalid organization id: ...`.
absl::Status CheckIdInName(const std::string& id, std::string_view what, absl::string_view name,
                           absl::string_view field) {
  absl::Status status = ValidateId(id, what);
  if (status.ok()) return status;
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", Quote(name), " has an invalid ", status.message()));
}

}  // namespace

std::string OrganizationName(std::string_view organization_id) {
  return absl::StrCat(kOrganizations, "/", ToAbsl(organization_id));
}

std::string StatusReportName(std::string_view organization_id, std::string_view location_id) {
  if (location_id.empty()) return absl::StrCat(kOrganizations, "/", ToAbsl(organization_id), "/", kStatus);
  return absl::StrCat(kOrganizations, "/", ToAbsl(organization_id), "/", kLocations, "/", ToAbsl(location_id), "/",
                      kStatus);
}

std::string OrganizationPrefix(std::string_view organization_id) {
  return absl::StrCat(kOrganizations, "/", ToAbsl(organization_id), "/");
}

absl::StatusOr<ParsedName> ParseName(std::string_view name_view, std::string_view field_view) {
  const absl::string_view name = ToAbsl(name_view);
  const absl::string_view field = ToAbsl(field_view);
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  // Empty segments are kept so that "organizations//status" or a trailing '/' do not parse.
  const std::vector<absl::string_view> segments = absl::StrSplit(name, '/');
  ParsedName parsed;
  if (segments.size() == 2 && segments[0] == kOrganizations) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_ORGANIZATION;
  } else if (segments.size() == 3 && segments[0] == kOrganizations && segments[2] == kStatus) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_STATUS_REPORT;
  } else if (segments.size() == 5 && segments[0] == kOrganizations && segments[2] == kLocations &&
             segments[4] == kStatus) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_STATUS_REPORT;
    parsed.location_id.assign(segments[3].data(), segments[3].size());
  } else {
    return NotARecordName(name, field);
  }
  parsed.organization_id.assign(segments[1].data(), segments[1].size());
  if (absl::Status status = CheckIdInName(parsed.organization_id, "organization id", name, field); !status.ok()) {
    return status;
  }
  if (segments.size() == 5) {
    if (absl::Status status = CheckIdInName(parsed.location_id, "location id", name, field); !status.ok()) {
      return status;
    }
  }
  return parsed;
}

}  // namespace ketenbeeld::domain
