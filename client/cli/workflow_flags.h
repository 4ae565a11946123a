// Parsing the flags of the crisis-workflow commands (incident, alert, request, scenario, report, capacity) into the
// requests of IncidentService, AlertService, AssistanceService and ReportService. Kept out of the CLI's main so it
// can be tested without a server.
//
// Conventions (as in flags.h): every error is InvalidArgument and names the flag first, e.g.
//   --at "52.6;4.7": expected LAT,LON in degrees, e.g. 52.63,4.75
//   --level is required, e.g. --level "GRIP 2"
// Limits that only the server knows (the region's scale-up levels, text lengths, 1..100000) are left to the server,
// which names the field in its error. A flag left out is "not given": counts stay absent, never 0.
//
// Thread safety: pure functions (those that need the time take `now`).
#ifndef KETENBEELD_CLIENT_CLI_WORKFLOW_FLAGS_H_
#define KETENBEELD_CLIENT_CLI_WORKFLOW_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"

namespace ketenbeeld::cli {

// A positive duration: absl::ParseDuration syntax ("30m", "4h", "1h30m", "90s") plus whole or fractional days
// ("2d", "1.5d"), which absl does not know.
absl::StatusOr<absl::Duration> ParseDurationFlag(absl::string_view flag, absl::string_view value);

// LAT,LON in decimal degrees (WGS 84), e.g. "52.63,4.75"; latitude -90..90, longitude -180..180.
absl::StatusOr<v1::Coordinates> ParseCoordinatesFlag(absl::string_view flag, absl::string_view value);

// --polygon "LAT,LON;LAT,LON;LAT,LON[;...]": a ring of at least 3 points, not closed (the last point joins the first).
// The server checks the rest (at most 1000 points, not self-intersecting).
absl::StatusOr<v1::Polygon> ParsePolygonFlag(absl::string_view value);

// --layer picture|assessment|decision, or the Dutch beeld|oordeel|besluit.
absl::StatusOr<v1::SituationLayer> ParseSituationLayerFlag(absl::string_view value);

// --need TYPE=N[@SECTOR], e.g. "ic-adult=12" or "nursing-home=40@long-term-care".
absl::StatusOr<v1::CapacityRequirement> ParseNeedFlag(absl::string_view value);

// --supply TYPE=DAYS (minimum days of supply), e.g. "oxygen=3" or "generator=1.5".
absl::StatusOr<v1::SupplyRequirement> ParseSupplyRequirementFlag(absl::string_view value);

// A deadline given as `by` (RFC 3339) or as `within` (a duration from `now`); at most one of the two. Returns
// nullopt when neither is given (empty strings).
absl::StatusOr<std::optional<absl::Time>> ResolveDeadline(absl::string_view by_flag, absl::string_view by_value,
                                                          absl::string_view within_flag, absl::string_view within_value,
                                                          absl::Time now);

// ---- areas (of incidents and alerts) ----

// The flags that describe an Area (--area, --at, --radius-km, --polygon, --postcode, --municipality), the same for
// `incident open|update` and `alert send`. nullopt and empty lists mean "not given".
struct AreaFlags {
  std::optional<std::string> area;  // Description of the area.
  std::optional<std::string> at;    // LAT,LON: the centre of the area.
  std::optional<double> radius_km;
  // The parts of the area that select sites; each replaces its list in the area when given.
  std::vector<std::string> polygons;        // "LAT,LON;LAT,LON;..." each, one ring.
  std::vector<std::string> postcodes;       // PC4, "1781".
  std::vector<std::string> municipalities;  // CBS code, "GM0400".

  // Whether any of them is given.
  bool Given() const;
};

// Applies the area flags given over `area` (each replaces its part); the flag's own errors name it ("--polygon ...").
absl::Status ApplyAreaFlags(const AreaFlags& flags, v1::Area* area);

// ---- incidents ----

// The flags of `incident open` and `incident update`. nullopt and empty lists mean "not given" (update: keep).
struct IncidentFlags : AreaFlags {
  std::string id;
  std::optional<std::string> title;
  std::optional<std::string> type;
  std::optional<std::string> level;   // Scale-up level, e.g. "GRIP 2".
  std::optional<std::string> region;  // Safety region, VR01..VR25.
  std::vector<std::string> affected;  // Replaces the list of affected organisations when given.
  std::optional<int32_t> t1;
  std::optional<int32_t> t2;
  std::optional<int32_t> t3;
  std::optional<int32_t> dead;
};

// A new incident from the flags. Requires --id, --title, --type, --level and --region.
absl::StatusOr<v1::OpenIncidentRequest> BuildOpenIncidentRequest(const IncidentFlags& flags);

// The incident in `current` (a Record read with Get) with the given flags applied over it, sent with
// expected_revision = current.mod_revision, so a change made by someone else in between is refused (ABORTED) instead
// of being overwritten. Output-only fields are cleared. FailedPrecondition when `current` holds no incident.
absl::StatusOr<v1::UpdateIncidentRequest> BuildUpdateIncidentRequest(const IncidentFlags& flags,
                                                                     const v1::Record& current);

// Closes the incident in `current` (status CLOSED, compare-and-set as above).
absl::StatusOr<v1::UpdateIncidentRequest> BuildCloseIncidentRequest(const v1::Record& current);

struct SituationEntryFlags {
  std::string incident_id;
  std::string layer;
  std::string text;
  std::string author;
};

// Requires --layer, --text and --author.
absl::StatusOr<v1::AddSituationEntryRequest> BuildSituationEntryRequest(const SituationEntryFlags& flags);

// ---- alerts ----

// The area flags (AreaFlags) give the alert its own area: the audience is then the organisations with a site inside it.
struct AlertFlags : AreaFlags {
  std::string id;
  std::string headline;
  std::string description;
  std::string instruction;
  std::string urgency;    // immediate|expected|future|past|unknown
  std::string severity;   // extreme|severe|moderate|minor|unknown
  std::string certainty;  // observed|likely|possible|unlikely|unknown
  std::vector<std::string> regions;
  std::vector<std::string> sectors;
  std::vector<std::string> kinds;
  std::vector<std::string> organization_ids;
  std::string ack_within;  // Duration from now.
  std::string ack_by;      // RFC 3339.
  std::string incident_id;
  bool incident_area = false;              // Audience: the organisations the incident affects (--incident-area).
  std::vector<std::string> indicator_ids;  // --ask INDICATOR: the indicators the recipients are asked to answer.
};

// A whole alert (sending an existing id replaces it with a new version). Requires --id, --headline, --urgency,
// --severity and --certainty.
absl::StatusOr<v1::SendAlertRequest> BuildSendAlertRequest(const AlertFlags& flags, absl::Time now);

// Cancels the alert in `current` (status CANCELLED, the rest as it is, compare-and-set on its mod_revision).
absl::StatusOr<v1::SendAlertRequest> BuildCancelAlertRequest(const v1::Record& current);

// ---- assistance requests ----

struct AssistanceRequestFlags {
  std::string id;
  std::string organization_id;
  std::string type;        // beds|staff|generator|water|client-transport|oxygen|medication|ppe|other|fuel|food|...
  std::string bed_type;    // Required with --type beds.
  std::string discipline;  // Staff discipline, required with --type staff: nurse, ic-nurse, physician, ...
  std::string fuel;        // Fuel type, required with --type fuel: diesel, petrol, lpg, heating-oil.
  std::optional<int32_t> quantity;
  std::string unit;           // litres, persons, beds, ...; empty: the server uses the type's default.
  std::string priority;       // low|normal|high|urgent; empty: normal.
  std::string needed_by;      // RFC 3339.
  std::string needed_within;  // Duration from now.
  std::string incident_id;
  std::string description;
  // Delivery: any of a location id of the requester, an address and LAT,LON; the note only with one of those.
  std::string deliver_to;
  std::string deliver_address;
  std::string deliver_at;
  std::string deliver_note;
};

// Requires --id, --org, --type, --quantity (and --bed-type with --type beds, --discipline with --type staff, --fuel
// with --type fuel). Whether the unit fits the type is the server's rule, named in its error (request.unit).
absl::StatusOr<v1::RequestAssistanceRequest> BuildRequestAssistanceRequest(const AssistanceRequestFlags& flags,
                                                                           absl::Time now);

// `request accept ID --org ORG [--quantity N]`: without --quantity the whole offer.
absl::StatusOr<v1::AcceptOfferRequest> BuildAcceptOfferRequest(const std::string& request_id,
                                                               const std::string& organization_id,
                                                               std::optional<int32_t> quantity);

// `request fulfil ID [--delivered ORG=N ...]`: what arrived per accepted offer; offers not named arrived in full.
// N may be 0 (nothing came).
absl::StatusOr<v1::FulfillRequestRequest> BuildFulfillRequestRequest(const std::string& request_id,
                                                                     const std::vector<std::string>& delivered);

struct OfferFlags {
  std::string request_id;
  std::string organization_id;
  std::optional<int32_t> quantity;
  std::string comment;
};

// Requires --org and --quantity.
absl::StatusOr<v1::OfferAssistanceRequest> BuildOfferAssistanceRequest(const OfferFlags& flags);

// ---- scenarios and reports ----

struct ScenarioFlags {
  std::string id;
  std::string name;
  std::optional<std::string> description;
  std::string region;
  std::vector<std::string> needs;     // --need TYPE=N[@SECTOR]
  std::vector<std::string> supplies;  // --supply TYPE=DAYS
};

// The scenario `base` (empty, or read from --file) with the flags applied: each --need replaces the requirement with
// the same bed type and sector, each --supply the one of its type. Requires an id, a name and a region (from flags
// or file).
absl::StatusOr<v1::PutScenarioRequest> BuildPutScenarioRequest(const ScenarioFlags& flags, v1::Scenario base);

struct CapacityOverviewFlags {
  std::vector<std::string> regions;
  std::vector<std::string> sectors;
  std::vector<std::string> bed_types;
};

absl::StatusOr<v1::GetCapacityOverviewRequest> BuildCapacityOverviewRequest(const CapacityOverviewFlags& flags);

struct FindCapacityFlags {
  std::string near;  // LAT,LON
  std::string bed_type;
  std::optional<double> radius_km;
  std::optional<int32_t> min_available;
  std::optional<int32_t> limit;
  std::string max_age = {};               // e.g. "1h": only figures reported at most this long ago; empty: any age.
  std::vector<std::string> regions = {};  // --region (repeatable): only organisations of these safety regions.
};

// Requires the position and --bed-type; the rest defaults on the server (50 km, at least 1, 20 results).
absl::StatusOr<v1::FindCapacityRequest> BuildFindCapacityRequest(const FindCapacityFlags& flags);

// `report continuity`: --region (repeatable), --horizon (a duration such as 12h or 3d), --limit.
struct ContinuityTimelineFlags {
  std::vector<std::string> regions;
  std::string horizon;
  std::optional<int32_t> limit;
};

// Everything optional; the server checks the ranges (horizon 1 h..14 d, limit 1..5000) and names the field.
absl::StatusOr<v1::GetContinuityTimelineRequest> BuildContinuityTimelineRequest(const ContinuityTimelineFlags& flags);

// `bed reserve`: --organization and --bed-type required ("ic" is short for ic-adult); --hold-for a duration such as
// 15m (empty: the server's default); --reference free text without personal data.
struct ReserveBedFlags {
  std::string organization_id;
  std::string bed_type;
  std::string hold_for;
  std::string reference;
  // --request-id: makes a retry safe (ReserveBedRequest.request_id). Empty: BuildReserveBedRequest makes one.
  std::string request_id;
};

// A fresh request id: a random UUID (version 4), e.g. "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b".
std::string NewRequestId();

// The request of `bed reserve`; its request_id is --request-id, or a fresh NewRequestId() so that the command's own
// retries (and a user repeating it with the id it printed) never hold a second bed.
absl::StatusOr<v1::ReserveBedRequest> BuildReserveBedRequest(const ReserveBedFlags& flags);

// ---- questionnaires ----

struct IndicatorFlags {
  std::string id;
  std::string label_nl;
  std::string label_en;
  std::string type;                           // count|number|yes-no|choice|text
  std::vector<std::string> choices;           // --choice TEXT (repeatable), for a choice indicator
  std::string unit;                           // "°C"
  std::vector<std::string> sectors;           // --sector WORD: who is asked
  std::vector<std::string> kinds;             // --kind WORD
  std::vector<std::string> organization_ids;  // --org ID
  std::string incident_id;
  std::string cadence;  // Duration: how often an answer is expected; empty: once.
};

// A whole indicator (defining an existing id replaces it). Requires --id, --label-nl, --label-en and --type.
absl::StatusOr<v1::DefineIndicatorRequest> BuildDefineIndicatorRequest(const IndicatorFlags& flags);

// --indicator ID=VALUE: the id and the value as typed.
absl::StatusOr<std::pair<std::string, std::string>> SplitIndicatorFlag(absl::string_view value);

// VALUE of --indicator ID=VALUE as an answer to `indicator`, by its type: a whole number for a count, a number for a
// number ("31.5" or "31,5"), yes|no (ja|nee, true|false, 1|0) for yes/no, one of the choices for a choice, and any
// text for a text. The error names the flag and says what was expected.
absl::StatusOr<v1::IndicatorValue> ParseIndicatorValue(const v1::Indicator& indicator, absl::string_view flag_value,
                                                       absl::string_view value);

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_WORKFLOW_FLAGS_H_
