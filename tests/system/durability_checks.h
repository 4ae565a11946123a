// Load and checks for the durability system tests: writer threads that record every acknowledged write, reading the
// whole log and the whole picture back, and the check that a recovered server holds exactly what it acknowledged.
#ifndef KETENBEELD_TESTS_SYSTEM_DURABILITY_CHECKS_H_
#define KETENBEELD_TESTS_SYSTEM_DURABILITY_CHECKS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {

// A write the server acknowledged: it promised this record is durable at this revision.
struct AcknowledgedWrite {
  int64_t revision = 0;
  std::string name;
  v1::Record record;  // As returned in the WriteResponse.
};

// Writer threads in a closed loop (each sends its next write when the previous one is answered) against one server.
// Writer t registers organisations "<prefix>-w<t>-<n>" and reports their status in turn; each writer stops at its
// first failed write (so it never reports for an organisation whose registration was not acknowledged) or on Stop().
class ClosedLoopWriters {
 public:
  ClosedLoopWriters(const ServerProcess& server, int threads, const std::string& prefix);
  // Writers against a replicated region's members ("ip:port,ip:port,...", client::ChannelTarget) that go on after a
  // failed write (a member went away mid-call): each waits a little and starts over with a new organisation, so it
  // never reports for a registration whose outcome it does not know. failed_writes() counts those failures.
  ClosedLoopWriters(const std::string& servers, int threads, const std::string& prefix);
  ~ClosedLoopWriters();  // Stop().

  // Waits up to `timeout` until at least `count` writes were acknowledged; returns whether they were. Tests wait for
  // this before they kill or stop the server: a fixed sleep proves nothing on a slow machine (a sanitizer build
  // sharing two cores with another test acknowledged 10 writes in half a second).
  bool WaitUntilAcknowledged(int count, absl::Duration timeout);
  // Writes acknowledged so far, by every writer.
  int acknowledged_count() const;
  // Failed writes the failing-over writers went on after.
  int failed_writes() const;
  // Their statuses, in the order they failed, from the `from`th on (a test that breaks the region on purpose checks
  // that the writes were refused with the code it promises).
  std::vector<grpc::Status> failures(int from = 0) const;
  // Waits up to `timeout` until every writer has stopped by itself (after a failed write); returns whether they did.
  bool WaitUntilAllFailed(absl::Duration timeout);
  // Asks the writers to stop and joins them. Idempotent.
  void Stop();

  // Every write acknowledged so far, in revision order (also while the writers run).
  std::vector<AcknowledgedWrite> acknowledged() const;
  // After Stop() or WaitUntilAllFailed(): the status each writer stopped with (OK when stopped by Stop()).
  std::vector<grpc::Status> final_statuses() const;

 private:
  void Run(int writer, v1::PictureService::Stub* stub, const std::string& prefix, bool fail_over);

  std::vector<std::unique_ptr<v1::PictureService::Stub>> stubs_;
  std::atomic<bool> stop_{false};
  mutable absl::Mutex mu_;
  std::vector<AcknowledgedWrite> acknowledged_ ABSL_GUARDED_BY(mu_);
  std::vector<grpc::Status> final_statuses_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<grpc::Status> failures_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

// The whole event log (History from the oldest retained revision, every page) and the latest revision.
struct WholeLog {
  std::vector<v1::Event> events;
  int64_t latest_revision = 0;
};
absl::StatusOr<WholeLog> ReadWholeLog(v1::PictureService::Stub& stub);

// Every record at the latest revision (List, every page).
absl::StatusOr<v1::ListResponse> ListWholePicture(v1::PictureService::Stub& stub);

// GoogleTest checks (use with ASSERT_NO_FATAL_FAILURE) on a server after a restart:
//  - the log's revisions are exactly 1..N, with N the latest revision, and no commit group is cut off
//    (group_last_revision <= N);
//  - every write in `acknowledged` is in the log at its revision with the acknowledged record;
//  - Get(name, revision) returns the acknowledged record for every write in `check_with_get`;
//  - List at the latest revision equals the replay of the log (the last put of every name).
// Sets *latest_revision to N.
void ExpectRecoveredPictureHoldsEveryAcknowledgedWrite(v1::PictureService::Stub& stub,
                                                       const std::vector<AcknowledgedWrite>& acknowledged,
                                                       const std::vector<AcknowledgedWrite>& check_with_get,
                                                       int64_t* latest_revision);

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SYSTEM_DURABILITY_CHECKS_H_
