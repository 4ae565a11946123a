#include "client/cli/workflow_commands.h"

#include <algorithm>
#include <functional>
#include <iostream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "absl/time/clock.h"
#include "base/time.h"
#include "client/cli/enum_words.h"
#include "client/cli/evaluation_format.h"
#include "client/cli/flags.h"
#include "client/cli/format.h"
#include "client/cli/messages.h"
#include "client/cli/server_clock.h"
#include "client/cli/workflow_format.h"
#include "ketenbeeld/v1/workflow_service.pb.h"

namespace ketenbeeld::cli {
namespace {

std::string IncidentName(const std::string& id) { return "incidents/" + id; }
std::string AlertName(const std::string& id) { return "alerts/" + id; }
std::string RequestName(const std::string& id) { return "assistance-requests/" + id; }

// Calls a bed reservation RPC (reservations are of the real picture: no --exercise) and prints the outcome.
template <typename Request>
int WriteReservation(Session& session,
                     grpc::Status (v1::AssistanceService::Stub::*method)(grpc::ClientContext*, const Request&,
                                                                         v1::WriteResponse*),
                     const Request& request, absl::string_view message_id) {
  if (!session.options().exercise_id.empty()) {
    return UsageError(absl::InvalidArgumentError("--exercise: bed reservations are made in the real picture only"));
  }
  grpc::ClientContext context;
  session.SetDeadline(&context);
  v1::WriteResponse response;
  const grpc::Status status = (session.assistance().*method)(&context, request, &response);
  return session.PrintWrite(status, response, message_id);
}

// `bed reserve`: the request carries a request_id (BuildReserveBedRequest), so an attempt whose answer was lost
// (UNAVAILABLE, DEADLINE_EXCEEDED) is sent again as it is, at most kReserveAttempts times: the server answers a
// repeated request_id with the reservation it made, never a second bed. When every attempt failed the user is told
// the id to repeat the command with.
int ReserveWithRetries(Session& session, const v1::ReserveBedRequest& request) {
  if (!session.options().exercise_id.empty()) {
    return UsageError(absl::InvalidArgumentError("--exercise: bed reservations are made in the real picture only"));
  }
  constexpr int kReserveAttempts = 3;
  grpc::Status status;
  v1::WriteResponse response;
  for (int attempt = 1; attempt <= kReserveAttempts; ++attempt) {
    grpc::ClientContext context;
    session.SetDeadline(&context);
    response.Clear();
    status = session.assistance().ReserveBed(&context, request, &response);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
        status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      break;
    }
    if (attempt < kReserveAttempts) absl::SleepFor(absl::Milliseconds(500) * attempt);
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    std::cerr << absl::Substitute(Text("bed.reserve.retry_hint"), request.request_id()) << "\n";
  }
  return session.PrintWrite(status, response, response.replayed() ? "write.reserved_before" : "write.reserved");
}

std::string Words(const google::protobuf::EnumDescriptor& descriptor) {
  return absl::StrJoin(EnumWords(descriptor), "|");
}

// The flags of an Area, the same for incidents and alerts (in `group`, when not empty).
void AddAreaFlags(CLI::App* command, AreaFlags* flags, const std::string& group) {
  for (CLI::Option* option :
       {command->add_option("--area", flags->area, Tr("help.incident.area")),
        command->add_option("--at", flags->at, Tr("help.incident.at")),
        command->add_option("--radius-km", flags->radius_km, Tr("help.incident.radius_km")),
        command->add_option("--polygon", flags->polygons, Tr("help.incident.polygon")),
        command->add_option("--postcode", flags->postcodes, Tr("help.incident.postcode")),
        command->add_option("--municipality", flags->municipalities, Tr("help.incident.municipality"))}) {
    if (!group.empty()) option->group(group);
  }
}

void AddIncidentFlags(CLI::App* command, IncidentFlags* flags) {
  command->add_option("--title", flags->title, Tr("help.incident.title"));
  command->add_option("--type", flags->type, Tr("help.incident.type"));
  command->add_option("--level", flags->level, Tr("help.incident.level"));
  command->add_option("--region", flags->region, Tr("help.org.register.region"));
  AddAreaFlags(command, flags, "");
  command->add_option("--affected", flags->affected, Tr("help.incident.affected"));
  const std::string casualties = Tr("group.casualties");
  command->add_option("--t1", flags->t1, Tr("help.incident.t1"))->group(casualties);
  command->add_option("--t2", flags->t2, Tr("help.incident.t2"))->group(casualties);
  command->add_option("--t3", flags->t3, Tr("help.incident.t3"))->group(casualties);
  command->add_option("--dead", flags->dead, Tr("help.incident.dead"))->group(casualties);
}

// Calls a write RPC of `stub` with the --timeout deadline.
template <typename Stub, typename Request>
int Write(Session& session, Stub& stub,
          grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, v1::WriteResponse*),
          const Request& request, absl::string_view message_id, absl::string_view party = {}) {
  grpc::ClientContext context;
  session.SetDeadline(&context);
  v1::WriteResponse response;
  const grpc::Status status = (stub.*method)(&context, session.InExercise(request), &response);
  return session.PrintWrite(status, response, message_id, party);
}

// Builds a write with `build(now)` and sends it as Write() does. A deadline given as a duration (`within`:
// --ack-within, --needed-within) counts from the server's time, read just before (Session::ReadServerTime), not
// from this machine's clock, which may be off by minutes or hours: the server decides when the deadline has passed.
// The flags are first checked against the local clock, so a mistake in them is a usage error without any call.
template <typename Stub, typename Request, typename Build>
int WriteWithDeadline(Session& session, Stub& stub,
                      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, v1::WriteResponse*),
                      v1::EntityKind kind, bool within, Build build, absl::string_view message_id) {
  absl::StatusOr<Request> request = build(absl::Now());
  if (!request.ok()) return UsageError(request.status());
  if (within) {
    absl::Time server_now;
    if (grpc::Status status = session.ReadServerTime(kind, &server_now); !status.ok()) return session.Fail(status);
    request = build(server_now);
    if (!request.ok()) return UsageError(request.status());
  }
  return Write(session, stub, method, *request, message_id);
}

// Calls a read RPC of `stub` and prints the response as JSON or with `render`.
template <typename Stub, typename Request, typename Response, typename Render>
int Read(Session& session, Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
         const Request& request, Render render) {
  grpc::ClientContext context;
  session.SetDeadline(&context);
  Response response;
  const grpc::Status status = (stub.*method)(&context, request, &response);
  if (!status.ok()) return session.Fail(status);
  if (session.options().json) {
    std::cout << ToJson(response, true) << "\n";
  } else {
    std::cout << render(response);
  }
  return kExitOk;
}

// Every record of one kind, rendered as a table by render(records, the server's time of the list) (or the
// ListResponse as JSON).
template <typename Render>
int ListKind(Session& session, v1::EntityKind kind, absl::string_view count_id,
             const std::function<bool(const v1::Record&)>& keep, Render render) {
  v1::Filter filter;
  filter.add_kinds(kind);
  v1::ListResponse all;
  grpc::Status status = session.ListAll(filter, 0, &all);
  if (!status.ok()) return session.Fail(status);
  std::vector<v1::Record> records;
  for (const v1::Record& record : all.records()) {
    if (keep == nullptr || keep(record)) records.push_back(record);
  }
  if (session.options().json) {
    v1::ListResponse kept;
    kept.set_revision(all.revision());
    *kept.mutable_server_time() = all.server_time();
    for (v1::Record& record : records) *kept.add_records() = std::move(record);
    std::cout << ToJson(kept, true) << "\n";
    return kExitOk;
  }
  std::cout << render(records, ServerNow(all)) << absl::Substitute(Text(count_id), records.size(), all.revision())
            << "\n";
  return kExitOk;
}

}  // namespace

WorkflowCommands::WorkflowCommands(CLI::App& app) {
  // ---- incident ----
  CLI::App* incident = app.add_subcommand("incident", Tr("help.incident"));
  incident->require_subcommand(1);
  incident_open_ = incident->add_subcommand("open", Tr("help.incident.open"));
  incident_open_->add_option("--id", open_flags_.id, Tr("help.incident.new_id"));
  AddIncidentFlags(incident_open_, &open_flags_);

  incident_update_ = incident->add_subcommand("update", Tr("help.incident.update"));
  incident_update_->add_option("ID", incident_id_, Tr("help.incident.id"))->required();
  AddIncidentFlags(incident_update_, &update_flags_);

  incident_close_ = incident->add_subcommand("close", Tr("help.incident.close"));
  incident_close_->add_option("ID", incident_id_, Tr("help.incident.id"))->required();

  incident_log_ = incident->add_subcommand("log", Tr("help.incident.log"));
  incident_log_->add_option("ID", entry_flags_.incident_id, Tr("help.incident.id"))->required();
  incident_log_->add_option("--layer", entry_flags_.layer, Tr("help.incident.log.layer"));
  incident_log_->add_option("--text", entry_flags_.text, Tr("help.incident.log.text"));
  incident_log_->add_option("--author", entry_flags_.author, Tr("help.incident.log.author"));

  incident_show_ = incident->add_subcommand("show", Tr("help.incident.show"));
  incident_show_->add_option("ID", incident_id_, Tr("help.incident.id"))->required();
  incident_list_ = incident->add_subcommand("list", Tr("help.incident.list"));

  // ---- alert ----
  CLI::App* alert = app.add_subcommand("alert", Tr("help.alert"));
  alert->require_subcommand(1);
  alert_send_ = alert->add_subcommand("send", Tr("help.alert.send"));
  alert_send_->add_option("--id", alert_flags_.id, Tr("help.alert.send.id"));
  alert_send_->add_option("--headline", alert_flags_.headline, Tr("help.alert.send.headline"));
  alert_send_->add_option("--description", alert_flags_.description, Tr("help.alert.send.description"));
  alert_send_->add_option("--instruction", alert_flags_.instruction, Tr("help.alert.send.instruction"));
  alert_send_->add_option("--urgency", alert_flags_.urgency, Words(*v1::Urgency_descriptor()));
  alert_send_->add_option("--severity", alert_flags_.severity, Words(*v1::AlertSeverity_descriptor()));
  alert_send_->add_option("--certainty", alert_flags_.certainty, Words(*v1::Certainty_descriptor()));
  const std::string audience = Tr("group.audience");
  alert_send_->add_option("--region", alert_flags_.regions, Tr("help.alert.send.region"))->group(audience);
  alert_send_->add_option("--sector", alert_flags_.sectors, Tr("help.alert.send.sector"))->group(audience);
  alert_send_->add_option("--kind", alert_flags_.kinds, Tr("help.alert.send.kind"))->group(audience);
  alert_send_->add_option("--org", alert_flags_.organization_ids, Tr("help.alert.send.org"))->group(audience);
  alert_send_->add_flag("--incident-area", alert_flags_.incident_area, Tr("help.alert.send.incident_area"))
      ->group(audience);
  // The alert's own area: the audience is then who has a site inside it (Audience.area).
  AddAreaFlags(alert_send_, &alert_flags_, Tr("group.alert_area"));
  alert_send_->add_option("--ack-within", alert_flags_.ack_within, Tr("help.alert.send.ack_within"));
  alert_send_->add_option("--ack-by", alert_flags_.ack_by, Tr("help.alert.send.ack_by"));
  alert_send_->add_option("--incident", alert_flags_.incident_id, Tr("help.alert.send.incident"));
  alert_send_->add_option("--ask", alert_flags_.indicator_ids, Tr("help.alert.send.ask"));

  alert_cancel_ = alert->add_subcommand("cancel", Tr("help.alert.cancel"));
  alert_cancel_->add_option("ID", alert_id_, Tr("help.alert.id"))->required();
  alert_ack_ = alert->add_subcommand("ack", Tr("help.alert.ack"));
  alert_ack_->add_option("ID", alert_id_, Tr("help.alert.id"))->required();
  alert_ack_->add_option("--org", ack_organization_, Tr("help.alert.ack.org"))->required();
  alert_ack_->add_option("--comment", ack_comment_, Tr("help.alert.ack.comment"));
  alert_status_ = alert->add_subcommand("status", Tr("help.alert.status"));
  alert_status_->add_option("ID", alert_id_, Tr("help.alert.id"))->required();
  alert_list_ = alert->add_subcommand("list", Tr("help.alert.list"));

  // ---- request ----
  CLI::App* request = app.add_subcommand("request", Tr("help.request"));
  request->require_subcommand(1);
  request_create_ = request->add_subcommand("create", Tr("help.request.create"));
  request_create_->add_option("--id", request_flags_.id, Tr("help.request.create.id"));
  request_create_->add_option("--org", request_flags_.organization_id, Tr("help.request.create.org"));
  request_create_->add_option("--type", request_flags_.type, Words(*v1::AssistanceType_descriptor()));
  request_create_->add_option("--bed-type", request_flags_.bed_type, Tr("help.request.create.bed_type"));
  request_create_->add_option(
      "--discipline", request_flags_.discipline,
      absl::Substitute(Text("help.request.create.discipline"), Words(*v1::StaffDiscipline_descriptor())));
  request_create_->add_option("--fuel", request_flags_.fuel,
                              absl::Substitute(Text("help.request.create.fuel"), Words(*v1::FuelType_descriptor())));
  request_create_->add_option("--quantity", request_flags_.quantity, Tr("help.request.create.quantity"));
  request_create_->add_option(
      "--unit", request_flags_.unit,
      absl::Substitute(Text("help.request.create.unit"), Words(*v1::QuantityUnit_descriptor())));
  request_create_->add_option(
      "--priority", request_flags_.priority,
      absl::Substitute(Text("help.request.create.priority"), Words(*v1::AssistancePriority_descriptor())));
  const std::string delivery = Tr("group.delivery");
  request_create_->add_option("--deliver-to", request_flags_.deliver_to, Tr("help.request.create.deliver_to"))
      ->group(delivery);
  request_create_
      ->add_option("--deliver-address", request_flags_.deliver_address, Tr("help.request.create.deliver_address"))
      ->group(delivery);
  request_create_->add_option("--deliver-at", request_flags_.deliver_at, Tr("help.request.create.deliver_at"))
      ->group(delivery);
  request_create_->add_option("--deliver-note", request_flags_.deliver_note, Tr("help.request.create.deliver_note"))
      ->group(delivery);
  request_create_->add_option("--needed-by", request_flags_.needed_by, Tr("help.request.create.needed_by"));
  request_create_->add_option("--needed-within", request_flags_.needed_within, Tr("help.request.create.needed_within"));
  request_create_->add_option("--incident", request_flags_.incident_id, Tr("help.request.create.incident"));
  request_create_->add_option("--description", request_flags_.description, Tr("help.request.create.description"));

  request_offer_ = request->add_subcommand("offer", Tr("help.request.offer"));
  request_offer_->add_option("ID", offer_flags_.request_id, Tr("help.request.id"))->required();
  request_offer_->add_option("--org", offer_flags_.organization_id, Tr("help.request.offer.org"));
  request_offer_->add_option("--quantity", offer_flags_.quantity, Tr("help.request.offer.quantity"));
  request_offer_->add_option("--comment", offer_flags_.comment, Tr("help.request.offer.comment"));
  request_accept_ = request->add_subcommand("accept", Tr("help.request.accept"));
  request_accept_->add_option("ID", request_id_, Tr("help.request.id"))->required();
  request_accept_->add_option("--org", accept_organization_, Tr("help.request.accept.org"))->required();
  request_accept_->add_option("--quantity", accept_quantity_, Tr("help.request.accept.quantity"));
  request_fulfil_ = request->add_subcommand("fulfil", Tr("help.request.fulfil"));
  request_fulfil_->alias("fulfill");
  request_fulfil_->add_option("ID", request_id_, Tr("help.request.id"))->required();
  request_fulfil_->add_option("--delivered", delivered_, Tr("help.request.fulfil.delivered"));
  request_cancel_ = request->add_subcommand("cancel", Tr("help.request.cancel"));
  request_cancel_->add_option("ID", request_id_, Tr("help.request.id"))->required();
  request_cancel_->add_option("--reason", cancel_reason_, Tr("help.request.cancel.reason"));
  request_show_ = request->add_subcommand("show", Tr("help.request.show"));
  request_show_->add_option("ID", request_id_, Tr("help.request.id"))->required();
  request_list_ = request->add_subcommand("list", Tr("help.request.list"));
  request_list_->add_flag("--open", only_open_requests_, Tr("help.request.list.open"));

  // ---- bed ----
  CLI::App* bed = app.add_subcommand("bed", Tr("help.bed"));
  bed->require_subcommand(1);
  bed_reserve_ = bed->add_subcommand("reserve", Tr("help.bed.reserve"));
  bed_reserve_->add_option("--organization", reserve_flags_.organization_id, Tr("help.bed.reserve.organization"));
  bed_reserve_->add_option("--bed-type", reserve_flags_.bed_type, Tr("help.bed.reserve.bed_type"));
  bed_reserve_->add_option("--hold-for", reserve_flags_.hold_for, Tr("help.bed.reserve.hold_for"));
  bed_reserve_->add_option("--reference", reserve_flags_.reference, Tr("help.bed.reserve.reference"));
  bed_reserve_->add_option("--request-id", reserve_flags_.request_id, Tr("help.bed.reserve.request_id"));
  bed_confirm_ = bed->add_subcommand("confirm", Tr("help.bed.confirm"));
  bed_confirm_->add_option("ID", reservation_id_, Tr("help.bed.id"))->required();
  bed_release_ = bed->add_subcommand("release", Tr("help.bed.release"));
  bed_release_->add_option("ID", reservation_id_, Tr("help.bed.id"))->required();
  bed_release_->add_option("--reason", release_reason_, Tr("help.bed.release.reason"));
  bed_list_ = bed->add_subcommand("list", Tr("help.bed.list"));
  bed_list_->add_flag("--held", only_held_reservations_, Tr("help.bed.list.held"));

  // ---- scenario ----
  CLI::App* scenario = app.add_subcommand("scenario", Tr("help.scenario"));
  scenario->require_subcommand(1);
  scenario_put_ = scenario->add_subcommand("put", Tr("help.scenario.put"));
  scenario_put_->add_option("--id", scenario_flags_.id, Tr("help.scenario.id"));
  scenario_put_->add_option("--name", scenario_flags_.name, Tr("help.scenario.put.name"));
  scenario_put_->add_option("--description", scenario_flags_.description, Tr("help.scenario.put.description"));
  scenario_put_->add_option("--region", scenario_flags_.region, Tr("help.org.register.region"));
  scenario_put_->add_option("--need", scenario_flags_.needs, Tr("help.scenario.put.need"));
  scenario_put_->add_option("--supply", scenario_flags_.supplies, Tr("help.scenario.put.supply"));
  scenario_put_->add_option("--file", scenario_file_, Tr("help.scenario.put.file"));
  scenario_expected_option_ = scenario_put_->add_option("--expected-revision", scenario_expected_revision_,
                                                        Tr("help.scenario.put.expected_revision"));
  scenario_gap_ = scenario->add_subcommand("gap", Tr("help.scenario.gap"));
  scenario_gap_->add_option("ID", scenario_id_, Tr("help.scenario.id"))->required();
  scenario_gap_->add_option("--region", gap_regions_, Tr("help.scenario.gap.region"));
  scenario_list_ = scenario->add_subcommand("list", Tr("help.scenario.list"));

  // ---- indicator (questionnaires) ----
  CLI::App* indicator = app.add_subcommand("indicator", Tr("help.indicator"));
  indicator->require_subcommand(1);
  indicator_define_ = indicator->add_subcommand("define", Tr("help.indicator.define"));
  indicator_define_->add_option("--id", indicator_flags_.id, Tr("help.indicator.id"));
  indicator_define_->add_option("--label-nl", indicator_flags_.label_nl, Tr("help.indicator.define.label_nl"));
  indicator_define_->add_option("--label-en", indicator_flags_.label_en, Tr("help.indicator.define.label_en"));
  indicator_define_->add_option("--type", indicator_flags_.type, Words(*v1::IndicatorType_descriptor()));
  indicator_define_->add_option("--choice", indicator_flags_.choices, Tr("help.indicator.define.choice"));
  indicator_define_->add_option("--unit", indicator_flags_.unit, Tr("help.indicator.define.unit"));
  indicator_define_->add_option("--sector", indicator_flags_.sectors, Tr("help.indicator.define.sector"));
  indicator_define_->add_option("--kind", indicator_flags_.kinds, Tr("help.indicator.define.kind"));
  indicator_define_->add_option("--org", indicator_flags_.organization_ids, Tr("help.indicator.define.org"));
  indicator_define_->add_option("--incident", indicator_flags_.incident_id, Tr("help.indicator.define.incident"));
  indicator_define_->add_option("--cadence", indicator_flags_.cadence, Tr("help.indicator.define.cadence"));
  indicator_expected_option_ = indicator_define_->add_option("--expected-revision", indicator_expected_revision_,
                                                             Tr("help.scenario.put.expected_revision"));
  indicator_retire_ = indicator->add_subcommand("retire", Tr("help.indicator.retire"));
  indicator_retire_->add_option("ID", indicator_id_, Tr("help.indicator.id"))->required();
  indicator_list_ = indicator->add_subcommand("list", Tr("help.indicator.list"));
  indicator_list_->add_flag("--all", all_indicators_, Tr("help.indicator.list.all"));

  // ---- report, capacity ----
  CLI::App* report = app.add_subcommand("report", Tr("help.report"));
  report->require_subcommand(1);
  report_indicators_ = report->add_subcommand("indicators", Tr("help.report.indicators"));
  report_indicators_->add_option("--indicator", overview_indicators_, Tr("help.report.indicators.indicator"));
  report_indicators_->add_option("--incident", overview_incident_, Tr("help.report.indicators.incident"));
  report_capacity_ = report->add_subcommand("capacity", Tr("help.report.capacity"));
  report_capacity_->add_option("--region", overview_flags_.regions, Tr("help.filter.region"));
  report_capacity_->add_option("--sector", overview_flags_.sectors, Tr("help.filter.sector"));
  report_capacity_->add_option("--bed-type", overview_flags_.bed_types, Tr("help.report.capacity.bed_type"));
  report_summary_ = report->add_subcommand("summary", Tr("help.report.summary"));
  report_continuity_ = report->add_subcommand("continuity", Tr("help.report.continuity"));
  report_continuity_->add_option("--region", continuity_flags_.regions, Tr("help.filter.region"));
  report_continuity_->add_option("--horizon", continuity_flags_.horizon, Tr("help.report.continuity.horizon"));
  report_continuity_->add_option("--limit", continuity_flags_.limit, Tr("help.report.continuity.limit"));
  report_evaluation_ = report->add_subcommand("evaluation", Tr("help.report.evaluation"));
  report_evaluation_->add_option("--incident", evaluation_incident_, Tr("help.report.evaluation.incident"))->required();
  report_evaluation_->add_option("--scenario", evaluation_scenarios_, Tr("help.report.evaluation.scenario"));
  report_evaluation_->add_option("--format", evaluation_format_, Tr("help.report.evaluation.format"))
      ->check(CLI::IsMember({"markdown", "csv"}))
      ->capture_default_str();
  report_brief_ = report->add_subcommand("brief", Tr("help.report.brief"));
  report_brief_->add_option("--incident", brief_incident_, Tr("help.report.evaluation.incident"))->required();
  report_brief_->add_option("--at", brief_at_, Tr("help.report.brief.at"));
  report_brief_->add_option("--revision", brief_revision_, Tr("help.report.brief.revision"));
  report_brief_->add_option("--audience", brief_audience_, Tr("help.report.brief.audience"))
      ->check(CLI::IsMember({"bestuur", "roaz"}))
      ->capture_default_str();
  report_brief_->add_option("--lang", brief_language_, Tr("help.report.brief.lang"))
      ->check(CLI::IsMember({"nl", "en"}))
      ->capture_default_str();

  CLI::App* capacity = app.add_subcommand("capacity", Tr("help.capacity"));
  capacity->require_subcommand(1);
  capacity_near_ = capacity->add_subcommand("near", Tr("help.capacity.near"));
  capacity_near_->add_option("NEAR", find_flags_.near, Tr("help.capacity.near.point"))
      ->type_name("LAT,LON")
      ->required();
  capacity_near_->add_option("--bed-type", find_flags_.bed_type, Tr("help.capacity.near.bed_type"));
  capacity_near_->add_option("--radius-km", find_flags_.radius_km, Tr("help.capacity.near.radius_km"));
  capacity_near_->add_option("--min", find_flags_.min_available, Tr("help.capacity.near.min"));
  capacity_near_->add_option("--limit", find_flags_.limit, Tr("help.capacity.near.limit"));
  capacity_near_->add_option("--max-age", find_flags_.max_age, Tr("help.capacity.near.max_age"));
  capacity_near_->add_option("--region", find_flags_.regions, Tr("help.filter.region"));
}

std::optional<int> WorkflowCommands::Run(Session& session) {
  // Ages are measured against the server's time of each answer (server_clock.h), deadlines given as a duration
  // against the server's time read before the write (WriteWithDeadline).
  const absl::TimeZone zone = absl::LocalTimeZone();

  // ---- incident ----
  if (incident_open_->parsed()) {
    absl::StatusOr<v1::OpenIncidentRequest> request = BuildOpenIncidentRequest(open_flags_);
    if (!request.ok()) return UsageError(request.status());
    return Write(session, session.incidents(), &v1::IncidentService::Stub::OpenIncident, *request, "write.opened");
  }
  if (incident_update_->parsed() || incident_close_->parsed()) {
    // Read-modify-write: the record as read, with the flags over it, sent with its mod_revision as the expected
    // revision, so a change someone made in between is refused (ABORTED) rather than silently overwritten.
    v1::GetResponse current;
    if (grpc::Status status = session.Get(IncidentName(incident_id_), &current); !status.ok()) {
      return session.Fail(status);
    }
    absl::StatusOr<v1::UpdateIncidentRequest> request =
        incident_close_->parsed() ? BuildCloseIncidentRequest(current.record())
                                  : BuildUpdateIncidentRequest(update_flags_, current.record());
    if (!request.ok()) return UsageError(request.status());
    return Write(session, session.incidents(), &v1::IncidentService::Stub::UpdateIncident, *request,
                 incident_close_->parsed() ? "write.closed" : "write.updated");
  }
  if (incident_log_->parsed()) {
    absl::StatusOr<v1::AddSituationEntryRequest> request = BuildSituationEntryRequest(entry_flags_);
    if (!request.ok()) return UsageError(request.status());
    return Write(session, session.incidents(), &v1::IncidentService::Stub::AddSituationEntry, *request, "write.logged");
  }
  if (incident_show_->parsed()) {
    v1::GetResponse incident;
    grpc::Status status = session.Get(IncidentName(incident_id_), &incident);
    if (!status.ok()) return session.Fail(status);
    // The log read at the incident's revision: one consistent picture.
    v1::Filter filter;
    filter.add_kinds(v1::ENTITY_KIND_SITUATION_ENTRY);
    v1::ListResponse entries;
    status = session.ListAll(filter, incident.revision(), &entries);
    if (!status.ok()) return session.Fail(status);
    std::vector<v1::Record> own;
    for (const v1::Record& entry : entries.records()) {
      if (entry.situation_entry().incident_id() == incident_id_) own.push_back(entry);
    }
    std::sort(own.begin(), own.end(), [](const v1::Record& a, const v1::Record& b) {
      return a.situation_entry().sequence() < b.situation_entry().sequence();
    });
    if (session.options().json) {
      // The incident first, then its entries in sequence order.
      v1::ListResponse out;
      out.set_revision(incident.revision());
      *out.add_records() = incident.record();
      for (v1::Record& entry : own) *out.add_records() = std::move(entry);
      std::cout << ToJson(out, true) << "\n";
      return kExitOk;
    }
    std::cout << RenderIncident(incident.record(), own, zone, ServerNow(incident))
              << absl::Substitute(Text("read.at_revision"), incident.revision()) << "\n";
    return kExitOk;
  }
  if (incident_list_->parsed()) {
    return ListKind(
        session, v1::ENTITY_KIND_INCIDENT, "list.incidents", nullptr,
        [](const std::vector<v1::Record>& records, absl::Time now) { return RenderIncidentTable(records, now); });
  }

  // ---- alert ----
  if (alert_send_->parsed()) {
    return WriteWithDeadline(
        session, session.alerts(), &v1::AlertService::Stub::SendAlert, v1::ENTITY_KIND_ALERT,
        !alert_flags_.ack_within.empty(), [&](absl::Time now) { return BuildSendAlertRequest(alert_flags_, now); },
        "write.sent");
  }
  if (alert_cancel_->parsed()) {
    v1::GetResponse current;
    if (grpc::Status status = session.Get(AlertName(alert_id_), &current); !status.ok()) return session.Fail(status);
    absl::StatusOr<v1::SendAlertRequest> request = BuildCancelAlertRequest(current.record());
    if (!request.ok()) return UsageError(request.status());
    return Write(session, session.alerts(), &v1::AlertService::Stub::SendAlert, *request, "write.cancelled");
  }
  if (alert_ack_->parsed()) {
    v1::AcknowledgeAlertRequest request;
    request.set_alert_id(alert_id_);
    request.set_organization_id(ack_organization_);
    request.set_comment(ack_comment_);
    return Write(session, session.alerts(), &v1::AlertService::Stub::AcknowledgeAlert, request, "write.acknowledged");
  }
  if (alert_status_->parsed()) {
    v1::GetAlertAcknowledgementsRequest request;
    request.set_alert_id(alert_id_);
    request.set_exercise_id(session.options().exercise_id);
    return Read(session, session.alerts(), &v1::AlertService::Stub::GetAlertAcknowledgements, request,
                [&](const v1::AlertAcknowledgements& response) {
                  return RenderAlertAcknowledgements(response, zone, ServerNow(response));
                });
  }
  if (alert_list_->parsed()) {
    return ListKind(
        session, v1::ENTITY_KIND_ALERT, "list.alerts", nullptr,
        [](const std::vector<v1::Record>& records, absl::Time now) { return RenderAlertTable(records, now); });
  }

  // ---- request ----
  if (request_create_->parsed()) {
    return WriteWithDeadline(
        session, session.assistance(), &v1::AssistanceService::Stub::RequestAssistance,
        v1::ENTITY_KIND_ASSISTANCE_REQUEST, !request_flags_.needed_within.empty(),
        [&](absl::Time now) { return BuildRequestAssistanceRequest(request_flags_, now); }, "write.requested");
  }
  if (request_offer_->parsed()) {
    absl::StatusOr<v1::OfferAssistanceRequest> request = BuildOfferAssistanceRequest(offer_flags_);
    if (!request.ok()) return UsageError(request.status());
    return Write(session, session.assistance(), &v1::AssistanceService::Stub::OfferAssistance, *request,
                 "write.offered");
  }
  if (request_accept_->parsed()) {
    absl::StatusOr<v1::AcceptOfferRequest> request =
        BuildAcceptOfferRequest(request_id_, accept_organization_, accept_quantity_);
    if (!request.ok()) return UsageError(request.status());
    return Write(session, session.assistance(), &v1::AssistanceService::Stub::AcceptOffer, *request, "write.accepted",
                 accept_organization_);
  }
  if (request_fulfil_->parsed()) {
    absl::StatusOr<v1::FulfillRequestRequest> request = BuildFulfillRequestRequest(request_id_, delivered_);
    if (!request.ok()) return UsageError(request.status());
    return Write(session, session.assistance(), &v1::AssistanceService::Stub::FulfillRequest, *request,
                 "write.fulfilled");
  }
  if (request_cancel_->parsed()) {
    v1::CancelRequestRequest request;
    request.set_request_id(request_id_);
    request.set_reason(cancel_reason_);
    return Write(session, session.assistance(), &v1::AssistanceService::Stub::CancelRequest, request,
                 "write.cancelled");
  }
  if (request_show_->parsed()) {
    v1::GetResponse response;
    grpc::Status status = session.Get(RequestName(request_id_), &response);
    if (!status.ok()) return session.Fail(status);
    if (session.options().json) {
      std::cout << ToJson(response, true) << "\n";
    } else {
      std::cout << RenderRequest(response.record(), zone, ServerNow(response))
                << absl::Substitute(Text("read.at_revision"), response.revision()) << "\n";
    }
    return kExitOk;
  }
  if (request_list_->parsed()) {
    std::function<bool(const v1::Record&)> keep = nullptr;
    if (only_open_requests_) {
      keep = [](const v1::Record& record) {
        const v1::AssistanceStatus status = record.assistance_request().status();
        return status != v1::ASSISTANCE_STATUS_FULFILLED && status != v1::ASSISTANCE_STATUS_CANCELLED;
      };
    }
    return ListKind(
        session, v1::ENTITY_KIND_ASSISTANCE_REQUEST, "list.requests", keep,
        [](const std::vector<v1::Record>& records, absl::Time now) { return RenderRequestTable(records, now); });
  }

  // ---- bed ----
  if (bed_reserve_->parsed()) {
    absl::StatusOr<v1::ReserveBedRequest> request = BuildReserveBedRequest(reserve_flags_);
    if (!request.ok()) return UsageError(request.status());
    return ReserveWithRetries(session, *request);
  }
  if (bed_confirm_->parsed()) {
    v1::ConfirmReservationRequest request;
    request.set_reservation_id(reservation_id_);
    return WriteReservation(session, &v1::AssistanceService::Stub::ConfirmReservation, request, "write.confirmed");
  }
  if (bed_release_->parsed()) {
    v1::ReleaseReservationRequest request;
    request.set_reservation_id(reservation_id_);
    request.set_reason(release_reason_);
    return WriteReservation(session, &v1::AssistanceService::Stub::ReleaseReservation, request, "write.released");
  }
  if (bed_list_->parsed()) {
    std::function<bool(const v1::Record&)> keep = nullptr;
    if (only_held_reservations_) {
      keep = [](const v1::Record& record) { return record.bed_reservation().state() == v1::RESERVATION_STATE_HELD; };
    }
    return ListKind(
        session, v1::ENTITY_KIND_BED_RESERVATION, "list.reservations", keep,
        [](const std::vector<v1::Record>& records, absl::Time now) { return RenderReservationTable(records, now); });
  }

  // ---- scenario ----
  if (scenario_put_->parsed()) {
    v1::Scenario base;
    if (!scenario_file_.empty()) {
      if (absl::Status loaded = LoadMessageFromFile(scenario_file_, &base); !loaded.ok()) return UsageError(loaded);
    }
    absl::StatusOr<v1::PutScenarioRequest> request = BuildPutScenarioRequest(scenario_flags_, std::move(base));
    if (!request.ok()) return UsageError(request.status());
    if (scenario_expected_option_->count() > 0) request->set_expected_revision(scenario_expected_revision_);
    return Write(session, session.reports(), &v1::ReportService::Stub::PutScenario, *request, "write.put");
  }
  if (scenario_gap_->parsed()) {
    v1::GetGapReportRequest request;
    request.set_scenario_id(scenario_id_);
    for (const std::string& region : gap_regions_) request.add_safety_regions(region);
    return Read(session, session.reports(), &v1::ReportService::Stub::GetGapReport, request,
                [&](const v1::GapReport& report) { return RenderGapReport(report, zone); });
  }
  if (scenario_list_->parsed()) {
    return ListKind(session, v1::ENTITY_KIND_SCENARIO, "list.scenarios", nullptr,
                    [](const std::vector<v1::Record>& records, absl::Time) { return RenderScenarioTable(records); });
  }

  // ---- indicator (questionnaires) ----
  const bool dutch = CurrentLanguage() == Language::kDutch;
  if (indicator_define_->parsed()) {
    absl::StatusOr<v1::DefineIndicatorRequest> request = BuildDefineIndicatorRequest(indicator_flags_);
    if (!request.ok()) return UsageError(request.status());
    if (indicator_expected_option_->count() > 0) request->set_expected_revision(indicator_expected_revision_);
    return Write(session, session.reports(), &v1::ReportService::Stub::DefineIndicator, *request, "write.defined");
  }
  if (indicator_retire_->parsed()) {
    v1::RetireIndicatorRequest request;
    request.set_indicator_id(indicator_id_);
    return Write(session, session.reports(), &v1::ReportService::Stub::RetireIndicator, request, "write.retired");
  }
  if (indicator_list_->parsed()) {
    std::function<bool(const v1::Record&)> keep = nullptr;
    if (!all_indicators_) keep = [](const v1::Record& record) { return !record.indicator().retired(); };
    return ListKind(
        session, v1::ENTITY_KIND_INDICATOR, "list.indicators", keep,
        [dutch](const std::vector<v1::Record>& records, absl::Time) { return RenderIndicatorTable(records, dutch); });
  }
  if (report_indicators_->parsed()) {
    v1::GetIndicatorOverviewRequest request;
    for (const std::string& id : overview_indicators_) request.add_indicator_ids(id);
    request.set_incident_id(overview_incident_);
    return Read(session, session.reports(), &v1::ReportService::Stub::GetIndicatorOverview, request,
                [&](const v1::IndicatorOverview& overview) { return RenderIndicatorOverview(overview, zone, dutch); });
  }

  // ---- report, capacity ----
  if (report_capacity_->parsed()) {
    absl::StatusOr<v1::GetCapacityOverviewRequest> request = BuildCapacityOverviewRequest(overview_flags_);
    if (!request.ok()) return UsageError(request.status());
    return Read(
        session, session.reports(), &v1::ReportService::Stub::GetCapacityOverview, *request,
        [&](const v1::CapacityOverview& overview) { return RenderCapacityOverview(overview, ServerNow(overview)); });
  }
  if (report_summary_->parsed()) {
    return Read(session, session.reports(), &v1::ReportService::Stub::GetOperationalSummary,
                session.InExercise(v1::GetOperationalSummaryRequest()), [&](const v1::OperationalSummary& summary) {
                  return RenderOperationalSummary(summary, ServerNow(summary));
                });
  }
  if (report_continuity_->parsed()) {
    absl::StatusOr<v1::GetContinuityTimelineRequest> request = BuildContinuityTimelineRequest(continuity_flags_);
    if (!request.ok()) return UsageError(request.status());
    return Read(session, session.reports(), &v1::ReportService::Stub::GetContinuityTimeline, *request,
                [&](const v1::ContinuityTimeline& timeline) { return RenderContinuityTimeline(timeline, zone); });
  }
  if (report_evaluation_->parsed()) {
    v1::GetEvaluationRequest request;
    request.set_incident_id(evaluation_incident_);
    request.set_exercise_id(session.options().exercise_id);
    for (const std::string& scenario : evaluation_scenarios_) request.add_scenario_ids(scenario);
    return Read(session, session.reports(), &v1::ReportService::Stub::GetEvaluation, request,
                [&](const v1::Evaluation& evaluation) {
                  return evaluation_format_ == "csv" ? RenderEvaluationCsv(evaluation)
                                                     : RenderEvaluationMarkdown(evaluation);
                });
  }
  if (report_brief_->parsed()) {
    v1::GetSituationReportRequest request;
    request.set_incident_id(brief_incident_);
    request.set_exercise_id(session.options().exercise_id);
    if (!brief_at_.empty()) {
      if (brief_revision_ != 0) return UsageError(absl::InvalidArgumentError("--at and --revision: give one of them"));
      absl::StatusOr<absl::Time> at = ParseTimeFlag("--at", brief_at_);
      if (!at.ok()) return UsageError(at.status());
      *request.mutable_at_time() = ToProtoTime(*at);
    }
    request.set_revision(brief_revision_);
    request.set_audience(brief_audience_ == "roaz" ? v1::BRIEF_AUDIENCE_ROAZ : v1::BRIEF_AUDIENCE_BESTUUR);
    request.set_language(brief_language_);
    // The server renders the brief (the same Markdown over HTTP); the CLI prints it as it is.
    return Read(session, session.reports(), &v1::ReportService::Stub::GetSituationReport, request,
                [](const v1::SituationReport& report) { return report.markdown(); });
  }
  if (capacity_near_->parsed()) {
    absl::StatusOr<v1::FindCapacityRequest> request = BuildFindCapacityRequest(find_flags_);
    if (!request.ok()) return UsageError(request.status());
    return Read(
        session, session.reports(), &v1::ReportService::Stub::FindCapacity, *request,
        [&](const v1::FindCapacityResponse& response) { return RenderCapacityMatches(response, ServerNow(response)); });
  }
  return std::nullopt;
}

}  // namespace ketenbeeld::cli
