// The current picture in memory: every record by name, at one revision.
//
// Thread safety: all methods are safe to call concurrently. Apply() is called only by the committer thread, after
// the group is durable; readers see either all of a commit group or none of it.
#ifndef KETENBEELD_SERVER_STATE_PICTURE_H_
#define KETENBEELD_SERVER_STATE_PICTURE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/domain/filter.h"
#include "server/state/records.h"
#include "storage/store.h"

namespace ketenbeeld::state {

class Picture {
 public:
  // A consistent view: the records matching a filter at `revision`, in name order.
  struct Snapshot {
    int64_t revision = 0;
    std::vector<RecordPtr> records;
  };

  // An empty picture at revision 0.
  Picture() = default;

  // A picture of `records` (any order; later ones replace earlier ones of the same name) at `revision`: the picture at
  // a past revision, as queries::Reader::PictureAt reads it from the store.
  static std::unique_ptr<Picture> FromRecords(const std::vector<RecordPtr>& records, int64_t revision);

  // Loads the current state and revision from the store. DATA_LOSS when a stored record does not parse.
  static absl::StatusOr<std::unique_ptr<Picture>> Load(const storage::Store& store);

  // The record with this name, or nullptr.
  RecordPtr Find(absl::string_view name) const;
  // The record with this name (or nullptr) and the revision of the picture it was read at, consistently.
  std::pair<RecordPtr, int64_t> FindWithRevision(absl::string_view name) const;
  int64_t revision() const;
  size_t size() const;

  // Records matching `filter` whose name is greater than `start_after`, at most `limit` (0: all), in name order.
  Snapshot Take(const domain::CompiledFilter& filter, absl::string_view start_after = {}, size_t limit = 0) const;

  // Records whose name starts with `prefix` and is greater than `start_after`, at most `limit` (0: all), in name
  // order. Stops at the first name past the prefix, so a prefix with no records costs one lookup.
  Snapshot TakePrefix(absl::string_view prefix, absl::string_view start_after, size_t limit) const;

  // Applies a durable commit group in revision order: puts replace records, deletes remove them.
  void Apply(const std::vector<Change>& group);

 private:
  mutable absl::Mutex mu_;
  absl::btree_map<std::string, RecordPtr, std::less<>> records_ ABSL_GUARDED_BY(mu_);
  int64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ketenbeeld::state

#endif  // KETENBEELD_SERVER_STATE_PICTURE_H_
