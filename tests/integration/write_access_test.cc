// Every write RPC as every role, through the real server with bearer tokens on loopback, with the exact gRPC status
// each call must get: the write half of docs/security.md's role x RPC matrix, including "own organisation" versus
// "another organisation" versus "no organisation" where the rule restricts institutions and dispatch to their own.
//
// Each case starts from a valid request whose prerequisites (an incident, an alert, an assistance request with an
// offer) were made for it alone by the GHOR or the operator, so the rule is the only reason a call can be refused,
// and an allowed call is OK. A refused call must leave the revision where it was.
//
// A write RPC is one that answers a WriteResponse, plus PublishStatus (a stream of ReportStatus writes): the service
// descriptors say which, so a write RPC added without its row here fails the test.
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "base/time.h"
#include "client/connection.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/exercise_service.grpc.pb.h"
#include "ketenbeeld/v1/federation_service.grpc.pb.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "server/security/tokens.h"
#include "tests/support/grpc_status_text.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

namespace v1 = ketenbeeld::v1;
using ::testing::HasSubstr;

// The callers: one per role, with the letters of docs/security.md's matrix (O = operator, formerly "admin"; B =
// bestuur, formerly "administration"), plus the same two roles under the old words of tokens issued before the
// rename: they must get exactly what the new words get.
struct Caller {
  const char* name;
  char letter;
  const char* organization_id;
  const char* role_word;
  const char* token;
};
constexpr Caller kCallers[] = {
    {"institution", 'I', "ziekenhuis-a", "institution", "tok-institution-5d1f"},
    {"ghor", 'G', "ghor-vr10", "ghor", "tok-ghor-77aa"},
    {"dispatch", 'D', "meldkamer-vr10", "dispatch", "tok-dispatch-0b3c"},
    {"bestuur", 'B', "bestuur-vr10", "bestuur", "tok-bestuur-e4e4"},
    {"operator", 'O', "beheer", "operator", "tok-operator-9a01"},
    // The region's federation link (docs/federation-policy.md): in no row, so refused every write.
    {"federation", 'F', "federatie-vr10", "federation", "tok-federation-6e2b"},
    {"bestuur (old word)", 'B', "bestuur-vr10", "administration", "tok-administration-31c2"},
    {"operator (old word)", 'O', "beheer", "admin", "tok-admin-c7d8"},
};
constexpr absl::string_view kOther = "ziekenhuis-b";    // "Another organisation" for every caller.
constexpr absl::string_view kOfferer = "ziekenhuis-c";  // Offers on the assistance requests of the cases.

// Whom a case's write acts for, where the rule restricts institutions and dispatch to their own organisation.
enum class Target { kOwn, kOther, kNone };

absl::string_view TargetName(Target target) {
  switch (target) {
    case Target::kOwn:
      return "its own organisation";
    case Target::kOther:
      return "another organisation";
    case Target::kNone:
      return "no organisation";
  }
  return "?";
}

// The write RPCs and who may call them, written out here independently of server/policy/rules.cc (docs/security.md):
// the letters of the roles that may call it, and whether institutions and dispatch act only for their own
// organisation. `none` is the status of an allowed caller's request that names no organisation: INVALID_ARGUMENT
// where the request has the organisation field, NOT_FOUND where the organisation is the requester of an assistance
// request that does not exist.
struct ExpectedWrite {
  absl::string_view method;
  absl::string_view roles;
  bool own_organization;
  grpc::StatusCode none = grpc::StatusCode::OK;
};
const std::vector<ExpectedWrite>& ExpectedWrites() {
  static const auto* writes = new std::vector<ExpectedWrite>{
      {"/ketenbeeld.v1.PictureService/RegisterOrganization", "O", false},
      {"/ketenbeeld.v1.PictureService/ReportStatus", "IGD", true, grpc::StatusCode::INVALID_ARGUMENT},
      {"/ketenbeeld.v1.PictureService/PublishStatus", "IGD", true, grpc::StatusCode::INVALID_ARGUMENT},
      {"/ketenbeeld.v1.IncidentService/OpenIncident", "GD", false},
      {"/ketenbeeld.v1.IncidentService/UpdateIncident", "GD", false},
      {"/ketenbeeld.v1.IncidentService/AddSituationEntry", "GD", false},
      {"/ketenbeeld.v1.AlertService/SendAlert", "G", false},
      {"/ketenbeeld.v1.AlertService/AcknowledgeAlert", "IGD", true, grpc::StatusCode::INVALID_ARGUMENT},
      {"/ketenbeeld.v1.AlertService/CloseEscalationTask", "G", false},
      {"/ketenbeeld.v1.AssistanceService/RequestAssistance", "IGD", true, grpc::StatusCode::INVALID_ARGUMENT},
      {"/ketenbeeld.v1.AssistanceService/OfferAssistance", "IGD", true, grpc::StatusCode::INVALID_ARGUMENT},
      {"/ketenbeeld.v1.AssistanceService/AcceptOffer", "IGD", true, grpc::StatusCode::NOT_FOUND},
      {"/ketenbeeld.v1.AssistanceService/FulfillRequest", "IGD", true, grpc::StatusCode::NOT_FOUND},
      {"/ketenbeeld.v1.AssistanceService/CancelRequest", "IGD", true, grpc::StatusCode::NOT_FOUND},
      {"/ketenbeeld.v1.AssistanceService/ReserveBed", "GD", false},
      {"/ketenbeeld.v1.AssistanceService/ConfirmReservation", "IG", true, grpc::StatusCode::NOT_FOUND},
      {"/ketenbeeld.v1.AssistanceService/ReleaseReservation", "IGD", true, grpc::StatusCode::NOT_FOUND},
      {"/ketenbeeld.v1.ReportService/PutScenario", "G", false},
      {"/ketenbeeld.v1.ReportService/DefineIndicator", "G", false},
      {"/ketenbeeld.v1.ReportService/RetireIndicator", "G", false},
      {"/ketenbeeld.v1.ExerciseService/StartExercise", "GO", false},
      {"/ketenbeeld.v1.ExerciseService/EndExercise", "GO", false},
      {"/ketenbeeld.v1.ExerciseService/PurgeExercise", "O", false},
  };
  return *writes;
}

// The status `caller` must get for `write` acting for `target`.
grpc::StatusCode Expected(const ExpectedWrite& write, const Caller& caller, Target target) {
  if (write.roles.find(caller.letter) == absl::string_view::npos) return grpc::StatusCode::PERMISSION_DENIED;
  switch (target) {
    case Target::kOwn:
      return grpc::StatusCode::OK;
    case Target::kOther:
      return caller.letter == 'G' ? grpc::StatusCode::OK : grpc::StatusCode::PERMISSION_DENIED;
    case Target::kNone:
      return write.none;
  }
  return grpc::StatusCode::UNKNOWN;
}

class WriteAccessTest : public ::testing::Test {
 protected:
  WriteAccessTest()
      : tokens_file_(WriteTokens(tokens_dir_.path())), server_([this](app::ServerOptions& options) {
          options.tokens_file = tokens_file_;
          options.identity_limits.max_requests_per_second = 100000;
          // Federation: one source, whose identity none of the callers has (FederationAccessTest).
          options.upstream_sources = {{"VR11", "federator-vr11"}};
        }) {
    for (const Caller& caller : kCallers) channels_[caller.name] = client::Connect(Address(), {.token = caller.token});
  }

  static std::string WriteTokens(const std::string& dir) {
    const std::string path = dir + "/tokens";
    std::ofstream file(path);
    for (const Caller& caller : kCallers) {
      file << "sha256:" << security::TokenHash(caller.token) << " " << caller.organization_id << " " << caller.role_word
           << " " << caller.name << "\n";
    }
    return path;
  }

  std::string Address() { return server_.server().address(); }
  std::shared_ptr<grpc::Channel> ChannelOf(const Caller& caller) { return channels_.at(caller.name); }
  // The GHOR makes the prerequisites (it may act for any organisation); the operator registers.
  std::shared_ptr<grpc::Channel> Ghor() { return channels_.at("ghor"); }
  std::shared_ptr<grpc::Channel> Operator() { return channels_.at("operator"); }

  // Every organisation a case can act for is registered, so the rule is the only reason to refuse.
  void SetUpRegion() {
    auto picture = v1::PictureService::NewStub(Operator());
    const std::pair<std::string, v1::OrganizationKind> organizations[] = {
        {"ziekenhuis-a", v1::ORGANIZATION_KIND_HOSPITAL},
        {std::string(kOther), v1::ORGANIZATION_KIND_HOSPITAL},
        {std::string(kOfferer), v1::ORGANIZATION_KIND_HOSPITAL},
        {"ghor-vr10", v1::ORGANIZATION_KIND_GHOR},
        {"meldkamer-vr10", v1::ORGANIZATION_KIND_DISPATCH_CENTRE},
        {"bestuur-vr10", v1::ORGANIZATION_KIND_CRISIS_MANAGEMENT},
        {"beheer", v1::ORGANIZATION_KIND_CRISIS_MANAGEMENT},
        {"federatie-vr10", v1::ORGANIZATION_KIND_CRISIS_MANAGEMENT},
    };
    for (const auto& [id, kind] : organizations) {
      const grpc::Status status = Register(*picture, MakeOrganization(id, kind));
      ASSERT_TRUE(status.ok()) << id << ": " << GrpcStatusText(status);
    }
  }

  // A fresh id for each case's records.
  std::string NextId(absl::string_view prefix) { return absl::StrCat(prefix, "-", ++sequence_); }

  // --- Prerequisites, made by the GHOR ------------------------------------------------------------------------------

  std::string OpenIncidentForCase() {
    v1::OpenIncidentRequest request;
    *request.mutable_incident() = MakeIncident(NextId("incident"));
    v1::WriteResponse response;
    const grpc::Status status =
        v1::IncidentService::NewStub(Ghor())->OpenIncident(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    return request.incident().id();
  }

  // An exercise the GHOR started, for the cases that end or purge one.
  std::string StartExerciseForCase() {
    v1::StartExerciseRequest request;
    request.mutable_exercise()->set_id(NextId("oef"));
    request.mutable_exercise()->set_title("Oefening");
    v1::WriteResponse response;
    const grpc::Status status =
        v1::ExerciseService::NewStub(Ghor())->StartExercise(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    return request.exercise().id();
  }

  // A defined indicator, for the cases that retire one.
  std::string DefineIndicatorForCase() {
    v1::DefineIndicatorRequest request = IndicatorRequest(NextId("indicator"));
    v1::WriteResponse response;
    const grpc::Status status =
        v1::ReportService::NewStub(Ghor())->DefineIndicator(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    return request.indicator().id();
  }

  static v1::DefineIndicatorRequest IndicatorRequest(const std::string& id) {
    v1::DefineIndicatorRequest request;
    v1::Indicator& indicator = *request.mutable_indicator();
    indicator.set_id(id);
    indicator.set_label_nl("Binnentemperatuur");
    indicator.set_label_en("Indoor temperature");
    indicator.set_type(v1::INDICATOR_TYPE_NUMBER);
    indicator.set_unit("°C");
    return request;
  }

  std::string SendAlertForCase() {
    v1::SendAlertRequest request;
    *request.mutable_alert() = MakeAlert(NextId("alert"));
    v1::WriteResponse response;
    const grpc::Status status = v1::AlertService::NewStub(Ghor())->SendAlert(Deadline().get(), request, &response);
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    return request.alert().id();
  }

  // An open escalation task to close: made by letting an alert's deadline pass unacknowledged (one task per
  // organisation of the region), once, then taken one by one.
  std::string EscalationTaskForCase() {
    if (open_tasks_.empty()) {
      v1::SendAlertRequest request;
      *request.mutable_alert() = MakeAlert(NextId("alert"));
      *request.mutable_alert()->mutable_acknowledge_by() = ToProtoTime(absl::Now() + absl::Milliseconds(200));
      v1::WriteResponse response;
      EXPECT_TRUE(v1::AlertService::NewStub(Ghor())->SendAlert(Deadline().get(), request, &response).ok());
      absl::SleepFor(absl::Milliseconds(250));
      EXPECT_TRUE(server_.server().TickNow().ok());
      v1::ListRequest list;
      list.mutable_filter()->add_kinds(v1::ENTITY_KIND_ESCALATION_TASK);
      v1::ListResponse tasks;
      EXPECT_TRUE(v1::PictureService::NewStub(Ghor())->List(Deadline().get(), list, &tasks).ok());
      for (const v1::Record& task : tasks.records()) {
        if (task.escalation_task().status() == v1::ESCALATION_STATUS_OPEN)
          open_tasks_.push_back(task.escalation_task().id());
      }
    }
    EXPECT_FALSE(open_tasks_.empty());
    if (open_tasks_.empty()) return "geen-taak";
    std::string id = open_tasks_.back();
    open_tasks_.pop_back();
    return id;
  }

  // An assistance request of `requester`, with kOfferer's offer when `offered`, accepted when `accepted`.
  std::string AssistanceForCase(absl::string_view requester, bool offered, bool accepted) {
    auto assistance = v1::AssistanceService::NewStub(Ghor());
    v1::RequestAssistanceRequest ask = MakeAssistanceRequest(NextId("hulp"), requester);
    v1::WriteResponse response;
    grpc::Status status = assistance->RequestAssistance(Deadline().get(), ask, &response);
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    if (offered) {
      status = assistance->OfferAssistance(Deadline().get(), MakeOffer(ask.request().id(), kOfferer), &response);
      EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    }
    if (accepted) {
      status = assistance->AcceptOffer(Deadline().get(), MakeAccept(ask.request().id()), &response);
      EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    }
    return ask.request().id();
  }

  // A HELD reservation of one IC bed at `organization`, made by `reserver` (the GHOR or dispatch) after the GHOR
  // reported plenty of IC beds there.
  std::string ReservationForCase(absl::string_view organization, const std::shared_ptr<grpc::Channel>& reserver) {
    v1::WriteResponse response;
    grpc::Status status = Report(*v1::PictureService::NewStub(Ghor()), MakeReport(std::string(organization), 100));
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    v1::ReserveBedRequest reserve;
    reserve.set_organization_id(std::string(organization));
    reserve.set_bed_type(v1::BED_TYPE_IC_ADULT);
    status = v1::AssistanceService::NewStub(reserver)->ReserveBed(Deadline().get(), reserve, &response);
    EXPECT_TRUE(status.ok()) << GrpcStatusText(status);
    return response.record().bed_reservation().id();
  }

  // --- Request builders ---------------------------------------------------------------------------------------------

  static v1::Incident MakeIncident(const std::string& id) {
    v1::Incident incident;
    incident.set_id(id);
    incident.set_title("Brand chemiebedrijf");
    incident.set_type("brand");
    incident.set_scale_up_level("GRIP 1");
    incident.set_safety_region("VR10");
    return incident;
  }
  // An alert to every organisation of the region, to acknowledge within two hours.
  static v1::Alert MakeAlert(const std::string& id) {
    v1::Alert alert;
    alert.set_id(id);
    alert.set_headline("Verwacht: 40 gewonden");
    alert.set_urgency(v1::URGENCY_IMMEDIATE);
    alert.set_severity(v1::ALERT_SEVERITY_SEVERE);
    alert.set_certainty(v1::CERTAINTY_LIKELY);
    alert.mutable_audience()->add_safety_regions("VR10");
    *alert.mutable_acknowledge_by() = ToProtoTime(absl::Now() + absl::Hours(2));
    return alert;
  }
  static v1::RequestAssistanceRequest MakeAssistanceRequest(const std::string& id, absl::string_view requester) {
    v1::RequestAssistanceRequest request;
    v1::AssistanceRequest& help = *request.mutable_request();
    help.set_id(id);
    help.set_organization_id(std::string(requester));
    help.set_type(v1::ASSISTANCE_TYPE_GENERATOR);
    help.set_quantity(1);
    help.set_description("Noodstroomaggregaat");
    return request;
  }
  static v1::OfferAssistanceRequest MakeOffer(const std::string& request_id, absl::string_view offerer) {
    v1::OfferAssistanceRequest request;
    request.set_request_id(request_id);
    request.mutable_offer()->set_organization_id(std::string(offerer));
    request.mutable_offer()->set_quantity(1);
    return request;
  }
  static v1::AcceptOfferRequest MakeAccept(const std::string& request_id) {
    v1::AcceptOfferRequest request;
    request.set_request_id(request_id);
    request.set_organization_id(std::string(kOfferer));
    return request;
  }

  // The organisation a case acts for: the caller's own, another one, or none (empty).
  static std::string OrganizationFor(const Caller& caller, Target target) {
    switch (target) {
      case Target::kOwn:
        return caller.organization_id;
      case Target::kOther:
        return std::string(kOther);
      case Target::kNone:
        return "";
    }
    return "";
  }

  // Makes the prerequisites of one case of a unary write and returns the call to make as `caller`; an empty
  // function when the method has no case here (a new write RPC: add it).
  using Call = std::function<grpc::Status()>;
  Call PrepareUnary(absl::string_view method, const Caller& caller, Target target) {
    const std::shared_ptr<grpc::Channel> channel = ChannelOf(caller);
    const std::string organization = OrganizationFor(caller, target);
    const absl::string_view name = method.substr(method.rfind('/') + 1);
    // Each call has its own response; the request is captured by value.
    auto unary = [](auto stub, auto method_pointer, auto request) -> Call {
      return [stub = std::shared_ptr(std::move(stub)), method_pointer, request] {
        v1::WriteResponse response;
        return ((*stub).*method_pointer)(Deadline().get(), request, &response);
      };
    };
    if (name == "RegisterOrganization") {
      v1::RegisterOrganizationRequest request;
      *request.mutable_organization() = MakeOrganization(NextId("vvt"), v1::ORGANIZATION_KIND_NURSING_HOME);
      return unary(v1::PictureService::NewStub(channel), &v1::PictureService::Stub::RegisterOrganization, request);
    }
    if (name == "ReportStatus") {
      v1::ReportStatusRequest request;
      *request.mutable_report() = MakeReport(organization, 4);
      return unary(v1::PictureService::NewStub(channel), &v1::PictureService::Stub::ReportStatus, request);
    }
    if (name == "OpenIncident") {
      v1::OpenIncidentRequest request;
      *request.mutable_incident() = MakeIncident(NextId("incident"));
      return unary(v1::IncidentService::NewStub(channel), &v1::IncidentService::Stub::OpenIncident, request);
    }
    if (name == "UpdateIncident") {
      v1::UpdateIncidentRequest request;
      *request.mutable_incident() = MakeIncident(OpenIncidentForCase());
      request.mutable_incident()->set_scale_up_level("GRIP 2");
      return unary(v1::IncidentService::NewStub(channel), &v1::IncidentService::Stub::UpdateIncident, request);
    }
    if (name == "AddSituationEntry") {
      v1::AddSituationEntryRequest request;
      request.mutable_entry()->set_incident_id(OpenIncidentForCase());
      request.mutable_entry()->set_layer(v1::SITUATION_LAYER_PICTURE);
      request.mutable_entry()->set_text("Weg afgesloten");
      request.mutable_entry()->set_author("Meldkamer");
      return unary(v1::IncidentService::NewStub(channel), &v1::IncidentService::Stub::AddSituationEntry, request);
    }
    if (name == "SendAlert") {
      v1::SendAlertRequest request;
      *request.mutable_alert() = MakeAlert(NextId("alert"));
      return unary(v1::AlertService::NewStub(channel), &v1::AlertService::Stub::SendAlert, request);
    }
    if (name == "AcknowledgeAlert") {
      v1::AcknowledgeAlertRequest request;
      request.set_alert_id(SendAlertForCase());
      request.set_organization_id(organization);
      return unary(v1::AlertService::NewStub(channel), &v1::AlertService::Stub::AcknowledgeAlert, request);
    }
    if (name == "CloseEscalationTask") {
      v1::CloseEscalationTaskRequest request;
      // Only the GHOR may close one: the others are refused before the task is looked up.
      request.set_task_id(caller.letter == 'G' ? EscalationTaskForCase() : "00000000000000000001-0000");
      return unary(v1::AlertService::NewStub(channel), &v1::AlertService::Stub::CloseEscalationTask, request);
    }
    if (name == "RequestAssistance") {
      return unary(v1::AssistanceService::NewStub(channel), &v1::AssistanceService::Stub::RequestAssistance,
                   MakeAssistanceRequest(NextId("hulp"), organization));
    }
    if (name == "OfferAssistance") {
      // On a request of kOfferer, which is neither the caller's organisation nor kOther.
      const std::string request_id = AssistanceForCase(kOfferer, /*offered=*/false, /*accepted=*/false);
      return unary(v1::AssistanceService::NewStub(channel), &v1::AssistanceService::Stub::OfferAssistance,
                   MakeOffer(request_id, organization));
    }
    if (name == "AcceptOffer" || name == "FulfillRequest" || name == "CancelRequest") {
      // The organisation acting is the requester of the request; "none" is a request that does not exist.
      const bool accept = name == "AcceptOffer";
      const bool fulfill = name == "FulfillRequest";
      const std::string request_id = target == Target::kNone
                                         ? NextId("bestaat-niet")
                                         : AssistanceForCase(organization, accept || fulfill, fulfill);
      auto stub = v1::AssistanceService::NewStub(channel);
      if (accept) return unary(std::move(stub), &v1::AssistanceService::Stub::AcceptOffer, MakeAccept(request_id));
      if (fulfill) {
        v1::FulfillRequestRequest request;
        request.set_request_id(request_id);
        return unary(std::move(stub), &v1::AssistanceService::Stub::FulfillRequest, request);
      }
      v1::CancelRequestRequest request;
      request.set_request_id(request_id);
      return unary(std::move(stub), &v1::AssistanceService::Stub::CancelRequest, request);
    }
    if (name == "ReserveBed") {
      // Dispatch reserves at any organisation: the role alone decides.
      const std::string reservation_organization(kOther);
      EXPECT_TRUE(Report(*v1::PictureService::NewStub(Ghor()), MakeReport(reservation_organization, 100)).ok());
      v1::ReserveBedRequest request;
      request.set_organization_id(reservation_organization);
      request.set_bed_type(v1::BED_TYPE_IC_ADULT);
      return unary(v1::AssistanceService::NewStub(channel), &v1::AssistanceService::Stub::ReserveBed, request);
    }
    if (name == "ConfirmReservation" || name == "ReleaseReservation") {
      // Own: a reservation of the caller's own organisation's beds (an institution), or one its organisation made
      // (dispatch releasing); the GHOR's "own" is any. Other: a reservation at kOther that the GHOR made. None: a
      // reservation that does not exist.
      std::string reservation_id;
      if (target == Target::kNone) {
        reservation_id = "999999999";
      } else if (target == Target::kOwn && caller.letter == 'I') {
        reservation_id = ReservationForCase(caller.organization_id, Ghor());
      } else if (target == Target::kOwn && caller.letter == 'D') {
        reservation_id = ReservationForCase(kOther, channel);
      } else {
        reservation_id = ReservationForCase(kOther, Ghor());
      }
      auto stub = v1::AssistanceService::NewStub(channel);
      if (name == "ConfirmReservation") {
        v1::ConfirmReservationRequest request;
        request.set_reservation_id(reservation_id);
        return unary(std::move(stub), &v1::AssistanceService::Stub::ConfirmReservation, request);
      }
      v1::ReleaseReservationRequest request;
      request.set_reservation_id(reservation_id);
      return unary(std::move(stub), &v1::AssistanceService::Stub::ReleaseReservation, request);
    }
    if (name == "PutScenario") {
      v1::PutScenarioRequest request;
      v1::Scenario& scenario = *request.mutable_scenario();
      scenario.set_id(NextId("scenario"));
      scenario.set_name("Chemische ramp");
      scenario.set_safety_region("VR10");
      v1::CapacityRequirement& requirement = *scenario.add_capacity();
      requirement.set_bed_type(v1::BED_TYPE_IC_ADULT);
      requirement.set_quantity(12);
      return unary(v1::ReportService::NewStub(channel), &v1::ReportService::Stub::PutScenario, request);
    }
    if (name == "DefineIndicator") {
      return unary(v1::ReportService::NewStub(channel), &v1::ReportService::Stub::DefineIndicator,
                   IndicatorRequest(NextId("indicator")));
    }
    if (name == "RetireIndicator") {
      v1::RetireIndicatorRequest request;
      // Only the GHOR may retire one: the others are refused before the indicator is looked up.
      request.set_indicator_id(caller.letter == 'G' ? DefineIndicatorForCase() : "bestaat-niet");
      return unary(v1::ReportService::NewStub(channel), &v1::ReportService::Stub::RetireIndicator, request);
    }
    if (name == "StartExercise") {
      v1::StartExerciseRequest request;
      request.mutable_exercise()->set_id(NextId("oef"));
      request.mutable_exercise()->set_title("Oefening");
      return unary(v1::ExerciseService::NewStub(channel), &v1::ExerciseService::Stub::StartExercise, request);
    }
    if (name == "EndExercise") {
      v1::EndExerciseRequest request;
      request.set_exercise_id(StartExerciseForCase());
      return unary(v1::ExerciseService::NewStub(channel), &v1::ExerciseService::Stub::EndExercise, request);
    }
    if (name == "PurgeExercise") {
      v1::PurgeExerciseRequest request;
      request.set_exercise_id(StartExerciseForCase());
      return unary(v1::ExerciseService::NewStub(channel), &v1::ExerciseService::Stub::PurgeExercise, request);
    }
    return nullptr;
  }

  // PublishStatus as `caller`: one message with one report acting for `target`. The stream's own status when it is
  // refused as a whole, the report's result otherwise.
  grpc::Status Publish(const Caller& caller, Target target) {
    auto stub = v1::PictureService::NewStub(ChannelOf(caller));
    auto context = Deadline();
    auto stream = stub->PublishStatus(context.get());
    v1::PublishStatusRequest request;
    *request.add_reports()->mutable_report() = MakeReport(OrganizationFor(caller, target), 5);
    stream->Write(request);
    stream->WritesDone();
    std::vector<v1::PublishResult> results;
    v1::PublishStatusResponse response;
    while (stream->Read(&response)) {
      for (const v1::PublishResult& result : response.results()) results.push_back(result);
    }
    const grpc::Status finished = stream->Finish();
    if (!finished.ok()) {
      EXPECT_TRUE(results.empty()) << caller.name;
      return finished;
    }
    EXPECT_EQ(results.size(), 1u) << caller.name;
    if (results.size() != 1) return grpc::Status(grpc::StatusCode::UNKNOWN, "no result for the report");
    if (results[0].has_written()) return grpc::Status::OK;
    return grpc::Status(static_cast<grpc::StatusCode>(results[0].error().code()), results[0].error().message());
  }

  TempDir tokens_dir_;
  std::string tokens_file_;
  TestServer server_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
  int sequence_ = 0;
  std::vector<std::string> open_tasks_;
};

std::string FullName(const google::protobuf::MethodDescriptor& method) {
  return absl::StrCat("/", method.service()->full_name(), "/", method.name());
}

// A write answers a WriteResponse, or is a stream of writes (PublishStatus answers per report).
bool IsWrite(const google::protobuf::MethodDescriptor& method) {
  const std::string& output = method.output_type()->full_name();
  return output == "ketenbeeld.v1.WriteResponse" || output == "ketenbeeld.v1.PublishStatusResponse";
}

TEST(WriteAccessClassificationTest, EveryWriteRpcHasItsRowAndEveryRowIsAWriteRpc) {
  std::set<std::string> listed;
  for (const ExpectedWrite& write : ExpectedWrites()) listed.insert(std::string(write.method));
  std::set<std::string> writes;
  for (const google::protobuf::MethodDescriptor* method : AllApiMethods()) {
    if (IsWrite(*method)) writes.insert(FullName(*method));
  }
  EXPECT_EQ(writes, listed) << "a write RPC was added or removed: give it its row in ExpectedWrites() and its case "
                               "in PrepareUnary(), as docs/security.md's matrix says";
  EXPECT_EQ(writes.size(), 23u);
}

TEST_F(WriteAccessTest, EveryWriteRpcAsEveryRoleGetsExactlyTheStatusOfTheMatrix) {
  SetUpRegion();
  int cases = 0;
  for (const ExpectedWrite& write : ExpectedWrites()) {
    const std::vector<Target> targets = write.own_organization
                                            ? std::vector<Target>{Target::kOwn, Target::kOther, Target::kNone}
                                            : std::vector<Target>{Target::kOwn};
    for (const Caller& caller : kCallers) {
      for (Target target : targets) {
        SCOPED_TRACE(absl::StrCat(write.method, " as ", caller.name,
                                  write.own_organization ? absl::StrCat(" for ", TargetName(target)) : ""));
        grpc::Status status;
        int64_t before = 0;
        if (absl::EndsWith(write.method, "/PublishStatus")) {
          before = server_.server().revision();
          status = Publish(caller, target);
        } else {
          const Call call = PrepareUnary(write.method, caller, target);
          ASSERT_TRUE(call != nullptr) << write.method << " has no case in PrepareUnary(): add one";
          before = server_.server().revision();  // After the prerequisites.
          status = call();
        }
        const grpc::StatusCode expected = Expected(write, caller, target);
        EXPECT_EQ(status.error_code(), expected) << GrpcStatusText(status);
        // A refused write changes nothing; an allowed one is committed. (Nothing else writes meanwhile: the
        // server's ticks have no fact to derive within the hours before a report or alert falls due.)
        if (expected == grpc::StatusCode::OK) {
          EXPECT_GT(server_.server().revision(), before);
        } else {
          EXPECT_EQ(server_.server().revision(), before) << "a refused write was committed";
        }
        if (expected == grpc::StatusCode::PERMISSION_DENIED) {
          // The refusal names the role and rule, or the field that names another organisation.
          EXPECT_THAT(status.error_message(), ::testing::AnyOf(HasSubstr(absl::StrCat("may not call ", write.method)),
                                                               HasSubstr("is not your organisation")));
        }
        if (expected == grpc::StatusCode::INVALID_ARGUMENT) {
          EXPECT_THAT(status.error_message(), HasSubstr("organization_id: empty"));
        }
        if (expected == grpc::StatusCode::NOT_FOUND) {
          EXPECT_THAT(status.error_message(), ::testing::AnyOf(HasSubstr("request_id: assistance request"),
                                                               HasSubstr("reservation_id: reservation")));
        }
        ++cases;
      }
    }
  }
  // 8 callers x (13 writes for no organisation + 10 own-organisation writes x own, other, none).
  EXPECT_EQ(cases, 8 * (13 + 10 * 3));
}

// The race the attack used (issue 14, 18 of 30 went through): an institution keeps cancelling the id of another
// organisation's request for help while that request is being created. Whatever the order, the cancel is refused
// (NOT_FOUND before the request exists, PERMISSION_DENIED after) and the request stays open.
TEST_F(WriteAccessTest, ACancelRacingAnotherOrganisationsNewRequestIsRefusedEveryTime) {
  SetUpRegion();
  auto victim = v1::AssistanceService::NewStub(Ghor());  // The GHOR asks on behalf of kOther.
  auto attacker = v1::AssistanceService::NewStub(ChannelOf(kCallers[0]));
  constexpr int kRounds = 30;
  constexpr int kCancelsPerRound = 20;
  for (int round = 0; round < kRounds; ++round) {
    const v1::RequestAssistanceRequest ask = MakeAssistanceRequest(NextId("race"), kOther);
    std::vector<grpc::Status> cancels;
    std::thread cancelling([&] {
      v1::CancelRequestRequest cancel;
      cancel.set_request_id(ask.request().id());
      for (int i = 0; i < kCancelsPerRound; ++i) {
        v1::WriteResponse ignored;
        cancels.push_back(attacker->CancelRequest(Deadline().get(), cancel, &ignored));
      }
    });
    v1::WriteResponse created;
    const grpc::Status status = victim->RequestAssistance(Deadline().get(), ask, &created);
    cancelling.join();
    ASSERT_TRUE(status.ok()) << GrpcStatusText(status);
    for (const grpc::Status& cancel : cancels) {
      EXPECT_TRUE(cancel.error_code() == grpc::StatusCode::NOT_FOUND ||
                  cancel.error_code() == grpc::StatusCode::PERMISSION_DENIED)
          << "round " << round << ": " << GrpcStatusText(cancel);
    }
    v1::GetRequest get;
    get.set_name(absl::StrCat("assistance-requests/", ask.request().id()));
    v1::GetResponse now;
    ASSERT_TRUE(v1::PictureService::NewStub(Ghor())->Get(Deadline().get(), get, &now).ok());
    EXPECT_EQ(now.record().assistance_request().status(), v1::ASSISTANCE_STATUS_OPEN) << "round " << round;
  }
}

}  // namespace
}  // namespace ketenbeeld::testing

namespace ketenbeeld::testing {
namespace {

// FederationService: the role never decides (server/policy/rules.h, AuthorizeUpstreamSource). This server configures
// one source, VR11, for the identity "federator-vr11", which is none of the callers: so every role, the operator and
// the GHOR included, is refused both RPCs, and nothing is written. A valid request (a heartbeat), so the identity is
// the only reason. The configured identity's OK is in federation_test.cc.
class FederationAccessTest : public WriteAccessTest {};

TEST_F(FederationAccessTest, EveryRoleThatIsNotTheSourcesConfiguredIdentityIsRefused) {
  for (const Caller& caller : kCallers) {
    SCOPED_TRACE(caller.name);
    auto stub = v1::FederationService::NewStub(ChannelOf(caller));
    const int64_t before = [&] {
      v1::ListRequest list;
      list.set_page_size(1);
      v1::ListResponse response;
      EXPECT_TRUE(v1::PictureService::NewStub(Operator())->List(Deadline().get(), list, &response).ok());
      return response.revision();
    }();
    for (const char* region : {"VR10", "VR11"}) {
      v1::ApplyUpstreamRequest request;
      request.set_source_region(region);
      request.set_first_revision(1);
      request.set_last_revision(0);
      v1::ApplyUpstreamResponse response;
      const grpc::Status status = stub->ApplyUpstream(Deadline().get(), request, &response);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << region << ": " << GrpcStatusText(status);
      EXPECT_THAT(status.error_message(), HasSubstr("source_region"));
    }
    v1::GetUpstreamCursorsResponse cursors;
    const grpc::Status read = stub->GetUpstreamCursors(Deadline().get(), v1::GetUpstreamCursorsRequest{}, &cursors);
    EXPECT_EQ(read.error_code(), grpc::StatusCode::PERMISSION_DENIED) << GrpcStatusText(read);
    v1::ListRequest list;
    list.set_page_size(1);
    v1::ListResponse after;
    ASSERT_TRUE(v1::PictureService::NewStub(Operator())->List(Deadline().get(), list, &after).ok());
    EXPECT_EQ(after.revision(), before) << "a refused call wrote something";
  }
}

}  // namespace
}  // namespace ketenbeeld::testing
