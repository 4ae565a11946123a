#include "client/cli/export_format.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace ketenbeeld::cli {
namespace {

namespace v1 = ::ketenbeeld::v1;
namespace pb = ::google::protobuf;
using Fields = std::vector<std::pair<std::string, std::string>>;

std::string CsvField(absl::string_view text) {
  if (text.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(text);
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\"", "\"\""}}), "\"");
}

// A scalar field's value as text (index -1: a singular field).
std::string ScalarText(const pb::Message& message, const pb::FieldDescriptor& field, int index) {
  const pb::Reflection& r = *message.GetReflection();
  const bool repeated = index >= 0;
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(repeated ? r.GetRepeatedInt32(message, &field, index) : r.GetInt32(message, &field));
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(repeated ? r.GetRepeatedInt64(message, &field, index) : r.GetInt64(message, &field));
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(repeated ? r.GetRepeatedUInt32(message, &field, index) : r.GetUInt32(message, &field));
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(repeated ? r.GetRepeatedUInt64(message, &field, index) : r.GetUInt64(message, &field));
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(repeated ? r.GetRepeatedDouble(message, &field, index) : r.GetDouble(message, &field));
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(repeated ? r.GetRepeatedFloat(message, &field, index) : r.GetFloat(message, &field));
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return (repeated ? r.GetRepeatedBool(message, &field, index) : r.GetBool(message, &field)) ? "true" : "false";
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return (repeated ? r.GetRepeatedEnum(message, &field, index) : r.GetEnum(message, &field))->name();
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      const std::string value = repeated ? r.GetRepeatedString(message, &field, index) : r.GetString(message, &field);
      return field.type() == pb::FieldDescriptor::TYPE_BYTES ? absl::Base64Escape(value) : value;
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return "";
}

void Flatten(const pb::Message& message, const std::string& prefix, Fields& out);

// A message value: Timestamp and Duration as one text (a time is one cell, not seconds and nanos), else its fields.
void FlattenMessage(const pb::Message& value, const std::string& path, Fields& out) {
  const std::string& type = value.GetDescriptor()->full_name();
  if (type == google::protobuf::Timestamp::descriptor()->full_name()) {
    google::protobuf::Timestamp time;
    time.CopyFrom(value);
    out.emplace_back(path, google::protobuf::util::TimeUtil::ToString(time));
    return;
  }
  if (type == google::protobuf::Duration::descriptor()->full_name()) {
    google::protobuf::Duration duration;
    duration.CopyFrom(value);
    out.emplace_back(path, google::protobuf::util::TimeUtil::ToString(duration));
    return;
  }
  Flatten(value, path, out);
}

// The key of element `index` of a repeated message field: its enum field `type` when it has one (stable when the
// list is reordered), else the index.
std::string ElementKey(const pb::Message& element, int index) {
  const pb::FieldDescriptor* type = element.GetDescriptor()->FindFieldByName("type");
  if (type != nullptr && !type->is_repeated() && type->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM) {
    return element.GetReflection()->GetEnum(element, type)->name();
  }
  return absl::StrCat(index);
}

void Flatten(const pb::Message& message, const std::string& prefix, Fields& out) {
  const pb::Reflection& reflection = *message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);  // The set ones, in field-number order.
  for (const pb::FieldDescriptor* field : fields) {
    const std::string path = prefix.empty() ? field->name() : absl::StrCat(prefix, ".", field->name());
    if (!field->is_repeated()) {
      if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        FlattenMessage(reflection.GetMessage(message, field), path, out);
      } else {
        out.emplace_back(path, ScalarText(message, *field, -1));
      }
      continue;
    }
    const int size = reflection.FieldSize(message, field);
    for (int i = 0; i < size; ++i) {
      if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        const pb::Message& element = reflection.GetRepeatedMessage(message, field, i);
        FlattenMessage(element, absl::StrCat(path, "[", ElementKey(element, i), "]"), out);
      } else {
        out.emplace_back(absl::StrCat(path, "[", i, "]"), ScalarText(message, *field, i));
      }
    }
  }
}

// The fields of `record` but those the CSV has a column for.
Fields RecordFields(const v1::Record& record) {
  v1::Record rest = record;
  rest.clear_name();
  rest.clear_kind();
  rest.clear_update_time();
  return FlattenFields(rest);
}

std::string Time(const google::protobuf::Timestamp& time) {
  return time.seconds() == 0 && time.nanos() == 0 ? "" : google::protobuf::util::TimeUtil::ToString(time);
}

}  // namespace

std::string CsvLine(const std::vector<std::string>& fields) {
  std::vector<std::string> quoted;
  quoted.reserve(fields.size());
  for (const std::string& field : fields) quoted.push_back(CsvField(field));
  return absl::StrCat(absl::StrJoin(quoted, ","), "\r\n");
}

std::vector<std::pair<std::string, std::string>> FlattenFields(const google::protobuf::Message& message) {
  Fields out;
  Flatten(message, "", out);
  return out;
}

std::string PictureCsvHeader() { return CsvLine({"name", "kind", "revision", "update_time", "field", "value"}); }

std::string PictureCsvLines(const v1::Record& record) {
  const std::string kind = v1::EntityKind_Name(record.kind());
  const std::string revision = absl::StrCat(record.mod_revision());
  const std::string updated = Time(record.update_time());
  const Fields fields = RecordFields(record);
  if (fields.empty()) return CsvLine({record.name(), kind, revision, updated, "", ""});
  std::string out;
  for (const auto& [path, value] : fields)
    absl::StrAppend(&out, CsvLine({record.name(), kind, revision, updated, path, value}));
  return out;
}

std::string HistoryCsvHeader() {
  return CsvLine({"revision", "commit_time", "type", "name", "kind", "field", "value"});
}

std::string HistoryCsvLines(const v1::Event& event) {
  const std::string revision = absl::StrCat(event.revision());
  const std::string committed = Time(event.commit_time());
  const std::string type = v1::EventType_Name(event.type());
  const v1::Record& record = event.record();
  const std::string kind = v1::EntityKind_Name(record.kind());
  const Fields fields = event.type() == v1::EVENT_TYPE_DELETE ? Fields{} : RecordFields(record);
  if (fields.empty()) return CsvLine({revision, committed, type, record.name(), kind, "", ""});
  std::string out;
  for (const auto& [path, value] : fields) {
    absl::StrAppend(&out, CsvLine({revision, committed, type, record.name(), kind, path, value}));
  }
  return out;
}

}  // namespace ketenbeeld::cli
