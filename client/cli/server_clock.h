// The server's time, against which the CLI measures every age it prints ("reported 3 h ago", "in 2 h").
//
// An age is the difference between a time the server stamped (a commit time, a due time, a runs-out time) and "now".
// The client's own clock may be minutes off the server's — or hours, on a development server driven with
// --clock_offset_file (server/pipeline/picture_clock.h) — and measured against it a report made a moment ago would
// read as made in the future. So "now" is always the server's: the server_time (or computed_at) of the answer being
// shown, and on a live feed the local clock shifted by the offset that the last synced or heartbeat's server_time
// showed.
//
// Thread safety: the free functions may be called from any thread; a ServerClock is not thread-safe (one per feed,
// used on its handler's thread).
#ifndef KETENBEELD_CLIENT_CLI_SERVER_CLOCK_H_
#define KETENBEELD_CLIENT_CLI_SERVER_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace ketenbeeld::cli {

// The `now` of an answer: its server time when it carries one (`has`), else `local` (a server from before these
// fields existed: the best left is the client's own clock).
absl::Time ServerNow(bool has, const google::protobuf::Timestamp& server_time, absl::Time local);

// The same for a whole answer: its `server_time` (Get, List, History) or `computed_at` (the reports), falling back
// to the local clock (absl::Now()) when it has none.
template <typename Answer>
absl::Time ServerNow(const Answer& answer) {
  if constexpr (requires { answer.server_time(); }) {
    return ServerNow(answer.has_server_time(), answer.server_time(), absl::Now());
  } else {
    return ServerNow(answer.has_computed_at(), answer.computed_at(), absl::Now());
  }
}

// The server's clock as a live feed shows it: the offset between a server_time the server sent and the local clock
// when it arrived (the message's transit time, milliseconds on a working network, is not corrected for).
class ServerClock {
 public:
  // A server_time that arrived at local time `local`. An unset timestamp (an older server) is ignored.
  void Observe(const google::protobuf::Timestamp& server_time, absl::Time local);

  // The server's time at local time `local`: `local` shifted by the last observed offset, unshifted before any.
  absl::Time Now(absl::Time local) const { return local + offset_; }

 private:
  absl::Duration offset_ = absl::ZeroDuration();
};

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_SERVER_CLOCK_H_
