// Who may call what: the one table of access rules, one rule per RPC (the role x RPC matrix of docs/security.md).
//
// A rule names the roles that may call a method and, for writes on behalf of an organisation, whether an
// institution or dispatch centre may act only for its own organisation (the GHOR may act for any organisation of
// its region: it enters reports phoned in by a provider). The server serves one safety region, and credentials are
// issued by that region's CA, so "in its region" holds for every authenticated caller.
//
// Development mode (plaintext on loopback without tokens) has no identities: everything is allowed there.
// Everywhere else the rules fail closed: a method without a rule, a role outside a rule, and a write whose
// organisation is missing are all refused (AuthorizeWrite()).
//
// Thread safety: everything here is immutable after static initialisation.
#ifndef KETENBEELD_SERVER_POLICY_RULES_H_
#define KETENBEELD_SERVER_POLICY_RULES_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "server/security/identity.h"

namespace ketenbeeld::policy {

// Full gRPC method names ("/package.Service/Method").
namespace method {
inline constexpr absl::string_view kRegisterOrganization = "/ketenbeeld.v1.PictureService/RegisterOrganization";
inline constexpr absl::string_view kReportStatus = "/ketenbeeld.v1.PictureService/ReportStatus";
// The stream of status reports. Its rule admits the stream; every report on it is then a ReportStatus write and
// passes kReportStatus's rule (acting for its own organisation) on its own.
inline constexpr absl::string_view kPublishStatus = "/ketenbeeld.v1.PictureService/PublishStatus";
inline constexpr absl::string_view kGet = "/ketenbeeld.v1.PictureService/Get";
inline constexpr absl::string_view kList = "/ketenbeeld.v1.PictureService/List";
inline constexpr absl::string_view kHistory = "/ketenbeeld.v1.PictureService/History";
inline constexpr absl::string_view kSubscribe = "/ketenbeeld.v1.PictureService/Subscribe";
inline constexpr absl::string_view kOpenIncident = "/ketenbeeld.v1.IncidentService/OpenIncident";
inline constexpr absl::string_view kUpdateIncident = "/ketenbeeld.v1.IncidentService/UpdateIncident";
inline constexpr absl::string_view kAddSituationEntry = "/ketenbeeld.v1.IncidentService/AddSituationEntry";
inline constexpr absl::string_view kSendAlert = "/ketenbeeld.v1.AlertService/SendAlert";
inline constexpr absl::string_view kAcknowledgeAlert = "/ketenbeeld.v1.AlertService/AcknowledgeAlert";
inline constexpr absl::string_view kGetAlertAcknowledgements = "/ketenbeeld.v1.AlertService/GetAlertAcknowledgements";
inline constexpr absl::string_view kCloseEscalationTask = "/ketenbeeld.v1.AlertService/CloseEscalationTask";
inline constexpr absl::string_view kRequestAssistance = "/ketenbeeld.v1.AssistanceService/RequestAssistance";
inline constexpr absl::string_view kOfferAssistance = "/ketenbeeld.v1.AssistanceService/OfferAssistance";
inline constexpr absl::string_view kAcceptOffer = "/ketenbeeld.v1.AssistanceService/AcceptOffer";
inline constexpr absl::string_view kFulfillRequest = "/ketenbeeld.v1.AssistanceService/FulfillRequest";
inline constexpr absl::string_view kCancelRequest = "/ketenbeeld.v1.AssistanceService/CancelRequest";
inline constexpr absl::string_view kReserveBed = "/ketenbeeld.v1.AssistanceService/ReserveBed";
inline constexpr absl::string_view kConfirmReservation = "/ketenbeeld.v1.AssistanceService/ConfirmReservation";
inline constexpr absl::string_view kReleaseReservation = "/ketenbeeld.v1.AssistanceService/ReleaseReservation";
inline constexpr absl::string_view kPutScenario = "/ketenbeeld.v1.ReportService/PutScenario";
inline constexpr absl::string_view kGetGapReport = "/ketenbeeld.v1.ReportService/GetGapReport";
inline constexpr absl::string_view kDefineIndicator = "/ketenbeeld.v1.ReportService/DefineIndicator";
inline constexpr absl::string_view kRetireIndicator = "/ketenbeeld.v1.ReportService/RetireIndicator";
inline constexpr absl::string_view kGetIndicatorOverview = "/ketenbeeld.v1.ReportService/GetIndicatorOverview";
inline constexpr absl::string_view kGetCapacityOverview = "/ketenbeeld.v1.ReportService/GetCapacityOverview";
inline constexpr absl::string_view kGetOperationalSummary = "/ketenbeeld.v1.ReportService/GetOperationalSummary";
inline constexpr absl::string_view kFindCapacity = "/ketenbeeld.v1.ReportService/FindCapacity";
inline constexpr absl::string_view kGetContinuityTimeline = "/ketenbeeld.v1.ReportService/GetContinuityTimeline";
inline constexpr absl::string_view kStartExercise = "/ketenbeeld.v1.ExerciseService/StartExercise";
inline constexpr absl::string_view kEndExercise = "/ketenbeeld.v1.ExerciseService/EndExercise";
inline constexpr absl::string_view kPurgeExercise = "/ketenbeeld.v1.ExerciseService/PurgeExercise";
inline constexpr absl::string_view kGetEvaluation = "/ketenbeeld.v1.ReportService/GetEvaluation";
inline constexpr absl::string_view kGetSituationReport = "/ketenbeeld.v1.ReportService/GetSituationReport";
inline constexpr absl::string_view kBackup = "/ketenbeeld.v1.AdminService/Backup";
inline constexpr absl::string_view kCompactLog = "/ketenbeeld.v1.AdminService/CompactLog";
inline constexpr absl::string_view kListAuditEntries = "/ketenbeeld.v1.AdminService/ListAuditEntries";
inline constexpr absl::string_view kExportAlertCap = "/ketenbeeld.v1.InteropService/ExportAlertCap";
inline constexpr absl::string_view kImportAlertCap = "/ketenbeeld.v1.InteropService/ImportAlertCap";
inline constexpr absl::string_view kExportStatusHave = "/ketenbeeld.v1.InteropService/ExportStatusHave";
inline constexpr absl::string_view kImportStatusHave = "/ketenbeeld.v1.InteropService/ImportStatusHave";
inline constexpr absl::string_view kExportFhir = "/ketenbeeld.v1.InteropService/ExportFhir";
inline constexpr absl::string_view kApplyUpstream = "/ketenbeeld.v1.FederationService/ApplyUpstream";
inline constexpr absl::string_view kGetUpstreamCursors = "/ketenbeeld.v1.FederationService/GetUpstreamCursors";
}  // namespace method

// A set of roles.
class Roles {
 public:
  constexpr Roles(std::initializer_list<ketenbeeld::v1::Role> roles) {
    for (ketenbeeld::v1::Role role : roles) bits_ |= Bit(role);
  }
  constexpr bool contains(ketenbeeld::v1::Role role) const { return (bits_ & Bit(role)) != 0; }

 private:
  static constexpr uint32_t Bit(ketenbeeld::v1::Role role) { return uint32_t{1} << static_cast<int>(role); }
  uint32_t bits_ = 0;
};

enum class ActingFor {
  kNotApplicable,    // The method does not act on behalf of an organisation.
  kOwnOrganization,  // Institutions and dispatch centres only for their own organisation; the GHOR for any.
};

struct Rule {
  absl::string_view method;
  Roles roles;
  ActingFor acting_for = ActingFor::kNotApplicable;
  // How docs/security.md and PERMISSION_DENIED messages describe the rule.
  absl::string_view summary;
};

// Every rule, one per RPC of the ketenbeeld.v1 services.
std::span<const Rule> AllRules();
// The rule for `full_method`, or nullptr (a method without a rule is refused).
const Rule* RuleFor(absl::string_view full_method);

// OK when `identity` may call `full_method` at all; PERMISSION_DENIED naming the rule otherwise. Always OK in
// development mode.
absl::Status AuthorizeCall(const security::Identity& identity, absl::string_view full_method);

// On whose behalf a write acts, as the service layer reads it from the request (server/service/): every write
// type has its own decision there, and a write type without one does not compile.
//
// A write on behalf of an organisation: the organisation and the request field that names it (for messages).
struct ForOrganization {
  absl::string_view organization_id;
  absl::string_view field;
};
// A write on behalf of no organisation (the registry, incidents, alerts sent, scenarios): the role alone decides.
struct ForNoOrganization {};
using ActsFor = std::variant<ForNoOrganization, ForOrganization>;

// The whole decision on a write; it fails closed. In order:
//   - development mode: OK (there are no identities; validation and the committer still answer as usual);
//   - AuthorizeCall(): PERMISSION_DENIED naming the rule when the role may not call `full_method` at all, or the
//     method has no rule;
//   - `acts_for` must match the rule: a kOwnOrganization rule needs ForOrganization, any other rule
//     ForNoOrganization. A mismatch is a defect of the server, not of the request: INTERNAL naming the method, and
//     the write is refused;
//   - for a kOwnOrganization rule, an empty organisation is refused for every role, the GHOR included:
//     INVALID_ARGUMENT naming the field. Not PERMISSION_DENIED, deliberately: the caller is not short of a right, its
//     request is incomplete, and validation would give the same code for it. A client (and the CLI, which turns
//     PERMISSION_DENIED into "your organisation or role may not do this") then tells its user what to fix. What
//     matters is that an empty organisation no longer passes the check: the write never reaches the committer;
//   - the GHOR may act for any organisation; institutions and dispatch only for their own: PERMISSION_DENIED naming
//     the field otherwise.
absl::Status AuthorizeWrite(const security::Identity& identity, absl::string_view full_method, const ActsFor& acts_for);

// Federation (federation_service.proto): who may apply a source region's log on this (ROAZ or national) server. Not a
// role: the identity the server's configuration names for that source (federation.sources: region -> the
// organisation of the federator's certificate CN or token). The rules of kApplyUpstream and kGetUpstreamCursors admit
// every role, and these decide (both OK in development mode):
//   - AuthorizeUpstreamSource: OK only when `sources` maps `source_region` to identity.organization_id;
//     PERMISSION_DENIED naming `source_region` otherwise (also when no source is configured at all);
//   - AuthorizeUpstreamReader (GetUpstreamCursors): OK for the identity of any configured source.
using UpstreamIdentities = std::map<std::string, std::string, std::less<>>;
absl::Status AuthorizeUpstreamSource(const security::Identity& identity, absl::string_view source_region,
                                     const UpstreamIdentities& sources);
absl::Status AuthorizeUpstreamReader(const security::Identity& identity, const UpstreamIdentities& sources);

// Bed reservations forwarded by a ROAZ or national server (docs/reservations.md, "Across regions"): on a region's
// server, the identities that may send ReserveBed/ConfirmReservation/ReleaseReservation with `forwarded_for` (the
// forwarding server's caller, "VR12/ghor-roaz"), each with its own region (federation.reservation_forwarders: the
// organisation of its certificate CN or token -> "VR12"). Not a role: the listed identity alone decides, and a
// forwarded call is then not held against the role rules (the forwarding server applied its own rules to its caller).
//   - AuthorizeForwardedCall: OK only when `forwarders` lists identity.organization_id and `forwarded_for` starts with
//     its region and '/'; PERMISSION_DENIED naming `forwarded_for` otherwise (also when nobody is listed). OK in
//     development mode.
using ReservationForwarders = std::map<std::string, std::string, std::less<>>;
absl::Status AuthorizeForwardedCall(const security::Identity& identity, absl::string_view forwarded_for,
                                    const ReservationForwarders& forwarders);

}  // namespace ketenbeeld::policy

#endif  // KETENBEELD_SERVER_POLICY_RULES_H_
