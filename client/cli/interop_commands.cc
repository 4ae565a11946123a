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

// Writes an export (`document`, of the response `exported`) to --output or standard output.
template <typename Export>
int WriteExport(const Session& session, const Export& exported, const std::string& document,
                const std::string& output) {
  if (session.options().json) {
    std::cout << ToJson(exported) << "\n";
    return kExitOk;
  }
  if (output.empty()) {
    std::cout << document;
  } else {
    std::ofstream file(output, std::ios::binary | std::ios::trunc);
    file << document;
    if (!file) return UsageError(absl::InvalidArgumentError(absl::StrCat(output, ": cannot be written")));
    std::cerr << "written to " << output << " (revision " << exported.revision() << ")\n";
  }
  for (const std::string& note : exported.notes()) std::cerr << "note: " << note << "\n";
  return kExitOk;
}

// The ExportFhir request of `report fhir TYPE ...`: a measure report names ORG or --region, an organisation ORG, a
// location ORG and LOCATION.
absl::StatusOr<v1::ExportFhirRequest> FhirRequestOf(const std::string& type, const std::string& organization,
                                                    const std::string& location, const std::string& region) {
  v1::ExportFhirRequest request;
  if (type == "measure-report") {
    if (organization.empty() == region.empty()) {
      return absl::InvalidArgumentError("report fhir measure-report: name one organisation (ORG) or --region");
    }
    request.set_resource_type(v1::FHIR_RESOURCE_TYPE_MEASURE_REPORT);
  } else if (type == "organization") {
    request.set_resource_type(v1::FHIR_RESOURCE_TYPE_ORGANIZATION);
  } else {
    request.set_resource_type(v1::FHIR_RESOURCE_TYPE_LOCATION);
  }
  if (type != "measure-report" && (organization.empty() || !region.empty())) {
    return absl::InvalidArgumentError(absl::StrCat("report fhir ", type, ": name the organisation (ORG)"));
  }
  if ((type == "location") == location.empty()) {
    return absl::InvalidArgumentError(type == "location" ? "report fhir location: name ORG and LOCATION"
                                                         : "report fhir: LOCATION is for a location only");
  }
  if (!organization.empty()) request.set_organization_id(organization);
  if (!region.empty()) request.set_safety_region(region);
  request.set_location_id(location);
  return request;
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

  CLI::App* report = app.get_subcommand("report");
  report_fhir_ = report->add_subcommand("fhir", Tr("help.report.fhir"));
  report_fhir_->add_option("TYPE", fhir_type_, Tr("help.report.fhir.type"))
      ->required()
      ->check(CLI::IsMember({"measure-report", "organization", "location"}));
  CLI::Option* fhir_organization = report_fhir_->add_option("ORG", organization_, Tr("help.status.have.org"));
  report_fhir_->add_option("LOCATION", location_, Tr("help.report.fhir.location"));
  report_fhir_->add_option("--region", region_, Tr("help.report.fhir.region"))->excludes(fhir_organization);
  report_fhir_->add_option("-o,--output", output_, Tr("help.interop.output"));
}

std::optional<int> InteropCommands::Run(Session& session) {
  if (!alert_cap_->parsed() && !import_cap_->parsed() && !status_have_->parsed() && !import_have_->parsed() &&
      !report_fhir_->parsed()) {
    return std::nullopt;
  }
  std::unique_ptr<v1::InteropService::Stub> interop = v1::InteropService::NewStub(session.channel());
  grpc::ClientContext context;
  session.SetDeadline(&context);
  if (report_fhir_->parsed()) {
    absl::StatusOr<v1::ExportFhirRequest> request = FhirRequestOf(fhir_type_, organization_, location_, region_);
    if (!request.ok()) return UsageError(request.status());
    v1::FhirExport exported;
    const grpc::Status status = interop->ExportFhir(&context, *request, &exported);
    if (!status.ok()) return session.Fail(status);
    return WriteExport(session, exported, exported.json(), output_);
  }
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
    return WriteExport(session, exported, exported.xml(), output_);
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
