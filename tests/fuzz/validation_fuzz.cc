// libFuzzer target: arbitrary bytes as client requests must never crash the domain rules.
//
// The same bytes are parsed as a ReportStatusRequest, a RegisterOrganizationRequest and a Filter (protobuf is lenient
// enough that one input often parses as several), then run through everything that sees client input: validation,
// name parsing, normalisation, disruption summaries and filter evaluation. Normalisation and filters run on
// unvalidated messages too: the server only calls them on valid input, but they must not crash on any input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/stubs/logging.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "server/domain/entities.h"
#include "server/domain/filter.h"
#include "server/domain/names.h"
#include "server/domain/validation.h"

namespace {

using ::ketenbeeld::domain::CompiledFilter;

// The message of every error must start with the field path given (the API promise in validation.h).
void CheckStatus(const absl::Status& status, std::string_view field) {
  if (status.ok()) return;
  if (status.code() != absl::StatusCode::kInvalidArgument) __builtin_trap();
  const std::string_view message(status.message().data(), status.message().size());
  if (message.substr(0, field.size()) != field) __builtin_trap();
}

void FuzzReport(const uint8_t* data, size_t size, const CompiledFilter& filter) {
  ketenbeeld::v1::ReportStatusRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  const absl::Status status = ketenbeeld::domain::ValidateStatusReport(request.report(), "report");
  CheckStatus(status, "report");

  ketenbeeld::v1::Event event;
  ketenbeeld::v1::Record& record = *event.mutable_record();
  record.set_kind(ketenbeeld::v1::ENTITY_KIND_STATUS_REPORT);
  *record.mutable_status_report() = request.report();
  ketenbeeld::domain::NormalizeStatusReport(absl::FromUnixSeconds(1700000000), absl::Minutes(30),
                                            *record.mutable_status_report());
  *event.mutable_previous_disruptions() = ketenbeeld::domain::DisruptionSummary(request.report());
  record.mutable_scope()->set_organization_id(request.report().organization_id());
  record.set_name(
      ketenbeeld::domain::StatusReportName(request.report().organization_id(), request.report().location_id()));
  if (status.ok()) {
    // A valid report has a name that parses back to itself.
    const auto parsed = ketenbeeld::domain::ParseName(record.name());
    if (!parsed.ok() || parsed->organization_id != request.report().organization_id() ||
        parsed->location_id != request.report().location_id()) {
      __builtin_trap();
    }
  }
  (void)filter.Matches(record);
  (void)filter.Matches(event);
}

void FuzzOrganization(const uint8_t* data, size_t size, const CompiledFilter& filter) {
  ketenbeeld::v1::RegisterOrganizationRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  CheckStatus(ketenbeeld::domain::ValidateOrganization(request.organization(), "organization"), "organization");
  ketenbeeld::v1::Record record;
  record.set_kind(ketenbeeld::v1::ENTITY_KIND_ORGANIZATION);
  *record.mutable_organization() = request.organization();
  ketenbeeld::domain::NormalizeOrganization(*record.mutable_organization());
  record.mutable_scope()->set_sector(record.organization().sector());
  record.mutable_scope()->set_safety_region(request.organization().safety_region());
  (void)filter.Matches(record);
  (void)ketenbeeld::domain::ParseName(request.organization().name());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // Protobuf logs every string field with invalid UTF-8 it refuses to parse; that is expected here and slows fuzzing.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ketenbeeld::v1::Filter filter;
  CompiledFilter compiled;
  if (filter.ParseFromArray(data, static_cast<int>(size))) {
    CheckStatus(ketenbeeld::domain::ValidateFilter(filter, "filter"), "filter");
    compiled = CompiledFilter(filter);  // Unvalidated on purpose: must fail closed, never crash.
  }
  FuzzReport(data, size, compiled);
  FuzzOrganization(data, size, compiled);
  (void)ketenbeeld::domain::ParseName(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
