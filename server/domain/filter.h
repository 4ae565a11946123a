// Evaluation of a ketenbeeld.v1.Filter against records (Get/List/snapshots) and events (History/feeds).
// One implementation for every read path, so a feed and a List with the same filter always agree.
#ifndef KETENBEELD_SERVER_DOMAIN_FILTER_H_
#define KETENBEELD_SERVER_DOMAIN_FILTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ketenbeeld/v1/picture.pb.h"

namespace ketenbeeld::domain {

// A filter prepared for fast repeated evaluation (sets instead of repeated fields). Cheap to copy.
//
// Semantics (ketenbeeld.v1.Filter): every non-empty list must match (AND), any value within a list may (OR). Records
// are matched on Record.kind and Record.scope; a disruption filter (`disruptions` or `min_severity` set) matches only
// status reports with a disruption of a listed type (any type when none listed) at or above the minimum severity
// (SEVERITY_MINOR when unspecified); an identifier filter (`identifiers` with a field set) matches only organisations
// that hold one of the given identifiers. Records of an exercise (Record.exercise_id) match only a filter of that
// exercise (Filter.exercise_id); a filter of an exercise matches those and the registry (organisations), and a filter
// without one the real picture only.
//
// Compile only validated filters (ValidateFilter). Values a validated filter cannot hold (unknown enum numbers) never
// match anything, so an unvalidated filter fails closed rather than open.
//
// Thread safety: const methods may be called concurrently.
class CompiledFilter {
 public:
  CompiledFilter() = default;  // Matches the whole real picture (every record but the exercises').
  explicit CompiledFilter(const ketenbeeld::v1::Filter& filter);

  bool Matches(const ketenbeeld::v1::Record& record) const;
  // An event matches when its record matches, or, for a disruption filter, when the report it replaced matched
  // (Event.previous_disruptions), so a subscriber sees a report leave its filter.
  bool Matches(const ketenbeeld::v1::Event& event) const;

  // Also leaves out every record `admits` refuses: a reader's policy applied where the filter is (a feed's snapshot
  // and events), e.g. what the federation role never sees (policy::FederationAdmits). Null: every record the filter
  // selects. A plain function, so the domain stays below the policy.
  void set_admission(bool (*admits)(const ketenbeeld::v1::Record&)) { admits_ = admits; }

  // The filter as given (for logging and echoing).
  const ketenbeeld::v1::Filter& filter() const { return filter_; }

 private:
  bool MatchesScope(const ketenbeeld::v1::Record& record) const;
  bool MatchesDisruptions(const google::protobuf::RepeatedPtrField<ketenbeeld::v1::Disruption>& disruptions) const;
  // True without an identifier filter; with one, only for an organisation holding one of its identifiers.
  bool MatchesIdentifiers(const ketenbeeld::v1::Record& record) const;

  ketenbeeld::v1::Filter filter_;
  // Sorted and deduplicated; empty = all. Filters hold a handful of values, so binary search beats hashing.
  std::vector<std::string> organization_ids_;
  std::vector<std::string> safety_regions_;
  uint64_t kinds_mask_ = 0;         // Bit per EntityKind; 0 = all.
  uint64_t sectors_mask_ = 0;       // Bit per Sector; 0 = all.
  uint64_t disruptions_mask_ = 0;   // Bit per DisruptionType; 0 = any type (when disruption filtering is on).
  bool disruption_filter_ = false;  // True when `disruptions` or `min_severity` is set.
  ketenbeeld::v1::Severity min_severity_ = ketenbeeld::v1::SEVERITY_UNSPECIFIED;
  bool identifier_filter_ = false;  // True when `identifiers` has a field set.
  bool (*admits_)(const ketenbeeld::v1::Record&) = nullptr;
};

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_FILTER_H_
