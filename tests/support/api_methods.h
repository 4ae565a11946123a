// The public API's RPC methods, from the generated descriptors, for tests that must cover every method: such a test
// fails when a method is added without its expectation.
#ifndef KETENBEELD_TESTS_SUPPORT_API_METHODS_H_
#define KETENBEELD_TESTS_SUPPORT_API_METHODS_H_

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"

namespace ketenbeeld::testing {

// Every method of every ketenbeeld.v1 service, in declaration order.
std::vector<const google::protobuf::MethodDescriptor*> AllApiMethods();

// gRPC's name of a method: "/ketenbeeld.v1.PictureService/Get".
std::string GrpcMethodName(const google::protobuf::MethodDescriptor& method);

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SUPPORT_API_METHODS_H_
