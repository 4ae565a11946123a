#include "server/domain/filter.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "server/domain/identifiers.h"

namespace ketenbeeld::domain {
namespace {

using ::google::protobuf::RepeatedField;
using ::google::protobuf::RepeatedPtrField;
using ::ketenbeeld::v1::Disruption;
using ::ketenbeeld::v1::Record;

// Enum values of the filtered enums are all below 63 (EntityKind goes up to 39: values 30..39 are reserved for
// new kinds, ENTITY_KIND_ESCALATION_TASK is 31). Bit 63 stands for "a value this build does not know": it keeps the
// mask non-zero (so the list still restricts) but no record value ever sets it. (It was bit 31 of a 32-bit mask,
// which made ENTITY_KIND_ESCALATION_TASK unselectable.)
constexpr int kUnknownValueBit = 63;

uint64_t MaskOf(const RepeatedField<int>& values) {
  uint64_t mask = 0;
  for (int value : values) {
    mask |= (value >= 0 && value < kUnknownValueBit) ? (uint64_t{1} << value) : (uint64_t{1} << kUnknownValueBit);
  }
  return mask;
}

// True when the list behind `mask` is empty (matches all) or holds `value`.
bool InMask(uint64_t mask, int value) {
  if (mask == 0) return true;
  return value >= 0 && value < kUnknownValueBit && ((mask >> value) & 1u) != 0;
}

std::vector<std::string> SortedUnique(const RepeatedPtrField<std::string>& values) {
  std::vector<std::string> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return sorted;
}

// True when `values` is empty (matches all) or holds `value`.
bool InSorted(const std::vector<std::string>& values, std::string_view value) {
  if (values.empty()) return true;
  auto it = std::lower_bound(values.begin(), values.end(), value,
                             [](const std::string& a, std::string_view b) { return a < b; });
  return it != values.end() && *it == value;
}

}  // namespace

CompiledFilter::CompiledFilter(const ketenbeeld::v1::Filter& filter)
    : filter_(filter),
      organization_ids_(SortedUnique(filter.organization_ids())),
      safety_regions_(SortedUnique(filter.safety_regions())),
      kinds_mask_(MaskOf(filter.kinds())),
      sectors_mask_(MaskOf(filter.sectors())),
      disruptions_mask_(MaskOf(filter.disruptions())),
      disruption_filter_(!filter.disruptions().empty() ||
                         filter.min_severity() != ketenbeeld::v1::SEVERITY_UNSPECIFIED),
      identifier_filter_(HasIdentifiers(filter.identifiers())) {
  if (filter.min_severity() != ketenbeeld::v1::SEVERITY_UNSPECIFIED) {
    min_severity_ = filter.min_severity();
  } else if (disruption_filter_) {
    min_severity_ = ketenbeeld::v1::SEVERITY_MINOR;  // Documented default when only `disruptions` is set.
  }
}

bool CompiledFilter::MatchesScope(const Record& record) const {
  // The picture the filter reads: the real one (exercise_id empty) or one exercise's view. The registry is shared by
  // both, so an organisation matches every view. The exercises themselves ("exercises/{id}") match every view when
  // the filter names their kind: that is how a reader of the real picture finds the exercises it may choose.
  const bool shared = record.kind() == ketenbeeld::v1::ENTITY_KIND_ORGANIZATION ||
                      (record.kind() == ketenbeeld::v1::ENTITY_KIND_EXERCISE && kinds_mask_ != 0);
  if (record.exercise_id() != filter_.exercise_id() && !shared) return false;
  if (admits_ != nullptr && !admits_(record)) return false;
  return InMask(kinds_mask_, record.kind()) && InMask(sectors_mask_, record.scope().sector()) &&
         InSorted(organization_ids_, record.scope().organization_id()) &&
         InSorted(safety_regions_, record.scope().safety_region());
}

bool CompiledFilter::MatchesDisruptions(const RepeatedPtrField<Disruption>& disruptions) const {
  return std::any_of(disruptions.begin(), disruptions.end(), [this](const Disruption& disruption) {
    return disruption.severity() >= min_severity_ && InMask(disruptions_mask_, disruption.type());
  });
}

bool CompiledFilter::MatchesIdentifiers(const Record& record) const {
  if (!identifier_filter_) return true;
  return record.kind() == ketenbeeld::v1::ENTITY_KIND_ORGANIZATION &&
         SharedIdentifier(filter_.identifiers(), record.organization().identifiers()) != nullptr;
}

bool CompiledFilter::Matches(const Record& record) const {
  if (!MatchesScope(record) || !MatchesIdentifiers(record)) return false;
  if (!disruption_filter_) return true;
  return record.kind() == ketenbeeld::v1::ENTITY_KIND_STATUS_REPORT &&
         MatchesDisruptions(record.status_report().disruptions());
}

bool CompiledFilter::Matches(const ketenbeeld::v1::Event& event) const {
  const Record& record = event.record();
  if (!MatchesScope(record) || !MatchesIdentifiers(record)) return false;
  if (!disruption_filter_) return true;
  if (record.kind() != ketenbeeld::v1::ENTITY_KIND_STATUS_REPORT) return false;
  return MatchesDisruptions(record.status_report().disruptions()) || MatchesDisruptions(event.previous_disruptions());
}

}  // namespace ketenbeeld::domain
