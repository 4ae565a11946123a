#include "server/domain/names.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "base/strings.h"
#include "server/domain/field_checks.h"
#include "server/domain/validation.h"

namespace ketenbeeld::domain {
namespace {

constexpr absl::string_view kOrganizations = "organizations";
constexpr absl::string_view kLocations = "locations";
constexpr absl::string_view kStatus = "status";
constexpr absl::string_view kIncidents = "incidents";
constexpr absl::string_view kEntries = "entries";
constexpr absl::string_view kAlerts = "alerts";
constexpr absl::string_view kAcknowledgements = "acknowledgements";
constexpr absl::string_view kAssistanceRequests = "assistance-requests";
constexpr absl::string_view kScenarios = "scenarios";
constexpr absl::string_view kExercises = "exercises";
constexpr absl::string_view kNotifications = "notifications";
constexpr absl::string_view kEscalations = "escalations";
constexpr absl::string_view kReservations = "reservations";
constexpr absl::string_view kIndicators = "indicators";
constexpr absl::string_view kUpstream = "upstream";
constexpr absl::string_view kAggregates = "aggregates";
constexpr int kSequenceDigits = 20;

// Names quoted in error messages are cut short so a huge input cannot blow up the message.
constexpr size_t kMaxQuotedNameBytes = 200;

// Debian's Abseil has its own string_view (ABSL_OPTION_USE_STD_STRING_VIEW is 0); our API uses std::string_view.
std::string QuoteName(absl::string_view name) {
  if (name.size() <= kMaxQuotedNameBytes) return absl::StrCat("\"", absl::CHexEscape(name), "\"");
  return absl::StrCat("\"", absl::CHexEscape(name.substr(0, kMaxQuotedNameBytes)), "\"...");
}

absl::Status NotARecordName(absl::string_view name, absl::string_view field) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": ", QuoteName(name),
                   " is not a record name; expected organizations/{id}, organizations/{id}/status, "
                   "organizations/{id}/locations/{id}/status, incidents/{id}, incidents/{id}/entries/{sequence}, "
                   "alerts/{id}, alerts/{id}/acknowledgements/{organization id}, assistance-requests/{id}, "
                   "scenarios/{id}, notifications/{id}, escalations/{id}, reservations/{id}, indicators/{id}, "
                   "upstream/{safety region} or aggregates/{group}"));
}

// ValidateId phrased for an id inside a name: `name: "organizations/Foo" has an invalid organization id: ...`.
absl::Status CheckIdInName(const std::string& id, std::string_view what, absl::string_view name,
                           absl::string_view field) {
  absl::Status status = ValidateId(id, what);
  if (status.ok()) return status;
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", QuoteName(name), " has an invalid ", status.message()));
}

// Names of the workflow records: {collection}/{id}[/{child collection}/{child id}].
absl::StatusOr<ParsedName> ParseWorkflowName(absl::string_view name, const std::vector<absl::string_view>& segments,
                                             absl::string_view field) {
  ParsedName parsed;
  const absl::string_view collection = segments[0];
  if (segments.size() == 2 && collection == kIncidents) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_INCIDENT;
  } else if (segments.size() == 4 && collection == kIncidents && segments[2] == kEntries) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_SITUATION_ENTRY;
    if (segments[3].size() != kSequenceDigits || !absl::SimpleAtoi(segments[3], &parsed.sequence) ||
        parsed.sequence <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", QuoteName(name), " has an invalid sequence; expected ", kSequenceDigits, " digits"));
    }
  } else if (segments.size() == 2 && collection == kAlerts) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_ALERT;
  } else if (segments.size() == 4 && collection == kAlerts && segments[2] == kAcknowledgements) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_ACKNOWLEDGEMENT;
    parsed.organization_id.assign(segments[3].data(), segments[3].size());
    if (absl::Status status = CheckIdInName(parsed.organization_id, "organization id", name, field); !status.ok()) {
      return status;
    }
  } else if (segments.size() == 2 && collection == kAssistanceRequests) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_ASSISTANCE_REQUEST;
  } else if (segments.size() == 2 && collection == kScenarios) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_SCENARIO;
  } else if (segments.size() == 2 && collection == kNotifications) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_NOTIFICATION;
  } else if (segments.size() == 2 && collection == kEscalations) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_ESCALATION_TASK;
  } else if (segments.size() == 2 && collection == kReservations) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_BED_RESERVATION;
  } else if (segments.size() == 2 && collection == kIndicators) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_INDICATOR;
  } else if (segments.size() == 2 && collection == kUpstream) {
    // A safety region code ("VR10"), not an identifier: upper case.
    if (!checks::IsSafetyRegion(segments[1])) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", QuoteName(name), " has an invalid safety region; expected VR01..VR25"));
    }
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_UPSTREAM_SOURCE;
    parsed.id.assign(segments[1].data(), segments[1].size());
    return parsed;
  } else if (segments.size() == 2 && collection == kAggregates) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_SECTOR_AGGREGATE;
  } else {
    return NotARecordName(name, field);
  }
  parsed.id.assign(segments[1].data(), segments[1].size());
  if (absl::Status status = CheckIdInName(parsed.id, "id", name, field); !status.ok()) return status;
  return parsed;
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

std::string IncidentName(std::string_view incident_id) { return absl::StrCat(kIncidents, "/", ToAbsl(incident_id)); }

std::string SituationEntryName(std::string_view incident_id, int64_t sequence) {
  return absl::StrCat(kIncidents, "/", ToAbsl(incident_id), "/", kEntries, "/",
                      absl::StrFormat("%0*d", kSequenceDigits, sequence));
}

std::string AlertName(std::string_view alert_id) { return absl::StrCat(kAlerts, "/", ToAbsl(alert_id)); }

std::string AcknowledgementName(std::string_view alert_id, std::string_view organization_id) {
  return absl::StrCat(AcknowledgementPrefix(alert_id), ToAbsl(organization_id));
}

std::string AcknowledgementPrefix(std::string_view alert_id) {
  return absl::StrCat(kAlerts, "/", ToAbsl(alert_id), "/", kAcknowledgements, "/");
}

std::string AssistanceRequestName(std::string_view request_id) {
  return absl::StrCat(kAssistanceRequests, "/", ToAbsl(request_id));
}

std::string ScenarioName(std::string_view scenario_id) { return absl::StrCat(kScenarios, "/", ToAbsl(scenario_id)); }

std::string ReservationName(std::string_view reservation_id) {
  return absl::StrCat(kReservations, "/", ToAbsl(reservation_id));
}

std::string FederatedReservationId(std::string_view safety_region, std::string_view reservation_id) {
  return absl::StrCat(absl::AsciiStrToLower(ToAbsl(safety_region)), "-", ToAbsl(reservation_id));
}

std::string RegionReservationId(std::string_view safety_region, std::string_view federated_id) {
  const std::string prefix = FederatedReservationId(safety_region, "");
  if (federated_id.size() <= prefix.size() || federated_id.substr(0, prefix.size()) != prefix) return std::string();
  return std::string(federated_id.substr(prefix.size()));
}

std::string IndicatorName(std::string_view indicator_id) {
  return absl::StrCat(kIndicators, "/", ToAbsl(indicator_id));
}

std::string UpstreamSourceName(std::string_view safety_region) {
  return absl::StrCat(kUpstream, "/", ToAbsl(safety_region));
}

std::string AggregateName(std::string_view group) { return absl::StrCat(kAggregates, "/", ToAbsl(group)); }

std::string FederatedAggregateName(std::string_view safety_region, std::string_view group) {
  return absl::StrCat(kAggregates, "/", absl::AsciiStrToLower(ToAbsl(safety_region)), "-", ToAbsl(group));
}

std::string ExerciseName(std::string_view exercise_id) { return absl::StrCat(kExercises, "/", ToAbsl(exercise_id)); }

std::string ExercisePrefix(std::string_view exercise_id) {
  return absl::StrCat(kExercises, "/", ToAbsl(exercise_id), "/");
}

bool IsExerciseRecord(std::string_view name_view) {
  absl::string_view rest = ToAbsl(name_view);
  if (!absl::ConsumePrefix(&rest, kExercises) || !absl::ConsumePrefix(&rest, "/")) return false;
  // "exercises/{exercise_id}" is the exercise itself; its records have a further '/'.
  const size_t slash = rest.find('/');
  return slash != absl::string_view::npos && slash > 0 && slash + 1 < rest.size();
}

std::string InExercise(std::string_view exercise_id, std::string_view name_view) {
  const absl::string_view name = ToAbsl(name_view);
  if (exercise_id.empty()) return std::string(name);
  if (absl::StartsWith(name, absl::StrCat(kExercises, "/"))) return std::string(name);
  // The registry record "organizations/{id}" has no further '/': it is shared by every exercise.
  if (absl::StartsWith(name, absl::StrCat(kOrganizations, "/")) &&
      name.find('/', kOrganizations.size() + 1) == absl::string_view::npos) {
    return std::string(name);
  }
  return absl::StrCat(ExercisePrefix(exercise_id), name);
}

std::string NotificationName(std::string_view notification_id) {
  return absl::StrCat(kNotifications, "/", ToAbsl(notification_id));
}

std::string EscalationTaskName(std::string_view task_id) { return absl::StrCat(kEscalations, "/", ToAbsl(task_id)); }

std::string FollowUpId(int64_t revision, int index) {
  return absl::StrFormat("%0*d-%04d", kSequenceDigits, revision, index);
}

std::string OrganizationPrefix(std::string_view organization_id) {
  return absl::StrCat(kOrganizations, "/", ToAbsl(organization_id), "/");
}

absl::StatusOr<ParsedName> ParseName(std::string_view name_view, std::string_view field_view) {
  const absl::string_view name = ToAbsl(name_view);
  const absl::string_view field = ToAbsl(field_view);
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  // Empty segments are kept so that "organizations//status" or a trailing '/' do not parse.
  std::vector<absl::string_view> segments = absl::StrSplit(name, '/');
  ParsedName parsed;
  if (segments[0] == kExercises) {
    if (segments.size() < 2) return NotARecordName(name, field);
    parsed.exercise_id.assign(segments[1].data(), segments[1].size());
    if (absl::Status status = CheckIdInName(parsed.exercise_id, "exercise id", name, field); !status.ok()) {
      return status;
    }
    if (segments.size() == 2) {
      parsed.kind = ketenbeeld::v1::ENTITY_KIND_EXERCISE;
      return parsed;
    }
    // The rest names a record of the exercise: anything but the shared registry (and no exercise inside one).
    if (segments[2] == kExercises || (segments[2] == kOrganizations && segments.size() == 4)) {
      return NotARecordName(name, field);
    }
    const size_t rest_start = kExercises.size() + 1 + segments[1].size() + 1;
    absl::StatusOr<ParsedName> rest = ParseName(ToStd(name.substr(rest_start)), field_view);
    if (!rest.ok()) return NotARecordName(name, field);
    rest->exercise_id = std::move(parsed.exercise_id);
    return rest;
  }
  if (segments[0] != kOrganizations) return ParseWorkflowName(name, segments, field);
  if (segments.size() == 2) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_ORGANIZATION;
  } else if (segments.size() == 3 && segments[2] == kStatus) {
    parsed.kind = ketenbeeld::v1::ENTITY_KIND_STATUS_REPORT;
  } else if (segments.size() == 5 && segments[2] == kLocations && segments[4] == kStatus) {
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
