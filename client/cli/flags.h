// Parsing the CLI's flag values into API messages. Kept out of the CLI's main so it can be tested.
//
// Every error is InvalidArgument and names the flag and the value, then what is wrong, e.g.
//   --capacity "ic-adult:avail=3": unknown field "avail" (valid: available, occupied, baseline, surge-24h, surge-72h)
// Range limits (0..100000 and the like) are the server's to enforce: it names the field in its error.
//
// Thread safety: pure functions.
#ifndef KETENBEELD_CLIENT_CLI_FLAGS_H_
#define KETENBEELD_CLIENT_CLI_FLAGS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/cli/enum_words.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/status.pb.h"

namespace ketenbeeld::cli {

// The error of every flag parser: InvalidArgument "FLAG \"VALUE\": PROBLEM".
absl::Status FlagError(absl::string_view flag, absl::string_view value, absl::string_view problem);

// An enum word given in `value` (or in part of it, `word`), e.g. ParseEnumFlag<v1::BedType>("--bed-type", v, v).
// The error names the flag and the value and lists the valid words.
template <typename Enum>
absl::StatusOr<Enum> ParseEnumFlag(absl::string_view flag, absl::string_view value, absl::string_view word) {
  absl::StatusOr<Enum> parsed = ParseEnumWord<Enum>(word);
  if (!parsed.ok()) return FlagError(flag, value, parsed.status().message());
  return *parsed;
}

// --disruption TYPE=SEVERITY[:TEXT], e.g. "utility-failure=major:power out since 11:40".
absl::StatusOr<v1::Disruption> ParseDisruptionFlag(absl::string_view value);

// --capacity TYPE:available=N,occupied=N,baseline=N,surge-24h=N,surge-72h=N (any subset; at least one), e.g.
// "ic-adult:available=3,baseline=12". A count left out is "not reported", never 0.
absl::StatusOr<v1::Capacity> ParseCapacityFlag(absl::string_view value);

// --staffing adequate|insufficient[:SHORTAGE[:TEXT]], SHORTAGE the number of staff short, e.g. "insufficient:4".
absl::StatusOr<v1::Staffing> ParseStaffingFlag(absl::string_view value);

// --supply TYPE:state=S,stock=X,per-day=Y,unit=U,hours=H (any subset), e.g. "generator:state=limited,hours=36".
absl::StatusOr<v1::Supply> ParseSupplyFlag(absl::string_view value);

// --ed open|diversion|closed[:REASON].
absl::StatusOr<v1::EmergencyDepartment> ParseEmergencyDepartmentFlag(absl::string_view value);

// --location ID:NAME[:ADDRESS] (the address may itself contain ':').
absl::StatusOr<v1::Location> ParseLocationFlag(absl::string_view value);

// A point in time given as RFC 3339 ("2024-03-01T12:00:00Z", "2024-03-01T13:00:00+01:00").
absl::StatusOr<absl::Time> ParseTimeFlag(absl::string_view flag, absl::string_view value);

// The flags of `status report`. Empty strings, empty lists and nullopt mean "not given".
struct StatusReportFlags {
  std::string organization_id;
  std::string location_id;
  std::string overall;
  std::vector<std::string> disruptions;
  std::vector<std::string> capacities;
  std::string staffing;
  // --shortage-from TIME: when a staff shortage starts (Staffing.shortage_from).
  std::string shortage_from;
  std::vector<std::string> supplies;
  std::string emergency_department;
  // --ed-until TIME: until when the diversion or closure of --ed is expected to last (EmergencyDepartment.until);
  // only with a diversion or closure (from --ed, or from --file).
  std::string emergency_department_until;
  std::optional<bool> crisis_plan_activated;
  std::optional<std::string> text;
  std::optional<std::string> reporter;
  // --clear PART (repeatable): capacity:TYPE, supply:TYPE, disruption:TYPE, staffing, ed, text, reporter.
  std::vector<std::string> clears;
};

// Applies the given flags over `report` (which may come from --file): scalar flags replace the field; each
// --disruption/--capacity/--supply replaces the entry of its type and keeps the others. Returns the first parse
// error; `report` may then be partly changed. --ed-until without a diversion or closure to end is an error naming
// it (the server would refuse nothing, and a time beside an open department would read as a diversion).
absl::Status ApplyStatusReportFlags(const StatusReportFlags& flags, v1::StatusReport* report);

// The update mask of a partial `status report` (ReportStatusRequest.update_mask): the parts the flags name, and the
// parts `from_file` (the --file report, or an empty one) sets. --capacity, --supply and --disruption merge by type
// (only the named counts change); --staffing, --ed and --reporter replace that part; each --clear names a part to
// remove ("capacity:ic-adult" -> "capacity.ic_adult"); `more_paths` (what ApplyChainReportFlags set) are added as
// they are. InvalidArgument for a --clear value that names nothing, or when nothing at all is named.
absl::StatusOr<google::protobuf::FieldMask> StatusUpdateMask(const StatusReportFlags& flags,
                                                             const v1::StatusReport& from_file,
                                                             absl::Span<const std::string> more_paths = {});

// --agb, --ura, --kvk-branch, --lrza: an organisation's standard identifiers, to register them or to find it by them
// (`org show`, `org list`). nullopt: not given. The values go to the server as given; it checks the format and
// names the field (organization.identifiers.agb) when one is wrong.
struct IdentifierFlags {
  std::optional<std::string> agb;
  std::optional<std::string> ura;
  std::optional<std::string> kvk_branch;
  std::optional<std::string> lrza;
};

// True when any identifier flag was given (even as "").
bool AnyIdentifierFlag(const IdentifierFlags& flags);

// Sets the identifiers given in `flags` in `identifiers`, keeping the others.
void ApplyIdentifierFlags(const IdentifierFlags& flags, v1::StandardIdentifiers* identifiers);

// The flags of `org register`, same conventions.
struct OrganizationFlags {
  std::string id;
  std::string name;
  std::string kind;
  std::string region;
  std::optional<std::string> roaz;
  std::vector<std::string> locations;
  // ID=VALUE each, for a location given with --location or already registered.
  std::vector<std::string> site_at;              // ID=LAT,LON
  std::vector<std::string> site_postcodes;       // ID=1781 AB
  std::vector<std::string> site_municipalities;  // ID=GM0400
  std::optional<std::string> contact_name;
  std::optional<std::string> phone;
  std::optional<std::string> email;
  IdentifierFlags identifiers;
};

// Applies the given flags over `organization`; each --location replaces the location with its id, then --site-at,
// --site-postcode and --site-municipality set a field of the location with their id (a usage error when there is
// none); an identifier flag given as "" removes that identifier.
absl::Status ApplyOrganizationFlags(const OrganizationFlags& flags, v1::Organization* organization);

// The filter flags shared by picture, list, history and watch (lists are repeatable flags).
struct FilterFlags {
  std::vector<std::string> organization_ids;  // --org
  std::vector<std::string> regions;           // --region
  std::vector<std::string> sectors;           // --sector acute-care|long-term-care|other
  std::vector<std::string> kinds;             // --kind organization|status-report
  std::vector<std::string> disruptions;       // --disruption TYPE
  std::string min_severity;                   // --min-severity none|minor|major|critical
};

absl::StatusOr<v1::Filter> BuildFilter(const FilterFlags& flags);

// True when the filter selects everything (so a feed with it carries every revision).
bool IsEmptyFilter(const v1::Filter& filter);

// Reads `message` from a file: protobuf text format for *.textproto, *.txtpb, *.pbtxt, *.txt; JSON for *.json.
// Returns NotFound when the file cannot be read, InvalidArgument (naming the file and the parser's complaint) when
// it does not parse or has another extension.
absl::Status LoadMessageFromFile(const std::string& path, google::protobuf::Message* message);

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_FLAGS_H_
