// GET /api/enums: the enum values the pages' lists come from, read from the descriptors compiled into the server.
#include "server/http/enums.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ketenbeeld/v1/status.pb.h"
#include "nlohmann/json.hpp"

namespace ketenbeeld::http {
namespace {

TEST(EnumsJson, ListsEachEnumOfTheApiWithItsValuesInDeclarationOrder) {
  const nlohmann::json json = nlohmann::json::parse(EnumsJson());
  const nlohmann::json& enums = json.at("enums");
  // Compared with the descriptor itself: a value added to status.proto is served without a change elsewhere.
  const google::protobuf::EnumDescriptor& bed_type = *ketenbeeld::v1::BedType_descriptor();
  std::vector<std::string> expected;
  for (int i = 0; i < bed_type.value_count(); ++i) expected.push_back(bed_type.value(i)->name());
  EXPECT_EQ(enums.at("BedType").get<std::vector<std::string>>(), expected);
  // Every enum the form edits, from several files (status, alert, organization, picture).
  for (const char* name : {"OverallStatus", "DisruptionType", "Severity", "StaffingLevel", "SupplyType", "SupplyState",
                           "EmergencyDepartmentState", "AlertSeverity", "Sector", "EntityKind"}) {
    ASSERT_TRUE(enums.contains(name)) << name;
    EXPECT_FALSE(enums.at(name).empty()) << name;
  }
  EXPECT_EQ(enums.at("OverallStatus").front(), "OVERALL_STATUS_UNSPECIFIED");
  for (const auto& [name, values] : enums.items()) {
    EXPECT_EQ(name.find('.'), std::string::npos) << name << ": keyed by its name within the package";
  }
}

}  // namespace
}  // namespace ketenbeeld::http
