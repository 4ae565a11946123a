// Storage faults: I/O errors and a full disk injected under RocksDB (StoreOptions::fault_injector), the refusal of
// commits that follows, reads that keep working, and Recover() reading back exactly what is durable.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "storage/fault_injector.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace ketenbeeld::storage {
namespace {

namespace fs = std::filesystem;
using ::ketenbeeld::testing::TempDir;

// Serialized event and record of a put of `name` at `revision`; kept alive for the LogEntry views.
struct OwnedEntry {
  int64_t revision;
  std::string name;
  std::string event_bytes;
  std::string record_bytes;
};

OwnedEntry MakeEntry(int64_t revision, const std::string& name) {
  v1::Record record;
  record.set_name(name);
  record.set_mod_revision(revision);
  v1::Event event;
  event.set_revision(revision);
  event.mutable_commit_time()->set_seconds(1700000000 + revision);
  *event.mutable_record() = record;
  return OwnedEntry{revision, name, event.SerializeAsString(), record.SerializeAsString()};
}

// Commits one group of `count` puts after the store's last revision.
absl::Status CommitGroup(Store& store, int count, const std::string& prefix) {
  std::vector<OwnedEntry> owned;
  for (int i = 0; i < count; ++i) {
    const int64_t revision = store.last_revision() + 1 + i;
    owned.push_back(MakeEntry(revision, prefix + std::to_string(revision)));
  }
  std::vector<LogEntry> group;
  for (const OwnedEntry& entry : owned) {
    group.push_back(LogEntry{.revision = entry.revision,
                             .name = entry.name,
                             .is_delete = false,
                             .event_bytes = entry.event_bytes,
                             .record_bytes = entry.record_bytes});
  }
  return store.Commit(group);
}

std::vector<std::string> RecordNames(const Store& store) {
  std::vector<std::string> names;
  EXPECT_TRUE(store
                  .ForEachRecord([&](std::string_view name, std::string_view) {
                    names.emplace_back(name);
                    return absl::OkStatus();
                  })
                  .ok());
  return names;
}

class FaultInjectionTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> OpenOrDie() {
    StoreOptions options;
    options.path = dir_.path() + "/db";
    options.small_buffers = true;
    options.fault_injector = faults_;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  TempDir dir_;
  std::shared_ptr<SwitchableFaultInjector> faults_ = std::make_shared<SwitchableFaultInjector>();
};

TEST_F(FaultInjectionTest, DiskFullRefusesTheWriteKeepsReadsAndRecoversWhenSpaceReturns) {
  std::unique_ptr<Store> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(CommitGroup(*store, 3, "before-").ok());
  ASSERT_EQ(store->last_revision(), 3);

  faults_->FailAppends(Fault::kNoSpace);
  absl::Status failed = CommitGroup(*store, 2, "during-");
  EXPECT_TRUE(absl::IsUnavailable(failed)) << failed;
  EXPECT_GT(faults_->injected(), 0);
  EXPECT_EQ(store->last_revision(), 3);
  EXPECT_TRUE(store->needs_recovery());

  // Reads keep working on what was committed before the fault.
  absl::StatusOr<std::vector<StoredEvent>> log = store->ReadLog(1, 10, 1 << 20);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->size(), 3u);

  // Later commits are refused while the outcome of the failed one is unknown, even once the disk has space again.
  absl::Status refused = CommitGroup(*store, 1, "refused-");
  EXPECT_TRUE(absl::IsUnavailable(refused)) << refused;

  // While the disk is still full, recovery fails but leaves the store readable (read-only).
  absl::StatusOr<int64_t> still_full = store->Recover();
  EXPECT_TRUE(absl::IsUnavailable(still_full.status())) << still_full.status();
  EXPECT_TRUE(store->needs_recovery());
  log = store->ReadLog(1, 10, 1 << 20);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->size(), 3u);
  EXPECT_EQ(RecordNames(*store).size(), 3u);

  faults_->Clear();
  absl::StatusOr<int64_t> recovered = store->Recover();
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  // The append never reached the file: the failed group is not there.
  EXPECT_EQ(*recovered, 3);
  EXPECT_FALSE(store->needs_recovery());
  ASSERT_TRUE(CommitGroup(*store, 2, "after-").ok());
  EXPECT_EQ(store->last_revision(), 5);
  log = store->ReadLog(1, 10, 1 << 20);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->size(), 5u);
  for (size_t i = 0; i < log->size(); ++i) EXPECT_EQ((*log)[i].revision, static_cast<int64_t>(i) + 1);
}

TEST_F(FaultInjectionTest, FailedSyncLeavesTheGroupDurableAndRecoverSaysSo) {
  std::unique_ptr<Store> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(CommitGroup(*store, 2, "before-").ok());

  // The data reaches the file, the fsync reports an error: the caller cannot know whether the group is durable.
  faults_->FailSyncs(Fault::kIoError);
  absl::Status failed = CommitGroup(*store, 3, "unsure-");
  EXPECT_TRUE(absl::IsUnavailable(failed)) << failed;
  EXPECT_EQ(store->last_revision(), 2);

  faults_->Clear();
  absl::StatusOr<int64_t> recovered = store->Recover();
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  // The WAL record was written whole, so the reopened store replays it: the group is there, all of it.
  EXPECT_EQ(*recovered, 5);
  absl::StatusOr<std::vector<StoredEvent>> log = store->ReadLog(1, 10, 1 << 20);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->size(), 5u);
  ASSERT_TRUE(CommitGroup(*store, 1, "after-").ok());
  EXPECT_EQ(store->last_revision(), 6);
}

TEST_F(FaultInjectionTest, IoErrorWhileRecoveringKeepsRefusingUntilRecoverSucceeds) {
  std::unique_ptr<Store> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(CommitGroup(*store, 1, "a-").ok());
  faults_->FailAppends(Fault::kIoError);
  ASSERT_FALSE(CommitGroup(*store, 1, "b-").ok());
  for (int attempt = 0; attempt < 3; ++attempt) {
    EXPECT_FALSE(store->Recover().ok());
    EXPECT_FALSE(CommitGroup(*store, 1, "c-").ok());
  }
  faults_->Clear();
  absl::StatusOr<int64_t> recovered = store->Recover();
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ(*recovered, 1);
  EXPECT_TRUE(CommitGroup(*store, 1, "d-").ok());
  EXPECT_EQ(store->last_revision(), 2);
}

TEST_F(FaultInjectionTest, BackupIsVerifiedAndRestoresToTheSameRevision) {
  std::unique_ptr<Store> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(CommitGroup(*store, 4, "r-").ok());
  ASSERT_TRUE(store->CompactLog(2).ok());
  const std::string backup_dir = dir_.path() + "/backup";
  absl::StatusOr<BackupInfo> backup = store->Backup(backup_dir);
  ASSERT_TRUE(backup.ok()) << backup.status();
  EXPECT_EQ(backup->revision, 4);
  EXPECT_EQ(backup->compacted_revision, 2);
  ASSERT_TRUE(CommitGroup(*store, 2, "after-").ok());                           // Not in the backup.
  EXPECT_TRUE(absl::IsFailedPrecondition(store->Backup(backup_dir).status()));  // Never overwrites.

  StoreOptions restore_options;
  restore_options.path = backup_dir;
  absl::StatusOr<std::unique_ptr<Store>> restored = Store::Open(restore_options);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ((*restored)->last_revision(), 4);
  EXPECT_EQ((*restored)->compacted_revision(), 2);
  EXPECT_EQ(RecordNames(**restored).size(), 4u);
  ASSERT_TRUE(CommitGroup(**restored, 1, "restored-").ok());
  EXPECT_EQ((*restored)->last_revision(), 5);
  restored->reset();
  std::error_code ignored;
  fs::remove_all(backup_dir, ignored);
}

TEST_F(FaultInjectionTest, ReadOnlyStoreRefusesWritesAndPropertiesAreReported) {
  {
    std::unique_ptr<Store> store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(CommitGroup(*store, 2, "p-").ok());
    const StoreProperties properties = store->Properties();
    EXPECT_EQ(properties.write_stopped, 0);
    EXPECT_GT(properties.memtable_bytes, 0);
  }
  StoreOptions options;
  options.path = dir_.path() + "/db";
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->last_revision(), 2);
  EXPECT_TRUE(absl::IsFailedPrecondition(CommitGroup(**store, 1, "no-")));
  EXPECT_TRUE(absl::IsFailedPrecondition((*store)->CompactLog(1)));

  options.path = dir_.path() + "/missing";
  EXPECT_TRUE(absl::IsFailedPrecondition(Store::Open(options).status()));
}

}  // namespace
}  // namespace ketenbeeld::storage
