#include "client/cli/export_commands.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <ostream>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "client/cli/export_format.h"
#include "client/cli/filter_options.h"
#include "client/cli/format.h"
#include "client/cli/messages.h"

namespace ketenbeeld::cli {
namespace {

// Where an export is written: standard output, or FILE.partial renamed to FILE by Finish().
class ExportOutput {
 public:
  explicit ExportOutput(std::string path) : path_(std::move(path)) {
    if (!path_.empty()) file_.open(Partial(), std::ios::binary | std::ios::trunc);
  }
  ExportOutput(const ExportOutput&) = delete;
  ExportOutput& operator=(const ExportOutput&) = delete;
  ~ExportOutput() {
    if (!finished_ && !path_.empty()) {
      file_.close();
      std::error_code ignored;
      std::filesystem::remove(Partial(), ignored);
    }
  }

  bool ok() const { return path_.empty() ? static_cast<bool>(std::cout) : static_cast<bool>(file_); }
  std::ostream& stream() { return path_.empty() ? std::cout : file_; }
  absl::Status Open() const {
    if (ok()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("-o: ", Partial(), " cannot be written"));
  }
  // Flushes, and moves the complete file into place.
  absl::Status Finish() {
    stream().flush();
    if (!ok())
      return absl::UnavailableError(
          absl::StrCat(path_.empty() ? "standard output" : Partial(), ": the export could not be written completely"));
    finished_ = true;
    if (path_.empty()) return absl::OkStatus();
    file_.close();
    std::error_code error;
    std::filesystem::rename(Partial(), path_, error);
    if (error) return absl::UnavailableError(absl::StrCat("-o: ", path_, ": ", error.message()));
    return absl::OkStatus();
  }

 private:
  std::string Partial() const { return absl::StrCat(path_, ".partial"); }

  const std::string path_;
  std::ofstream file_;
  bool finished_ = false;
};

// Ends an export: the file into place, and a line on stderr saying what was written (stdout holds only the data).
int Done(ExportOutput& out, const std::string& path, int64_t count, absl::string_view what, int64_t revision) {
  if (absl::Status finished = out.Finish(); !finished.ok()) {
    std::cerr << "ketenbeeld: " << finished.message() << "\n";
    return kExitServerError;
  }
  std::cerr << "exported " << count << " " << what << " (revision " << revision << ")"
            << (path.empty() ? "" : absl::StrCat(" to ", path)) << "\n";
  return kExitOk;
}

}  // namespace

ExportCommands::ExportCommands(CLI::App& app) {
  CLI::App* report = app.get_subcommand("report");
  CLI::App* export_group = report->add_subcommand("export", Tr("help.report.export"));
  export_group->require_subcommand(1);
  for (CLI::App** command : {&picture_, &history_}) {
    const bool picture = command == &picture_;
    *command = export_group->add_subcommand(picture ? "picture" : "history",
                                            Tr(picture ? "help.report.export.picture" : "help.report.export.history"));
    (*command)
        ->add_option("--format", format_, Tr("help.report.export.format"))
        ->check(CLI::IsMember({"csv", "json"}))
        ->capture_default_str();
    (*command)->add_option("-o,--output", output_, Tr("help.interop.output"));
  }
  AddFilterFlags(picture_, &picture_filter_);
  picture_->add_option("--revision", revision_, Tr("help.revision"))->check(CLI::NonNegativeNumber);
  picture_->add_option("--at", at_, Tr("help.picture.at"));
  AddFilterFlags(history_, &history_filter_);
  history_->add_option("--from", history_flags_.from_revision, Tr("help.history.from"));
  history_->add_option("--to", history_flags_.to_revision, Tr("help.history.to"));
  history_->add_option("--since", history_flags_.since, Tr("help.history.since"));
  history_->add_option("--until", history_flags_.until, Tr("help.history.until"));
}

std::optional<int> ExportCommands::Run(Session& session) {
  const bool csv = format_ == "csv";
  if (picture_->parsed()) {
    absl::StatusOr<v1::Filter> filter = BuildFilter(picture_filter_);
    if (!filter.ok()) return UsageError(filter.status());
    if (revision_ != 0 && !at_.empty()) {
      return UsageError(absl::InvalidArgumentError("--at: give either --revision or --at, not both"));
    }
    google::protobuf::Timestamp at_time;
    if (!at_.empty()) {
      absl::StatusOr<absl::Time> at = ParseTimeFlag("--at", at_);
      if (!at.ok()) return UsageError(at.status());
      at_time = ToProtoTime(*at);
    }
    ExportOutput out(output_);
    if (absl::Status opened = out.Open(); !opened.ok()) return UsageError(opened);
    if (csv) out.stream() << PictureCsvHeader();
    int64_t count = 0;
    int64_t revision = 0;
    const grpc::Status status = session.ForEachListPage(
        *filter, revision_, at_.empty() ? nullptr : &at_time, [&](const v1::ListResponse& page) {
          revision = page.revision();
          for (const v1::Record& record : page.records()) {
            out.stream() << (csv ? PictureCsvLines(record) : absl::StrCat(ToJson(record), "\n"));
            ++count;
          }
          return out.ok();
        });
    if (!status.ok()) return session.Fail(status);
    return Done(out, output_, count, "records", revision);
  }
  if (history_->parsed()) {
    absl::StatusOr<v1::HistoryRequest> request = BuildHistoryRequest(history_flags_, history_filter_);
    if (!request.ok()) return UsageError(request.status());
    ExportOutput out(output_);
    if (absl::Status opened = out.Open(); !opened.ok()) return UsageError(opened);
    if (csv) out.stream() << HistoryCsvHeader();
    int64_t count = 0;
    int64_t revision = 0;
    const grpc::Status status = session.ForEachHistoryPage(*request, [&](const v1::HistoryResponse& page) {
      revision = page.revision();
      for (const v1::Event& event : page.events()) {
        out.stream() << (csv ? HistoryCsvLines(event) : absl::StrCat(ToJson(event), "\n"));
        ++count;
      }
      return out.ok();
    });
    if (!status.ok()) return session.Fail(status);
    return Done(out, output_, count, "events", revision);
  }
  return std::nullopt;
}

}  // namespace ketenbeeld::cli
