// libFuzzer target: bytes read back from storage (a damaged disk, a bad restore) must never crash the server's
// decoding of them. The input is taken as a stored Event (the log) and a stored Record (the state), as the hub and
// the picture decode them, then pushed through everything that looks at decoded entries: filters, names, disruption
// summaries and the feed's framing, which must produce a SubscribeResponse that parses back to the same events.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "google/protobuf/stubs/logging.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "server/domain/entities.h"
#include "server/domain/filter.h"
#include "server/domain/names.h"
#include "server/state/records.h"

namespace {

using ketenbeeld::domain::CompiledFilter;

const std::vector<CompiledFilter>& Filters() {
  static const std::vector<CompiledFilter>* filters = [] {
    auto* all = new std::vector<CompiledFilter>;
    all->emplace_back();
    ketenbeeld::v1::Filter by_region;
    by_region.add_safety_regions("VR10");
    by_region.add_sectors(ketenbeeld::v1::SECTOR_ACUTE_CARE);
    all->emplace_back(by_region);
    ketenbeeld::v1::Filter by_disruption;
    by_disruption.add_disruptions(ketenbeeld::v1::DISRUPTION_TYPE_STAFF_SHORTAGE);
    by_disruption.set_min_severity(ketenbeeld::v1::SEVERITY_MAJOR);
    all->emplace_back(by_disruption);
    return all;
  }();
  return *filters;
}

void Inspect(const ketenbeeld::v1::Record& record) {
  (void)ketenbeeld::domain::ParseName(record.name());
  if (record.has_status_report()) (void)ketenbeeld::domain::DisruptionSummary(record.status_report());
  for (const CompiledFilter& filter : Filters()) (void)filter.Matches(record);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  google::protobuf::SetLogHandler(nullptr);  // Invalid UTF-8 is expected here; logging it only slows fuzzing.
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<ketenbeeld::state::EventPtr> event = ketenbeeld::state::ParseEvent(bytes, "fuzz");
  if (event.ok()) {
    Inspect((*event)->event.record());
    for (const CompiledFilter& filter : Filters()) (void)filter.Matches((*event)->event);
  } else if (event.status().code() != absl::StatusCode::kDataLoss) {
    __builtin_trap();  // Undecodable storage is DATA_LOSS, nothing else.
  }
  absl::StatusOr<ketenbeeld::state::RecordPtr> record = ketenbeeld::state::ParseRecord(bytes, "fuzz");
  if (record.ok()) Inspect((*record)->record);
  return 0;
}
