// Incidents and situation entries through the commit pipeline: the lifecycle (OPEN -> SCALED_UP / SCALED_DOWN ->
// CLOSED), illegal transitions with their status codes, region-configured levels, and the append-only log.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/names.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {

using ::testing::HasSubstr;

v1::Incident MakeIncident(const std::string& id, const std::string& level = "GRIP 1") {
  v1::Incident incident;
  incident.set_id(id);
  incident.set_title("Brand chemiebedrijf");
  incident.set_type("brand");
  incident.set_scale_up_level(level);
  incident.set_safety_region("VR10");
  return incident;
}

v1::OpenIncidentRequest Open(const v1::Incident& incident) {
  v1::OpenIncidentRequest request;
  *request.mutable_incident() = incident;
  return request;
}

v1::UpdateIncidentRequest Update(const v1::Incident& incident, std::optional<int64_t> expected = std::nullopt) {
  v1::UpdateIncidentRequest request;
  *request.mutable_incident() = incident;
  if (expected) request.set_expected_revision(*expected);
  return request;
}

v1::UpdateIncidentRequest Close(v1::Incident incident) {
  incident.set_status(v1::INCIDENT_STATUS_CLOSED);
  return Update(incident);
}

v1::AddSituationEntryRequest Entry(const std::string& incident_id, const std::string& text,
                                   v1::SituationLayer layer = v1::SITUATION_LAYER_PICTURE) {
  v1::AddSituationEntryRequest request;
  request.mutable_entry()->set_incident_id(incident_id);
  request.mutable_entry()->set_layer(layer);
  request.mutable_entry()->set_text(text);
  request.mutable_entry()->set_author("J. de Vries, OvD-G");
  return request;
}

class IncidentTest : public ::ketenbeeld::testing::CommitterFixture {
 protected:
  v1::IncidentStatus StatusOf(const std::string& id) { return Find(domain::IncidentName(id)).incident().status(); }
};

TEST_F(IncidentTest, OpenSetsStatusOpenedAtAndRegionScope) {
  absl::StatusOr<WriteResult> result = Submit(Open(MakeIncident("brand-1")));
  ASSERT_TRUE(result.ok()) << result.status();
  const v1::Record& record = result->record->record;
  EXPECT_EQ(record.name(), "incidents/brand-1");
  EXPECT_EQ(record.kind(), v1::ENTITY_KIND_INCIDENT);
  EXPECT_EQ(record.scope().safety_region(), "VR10");
  EXPECT_EQ(record.scope().organization_id(), "");
  EXPECT_EQ(record.incident().status(), v1::INCIDENT_STATUS_OPEN);
  EXPECT_EQ(record.incident().opened_at(), ToProtoTime(Now()));
  EXPECT_EQ(record.incident().opened_at(), record.update_time());
  EXPECT_FALSE(record.incident().has_closed_at());
}

TEST_F(IncidentTest, OutputOnlyFieldsOfTheRequestAreIgnoredOnOpen) {
  v1::Incident incident = MakeIncident("brand-1");
  incident.set_status(v1::INCIDENT_STATUS_CLOSED);
  *incident.mutable_closed_at() = ToProtoTime(Now() - absl::Hours(1));
  absl::StatusOr<WriteResult> result = Submit(Open(incident));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->record->record.incident().status(), v1::INCIDENT_STATUS_OPEN);
  EXPECT_FALSE(result->record->record.incident().has_closed_at());
}

TEST_F(IncidentTest, OpeningAnExistingIdIsAFailedPreconditionAndChangesNothing) {
  ASSERT_TRUE(Submit(Open(MakeIncident("brand-1"))).ok());
  v1::Incident again = MakeIncident("brand-1", "GRIP 3");
  absl::StatusOr<WriteResult> result = Submit(Open(again));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(), HasSubstr("already exists"));
  EXPECT_THAT(result.status().message(), HasSubstr("UpdateIncident"));
  EXPECT_EQ(Find("incidents/brand-1").incident().scale_up_level(), "GRIP 1");
  EXPECT_EQ(store_->last_revision(), 1);
}

// One server per safety region: an incident of another region is opened on that region's server.
TEST_F(IncidentTest, AnIncidentOfAnotherRegionIsRefusedNamingTheField) {
  v1::Incident incident = MakeIncident("brand-1");
  incident.set_safety_region("VR11");
  absl::StatusOr<WriteResult> result = Submit(Open(incident));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("incident.safety_region: \"VR11\" is not this server's"));
  EXPECT_EQ(store_->last_revision(), 0);
}

TEST_F(IncidentTest, UnknownScaleUpLevelIsInvalidAndListsTheRegionsLevels) {
  absl::StatusOr<WriteResult> result = Submit(Open(MakeIncident("brand-1", "GRIP 9")));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("incident.scale_up_level"));
  EXPECT_THAT(result.status().message(), HasSubstr("allowed: GRIP 0, GRIP 1, GRIP 2"));
  EXPECT_THAT(result.status().message(), HasSubstr("GRIP Rijk"));
}

TEST_F(IncidentTest, AffectedOrganisationsMustBeRegistered) {
  ASSERT_TRUE(Register("ziekenhuis-a").ok());
  v1::Incident incident = MakeIncident("brand-1");
  incident.add_affected_organization_ids("ziekenhuis-a");
  incident.add_affected_organization_ids("onbekend");
  absl::StatusOr<WriteResult> result = Submit(Open(incident));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("incident.affected_organization_ids[1]"));
  EXPECT_THAT(result.status().message(), HasSubstr("\"onbekend\""));

  ASSERT_TRUE(Register("onbekend").ok());
  EXPECT_TRUE(Submit(Open(incident)).ok());
}

TEST_F(IncidentTest, UpdatingAnUnknownIncidentIsNotFound) {
  absl::StatusOr<WriteResult> result = Submit(Update(MakeIncident("bestaat-niet")));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(), HasSubstr("bestaat-niet"));
}

TEST_F(IncidentTest, LevelChangesSetScaledUpAndDownAndAnUnchangedLevelKeepsTheStatus) {
  ASSERT_TRUE(Submit(Open(MakeIncident("brand-1", "GRIP 1"))).ok());

  v1::Incident incident = MakeIncident("brand-1", "GRIP 1");
  incident.set_title("Brand chemiebedrijf, uitslaand");
  ASSERT_TRUE(Submit(Update(incident)).ok());
  EXPECT_EQ(StatusOf("brand-1"), v1::INCIDENT_STATUS_OPEN) << "same level: still open";

  incident.set_scale_up_level("GRIP 3");
  ASSERT_TRUE(Submit(Update(incident)).ok());
  EXPECT_EQ(StatusOf("brand-1"), v1::INCIDENT_STATUS_SCALED_UP);

  incident.set_title("Brand chemiebedrijf, nablussen");
  ASSERT_TRUE(Submit(Update(incident)).ok());
  EXPECT_EQ(StatusOf("brand-1"), v1::INCIDENT_STATUS_SCALED_UP) << "same level keeps the last direction";

  incident.set_scale_up_level("GRIP 2");
  ASSERT_TRUE(Submit(Update(incident)).ok());
  EXPECT_EQ(StatusOf("brand-1"), v1::INCIDENT_STATUS_SCALED_DOWN);

  incident.set_scale_up_level("GRIP Rijk");
  ASSERT_TRUE(Submit(Update(incident)).ok());
  EXPECT_EQ(StatusOf("brand-1"), v1::INCIDENT_STATUS_SCALED_UP) << "GRIP Rijk is above GRIP 2";
}

TEST_F(IncidentTest, ARequestedStatusOtherThanClosedIsIgnored) {
  ASSERT_TRUE(Submit(Open(MakeIncident("brand-1", "GRIP 2"))).ok());
  v1::Incident incident = MakeIncident("brand-1", "GRIP 2");
  incident.set_status(v1::INCIDENT_STATUS_SCALED_DOWN);
  ASSERT_TRUE(Submit(Update(incident)).ok());
  EXPECT_EQ(StatusOf("brand-1"), v1::INCIDENT_STATUS_OPEN);
  incident.set_status(v1::INCIDENT_STATUS_OPEN);
  incident.set_scale_up_level("GRIP 4");
  ASSERT_TRUE(Submit(Update(incident)).ok());
  EXPECT_EQ(StatusOf("brand-1"), v1::INCIDENT_STATUS_SCALED_UP);
}

TEST_F(IncidentTest, UpdateKeepsOpenedAtAndReplacesTheFields) {
  v1::Incident incident = MakeIncident("brand-1");
  incident.mutable_casualties()->set_t1(2);
  ASSERT_TRUE(Submit(Open(incident)).ok());
  const google::protobuf::Timestamp opened_at = ToProtoTime(Now());
  Advance(absl::Minutes(10));
  incident.mutable_casualties()->set_t1(5);
  incident.mutable_casualties()->set_dead(1);
  *incident.mutable_opened_at() = ToProtoTime(Now() + absl::Hours(5));  // Output only: ignored.
  absl::StatusOr<WriteResult> result = Submit(Update(incident));
  ASSERT_TRUE(result.ok()) << result.status();
  const v1::Incident& stored = result->record->record.incident();
  EXPECT_EQ(stored.opened_at(), opened_at);
  EXPECT_EQ(stored.casualties().t1(), 5);
  EXPECT_EQ(stored.casualties().dead(), 1);
  EXPECT_FALSE(stored.casualties().has_t2()) << "not estimated stays absent";
  EXPECT_EQ(result->record->record.create_revision(), 1);
}

TEST_F(IncidentTest, CloseSetsClosedAtAndAClosedIncidentIsFinal) {
  ASSERT_TRUE(Submit(Open(MakeIncident("brand-1", "GRIP 2"))).ok());
  Advance(absl::Hours(3));
  absl::StatusOr<WriteResult> closed = Submit(Close(MakeIncident("brand-1", "GRIP 2")));
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->record->record.incident().status(), v1::INCIDENT_STATUS_CLOSED);
  EXPECT_EQ(closed->record->record.incident().closed_at(), ToProtoTime(Now()));
  const int64_t revision = store_->last_revision();

  for (const v1::UpdateIncidentRequest& request :
       {Update(MakeIncident("brand-1", "GRIP 2")), Update(MakeIncident("brand-1", "GRIP 3")),
        Close(MakeIncident("brand-1", "GRIP 2"))}) {
    absl::StatusOr<WriteResult> result = Submit(request);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(result.status().message(), HasSubstr("INCIDENT_STATUS_CLOSED"));
  }
  absl::StatusOr<WriteResult> entry = Submit(Entry("brand-1", "na sluiting"));
  EXPECT_EQ(entry.status().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<WriteResult> reopen = Submit(Open(MakeIncident("brand-1")));
  EXPECT_EQ(reopen.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->last_revision(), revision) << "refused writes take no revision";
}

TEST_F(IncidentTest, ClosingWithALevelChangeClosesAndRecordsTheLevel) {
  ASSERT_TRUE(Submit(Open(MakeIncident("brand-1", "GRIP 2"))).ok());
  ASSERT_TRUE(Submit(Close(MakeIncident("brand-1", "GRIP 0"))).ok());
  const v1::Incident stored = Find("incidents/brand-1").incident();
  EXPECT_EQ(stored.status(), v1::INCIDENT_STATUS_CLOSED);
  EXPECT_EQ(stored.scale_up_level(), "GRIP 0");
}

TEST_F(IncidentTest, UpdateWithExpectedRevisionIsCompareAndSet) {
  absl::StatusOr<WriteResult> opened = Submit(Open(MakeIncident("brand-1")));
  ASSERT_TRUE(opened.ok());
  ASSERT_TRUE(Submit(Update(MakeIncident("brand-1", "GRIP 2"))).ok());
  absl::StatusOr<WriteResult> stale = Submit(Update(MakeIncident("brand-1", "GRIP 3"), opened->revision));
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Find("incidents/brand-1").incident().scale_up_level(), "GRIP 2");
  EXPECT_TRUE(Submit(Update(MakeIncident("brand-1", "GRIP 3"), store_->last_revision())).ok());
}

TEST_F(IncidentTest, LevelsAndTheirOrderComeFromTheRegionConfiguration) {
  server::v1::RegionConfig config;
  config.set_safety_region("VR10");
  for (const char* level : {"laag", "midden", "hoog"}) config.add_scale_up_levels(level);
  absl::StatusOr<domain::Region> region = domain::Region::FromConfig(config);
  ASSERT_TRUE(region.ok()) << region.status();
  region_ = *region;
  Restart();

  absl::StatusOr<WriteResult> grip = Submit(Open(MakeIncident("brand-1", "GRIP 1")));
  EXPECT_EQ(grip.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(grip.status().message(), HasSubstr("allowed: laag, midden, hoog"));
  ASSERT_TRUE(Submit(Open(MakeIncident("brand-1", "midden"))).ok());
  ASSERT_TRUE(Submit(Update(MakeIncident("brand-1", "laag"))).ok());
  EXPECT_EQ(StatusOf("brand-1"), v1::INCIDENT_STATUS_SCALED_DOWN);
  ASSERT_TRUE(Submit(Update(MakeIncident("brand-1", "hoog"))).ok());
  EXPECT_EQ(StatusOf("brand-1"), v1::INCIDENT_STATUS_SCALED_UP);
}

TEST_F(IncidentTest, SituationEntriesAreAppendedInCommitOrderWithTheirRevisionAsSequence) {
  ASSERT_TRUE(Submit(Open(MakeIncident("brand-1"))).ok());
  Advance(absl::Minutes(1));
  // Queued together, so several may share a commit group: each still gets its own sequence and name.
  std::vector<mutations::WriteRequest> requests;
  const std::vector<std::pair<std::string, v1::SituationLayer>> texts = {
      {"Rookpluim richting Den Helder", v1::SITUATION_LAYER_PICTURE},
      {"Ziekenhuis A kan 10 T2 opnemen", v1::SITUATION_LAYER_ASSESSMENT},
      {"Spreiden over ziekenhuis A en B", v1::SITUATION_LAYER_DECISION},
      {"Wind draait naar west", v1::SITUATION_LAYER_PICTURE}};
  for (const auto& [text, layer] : texts)
    requests.push_back(mutations::WriteRequest{.body = Entry("brand-1", text, layer), .actor = {}});
  std::vector<absl::StatusOr<WriteResult>> results = SubmitAll(std::move(requests));

  std::vector<std::string> names;
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status();
    const v1::Record& record = results[i]->record->record;
    EXPECT_EQ(record.kind(), v1::ENTITY_KIND_SITUATION_ENTRY);
    EXPECT_EQ(record.situation_entry().sequence(), results[i]->revision);
    EXPECT_EQ(record.name(), domain::SituationEntryName("brand-1", results[i]->revision));
    EXPECT_EQ(record.situation_entry().text(), texts[i].first);
    EXPECT_EQ(record.situation_entry().layer(), texts[i].second);
    EXPECT_EQ(record.situation_entry().commit_time(), ToProtoTime(Now()));
    EXPECT_EQ(record.scope().safety_region(), "VR10");
    EXPECT_EQ(record.create_revision(), record.mod_revision()) << "a new record, never a replacement";
    names.push_back(record.name());
  }
  // Name order is commit order.
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  // Every entry is still there: appending never replaced one.
  for (const std::string& name : names) EXPECT_NE(picture_->Find(name), nullptr) << name;
  // The log holds them as PUTs of new records, in the same order.
  std::vector<std::string> logged;
  for (const v1::Event& event : Log()) {
    if (event.record().kind() == v1::ENTITY_KIND_SITUATION_ENTRY) logged.push_back(event.record().name());
  }
  EXPECT_EQ(logged, names);
}

TEST_F(IncidentTest, SituationEntryOutputOnlyFieldsAreSetByTheServer) {
  ASSERT_TRUE(Submit(Open(MakeIncident("brand-1"))).ok());
  v1::AddSituationEntryRequest request = Entry("brand-1", "tekst");
  request.mutable_entry()->set_sequence(1);  // Would collide with the incident's revision if it were used.
  *request.mutable_entry()->mutable_commit_time() = ToProtoTime(Now() - absl::Hours(24));
  absl::StatusOr<WriteResult> result = Submit(request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->record->record.situation_entry().sequence(), 2);
  EXPECT_EQ(result->record->record.situation_entry().commit_time(), ToProtoTime(Now()));
}

TEST_F(IncidentTest, SituationEntryForAnUnknownIncidentIsInvalid) {
  absl::StatusOr<WriteResult> result = Submit(Entry("bestaat-niet", "tekst"));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("entry.incident_id"));
  EXPECT_THAT(result.status().message(), HasSubstr("\"bestaat-niet\""));
}

TEST_F(IncidentTest, EntriesMayBeAddedWhileScaledUpOrDown) {
  ASSERT_TRUE(Submit(Open(MakeIncident("brand-1", "GRIP 1"))).ok());
  ASSERT_TRUE(Submit(Update(MakeIncident("brand-1", "GRIP 3"))).ok());
  EXPECT_TRUE(Submit(Entry("brand-1", "opgeschaald")).ok());
  ASSERT_TRUE(Submit(Update(MakeIncident("brand-1", "GRIP 0"))).ok());
  EXPECT_TRUE(Submit(Entry("brand-1", "afgeschaald")).ok());
}

TEST_F(IncidentTest, IncidentsSurviveARestart) {
  ASSERT_TRUE(Submit(Open(MakeIncident("brand-1", "GRIP 1"))).ok());
  ASSERT_TRUE(Submit(Entry("brand-1", "eerste")).ok());
  Restart();
  ASSERT_TRUE(Submit(Update(MakeIncident("brand-1", "GRIP 2"))).ok());
  EXPECT_EQ(StatusOf("brand-1"), v1::INCIDENT_STATUS_SCALED_UP);
  absl::StatusOr<WriteResult> entry = Submit(Entry("brand-1", "tweede"));
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->record->record.situation_entry().sequence(), 4);
}

}  // namespace
}  // namespace ketenbeeld::pipeline
