// Requests that cannot be parsed, sent as raw bytes (as another client implementation might send them): every unary
// method answers INVALID_ARGUMENT saying what is wrong, never UNIMPLEMENTED with an empty message.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "tests/support/api_methods.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;

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
    const grpc::Status status = CallUnaryWithBytes(server.channel(), GrpcMethodName(*method), "\xff\xff\xff\xff\xff");
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
    const grpc::Status status = CallUnaryWithBytes(server.channel(), GrpcMethodName(*method), bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << method->full_name() << ": " << status.error_code() << " " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(named)) << method->full_name();
  }
  EXPECT_GT(checked, 15);
}

// One raw PublishStatus stream through the generic async API: every operation waits on the completion queue with a
// deadline, so a server that stops answering fails the test instead of hanging it.
class RawPublishStream {
 public:
  explicit RawPublishStream(const std::shared_ptr<grpc::Channel>& channel)
      : stub_(channel), call_(stub_.PrepareCall(&context_, "/ketenbeeld.v1.PictureService/PublishStatus", &queue_)) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    call_->StartCall(Tag());
    EXPECT_TRUE(Await());
  }
  ~RawPublishStream() {
    context_.TryCancel();
    queue_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
    }
  }
  bool Write(const std::string& bytes) {
    grpc::Slice slice(bytes);
    grpc::ByteBuffer message(&slice, 1);
    call_->Write(message, Tag());
    return Await();
  }
  bool WritesDone() {
    call_->WritesDone(Tag());
    return Await();
  }
  // Reads until the server ends the stream; the sequences of the results that were written, and the status.
  grpc::Status ReadToEnd(std::vector<uint64_t>& written) {
    while (true) {
      grpc::ByteBuffer message;
      call_->Read(&message, Tag());
      if (!Await()) break;
      std::vector<grpc::Slice> slices;
      EXPECT_TRUE(message.Dump(&slices).ok());
      std::string bytes;
      for (const grpc::Slice& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      v1::PublishStatusResponse response;
      EXPECT_TRUE(response.ParseFromString(bytes));
      for (const v1::PublishResult& result : response.results()) {
        if (result.has_written()) written.push_back(result.sequence());
      }
    }
    grpc::Status status;
    call_->Finish(&status, Tag());
    EXPECT_TRUE(Await());
    return status;
  }

 private:
  void* Tag() { return reinterpret_cast<void*>(++next_tag_); }
  bool Await() {
    void* tag = nullptr;
    bool ok = false;
    const auto status = queue_.AsyncNext(&tag, &ok, std::chrono::system_clock::now() + std::chrono::seconds(30));
    EXPECT_EQ(status, grpc::CompletionQueue::GOT_EVENT);
    EXPECT_EQ(tag, reinterpret_cast<void*>(next_tag_));
    return status == grpc::CompletionQueue::GOT_EVENT && ok;
  }

  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  grpc::CompletionQueue queue_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  intptr_t next_tag_ = 0;
};

std::string OneReport(const std::string& organization_id, int ic_available) {
  v1::PublishStatusRequest request;
  *request.add_reports()->mutable_report() = MakeReport(organization_id, ic_available);
  return request.SerializeAsString();
}

TEST(MalformedRequestTest, PublishStatusEndsWithInvalidArgumentAtAMessageThatDoesNotParse) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("zh-noord")).ok());
  RawPublishStream stream(server.channel());
  ASSERT_TRUE(stream.Write(OneReport("zh-noord", 5)));
  // Invalid UTF-8 in the organisation id of the second message's report.
  v1::PublishStatusRequest bad;
  *bad.add_reports()->mutable_report() = MakeReport("zh-noord", 6);
  std::string bytes = bad.SerializeAsString();
  const size_t at = bytes.find("zh-noord");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = '\xff';
  stream.Write(bytes);
  stream.Write(OneReport("zh-noord", 7));  // Not read: the stream ends at the message before it.
  stream.WritesDone();
  std::vector<uint64_t> written;
  const grpc::Status status = stream.ReadToEnd(written);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("ketenbeeld.v1.PublishStatusRequest"));
  EXPECT_THAT(status.error_message(), HasSubstr("not valid UTF-8"));
  // The report before the bad message is answered (and written); none after it.
  EXPECT_THAT(written, ::testing::ElementsAre(0u));
  EXPECT_EQ(server.server().revision(), 2);  // The registration, then the first report only.
}

TEST(MalformedRequestTest, ARequestThatParsesStillReachesTheMethod) {
  TestServer server;
  v1::GetRequest request;
  request.set_name("organizations/nobody");
  const grpc::Status status =
      CallUnaryWithBytes(server.channel(), "/ketenbeeld.v1.PictureService/Get", request.SerializeAsString());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
}

}  // namespace
}  // namespace ketenbeeld::testing
