#include "tests/support/api_methods.h"

#include "absl/strings/str_cat.h"
#include "ketenbeeld/v1/admin_service.pb.h"
#include "ketenbeeld/v1/exercise_service.pb.h"
#include "ketenbeeld/v1/federation_service.pb.h"
#include "ketenbeeld/v1/interop_service.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"

namespace ketenbeeld::testing {

std::vector<const google::protobuf::MethodDescriptor*> AllApiMethods() {
  std::vector<const google::protobuf::MethodDescriptor*> methods;
  // The files that declare services, each reached through one of its messages (which also links it in). A new
  // service in one of them is covered by itself; a new service file must be added here.
  for (const google::protobuf::FileDescriptor* file :
       {v1::RegisterOrganizationRequest::descriptor()->file(), v1::OpenIncidentRequest::descriptor()->file(),
        v1::ListAuditEntriesRequest::descriptor()->file(), v1::ImportXmlRequest::descriptor()->file(),
        v1::StartExerciseRequest::descriptor()->file(), v1::ApplyUpstreamRequest::descriptor()->file()}) {
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) methods.push_back(service->method(m));
    }
  }
  return methods;
}

std::string GrpcMethodName(const google::protobuf::MethodDescriptor& method) {
  return absl::StrCat("/", method.service()->full_name(), "/", method.name());
}

}  // namespace ketenbeeld::testing
