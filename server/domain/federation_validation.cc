#include "server/domain/federation_validation.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/domain/field_checks.h"
#include "server/domain/names.h"

namespace ketenbeeld::domain {
namespace {

namespace v1 = ::ketenbeeld::v1;
using checks::FieldPath;
using checks::Invalid;

// The entity a record of `kind` carries (Record.entity), or ENTITY_NOT_SET for a kind without one.
v1::Record::EntityCase EntityOf(v1::EntityKind kind) {
  switch (kind) {
    case v1::ENTITY_KIND_ORGANIZATION:
      return v1::Record::kOrganization;
    case v1::ENTITY_KIND_STATUS_REPORT:
      return v1::Record::kStatusReport;
    case v1::ENTITY_KIND_INCIDENT:
      return v1::Record::kIncident;
    case v1::ENTITY_KIND_SITUATION_ENTRY:
      return v1::Record::kSituationEntry;
    case v1::ENTITY_KIND_ALERT:
      return v1::Record::kAlert;
    case v1::ENTITY_KIND_ACKNOWLEDGEMENT:
      return v1::Record::kAcknowledgement;
    case v1::ENTITY_KIND_ASSISTANCE_REQUEST:
      return v1::Record::kAssistanceRequest;
    case v1::ENTITY_KIND_SCENARIO:
      return v1::Record::kScenario;
    case v1::ENTITY_KIND_EXERCISE:
      return v1::Record::kExercise;
    case v1::ENTITY_KIND_NOTIFICATION:
      return v1::Record::kNotification;
    case v1::ENTITY_KIND_ESCALATION_TASK:
      return v1::Record::kEscalationTask;
    case v1::ENTITY_KIND_BED_RESERVATION:
      return v1::Record::kBedReservation;
    case v1::ENTITY_KIND_INDICATOR:
      return v1::Record::kIndicator;
    case v1::ENTITY_KIND_UPSTREAM_SOURCE:
      return v1::Record::kUpstreamSource;
    case v1::ENTITY_KIND_SECTOR_AGGREGATE:
      return v1::Record::kSectorAggregate;
    default:
      return v1::Record::ENTITY_NOT_SET;
  }
}

absl::Status ValidateUpstreamEvent(const v1::Event& event, int64_t after_revision, int64_t last_revision,
                                   const FieldPath& path) {
  if (event.revision() <= after_revision || event.revision() > last_revision) {
    return Invalid(path.Field("revision"), "must be greater than ", after_revision,
                   " (the previous event's revision, or expected_cursor) and at most last_revision (", last_revision,
                   "), got ", event.revision());
  }
  if (event.type() != v1::EVENT_TYPE_PUT && event.type() != v1::EVENT_TYPE_DELETE) {
    return Invalid(path.Field("type"), "must be EVENT_TYPE_PUT or EVENT_TYPE_DELETE, got ",
                   static_cast<int>(event.type()));
  }
  if (!event.has_commit_time()) return Invalid(path.Field("commit_time"), "required");
  KETENBEELD_RETURN_IF_ERROR(checks::CheckTimestamp(true, event.commit_time(), path.Field("commit_time")));
  const FieldPath record = path.Field("record");
  const std::string name_field = record.Field("name").ToString();
  absl::StatusOr<ParsedName> parsed = ParseName(event.record().name(), name_field);
  if (!parsed.ok()) return parsed.status();
  if (event.record().kind() != parsed->kind) {
    return Invalid(record.Field("kind"), v1::EntityKind_Name(event.record().kind()), " does not match the name \"",
                   event.record().name(), "\", which is of kind ", v1::EntityKind_Name(parsed->kind));
  }
  if (event.type() == v1::EVENT_TYPE_PUT && event.record().entity_case() != EntityOf(parsed->kind)) {
    return Invalid(record, "a PUT of a record of kind ", v1::EntityKind_Name(parsed->kind), " must carry that entity");
  }
  if (event.type() == v1::EVENT_TYPE_PUT && parsed->kind == v1::ENTITY_KIND_SECTOR_AGGREGATE) {
    // The downstream name is made from this one (docs/federation.md, "Sector aggregates get a region-qualified name
    // too"): it must be the group's name on the server that sent it, "aggregates/{group}" for its own,
    // "aggregates/{origin}-{group}" for one it federated itself (chaining).
    const std::string& group = event.record().sector_aggregate().group();
    const std::string& origin = event.record().provenance().source_region();
    const std::string expected = origin.empty() ? AggregateName(group) : FederatedAggregateName(origin, group);
    if (event.record().name() != expected) {
      return Invalid(record.Field("name"), "a sector aggregate of group \"", group, "\"",
                     origin.empty() ? "" : absl::StrCat(" from ", origin), " is named \"", expected, "\", got \"",
                     event.record().name(), "\"");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateApplyUpstreamRequest(const v1::ApplyUpstreamRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(
      checks::CheckSafetyRegion(request.source_region(), FieldPath("source_region"), checks::Presence::kRequired));
  if (request.expected_cursor() < 0) {
    return Invalid(FieldPath("expected_cursor"), "must be >= 0, got ", request.expected_cursor());
  }
  if (request.first_revision() != request.expected_cursor() + 1) {
    return Invalid(FieldPath("first_revision"), "must be expected_cursor + 1 (", request.expected_cursor() + 1,
                   "), got ", request.first_revision());
  }
  if (request.last_revision() < request.expected_cursor()) {
    return Invalid(FieldPath("last_revision"), "must be >= expected_cursor (", request.expected_cursor(), "), got ",
                   request.last_revision());
  }
  if (request.has_reset()) {
    // An upstream reset: the snapshot's records carry their own revisions, anywhere up to the snapshot's.
    if (request.last_revision() < 1) {
      return Invalid(FieldPath("last_revision"), "a reset names its snapshot's revision (>= 1), got ",
                     request.last_revision());
    }
    if (request.reset().finish() && !request.events().empty()) {
      return Invalid(FieldPath("events"), "the finishing call of a reset carries no events, got ",
                     request.events_size());
    }
  } else if (request.last_revision() == request.expected_cursor() && !request.events().empty()) {
    return Invalid(FieldPath("last_revision"), "an empty range (last_revision = expected_cursor, a heartbeat) ",
                   "carries no events, got ", request.events_size());
  }
  if (request.events_size() > kMaxUpstreamEvents) {
    return Invalid(FieldPath("events"), "at most ", kMaxUpstreamEvents, " events per call, got ",
                   request.events_size());
  }
  if (request.has_source_time()) {
    KETENBEELD_RETURN_IF_ERROR(checks::CheckTimestamp(true, request.source_time(), FieldPath("source_time")));
  }
  const FieldPath events("events");
  int64_t after = request.has_reset() ? 0 : request.expected_cursor();
  for (int i = 0; i < request.events_size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(
        ValidateUpstreamEvent(request.events(i), after, request.last_revision(), events.Index(i)));
    if (request.has_reset() && request.events(i).type() != v1::EVENT_TYPE_PUT) {
      return Invalid(events.Index(i).Field("type"), "a reset's chunk carries the snapshot's records: EVENT_TYPE_PUT");
    }
    after = request.events(i).revision();
  }
  return absl::OkStatus();
}

}  // namespace ketenbeeld::domain
