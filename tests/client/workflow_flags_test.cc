#include "client/cli/workflow_flags.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "client/cli/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/cli_test_util.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::cli {
namespace {

using ::ketenbeeld::cli::testing::ExpectFlagError;
using ::ketenbeeld::cli::testing::kNow;
using ::ketenbeeld::testing::ParseTextProto;

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(DurationFlagTest, AbslSyntaxAndDays) {
  EXPECT_EQ(*ParseDurationFlag("--ack-within", "30m"), absl::Minutes(30));
  EXPECT_EQ(*ParseDurationFlag("--ack-within", "4h"), absl::Hours(4));
  EXPECT_EQ(*ParseDurationFlag("--ack-within", "1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseDurationFlag("--ack-within", "2d"), absl::Hours(48));
  EXPECT_EQ(*ParseDurationFlag("--ack-within", "1.5d"), absl::Hours(36));
  EXPECT_EQ(*ParseDurationFlag("--ack-within", " 45s "), absl::Seconds(45));
}

TEST(DurationFlagTest, BadDurationsNameTheFlag) {
  ExpectFlagError(ParseDurationFlag("--needed-within", "4").status(), "--needed-within \"4\"",
                  "expected a duration such as 30m, 4h, 1h30m or 2d");
  ExpectFlagError(ParseDurationFlag("--needed-within", "4x").status(), "--needed-within \"4x\"", "expected a duration");
  ExpectFlagError(ParseDurationFlag("--ack-within", "d").status(), "--ack-within \"d\"", "expected a duration");
  ExpectFlagError(ParseDurationFlag("--ack-within", "0m").status(), "--ack-within \"0m\"", "must be a positive");
  ExpectFlagError(ParseDurationFlag("--ack-within", "-5m").status(), "--ack-within \"-5m\"", "must be a positive");
  ExpectFlagError(ParseDurationFlag("--ack-within", "inf").status(), "--ack-within \"inf\"", "finite");
}

TEST(CoordinatesFlagTest, LatitudeCommaLongitude) {
  absl::StatusOr<v1::Coordinates> at = ParseCoordinatesFlag("--at", "52.63, 4.75");
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_DOUBLE_EQ(at->latitude(), 52.63);
  EXPECT_DOUBLE_EQ(at->longitude(), 4.75);
  ExpectFlagError(ParseCoordinatesFlag("--at", "52.63;4.75").status(), "--at \"52.63;4.75\"", "expected LAT,LON");
  ExpectFlagError(ParseCoordinatesFlag("--at", "52.63").status(), "--at \"52.63\"", "expected LAT,LON");
  ExpectFlagError(ParseCoordinatesFlag("--at", "1,2,3").status(), "--at \"1,2,3\"", "expected LAT,LON");
  ExpectFlagError(ParseCoordinatesFlag("--at", "north,4").status(), "--at \"north,4\"", "expected LAT,LON");
  ExpectFlagError(ParseCoordinatesFlag("--at", "95,4").status(), "--at \"95,4\"", "latitude must be -90..90");
  ExpectFlagError(ParseCoordinatesFlag("near", "52,181").status(), "near \"52,181\"", "longitude must be -180..180");
}

TEST(SituationLayerFlagTest, EnglishAndDutchWords) {
  EXPECT_EQ(*ParseSituationLayerFlag("picture"), v1::SITUATION_LAYER_PICTURE);
  EXPECT_EQ(*ParseSituationLayerFlag("beeld"), v1::SITUATION_LAYER_PICTURE);
  EXPECT_EQ(*ParseSituationLayerFlag("Oordeel"), v1::SITUATION_LAYER_ASSESSMENT);
  EXPECT_EQ(*ParseSituationLayerFlag("assessment"), v1::SITUATION_LAYER_ASSESSMENT);
  EXPECT_EQ(*ParseSituationLayerFlag("besluit"), v1::SITUATION_LAYER_DECISION);
  EXPECT_EQ(*ParseSituationLayerFlag("decision"), v1::SITUATION_LAYER_DECISION);
  ExpectFlagError(ParseSituationLayerFlag("opinion").status(), "--layer \"opinion\"",
                  "expected picture|assessment|decision (or beeld|oordeel|besluit)");
  ExpectFlagError(ParseSituationLayerFlag("unspecified").status(), "--layer \"unspecified\"", "expected picture");
}

TEST(NeedFlagTest, TypeQuantityAndOptionalSector) {
  absl::StatusOr<v1::CapacityRequirement> need = ParseNeedFlag("ic-adult=12");
  ASSERT_TRUE(need.ok()) << need.status();
  EXPECT_EQ(need->bed_type(), v1::BED_TYPE_IC_ADULT);
  EXPECT_EQ(need->quantity(), 12);
  EXPECT_EQ(need->sector(), v1::SECTOR_UNSPECIFIED);
  need = ParseNeedFlag("nursing-home=40@long-term-care");
  ASSERT_TRUE(need.ok()) << need.status();
  EXPECT_EQ(need->sector(), v1::SECTOR_LONG_TERM_CARE);
  ExpectFlagError(ParseNeedFlag("ic-adult").status(), "--need \"ic-adult\"", "expected TYPE=N[@SECTOR]");
  ExpectFlagError(ParseNeedFlag("icu=3").status(), "--need \"icu=3\"", "unknown bed type \"icu\"");
  ExpectFlagError(ParseNeedFlag("ic-adult=0").status(), "--need \"ic-adult=0\"", "whole number >= 1");
  ExpectFlagError(ParseNeedFlag("ic-adult=many").status(), "--need \"ic-adult=many\"", "whole number >= 1");
  ExpectFlagError(ParseNeedFlag("ic-adult=3@acute").status(), "--need \"ic-adult=3@acute\"",
                  "unknown sector \"acute\" (valid: acute-care, long-term-care, other)");
}

TEST(SupplyRequirementFlagTest, TypeAndDays) {
  absl::StatusOr<v1::SupplyRequirement> supply = ParseSupplyRequirementFlag("generator=1.5");
  ASSERT_TRUE(supply.ok()) << supply.status();
  EXPECT_EQ(supply->type(), v1::SUPPLY_TYPE_GENERATOR);
  EXPECT_DOUBLE_EQ(supply->min_days_of_supply(), 1.5);
  ExpectFlagError(ParseSupplyRequirementFlag("oxygen").status(), "--supply \"oxygen\"", "expected TYPE=DAYS");
  ExpectFlagError(ParseSupplyRequirementFlag("diesel=3").status(), "--supply \"diesel=3\"", "unknown supply type");
  ExpectFlagError(ParseSupplyRequirementFlag("oxygen=0").status(), "--supply \"oxygen=0\"", "number > 0");
}

TEST(DeadlineTest, ByOrWithinButNotBoth) {
  absl::StatusOr<std::optional<absl::Time>> deadline = ResolveDeadline("--ack-by", "", "--ack-within", "30m", kNow);
  ASSERT_TRUE(deadline.ok());
  EXPECT_EQ(**deadline, kNow + absl::Minutes(30));
  deadline = ResolveDeadline("--ack-by", "2024-03-01T13:00:00+01:00", "--ack-within", "", kNow);
  ASSERT_TRUE(deadline.ok());
  EXPECT_EQ(**deadline, absl::FromUnixSeconds(1709294400));
  deadline = ResolveDeadline("--ack-by", "", "--ack-within", "", kNow);
  ASSERT_TRUE(deadline.ok());
  EXPECT_FALSE(deadline->has_value());
  EXPECT_EQ(ResolveDeadline("--ack-by", "2024-03-01T13:00:00Z", "--ack-within", "30m", kNow).status().message(),
            "give either --ack-by or --ack-within, not both");
  ExpectFlagError(ResolveDeadline("--ack-by", "tomorrow", "--ack-within", "", kNow).status(), "--ack-by \"tomorrow\"",
                  "RFC 3339");
}

IncidentFlags CompleteIncidentFlags() {
  IncidentFlags flags;
  flags.id = "brand-oost";
  flags.title = "Brand Oostpolder";
  flags.type = "brand";
  flags.level = "GRIP 2";
  flags.region = "VR10";
  return flags;
}

TEST(IncidentFlagsTest, OpenBuildsTheIncidentAndLeavesUnestimatedCasualtiesAbsent) {
  IncidentFlags flags = CompleteIncidentFlags();
  flags.area = "Industrieterrein Oostpolder";
  flags.at = "52.96,4.76";
  flags.radius_km = 2.5;
  flags.affected = {"zh-noord", "vvt-west"};
  flags.t1 = 3;
  flags.dead = 0;
  absl::StatusOr<v1::OpenIncidentRequest> request = BuildOpenIncidentRequest(flags);
  ASSERT_TRUE(request.ok()) << request.status();
  const v1::Incident& incident = request->incident();
  EXPECT_EQ(incident.id(), "brand-oost");
  EXPECT_EQ(incident.scale_up_level(), "GRIP 2");
  EXPECT_EQ(incident.safety_region(), "VR10");
  EXPECT_EQ(incident.area().description(), "Industrieterrein Oostpolder");
  EXPECT_DOUBLE_EQ(incident.area().center().latitude(), 52.96);
  EXPECT_DOUBLE_EQ(incident.area().radius_km(), 2.5);
  EXPECT_THAT(incident.affected_organization_ids(), ::testing::ElementsAre("zh-noord", "vvt-west"));
  EXPECT_EQ(incident.casualties().t1(), 3);
  EXPECT_TRUE(incident.casualties().has_dead());  // An explicit 0 is an estimate.
  EXPECT_FALSE(incident.casualties().has_t2());   // Not estimated is not zero.
  EXPECT_FALSE(incident.casualties().has_t3());

  flags = CompleteIncidentFlags();
  request = BuildOpenIncidentRequest(flags);
  ASSERT_TRUE(request.ok());
  EXPECT_FALSE(request->incident().has_casualties());
  EXPECT_FALSE(request->incident().has_area());
}

TEST(IncidentFlagsTest, PolygonsPostcodesAndMunicipalitiesMakeTheArea) {
  IncidentFlags flags = CompleteIncidentFlags();
  flags.polygons = {"52.90,4.70; 52.90,4.80;53.00,4.80;53.00,4.70", "52,5;52,5.1;52.1,5"};
  flags.postcodes = {"1781", "1782"};
  flags.municipalities = {"GM0400"};
  absl::StatusOr<v1::OpenIncidentRequest> request = BuildOpenIncidentRequest(flags);
  ASSERT_TRUE(request.ok()) << request.status();
  const v1::Area& area = request->incident().area();
  ASSERT_EQ(area.polygons_size(), 2);
  ASSERT_EQ(area.polygons(0).points_size(), 4);
  EXPECT_DOUBLE_EQ(area.polygons(0).points(1).longitude(), 4.80);
  EXPECT_EQ(area.polygons(1).points_size(), 3);
  EXPECT_THAT(area.postcodes(), ::testing::ElementsAre("1781", "1782"));
  EXPECT_THAT(area.municipality_codes(), ::testing::ElementsAre("GM0400"));

  flags.polygons = {"52.90,4.70;52.90,4.80"};
  ExpectFlagError(BuildOpenIncidentRequest(flags).status(), "--polygon \"52.90,4.70;52.90,4.80\"", "at least 3 points");
  flags.polygons = {"52.90,4.70;52.90;53.00,4.80"};
  ExpectFlagError(BuildOpenIncidentRequest(flags).status(), "--polygon \"52.90\"", "LAT,LON");
}

TEST(IncidentFlagsTest, OpenNamesEachMissingOrBadFlag) {
  const std::pair<std::string, void (*)(IncidentFlags&)> missing[] = {
      {"--id", [](IncidentFlags& f) { f.id.clear(); }},         {"--title", [](IncidentFlags& f) { f.title.reset(); }},
      {"--type", [](IncidentFlags& f) { f.type.reset(); }},     {"--level", [](IncidentFlags& f) { f.level = ""; }},
      {"--region", [](IncidentFlags& f) { f.region.reset(); }},
  };
  for (const auto& [flag, clear] : missing) {
    IncidentFlags flags = CompleteIncidentFlags();
    clear(flags);
    ExpectFlagError(BuildOpenIncidentRequest(flags).status(), flag + " is required", "e.g.");
  }
  IncidentFlags flags = CompleteIncidentFlags();
  flags.at = "52.96";
  ExpectFlagError(BuildOpenIncidentRequest(flags).status(), "--at \"52.96\"", "expected LAT,LON");
  flags = CompleteIncidentFlags();
  flags.t2 = -1;
  ExpectFlagError(BuildOpenIncidentRequest(flags).status(), "--t2 \"-1\"", ">= 0");
  flags = CompleteIncidentFlags();
  flags.radius_km = -3;
  ExpectFlagError(BuildOpenIncidentRequest(flags).status(), "--radius-km \"-3\"", ">= 0");
}

TEST(IncidentFlagsTest, UpdateKeepsWhatIsNotGivenAndComparesAndSets) {
  const auto current = ParseTextProto<v1::Record>(R"pb(
    name: "incidents/brand-oost"
    mod_revision: 17
    incident {
      id: "brand-oost"
      title: "Brand Oostpolder"
      type: "brand"
      scale_up_level: "GRIP 1"
      safety_region: "VR10"
      area {
        description: "Oostpolder"
        center { latitude: 52.9 longitude: 4.7 }
      }
      affected_organization_ids: "zh-noord"
      casualties { t1: 1 }
      status: INCIDENT_STATUS_OPEN
      opened_at { seconds: 1699990000 }
    }
  )pb");
  IncidentFlags flags;
  flags.level = "GRIP 3";
  flags.t2 = 4;
  absl::StatusOr<v1::UpdateIncidentRequest> request = BuildUpdateIncidentRequest(flags, current);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->expected_revision(), 17);
  const v1::Incident& incident = request->incident();
  EXPECT_EQ(incident.scale_up_level(), "GRIP 3");
  EXPECT_EQ(incident.title(), "Brand Oostpolder");
  EXPECT_EQ(incident.area().description(), "Oostpolder");
  EXPECT_DOUBLE_EQ(incident.area().center().latitude(), 52.9);
  EXPECT_THAT(incident.affected_organization_ids(), ::testing::ElementsAre("zh-noord"));
  EXPECT_EQ(incident.casualties().t1(), 1);
  EXPECT_EQ(incident.casualties().t2(), 4);
  // Output-only fields are not sent back.
  EXPECT_EQ(incident.status(), v1::INCIDENT_STATUS_UNSPECIFIED);
  EXPECT_FALSE(incident.has_opened_at());

  flags = IncidentFlags();
  flags.affected = {"vvt-west"};
  request = BuildUpdateIncidentRequest(flags, current);
  ASSERT_TRUE(request.ok());
  EXPECT_THAT(request->incident().affected_organization_ids(), ::testing::ElementsAre("vvt-west"));

  flags = IncidentFlags();
  flags.id = "other";
  ExpectFlagError(BuildUpdateIncidentRequest(flags, current).status(), "--id \"other\"", "cannot change");

  EXPECT_EQ(BuildUpdateIncidentRequest(IncidentFlags(), ParseTextProto<v1::Record>(R"pb(name: "alerts/a"
                                                                                        alert {})pb"))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(IncidentFlagsTest, CloseRequestsClosedOnTheRevisionRead) {
  const auto current = ParseTextProto<v1::Record>(R"pb(
    name: "incidents/brand-oost"
    mod_revision: 20
    incident { id: "brand-oost" title: "Brand" status: INCIDENT_STATUS_SCALED_UP }
  )pb");
  absl::StatusOr<v1::UpdateIncidentRequest> request = BuildCloseIncidentRequest(current);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->incident().status(), v1::INCIDENT_STATUS_CLOSED);
  EXPECT_EQ(request->incident().title(), "Brand");
  EXPECT_EQ(request->expected_revision(), 20);
}

TEST(SituationEntryFlagsTest, RequiresLayerTextAndAuthor) {
  SituationEntryFlags flags{.incident_id = "brand-oost", .layer = "besluit", .text = "Ontruimen", .author = "CvD"};
  absl::StatusOr<v1::AddSituationEntryRequest> request = BuildSituationEntryRequest(flags);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->entry().layer(), v1::SITUATION_LAYER_DECISION);
  EXPECT_EQ(request->entry().incident_id(), "brand-oost");
  EXPECT_EQ(request->entry().author(), "CvD");

  SituationEntryFlags bad = flags;
  bad.layer = "";
  ExpectFlagError(BuildSituationEntryRequest(bad).status(), "--layer is required", "beeld");
  bad = flags;
  bad.text = "";
  ExpectFlagError(BuildSituationEntryRequest(bad).status(), "--text is required", "");
  bad = flags;
  bad.author = "";
  ExpectFlagError(BuildSituationEntryRequest(bad).status(), "--author is required", "");
  bad = flags;
  bad.layer = "conclusie";
  ExpectFlagError(BuildSituationEntryRequest(bad).status(), "--layer \"conclusie\"", "expected picture");
}

AlertFlags CompleteAlertFlags() {
  AlertFlags flags;
  flags.id = "stroom";
  flags.headline = "Stroomuitval Noord";
  flags.urgency = "immediate";
  flags.severity = "severe";
  flags.certainty = "observed";
  return flags;
}

TEST(AlertFlagsTest, SendBuildsAudienceAndDeadline) {
  AlertFlags flags = CompleteAlertFlags();
  flags.regions = {"VR10"};
  flags.sectors = {"long-term-care"};
  flags.kinds = {"nursing-home", "disability-care"};
  flags.organization_ids = {"zh-noord"};
  flags.ack_within = "30m";
  flags.incident_id = "brand-oost";
  absl::StatusOr<v1::SendAlertRequest> request = BuildSendAlertRequest(flags, kNow);
  ASSERT_TRUE(request.ok()) << request.status();
  const v1::Alert& alert = request->alert();
  EXPECT_EQ(alert.urgency(), v1::URGENCY_IMMEDIATE);
  EXPECT_EQ(alert.severity(), v1::ALERT_SEVERITY_SEVERE);
  EXPECT_EQ(alert.certainty(), v1::CERTAINTY_OBSERVED);
  EXPECT_THAT(alert.audience().safety_regions(), ::testing::ElementsAre("VR10"));
  EXPECT_THAT(alert.audience().sectors(), ::testing::ElementsAre(v1::SECTOR_LONG_TERM_CARE));
  EXPECT_THAT(alert.audience().kinds(),
              ::testing::ElementsAre(v1::ORGANIZATION_KIND_NURSING_HOME, v1::ORGANIZATION_KIND_DISABILITY_CARE));
  EXPECT_THAT(alert.audience().organization_ids(), ::testing::ElementsAre("zh-noord"));
  EXPECT_EQ(FromProtoTime(alert.acknowledge_by()), kNow + absl::Minutes(30));
  EXPECT_EQ(alert.incident_id(), "brand-oost");
  EXPECT_EQ(alert.status(), v1::ALERT_STATUS_ACTIVE);
  EXPECT_FALSE(request->has_expected_revision());

  flags = CompleteAlertFlags();
  request = BuildSendAlertRequest(flags, kNow);
  ASSERT_TRUE(request.ok());
  EXPECT_FALSE(request->alert().has_acknowledge_by());  // No deadline unless asked for.
}

TEST(AlertFlagsTest, TheAreaFlagsGiveTheAlertItsOwnAreaAsAnIncidentsDo) {
  AlertFlags flags = CompleteAlertFlags();
  absl::StatusOr<v1::SendAlertRequest> request = BuildSendAlertRequest(flags, kNow);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_FALSE(request->alert().audience().has_area()) << "no area flag, no area";

  flags.area = "Polder Koegras";
  flags.polygons = {"52.90,4.70;52.90,4.80;53.00,4.80;53.00,4.70"};
  flags.postcodes = {"1781"};
  flags.municipalities = {"GM0400"};
  flags.at = "52.96,4.76";
  flags.radius_km = 2.5;
  flags.kinds = {"nursing-home"};
  request = BuildSendAlertRequest(flags, kNow);
  ASSERT_TRUE(request.ok()) << request.status();
  const v1::Area& area = request->alert().audience().area();
  EXPECT_EQ(area.description(), "Polder Koegras");
  ASSERT_EQ(area.polygons_size(), 1);
  EXPECT_EQ(area.polygons(0).points_size(), 4);
  EXPECT_DOUBLE_EQ(area.polygons(0).points(2).latitude(), 53.00);
  EXPECT_THAT(area.postcodes(), ::testing::ElementsAre("1781"));
  EXPECT_THAT(area.municipality_codes(), ::testing::ElementsAre("GM0400"));
  EXPECT_DOUBLE_EQ(area.center().longitude(), 4.76);
  EXPECT_DOUBLE_EQ(area.radius_km(), 2.5);
  EXPECT_THAT(request->alert().audience().kinds(), ::testing::ElementsAre(v1::ORGANIZATION_KIND_NURSING_HOME));

  flags.polygons = {"52.90,4.70;52.90,4.80"};
  ExpectFlagError(BuildSendAlertRequest(flags, kNow).status(), "--polygon \"52.90,4.70;52.90,4.80\"",
                  "at least 3 points");
  flags.polygons.clear();
  flags.radius_km = -1;
  ExpectFlagError(BuildSendAlertRequest(flags, kNow).status(), "--radius-km", "kilometres >= 0");
}

TEST(AlertFlagsTest, SendNamesEachMissingOrBadFlag) {
  const std::pair<std::string, std::string AlertFlags::*> required[] = {
      {"--id", &AlertFlags::id},
      {"--headline", &AlertFlags::headline},
      {"--urgency", &AlertFlags::urgency},
      {"--severity", &AlertFlags::severity},
      {"--certainty", &AlertFlags::certainty},
  };
  for (const auto& [flag, field] : required) {
    AlertFlags flags = CompleteAlertFlags();
    flags.*field = "";
    ExpectFlagError(BuildSendAlertRequest(flags, kNow).status(), flag + " is required", "");
  }
  AlertFlags flags = CompleteAlertFlags();
  flags.incident_area = true;
  flags.incident_id = "";
  ExpectFlagError(BuildSendAlertRequest(flags, kNow).status(), "--incident-area", "needs --incident ID");
  flags.incident_id = "dijkdoorbraak";
  absl::StatusOr<v1::SendAlertRequest> to_area = BuildSendAlertRequest(flags, kNow);
  ASSERT_TRUE(to_area.ok()) << to_area.status();
  EXPECT_TRUE(to_area->alert().audience().incident_area());
  flags = CompleteAlertFlags();
  flags.severity = "high";
  ExpectFlagError(BuildSendAlertRequest(flags, kNow).status(), "--severity \"high\"",
                  "unknown alert severity \"high\" (valid: extreme, severe, moderate, minor, unknown)");
  flags = CompleteAlertFlags();
  flags.certainty = "sure";
  ExpectFlagError(BuildSendAlertRequest(flags, kNow).status(), "--certainty \"sure\"", "unknown certainty");
  flags = CompleteAlertFlags();
  flags.kinds = {"vvt"};
  ExpectFlagError(BuildSendAlertRequest(flags, kNow).status(), "--kind \"vvt\"", "unknown organization kind");
  flags = CompleteAlertFlags();
  flags.sectors = {"care"};
  ExpectFlagError(BuildSendAlertRequest(flags, kNow).status(), "--sector \"care\"", "unknown sector");
  flags = CompleteAlertFlags();
  flags.ack_within = "half an hour";
  ExpectFlagError(BuildSendAlertRequest(flags, kNow).status(), "--ack-within \"half an hour\"", "duration");
  flags = CompleteAlertFlags();
  flags.ack_within = "30m";
  flags.ack_by = "2024-03-01T13:00:00Z";
  EXPECT_THAT(std::string(BuildSendAlertRequest(flags, kNow).status().message()),
              HasSubstr("either --ack-by or --ack-within"));
}

TEST(AlertFlagsTest, CancelKeepsTheAlertAndComparesAndSets) {
  const auto current = ParseTextProto<v1::Record>(R"pb(
    name: "alerts/stroom"
    mod_revision: 9
    alert {
      id: "stroom"
      headline: "Stroomuitval"
      urgency: URGENCY_IMMEDIATE
      audience { safety_regions: "VR10" }
      status: ALERT_STATUS_ACTIVE
      version: 2
      sent_at { seconds: 1699990000 }
      deadline_passed { audience_size: 3 }
    }
  )pb");
  absl::StatusOr<v1::SendAlertRequest> request = BuildCancelAlertRequest(current);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->alert().status(), v1::ALERT_STATUS_CANCELLED);
  EXPECT_EQ(request->alert().headline(), "Stroomuitval");
  EXPECT_THAT(request->alert().audience().safety_regions(), ::testing::ElementsAre("VR10"));
  EXPECT_EQ(request->alert().version(), 0);  // Output-only fields are the server's.
  EXPECT_FALSE(request->alert().has_deadline_passed());
  EXPECT_FALSE(request->alert().has_sent_at());
  EXPECT_EQ(request->expected_revision(), 9);
  EXPECT_EQ(BuildCancelAlertRequest(ParseTextProto<v1::Record>(R"pb(name: "incidents/x"
                                                                    incident {})pb"))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

AssistanceRequestFlags CompleteRequestFlags() {
  AssistanceRequestFlags flags;
  flags.id = "bedden-west";
  flags.organization_id = "vvt-west";
  flags.type = "beds";
  flags.bed_type = "nursing-home";
  flags.quantity = 10;
  return flags;
}

TEST(AssistanceFlagsTest, CreateBuildsTheRequest) {
  AssistanceRequestFlags flags = CompleteRequestFlags();
  flags.needed_within = "4h";
  flags.incident_id = "brand-oost";
  flags.description = "Evacuatie vleugel B";
  absl::StatusOr<v1::RequestAssistanceRequest> request = BuildRequestAssistanceRequest(flags, kNow);
  ASSERT_TRUE(request.ok()) << request.status();
  const v1::AssistanceRequest& assistance = request->request();
  EXPECT_EQ(assistance.type(), v1::ASSISTANCE_TYPE_BEDS);
  EXPECT_EQ(assistance.bed_type(), v1::BED_TYPE_NURSING_HOME);
  EXPECT_EQ(assistance.quantity(), 10);
  EXPECT_EQ(FromProtoTime(assistance.needed_by()), kNow + absl::Hours(4));
  EXPECT_EQ(assistance.incident_id(), "brand-oost");

  flags = CompleteRequestFlags();
  flags.type = "generator";
  flags.bed_type = "";
  flags.quantity = 1;
  request = BuildRequestAssistanceRequest(flags, kNow);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->request().type(), v1::ASSISTANCE_TYPE_GENERATOR);
  EXPECT_FALSE(request->request().has_needed_by());
}

TEST(AssistanceFlagsTest, CreateNamesEachMissingOrBadFlag) {
  AssistanceRequestFlags flags = CompleteRequestFlags();
  flags.id = "";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--id is required", "");
  flags = CompleteRequestFlags();
  flags.organization_id = "";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--org is required", "");
  flags = CompleteRequestFlags();
  flags.type = "";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--type is required", "valid: beds, staff");
  flags = CompleteRequestFlags();
  flags.quantity.reset();
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--quantity is required", "");
  flags = CompleteRequestFlags();
  flags.quantity = 0;
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--quantity \"0\"", ">= 1");
  flags = CompleteRequestFlags();
  flags.bed_type = "";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--bed-type (with --type beds) is required",
                  "nursing-home");
  flags = CompleteRequestFlags();
  flags.type = "helicopter";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--type \"helicopter\"",
                  "unknown assistance type");
  flags = CompleteRequestFlags();
  flags.bed_type = "vvt";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--bed-type \"vvt\"", "unknown bed type");
  flags = CompleteRequestFlags();
  flags.needed_by = "vanavond";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--needed-by \"vanavond\"", "RFC 3339");
  flags = CompleteRequestFlags();
  flags.needed_within = "4";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--needed-within \"4\"", "duration");
}

TEST(AssistanceFlagsTest, CreateTakesFuelUnitPriorityAndDelivery) {
  AssistanceRequestFlags flags = CompleteRequestFlags();
  flags.type = "fuel";
  flags.bed_type = "";
  flags.fuel = "diesel";
  flags.quantity = 5000;
  flags.unit = "litres";
  flags.priority = "urgent";
  flags.deliver_to = "main";
  flags.deliver_at = "52.63,4.75";
  flags.deliver_note = "Tank achterzijde";
  absl::StatusOr<v1::RequestAssistanceRequest> request = BuildRequestAssistanceRequest(flags, kNow);
  ASSERT_TRUE(request.ok()) << request.status();
  const v1::AssistanceRequest& assistance = request->request();
  EXPECT_EQ(assistance.type(), v1::ASSISTANCE_TYPE_FUEL);
  EXPECT_EQ(assistance.fuel_type(), v1::FUEL_TYPE_DIESEL);
  EXPECT_EQ(assistance.quantity(), 5000);
  EXPECT_EQ(assistance.unit(), v1::QUANTITY_UNIT_LITRES);
  EXPECT_EQ(assistance.priority(), v1::ASSISTANCE_PRIORITY_URGENT);
  EXPECT_EQ(assistance.delivery().location_id(), "main");
  EXPECT_DOUBLE_EQ(assistance.delivery().coordinates().latitude(), 52.63);
  EXPECT_EQ(assistance.delivery().instructions(), "Tank achterzijde");

  flags = CompleteRequestFlags();
  flags.type = "staff";
  flags.bed_type = "";
  flags.discipline = "IC_NURSE";
  request = BuildRequestAssistanceRequest(flags, kNow);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->request().staff_discipline(), v1::STAFF_DISCIPLINE_IC_NURSE);
  EXPECT_EQ(request->request().unit(), v1::QUANTITY_UNIT_UNSPECIFIED) << "left to the server's default";
  EXPECT_FALSE(request->request().has_delivery());
}

TEST(AssistanceFlagsTest, CreateNamesBadLogisticsFlags) {
  AssistanceRequestFlags flags = CompleteRequestFlags();
  flags.type = "fuel";
  flags.bed_type = "";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--fuel (with --type fuel) is required",
                  "diesel");
  flags.fuel = "kerosine";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--fuel \"kerosine\"", "unknown fuel type");
  flags = CompleteRequestFlags();
  flags.type = "staff";
  flags.bed_type = "";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--discipline (with --type staff) is required",
                  "ic-nurse");
  flags.discipline = "chirurg";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--discipline \"chirurg\"",
                  "unknown staff discipline");
  flags = CompleteRequestFlags();
  flags.unit = "gallons";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--unit \"gallons\"", "litres");
  flags = CompleteRequestFlags();
  flags.priority = "asap";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--priority \"asap\"", "urgent");
  flags = CompleteRequestFlags();
  flags.deliver_at = "52.6;4.7";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(), "--deliver-at \"52.6;4.7\"", "LAT,LON");
  flags = CompleteRequestFlags();
  flags.deliver_note = "achterom";
  ExpectFlagError(BuildRequestAssistanceRequest(flags, kNow).status(),
                  "--deliver-to, --deliver-address or --deliver-at (with --deliver-note) is required", "");
}

TEST(AssistanceFlagsTest, AcceptPartOfAnOfferAndRecordDeliveries) {
  absl::StatusOr<v1::AcceptOfferRequest> accept = BuildAcceptOfferRequest("diesel", "gemeente", 1000);
  ASSERT_TRUE(accept.ok()) << accept.status();
  EXPECT_EQ(accept->request_id(), "diesel");
  EXPECT_EQ(accept->organization_id(), "gemeente");
  EXPECT_EQ(accept->quantity(), 1000);
  accept = BuildAcceptOfferRequest("diesel", "gemeente", std::nullopt);
  ASSERT_TRUE(accept.ok()) << accept.status();
  EXPECT_FALSE(accept->has_quantity()) << "the whole offer";
  ExpectFlagError(BuildAcceptOfferRequest("diesel", "gemeente", 0).status(), "--quantity \"0\"", ">= 1");
  ExpectFlagError(BuildAcceptOfferRequest("diesel", "", std::nullopt).status(), "--org is required", "");

  absl::StatusOr<v1::FulfillRequestRequest> fulfil = BuildFulfillRequestRequest("diesel", {"gemeente=950", "x = 0"});
  ASSERT_TRUE(fulfil.ok()) << fulfil.status();
  ASSERT_EQ(fulfil->deliveries_size(), 2);
  EXPECT_EQ(fulfil->deliveries(0).organization_id(), "gemeente");
  EXPECT_EQ(fulfil->deliveries(0).quantity(), 950);
  EXPECT_EQ(fulfil->deliveries(1).organization_id(), "x");
  EXPECT_EQ(fulfil->deliveries(1).quantity(), 0);
  EXPECT_EQ(BuildFulfillRequestRequest("diesel", {})->deliveries_size(), 0);
  for (const char* bad : {"gemeente", "gemeente=", "=5", "gemeente=-1", "gemeente=veel"}) {
    ExpectFlagError(BuildFulfillRequestRequest("diesel", {bad}).status(), absl::StrCat("--delivered \"", bad, "\""),
                    "expected ORG=N");
  }
}

TEST(AssistanceFlagsTest, Offer) {
  OfferFlags flags{.request_id = "bedden-west", .organization_id = "vvt-oost", .quantity = 4, .comment = "vanaf 18u"};
  absl::StatusOr<v1::OfferAssistanceRequest> request = BuildOfferAssistanceRequest(flags);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->request_id(), "bedden-west");
  EXPECT_EQ(request->offer().organization_id(), "vvt-oost");
  EXPECT_EQ(request->offer().quantity(), 4);
  EXPECT_EQ(request->offer().comment(), "vanaf 18u");
  OfferFlags bad = flags;
  bad.organization_id = "";
  ExpectFlagError(BuildOfferAssistanceRequest(bad).status(), "--org is required", "");
  bad = flags;
  bad.quantity.reset();
  ExpectFlagError(BuildOfferAssistanceRequest(bad).status(), "--quantity is required", "");
  bad = flags;
  bad.quantity = -2;
  ExpectFlagError(BuildOfferAssistanceRequest(bad).status(), "--quantity \"-2\"", ">= 1");
}

TEST(ScenarioFlagsTest, FlagsOverTheFileReplaceByTypeAndSector) {
  v1::Scenario from_file = ParseTextProto<v1::Scenario>(R"pb(
    id: "overstroming"
    name: "Overstroming Kop"
    safety_region: "VR10"
    capacity { bed_type: BED_TYPE_IC_ADULT quantity: 5 }
    capacity { bed_type: BED_TYPE_NURSING_HOME quantity: 30 sector: SECTOR_LONG_TERM_CARE }
    supplies { type: SUPPLY_TYPE_OXYGEN min_days_of_supply: 2 }
  )pb");
  ScenarioFlags flags;
  flags.needs = {"ic-adult=12", "nursing-home=40", "burns=3"};
  flags.supplies = {"oxygen=3", "generator=1"};
  absl::StatusOr<v1::PutScenarioRequest> request = BuildPutScenarioRequest(flags, from_file);
  ASSERT_TRUE(request.ok()) << request.status();
  const v1::Scenario& scenario = request->scenario();
  EXPECT_EQ(scenario.name(), "Overstroming Kop");
  // ic-adult (any sector) replaced; nursing-home without a sector is a new line beside the long-term-care one.
  ASSERT_EQ(scenario.capacity_size(), 4);
  EXPECT_EQ(scenario.capacity(0).quantity(), 12);
  EXPECT_EQ(scenario.capacity(1).quantity(), 30);
  EXPECT_EQ(scenario.capacity(2).bed_type(), v1::BED_TYPE_NURSING_HOME);
  EXPECT_EQ(scenario.capacity(2).sector(), v1::SECTOR_UNSPECIFIED);
  EXPECT_EQ(scenario.capacity(3).bed_type(), v1::BED_TYPE_BURNS);
  ASSERT_EQ(scenario.supplies_size(), 2);
  EXPECT_DOUBLE_EQ(scenario.supplies(0).min_days_of_supply(), 3);
  EXPECT_EQ(scenario.supplies(1).type(), v1::SUPPLY_TYPE_GENERATOR);
}

TEST(ScenarioFlagsTest, NamesMissingAndBadFlags) {
  ScenarioFlags flags{
      .id = "s", .name = "n", .description = std::nullopt, .region = "VR10", .needs = {}, .supplies = {}};
  EXPECT_TRUE(BuildPutScenarioRequest(flags, v1::Scenario()).ok());
  ScenarioFlags bad = flags;
  bad.id = "";
  ExpectFlagError(BuildPutScenarioRequest(bad, v1::Scenario()).status(), "--id (or id in --file) is required", "");
  bad = flags;
  bad.name = "";
  ExpectFlagError(BuildPutScenarioRequest(bad, v1::Scenario()).status(), "--name (or name in --file) is required", "");
  bad = flags;
  bad.region = "";
  ExpectFlagError(BuildPutScenarioRequest(bad, v1::Scenario()).status(), "--region (or safety_region in --file)", "");
  bad = flags;
  bad.needs = {"ic-adult:12"};
  ExpectFlagError(BuildPutScenarioRequest(bad, v1::Scenario()).status(), "--need \"ic-adult:12\"", "TYPE=N");
  bad = flags;
  bad.supplies = {"oxygen=-1"};
  ExpectFlagError(BuildPutScenarioRequest(bad, v1::Scenario()).status(), "--supply \"oxygen=-1\"", "> 0");
}

TEST(ReportFlagsTest, CapacityOverviewFilters) {
  CapacityOverviewFlags flags{.regions = {"VR10", "VR11"}, .sectors = {"acute-care"}, .bed_types = {"ic-adult"}};
  absl::StatusOr<v1::GetCapacityOverviewRequest> request = BuildCapacityOverviewRequest(flags);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_THAT(request->safety_regions(), ::testing::ElementsAre("VR10", "VR11"));
  EXPECT_THAT(request->sectors(), ::testing::ElementsAre(v1::SECTOR_ACUTE_CARE));
  EXPECT_THAT(request->bed_types(), ::testing::ElementsAre(v1::BED_TYPE_IC_ADULT));
  flags.bed_types = {"ic"};
  ExpectFlagError(BuildCapacityOverviewRequest(flags).status(), "--bed-type \"ic\"", "unknown bed type");
  flags.bed_types.clear();
  flags.sectors = {"cure"};
  ExpectFlagError(BuildCapacityOverviewRequest(flags).status(), "--sector \"cure\"", "unknown sector");
}

TEST(ReportFlagsTest, FindCapacity) {
  FindCapacityFlags flags{
      .near = "52.63,4.75", .bed_type = "ic-adult", .radius_km = 30, .min_available = 2, .limit = 5};
  absl::StatusOr<v1::FindCapacityRequest> request = BuildFindCapacityRequest(flags);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_DOUBLE_EQ(request->near().longitude(), 4.75);
  EXPECT_EQ(request->bed_type(), v1::BED_TYPE_IC_ADULT);
  EXPECT_DOUBLE_EQ(request->radius_km(), 30);
  EXPECT_EQ(request->min_available(), 2);
  EXPECT_EQ(request->limit(), 5);
  EXPECT_EQ(request->max_age().seconds(), 0) << "any age unless asked";
  FindCapacityFlags recent = flags;
  recent.max_age = "90m";
  request = BuildFindCapacityRequest(recent);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->max_age().seconds(), 5400);
  EXPECT_TRUE(request->safety_regions().empty()) << "every region unless asked";
  FindCapacityFlags roaz = flags;
  roaz.regions = {"VR10", "VR11"};
  request = BuildFindCapacityRequest(roaz);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_THAT(request->safety_regions(), ::testing::ElementsAre("VR10", "VR11"));
  recent.max_age = "soon";
  ExpectFlagError(BuildFindCapacityRequest(recent).status(), "--max-age \"soon\"", "duration");
  // Left out: the server's defaults (0 = 50 km, at least 1, 20 results).
  FindCapacityFlags defaults;
  defaults.near = "52.63,4.75";
  defaults.bed_type = "burns";
  request = BuildFindCapacityRequest(defaults);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->radius_km(), 0);
  EXPECT_EQ(request->min_available(), 0);
  EXPECT_EQ(request->limit(), 0);

  FindCapacityFlags bad = flags;
  bad.bed_type = "";
  ExpectFlagError(BuildFindCapacityRequest(bad).status(), "--bed-type is required", "");
  bad = flags;
  bad.near = "Alkmaar";
  ExpectFlagError(BuildFindCapacityRequest(bad).status(), "near \"Alkmaar\"", "expected LAT,LON");
  bad = flags;
  bad.radius_km = 0;
  ExpectFlagError(BuildFindCapacityRequest(bad).status(), "--radius-km \"0\"", "> 0");
  bad = flags;
  bad.min_available = 0;
  ExpectFlagError(BuildFindCapacityRequest(bad).status(), "--min \"0\"", ">= 1");
  bad = flags;
  bad.limit = 0;
  ExpectFlagError(BuildFindCapacityRequest(bad).status(), "--limit \"0\"", ">= 1");
}

TEST(ReserveBedFlagsTest, OrganisationAndBedTypeRequiredIcIsShortForAdultIc) {
  ReserveBedFlags flags{
      .organization_id = "ziekenhuis-a", .bed_type = "ic", .hold_for = "15m", .reference = "rit 7", .request_id = ""};
  absl::StatusOr<v1::ReserveBedRequest> request = BuildReserveBedRequest(flags);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->organization_id(), "ziekenhuis-a");
  EXPECT_EQ(request->bed_type(), v1::BED_TYPE_IC_ADULT);
  EXPECT_EQ(request->hold_for().seconds(), 15 * 60);
  EXPECT_EQ(request->patient_reference(), "rit 7");
  flags.bed_type = "burns";
  flags.hold_for.clear();
  request = BuildReserveBedRequest(flags);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->bed_type(), v1::BED_TYPE_BURNS);
  EXPECT_FALSE(request->has_hold_for()) << "the server's default";

  ExpectFlagError(BuildReserveBedRequest(
                      {.organization_id = "", .bed_type = "ic", .hold_for = "", .reference = "", .request_id = ""})
                      .status(),
                  "--organization is required", "");
  ExpectFlagError(BuildReserveBedRequest(
                      {.organization_id = "a", .bed_type = "", .hold_for = "", .reference = "", .request_id = ""})
                      .status(),
                  "--bed-type is required", "");
  ExpectFlagError(BuildReserveBedRequest(
                      {.organization_id = "a", .bed_type = "bunk", .hold_for = "", .reference = "", .request_id = ""})
                      .status(),
                  "--bed-type \"bunk\"", "");
  ExpectFlagError(BuildReserveBedRequest(
                      {.organization_id = "a", .bed_type = "ic", .hold_for = "15", .reference = "", .request_id = ""})
                      .status(),
                  "--hold-for \"15\"", "");
}

// A reservation always carries a request id, so the CLI's own retries are safe: --request-id, or a fresh UUID.
TEST(ReserveBedFlagsTest, EveryReservationCarriesARequestId) {
  ReserveBedFlags flags{
      .organization_id = "ziekenhuis-a", .bed_type = "ic", .hold_for = "", .reference = "", .request_id = ""};
  absl::StatusOr<v1::ReserveBedRequest> first = BuildReserveBedRequest(flags);
  absl::StatusOr<v1::ReserveBedRequest> second = BuildReserveBedRequest(flags);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_THAT(first->request_id(),
              ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_NE(first->request_id(), second->request_id()) << "a new command is a new request";
  flags.request_id = "rit-2026-1187";
  absl::StatusOr<v1::ReserveBedRequest> given = BuildReserveBedRequest(flags);
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->request_id(), "rit-2026-1187");
}

// ---- questionnaires ----

TEST(IndicatorFlagsTest, DefineBuildsTheIndicator) {
  IndicatorFlags flags;
  flags.id = "binnentemperatuur";
  flags.label_nl = "Binnentemperatuur";
  flags.label_en = "Indoor temperature";
  flags.type = "number";
  flags.unit = "°C";
  flags.kinds = {"nursing-home"};
  flags.cadence = "4h";
  absl::StatusOr<v1::DefineIndicatorRequest> request = BuildDefineIndicatorRequest(flags);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->indicator().type(), v1::INDICATOR_TYPE_NUMBER);
  EXPECT_EQ(request->indicator().applies_to().organization_kinds(0), v1::ORGANIZATION_KIND_NURSING_HOME);
  EXPECT_EQ(request->indicator().cadence().seconds(), 4 * 3600);

  flags.type = "yes-no";
  EXPECT_EQ(BuildDefineIndicatorRequest(flags)->indicator().type(), v1::INDICATOR_TYPE_YES_NO);
  flags.type = "choice";
  ExpectFlagError(BuildDefineIndicatorRequest(flags).status(), "--choice", "at least two");
  flags.type = "temperature";
  ExpectFlagError(BuildDefineIndicatorRequest(flags).status(), "--type \"temperature\"", "count");
  flags.type.clear();
  ExpectFlagError(BuildDefineIndicatorRequest(flags).status(), "--type is required", "");
}

TEST(IndicatorFlagsTest, AnAnswerIsTypedByItsIndicator) {
  v1::Indicator indicator;
  indicator.set_id("binnentemperatuur");
  indicator.set_type(v1::INDICATOR_TYPE_NUMBER);
  EXPECT_EQ(ParseIndicatorValue(indicator, "binnentemperatuur=27,5", "27,5")->number(), 27.5);
  ExpectFlagError(ParseIndicatorValue(indicator, "binnentemperatuur=warm", "warm").status(),
                  "--indicator \"binnentemperatuur=warm\"", "is a number");
  indicator.set_type(v1::INDICATOR_TYPE_COUNT);
  EXPECT_EQ(ParseIndicatorValue(indicator, "x=3", "3")->count(), 3);
  ExpectFlagError(ParseIndicatorValue(indicator, "x=2.5", "2.5").status(), "--indicator", "whole number");
  indicator.set_type(v1::INDICATOR_TYPE_YES_NO);
  EXPECT_TRUE(ParseIndicatorValue(indicator, "x=ja", "ja")->yes_no());
  EXPECT_FALSE(ParseIndicatorValue(indicator, "x=no", "no")->yes_no());
  EXPECT_TRUE(ParseIndicatorValue(indicator, "x=no", "no")->has_yes_no());
  indicator.set_type(v1::INDICATOR_TYPE_CHOICE);
  indicator.add_choices("koel");
  indicator.add_choices("warm");
  EXPECT_EQ(ParseIndicatorValue(indicator, "x=warm", "warm")->choice(), "warm");
  ExpectFlagError(ParseIndicatorValue(indicator, "x=heet", "heet").status(), "--indicator", "koel, warm");

  absl::StatusOr<std::pair<std::string, std::string>> split = SplitIndicatorFlag("hitteklachten=4");
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->first, "hitteklachten");
  EXPECT_EQ(split->second, "4");
  ExpectFlagError(SplitIndicatorFlag("hitteklachten").status(), "--indicator \"hitteklachten\"", "ID=VALUE");
}

}  // namespace
}  // namespace ketenbeeld::cli
