// Questionnaires (indicator.proto): field validation of indicators and of the answers status reports carry, and the
// rules that relate an answer to its indicator and to the organisation that gives it. The checks that need the
// picture (does the indicator exist, is the organisation registered) are the planners'
// (server/mutations/mutations_indicator.cc, mutations_registry.cc), which call IndicatorValueFits with what they found.
//
// Errors: INVALID_ARGUMENT naming the field ("indicator.choices[2]", "report.indicator_values[1].number").
// Thread safety: pure functions.
#ifndef KETENBEELD_SERVER_DOMAIN_INDICATOR_VALIDATION_H_
#define KETENBEELD_SERVER_DOMAIN_INDICATOR_VALIDATION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "google/protobuf/repeated_field.h"
#include "ketenbeeld/v1/indicator.pb.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "server/domain/field_checks.h"

namespace ketenbeeld::domain {

// Limits (see indicator.proto).
inline constexpr int kMaxIndicatorChoices = 20;
inline constexpr int kMaxIndicatorChoiceLength = 100;
inline constexpr int kMaxIndicatorOrganizations = 1000;
inline constexpr int kMaxIndicatorScopeValues = 10;
inline constexpr int64_t kMaxIndicatorCount = 1000000;
inline constexpr double kMaxIndicatorNumber = 1e9;
inline constexpr int kMaxIndicatorValues = 100;
inline constexpr int kMaxAlertIndicators = 50;
inline constexpr int64_t kMinIndicatorCadenceSeconds = 5 * 60;
inline constexpr int64_t kMaxIndicatorCadenceSeconds = 7 * 24 * 3600;

absl::Status ValidateDefineIndicatorRequest(const ketenbeeld::v1::DefineIndicatorRequest& request);
absl::Status ValidateRetireIndicatorRequest(const ketenbeeld::v1::RetireIndicatorRequest& request);
absl::Status ValidateGetIndicatorOverviewRequest(const ketenbeeld::v1::GetIndicatorOverviewRequest& request);

// The answers of a status report, each on its own: an indicator id, exactly one value, within its limits; each
// indicator once. Whether they fit their indicators is IndicatorValueFits.
absl::Status CheckIndicatorValues(const google::protobuf::RepeatedPtrField<ketenbeeld::v1::IndicatorValue>& values,
                                  const checks::FieldPath& path);

// Alert.indicator_ids: at most kMaxAlertIndicators valid ids, each once.
absl::Status CheckAlertIndicatorIds(const google::protobuf::RepeatedPtrField<std::string>& ids,
                                    const checks::FieldPath& path);

// Whether `indicator` asks `organization` (IndicatorScope).
bool IndicatorAppliesTo(const ketenbeeld::v1::Indicator& indicator, const ketenbeeld::v1::Organization& organization);

// Whether `value` (checked by CheckIndicatorValues) may be reported by `organization` for `indicator` (nullptr: not
// defined): the indicator exists, is not retired, applies to the organisation, and the value is of its type (a choice
// one of its choices). INVALID_ARGUMENT naming `path` (the value) or the field that was set (`path`.number).
absl::Status IndicatorValueFits(const ketenbeeld::v1::Indicator* indicator, const ketenbeeld::v1::IndicatorValue& value,
                                const ketenbeeld::v1::Organization& organization, const checks::FieldPath& path);

// The field of IndicatorValue that answers an indicator of `type` ("count", "number", ...).
const char* IndicatorValueField(ketenbeeld::v1::IndicatorType type);

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_INDICATOR_VALIDATION_H_
