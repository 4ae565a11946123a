#include "server/state/records.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace ketenbeeld::state {

RecordPtr MakeRecord(ketenbeeld::v1::Record record) {
  auto stored = std::make_shared<StoredRecord>();
  stored->wire = record.SerializeAsString();
  stored->record = std::move(record);
  return stored;
}

EventPtr MakeEvent(ketenbeeld::v1::Event event) {
  auto published = std::make_shared<PublishedEvent>();
  published->wire = event.SerializeAsString();
  published->event = std::move(event);
  return published;
}

absl::StatusOr<RecordPtr> ParseRecord(std::string wire, absl::string_view what) {
  auto stored = std::make_shared<StoredRecord>();
  if (!stored->record.ParseFromString(wire)) {
    return absl::DataLossError(absl::StrCat(what, ": stored record does not parse (", wire.size(), " bytes)"));
  }
  stored->wire = std::move(wire);
  return stored;
}

absl::StatusOr<EventPtr> ParseEvent(std::string wire, absl::string_view what) {
  auto published = std::make_shared<PublishedEvent>();
  if (!published->event.ParseFromString(wire)) {
    return absl::DataLossError(absl::StrCat(what, ": stored event does not parse (", wire.size(), " bytes)"));
  }
  published->wire = std::move(wire);
  return published;
}

}  // namespace ketenbeeld::state
