#include "server/http/enums.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "ketenbeeld/v1/exercise_service.pb.h"
#include "ketenbeeld/v1/interop_service.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "nlohmann/json.hpp"

namespace ketenbeeld::http {
namespace {

constexpr absl::string_view kPackage = "ketenbeeld.v1";

void AddEnum(const google::protobuf::EnumDescriptor& descriptor, nlohmann::json& enums) {
  std::vector<std::string> values;
  values.reserve(descriptor.value_count());
  for (int i = 0; i < descriptor.value_count(); ++i) values.push_back(descriptor.value(i)->name());
  absl::string_view name = descriptor.full_name();
  absl::ConsumePrefix(&name, kPackage);
  absl::ConsumePrefix(&name, ".");
  enums[std::string(name)] = std::move(values);
}

void AddMessageEnums(const google::protobuf::Descriptor& message, nlohmann::json& enums) {
  for (int i = 0; i < message.enum_type_count(); ++i) AddEnum(*message.enum_type(i), enums);
  for (int i = 0; i < message.nested_type_count(); ++i) AddMessageEnums(*message.nested_type(i), enums);
}

// The enums of `file` and of every file of the package it imports, directly or not.
void AddFileEnums(const google::protobuf::FileDescriptor& file, std::set<std::string>& seen, nlohmann::json& enums) {
  if (file.package() != kPackage || !seen.insert(file.name()).second) return;
  for (int i = 0; i < file.enum_type_count(); ++i) AddEnum(*file.enum_type(i), enums);
  for (int i = 0; i < file.message_type_count(); ++i) AddMessageEnums(*file.message_type(i), enums);
  for (int i = 0; i < file.dependency_count(); ++i) AddFileEnums(*file.dependency(i), seen, enums);
}

}  // namespace

const std::string& EnumsJson() {
  static const std::string* const kJson = [] {
    nlohmann::json enums = nlohmann::json::object();
    std::set<std::string> seen;
    // The files of the services the gateway serves; everything they use is imported by them.
    AddFileEnums(*ketenbeeld::v1::ReportStatusRequest::descriptor()->file(), seen, enums);
    AddFileEnums(*ketenbeeld::v1::GetGapReportRequest::descriptor()->file(), seen, enums);
    AddFileEnums(*ketenbeeld::v1::ImportXmlRequest::descriptor()->file(), seen, enums);
    AddFileEnums(*ketenbeeld::v1::StartExerciseRequest::descriptor()->file(), seen, enums);
    return new std::string(nlohmann::json({{"enums", enums}}).dump());
  }();
  return *kJson;
}

}  // namespace ketenbeeld::http
