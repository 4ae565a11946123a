// Incident areas through the gRPC API (issue 18, "done when"): a polygon covering two of three organisations marks
// exactly those two; adding a site inside it adds its organisation in one atomic commit group with the registration;
// the same for postcodes. And a malformed area is INVALID_ARGUMENT naming the point. An alert's own area addresses
// only the organisations with a site inside it: one outside gets no notification and cannot acknowledge.
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "tests/support/proto_text.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kCallDeadline = absl::Seconds(10);

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(kCallDeadline));
}

v1::Organization Site(const std::string& id, double latitude, double longitude, const std::string& postcode) {
  v1::Organization organization = MakeOrganization(id, v1::ORGANIZATION_KIND_NURSING_HOME);
  // An e-mail endpoint: every alert to the organisation becomes an outbox record for it.
  v1::ContactEndpoint& email = *organization.mutable_contact()->add_endpoints();
  email.set_id("mail");
  email.mutable_email()->set_address("crisis@" + id + ".nl");
  v1::Location& site = *organization.mutable_locations(0);
  site.mutable_coordinates()->set_latitude(latitude);
  site.mutable_coordinates()->set_longitude(longitude);
  site.set_postcode(postcode);
  return organization;
}

v1::Location SecondSite(double latitude, double longitude, const std::string& postcode) {
  v1::Location site;
  site.set_id("dependance");
  site.set_name("Dependance");
  site.mutable_coordinates()->set_latitude(latitude);
  site.mutable_coordinates()->set_longitude(longitude);
  site.set_postcode(postcode);
  return site;
}

class IncidentAreaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two sites around Den Helder (PC4 1781, 1782), one in Alkmaar (PC4 1811).
    ASSERT_TRUE(Register(server_.stub(), Site("zc-1", 52.95, 4.75, "1781 AB")).ok());
    ASSERT_TRUE(Register(server_.stub(), Site("zc-2", 52.92, 4.71, "1782AC")).ok());
    ASSERT_TRUE(Register(server_.stub(), Site("zc-3", 52.63, 4.75, "1811 KL")).ok());
  }

  grpc::Status Open(const v1::Area& area, v1::WriteResponse* response) {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::OpenIncidentRequest request = ParseTextProto<v1::OpenIncidentRequest>(R"pb(
      incident {
        id: "dijkdoorbraak"
        title: "Dijkdoorbraak Koegras"
        type: "overstroming"
        scale_up_level: "GRIP 2"
        safety_region: "VR10"
      }
    )pb");
    *request.mutable_incident()->mutable_area() = area;
    return incidents_->OpenIncident(&context, request, response);
  }

  v1::Incident Incident() {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::GetRequest request;
    request.set_name("incidents/dijkdoorbraak");
    v1::GetResponse response;
    EXPECT_TRUE(server_.stub().Get(&context, request, &response).ok());
    return response.record().incident();
  }

  // The events after `revision`, as History gives them.
  std::vector<v1::Event> EventsAfter(int64_t revision) {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::HistoryRequest request;
    request.set_from_revision(revision + 1);
    v1::HistoryResponse response;
    EXPECT_TRUE(server_.stub().History(&context, request, &response).ok());
    return {response.events().begin(), response.events().end()};
  }

  // Registers `organization` and checks that the registration and the incident's new list are one commit group:
  // two events, the organisation's then the incident's, both closing the group at the incident's revision.
  void ExpectRegistrationMovesTheIncident(const v1::Organization& organization) {
    v1::WriteResponse registered;
    ASSERT_TRUE(Register(server_.stub(), organization, &registered).ok());
    EXPECT_EQ(registered.record().name(), "organizations/" + organization.id());
    const std::vector<v1::Event> events = EventsAfter(registered.revision() - 1);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].record().name(), "organizations/" + organization.id());
    EXPECT_EQ(events[1].record().name(), "incidents/dijkdoorbraak");
    EXPECT_EQ(events[0].group_last_revision(), events[1].revision());
    EXPECT_EQ(events[1].group_last_revision(), events[1].revision());
  }

  TestServer server_;
  std::unique_ptr<v1::IncidentService::Stub> incidents_ = v1::IncidentService::NewStub(server_.channel());
};

TEST_F(IncidentAreaTest, APolygonMarksExactlyTheTwoInsideAndANewSiteInsideAddsItsOrganisationInOneGroup) {
  const v1::Area area = ParseTextProto<v1::Area>(R"pb(
    description: "Polder Koegras"
    polygons {
      points { latitude: 52.88 longitude: 4.68 }
      points { latitude: 52.88 longitude: 4.82 }
      points { latitude: 52.97 longitude: 4.85 }
      points { latitude: 53.02 longitude: 4.76 }
      points { latitude: 52.97 longitude: 4.66 }
    }
  )pb");
  v1::WriteResponse opened;
  ASSERT_TRUE(Open(area, &opened).ok());
  EXPECT_THAT(opened.record().incident().computed_affected_organization_ids(), ElementsAre("zc-1", "zc-2"));

  // zc-3 opens a second site inside the polygon.
  v1::Organization zc3 = Site("zc-3", 52.63, 4.75, "1811 KL");
  *zc3.add_locations() = SecondSite(52.99, 4.79, "1781 XZ");
  ExpectRegistrationMovesTheIncident(zc3);
  EXPECT_THAT(Incident().computed_affected_organization_ids(), ElementsAre("zc-1", "zc-2", "zc-3"));
}

TEST_F(IncidentAreaTest, PostcodesMarkExactlyTheTwoInsideAndANewSiteInsideAddsItsOrganisationInOneGroup) {
  v1::WriteResponse opened;
  ASSERT_TRUE(Open(ParseTextProto<v1::Area>(R"pb(postcodes: "1781" postcodes: "1782")pb"), &opened).ok());
  EXPECT_THAT(opened.record().incident().computed_affected_organization_ids(), ElementsAre("zc-1", "zc-2"));

  v1::Organization zc3 = Site("zc-3", 52.63, 4.75, "1811 KL");
  *zc3.add_locations() = SecondSite(52.63, 4.76, "1782 BB");
  ExpectRegistrationMovesTheIncident(zc3);
  EXPECT_THAT(Incident().computed_affected_organization_ids(), ElementsAre("zc-1", "zc-2", "zc-3"));
}

TEST_F(IncidentAreaTest, AMalformedAreaIsInvalidArgumentNamingTheFieldAndWritesNothing) {
  v1::WriteResponse response;
  grpc::Status status = Open(ParseTextProto<v1::Area>(R"pb(
                               polygons {
                                 points { latitude: 52.9 longitude: 4.7 }
                                 points { latitude: 53.0 longitude: 4.8 }
                                 points { latitude: 52.9 longitude: 4.8 }
                                 points { latitude: 53.0 longitude: 4.7 }
                               }
                             )pb"),
                             &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("incident.area.polygons[0].points: the polygon intersects itself"));
  status = Open(ParseTextProto<v1::Area>(R"pb(municipality_codes: "Den Helder")pb"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("incident.area.municipality_codes[0]"));

  v1::Organization bad = Site("zc-4", 52.95, 4.75, "17810");
  status = Register(server_.stub(), bad);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("organization.locations[0].postcode"));
}

// The alert whose own area is the polygon around Den Helder of the test above.
v1::SendAlertRequest AlertToPolder() {
  return ParseTextProto<v1::SendAlertRequest>(R"pb(
    alert {
      id: "evacuatie-koegras"
      headline: "Bereid evacuatie voor"
      urgency: URGENCY_IMMEDIATE
      severity: ALERT_SEVERITY_SEVERE
      certainty: CERTAINTY_LIKELY
      audience {
        kinds: ORGANIZATION_KIND_NURSING_HOME
        area {
          description: "Polder Koegras"
          polygons {
            points { latitude: 52.88 longitude: 4.68 }
            points { latitude: 52.88 longitude: 4.82 }
            points { latitude: 52.97 longitude: 4.85 }
            points { latitude: 53.02 longitude: 4.76 }
            points { latitude: 52.97 longitude: 4.66 }
          }
        }
      }
    }
  )pb");
}

TEST_F(IncidentAreaTest, AnOrganisationOutsideTheAlertsOwnAreaDoesNotReceiveIt) {
  auto alerts = v1::AlertService::NewStub(server_.channel());
  const auto send = [&](const v1::SendAlertRequest& request, v1::WriteResponse* response) {
    grpc::ClientContext context;
    SetDeadline(context);
    return alerts->SendAlert(&context, request, response);
  };
  const auto acknowledge = [&](const std::string& organization_id) {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::AcknowledgeAlertRequest request;
    request.set_alert_id("evacuatie-koegras");
    request.set_organization_id(organization_id);
    v1::WriteResponse response;
    return alerts->AcknowledgeAlert(&context, request, &response);
  };
  v1::WriteResponse sent;
  const grpc::Status status = send(AlertToPolder(), &sent);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(sent.record().alert().audience().area_organization_ids(), ElementsAre("zc-1", "zc-2"));

  // The outbox: one message for each organisation inside, none for zc-3 in Alkmaar.
  grpc::ClientContext context;
  SetDeadline(context);
  v1::ListRequest list;
  list.mutable_filter()->add_kinds(v1::ENTITY_KIND_NOTIFICATION);
  v1::ListResponse notifications;
  ASSERT_TRUE(server_.stub().List(&context, list, &notifications).ok());
  std::set<std::string> notified;
  for (const v1::Record& record : notifications.records()) {
    EXPECT_EQ(record.notification().subject_name(), "alerts/evacuatie-koegras");
    notified.insert(record.notification().organization_id());
  }
  EXPECT_THAT(notified, ElementsAre("zc-1", "zc-2"));

  const grpc::Status outside = acknowledge("zc-3");
  EXPECT_EQ(outside.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(outside.error_message(), HasSubstr("not in the audience"));
  EXPECT_TRUE(acknowledge("zc-1").ok());
}

TEST_F(IncidentAreaTest, AMalformedAlertAreaIsInvalidArgumentNamingTheFieldAndSendsNothing) {
  auto alerts = v1::AlertService::NewStub(server_.channel());
  const auto send = [&](const v1::SendAlertRequest& request) {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::WriteResponse response;
    return alerts->SendAlert(&context, request, &response);
  };
  v1::SendAlertRequest bad = AlertToPolder();
  bad.mutable_alert()->mutable_audience()->mutable_area()->mutable_polygons(0)->mutable_points(3)->set_latitude(95);
  grpc::Status status = send(bad);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("alert.audience.area.polygons[0].points[3].latitude"));

  bad = AlertToPolder();
  bad.mutable_alert()->mutable_audience()->mutable_area()->clear_polygons();  // Only the description is left.
  status = send(bad);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("alert.audience.area: selects no sites"));

  bad = AlertToPolder();
  bad.mutable_alert()->mutable_audience()->mutable_area()->add_postcodes("178");
  status = send(bad);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("alert.audience.area.postcodes[0]"));

  grpc::ClientContext context;
  SetDeadline(context);
  v1::GetRequest get;
  get.set_name("alerts/evacuatie-koegras");
  v1::GetResponse response;
  EXPECT_EQ(server_.stub().Get(&context, get, &response).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace ketenbeeld::testing
