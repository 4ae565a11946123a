#include "client/cli/interop_commands.h"

#include <fstream>
#include <iostream>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "client/cli/format.h"
#include "client/cli/messages.h"
#include "grpcpp/client_context.h"
#include "ketenbeeld/v1/interop_service.grpc.pb.h"

namespace ketenbeeld::cli {
namespace {

// The server refuses documents beyond 1 MiB; reading stops one byte past that, so a larger file is refused here.
constexpr size_t kMaxDocumentBytes = size_t{1} << 20;

// The document in `path` ("-": standard input). INVALID_ARGUMENT naming the file when it cannot be read or is too big.
absl::StatusOr<std::string> ReadDocument(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot be read"));
    in = &file;
  }
  std::string text(kMaxDocumentBytes + 1, '\0');
  in->read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in->gcount()));
  if (text.size() > kMaxDocumentBytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": larger than the 1 MiB the server accepts"));
  }
  return text;
}

// Writes an export to --output or standard output.
int WriteDocument(const Session& session, const v1::XmlExport& exported, const std::string& output) {
  if (session.options().json) {
    std::cout << ToJson(exported) << "\n";
    return kExitOk;
  }
  if (output.empty()) {
    std::cout << exported.xml();
  } else {
    std::ofstream file(output, std::ios::binary | std::ios::trunc);
    file << exported.xml();
    if (!file) return UsageError(absl::InvalidArgumentError(absl::StrCat(output, ": cannot be written")));
    std::cerr << "written to " << output << " (revision " << exported.revision() << ")\n";
  }
  for (const std::string& note : exported.notes()) std::cerr << "note: " << note << "\n";
  return kExitOk;
}

int PrintImport(const Session& session, const grpc::Status& status, const v1::ImportXmlResponse& response) {
  if (!status.ok()) return session.Fail(status);
  if (session.options().json) {
    std::cout << ToJson(response) << "\n";
    return kExitOk;
  }
  std::cout << "imported " << response.written().record().name() << " at revision " << response.written().revision()
            << "\n";
  for (const std::string& line : response.not_imported()) std::cout << "not imported: " << line << "\n";
  return kExitOk;
}

}  // namespace

InteropCommands::InteropCommands(CLI::App& app) {
  CLI::App* alert = app.get_subcommand("alert");
  alert_cap_ = alert->add_subcommand("cap", Tr("help.alert.cap"));
  alert_cap_->add_option("ID", alert_id_, Tr("help.alert.cap.id"))->required();
  CLI::Option* exercise = alert_cap_->add_flag("--as-exercise", exercise_, Tr("help.alert.cap.exercise"));
  alert_cap_->add_flag("--test", test_, Tr("help.alert.cap.test"))->excludes(exercise);
  alert_cap_->add_option("-o,--output", output_, Tr("help.interop.output"));
  import_cap_ = alert->add_subcommand("import-cap", Tr("help.alert.import_cap"));
  import_cap_->add_option("FILE", input_, Tr("help.interop.file"))->required();

  CLI::App* status = app.get_subcommand("status");
  status_have_ = status->add_subcommand("have", Tr("help.status.have"));
  CLI::Option* organization = status_have_->add_option("ORG", organization_, Tr("help.status.have.org"));
  status_have_->add_option("--region", region_, Tr("help.status.have.region"))->excludes(organization);
  status_have_->add_option("-o,--output", output_, Tr("help.interop.output"));
  import_have_ = status->add_subcommand("import-have", Tr("help.status.import_have"));
  import_have_->add_option("FILE", input_, Tr("help.interop.file"))->required();
}

std::optional<int> InteropCommands::Run(Session& session) {
  if (!alert_cap_->parsed() && !import_cap_->parsed() && !status_have_->parsed() && !import_have_->parsed()) {
    return std::nullopt;
  }
  std::unique_ptr<v1::InteropService::Stub> interop = v1::InteropService::NewStub(session.channel());
  grpc::ClientContext context;
  session.SetDeadline(&context);
  if (alert_cap_->parsed() || status_have_->parsed()) {
    v1::XmlExport exported;
    grpc::Status status;
    if (alert_cap_->parsed()) {
      v1::ExportAlertCapRequest request;
      request.set_alert_id(alert_id_);
      // With --exercise ID (the global flag) the exercise's alert, whose status the server takes from the exercise.
      request.set_exercise_id(session.options().exercise_id);
      request.set_status(exercise_ ? v1::CAP_MESSAGE_STATUS_EXERCISE
                         : test_   ? v1::CAP_MESSAGE_STATUS_TEST
                                   : v1::CAP_MESSAGE_STATUS_UNSPECIFIED);
      status = interop->ExportAlertCap(&context, request, &exported);
    } else {
      if (organization_.empty() == region_.empty()) {
        return UsageError(absl::InvalidArgumentError("status have: name one organisation (ORG) or --region"));
      }
      v1::ExportStatusHaveRequest request;
      if (!organization_.empty()) request.set_organization_id(organization_);
      if (!region_.empty()) request.set_safety_region(region_);
      status = interop->ExportStatusHave(&context, request, &exported);
    }
    if (!status.ok()) return session.Fail(status);
    return WriteDocument(session, exported, output_);
  }
  absl::StatusOr<std::string> document = ReadDocument(input_);
  if (!document.ok()) return UsageError(document.status());
  v1::ImportXmlRequest request;
  request.set_xml(*std::move(document));
  // With --exercise ID (the global flag) into that exercise: CAP Exercise and Test messages, HAVE documents.
  request.set_exercise_id(session.options().exercise_id);
  v1::ImportXmlResponse response;
  const grpc::Status status = import_cap_->parsed() ? interop->ImportAlertCap(&context, request, &response)
                                                    : interop->ImportStatusHave(&context, request, &response);
  return PrintImport(session, status, response);
}

}  // namespace ketenbeeld::cli
