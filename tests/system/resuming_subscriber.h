// A live feed that survives server restarts, for the crash tests: a thread that subscribes (from revision 0: snapshot,
// synced, events), and whenever the stream ends (kill -9, restart) resubscribes from the last revision it has seen,
// retrying every few milliseconds until the server is back on the same address. It checks the feed protocol as it
// goes: every event must be exactly the revision after the previous one (no gap, no duplicate, across resumes), a
// resume must be answered with synced{the resume point} (never reset: nothing is compacted in these tests).
//
// Thread safety: all methods may be called from any thread.
#ifndef KETENBEELD_TESTS_SYSTEM_RESUMING_SUBSCRIBER_H_
#define KETENBEELD_TESTS_SYSTEM_RESUMING_SUBSCRIBER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"

namespace ketenbeeld::testing {

class ResumingSubscriber {
 public:
  struct Observed {
    // The revision of the snapshot the feed started with, and every event after it, in the order received.
    int64_t snapshot_revision = -1;
    std::vector<v1::Event> events;
    // The last revision the feed has seen everything up to (events, synced and heartbeats).
    int64_t seen_revision = 0;
    // Streams opened after the first (each one a resume).
    int resumes = 0;
    // Protocol violations, described; must stay empty.
    std::vector<std::string> violations;
  };

  // Starts subscribing (unfiltered, from revision 0) to `address` at once. `address` may name the members of a
  // replicated region ("ip:port,ip:port,...", client::ChannelTarget): the feed then resumes on another member when
  // its member goes away.
  explicit ResumingSubscriber(std::string address);
  ~ResumingSubscriber();  // Stop().
  ResumingSubscriber(const ResumingSubscriber&) = delete;
  ResumingSubscriber& operator=(const ResumingSubscriber&) = delete;

  // Waits until the feed has synced and seen everything up to `revision`; returns whether it did within `timeout`.
  bool WaitUntilSeen(int64_t revision, absl::Duration timeout);
  Observed observed();
  // Cancels the stream and joins the thread. Idempotent.
  void Stop();

 private:
  void Run();
  // Reads one stream to its end.
  void ReadStream(v1::PictureService::Stub& stub, int64_t from_revision);
  void Violation(std::string what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string address_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;  // Of the stream being read, for Stop().
  Observed observed_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SYSTEM_RESUMING_SUBSCRIBER_H_
