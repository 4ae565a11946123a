// Field validation of federation's writes (federation_service.proto, docs/federation.md): an ApplyUpstream range of
// a source region's log. See validation.h for the rules every validator follows.
#ifndef KETENBEELD_SERVER_DOMAIN_FEDERATION_VALIDATION_H_
#define KETENBEELD_SERVER_DOMAIN_FEDERATION_VALIDATION_H_

#include "absl/status/status.h"
#include "ketenbeeld/v1/federation_service.pb.h"

namespace ketenbeeld::domain {

// Events one ApplyUpstream may carry (the federator batches below it).
inline constexpr int kMaxUpstreamEvents = 1000;

// OK or INVALID_ARGUMENT whose message starts with the field:
//   source_region     required, VR01..VR25;
//   expected_cursor   >= 0;
//   first_revision    expected_cursor + 1;
//   last_revision     >= expected_cursor; equal to it only without events (a heartbeat);
//   events            at most kMaxUpstreamEvents;
//   events[i]         revision in [first_revision, last_revision] and greater than the previous event's; type PUT or
//                     DELETE; commit_time valid; record.name a record name of the picture (not "upstream/..." and
//                     not an exercise's), record.kind that name's kind, and for a PUT the entity of that kind.
// Checks that need the picture (the cursor, an organisation held by another source) are the planner's
// (server/mutations/mutations_federation.cc). Thread-safe.
absl::Status ValidateApplyUpstreamRequest(const ketenbeeld::v1::ApplyUpstreamRequest& request);

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_FEDERATION_VALIDATION_H_
