// What a report may say about its supplies' future (an expected delivery, a coming staff shortage) and what a region
// may configure for the supply warnings: bad input is refused naming the field.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/region.h"
#include "server/domain/validation.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::domain {
namespace {

using ::ketenbeeld::testing::ParseTextProto;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ErrorOf(const std::string& report_text) {
  const absl::Status status = ValidateStatusReport(ParseTextProto<v1::StatusReport>(report_text));
  EXPECT_TRUE(status.ok() || status.code() == absl::StatusCode::kInvalidArgument) << status;
  return std::string(status.message());
}

TEST(SupplyValidationTest, AnExpectedDeliveryNeedsItsTimeAndAPositiveQuantity) {
  EXPECT_EQ(ErrorOf(R"pb(
              organization_id: "zh-noord"
              overall_status: OVERALL_STATUS_STRAINED
              supplies {
                type: SUPPLY_TYPE_FUEL
                stock: 2000
                resupply {
                  expected_at { seconds: 1800000000 }
                  quantity: 5000
                  supplier: "Brandstofhandel Kop"
                }
              }
            )pb"),
            "");
  EXPECT_THAT(ErrorOf(R"pb(
                organization_id: "zh-noord"
                overall_status: OVERALL_STATUS_STRAINED
                supplies {
                  type: SUPPLY_TYPE_FUEL
                  resupply { quantity: 5000 }
                }
              )pb"),
              StartsWith("report.supplies[0].resupply.expected_at: is required"));
  EXPECT_THAT(ErrorOf(R"pb(
                organization_id: "zh-noord"
                overall_status: OVERALL_STATUS_STRAINED
                supplies {
                  type: SUPPLY_TYPE_FUEL
                  resupply {
                    expected_at { seconds: 1800000000 }
                    quantity: 0
                  }
                }
              )pb"),
              StartsWith("report.supplies[0].resupply.quantity: must be > 0"));
  EXPECT_THAT(ErrorOf(R"pb(
                organization_id: "zh-noord"
                overall_status: OVERALL_STATUS_STRAINED
                supplies {
                  type: SUPPLY_TYPE_FUEL
                  resupply {
                    expected_at { seconds: 1800000000 }
                    quantity: -1
                  }
                }
              )pb"),
              StartsWith("report.supplies[0].resupply.quantity: must be >= 0"));
  EXPECT_THAT(ErrorOf(R"pb(
                organization_id: "zh-noord"
                overall_status: OVERALL_STATUS_STRAINED
                supplies {
                  type: SUPPLY_TYPE_FUEL
                  resupply { expected_at { seconds: 1800000000 nanos: -1 } }
                }
              )pb"),
              StartsWith("report.supplies[0].resupply.expected_at"));
}

TEST(SupplyValidationTest, AComingStaffShortageNeedsAValidTime) {
  EXPECT_THAT(ErrorOf(R"pb(
                organization_id: "zh-noord"
                overall_status: OVERALL_STATUS_STRAINED
                staffing {
                  level: STAFFING_LEVEL_INSUFFICIENT
                  shortage_from { seconds: -99999999999999 }
                }
              )pb"),
              StartsWith("report.staffing.shortage_from"));
}

TEST(SupplyWarningHorizonsTest, DefaultsAndTheRegionsOwnLongestFirst) {
  EXPECT_THAT(Region::Default().supply_warning_horizons(),
              ::testing::ElementsAre(absl::Hours(12), absl::Hours(6), absl::Hours(2)));
  absl::StatusOr<Region> own = Region::FromConfig(ParseTextProto<server::v1::RegionConfig>(R"pb(
    supply_warning_horizons { seconds: 3600 }
    supply_warning_horizons { seconds: 86400 }
  )pb"));
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_THAT(own->supply_warning_horizons(), ::testing::ElementsAre(absl::Hours(24), absl::Hours(1)));
}

TEST(SupplyWarningHorizonsTest, BadHorizonsAreNamed) {
  auto error = [](const std::string& text) {
    return std::string(Region::FromConfig(ParseTextProto<server::v1::RegionConfig>(text)).status().message());
  };
  EXPECT_THAT(error("supply_warning_horizons { seconds: 3600 } supply_warning_horizons { seconds: 3600 }"),
              StartsWith("region.supply_warning_horizons[1]: 1h appears twice"));
  EXPECT_THAT(error("supply_warning_horizons { seconds: 0 }"),
              StartsWith("region.supply_warning_horizons[0]: must not be 0"));
  EXPECT_THAT(error("supply_warning_horizons { seconds: 10 }"),
              StartsWith("region.supply_warning_horizons[0]: must be between 1 minute and 7 days"));
  std::string nine;
  for (int i = 1; i <= 9; ++i) nine += "supply_warning_horizons { seconds: " + std::to_string(i * 3600) + " } ";
  EXPECT_THAT(error(nine), HasSubstr("at most 8 horizons, got 9"));
}

}  // namespace
}  // namespace ketenbeeld::domain
