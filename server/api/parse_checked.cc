#include "server/api/parse_checked.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/wire_format_lite.h"

namespace ketenbeeld::api {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;

constexpr int kMaxDepth = 64;

// Walks the wire format of one message of `type`; on the first problem sets `problem` and returns false.
bool FindProblem(google::protobuf::io::CodedInputStream& in, const Descriptor& type, int depth, std::string& problem) {
  if (depth > kMaxDepth) {
    problem = absl::StrCat(type.name(), ": nested too deeply");
    return false;
  }
  while (true) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) {
      if (in.ConsumedEntireMessage()) return true;
      problem = absl::StrCat(type.name(), ": malformed wire format (invalid tag)");
      return false;
    }
    const FieldDescriptor* field = type.FindFieldByNumber(WireFormatLite::GetTagFieldNumber(tag));
    const bool delimited = WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
    if (field == nullptr || !delimited ||
        (field->type() != FieldDescriptor::TYPE_STRING && field->type() != FieldDescriptor::TYPE_MESSAGE)) {
      if (!WireFormatLite::SkipField(&in, tag)) {
        problem =
            absl::StrCat(type.name(), ".",
                         field == nullptr ? absl::StrCat("#", WireFormatLite::GetTagFieldNumber(tag)) : field->name(),
                         ": malformed wire format (truncated or invalid field)");
        return false;
      }
      continue;
    }
    const std::string name = absl::StrCat(type.name(), ".", field->name());
    uint32_t length = 0;
    if (!in.ReadVarint32(&length)) {
      problem = absl::StrCat(name, ": malformed wire format (truncated length)");
      return false;
    }
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      std::string value;
      if (!in.ReadString(&value, static_cast<int>(length))) {
        problem = absl::StrCat(name, ": malformed wire format (truncated string)");
        return false;
      }
      if (!google::protobuf::internal::IsStructurallyValidUTF8(value.data(), static_cast<int>(value.size()))) {
        problem = absl::StrCat(name, ": not valid UTF-8");
        return false;
      }
      continue;
    }
    const auto limit = in.PushLimit(static_cast<int>(length));
    if (!FindProblem(in, *field->message_type(), depth + 1, problem)) {
      problem = absl::StrCat(name, " > ", problem);
      return false;
    }
    in.PopLimit(limit);
  }
}

}  // namespace

std::string DescribeParseFailure(const grpc::ByteBuffer& bytes, const Descriptor& type) {
  std::vector<grpc::Slice> slices;
  if (!bytes.Valid() || !bytes.Dump(&slices).ok()) return absl::StrCat("no ", type.full_name(), " in the request");
  std::string data;
  for (const grpc::Slice& slice : slices) data.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(data.data()),
                                            static_cast<int>(data.size()));
  std::string problem;
  if (!FindProblem(in, type, 0, problem))
    return absl::StrCat("request is not a valid ", type.full_name(), ": ", problem);
  return absl::StrCat("request is not a valid ", type.full_name(), " message");
}

int MethodIndex(std::string_view service_full_name, std::string_view method) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(std::string(service_full_name));
  const google::protobuf::MethodDescriptor* found =
      service == nullptr ? nullptr : service->FindMethodByName(std::string(method));
  if (found == nullptr) {
    std::fprintf(stderr, "MethodIndex: unknown method %s.%s\n", std::string(service_full_name).c_str(),
                 std::string(method).c_str());
    std::abort();
  }
  return found->index();
}

}  // namespace ketenbeeld::api
