// The report queries over a picture filled directly: gap report arithmetic (not reported is not zero, sector
// scoping, per-location reports counted once, supplies), capacity overview sums, the operational summary, and
// FindCapacity's distance, radius, min_available, ordering and limit.
#include "server/queries/reports.h"

#include <string>
#include <vector>

#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/committer_fixture.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::pipeline {
namespace {

using ::ketenbeeld::testing::MakeOrganization;
using ::testing::ElementsAre;
using ::testing::StartsWith;
using namespace ::ketenbeeld::testing;  // NOLINT(google-build-using-namespace): the fixture's builders.

// A report with the given capacity lines (only the figures that are set count as reported).
v1::StatusReport ReportWith(const std::string& organization_id, std::vector<v1::Capacity> capacity,
                            const std::string& location_id = "") {
  v1::StatusReport report;
  report.set_organization_id(organization_id);
  report.set_location_id(location_id);
  report.set_overall_status(v1::OVERALL_STATUS_NORMAL);
  for (v1::Capacity& line : capacity) *report.add_capacity() = std::move(line);
  return report;
}

v1::Capacity Beds(v1::BedType type, std::optional<int> available, std::optional<int> surge_24h = std::nullopt,
                  std::optional<int> occupied = std::nullopt) {
  v1::Capacity capacity;
  capacity.set_type(type);
  if (available) capacity.set_available(*available);
  if (surge_24h) capacity.set_surge_24h(*surge_24h);
  if (occupied) capacity.set_occupied(*occupied);
  return capacity;
}

v1::Organization Located(const std::string& id,
                         const std::vector<std::pair<std::string, std::pair<double, double>>>& sites,
                         v1::OrganizationKind kind = v1::ORGANIZATION_KIND_HOSPITAL) {
  v1::Organization organization = MakeOrganization(id, kind);
  organization.clear_locations();
  for (const auto& [location_id, position] : sites) {
    v1::Location& location = *organization.add_locations();
    location.set_id(location_id);
    location.set_name(location_id);
    location.mutable_coordinates()->set_latitude(position.first);
    location.mutable_coordinates()->set_longitude(position.second);
  }
  return organization;
}

v1::Record ScenarioRecord(const v1::Scenario& scenario) {
  v1::Record record;
  record.set_name(domain::ScenarioName(scenario.id()));
  record.set_kind(v1::ENTITY_KIND_SCENARIO);
  record.mutable_scope()->set_safety_region(scenario.safety_region());
  *record.mutable_scenario() = scenario;
  return record;
}

class ReportsTest : public ::testing::Test {
 protected:
  void Register(const v1::Organization& organization) { PutDirectly(picture_, OrganizationRecord(organization)); }
  void Report(const v1::StatusReport& report, absl::Time at = kStart) {
    PutDirectly(picture_, ReportRecord(report, at));
  }

  void PutScenario(std::vector<v1::CapacityRequirement> capacity, std::vector<v1::SupplyRequirement> supplies = {}) {
    v1::Scenario scenario;
    scenario.set_id("overstroming");
    scenario.set_name("Overstroming");
    scenario.set_safety_region("VR10");
    for (v1::CapacityRequirement& requirement : capacity) *scenario.add_capacity() = std::move(requirement);
    for (v1::SupplyRequirement& requirement : supplies) *scenario.add_supplies() = std::move(requirement);
    PutDirectly(picture_, ScenarioRecord(scenario));
  }

  v1::GapReport Gap(const std::vector<std::string>& regions = {}) {
    v1::GetGapReportRequest request;
    request.set_scenario_id("overstroming");
    for (const std::string& region : regions) request.add_safety_regions(region);
    absl::StatusOr<v1::GapReport> report = queries::ComputeGapReport(request, picture_, kStart + absl::Hours(1));
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : v1::GapReport();
  }

  state::Picture picture_;
};

v1::CapacityRequirement Need(v1::BedType type, int quantity, v1::Sector sector = v1::SECTOR_UNSPECIFIED) {
  v1::CapacityRequirement requirement;
  requirement.set_bed_type(type);
  requirement.set_quantity(quantity);
  requirement.set_sector(sector);
  return requirement;
}

TEST_F(ReportsTest, GapReportTellsNotReportedFromReportedZero) {
  Register(MakeOrganization("a"));
  Register(MakeOrganization("zero"));
  Register(MakeOrganization("occupied-only"));
  Register(MakeOrganization("silent"));
  Register(MakeOrganization("other-region", v1::ORGANIZATION_KIND_HOSPITAL, "VR11"));
  Report(ReportWith("a", {Beds(v1::BED_TYPE_IC_ADULT, 5, 3)}));
  Report(ReportWith("zero", {Beds(v1::BED_TYPE_IC_ADULT, 0)}));
  Report(ReportWith("occupied-only", {Beds(v1::BED_TYPE_IC_ADULT, std::nullopt, 2, 12)}));
  Report(ReportWith("other-region", {Beds(v1::BED_TYPE_IC_ADULT, 100)}));
  PutScenario({Need(v1::BED_TYPE_IC_ADULT, 20)});

  // No region named counts every region held (docs/federation.md), the other region's 100 too.
  EXPECT_EQ(Gap().capacity(0).available(), 105);
  const v1::GapReport report = Gap({"VR10"});
  EXPECT_EQ(report.scenario_id(), "overstroming");
  EXPECT_EQ(report.safety_region(), "VR10");
  EXPECT_EQ(report.revision(), picture_.revision());
  EXPECT_EQ(FromProtoTime(report.computed_at()), kStart + absl::Hours(1));
  ASSERT_EQ(report.capacity_size(), 1);
  const v1::CapacityGap& gap = report.capacity(0);
  EXPECT_EQ(gap.bed_type(), v1::BED_TYPE_IC_ADULT);
  EXPECT_EQ(gap.required(), 20);
  EXPECT_EQ(gap.available(), 5);
  EXPECT_EQ(gap.surge_24h(), 5) << "surge counts wherever it was reported";
  EXPECT_EQ(gap.shortfall(), 15);
  EXPECT_EQ(gap.shortfall_after_surge(), 10);
  EXPECT_EQ(gap.organizations_reported(), 2) << "a, and zero (0 is a report)";
  EXPECT_EQ(gap.organizations_not_reported(), 2) << "occupied-only (no `available`) and silent";
}

TEST_F(ReportsTest, GapReportNeverGoesNegativeAndScopesBySector) {
  Register(MakeOrganization("hospital"));
  Register(MakeOrganization("vvt", v1::ORGANIZATION_KIND_NURSING_HOME));
  Register(MakeOrganization("vvt-silent", v1::ORGANIZATION_KIND_NURSING_HOME));
  Report(ReportWith("hospital", {Beds(v1::BED_TYPE_NURSING_HOME, 50), Beds(v1::BED_TYPE_IC_ADULT, 30)}));
  Report(ReportWith("vvt", {Beds(v1::BED_TYPE_NURSING_HOME, 8, 4)}));
  PutScenario({Need(v1::BED_TYPE_NURSING_HOME, 20, v1::SECTOR_LONG_TERM_CARE), Need(v1::BED_TYPE_NURSING_HOME, 20),
               Need(v1::BED_TYPE_IC_ADULT, 10, v1::SECTOR_ACUTE_CARE)});

  const v1::GapReport report = Gap();
  ASSERT_EQ(report.capacity_size(), 3);
  const v1::CapacityGap& long_term = report.capacity(0);
  EXPECT_EQ(long_term.sector(), v1::SECTOR_LONG_TERM_CARE);
  EXPECT_EQ(long_term.available(), 8) << "the hospital's places are not long-term care";
  EXPECT_EQ(long_term.shortfall(), 12);
  EXPECT_EQ(long_term.shortfall_after_surge(), 8);
  EXPECT_EQ(long_term.organizations_reported(), 1);
  EXPECT_EQ(long_term.organizations_not_reported(), 1);
  const v1::CapacityGap& any_sector = report.capacity(1);
  EXPECT_EQ(any_sector.available(), 58);
  EXPECT_EQ(any_sector.shortfall(), 0);
  EXPECT_EQ(any_sector.shortfall_after_surge(), 0);
  EXPECT_EQ(any_sector.organizations_reported(), 2);
  EXPECT_EQ(any_sector.organizations_not_reported(), 1);
  const v1::CapacityGap& acute = report.capacity(2);
  EXPECT_EQ(acute.available(), 30);
  EXPECT_EQ(acute.shortfall(), 0);
  EXPECT_EQ(acute.organizations_reported(), 1);
  EXPECT_EQ(acute.organizations_not_reported(), 0);
}

TEST_F(ReportsTest, PerLocationReportsReplaceTheOrganisationLevelFigures) {
  Register(Located("nwz", {{"alkmaar", {52.63, 4.74}}, {"den-helder", {52.96, 4.76}}}));
  Report(ReportWith("nwz", {Beds(v1::BED_TYPE_IC_ADULT, 10)}));  // The total of the same beds: not added again.
  Report(ReportWith("nwz", {Beds(v1::BED_TYPE_IC_ADULT, 2)}, "alkmaar"));
  Report(ReportWith("nwz", {Beds(v1::BED_TYPE_IC_ADULT, 3)}, "den-helder"));
  PutScenario({Need(v1::BED_TYPE_IC_ADULT, 20)});
  const v1::CapacityGap gap = Gap().capacity(0);
  EXPECT_EQ(gap.available(), 5);
  EXPECT_EQ(gap.organizations_reported(), 1) << "one organisation, however many sites";
}

TEST_F(ReportsTest, SupplyGapsListTheOrganisationsBelowTheMinimum) {
  for (const char* id : {"b-short", "a-short", "plenty", "silent"}) Register(MakeOrganization(id));
  auto report_oxygen = [&](const std::string& id, double stock, double per_day) {
    v1::StatusReport report = ReportWith(id, {});
    v1::Supply& supply = *report.add_supplies();
    supply.set_type(v1::SUPPLY_TYPE_OXYGEN);
    supply.set_stock(stock);
    supply.set_consumption_per_day(per_day);
    Report(report);
  };
  report_oxygen("b-short", 2, 1);   // 2 days
  report_oxygen("a-short", 10, 5);  // 2 days
  report_oxygen("plenty", 30, 5);   // 6 days
  v1::SupplyRequirement oxygen;
  oxygen.set_type(v1::SUPPLY_TYPE_OXYGEN);
  oxygen.set_min_days_of_supply(3);
  PutScenario({}, {oxygen});
  const v1::GapReport report = Gap();
  ASSERT_EQ(report.supplies_size(), 1);
  EXPECT_THAT(report.supplies(0).short_organization_ids(), ElementsAre("a-short", "b-short"));
  EXPECT_EQ(report.supplies(0).organizations_reported(), 3);
  EXPECT_EQ(report.supplies(0).organizations_not_reported(), 1);
  EXPECT_EQ(report.supplies(0).min_days_of_supply(), 3);
}

// For readers who may not see individual figures (min_group > 0): each figure of a line needs the minimum group on
// its own, however many organisations report the bed type.
TEST_F(ReportsTest, EachFigureOfAnOverviewLineNeedsTheMinimumGroupOnItsOwn) {
  for (const char* id : {"a", "b", "c"}) Register(MakeOrganization(id));
  Report(ReportWith("a", {Beds(v1::BED_TYPE_IC_ADULT, 4, 5, 10)}), kStart);
  Report(ReportWith("b", {Beds(v1::BED_TYPE_IC_ADULT, 2, std::nullopt, 8)}), kStart + absl::Hours(1));
  Report(ReportWith("c", {Beds(v1::BED_TYPE_IC_ADULT, 1)}), kStart + absl::Hours(2));
  const queries::FigureTable figures = queries::TabulateFigures(picture_);

  absl::StatusOr<v1::CapacityOverview> overview =
      queries::ComputeCapacityOverview(v1::GetCapacityOverviewRequest(), figures, kStart, /*min_group=*/3);
  ASSERT_TRUE(overview.ok()) << overview.status();
  ASSERT_EQ(overview->totals_size(), 1);
  const v1::CapacityTotal& line = overview->totals(0);
  EXPECT_EQ(line.available(), 7);
  EXPECT_FALSE(line.has_occupied()) << "two organisations gave it";
  EXPECT_FALSE(line.has_surge_24h()) << "one organisation gave it: its figure";
  EXPECT_FALSE(line.has_baseline()) << "nobody gave it";
  EXPECT_TRUE(line.figures_withheld());
  EXPECT_THAT(line.withheld_figures(), ElementsAre(v1::CAPACITY_FIGURE_OCCUPIED, v1::CAPACITY_FIGURE_SURGE_24H))
      << "baseline is not reported, not withheld";
  EXPECT_EQ(line.organizations_reported(), 3);
  EXPECT_EQ(FromProtoTime(line.newest_report()), kStart + absl::Hours(2));

  overview = queries::ComputeCapacityOverview(v1::GetCapacityOverviewRequest(), figures, kStart, /*min_group=*/0);
  ASSERT_TRUE(overview.ok()) << overview.status();
  EXPECT_EQ(overview->totals(0).surge_24h(), 5);
  EXPECT_EQ(overview->totals(0).occupied(), 18);
  EXPECT_FALSE(overview->totals(0).figures_withheld());
  EXPECT_EQ(overview->totals(0).withheld_figures_size(), 0);
}

TEST_F(ReportsTest, GapReportLinesWithholdSumsOfTooFewAndNameNobodyShort) {
  for (const char* id : {"a", "b", "c"}) Register(MakeOrganization(id));
  Register(MakeOrganization("vvt", v1::ORGANIZATION_KIND_NURSING_HOME));
  auto report = [&](const std::string& id, std::vector<v1::Capacity> capacity,
                    std::vector<std::pair<v1::SupplyType, double>> days) {
    v1::StatusReport status = ReportWith(id, std::move(capacity));
    for (const auto& [type, stock] : days) {
      v1::Supply& supply = *status.add_supplies();
      supply.set_type(type);
      supply.set_stock(stock);
      supply.set_consumption_per_day(1);
    }
    Report(status);
  };
  report("a", {Beds(v1::BED_TYPE_IC_ADULT, 4, 5), Beds(v1::BED_TYPE_NURSING_HOME, 2)},
         {{v1::SUPPLY_TYPE_OXYGEN, 1}, {v1::SUPPLY_TYPE_WATER, 1}});
  report("b", {Beds(v1::BED_TYPE_IC_ADULT, 2)}, {{v1::SUPPLY_TYPE_OXYGEN, 2}});
  report("c", {Beds(v1::BED_TYPE_IC_ADULT, 1)}, {{v1::SUPPLY_TYPE_OXYGEN, 9}});
  report("vvt", {Beds(v1::BED_TYPE_NURSING_HOME, 8)}, {});
  v1::SupplyRequirement oxygen;
  oxygen.set_type(v1::SUPPLY_TYPE_OXYGEN);
  oxygen.set_min_days_of_supply(3);
  v1::SupplyRequirement water = oxygen;
  water.set_type(v1::SUPPLY_TYPE_WATER);
  PutScenario({Need(v1::BED_TYPE_IC_ADULT, 20), Need(v1::BED_TYPE_NURSING_HOME, 5)}, {oxygen, water});
  v1::GetGapReportRequest request;
  request.set_scenario_id("overstroming");
  const queries::FigureTable figures = queries::TabulateFigures(picture_);

  absl::StatusOr<v1::GapReport> report_3 = queries::ComputeGapReport(request, picture_, figures, kStart, 3);
  ASSERT_TRUE(report_3.ok()) << report_3.status();
  ASSERT_EQ(report_3->capacity_size(), 2);
  const v1::CapacityGap& ic = report_3->capacity(0);
  EXPECT_EQ(ic.available(), 7);
  EXPECT_EQ(ic.shortfall(), 13);
  EXPECT_EQ(ic.surge_24h(), 0) << "A alone gave surge: withheld";
  EXPECT_EQ(ic.shortfall_after_surge(), 0) << "withheld with the surge";
  EXPECT_THAT(ic.withheld_figures(), ElementsAre(v1::CAPACITY_FIGURE_SURGE_24H));
  EXPECT_EQ(ic.organizations_reported(), 3);
  // Any sector: a hospital's and a nursing home's places, one organisation each. The sum would be three lines of
  // the overview minus the others; withheld.
  const v1::CapacityGap& nursing = report_3->capacity(1);
  EXPECT_EQ(nursing.available(), 0);
  EXPECT_EQ(nursing.shortfall(), 0);
  EXPECT_THAT(nursing.withheld_figures(), ElementsAre(v1::CAPACITY_FIGURE_AVAILABLE));
  ASSERT_EQ(report_3->supplies_size(), 2);
  const v1::SupplyGap& oxygen_gap = report_3->supplies(0);
  EXPECT_EQ(oxygen_gap.organizations_reported(), 3);
  EXPECT_EQ(oxygen_gap.organizations_short(), 2);
  EXPECT_TRUE(oxygen_gap.short_organization_ids().empty()) << "who is short is a single organisation's figure";
  EXPECT_FALSE(oxygen_gap.figures_withheld());
  const v1::SupplyGap& water_gap = report_3->supplies(1);
  EXPECT_EQ(water_gap.organizations_reported(), 1);
  EXPECT_TRUE(water_gap.figures_withheld());
  EXPECT_EQ(water_gap.organizations_short(), 0);
  EXPECT_TRUE(water_gap.short_organization_ids().empty());

  // A reader who sees every organisation's figures: everything, with names.
  absl::StatusOr<v1::GapReport> exact = queries::ComputeGapReport(request, picture_, figures, kStart, 0);
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(exact->capacity(0).surge_24h(), 5);
  EXPECT_EQ(exact->capacity(0).shortfall_after_surge(), 8);
  EXPECT_EQ(exact->capacity(1).available(), 10);
  EXPECT_EQ(exact->capacity(0).withheld_figures_size() + exact->capacity(1).withheld_figures_size(), 0);
  EXPECT_THAT(exact->supplies(0).short_organization_ids(), ElementsAre("a", "b"));
  EXPECT_EQ(exact->supplies(0).organizations_short(), 2);
  EXPECT_THAT(exact->supplies(1).short_organization_ids(), ElementsAre("a"));
}

TEST_F(ReportsTest, GapReportOfAnUnknownScenarioIsNotFound) {
  v1::GetGapReportRequest request;
  request.set_scenario_id("geen");
  EXPECT_EQ(queries::ComputeGapReport(request, picture_, kStart).status().code(), absl::StatusCode::kNotFound);
  request.set_scenario_id("Geen Id");
  const absl::Status invalid = queries::ComputeGapReport(request, picture_, kStart).status();
  EXPECT_EQ(invalid.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(invalid.message()), StartsWith("scenario_id: "));
}

TEST_F(ReportsTest, CapacityOverviewSumsEachFigureOverTheOrganisationsThatReportedIt) {
  Register(MakeOrganization("a"));
  Register(MakeOrganization("b"));
  Register(MakeOrganization("vvt", v1::ORGANIZATION_KIND_NURSING_HOME));
  Register(MakeOrganization("far", v1::ORGANIZATION_KIND_HOSPITAL, "VR11"));
  Register(MakeOrganization("silent"));
  Report(ReportWith("a", {Beds(v1::BED_TYPE_IC_ADULT, 4, 2, 10)}), kStart);
  Report(ReportWith("b", {Beds(v1::BED_TYPE_IC_ADULT, 1, std::nullopt, 7), Beds(v1::BED_TYPE_BURNS, 0)}),
         kStart + absl::Hours(2));
  Report(ReportWith("vvt", {Beds(v1::BED_TYPE_NURSING_HOME, 12)}), kStart + absl::Hours(1));
  Report(ReportWith("far", {Beds(v1::BED_TYPE_IC_ADULT, 9)}), kStart);

  absl::StatusOr<v1::CapacityOverview> overview =
      queries::ComputeCapacityOverview(v1::GetCapacityOverviewRequest(), picture_, kStart + absl::Hours(3));
  ASSERT_TRUE(overview.ok()) << overview.status();
  EXPECT_EQ(overview->revision(), picture_.revision());
  ASSERT_EQ(overview->totals_size(), 4);
  // Sorted by region, sector, bed type.
  const v1::CapacityTotal& ic = overview->totals(0);
  EXPECT_EQ(ic.safety_region(), "VR10");
  EXPECT_EQ(ic.sector(), v1::SECTOR_ACUTE_CARE);
  EXPECT_EQ(ic.bed_type(), v1::BED_TYPE_IC_ADULT);
  EXPECT_EQ(ic.available(), 5);
  EXPECT_EQ(ic.occupied(), 17);
  EXPECT_EQ(ic.surge_24h(), 2);
  EXPECT_EQ(ic.baseline(), 0);
  EXPECT_EQ(ic.organizations_reported(), 2);
  EXPECT_EQ(FromProtoTime(ic.newest_report()), kStart + absl::Hours(2));
  EXPECT_EQ(FromProtoTime(ic.oldest_report()), kStart);
  const v1::CapacityTotal& burns = overview->totals(1);
  EXPECT_EQ(burns.bed_type(), v1::BED_TYPE_BURNS);
  EXPECT_EQ(burns.organizations_reported(), 1);
  EXPECT_EQ(burns.available(), 0);
  EXPECT_EQ(overview->totals(2).sector(), v1::SECTOR_LONG_TERM_CARE);
  EXPECT_EQ(overview->totals(2).available(), 12);
  EXPECT_EQ(overview->totals(3).safety_region(), "VR11");

  v1::GetCapacityOverviewRequest selection;
  selection.add_safety_regions("VR10");
  selection.add_bed_types(v1::BED_TYPE_IC_ADULT);
  selection.add_bed_types(v1::BED_TYPE_NURSING_HOME);
  selection.add_sectors(v1::SECTOR_ACUTE_CARE);
  overview = queries::ComputeCapacityOverview(selection, picture_, kStart);
  ASSERT_TRUE(overview.ok()) << overview.status();
  ASSERT_EQ(overview->totals_size(), 1);
  EXPECT_EQ(overview->totals(0).available(), 5);

  v1::GetCapacityOverviewRequest invalid;
  invalid.add_safety_regions("VR99");
  const absl::Status status = queries::ComputeCapacityOverview(invalid, picture_, kStart).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("safety_regions[0]: "));
  invalid.Clear();
  invalid.add_bed_types(v1::BED_TYPE_UNSPECIFIED);
  EXPECT_THAT(std::string(queries::ComputeCapacityOverview(invalid, picture_, kStart).status().message()),
              StartsWith("bed_types[0]: "));
}

// A report of capacity that is not beds (the planner checks the kinds; the queries take what the picture holds).
v1::StatusReport ChainReport(const std::string& organization_id, const std::string& text,
                             const std::string& location_id = "") {
  v1::StatusReport report = ParseTextProto<v1::StatusReport>(text);
  report.set_organization_id(organization_id);
  report.set_location_id(location_id);
  report.set_overall_status(v1::OVERALL_STATUS_NORMAL);
  return report;
}

TEST_F(ReportsTest, ChainTotalsCountIntakeStopsAndSumCapacityThatIsNotBeds) {
  Register(MakeOrganization("rav", v1::ORGANIZATION_KIND_AMBULANCE_SERVICE));
  Register(MakeOrganization("rav-2", v1::ORGANIZATION_KIND_AMBULANCE_SERVICE));
  Register(MakeOrganization("vvt-a", v1::ORGANIZATION_KIND_NURSING_HOME));
  Register(MakeOrganization("vvt-b", v1::ORGANIZATION_KIND_NURSING_HOME));
  Register(MakeOrganization("tz", v1::ORGANIZATION_KIND_HOME_CARE));
  Register(MakeOrganization("vvt-silent", v1::ORGANIZATION_KIND_NURSING_HOME));
  Register(MakeOrganization("vvt-far", v1::ORGANIZATION_KIND_NURSING_HOME, "VR11"));
  Report(ChainReport("rav", "ambulance { ambulances_available: 4 ambulances_deployed: 7 }"));
  Report(ChainReport("rav-2", "ambulance { ambulances_available: 2 }"));
  // vvt-a is counted by its sites: a stop at one site is a stop of the organisation (its own report is ignored).
  Report(ChainReport("vvt-a", "intake_stop { state: INTAKE_STOP_STATE_NONE }"));
  Report(ChainReport("vvt-a", "intake_stop { state: INTAKE_STOP_STATE_ACTIVE }", "west"));
  Report(ChainReport("vvt-a", "intake_stop { state: INTAKE_STOP_STATE_NONE }", "oost"));
  Report(ChainReport("vvt-b", "intake_stop { state: INTAKE_STOP_STATE_NONE }"));
  Report(ChainReport("tz", R"pb(intake_stop { state: INTAKE_STOP_STATE_ACTIVE }
                                home_care { clients_on_powered_devices: 37 clients_on_home_ventilation: 0 })pb"));
  Report(ChainReport("vvt-far", "intake_stop { state: INTAKE_STOP_STATE_ACTIVE }"));

  absl::StatusOr<v1::CapacityOverview> overview =
      queries::ComputeCapacityOverview(v1::GetCapacityOverviewRequest(), picture_, kStart);
  ASSERT_TRUE(overview.ok()) << overview.status();
  EXPECT_EQ(overview->totals_size(), 0) << "no beds reported";
  ASSERT_EQ(overview->chain_totals_size(), 3);
  const v1::ChainTotal& acute = overview->chain_totals(0);
  EXPECT_EQ(acute.safety_region(), "VR10");
  EXPECT_EQ(acute.sector(), v1::SECTOR_ACUTE_CARE);
  EXPECT_EQ(acute.organizations_reporting_intake(), 0);
  ASSERT_EQ(acute.figures_size(), 2);
  EXPECT_EQ(acute.figures(0).figure(), v1::CHAIN_FIGURE_AMBULANCES_AVAILABLE);
  EXPECT_EQ(acute.figures(0).sum(), 6);
  EXPECT_EQ(acute.figures(0).organizations_reported(), 2);
  EXPECT_EQ(acute.figures(1).figure(), v1::CHAIN_FIGURE_AMBULANCES_DEPLOYED);
  EXPECT_EQ(acute.figures(1).sum(), 7);
  EXPECT_EQ(acute.figures(1).organizations_reported(), 1) << "rav-2 did not give it: not reported, not 0";
  const v1::ChainTotal& long_term = overview->chain_totals(1);
  EXPECT_EQ(long_term.sector(), v1::SECTOR_LONG_TERM_CARE);
  EXPECT_EQ(long_term.organizations_with_intake_stop(), 2) << "vvt-a (one site) and tz";
  EXPECT_EQ(long_term.organizations_reporting_intake(), 3) << "vvt-a, vvt-b, tz; not vvt-silent";
  ASSERT_EQ(long_term.figures_size(), 2);
  EXPECT_EQ(long_term.figures(0).figure(), v1::CHAIN_FIGURE_CLIENTS_ON_POWERED_DEVICES);
  EXPECT_EQ(long_term.figures(0).sum(), 37);
  EXPECT_EQ(long_term.figures(1).figure(), v1::CHAIN_FIGURE_CLIENTS_ON_HOME_VENTILATION);
  EXPECT_TRUE(long_term.figures(1).has_sum()) << "a reported 0 is a sum";
  EXPECT_EQ(long_term.figures(1).sum(), 0);
  EXPECT_EQ(overview->chain_totals(2).safety_region(), "VR11");
  EXPECT_EQ(overview->chain_totals(2).organizations_with_intake_stop(), 1);

  // A reader without detailed visibility: two ambulance services are fewer than the minimum group of 3; the intake
  // stops are on every report anyway and are never withheld.
  overview = queries::ComputeCapacityOverview(v1::GetCapacityOverviewRequest(), queries::TabulateFigures(picture_),
                                              kStart, /*min_group=*/3);
  ASSERT_TRUE(overview.ok()) << overview.status();
  ASSERT_EQ(overview->chain_totals_size(), 3);
  EXPECT_TRUE(overview->chain_totals(0).figures(0).withheld());
  EXPECT_FALSE(overview->chain_totals(0).figures(0).has_sum());
  EXPECT_TRUE(overview->chain_totals(0).figures(1).withheld());
  EXPECT_EQ(overview->chain_totals(1).organizations_with_intake_stop(), 2);
  EXPECT_TRUE(overview->chain_totals(1).figures(0).withheld());

  // An ambulance service that stopped reporting is counted apart, not in the sum: 4 of the 6 are unconfirmed.
  Report(ChainReport("rav", R"pb(ambulance { ambulances_available: 4 ambulances_deployed: 7 }
                                 overdue_since { seconds: 1704067200 })pb"));
  overview = queries::ComputeCapacityOverview(v1::GetCapacityOverviewRequest(), picture_, kStart);
  ASSERT_TRUE(overview.ok()) << overview.status();
  const v1::ChainFigureTotal& available = overview->chain_totals(0).figures(0);
  EXPECT_EQ(available.sum(), 2);
  EXPECT_EQ(available.organizations_reported(), 1);
  EXPECT_EQ(available.organizations_stale(), 1);
  EXPECT_EQ(available.stale_sum(), 4);
  const v1::ChainFigureTotal& deployed = overview->chain_totals(0).figures(1);
  EXPECT_EQ(deployed.figure(), v1::CHAIN_FIGURE_AMBULANCES_DEPLOYED) << "one total per figure, stale or not";
  EXPECT_EQ(deployed.organizations_reported(), 0);
  EXPECT_FALSE(deployed.has_sum());
  EXPECT_EQ(deployed.stale_sum(), 7);
  Report(ChainReport("rav", "ambulance { ambulances_available: 4 ambulances_deployed: 7 }"));

  // The request's regions and sectors select chain totals too; bed types do not apply to them.
  v1::GetCapacityOverviewRequest selection;
  selection.add_safety_regions("VR10");
  selection.add_sectors(v1::SECTOR_LONG_TERM_CARE);
  selection.add_bed_types(v1::BED_TYPE_IC_ADULT);
  overview = queries::ComputeCapacityOverview(selection, picture_, kStart);
  ASSERT_TRUE(overview.ok()) << overview.status();
  ASSERT_EQ(overview->chain_totals_size(), 1);
  EXPECT_EQ(overview->chain_totals(0).organizations_with_intake_stop(), 2);
}

v1::Record AssistanceRecord(const std::string& id, v1::AssistanceStatus status) {
  v1::Record record;
  record.set_name(domain::AssistanceRequestName(id));
  record.set_kind(v1::ENTITY_KIND_ASSISTANCE_REQUEST);
  v1::AssistanceRequest& request = *record.mutable_assistance_request();
  request.set_id(id);
  request.set_organization_id("a");
  request.set_type(v1::ASSISTANCE_TYPE_WATER);
  request.set_quantity(1);
  request.set_status(status);
  return record;
}

v1::Record AlertRecord(const std::string& id, std::vector<std::string> audience, v1::AlertStatus status) {
  v1::Record record;
  record.set_name(domain::AlertName(id));
  record.set_kind(v1::ENTITY_KIND_ALERT);
  v1::Alert& alert = *record.mutable_alert();
  alert.set_id(id);
  alert.set_headline("Stroomuitval");
  alert.set_status(status);
  for (std::string& organization : audience) alert.mutable_audience()->add_organization_ids(std::move(organization));
  return record;
}

v1::Record AcknowledgementRecord(const std::string& alert_id, const std::string& organization_id) {
  v1::Record record;
  record.set_name(domain::AcknowledgementName(alert_id, organization_id));
  record.set_kind(v1::ENTITY_KIND_ACKNOWLEDGEMENT);
  record.mutable_acknowledgement()->set_alert_id(alert_id);
  record.mutable_acknowledgement()->set_organization_id(organization_id);
  return record;
}

// When the telephone network fails, organisations stop reporting: their old figures must not be added up as if they
// were current. Overdue reports, and figures a newer (partial) report did not renew within the interval, are counted
// apart.
TEST_F(ReportsTest, StaleFiguresAreCountedApartInTheOverviewAndTheGapReport) {
  for (const char* id : {"fresh", "overdue", "not-renewed", "silent"}) Register(MakeOrganization(id));
  Report(ReportWith("fresh", {Beds(v1::BED_TYPE_IC_ADULT, 5)}));
  v1::Record overdue = ReportRecord(ReportWith("overdue", {Beds(v1::BED_TYPE_IC_ADULT, 3)}), kStart);
  *overdue.mutable_status_report()->mutable_overdue_since() = ToProtoTime(kStart + absl::Hours(24));
  PutDirectly(picture_, overdue);
  // Reported 30 hours ago; the latest (partial) report, of a supply, is fresh, but its IC figure is older than the
  // organisation's 24-hour interval.
  v1::Record not_renewed =
      ReportRecord(ReportWith("not-renewed", {Beds(v1::BED_TYPE_IC_ADULT, 2)}), kStart + absl::Hours(30));
  *not_renewed.mutable_status_report()->mutable_capacity(0)->mutable_reported_at() = ToProtoTime(kStart);
  PutDirectly(picture_, not_renewed);
  PutScenario({Need(v1::BED_TYPE_IC_ADULT, 20)});

  absl::StatusOr<v1::CapacityOverview> overview =
      queries::ComputeCapacityOverview(v1::GetCapacityOverviewRequest(), picture_, kStart + absl::Hours(31));
  ASSERT_TRUE(overview.ok()) << overview.status();
  ASSERT_EQ(overview->totals_size(), 1);
  const v1::CapacityTotal& line = overview->totals(0);
  EXPECT_EQ(line.available(), 5) << "only the fresh figure is summed";
  EXPECT_EQ(line.organizations_reported(), 1);
  EXPECT_EQ(line.organizations_stale(), 2);
  EXPECT_EQ(line.stale_available(), 5);
  EXPECT_EQ(FromProtoTime(line.oldest_report()), kStart);

  v1::GetGapReportRequest request;
  request.set_scenario_id("overstroming");
  absl::StatusOr<v1::GapReport> report = queries::ComputeGapReport(request, picture_, kStart + absl::Hours(31));
  ASSERT_TRUE(report.ok()) << report.status();
  const v1::CapacityGap& gap = report->capacity(0);
  EXPECT_EQ(gap.available(), 5);
  EXPECT_EQ(gap.shortfall(), 15) << "stale places do not close the gap";
  EXPECT_EQ(gap.organizations_reported(), 1);
  EXPECT_EQ(gap.organizations_stale(), 2);
  EXPECT_EQ(gap.stale_available(), 5);
  EXPECT_EQ(gap.organizations_not_reported(), 1) << "silent";
}

TEST_F(ReportsTest, OperationalSummaryListsWhatNeedsAttention) {
  Register(MakeOrganization("a"));
  Register(MakeOrganization("b"));
  Register(MakeOrganization("never"));
  Register(MakeOrganization("sites-only"));
  Report(ReportWith("a", {}), kStart);
  v1::Record overdue = ReportRecord(ReportWith("b", {}), kStart);
  *overdue.mutable_status_report()->mutable_overdue_since() = ToProtoTime(kStart + absl::Hours(24));
  PutDirectly(picture_, overdue);
  Report(ReportWith("sites-only", {}, "main"));
  for (const auto& [id, status] :
       std::vector<std::pair<std::string, v1::AssistanceStatus>>{{"r-open", v1::ASSISTANCE_STATUS_OPEN},
                                                                 {"r-offered", v1::ASSISTANCE_STATUS_OFFERED},
                                                                 {"r-accepted", v1::ASSISTANCE_STATUS_ACCEPTED},
                                                                 {"r-fulfilled", v1::ASSISTANCE_STATUS_FULFILLED},
                                                                 {"r-cancelled", v1::ASSISTANCE_STATUS_CANCELLED}}) {
    PutDirectly(picture_, AssistanceRecord(id, status));
  }
  PutDirectly(picture_, AlertRecord("half", {"a", "b"}, v1::ALERT_STATUS_ACTIVE));
  PutDirectly(picture_, AcknowledgementRecord("half", "a"));
  PutDirectly(picture_, AlertRecord("done", {"a"}, v1::ALERT_STATUS_ACTIVE));
  PutDirectly(picture_, AcknowledgementRecord("done", "a"));
  PutDirectly(picture_, AlertRecord("cancelled", {"b"}, v1::ALERT_STATUS_CANCELLED));

  absl::StatusOr<v1::OperationalSummary> summary =
      queries::ComputeOperationalSummary(v1::GetOperationalSummaryRequest(), picture_);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->revision(), picture_.revision());
  std::vector<std::string> open;
  for (const v1::AssistanceRequest& request : summary->open_requests()) open.push_back(request.id());
  EXPECT_THAT(open, ElementsAre("r-accepted", "r-offered", "r-open"));
  ASSERT_EQ(summary->unacknowledged_alerts_size(), 1);
  EXPECT_EQ(summary->unacknowledged_alerts(0).alert().id(), "half");
  EXPECT_THAT(summary->unacknowledged_alerts(0).unacknowledged_organization_ids(), ElementsAre("b"));
  EXPECT_EQ(summary->unacknowledged_alerts(0).audience_size(), 2);
  ASSERT_EQ(summary->overdue_organizations_size(), 2);
  const v1::OverdueOrganization& late = summary->overdue_organizations(0);
  EXPECT_EQ(late.organization_id(), "b");
  EXPECT_EQ(late.name(), "Organisation b");
  EXPECT_EQ(FromProtoTime(late.report_due()), kStart + absl::Hours(24));
  EXPECT_EQ(FromProtoTime(late.last_report()), kStart);
  const v1::OverdueOrganization& never = summary->overdue_organizations(1);
  EXPECT_EQ(never.organization_id(), "never");
  EXPECT_FALSE(never.has_report_due());
  EXPECT_FALSE(never.has_last_report());
}

TEST(DistanceTest, HaversineMatchesKnownDistances) {
  v1::Coordinates origin;
  v1::Coordinates north;
  north.set_latitude(1);
  EXPECT_NEAR(queries::DistanceKm(origin, north), 111.195, 0.001);  // One degree of a great circle.
  v1::Coordinates alkmaar;
  alkmaar.set_latitude(52.6324);
  alkmaar.set_longitude(4.7534);
  v1::Coordinates amsterdam;
  amsterdam.set_latitude(52.3676);
  amsterdam.set_longitude(4.9041);
  EXPECT_NEAR(queries::DistanceKm(alkmaar, amsterdam), 31.2, 0.3);
  EXPECT_NEAR(queries::DistanceKm(amsterdam, alkmaar), queries::DistanceKm(alkmaar, amsterdam), 1e-9);
  EXPECT_EQ(queries::DistanceKm(alkmaar, alkmaar), 0);
  v1::Coordinates antipode;
  antipode.set_longitude(180);
  EXPECT_NEAR(queries::DistanceKm(origin, antipode), 20015.1, 0.1);
}

class FindCapacityTest : public ReportsTest {
 protected:
  // Around Alkmaar (52.63, 4.75): 0.1 degree of latitude is ~11.1 km.
  void SetUp() override {
    Register(Located("near", {{"site", {52.68, 4.75}}}));                                // ~5.6 km
    Register(Located("two-sites", {{"far", {53.53, 4.75}}, {"close", {52.72, 4.75}}}));  // ~10 km via "close"
    Register(Located("middle", {{"site", {52.83, 4.75}}}));                              // ~22 km
    Register(Located("out-of-radius", {{"site", {53.23, 4.75}}}));                       // ~67 km
    Register(Located("full", {{"site", {52.64, 4.75}}}));                                // ~1 km, 0 available
    Register(MakeOrganization("no-coordinates"));
    Report(ReportWith("near", {Beds(v1::BED_TYPE_IC_ADULT, 2)}));
    Report(ReportWith("two-sites", {Beds(v1::BED_TYPE_IC_ADULT, 6)}));
    Report(ReportWith("middle", {Beds(v1::BED_TYPE_IC_ADULT, 9), Beds(v1::BED_TYPE_BURNS, 1)}));
    Report(ReportWith("out-of-radius", {Beds(v1::BED_TYPE_IC_ADULT, 40)}));
    Report(ReportWith("full", {Beds(v1::BED_TYPE_IC_ADULT, 0)}));
    Report(ReportWith("no-coordinates", {Beds(v1::BED_TYPE_IC_ADULT, 40)}));
  }

  v1::FindCapacityRequest Request() {
    v1::FindCapacityRequest request;
    request.mutable_near()->set_latitude(52.63);
    request.mutable_near()->set_longitude(4.75);
    request.set_bed_type(v1::BED_TYPE_IC_ADULT);
    return request;
  }

  std::vector<std::string> Found(const v1::FindCapacityRequest& request) {
    absl::StatusOr<v1::FindCapacityResponse> response = queries::FindCapacity(request, picture_, absl::Now());
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> ids;
    if (!response.ok()) return ids;
    EXPECT_EQ(response->revision(), picture_.revision());
    for (const v1::CapacityMatch& match : response->matches()) ids.push_back(match.organization_id());
    return ids;
  }
};

TEST_F(FindCapacityTest, NearestFirstWithinTheDefaultRadiusAndAtLeastOnePlace) {
  EXPECT_THAT(Found(Request()), ElementsAre("near", "two-sites", "middle"));
  absl::StatusOr<v1::FindCapacityResponse> response = queries::FindCapacity(Request(), picture_, absl::Now());
  ASSERT_TRUE(response.ok());
  const v1::CapacityMatch& two_sites = response->matches(1);
  EXPECT_EQ(two_sites.location_id(), "close");
  EXPECT_NEAR(two_sites.distance_km(), 10.0, 0.1);
  EXPECT_EQ(two_sites.available(), 6);
  EXPECT_EQ(two_sites.organization_name(), "Organisation two-sites");
  EXPECT_EQ(two_sites.overall_status(), v1::OVERALL_STATUS_NORMAL);
  EXPECT_EQ(FromProtoTime(two_sites.reported_at()), kStart);
}

TEST_F(FindCapacityTest, RadiusMinAvailableBedTypeAndLimitNarrowTheSearch) {
  v1::FindCapacityRequest request = Request();
  request.set_radius_km(100);
  EXPECT_THAT(Found(request), ElementsAre("near", "two-sites", "middle", "out-of-radius"));
  request.set_radius_km(8);
  EXPECT_THAT(Found(request), ElementsAre("near"));
  request = Request();
  request.set_min_available(6);
  EXPECT_THAT(Found(request), ElementsAre("two-sites", "middle"));
  request = Request();
  request.set_limit(2);
  EXPECT_THAT(Found(request), ElementsAre("near", "two-sites"));
  request = Request();
  request.set_bed_type(v1::BED_TYPE_BURNS);
  EXPECT_THAT(Found(request), ElementsAre("middle"));
}

TEST_F(FindCapacityTest, PerLocationReportsMatchTheSiteThatHasTheBeds) {
  Register(Located("sites", {{"empty-close", {52.64, 4.75}}, {"beds-further", {52.73, 4.75}}}));
  Report(ReportWith("sites", {Beds(v1::BED_TYPE_IC_ADULT, 0)}, "empty-close"));
  Report(ReportWith("sites", {Beds(v1::BED_TYPE_IC_ADULT, 4)}, "beds-further"));
  absl::StatusOr<v1::FindCapacityResponse> response = queries::FindCapacity(Request(), picture_, absl::Now());
  ASSERT_TRUE(response.ok());
  bool found = false;
  for (const v1::CapacityMatch& match : response->matches()) {
    if (match.organization_id() != "sites") continue;
    found = true;
    EXPECT_EQ(match.location_id(), "beds-further");
    EXPECT_EQ(match.available(), 4);
  }
  EXPECT_TRUE(found);
}

TEST_F(FindCapacityTest, MaxAgeLeavesOutOldFiguresAndStaleOnesAreFlagged) {
  v1::FindCapacityRequest request = Request();
  request.mutable_max_age()->set_seconds(3600);
  auto found_at = [&](absl::Time now) {
    absl::StatusOr<v1::FindCapacityResponse> response = queries::FindCapacity(request, picture_, now);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : v1::FindCapacityResponse();
  };
  EXPECT_EQ(found_at(kStart + absl::Minutes(59)).matches_size(), 3);
  EXPECT_EQ(found_at(kStart + absl::Minutes(61)).matches_size(), 0) << "all figures are over an hour old";

  v1::Record overdue = ReportRecord(ReportWith("near", {Beds(v1::BED_TYPE_IC_ADULT, 2)}), kStart);
  *overdue.mutable_status_report()->mutable_overdue_since() = ToProtoTime(kStart + absl::Minutes(30));
  PutDirectly(picture_, overdue);
  const v1::FindCapacityResponse response = found_at(kStart + absl::Minutes(40));
  ASSERT_EQ(response.matches_size(), 3);
  EXPECT_EQ(response.matches(0).organization_id(), "near");
  EXPECT_TRUE(response.matches(0).stale());
  EXPECT_FALSE(response.matches(1).stale());
}

TEST_F(FindCapacityTest, InvalidRequestsNameTheField) {
  struct Case {
    std::function<void(v1::FindCapacityRequest&)> mutate;
    std::string prefix;
  };
  const std::vector<Case> cases = {
      {[](auto& r) { r.clear_near(); }, "near: required"},
      {[](auto& r) { r.mutable_near()->set_latitude(91); }, "near.latitude: "},
      {[](auto& r) { r.mutable_near()->set_longitude(-181); }, "near.longitude: "},
      {[](auto& r) { r.set_radius_km(500.5); }, "radius_km: "},
      {[](auto& r) { r.set_radius_km(-1); }, "radius_km: "},
      {[](auto& r) { r.clear_bed_type(); }, "bed_type: required"},
      {[](auto& r) { r.set_min_available(-1); }, "min_available: "},
      {[](auto& r) { r.set_limit(1001); }, "limit: "},
      {[](auto& r) { r.mutable_max_age()->set_seconds(-1); }, "max_age: "},
      {[](auto& r) { r.mutable_max_age()->set_seconds(8 * 24 * 3600); }, "max_age: "},
  };
  for (const Case& c : cases) {
    v1::FindCapacityRequest request = Request();
    c.mutate(request);
    const absl::Status status = queries::FindCapacity(request, picture_, absl::Now()).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.prefix;
    EXPECT_THAT(std::string(status.message()), StartsWith(c.prefix));
  }
}

}  // namespace
}  // namespace ketenbeeld::pipeline
