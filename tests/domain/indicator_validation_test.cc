// Questionnaires: the field checks of indicators and of the answers status reports carry, which organisations an
// indicator asks, and whether an answer fits its indicator. Every error names the field.
#include "server/domain/indicator_validation.h"

#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/status_update.h"
#include "server/domain/validation.h"

namespace ketenbeeld::domain {
namespace {

namespace v1 = ::ketenbeeld::v1;
using ::testing::HasSubstr;

v1::DefineIndicatorRequest HeatIndicator() {
  v1::DefineIndicatorRequest request;
  v1::Indicator& indicator = *request.mutable_indicator();
  indicator.set_id("binnentemperatuur");
  indicator.set_label_nl("Hoogste binnentemperatuur");
  indicator.set_label_en("Highest indoor temperature");
  indicator.set_type(v1::INDICATOR_TYPE_NUMBER);
  indicator.set_unit("°C");
  indicator.mutable_applies_to()->add_organization_kinds(v1::ORGANIZATION_KIND_NURSING_HOME);
  indicator.mutable_cadence()->set_seconds(4 * 3600);
  return request;
}

void ExpectInvalidField(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), ::testing::StartsWith(field + ":")) << status;
}

v1::Organization NursingHome(const std::string& id) {
  v1::Organization organization;
  organization.set_id(id);
  organization.set_kind(v1::ORGANIZATION_KIND_NURSING_HOME);
  organization.set_sector(v1::SECTOR_LONG_TERM_CARE);
  return organization;
}

TEST(IndicatorValidationTest, AValidIndicatorPasses) {
  EXPECT_TRUE(ValidateDefineIndicatorRequest(HeatIndicator()).ok());
}

TEST(IndicatorValidationTest, EachFieldIsCheckedAndNamed) {
  v1::DefineIndicatorRequest request = HeatIndicator();
  request.mutable_indicator()->set_id("Binnen Temperatuur");
  ExpectInvalidField(ValidateDefineIndicatorRequest(request), "indicator.id");

  request = HeatIndicator();
  request.mutable_indicator()->clear_label_en();
  ExpectInvalidField(ValidateDefineIndicatorRequest(request), "indicator.label_en");

  request = HeatIndicator();
  request.mutable_indicator()->set_type(v1::INDICATOR_TYPE_UNSPECIFIED);
  ExpectInvalidField(ValidateDefineIndicatorRequest(request), "indicator.type");

  request = HeatIndicator();
  request.mutable_indicator()->add_choices("warm");
  ExpectInvalidField(ValidateDefineIndicatorRequest(request), "indicator.choices");

  request = HeatIndicator();
  request.mutable_indicator()->mutable_applies_to()->add_sectors(v1::SECTOR_UNSPECIFIED);
  ExpectInvalidField(ValidateDefineIndicatorRequest(request), "indicator.applies_to.sectors[0]");

  request = HeatIndicator();
  request.mutable_indicator()->mutable_cadence()->set_seconds(60);
  ExpectInvalidField(ValidateDefineIndicatorRequest(request), "indicator.cadence");
}

TEST(IndicatorValidationTest, AChoiceIndicatorNeedsDistinctChoices) {
  v1::DefineIndicatorRequest request = HeatIndicator();
  request.mutable_indicator()->set_type(v1::INDICATOR_TYPE_CHOICE);
  request.mutable_indicator()->add_choices("koel");
  ExpectInvalidField(ValidateDefineIndicatorRequest(request), "indicator.choices");
  request.mutable_indicator()->add_choices("koel");
  ExpectInvalidField(ValidateDefineIndicatorRequest(request), "indicator.choices[1]");
  request.mutable_indicator()->set_choices(1, "warm");
  EXPECT_TRUE(ValidateDefineIndicatorRequest(request).ok());
}

TEST(IndicatorValidationTest, AnswersNeedOneValueWithinItsLimitsAndEachIndicatorOnce) {
  v1::ReportStatusRequest request;
  v1::StatusReport& report = *request.mutable_report();
  report.set_organization_id("vvt-1");
  report.set_overall_status(v1::OVERALL_STATUS_STRAINED);
  v1::IndicatorValue& temperature = *report.add_indicator_values();
  temperature.set_indicator_id("binnentemperatuur");
  temperature.set_number(29.5);
  EXPECT_TRUE(ValidateReportStatusRequest(request).ok());

  v1::IndicatorValue& empty = *report.add_indicator_values();
  empty.set_indicator_id("klachten");
  ExpectInvalidField(ValidateReportStatusRequest(request), "report.indicator_values[1]");
  empty.set_count(-1);
  ExpectInvalidField(ValidateReportStatusRequest(request), "report.indicator_values[1].count");
  empty.set_count(4);
  EXPECT_TRUE(ValidateReportStatusRequest(request).ok());
  empty.set_indicator_id("binnentemperatuur");
  ExpectInvalidField(ValidateReportStatusRequest(request), "report.indicator_values[1].indicator_id");

  report.mutable_indicator_values(1)->set_indicator_id("x");
  report.mutable_indicator_values(1)->set_number(std::numeric_limits<double>::infinity());
  ExpectInvalidField(ValidateReportStatusRequest(request), "report.indicator_values[1].number");
}

TEST(IndicatorValidationTest, IndicatorsAskBySectorKindOrNamedOrganisation) {
  v1::Indicator indicator = HeatIndicator().indicator();
  EXPECT_TRUE(IndicatorAppliesTo(indicator, NursingHome("vvt-1")));
  v1::Organization hospital;
  hospital.set_id("zh-1");
  hospital.set_kind(v1::ORGANIZATION_KIND_HOSPITAL);
  hospital.set_sector(v1::SECTOR_ACUTE_CARE);
  EXPECT_FALSE(IndicatorAppliesTo(indicator, hospital));
  indicator.mutable_applies_to()->add_organization_ids("zh-1");
  EXPECT_TRUE(IndicatorAppliesTo(indicator, hospital)) << "named explicitly";
  indicator.clear_applies_to();
  EXPECT_TRUE(IndicatorAppliesTo(indicator, hospital)) << "nothing named: everyone";
  indicator.mutable_applies_to()->add_organization_ids("vvt-9");
  EXPECT_FALSE(IndicatorAppliesTo(indicator, hospital)) << "only the named ones";
}

TEST(IndicatorValidationTest, AnAnswerMustFitItsIndicator) {
  const v1::Indicator indicator = HeatIndicator().indicator();
  const checks::FieldPath path("report");
  const checks::FieldPath values = path.Field("indicator_values");
  v1::IndicatorValue value;
  value.set_indicator_id("binnentemperatuur");
  value.set_number(30);
  EXPECT_TRUE(IndicatorValueFits(&indicator, value, NursingHome("vvt-1"), values.Index(0)).ok());

  value.set_count(30);
  const absl::Status wrong = IndicatorValueFits(&indicator, value, NursingHome("vvt-1"), values.Index(1));
  ExpectInvalidField(wrong, "report.indicator_values[1].count");
  EXPECT_THAT(std::string(wrong.message()), HasSubstr("give number"));

  value.set_number(30);
  ExpectInvalidField(IndicatorValueFits(nullptr, value, NursingHome("vvt-1"), values.Index(0)),
                     "report.indicator_values[0].indicator_id");

  v1::Indicator retired = indicator;
  retired.set_retired(true);
  const absl::Status refused = IndicatorValueFits(&retired, value, NursingHome("vvt-1"), values.Index(0));
  ExpectInvalidField(refused, "report.indicator_values[0].indicator_id");
  EXPECT_THAT(std::string(refused.message()), HasSubstr("retired"));
}

TEST(IndicatorValidationTest, APartialReportMergesAnswersByIndicatorAndStampsThem) {
  v1::StatusReport stored;
  stored.set_organization_id("vvt-1");
  stored.set_overall_status(v1::OVERALL_STATUS_NORMAL);
  v1::IndicatorValue& kept = *stored.add_indicator_values();
  kept.set_indicator_id("binnentemperatuur");
  kept.set_number(27);
  v1::IndicatorValue& replaced = *stored.add_indicator_values();
  replaced.set_indicator_id("klachten");
  replaced.set_count(1);

  v1::StatusReport update;
  update.set_organization_id("vvt-1");
  v1::IndicatorValue& answer = *update.add_indicator_values();
  answer.set_indicator_id("klachten");
  answer.set_count(4);
  google::protobuf::FieldMask mask;
  mask.add_paths("indicator_values");
  const absl::Time now = absl::FromUnixSeconds(1720000000);
  const v1::StatusReport merged = ApplyStatusUpdate(&stored, update, mask, now);
  ASSERT_EQ(merged.indicator_values_size(), 2);
  EXPECT_EQ(merged.indicator_values(0).number(), 27);
  EXPECT_EQ(merged.indicator_values(1).count(), 4);
  EXPECT_EQ(merged.indicator_values(1).reported_at().seconds(), 1720000000);

  v1::ReportStatusRequest request;
  *request.mutable_report() = update;
  request.mutable_update_mask()->add_paths("indicator_values.klachten");
  ExpectInvalidField(ValidateReportStatusRequest(request), "update_mask.paths[0]");
}

TEST(IndicatorValidationTest, AnAlertAsksForEachIndicatorOnce) {
  google::protobuf::RepeatedPtrField<std::string> ids;
  ids.Add("binnentemperatuur");
  ids.Add("klachten");
  EXPECT_TRUE(CheckAlertIndicatorIds(ids, checks::FieldPath("alert").Field("indicator_ids")).ok());
  ids.Add("klachten");
  const checks::FieldPath alert("alert");
  ExpectInvalidField(CheckAlertIndicatorIds(ids, alert.Field("indicator_ids")), "alert.indicator_ids[2]");
}

}  // namespace
}  // namespace ketenbeeld::domain
