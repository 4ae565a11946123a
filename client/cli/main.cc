// ketenbeeld: the command-line client of the shared picture of the care chain.
//
// A thin layer over ketenbeeld_client: flags (CLI11) -> request -> call -> rendering. Exit codes: 0 ok, 1 the
// server (or the connection) failed, message on stderr; 2 usage error (a flag or its value).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "client/cli/admin_commands.h"
#include "client/cli/enum_words.h"
#include "client/cli/flags.h"
#include "client/cli/format.h"
#include "client/cli/session.h"
#include "client/cli/status_message.h"
#include "client/cli/workflow_commands.h"
#include "client/connection.h"
#include "client/feed.h"
#include "client/publisher.h"
#include "client/replica.h"
#include "grpcpp/client_context.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"

namespace ketenbeeld::cli {
namespace {

void AddFilterFlags(CLI::App* command, FilterFlags* flags) {
  command->add_option("--org", flags->organization_ids, "Only this organisation (repeatable)")->group("Filters");
  command->add_option("--region", flags->regions, "Only this safety region, e.g. VR10 (repeatable)")->group("Filters");
  command->add_option("--sector", flags->sectors, "acute-care|long-term-care|other (repeatable)")->group("Filters");
  command
      ->add_option("--kind", flags->kinds,
                   absl::StrCat(absl::StrJoin(EnumWords(*v1::EntityKind_descriptor()), "|"), " (repeatable)"))
      ->group("Filters");
  command->add_option("--disruption", flags->disruptions, "Status reports with this disruption (repeatable)")
      ->group("Filters");
  command->add_option("--min-severity", flags->min_severity, "none|minor|major|critical")->group("Filters");
}

// ---- org ----

int RegisterOrganization(Session& session, const OrganizationFlags& flags, const std::string& file,
                         const CLI::Option* expected_revision_option, int64_t expected_revision) {
  v1::RegisterOrganizationRequest request;
  v1::Organization* organization = request.mutable_organization();
  if (!file.empty()) {
    if (absl::Status loaded = LoadMessageFromFile(file, organization); !loaded.ok()) return UsageError(loaded);
  }
  if (absl::Status applied = ApplyOrganizationFlags(flags, organization); !applied.ok()) return UsageError(applied);
  if (organization->id().empty()) return UsageError(absl::InvalidArgumentError("--id is required (or id in --file)"));
  if (organization->name().empty()) {
    return UsageError(absl::InvalidArgumentError("--name is required (or name in --file)"));
  }
  if (organization->kind() == v1::ORGANIZATION_KIND_UNSPECIFIED) {
    return UsageError(absl::InvalidArgumentError("--kind is required (or kind in --file)"));
  }
  if (organization->safety_region().empty()) {
    return UsageError(absl::InvalidArgumentError("--region is required (or safety_region in --file)"));
  }
  if (expected_revision_option->count() > 0) request.set_expected_revision(expected_revision);

  grpc::ClientContext context;
  session.SetDeadline(&context);
  v1::WriteResponse response;
  return session.PrintWrite(session.stub().RegisterOrganization(&context, request, &response), response, "registered");
}

int ShowOrganization(Session& session, const std::string& id) {
  v1::Filter filter;
  filter.add_organization_ids(id);
  v1::ListResponse all;
  grpc::Status status = session.ListAll(filter, 0, &all);
  if (!status.ok()) return session.Fail(status);
  if (all.records().empty()) {
    return session.Fail(grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("organisation \"", id, "\"")));
  }
  if (session.options().json) {
    std::cout << ToJson(all, true) << "\n";
    return kExitOk;
  }
  for (const v1::Record& record : all.records()) std::cout << DescribeRecord(record, absl::LocalTimeZone()) << "\n";
  std::cout << "read at revision " << all.revision() << "\n";
  return kExitOk;
}

int ListOrganizations(Session& session, const FilterFlags& flags) {
  absl::StatusOr<v1::Filter> filter = BuildFilter(flags);
  if (!filter.ok()) return UsageError(filter.status());
  filter->clear_kinds();
  filter->add_kinds(v1::ENTITY_KIND_ORGANIZATION);
  v1::ListResponse all;
  grpc::Status status = session.ListAll(*filter, 0, &all);
  if (!status.ok()) return session.Fail(status);
  if (session.options().json) {
    std::cout << ToJson(all, true) << "\n";
    return kExitOk;
  }
  TextTable table({"ID", "NAME", "KIND", "SECTOR", "REGION", "ROAZ", "LOCATIONS", "CONTACT"});
  table.AlignRight(6);
  for (const v1::Record& record : all.records()) {
    const v1::Organization& organization = record.organization();
    std::string contact = organization.contact().name();
    if (!organization.contact().phone().empty()) {
      contact = contact.empty() ? organization.contact().phone() : contact + " " + organization.contact().phone();
    }
    table.AddRow({organization.id(), organization.name(), EnumWord(organization.kind()),
                  EnumWord(organization.sector()), organization.safety_region(),
                  organization.roaz_region().empty() ? std::string(kNotReported) : organization.roaz_region(),
                  absl::StrCat(organization.locations_size()), contact.empty() ? std::string(kNotReported) : contact});
  }
  std::cout << table.Render() << all.records_size() << " organisations at revision " << all.revision() << "\n";
  return kExitOk;
}

// ---- status ----

int ReportStatus(Session& session, const StatusReportFlags& flags, const std::string& file,
                 const CLI::Option* expected_revision_option, int64_t expected_revision) {
  v1::ReportStatusRequest request;
  v1::StatusReport* report = request.mutable_report();
  if (!file.empty()) {
    if (absl::Status loaded = LoadMessageFromFile(file, report); !loaded.ok()) return UsageError(loaded);
  }
  if (absl::Status applied = ApplyStatusReportFlags(flags, report); !applied.ok()) return UsageError(applied);
  if (report->organization_id().empty()) {
    return UsageError(absl::InvalidArgumentError("--org is required (or organization_id in --file)"));
  }
  if (report->overall_status() == v1::OVERALL_STATUS_UNSPECIFIED) {
    return UsageError(absl::InvalidArgumentError(
        "--overall is required: normal|strained|critical|closed|unknown (or overall_status in --file)"));
  }
  if (expected_revision_option->count() > 0) request.set_expected_revision(expected_revision);

  grpc::ClientContext context;
  session.SetDeadline(&context);
  v1::WriteResponse response;
  return session.PrintWrite(session.stub().ReportStatus(&context, request, &response), response, "reported");
}

// Publishes every report of a PublishStatusRequest file over one PublishStatus stream (client::StatusPublisher),
// prints the failures, one line each, and a summary. Exit: OK when every report was written.
int ImportStatus(Session& session, const std::string& file) {
  v1::PublishStatusRequest batch;
  if (absl::Status loaded = LoadMessageFromFile(file, &batch); !loaded.ok()) return UsageError(loaded);
  if (batch.reports().empty()) return UsageError(absl::InvalidArgumentError(file + ": no reports"));
  struct Outcome {
    bool Complete() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return done == total; }
    absl::Mutex mu;
    int total = 0;
    int done ABSL_GUARDED_BY(mu) = 0;
    int written ABSL_GUARDED_BY(mu) = 0;
    int64_t last_revision ABSL_GUARDED_BY(mu) = 0;
    std::vector<std::string> failures ABSL_GUARDED_BY(mu);
  } outcome;
  outcome.total = batch.reports_size();
  {
    client::StatusPublisher publisher(session.channel());
    for (int i = 0; i < batch.reports_size(); ++i) {
      const std::string organization = batch.reports(i).report().organization_id();
      publisher.Publish(batch.reports(i), [&outcome, i, organization](absl::StatusOr<v1::WriteResponse> result) {
        absl::MutexLock lock(&outcome.mu);
        ++outcome.done;
        if (result.ok()) {
          ++outcome.written;
          outcome.last_revision = std::max(outcome.last_revision, result->revision());
        } else {
          outcome.failures.push_back(absl::StrCat("report ", i + 1, " (", organization,
                                                  "): ", absl::StatusCodeToString(result.status().code()), " ",
                                                  result.status().message()));
        }
      });
    }
    // Bounded: the publisher fails every waiting report when its stream breaks.
    absl::MutexLock lock(&outcome.mu);
    outcome.mu.Await(absl::Condition(&outcome, &Outcome::Complete));
  }
  absl::MutexLock lock(&outcome.mu);
  for (const std::string& failure : outcome.failures) std::cerr << "ketenbeeld: " << failure << "\n";
  std::cout << outcome.written << " of " << batch.reports_size() << " reports written";
  if (outcome.written > 0) std::cout << ", last at revision " << outcome.last_revision;
  std::cout << "\n";
  return outcome.failures.empty() ? kExitOk : kExitServerError;
}

// ---- reads ----

int ShowPicture(Session& session, const FilterFlags& flags) {
  absl::StatusOr<v1::Filter> filter = BuildFilter(flags);
  if (!filter.ok()) return UsageError(filter.status());
  if (filter->kinds().empty()) {
    // The picture table shows organisations and their reports; incidents, alerts and the rest have their own.
    filter->add_kinds(v1::ENTITY_KIND_ORGANIZATION);
    filter->add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  }
  v1::ListResponse all;
  grpc::Status status = session.ListAll(*filter, 0, &all);
  if (!status.ok()) return session.Fail(status);
  if (session.options().json) {
    std::cout << ToJson(all, true) << "\n";
    return kExitOk;
  }
  const std::vector<v1::Record> records(all.records().begin(), all.records().end());
  std::cout << RenderPictureTable(records, absl::Now()) << "picture at revision " << all.revision()
            << " (— = not reported)\n";
  return kExitOk;
}

int GetRecord(Session& session, const std::string& name, int64_t revision) {
  v1::GetRequest request;
  request.set_name(name);
  request.set_revision(revision);
  grpc::ClientContext context;
  session.SetDeadline(&context);
  v1::GetResponse response;
  grpc::Status status = session.stub().Get(&context, request, &response);
  if (!status.ok()) return session.Fail(status);
  if (session.options().json) {
    std::cout << ToJson(response, true) << "\n";
  } else {
    std::cout << DescribeRecord(response.record(), absl::LocalTimeZone()) << "read at revision " << response.revision()
              << "\n";
  }
  return kExitOk;
}

int ListRecords(Session& session, const FilterFlags& flags, int64_t revision) {
  absl::StatusOr<v1::Filter> filter = BuildFilter(flags);
  if (!filter.ok()) return UsageError(filter.status());
  v1::ListResponse all;
  grpc::Status status = session.ListAll(*filter, revision, &all);
  if (!status.ok()) return session.Fail(status);
  if (session.options().json) {
    std::cout << ToJson(all, true) << "\n";
    return kExitOk;
  }
  TextTable table({"NAME", "KIND", "REV", "UPDATED", "SUMMARY"});
  table.AlignRight(2);
  const absl::Time now = absl::Now();
  for (const v1::Record& record : all.records()) {
    table.AddRow({record.name(), EnumWord(record.kind()), absl::StrCat(record.mod_revision()),
                  record.has_update_time() ? FormatAge(FromProtoTime(record.update_time()), now) + " ago"
                                           : std::string(kNotReported),
                  RecordSummary(record)});
  }
  std::cout << table.Render() << all.records_size() << " records at revision " << all.revision() << "\n";
  return kExitOk;
}

struct HistoryFlags {
  int64_t from_revision = 0;
  int64_t to_revision = 0;
  std::string since;
  std::string until;
  int32_t page_size = 0;
};

int ShowHistory(Session& session, const HistoryFlags& history, const FilterFlags& flags) {
  absl::StatusOr<v1::Filter> filter = BuildFilter(flags);
  if (!filter.ok()) return UsageError(filter.status());
  v1::HistoryRequest request;
  *request.mutable_filter() = *filter;
  request.set_from_revision(history.from_revision);
  request.set_to_revision(history.to_revision);
  request.set_page_size(history.page_size);
  if (!history.since.empty()) {
    absl::StatusOr<absl::Time> since = ParseTimeFlag("--since", history.since);
    if (!since.ok()) return UsageError(since.status());
    *request.mutable_from_time() = ToProtoTime(*since);
  }
  if (!history.until.empty()) {
    absl::StatusOr<absl::Time> until = ParseTimeFlag("--until", history.until);
    if (!until.ok()) return UsageError(until.status());
    *request.mutable_to_time() = ToProtoTime(*until);
  }
  int64_t count = 0;
  int64_t latest = 0;
  while (true) {
    grpc::ClientContext context;
    session.SetDeadline(&context);
    v1::HistoryResponse page;
    grpc::Status status = session.stub().History(&context, request, &page);
    if (!status.ok()) return session.Fail(status);
    latest = page.revision();
    for (const v1::Event& event : page.events()) {
      std::cout << (session.options().json ? ToJson(event) : FormatEventLine(event, absl::LocalTimeZone())) << "\n";
      ++count;
    }
    // Stop when done, and also if a page would not move forward (never loop on a confused server).
    if (page.next_from_revision() == 0 || page.next_from_revision() <= request.from_revision()) break;
    request.set_from_revision(page.next_from_revision());
  }
  if (!session.options().json) std::cout << count << " events (latest revision " << latest << ")\n";
  return kExitOk;
}

// ---- watch ----

std::string ClockTime(absl::Time time) { return absl::FormatTime("%H:%M:%S", time, absl::LocalTimeZone()); }

// `watch --table` on a terminal: the picture as a table, redrawn in place on every change (for a meldkamer screen
// without a browser), with a status line saying whether it is live.
class LiveTable {
 public:
  explicit LiveTable(std::string server) : server_(std::move(server)) {}

  void Changed(absl::Time when) { last_change_ = when; }
  void Lost(absl::Time since) { lost_since_ = since; }
  void Reconnected() { lost_since_.reset(); }

  void Draw(const client::Replica& replica) const {
    if (!replica.is_synced()) return;
    std::vector<v1::Record> records;
    for (const auto& [name, record] : replica.records()) records.push_back(record);
    const absl::Time now = absl::Now();
    std::string status =
        lost_since_.has_value() ? absl::StrCat("RECONNECTING since ", ClockTime(*lost_since_)) : std::string("live");
    // Clear the screen and home the cursor, then draw the whole picture: simple and flicker-free enough at crisis
    // volumes (a redraw per commit group).
    std::cout << "\x1b[H\x1b[2J"
              << "ketenbeeld " << server_ << "  |  " << status << "  |  revision " << replica.revision()
              << "  |  last change "
              << (last_change_ == absl::InfinitePast() ? std::string("—") : ClockTime(last_change_)) << "  |  "
              << ClockTime(now) << "\n\n"
              << RenderPictureTable(records, now) << std::flush;
  }

 private:
  static std::string ClockTime(absl::Time time) { return absl::FormatTime("%H:%M:%S", time, absl::LocalTimeZone()); }

  const std::string server_;
  absl::Time last_change_ = absl::InfinitePast();
  std::optional<absl::Time> lost_since_;
};

int Watch(const GlobalOptions& options, int64_t from_revision, const FilterFlags& flags, bool table) {
  absl::StatusOr<v1::Filter> filter = BuildFilter(flags);
  if (!filter.ok()) return UsageError(filter.status());
  // The live table needs a terminal; piped output (a log, another program) falls back to one line per change.
  std::optional<LiveTable> live_table;
  if (table && !options.json && isatty(STDOUT_FILENO) == 1) live_table.emplace(options.server);

  // SIGINT/SIGTERM are taken by a thread with sigwait rather than a handler: Feed::Cancel() takes a mutex, which a
  // signal handler must not. Blocked before the channel exists, so every gRPC thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ConnectToServer(options);
  if (!channel.ok()) return UsageError(channel.status());
  client::Feed feed(*channel);
  std::atomic<bool> finished = false;
  std::atomic<bool> stopped_by_signal = false;
  std::thread signal_waiter([&] {
    while (!finished.load()) {
      const timespec poll = {0, 200 * 1000 * 1000};
      const int signal_number = sigtimedwait(&stop_signals, nullptr, &poll);
      if (signal_number == SIGINT || signal_number == SIGTERM) {
        stopped_by_signal = true;
        feed.Cancel();
        return;
      }
    }
  });

  client::Replica replica;  // Checks the order of what arrives; gaps are invisible on a filtered feed (see replica.h).
  int64_t snapshot_records = 0;
  bool in_snapshot = false;
  // The from_revision of the stream being read: 0 means its synced ends a snapshot (possibly of no records).
  int64_t stream_from_revision = from_revision;
  client::FeedHandler handler;
  handler.on_message = [&](const v1::SubscribeResponse& message) -> absl::Status {
    if (absl::Status applied = replica.Apply(message); !applied.ok()) {
      return absl::DataLossError(absl::StrCat("the feed broke its protocol: ", applied.message()));
    }
    if (options.json) {
      std::cout << ToJson(message) << std::endl;
      return absl::OkStatus();
    }
    if (live_table.has_value()) {
      if (message.has_events() && message.events().events_size() > 0) {
        const auto& last = message.events().events(message.events().events_size() - 1);
        live_table->Changed(absl::FromUnixSeconds(last.commit_time().seconds()) +
                            absl::Nanoseconds(last.commit_time().nanos()));
      }
      live_table->Draw(replica);  // Heartbeats redraw too, so the ages stay current.
      return absl::OkStatus();
    }
    switch (message.kind_case()) {
      case v1::SubscribeResponse::kSnapshot:
        if (!in_snapshot) snapshot_records = 0;
        in_snapshot = true;
        snapshot_records += message.snapshot().records_size();
        if (options.verbose) {
          for (const v1::Record& record : message.snapshot().records()) {
            std::cout << "snapshot  " << record.name() << "  " << RecordSummary(record) << "\n";
          }
        }
        break;
      case v1::SubscribeResponse::kSynced:
        if (in_snapshot || stream_from_revision == 0) {
          std::cout << "synced at revision " << message.synced().revision() << " (" << snapshot_records
                    << " records in the snapshot)\n";
        } else {
          std::cout << "resumed at revision " << message.synced().revision() << "\n";
        }
        in_snapshot = false;
        break;
      case v1::SubscribeResponse::kEvents:
        for (const v1::Event& event : message.events().events()) {
          std::cout << FormatEventLine(event, absl::LocalTimeZone()) << "\n";
        }
        break;
      case v1::SubscribeResponse::kHeartbeat:
        if (options.verbose) std::cout << "heartbeat at revision " << message.heartbeat().revision() << "\n";
        break;
      case v1::SubscribeResponse::kReset:
        std::cout << "reset: revisions up to " << message.reset().compacted_revision()
                  << " are no longer retained; a fresh snapshot follows\n";
        break;
      default:
        break;
    }
    std::cout << std::flush;
    return absl::OkStatus();
  };
  handler.on_connection = [&](const client::ConnectionEvent& event) {
    switch (event.type) {
      case client::ConnectionEvent::Type::kLost:
        if (live_table.has_value()) {
          live_table->Lost(event.lost_since);
          live_table->Draw(replica);
          break;
        }
        std::cerr << "connection lost since " << ClockTime(event.lost_since) << " ("
                  << UserMessage(event.cause, options.server) << "), reconnecting" << std::endl;
        break;
      case client::ConnectionEvent::Type::kRetrying:
        if (options.verbose) {
          std::cerr << "still reconnecting: attempt " << event.failed_attempts << " failed ("
                    << event.cause.error_message() << "), next in " << absl::FormatDuration(event.retry_in)
                    << std::endl;
        }
        break;
      case client::ConnectionEvent::Type::kReconnected:
        if (live_table.has_value()) live_table->Reconnected();
        replica.OnNewStream();
        in_snapshot = false;
        snapshot_records = 0;
        stream_from_revision = event.resume_revision;
        if (!live_table.has_value()) {
          std::cerr << "reconnected (connection lost since " << ClockTime(event.lost_since) << ")" << std::endl;
        }
        break;
    }
  };

  const absl::Status status = feed.Run(*filter, from_revision, handler);
  finished = true;
  signal_waiter.join();
  if (stopped_by_signal) return kExitOk;
  std::cerr << "ketenbeeld: " << UserMessage(status, options.server) << "\n";
  return kExitServerError;
}

// The transport security flags, on every command (global options fall through to subcommands). Defaults come from
// the environment, so a crisis coordinator's shell profile can hold them and the token stays out of `ps`.
void AddConnectionFlags(CLI::App& app, GlobalOptions& global) {
  const std::pair<const char*, std::string*> environment[] = {{"KETENBEELD_CA", &global.ca_file},
                                                              {"KETENBEELD_CERT", &global.cert_file},
                                                              {"KETENBEELD_KEY", &global.key_file},
                                                              {"KETENBEELD_TOKEN", &global.token}};
  for (const auto& [name, value] : environment) {
    if (const char* set = std::getenv(name); set != nullptr && *set != '\0') *value = set;
  }
  const char* group = "Connection";
  app.add_option("--ca", global.ca_file,
                 "TLS: CA certificate (PEM) of the server; without it plaintext (env KETENBEELD_CA)")
      ->group(group);
  app.add_option("--cert", global.cert_file,
                 "mTLS: your organisation's client certificate (PEM), with --key (env KETENBEELD_CERT)")
      ->group(group);
  app.add_option("--key", global.key_file, "mTLS: the private key of --cert (PEM) (env KETENBEELD_KEY)")->group(group);
  app.add_option("--token", global.token,
                 "Bearer token instead of a certificate; prefer the env KETENBEELD_TOKEN (not visible in ps)")
      ->group(group);
  app.add_option("--server-name", global.server_name,
                 "TLS: name in the server certificate when it differs from the --server host, e.g. localhost")
      ->group(group);
}

int Main(int argc, char** argv) {
  CLI::App app{"ketenbeeld: the shared picture of the care chain (GHOR). Exit codes: 0 ok, 1 server error, 2 usage."};
  app.fallthrough();  // Global options may also follow the command: `ketenbeeld picture --json`.
  app.require_subcommand(1);
  GlobalOptions global;
  if (const char* server = std::getenv("KETENBEELD_SERVER"); server != nullptr && *server != '\0') {
    global.server = server;
  }
  app.add_option("--server", global.server, "Server address HOST:PORT (env KETENBEELD_SERVER)")->capture_default_str();
  app.add_flag("--json", global.json, "Machine output: JSON (one object per line for streams)");
  app.add_option("--timeout", global.timeout_seconds, "Deadline of each call in seconds (not for watch)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0));
  app.add_flag("-v,--verbose", global.verbose, "More output (watch: heartbeats, snapshot records, retries)");
  AddConnectionFlags(app, global);

  // org
  CLI::App* org = app.add_subcommand("org", "The registry of organisations");
  org->require_subcommand(1);
  CLI::App* org_register = org->add_subcommand("register", "Register (create or replace) an organisation");
  OrganizationFlags organization_flags;
  std::string organization_file;
  int64_t organization_expected_revision = 0;
  org_register->add_option("--id", organization_flags.id, "Stable id: lowercase letters, digits and '-'");
  org_register->add_option("--name", organization_flags.name, "Display name");
  org_register->add_option(
      "--kind", organization_flags.kind,
      absl::StrCat("One of: ", absl::StrJoin(EnumWords(*v1::OrganizationKind_descriptor()), ", ")));
  org_register->add_option("--region", organization_flags.region, "Safety region, VR01..VR25");
  org_register->add_option("--roaz", organization_flags.roaz, "Acute care network (ROAZ) region");
  org_register->add_option("--location", organization_flags.locations, "ID:NAME[:ADDRESS] (repeatable)");
  org_register->add_option("--contact-name", organization_flags.contact_name, "24/7 crisis coordinator");
  org_register->add_option("--phone", organization_flags.phone, "24/7 phone number");
  org_register->add_option("--email", organization_flags.email, "E-mail address");
  org_register->add_option("--file", organization_file, "Organization in text format (.textproto) or JSON (.json)");
  CLI::Option* organization_expected_option =
      org_register->add_option("--expected-revision", organization_expected_revision,
                               "Compare-and-set: the current mod_revision, 0 for 'must not exist yet'");
  CLI::App* org_show = org->add_subcommand("show", "An organisation and its status reports");
  std::string show_id;
  org_show->add_option("ID", show_id, "Organisation id")->required();
  CLI::App* org_list = org->add_subcommand("list", "The registered organisations");
  FilterFlags org_list_filter;
  AddFilterFlags(org_list, &org_list_filter);

  // status
  CLI::App* status = app.add_subcommand("status", "Status reports");
  status->require_subcommand(1);
  CLI::App* status_report = status->add_subcommand("report", "Report (replace) the status of an organisation");
  StatusReportFlags report_flags;
  std::string report_file;
  int64_t report_expected_revision = 0;
  bool crisis_plan = false;
  status_report->add_option("--org", report_flags.organization_id, "Reporting organisation id");
  status_report->add_option("--location", report_flags.location_id, "Location id, for a per-site report");
  status_report->add_option("--overall", report_flags.overall, "normal|strained|critical|closed|unknown");
  status_report->add_option("--disruption", report_flags.disruptions,
                            "TYPE=SEVERITY[:TEXT], e.g. utility-failure=major:power out (repeatable)");
  status_report->add_option("--capacity", report_flags.capacities,
                            "TYPE:available=N,occupied=N,baseline=N,surge-24h=N,surge-72h=N (repeatable)");
  status_report->add_option("--staffing", report_flags.staffing, "adequate|insufficient[:SHORTAGE[:TEXT]]");
  status_report->add_option("--supply", report_flags.supplies,
                            "TYPE:state=S,stock=X,per-day=Y,unit=U,hours=H (repeatable)");
  status_report->add_option("--ed", report_flags.emergency_department, "open|diversion|closed[:REASON]");
  CLI::Option* crisis_plan_option =
      status_report->add_flag("--crisis-plan,!--no-crisis-plan", crisis_plan, "The crisis plan is activated");
  status_report->add_option("--text", report_flags.text, "Free text for the GHOR");
  status_report->add_option("--reporter", report_flags.reporter, "Name of the person reporting");
  status_report->add_option("--file", report_file, "StatusReport in text format (.textproto) or JSON (.json)");
  CLI::Option* report_expected_option =
      status_report->add_option("--expected-revision", report_expected_revision,
                                "Compare-and-set: the report's current mod_revision, 0 for 'must not exist yet'");

  CLI::App* status_import =
      status->add_subcommand("import", "Publish many status reports from a file over one stream (PublishStatus)");
  std::string import_file;
  status_import
      ->add_option("FILE", import_file,
                   "PublishStatusRequest in text format (.textproto: reports { report { ... } } ...) or JSON")
      ->required();

  // reads
  CLI::App* picture = app.add_subcommand("picture", "The whole picture as a table, one row per organisation");
  FilterFlags picture_filter;
  AddFilterFlags(picture, &picture_filter);

  CLI::App* get = app.add_subcommand("get", "One record by name, e.g. organizations/zh-noord/status");
  std::string get_name;
  int64_t get_revision = 0;
  get->add_option("NAME", get_name, "Record name")->required();
  get->add_option("--revision", get_revision, "Read as of this revision (default: latest)");

  CLI::App* list = app.add_subcommand("list", "Records matching filters, in name order");
  FilterFlags list_filter;
  int64_t list_revision = 0;
  AddFilterFlags(list, &list_filter);
  list->add_option("--revision", list_revision, "Read as of this revision (default: latest)");

  CLI::App* history = app.add_subcommand("history", "Events from the log, by revision or time range");
  FilterFlags history_filter;
  HistoryFlags history_flags;
  AddFilterFlags(history, &history_filter);
  history->add_option("--from", history_flags.from_revision, "First revision (inclusive)");
  history->add_option("--to", history_flags.to_revision, "Last revision (inclusive)");
  history->add_option("--since", history_flags.since, "From this time (RFC 3339)");
  history->add_option("--until", history_flags.until, "Up to this time (RFC 3339)");
  history->add_option("--page-size", history_flags.page_size, "Events per call (default: the server's)")->group("");

  CLI::App* watch = app.add_subcommand(
      "watch",
      "Follow the live feed (reconnects and resumes by itself; Ctrl-C to stop). With --json every message, "
      "heartbeats included, is one JSON object per line");
  FilterFlags watch_filter;
  int64_t watch_from = 0;
  AddFilterFlags(watch, &watch_filter);
  watch->add_option("--from", watch_from, "Resume after this revision (default: start with a snapshot)");
  bool watch_table = false;
  watch->add_flag("--table", watch_table,
                  "Show the picture as a table redrawn in place on every change (on a terminal; otherwise lines)");

  WorkflowCommands workflow(app);
  AdminCommands admin(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (crisis_plan_option->count() > 0) report_flags.crisis_plan_activated = crisis_plan;

  if (watch->parsed()) return Watch(global, watch_from, watch_filter, watch_table);

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ConnectToServer(global);
  if (!channel.ok()) return UsageError(channel.status());
  Session session(global, *std::move(channel));
  if (org_register->parsed()) {
    return RegisterOrganization(session, organization_flags, organization_file, organization_expected_option,
                                organization_expected_revision);
  }
  if (org_show->parsed()) return ShowOrganization(session, show_id);
  if (org_list->parsed()) return ListOrganizations(session, org_list_filter);
  if (status_import->parsed()) return ImportStatus(session, import_file);
  if (status_report->parsed()) {
    return ReportStatus(session, report_flags, report_file, report_expected_option, report_expected_revision);
  }
  if (picture->parsed()) return ShowPicture(session, picture_filter);
  if (get->parsed()) return GetRecord(session, get_name, get_revision);
  if (list->parsed()) return ListRecords(session, list_filter, list_revision);
  if (history->parsed()) return ShowHistory(session, history_flags, history_filter);
  if (std::optional<int> exit_code = workflow.Run(session); exit_code.has_value()) return *exit_code;
  if (std::optional<int> exit_code = admin.Run(session); exit_code.has_value()) return *exit_code;
  std::cerr << app.help();
  return kExitUsage;
}

}  // namespace
}  // namespace ketenbeeld::cli

int main(int argc, char** argv) { return ketenbeeld::cli::Main(argc, argv); }
