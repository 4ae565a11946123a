#include "server/domain/indicator_validation.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace ketenbeeld::domain {
namespace {

using namespace checks;  // NOLINT(google-build-using-namespace): the checkers are this file's vocabulary.

namespace v1 = ::ketenbeeld::v1;

constexpr TextRule kIndicatorChoice{1, kMaxIndicatorChoiceLength, false};
constexpr TextRule kIndicatorText{0, kMaxShortTextLength, true};

template <typename Enum>
absl::Status CheckScopeEnums(const RepeatedField<int>& values, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckSize(values, kMaxIndicatorScopeValues, path));
  for (int i = 0; i < values.size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(CheckEnum<Enum>(values.Get(i), path.Index(i), Presence::kListElement));
  }
  return absl::OkStatus();
}

absl::Status CheckScope(const v1::IndicatorScope& scope, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckScopeEnums<v1::Sector>(scope.sectors(), path.Field("sectors")));
  KETENBEELD_RETURN_IF_ERROR(
      CheckScopeEnums<v1::OrganizationKind>(scope.organization_kinds(), path.Field("organization_kinds")));
  const FieldPath ids = path.Field("organization_ids");
  KETENBEELD_RETURN_IF_ERROR(CheckSize(scope.organization_ids(), kMaxIndicatorOrganizations, ids));
  for (int i = 0; i < scope.organization_ids_size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(CheckId(scope.organization_ids(i), ids.Index(i)));
  }
  return absl::OkStatus();
}

absl::Status CheckChoices(const v1::Indicator& indicator, const FieldPath& path) {
  if (indicator.type() != v1::INDICATOR_TYPE_CHOICE) {
    if (indicator.choices_size() == 0) return absl::OkStatus();
    return Invalid(path, "only for INDICATOR_TYPE_CHOICE, got type ", EnumName<v1::IndicatorType>(indicator.type()));
  }
  if (indicator.choices_size() < 2 || indicator.choices_size() > kMaxIndicatorChoices) {
    return Invalid(path, "a choice indicator needs 2 to ", kMaxIndicatorChoices, " choices, got ",
                   indicator.choices_size());
  }
  absl::flat_hash_map<std::string, int> first;
  for (int i = 0; i < indicator.choices_size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(CheckText(indicator.choices(i), path.Index(i), kIndicatorChoice));
    const auto [it, inserted] = first.try_emplace(indicator.choices(i), i);
    if (!inserted) {
      return Invalid(path.Index(i), Quote(indicator.choices(i)), " appears twice (also at ",
                     path.Index(it->second).ToString(), ")");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCadence(const google::protobuf::Duration& cadence, const FieldPath& path) {
  if (cadence.seconds() == 0 && cadence.nanos() == 0) return absl::OkStatus();
  if (cadence.nanos() < 0 || cadence.nanos() > kMaxNanos || cadence.seconds() < kMinIndicatorCadenceSeconds ||
      cadence.seconds() > kMaxIndicatorCadenceSeconds) {
    return Invalid(path, "must be 0 (answer once) or between ", kMinIndicatorCadenceSeconds / 60, " minutes and ",
                   kMaxIndicatorCadenceSeconds / 86400, " days, got ", cadence.seconds(), " s");
  }
  return absl::OkStatus();
}

absl::Status CheckIndicator(const v1::Indicator& indicator, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(indicator.id(), path.Field("id")));
  KETENBEELD_RETURN_IF_ERROR(CheckText(indicator.label_nl(), path.Field("label_nl"), kRequiredName));
  KETENBEELD_RETURN_IF_ERROR(CheckText(indicator.label_en(), path.Field("label_en"), kRequiredName));
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::IndicatorType>(indicator.type(), path.Field("type"), Presence::kRequired));
  KETENBEELD_RETURN_IF_ERROR(CheckChoices(indicator, path.Field("choices")));
  KETENBEELD_RETURN_IF_ERROR(CheckText(indicator.unit(), path.Field("unit"), kUnit));
  KETENBEELD_RETURN_IF_ERROR(CheckScope(indicator.applies_to(), path.Field("applies_to")));
  KETENBEELD_RETURN_IF_ERROR(CheckOptionalId(indicator.incident_id(), path.Field("incident_id")));
  // `retired` and `retired_at` are output only: ignored.
  return CheckCadence(indicator.cadence(), path.Field("cadence"));
}

absl::Status CheckIndicatorValue(const v1::IndicatorValue& value, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(value.indicator_id(), path.Field("indicator_id")));
  switch (value.value_case()) {
    case v1::IndicatorValue::kCount:
      if (value.count() < 0 || value.count() > kMaxIndicatorCount) {
        return Invalid(path.Field("count"), "must be between 0 and ", kMaxIndicatorCount, ", got ", value.count());
      }
      return absl::OkStatus();
    case v1::IndicatorValue::kNumber:
      if (!std::isfinite(value.number()) || std::abs(value.number()) > kMaxIndicatorNumber) {
        const int64_t limit = static_cast<int64_t>(kMaxIndicatorNumber);
        return Invalid(path.Field("number"), "must be a finite number between -", limit, " and ", limit, ", got ",
                       value.number());
      }
      return absl::OkStatus();
    case v1::IndicatorValue::kYesNo:
      return absl::OkStatus();
    case v1::IndicatorValue::kChoice:
      return CheckText(value.choice(), path.Field("choice"), kIndicatorChoice);
    case v1::IndicatorValue::kText:
      return CheckText(value.text(), path.Field("text"), kIndicatorText);
    case v1::IndicatorValue::VALUE_NOT_SET:
      break;
  }
  return Invalid(path, "no value: give count, number, yes_no, choice or text (the indicator's type)");
}

}  // namespace

const char* IndicatorValueField(v1::IndicatorType type) {
  switch (type) {
    case v1::INDICATOR_TYPE_COUNT:
      return "count";
    case v1::INDICATOR_TYPE_NUMBER:
      return "number";
    case v1::INDICATOR_TYPE_YES_NO:
      return "yes_no";
    case v1::INDICATOR_TYPE_CHOICE:
      return "choice";
    case v1::INDICATOR_TYPE_TEXT:
      return "text";
    default:
      return "value";
  }
}

absl::Status ValidateDefineIndicatorRequest(const v1::DefineIndicatorRequest& request) {
  return CheckIndicator(request.indicator(), FieldPath("indicator"));
}

absl::Status ValidateRetireIndicatorRequest(const v1::RetireIndicatorRequest& request) {
  return CheckId(request.indicator_id(), FieldPath("indicator_id"));
}

absl::Status ValidateGetIndicatorOverviewRequest(const v1::GetIndicatorOverviewRequest& request) {
  const FieldPath ids("indicator_ids");
  KETENBEELD_RETURN_IF_ERROR(CheckSize(request.indicator_ids(), kMaxIndicatorValues, ids));
  absl::flat_hash_map<std::string, int> first;
  for (int i = 0; i < request.indicator_ids_size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(CheckId(request.indicator_ids(i), ids.Index(i)));
    const auto [it, inserted] = first.try_emplace(request.indicator_ids(i), i);
    if (!inserted) {
      return Invalid(ids.Index(i), Quote(request.indicator_ids(i)), " appears twice (also at ",
                     ids.Index(it->second).ToString(), ")");
    }
  }
  return CheckOptionalId(request.incident_id(), FieldPath("incident_id"));
}

absl::Status CheckIndicatorValues(const RepeatedPtrField<v1::IndicatorValue>& values, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckSize(values, kMaxIndicatorValues, path));
  if (values.empty()) return absl::OkStatus();
  return CheckUniqueElements(
      values, path, "indicator_id", CheckIndicatorValue,
      [](const v1::IndicatorValue& value) { return value.indicator_id(); },
      [](const std::string& id) { return absl::StrCat("indicator ", Quote(id)); });
}

absl::Status CheckAlertIndicatorIds(const RepeatedPtrField<std::string>& ids, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckSize(ids, kMaxAlertIndicators, path));
  absl::flat_hash_map<std::string, int> first;
  for (int i = 0; i < ids.size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(CheckId(ids.Get(i), path.Index(i)));
    const auto [it, inserted] = first.try_emplace(ids.Get(i), i);
    if (!inserted) {
      return Invalid(path.Index(i), Quote(ids.Get(i)), " appears twice (also at ", path.Index(it->second).ToString(),
                     ")");
    }
  }
  return absl::OkStatus();
}

bool IndicatorAppliesTo(const v1::Indicator& indicator, const v1::Organization& organization) {
  const v1::IndicatorScope& scope = indicator.applies_to();
  if (std::find(scope.organization_ids().begin(), scope.organization_ids().end(), organization.id()) !=
      scope.organization_ids().end()) {
    return true;
  }
  const bool by_sector = !scope.sectors().empty();
  const bool by_kind = !scope.organization_kinds().empty();
  if (!by_sector && !by_kind) return scope.organization_ids().empty();  // Nothing named: everyone.
  const bool sector_ok = !by_sector || std::find(scope.sectors().begin(), scope.sectors().end(),
                                                 static_cast<int>(organization.sector())) != scope.sectors().end();
  const bool kind_ok = !by_kind || std::find(scope.organization_kinds().begin(), scope.organization_kinds().end(),
                                             static_cast<int>(organization.kind())) != scope.organization_kinds().end();
  return sector_ok && kind_ok;
}

absl::Status IndicatorValueFits(const v1::Indicator* indicator, const v1::IndicatorValue& value,
                                const v1::Organization& organization, const FieldPath& path) {
  if (indicator == nullptr) {
    return Invalid(path.Field("indicator_id"), "indicator ", Quote(value.indicator_id()), " is not defined");
  }
  if (indicator->retired()) {
    return Invalid(path.Field("indicator_id"), "indicator ", Quote(indicator->id()),
                   " is retired and takes no new values (its earlier values stay readable)");
  }
  if (!IndicatorAppliesTo(*indicator, organization)) {
    return Invalid(path.Field("indicator_id"), "indicator ", Quote(indicator->id()), " does not apply to organisation ",
                   Quote(organization.id()), " (", EnumName<v1::OrganizationKind>(organization.kind()), ")");
  }
  const char* expected = IndicatorValueField(indicator->type());
  const bool fits = (indicator->type() == v1::INDICATOR_TYPE_COUNT && value.has_count()) ||
                    (indicator->type() == v1::INDICATOR_TYPE_NUMBER && value.has_number()) ||
                    (indicator->type() == v1::INDICATOR_TYPE_YES_NO && value.has_yes_no()) ||
                    (indicator->type() == v1::INDICATOR_TYPE_CHOICE && value.has_choice()) ||
                    (indicator->type() == v1::INDICATOR_TYPE_TEXT && value.has_text());
  if (!fits) {
    const v1::IndicatorValue::ValueCase given = value.value_case();
    const char* given_field = given == v1::IndicatorValue::kCount    ? "count"
                              : given == v1::IndicatorValue::kNumber ? "number"
                              : given == v1::IndicatorValue::kYesNo  ? "yes_no"
                              : given == v1::IndicatorValue::kChoice ? "choice"
                                                                     : "text";
    return Invalid(path.Field(given_field), "indicator ", Quote(indicator->id()), " is ",
                   EnumName<v1::IndicatorType>(indicator->type()), ": give ", expected, ", not ", given_field);
  }
  if (indicator->type() == v1::INDICATOR_TYPE_CHOICE &&
      std::find(indicator->choices().begin(), indicator->choices().end(), value.choice()) ==
          indicator->choices().end()) {
    std::string valid;
    for (const std::string& choice : indicator->choices()) absl::StrAppend(&valid, valid.empty() ? "" : ", ", choice);
    return Invalid(path.Field("choice"), Quote(value.choice()), " is not a choice of indicator ",
                   Quote(indicator->id()), " (valid: ", valid, ")");
  }
  return absl::OkStatus();
}

}  // namespace ketenbeeld::domain
