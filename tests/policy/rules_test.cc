#include "server/policy/rules.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/admin_service.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"

namespace ketenbeeld::policy {
namespace {

using ::testing::HasSubstr;
using v1::Role;

security::Identity As(Role role, std::string organization_id = "ziekenhuis-a") {
  return security::Identity{.organization_id = std::move(organization_id),
                            .role = role,
                            .subject = "token:test",
                            .credential = security::Credential::kToken};
}

// Every method of every ketenbeeld.v1 service, from the descriptors: a new RPC shows up here by itself.
std::set<std::string> AllMethods() {
  std::set<std::string> methods;
  for (const char* service :
       {"ketenbeeld.v1.PictureService", "ketenbeeld.v1.IncidentService", "ketenbeeld.v1.AlertService",
        "ketenbeeld.v1.AssistanceService", "ketenbeeld.v1.ReportService", "ketenbeeld.v1.AdminService"}) {
    const google::protobuf::ServiceDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
    EXPECT_NE(descriptor, nullptr) << service;
    if (descriptor == nullptr) continue;
    for (int i = 0; i < descriptor->method_count(); ++i) {
      methods.insert("/" + descriptor->full_name() + "/" + descriptor->method(i)->name());
    }
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
    EXPECT_TRUE(AuthorizeActingFor(As(role), method::kReportStatus, "ziekenhuis-a", "report.organization_id").ok());
    const absl::Status other =
        AuthorizeActingFor(As(role), method::kReportStatus, "ziekenhuis-b", "report.organization_id");
    EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_THAT(other.message(), HasSubstr("report.organization_id: \"ziekenhuis-b\" is not your organisation"));
  }
}

TEST(RulesTest, TheGhorActsForAnyOrganisation) {
  EXPECT_TRUE(AuthorizeActingFor(As(Role::ROLE_GHOR, "ghor-vr10"), method::kReportStatus, "ziekenhuis-b",
                                 "report.organization_id")
                  .ok());
}

TEST(RulesTest, AnEmptyOrganisationIsLeftToValidation) {
  EXPECT_TRUE(AuthorizeActingFor(As(Role::ROLE_INSTITUTION), method::kReportStatus, "", "report.organization_id").ok());
}

}  // namespace
}  // namespace ketenbeeld::policy
