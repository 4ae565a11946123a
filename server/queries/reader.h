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
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
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
// What one whole-picture read at a past revision (PictureAt: a brief at a past moment and the 24-hour trend of every
// brief) may read before it is refused: it cannot stop half-way, so it is refused instead of continued. The defaults
// allow a region of 30,000 organisations with a report each (60,000 records, about 3 s at 45 us per point read) with
// room for exercises, and keep one call under about 10 s and 256 MiB.
inline constexpr size_t kDefaultMaxPictureRecords = 200'000;
inline constexpr size_t kDefaultMaxPictureBytes = size_t{256} << 20;
struct ScanLimits {
  // Records (List at a past revision) or log entries (History) read, whether they match or not.
  size_t max_records = kDefaultMaxScannedRecords;
  // Bytes of those records or entries.
  size_t max_bytes = kDefaultMaxScannedBytes;
  // Records, and their bytes, one PictureAt reads from the store.
  size_t max_picture_records = kDefaultMaxPictureRecords;
  size_t max_picture_bytes = kDefaultMaxPictureBytes;
};

class Reader {
 public:
  // The store and picture must outlive the reader.
  // A limit of 0 is taken as 1 (every call makes progress).
  Reader(const storage::Store& store, const state::Picture& picture, ScanLimits limits = {})
      : store_(store),
        picture_(picture),
        limits_{.max_records = std::max<size_t>(limits.max_records, 1),
                .max_bytes = std::max<size_t>(limits.max_bytes, 1),
                .max_picture_records = std::max<size_t>(limits.max_picture_records, 1),
                .max_picture_bytes = std::max<size_t>(limits.max_picture_bytes, 1)} {}

  absl::Status Get(const ketenbeeld::v1::GetRequest& request, ketenbeeld::v1::GetResponse& response) const;
  absl::Status List(const ketenbeeld::v1::ListRequest& request, ketenbeeld::v1::ListResponse& response) const;
  absl::Status History(const ketenbeeld::v1::HistoryRequest& request, ketenbeeld::v1::HistoryResponse& response) const;

  // The evaluation of an incident, from this reader's store and picture (evaluation.h: ComputeEvaluation).
  absl::StatusOr<ketenbeeld::v1::Evaluation> Evaluate(const ketenbeeld::v1::GetEvaluationRequest& request) const;

  // The picture at `revision` restricted to the records whose names start with one of `prefixes` ({""}: all of them).
  // At the latest revision these are the live picture's records (no store read); at a past one they are read from the
  // store's key index and log, one point read per record, so for briefs, not for hot paths, and bounded: a read of
  // more than ScanLimits::max_picture_records records or max_picture_bytes bytes is refused before it is finished
  // (it cannot answer half a picture). Errors naming `field`: OUT_OF_RANGE ahead of the latest revision,
  // FAILED_PRECONDITION below the retained log, INVALID_ARGUMENT when not positive, RESOURCE_EXHAUSTED beyond the
  // limits (the message names the limit); DATA_LOSS/UNAVAILABLE from storage.
  absl::StatusOr<std::unique_ptr<state::Picture>> PictureAt(int64_t revision, absl::string_view field,
                                                            absl::Span<const std::string> prefixes = {""}) const;

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
