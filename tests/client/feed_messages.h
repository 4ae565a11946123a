// Subscribe messages for the client library's feed and replica tests.
#ifndef KETENBEELD_TESTS_CLIENT_FEED_MESSAGES_H_
#define KETENBEELD_TESTS_CLIENT_FEED_MESSAGES_H_

#include <cstdint>

#include "ketenbeeld/v1/picture_service.pb.h"

namespace ketenbeeld::client::testing {

// The end of a snapshot (or of a resume without one) at `revision`.
inline v1::SubscribeResponse Synced(int64_t revision) {
  v1::SubscribeResponse message;
  message.mutable_synced()->set_revision(revision);
  return message;
}

// A heartbeat: nothing for this subscriber up to `revision`.
inline v1::SubscribeResponse Heartbeat(int64_t revision) {
  v1::SubscribeResponse message;
  message.mutable_heartbeat()->set_revision(revision);
  return message;
}

}  // namespace ketenbeeld::client::testing

#endif  // KETENBEELD_TESTS_CLIENT_FEED_MESSAGES_H_
