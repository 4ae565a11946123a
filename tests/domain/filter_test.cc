#include "server/domain/filter.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace ketenbeeld::domain {
namespace {

using ::ketenbeeld::v1::DisruptionType;
using ::ketenbeeld::v1::Event;
using ::ketenbeeld::v1::Filter;
using ::ketenbeeld::v1::Record;
using ::ketenbeeld::v1::Sector;
using ::ketenbeeld::v1::Severity;

using Disruptions = std::vector<std::pair<DisruptionType, Severity>>;

Filter ParseFilter(const std::string& text) {
  Filter filter;
  if (!google::protobuf::TextFormat::ParseFromString(text, &filter)) ADD_FAILURE() << "bad filter: " << text;
  return filter;
}

void SetScope(Record& record, const std::string& organization_id, const std::string& region, Sector sector) {
  record.mutable_scope()->set_organization_id(organization_id);
  record.mutable_scope()->set_safety_region(region);
  record.mutable_scope()->set_sector(sector);
}

Record OrganizationRecord(const std::string& id, const std::string& region = "VR10",
                          Sector sector = v1::SECTOR_ACUTE_CARE) {
  Record record;
  record.set_name("organizations/" + id);
  record.set_kind(v1::ENTITY_KIND_ORGANIZATION);
  SetScope(record, id, region, sector);
  record.mutable_organization()->set_id(id);
  return record;
}

Record ReportRecord(const std::string& id, const Disruptions& disruptions = {}, const std::string& region = "VR10",
                    Sector sector = v1::SECTOR_ACUTE_CARE) {
  Record record;
  record.set_name("organizations/" + id + "/status");
  record.set_kind(v1::ENTITY_KIND_STATUS_REPORT);
  SetScope(record, id, region, sector);
  record.mutable_status_report()->set_organization_id(id);
  for (const auto& [type, severity] : disruptions) {
    auto* disruption = record.mutable_status_report()->add_disruptions();
    disruption->set_type(type);
    disruption->set_severity(severity);
  }
  return record;
}

Event EventOf(Record record, const Disruptions& previous = {}) {
  Event event;
  event.set_revision(7);
  event.set_type(v1::EVENT_TYPE_PUT);
  *event.mutable_record() = std::move(record);
  for (const auto& [type, severity] : previous) {
    auto* disruption = event.add_previous_disruptions();
    disruption->set_type(type);
    disruption->set_severity(severity);
  }
  return event;
}

TEST(CompiledFilterTest, EmptyFilterMatchesEverything) {
  const std::vector<Record> records = {
      OrganizationRecord("a"), ReportRecord("b"),
      ReportRecord("c", {{v1::DISRUPTION_TYPE_STAFF_SHORTAGE, v1::SEVERITY_CRITICAL}}, "VR25", v1::SECTOR_OTHER),
      Record()};
  for (const CompiledFilter& filter : {CompiledFilter(), CompiledFilter(Filter())}) {
    for (const Record& record : records) {
      EXPECT_TRUE(filter.Matches(record)) << record.ShortDebugString();
      EXPECT_TRUE(filter.Matches(EventOf(record))) << record.ShortDebugString();
    }
  }
}

TEST(CompiledFilterTest, KindsSelectRecordKinds) {
  const CompiledFilter organizations(ParseFilter("kinds: ENTITY_KIND_ORGANIZATION"));
  EXPECT_TRUE(organizations.Matches(OrganizationRecord("a")));
  EXPECT_FALSE(organizations.Matches(ReportRecord("a")));
  const CompiledFilter both(ParseFilter("kinds: ENTITY_KIND_ORGANIZATION kinds: ENTITY_KIND_STATUS_REPORT"));
  EXPECT_TRUE(both.Matches(OrganizationRecord("a")));
  EXPECT_TRUE(both.Matches(ReportRecord("a")));
}

TEST(CompiledFilterTest, ValuesWithinAListAreAlternatives) {
  const CompiledFilter filter(ParseFilter(R"pb(organization_ids: "b" organization_ids: "a" organization_ids: "a")pb"));
  EXPECT_TRUE(filter.Matches(OrganizationRecord("a")));
  EXPECT_TRUE(filter.Matches(ReportRecord("b")));
  EXPECT_FALSE(filter.Matches(OrganizationRecord("c")));
  EXPECT_FALSE(filter.Matches(OrganizationRecord("ab")));  // No prefix matching.

  const CompiledFilter regions(ParseFilter(R"pb(safety_regions: "VR10" safety_regions: "VR12")pb"));
  EXPECT_TRUE(regions.Matches(OrganizationRecord("a", "VR10")));
  EXPECT_TRUE(regions.Matches(OrganizationRecord("a", "VR12")));
  EXPECT_FALSE(regions.Matches(OrganizationRecord("a", "VR11")));

  const CompiledFilter sectors(ParseFilter("sectors: SECTOR_LONG_TERM_CARE sectors: SECTOR_OTHER"));
  EXPECT_TRUE(sectors.Matches(OrganizationRecord("a", "VR10", v1::SECTOR_LONG_TERM_CARE)));
  EXPECT_TRUE(sectors.Matches(ReportRecord("a", {}, "VR10", v1::SECTOR_OTHER)));
  EXPECT_FALSE(sectors.Matches(OrganizationRecord("a", "VR10", v1::SECTOR_ACUTE_CARE)));
}

TEST(CompiledFilterTest, ListsMustAllMatch) {
  const CompiledFilter filter(ParseFilter(R"pb(
    kinds: ENTITY_KIND_STATUS_REPORT
    organization_ids: "a"
    organization_ids: "b"
    safety_regions: "VR10"
    sectors: SECTOR_ACUTE_CARE
  )pb"));
  EXPECT_TRUE(filter.Matches(ReportRecord("a")));
  EXPECT_TRUE(filter.Matches(ReportRecord("b")));
  EXPECT_FALSE(filter.Matches(OrganizationRecord("a"))) << "kind";
  EXPECT_FALSE(filter.Matches(ReportRecord("c"))) << "organization";
  EXPECT_FALSE(filter.Matches(ReportRecord("a", {}, "VR11"))) << "region";
  EXPECT_FALSE(filter.Matches(ReportRecord("a", {}, "VR10", v1::SECTOR_LONG_TERM_CARE))) << "sector";
}

TEST(CompiledFilterTest, DisruptionTypesDefaultToMinorOrWorse) {
  const CompiledFilter filter(ParseFilter("disruptions: DISRUPTION_TYPE_STAFF_SHORTAGE"));
  EXPECT_TRUE(filter.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_STAFF_SHORTAGE, v1::SEVERITY_MINOR}})));
  EXPECT_TRUE(filter.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_UTILITY_FAILURE, v1::SEVERITY_CRITICAL},
                                                {v1::DISRUPTION_TYPE_STAFF_SHORTAGE, v1::SEVERITY_CRITICAL}})));
  EXPECT_FALSE(filter.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_STAFF_SHORTAGE, v1::SEVERITY_NONE}})));
  EXPECT_FALSE(filter.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_UTILITY_FAILURE, v1::SEVERITY_CRITICAL}})));
  EXPECT_FALSE(filter.Matches(ReportRecord("a"))) << "no disruptions";
  EXPECT_FALSE(filter.Matches(OrganizationRecord("a"))) << "only status reports have disruptions";
}

TEST(CompiledFilterTest, DisruptionTypesAreAlternatives) {
  const CompiledFilter filter(
      ParseFilter("disruptions: DISRUPTION_TYPE_STAFF_SHORTAGE disruptions: DISRUPTION_TYPE_PATIENT_SURGE"));
  EXPECT_TRUE(filter.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_PATIENT_SURGE, v1::SEVERITY_MAJOR}})));
  EXPECT_TRUE(filter.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_STAFF_SHORTAGE, v1::SEVERITY_MINOR}})));
  EXPECT_FALSE(filter.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_LOCATION_CLOSURE, v1::SEVERITY_MAJOR}})));
}

TEST(CompiledFilterTest, MinSeverityAloneMeansAnyDisruption) {
  const CompiledFilter filter(ParseFilter("min_severity: SEVERITY_MAJOR"));
  EXPECT_TRUE(filter.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_LOCATION_CLOSURE, v1::SEVERITY_MAJOR}})));
  EXPECT_TRUE(filter.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_CLIENT_RELOCATION, v1::SEVERITY_MAJOR}})));
  EXPECT_FALSE(filter.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_LOCATION_CLOSURE, v1::SEVERITY_MINOR}})));
  EXPECT_FALSE(filter.Matches(ReportRecord("a")));
  EXPECT_FALSE(filter.Matches(OrganizationRecord("a")));

  const CompiledFilter none(ParseFilter("min_severity: SEVERITY_NONE"));
  EXPECT_TRUE(none.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_LOCATION_CLOSURE, v1::SEVERITY_NONE}})));
  EXPECT_FALSE(none.Matches(ReportRecord("a")));
}

TEST(CompiledFilterTest, TypeAndSeverityMustHoldForTheSameDisruption) {
  const CompiledFilter filter(
      ParseFilter("disruptions: DISRUPTION_TYPE_STAFF_SHORTAGE min_severity: SEVERITY_CRITICAL"));
  EXPECT_TRUE(filter.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_STAFF_SHORTAGE, v1::SEVERITY_CRITICAL}})));
  // Staff shortage is only minor; the critical disruption is of another type.
  EXPECT_FALSE(filter.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_STAFF_SHORTAGE, v1::SEVERITY_MINOR},
                                                 {v1::DISRUPTION_TYPE_UTILITY_FAILURE, v1::SEVERITY_CRITICAL}})));
}

TEST(CompiledFilterTest, EventMatchesWhenItsRecordMatches) {
  const CompiledFilter filter(ParseFilter(R"pb(organization_ids: "a")pb"));
  EXPECT_TRUE(filter.Matches(EventOf(ReportRecord("a"))));
  EXPECT_FALSE(filter.Matches(EventOf(ReportRecord("b"))));
  // Without a disruption filter, previous disruptions play no part.
  EXPECT_FALSE(filter.Matches(EventOf(ReportRecord("b"), {{v1::DISRUPTION_TYPE_STAFF_SHORTAGE, v1::SEVERITY_MAJOR}})));
}

TEST(CompiledFilterTest, EventOfAReportLeavingTheDisruptionFilterMatches) {
  const CompiledFilter filter(ParseFilter("disruptions: DISRUPTION_TYPE_UTILITY_FAILURE min_severity: SEVERITY_MAJOR"));
  const Disruptions major = {{v1::DISRUPTION_TYPE_UTILITY_FAILURE, v1::SEVERITY_MAJOR}};
  const Disruptions minor = {{v1::DISRUPTION_TYPE_UTILITY_FAILURE, v1::SEVERITY_MINOR}};

  EXPECT_TRUE(filter.Matches(EventOf(ReportRecord("a", major)))) << "enters or stays";
  EXPECT_TRUE(filter.Matches(EventOf(ReportRecord("a", minor), major))) << "severity dropped: leaves";
  EXPECT_TRUE(filter.Matches(EventOf(ReportRecord("a"), major))) << "resolved: leaves";
  EXPECT_FALSE(filter.Matches(EventOf(ReportRecord("a", minor), minor))) << "never in the filter";
  EXPECT_FALSE(filter.Matches(EventOf(ReportRecord("a", minor)))) << "first report, not in the filter";
  // The record itself still has to be in scope.
  const CompiledFilter scoped(ParseFilter(R"pb(organization_ids: "b" min_severity: SEVERITY_MAJOR)pb"));
  EXPECT_FALSE(scoped.Matches(EventOf(ReportRecord("a"), major)));
  EXPECT_TRUE(scoped.Matches(EventOf(ReportRecord("b"), major)));
  // An organisation event never matches a disruption filter.
  EXPECT_FALSE(filter.Matches(EventOf(OrganizationRecord("a"), major)));
  // A deleted report that was in the filter is seen leaving.
  Event deleted = EventOf(ReportRecord("a", major), major);
  deleted.set_type(v1::EVENT_TYPE_DELETE);
  EXPECT_TRUE(filter.Matches(deleted));
}

TEST(CompiledFilterTest, UnknownValuesInAnUnvalidatedFilterMatchNothing) {
  Filter filter;
  filter.add_kinds(static_cast<v1::EntityKind>(99));
  EXPECT_FALSE(CompiledFilter(filter).Matches(OrganizationRecord("a")));
  EXPECT_FALSE(CompiledFilter(filter).Matches(ReportRecord("a")));

  filter.Clear();
  filter.add_sectors(static_cast<Sector>(-1));
  EXPECT_FALSE(CompiledFilter(filter).Matches(OrganizationRecord("a")));

  filter.Clear();
  filter.add_disruptions(static_cast<DisruptionType>(1000));
  EXPECT_FALSE(CompiledFilter(filter).Matches(
      ReportRecord("a", {{v1::DISRUPTION_TYPE_UTILITY_FAILURE, v1::SEVERITY_CRITICAL}})));
}

TEST(CompiledFilterTest, KeepsTheFilterAsGiven) {
  const Filter given = ParseFilter(R"pb(organization_ids: "b" organization_ids: "a" min_severity: SEVERITY_MAJOR)pb");
  const CompiledFilter filter(given);
  EXPECT_EQ(filter.filter().SerializeAsString(), given.SerializeAsString());
  const CompiledFilter copy = filter;
  EXPECT_TRUE(copy.Matches(ReportRecord("a", {{v1::DISRUPTION_TYPE_STAFF_SHORTAGE, v1::SEVERITY_MAJOR}})));
  EXPECT_FALSE(copy.Matches(ReportRecord("c", {{v1::DISRUPTION_TYPE_STAFF_SHORTAGE, v1::SEVERITY_MAJOR}})));
}

// Exercise mode: the real picture and each exercise are separate views that share only the registry.
TEST(FilterTest, ExerciseRecordsMatchOnlyTheirExercisesViewAndTheRegistryMatchesEvery) {
  Record real = ReportRecord("zh-noord");
  Record practised = ReportRecord("zh-noord");
  practised.set_name("exercises/oef-1/organizations/zh-noord/status");
  practised.set_exercise_id("oef-1");
  const Record organization = OrganizationRecord("zh-noord");

  const CompiledFilter real_view;
  EXPECT_TRUE(real_view.Matches(real));
  EXPECT_FALSE(real_view.Matches(practised));
  EXPECT_TRUE(real_view.Matches(organization));

  const CompiledFilter exercise_view(ParseFilter("exercise_id: 'oef-1'"));
  EXPECT_FALSE(exercise_view.Matches(real));
  EXPECT_TRUE(exercise_view.Matches(practised));
  EXPECT_TRUE(exercise_view.Matches(organization));

  const CompiledFilter other_exercise(ParseFilter("exercise_id: 'oef-2'"));
  EXPECT_FALSE(other_exercise.Matches(practised));

  // Events follow their record, deletes included (a delete carries the record's last value).
  Event deleted;
  deleted.set_type(v1::EVENT_TYPE_DELETE);
  *deleted.mutable_record() = practised;
  EXPECT_FALSE(real_view.Matches(deleted));
  EXPECT_TRUE(exercise_view.Matches(deleted));
}

// The exercises themselves are listed in every view, but only by a filter that names their kind: the real picture's
// feed and reads stay free of them, and the dashboard finds the exercises to choose from.
TEST(FilterTest, ExercisesMatchEveryViewOnlyWhenTheirKindIsNamed) {
  Record exercise;
  exercise.set_name("exercises/oef-1");
  exercise.set_kind(v1::ENTITY_KIND_EXERCISE);
  exercise.set_exercise_id("oef-1");

  EXPECT_FALSE(CompiledFilter().Matches(exercise));
  EXPECT_TRUE(CompiledFilter(ParseFilter("kinds: ENTITY_KIND_EXERCISE")).Matches(exercise));
  EXPECT_TRUE(CompiledFilter(ParseFilter("kinds: ENTITY_KIND_EXERCISE exercise_id: 'oef-2'")).Matches(exercise));
  EXPECT_FALSE(CompiledFilter(ParseFilter("kinds: ENTITY_KIND_ALERT")).Matches(exercise));
  // Another exercise's records stay apart even when their kind is named.
  Record practised = ReportRecord("zh-noord");
  practised.set_exercise_id("oef-1");
  EXPECT_FALSE(CompiledFilter(ParseFilter("kinds: ENTITY_KIND_STATUS_REPORT")).Matches(practised));
}

}  // namespace
}  // namespace ketenbeeld::domain
