#include "storage/store.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "base/strings.h"
#include "base/time.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/snapshot.h"
#include "rocksdb/statistics.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"

namespace ketenbeeld::storage {
namespace {

// The column families (store.h says what each holds), in the order they are opened: RocksDB returns the handles in
// that order, so a family's enum value is also the index of its handle. `default` exists in every RocksDB database; we
// never write to it.
enum class Family : size_t { kDefault, kState, kLog, kKeyIndex, kMeta };

struct FamilySpec {
  Family family;
  // As stored in the database.
  const char* name;
  // Point lookups by exact key (a bloom filter pays off); `key_index` and `meta` are only scanned or tiny.
  bool point_lookups;
};
constexpr std::array<FamilySpec, 5> kFamilies = {{
    {Family::kDefault, "default", false},  // rocksdb::kDefaultColumnFamilyName
    {Family::kState, "state", true},
    {Family::kLog, "log", true},
    {Family::kKeyIndex, "key_index", false},
    {Family::kMeta, "meta", false},
}};
constexpr bool FamiliesInEnumOrder() {
  for (size_t i = 0; i < kFamilies.size(); ++i) {
    if (static_cast<size_t>(kFamilies[i].family) != i) return false;
  }
  return true;
}
static_assert(FamiliesInEnumOrder(), "kFamilies must list the families in the order of enum Family");

constexpr char kLastRevisionKey[] = "last_revision";
constexpr char kCompactedRevisionKey[] = "compacted_revision";

constexpr size_t kRevisionBytes = 8;

// Debian's Abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0), so StrCat does not
// take std::string_view; this converts.
// ---------------------------------------------------------------------------------------------------------------
// Key encoding. Revisions are 8-byte big-endian so that RocksDB's bytewise order is numeric order (revisions are
// never negative). key_index keys are name + '\0' + revision: names never contain '\0', so all entries of one name
// are contiguous, ordered by revision, and sort before every longer name that starts with the same bytes.

std::string EncodeRevision(int64_t revision) {
  std::string out(kRevisionBytes, '\0');
  auto value = static_cast<uint64_t>(revision);
  for (size_t i = 0; i < kRevisionBytes; ++i) {
    out[kRevisionBytes - 1 - i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

// Decodes 8 big-endian bytes; nullopt when `bytes` has another length or does not hold a non-negative int64.
std::optional<int64_t> DecodeRevision(std::string_view bytes) {
  if (bytes.size() != kRevisionBytes) return std::nullopt;
  uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
  if (value > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(value);
}

std::string IndexKey(std::string_view name, int64_t revision) {
  std::string key;
  key.reserve(name.size() + 1 + kRevisionBytes);
  key.append(name);
  key.push_back('\0');
  key.append(EncodeRevision(revision));
  return key;
}

// Everything strictly after all index entries of `name` (and before those of names > name that are not
// name + "\0...", which cannot exist): the smallest key of any name that sorts after `name`.
std::string AfterAllEntriesOf(std::string_view name) {
  return absl::StrCat(ToAbsl(name), absl::string_view("\x01", 1));
}

// The name part of a key_index key (the name and its '\0', without the revision). Every write adds the entry of its
// name with a revision above all earlier ones, i.e. right after that name's previous entry: with this as the
// memtable's insert hint, RocksDB starts each insert where the name's last one ended instead of searching the whole
// skip list.
class IndexKeyName final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "ketenbeeld.IndexKeyName"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), key.size() - kRevisionBytes);
  }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() > kRevisionBytes; }
};

struct ParsedIndexKey {
  std::string_view name;
  int64_t revision = 0;
};

std::optional<ParsedIndexKey> ParseIndexKey(std::string_view key) {
  if (key.size() < 1 + kRevisionBytes) return std::nullopt;
  const size_t name_size = key.size() - 1 - kRevisionBytes;
  if (key[name_size] != '\0') return std::nullopt;
  std::optional<int64_t> revision = DecodeRevision(key.substr(name_size + 1));
  if (!revision.has_value()) return std::nullopt;
  return ParsedIndexKey{key.substr(0, name_size), *revision};
}

std::string_view ToView(const rocksdb::Slice& slice) { return std::string_view(slice.data(), slice.size()); }
rocksdb::Slice ToSlice(std::string_view view) { return rocksdb::Slice(view.data(), view.size()); }

bool StartsWith(const rocksdb::Slice& key, std::string_view prefix) { return key.starts_with(ToSlice(prefix)); }

// ---------------------------------------------------------------------------------------------------------------
// Status mapping: the one place where rocksdb::Status becomes absl::Status. `doing` says what we were doing, so the
// message reads "commit of revisions 5..9: IO error: No space left on device".

enum class InvalidArgumentMeans {
  // The caller passed something RocksDB rejects.
  kInvalidArgument,
  // The state on disk does not allow the operation (Open: not our database; Checkpoint: directory exists).
  kFailedPrecondition,
};

absl::Status FromRocks(const rocksdb::Status& status, std::string_view doing,
                       InvalidArgumentMeans invalid_argument = InvalidArgumentMeans::kInvalidArgument) {
  if (status.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(ToAbsl(doing), ": ", status.ToString());
  // IsNoSpace() is a subcode of IOError; both are transient from our point of view (an operator can fix them).
  if (status.IsIOError() || status.IsNoSpace() || status.IsBusy() || status.IsTimedOut() || status.IsTryAgain() ||
      status.IsShutdownInProgress()) {
    return absl::UnavailableError(message);
  }
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsInvalidArgument()) {
    return invalid_argument == InvalidArgumentMeans::kFailedPrecondition ? absl::FailedPreconditionError(message)
                                                                         : absl::InvalidArgumentError(message);
  }
  if (status.IsNotFound()) return absl::NotFoundError(message);
  return absl::InternalError(message);
}

// ---------------------------------------------------------------------------------------------------------------
// RocksDB configuration.
//
// The workload: small records (~1 KB events), few writers (one committer thread), every commit group synced;
// reads are mostly of recent log entries (catch-up of subscribers) and full scans of `state` at startup. Crisis
// volumes are small (thousands of records, at most millions of events), so the design favours predictable latency
// and bounded memory over throughput.

struct Tuning {
  size_t block_cache_bytes;
  size_t write_buffer_bytes;     // per column family memtable
  uint64_t target_file_bytes;    // SST size at L1
  uint64_t level_base_bytes;     // size of L1
  uint64_t max_total_wal_bytes;  // forces flush of idle column families so old WAL files can be deleted
};

// Production: a 32 MiB block cache holds the index/filter blocks and the hot part of the log; 16 MiB memtables
// keep flushes (and the L0 files they make) infrequent without holding much memory per column family.
constexpr Tuning kProductionTuning{32 << 20, 16 << 20, 32 << 20, 128 << 20, 256 << 20};
// Tests (like Kvrocks's test fixture): tiny buffers so that tests exercise flushes, SST reads and compactions with
// few records, and many stores can be open at once.
constexpr Tuning kSmallTuning{1 << 20, 64 << 10, 256 << 10, 1 << 20, 4 << 20};

rocksdb::CompressionType BestAvailableCompression() {
  // LZ4 is cheap enough that compression never shows in commit latency (it runs in flush/compaction only).
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  for (rocksdb::CompressionType preferred : {rocksdb::kLZ4Compression, rocksdb::kSnappyCompression}) {
    if (std::find(supported.begin(), supported.end(), preferred) != supported.end()) return preferred;
  }
  return rocksdb::kNoCompression;
}

// `insert_hint` (may be null): keys with the same prefix under it are inserted near each other, in order
// (rocksdb::ColumnFamilyOptions::memtable_insert_with_hint_prefix_extractor).
rocksdb::ColumnFamilyOptions FamilyOptions(const Tuning& tuning, const std::shared_ptr<rocksdb::Cache>& cache,
                                           bool whole_key_bloom,
                                           std::shared_ptr<const rocksdb::SliceTransform> insert_hint) {
  rocksdb::ColumnFamilyOptions options;
  // Writes come from one committer thread, so memtable inserts are never concurrent and the hints apply. They cost
  // ~250 bytes of memtable per distinct prefix.
  options.memtable_insert_with_hint_prefix_extractor = std::move(insert_hint);
  // Level compaction (the default, stated here on purpose): bounded space amplification and read amplification for
  // a store that is mostly appended to. Dynamic level sizes keep ~90% of the data in the last level.
  options.compaction_style = rocksdb::kCompactionStyleLevel;
  options.level_compaction_dynamic_level_bytes = true;
  options.write_buffer_size = tuning.write_buffer_bytes;
  options.max_write_buffer_number = 2;
  options.target_file_size_base = tuning.target_file_bytes;
  options.max_bytes_for_level_base = tuning.level_base_bytes;
  options.compression = BestAvailableCompression();

  rocksdb::BlockBasedTableOptions table;
  // One LRU cache for all column families, so memory is bounded by one number and goes where the reads are.
  table.block_cache = cache;
  // Index and filter blocks live in (and are bounded by) the cache too; L0 ones are pinned because every read
  // consults every L0 file.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (whole_key_bloom) {
    // A whole-key bloom filter (10 bits/key, ~1% false positives) lets a point Get skip SST files that cannot
    // hold the key. It only helps point lookups: `state` and `log` have them (Get by name / by revision);
    // `key_index` is only ever read by Seek/SeekForPrev, which whole-key filters cannot serve.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.optimize_filters_for_memory = true;
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

rocksdb::DBOptions DatabaseOptions(const Tuning& tuning) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // Detect corruption early (the default, stated on purpose): a damaged database must not be served.
  options.paranoid_checks = true;
  // With sync=true every acknowledged write is in the fsynced WAL; after a crash, point-in-time recovery replays
  // the WAL up to the last complete record, which includes every acknowledged commit group (a torn tail belongs to
  // a group that was never acknowledged). kAbsoluteConsistency would refuse to open after such a crash.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // Two background threads (one flush, one compaction) on a small machine. Commits wait for them only in a write
  // stall (memtables or L0 full), which needs sustained writes far above crisis rates.
  options.max_background_jobs = 2;
  // `meta` is written on every commit but holds two keys; without a cap on total WAL size its memtable would
  // rarely fill and keep every old WAL file alive.
  options.max_total_wal_size = tuning.max_total_wal_bytes;
  // Write SST data out incrementally so a flush or compaction never ends in one long fsync that competes with the
  // WAL's fsync on the same disk.
  options.bytes_per_sync = 1 << 20;
  // RocksDB's own info LOG in the database directory: bounded.
  options.max_log_file_size = 16 << 20;
  options.keep_log_file_num = 5;
  return options;
}

// Returns FAILED_PRECONDITION when `path` holds something that is not (and cannot become) our database, creating
// the directory (and its parents) when it is missing.
absl::Status PrepareDirectory(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error && error != std::errc::no_such_file_or_directory) {
    return absl::UnavailableError(absl::StrCat("open of store at ", path, ": cannot stat: ", error.message()));
  }
  if (fs::exists(status) && !fs::is_directory(status)) {
    return absl::FailedPreconditionError(
        absl::StrCat("open of store at ", path, ": the path exists and is not a directory"));
  }
  if (!fs::exists(status)) {
    fs::create_directories(path, error);
    if (error) {
      return absl::UnavailableError(
          absl::StrCat("open of store at ", path, ": cannot create directory: ", error.message()));
    }
    return absl::OkStatus();
  }
  if (fs::exists(fs::path(path) / "CURRENT", error)) return absl::OkStatus();  // A RocksDB database: checked later.
  // A directory without a database: only files that RocksDB leaves when it crashes while creating one are allowed.
  for (fs::directory_iterator it(path, error), end; !error && it != end; it.increment(error)) {
    const std::string file = it->path().filename().string();
    if (file != "LOCK" && !file.starts_with("LOG")) {
      return absl::FailedPreconditionError(absl::StrCat("open of store at ", path, ": the directory holds '", file,
                                                        "' but no RocksDB database; refusing to use it"));
    }
  }
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("open of store at ", path, ": cannot list directory: ", error.message()));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------------------------
// Fault injection (tests): a FileSystem that asks the FaultInjector before every append and sync of a file it writes.

rocksdb::IOStatus ToIoStatus(Fault fault, std::string_view file_name) {
  const rocksdb::Slice file(file_name.data(), file_name.size());
  switch (fault) {
    case Fault::kNone:
      return rocksdb::IOStatus::OK();
    case Fault::kIoError:
      return rocksdb::IOStatus::IOError("injected I/O error", file);
    case Fault::kNoSpace:
      return rocksdb::IOStatus::NoSpace("injected: no space left on device", file);
  }
  return rocksdb::IOStatus::IOError("injected fault", file);
}

class FaultInjectingFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultInjectingFile(std::unique_ptr<rocksdb::FSWritableFile> file, std::string name, FaultInjector& injector)
      : FSWritableFileOwnerWrapper(std::move(file)), name_(std::move(name)), injector_(injector) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus fault = Check(FileOperation::kAppend); !fault.ok()) return fault;
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus fault = Check(FileOperation::kAppend); !fault.ok()) return fault;
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus fault = Check(FileOperation::kAppend); !fault.ok()) return fault;
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus fault = Check(FileOperation::kAppend); !fault.ok()) return fault;
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, info, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus fault = Check(FileOperation::kSync); !fault.ok()) return fault;
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus fault = Check(FileOperation::kSync); !fault.ok()) return fault;
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }
  rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus fault = Check(FileOperation::kSync); !fault.ok()) return fault;
    return FSWritableFileOwnerWrapper::RangeSync(offset, nbytes, options, dbg);
  }

 private:
  rocksdb::IOStatus Check(FileOperation operation) { return ToIoStatus(injector_.Check(operation, name_), name_); }

  const std::string name_;
  FaultInjector& injector_;
};

class FaultInjectingFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultInjectingFileSystem(const std::shared_ptr<rocksdb::FileSystem>& target, std::shared_ptr<FaultInjector> injector)
      : FileSystemWrapper(target), injector_(std::move(injector)) {}

  const char* Name() const override { return "KetenbeeldFaultInjectingFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    return Wrap(name, target()->NewWritableFile(name, options, result, dbg), result);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    return Wrap(name, target()->ReopenWritableFile(name, options, result, dbg), result);
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override {
    return Wrap(name, target()->ReuseWritableFile(name, old_name, options, result, dbg), result);
  }

 private:
  rocksdb::IOStatus Wrap(const std::string& name, rocksdb::IOStatus status,
                         std::unique_ptr<rocksdb::FSWritableFile>* result) {
    if (status.ok()) *result = std::make_unique<FaultInjectingFile>(std::move(*result), name, *injector_);
    return status;
  }

  const std::shared_ptr<FaultInjector> injector_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------------------------

struct Store::Impl {
  StoreOptions options;
  std::string doing_open;  // "open of store at <path>", for messages.
  std::shared_ptr<rocksdb::Cache> block_cache;
  // Kept across Recover() so that cumulative figures (stall time, compaction bytes) never go backwards.
  std::shared_ptr<rocksdb::Statistics> statistics;
  // With a fault injector: the Env over the fault-injecting file system. Must outlive `db` (declared before it).
  std::unique_ptr<rocksdb::Env> fault_env;
  rocksdb::DBOptions db_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;

  // Guards the database object itself: every call that uses `db` holds it shared; Recover() holds it exclusively
  // while it closes and reopens the database. Ordered after commit_mu and compact_mu.
  mutable absl::Mutex db_mu;
  // Null only while closed after a failed Recover() (or during it).
  std::unique_ptr<rocksdb::DB> db ABSL_GUARDED_BY(db_mu);
  // Owned; destroyed before `db`. Indexed by Family (the order of kFamilies).
  std::vector<rocksdb::ColumnFamilyHandle*> handles ABSL_GUARDED_BY(db_mu);
  rocksdb::ColumnFamilyHandle* state = nullptr;
  rocksdb::ColumnFamilyHandle* log = nullptr;
  rocksdb::ColumnFamilyHandle* key_index = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  // True while the database is open read-only (options.read_only, or after a Recover() that could only do that).
  bool read_only ABSL_GUARDED_BY(db_mu) = false;
  rocksdb::WriteOptions commit_write_options;

  // Mirrors of meta, updated only after the write that changed meta succeeded. Readers that must be consistent
  // with the data they read (ReadLog, reads at past revisions) read meta at their snapshot instead.
  std::atomic<int64_t> last_revision{0};
  std::atomic<int64_t> compacted_revision{0};

  // Serializes Commit() and Recover() calls: checking consecutiveness and writing must be one step even if a caller
  // breaks the one-committer rule. RocksDB itself needs no lock.
  absl::Mutex commit_mu ABSL_ACQUIRED_BEFORE(db_mu);
  // Set when a write failed. The outcome of that group is then unknown: a failed WAL sync may still leave the record
  // on disk, to be replayed at the next open. Committing other data at the same revisions could then mix two groups
  // on disk, so every later commit is refused until Recover() has reopened the store (which reads back what is
  // durable).
  absl::Status commit_failure ABSL_GUARDED_BY(commit_mu);
  // Serializes CompactLog() calls (read compacted_revision, scan, write). Separate from commit_mu so that a long
  // compaction scan never delays commits: compaction only touches keys <= last_revision, commits only newer ones.
  absl::Mutex compact_mu ABSL_ACQUIRED_BEFORE(db_mu);

  ~Impl() {
    absl::MutexLock lock(&db_mu);
    CloseDatabase();
  }

  rocksdb::ColumnFamilyHandle* Handle(Family family) const ABSL_SHARED_LOCKS_REQUIRED(db_mu) {
    return handles.at(static_cast<size_t>(family));
  }

  void CloseDatabase() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu) {
    if (db == nullptr) return;
    for (rocksdb::ColumnFamilyHandle* handle : handles) db->DestroyColumnFamilyHandle(handle);
    handles.clear();
    state = log = key_index = meta = nullptr;
    // Close() flushes nothing we rely on (every commit is in the WAL); its status has nowhere to go.
    db->Close().PermitUncheckedError();
    db.reset();
  }

  // Opens the database (read-write, or read-only), checks that it is ours and consistent, and loads the revision
  // mirrors. On error the database is left closed.
  absl::Status OpenDatabase(bool open_read_only, std::string_view doing) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu) {
    rocksdb::DB* raw_db = nullptr;
    const rocksdb::Status opened =
        open_read_only ? rocksdb::DB::OpenForReadOnly(db_options, options.path, families, &handles, &raw_db)
                       : rocksdb::DB::Open(db_options, options.path, families, &handles, &raw_db);
    if (!opened.ok()) {
      handles.clear();
      return FromRocks(opened, doing, InvalidArgumentMeans::kFailedPrecondition);
    }
    db.reset(raw_db);
    read_only = open_read_only;
    state = Handle(Family::kState);
    log = Handle(Family::kLog);
    key_index = Handle(Family::kKeyIndex);
    meta = Handle(Family::kMeta);
    absl::Status checked = CheckOpenedDatabase(doing);
    if (!checked.ok()) CloseDatabase();
    return checked;
  }

  absl::Status CheckOpenedDatabase(std::string_view doing_view) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu) {
    const absl::string_view doing = ToAbsl(doing_view);
    rocksdb::ReadOptions read_options;
    {
      // We never write to `default`: data there means this database belongs to someone else.
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read_options, Handle(Family::kDefault)));
      it->SeekToFirst();
      if (it->Valid()) {
        return absl::FailedPreconditionError(
            absl::StrCat(doing, ": the default column family holds data, so it is not a Ketenbeeld store"));
      }
      if (!it->status().ok()) return FromRocks(it->status(), doing_view);
    }
    absl::StatusOr<int64_t> last = ReadMeta(read_options, kLastRevisionKey);
    if (!last.ok()) return last.status();
    absl::StatusOr<int64_t> compacted = ReadMeta(read_options, kCompactedRevisionKey);
    if (!compacted.ok()) return compacted.status();
    if (*compacted > *last) {
      return absl::DataLossError(
          absl::StrCat(doing, ": compacted revision ", *compacted, " is after the last revision ", *last));
    }
    // The newest log entry is always the last revision (written in the same batch, never compacted since it is the
    // newest change of its name). A mismatch means the database was damaged or tampered with.
    {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read_options, log));
      it->SeekToLast();
      if (!it->status().ok()) return FromRocks(it->status(), doing_view);
      const std::optional<int64_t> newest = it->Valid() ? DecodeRevision(ToView(it->key())) : std::optional<int64_t>(0);
      if (newest != *last) {
        return absl::DataLossError(absl::StrCat(doing, ": meta says last revision ", *last,
                                                " but the newest log entry is ", newest.value_or(-1)));
      }
    }
    last_revision.store(*last);
    compacted_revision.store(*compacted);
    return absl::OkStatus();
  }

  // UNAVAILABLE while the database is closed after a failed Recover().
  absl::Status CheckOpen(std::string_view doing) const ABSL_SHARED_LOCKS_REQUIRED(db_mu) {
    if (db != nullptr) return absl::OkStatus();
    return absl::UnavailableError(
        absl::StrCat(ToAbsl(doing),
                     ": the store is closed: it could not be reopened after a storage fault (see the server log); "
                     "it retries by itself"));
  }

  // Reads a revision-valued meta key at `read_options` (0 when absent).
  absl::StatusOr<int64_t> ReadMeta(const rocksdb::ReadOptions& read_options, std::string_view key) const
      ABSL_SHARED_LOCKS_REQUIRED(db_mu) {
    std::string value;
    rocksdb::Status status = db->Get(read_options, meta, ToSlice(key), &value);
    if (status.IsNotFound()) return 0;
    if (!status.ok()) return FromRocks(status, absl::StrCat("read of meta ", ToAbsl(key)));
    std::optional<int64_t> revision = DecodeRevision(value);
    if (!revision.has_value()) {
      return absl::DataLossError(
          absl::StrCat("read of meta ", ToAbsl(key), ": not an 8-byte revision (", value.size(), " bytes)"));
    }
    return *revision;
  }

  // FAILED_PRECONDITION when history at `at_revision` has been compacted away (as seen by `read_options`).
  absl::Status CheckNotCompacted(const rocksdb::ReadOptions& read_options, int64_t at_revision,
                                 std::string_view doing) const ABSL_SHARED_LOCKS_REQUIRED(db_mu) {
    if (at_revision < 0) return absl::InvalidArgumentError(absl::StrCat(ToAbsl(doing), ": negative revision"));
    absl::StatusOr<int64_t> compacted = ReadMeta(read_options, kCompactedRevisionKey);
    if (!compacted.ok()) return compacted.status();
    if (at_revision < *compacted) {
      return absl::FailedPreconditionError(
          absl::StrCat(ToAbsl(doing), ": revision ", at_revision, " is before the compacted revision ", *compacted));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<absl::Time> CommitTimeOf(const rocksdb::ReadOptions& read_options, int64_t revision) const
      ABSL_SHARED_LOCKS_REQUIRED(db_mu) {
    std::string bytes;
    rocksdb::Status status = db->Get(read_options, log, EncodeRevision(revision), &bytes);
    if (status.IsNotFound()) {
      return absl::DataLossError(absl::StrCat("search by time: retained log entry ", revision, " is missing"));
    }
    if (!status.ok()) return FromRocks(status, absl::StrCat("search by time: read of revision ", revision));
    v1::Event event;
    if (!event.ParseFromString(bytes)) {
      return absl::DataLossError(absl::StrCat("search by time: log entry ", revision, " is not a valid Event"));
    }
    return FromProtoTime(event.commit_time());
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("open of store: empty path");
  const std::string doing = absl::StrCat("open of store at ", options.path);
  if (options.read_only) {
    std::error_code error;
    if (!std::filesystem::exists(std::filesystem::path(options.path) / "CURRENT", error)) {
      return absl::FailedPreconditionError(absl::StrCat(doing, " (read-only): the directory holds no database"));
    }
  } else if (absl::Status prepared = PrepareDirectory(options.path); !prepared.ok()) {
    return prepared;
  }

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->doing_open = doing;
  impl->commit_write_options.sync = options.sync;
  const Tuning& tuning = options.small_buffers ? kSmallTuning : kProductionTuning;
  impl->block_cache = rocksdb::NewLRUCache(tuning.block_cache_bytes);
  impl->db_options = DatabaseOptions(tuning);
  // Tickers only (no histograms or timers): stall time and compaction bytes for metrics, at negligible cost.
  impl->statistics = rocksdb::CreateDBStatistics();
  impl->statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  impl->db_options.statistics = impl->statistics;
  if (options.fault_injector != nullptr) {
    impl->fault_env = rocksdb::NewCompositeEnv(
        std::make_shared<FaultInjectingFileSystem>(rocksdb::FileSystem::Default(), options.fault_injector));
    impl->db_options.env = impl->fault_env.get();
  }

  // An existing database must consist of our column families only; anything else is someone else's database.
  std::error_code error;
  if (std::filesystem::exists(std::filesystem::path(options.path) / "CURRENT", error)) {
    std::vector<std::string> existing;
    rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(impl->db_options, options.path, &existing);
    if (!listed.ok()) return FromRocks(listed, doing, InvalidArgumentMeans::kFailedPrecondition);
    for (const std::string& name : existing) {
      if (std::none_of(kFamilies.begin(), kFamilies.end(), [&](const FamilySpec& spec) { return name == spec.name; })) {
        return absl::FailedPreconditionError(
            absl::StrCat(doing, ": the database has column family '", name, "', so it is not a Ketenbeeld store"));
      }
    }
  }

  for (const FamilySpec& spec : kFamilies) {
    // Insert hints: `state` rewrites the same names over and over (each new version sorts right before the previous
    // one), `key_index` appends per name. `log` keys only ever grow, which the skip list handles without a hint.
    std::shared_ptr<const rocksdb::SliceTransform> insert_hint;
    if (spec.family == Family::kState) insert_hint.reset(rocksdb::NewNoopTransform());
    if (spec.family == Family::kKeyIndex) insert_hint = std::make_shared<IndexKeyName>();
    impl->families.emplace_back(spec.name,
                                FamilyOptions(tuning, impl->block_cache, spec.point_lookups, std::move(insert_hint)));
  }
  {
    absl::MutexLock lock(&impl->db_mu);
    if (absl::Status opened = impl->OpenDatabase(options.read_only, doing); !opened.ok()) return opened;
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

absl::StatusOr<int64_t> Store::Recover() {
  const std::string doing = absl::StrCat("recovery (reopen) of store at ", impl_->options.path);
  if (impl_->options.read_only) return absl::FailedPreconditionError(absl::StrCat(doing, ": the store is read-only"));
  absl::MutexLock commit_lock(&impl_->commit_mu);
  absl::MutexLock db_lock(&impl_->db_mu);
  impl_->CloseDatabase();
  absl::Status opened = impl_->OpenDatabase(/*open_read_only=*/false, doing);
  if (opened.ok()) {
    impl_->commit_failure = absl::OkStatus();
    return impl_->last_revision.load();
  }
  // Still failing. Keep serving reads from what is on disk: a read-only open writes nothing, so it works on a full
  // or failing disk. Commits stay refused.
  if (absl::IsUnavailable(opened) || absl::IsInternal(opened)) {
    absl::Status read_only = impl_->OpenDatabase(/*open_read_only=*/true, doing);
    if (!read_only.ok()) {
      opened = absl::Status(opened.code(), absl::StrCat(opened.message(), "; read-only open failed too (",
                                                        read_only.message(), "): reads of history fail meanwhile"));
    }
  }
  impl_->commit_failure = opened;
  return opened;
}

bool Store::needs_recovery() const {
  absl::MutexLock lock(&impl_->commit_mu);
  return !impl_->commit_failure.ok();
}

absl::Status Store::Commit(const std::vector<LogEntry>& group) {
  if (group.empty()) return absl::OkStatus();
  absl::MutexLock lock(&impl_->commit_mu);
  absl::ReaderMutexLock db_lock(&impl_->db_mu);
  const int64_t last = impl_->last_revision.load();
  const std::string doing = absl::StrCat("commit of revisions ", group.front().revision, "..", group.back().revision);
  if (impl_->options.read_only) return absl::FailedPreconditionError(absl::StrCat(doing, ": the store is read-only"));
  if (!impl_->commit_failure.ok()) {
    return absl::UnavailableError(absl::StrCat(doing,
                                               ": refused until the store has recovered from an earlier failed "
                                               "write (",
                                               impl_->commit_failure.message(), ")"));
  }
  if (absl::Status open = impl_->CheckOpen(doing); !open.ok()) return open;
  rocksdb::WriteBatch batch;
  int64_t expected = last + 1;
  for (const LogEntry& entry : group) {
    if (entry.revision != expected) {
      return absl::InternalError(absl::StrCat(doing, ": expected revision ", expected, " but got ", entry.revision,
                                              " (last committed revision is ", last, ")"));
    }
    if (entry.name.empty() || entry.name.find('\0') != std::string_view::npos) {
      return absl::InternalError(
          absl::StrCat(doing, ": revision ", entry.revision, " has an empty name or a name containing NUL"));
    }
    rocksdb::Status status = entry.is_delete
                                 ? batch.Delete(impl_->state, ToSlice(entry.name))
                                 : batch.Put(impl_->state, ToSlice(entry.name), ToSlice(entry.record_bytes));
    if (status.ok()) status = batch.Put(impl_->log, EncodeRevision(entry.revision), ToSlice(entry.event_bytes));
    if (status.ok()) status = batch.Put(impl_->key_index, IndexKey(entry.name, entry.revision), rocksdb::Slice());
    if (!status.ok()) return FromRocks(status, doing);
    ++expected;
  }
  const int64_t new_last = expected - 1;
  rocksdb::Status status = batch.Put(impl_->meta, kLastRevisionKey, EncodeRevision(new_last));
  if (!status.ok()) return FromRocks(status, doing);
  status = impl_->db->Write(impl_->commit_write_options, &batch);
  if (!status.ok()) {
    impl_->commit_failure = FromRocks(status, doing);
    return impl_->commit_failure;
  }
  impl_->last_revision.store(new_last);
  return absl::OkStatus();
}

int64_t Store::last_revision() const { return impl_->last_revision.load(); }
int64_t Store::compacted_revision() const { return impl_->compacted_revision.load(); }

absl::Status Store::ForEachRecord(
    const std::function<absl::Status(std::string_view name, std::string_view record_bytes)>& fn) const {
  absl::ReaderMutexLock db_lock(&impl_->db_mu);
  if (absl::Status open = impl_->CheckOpen("scan of state"); !open.ok()) return open;
  // An iterator reads one consistent point in time, so fn sees the state exactly as of one commit group.
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->state));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (absl::Status status = fn(ToView(it->key()), ToView(it->value())); !status.ok()) return status;
  }
  return FromRocks(it->status(), "scan of state");
}

absl::StatusOr<std::vector<StoredEvent>> Store::ReadLog(int64_t from_revision, int64_t to_revision,
                                                        size_t max_bytes) const {
  const std::string doing = absl::StrCat("read of log ", from_revision, "..", to_revision);
  absl::ReaderMutexLock db_lock(&impl_->db_mu);
  if (absl::Status open = impl_->CheckOpen(doing); !open.ok()) return open;
  // One snapshot for the compaction check and the read: a concurrent CompactLog either happened entirely before
  // (and we refuse) or entirely after (and we read the full range).
  rocksdb::ManagedSnapshot snapshot(impl_->db.get());
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  absl::StatusOr<int64_t> compacted = impl_->ReadMeta(read_options, kCompactedRevisionKey);
  if (!compacted.ok()) return compacted.status();
  if (from_revision <= *compacted) {
    return absl::FailedPreconditionError(
        from_revision < 1 ? absl::StrCat(doing, ": the log starts at revision 1")
                          : absl::StrCat(doing, ": revisions up to ", *compacted, " have been compacted"));
  }
  std::vector<StoredEvent> events;
  if (to_revision < from_revision) return events;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read_options, impl_->log));
  size_t total_bytes = 0;
  int64_t expected = from_revision;
  for (it->Seek(EncodeRevision(from_revision)); it->Valid(); it->Next()) {
    std::optional<int64_t> revision = DecodeRevision(ToView(it->key()));
    if (!revision.has_value()) return absl::DataLossError(absl::StrCat(doing, ": malformed log key"));
    if (*revision > to_revision) break;
    if (*revision != expected) {
      return absl::DataLossError(absl::StrCat(doing, ": log entry ", expected, " is missing"));
    }
    events.push_back(StoredEvent{*revision, it->value().ToString()});
    total_bytes += it->value().size();
    if (total_bytes >= max_bytes || *revision == to_revision) break;
    ++expected;
  }
  if (absl::Status status = FromRocks(it->status(), doing); !status.ok()) return status;
  return events;
}

absl::StatusOr<std::string> Store::ReadEvent(int64_t revision) const {
  const std::string doing = absl::StrCat("read of log entry ", revision);
  if (revision < 1) return absl::NotFoundError(absl::StrCat(doing, ": revisions start at 1"));
  absl::ReaderMutexLock db_lock(&impl_->db_mu);
  if (absl::Status open = impl_->CheckOpen(doing); !open.ok()) return open;
  std::string bytes;
  rocksdb::Status status = impl_->db->Get(rocksdb::ReadOptions(), impl_->log, EncodeRevision(revision), &bytes);
  if (status.IsNotFound())
    return absl::NotFoundError(absl::StrCat(doing, ": no such entry (never written or compacted)"));
  if (!status.ok()) return FromRocks(status, doing);
  return bytes;
}

absl::StatusOr<std::optional<int64_t>> Store::LastChangeAtOrBefore(std::string_view name, int64_t at_revision) const {
  const std::string doing = absl::StrCat("read of '", ToAbsl(name), "' at revision ", at_revision);
  absl::ReaderMutexLock db_lock(&impl_->db_mu);
  if (absl::Status open = impl_->CheckOpen(doing); !open.ok()) return open;
  rocksdb::ManagedSnapshot snapshot(impl_->db.get());
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  if (absl::Status status = impl_->CheckNotCompacted(read_options, at_revision, doing); !status.ok()) return status;
  if (name.find('\0') != std::string_view::npos) return std::optional<int64_t>();  // No such name can exist.

  const std::string name_prefix = absl::StrCat(ToAbsl(name), absl::string_view("\0", 1));
  const rocksdb::Slice lower_bound(name_prefix);
  read_options.iterate_lower_bound = &lower_bound;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read_options, impl_->key_index));
  it->SeekForPrev(IndexKey(name, at_revision));
  if (!it->status().ok()) return FromRocks(it->status(), doing);
  if (!it->Valid() || !StartsWith(it->key(), name_prefix)) return std::optional<int64_t>();
  std::optional<ParsedIndexKey> parsed = ParseIndexKey(ToView(it->key()));
  if (!parsed.has_value() || parsed->name != name) {
    return absl::DataLossError(absl::StrCat(doing, ": malformed key_index entry"));
  }
  return std::optional<int64_t>(parsed->revision);
}

absl::Status Store::ForEachNameAt(std::string_view prefix, std::string_view start_after, int64_t at_revision,
                                  const std::function<bool(std::string_view name, int64_t revision)>& fn) const {
  const std::string doing = absl::StrCat("list of names with prefix '", ToAbsl(prefix), "' at revision ", at_revision);
  absl::ReaderMutexLock db_lock(&impl_->db_mu);
  if (absl::Status open = impl_->CheckOpen(doing); !open.ok()) return open;
  rocksdb::ManagedSnapshot snapshot(impl_->db.get());
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  if (absl::Status status = impl_->CheckNotCompacted(read_options, at_revision, doing); !status.ok()) return status;

  // Start at whichever is later: the first key with the prefix, or the first key of a name > start_after.
  std::string start(prefix);
  if (!start_after.empty()) {
    std::string after = AfterAllEntriesOf(start_after);
    if (rocksdb::Slice(after).compare(rocksdb::Slice(start)) > 0) start = std::move(after);
  }
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read_options, impl_->key_index));
  it->Seek(start);
  // Each name costs at most two seeks however many revisions it has: SeekForPrev to its newest entry
  // <= at_revision, then Seek past all its entries.
  while (it->Valid() && StartsWith(it->key(), prefix)) {
    std::optional<ParsedIndexKey> first = ParseIndexKey(ToView(it->key()));
    if (!first.has_value()) return absl::DataLossError(absl::StrCat(doing, ": malformed key_index entry"));
    const std::string name(first->name);
    if (first->revision <= at_revision) {
      // The oldest entry of `name` is <= at_revision, so the newest entry <= at_revision also belongs to `name`.
      it->SeekForPrev(IndexKey(name, at_revision));
      if (!it->Valid()) {
        if (!it->status().ok()) return FromRocks(it->status(), doing);
        return absl::DataLossError(absl::StrCat(doing, ": key_index entries of '", name, "' vanished"));
      }
      std::optional<ParsedIndexKey> newest = ParseIndexKey(ToView(it->key()));
      if (!newest.has_value() || newest->name != name) {
        return absl::DataLossError(absl::StrCat(doing, ": malformed key_index entry for '", name, "'"));
      }
      if (!fn(name, newest->revision)) return absl::OkStatus();
    }
    it->Seek(AfterAllEntriesOf(name));
  }
  return FromRocks(it->status(), doing);
}

absl::StatusOr<int64_t> Store::FirstRevisionAtOrAfter(absl::Time time) const {
  absl::ReaderMutexLock db_lock(&impl_->db_mu);
  if (absl::Status open = impl_->CheckOpen("search by time"); !open.ok()) return open;
  rocksdb::ManagedSnapshot snapshot(impl_->db.get());
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  absl::StatusOr<int64_t> compacted = impl_->ReadMeta(read_options, kCompactedRevisionKey);
  if (!compacted.ok()) return compacted.status();
  absl::StatusOr<int64_t> last = impl_->ReadMeta(read_options, kLastRevisionKey);
  if (!last.ok()) return last.status();
  // Invariant: every revision < low has commit time < time; every revision >= high has commit time >= time.
  int64_t low = *compacted + 1;
  int64_t high = *last + 1;
  while (low < high) {
    const int64_t middle = low + (high - low) / 2;
    absl::StatusOr<absl::Time> commit_time = impl_->CommitTimeOf(read_options, middle);
    if (!commit_time.ok()) return commit_time.status();
    if (*commit_time >= time) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return low;
}

absl::Status Store::CompactLog(int64_t revision) {
  const std::string doing = absl::StrCat("compaction of the log up to revision ", revision);
  if (impl_->options.read_only) return absl::FailedPreconditionError(absl::StrCat(doing, ": the store is read-only"));
  absl::MutexLock lock(&impl_->compact_mu);
  absl::ReaderMutexLock db_lock(&impl_->db_mu);
  if (absl::Status open = impl_->CheckOpen(doing); !open.ok()) return open;
  const int64_t last = impl_->last_revision.load();
  if (revision < 0 || revision > last) {
    return absl::InvalidArgumentError(absl::StrCat(doing, ": must be between 0 and the last revision ", last));
  }
  const int64_t compacted = impl_->compacted_revision.load();
  if (revision <= compacted) return absl::OkStatus();  // Already compacted that far.

  // Scan the whole index (compaction is rare and crisis volumes are small). Entries of a name come in revision
  // order; for each name, every entry <= revision except the newest such is deleted, with its log entry (each
  // revision changed exactly one name, so each log entry has exactly one index entry). Commits running
  // concurrently only add revisions > last >= revision, which the scan ignores.
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->key_index));
  std::string current_name;
  // The newest index entry <= revision of current_name seen so far; kept_revision < 0 when there is none.
  std::string kept_key;
  int64_t kept_revision = -1;
  it->SeekToFirst();
  while (it->Valid()) {
    std::optional<ParsedIndexKey> parsed = ParseIndexKey(ToView(it->key()));
    if (!parsed.has_value()) return absl::DataLossError(absl::StrCat(doing, ": malformed key_index entry"));
    if (kept_revision < 0 || parsed->name != current_name) {
      current_name = std::string(parsed->name);
      kept_revision = -1;
    }
    if (parsed->revision > revision) {
      it->Seek(AfterAllEntriesOf(current_name));  // The rest of this name is newer still.
      continue;
    }
    if (kept_revision >= 0) {
      rocksdb::Status status = batch.Delete(impl_->key_index, kept_key);
      if (status.ok()) status = batch.Delete(impl_->log, EncodeRevision(kept_revision));
      if (!status.ok()) return FromRocks(status, doing);
    }
    kept_key = it->key().ToString();
    kept_revision = parsed->revision;
    it->Next();
  }
  if (absl::Status status = FromRocks(it->status(), doing); !status.ok()) return status;

  rocksdb::Status status = batch.Put(impl_->meta, kCompactedRevisionKey, EncodeRevision(revision));
  rocksdb::WriteOptions write_options;
  write_options.sync = true;  // Always: compaction deletes history, and compacted_revision must be durable with it.
  if (status.ok()) status = impl_->db->Write(write_options, &batch);
  if (!status.ok()) return FromRocks(status, doing);
  impl_->compacted_revision.store(revision);
  return absl::OkStatus();
}

absl::Status Store::Checkpoint(const std::string& dir) const {
  const std::string doing = absl::StrCat("checkpoint to ", dir);
  absl::ReaderMutexLock db_lock(&impl_->db_mu);
  if (absl::Status open = impl_->CheckOpen(doing); !open.ok()) return open;
  std::error_code error;
  if (std::filesystem::exists(dir, error)) {
    return absl::FailedPreconditionError(absl::StrCat(doing, ": the directory already exists"));
  }
  rocksdb::Checkpoint* raw_checkpoint = nullptr;
  rocksdb::Status status = rocksdb::Checkpoint::Create(impl_->db.get(), &raw_checkpoint);
  if (!status.ok()) return FromRocks(status, doing);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw_checkpoint);
  // log_size_for_flush = 0: flush memtables first, so the copy holds SST files (hard links) plus an empty WAL.
  status = checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0);
  return FromRocks(status, doing, InvalidArgumentMeans::kFailedPrecondition);
}

absl::StatusOr<BackupInfo> Store::Backup(const std::string& dir) const {
  if (absl::Status checkpoint = Checkpoint(dir); !checkpoint.ok()) return checkpoint;
  // Verify the copy the way a restore will use it, and learn what it holds: the revision is only known exactly from
  // the copy itself (commits continue while the checkpoint is taken).
  StoreOptions copy_options;
  copy_options.path = dir;
  copy_options.read_only = true;
  absl::StatusOr<std::unique_ptr<Store>> copy = Store::Open(copy_options);
  if (!copy.ok()) {
    return absl::Status(copy.status().code(),
                        absl::StrCat("verification of the backup in ", dir, ": ", copy.status().message()));
  }
  return BackupInfo{.revision = (*copy)->last_revision(), .compacted_revision = (*copy)->compacted_revision()};
}

StoreProperties Store::Properties() const {
  StoreProperties properties;
  properties.stall_micros = static_cast<int64_t>(impl_->statistics->getTickerCount(rocksdb::STALL_MICROS));
  properties.compaction_read_bytes =
      static_cast<int64_t>(impl_->statistics->getTickerCount(rocksdb::COMPACT_READ_BYTES));
  properties.compaction_write_bytes =
      static_cast<int64_t>(impl_->statistics->getTickerCount(rocksdb::COMPACT_WRITE_BYTES));
  absl::ReaderMutexLock db_lock(&impl_->db_mu);
  if (impl_->db == nullptr) return properties;
  // Read under db_lock (the lambdas below run inside its scope; clang's analysis does not follow them there).
  rocksdb::DB* const db = impl_->db.get();
  // DB-wide properties are answered by any column family; per-family sizes are summed over all of them.
  auto db_wide = [db](const std::string& name) -> int64_t {
    uint64_t value = 0;
    return db->GetIntProperty(name, &value) ? static_cast<int64_t>(value) : 0;
  };
  auto summed = [db](const std::string& name) -> int64_t {
    uint64_t value = 0;
    return db->GetAggregatedIntProperty(name, &value) ? static_cast<int64_t>(value) : 0;
  };
  properties.write_stopped = db_wide(rocksdb::DB::Properties::kIsWriteStopped);
  properties.delayed_write_rate = db_wide(rocksdb::DB::Properties::kActualDelayedWriteRate);
  properties.running_compactions = db_wide(rocksdb::DB::Properties::kNumRunningCompactions);
  properties.running_flushes = db_wide(rocksdb::DB::Properties::kNumRunningFlushes);
  properties.background_errors = db_wide(rocksdb::DB::Properties::kBackgroundErrors);
  properties.pending_compaction_bytes = summed(rocksdb::DB::Properties::kEstimatePendingCompactionBytes);
  properties.live_sst_bytes = summed(rocksdb::DB::Properties::kLiveSstFilesSize);
  properties.memtable_bytes = summed(rocksdb::DB::Properties::kCurSizeAllMemTables);
  return properties;
}

}  // namespace ketenbeeld::storage
