#include "client/cli/server_clock.h"

#include "base/time.h"

namespace ketenbeeld::cli {

absl::Time ServerNow(bool has, const google::protobuf::Timestamp& server_time, absl::Time local) {
  return has ? FromProtoTime(server_time) : local;
}

void ServerClock::Observe(const google::protobuf::Timestamp& server_time, absl::Time local) {
  if (server_time.seconds() == 0 && server_time.nanos() == 0) return;
  offset_ = FromProtoTime(server_time) - local;
}

}  // namespace ketenbeeld::cli
