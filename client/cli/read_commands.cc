#include "client/cli/read_commands.h"

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "client/cli/enum_words.h"
#include "client/cli/filter_options.h"
#include "client/cli/format.h"
#include "client/cli/messages.h"
#include "client/cli/server_clock.h"
#include "grpcpp/client_context.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"

namespace ketenbeeld::cli {
namespace {

// The picture now, at a revision (--revision), or as it was at a moment (--at: the last revision committed then).
int ShowPicture(Session& session, const FilterFlags& flags, int64_t revision, const std::string& at) {
  absl::StatusOr<v1::Filter> filter = BuildFilter(flags);
  if (!filter.ok()) return UsageError(filter.status());
  std::optional<google::protobuf::Timestamp> at_time;
  if (!at.empty()) {
    if (revision != 0) return UsageError(absl::InvalidArgumentError("--at and --revision: give one of them"));
    absl::StatusOr<absl::Time> parsed = ParseTimeFlag("--at", at);
    if (!parsed.ok()) return UsageError(parsed.status());
    at_time = ToProtoTime(*parsed);
  }
  if (filter->kinds().empty()) {
    // The picture table shows organisations and their reports; incidents, alerts and the rest have their own.
    filter->add_kinds(v1::ENTITY_KIND_ORGANIZATION);
    filter->add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  }
  v1::ListResponse all;
  grpc::Status status = session.ListAll(*filter, revision, &all, at_time.has_value() ? &*at_time : nullptr);
  if (!status.ok()) return session.Fail(status);
  if (session.options().json) {
    std::cout << ToJson(all, true) << "\n";
    return kExitOk;
  }
  const std::vector<v1::Record> records(all.records().begin(), all.records().end());
  if (at_time.has_value()) {
    std::cout << absl::Substitute(
                     Text("read.picture_at"),
                     absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", FromProtoTime(*at_time), absl::LocalTimeZone()),
                     all.revision())
              << "\n";
  }
  if (!session.options().exercise_id.empty()) {
    std::cout << absl::Substitute(Text("read.exercise_banner"), session.options().exercise_id) << "\n";
  }
  // Ages and due times of a past picture are as they were at that moment.
  std::cout << RenderPictureTable(records, at_time.has_value() ? FromProtoTime(*at_time) : ServerNow(all))
            << absl::Substitute(Text("list.picture"), all.revision()) << "\n";
  return kExitOk;
}

int GetRecord(Session& session, const std::string& name, int64_t revision) {
  v1::GetRequest request;
  request.set_name(session.NameInExercise(name));
  request.set_revision(revision);
  grpc::ClientContext context;
  session.SetDeadline(&context);
  v1::GetResponse response;
  grpc::Status status = session.stub().Get(&context, request, &response);
  if (!status.ok()) return session.Fail(status);
  if (session.options().json) {
    std::cout << ToJson(response, true) << "\n";
  } else {
    std::cout << DescribeRecord(response.record(), absl::LocalTimeZone())
              << absl::Substitute(Text("read.at_revision"), response.revision()) << "\n";
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
  const absl::Time now = ServerNow(all);
  for (const v1::Record& record : all.records()) {
    table.AddRow({record.name(), EnumWord(record.kind()), absl::StrCat(record.mod_revision()),
                  record.has_update_time() ? FormatRelative(FromProtoTime(record.update_time()), now)
                                           : std::string(kNotReported),
                  RecordSummary(record)});
  }
  std::cout << table.Render() << absl::Substitute(Text("list.records"), all.records_size(), all.revision()) << "\n";
  return kExitOk;
}

int ShowHistory(Session& session, const HistoryFlags& history, const FilterFlags& flags) {
  absl::StatusOr<v1::HistoryRequest> request = BuildHistoryRequest(history, flags);
  if (!request.ok()) return UsageError(request.status());
  int64_t count = 0;
  int64_t latest = 0;
  grpc::Status status = session.ForEachHistoryPage(*request, [&](const v1::HistoryResponse& page) {
    latest = page.revision();
    for (const v1::Event& event : page.events()) {
      std::cout << (session.options().json ? ToJson(event) : FormatEventLine(event, absl::LocalTimeZone())) << "\n";
      ++count;
    }
    return true;
  });
  if (!status.ok()) return session.Fail(status);
  if (!session.options().json) std::cout << count << " events (latest revision " << latest << ")\n";
  return kExitOk;
}

}  // namespace

absl::StatusOr<v1::HistoryRequest> BuildHistoryRequest(const HistoryFlags& history, const FilterFlags& flags) {
  absl::StatusOr<v1::Filter> filter = BuildFilter(flags);
  if (!filter.ok()) return filter.status();
  v1::HistoryRequest request;
  *request.mutable_filter() = *filter;
  request.set_from_revision(history.from_revision);
  request.set_to_revision(history.to_revision);
  request.set_page_size(history.page_size);
  if (!history.since.empty()) {
    absl::StatusOr<absl::Time> since = ParseTimeFlag("--since", history.since);
    if (!since.ok()) return since.status();
    *request.mutable_from_time() = ToProtoTime(*since);
  }
  if (!history.until.empty()) {
    absl::StatusOr<absl::Time> until = ParseTimeFlag("--until", history.until);
    if (!until.ok()) return until.status();
    *request.mutable_to_time() = ToProtoTime(*until);
  }
  return request;
}

ReadCommands::ReadCommands(CLI::App& app) {
  picture_ = app.add_subcommand("picture", Tr("help.picture"));
  AddFilterFlags(picture_, &picture_filter_);
  picture_->add_option("--revision", picture_revision_, Tr("help.revision"))->check(CLI::NonNegativeNumber);
  picture_->add_option("--at", picture_at_, Tr("help.picture.at"));

  get_ = app.add_subcommand("get", Tr("help.get"));
  get_->add_option("NAME", get_name_, Tr("help.get.name"))->required();
  get_->add_option("--revision", get_revision_, Tr("help.revision"));

  list_ = app.add_subcommand("list", Tr("help.list"));
  AddFilterFlags(list_, &list_filter_);
  list_->add_option("--revision", list_revision_, Tr("help.revision"));

  history_ = app.add_subcommand("history", Tr("help.history"));
  AddFilterFlags(history_, &history_filter_);
  history_->add_option("--from", history_flags_.from_revision, Tr("help.history.from"));
  history_->add_option("--to", history_flags_.to_revision, Tr("help.history.to"));
  history_->add_option("--since", history_flags_.since, Tr("help.history.since"));
  history_->add_option("--until", history_flags_.until, Tr("help.history.until"));
  history_->add_option("--page-size", history_flags_.page_size, Tr("help.history.page_size"))->group("");
}

std::optional<int> ReadCommands::Run(Session& session) {
  if (picture_->parsed()) return ShowPicture(session, picture_filter_, picture_revision_, picture_at_);
  if (get_->parsed()) return GetRecord(session, get_name_, get_revision_);
  if (list_->parsed()) return ListRecords(session, list_filter_, list_revision_);
  if (history_->parsed()) return ShowHistory(session, history_flags_, history_filter_);
  return std::nullopt;
}

}  // namespace ketenbeeld::cli
