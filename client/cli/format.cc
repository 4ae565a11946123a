#include "client/cli/format.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/time.h"
#include "client/cli/enum_words.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

namespace ketenbeeld::cli {
namespace {

void AppendPadded(std::string* out, absl::string_view cell, size_t width, bool right_aligned) {
  const size_t cell_width = DisplayWidth(cell);
  const std::string padding(width > cell_width ? width - cell_width : 0, ' ');
  if (right_aligned) {
    absl::StrAppend(out, padding, cell);
  } else {
    absl::StrAppend(out, cell, padding);
  }
}

std::string OptionalCount(bool has, int32_t value) { return has ? absl::StrCat(value) : std::string(kNotReported); }

// Free text on one line of at most `max_width` columns: line breaks become spaces, a longer text ends in "…".
std::string OneLine(absl::string_view text, size_t max_width) {
  std::string line;
  size_t width = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const bool starts_code_point = (c & 0xC0) != 0x80;
    if (starts_code_point) {
      if (width == max_width) {
        // Cut before this code point, leaving room for the ellipsis.
        size_t cut = line.size();
        do {
          --cut;
        } while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80);
        line.resize(cut);
        return line + "…";
      }
      ++width;
    }
    line.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : text[i]);
  }
  return line;
}

// The status-report summary shared by event lines: the parts that were reported, in reading order.
// "strained", or "unknown (last known: strained)" when the server set it to unknown for an overdue report.
std::string OverallStatusWord(const v1::StatusReport& report) {
  if (!report.has_unknown_since()) return EnumWord(report.overall_status());
  return absl::StrCat(EnumWord(report.overall_status()), " (last known: ", EnumWord(report.last_known_overall_status()),
                      ")");
}

std::vector<std::string> StatusReportParts(const v1::StatusReport& report) {
  std::vector<std::string> parts;
  parts.push_back(OverallStatusWord(report));
  if (report.intake_stop().state() == v1::INTAKE_STOP_STATE_ACTIVE) parts.push_back(IntakeStopSummary(report));
  for (const v1::Capacity& capacity : report.capacity()) parts.push_back(CapacitySummary(capacity));
  for (std::string& part : ChainCapacityParts(report)) parts.push_back(std::move(part));
  if (report.emergency_department().state() != v1::EMERGENCY_DEPARTMENT_STATE_UNSPECIFIED) {
    parts.push_back(absl::StrCat("ED ", EmergencyDepartmentSummary(report)));
  }
  if (report.gp_post().state() != v1::GP_POST_STATE_UNSPECIFIED) {
    parts.push_back(absl::StrCat("GP post ", GpPostSummary(report)));
  }
  const std::string disruptions = ActiveDisruptions(report);
  if (disruptions != kNotReported) parts.push_back(disruptions);
  if (report.staffing().level() == v1::STAFFING_LEVEL_INSUFFICIENT) {
    parts.push_back(report.staffing().has_shortage_count()
                        ? absl::StrCat("staff short ", report.staffing().shortage_count())
                        : std::string("staff insufficient"));
  }
  for (const v1::Supply& supply : report.supplies()) {
    if (!supply.has_warned_within()) continue;
    const absl::Duration within = FromProtoDuration(supply.warned_within());
    parts.push_back(within == absl::ZeroDuration()
                        ? absl::StrCat(EnumWord(supply.type()), " ran out")
                        : absl::StrCat(EnumWord(supply.type()), " runs out within ", absl::FormatDuration(within)));
  }
  if (report.crisis_plan_activated()) parts.push_back("crisis plan active");
  // Answers to indicators (questionnaires), as ID=VALUE.
  for (const v1::IndicatorValue& answer : report.indicator_values()) {
    std::string value;
    if (answer.has_count()) value = absl::StrCat(answer.count());
    if (answer.has_number()) value = absl::StrCat(answer.number());
    if (answer.has_yes_no()) value = answer.yes_no() ? "yes" : "no";
    if (answer.has_choice()) value = answer.choice();
    if (answer.has_text()) value = absl::StrCat("\"", OneLine(answer.text(), 60), "\"");
    parts.push_back(absl::StrCat(answer.indicator_id(), "=", value));
  }
  return parts;
}

}  // namespace

size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++width;  // Count every byte that is not a UTF-8 continuation byte.
  }
  return width;
}

TextTable::TextTable(std::vector<std::string> headers)
    : headers_(std::move(headers)), right_aligned_(headers_.size(), false) {}

void TextTable::AlignRight(size_t column) {
  if (column < right_aligned_.size()) right_aligned_[column] = true;
}

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::Render() const {
  std::vector<size_t> widths(headers_.size(), 0);
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = DisplayWidth(headers_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  std::string out;
  auto render_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) line += "  ";
      AppendPadded(&line, cells[i], widths[i], right_aligned_[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  };
  render_line(headers_);
  for (const auto& row : rows_) render_line(row);
  return out;
}

std::string DisruptionShortLabel(v1::DisruptionType type) {
  switch (type) {
    case v1::DISRUPTION_TYPE_UTILITY_FAILURE:
      return "utility";
    case v1::DISRUPTION_TYPE_LOGISTICS_STAGNATION:
      return "logistics";
    case v1::DISRUPTION_TYPE_INFECTIOUS_DISEASE_OUTBREAK:
      return "infection";
    case v1::DISRUPTION_TYPE_DIGITAL_DISRUPTION:
      return "digital";
    case v1::DISRUPTION_TYPE_LOCATION_CLOSURE:
      return "closure";
    case v1::DISRUPTION_TYPE_PATIENT_SURGE:
      return "surge";
    case v1::DISRUPTION_TYPE_CLIENT_RELOCATION:
      return "relocation";
    case v1::DISRUPTION_TYPE_STAFF_SHORTAGE:
      return "staff";
    default:
      return EnumWord(type);
  }
}

std::string ActiveDisruptions(const v1::StatusReport& report) {
  std::vector<std::string> labels;
  for (const v1::Disruption& disruption : report.disruptions()) {
    if (disruption.severity() == v1::SEVERITY_NONE || disruption.severity() == v1::SEVERITY_UNSPECIFIED) continue;
    labels.push_back(absl::StrCat(DisruptionShortLabel(disruption.type()), " ", EnumWord(disruption.severity())));
  }
  if (labels.empty()) return std::string(kNotReported);
  return absl::StrJoin(labels, ", ");
}

std::string CapacitySummary(const v1::Capacity& capacity) {
  std::string total(kNotReported);
  if (capacity.has_baseline()) {
    total = absl::StrCat(capacity.baseline());
  } else if (capacity.has_available() && capacity.has_occupied()) {
    total = absl::StrCat(static_cast<int64_t>(capacity.available()) + capacity.occupied());
  }
  return absl::StrCat(EnumWord(capacity.type()), " ", OptionalCount(capacity.has_available(), capacity.available()),
                      "/", total);
}

std::vector<std::string> ChainCapacityParts(const v1::StatusReport& report) {
  std::vector<std::string> parts;
  if (report.has_ambulance()) {
    const v1::AmbulanceCapacity& ambulance = report.ambulance();
    if (ambulance.has_ambulances_available() || ambulance.has_ambulances_deployed()) {
      parts.push_back(absl::StrCat(
          "ambulances ", OptionalCount(ambulance.has_ambulances_available(), ambulance.ambulances_available()),
          " free, ", OptionalCount(ambulance.has_ambulances_deployed(), ambulance.ambulances_deployed()), " deployed"));
    }
  }
  if (report.has_gp_post()) {
    const v1::GpPostCapacity& gp_post = report.gp_post();
    if (gp_post.has_consultations_per_hour() || gp_post.has_slots_available()) {
      parts.push_back(absl::StrCat(
          "GP post ", OptionalCount(gp_post.has_consultations_per_hour(), gp_post.consultations_per_hour()), "/h, ",
          OptionalCount(gp_post.has_slots_available(), gp_post.slots_available()), " slots"));
    }
  }
  if (report.has_home_care()) {
    const v1::HomeCareCapacity& home_care = report.home_care();
    std::vector<std::string> care;
    if (home_care.has_clients_in_care()) care.push_back(absl::StrCat(home_care.clients_in_care(), " clients"));
    if (home_care.has_clients_on_powered_devices() || home_care.has_clients_on_home_ventilation()) {
      std::string powered = absl::StrCat(
          OptionalCount(home_care.has_clients_on_powered_devices(), home_care.clients_on_powered_devices()),
          " on powered devices");
      if (home_care.has_clients_on_home_ventilation()) {
        absl::StrAppend(&powered, " (", home_care.clients_on_home_ventilation(), " home ventilation)");
      }
      care.push_back(std::move(powered));
    }
    if (!care.empty()) parts.push_back(absl::StrCat("home care ", absl::StrJoin(care, ", ")));
  }
  if (report.has_public_health()) {
    const v1::PublicHealthCapacity& teams = report.public_health();
    if (teams.has_infection_control_teams_available() || teams.has_vaccination_teams_available() ||
        teams.has_psychosocial_teams_available()) {
      parts.push_back(absl::StrCat(
          "GGD teams: infection control ",
          OptionalCount(teams.has_infection_control_teams_available(), teams.infection_control_teams_available()),
          ", vaccination ", OptionalCount(teams.has_vaccination_teams_available(), teams.vaccination_teams_available()),
          ", psychosocial ",
          OptionalCount(teams.has_psychosocial_teams_available(), teams.psychosocial_teams_available())));
    }
  }
  return parts;
}

std::string IntakeStopSummary(const v1::StatusReport& report) {
  switch (report.intake_stop().state()) {
    case v1::INTAKE_STOP_STATE_ACTIVE:
      return "INTAKE STOP";
    case v1::INTAKE_STOP_STATE_NONE:
      return "intake open";
    default:
      return std::string(kNotReported);
  }
}

std::string GpPostSummary(const v1::StatusReport& report) {
  if (report.gp_post().state() == v1::GP_POST_STATE_UNSPECIFIED) return std::string(kNotReported);
  return EnumWord(report.gp_post().state());
}

std::string KeyCapacity(const v1::StatusReport& report, size_t max_types) {
  // Not "not reported": the organisation did report, this reader may not see its figures (docs/security.md).
  if (report.detail_withheld()) return "figures withheld";
  std::vector<std::string> parts;
  size_t reported = 0;
  for (const v1::Capacity& capacity : report.capacity()) {
    if (!capacity.has_available() && !capacity.has_baseline() && !capacity.has_occupied()) continue;
    ++reported;
    if (parts.size() < max_types) parts.push_back(CapacitySummary(capacity));
  }
  for (std::string& part : ChainCapacityParts(report)) {
    ++reported;
    if (parts.size() < max_types) parts.push_back(std::move(part));
  }
  if (parts.empty()) return std::string(kNotReported);
  if (reported > parts.size()) parts.push_back(absl::StrCat("+", reported - parts.size(), " more"));
  return absl::StrJoin(parts, ", ");
}

std::string EmergencyDepartmentSummary(const v1::StatusReport& report) {
  if (report.emergency_department().state() == v1::EMERGENCY_DEPARTMENT_STATE_UNSPECIFIED) {
    return std::string(kNotReported);
  }
  if (report.emergency_department().has_expired_since()) {
    return absl::StrCat(EnumWord(report.emergency_department().state()), " EXPIRED (unconfirmed)");
  }
  return EnumWord(report.emergency_department().state());
}

std::string HumanDuration(absl::Duration duration) {
  if (duration < absl::Minutes(1)) return absl::StrCat(std::max<int64_t>(0, absl::ToInt64Seconds(duration)), " s");
  if (duration < absl::Hours(1)) return absl::StrCat(absl::ToInt64Minutes(duration), " min");
  if (duration < absl::Hours(24)) {
    const int64_t minutes = absl::ToInt64Minutes(duration);
    return minutes % 60 == 0 ? absl::StrCat(minutes / 60, " h")
                             : absl::StrCat(minutes / 60, " h ", minutes % 60, " min");
  }
  return absl::StrCat(absl::ToInt64Hours(duration) / 24, " d");
}

std::string FormatRelative(absl::Time at, absl::Time now) {
  // Within the second counts as past: "0 s ago", not "in 0 s".
  if (at - now < absl::Seconds(1)) return absl::StrCat(HumanDuration(now - at), " ago");
  return absl::StrCat("in ", HumanDuration(at - now));
}

std::string FormatEventLine(const v1::Event& event, absl::TimeZone zone) {
  std::vector<std::string> parts;
  parts.push_back(absl::StrCat("rev ", event.revision()));
  parts.push_back(event.has_commit_time() ? absl::FormatTime("%H:%M:%S", FromProtoTime(event.commit_time()), zone)
                                          : std::string(kNotReported));
  parts.push_back(event.record().name());
  parts.push_back(event.type() == v1::EVENT_TYPE_DELETE ? "DELETE" : event.type() == v1::EVENT_TYPE_PUT ? "PUT" : "?");
  const std::string summary = EventSummary(event, zone);
  if (!summary.empty()) parts.push_back(summary);
  return absl::StrJoin(parts, "  ");
}

std::string EventSummary(const v1::Event& event, absl::TimeZone zone) {
  if (event.type() != v1::EVENT_TYPE_PUT) return "";
  const v1::Record& record = event.record();
  const bool created = record.create_revision() != 0 && record.create_revision() == event.revision();
  const bool by_server = event.actor().role() == v1::ROLE_SYSTEM;
  std::string verb;
  std::string summary = RecordSummary(record);
  switch (record.entity_case()) {
    case v1::Record::kIncident:
      verb = record.incident().status() == v1::INCIDENT_STATUS_CLOSED ? "closed" : created ? "opened" : "updated";
      break;
    case v1::Record::kAlert: {
      const v1::Alert& alert = record.alert();
      // The event that recorded the deadline passing: committed by the server itself, at the moment it records.
      // (A later update or cancel still carries deadline_passed, but is not that event.)
      const bool deadline_event =
          alert.has_deadline_passed() &&
          (by_server || (event.has_commit_time() &&
                         FromProtoTime(event.commit_time()) == FromProtoTime(alert.deadline_passed().passed_at())));
      if (deadline_event) {
        const v1::DeadlinePassed& passed = alert.deadline_passed();
        verb = passed.unacknowledged_organization_ids().empty()
                   ? absl::StrCat("DEADLINE PASSED  all ", passed.audience_size(), " confirmed")
                   : absl::StrCat("DEADLINE PASSED  ", passed.unacknowledged_organization_ids_size(), " of ",
                                  passed.audience_size(),
                                  " not confirmed: ", absl::StrJoin(passed.unacknowledged_organization_ids(), ", "));
        summary = alert.headline();
      } else if (alert.status() == v1::ALERT_STATUS_CANCELLED) {
        verb = "cancelled";
      } else {
        verb = created ? "sent" : "updated";
      }
      break;
    }
    case v1::Record::kAcknowledgement:
      verb = "acknowledged";
      break;
    case v1::Record::kAssistanceRequest: {
      const v1::AssistanceRequest& request = record.assistance_request();
      if (created) {
        verb = "requested";
      } else if (request.status() == v1::ASSISTANCE_STATUS_OFFERED ||
                 request.status() == v1::ASSISTANCE_STATUS_ACCEPTED) {
        // What this event did: the newest offer or acceptance (a partly covered request takes both while ACCEPTED).
        // An acceptance stored before accepted_at existed was the request's last change, so it counts as newest.
        const v1::Offer* newest_offer = nullptr;
        const v1::Offer* newest_acceptance = nullptr;
        absl::Time offered = absl::InfinitePast();
        absl::Time accepted = absl::InfinitePast();
        for (const v1::Offer& offer : request.offers()) {
          if (newest_offer == nullptr || FromProtoTime(offer.offered_at()) >= offered) {
            newest_offer = &offer;
            offered = FromProtoTime(offer.offered_at());
          }
          if (offer.status() != v1::OFFER_STATUS_ACCEPTED) continue;
          const absl::Time at = offer.has_accepted_at() ? FromProtoTime(offer.accepted_at()) : absl::InfiniteFuture();
          if (newest_acceptance == nullptr || at >= accepted) {
            newest_acceptance = &offer;
            accepted = at;
          }
        }
        if (newest_acceptance != nullptr && accepted >= offered) {
          const int32_t taken = newest_acceptance->accepted_quantity();
          verb = absl::StrCat("accepted offer from ", newest_acceptance->organization_id(), " (",
                              taken > 0 && taken != newest_acceptance->quantity()
                                  ? absl::StrCat(taken, " of ", newest_acceptance->quantity())
                                  : absl::StrCat(newest_acceptance->quantity()),
                              ")");
        } else if (newest_offer != nullptr) {
          verb = absl::StrCat("offer from ", newest_offer->organization_id(), " (", newest_offer->quantity(), ")");
        } else {
          verb = EnumWord(request.status());
        }
      } else {
        verb = EnumWord(request.status());
      }
      break;
    }
    case v1::Record::kScenario:
      verb = "put";
      break;
    case v1::Record::kStatusReport:
      if (record.status_report().has_overdue_since()) {
        verb = absl::StrCat("OVERDUE since ",
                            absl::FormatTime("%H:%M", FromProtoTime(record.status_report().overdue_since()), zone));
        summary = absl::StrJoin(StatusReportParts(record.status_report()), "  ");
      } else if (!record.status_report().update_mask().paths().empty()) {
        // A partial report: say what it changed, the rest of the line is the report as it now stands.
        verb = absl::StrCat("updated ", absl::StrJoin(record.status_report().update_mask().paths(), ","));
      }
      break;
    default:
      break;
  }
  if (verb.empty()) return summary;
  if (summary.empty()) return verb;
  return absl::StrCat(verb, "  ", summary);
}

std::string IdentifiersText(const v1::StandardIdentifiers& identifiers) {
  std::vector<std::string> parts;
  if (!identifiers.agb().empty()) parts.push_back(absl::StrCat("AGB ", identifiers.agb()));
  if (!identifiers.ura().empty()) parts.push_back(absl::StrCat("URA ", identifiers.ura()));
  if (!identifiers.kvk_branch_number().empty()) {
    parts.push_back(absl::StrCat("KVK branch ", identifiers.kvk_branch_number()));
  }
  if (!identifiers.lrza().empty()) parts.push_back(absl::StrCat("LRZa ", identifiers.lrza()));
  return absl::StrJoin(parts, ", ");
}

std::string RecordSummary(const v1::Record& record) {
  if (record.has_exercise()) {
    const v1::Exercise& exercise = record.exercise();
    std::string summary =
        absl::StrCat(EnumWord(exercise.mode()), "  ", EnumWord(exercise.status()), "  ", exercise.title());
    if (exercise.status() == v1::EXERCISE_STATUS_PURGED) {
      absl::StrAppend(&summary, "  (", exercise.purged_records(), " records deleted)");
    }
    return summary;
  }
  if (record.has_notification()) {
    const v1::Notification& notification = record.notification();
    std::vector<std::string> parts = {
        EnumWord(notification.status()), EnumWord(notification.channel()),
        absl::StrCat("to ", notification.organization_id(), " (", notification.destination(), ")"),
        OneLine(notification.title(), 100)};
    if (notification.attempts() > 0) parts.push_back(absl::StrCat(notification.attempts(), " attempts"));
    if (!notification.last_error().empty()) parts.push_back(OneLine(notification.last_error(), 100));
    return absl::StrJoin(parts, "  ");
  }
  if (record.has_indicator()) {
    const v1::Indicator& indicator = record.indicator();
    std::vector<std::string> parts = {EnumWord(indicator.type()), indicator.label_en()};
    if (!indicator.unit().empty()) parts.push_back(absl::StrCat("(", indicator.unit(), ")"));
    if (indicator.retired()) parts.push_back("retired");
    return absl::StrJoin(parts, "  ");
  }
  if (record.has_escalation_task()) {
    const v1::EscalationTask& task = record.escalation_task();
    return absl::StrJoin({EnumWord(task.status()), OneLine(task.instruction(), 200)}, "  ");
  }
  if (record.has_sector_aggregate()) {
    const v1::SectorAggregate& aggregate = record.sector_aggregate();
    std::vector<std::string> parts = {aggregate.group(),
                                      absl::StrCat(aggregate.organizations_reporting(), " reporting")};
    if (aggregate.withheld_below_minimum()) {
      parts.push_back(absl::StrCat("withheld (fewer than ", aggregate.min_group_size(), ")"));
    } else if (aggregate.detail_withheld()) {
      parts.push_back("figures withheld");
    }
    for (const v1::AggregateBeds& beds : aggregate.beds()) {
      parts.push_back(absl::StrCat(EnumWord(beds.type()), " ",
                                   beds.has_available() ? absl::StrCat(beds.available()) : std::string(kNotReported),
                                   "/", beds.has_total() ? absl::StrCat(beds.total()) : std::string(kNotReported)));
    }
    for (const v1::AggregateDisruption& disruption : aggregate.disruptions()) {
      parts.push_back(absl::StrCat(EnumWord(disruption.type()), " ×", disruption.organizations()));
    }
    return absl::StrJoin(parts, "  ");
  }
  if (record.has_bed_reservation()) {
    const v1::BedReservation& reservation = record.bed_reservation();
    std::vector<std::string> parts = {
        EnumWord(reservation.state()),
        absl::StrCat("1 ", EnumWord(reservation.bed_type()), " bed at ", reservation.organization_id())};
    if (!reservation.reserved_by_organization_id().empty()) {
      parts.push_back(absl::StrCat("for ", reservation.reserved_by_organization_id()));
    }
    if (!reservation.patient_reference().empty()) parts.push_back(OneLine(reservation.patient_reference(), 100));
    return absl::StrJoin(parts, "  ");
  }
  if (record.has_organization()) {
    const v1::Organization& organization = record.organization();
    std::vector<std::string> parts = {EnumWord(organization.kind()), organization.safety_region(), organization.name()};
    if (std::string identifiers = IdentifiersText(organization.identifiers()); !identifiers.empty()) {
      parts.push_back(std::move(identifiers));
    }
    return absl::StrJoin(parts, "  ");
  }
  if (record.has_status_report()) {
    std::vector<std::string> parts = StatusReportParts(record.status_report());
    if (record.status_report().has_overdue_since()) parts.insert(parts.begin(), "OVERDUE");
    return absl::StrJoin(parts, "  ");
  }
  if (record.has_incident()) {
    const v1::Incident& incident = record.incident();
    std::vector<std::string> parts = {incident.scale_up_level(), EnumWord(incident.status()), incident.type(),
                                      incident.title()};
    if (incident.has_casualties() && CasualtySummary(incident.casualties()) != kNotReported) {
      parts.push_back(CasualtySummary(incident.casualties()));
    }
    return absl::StrJoin(parts, "  ");
  }
  if (record.has_situation_entry()) {
    const v1::SituationEntry& entry = record.situation_entry();
    return absl::StrCat(SituationLayerLabel(entry.layer()), "  ", entry.author(), ": ", OneLine(entry.text(), 100));
  }
  if (record.has_alert()) {
    const v1::Alert& alert = record.alert();
    std::vector<std::string> parts = {
        EnumWord(alert.status()), absl::StrCat("v", alert.version()),
        absl::StrCat(EnumWord(alert.severity()), "/", EnumWord(alert.urgency()), "/", EnumWord(alert.certainty())),
        alert.headline()};
    if (alert.has_deadline_passed() && !alert.deadline_passed().unacknowledged_organization_ids().empty()) {
      parts.push_back(absl::StrCat("not confirmed by ", alert.deadline_passed().unacknowledged_organization_ids_size(),
                                   " of ", alert.deadline_passed().audience_size(), " at the deadline"));
    }
    return absl::StrJoin(parts, "  ");
  }
  if (record.has_acknowledgement()) {
    const v1::Acknowledgement& acknowledgement = record.acknowledgement();
    std::vector<std::string> parts = {
        absl::StrCat("by ", acknowledgement.organization_id(), " (alert v", acknowledgement.alert_version(), ")")};
    if (acknowledgement.late()) parts.push_back("LATE");
    if (!acknowledgement.comment().empty()) parts.push_back(OneLine(acknowledgement.comment(), 100));
    return absl::StrJoin(parts, "  ");
  }
  if (record.has_assistance_request()) {
    const v1::AssistanceRequest& request = record.assistance_request();
    std::vector<std::string> parts = {EnumWord(request.status()), AssistanceWhat(request),
                                      absl::StrCat("for ", request.organization_id())};
    if (request.offers_size() > 0) {
      int64_t offered = 0;
      for (const v1::Offer& offer : request.offers()) offered += offer.quantity();
      parts.push_back(absl::StrCat(request.offers_size(), request.offers_size() == 1 ? " offer" : " offers", " (",
                                   offered, " offered)"));
    }
    if (request.status() == v1::ASSISTANCE_STATUS_ACCEPTED) {
      parts.push_back(absl::StrCat(AssistanceCoverage(request), " accepted"));
    }
    if (request.has_delivered_quantity()) parts.push_back(absl::StrCat(request.delivered_quantity(), " delivered"));
    if (!request.incident_id().empty()) parts.push_back(absl::StrCat("incident ", request.incident_id()));
    return absl::StrJoin(parts, "  ");
  }
  if (record.has_scenario()) {
    const v1::Scenario& scenario = record.scenario();
    return absl::StrCat(scenario.safety_region(), "  ", scenario.name(), "  ", scenario.capacity_size(),
                        " capacity needs, ", scenario.supplies_size(), " supply needs");
  }
  return "";
}

std::string FormatDue(absl::Time due, absl::Time now) {
  const std::string relative = FormatRelative(due, now);
  return due <= now ? absl::StrCat("due ", relative) : relative;
}

std::string ReportDue(const v1::StatusReport& report, absl::Time now) {
  if (report.has_overdue_since())
    return absl::StrCat("OVERDUE ", HumanDuration(now - FromProtoTime(report.overdue_since())));
  if (report.has_next_report_due()) return FormatDue(FromProtoTime(report.next_report_due()), now);
  return std::string(kNotReported);
}

std::string SituationLayerLabel(v1::SituationLayer layer) {
  switch (layer) {
    case v1::SITUATION_LAYER_PICTURE:
      return "picture (beeld)";
    case v1::SITUATION_LAYER_ASSESSMENT:
      return "assessment (oordeel)";
    case v1::SITUATION_LAYER_DECISION:
      return "decision (besluit)";
    default:
      return EnumWord(layer);
  }
}

std::string CasualtySummary(const v1::CasualtyEstimate& casualties) {
  if (!casualties.has_t1() && !casualties.has_t2() && !casualties.has_t3() && !casualties.has_dead()) {
    return std::string(kNotReported);
  }
  return absl::StrCat("T1 ", OptionalCount(casualties.has_t1(), casualties.t1()), " T2 ",
                      OptionalCount(casualties.has_t2(), casualties.t2()), " T3 ",
                      OptionalCount(casualties.has_t3(), casualties.t3()), " dead ",
                      OptionalCount(casualties.has_dead(), casualties.dead()));
}

std::string AssistanceWhat(const v1::AssistanceRequest& request) {
  if (request.type() == v1::ASSISTANCE_TYPE_BEDS) {
    return absl::StrCat(request.quantity(), " × ",
                        request.bed_type() == v1::BED_TYPE_UNSPECIFIED ? "" : EnumWord(request.bed_type()) + " ",
                        "beds");
  }
  std::string what = EnumWord(request.type());
  if (request.staff_discipline() != v1::STAFF_DISCIPLINE_UNSPECIFIED) {
    absl::StrAppend(&what, " (", EnumWord(request.staff_discipline()), ")");
  }
  if (request.fuel_type() != v1::FUEL_TYPE_UNSPECIFIED)
    absl::StrAppend(&what, " (", EnumWord(request.fuel_type()), ")");
  // Pieces read best as a count ("1 × generator"); so do requests stored before units existed.
  if (request.unit() == v1::QUANTITY_UNIT_UNSPECIFIED || request.unit() == v1::QUANTITY_UNIT_PIECES) {
    return absl::StrCat(request.quantity(), " × ", what);
  }
  return absl::StrCat(request.quantity(), " ", EnumWord(request.unit()), " ", what);
}

std::string AssistanceCoverage(const v1::AssistanceRequest& request) {
  int32_t accepted = request.accepted_quantity();
  if (accepted == 0) {
    // Stored before accepted quantities: an accepted offer then covered the whole request (assistance.proto).
    for (const v1::Offer& offer : request.offers()) {
      if (offer.status() == v1::OFFER_STATUS_ACCEPTED) accepted = request.quantity();
    }
  }
  return absl::StrCat(accepted, "/", request.quantity());
}

std::string RenderPictureTable(const std::vector<v1::Record>& records, absl::Time now) {
  struct Row {
    const v1::Organization* organization = nullptr;
    const v1::Record* report = nullptr;                         // The report for the organisation as a whole.
    std::map<std::string, const v1::Record*> location_reports;  // By location id.
  };
  std::map<std::string, Row> rows;  // By organisation id: the table is in id order.
  for (const v1::Record& record : records) {
    if (record.has_organization()) {
      rows[record.organization().id()].organization = &record.organization();
    } else if (record.has_status_report()) {
      const v1::StatusReport& report = record.status_report();
      Row& row = rows[report.organization_id()];
      if (report.location_id().empty()) {
        row.report = &record;
      } else {
        row.location_reports[report.location_id()] = &record;
      }
    }
  }

  TextTable table({"ORGANISATION", "NAME", "KIND", "REGION", "STATUS", "DISRUPTIONS", "CAPACITY (free/total)", "ED",
                   "REPORTED", "NEXT DUE"});
  auto status_cells = [&](const v1::Record* record, std::vector<std::string>* cells) {
    if (record == nullptr) {
      for (int i = 0; i < 6; ++i) cells->emplace_back(kNotReported);
      return;
    }
    const v1::StatusReport& report = record->status_report();
    // An intake stop decides where clients can go: beside the status, where it is seen first.
    cells->push_back(report.intake_stop().state() == v1::INTAKE_STOP_STATE_ACTIVE
                         ? absl::StrCat(OverallStatusWord(report), " ", IntakeStopSummary(report))
                         : OverallStatusWord(report));
    cells->push_back(ActiveDisruptions(report));
    cells->push_back(KeyCapacity(report));
    cells->push_back(report.emergency_department().state() == v1::EMERGENCY_DEPARTMENT_STATE_UNSPECIFIED &&
                             report.gp_post().state() != v1::GP_POST_STATE_UNSPECIFIED
                         ? absl::StrCat("GP post ", GpPostSummary(report))
                         : EmergencyDepartmentSummary(report));
    if (report.has_commit_time()) {
      cells->push_back(FormatRelative(FromProtoTime(report.commit_time()), now));
    } else if (record->has_update_time()) {
      cells->push_back(FormatRelative(FromProtoTime(record->update_time()), now));
    } else {
      cells->emplace_back(kNotReported);
    }
    cells->push_back(ReportDue(report, now));
  };
  for (const auto& [id, row] : rows) {
    std::vector<std::string> cells = {id};
    if (row.organization != nullptr) {
      cells.push_back(row.organization->name());
      cells.push_back(EnumWord(row.organization->kind()));
      cells.push_back(row.organization->safety_region().empty() ? std::string(kNotReported)
                                                                : row.organization->safety_region());
    } else {
      cells.insert(cells.end(), 3, std::string(kNotReported));
    }
    status_cells(row.report, &cells);
    table.AddRow(std::move(cells));
    for (const auto& [location_id, record] : row.location_reports) {
      std::string location_name(kNotReported);
      if (row.organization != nullptr) {
        for (const v1::Location& location : row.organization->locations()) {
          if (location.id() == location_id) location_name = location.name();
        }
      }
      std::vector<std::string> location_cells = {absl::StrCat("  └ ", location_id), location_name, "", ""};
      status_cells(record, &location_cells);
      table.AddRow(std::move(location_cells));
    }
  }
  return table.Render();
}

std::string DescribeRecord(const v1::Record& record, absl::TimeZone zone) {
  std::string out = absl::StrCat(record.name(), "  (", EnumWord(record.kind()), ", created at revision ",
                                 record.create_revision(), ", changed at revision ", record.mod_revision());
  if (record.has_update_time()) {
    absl::StrAppend(&out, " on ", absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", FromProtoTime(record.update_time()), zone));
  }
  if (!record.updated_by().organization_id().empty() || !record.updated_by().subject().empty()) {
    absl::StrAppend(&out, " by ",
                    record.updated_by().organization_id().empty() ? record.updated_by().subject()
                                                                  : record.updated_by().organization_id());
    if (record.updated_by().role() != v1::ROLE_UNSPECIFIED) {
      absl::StrAppend(&out, " (", EnumWord(record.updated_by().role()), ")");
    }
  }
  absl::StrAppend(&out, ")\n");
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);  // Dutch names stay readable ("Zorgcontinuïteit", not octal escapes).
  // Whichever entity the record holds, found by reflection so that entity kinds added to the API print too.
  const google::protobuf::OneofDescriptor* entity_oneof = record.GetDescriptor()->FindOneofByName("entity");
  const google::protobuf::FieldDescriptor* entity_field =
      entity_oneof == nullptr ? nullptr : record.GetReflection()->GetOneofFieldDescriptor(record, entity_oneof);
  if (entity_field != nullptr && entity_field->message_type() != nullptr) {
    std::string entity;
    printer.PrintToString(record.GetReflection()->GetMessage(record, entity_field), &entity);
    absl::StrAppend(&out, entity);
  }
  return out;
}

std::string ToJson(const google::protobuf::Message& message, bool multiline) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = multiline;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) {
    return "{}";  // Only on a message with unresolvable Any types, which the API does not use.
  }
  if (multiline && !json.empty() && json.back() == '\n') json.pop_back();
  return json;
}

}  // namespace ketenbeeld::cli
