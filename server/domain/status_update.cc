#include "server/domain/status_update.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "base/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/field_mask_util.h"
#include "server/domain/field_checks.h"
#include "server/domain/validation.h"

namespace ketenbeeld::domain {
namespace {

namespace v1 = ::ketenbeeld::v1;
using checks::FieldPath;
using checks::Invalid;
using checks::Quote;
using ::google::protobuf::EnumDescriptor;
using ::google::protobuf::FieldMask;
using ::google::protobuf::RepeatedPtrField;
using ::google::protobuf::Timestamp;
using ::google::protobuf::util::FieldMaskUtil;

// A repeated field of StatusReport whose entries are keyed by their `type`; a mask names one entry as
// "<name>.<key>", the key being the enum value's name without `prefix`, in lowercase ("capacity.ic_adult").
struct KeyedList {
  absl::string_view name;
  absl::string_view prefix;
  const EnumDescriptor* (*types)();
};
constexpr KeyedList kKeyedLists[] = {
    {"capacity", "BED_TYPE_", &v1::BedType_descriptor},
    {"supplies", "SUPPLY_TYPE_", &v1::SupplyType_descriptor},
    {"disruptions", "DISRUPTION_TYPE_", &v1::DisruptionType_descriptor},
};

// Fields set whole by a path of their name; the messages among them also by one of their fields.
constexpr absl::string_view kScalars[] = {"overall_status", "crisis_plan_activated", "free_text"};
constexpr absl::string_view kMessages[] = {"staffing",  "emergency_department", "reporter",   "ambulance", "gp_post",
                                           "home_care", "public_health",        "intake_stop"};
// Fields a mask cannot name, and why.
constexpr absl::string_view kIdentifying[] = {"organization_id", "location_id"};
constexpr absl::string_view kOutputOnly[] = {"commit_time",
                                             "next_report_due",
                                             "overdue_since",
                                             "detail_withheld",
                                             "update_mask",
                                             "unknown_since",
                                             "last_known_overall_status",
                                             "emergency_department.expired_since"};

template <size_t N>
bool OneOf(absl::string_view value, const absl::string_view (&names)[N]) {
  return std::find(std::begin(names), std::end(names), value) != std::end(names);
}

// The enum number that `key` names in `list`, or 0 when it names none (0 is every list's UNSPECIFIED).
int TypeOfKey(const KeyedList& list, absl::string_view key) {
  if (key.empty() || key != absl::AsciiStrToLower(key)) return 0;
  const google::protobuf::EnumValueDescriptor* value =
      list.types()->FindValueByName(absl::StrCat(list.prefix, absl::AsciiStrToUpper(key)));
  return value == nullptr ? 0 : value->number();
}

// The valid keys of `list`, for an error message: "ic_adult, ic_paediatric, ...".
std::string KeysOf(const KeyedList& list) {
  std::string keys;
  const EnumDescriptor& types = *list.types();
  for (int i = 0; i < types.value_count(); ++i) {
    if (types.value(i)->number() == 0) continue;
    absl::StrAppend(&keys, keys.empty() ? "" : ", ",
                    absl::AsciiStrToLower(absl::StripPrefix(types.value(i)->name(), list.prefix)));
  }
  return keys;
}

const KeyedList* FindKeyedList(absl::string_view name) {
  for (const KeyedList& list : kKeyedLists) {
    if (list.name == name) return &list;
  }
  return nullptr;
}

// Answers to indicators: the path names the list, whose answers the update merges by indicator id.
constexpr absl::string_view kIndicatorValues = "indicator_values";

absl::Status CheckPath(absl::string_view path, const FieldPath& at) {
  if (path == kIndicatorValues) return absl::OkStatus();
  if (absl::StartsWith(path, absl::StrCat(kIndicatorValues, "."))) {
    return Invalid(at, Quote(path), ": answers are merged by indicator id; name \"indicator_values\" and send the ",
                   "answers to change");
  }
  if (OneOf(path, kScalars) || OneOf(path, kMessages) || FindKeyedList(path) != nullptr) return absl::OkStatus();
  if (OneOf(path, kIdentifying)) {
    return Invalid(at, Quote(path), " names the report and cannot be changed; a report of another organisation or ",
                   "location is another report");
  }
  if (OneOf(path, kOutputOnly)) return Invalid(at, Quote(path), " is output only, set by the server");
  if (path == "*") return Invalid(at, "\"*\" (replace the whole report) must be the only path");
  const size_t dot = path.find('.');
  const absl::string_view head = path.substr(0, dot);
  const absl::string_view rest = dot == absl::string_view::npos ? absl::string_view() : path.substr(dot + 1);
  if (const KeyedList* list = FindKeyedList(head); list != nullptr) {
    if (absl::StrContains(rest, '.')) {
      return Invalid(at, Quote(path), ": an entry of ", list->name, " is replaced whole; to change some of its ",
                     "fields, name \"", list->name, "\" and send only those");
    }
    if (TypeOfKey(*list, rest) == 0) {
      return Invalid(at, Quote(path), ": unknown type ", Quote(rest), " (valid: ", KeysOf(*list), ")");
    }
    return absl::OkStatus();
  }
  if (OneOf(head, kMessages) && !rest.empty()) {
    const google::protobuf::FieldDescriptor* field = v1::StatusReport::descriptor()->FindFieldByName(std::string(head));
    if (field->message_type()->FindFieldByName(std::string(rest)) != nullptr) return absl::OkStatus();
  }
  return Invalid(
      at, "unknown path ", Quote(path),
      " (valid: overall_status, disruptions, capacity, staffing, supplies, emergency_department, "
      "crisis_plan_activated, free_text, reporter, ambulance, gp_post, home_care, public_health, "
      "intake_stop, indicator_values; a field of one of those messages, such as staffing.level; or one entry such "
      "as capacity.ic_adult)");
}

bool Names(const FieldMask& mask, absl::string_view path) {
  return std::find(mask.paths().begin(), mask.paths().end(), path) != mask.paths().end();
}

// What a mask says about one keyed list: merge every entry of the update, and/or replace (or remove) some types.
struct ListUpdate {
  bool merge = false;
  absl::flat_hash_set<int> replaced;
  bool Touched() const { return merge || !replaced.empty(); }
};

// An entry the report writes: reported now, and (a supply) not yet warned of at its new figures.
template <typename Entry>
void Stamp(Entry& entry, const Timestamp& now) {
  if constexpr (requires { entry.mutable_reported_at(); }) *entry.mutable_reported_at() = now;
  if constexpr (requires { entry.clear_warned_within(); }) entry.clear_warned_within();
}

// Applies the entries of `updates` to `stored` as `how` says; `ended` entries (after the update) are removed.
template <typename Entry, typename Ended>
void ApplyEntries(const RepeatedPtrField<Entry>& updates, const ListUpdate& how, const Timestamp& now, Ended ended,
                  RepeatedPtrField<Entry>& stored) {
  if (!how.Touched()) return;
  auto of_type = [](int type) { return [type](const Entry& entry) { return static_cast<int>(entry.type()) == type; }; };
  for (int type : how.replaced) {
    stored.erase(std::remove_if(stored.begin(), stored.end(), of_type(type)), stored.end());
  }
  for (const Entry& update : updates) {
    const int type = static_cast<int>(update.type());
    Entry* target = nullptr;
    if (how.replaced.contains(type)) {
      target = stored.Add();
      *target = update;
    } else if (how.merge) {
      auto existing = std::find_if(stored.begin(), stored.end(), of_type(type));
      target = existing == stored.end() ? stored.Add() : &*existing;
      target->MergeFrom(update);
    } else {
      continue;  // Not named by the mask: ignored (AIP-134).
    }
    Stamp(*target, now);
  }
  stored.erase(std::remove_if(stored.begin(), stored.end(), ended), stored.end());
}

}  // namespace

bool ReplacesWholeReport(const FieldMask& mask) {
  return mask.paths().empty() || (mask.paths_size() == 1 && mask.paths(0) == "*");
}

absl::Status ValidateReportStatusRequest(const v1::ReportStatusRequest& request) {
  const FieldMask& mask = request.update_mask();
  const FieldPath update_mask("update_mask");
  const FieldPath paths = update_mask.Field("paths");
  if (mask.paths_size() > kMaxUpdateMaskPaths) {
    return Invalid(paths, "at most ", kMaxUpdateMaskPaths, " paths allowed, got ", mask.paths_size());
  }
  const bool whole = ReplacesWholeReport(mask);
  if (!whole) {
    for (int i = 0; i < mask.paths_size(); ++i) KETENBEELD_RETURN_IF_ERROR(CheckPath(mask.paths(i), paths.Index(i)));
  }
  return ValidateStatusReport(
      request.report(), "report",
      whole || Names(mask, "overall_status") ? StatusReportForm::kWhole : StatusReportForm::kPartial);
}

v1::StatusReport ApplyStatusUpdate(const v1::StatusReport* stored, v1::StatusReport update, const FieldMask& mask,
                                   absl::Time commit_time) {
  const Timestamp now = ToProtoTime(commit_time);
  v1::StatusReport result;
  if (ReplacesWholeReport(mask)) {
    result = std::move(update);
    for (v1::Capacity& capacity : *result.mutable_capacity()) Stamp(capacity, now);
    for (v1::Supply& supply : *result.mutable_supplies()) Stamp(supply, now);
    for (v1::IndicatorValue& value : *result.mutable_indicator_values()) *value.mutable_reported_at() = now;
    if (result.has_emergency_department()) result.mutable_emergency_department()->clear_expired_since();
    result.clear_update_mask();
    result.clear_unknown_since();
    result.clear_last_known_overall_status();
    return result;
  }
  if (stored != nullptr) {
    result = *stored;
    // Entries stored before entries carried their own time were written with the report: keep that time, so that
    // what is derived from it (staleness, when a supply runs out) does not move with this report.
    for (v1::Capacity& capacity : *result.mutable_capacity()) {
      if (!capacity.has_reported_at()) *capacity.mutable_reported_at() = stored->commit_time();
    }
    for (v1::Supply& supply : *result.mutable_supplies()) {
      if (!supply.has_reported_at()) *supply.mutable_reported_at() = stored->commit_time();
    }
    // The organisation reports again: an overall status the server set to unknown for lack of reports goes back to
    // what the organisation last said, unless this report says it anew.
    if (result.has_unknown_since()) {
      result.set_overall_status(result.last_known_overall_status());
      result.clear_unknown_since();
      result.clear_last_known_overall_status();
    }
  } else {
    result.set_organization_id(update.organization_id());
    result.set_location_id(update.location_id());
  }
  FieldMask singular;  // The paths FieldMaskUtil applies: scalars, messages and fields of messages.
  absl::flat_hash_map<absl::string_view, ListUpdate> lists;
  bool department_written = false;
  std::vector<std::string> normalized(mask.paths().begin(), mask.paths().end());
  std::sort(normalized.begin(), normalized.end());
  normalized.erase(std::unique(normalized.begin(), normalized.end()), normalized.end());
  for (const std::string& path : normalized) {
    if (path == kIndicatorValues) {
      for (const v1::IndicatorValue& answer : update.indicator_values()) {
        auto existing =
            std::find_if(result.mutable_indicator_values()->begin(), result.mutable_indicator_values()->end(),
                         [&](const v1::IndicatorValue& kept) { return kept.indicator_id() == answer.indicator_id(); });
        v1::IndicatorValue& target =
            existing == result.mutable_indicator_values()->end() ? *result.add_indicator_values() : *existing;
        target = answer;
        *target.mutable_reported_at() = now;
      }
      continue;
    }
    const size_t dot = path.find('.');
    const absl::string_view head = absl::string_view(path).substr(0, dot);
    department_written = department_written || head == "emergency_department";
    if (const KeyedList* list = FindKeyedList(head); list != nullptr) {
      if (dot == std::string::npos) {
        lists[list->name].merge = true;
      } else {
        lists[list->name].replaced.insert(TypeOfKey(*list, absl::string_view(path).substr(dot + 1)));
      }
    } else {
      singular.add_paths(path);
    }
  }
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(update, singular, options, &result);
  if (department_written && result.has_emergency_department()) {
    result.mutable_emergency_department()->clear_expired_since();
  }
  auto never = [](const auto&) { return false; };
  ApplyEntries(update.capacity(), lists["capacity"], now, never, *result.mutable_capacity());
  ApplyEntries(update.supplies(), lists["supplies"], now, never, *result.mutable_supplies());
  // A disruption whose severity became "none" is over: it leaves the report.
  ApplyEntries(
      update.disruptions(), lists["disruptions"], now,
      [](const v1::Disruption& disruption) { return disruption.severity() == v1::SEVERITY_NONE; },
      *result.mutable_disruptions());
  result.clear_detail_withheld();
  result.mutable_update_mask()->mutable_paths()->Assign(normalized.begin(), normalized.end());
  return result;
}

}  // namespace ketenbeeld::domain
