#include "client/cli/workflow_format.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/time.h"
#include "client/cli/enum_words.h"
#include "client/cli/format.h"

namespace ketenbeeld::cli {
namespace {

std::string OrDash(const std::string& text) { return text.empty() ? std::string(kNotReported) : text; }

std::string Age(const google::protobuf::Timestamp& timestamp, bool has, absl::Time now) {
  return has ? FormatRelative(FromProtoTime(timestamp), now) : std::string(kNotReported);
}

std::string ClockTime(const google::protobuf::Timestamp& timestamp, absl::TimeZone zone) {
  return absl::FormatTime("%Y-%m-%d %H:%M", FromProtoTime(timestamp), zone);
}

std::string AreaSummary(const v1::Area& area) {
  std::vector<std::string> parts;
  if (!area.description().empty()) parts.push_back(area.description());
  if (area.has_center()) {
    std::string center = absl::StrFormat("%.4f,%.4f", area.center().latitude(), area.center().longitude());
    if (area.has_radius_km()) absl::StrAppend(&center, absl::StrFormat(" r %g km", area.radius_km()));
    parts.push_back(center);
  }
  if (area.polygons_size() > 0) {
    std::vector<int> sizes;
    for (const v1::Polygon& polygon : area.polygons()) sizes.push_back(polygon.points_size());
    parts.push_back(absl::StrCat(area.polygons_size(), area.polygons_size() == 1 ? " polygon (" : " polygons (",
                                 absl::StrJoin(sizes, ", "), " points)"));
  }
  if (area.postcodes_size() > 0) parts.push_back(absl::StrCat("PC4 ", absl::StrJoin(area.postcodes(), ",")));
  if (area.municipality_codes_size() > 0) parts.push_back(absl::StrJoin(area.municipality_codes(), ","));
  return parts.empty() ? std::string(kNotReported) : absl::StrJoin(parts, " @ ");
}

// A request stored before priorities existed reads as normal (assistance.proto).
std::string PriorityWord(const v1::AssistanceRequest& request) {
  return EnumWord(request.priority() == v1::ASSISTANCE_PRIORITY_UNSPECIFIED ? v1::ASSISTANCE_PRIORITY_NORMAL
                                                                            : request.priority());
}

// "vvt-oost 4 (accepted)", "defensie 2000 (1000 accepted)", "vvt-zuid 6".
std::string OfferPill(const v1::Offer& offer) {
  if (offer.status() != v1::OFFER_STATUS_ACCEPTED) return absl::StrCat(offer.organization_id(), " ", offer.quantity());
  if (offer.accepted_quantity() > 0 && offer.accepted_quantity() != offer.quantity()) {
    return absl::StrCat(offer.organization_id(), " ", offer.quantity(), " (", offer.accepted_quantity(), " accepted)");
  }
  return absl::StrCat(offer.organization_id(), " ", offer.quantity(), " (accepted)");
}

// "location main, Wilhelminalaan 12 @ 52.6300,4.7500 (Tank achterzijde)"; "—" without a delivery.
std::string DeliverySummary(const v1::AssistanceRequest& request) {
  if (!request.has_delivery()) return std::string(kNotReported);
  const v1::DeliveryLocation& delivery = request.delivery();
  std::vector<std::string> parts;
  if (!delivery.location_id().empty()) parts.push_back("location " + delivery.location_id());
  if (!delivery.address().empty()) parts.push_back(delivery.address());
  std::string out = absl::StrJoin(parts, ", ");
  if (delivery.has_coordinates()) {
    absl::StrAppend(
        &out, out.empty() ? "" : " @ ",
        absl::StrFormat("%.4f,%.4f", delivery.coordinates().latitude(), delivery.coordinates().longitude()));
  }
  if (!delivery.instructions().empty()) absl::StrAppend(&out, " (", delivery.instructions(), ")");
  return out.empty() ? std::string(kNotReported) : out;
}

std::string AcknowledgementDeadline(const v1::Alert& alert, absl::Time now) {
  if (alert.has_deadline_passed()) {
    const v1::DeadlinePassed& passed = alert.deadline_passed();
    if (passed.unacknowledged_organization_ids().empty()) {
      return absl::StrCat("passed: all ", passed.audience_size(), " confirmed");
    }
    return absl::StrCat("PASSED: ", passed.unacknowledged_organization_ids_size(), " of ", passed.audience_size(),
                        " not confirmed");
  }
  if (!alert.has_acknowledge_by()) return "no deadline";
  return FormatDue(FromProtoTime(alert.acknowledge_by()), now);
}

std::string CapacityNeed(const v1::CapacityRequirement& need) {
  std::string text = absl::StrCat(EnumWord(need.bed_type()), " ", need.quantity());
  if (need.sector() != v1::SECTOR_UNSPECIFIED) absl::StrAppend(&text, " (", EnumWord(need.sector()), ")");
  return text;
}

// "2 (a, b)" — a count with the names, shortened after `max_names`.
std::string CountWithNames(const google::protobuf::RepeatedPtrField<std::string>& names, size_t max_names = 5) {
  if (names.empty()) return "0";
  std::vector<std::string> shown(names.begin(), names.begin() + std::min<size_t>(names.size(), max_names));
  if (static_cast<size_t>(names.size()) > max_names) shown.push_back("…");
  return absl::StrCat(names.size(), " (", absl::StrJoin(shown, ", "), ")");
}

constexpr absl::string_view kWithheld = "withheld";

bool WithholdsFigure(const google::protobuf::RepeatedField<int>& withheld, v1::CapacityFigure figure) {
  return std::find(withheld.begin(), withheld.end(), figure) != withheld.end();
}

// "3", or "3 +2 stale": organisations whose stale figures are counted apart, in none of the sums.
std::string StaleApart(int32_t reported, int32_t stale) {
  if (stale == 0) return absl::StrCat(reported);
  return absl::StrCat(reported, " +", stale, " stale");
}

}  // namespace

std::string RenderIncidentTable(const std::vector<v1::Record>& incidents, absl::Time now) {
  TextTable table({"INCIDENT", "LEVEL", "STATUS", "TYPE", "TITLE", "REGION", "AREA", "CASUALTIES", "OPENED"});
  for (const v1::Record& record : incidents) {
    if (!record.has_incident()) continue;
    const v1::Incident& incident = record.incident();
    table.AddRow({incident.id(), OrDash(incident.scale_up_level()), EnumWord(incident.status()),
                  OrDash(incident.type()), incident.title(), OrDash(incident.safety_region()),
                  AreaSummary(incident.area()), CasualtySummary(incident.casualties()),
                  Age(incident.opened_at(), incident.has_opened_at(), now)});
  }
  return table.Render();
}

std::string RenderIncident(const v1::Record& record, std::vector<v1::Record> entries, absl::TimeZone zone,
                           absl::Time now) {
  const v1::Incident& incident = record.incident();
  std::string out = absl::StrCat(incident.id(), ": ", incident.title(), "\n");
  const std::pair<const char*, std::string> lines[] = {
      {"type", OrDash(incident.type())},
      {"level", OrDash(incident.scale_up_level())},
      {"status", EnumWord(incident.status())},
      {"region", OrDash(incident.safety_region())},
      {"area", AreaSummary(incident.area())},
      {"affected", incident.affected_organization_ids().empty()
                       ? std::string(kNotReported)
                       : absl::StrJoin(incident.affected_organization_ids(), ", ")},
      {"in area", incident.computed_affected_organization_ids().empty()
                      ? std::string(kNotReported)
                      : absl::StrJoin(incident.computed_affected_organization_ids(), ", ")},
      {"casualties", CasualtySummary(incident.casualties())},
      {"opened", incident.has_opened_at() ? absl::StrCat(ClockTime(incident.opened_at(), zone), " (",
                                                         Age(incident.opened_at(), true, now), ")")
                                          : std::string(kNotReported)},
      {"closed", incident.has_closed_at() ? ClockTime(incident.closed_at(), zone) : std::string(kNotReported)},
      {"revision", absl::StrCat(record.mod_revision())},
  };
  for (const auto& [label, value] : lines) absl::StrAppend(&out, "  ", absl::StrFormat("%-11s", label), value, "\n");

  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [&](const v1::Record& entry) {
                                 return !entry.has_situation_entry() ||
                                        entry.situation_entry().incident_id() != incident.id();
                               }),
                entries.end());
  std::sort(entries.begin(), entries.end(), [](const v1::Record& a, const v1::Record& b) {
    return a.situation_entry().sequence() < b.situation_entry().sequence();
  });
  absl::StrAppend(&out, "\nsituation log (", entries.size(), entries.size() == 1 ? " entry" : " entries", ")\n");
  if (entries.empty()) return out;
  TextTable table({"SEQ", "TIME", "LAYER", "AUTHOR", "TEXT"});
  table.AlignRight(0);
  for (const v1::Record& record_entry : entries) {
    const v1::SituationEntry& entry = record_entry.situation_entry();
    table.AddRow({absl::StrCat(entry.sequence()),
                  entry.has_commit_time() ? ClockTime(entry.commit_time(), zone) : std::string(kNotReported),
                  SituationLayerLabel(entry.layer()), entry.author(), entry.text()});
  }
  absl::StrAppend(&out, table.Render());
  return out;
}

std::string AudienceSummary(const v1::Audience& audience) {
  std::vector<std::string> parts;
  if (!audience.safety_regions().empty()) parts.push_back(absl::StrJoin(audience.safety_regions(), ","));
  if (!audience.sectors().empty()) {
    std::vector<std::string> words;
    for (int sector : audience.sectors()) words.push_back(EnumWord(*v1::Sector_descriptor(), sector));
    parts.push_back(absl::StrJoin(words, ","));
  }
  if (!audience.kinds().empty()) {
    std::vector<std::string> words;
    for (int kind : audience.kinds()) words.push_back(EnumWord(*v1::OrganizationKind_descriptor(), kind));
    parts.push_back(absl::StrJoin(words, ","));
  }
  if (!audience.organization_ids().empty()) parts.push_back(absl::StrJoin(audience.organization_ids(), ","));
  if (audience.incident_area()) {
    parts.push_back(absl::StrCat("incident area (", audience.incident_area_organization_ids_size(), ")"));
  }
  if (audience.has_area()) {
    parts.push_back(absl::StrCat(audience.area().description().empty() ? "own area" : audience.area().description(),
                                 " (", audience.area_organization_ids_size(), ")"));
  }
  return parts.empty() ? "everyone" : absl::StrJoin(parts, "; ");
}

std::string RenderAlertTable(const std::vector<v1::Record>& alerts, absl::Time now) {
  TextTable table({"ALERT", "STATUS", "V", "SEVERITY/URGENCY/CERTAINTY", "HEADLINE", "AUDIENCE", "CONFIRM BY"});
  table.AlignRight(2);
  for (const v1::Record& record : alerts) {
    if (!record.has_alert()) continue;
    const v1::Alert& alert = record.alert();
    table.AddRow(
        {alert.id(), EnumWord(alert.status()), absl::StrCat(alert.version()),
         absl::StrCat(EnumWord(alert.severity()), "/", EnumWord(alert.urgency()), "/", EnumWord(alert.certainty())),
         alert.headline(), AudienceSummary(alert.audience()), AcknowledgementDeadline(alert, now)});
  }
  return table.Render();
}

std::string RenderAlertAcknowledgements(const v1::AlertAcknowledgements& acknowledgements, absl::TimeZone zone,
                                        absl::Time now) {
  const v1::Alert& alert = acknowledgements.alert();
  std::string out = absl::StrCat(alert.id(), " (v", alert.version(), ", ", EnumWord(alert.status()),
                                 "): ", alert.headline(), "\n  audience: ", AudienceSummary(alert.audience()),
                                 "\n  confirm by: ", AcknowledgementDeadline(alert, now));
  if (alert.has_acknowledge_by()) absl::StrAppend(&out, " (", ClockTime(alert.acknowledge_by(), zone), ")");
  absl::StrAppend(&out, "\n\n");
  TextTable table({"ORGANISATION", "CONFIRMED", "VERSION", "COMMENT"});
  std::vector<v1::Acknowledgement> confirmed(acknowledgements.acknowledgements().begin(),
                                             acknowledgements.acknowledgements().end());
  std::sort(confirmed.begin(), confirmed.end(), [](const v1::Acknowledgement& a, const v1::Acknowledgement& b) {
    return a.organization_id() < b.organization_id();
  });
  for (const v1::Acknowledgement& acknowledgement : confirmed) {
    std::string when =
        acknowledgement.has_acknowledged_at() ? ClockTime(acknowledgement.acknowledged_at(), zone) : std::string("yes");
    if (acknowledgement.late()) absl::StrAppend(&when, " LATE");
    table.AddRow({acknowledgement.organization_id(), when, absl::StrCat("v", acknowledgement.alert_version()),
                  acknowledgement.comment()});
  }
  for (const std::string& organization_id : acknowledgements.unacknowledged_organization_ids()) {
    table.AddRow({organization_id, "NOT CONFIRMED", "", ""});
  }
  absl::StrAppend(&out, table.Render());
  const int64_t audience = acknowledgements.audience_size();
  const int64_t unconfirmed = acknowledgements.unacknowledged_organization_ids_size();
  absl::StrAppend(&out, audience - unconfirmed, " of ", audience, " confirmed");
  if (unconfirmed > 0) absl::StrAppend(&out, "; not confirmed: ", unconfirmed);
  absl::StrAppend(&out, " (revision ", acknowledgements.revision(), ")\n");
  return out;
}

std::string RenderRequestTable(const std::vector<v1::Record>& requests, absl::Time now) {
  TextTable table(
      {"REQUEST", "STATUS", "WHAT", "FOR", "NEEDED BY", "OFFERS", "INCIDENT", "REQUESTED", "PRIORITY", "ACCEPTED"});
  for (const v1::Record& record : requests) {
    if (!record.has_assistance_request()) continue;
    const v1::AssistanceRequest& request = record.assistance_request();
    std::vector<std::string> offers;
    for (const v1::Offer& offer : request.offers()) offers.push_back(OfferPill(offer));
    table.AddRow(
        {request.id(), EnumWord(request.status()), AssistanceWhat(request), request.organization_id(),
         request.has_needed_by() ? FormatDue(FromProtoTime(request.needed_by()), now) : std::string(kNotReported),
         offers.empty() ? std::string(kNotReported) : absl::StrJoin(offers, ", "), OrDash(request.incident_id()),
         Age(request.requested_at(), request.has_requested_at(), now), PriorityWord(request),
         AssistanceCoverage(request)});
  }
  return table.Render();
}

std::string RenderRequest(const v1::Record& record, absl::TimeZone zone, absl::Time now) {
  const v1::AssistanceRequest& request = record.assistance_request();
  std::string out = absl::StrCat(request.id(), ": ", AssistanceWhat(request), " for ", request.organization_id(), "\n");
  const std::pair<const char*, std::string> lines[] = {
      {"status", EnumWord(request.status())},
      {"needed by", request.has_needed_by() ? absl::StrCat(ClockTime(request.needed_by(), zone), " (",
                                                           FormatDue(FromProtoTime(request.needed_by()), now), ")")
                                            : std::string(kNotReported)},
      {"priority", PriorityWord(request)},
      {"accepted", absl::StrCat(AssistanceCoverage(request),
                                request.unit() == v1::QUANTITY_UNIT_UNSPECIFIED ? "" : " " + EnumWord(request.unit()))},
      {"delivered",
       request.has_delivered_quantity() ? absl::StrCat(request.delivered_quantity()) : std::string(kNotReported)},
      {"deliver to", DeliverySummary(request)},
      {"incident", OrDash(request.incident_id())},
      {"requested", request.has_requested_at() ? ClockTime(request.requested_at(), zone) : std::string(kNotReported)},
      {"description", OrDash(request.description())},
      {"revision", absl::StrCat(record.mod_revision())},
  };
  for (const auto& [label, value] : lines) absl::StrAppend(&out, "  ", absl::StrFormat("%-12s", label), value, "\n");
  absl::StrAppend(&out, "\noffers (", request.offers_size(), ")\n");
  if (request.offers().empty()) return out;
  TextTable table({"ORGANISATION", "QUANTITY", "STATUS", "ACCEPTED", "DELIVERED", "OFFERED", "COMMENT"});
  table.AlignRight(1);
  table.AlignRight(3);
  table.AlignRight(4);
  for (const v1::Offer& offer : request.offers()) {
    const int32_t accepted = offer.accepted_quantity() > 0 ? offer.accepted_quantity() : offer.quantity();
    table.AddRow({offer.organization_id(), absl::StrCat(offer.quantity()), EnumWord(offer.status()),
                  offer.status() == v1::OFFER_STATUS_ACCEPTED ? absl::StrCat(accepted) : std::string(kNotReported),
                  offer.has_delivered_quantity() ? absl::StrCat(offer.delivered_quantity()) : std::string(kNotReported),
                  offer.has_offered_at() ? ClockTime(offer.offered_at(), zone) : std::string(kNotReported),
                  offer.comment()});
  }
  absl::StrAppend(&out, table.Render());
  return out;
}

std::string RenderScenarioTable(const std::vector<v1::Record>& scenarios) {
  TextTable table({"SCENARIO", "REGION", "NAME", "CAPACITY NEEDED", "SUPPLIES NEEDED"});
  for (const v1::Record& record : scenarios) {
    if (!record.has_scenario()) continue;
    const v1::Scenario& scenario = record.scenario();
    std::vector<std::string> needs;
    for (const v1::CapacityRequirement& need : scenario.capacity()) needs.push_back(CapacityNeed(need));
    std::vector<std::string> supplies;
    for (const v1::SupplyRequirement& supply : scenario.supplies()) {
      supplies.push_back(absl::StrFormat("%s ≥ %g d", EnumWord(supply.type()), supply.min_days_of_supply()));
    }
    table.AddRow({scenario.id(), scenario.safety_region(), scenario.name(),
                  needs.empty() ? std::string(kNotReported) : absl::StrJoin(needs, ", "),
                  supplies.empty() ? std::string(kNotReported) : absl::StrJoin(supplies, ", ")});
  }
  return table.Render();
}

std::string RenderGapReport(const v1::GapReport& report, absl::TimeZone zone) {
  std::string out = absl::StrCat("gap report of scenario ", report.scenario_id(), " (", report.safety_region(),
                                 ") at revision ", report.revision());
  if (report.has_computed_at()) absl::StrAppend(&out, ", ", ClockTime(report.computed_at(), zone));
  // Across regions (a ROAZ server): which regions were counted, and those whose source is stale.
  if (report.safety_regions_size() > 1 ||
      (report.safety_regions_size() == 1 && report.safety_regions(0) != report.safety_region())) {
    absl::StrAppend(&out, "\ncounted regions: ", absl::StrJoin(report.safety_regions(), ","));
  }
  if (!report.stale_regions().empty()) {
    absl::StrAppend(&out, "\nSTALE sources (figures as last received): ", absl::StrJoin(report.stale_regions(), ","));
  }
  absl::StrAppend(&out, "\n\n");

  TextTable capacity(
      {"TYPE", "SECTOR", "REQUIRED", "AVAILABLE", "SURGE 24H", "SHORTFALL", "AFTER SURGE", "REPORTED", "NOT REPORTED"});
  for (size_t column = 2; column <= 7; ++column) capacity.AlignRight(column);
  int64_t rows_with_gaps_in_reporting = 0;
  for (const v1::CapacityGap& gap : report.capacity()) {
    const bool nobody_reported = gap.organizations_reported() == 0;
    const bool some_not_reported = gap.organizations_not_reported() > 0;
    if (some_not_reported) ++rows_with_gaps_in_reporting;
    // A sum of too few organisations for this reader (docs/security.md) is "withheld", never 0 or "—".
    const bool available_withheld = WithholdsFigure(gap.withheld_figures(), v1::CAPACITY_FIGURE_AVAILABLE);
    const bool surge_withheld = WithholdsFigure(gap.withheld_figures(), v1::CAPACITY_FIGURE_SURGE_24H);
    // A shortfall computed without everybody's figures may be overstated: mark it.
    const std::string mark = some_not_reported ? " *" : "";
    const auto figure = [&](bool withheld, int64_t value) {
      return withheld ? std::string(kWithheld) : nobody_reported ? std::string(kNotReported) : absl::StrCat(value);
    };
    capacity.AddRow({EnumWord(gap.bed_type()), gap.sector() == v1::SECTOR_UNSPECIFIED ? "any" : EnumWord(gap.sector()),
                     absl::StrCat(gap.required()), figure(available_withheld, gap.available()),
                     figure(surge_withheld, gap.surge_24h()),
                     available_withheld ? std::string(kWithheld) : absl::StrCat(gap.shortfall(), mark),
                     available_withheld || surge_withheld ? std::string(kWithheld)
                                                          : absl::StrCat(gap.shortfall_after_surge(), mark),
                     StaleApart(gap.organizations_reported(), gap.organizations_stale()),
                     some_not_reported ? absl::StrCat(gap.organizations_not_reported(), " NOT REPORTED") : "0"});
  }
  if (report.capacity().empty()) {
    absl::StrAppend(&out, "capacity: the scenario names no capacity needs\n");
  } else {
    absl::StrAppend(&out, "capacity\n", capacity.Render());
    if (rows_with_gaps_in_reporting > 0) {
      absl::StrAppend(&out,
                      "* not every organisation reported this type; not reported is not zero, so the shortfall may be "
                      "overstated (— = nobody reported)\n");
    }
  }

  if (!report.supplies().empty()) {
    TextTable supplies({"SUPPLY", "MIN DAYS", "SHORT", "REPORTED", "NOT REPORTED"});
    supplies.AlignRight(1);
    supplies.AlignRight(3);
    for (const v1::SupplyGap& gap : report.supplies()) {
      supplies.AddRow({EnumWord(gap.type()), absl::StrFormat("%g", gap.min_days_of_supply()),
                       gap.figures_withheld()              ? std::string(kWithheld)
                       : gap.organizations_reported() == 0 ? std::string(kNotReported)
                       : gap.short_organization_ids().empty()
                           ? absl::StrCat(gap.organizations_short())  // A reader who is not told which organisations.
                           : CountWithNames(gap.short_organization_ids()),
                       absl::StrCat(gap.organizations_reported()),
                       gap.organizations_not_reported() > 0
                           ? absl::StrCat(gap.organizations_not_reported(), " NOT REPORTED")
                           : "0"});
    }
    absl::StrAppend(&out, "\nsupplies\n", supplies.Render());
  }
  return out;
}

std::string RenderCapacityOverview(const v1::CapacityOverview& overview, absl::Time now) {
  TextTable table({"REGION", "SECTOR", "TYPE", "AVAILABLE", "OCCUPIED", "BASELINE", "SURGE 24H", "SURGE 72H",
                   "ORGS REPORTED", "NEWEST", "OLDEST"});
  for (size_t column = 3; column <= 8; ++column) table.AlignRight(column);
  // A sum nobody reported a figure for is "—", never 0; one of too few organisations for this reader "withheld".
  for (const v1::CapacityTotal& total : overview.totals()) {
    const auto sum = [&](v1::CapacityFigure figure, bool reported, int64_t value) {
      if (WithholdsFigure(total.withheld_figures(), figure)) return std::string(kWithheld);
      return reported ? absl::StrCat(value) : std::string("—");
    };
    // Federation: a region whose source is stale, and a source region's sector aggregate (never one organisation).
    table.AddRow({absl::StrCat(total.safety_region(), total.source_stale() ? " STALE" : ""), EnumWord(total.sector()),
                  absl::StrCat(EnumWord(total.bed_type()), total.aggregate() ? " (aggregate)" : ""),
                  sum(v1::CAPACITY_FIGURE_AVAILABLE, total.has_available(), total.available()),
                  sum(v1::CAPACITY_FIGURE_OCCUPIED, total.has_occupied(), total.occupied()),
                  sum(v1::CAPACITY_FIGURE_BASELINE, total.has_baseline(), total.baseline()),
                  sum(v1::CAPACITY_FIGURE_SURGE_24H, total.has_surge_24h(), total.surge_24h()),
                  sum(v1::CAPACITY_FIGURE_SURGE_72H, total.has_surge_72h(), total.surge_72h()),
                  StaleApart(total.organizations_reported(), total.organizations_stale()),
                  Age(total.newest_report(), total.has_newest_report(), now),
                  Age(total.oldest_report(), total.has_oldest_report(), now)});
  }
  std::string out = absl::StrCat(table.Render(), overview.totals_size(), " totals at revision ", overview.revision(),
                                 " (sums over the organisations that reported each figure; — = nobody reported it)\n");
  // Federation (a ROAZ or national server): when each source region was last heard from.
  for (const v1::UpstreamFreshness& source : overview.sources()) {
    absl::StrAppend(&out, "source ", source.safety_region(), ": ",
                    source.has_last_heard() ? absl::StrCat("heard ", Age(source.last_heard(), true, now))
                                            : std::string("never heard from"),
                    source.stale() ? " STALE (figures as last received)" : "", "\n");
  }
  if (overview.chain_totals().empty()) return out;
  // Capacity that is not beds: intake stops first (they decide where clients can go), then each figure's sum.
  TextTable chain({"REGION", "SECTOR", "WHAT", "TOTAL", "ORGS REPORTED"});
  chain.AlignRight(3);
  chain.AlignRight(4);
  for (const v1::ChainTotal& total : overview.chain_totals()) {
    if (total.organizations_reporting_intake() > 0) {
      chain.AddRow({total.safety_region(), EnumWord(total.sector()), "intake stops (opnamestop)",
                    absl::StrCat(total.organizations_with_intake_stop()),
                    absl::StrCat(total.organizations_reporting_intake())});
    }
    for (const v1::ChainFigureTotal& figure : total.figures()) {
      std::string sum = figure.withheld()  ? std::string(kWithheld)
                        : figure.has_sum() ? absl::StrCat(figure.sum())
                                           : std::string("—");
      // What overdue organisations may still have, apart from the sum: "12 +4 stale".
      if (figure.has_stale_sum()) absl::StrAppend(&sum, " +", figure.stale_sum(), " stale");
      chain.AddRow({total.safety_region(), EnumWord(total.sector()), EnumWord(figure.figure()), sum,
                    StaleApart(figure.organizations_reported(), figure.organizations_stale())});
    }
  }
  absl::StrAppend(&out, "\ncapacity that is not beds\n", chain.Render());
  return out;
}

std::string RenderOperationalSummary(const v1::OperationalSummary& summary, absl::Time now) {
  std::string out = absl::StrCat("open requests for help: ", summary.open_requests_size(), "\n");
  if (!summary.open_requests().empty()) {
    TextTable table({"REQUEST", "STATUS", "PRIORITY", "WHAT", "FOR", "NEEDED BY", "OFFERS", "ACCEPTED", "INCIDENT"});
    for (const v1::AssistanceRequest& request : summary.open_requests()) {
      table.AddRow(
          {request.id(), EnumWord(request.status()), PriorityWord(request), AssistanceWhat(request),
           request.organization_id(),
           request.has_needed_by() ? FormatDue(FromProtoTime(request.needed_by()), now) : std::string(kNotReported),
           absl::StrCat(request.offers_size()), AssistanceCoverage(request), OrDash(request.incident_id())});
    }
    absl::StrAppend(&out, table.Render());
  }
  absl::StrAppend(&out, "\nalerts not confirmed by everyone: ", summary.unacknowledged_alerts_size(), "\n");
  if (!summary.unacknowledged_alerts().empty()) {
    TextTable table({"ALERT", "HEADLINE", "CONFIRM BY", "NOT CONFIRMED"});
    for (const v1::UnacknowledgedAlert& unconfirmed : summary.unacknowledged_alerts()) {
      table.AddRow(
          {unconfirmed.alert().id(), unconfirmed.alert().headline(), AcknowledgementDeadline(unconfirmed.alert(), now),
           absl::StrCat(unconfirmed.unacknowledged_organization_ids_size(), " of ", unconfirmed.audience_size(), ": ",
                        absl::StrJoin(unconfirmed.unacknowledged_organization_ids(), ", "))});
    }
    absl::StrAppend(&out, table.Render());
  }
  absl::StrAppend(&out, "\noverdue organisations: ", summary.overdue_organizations_size(), "\n");
  if (!summary.overdue_organizations().empty()) {
    TextTable table({"ORGANISATION", "NAME", "OVERDUE", "LAST REPORT"});
    for (const v1::OverdueOrganization& overdue : summary.overdue_organizations()) {
      table.AddRow({overdue.organization_id(), OrDash(overdue.name()),
                    overdue.has_report_due()
                        ? absl::StrCat("OVERDUE ", HumanDuration(now - FromProtoTime(overdue.report_due())))
                        : std::string("never reported"),
                    Age(overdue.last_report(), overdue.has_last_report(), now)});
    }
    absl::StrAppend(&out, table.Render());
  }
  // Shown only when there is something to do, so a quiet region reads as before.
  if (!summary.open_escalations().empty()) {
    absl::StrAppend(&out, "\nto call (escalation tasks): ", summary.open_escalations_size(), "\n");
    TextTable table({"TASK", "ORGANISATION", "SINCE", "WHAT TO DO"});
    for (const v1::EscalationTask& task : summary.open_escalations()) {
      table.AddRow(
          {task.id(), task.organization_id(), Age(task.created_at(), task.has_created_at(), now), task.instruction()});
    }
    absl::StrAppend(&out, table.Render());
  }
  if (summary.notifications_queued() > 0 || summary.notifications_failed() > 0) {
    absl::StrAppend(&out, "\nnotifications waiting: ", summary.notifications_queued(),
                    ", given up: ", summary.notifications_failed(), "\n");
  }
  absl::StrAppend(&out, "\nat revision ", summary.revision(), "\n");
  return out;
}

namespace {

std::string ContinuityWhat(const v1::ContinuityPoint& point) {
  const std::string supply = EnumWord(point.supply_type());
  switch (point.kind()) {
    case v1::CONTINUITY_POINT_KIND_SUPPLY_RUNS_OUT:
      return absl::StrCat(supply, " runs out");
    case v1::CONTINUITY_POINT_KIND_SUPPLY_UNDER_A_DAY:
      return absl::StrCat(supply, " under a day");
    case v1::CONTINUITY_POINT_KIND_RESUPPLY:
      return absl::StrCat(supply, point.too_late() ? " delivery TOO LATE" : " delivery");
    case v1::CONTINUITY_POINT_KIND_STAFF_SHORTAGE:
      return "staff shortage";
    case v1::CONTINUITY_POINT_KIND_EMERGENCY_DEPARTMENT_UNTIL:
      return "ED diversion/closure ends";
    case v1::CONTINUITY_POINT_KIND_INTAKE_STOP_UNTIL:
      return "intake stop ends";
    default:
      return EnumWord(point.kind());
  }
}

}  // namespace

std::string RenderContinuityTimeline(const v1::ContinuityTimeline& timeline, absl::TimeZone zone) {
  const absl::Time now = FromProtoTime(timeline.computed_at());
  std::string out;
  if (timeline.points().empty()) {
    out = "no critical points ahead\n";
  } else {
    TextTable table({"AT", "WHEN", "ORGANISATION", "WHAT", "DETAIL", ""});
    for (const v1::ContinuityPoint& point : timeline.points()) {
      const absl::Time at = FromProtoTime(point.at());
      std::string who = OrDash(point.organization_name().empty() ? point.organization_id() : point.organization_name());
      if (!point.location_id().empty()) absl::StrAppend(&who, " / ", point.location_id());
      table.AddRow({absl::FormatTime("%a %H:%M", at, zone), FormatRelative(at, now), who, ContinuityWhat(point),
                    OrDash(point.detail()), point.stale() ? "STALE" : ""});
    }
    out = table.Render();
  }
  absl::StrAppend(&out, "\nat revision ", timeline.revision());
  if (timeline.truncated()) absl::StrAppend(&out, "; more points than shown (--limit)");
  if (timeline.detail_withheld()) {
    absl::StrAppend(&out, "; supply and staffing points only of the organisations whose figures you see");
  }
  absl::StrAppend(&out, "\n");
  return out;
}

std::string RenderCapacityMatches(const v1::FindCapacityResponse& response, absl::Time now) {
  // Federation (a ROAZ or national server): a REGION column when some match came from a source region.
  const bool federated =
      std::any_of(response.matches().begin(), response.matches().end(),
                  [](const v1::CapacityMatch& match) { return match.has_source_last_heard() || match.source_stale(); });
  std::vector<std::string> headings = {"#",         "DISTANCE", "ORGANISATION", "NAME",    "LOCATION",
                                       "AVAILABLE", "ED",       "STATUS",       "REPORTED"};
  if (federated) headings.push_back("REGION");
  TextTable table(headings);
  table.AlignRight(0);
  table.AlignRight(1);
  table.AlignRight(5);
  int rank = 0;
  for (const v1::CapacityMatch& match : response.matches()) {
    std::string department(kNotReported);
    if (match.emergency_department() != v1::EMERGENCY_DEPARTMENT_STATE_UNSPECIFIED) {
      department = EnumWord(match.emergency_department());
      // Dispatch must not miss a diversion: upper case.
      if (match.emergency_department() != v1::EMERGENCY_DEPARTMENT_STATE_OPEN) {
        department = absl::AsciiStrToUpper(department);
      }
    }
    std::vector<std::string> row = {
        absl::StrCat(++rank),
        absl::StrFormat("%.1f km", match.distance_km()),
        match.organization_id(),
        OrDash(match.organization_name()),
        OrDash(match.location_id()),
        absl::StrCat(match.available()),
        department,
        EnumWord(match.overall_status()),
        absl::StrCat(Age(match.reported_at(), match.has_reported_at(), now), match.stale() ? " STALE" : "")};
    if (federated) row.push_back(absl::StrCat(OrDash(match.safety_region()), match.source_stale() ? " STALE" : ""));
    table.AddRow(row);
  }
  return absl::StrCat(table.Render(), response.matches_size(), " matches at revision ", response.revision(),
                      " (STALE: the report is overdue or the figure was not renewed; call before sending)\n");
}

std::string RenderReservationTable(const std::vector<v1::Record>& reservations, absl::Time now) {
  TextTable table({"RESERVATION", "STATE", "ORGANISATION", "BED TYPE", "HELD UNTIL", "RESERVED", "BY", "REFERENCE"});
  for (const v1::Record& record : reservations) {
    if (!record.has_bed_reservation()) continue;
    const v1::BedReservation& reservation = record.bed_reservation();
    const bool held = reservation.state() == v1::RESERVATION_STATE_HELD;
    table.AddRow({reservation.id(), EnumWord(reservation.state()), reservation.organization_id(),
                  EnumWord(reservation.bed_type()),
                  held ? FormatDue(FromProtoTime(reservation.expires_at()), now) : std::string(kNotReported),
                  Age(reservation.reserved_at(), reservation.has_reserved_at(), now),
                  OrDash(reservation.reserved_by_organization_id()), OrDash(reservation.patient_reference())});
  }
  return table.Render();
}

namespace {

std::string IndicatorLabel(const v1::Indicator& indicator, bool dutch) {
  return dutch ? indicator.label_nl() : indicator.label_en();
}

std::string IndicatorScopeSummary(const v1::IndicatorScope& scope) {
  std::vector<std::string> parts;
  for (int sector : scope.sectors()) parts.push_back(EnumWord(*v1::Sector_descriptor(), sector));
  for (int kind : scope.organization_kinds()) parts.push_back(EnumWord(*v1::OrganizationKind_descriptor(), kind));
  for (const std::string& id : scope.organization_ids()) parts.push_back(id);
  return parts.empty() ? "everyone" : absl::StrJoin(parts, ", ");
}

}  // namespace

std::string RenderIndicatorTable(const std::vector<v1::Record>& indicators, bool dutch) {
  TextTable table({"INDICATOR", "TYPE", "UNIT", "LABEL", "ASKS", "INCIDENT", "CADENCE", "STATE"});
  for (const v1::Record& record : indicators) {
    if (!record.has_indicator()) continue;
    const v1::Indicator& indicator = record.indicator();
    std::string type = EnumWord(indicator.type());
    if (indicator.type() == v1::INDICATOR_TYPE_CHOICE) {
      absl::StrAppend(&type, " (", absl::StrJoin(indicator.choices(), "/"), ")");
    }
    const absl::Duration cadence = FromProtoDuration(indicator.cadence());
    table.AddRow({indicator.id(), type, OrDash(indicator.unit()), IndicatorLabel(indicator, dutch),
                  IndicatorScopeSummary(indicator.applies_to()), OrDash(indicator.incident_id()),
                  cadence == absl::ZeroDuration() ? "once" : absl::FormatDuration(cadence),
                  indicator.retired()            ? "retired"
                  : indicator.overdue_size() > 0 ? absl::StrCat("active, ", indicator.overdue_size(), " overdue")
                                                 : "active"});
  }
  return table.Render();
}

std::string RenderIndicatorOverview(const v1::IndicatorOverview& overview, absl::TimeZone zone, bool dutch) {
  std::string out = absl::StrCat("indicators at revision ", overview.revision());
  if (overview.has_computed_at()) absl::StrAppend(&out, ", ", ClockTime(overview.computed_at(), zone));
  absl::StrAppend(&out, "\n");
  for (const v1::IndicatorAggregate& aggregate : overview.indicators()) {
    const v1::Indicator& indicator = aggregate.indicator();
    const std::string unit = indicator.unit().empty() ? "" : absl::StrCat(" ", indicator.unit());
    absl::StrAppend(&out, "\n", indicator.id(), ": ", IndicatorLabel(indicator, dutch),
                    indicator.retired() ? " (retired)" : "", "\n");
    absl::StrAppend(&out, "  answered by ", aggregate.organizations_answered(), " of ",
                    aggregate.organizations_applicable(), " organisations asked\n");
    if (indicator.overdue_size() > 0) {
      std::vector<std::string> late;
      for (const v1::IndicatorOverdue& entry : indicator.overdue()) late.push_back(entry.organization_id());
      absl::StrAppend(&out, "  overdue (no answer within ",
                      absl::FormatDuration(FromProtoDuration(indicator.cadence())), "): ", absl::StrJoin(late, ", "),
                      "\n");
    }
    if (aggregate.withheld()) {
      absl::StrAppend(&out, "  withheld: fewer organisations answered than the minimum group\n");
      continue;
    }
    switch (indicator.type()) {
      case v1::INDICATOR_TYPE_COUNT:
      case v1::INDICATOR_TYPE_NUMBER:
        if (aggregate.has_sum()) {
          // The sum of a count (residents) means something; of a number (temperatures) it does not.
          const std::string sum = indicator.type() == v1::INDICATOR_TYPE_COUNT
                                      ? absl::StrFormat("sum %g%s  ", aggregate.sum(), unit)
                                      : std::string();
          absl::StrAppend(&out, "  ", sum,
                          absl::StrFormat("mean %.1f%s  min %g%s  max %g%s\n", aggregate.mean(), unit, aggregate.min(),
                                          unit, aggregate.max(), unit));
        }
        break;
      case v1::INDICATOR_TYPE_YES_NO:
        if (aggregate.organizations_answered() > 0) {
          absl::StrAppend(&out, "  yes ", aggregate.yes(), "  no ", aggregate.no(), "\n");
        }
        break;
      case v1::INDICATOR_TYPE_CHOICE:
        for (const v1::ChoiceCount& choice : aggregate.choices()) {
          absl::StrAppend(&out, "  ", choice.choice(), ": ", choice.organizations(), "\n");
        }
        break;
      case v1::INDICATOR_TYPE_TEXT:
        for (const v1::TextAnswer& answer : aggregate.text_answers()) {
          absl::StrAppend(&out, "  ", answer.organization_id(), ": ", answer.text(), "\n");
        }
        break;
      default:
        break;
    }
    if (aggregate.has_newest_answer()) {
      absl::StrAppend(&out, "  answers from ", ClockTime(aggregate.oldest_answer(), zone), " to ",
                      ClockTime(aggregate.newest_answer(), zone), "\n");
    }
  }
  return out;
}

}  // namespace ketenbeeld::cli
