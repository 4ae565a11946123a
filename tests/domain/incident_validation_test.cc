// Field validation of incidents, situation entries, alerts and acknowledgements: valid input passes, and each
// invalid field is refused with INVALID_ARGUMENT naming its full path.
#include "server/domain/incident_validation.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::domain {
namespace {

using ::ketenbeeld::testing::ParseTextProto;

namespace v1 = ::ketenbeeld::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::OpenIncidentRequest FullOpen() {
  return ParseTextProto<v1::OpenIncidentRequest>(R"pb(
    incident {
      id: "brand-oostpolder"
      title: "Brand chemiebedrijf"
      type: "brand"
      scale_up_level: "GRIP 2"
      safety_region: "VR10"
      area {
        description: "Industrieterrein Oostpolder, Den Helder"
        center { latitude: 52.93 longitude: 4.78 }
        radius_km: 2.5
      }
      affected_organization_ids: "ziekenhuis-a"
      affected_organization_ids: "vvt-c"
      casualties { t1: 3 t2: 12 t3: 0 }
      status: INCIDENT_STATUS_SCALED_UP
      opened_at { seconds: -1 }
    }
  )pb");
}

v1::SendAlertRequest FullAlert() {
  return ParseTextProto<v1::SendAlertRequest>(R"pb(
    alert {
      id: "explosie"
      headline: "Verwacht: 40 gewonden"
      description: "Explosie bij chemiebedrijf.\r\nMeer volgt."
      instruction: "Meld beschikbare IC-capaciteit"
      urgency: URGENCY_IMMEDIATE
      severity: ALERT_SEVERITY_SEVERE
      certainty: CERTAINTY_LIKELY
      audience {
        safety_regions: "VR10"
        sectors: SECTOR_ACUTE_CARE
        kinds: ORGANIZATION_KIND_HOSPITAL
        organization_ids: "ziekenhuis-a"
      }
      acknowledge_by { seconds: 1772370000 }
      incident_id: "brand-oostpolder"
      version: 12
      sent_at { nanos: -5 }
    }
  )pb");
}

// One mutation of a valid request and the field path its error must start with.
template <typename Request>
struct RefusalCase {
  std::string what;
  std::string field;
  std::function<void(Request&)> mutate;
};

template <typename Request>
void ExpectRefused(const Request& valid, const std::vector<RefusalCase<Request>>& cases,
                   absl::Status (*validate)(const Request&)) {
  ASSERT_TRUE(validate(valid).ok()) << validate(valid);
  for (const RefusalCase<Request>& c : cases) {
    Request request = valid;
    c.mutate(request);
    const absl::Status status = validate(request);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.what << ": " << status;
    EXPECT_THAT(std::string(status.message()), StartsWith(c.field + ":")) << c.what;
  }
}

TEST(IncidentValidationTest, FullAndMinimalIncidentsAreValidAndOutputOnlyFieldsIgnored) {
  EXPECT_TRUE(ValidateOpenIncidentRequest(FullOpen()).ok());
  const auto minimal = ParseTextProto<v1::OpenIncidentRequest>(
      R"pb(incident { id: "i" title: "t" type: "brand" scale_up_level: "GRIP 0" safety_region: "VR01" })pb");
  EXPECT_TRUE(ValidateOpenIncidentRequest(minimal).ok()) << ValidateOpenIncidentRequest(minimal);
  v1::UpdateIncidentRequest update;
  *update.mutable_incident() = FullOpen().incident();
  update.mutable_incident()->set_status(v1::INCIDENT_STATUS_CLOSED);
  EXPECT_TRUE(ValidateUpdateIncidentRequest(update).ok());
}

TEST(IncidentValidationTest, InvalidIncidentFieldsAreNamed) {
  using R = v1::OpenIncidentRequest;
  ExpectRefused<R>(
      FullOpen(),
      {
          {"missing id", "incident.id", [](R& r) { r.mutable_incident()->clear_id(); }},
          {"id with capitals", "incident.id", [](R& r) { r.mutable_incident()->set_id("Brand"); }},
          {"missing title", "incident.title", [](R& r) { r.mutable_incident()->clear_title(); }},
          {"long title", "incident.title", [](R& r) { r.mutable_incident()->set_title(std::string(201, 'x')); }},
          {"newline in title", "incident.title", [](R& r) { r.mutable_incident()->set_title("a\nb"); }},
          {"missing type", "incident.type", [](R& r) { r.mutable_incident()->clear_type(); }},
          {"long type", "incident.type", [](R& r) { r.mutable_incident()->set_type(std::string(65, 'x')); }},
          {"missing level", "incident.scale_up_level", [](R& r) { r.mutable_incident()->clear_scale_up_level(); }},
          {"missing region", "incident.safety_region", [](R& r) { r.mutable_incident()->clear_safety_region(); }},
          {"bad region", "incident.safety_region", [](R& r) { r.mutable_incident()->set_safety_region("VR26"); }},
          {"long area description", "incident.area.description",
           [](R& r) { r.mutable_incident()->mutable_area()->set_description(std::string(301, 'x')); }},
          {"latitude", "incident.area.center.latitude",
           [](R& r) { r.mutable_incident()->mutable_area()->mutable_center()->set_latitude(91); }},
          {"longitude", "incident.area.center.longitude",
           [](R& r) { r.mutable_incident()->mutable_area()->mutable_center()->set_longitude(-181); }},
          {"negative radius", "incident.area.radius_km",
           [](R& r) { r.mutable_incident()->mutable_area()->set_radius_km(-1); }},
          {"huge radius", "incident.area.radius_km",
           [](R& r) { r.mutable_incident()->mutable_area()->set_radius_km(501); }},
          {"bad affected id", "incident.affected_organization_ids[1]",
           [](R& r) { r.mutable_incident()->set_affected_organization_ids(1, "-x"); }},
          {"duplicate affected id", "incident.affected_organization_ids[2]",
           [](R& r) { r.mutable_incident()->add_affected_organization_ids("ziekenhuis-a"); }},
          {"too many affected", "incident.affected_organization_ids",
           [](R& r) {
             for (int i = 0; i < kMaxAffectedOrganizations; ++i) {
               r.mutable_incident()->add_affected_organization_ids("org-" + std::to_string(i));
             }
           }},
          {"negative t1", "incident.casualties.t1",
           [](R& r) { r.mutable_incident()->mutable_casualties()->set_t1(-1); }},
          {"huge dead", "incident.casualties.dead",
           [](R& r) { r.mutable_incident()->mutable_casualties()->set_dead(100001); }},
      },
      &ValidateOpenIncidentRequest);
}

TEST(IncidentValidationTest, DuplicateAffectedOrganisationNamesBothPositions) {
  v1::OpenIncidentRequest request = FullOpen();
  request.mutable_incident()->add_affected_organization_ids("vvt-c");
  EXPECT_THAT(std::string(ValidateOpenIncidentRequest(request).message()),
              HasSubstr("incident.affected_organization_ids[2]: \"vvt-c\" appears twice (also at "
                        "incident.affected_organization_ids[1])"));
}

TEST(IncidentValidationTest, SituationEntries) {
  using R = v1::AddSituationEntryRequest;
  const R valid = ParseTextProto<R>(R"pb(entry {
                                           incident_id: "brand-oostpolder"
                                           layer: SITUATION_LAYER_DECISION
                                           text: "Spreiden over A en B.\nHerbeoordelen om 14:00."
                                           author: "J. de Vries, OvD-G"
                                           sequence: 99
                                         })pb");
  ExpectRefused<R>(valid,
                   {
                       {"missing incident", "entry.incident_id", [](R& r) { r.mutable_entry()->clear_incident_id(); }},
                       {"missing layer", "entry.layer", [](R& r) { r.mutable_entry()->clear_layer(); }},
                       {"unknown layer", "entry.layer",
                        [](R& r) { r.mutable_entry()->set_layer(static_cast<v1::SituationLayer>(9)); }},
                       {"missing text", "entry.text", [](R& r) { r.mutable_entry()->clear_text(); }},
                       {"long text", "entry.text", [](R& r) { r.mutable_entry()->set_text(std::string(4001, 'x')); }},
                       {"missing author", "entry.author", [](R& r) { r.mutable_entry()->clear_author(); }},
                       {"control in author", "entry.author", [](R& r) { r.mutable_entry()->set_author("a\tb"); }},
                   },
                   &ValidateAddSituationEntryRequest);
}

TEST(IncidentValidationTest, AlertsAndOutputOnlyFieldsIgnored) {
  EXPECT_TRUE(ValidateSendAlertRequest(FullAlert()).ok()) << ValidateSendAlertRequest(FullAlert());
  using R = v1::SendAlertRequest;
  ExpectRefused<R>(
      FullAlert(),
      {
          {"missing id", "alert.id", [](R& r) { r.mutable_alert()->clear_id(); }},
          {"missing headline", "alert.headline", [](R& r) { r.mutable_alert()->clear_headline(); }},
          {"long description", "alert.description",
           [](R& r) { r.mutable_alert()->set_description(std::string(4001, 'x')); }},
          {"long instruction", "alert.instruction",
           [](R& r) { r.mutable_alert()->set_instruction(std::string(2001, 'x')); }},
          {"missing urgency", "alert.urgency", [](R& r) { r.mutable_alert()->clear_urgency(); }},
          {"missing severity", "alert.severity", [](R& r) { r.mutable_alert()->clear_severity(); }},
          {"missing certainty", "alert.certainty", [](R& r) { r.mutable_alert()->clear_certainty(); }},
          {"unknown status", "alert.status",
           [](R& r) { r.mutable_alert()->set_status(static_cast<v1::AlertStatus>(7)); }},
          {"bad audience region", "alert.audience.safety_regions[0]",
           [](R& r) { r.mutable_alert()->mutable_audience()->set_safety_regions(0, "NL"); }},
          {"unspecified audience sector", "alert.audience.sectors[1]",
           [](R& r) { r.mutable_alert()->mutable_audience()->add_sectors(v1::SECTOR_UNSPECIFIED); }},
          {"unknown audience kind", "alert.audience.kinds[0]",
           [](R& r) { r.mutable_alert()->mutable_audience()->set_kinds(0, static_cast<v1::OrganizationKind>(999)); }},
          {"bad audience organisation", "alert.audience.organization_ids[0]",
           [](R& r) { r.mutable_alert()->mutable_audience()->set_organization_ids(0, "A B"); }},
          {"duplicate audience organisation", "alert.audience.organization_ids[1]",
           [](R& r) { r.mutable_alert()->mutable_audience()->add_organization_ids("ziekenhuis-a"); }},
          {"deadline out of range", "alert.acknowledge_by.seconds",
           [](R& r) { r.mutable_alert()->mutable_acknowledge_by()->set_seconds(253402300800); }},
          {"bad incident id", "alert.incident_id", [](R& r) { r.mutable_alert()->set_incident_id("Brand!"); }},
      },
      &ValidateSendAlertRequest);
}

TEST(IncidentValidationTest, ACancelNeedsOnlyTheId) {
  const auto cancel =
      ParseTextProto<v1::SendAlertRequest>(R"pb(alert { id: "explosie" status: ALERT_STATUS_CANCELLED })pb");
  EXPECT_TRUE(ValidateSendAlertRequest(cancel).ok()) << ValidateSendAlertRequest(cancel);
  const auto without_id = ParseTextProto<v1::SendAlertRequest>(R"pb(alert { status: ALERT_STATUS_CANCELLED })pb");
  EXPECT_THAT(std::string(ValidateSendAlertRequest(without_id).message()), StartsWith("alert.id:"));
  // Without a status it is a send, which needs the content.
  const auto send = ParseTextProto<v1::SendAlertRequest>(R"pb(alert { id: "explosie" })pb");
  EXPECT_THAT(std::string(ValidateSendAlertRequest(send).message()), StartsWith("alert.headline:"));
}

TEST(IncidentValidationTest, Acknowledgements) {
  using R = v1::AcknowledgeAlertRequest;
  const R valid = ParseTextProto<R>(R"pb(alert_id: "explosie" organization_id: "ziekenhuis-a" comment: "ontvangen")pb");
  ExpectRefused<R>(valid,
                   {
                       {"missing alert", "alert_id", [](R& r) { r.clear_alert_id(); }},
                       {"missing organisation", "organization_id", [](R& r) { r.clear_organization_id(); }},
                       {"long comment", "comment", [](R& r) { r.set_comment(std::string(2001, 'x')); }},
                       {"invalid UTF-8 comment", "comment", [](R& r) { r.set_comment("\xff"); }},
                   },
                   &ValidateAcknowledgeAlertRequest);
}

}  // namespace
}  // namespace ketenbeeld::domain
