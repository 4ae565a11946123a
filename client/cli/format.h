// Rendering the picture for people (tables, one-line events) and for machines (JSON).
//
// Conventions: "not reported" is shown as "—", never as 0 (kNotReported). Enum values use their CLI words
// (enum_words.h).
//
// Thread safety: TextTable is not thread-safe; the free functions are pure.
#ifndef KETENBEELD_CLIENT_CLI_FORMAT_H_
#define KETENBEELD_CLIENT_CLI_FORMAT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "ketenbeeld/v1/assistance.pb.h"
#include "ketenbeeld/v1/incident.pb.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/status.pb.h"

namespace ketenbeeld::cli {

// Shown wherever a value was not reported.
inline constexpr absl::string_view kNotReported = "—";

// The width of `text` on a terminal: UTF-8 code points (not bytes), so "—" and "ë" count as one column.
size_t DisplayWidth(absl::string_view text);

// A plain-text table: a header row, then rows, columns padded to their widest cell and separated by two spaces,
// no trailing spaces. Rows shorter than the header are padded with empty cells; longer rows are cut.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers);

  // Right-aligns a column (for numbers).
  void AlignRight(size_t column);
  void AddRow(std::vector<std::string> cells);
  size_t row_count() const { return rows_.size(); }

  // The table, each line ending in '\n'.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_aligned_;
  std::vector<std::vector<std::string>> rows_;
};

// A short label of a disruption type for narrow columns: "utility", "logistics", "infection", "digital",
// "closure", "surge", "relocation", "staff".
std::string DisruptionShortLabel(v1::DisruptionType type);

// The disruptions with severity above none, as "utility major, staff minor"; kNotReported when there are none.
std::string ActiveDisruptions(const v1::StatusReport& report);

// Capacity of one type: "ic-adult 3/12" (available / total, the total being the baseline or else
// available + occupied); a count not reported is "—" ("ic-adult —/12", "ic-adult 3/—").
std::string CapacitySummary(const v1::Capacity& capacity);

// Up to `max_types` capacity summaries joined by ", ", then "+N more"; kNotReported when none. Capacity that is not
// beds (ChainCapacityParts) counts as one type per part, after the beds.
std::string KeyCapacity(const v1::StatusReport& report, size_t max_types = 3);

// "open", "diversion", "closed", or kNotReported; "diversion EXPIRED (unconfirmed)" once the server has marked a
// diversion or closure whose `until` passed without a newer report.
std::string EmergencyDepartmentSummary(const v1::StatusReport& report);

// Capacity that is not beds (StatusReport.ambulance and the fields after it), one part per part reported:
//   "ambulances 4 free, 7 deployed", "GP post 12/h, 3 slots", "home care 850 clients, 37 on powered devices (5 home
//   ventilation)", "GGD teams: infection control 2, vaccination —, psychosocial 1".
// A count not reported is "—" (or left out where the sentence allows); empty when none of them is reported.
std::vector<std::string> ChainCapacityParts(const v1::StatusReport& report);

// "INTAKE STOP" (opnamestop / cliëntenstop) while one is active, "intake open" when the report says there is none,
// kNotReported otherwise.
std::string IntakeStopSummary(const v1::StatusReport& report);

// A GP post's state: "open", "restricted", "closed", or kNotReported.
std::string GpPostSummary(const v1::StatusReport& report);

// A length of time for people: "45 s", "12 min", "3 h 5 min", "2 d" (whole units, rounded down). A negative length
// reads as "0 s".
std::string HumanDuration(absl::Duration duration);

// `at` seen from `now`: "12 min ago" when it lies before now (or within the same second), "in 3 h 5 min" when after
// it. Never both: a time ahead of `now` is in the future, not an age. `now` is the server's time of the answer
// (server_clock.h), so a client whose clock is off still reads the ages the server means.
std::string FormatRelative(absl::Time at, absl::Time now);

// How long until `due`: "in 12 min", "in 3 h 5 min"; once it has passed, "due 5 min ago".
std::string FormatDue(absl::Time due, absl::Time now);

// The staleness of a report: "OVERDUE 2 h" when the server has marked it overdue (the time since overdue_since),
// else "in 3 h" until the next report is due, or kNotReported when the server gave no due time.
std::string ReportDue(const v1::StatusReport& report, absl::Time now);

// "picture (beeld)", "assessment (oordeel)", "decision (besluit)".
std::string SituationLayerLabel(v1::SituationLayer layer);

// The casualty estimate as "T1 3 T2 — T3 10 dead —"; kNotReported when nothing is estimated.
std::string CasualtySummary(const v1::CasualtyEstimate& casualties);

// What a request asks for: "10 × nursing-home beds", "2 × generator", "5000 litres fuel (diesel)",
// "4 persons staff (ic-nurse)".
std::string AssistanceWhat(const v1::AssistanceRequest& request);

// How much of a request the accepted offers cover, "4000/5000" (in the request's unit). A request stored before
// accepted quantities existed with an accepted offer reads as covered, as assistance.proto says.
std::string AssistanceCoverage(const v1::AssistanceRequest& request);

// One line per event:
//   rev 42  12:03:07  organizations/zh-noord/status  PUT  critical  ic-adult 3/12  ED diversion  utility major
//   rev 41  12:01:00  organizations/zh-noord  PUT  hospital  VR10  Ziekenhuis Noord
//   rev 43  12:04:00  incidents/brand-oost  PUT  opened  GRIP 2  open  brand  Brand Oostpolder
//   rev 50  13:00:00  alerts/stroom  PUT  DEADLINE PASSED  2 of 5 not confirmed: vvt-west, zh-zuid  Stroomuitval
// Times are shown in `zone` (the local zone for people, UTC in tests). The summary is EventSummary's.
std::string FormatEventLine(const v1::Event& event, absl::TimeZone zone);

// What an event did, for a feed line: RecordSummary, led for the workflow records by what happened — incident
// "opened" / "updated" / "closed"; alert "sent" / "updated" / "cancelled" / "DEADLINE PASSED" (with who had not
// confirmed); request "requested" / "offer from X (N)" / "accepted offer from X" / "fulfilled" / "cancelled";
// scenario "put"; status report "OVERDUE since HH:MM" when the server marked it overdue. Empty for a DELETE.
std::string EventSummary(const v1::Event& event, absl::TimeZone zone);

// An organisation's standard identifiers for people: "AGB 06010210, URA 00015823, KVK branch 000012345678,
// LRZa 77" (the ones it has, in that order); empty when it has none.
std::string IdentifiersText(const v1::StandardIdentifiers& identifiers);

// A one-line summary of a record's entity: "hospital  VR10  Ziekenhuis Noord" for an organisation (followed by its
// identifiers, "AGB 06010210", when it has any),
// "critical  ic-adult 3/12  ED diversion  utility major" for a status report (the parts that were reported),
// "GRIP 2  scaled-up  brand  Brand Oostpolder" for an incident, and likewise for the other kinds.
std::string RecordSummary(const v1::Record& record);

// The picture as a table, one row per organisation (and one per location report, indented below it): id, name,
// kind, region, overall status (with "INTAKE STOP" beside it while one is active: it decides where clients can go),
// active disruptions, key capacity, emergency department (or "GP post STATE" for a GP post), age of the report, and
// when
// the next report is due — "OVERDUE 2 h" for a report the server marked overdue (see ReportDue). Takes
// organisation and status-report records in any order; a report whose organisation is not among them still gets
// a row (name "—").
std::string RenderPictureTable(const std::vector<v1::Record>& records, absl::Time now);

// A record for reading: a header line (name, kind, revisions, update time, actor) and then the entity in protobuf
// text format.
std::string DescribeRecord(const v1::Record& record, absl::TimeZone zone);

// Conversions between google.protobuf.Timestamp and absl::Time.

// The message as JSON (proto3 JSON mapping, lowerCamelCase field names). `multiline`: indented for people;
// otherwise one line (JSON Lines for streams).
std::string ToJson(const google::protobuf::Message& message, bool multiline = false);

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_FORMAT_H_
