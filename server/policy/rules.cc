#include "server/policy/rules.h"

#include <array>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ketenbeeld::policy {
namespace {

using ketenbeeld::v1::Role;
constexpr Role kInstitution = Role::ROLE_INSTITUTION;
constexpr Role kGhor = Role::ROLE_GHOR;
constexpr Role kDispatch = Role::ROLE_DISPATCH;
constexpr Role kBestuur = Role::ROLE_BESTUUR;
constexpr Role kOperator = Role::ROLE_OPERATOR;
constexpr Role kFederation = Role::ROLE_FEDERATION;

constexpr ActingFor kOwn = ActingFor::kOwnOrganization;
constexpr ActingFor kAny = ActingFor::kNotApplicable;

// The role x RPC matrix. Reads of the picture are open to every role but the bestuur (which reads reports only);
// what a reader sees of other organisations' figures is decided by visibility.h, not here. The federation role
// (the region's link upward, federation.h) reads the picture, its history and feed and the capacity overview, and
// writes nothing at all.
// One rule per entry, kept on as few lines as it needs (clang-format would give each argument its own line).
// clang-format off
constexpr std::array kRules = {
    Rule{method::kRegisterOrganization, {kOperator}, kAny, "only the operator manages the registry"},
    Rule{method::kReportStatus, {kInstitution, kGhor, kDispatch}, kOwn,
         "institutions and dispatch report their own status; the GHOR may report for any organisation"},
    // The same roles as ReportStatus: the stream is only a cheaper way to make the same calls. Acting-for is
    // checked per report (each is a ReportStatus write), so the stream-level rule is kAny.
    Rule{method::kPublishStatus, {kInstitution, kGhor, kDispatch}, kAny,
         "a stream of ReportStatus calls: the same roles, each report checked as ReportStatus (own organisation)"},
    Rule{method::kGet, {kInstitution, kGhor, kDispatch, kOperator, kFederation}, kAny,
         "every role but the bestuur reads the picture (the federation role what crosses upward)"},
    Rule{method::kList, {kInstitution, kGhor, kDispatch, kOperator, kFederation}, kAny,
         "every role but the bestuur reads the picture (the federation role what crosses upward)"},
    Rule{method::kHistory, {kInstitution, kGhor, kDispatch, kOperator, kFederation}, kAny,
         "every role but the bestuur reads the picture (the federation role what crosses upward)"},
    Rule{method::kSubscribe, {kInstitution, kGhor, kDispatch, kOperator, kFederation}, kAny,
         "every role but the bestuur reads the picture (the federation role what crosses upward)"},
    Rule{method::kOpenIncident, {kGhor, kDispatch}, kAny, "the GHOR and dispatch open incidents"},
    Rule{method::kUpdateIncident, {kGhor, kDispatch}, kAny, "the GHOR and dispatch update incidents"},
    Rule{method::kAddSituationEntry, {kGhor, kDispatch}, kAny, "the GHOR and dispatch keep the situation log"},
    Rule{method::kSendAlert, {kGhor}, kAny, "only the GHOR sends alerts"},
    Rule{method::kAcknowledgeAlert, {kInstitution, kGhor, kDispatch}, kOwn,
         "institutions and dispatch acknowledge for their own organisation; the GHOR for any"},
    Rule{method::kGetAlertAcknowledgements, {kGhor, kDispatch}, kAny, "the GHOR and dispatch track acknowledgements"},
    Rule{method::kCloseEscalationTask, {kGhor}, kAny, "only the GHOR closes escalation tasks"},
    Rule{method::kRequestAssistance, {kInstitution, kGhor, kDispatch}, kOwn,
         "institutions and dispatch request help for their own organisation; the GHOR for any"},
    Rule{method::kOfferAssistance, {kInstitution, kGhor, kDispatch}, kOwn,
         "institutions and dispatch offer help from their own organisation; the GHOR for any"},
    Rule{method::kAcceptOffer, {kInstitution, kGhor, kDispatch}, kOwn,
         "the requesting organisation accepts offers to its own request; the GHOR for any"},
    Rule{method::kFulfillRequest, {kInstitution, kGhor, kDispatch}, kOwn,
         "the requesting organisation closes its own request; the GHOR any"},
    Rule{method::kCancelRequest, {kInstitution, kGhor, kDispatch}, kOwn,
         "the requesting organisation cancels its own request; the GHOR any"},
    // Bed reservations (reservation.proto): dispatch spreads patients over any organisation's beds, so reserving acts
    // for no organisation; confirming is the receiving organisation's; releasing the receiving or the reserving one's
    // (the service layer picks which of the two the caller acts for).
    Rule{method::kReserveBed, {kGhor, kDispatch}, kAny,
         "dispatch and the GHOR reserve beds at any organisation (patient spreading)"},
    Rule{method::kConfirmReservation, {kInstitution, kGhor}, kOwn,
         "the receiving organisation confirms a reservation of its own beds; the GHOR any"},
    Rule{method::kReleaseReservation, {kInstitution, kGhor, kDispatch}, kOwn,
         "the receiving organisation or the reserver's organisation releases a reservation; the GHOR any"},
    Rule{method::kPutScenario, {kGhor}, kAny, "only the GHOR manages scenarios"},
    Rule{method::kGetGapReport, {kGhor, kBestuur}, kAny, "the GHOR and the bestuur read gap reports"},
    Rule{method::kDefineIndicator, {kGhor}, kAny, "only the GHOR defines the indicators of a questionnaire"},
    Rule{method::kRetireIndicator, {kGhor}, kAny, "only the GHOR retires indicators"},
    Rule{method::kGetIndicatorOverview, {kInstitution, kGhor, kDispatch, kBestuur}, kAny,
         "indicator aggregates, as capacity totals: everyone but the operator (small groups withheld from "
         "institutions and the bestuur)"},
    Rule{method::kGetCapacityOverview, {kInstitution, kGhor, kDispatch, kBestuur, kFederation}, kAny,
         "capacity totals: everyone but the operator (small groups withheld from institutions, the bestuur and the "
         "federation role)"},
    Rule{method::kGetOperationalSummary, {kGhor, kDispatch, kBestuur}, kAny,
         "the GHOR, dispatch and the bestuur read the operational summary"},
    Rule{method::kFindCapacity, {kGhor, kDispatch}, kAny, "the GHOR and dispatch search capacity per organisation"},
    Rule{method::kGetContinuityTimeline, {kInstitution, kGhor, kDispatch, kBestuur}, kAny,
         "every role that reads reports sees the continuity timeline; supply and staffing points only of the "
         "organisations whose figures it sees"},
    Rule{method::kGetEvaluation, {kGhor, kBestuur}, kAny,
         "the GHOR and the bestuur evaluate incidents (per organisation: a read of detail, audited)"},
    Rule{method::kGetSituationReport, {kGhor, kBestuur}, kAny,
         "the GHOR and the bestuur read the brief (situatierapport); small sums withheld from the bestuur"},
    Rule{method::kStartExercise, {kGhor, kOperator}, kAny, "the GHOR and the operator start exercises"},
    Rule{method::kEndExercise, {kGhor, kOperator}, kAny, "the GHOR and the operator end exercises"},
    Rule{method::kPurgeExercise, {kOperator}, kAny, "only the operator (the administrator) purges an exercise"},
    Rule{method::kBackup, {kOperator}, kAny, "only the operator operates the server"},
    Rule{method::kCompactLog, {kOperator}, kAny, "only the operator operates the server"},
    Rule{method::kListAuditEntries, {kOperator}, kAny, "only the operator reads the audit trail"},
    // The exchange formats. An export reads like Get; an import is then a SendAlert or ReportStatus write and passes
    // that rule too (acting for its own organisation), so these rules only say who may use the format at all.
    Rule{method::kExportAlertCap, {kInstitution, kGhor, kDispatch, kOperator}, kAny,
         "every role but the bestuur reads alerts, as CAP too"},
    Rule{method::kImportAlertCap, {kGhor}, kAny,
         "CAP messages come in through the region's alert source: an identity with the GHOR role"},
    Rule{method::kExportStatusHave, {kInstitution, kGhor, kDispatch, kOperator}, kAny,
         "every role but the bestuur reads the picture, as EDXL-HAVE too"},
    Rule{method::kImportStatusHave, {kInstitution, kGhor, kDispatch}, kAny,
         "institutions and dispatch import their own status; the GHOR for any organisation"},
    Rule{method::kExportFhir, {kInstitution, kGhor, kDispatch, kOperator}, kAny,
         "every role but the bestuur reads the picture, as FHIR too (a region's MeasureReport: those who read the "
         "capacity overview)"},
    // Federation: the role never decides. Every role passes the rule; then AuthorizeUpstreamSource() admits only the
    // identity configured for the source region (federation.sources), so a role alone can never write a region's
    // picture here.
    Rule{method::kApplyUpstream, {kInstitution, kGhor, kDispatch, kBestuur, kOperator, kFederation}, kAny,
         "only the identity configured for the source region (federation.sources) applies its log"},
    Rule{method::kGetUpstreamCursors, {kInstitution, kGhor, kDispatch, kBestuur, kOperator, kFederation}, kAny,
         "only the identities configured for a source region (federation.sources) read the cursors"},
};
// clang-format on

}  // namespace

std::span<const Rule> AllRules() { return kRules; }

const Rule* RuleFor(absl::string_view full_method) {
  for (const Rule& rule : kRules) {
    if (rule.method == full_method) return &rule;
  }
  return nullptr;
}

absl::Status AuthorizeCall(const security::Identity& identity, absl::string_view full_method) {
  if (identity.development()) return absl::OkStatus();
  const Rule* rule = RuleFor(full_method);
  if (rule == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(full_method, " has no access rule"));
  }
  if (!rule->roles.contains(identity.role)) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", security::RoleWord(identity.role), " may not call ", full_method, ": ", rule->summary));
  }
  return absl::OkStatus();
}

absl::Status AuthorizeWrite(const security::Identity& identity, absl::string_view full_method,
                            const ActsFor& acts_for) {
  if (identity.development()) return absl::OkStatus();
  if (absl::Status allowed = AuthorizeCall(identity, full_method); !allowed.ok()) return allowed;
  const Rule& rule = *RuleFor(full_method);  // AuthorizeCall() refused methods without a rule.
  const ForOrganization* organization = std::get_if<ForOrganization>(&acts_for);
  if ((rule.acting_for == ActingFor::kOwnOrganization) != (organization != nullptr)) {
    return absl::InternalError(absl::StrCat(
        full_method, ": the server's decision on whose behalf this write acts does not match its access rule (",
        organization == nullptr ? "the rule needs an organisation" : "the rule acts for no organisation",
        "); refused"));
  }
  if (organization == nullptr) return absl::OkStatus();
  if (organization->organization_id.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(organization->field, ": empty; name the organisation this write acts for"));
  }
  if (identity.role == ketenbeeld::v1::ROLE_GHOR || organization->organization_id == identity.organization_id) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(organization->field, ": \"", organization->organization_id,
                                                  "\" is not your organisation (\"", identity.organization_id, "\"); ",
                                                  rule.summary));
}

absl::Status AuthorizeUpstreamSource(const security::Identity& identity, absl::string_view source_region,
                                     const UpstreamIdentities& sources) {
  if (identity.development()) return absl::OkStatus();
  auto it = sources.find(std::string(source_region));
  if (it == sources.end()) {
    return absl::PermissionDeniedError(absl::StrCat("source_region: ", source_region,
                                                    " is not a configured source of this server (federation.sources)"));
  }
  if (it->second != identity.organization_id) {
    return absl::PermissionDeniedError(absl::StrCat("source_region: only the identity configured for ", source_region,
                                                    " (federation.sources) applies its log, not \"",
                                                    identity.organization_id, "\""));
  }
  return absl::OkStatus();
}

absl::Status AuthorizeUpstreamReader(const security::Identity& identity, const UpstreamIdentities& sources) {
  if (identity.development()) return absl::OkStatus();
  for (const auto& [region, organization_id] : sources) {
    if (organization_id == identity.organization_id) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat("\"", identity.organization_id,
                                                  "\" is not the configured identity of any source region "
                                                  "(federation.sources): only federators read the cursors"));
}

absl::Status AuthorizeForwardedCall(const security::Identity& identity, absl::string_view forwarded_for,
                                    const ReservationForwarders& forwarders) {
  if (identity.development()) return absl::OkStatus();
  auto it = forwarders.find(identity.organization_id);
  if (it == forwarders.end()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "forwarded_for: \"", identity.organization_id,
        "\" may not forward calls on behalf of others: only the servers listed in federation.reservation_forwarders"));
  }
  if (!absl::StartsWith(forwarded_for, absl::StrCat(it->second, "/"))) {
    return absl::PermissionDeniedError(absl::StrCat("forwarded_for: \"", identity.organization_id, "\" forwards for ",
                                                    it->second, " (federation.reservation_forwarders), not for \"",
                                                    forwarded_for, "\""));
  }
  return absl::OkStatus();
}

}  // namespace ketenbeeld::policy
