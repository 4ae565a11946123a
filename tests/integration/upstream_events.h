// What a federator sends: a source region's events as its feed delivers them, and ApplyUpstream ranges of them. For
// the federation tests (federation_test.cc, federation_views_test.cc).
#ifndef KETENBEELD_TESTS_INTEGRATION_UPSTREAM_EVENTS_H_
#define KETENBEELD_TESTS_INTEGRATION_UPSTREAM_EVENTS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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
