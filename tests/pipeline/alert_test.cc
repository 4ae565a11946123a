// Alerts, acknowledgements and the deadline-passed fact through the commit pipeline: versions, cancel, audience
// rules, late acknowledgements, and the fact committed exactly once (also across a restart).
#include <algorithm>
#include <string>
#include <vector>

#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/names.h"
#include "server/domain/region.h"
#include "server/queries/audience.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

v1::Alert MakeAlert(const std::string& id) {
  v1::Alert alert;
  alert.set_id(id);
  alert.set_headline("Verwacht: 40 gewonden (T2) na explosie");
  alert.set_instruction("Meld beschikbare IC- en SEH-capaciteit");
  alert.set_urgency(v1::URGENCY_IMMEDIATE);
  alert.set_severity(v1::ALERT_SEVERITY_SEVERE);
  alert.set_certainty(v1::CERTAINTY_LIKELY);
  return alert;
}

v1::SendAlertRequest Send(const v1::Alert& alert, std::optional<int64_t> expected = std::nullopt) {
  v1::SendAlertRequest request;
  *request.mutable_alert() = alert;
  if (expected) request.set_expected_revision(*expected);
  return request;
}

v1::SendAlertRequest Cancel(const std::string& id) {
  v1::SendAlertRequest request;
  request.mutable_alert()->set_id(id);
  request.mutable_alert()->set_status(v1::ALERT_STATUS_CANCELLED);
  return request;
}

v1::AcknowledgeAlertRequest Ack(const std::string& alert_id, const std::string& organization_id,
                                const std::string& comment = "") {
  v1::AcknowledgeAlertRequest request;
  request.set_alert_id(alert_id);
  request.set_organization_id(organization_id);
  request.set_comment(comment);
  return request;
}

// How many events of the log carry a deadline-passed fact for this alert that the previous event of the alert did
// not carry: the number of times the fact was committed.
int DeadlineFacts(const std::vector<v1::Event>& log, const std::string& alert_id) {
  int facts = 0;
  bool had = false;
  for (const v1::Event& event : log) {
    if (event.record().name() != domain::AlertName(alert_id)) continue;
    const bool has = event.record().alert().has_deadline_passed();
    if (has && !had) ++facts;
    had = has;
  }
  return facts;
}

int EventsWithDeadlinePassed(const std::vector<v1::Event>& log) {
  return static_cast<int>(std::count_if(log.begin(), log.end(), [](const v1::Event& event) {
    return event.record().has_alert() && event.record().alert().has_deadline_passed();
  }));
}

class AlertTest : public ::ketenbeeld::testing::CommitterFixture {
 protected:
  void SetUp() override {
    CommitterFixture::SetUp();
    ASSERT_TRUE(Register("ziekenhuis-a").ok());
    ASSERT_TRUE(Register("ziekenhuis-b").ok());
    ASSERT_TRUE(Register("vvt-c", v1::ORGANIZATION_KIND_NURSING_HOME).ok());
    // A hospital of another region: a server refuses to register one now, but a store written before it did may
    // hold it, so it is registered under VR01's rules and the pipeline restarted as VR10's.
    ketenbeeld::server::v1::RegionConfig vr01;
    vr01.set_safety_region("VR01");
    absl::StatusOr<domain::Region> other_region = domain::Region::FromConfig(vr01, "region");
    ASSERT_TRUE(other_region.ok()) << other_region.status();
    region_ = *other_region;
    Restart();
    ASSERT_TRUE(Register("ziekenhuis-noord", v1::ORGANIZATION_KIND_HOSPITAL, "VR01").ok());
    region_ = domain::Region::Default();
    Restart();
  }

  v1::Alert AlertRecord(const std::string& id) { return Find(domain::AlertName(id)).alert(); }

  // One SystemTick; returns how many alert records it changed (other time-driven facts, such as overdue reports,
  // are not counted).
  int TickAlerts() {
    const int64_t before = store_->last_revision();
    absl::StatusOr<WriteResult> result = Tick();
    EXPECT_TRUE(result.ok()) << result.status();
    int alert_changes = 0;
    for (const v1::Event& event : Log(before)) {
      if (event.record().kind() == v1::ENTITY_KIND_ALERT) ++alert_changes;
    }
    return alert_changes;
  }

  // An alert to the hospitals of VR10 (ziekenhuis-a and -b), to acknowledge within `within`.
  v1::Alert HospitalAlert(const std::string& id, absl::Duration within = absl::Minutes(30)) {
    v1::Alert alert = MakeAlert(id);
    alert.mutable_audience()->add_safety_regions("VR10");
    alert.mutable_audience()->add_kinds(v1::ORGANIZATION_KIND_HOSPITAL);
    *alert.mutable_acknowledge_by() = ToProtoTime(Now() + within);
    return alert;
  }
};

TEST_F(AlertTest, ANewAlertIsVersionOneActiveWithSentAtAndTheFirstAudienceRegionAsScope) {
  absl::StatusOr<WriteResult> result = Submit(Send(HospitalAlert("explosie")));
  ASSERT_TRUE(result.ok()) << result.status();
  const v1::Record& record = result->record->record;
  EXPECT_EQ(record.name(), "alerts/explosie");
  EXPECT_EQ(record.kind(), v1::ENTITY_KIND_ALERT);
  EXPECT_EQ(record.scope().safety_region(), "VR10");
  EXPECT_EQ(record.alert().status(), v1::ALERT_STATUS_ACTIVE);
  EXPECT_EQ(record.alert().version(), 1);
  EXPECT_EQ(record.alert().sent_at(), ToProtoTime(Now()));
  EXPECT_FALSE(record.alert().has_deadline_passed());
}

TEST_F(AlertTest, OutputOnlyFieldsOfTheRequestAreIgnored) {
  v1::Alert alert = HospitalAlert("explosie");
  alert.set_version(7);
  *alert.mutable_sent_at() = ToProtoTime(Now() - absl::Hours(2));
  alert.mutable_deadline_passed()->set_audience_size(99);
  absl::StatusOr<WriteResult> result = Submit(Send(alert));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->record->record.alert().version(), 1);
  EXPECT_EQ(result->record->record.alert().sent_at(), ToProtoTime(Now()));
  EXPECT_FALSE(result->record->record.alert().has_deadline_passed());
}

TEST_F(AlertTest, AnUpdateIsTheNextVersionAndKeepsSentAt) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie"))).ok());
  const google::protobuf::Timestamp sent_at = ToProtoTime(Now());
  Advance(absl::Minutes(5));
  v1::Alert update = HospitalAlert("explosie");
  update.set_headline("Update: 60 gewonden verwacht");
  absl::StatusOr<WriteResult> result = Submit(Send(update));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->record->record.alert().version(), 2);
  EXPECT_EQ(result->record->record.alert().sent_at(), sent_at);
  EXPECT_EQ(result->record->record.alert().headline(), "Update: 60 gewonden verwacht");
}

TEST_F(AlertTest, CancelKeepsTheContentAndACancelledAlertIsFinal) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie"))).ok());
  absl::StatusOr<WriteResult> cancelled = Submit(Cancel("explosie"));
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  const v1::Alert& alert = cancelled->record->record.alert();
  EXPECT_EQ(alert.status(), v1::ALERT_STATUS_CANCELLED);
  EXPECT_EQ(alert.version(), 2);
  EXPECT_EQ(alert.headline(), "Verwacht: 40 gewonden (T2) na explosie");
  EXPECT_EQ(cancelled->record->record.scope().safety_region(), "VR10");
  const int64_t revision = store_->last_revision();

  for (const v1::SendAlertRequest& request : {Send(HospitalAlert("explosie")), Cancel("explosie")}) {
    absl::StatusOr<WriteResult> result = Submit(request);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(result.status().message(), HasSubstr("ALERT_STATUS_CANCELLED"));
  }
  absl::StatusOr<WriteResult> ack = Submit(Ack("explosie", "ziekenhuis-a"));
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->last_revision(), revision);
}

TEST_F(AlertTest, CancellingAnUnknownAlertIsNotFound) {
  absl::StatusOr<WriteResult> result = Submit(Cancel("bestaat-niet"));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AlertTest, TheDeadlineMustBeAfterTheCommitTime) {
  for (absl::Duration within : {absl::ZeroDuration(), -absl::Seconds(1)}) {
    absl::StatusOr<WriteResult> result = Submit(Send(HospitalAlert("explosie", within)));
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << within;
    EXPECT_THAT(result.status().message(), HasSubstr("alert.acknowledge_by"));
  }
  EXPECT_TRUE(Submit(Send(HospitalAlert("explosie", absl::Microseconds(1)))).ok());
  // No deadline at all is fine too.
  EXPECT_TRUE(Submit(Send(MakeAlert("informatief"))).ok());
}

TEST_F(AlertTest, ReferencesMustExist) {
  v1::Alert alert = HospitalAlert("explosie");
  alert.set_incident_id("brand-1");
  absl::StatusOr<WriteResult> result = Submit(Send(alert));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("alert.incident_id: incident \"brand-1\" does not exist"));

  alert.clear_incident_id();
  alert.mutable_audience()->add_organization_ids("ziekenhuis-a");
  alert.mutable_audience()->add_organization_ids("ziekenhuis-x");
  result = Submit(Send(alert));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("alert.audience.organization_ids[1]"));
}

TEST_F(AlertTest, SendWithExpectedRevisionIsCompareAndSet) {
  absl::StatusOr<WriteResult> exists = Submit(Send(HospitalAlert("explosie"), 0));
  ASSERT_TRUE(exists.ok()) << exists.status();
  EXPECT_EQ(Submit(Send(HospitalAlert("explosie"), 0)).status().code(), absl::StatusCode::kAborted);
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie"), exists->revision)).ok());
  EXPECT_EQ(Submit(Send(HospitalAlert("explosie"), exists->revision)).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(AlertRecord("explosie").version(), 2);
}

TEST_F(AlertTest, AcknowledgementRecordsVersionTimeAndTheOrganisationsScope) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie"))).ok());
  Advance(absl::Minutes(3));
  absl::StatusOr<WriteResult> result = Submit(Ack("explosie", "ziekenhuis-a", "10 IC-bedden vrij"));
  ASSERT_TRUE(result.ok()) << result.status();
  const v1::Record& record = result->record->record;
  EXPECT_EQ(record.name(), "alerts/explosie/acknowledgements/ziekenhuis-a");
  EXPECT_EQ(record.kind(), v1::ENTITY_KIND_ACKNOWLEDGEMENT);
  EXPECT_EQ(record.scope().organization_id(), "ziekenhuis-a");
  EXPECT_EQ(record.scope().safety_region(), "VR10");
  EXPECT_EQ(record.scope().organization_kind(), v1::ORGANIZATION_KIND_HOSPITAL);
  EXPECT_EQ(record.acknowledgement().alert_id(), "explosie");
  EXPECT_EQ(record.acknowledgement().organization_id(), "ziekenhuis-a");
  EXPECT_EQ(record.acknowledgement().comment(), "10 IC-bedden vrij");
  EXPECT_EQ(record.acknowledgement().alert_version(), 1);
  EXPECT_EQ(record.acknowledgement().acknowledged_at(), ToProtoTime(Now()));
  EXPECT_FALSE(record.acknowledgement().late());
}

TEST_F(AlertTest, AcknowledgementRefusals) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie"))).ok());
  absl::StatusOr<WriteResult> unknown_alert = Submit(Ack("bestaat-niet", "ziekenhuis-a"));
  EXPECT_EQ(unknown_alert.status().code(), absl::StatusCode::kNotFound);

  absl::StatusOr<WriteResult> unregistered = Submit(Ack("explosie", "ziekenhuis-x"));
  EXPECT_EQ(unregistered.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unregistered.status().message(), HasSubstr("organization_id"));

  // A nursing home (wrong kind) and a hospital of another region (wrong region) are outside the audience.
  for (const char* outsider : {"vvt-c", "ziekenhuis-noord"}) {
    absl::StatusOr<WriteResult> result = Submit(Ack("explosie", outsider));
    EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition) << outsider;
    EXPECT_THAT(result.status().message(), HasSubstr(absl::StrCat("organisation \"", outsider,
                                                                  "\" is not in the audience of alert \"explosie\"")));
  }
  EXPECT_EQ(picture_->Find(domain::AcknowledgementPrefix("explosie") + "vvt-c"), nullptr);
}

TEST_F(AlertTest, AcknowledgementAtOrAfterTheDeadlineIsLate) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie", absl::Minutes(30)))).ok());
  Advance(absl::Minutes(30) - absl::Microseconds(1));
  absl::StatusOr<WriteResult> on_time = Submit(Ack("explosie", "ziekenhuis-a"));
  ASSERT_TRUE(on_time.ok());
  EXPECT_FALSE(on_time->record->record.acknowledgement().late());
  Advance(absl::Microseconds(1));
  absl::StatusOr<WriteResult> at_deadline = Submit(Ack("explosie", "ziekenhuis-b"));
  ASSERT_TRUE(at_deadline.ok());
  EXPECT_TRUE(at_deadline->record->record.acknowledgement().late()) << "acknowledge *before* the deadline";
}

TEST_F(AlertTest, AcknowledgingAgainUpdatesTheCommentButNotTheMomentOrLateness) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie", absl::Minutes(30)))).ok());
  ASSERT_TRUE(Submit(Ack("explosie", "ziekenhuis-a", "ontvangen")).ok());
  const google::protobuf::Timestamp first = ToProtoTime(Now());
  Advance(absl::Hours(1));  // Past the deadline.
  absl::StatusOr<WriteResult> again = Submit(Ack("explosie", "ziekenhuis-a", "10 bedden vrij"));
  ASSERT_TRUE(again.ok()) << again.status();
  const v1::Acknowledgement& acknowledgement = again->record->record.acknowledgement();
  EXPECT_EQ(acknowledgement.comment(), "10 bedden vrij");
  EXPECT_EQ(acknowledgement.acknowledged_at(), first);
  EXPECT_FALSE(acknowledgement.late());
  EXPECT_EQ(again->record->record.create_revision(), again->record->record.mod_revision() - 1);
}

TEST_F(AlertTest, AcknowledgingANewVersionRecordsThatVersion) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie"))).ok());
  ASSERT_TRUE(Submit(Ack("explosie", "ziekenhuis-a")).ok());
  Advance(absl::Minutes(1));
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie"))).ok());
  absl::StatusOr<WriteResult> again = Submit(Ack("explosie", "ziekenhuis-a"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->record->record.acknowledgement().alert_version(), 2);
  EXPECT_EQ(again->record->record.acknowledgement().acknowledged_at(), ToProtoTime(Now()));
}

TEST_F(AlertTest, DeadlinePassedIsCommittedOnceWithTheMissingOrganisations) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie", absl::Minutes(30)))).ok());
  ASSERT_TRUE(Submit(Ack("explosie", "ziekenhuis-b")).ok());
  EXPECT_EQ(TickAlerts(), 0) << "before the deadline";
  Advance(absl::Minutes(30) - absl::Microseconds(1));
  EXPECT_EQ(TickAlerts(), 0) << "one microsecond before the deadline";
  Advance(absl::Microseconds(1));
  EXPECT_EQ(TickAlerts(), 1) << "at the deadline";

  const v1::Record record = Find("alerts/explosie");
  const v1::Alert& alert = record.alert();
  ASSERT_TRUE(alert.has_deadline_passed());
  EXPECT_EQ(alert.deadline_passed().passed_at(), ToProtoTime(Now()));
  EXPECT_THAT(alert.deadline_passed().unacknowledged_organization_ids(), ElementsAre("ziekenhuis-a"));
  EXPECT_EQ(alert.deadline_passed().audience_size(), 2);
  EXPECT_EQ(alert.version(), 1) << "a server fact, not a new version";
  EXPECT_EQ(alert.status(), v1::ALERT_STATUS_ACTIVE);

  Advance(absl::Seconds(1));
  EXPECT_EQ(TickAlerts(), 0) << "second tick";
  Advance(absl::Hours(1));
  EXPECT_EQ(TickAlerts(), 0) << "much later";
  EXPECT_EQ(EventsWithDeadlinePassed(Log()), 1);
}

TEST_F(AlertTest, DeadlinePassedIsNotRepeatedAfterARestart) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie", absl::Minutes(30)))).ok());
  Advance(absl::Minutes(31));
  EXPECT_EQ(TickAlerts(), 1);
  Restart();
  EXPECT_EQ(TickAlerts(), 0);
  Advance(absl::Minutes(1));
  EXPECT_EQ(TickAlerts(), 0);
  EXPECT_EQ(EventsWithDeadlinePassed(Log()), 1);
  EXPECT_THAT(AlertRecord("explosie").deadline_passed().unacknowledged_organization_ids(),
              ElementsAre("ziekenhuis-a", "ziekenhuis-b"));
}

TEST_F(AlertTest, ADeadlineThatPassedWhileTheServerWasDownIsCommittedAtTheFirstTick) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie", absl::Minutes(30)))).ok());
  Restart();  // "Down" while the deadline passes.
  Advance(absl::Hours(2));
  Restart();
  EXPECT_EQ(TickAlerts(), 1);
  EXPECT_EQ(AlertRecord("explosie").deadline_passed().passed_at(), ToProtoTime(Now()));
  EXPECT_EQ(TickAlerts(), 0);
}

TEST_F(AlertTest, TicksQueuedTogetherCommitTheFactOnce) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie", absl::Minutes(30)))).ok());
  Advance(absl::Minutes(30));
  std::vector<mutations::WriteRequest> ticks(8, mutations::WriteRequest{.body = mutations::SystemTick{}, .actor = {}});
  for (const absl::StatusOr<WriteResult>& result : SubmitAll(std::move(ticks))) EXPECT_TRUE(result.ok());
  EXPECT_EQ(EventsWithDeadlinePassed(Log()), 1);
}

TEST_F(AlertTest, DeadlinePassedIsCommittedAlsoWhenEveryoneAcknowledged) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie", absl::Minutes(30)))).ok());
  ASSERT_TRUE(Submit(Ack("explosie", "ziekenhuis-a")).ok());
  ASSERT_TRUE(Submit(Ack("explosie", "ziekenhuis-b")).ok());
  Advance(absl::Minutes(30));
  EXPECT_EQ(TickAlerts(), 1);
  EXPECT_THAT(AlertRecord("explosie").deadline_passed().unacknowledged_organization_ids(), IsEmpty());
  EXPECT_EQ(AlertRecord("explosie").deadline_passed().audience_size(), 2);
}

TEST_F(AlertTest, NoFactForCancelledAlertsOrAlertsWithoutADeadline) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie", absl::Minutes(30)))).ok());
  ASSERT_TRUE(Submit(Cancel("explosie")).ok());
  ASSERT_TRUE(Submit(Send(MakeAlert("informatief"))).ok());
  Advance(absl::Hours(1));
  EXPECT_EQ(TickAlerts(), 0);
}

TEST_F(AlertTest, AnUpdateKeepingThePassedDeadlineKeepsTheFact) {
  v1::Alert alert = HospitalAlert("explosie", absl::Minutes(30));
  ASSERT_TRUE(Submit(Send(alert)).ok());
  Advance(absl::Minutes(30));
  ASSERT_EQ(TickAlerts(), 1);
  alert.set_description("Aanvullende informatie");
  absl::StatusOr<WriteResult> update = Submit(Send(alert));  // Same (passed) deadline: allowed.
  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_TRUE(update->record->record.alert().has_deadline_passed());
  EXPECT_EQ(TickAlerts(), 0);
  EXPECT_EQ(DeadlineFacts(Log(), "explosie"), 1);
}

TEST_F(AlertTest, AnUpdateMovingTheDeadlineGetsItsOwnFactWhenThatPasses) {
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie", absl::Minutes(30)))).ok());
  Advance(absl::Minutes(30));
  ASSERT_EQ(TickAlerts(), 1);
  ASSERT_TRUE(Submit(Ack("explosie", "ziekenhuis-a")).ok());
  absl::StatusOr<WriteResult> moved = Submit(Send(HospitalAlert("explosie", absl::Minutes(15))));
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_FALSE(moved->record->record.alert().has_deadline_passed());
  EXPECT_EQ(TickAlerts(), 0);
  Advance(absl::Minutes(15));
  EXPECT_EQ(TickAlerts(), 1);
  EXPECT_THAT(AlertRecord("explosie").deadline_passed().unacknowledged_organization_ids(), ElementsAre("ziekenhuis-b"));
  EXPECT_EQ(TickAlerts(), 0);
  EXPECT_EQ(DeadlineFacts(Log(), "explosie"), 2) << "one per deadline";
}

TEST_F(AlertTest, AnUpdateBeforeTheTickKeepingThePassedDeadlineStillGetsTheFact) {
  v1::Alert alert = HospitalAlert("explosie", absl::Minutes(30));
  ASSERT_TRUE(Submit(Send(alert)).ok());
  Advance(absl::Minutes(31));
  alert.set_headline("Correctie");
  ASSERT_TRUE(Submit(Send(alert)).ok());
  EXPECT_EQ(TickAlerts(), 1);
  EXPECT_EQ(AlertRecord("explosie").version(), 2);
}

TEST_F(AlertTest, AudienceMatchesEveryNonEmptyListAndAnyValueWithinOne) {
  v1::Audience everyone;
  EXPECT_THAT(queries::AudienceOf(everyone, *picture_),
              ElementsAre("vvt-c", "ziekenhuis-a", "ziekenhuis-b", "ziekenhuis-noord"));

  v1::Audience hospitals_vr10;
  hospitals_vr10.add_safety_regions("VR10");
  hospitals_vr10.add_kinds(v1::ORGANIZATION_KIND_HOSPITAL);
  EXPECT_THAT(queries::AudienceOf(hospitals_vr10, *picture_), ElementsAre("ziekenhuis-a", "ziekenhuis-b"));

  v1::Audience either_region;
  either_region.add_safety_regions("VR01");
  either_region.add_safety_regions("VR10");
  either_region.add_organization_ids("ziekenhuis-noord");
  either_region.add_organization_ids("vvt-c");
  EXPECT_THAT(queries::AudienceOf(either_region, *picture_), ElementsAre("vvt-c", "ziekenhuis-noord"));

  v1::Audience long_term_care;
  long_term_care.add_sectors(v1::SECTOR_LONG_TERM_CARE);
  EXPECT_THAT(queries::AudienceOf(long_term_care, *picture_), ElementsAre("vvt-c"));
}

TEST_F(AlertTest, WithItsOwnAreaTheAudienceIsThoseResolvedInsideItNarrowedByTheLists) {
  // The planner resolves the area into area_organization_ids; InAudience then only tests membership of that list.
  v1::Audience in_area;
  in_area.mutable_area()->add_postcodes("1781");
  in_area.add_area_organization_ids("vvt-c");
  in_area.add_area_organization_ids("ziekenhuis-a");
  EXPECT_THAT(queries::AudienceOf(in_area, *picture_), ElementsAre("vvt-c", "ziekenhuis-a"));

  v1::Audience hospitals_in_area = in_area;
  hospitals_in_area.add_kinds(v1::ORGANIZATION_KIND_HOSPITAL);
  EXPECT_THAT(queries::AudienceOf(hospitals_in_area, *picture_), ElementsAre("ziekenhuis-a"));

  // An area that covers nobody addresses nobody, not everybody.
  v1::Audience nobody = in_area;
  nobody.clear_area_organization_ids();
  EXPECT_THAT(queries::AudienceOf(nobody, *picture_), IsEmpty());

  // The resolved list without an area means nothing (output only, and no area to resolve).
  v1::Audience no_area;
  no_area.add_area_organization_ids("vvt-c");
  EXPECT_EQ(queries::AudienceOf(no_area, *picture_).size(), 4u);
}

TEST_F(AlertTest, AcknowledgementStateCountsOnlyThisAlertsAcknowledgements) {
  // "explosie-2" sorts between "explosie" and "explosie/acknowledgements/...": its acknowledgements must not count.
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie"))).ok());
  ASSERT_TRUE(Submit(Send(HospitalAlert("explosie-2"))).ok());
  ASSERT_TRUE(Submit(Ack("explosie-2", "ziekenhuis-a")).ok());
  ASSERT_TRUE(Submit(Ack("explosie", "ziekenhuis-b", "ok")).ok());
  const queries::AcknowledgementState state = queries::AcknowledgementStateOf(AlertRecord("explosie"), *picture_);
  ASSERT_EQ(state.acknowledgements.size(), 1u);
  EXPECT_EQ(state.acknowledgements[0].organization_id(), "ziekenhuis-b");
  EXPECT_EQ(state.acknowledgements[0].comment(), "ok");
  EXPECT_THAT(state.unacknowledged_organization_ids, ElementsAre("ziekenhuis-a"));
  EXPECT_EQ(state.audience_size, 2);

  const queries::AcknowledgementState other = queries::AcknowledgementStateOf(AlertRecord("explosie-2"), *picture_);
  EXPECT_THAT(other.unacknowledged_organization_ids, ElementsAre("ziekenhuis-b"));

  // A later registration that matches the audience is in it from then on.
  ASSERT_TRUE(Register("ziekenhuis-d").ok());
  EXPECT_THAT(queries::AcknowledgementStateOf(AlertRecord("explosie"), *picture_).unacknowledged_organization_ids,
              ElementsAre("ziekenhuis-a", "ziekenhuis-d"));
}

}  // namespace
}  // namespace ketenbeeld::pipeline
