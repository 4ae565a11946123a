// Reads of the picture: Get and List at the latest or a past revision, and History of the event log.
//
// Latest reads come from the in-memory picture; reads at a past revision use the store's key index and log.
// Responses are bounded in bytes (kMaxResponseBytes) well under gRPC's 4 MB message limit: a page may hold fewer
// items than page_size; callers continue with the returned token or revision.
//
// What one call scans in the store is bounded too (ScanLimits): a List at a past revision or a History whose filter
// matches little would otherwise read the whole key index or log in one call (64 MiB, 0.7 s for a History over 30,000
// organisations). At the limit the call returns what it found so far, possibly nothing, with the continuation point
// (next_page_token, next_from_revision) after the last entry it scanned, so a client that follows the continuation
// reads everything exactly once, in bounded steps.
//
// Errors: INVALID_ARGUMENT naming the field; NOT_FOUND (Get); OUT_OF_RANGE (a revision ahead of the server);
// FAILED_PRECONDITION (a revision no longer retained); UNAVAILABLE/DATA_LOSS from storage.
// Thread safety: all methods are const and thread safe.
#ifndef KETENBEELD_SERVER_QUERIES_READER_H_
#define KETENBEELD_SERVER_QUERIES_READER_H_

#include <algorithm>
#include <cstddef>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "server/state/picture.h"
#include "storage/store.h"

namespace ketenbeeld::queries {

inline constexpr size_t kMaxResponseBytes = size_t{2} << 20;
inline constexpr int kDefaultPageSize = 1000;
inline constexpr int kMaxPageSize = 10000;

// What one List at a past revision or one History may scan before it answers with a continuation point. The
// defaults keep one call to tens of milliseconds (about 45 us per record read at a past revision, 90 MB/s of log).
inline constexpr size_t kDefaultMaxScannedRecords = 2000;
inline constexpr size_t kDefaultMaxScannedBytes = size_t{4} << 20;
struct ScanLimits {
  // Records (List at a past revision) or log entries (History) read, whether they match or not.
  size_t max_records = kDefaultMaxScannedRecords;
  // Bytes of those records or entries.
  size_t max_bytes = kDefaultMaxScannedBytes;
};

class Reader {
 public:
  // The store and picture must outlive the reader.
  // A limit of 0 is taken as 1 (every call makes progress).
  Reader(const storage::Store& store, const state::Picture& picture, ScanLimits limits = {})
      : store_(store),
        picture_(picture),
        limits_{.max_records = std::max<size_t>(limits.max_records, 1),
                .max_bytes = std::max<size_t>(limits.max_bytes, 1)} {}

  absl::Status Get(const ketenbeeld::v1::GetRequest& request, ketenbeeld::v1::GetResponse& response) const;
  absl::Status List(const ketenbeeld::v1::ListRequest& request, ketenbeeld::v1::ListResponse& response) const;
  absl::Status History(const ketenbeeld::v1::HistoryRequest& request, ketenbeeld::v1::HistoryResponse& response) const;

  // The evaluation of an incident, from this reader's store and picture (evaluation.h: ComputeEvaluation).
  absl::StatusOr<ketenbeeld::v1::Evaluation> Evaluate(const ketenbeeld::v1::GetEvaluationRequest& request) const;

  // The whole picture at `revision` (the live one's records when it is the latest), read from the store's key index and
  // log: one point read per record, so for briefs and evaluations, not for hot paths. Errors naming `field`:
  // OUT_OF_RANGE ahead of the latest revision, FAILED_PRECONDITION below the retained log, INVALID_ARGUMENT when not
  // positive; DATA_LOSS/UNAVAILABLE from storage.
  absl::StatusOr<std::unique_ptr<state::Picture>> PictureAt(int64_t revision, absl::string_view field) const;

  // When `revision` was committed (its log entry's commit time). Errors as PictureAt.
  absl::StatusOr<absl::Time> CommitTimeOf(int64_t revision, absl::string_view field) const;

  // The revision of the picture at `at`: the last one committed at or before it (ListRequest.at_time). `now` is the
  // server's picture time. Errors naming `field`: OUT_OF_RANGE when `at` is after `now`; INVALID_ARGUMENT when it is
  // before the first revision (or not a valid timestamp); FAILED_PRECONDITION when the revision is no longer retained
  // (the message gives the oldest readable revision and its commit time); DATA_LOSS/UNAVAILABLE from storage.
  absl::StatusOr<int64_t> RevisionAt(const google::protobuf::Timestamp& at, absl::Time now,
                                     absl::string_view field) const;

 private:
  // OUT_OF_RANGE when `revision` is ahead of `latest`, FAILED_PRECONDITION when it is below the retained log.
  absl::Status CheckReadableRevision(int64_t revision, int64_t latest, absl::string_view field) const;
  // The record `name` had at `revision` (nullptr when it did not exist), from the store.
  absl::StatusOr<state::RecordPtr> RecordAt(absl::string_view name, int64_t revision) const;
  // The record as the log entry at `revision` left it (nullptr for a delete).
  absl::StatusOr<state::RecordPtr> RecordFromLog(int64_t revision) const;

  const storage::Store& store_;
  const state::Picture& picture_;
  const ScanLimits limits_;
};

}  // namespace ketenbeeld::queries

#endif  // KETENBEELD_SERVER_QUERIES_READER_H_
