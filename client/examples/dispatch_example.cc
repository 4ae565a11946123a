// dispatch-example: how a dispatch centre (meldkamer ambulancezorg) integrates with Ketenbeeld over gRPC.
//
// The flow, in four calls (see README.md beside this file):
//   1. PictureService.Get("incidents/{id}")        does the incident exist yet?
//   2. IncidentService.OpenIncident                 no: open it at the given scale-up level and position;
//      IncidentService.UpdateIncident               yes: update level and position, compare-and-set on the revision
//                                                   just read (expected_revision), so a concurrent change by the
//                                                   GHOR is never overwritten silently (ABORTED: read again, retry).
//   3. ReportService.FindCapacity                   free beds of a type near the incident, nearest first; hospitals
//                                                   whose emergency department is on diversion (or closed) are
//                                                   skipped: ambulances should not be sent there.
//   3b. AssistanceService.ReserveBed                with --reserve: hold one bed at the nearest match for --hold-for
//                                                   (the receiving hospital confirms or releases it; unconfirmed it
//                                                   expires by itself). FAILED_PRECONDITION means another dispatcher
//                                                   took the last bed there first: the next match is tried.
//   4. PictureService.Subscribe                     the live feed, filtered to incidents, status reports and bed
//                                                   reservations,
//                                                   resumed right after the revision FindCapacity answered at, so
//                                                   no change between the query and the subscription is missed.
//      (through ketenbeeld::client::Feed, which reconnects and resumes by itself after a network failure)
//
// Exit codes: 0 done (also after following the feed for --follow-seconds), 1 the server refused or could not be
// reached, 2 a flag is wrong.
//
//   dispatch-example --server 127.0.0.1:50051 --incident brand-oostpolder --title "Brand Oostpolder"
//       --type brand --level "GRIP 2" --region VR10 --at 52.96,4.76 --bed-type burns --follow-seconds 60
// With mTLS add --ca ca.pem --cert meldkamer-vr10.pem --key meldkamer-vr10.key (or KETENBEELD_CA/CERT/KEY), with a
// token --token or KETENBEELD_TOKEN (docs/security.md, "Credentials").
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "client/cli/enum_words.h"
#include "client/cli/format.h"
#include "client/cli/status_message.h"
#include "client/cli/workflow_flags.h"
#include "client/connection.h"
#include "client/feed.h"
#include "grpcpp/client_context.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"

namespace {

namespace v1 = ::ketenbeeld::v1;
using ::ketenbeeld::cli::EnumWord;

constexpr int kExitOk = 0;
constexpr int kExitServerError = 1;
constexpr int kExitUsage = 2;

struct Options {
  std::string server = "127.0.0.1:50051";
  // TLS and credentials (client/connection.h); a dispatch centre normally has a client certificate with
  // OU=dispatch, or a token.
  ketenbeeld::client::ConnectOptions connection;
  std::string incident_id;
  std::string title;
  std::string type = "ongeval";
  std::string level = "GRIP 1";
  std::string region = "VR10";
  std::string at;  // LAT,LON
  double incident_radius_km = 1;
  std::string bed_type = "emergency-department";
  double search_radius_km = 50;
  int limit = 5;
  double follow_seconds = 30;
  // Reserve one bed at the nearest match (ReserveBed) for this long; the server's default (15 min) when empty.
  bool reserve = false;
  std::string hold_for;
  std::string reference;
  double timeout_seconds = 10;
};

// Every unary call gets a deadline: a dispatch system must never hang on a call.
void SetDeadline(grpc::ClientContext* context, const Options& options) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds * 1000)));
}

int Fail(const grpc::Status& status, const Options& options, const std::string& what) {
  std::cerr << "dispatch-example: " << what << ": " << ketenbeeld::cli::UserMessage(status, options.server) << "\n";
  return kExitServerError;
}

// Step 1 and 2: open the incident, or update it when it already exists. Returns the committed incident record.
int OpenOrUpdateIncident(const Options& options, const v1::Coordinates& center, v1::PictureService::Stub& picture,
                         v1::IncidentService::Stub& incidents, v1::Record* committed) {
  // A concurrent change between our read and our write makes the write fail; read again and retry a few times.
  for (int attempt = 1;; ++attempt) {
    v1::GetRequest get;
    get.set_name("incidents/" + options.incident_id);
    v1::GetResponse current;
    grpc::ClientContext get_context;
    SetDeadline(&get_context, options);
    const grpc::Status read = picture.Get(&get_context, get, &current);
    if (!read.ok() && read.error_code() != grpc::StatusCode::NOT_FOUND) {
      return Fail(read, options, "reading the incident");
    }
    const bool exists = read.ok();

    // The incident as we want it. On update we start from the stored record, so fields the GHOR set (affected
    // organisations, casualty estimate, area description) are kept; output-only fields are cleared.
    v1::Incident incident = exists ? current.record().incident() : v1::Incident();
    incident.clear_status();
    incident.clear_opened_at();
    incident.clear_closed_at();
    incident.set_id(options.incident_id);
    if (!options.title.empty() || !exists) incident.set_title(options.title);
    if (!exists) incident.set_type(options.type);
    incident.set_scale_up_level(options.level);
    incident.set_safety_region(options.region);
    *incident.mutable_area()->mutable_center() = center;
    incident.mutable_area()->set_radius_km(options.incident_radius_km);

    v1::WriteResponse response;
    grpc::ClientContext write_context;
    SetDeadline(&write_context, options);
    grpc::Status written;
    if (exists) {
      v1::UpdateIncidentRequest request;
      *request.mutable_incident() = incident;
      request.set_expected_revision(current.record().mod_revision());  // Compare-and-set.
      written = incidents.UpdateIncident(&write_context, request, &response);
    } else {
      v1::OpenIncidentRequest request;
      *request.mutable_incident() = incident;
      written = incidents.OpenIncident(&write_context, request, &response);
    }
    // Lost a race: someone changed the incident after our read (ABORTED), or opened it first (the server answers
    // FAILED_PRECONDITION "already exists" to an OpenIncident of an existing id).
    const bool lost_race = written.error_code() == grpc::StatusCode::ABORTED ||
                           (!exists && (written.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
                                        written.error_code() == grpc::StatusCode::ALREADY_EXISTS));
    if (lost_race && attempt < 3) continue;
    if (!written.ok()) return Fail(written, options, exists ? "updating the incident" : "opening the incident");
    std::cout << (exists ? "updated" : "opened") << " incident " << options.incident_id << " at "
              << response.record().incident().scale_up_level() << " ("
              << EnumWord(response.record().incident().status()) << ") at revision " << response.revision()
              << std::endl;
    *committed = response.record();
    return kExitOk;
  }
}

// Step 3: where are free beds of the wanted type, nearest first? Returns the revision the answer was read at.
int FindNearestCapacity(const Options& options, const v1::Coordinates& center, v1::BedType bed_type,
                        v1::ReportService::Stub& reports, int64_t* revision, std::vector<std::string>* candidates) {
  v1::FindCapacityRequest request;
  *request.mutable_near() = center;
  request.set_bed_type(bed_type);
  request.set_radius_km(options.search_radius_km);
  request.set_min_available(1);
  // Ask for more than we show: some matches may be skipped below.
  request.set_limit(options.limit * 4);
  v1::FindCapacityResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, options);
  const grpc::Status status = reports.FindCapacity(&context, request, &response);
  if (!status.ok()) return Fail(status, options, "finding capacity");
  *revision = response.revision();

  std::cout << "nearest " << EnumWord(bed_type) << " capacity within " << options.search_radius_km << " km (revision "
            << response.revision() << "):" << std::endl;
  int shown = 0;
  for (const v1::CapacityMatch& match : response.matches()) {  // The server sorts nearest first.
    // A hospital whose emergency department is on diversion (or closed) asks ambulances to go elsewhere.
    if (match.emergency_department() == v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION ||
        match.emergency_department() == v1::EMERGENCY_DEPARTMENT_STATE_CLOSED) {
      std::cout << "  skipped " << match.organization_id() << " (" << match.organization_name() << "): ED "
                << EnumWord(match.emergency_department()) << std::endl;
      continue;
    }
    if (shown == options.limit) continue;
    ++shown;
    candidates->push_back(match.organization_id());
    std::cout << "  " << shown << ". " << match.organization_id() << " (" << match.organization_name() << ", "
              << match.location_id() << ")  " << absl::StrFormat("%.1f km", match.distance_km()) << "  "
              << match.available() << " available" << std::endl;
  }
  if (shown == 0) std::cout << "  none" << std::endl;
  return kExitOk;
}

// Step 3b: hold one bed at the nearest candidate that still has one. The server decides in commit order: when
// another dispatcher reserved the last bed there a moment earlier, ours is refused (FAILED_PRECONDITION) and the next
// candidate is tried. A failure of any other kind ends the attempt.
int ReserveNearest(const Options& options, v1::BedType bed_type, const std::vector<std::string>& candidates,
                   v1::AssistanceService::Stub& assistance) {
  ketenbeeld::cli::ReserveBedFlags flags{.organization_id = "",
                                         .bed_type = std::string(ketenbeeld::cli::EnumWord(bed_type)),
                                         .hold_for = options.hold_for,
                                         .reference = options.reference,
                                         .request_id = ""};  // A fresh one per organisation tried.
  for (const std::string& organization_id : candidates) {
    flags.organization_id = organization_id;
    absl::StatusOr<v1::ReserveBedRequest> request = ketenbeeld::cli::BuildReserveBedRequest(flags);
    if (!request.ok()) {
      std::cerr << "dispatch-example: " << request.status().message() << "\n";
      return kExitUsage;
    }
    v1::WriteResponse response;
    grpc::ClientContext context;
    SetDeadline(&context, options);
    const grpc::Status status = assistance.ReserveBed(&context, *request, &response);
    if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      std::cout << "  no bed left at " << organization_id << ": " << status.error_message() << std::endl;
      continue;
    }
    if (!status.ok()) return Fail(status, options, "reserving a bed");
    const v1::BedReservation& reservation = response.record().bed_reservation();
    std::cout << "reserved " << response.record().name() << ": one " << EnumWord(bed_type) << " bed at "
              << organization_id << ", held until "
              << absl::FormatTime("%H:%M:%S", ketenbeeld::FromProtoTime(reservation.expires_at()),
                                  absl::LocalTimeZone())
              << " unless confirmed (revision " << response.revision() << ")" << std::endl;
    return kExitOk;
  }
  std::cout << "no bed could be reserved" << std::endl;
  return kExitOk;
}

// Step 4: follow the feed for a while, printing what changes.
int FollowFeed(const Options& options, const std::shared_ptr<grpc::Channel>& channel, int64_t from_revision) {
  v1::Filter filter;
  filter.add_kinds(v1::ENTITY_KIND_INCIDENT);
  filter.add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  filter.add_kinds(v1::ENTITY_KIND_BED_RESERVATION);

  ketenbeeld::client::Feed feed(channel);
  ketenbeeld::client::FeedHandler handler;
  handler.on_message = [](const v1::SubscribeResponse& message) -> absl::Status {
    // from_revision > 0: no snapshot, just synced and then the changes after it. (With 0 — an empty server — the
    // snapshot comes first; we already printed what we need, so it is only counted.)
    if (message.has_events()) {
      for (const v1::Event& event : message.events().events()) {
        std::cout << "change: " << ketenbeeld::cli::FormatEventLine(event, absl::LocalTimeZone()) << std::endl;
      }
    }
    return absl::OkStatus();
  };
  handler.on_connection = [](const ketenbeeld::client::ConnectionEvent& event) {
    if (event.type == ketenbeeld::client::ConnectionEvent::Type::kLost) {
      std::cerr << "connection lost, reconnecting: " << event.cause.error_message() << std::endl;
    } else if (event.type == ketenbeeld::client::ConnectionEvent::Type::kReconnected) {
      std::cerr << "reconnected, resuming at revision " << event.resume_revision << std::endl;
    }
  };

  std::cout << "following incidents, status reports and bed reservations for " << options.follow_seconds
            << " s after revision " << from_revision << std::endl;
  // Feed::Run blocks; a timer thread ends it with Cancel() after --follow-seconds (or sooner, if Run ends).
  absl::Notification run_ended;
  std::thread timer([&] {
    run_ended.WaitForNotificationWithTimeout(absl::Seconds(options.follow_seconds));
    feed.Cancel();
  });
  const absl::Status status = feed.Run(filter, from_revision, handler);
  run_ended.Notify();
  timer.join();
  if (status.code() == absl::StatusCode::kCancelled) {
    std::cout << "done following at revision " << feed.last_seen_revision() << std::endl;
    return kExitOk;
  }
  std::cerr << "dispatch-example: following the feed: " << ketenbeeld::cli::UserMessage(status, options.server) << "\n";
  return kExitServerError;
}

int Main(int argc, char** argv) {
  CLI::App app{"Example dispatch (meldkamer) integration: open an incident, find capacity nearby, follow changes."};
  Options options;
  app.add_option("--server", options.server, "Server address HOST:PORT")->capture_default_str();
  for (const auto& [name, value] : {std::pair<const char*, std::string*>{"KETENBEELD_CA", &options.connection.ca_file},
                                    {"KETENBEELD_CERT", &options.connection.cert_file},
                                    {"KETENBEELD_KEY", &options.connection.key_file},
                                    {"KETENBEELD_TOKEN", &options.connection.token}}) {
    if (const char* set = std::getenv(name); set != nullptr && *set != '\0') *value = set;
  }
  app.add_option("--ca", options.connection.ca_file, "TLS: CA certificate (PEM) of the server (env KETENBEELD_CA)");
  app.add_option("--cert", options.connection.cert_file, "mTLS: client certificate (PEM) (env KETENBEELD_CERT)");
  app.add_option("--key", options.connection.key_file, "mTLS: private key of --cert (PEM) (env KETENBEELD_KEY)");
  app.add_option("--token", options.connection.token, "Bearer token; prefer the env KETENBEELD_TOKEN");
  app.add_option("--server-name", options.connection.server_name,
                 "TLS: name in the server certificate, e.g. localhost");
  app.add_option("--incident", options.incident_id, "Incident id")->required();
  app.add_option("--title", options.title, "Incident title (required when the incident is new)");
  app.add_option("--type", options.type, "Kind of incident")->capture_default_str();
  app.add_option("--level", options.level, "Scale-up level (GRIP)")->capture_default_str();
  app.add_option("--region", options.region, "Safety region")->capture_default_str();
  app.add_option("--at", options.at, "Incident position LAT,LON")->required();
  app.add_option("--incident-radius-km", options.incident_radius_km, "Radius of the incident area")
      ->capture_default_str();
  app.add_option("--bed-type", options.bed_type, "Bed type to look for")->capture_default_str();
  app.add_option("--radius-km", options.search_radius_km, "Search radius")->capture_default_str();
  app.add_option("--limit", options.limit, "Show at most this many")->capture_default_str()->check(CLI::Range(1, 100));
  app.add_flag("--reserve", options.reserve, "Reserve one bed at the nearest match that still has one");
  app.add_option("--hold-for", options.hold_for,
                 "With --reserve: hold the bed this long, e.g. 15m (default: server's)");
  app.add_option("--reference", options.reference,
                 "With --reserve: a reference such as a ride number; no personal data");
  app.add_option("--follow-seconds", options.follow_seconds, "Follow the feed this long (0: do not follow)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? kExitOk : kExitUsage;
  }
  absl::StatusOr<v1::Coordinates> center = ketenbeeld::cli::ParseCoordinatesFlag("--at", options.at);
  if (!center.ok()) {
    std::cerr << "dispatch-example: " << center.status().message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<v1::BedType> bed_type = ketenbeeld::cli::ParseEnumWord<v1::BedType>(options.bed_type);
  if (!bed_type.ok()) {
    std::cerr << "dispatch-example: --bed-type: " << bed_type.status().message() << "\n";
    return kExitUsage;
  }

  // One channel for everything; it connects lazily and keeps itself alive (client/connection.h).
  absl::StatusOr<std::shared_ptr<grpc::Channel>> connected =
      ketenbeeld::client::ConnectChecked(options.server, options.connection);
  if (!connected.ok()) {
    std::cerr << "dispatch-example: " << connected.status().message() << "\n";
    return kExitUsage;
  }
  std::shared_ptr<grpc::Channel> channel = *std::move(connected);
  std::unique_ptr<v1::PictureService::Stub> picture = v1::PictureService::NewStub(channel);
  std::unique_ptr<v1::IncidentService::Stub> incidents = v1::IncidentService::NewStub(channel);
  std::unique_ptr<v1::ReportService::Stub> reports = v1::ReportService::NewStub(channel);
  std::unique_ptr<v1::AssistanceService::Stub> assistance = v1::AssistanceService::NewStub(channel);

  v1::Record incident;
  if (int code = OpenOrUpdateIncident(options, *center, *picture, *incidents, &incident); code != kExitOk) {
    return code;
  }
  int64_t revision = 0;
  std::vector<std::string> candidates;
  if (int code = FindNearestCapacity(options, *center, *bed_type, *reports, &revision, &candidates); code != kExitOk) {
    return code;
  }
  if (options.reserve) {
    if (int code = ReserveNearest(options, *bed_type, candidates, *assistance); code != kExitOk) return code;
  }
  if (options.follow_seconds <= 0) return kExitOk;
  return FollowFeed(options, channel, revision);
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
