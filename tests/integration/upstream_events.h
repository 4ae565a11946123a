// What a federator sends: a source region's events as its feed delivers them, and ApplyUpstream ranges of them. For
// the federation tests (federation_test.cc, federation_views_test.cc, federated_aggregate_test.cc).
#ifndef KETENBEELD_TESTS_INTEGRATION_UPSTREAM_EVENTS_H_
#define KETENBEELD_TESTS_INTEGRATION_UPSTREAM_EVENTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "ketenbeeld/v1/federation_service.pb.h"
#include "ketenbeeld/v1/picture.pb.h"

namespace ketenbeeld::testing {

// A source region's PUT of `record` at `revision`, a commit group of its own, committed at a fixed time per revision.
inline ::ketenbeeld::v1::Event SourceEvent(int64_t revision, ::ketenbeeld::v1::Record record) {
  ::ketenbeeld::v1::Event event;
  event.set_revision(revision);
  *event.mutable_commit_time() = ToProtoTime(absl::FromUnixSeconds(1764770000 + revision));
  event.set_type(::ketenbeeld::v1::EVENT_TYPE_PUT);
  record.set_create_revision(revision);
  record.set_mod_revision(revision);
  *event.mutable_record() = std::move(record);
  event.set_group_last_revision(revision);
  return event;
}

// A region's own long-term care aggregate of `group` as its feed carries it ("aggregates/{group}"): `available`
// nursing-home places summed over `reporting` organisations (absent: the region withheld the sum).
inline ::ketenbeeld::v1::Record RegionAggregate(const std::string& group, const std::string& region, int reporting,
                                                std::optional<int> available) {
  ::ketenbeeld::v1::Record record;
  record.set_name(absl::StrCat("aggregates/", group));
  record.set_kind(::ketenbeeld::v1::ENTITY_KIND_SECTOR_AGGREGATE);
  record.mutable_scope()->set_safety_region(region);
  record.mutable_scope()->set_sector(::ketenbeeld::v1::SECTOR_LONG_TERM_CARE);
  ::ketenbeeld::v1::SectorAggregate& aggregate = *record.mutable_sector_aggregate();
  aggregate.set_group(group);
  aggregate.set_sector(::ketenbeeld::v1::SECTOR_LONG_TERM_CARE);
  aggregate.set_organizations_reporting(reporting);
  aggregate.set_min_group_size(3);
  ::ketenbeeld::v1::AggregateBeds& beds = *aggregate.add_beds();
  beds.set_type(::ketenbeeld::v1::BED_TYPE_NURSING_HOME);
  beds.set_organizations_reporting(reporting);
  if (available.has_value()) {
    beds.set_available(*available);
    beds.set_total(*available + 20);
  }
  return record;
}

// The range (expected_cursor, last_revision] of `region`'s log carrying `events`.
inline ::ketenbeeld::v1::ApplyUpstreamRequest UpstreamRange(const std::string& region, int64_t expected_cursor,
                                                            int64_t last_revision,
                                                            std::vector<::ketenbeeld::v1::Event> events) {
  ::ketenbeeld::v1::ApplyUpstreamRequest request;
  request.set_source_region(region);
  request.set_expected_cursor(expected_cursor);
  request.set_first_revision(expected_cursor + 1);
  request.set_last_revision(last_revision);
  for (::ketenbeeld::v1::Event& event : events) *request.add_events() = std::move(event);
  return request;
}

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_INTEGRATION_UPSTREAM_EVENTS_H_
