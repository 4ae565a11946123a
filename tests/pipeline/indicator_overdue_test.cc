// Indicator cadence through the committer, with the fixture's fake clock: an organisation asked that has not answered
// within the cadence is marked overdue in the indicator's record (Indicator.overdue) by the tick, once per period,
// also across a restart; each mark notifies the organisation and makes one escalation task; an answer clears it; a
// server down over several periods marks only the newest; retired indicators, those without a cadence and those of a
// closed incident are not chased.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/names.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace indicator_overdue_test {
namespace {

using ::ketenbeeld::testing::MakeOrganization;
using ::ketenbeeld::testing::MakeReport;
using ::ketenbeeld::testing::RegisterWrite;
using ::ketenbeeld::testing::ReportWrite;
using ::ketenbeeld::testing::Write;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

v1::Organization NursingHome(const std::string& id) {
  v1::Organization organization = MakeOrganization(id, v1::ORGANIZATION_KIND_NURSING_HOME);
  organization.mutable_contact()->set_name("Crisiscoördinator");
  organization.mutable_contact()->set_phone("071 123 4567");
  v1::ContactEndpoint& email = *organization.mutable_contact()->add_endpoints();
  email.set_id("mail");
  email.mutable_email()->set_address("crisis@" + id + ".nl");
  return organization;
}

v1::DefineIndicatorRequest Temperature(absl::Duration cadence) {
  v1::DefineIndicatorRequest request;
  v1::Indicator& indicator = *request.mutable_indicator();
  indicator.set_id("temperatuur");
  indicator.set_label_nl("Hoogste binnentemperatuur");
  indicator.set_label_en("Highest indoor temperature");
  indicator.set_type(v1::INDICATOR_TYPE_NUMBER);
  indicator.set_unit("°C");
  indicator.mutable_applies_to()->add_organization_kinds(v1::ORGANIZATION_KIND_NURSING_HOME);
  if (cadence > absl::ZeroDuration()) *indicator.mutable_cadence() = ToProtoDuration(cadence);
  return request;
}

class IndicatorOverdueTest : public ::ketenbeeld::testing::CommitterFixture {
 protected:
  void SetUp() override {
    CommitterFixture::SetUp();
    MustSubmit(RegisterWrite(NursingHome("vvt-1")));
    MustSubmit(RegisterWrite(NursingHome("vvt-2")));
    MustSubmit(RegisterWrite(MakeOrganization("ziekenhuis")));  // A hospital: not asked.
  }

  // vvt-N answers the temperature now.
  void Answer(const std::string& organization, double degrees) {
    v1::StatusReport report = MakeReport(organization);
    v1::IndicatorValue& value = *report.add_indicator_values();
    value.set_indicator_id("temperatuur");
    value.set_number(degrees);
    MustSubmit(ReportWrite(std::move(report)));
  }

  void TickOk() { ASSERT_TRUE(Tick().ok()); }

  std::vector<v1::Record> All(v1::EntityKind kind) const {
    v1::Filter filter;
    filter.add_kinds(kind);
    std::vector<v1::Record> records;
    for (const state::RecordPtr& record : picture_->Take(domain::CompiledFilter(filter)).records) {
      records.push_back(record->record);
    }
    return records;
  }

  // The escalation tasks for overdue answers (not those of overdue status reports), as "organisation@due".
  std::vector<std::string> IndicatorTasks() const {
    std::vector<std::string> tasks;
    for (const v1::Record& record : All(v1::ENTITY_KIND_ESCALATION_TASK)) {
      if (record.escalation_task().reason() == v1::ESCALATION_REASON_INDICATOR_OVERDUE) {
        tasks.push_back(record.escalation_task().organization_id());
      }
    }
    return tasks;
  }

  int IndicatorNotifications() const {
    int count = 0;
    for (const v1::Record& record : All(v1::ENTITY_KIND_NOTIFICATION)) {
      if (record.notification().subject() == v1::NOTIFICATION_SUBJECT_INDICATOR_OVERDUE) ++count;
    }
    return count;
  }

  v1::Indicator Indicator() const { return Find(domain::IndicatorName("temperatuur")).indicator(); }

  // The overdue list as "organisation: due time (periods)".
  std::vector<std::string> Overdue() const {
    std::vector<std::string> list;
    const v1::Indicator indicator = Indicator();
    for (const v1::IndicatorOverdue& entry : indicator.overdue()) {
      list.push_back(absl::StrCat(entry.organization_id(), ": +",
                                  absl::FormatDuration(FromProtoTime(entry.due_at()) - asked_since_), " (",
                                  entry.periods_missed(), ")"));
    }
    return list;
  }

  absl::Time asked_since_;
};

TEST_F(IndicatorOverdueTest, ASilentOrganisationIsMarkedOncePerPeriodAndEscalatedAlsoAcrossARestart) {
  MustSubmit(Write(Temperature(absl::Hours(4))));
  asked_since_ = FromProtoTime(Indicator().asked_since());
  EXPECT_EQ(asked_since_, Now());
  Advance(absl::Hours(1));
  Answer("vvt-1", 27.5);  // Due again 4 hours later, at +5h.

  Advance(absl::Hours(3) - absl::Seconds(1));
  TickOk();
  EXPECT_THAT(Overdue(), IsEmpty()) << "not yet a whole cadence";
  Advance(absl::Seconds(2));
  TickOk();
  EXPECT_THAT(Overdue(), ElementsAre("vvt-2: +4h (1)")) << "never answered; the hospital is not asked";
  EXPECT_THAT(IndicatorTasks(), ElementsAre("vvt-2"));
  EXPECT_EQ(IndicatorNotifications(), 1);
  const std::vector<v1::Record> tasks = All(v1::ENTITY_KIND_ESCALATION_TASK);
  ASSERT_FALSE(tasks.empty());
  EXPECT_EQ(tasks.back().escalation_task().subject_name(), "indicators/temperatuur");
  EXPECT_THAT(tasks.back().escalation_task().instruction(),
              HasSubstr("answer to \"Highest indoor temperature\" overdue since"));

  // Ticks in the same period, and a restart, repeat nothing.
  TickOk();
  Restart();
  TickOk();
  TickOk();
  EXPECT_THAT(IndicatorTasks(), ElementsAre("vvt-2"));
  EXPECT_EQ(IndicatorNotifications(), 1);

  // vvt-1's answer runs out at +5h; vvt-2's second period at +8h.
  Advance(absl::Hours(1));
  TickOk();
  EXPECT_THAT(Overdue(), ElementsAre("vvt-1: +5h (1)", "vvt-2: +4h (1)"));
  Advance(absl::Hours(3));
  TickOk();
  TickOk();
  EXPECT_THAT(Overdue(), ElementsAre("vvt-1: +5h (1)", "vvt-2: +8h (2)"));
  EXPECT_THAT(IndicatorTasks(), ElementsAre("vvt-2", "vvt-1", "vvt-2"));
  EXPECT_EQ(IndicatorNotifications(), 3);

  // An answer clears the mark at the next tick, and makes nothing.
  Answer("vvt-2", 26);
  TickOk();
  EXPECT_THAT(Overdue(), ElementsAre("vvt-1: +5h (1)"));
  EXPECT_EQ(IndicatorTasks().size(), 3u);
}

TEST_F(IndicatorOverdueTest, AServerDownForSeveralPeriodsMarksOnlyTheNewest) {
  MustSubmit(Write(Temperature(absl::Hours(1))));
  asked_since_ = FromProtoTime(Indicator().asked_since());
  Answer("vvt-1", 25);
  Answer("vvt-2", 25);
  Restart();
  Advance(absl::Hours(3) + absl::Minutes(30));
  TickOk();
  EXPECT_THAT(Overdue(), ElementsAre("vvt-1: +3h (3)", "vvt-2: +3h (3)"));
  EXPECT_THAT(IndicatorTasks(), ElementsAre("vvt-1", "vvt-2"));
  EXPECT_EQ(FromProtoTime(Indicator().overdue(0).overdue_since()), asked_since_ + absl::Hours(1));
}

TEST_F(IndicatorOverdueTest, WithoutCadenceRetiredOrOfAClosedIncidentNobodyIsChased) {
  MustSubmit(Write(Temperature(absl::ZeroDuration())));
  Advance(absl::Hours(48));
  TickOk();
  EXPECT_THAT(Indicator().overdue(), IsEmpty()) << "no cadence: asked once";

  // Defining it again with a cadence keeps asked_since: vvt-1 and vvt-2 have been silent since then.
  MustSubmit(Write(Temperature(absl::Hours(4))));
  TickOk();
  EXPECT_EQ(Indicator().overdue_size(), 2);
  v1::RetireIndicatorRequest retire;
  retire.set_indicator_id("temperatuur");
  MustSubmit(Write(retire));
  EXPECT_THAT(Indicator().overdue(), IsEmpty()) << "retired: nothing is overdue";
  Advance(absl::Hours(5));
  TickOk();
  EXPECT_THAT(Indicator().overdue(), IsEmpty());

  v1::OpenIncidentRequest open;
  open.mutable_incident()->set_id("hitte");
  open.mutable_incident()->set_title("Hittegolf");
  open.mutable_incident()->set_type("hitte");
  open.mutable_incident()->set_scale_up_level("GRIP 1");
  open.mutable_incident()->set_safety_region("VR10");
  MustSubmit(Write(open));
  v1::DefineIndicatorRequest of_incident = Temperature(absl::Hours(4));
  of_incident.mutable_indicator()->set_id("klachten");
  of_incident.mutable_indicator()->set_type(v1::INDICATOR_TYPE_COUNT);
  of_incident.mutable_indicator()->set_incident_id("hitte");
  MustSubmit(Write(of_incident));
  v1::UpdateIncidentRequest close;
  *close.mutable_incident() = open.incident();
  close.mutable_incident()->set_status(v1::INCIDENT_STATUS_CLOSED);
  MustSubmit(Write(close));
  Advance(absl::Hours(5));
  TickOk();
  EXPECT_THAT(Find(domain::IndicatorName("klachten")).indicator().overdue(), IsEmpty()) << "its incident is closed";
}

}  // namespace
}  // namespace indicator_overdue_test
}  // namespace ketenbeeld::pipeline
