// Capacity that is not beds through the committer: each part of a report only from the organisation kinds it is for
// (refused with INVALID_ARGUMENT naming the field, taking no revision), ranges checked before queueing, and what is
// accepted stored as sent.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/committer_fixture.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::pipeline {
namespace {

using namespace ::ketenbeeld::testing;  // NOLINT(google-build-using-namespace): the fixture's builders.

v1::StatusReport KindReport(const std::string& organization_id, const std::string& text) {
  v1::StatusReport report = ParseTextProto<v1::StatusReport>(text);
  report.set_organization_id(organization_id);
  report.set_overall_status(v1::OVERALL_STATUS_STRAINED);
  return report;
}

class ChainReportTest : public CommitterFixture {
 protected:
  void SetUp() override {
    CommitterFixture::SetUp();
    ASSERT_TRUE(Register("rav", v1::ORGANIZATION_KIND_AMBULANCE_SERVICE).ok());
    ASSERT_TRUE(Register("vvt", v1::ORGANIZATION_KIND_NURSING_HOME).ok());
    ASSERT_TRUE(Register("tz", v1::ORGANIZATION_KIND_HOME_CARE).ok());
    ASSERT_TRUE(Register("hap", v1::ORGANIZATION_KIND_GP_POST).ok());
    ASSERT_TRUE(Register("ggd", v1::ORGANIZATION_KIND_GGD).ok());
  }

  // Submits the report, which must be refused with INVALID_ARGUMENT whose message starts with `field`, taking no
  // revision.
  void ExpectRefused(const v1::StatusReport& report, const std::string& message) {
    const int64_t before = store_->last_revision();
    absl::StatusOr<pipeline::WriteResult> result = Submit(ReportWrite(report));
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
    EXPECT_THAT(std::string(result.status().message()), ::testing::StartsWith(message));
    EXPECT_EQ(store_->last_revision(), before) << "nothing written";
  }
};

TEST_F(ChainReportTest, EachKindReportsWhatFitsIt) {
  v1::Record stored = MustSubmit(ReportWrite(KindReport("rav", "ambulance { ambulances_available: 4 }")));
  EXPECT_EQ(stored.status_report().ambulance().ambulances_available(), 4);
  EXPECT_FALSE(stored.status_report().ambulance().has_ambulances_deployed()) << "not reported stays absent";

  stored = MustSubmit(ReportWrite(KindReport("vvt", R"pb(
    intake_stop {
      state: INTAKE_STOP_STATE_ACTIVE
      since { seconds: 1704060000 }
      reason: "Opnamestop: noodstroom"
    }
  )pb")));
  EXPECT_EQ(stored.status_report().intake_stop().state(), v1::INTAKE_STOP_STATE_ACTIVE);
  EXPECT_EQ(stored.status_report().intake_stop().reason(), "Opnamestop: noodstroom");

  stored = MustSubmit(ReportWrite(KindReport("tz", R"pb(
    intake_stop { state: INTAKE_STOP_STATE_NONE }
    home_care { clients_in_care: 850 clients_on_powered_devices: 37 clients_on_home_ventilation: 5 }
  )pb")));
  EXPECT_EQ(stored.status_report().home_care().clients_on_powered_devices(), 37);

  stored = MustSubmit(ReportWrite(
      KindReport("hap", "gp_post { state: GP_POST_STATE_OPEN consultations_per_hour: 12 slots_available: 3 }")));
  EXPECT_EQ(stored.status_report().gp_post().state(), v1::GP_POST_STATE_OPEN);

  stored = MustSubmit(ReportWrite(KindReport("ggd", "public_health { infection_control_teams_available: 2 }")));
  EXPECT_EQ(stored.status_report().public_health().infection_control_teams_available(), 2);
}

TEST_F(ChainReportTest, WhatDoesNotFitTheKindIsRefusedNamingTheField) {
  ExpectRefused(KindReport("vvt", "ambulance { ambulances_available: 4 }"),
                "report.ambulance: only for ambulance services; the organisation is ORGANIZATION_KIND_NURSING_HOME");
  ExpectRefused(KindReport("rav", "intake_stop { state: INTAKE_STOP_STATE_ACTIVE }"),
                "report.intake_stop: only for long-term care");
  ExpectRefused(KindReport("vvt", "home_care { clients_on_powered_devices: 2 }"), "report.home_care: only for");
  ExpectRefused(KindReport("tz", "gp_post { state: GP_POST_STATE_CLOSED }"), "report.gp_post: only for GP posts");
  ExpectRefused(KindReport("hap", "public_health { vaccination_teams_available: 1 }"),
                "report.public_health: only for a GGD");
  // A hospital has beds and an emergency department, not an intake stop.
  ASSERT_TRUE(Register("zh").ok());
  ExpectRefused(KindReport("zh", "intake_stop { state: INTAKE_STOP_STATE_NONE }"), "report.intake_stop: only for");
  // The record kept what it had: the refused report replaced nothing.
  EXPECT_EQ(picture_->Find(domain::StatusReportName("vvt", "")), nullptr);
}

TEST_F(ChainReportTest, RangesAreCheckedBeforeTheKind) {
  ExpectRefused(KindReport("rav", "ambulance { ambulances_deployed: -1 }"),
                "report.ambulance.ambulances_deployed: must be between 0 and 100000, got -1");
  ExpectRefused(KindReport("tz", "home_care { clients_in_care: 3 clients_on_powered_devices: 4 }"),
                "report.home_care.clients_on_powered_devices: must not be more than report.home_care.clients_in_care");
  ExpectRefused(KindReport("vvt", "intake_stop { }"), "report.intake_stop.state: required");
}

}  // namespace
}  // namespace ketenbeeld::pipeline
