// Durable storage of the shared picture in RocksDB.
//
// Column families (fixed, created on open):
//   state      record name -> serialized ketenbeeld.v1.Record (the current picture)
//   log        big-endian revision (8 bytes) -> serialized ketenbeeld.v1.Event (the event log)
//   key_index  record name + '\0' + big-endian revision -> empty (which revisions changed which name; serves
//              reads at a past revision: the newest index entry <= R names the log entry that holds the value)
//   meta       "last_revision", "compacted_revision" -> big-endian int64
//
// RocksDB types never appear in this header. Thread safety: all methods may be called concurrently; Commit() is
// meant to be called by one committer thread at a time (the caller assigns revisions). Recover() excludes every
// other call while it reopens the database.
//
// Faults: when a write fails (I/O error, disk full) the store refuses further commits until Recover() has reopened
// the database and read back what is durable (see Commit and Recover, and docs/architecture.md, "Storage faults").
#ifndef KETENBEELD_STORAGE_STORE_H_
#define KETENBEELD_STORAGE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/fault_injector.h"

namespace ketenbeeld::storage {

struct StoreOptions {
  // Directory of the RocksDB database; created when missing.
  std::string path;
  // fsync every commit (WriteOptions::sync). Only tests of non-durability concerns turn this off.
  bool sync = true;
  // Small buffers for tests (Kvrocks-style): less memory, more flushes.
  bool small_buffers = false;
  // Open read-only (e.g. to inspect a backup): nothing is written to the directory; Commit and CompactLog fail with
  // FAILED_PRECONDITION. The directory must hold a database.
  bool read_only = false;
  // Tests only: consulted before every file append and sync, to inject I/O errors and a full disk. Null in
  // production (no wrapper is installed). Shared because it must outlive the database, also across Recover().
  std::shared_ptr<FaultInjector> fault_injector = nullptr;
};

// Figures from RocksDB for metrics, as plain numbers (see Store::Properties).
struct StoreProperties {
  // 1 while writes are stopped (a write stall: too many memtables or L0 files, or too much pending compaction).
  int64_t write_stopped = 0;
  // The write rate RocksDB currently allows, in bytes/s, while it slows writes down; 0 when not delayed.
  int64_t delayed_write_rate = 0;
  // Total time writes have waited in stalls since the store was opened (across Recover()), in microseconds.
  int64_t stall_micros = 0;
  int64_t running_compactions = 0;
  int64_t running_flushes = 0;
  // Bytes compaction still has to rewrite to reach the target shape of the LSM tree.
  int64_t pending_compaction_bytes = 0;
  // Bytes read and written by compactions since the store was opened (across Recover()).
  int64_t compaction_read_bytes = 0;
  int64_t compaction_write_bytes = 0;
  // Size of the live SST files and of all memtables, in bytes.
  int64_t live_sst_bytes = 0;
  int64_t memtable_bytes = 0;
  // Background errors (failed flushes or compactions) since the last (re)open.
  int64_t background_errors = 0;
};

// What a backup holds (see Store::Backup).
struct BackupInfo {
  int64_t revision = 0;
  int64_t compacted_revision = 0;
};

// One change in a commit group, already serialized by the caller (the committer serializes each event once).
struct LogEntry {
  int64_t revision = 0;
  // The record's name (the state key).
  std::string_view name;
  // True for a delete: the state key is removed.
  bool is_delete = false;
  // Serialized ketenbeeld.v1.Event, stored in `log` under `revision`.
  std::string_view event_bytes;
  // Serialized ketenbeeld.v1.Record, the new value of `name` in `state` (ignored for deletes).
  std::string_view record_bytes;
};

// An event read back from the log.
struct StoredEvent {
  int64_t revision = 0;
  std::string event_bytes;
};

class Store {
 public:
  // Opens (or creates) the database. Errors: the RocksDB status as absl::Status (UNAVAILABLE for I/O errors and
  // when another Store or process holds the database open, DATA_LOSS for corruption or inconsistent meta,
  // FAILED_PRECONDITION when the path is not a directory or the directory holds something that is not our database:
  // other files, a RocksDB database with other column families or with data in `default`).
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Writes a commit group atomically in one WriteBatch (state, log, key_index and meta.last_revision), durable
  // before it returns OK when options.sync. Entries must have consecutive revisions starting at
  // last_revision() + 1. On error nothing of the group is visible, last_revision() is unchanged, and the
  // returned status is UNAVAILABLE (I/O error, disk full) or INTERNAL (a caller bug, e.g. a revision gap, an empty
  // name or a name containing '\0'). An empty group is a no-op that returns OK.
  // After a failed write (UNAVAILABLE) the group's durability is unknown (a failed fsync may leave it on disk, to
  // reappear at the next open), so the Store refuses every later Commit with UNAVAILABLE until Recover() succeeds;
  // then trust last_revision(). Caller bugs (INTERNAL) write nothing and do not have this effect. FAILED_PRECONDITION
  // on a read-only store.
  [[nodiscard]] absl::Status Commit(const std::vector<LogEntry>& group);

  // Closes the database and opens it again in the same directory, replaying the WAL: afterwards the store holds
  // exactly what is durable, and last_revision() says how far that goes. After a failed Commit of revisions a..b it
  // is either a - 1 (the group was lost) or b (the group is durable after all: a WriteBatch is all or nothing). On
  // success commits are accepted again; returns last_revision().
  // Errors: UNAVAILABLE when the database cannot be opened for writing (the fault persists). The store then opens
  // the database read-only when it can, so reads keep working, keeps refusing commits, and Recover() may be called
  // again later; if even that fails every call returns UNAVAILABLE until a Recover() succeeds. DATA_LOSS when the
  // reopened database is inconsistent. FAILED_PRECONDITION on a read-only store.
  // Blocks every other call of this Store for the time of the reopen (typically tens of milliseconds).
  [[nodiscard]] absl::StatusOr<int64_t> Recover();

  // True after a failed write until Recover() succeeds: commits are refused meanwhile.
  bool needs_recovery() const;

  // The revision of the newest committed event; 0 for an empty store.
  int64_t last_revision() const;
  // Events up to and including this revision have been removed from the log; 0 when nothing was compacted.
  int64_t compacted_revision() const;

  // Calls `fn(name, record_bytes)` for every record of the current state in name order. Stops early and returns
  // the error when fn returns one.
  [[nodiscard]] absl::Status ForEachRecord(
      const std::function<absl::Status(std::string_view name, std::string_view record_bytes)>& fn) const;

  // Reads consecutive log entries from `from_revision` (inclusive) up to `to_revision` (inclusive), stopping
  // after the entry that brings the total to `max_bytes` or more (always at least one entry when any exists in
  // range). Returns an empty vector when the range is empty. FAILED_PRECONDITION if from_revision <=
  // compacted_revision().
  [[nodiscard]] absl::StatusOr<std::vector<StoredEvent>> ReadLog(int64_t from_revision, int64_t to_revision,
                                                                 size_t max_bytes) const;

  // Reads one log entry; NOT_FOUND when it does not exist (never written, or compacted).
  [[nodiscard]] absl::StatusOr<std::string> ReadEvent(int64_t revision) const;

  // The newest revision <= `at_revision` at which `name` changed, or nullopt when it never did (up to then).
  // FAILED_PRECONDITION when at_revision < compacted_revision() (that history is gone); INVALID_ARGUMENT when
  // negative.
  [[nodiscard]] absl::StatusOr<std::optional<int64_t>> LastChangeAtOrBefore(std::string_view name,
                                                                            int64_t at_revision) const;

  // Calls `fn(name, revision)` once for each name that starts with `prefix` and is >= `start_after`'s successor
  // (names strictly greater than start_after; empty start_after = from the beginning), in name order, with the
  // newest revision <= at_revision at which that name changed. Names that had no change up to at_revision are
  // skipped; a name whose newest change <= at_revision is a delete is reported with that revision (the caller reads
  // the event). Stops early (returning OK) when fn returns false. FAILED_PRECONDITION when at_revision <
  // compacted_revision(); INVALID_ARGUMENT when negative. Reads one consistent snapshot.
  [[nodiscard]] absl::Status ForEachNameAt(
      std::string_view prefix, std::string_view start_after, int64_t at_revision,
      const std::function<bool(std::string_view name, int64_t revision)>& fn) const;

  // The first revision whose event has commit time >= `time` (events are non-decreasing in time), or
  // last_revision() + 1 when there is none. Searches the retained log only.
  // Binary search over the log (O(log n) point reads). DATA_LOSS if a log entry does not parse.
  [[nodiscard]] absl::StatusOr<int64_t> FirstRevisionAtOrAfter(absl::Time time) const;

  // Removes the history up to and including `revision` and records it as compacted_revision(): log entries and
  // key_index entries <= revision are deleted, except, for each name, the newest change <= revision (its log entry
  // is kept so reads at revisions >= compacted_revision() still find every value). `revision` must be <=
  // last_revision() (else INVALID_ARGUMENT); a revision <= compacted_revision() is a no-op. ReadLog below
  // compacted_revision() then fails. Always written with sync, in one batch with the new compacted_revision.
  // Scans the whole key_index; concurrent commits are not blocked.
  [[nodiscard]] absl::Status CompactLog(int64_t revision);

  // Creates a consistent RocksDB checkpoint (a usable copy of the database) in `dir`, which must not exist
  // (FAILED_PRECONDITION if it does); its parent must exist. SST files are hard-linked when on the same filesystem.
  [[nodiscard]] absl::Status Checkpoint(const std::string& dir) const;

  // A checkpoint in `dir` (as Checkpoint), then verified by opening it read-only: returns the revision the backup
  // holds (every revision up to it, none after) and its compacted revision. Restoring it = stopping the server and
  // starting it on a copy of `dir` as its data directory. Errors as Checkpoint, and those of Open on the copy (the
  // copy is then left in place for inspection).
  [[nodiscard]] absl::StatusOr<BackupInfo> Backup(const std::string& dir) const;

  // RocksDB figures for metrics. Cheap (in-memory counters); zeros while the database is closed after a failed
  // Recover().
  StoreProperties Properties() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ketenbeeld::storage

#endif  // KETENBEELD_STORAGE_STORE_H_
