// Who may call what: the one table of access rules, one rule per RPC (the role x RPC matrix of docs/security.md).
//
// A rule names the roles that may call a method and, for writes on behalf of an organisation, whether an
// institution or dispatch centre may act only for its own organisation (the GHOR may act for any organisation of
// its region: it enters reports phoned in by a provider). The server serves one safety region, and credentials are
// issued by that region's CA, so "in its region" holds for every authenticated caller.
//
// Development mode (plaintext on loopback without tokens) has no identities: everything is allowed there.
//
// Thread safety: everything here is immutable after static initialisation.
#ifndef KETENBEELD_SERVER_POLICY_RULES_H_
#define KETENBEELD_SERVER_POLICY_RULES_H_

#include <cstdint>
#include <initializer_list>
#include <span>

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
inline constexpr absl::string_view kRequestAssistance = "/ketenbeeld.v1.AssistanceService/RequestAssistance";
inline constexpr absl::string_view kOfferAssistance = "/ketenbeeld.v1.AssistanceService/OfferAssistance";
inline constexpr absl::string_view kAcceptOffer = "/ketenbeeld.v1.AssistanceService/AcceptOffer";
inline constexpr absl::string_view kFulfillRequest = "/ketenbeeld.v1.AssistanceService/FulfillRequest";
inline constexpr absl::string_view kCancelRequest = "/ketenbeeld.v1.AssistanceService/CancelRequest";
inline constexpr absl::string_view kPutScenario = "/ketenbeeld.v1.ReportService/PutScenario";
inline constexpr absl::string_view kGetGapReport = "/ketenbeeld.v1.ReportService/GetGapReport";
inline constexpr absl::string_view kGetCapacityOverview = "/ketenbeeld.v1.ReportService/GetCapacityOverview";
inline constexpr absl::string_view kGetOperationalSummary = "/ketenbeeld.v1.ReportService/GetOperationalSummary";
inline constexpr absl::string_view kFindCapacity = "/ketenbeeld.v1.ReportService/FindCapacity";
inline constexpr absl::string_view kBackup = "/ketenbeeld.v1.AdminService/Backup";
inline constexpr absl::string_view kCompactLog = "/ketenbeeld.v1.AdminService/CompactLog";
inline constexpr absl::string_view kListAuditEntries = "/ketenbeeld.v1.AdminService/ListAuditEntries";
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

// For methods that act on behalf of an organisation: OK when `identity` may act for `organization_id` (the value of
// request field `field`); PERMISSION_DENIED naming the field otherwise. An empty organization_id is left to
// validation (INVALID_ARGUMENT) and passes here.
absl::Status AuthorizeActingFor(const security::Identity& identity, absl::string_view full_method,
                                absl::string_view organization_id, absl::string_view field);

}  // namespace ketenbeeld::policy

#endif  // KETENBEELD_SERVER_POLICY_RULES_H_
