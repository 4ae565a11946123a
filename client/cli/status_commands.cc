#include "client/cli/status_commands.h"

#include <algorithm>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/cli/messages.h"
#include "client/cli/workflow_flags.h"
#include "client/publisher.h"
#include "grpcpp/client_context.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"

namespace ketenbeeld::cli {
namespace {

// Without `replace`, the report names what changed (an update mask of the flags and the file's parts) and the
// server keeps the rest; with it, the report replaces the stored one whole, as a report without a mask does.
// Each --indicator ID=VALUE is typed by the indicator's definition, read from the server (a count, a number, ...),
// and merged into the report's answers by id ("indicator_values" in the mask).
int ReportStatus(Session& session, const StatusReportFlags& flags, const ChainReportFlags& chain_flags,
                 const std::vector<std::string>& indicators, const std::string& file, bool replace,
                 const CLI::Option* expected_revision_option, int64_t expected_revision) {
  v1::ReportStatusRequest request;
  v1::StatusReport* report = request.mutable_report();
  if (!file.empty()) {
    if (absl::Status loaded = LoadMessageFromFile(file, report); !loaded.ok()) return UsageError(loaded);
  }
  if (replace && !flags.clears.empty()) {
    return UsageError(absl::InvalidArgumentError("--clear and --replace: a whole report clears what it leaves out"));
  }
  const v1::StatusReport from_file = *report;
  if (absl::Status applied = ApplyStatusReportFlags(flags, report); !applied.ok()) return UsageError(applied);
  absl::StatusOr<std::vector<std::string>> chain_paths = ApplyChainReportFlags(chain_flags, report);
  if (!chain_paths.ok()) return UsageError(chain_paths.status());
  for (const std::string& flag : indicators) {
    absl::StatusOr<std::pair<std::string, std::string>> split = SplitIndicatorFlag(flag);
    if (!split.ok()) return UsageError(split.status());
    v1::GetResponse definition;
    if (grpc::Status status = session.Get(absl::StrCat("indicators/", split->first), &definition); !status.ok()) {
      return session.Fail(status);
    }
    if (!definition.record().has_indicator()) {
      return UsageError(absl::InvalidArgumentError(absl::StrCat("--indicator \"", flag, "\": not an indicator")));
    }
    absl::StatusOr<v1::IndicatorValue> value =
        ParseIndicatorValue(definition.record().indicator(), flag, split->second);
    if (!value.ok()) return UsageError(value.status());
    auto same =
        std::find_if(report->mutable_indicator_values()->begin(), report->mutable_indicator_values()->end(),
                     [&](const v1::IndicatorValue& given) { return given.indicator_id() == value->indicator_id(); });
    if (same != report->mutable_indicator_values()->end()) {
      *same = *std::move(value);
    } else {
      *report->add_indicator_values() = *std::move(value);
    }
  }
  if (!indicators.empty() && from_file.indicator_values().empty()) chain_paths->push_back("indicator_values");
  if (!replace) {
    absl::StatusOr<google::protobuf::FieldMask> mask = StatusUpdateMask(flags, from_file, *chain_paths);
    if (!mask.ok()) return UsageError(mask.status());
    *request.mutable_update_mask() = *std::move(mask);
  }
  if (report->organization_id().empty()) {
    return UsageError(absl::InvalidArgumentError("--org is required (or organization_id in --file)"));
  }
  if (replace && report->overall_status() == v1::OVERALL_STATUS_UNSPECIFIED) {
    return UsageError(absl::InvalidArgumentError(
        "--overall is required with --replace: normal|strained|critical|closed|unknown (or overall_status in "
        "--file)"));
  }
  if (expected_revision_option->count() > 0) request.set_expected_revision(expected_revision);

  grpc::ClientContext context;
  session.SetDeadline(&context);
  v1::WriteResponse response;
  return session.PrintWrite(session.stub().ReportStatus(&context, session.InExercise(request), &response), response,
                            "write.reported");
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
      publisher.Publish(
          session.InExercise(batch.reports(i)), [&outcome, i, organization](absl::StatusOr<v1::WriteResponse> result) {
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

}  // namespace

StatusCommands::StatusCommands(CLI::App& app) {
  CLI::App* status = app.add_subcommand("status", Tr("help.status"));
  status->require_subcommand(1);
  report_ = status->add_subcommand("report", Tr("help.status.report"));
  report_->add_option("--org", report_flags_.organization_id, Tr("help.status.report.org"));
  report_->add_option("--location", report_flags_.location_id, Tr("help.status.report.location"));
  report_->add_option("--overall", report_flags_.overall, Tr("help.status.report.overall"));
  report_->add_option("--disruption", report_flags_.disruptions, Tr("help.status.report.disruption"));
  report_->add_option("--capacity", report_flags_.capacities, Tr("help.status.report.capacity"));
  report_->add_option("--staffing", report_flags_.staffing, Tr("help.status.report.staffing"));
  report_->add_option("--shortage-from", report_flags_.shortage_from, Tr("help.status.report.shortage_from"));
  report_->add_option("--supply", report_flags_.supplies, Tr("help.status.report.supply"));
  report_->add_option("--ed", report_flags_.emergency_department, Tr("help.status.report.ed"));
  report_->add_option("--ed-until", report_flags_.emergency_department_until, Tr("help.status.report.ed_until"));
  crisis_plan_option_ =
      report_->add_flag("--crisis-plan,!--no-crisis-plan", crisis_plan_, Tr("help.status.report.crisis_plan"));
  report_->add_option("--text", report_flags_.text, Tr("help.status.report.text"));
  report_->add_option("--reporter", report_flags_.reporter, Tr("help.status.report.reporter"));
  // Capacity that is not beds (client/cli/chain_flags.h); the server refuses a part that does not fit the
  // organisation's kind. The help gives the Dutch term a coordinator knows beside the English one.
  report_->add_option("--ambulances", chain_flags_.ambulances, Tr("help.status.report.ambulances"));
  report_->add_option("--gp-post", chain_flags_.gp_post, Tr("help.status.report.gp_post"));
  report_->add_option("--gp-capacity", chain_flags_.gp_capacity, Tr("help.status.report.gp_capacity"));
  report_->add_option("--home-care", chain_flags_.home_care, Tr("help.status.report.home_care"));
  report_->add_option("--ggd-teams", chain_flags_.ggd_teams, Tr("help.status.report.ggd_teams"));
  report_->add_option("--intake-stop", chain_flags_.intake_stop, Tr("help.status.report.intake_stop"));
  report_->add_option("--intake-stop-since", chain_flags_.intake_stop_since,
                      Tr("help.status.report.intake_stop_since"));
  report_->add_option("--intake-stop-until", chain_flags_.intake_stop_until,
                      Tr("help.status.report.intake_stop_until"));
  report_->add_option("--indicator", indicators_, Tr("help.status.report.indicator"));
  report_->add_option("--clear", report_flags_.clears, Tr("help.status.report.clear"));
  report_->add_flag("--replace", replace_, Tr("help.status.report.replace"));
  report_->add_option("--file", report_file_, Tr("help.status.report.file"));
  expected_option_ =
      report_->add_option("--expected-revision", expected_revision_, Tr("help.status.report.expected_revision"));

  import_ = status->add_subcommand("import", Tr("help.status.import"));
  import_->add_option("FILE", import_file_, Tr("help.status.import.file"))->required();
}

std::optional<int> StatusCommands::Run(Session& session) {
  if (crisis_plan_option_->count() > 0) report_flags_.crisis_plan_activated = crisis_plan_;
  if (import_->parsed()) return ImportStatus(session, import_file_);
  if (report_->parsed())
    return ReportStatus(session, report_flags_, chain_flags_, indicators_, report_file_, replace_, expected_option_,
                        expected_revision_);
  return std::nullopt;
}

}  // namespace ketenbeeld::cli
