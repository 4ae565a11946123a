// Rendering the crisis workflow for people: incidents and their situation log, alerts and who has confirmed them,
// requests for help, scenarios and their gap report, the capacity overview, the operational summary and the
// capacity search for dispatch. JSON output needs nothing here (format.h's ToJson on the response).
//
// Conventions as in format.h: "not reported" is "—", never 0; enum values use their CLI words; times are shown in
// `zone` and ages relative to `now` (both passed in so tests are deterministic). Every table ends in '\n'.
//
// Thread safety: pure functions.
#ifndef KETENBEELD_CLIENT_CLI_WORKFLOW_FORMAT_H_
#define KETENBEELD_CLIENT_CLI_WORKFLOW_FORMAT_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"

namespace ketenbeeld::cli {

// Incidents, one per row: id, level, status, type, title, region, area, casualties, opened (age).
std::string RenderIncidentTable(const std::vector<v1::Record>& incidents, absl::Time now);

// One incident in full, then its situation log in sequence order (entries of other incidents are skipped):
//   #000042  12:03  picture (beeld)       OvD-G de Vries  Rookwolk boven Oostpolder ...
std::string RenderIncident(const v1::Record& incident, std::vector<v1::Record> entries, absl::TimeZone zone,
                           absl::Time now);

// The audience of an alert: "VR10; long-term-care; nursing-home; zh-noord" (lists that are set), or "everyone".
std::string AudienceSummary(const v1::Audience& audience);

// Alerts, one per row: id, status, version, severity/urgency/certainty, headline, audience, the acknowledgement
// deadline ("in 20 min", "PASSED: 2 of 5 not confirmed").
std::string RenderAlertTable(const std::vector<v1::Record>& alerts, absl::Time now);

// Who has and who has not confirmed an alert: the alert's headline and deadline, then one row per organisation of
// the audience — confirmed ones with their time (and LATE), then the unconfirmed ones marked "NOT CONFIRMED" —
// and a count line "3 of 5 confirmed".
std::string RenderAlertAcknowledgements(const v1::AlertAcknowledgements& acknowledgements, absl::TimeZone zone,
                                        absl::Time now);

// Requests for help, one per row: id, status, what, requesting organisation, needed by, offers, incident.
std::string RenderRequestTable(const std::vector<v1::Record>& requests, absl::Time now);

// One request in full, with its offers as a table.
std::string RenderRequest(const v1::Record& request, absl::TimeZone zone, absl::Time now);

// Scenarios, one per row: id, region, name, capacity needs ("ic-adult 12, nursing-home 40 (long-term-care)"),
// supply needs ("oxygen ≥ 3 d").
std::string RenderScenarioTable(const std::vector<v1::Record>& scenarios);

// The gap report: one row per capacity requirement — type, sector, required, available, surge 24h, shortfall,
// after surge, organisations reported / not reported — then the supply gaps. Where no organisation reported a type
// the available and surge cells are "—" (not reported), not 0; a shortfall in a row where some organisations did not
// report is marked "*" with a footnote, because not reported is not zero and the shortfall may be overstated.
std::string RenderGapReport(const v1::GapReport& report, absl::TimeZone zone);

// Questionnaires. The indicators as a table (label in `dutch` or English), retired ones marked.
std::string RenderIndicatorTable(const std::vector<v1::Record>& indicators, bool dutch);
// The indicator overview: one block per indicator with its figures (count/number: answers, sum, mean, min, max;
// yes/no: yes and no; choice: per choice), "withheld (fewer than the minimum group answered)" where withheld, and
// the text answers this reader may see.
std::string RenderIndicatorOverview(const v1::IndicatorOverview& overview, absl::TimeZone zone, bool dutch);

// Capacity totals by region, sector and bed type, with how many organisations reported and the age of the newest
// and oldest report.
std::string RenderCapacityOverview(const v1::CapacityOverview& overview, absl::Time now);

// Open requests, alerts not confirmed by everyone, and overdue organisations, each as a section with a count.
std::string RenderOperationalSummary(const v1::OperationalSummary& summary, absl::Time now);

// The result of FindCapacity, nearest first: distance, organisation, location, available, ED state (a hospital on
// diversion or with its ED closed is marked "DIVERSION" / "CLOSED"), overall status, report age.
std::string RenderCapacityMatches(const v1::FindCapacityResponse& response, absl::Time now);

// The continuity timeline as a table, earliest first: the time (in `zone`), how far from the server's computed_at
// ("in 6 h", "2 h ago"), the organisation (and location), what happens ("GENERATOR runs out", "delivery too late"),
// the detail, and STALE for a point from a stale figure. Then the revision, and why points may be missing.
std::string RenderContinuityTimeline(const v1::ContinuityTimeline& timeline, absl::TimeZone zone);

// Bed reservations (reservation.proto): id, state, organisation, bed type, until when it is held (for HELD ones),
// who reserved, the reference.
std::string RenderReservationTable(const std::vector<v1::Record>& reservations, absl::Time now);

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_WORKFLOW_FORMAT_H_
