// Incidents, situation entries, alerts and acknowledgements through the gRPC API: the lifecycle codes as a client
// sees them, the feed filtered by kind, GetAlertAcknowledgements, and the deadline-passed fact appearing exactly once
// in the history, also across restarts.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/time.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

using google::protobuf::util::TimeUtil;

constexpr absl::Duration kCallDeadline = absl::Seconds(10);

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(kCallDeadline));
}

// Stubs for the current channel (a restart makes a new one).
struct Clients {
  explicit Clients(TestServer& server)
      : incidents(v1::IncidentService::NewStub(server.channel())),
        alerts(v1::AlertService::NewStub(server.channel())) {}

  grpc::Status Open(const v1::Incident& incident, v1::WriteResponse* response = nullptr) {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::OpenIncidentRequest request;
    *request.mutable_incident() = incident;
    v1::WriteResponse ignored;
    return incidents->OpenIncident(&context, request, response != nullptr ? response : &ignored);
  }
  grpc::Status Update(const v1::Incident& incident, v1::WriteResponse* response = nullptr) {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::UpdateIncidentRequest request;
    *request.mutable_incident() = incident;
    v1::WriteResponse ignored;
    return incidents->UpdateIncident(&context, request, response != nullptr ? response : &ignored);
  }
  grpc::Status AddEntry(const std::string& incident_id, const std::string& text,
                        v1::WriteResponse* response = nullptr) {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::AddSituationEntryRequest request;
    request.mutable_entry()->set_incident_id(incident_id);
    request.mutable_entry()->set_layer(v1::SITUATION_LAYER_PICTURE);
    request.mutable_entry()->set_text(text);
    request.mutable_entry()->set_author("Meldkamer");
    v1::WriteResponse ignored;
    return incidents->AddSituationEntry(&context, request, response != nullptr ? response : &ignored);
  }
  grpc::Status Send(const v1::Alert& alert, v1::WriteResponse* response = nullptr) {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::SendAlertRequest request;
    *request.mutable_alert() = alert;
    v1::WriteResponse ignored;
    return alerts->SendAlert(&context, request, response != nullptr ? response : &ignored);
  }
  grpc::Status Ack(const std::string& alert_id, const std::string& organization_id,
                   v1::WriteResponse* response = nullptr) {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::AcknowledgeAlertRequest request;
    request.set_alert_id(alert_id);
    request.set_organization_id(organization_id);
    v1::WriteResponse ignored;
    return alerts->AcknowledgeAlert(&context, request, response != nullptr ? response : &ignored);
  }
  grpc::Status Acknowledgements(const std::string& alert_id, v1::AlertAcknowledgements* response) {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::GetAlertAcknowledgementsRequest request;
    request.set_alert_id(alert_id);
    return alerts->GetAlertAcknowledgements(&context, request, response);
  }

  std::unique_ptr<v1::IncidentService::Stub> incidents;
  std::unique_ptr<v1::AlertService::Stub> alerts;
};

v1::Incident MakeIncident(const std::string& id, const std::string& level = "GRIP 1") {
  v1::Incident incident;
  incident.set_id(id);
  incident.set_title("Brand chemiebedrijf");
  incident.set_type("brand");
  incident.set_scale_up_level(level);
  incident.set_safety_region("VR10");
  return incident;
}

// An alert to the hospitals of VR10, to acknowledge by `deadline`.
v1::Alert HospitalAlert(const std::string& id, absl::Time deadline) {
  v1::Alert alert;
  alert.set_id(id);
  alert.set_headline("Verwacht: 40 gewonden");
  alert.set_urgency(v1::URGENCY_IMMEDIATE);
  alert.set_severity(v1::ALERT_SEVERITY_SEVERE);
  alert.set_certainty(v1::CERTAINTY_LIKELY);
  alert.mutable_audience()->add_safety_regions("VR10");
  alert.mutable_audience()->add_kinds(v1::ORGANIZATION_KIND_HOSPITAL);
  *alert.mutable_acknowledge_by() = ToProtoTime(deadline);
  return alert;
}

v1::Filter KindsFilter(std::initializer_list<v1::EntityKind> kinds) {
  v1::Filter filter;
  for (v1::EntityKind kind : kinds) filter.add_kinds(kind);
  return filter;
}

// Every event of the history matching `filter`, all pages.
std::vector<v1::Event> History(TestServer& server, const v1::Filter& filter) {
  std::vector<v1::Event> events;
  v1::HistoryRequest request;
  *request.mutable_filter() = filter;
  for (int page = 0; page < 100; ++page) {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::HistoryResponse response;
    const grpc::Status status = server.stub().History(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    events.insert(events.end(), response.events().begin(), response.events().end());
    if (response.next_from_revision() == 0) break;
    request.set_from_revision(response.next_from_revision());
  }
  return events;
}

int EventsWithDeadlinePassed(TestServer& server) {
  const std::vector<v1::Event> events = History(server, KindsFilter({v1::ENTITY_KIND_ALERT}));
  return static_cast<int>(std::count_if(events.begin(), events.end(), [](const v1::Event& event) {
    return event.record().alert().has_deadline_passed();
  }));
}

v1::Record GetRecord(TestServer& server, const std::string& name) {
  grpc::ClientContext context;
  SetDeadline(context);
  v1::GetRequest request;
  request.set_name(name);
  v1::GetResponse response;
  const grpc::Status status = server.stub().Get(&context, request, &response);
  EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
  return response.record();
}

// Polls until the alert carries the deadline-passed fact, for at most `timeout`.
bool WaitForDeadlinePassed(TestServer& server, const std::string& alert_id, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    if (GetRecord(server, "alerts/" + alert_id).alert().has_deadline_passed()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

void RegisterAll(TestServer& server) {
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("ziekenhuis-a")).ok());
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("ziekenhuis-b")).ok());
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("vvt-c", v1::ORGANIZATION_KIND_NURSING_HOME)).ok());
}

TEST(IncidentAlertTest, IncidentLifecycleAndItsStatusCodes) {
  TestServer server;
  Clients clients(server);
  v1::WriteResponse opened;
  ASSERT_TRUE(clients.Open(MakeIncident("brand-1"), &opened).ok());
  EXPECT_EQ(opened.record().incident().status(), v1::INCIDENT_STATUS_OPEN);
  EXPECT_EQ(clients.Open(MakeIncident("brand-1")).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(clients.Open(MakeIncident("brand-2", "GRIP 9")).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(clients.Update(MakeIncident("onbekend")).error_code(), grpc::StatusCode::NOT_FOUND);

  v1::WriteResponse scaled;
  ASSERT_TRUE(clients.Update(MakeIncident("brand-1", "GRIP 3"), &scaled).ok());
  EXPECT_EQ(scaled.record().incident().status(), v1::INCIDENT_STATUS_SCALED_UP);
  ASSERT_TRUE(clients.AddEntry("brand-1", "Rookpluim").ok());
  EXPECT_EQ(clients.AddEntry("onbekend", "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::Incident closing = MakeIncident("brand-1", "GRIP 3");
  closing.set_status(v1::INCIDENT_STATUS_CLOSED);
  ASSERT_TRUE(clients.Update(closing).ok());
  const v1::Record closed = GetRecord(server, "incidents/brand-1");
  EXPECT_EQ(closed.incident().status(), v1::INCIDENT_STATUS_CLOSED);
  EXPECT_TRUE(closed.incident().has_closed_at());
  EXPECT_EQ(clients.Update(closing).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(clients.AddEntry("brand-1", "te laat").error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST(IncidentAlertTest, FeedAndListFilteredByKindSeeIncidentsAndTheirEntriesInOrder) {
  TestServer server;
  Clients clients(server);
  v1::SubscribeRequest subscribe;
  *subscribe.mutable_filter() = KindsFilter({v1::ENTITY_KIND_INCIDENT, v1::ENTITY_KIND_SITUATION_ENTRY});
  FeedReader feed(server.stub(), subscribe);
  // Write only once the (empty) snapshot is delivered, so every write below arrives as an event.
  ASSERT_TRUE(feed.WaitUntilSynced());

  RegisterAll(server);
  ASSERT_TRUE(Report(server.stub(), MakeReport("ziekenhuis-a")).ok());
  ASSERT_TRUE(clients.Open(MakeIncident("brand-1")).ok());
  std::vector<int64_t> entry_revisions;
  for (const char* text : {"eerste", "tweede", "derde"}) {
    v1::WriteResponse response;
    ASSERT_TRUE(clients.AddEntry("brand-1", text, &response).ok());
    entry_revisions.push_back(response.revision());
  }
  ASSERT_TRUE(clients.Send(HospitalAlert("explosie", absl::Now() + absl::Hours(1))).ok());
  ASSERT_TRUE(feed.WaitForRevision(server.server().revision()));

  std::vector<int64_t> entries_seen;
  for (const v1::Event& event : feed.events()) {
    EXPECT_TRUE(event.record().kind() == v1::ENTITY_KIND_INCIDENT ||
                event.record().kind() == v1::ENTITY_KIND_SITUATION_ENTRY)
        << event.record().name();
    if (event.record().has_situation_entry()) entries_seen.push_back(event.record().situation_entry().sequence());
  }
  EXPECT_EQ(entries_seen, entry_revisions);

  grpc::ClientContext context;
  SetDeadline(context);
  v1::ListRequest list;
  *list.mutable_filter() = KindsFilter({v1::ENTITY_KIND_ALERT});
  v1::ListResponse listed;
  ASSERT_TRUE(server.stub().List(&context, list, &listed).ok());
  ASSERT_EQ(listed.records_size(), 1);
  EXPECT_EQ(listed.records(0).name(), "alerts/explosie");
}

TEST(IncidentAlertTest, AcknowledgementsAndTheDeadlineFactExactlyOnceAcrossARestart) {
  TestServer server([](app::ServerOptions& options) { options.tick_interval = absl::Milliseconds(50); });
  RegisterAll(server);
  {
    Clients clients(server);
    v1::SubscribeRequest subscribe;
    *subscribe.mutable_filter() = KindsFilter({v1::ENTITY_KIND_ALERT, v1::ENTITY_KIND_ACKNOWLEDGEMENT});
    FeedReader feed(server.stub(), subscribe);
    ASSERT_TRUE(feed.WaitUntilSynced());

    ASSERT_TRUE(clients.Send(HospitalAlert("explosie", absl::Now() + absl::Seconds(2))).ok());
    ASSERT_TRUE(clients.Ack("explosie", "ziekenhuis-a").ok());
    const grpc::Status outsider = clients.Ack("explosie", "vvt-c");
    EXPECT_EQ(outsider.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_NE(outsider.error_message().find("not in the audience"), std::string::npos) << outsider.error_message();

    v1::AlertAcknowledgements state;
    ASSERT_TRUE(clients.Acknowledgements("explosie", &state).ok());
    EXPECT_EQ(state.alert().id(), "explosie");
    ASSERT_EQ(state.acknowledgements_size(), 1);
    EXPECT_EQ(state.acknowledgements(0).organization_id(), "ziekenhuis-a");
    ASSERT_EQ(state.unacknowledged_organization_ids_size(), 1);
    EXPECT_EQ(state.unacknowledged_organization_ids(0), "ziekenhuis-b");
    EXPECT_EQ(state.audience_size(), 2);
    EXPECT_EQ(state.revision(), server.server().revision());
    v1::AlertAcknowledgements unknown;
    EXPECT_EQ(clients.Acknowledgements("onbekend", &unknown).error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(clients.Acknowledgements("Onbekend!", &unknown).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

    ASSERT_TRUE(WaitForDeadlinePassed(server, "explosie", absl::Seconds(10)));
    const v1::Alert alert = GetRecord(server, "alerts/explosie").alert();
    ASSERT_EQ(alert.deadline_passed().unacknowledged_organization_ids_size(), 1);
    EXPECT_EQ(alert.deadline_passed().unacknowledged_organization_ids(0), "ziekenhuis-b");
    EXPECT_EQ(alert.deadline_passed().audience_size(), 2);

    // A late acknowledgement is accepted and marked.
    v1::WriteResponse late;
    ASSERT_TRUE(clients.Ack("explosie", "ziekenhuis-b", &late).ok());
    EXPECT_TRUE(late.record().acknowledgement().late());

    // The feed saw the send, both acknowledgements and the fact, and nothing of other kinds.
    ASSERT_TRUE(feed.WaitForRevision(late.revision()));
    int facts_in_feed = 0;
    for (const v1::Event& event : feed.events()) {
      EXPECT_TRUE(event.record().has_alert() || event.record().has_acknowledgement()) << event.record().name();
      if (event.record().alert().has_deadline_passed()) ++facts_in_feed;
    }
    EXPECT_EQ(facts_in_feed, 1);
  }
  // More ticks, and a restart (whose first tick runs at once) with more ticks: the fact is still in the log once.
  for (int tick = 0; tick < 3; ++tick) ASSERT_TRUE(server.server().TickNow().ok());
  EXPECT_EQ(EventsWithDeadlinePassed(server), 1);
  server.Restart();
  for (int tick = 0; tick < 3; ++tick) ASSERT_TRUE(server.server().TickNow().ok());
  EXPECT_EQ(EventsWithDeadlinePassed(server), 1);
  EXPECT_TRUE(GetRecord(server, "alerts/explosie").alert().has_deadline_passed());
}

TEST(IncidentAlertTest, ADeadlineThatPassesWhileTheServerIsDownIsCommittedOnceAtStartUp) {
  // Ticks only at start-up: the hour-long interval keeps the running server from noticing the deadline.
  TestServer server([](app::ServerOptions& options) { options.tick_interval = absl::Hours(1); });
  RegisterAll(server);
  Clients clients(server);
  // A deadline 1 s ahead: under TSan on a busy machine the send itself has taken more than 200 ms, and a deadline
  // before the commit time is refused.
  ASSERT_TRUE(clients.Send(HospitalAlert("explosie", absl::Now() + absl::Seconds(1))).ok());
  absl::SleepFor(absl::Milliseconds(1200));
  EXPECT_FALSE(GetRecord(server, "alerts/explosie").alert().has_deadline_passed()) << "no tick ran yet";

  server.Restart();
  ASSERT_TRUE(WaitForDeadlinePassed(server, "explosie", absl::Seconds(10)));
  const v1::Alert alert = GetRecord(server, "alerts/explosie").alert();
  EXPECT_EQ(alert.deadline_passed().unacknowledged_organization_ids_size(), 2);
  EXPECT_EQ(alert.version(), 1);
  server.Restart();
  server.Restart();
  // Ticks after the restarts: a fact planned again would be committed by them.
  for (int tick = 0; tick < 2; ++tick) ASSERT_TRUE(server.server().TickNow().ok());
  EXPECT_EQ(EventsWithDeadlinePassed(server), 1);
}

}  // namespace
}  // namespace ketenbeeld::testing
