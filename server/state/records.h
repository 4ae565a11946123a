// Immutable, shared, pre-serialized records and events: the unit the picture, the hub and the feeds pass around.
// Each is serialized exactly once (by the committer, or when read back from the log) and then shared by every
// reader and subscriber without copying.
#ifndef KETENBEELD_SERVER_STATE_RECORDS_H_
#define KETENBEELD_SERVER_STATE_RECORDS_H_

#include <memory>
#include <string>

#include "absl/base/call_once.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ketenbeeld/v1/picture.pb.h"

namespace ketenbeeld::state {

struct StoredRecord {
  ketenbeeld::v1::Record record;
  std::string wire;  // record.SerializeAsString()
  // The form shown to readers who may not see this record's detailed figures, made once on first use by
  // policy::WireFor (server/policy/visibility.h) and then shared by all of them.
  mutable absl::once_flag redacted_once;
  mutable std::string redacted_wire;
  // The form shown to the federation role (policy/federation.h), made once on first use and shared by every
  // federation reader.
  mutable absl::once_flag federation_once;
  mutable std::string federation_wire;
};
using RecordPtr = std::shared_ptr<const StoredRecord>;

struct PublishedEvent {
  ketenbeeld::v1::Event event;
  std::string wire;  // event.SerializeAsString(); the bytes stored in the log
  // As StoredRecord::redacted_wire and federation_wire.
  mutable absl::once_flag redacted_once;
  mutable std::string redacted_wire;
  mutable absl::once_flag federation_once;
  mutable std::string federation_wire;
  int64_t revision() const { return event.revision(); }
};
using EventPtr = std::shared_ptr<const PublishedEvent>;

// One committed change: the event, and the record it leaves (nullptr for a delete).
struct Change {
  EventPtr event;
  RecordPtr record;
};

RecordPtr MakeRecord(ketenbeeld::v1::Record record);
EventPtr MakeEvent(ketenbeeld::v1::Event event);

// Parses bytes read back from storage. DATA_LOSS naming `what` when they do not parse.
absl::StatusOr<RecordPtr> ParseRecord(std::string wire, absl::string_view what);
absl::StatusOr<EventPtr> ParseEvent(std::string wire, absl::string_view what);

}  // namespace ketenbeeld::state

#endif  // KETENBEELD_SERVER_STATE_RECORDS_H_
