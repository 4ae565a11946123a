// Incident areas through the commit pipeline: the server computes which organisations an incident's area covers
// (Incident.computed_affected_organization_ids) when it is opened or updated, and a registration that moves a site in
// or out commits the incident's new list in its own commit group; alerts to "everyone in the incident area".
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/names.h"
#include "server/queries/audience.h"
#include "tests/support/committer_fixture.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::pipeline {
namespace {

using ::ketenbeeld::testing::MakeOrganization;
using ::ketenbeeld::testing::ParseTextProto;
using ::ketenbeeld::testing::RegisterWrite;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A site at (latitude, longitude), with an optional postcode.
v1::Organization At(const std::string& id, double latitude, double longitude, const std::string& postcode = "",
                    v1::OrganizationKind kind = v1::ORGANIZATION_KIND_NURSING_HOME) {
  v1::Organization organization = MakeOrganization(id, kind);
  v1::Location& site = *organization.mutable_locations(0);
  site.mutable_coordinates()->set_latitude(latitude);
  site.mutable_coordinates()->set_longitude(longitude);
  site.set_postcode(postcode);
  return organization;
}

// An incident whose area is the square latitude 52.9..53.0, longitude 4.7..4.8 (around Den Helder).
v1::Incident Flood(const std::string& id = "overstroming") {
  v1::Incident incident = ParseTextProto<v1::Incident>(R"pb(
    title: "Dijkdoorbraak"
    type: "overstroming"
    scale_up_level: "GRIP 2"
    safety_region: "VR10"
    area {
      description: "Polder Koegras"
      polygons {
        points { latitude: 52.9 longitude: 4.7 }
        points { latitude: 52.9 longitude: 4.8 }
        points { latitude: 53.0 longitude: 4.8 }
        points { latitude: 53.0 longitude: 4.7 }
      }
    }
  )pb");
  incident.set_id(id);
  return incident;
}

v1::OpenIncidentRequest Open(const v1::Incident& incident) {
  v1::OpenIncidentRequest request;
  *request.mutable_incident() = incident;
  return request;
}

class AreaTest : public ::ketenbeeld::testing::CommitterFixture {
 protected:
  void SetUp() override {
    CommitterFixture::SetUp();
    MustSubmit(RegisterWrite(At("zc-binnen", 52.95, 4.75)));
    MustSubmit(RegisterWrite(At("zkh-rand", 52.9, 4.72, "", v1::ORGANIZATION_KIND_HOSPITAL)));  // On the border.
    MustSubmit(RegisterWrite(At("zc-buiten", 52.5, 4.75)));
  }

  std::vector<std::string> Computed(const std::string& id) {
    const v1::Incident incident = Find(domain::IncidentName(id)).incident();
    return {incident.computed_affected_organization_ids().begin(), incident.computed_affected_organization_ids().end()};
  }
};

TEST_F(AreaTest, APolygonCoveringTwoOfThreeOrganisationsMarksExactlyThoseTwo) {
  v1::Incident incident = Flood();
  incident.add_affected_organization_ids("zc-buiten");           // Named by hand: kept, not computed.
  incident.add_computed_affected_organization_ids("zc-buiten");  // Output only: ignored.
  absl::StatusOr<WriteResult> opened = Submit(::ketenbeeld::testing::Write(Open(incident)));
  ASSERT_TRUE(opened.ok()) << opened.status();
  const v1::Incident& stored = opened->record->record.incident();
  EXPECT_THAT(stored.computed_affected_organization_ids(), ElementsAre("zc-binnen", "zkh-rand"));
  EXPECT_THAT(stored.affected_organization_ids(), ElementsAre("zc-buiten"));
}

TEST_F(AreaTest, ARegistrationMovingASiteInOrOutUpdatesTheIncidentInTheSameCommitGroup) {
  MustSubmit(::ketenbeeld::testing::Write(Open(Flood())));
  ASSERT_THAT(Computed("overstroming"), ElementsAre("zc-binnen", "zkh-rand"));

  // A new organisation with a site inside: its registration and the incident's new list are one atomic group.
  absl::StatusOr<WriteResult> added = Submit(RegisterWrite(At("ggz-nieuw", 52.99, 4.79)));
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->record->record.name(), "organizations/ggz-nieuw") << "the answer is the registration itself";
  const std::vector<v1::Event> log = Log(added->revision - 1);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].record().name(), "organizations/ggz-nieuw");
  EXPECT_EQ(log[1].record().name(), "incidents/overstroming");
  EXPECT_EQ(log[0].group_last_revision(), added->revision + 1);
  EXPECT_EQ(log[1].group_last_revision(), added->revision + 1);
  EXPECT_THAT(Computed("overstroming"), ElementsAre("ggz-nieuw", "zc-binnen", "zkh-rand"));

  // Moving the site out removes it; a registration that changes nothing about the area adds no event.
  MustSubmit(RegisterWrite(At("zc-binnen", 52.5, 4.75)));
  EXPECT_THAT(Computed("overstroming"), ElementsAre("ggz-nieuw", "zkh-rand"));
  absl::StatusOr<WriteResult> unchanged = Submit(RegisterWrite(At("zc-buiten", 52.4, 4.75)));
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(Log(unchanged->revision - 1).size(), 1u);

  // Removing the site altogether (no locations) takes the organisation out too.
  v1::Organization no_sites = At("ggz-nieuw", 0, 0);
  no_sites.clear_locations();
  MustSubmit(RegisterWrite(no_sites));
  EXPECT_THAT(Computed("overstroming"), ElementsAre("zkh-rand"));
}

TEST_F(AreaTest, PostcodesAndMunicipalityCodesSelectSitesByTheirPc4AndCode) {
  MustSubmit(RegisterWrite(At("zc-post", 50, 6, "1781 AB")));
  v1::Organization municipal = At("zc-gemeente", 50, 6);
  municipal.mutable_locations(0)->set_municipality_code("GM0400");
  MustSubmit(RegisterWrite(municipal));
  v1::Incident incident = Flood("stroomstoring");
  incident.mutable_area()->clear_polygons();
  incident.mutable_area()->add_postcodes("1781");
  incident.mutable_area()->add_municipality_codes("GM0400");
  MustSubmit(::ketenbeeld::testing::Write(Open(incident)));
  EXPECT_THAT(Computed("stroomstoring"), ElementsAre("zc-gemeente", "zc-post"));

  absl::StatusOr<WriteResult> added = Submit(RegisterWrite(At("zc-buiten", 52.5, 4.75, "1781XY")));
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(Log(added->revision - 1).size(), 2u) << "the registration and the incident, one group";
  EXPECT_THAT(Computed("stroomstoring"), ElementsAre("zc-buiten", "zc-gemeente", "zc-post"));
  MustSubmit(RegisterWrite(At("zc-post", 50, 6, "1782 AB")));
  EXPECT_THAT(Computed("stroomstoring"), ElementsAre("zc-buiten", "zc-gemeente"));
}

TEST_F(AreaTest, UpdatingTheAreaRecomputesAndAClosedIncidentStaysAsItClosed) {
  MustSubmit(::ketenbeeld::testing::Write(Open(Flood())));
  v1::Incident smaller = Flood();
  smaller.mutable_area()->mutable_polygons(0)->mutable_points(0)->set_latitude(52.94);
  smaller.mutable_area()->mutable_polygons(0)->mutable_points(1)->set_latitude(52.94);
  v1::UpdateIncidentRequest update;
  *update.mutable_incident() = smaller;
  MustSubmit(::ketenbeeld::testing::Write(update));
  EXPECT_THAT(Computed("overstroming"), ElementsAre("zc-binnen"));

  update.mutable_incident()->set_status(v1::INCIDENT_STATUS_CLOSED);
  MustSubmit(::ketenbeeld::testing::Write(update));
  absl::StatusOr<WriteResult> moved = Submit(RegisterWrite(At("zc-buiten", 52.95, 4.75)));
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(Log(moved->revision - 1).size(), 1u) << "a closed incident is final";
  EXPECT_THAT(Computed("overstroming"), ElementsAre("zc-binnen"));
}

TEST_F(AreaTest, AnIncidentOpenedEarlierInTheSameGroupSeesALaterRegistration) {
  std::vector<mutations::WriteRequest> writes;
  writes.push_back(::ketenbeeld::testing::Write(Open(Flood())));
  writes.push_back(RegisterWrite(At("ggz-nieuw", 52.99, 4.79)));
  for (const absl::StatusOr<WriteResult>& result : SubmitAll(std::move(writes))) {
    ASSERT_TRUE(result.ok()) << result.status();
  }
  EXPECT_THAT(Computed("overstroming"), ElementsAre("ggz-nieuw", "zc-binnen", "zkh-rand"));
}

TEST_F(AreaTest, AnAlertToTheIncidentAreaReachesItsAffectedOrganisationsNarrowedBySector) {
  v1::Incident incident = Flood();
  incident.add_affected_organization_ids("zc-buiten");
  MustSubmit(::ketenbeeld::testing::Write(Open(incident)));
  v1::SendAlertRequest alert = ParseTextProto<v1::SendAlertRequest>(R"pb(
    alert {
      id: "evacuatie"
      headline: "Bereid evacuatie voor"
      urgency: URGENCY_IMMEDIATE
      severity: ALERT_SEVERITY_SEVERE
      certainty: CERTAINTY_LIKELY
      incident_id: "overstroming"
      audience { incident_area: true incident_area_organization_ids: "zkh-rand" }
    }
  )pb");
  absl::StatusOr<WriteResult> sent = Submit(alert);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_THAT(sent->record->record.alert().audience().incident_area_organization_ids(),
              ElementsAre("zc-binnen", "zc-buiten", "zkh-rand"));

  // Narrowed to long-term care: the hospital on the border is not in the audience.
  alert.mutable_alert()->mutable_audience()->add_sectors(v1::SECTOR_LONG_TERM_CARE);
  ASSERT_TRUE(Submit(alert).ok());
  v1::AcknowledgeAlertRequest acknowledge;
  acknowledge.set_alert_id("evacuatie");
  acknowledge.set_organization_id("zkh-rand");
  absl::StatusOr<WriteResult> refused = Submit(acknowledge);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("not in the audience"));
  acknowledge.set_organization_id("zc-binnen");
  EXPECT_TRUE(Submit(acknowledge).ok());

  // An area that covers nobody addresses nobody, not everybody.
  v1::Incident empty = Flood("elders");
  for (v1::Coordinates& point : *empty.mutable_area()->mutable_polygons(0)->mutable_points()) {
    point.set_longitude(point.longitude() + 5);  // Into Germany: no site of the registry there.
  }
  MustSubmit(::ketenbeeld::testing::Write(Open(empty)));
  alert.mutable_alert()->set_id("niemand");
  alert.mutable_alert()->set_incident_id("elders");
  absl::StatusOr<WriteResult> nobody = Submit(alert);
  ASSERT_TRUE(nobody.ok()) << nobody.status();
  EXPECT_THAT(nobody->record->record.alert().audience().incident_area_organization_ids(), IsEmpty());
  acknowledge.set_alert_id("niemand");
  EXPECT_EQ(Submit(acknowledge).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(AreaTest, AnAlertsOwnAreaAddressesThoseWithASiteInsideNarrowedByKindAndIsFixedPerVersion) {
  v1::SendAlertRequest alert = ParseTextProto<v1::SendAlertRequest>(R"pb(
    alert {
      id: "hitte-koegras"
      headline: "Hitteplan"
      urgency: URGENCY_EXPECTED
      severity: ALERT_SEVERITY_MODERATE
      certainty: CERTAINTY_LIKELY
      audience { area_organization_ids: "zc-buiten" }
    }
  )pb");
  *alert.mutable_alert()->mutable_audience()->mutable_area() = Flood().area();
  absl::StatusOr<WriteResult> sent = Submit(::ketenbeeld::testing::Write(alert));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_THAT(sent->record->record.alert().audience().area_organization_ids(), ElementsAre("zc-binnen", "zkh-rand"))
      << "resolved by the server; the caller's list is ignored";
  EXPECT_THAT(queries::AudienceOf(sent->record->record.alert().audience(), *picture_),
              ElementsAre("zc-binnen", "zkh-rand"));

  // Narrowed to nursing homes: the hospital on the border is not in the audience.
  alert.mutable_alert()->mutable_audience()->add_kinds(v1::ORGANIZATION_KIND_NURSING_HOME);
  ASSERT_TRUE(Submit(::ketenbeeld::testing::Write(alert)).ok());
  v1::AcknowledgeAlertRequest acknowledge;
  acknowledge.set_alert_id("hitte-koegras");
  acknowledge.set_organization_id("zkh-rand");
  EXPECT_EQ(Submit(::ketenbeeld::testing::Write(acknowledge)).status().code(), absl::StatusCode::kFailedPrecondition);
  acknowledge.set_organization_id("zc-buiten");
  EXPECT_EQ(Submit(::ketenbeeld::testing::Write(acknowledge)).status().code(), absl::StatusCode::kFailedPrecondition);
  acknowledge.set_organization_id("zc-binnen");
  EXPECT_TRUE(Submit(::ketenbeeld::testing::Write(acknowledge)).ok());

  // A site moving in later does not change this version's audience; sending it again re-resolves the area.
  MustSubmit(RegisterWrite(At("ggz-nieuw", 52.99, 4.79)));
  EXPECT_THAT(Find(domain::AlertName("hitte-koegras")).alert().audience().area_organization_ids(),
              ElementsAre("zc-binnen", "zkh-rand"));
  absl::StatusOr<WriteResult> again = Submit(::ketenbeeld::testing::Write(alert));
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(again->record->record.alert().audience().area_organization_ids(),
              ElementsAre("ggz-nieuw", "zc-binnen", "zkh-rand"));
}

TEST_F(AreaTest, AnAlertAreaThatSelectsNoSitesIsRefusedNamingTheField) {
  v1::SendAlertRequest alert = ParseTextProto<v1::SendAlertRequest>(R"pb(
    alert {
      id: "leeg"
      headline: "Hitteplan"
      urgency: URGENCY_EXPECTED
      severity: ALERT_SEVERITY_MODERATE
      certainty: CERTAINTY_LIKELY
      audience {
        area {
          description: "Den Helder"
          center { latitude: 52.95 longitude: 4.75 }
        }
      }
    }
  )pb");
  absl::StatusOr<WriteResult> refused = Submit(::ketenbeeld::testing::Write(alert));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("alert.audience.area: selects no sites"));
  alert.mutable_alert()->mutable_audience()->mutable_area()->set_radius_km(501);
  refused = Submit(::ketenbeeld::testing::Write(alert));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("alert.audience.area.radius_km"));
  alert.mutable_alert()->mutable_audience()->mutable_area()->set_radius_km(
      7);  // A circle: zc-binnen and zkh-rand (5.9 km).
  absl::StatusOr<WriteResult> sent = Submit(::ketenbeeld::testing::Write(alert));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_THAT(sent->record->record.alert().audience().area_organization_ids(), ElementsAre("zc-binnen", "zkh-rand"));
}

}  // namespace
}  // namespace ketenbeeld::pipeline
