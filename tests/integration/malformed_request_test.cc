// Requests that cannot be parsed, sent as raw bytes (as another client implementation might send them): every unary
// method answers INVALID_ARGUMENT saying what is wrong, never UNIMPLEMENTED with an empty message.
#include <string>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "tests/support/api_methods.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;

grpc::Status CallWithRawBytes(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                              const std::string& bytes) {
  grpc::GenericStub stub(channel);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  auto context = Deadline();
  absl::Notification done;
  grpc::Status result;
  stub.UnaryCall(context.get(), method, grpc::StubOptions(), &request, &response, [&](grpc::Status status) {
    result = std::move(status);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

bool IsUnary(const google::protobuf::MethodDescriptor& method) {
  return !method.client_streaming() && !method.server_streaming();
}

// The first string field of `type` (none: nullptr).
const google::protobuf::FieldDescriptor* FirstStringField(const google::protobuf::Descriptor& type) {
  for (int i = 0; i < type.field_count(); ++i) {
    if (type.field(i)->type() == google::protobuf::FieldDescriptor::TYPE_STRING) return type.field(i);
  }
  return nullptr;
}

// The wire bytes of one length-delimited field `number` holding `value`.
std::string LengthDelimited(int number, const std::string& value) {
  std::string bytes;
  bytes.push_back(static_cast<char>((number << 3) | 2));  // Field numbers below 16: a one-byte tag.
  bytes.push_back(static_cast<char>(value.size()));
  return bytes + value;
}

TEST(MalformedRequestTest, GarbageBytesAreInvalidArgumentOnEveryUnaryMethod) {
  TestServer server;
  int unary = 0;
  for (const google::protobuf::MethodDescriptor* method : AllApiMethods()) {
    if (!IsUnary(*method)) continue;
    ++unary;
    // A tag whose varint never ends: no message of any type.
    const grpc::Status status = CallWithRawBytes(server.channel(), GrpcMethodName(*method), "\xff\xff\xff\xff\xff");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << method->full_name() << ": " << status.error_code() << " " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(method->input_type()->full_name())) << method->full_name();
  }
  EXPECT_GT(unary, 20);
}

TEST(MalformedRequestTest, InvalidUtf8InAStringFieldIsInvalidArgumentNamingTheField) {
  TestServer server;
  int checked = 0;
  for (const google::protobuf::MethodDescriptor* method : AllApiMethods()) {
    if (!IsUnary(*method)) continue;
    const google::protobuf::Descriptor& type = *method->input_type();
    const google::protobuf::FieldDescriptor* field = FirstStringField(type);
    std::string bytes;
    std::string named;
    if (field != nullptr && field->number() < 16) {
      bytes = LengthDelimited(field->number(), "ab\xc3\x28");
      named = absl::StrCat(type.name(), ".", field->name(), ": not valid UTF-8");
    } else {
      // No top-level string field: put the invalid string inside the first message field that has one.
      for (int i = 0; i < type.field_count() && bytes.empty(); ++i) {
        const google::protobuf::FieldDescriptor* outer = type.field(i);
        if (outer->message_type() == nullptr || outer->number() >= 16) continue;
        const google::protobuf::FieldDescriptor* inner = FirstStringField(*outer->message_type());
        if (inner == nullptr || inner->number() >= 16) continue;
        bytes = LengthDelimited(outer->number(), LengthDelimited(inner->number(), "\xff"));
        named = absl::StrCat(type.name(), ".", outer->name(), " > ", outer->message_type()->name(), ".", inner->name(),
                             ": not valid UTF-8");
      }
    }
    if (bytes.empty()) continue;
    ++checked;
    const grpc::Status status = CallWithRawBytes(server.channel(), GrpcMethodName(*method), bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << method->full_name() << ": " << status.error_code() << " " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(named)) << method->full_name();
  }
  EXPECT_GT(checked, 15);
}

TEST(MalformedRequestTest, ARequestThatParsesStillReachesTheMethod) {
  TestServer server;
  v1::GetRequest request;
  request.set_name("organizations/nobody");
  const grpc::Status status =
      CallWithRawBytes(server.channel(), "/ketenbeeld.v1.PictureService/Get", request.SerializeAsString());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
}

}  // namespace
}  // namespace ketenbeeld::testing
