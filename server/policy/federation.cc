#include "server/policy/federation.h"

#include "server/domain/names.h"
#include "server/policy/visibility.h"

namespace ketenbeeld::policy {
namespace {

namespace v1 = ::ketenbeeld::v1;

// Free text and the names of people in a status report; the figures stay (WithholdDetail removes those).
void StripReportText(v1::StatusReport& report) {
  report.clear_free_text();
  report.clear_reporter();
  for (v1::Disruption& disruption : *report.mutable_disruptions()) disruption.clear_description();
  if (report.has_staffing()) report.mutable_staffing()->clear_description();
  if (report.has_emergency_department()) report.mutable_emergency_department()->clear_reason();
  if (report.has_gp_post()) report.mutable_gp_post()->clear_reason();
  if (report.has_intake_stop()) report.mutable_intake_stop()->clear_reason();
  for (v1::Supply& supply : *report.mutable_supplies()) {
    if (supply.has_resupply()) supply.mutable_resupply()->clear_supplier();
  }
  // Answers to the region's own questionnaires: the indicators do not cross upward, and text answers are free text.
  report.clear_indicator_values();
}

// The subject of an actor is a certificate's or token's name, often a person's: kept in the region.
void StripActor(v1::Actor& actor) { actor.clear_subject(); }

}  // namespace

std::optional<Upward> UpwardForKind(v1::EntityKind kind) {
  // No default: a kind added to EntityKind without a decision here is a -Wswitch warning (an error under -Werror).
  switch (kind) {
    case v1::ENTITY_KIND_ORGANIZATION:     // Acute and other partners, without contacts; long-term care never.
    case v1::ENTITY_KIND_STATUS_REPORT:    // Acute exact, other partners without figures, never long-term care.
    case v1::ENTITY_KIND_INCIDENT:         // Type, level, status, geometry, casualties: no title, no organisation ids.
    case v1::ENTITY_KIND_BED_RESERVATION:  // Of acute beds, for patient spreading: no patient reference.
      return Upward::kPassesRedacted;
    case v1::ENTITY_KIND_SECTOR_AGGREGATE:  // What crosses instead of long-term care's per-organisation figures.
      return Upward::kPasses;
    case v1::ENTITY_KIND_SITUATION_ENTRY:     // Free text by nature.
    case v1::ENTITY_KIND_ALERT:               // A body and an audience of the region's own.
    case v1::ENTITY_KIND_ACKNOWLEDGEMENT:     // The region's own alerting.
    case v1::ENTITY_KIND_ASSISTANCE_REQUEST:  // Descriptions, delivery instructions, comments.
    case v1::ENTITY_KIND_SCENARIO:            // The GHOR's planning assumptions.
    case v1::ENTITY_KIND_EXERCISE:            // Nothing of an exercise crosses.
    case v1::ENTITY_KIND_NOTIFICATION:        // The outbox: addresses and message texts.
    case v1::ENTITY_KIND_ESCALATION_TASK:     // Phone numbers and names to chase.
    case v1::ENTITY_KIND_INDICATOR:           // The region's own questionnaires.
    case v1::ENTITY_KIND_UPSTREAM_SOURCE:     // A receiving server's own cursor of a region below it.
    case v1::ENTITY_KIND_UNSPECIFIED:
      return Upward::kNever;
    case v1::EntityKind_INT_MIN_SENTINEL_DO_NOT_USE_:
    case v1::EntityKind_INT_MAX_SENTINEL_DO_NOT_USE_:
      break;
  }
  return std::nullopt;
}

Upward UpwardFor(const v1::Record& record) {
  const std::optional<Upward> by_kind = UpwardForKind(record.kind());
  if (!by_kind.has_value() || *by_kind == Upward::kNever) return Upward::kNever;
  if (!record.exercise_id().empty() || domain::IsExerciseRecord(record.name())) return Upward::kNever;
  // The entity must be the kind's: a record whose kind and entity disagree is not sent.
  switch (record.entity_case()) {
    case v1::Record::kOrganization:
    case v1::Record::kStatusReport: {
      const v1::Sector sector = record.has_organization() ? record.organization().sector() : record.scope().sector();
      if (sector == v1::SECTOR_LONG_TERM_CARE || sector == v1::SECTOR_UNSPECIFIED) return Upward::kNever;
      return Upward::kPassesRedacted;
    }
    case v1::Record::kBedReservation:
      // The beds of acute care only: a reservation of a nursing home's bed would show its figures moving.
      return record.scope().sector() == v1::SECTOR_ACUTE_CARE ? Upward::kPassesRedacted : Upward::kNever;
    case v1::Record::kIncident:
      return Upward::kPassesRedacted;
    case v1::Record::kSectorAggregate:
      return Upward::kPasses;
    default:
      return Upward::kNever;
  }
}

bool RedactForFederation(v1::Record& record) {
  const Upward upward = UpwardFor(record);
  if (upward == Upward::kNever) {
    record.Clear();
    return false;
  }
  StripActor(*record.mutable_updated_by());
  bool exact_figures = false;
  switch (record.entity_case()) {
    case v1::Record::kOrganization:
      // Contact persons, phone numbers, e-mail and endpoints (with their secrets): the contact as a whole.
      record.mutable_organization()->clear_contact();
      break;
    case v1::Record::kStatusReport: {
      v1::StatusReport& report = *record.mutable_status_report();
      if (record.scope().sector() == v1::SECTOR_ACUTE_CARE) {
        exact_figures = true;
      } else {
        WithholdDetail(report);
      }
      StripReportText(report);
      break;
    }
    case v1::Record::kIncident: {
      v1::Incident& incident = *record.mutable_incident();
      incident.clear_title();
      if (incident.has_area()) incident.mutable_area()->clear_description();
      // The lists name organisations of every sector, long-term care included.
      incident.clear_affected_organization_ids();
      incident.clear_computed_affected_organization_ids();
      break;
    }
    case v1::Record::kBedReservation: {
      v1::BedReservation& reservation = *record.mutable_bed_reservation();
      reservation.clear_patient_reference();
      reservation.clear_reserved_by_subject();
      reservation.clear_release_reason();
      reservation.clear_request_id();  // The caller's own token for its retries: chosen freely, of no use upward.
      break;
    }
    case v1::Record::kSectorAggregate:
      // The server derived it: the write that moved it (one organisation's report) is not named.
      record.clear_updated_by();
      record.mutable_updated_by()->set_role(v1::ROLE_SYSTEM);
      break;
    default:
      break;
  }
  return exact_figures;
}

bool RedactForFederation(v1::Event& event) {
  const bool exact_figures = RedactForFederation(*event.mutable_record());
  if (event.record().name().empty()) {
    event.Clear();
    return false;
  }
  if (event.record().has_sector_aggregate()) {
    event.clear_actor();
    event.mutable_actor()->set_role(v1::ROLE_SYSTEM);
  } else {
    StripActor(*event.mutable_actor());
  }
  return exact_figures;
}

}  // namespace ketenbeeld::policy
