#include "server/policy/rules.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/admin_service.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "tests/policy/identities.h"
#include "tests/support/api_methods.h"

namespace ketenbeeld::policy {
namespace {

using security::RoleWord;
using testing::As;
using ::testing::HasSubstr;
using v1::Role;

// Every method of every ketenbeeld.v1 service by its gRPC name: a new RPC shows up here by itself.
std::set<std::string> AllMethods() {
  std::set<std::string> methods;
  for (const google::protobuf::MethodDescriptor* method : ketenbeeld::testing::AllApiMethods()) {
    methods.insert(ketenbeeld::testing::GrpcMethodName(*method));
  }
  return methods;
}

TEST(RulesTest, EveryRpcHasExactlyOneRuleAndEveryRuleNamesAnRpc) {
  const std::set<std::string> methods = AllMethods();
  std::set<std::string> ruled;
  for (const Rule& rule : AllRules()) {
    EXPECT_TRUE(ruled.insert(std::string(rule.method)).second) << "two rules for " << rule.method;
    EXPECT_TRUE(methods.contains(std::string(rule.method))) << rule.method << " is not an RPC";
    EXPECT_FALSE(rule.summary.empty()) << rule.method;
  }
  for (const std::string& method : methods) EXPECT_TRUE(ruled.contains(method)) << method << " has no rule";
}

TEST(RulesTest, AMethodWithoutARuleIsRefused) {
  const absl::Status status = AuthorizeCall(As(Role::ROLE_OPERATOR), "/ketenbeeld.v1.PictureService/DropEverything");
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("has no access rule"));
}

TEST(RulesTest, DevelopmentModeMayCallEverything) {
  const security::Identity developer{.subject = "ipv4:127.0.0.1:5000"};
  for (const Rule& rule : AllRules()) EXPECT_TRUE(AuthorizeCall(developer, rule.method).ok()) << rule.method;
}

TEST(RulesTest, RefusalNamesTheRoleTheMethodAndTheRule) {
  const absl::Status status = AuthorizeCall(As(Role::ROLE_INSTITUTION), method::kSendAlert);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("role institution may not call /ketenbeeld.v1.AlertService/SendAlert"));
  EXPECT_THAT(status.message(), HasSubstr("only the GHOR sends alerts"));
}

TEST(RulesTest, ARoleOutsideTheKnownOnesMayCallNothing) {
  for (const Rule& rule : AllRules()) {
    EXPECT_FALSE(AuthorizeCall(As(Role::ROLE_UNSPECIFIED), rule.method).ok()) << rule.method;
    EXPECT_FALSE(AuthorizeCall(As(Role::ROLE_SYSTEM), rule.method).ok()) << rule.method;
  }
}

TEST(RulesTest, InstitutionsAndDispatchActOnlyForTheirOwnOrganisation) {
  for (Role role : {Role::ROLE_INSTITUTION, Role::ROLE_DISPATCH}) {
    EXPECT_TRUE(
        AuthorizeWrite(As(role), method::kReportStatus, ForOrganization{"ziekenhuis-a", "report.organization_id"})
            .ok());
    const absl::Status other =
        AuthorizeWrite(As(role), method::kReportStatus, ForOrganization{"ziekenhuis-b", "report.organization_id"});
    EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_THAT(other.message(), HasSubstr("report.organization_id: \"ziekenhuis-b\" is not your organisation"));
  }
}

TEST(RulesTest, TheGhorActsForAnyOrganisation) {
  EXPECT_TRUE(AuthorizeWrite(As(Role::ROLE_GHOR, "ghor-vr10"), method::kReportStatus,
                             ForOrganization{"ziekenhuis-b", "report.organization_id"})
                  .ok());
}

// Fails closed: an empty organisation used to pass here ("left to validation"), so a write type whose validation
// did not check the field would have acted for nobody in particular.
TEST(RulesTest, AnEmptyOrganisationIsRefusedForEveryRoleNamingTheField) {
  for (Role role : {Role::ROLE_INSTITUTION, Role::ROLE_DISPATCH, Role::ROLE_GHOR}) {
    const absl::Status status =
        AuthorizeWrite(As(role), method::kAcknowledgeAlert, ForOrganization{"", "organization_id"});
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << RoleWord(role);
    EXPECT_THAT(status.message(), HasSubstr("organization_id: empty"));
  }
  // An identity without an organisation gains nothing from it either.
  EXPECT_EQ(AuthorizeWrite(As(Role::ROLE_INSTITUTION, ""), method::kReportStatus,
                           ForOrganization{"", "report.organization_id"})
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RulesTest, ADecisionThatDoesNotMatchTheRuleIsRefusedAsAServerDefect) {
  const absl::Status nobody = AuthorizeWrite(As(Role::ROLE_INSTITUTION), method::kReportStatus, ForNoOrganization{});
  EXPECT_EQ(nobody.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(nobody.message(), HasSubstr("the rule needs an organisation"));
  const absl::Status someone =
      AuthorizeWrite(As(Role::ROLE_GHOR), method::kOpenIncident, ForOrganization{"ziekenhuis-a", "organization_id"});
  EXPECT_EQ(someone.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(someone.message(), HasSubstr("the rule acts for no organisation"));
}

TEST(RulesTest, DevelopmentModeMayWriteAnything) {
  const security::Identity developer{.subject = "ipv4:127.0.0.1:5000"};
  EXPECT_TRUE(AuthorizeWrite(developer, method::kReportStatus, ForOrganization{"", "report.organization_id"}).ok());
  EXPECT_TRUE(
      AuthorizeWrite(developer, method::kReportStatus, ForOrganization{"zh-noord", "report.organization_id"}).ok());
  EXPECT_TRUE(AuthorizeWrite(developer, method::kRegisterOrganization, ForNoOrganization{}).ok());
}

// --- Every write RPC x every role ------------------------------------------------------------------------------------

// The write RPCs of docs/security.md's matrix, written out here independently of rules.cc: who may call each
// (I(nstitution), G(HOR), D(ispatch), B(estuur), O(perator), F(ederation): never) and whether institutions and dispatch
// may act only for their own organisation. A change of a rule must be made in both places.
struct ExpectedWrite {
  absl::string_view method;
  absl::string_view roles;
  bool own_organization;
};
constexpr ExpectedWrite kExpectedWrites[] = {
    {"/ketenbeeld.v1.PictureService/RegisterOrganization", "O", false},
    {"/ketenbeeld.v1.PictureService/ReportStatus", "IGD", true},
    {"/ketenbeeld.v1.IncidentService/OpenIncident", "GD", false},
    {"/ketenbeeld.v1.IncidentService/UpdateIncident", "GD", false},
    {"/ketenbeeld.v1.IncidentService/AddSituationEntry", "GD", false},
    {"/ketenbeeld.v1.AlertService/SendAlert", "G", false},
    {"/ketenbeeld.v1.AlertService/AcknowledgeAlert", "IGD", true},
    {"/ketenbeeld.v1.AlertService/CloseEscalationTask", "G", false},
    {"/ketenbeeld.v1.AssistanceService/RequestAssistance", "IGD", true},
    {"/ketenbeeld.v1.AssistanceService/OfferAssistance", "IGD", true},
    {"/ketenbeeld.v1.AssistanceService/AcceptOffer", "IGD", true},
    {"/ketenbeeld.v1.AssistanceService/FulfillRequest", "IGD", true},
    {"/ketenbeeld.v1.AssistanceService/CancelRequest", "IGD", true},
    {"/ketenbeeld.v1.AssistanceService/ReserveBed", "GD", false},
    {"/ketenbeeld.v1.AssistanceService/ConfirmReservation", "IG", true},
    {"/ketenbeeld.v1.AssistanceService/ReleaseReservation", "IGD", true},
    {"/ketenbeeld.v1.ReportService/PutScenario", "G", false},
    {"/ketenbeeld.v1.ReportService/DefineIndicator", "G", false},
    {"/ketenbeeld.v1.ReportService/RetireIndicator", "G", false},
    {"/ketenbeeld.v1.ExerciseService/StartExercise", "GO", false},
    {"/ketenbeeld.v1.ExerciseService/EndExercise", "GO", false},
    {"/ketenbeeld.v1.ExerciseService/PurgeExercise", "O", false},
};

struct RoleCase {
  char letter;
  Role role;
  const char* organization_id;
};
constexpr RoleCase kRoles[] = {
    {'I', Role::ROLE_INSTITUTION, "ziekenhuis-a"}, {'G', Role::ROLE_GHOR, "ghor-vr10"},
    {'D', Role::ROLE_DISPATCH, "meldkamer-vr10"},  {'B', Role::ROLE_BESTUUR, "bestuur-vr10"},
    {'O', Role::ROLE_OPERATOR, "beheer"},          {'F', Role::ROLE_FEDERATION, "federatie-vr10"}};

// A write RPC is one that answers a WriteResponse: the descriptors say which, so a new one cannot be left out.
TEST(RulesTest, EveryWriteRpcIsListedWithItsExpectedDecision) {
  std::set<std::string> listed;
  for (const ExpectedWrite& write : kExpectedWrites) listed.insert(std::string(write.method));
  for (const std::string& method : AllMethods()) {
    const std::string name = method.substr(method.rfind('/') + 1);
    const std::string service = method.substr(1, method.rfind('/') - 1);
    const google::protobuf::MethodDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service)->FindMethodByName(name);
    ASSERT_NE(descriptor, nullptr) << method;
    const bool writes = descriptor->output_type()->full_name() == "ketenbeeld.v1.WriteResponse";
    EXPECT_EQ(writes, listed.contains(method))
        << method
        << (writes ? " is a write RPC missing from kExpectedWrites" : " is listed as a write but does not write");
    // An own-organisation rule only makes sense for a write the test walks.
    const Rule* rule = RuleFor(method);
    if (rule != nullptr && rule->acting_for == ActingFor::kOwnOrganization) {
      EXPECT_TRUE(listed.contains(method)) << method;
    }
  }
}

TEST(RulesTest, EveryWriteRpcForEveryRoleOwnOtherAndNoOrganisation) {
  int checked = 0;
  for (const ExpectedWrite& write : kExpectedWrites) {
    for (const RoleCase& role : kRoles) {
      const security::Identity caller = As(role.role, role.organization_id);
      const bool may_call = write.roles.find(role.letter) != absl::string_view::npos;
      const std::string label = absl::StrCat(write.method, " as ", RoleWord(role.role));
      if (!write.own_organization) {
        EXPECT_EQ(AuthorizeWrite(caller, write.method, ForNoOrganization{}).code(),
                  may_call ? absl::StatusCode::kOk : absl::StatusCode::kPermissionDenied)
            << label;
        ++checked;
        continue;
      }
      const absl::StatusCode own = may_call ? absl::StatusCode::kOk : absl::StatusCode::kPermissionDenied;
      const absl::StatusCode other = !may_call                      ? absl::StatusCode::kPermissionDenied
                                     : role.role == Role::ROLE_GHOR ? absl::StatusCode::kOk
                                                                    : absl::StatusCode::kPermissionDenied;
      const absl::StatusCode empty =
          may_call ? absl::StatusCode::kInvalidArgument : absl::StatusCode::kPermissionDenied;
      EXPECT_EQ(AuthorizeWrite(caller, write.method, ForOrganization{role.organization_id, "field"}).code(), own)
          << label << " for its own organisation";
      EXPECT_EQ(AuthorizeWrite(caller, write.method, ForOrganization{"zh-ander", "field"}).code(), other)
          << label << " for another organisation";
      EXPECT_EQ(AuthorizeWrite(caller, write.method, ForOrganization{"", "field"}).code(), empty)
          << label << " for no organisation";
      checked += 3;
    }
  }
  // 6 roles x (13 writes for no organisation + 9 own-organisation writes x own, other, none).
  EXPECT_EQ(checked, 6 * (13 + 9 * 3)) << "a write or role case was skipped";
}

// The federation role (the region's link upward, docs/federation-policy.md): exactly the reads of the picture and the
// capacity overview, every other RPC refused, written out here independently of rules.cc. On a receiving (ROAZ or
// national) server a federator may also apply its source's log, which the configured identity decides, not the role
// (UpstreamSourcesAreAppliedOnlyByTheirConfiguredIdentity).
TEST(RulesTest, TheFederationRoleReadsThePictureAndTheCapacityOverviewOnly) {
  const std::set<std::string> allowed = {
      "/ketenbeeld.v1.PictureService/Get",
      "/ketenbeeld.v1.PictureService/List",
      "/ketenbeeld.v1.PictureService/History",
      "/ketenbeeld.v1.PictureService/Subscribe",
      "/ketenbeeld.v1.ReportService/GetCapacityOverview",
      "/ketenbeeld.v1.FederationService/ApplyUpstream",
      "/ketenbeeld.v1.FederationService/GetUpstreamCursors",
  };
  const security::Identity federation = As(Role::ROLE_FEDERATION, "federatie-vr10");
  int refused = 0;
  for (const std::string& method : AllMethods()) {
    const absl::Status status = AuthorizeCall(federation, method);
    if (allowed.contains(method)) {
      EXPECT_TRUE(status.ok()) << method << ": " << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << method;
      EXPECT_THAT(status.message(), HasSubstr("role federation may not call")) << method;
      ++refused;
    }
  }
  EXPECT_EQ(refused, static_cast<int>(AllMethods().size() - allowed.size()));
  EXPECT_EQ(RoleWord(Role::ROLE_FEDERATION), "federation");
  EXPECT_EQ(*security::ParseRole("federation", "OU"), Role::ROLE_FEDERATION);
}

// Federation: not the role, the configured identity of the source (AuthorizeUpstreamSource). Every role of the
// matrix passes the rule of both RPCs; only the organisation configured for the region then passes.
TEST(RulesTest, UpstreamSourcesAreAppliedOnlyByTheirConfiguredIdentity) {
  const UpstreamIdentities sources = {{"VR10", "federator-vr10"}, {"VR11", "federator-vr11"}};
  for (const RoleCase& role : kRoles) {
    const std::string label(RoleWord(role.role));
    EXPECT_TRUE(AuthorizeCall(As(role.role, role.organization_id), method::kApplyUpstream).ok()) << label;
    EXPECT_TRUE(AuthorizeCall(As(role.role, role.organization_id), method::kGetUpstreamCursors).ok()) << label;
    const absl::Status other = AuthorizeUpstreamSource(As(role.role, role.organization_id), "VR10", sources);
    EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied) << label;
    EXPECT_THAT(other.message(), HasSubstr("source_region: only the identity configured for VR10")) << label;
    EXPECT_EQ(AuthorizeUpstreamReader(As(role.role, role.organization_id), sources).code(),
              absl::StatusCode::kPermissionDenied)
        << label;
    const security::Identity federator = As(role.role, "federator-vr10");
    EXPECT_TRUE(AuthorizeUpstreamSource(federator, "VR10", sources).ok()) << label;
    EXPECT_EQ(AuthorizeUpstreamSource(federator, "VR11", sources).code(), absl::StatusCode::kPermissionDenied) << label;
    EXPECT_TRUE(AuthorizeUpstreamReader(federator, sources).ok()) << label;
  }
  const absl::Status unconfigured = AuthorizeUpstreamSource(As(Role::ROLE_OPERATOR, "federator-vr10"), "VR12", sources);
  EXPECT_EQ(unconfigured.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(unconfigured.message(), HasSubstr("source_region: VR12 is not a configured source"));
  EXPECT_EQ(AuthorizeUpstreamSource(As(Role::ROLE_OPERATOR, "federator-vr10"), "VR10", {}).code(),
            absl::StatusCode::kPermissionDenied)
      << "no source configured: nobody";
  const security::Identity developer{.subject = "ipv4:127.0.0.1:5000"};
  EXPECT_TRUE(AuthorizeUpstreamSource(developer, "VR10", {}).ok());
}

// Reservations forwarded by a ROAZ or national server: not the role, the listed identity, for its own region only.
TEST(RulesTest, ForwardedReservationCallsComeOnlyFromAListedIdentityForItsRegion) {
  const ReservationForwarders forwarders = {{"roaz-vr12", "VR12"}};
  for (const RoleCase& role : kRoles) {
    const std::string label(RoleWord(role.role));
    const absl::Status other =
        AuthorizeForwardedCall(As(role.role, role.organization_id), "VR12/ghor-roaz", forwarders);
    EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied) << label;
    EXPECT_THAT(other.message(), HasSubstr("forwarded_for: ")) << label;
    const security::Identity roaz = As(role.role, "roaz-vr12");
    EXPECT_TRUE(AuthorizeForwardedCall(roaz, "VR12/ghor-roaz", forwarders).ok()) << label;
    const absl::Status elsewhere = AuthorizeForwardedCall(roaz, "VR11/ghor-vr11", forwarders);
    EXPECT_EQ(elsewhere.code(), absl::StatusCode::kPermissionDenied) << label;
    EXPECT_THAT(elsewhere.message(), HasSubstr("forwards for VR12")) << label;
    EXPECT_EQ(AuthorizeForwardedCall(roaz, "VR12x/ghor-roaz", forwarders).code(), absl::StatusCode::kPermissionDenied)
        << label;
  }
  EXPECT_EQ(AuthorizeForwardedCall(As(Role::ROLE_OPERATOR, "roaz-vr12"), "VR12/ghor-roaz", {}).code(),
            absl::StatusCode::kPermissionDenied)
      << "nobody listed: nobody";
  const security::Identity developer{.subject = "ipv4:127.0.0.1:5000"};
  EXPECT_TRUE(AuthorizeForwardedCall(developer, "VR12/ghor-roaz", {}).ok());
}

}  // namespace
}  // namespace ketenbeeld::policy
