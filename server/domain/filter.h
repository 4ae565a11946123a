// Evaluation of a ketenbeeld.v1.Filter against records (Get/List/snapshots) and events (History/feeds).
// One implementation for every read path, so a feed and a List with the same filter always agree.
#ifndef KETENBEELD_SERVER_DOMAIN_FILTER_H_
#define KETENBEELD_SERVER_DOMAIN_FILTER_H_

#include "ketenbeeld/v1/picture.pb.h"

namespace ketenbeeld::domain {

// A filter prepared for fast repeated evaluation (sets instead of repeated fields). Cheap to copy.
class CompiledFilter {
 public:
  CompiledFilter() = default;  // Matches everything.
  explicit CompiledFilter(const ketenbeeld::v1::Filter& filter);

  bool Matches(const ketenbeeld::v1::Record& record) const;
  // An event matches when its record matches, or, for a disruption filter, when the report it replaced matched
  // (Event.previous_disruptions), so a subscriber sees a report leave its filter.
  bool Matches(const ketenbeeld::v1::Event& event) const;

  // The filter as given (for logging and echoing).
  const ketenbeeld::v1::Filter& filter() const { return filter_; }

 private:
  bool MatchesScope(const ketenbeeld::v1::Record& record) const;
  bool MatchesDisruptions(const google::protobuf::RepeatedPtrField<ketenbeeld::v1::Disruption>& disruptions) const;

  ketenbeeld::v1::Filter filter_;
  uint32_t kinds_mask_ = 0;         // Bit per EntityKind; 0 = all.
  uint32_t sectors_mask_ = 0;       // Bit per Sector; 0 = all.
  uint32_t disruptions_mask_ = 0;   // Bit per DisruptionType; 0 = any type (when disruption filtering is on).
  bool disruption_filter_ = false;  // True when `disruptions` or `min_severity` is set.
  ketenbeeld::v1::Severity min_severity_ = ketenbeeld::v1::SEVERITY_UNSPECIFIED;
};

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_FILTER_H_
