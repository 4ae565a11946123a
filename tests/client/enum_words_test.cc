#include "client/cli/enum_words.h"

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/status.pb.h"

namespace ketenbeeld::cli {
namespace {

using ::testing::HasSubstr;

// Every enum the CLI reads or prints.
std::vector<const google::protobuf::EnumDescriptor*> CliEnums() {
  return {v1::OrganizationKind_descriptor(), v1::Sector_descriptor(),
          v1::OverallStatus_descriptor(),    v1::DisruptionType_descriptor(),
          v1::Severity_descriptor(),         v1::BedType_descriptor(),
          v1::StaffingLevel_descriptor(),    v1::SupplyType_descriptor(),
          v1::SupplyState_descriptor(),      v1::EmergencyDepartmentState_descriptor(),
          v1::EntityKind_descriptor(),       v1::Role_descriptor(),
          v1::EventType_descriptor()};
}

TEST(EnumWordsTest, EveryValueOfEveryCliEnumRoundTrips) {
  for (const google::protobuf::EnumDescriptor* descriptor : CliEnums()) {
    std::set<std::string> seen;
    for (int i = 0; i < descriptor->value_count(); ++i) {
      const google::protobuf::EnumValueDescriptor& value = *descriptor->value(i);
      if (value.number() == 0) continue;
      const std::string word = EnumWord(value);
      SCOPED_TRACE(value.full_name() + " -> " + word);
      EXPECT_FALSE(word.empty());
      EXPECT_EQ(word.find('_'), std::string::npos);
      for (char c : word) EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c)));
      EXPECT_TRUE(seen.insert(word).second) << "two values share a word";
      absl::StatusOr<int> parsed = ParseEnumWord(*descriptor, word);
      ASSERT_TRUE(parsed.ok()) << parsed.status();
      EXPECT_EQ(*parsed, value.number());
      // The full value name works too, as does any case.
      parsed = ParseEnumWord(*descriptor, value.name());
      ASSERT_TRUE(parsed.ok()) << parsed.status();
      EXPECT_EQ(*parsed, value.number());
    }
    EXPECT_EQ(EnumWords(*descriptor).size(), static_cast<size_t>(descriptor->value_count() - 1));
  }
}

// The CLI shows an event's actor role with these words; they are the words certificates and tokens carry
// (server/security/identity.h), so an operator reads the same word everywhere.
TEST(EnumWordsTest, RolesReadAsTheirCredentialWords) {
  EXPECT_EQ(EnumWord(v1::ROLE_INSTITUTION), "institution");
  EXPECT_EQ(EnumWord(v1::ROLE_GHOR), "ghor");
  EXPECT_EQ(EnumWord(v1::ROLE_DISPATCH), "dispatch");
  EXPECT_EQ(EnumWord(v1::ROLE_BESTUUR), "bestuur");
  EXPECT_EQ(EnumWord(v1::ROLE_OPERATOR), "operator");
  EXPECT_EQ(EnumWord(v1::ROLE_FEDERATION), "federation");
  // The old names are gone from the API (reserved in picture.proto).
  EXPECT_FALSE(ParseEnumWord<v1::Role>("admin").ok());
  EXPECT_FALSE(ParseEnumWord<v1::Role>("administration").ok());
}

TEST(EnumWordsTest, WordsStripThePrefixLowercaseAndUseDashes) {
  EXPECT_EQ(EnumWord(v1::BED_TYPE_IC_ADULT), "ic-adult");
  EXPECT_EQ(EnumWord(v1::ORGANIZATION_KIND_HOSPITAL), "hospital");
  EXPECT_EQ(EnumWord(v1::ORGANIZATION_KIND_CARE_AND_SAFETY_HOUSE), "care-and-safety-house");
  EXPECT_EQ(EnumWord(v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION), "diversion");
  EXPECT_EQ(EnumWord(v1::SECTOR_ACUTE_CARE), "acute-care");
  EXPECT_EQ(EnumWord(v1::ENTITY_KIND_STATUS_REPORT), "status-report");
  EXPECT_EQ(EnumWord(v1::OVERALL_STATUS_UNSPECIFIED), "unspecified");
  EXPECT_EQ(EnumValuePrefix(*v1::EmergencyDepartmentState_descriptor()), "EMERGENCY_DEPARTMENT_STATE_");
  EXPECT_EQ(EnumHumanName(*v1::BedType_descriptor()), "bed type");
}

TEST(EnumWordsTest, ParsingIsForgivingAboutCaseAndUnderscores) {
  EXPECT_EQ(ParseEnumWord<v1::BedType>("IC_Adult").value(), v1::BED_TYPE_IC_ADULT);
  EXPECT_EQ(ParseEnumWord<v1::BedType>(" ic-adult ").value(), v1::BED_TYPE_IC_ADULT);
  EXPECT_EQ(ParseEnumWord<v1::OrganizationKind>("ORGANIZATION_KIND_GGD").value(), v1::ORGANIZATION_KIND_GGD);
}

TEST(EnumWordsTest, UnknownAndUnspecifiedWordsAreRejectedWithTheValidWords) {
  absl::StatusOr<v1::BedType> typo = ParseEnumWord<v1::BedType>("ic-adlt");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(typo.status().message(), HasSubstr("unknown bed type \"ic-adlt\""));
  EXPECT_THAT(typo.status().message(), HasSubstr("ic-adult, ic-paediatric, ic-neonatal"));

  absl::StatusOr<v1::Severity> unspecified = ParseEnumWord<v1::Severity>("unspecified");
  ASSERT_FALSE(unspecified.ok());
  EXPECT_THAT(unspecified.status().message(), HasSubstr("(valid: none, minor, major, critical)"));
  EXPECT_FALSE(ParseEnumWord<v1::Severity>("").ok());
}

TEST(EnumWordsTest, NumbersUnknownToThisClientAreShownNotHidden) {
  EXPECT_EQ(EnumWord(static_cast<v1::BedType>(99)), "unknown(99)");
}

}  // namespace
}  // namespace ketenbeeld::cli
