// A total deadline for receiving a request's headers, for an event-loop HTTP server whose own timeout only measures
// inactivity (libmicrohttpd's MHD_OPTION_CONNECTION_TIMEOUT is reset by every byte read). A slowloris client that
// drips one header line every few seconds never goes idle, so without this it would keep its connection, and one
// of the gateway's `max_connections` places, for as long as it likes.
//
// The gateway tells the watch when a connection starts (Track), when a request's headers are complete (Disarm) and
// when an answer is done so the next request on a keep-alive connection may begin (Arm); a connection whose headers
// are not complete by its deadline is cut off: a background thread calls shutdown(2) on its socket, which the event
// loop then sees as the peer having gone and closes like any other (so the server library still owns the descriptor
// and its cleanup). Forget must be called before the descriptor is closed: the watch only touches descriptors it
// tracks, under its mutex, so it never shuts down a descriptor that was closed and reused.
//
// Thread safety: all methods may be called from any thread (the event loops). The destructor stops the thread.
#ifndef KETENBEELD_SERVER_HTTP_HEADER_DEADLINE_H_
#define KETENBEELD_SERVER_HTTP_HEADER_DEADLINE_H_

#include <cstdint>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ketenbeeld::http {

class HeaderDeadlines {
 public:
  // `timeout`: how long a connection has, from its start or from its previous answer, to deliver the complete headers
  // of its next request. Checked every `timeout` / 8 (at least every 50 ms, at most every second), so a connection is
  // cut off at most that much after its deadline. A timeout of zero or less turns the watch off.
  explicit HeaderDeadlines(absl::Duration timeout);
  ~HeaderDeadlines();
  HeaderDeadlines(const HeaderDeadlines&) = delete;
  HeaderDeadlines& operator=(const HeaderDeadlines&) = delete;

  // A new connection (`key`: the server library's connection) on socket `fd`; its deadline starts now.
  void Track(const void* key, int fd);
  // Its request's headers are complete: no deadline until Arm.
  void Disarm(const void* key);
  // Its answer is done; the next request's headers are due within the timeout from now.
  void Arm(const void* key);
  // The connection is closing; must come before its descriptor is closed.
  void Forget(const void* key);

  // Connections cut off so far (for tests and the log).
  int64_t cut_off() const;

 private:
  struct Watched {
    int fd = -1;
    absl::Time deadline = absl::InfiniteFuture();
  };
  void Run();

  const absl::Duration timeout_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<const void*, Watched> watched_ ABSL_GUARDED_BY(mu_);
  int64_t cut_off_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace ketenbeeld::http

#endif  // KETENBEELD_SERVER_HTTP_HEADER_DEADLINE_H_
