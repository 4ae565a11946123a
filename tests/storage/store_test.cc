// Tests of the RocksDB store, each on a real database in a fresh temporary directory.
#include "storage/store.h"

#include <unistd.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "tests/support/temp_dir.h"

namespace ketenbeeld::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

namespace fs = std::filesystem;
using ::ketenbeeld::testing::TempDir;

// One change to commit: a put (with a payload that makes the event and record bigger) or a delete.
struct Change {
  std::string name;
  bool is_delete = false;
  int64_t commit_seconds = 1700000000;
  size_t padding = 0;
};

Change Put(std::string name, int64_t commit_seconds = 1700000000, size_t padding = 0) {
  return Change{std::move(name), false, commit_seconds, padding};
}
Change Delete(std::string name, int64_t commit_seconds = 1700000000) {
  return Change{std::move(name), true, commit_seconds, 0};
}

class StoreTest : public ::testing::Test {
 protected:
  StoreOptions Options(const fs::path& path) const {
    StoreOptions options;
    options.path = path.string();
    options.sync = true;
    options.small_buffers = true;
    return options;
  }

  std::unique_ptr<Store> OpenOrDie(const fs::path& path) {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options(path));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  void SetUp() override {
    store_ = OpenOrDie(db_path());
    ASSERT_NE(store_, nullptr);
  }

  fs::path db_path() const { return fs::path(dir_.path()) / "db"; }

  void Reopen() {
    store_.reset();
    store_ = OpenOrDie(db_path());
    ASSERT_NE(store_, nullptr);
  }

  // Builds the serialized event and record of each change at revisions from `first_revision` on.
  std::vector<LogEntry> Build(const std::vector<Change>& changes, int64_t first_revision) {
    std::vector<LogEntry> group;
    int64_t revision = first_revision;
    for (const Change& change : changes) {
      v1::Record record;
      record.set_name(change.name);
      record.set_kind(v1::ENTITY_KIND_STATUS_REPORT);
      record.set_mod_revision(revision);
      record.set_create_revision(revision);
      record.mutable_update_time()->set_seconds(change.commit_seconds);
      record.mutable_updated_by()->set_subject(std::string(change.padding, 'x'));
      v1::Event event;
      event.set_revision(revision);
      event.mutable_commit_time()->set_seconds(change.commit_seconds);
      event.set_type(change.is_delete ? v1::EVENT_TYPE_DELETE : v1::EVENT_TYPE_PUT);
      *event.mutable_record() = record;
      const std::string& record_bytes = owned_.emplace_back(record.SerializeAsString());
      const std::string& event_bytes = owned_.emplace_back(event.SerializeAsString());
      const std::string& name = owned_.emplace_back(change.name);
      group.push_back(LogEntry{revision, name, change.is_delete, event_bytes,
                               change.is_delete ? std::string_view() : std::string_view(record_bytes)});
      ++revision;
    }
    return group;
  }

  // Commits `changes` as one group at the next revisions and, on success, records what the store must now hold.
  absl::Status Commit(const std::vector<Change>& changes) {
    std::vector<LogEntry> group = Build(changes, store_->last_revision() + 1);
    absl::Status status = store_->Commit(group);
    if (status.ok()) Remember(group);
    return status;
  }

  void Remember(const std::vector<LogEntry>& group) {
    for (const LogEntry& entry : group) {
      events_[entry.revision] = std::string(entry.event_bytes);
      if (entry.is_delete) {
        records_.erase(std::string(entry.name));
      } else {
        records_[std::string(entry.name)] = std::string(entry.record_bytes);
      }
    }
  }

  static std::map<std::string, std::string> AllRecords(const Store& store) {
    std::map<std::string, std::string> records;
    std::vector<std::string> order;
    absl::Status status = store.ForEachRecord([&](std::string_view name, std::string_view bytes) {
      order.emplace_back(name);
      records.emplace(std::string(name), std::string(bytes));
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
    return records;
  }

  // All (name, revision) pairs ForEachNameAt reports.
  static std::vector<std::pair<std::string, int64_t>> NamesAt(const Store& store, std::string_view prefix,
                                                              std::string_view start_after, int64_t at_revision) {
    std::vector<std::pair<std::string, int64_t>> names;
    absl::Status status = store.ForEachNameAt(prefix, start_after, at_revision, [&](std::string_view name, int64_t r) {
      names.emplace_back(std::string(name), r);
      return true;
    });
    EXPECT_TRUE(status.ok()) << status;
    return names;
  }

  static std::vector<int64_t> Revisions(const std::vector<StoredEvent>& events) {
    std::vector<int64_t> revisions;
    for (const StoredEvent& event : events) revisions.push_back(event.revision);
    return revisions;
  }

  // The log must hold exactly the remembered events from `from` to the end.
  void ExpectLogFrom(const Store& store, int64_t from) {
    absl::StatusOr<std::vector<StoredEvent>> log = store.ReadLog(from, store.last_revision(), SIZE_MAX);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_EQ(log->size(), static_cast<size_t>(store.last_revision() - from + 1));
    for (const StoredEvent& event : *log) EXPECT_EQ(event.event_bytes, events_.at(event.revision));
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::deque<std::string> owned_;  // Backing storage of the string_views in LogEntry.
  std::map<int64_t, std::string> events_;
  std::map<std::string, std::string> records_;
};

TEST_F(StoreTest, EmptyStoreHasRevisionZeroAndNothingInIt) {
  EXPECT_EQ(store_->last_revision(), 0);
  EXPECT_EQ(store_->compacted_revision(), 0);
  EXPECT_THAT(AllRecords(*store_), IsEmpty());
  absl::StatusOr<std::vector<StoredEvent>> log = store_->ReadLog(1, 100, SIZE_MAX);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT(*log, IsEmpty());
  EXPECT_EQ(store_->ReadEvent(1).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, CommitThenReadBackStateAndLog) {
  ASSERT_TRUE(Commit({Put("organizations/b"), Put("organizations/a"), Put("organizations/c")}).ok());
  EXPECT_EQ(store_->last_revision(), 3);
  EXPECT_EQ(AllRecords(*store_), records_);
  ExpectLogFrom(*store_, 1);
  absl::StatusOr<std::string> second = store_->ReadEvent(2);
  ASSERT_TRUE(second.ok()) << second.status();
  v1::Event event;
  ASSERT_TRUE(event.ParseFromString(*second));
  EXPECT_EQ(event.revision(), 2);
  EXPECT_EQ(event.record().name(), "organizations/a");
}

TEST_F(StoreTest, SameNameTwiceInOneGroupKeepsTheLaterValue) {
  ASSERT_TRUE(Commit({Put("a", 1), Put("a", 2, /*padding=*/5)}).ok());
  EXPECT_EQ(AllRecords(*store_), records_);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("a", 1), 1);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("a", 2), 2);
}

TEST_F(StoreTest, EmptyGroupIsANoOp) {
  EXPECT_TRUE(store_->Commit({}).ok());
  EXPECT_EQ(store_->last_revision(), 0);
}

TEST_F(StoreTest, ReopenRestoresRevisionStateAndLogExactly) {
  ASSERT_TRUE(Commit({Put("a"), Put("b", 1700000000, 300)}).ok());
  ASSERT_TRUE(Commit({Delete("a"), Put("c")}).ok());
  ASSERT_TRUE(Commit({Put("b", 1700000001, 20)}).ok());
  Reopen();
  EXPECT_EQ(store_->last_revision(), 5);
  EXPECT_EQ(store_->compacted_revision(), 0);
  EXPECT_EQ(AllRecords(*store_), records_);
  ExpectLogFrom(*store_, 1);
  // Commits continue at the next revision after reopening.
  ASSERT_TRUE(Commit({Put("d")}).ok());
  EXPECT_EQ(store_->last_revision(), 6);
}

TEST_F(StoreTest, ManyGroupsSurviveFlushesAndReopen) {
  // ~2 MB of events against 64 KiB memtables: most of the data ends up in SST files.
  for (int group = 0; group < 20; ++group) {
    std::vector<Change> changes;
    for (int i = 0; i < 100; ++i) changes.push_back(Put("organizations/" + std::to_string(i % 37), group, 900));
    ASSERT_TRUE(Commit(changes).ok());
  }
  Reopen();
  EXPECT_EQ(store_->last_revision(), 2000);
  EXPECT_EQ(AllRecords(*store_), records_);
  ExpectLogFrom(*store_, 1);
}

TEST_F(StoreTest, RevisionGapIsRefusedWithNothingWritten) {
  ASSERT_TRUE(Commit({Put("a")}).ok());
  const auto expect_refused = [&](std::vector<LogEntry> group) {
    absl::Status status = store_->Commit(group);
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  };
  expect_refused(Build({Put("gap")}, 3));    // Skips revision 2.
  expect_refused(Build({Put("again")}, 1));  // Reuses revision 1.
  std::vector<LogEntry> holey = Build({Put("x"), Put("y"), Put("z")}, 2);
  holey[2].revision = 5;  // 2, 3, 5: the first two are valid.
  expect_refused(holey);
  expect_refused(Build({Put("")}, 2));  // Empty name.
  expect_refused(Build({Put(std::string("nul\0name", 8))}, 2));

  EXPECT_EQ(store_->last_revision(), 1);
  EXPECT_EQ(AllRecords(*store_), records_);
  EXPECT_EQ(store_->ReadEvent(2).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ReadEvent(3).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("x", 10), std::nullopt);
  EXPECT_THAT(NamesAt(*store_, "", "", 10), ElementsAre(Pair("a", 1)));
  Reopen();
  EXPECT_EQ(store_->last_revision(), 1);
  // The refused revisions are still free.
  ASSERT_TRUE(Commit({Put("x")}).ok());
  EXPECT_EQ(store_->last_revision(), 2);
}

TEST_F(StoreTest, ForEachRecordVisitsNamesInOrderAndStopsOnError) {
  ASSERT_TRUE(Commit({Put("m"), Put("b"), Put("z"), Put("a/b"), Put("a")}).ok());
  std::vector<std::string> names;
  ASSERT_TRUE(store_
                  ->ForEachRecord([&](std::string_view name, std::string_view) {
                    names.emplace_back(name);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_THAT(names, ElementsAre("a", "a/b", "b", "m", "z"));

  names.clear();
  absl::Status status = store_->ForEachRecord([&](std::string_view name, std::string_view) {
    names.emplace_back(name);
    return name == "b" ? absl::CancelledError("enough") : absl::OkStatus();
  });
  EXPECT_EQ(status, absl::CancelledError("enough"));
  EXPECT_THAT(names, ElementsAre("a", "a/b", "b"));
}

TEST_F(StoreTest, DeleteRemovesStateButKeepsTheLogEntry) {
  ASSERT_TRUE(Commit({Put("a"), Put("b")}).ok());
  ASSERT_TRUE(Commit({Delete("a")}).ok());
  EXPECT_EQ(AllRecords(*store_), records_);
  EXPECT_EQ(records_.count("a"), 0u);
  absl::StatusOr<std::string> deleted = store_->ReadEvent(3);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  v1::Event event;
  ASSERT_TRUE(event.ParseFromString(*deleted));
  EXPECT_EQ(event.type(), v1::EVENT_TYPE_DELETE);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("a", 3), 3);
  Reopen();
  EXPECT_EQ(AllRecords(*store_), records_);
}

class PastRevisionTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // r1 put a, r2 put b, r3 put a, r4 delete b, r5 put c.
    ASSERT_TRUE(Commit({Put("a")}).ok());
    ASSERT_TRUE(Commit({Put("b"), Put("a")}).ok());
    ASSERT_TRUE(Commit({Delete("b"), Put("c")}).ok());
  }
};

TEST_F(PastRevisionTest, LastChangeAtOrBeforeFindsTheNewestChangeUpToTheRevision) {
  EXPECT_EQ(*store_->LastChangeAtOrBefore("a", 0), std::nullopt);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("a", 1), 1);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("a", 2), 1);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("a", 3), 3);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("a", 1000), 3);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("b", 1), std::nullopt);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("b", 3), 2);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("b", 4), 4);  // The delete.
  EXPECT_EQ(*store_->LastChangeAtOrBefore("c", 4), std::nullopt);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("c", 5), 5);
  // Names that are prefixes of, or extend, stored names are different names.
  EXPECT_EQ(*store_->LastChangeAtOrBefore("", 5), std::nullopt);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("a/", 5), std::nullopt);
  EXPECT_EQ(*store_->LastChangeAtOrBefore("bb", 5), std::nullopt);
  EXPECT_EQ(store_->LastChangeAtOrBefore("a", -1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(PastRevisionTest, ForEachNameAtSkipsNamesCreatedLaterAndReportsDeletes) {
  EXPECT_THAT(NamesAt(*store_, "", "", 0), IsEmpty());
  EXPECT_THAT(NamesAt(*store_, "", "", 1), ElementsAre(Pair("a", 1)));
  EXPECT_THAT(NamesAt(*store_, "", "", 2), ElementsAre(Pair("a", 1), Pair("b", 2)));
  EXPECT_THAT(NamesAt(*store_, "", "", 3), ElementsAre(Pair("a", 3), Pair("b", 2)));
  EXPECT_THAT(NamesAt(*store_, "", "", 4), ElementsAre(Pair("a", 3), Pair("b", 4)));
  EXPECT_THAT(NamesAt(*store_, "", "", 5), ElementsAre(Pair("a", 3), Pair("b", 4), Pair("c", 5)));
  EXPECT_THAT(NamesAt(*store_, "", "a", 5), ElementsAre(Pair("b", 4), Pair("c", 5)));
  EXPECT_THAT(NamesAt(*store_, "", "c", 5), IsEmpty());
  EXPECT_EQ(store_->ForEachNameAt("", "", -1, [](std::string_view, int64_t) { return true; }).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ForEachNameAtHonoursPrefixStartAfterAndEarlyStop) {
  ASSERT_TRUE(Commit({Put("organizations/x"), Put("organizations/x/status"), Put("organizations/xy"),
                      Put("organizations/y"), Put("other/z"), Put("organization")})
                  .ok());
  ASSERT_TRUE(Commit({Put("organizations/x")}).ok());  // r7
  const int64_t now = store_->last_revision();
  EXPECT_THAT(NamesAt(*store_, "organizations/", "", now),
              ElementsAre(Pair("organizations/x", 7), Pair("organizations/x/status", 2), Pair("organizations/xy", 3),
                          Pair("organizations/y", 4)));
  EXPECT_THAT(NamesAt(*store_, "organizations/", "", 1), ElementsAre(Pair("organizations/x", 1)));
  // Strictly after start_after: the name itself is excluded, longer names that extend it are not.
  EXPECT_THAT(NamesAt(*store_, "organizations/", "organizations/x", now),
              ElementsAre(Pair("organizations/x/status", 2), Pair("organizations/xy", 3), Pair("organizations/y", 4)));
  // A start_after before the prefix starts at the prefix; one after every match yields nothing.
  EXPECT_THAT(NamesAt(*store_, "organizations/", "a", now).size(), 4u);
  EXPECT_THAT(NamesAt(*store_, "organizations/", "p", now), IsEmpty());
  EXPECT_THAT(NamesAt(*store_, "organizations/x", "", now),
              ElementsAre(Pair("organizations/x", 7), Pair("organizations/x/status", 2), Pair("organizations/xy", 3)));
  EXPECT_THAT(NamesAt(*store_, "nothing", "", now), IsEmpty());

  std::vector<std::string> seen;
  absl::Status status = store_->ForEachNameAt("organizations/", "", now, [&](std::string_view name, int64_t) {
    seen.emplace_back(name);
    return seen.size() < 2;
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_THAT(seen, ElementsAre("organizations/x", "organizations/x/status"));
}

TEST_F(StoreTest, ReadLogHonoursRangeAndMaxBytes) {
  std::vector<Change> changes;
  for (int i = 1; i <= 10; ++i) changes.push_back(Put("n" + std::to_string(i), 1700000000, 10 * i));
  ASSERT_TRUE(Commit(changes).ok());
  const auto read = [&](int64_t from, int64_t to, size_t max_bytes) {
    absl::StatusOr<std::vector<StoredEvent>> log = store_->ReadLog(from, to, max_bytes);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? Revisions(*log) : std::vector<int64_t>{-1};
  };
  EXPECT_THAT(read(3, 7, SIZE_MAX), ElementsAre(3, 4, 5, 6, 7));
  EXPECT_THAT(read(8, 20, SIZE_MAX), ElementsAre(8, 9, 10));
  EXPECT_THAT(read(11, 20, SIZE_MAX), IsEmpty());
  EXPECT_THAT(read(5, 4, SIZE_MAX), IsEmpty());
  EXPECT_THAT(read(4, 4, SIZE_MAX), ElementsAre(4));
  // Stops after the entry that brings the total to max_bytes or more; always at least one entry.
  const size_t three_and_four = events_[3].size() + events_[4].size();
  EXPECT_THAT(read(3, 10, 0), ElementsAre(3));
  EXPECT_THAT(read(3, 10, 1), ElementsAre(3));
  EXPECT_THAT(read(3, 10, three_and_four - 1), ElementsAre(3, 4));
  EXPECT_THAT(read(3, 10, three_and_four), ElementsAre(3, 4));
  EXPECT_THAT(read(3, 10, three_and_four + 1), ElementsAre(3, 4, 5));
  // The bytes are the committed events.
  absl::StatusOr<std::vector<StoredEvent>> log = store_->ReadLog(6, 6, SIZE_MAX);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)[0].event_bytes, events_[6]);
  // Revision 0 never exists: the log starts at 1.
  EXPECT_EQ(store_->ReadLog(0, 10, SIZE_MAX).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(StoreTest, FirstRevisionAtOrAfterSearchesCommitTimes) {
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  const auto at = [&](int64_t offset_seconds) {
    absl::StatusOr<int64_t> revision = store_->FirstRevisionAtOrAfter(t0 + absl::Seconds(offset_seconds));
    EXPECT_TRUE(revision.ok()) << revision.status();
    return revision.value_or(-1);
  };
  EXPECT_EQ(at(0), 1);  // Empty store: last_revision() + 1.
  // Times: r1 100, r2..r4 200 (equal), r5 300, r6 400.
  ASSERT_TRUE(Commit({Put("a", 1700000100)}).ok());
  ASSERT_TRUE(Commit({Put("b", 1700000200), Put("c", 1700000200), Put("a", 1700000200)}).ok());
  ASSERT_TRUE(Commit({Put("b", 1700000300)}).ok());
  ASSERT_TRUE(Commit({Put("c", 1700000400)}).ok());
  EXPECT_EQ(at(0), 1);
  EXPECT_EQ(at(100), 1);
  EXPECT_EQ(at(101), 2);
  EXPECT_EQ(at(150), 2);
  EXPECT_EQ(at(200), 2);  // The first of several equal times.
  EXPECT_EQ(at(201), 5);
  EXPECT_EQ(at(300), 5);
  EXPECT_EQ(at(400), 6);
  EXPECT_EQ(at(401), 7);  // After the newest: last_revision() + 1.
  // Sub-second precision.
  EXPECT_EQ(*store_->FirstRevisionAtOrAfter(t0 + absl::Seconds(200) + absl::Nanoseconds(1)), 5);
  // Only the retained log is searched.
  ASSERT_TRUE(store_->CompactLog(3).ok());
  EXPECT_EQ(at(0), 4);
  EXPECT_EQ(at(200), 4);
  EXPECT_EQ(at(201), 5);
}

TEST_F(StoreTest, FirstRevisionAtOrAfterReportsDataLossForAnUnparsableEvent) {
  ASSERT_TRUE(Commit({Put("a")}).ok());
  std::vector<LogEntry> group = Build({Put("b")}, 2);
  const std::string garbage(
      "\x0a\x05"
      "ab",
      4);  // A length-delimited field longer than the message.
  group[0].event_bytes = garbage;
  ASSERT_TRUE(store_->Commit(group).ok());
  EXPECT_EQ(store_->FirstRevisionAtOrAfter(absl::FromUnixSeconds(1800000000)).status().code(),
            absl::StatusCode::kDataLoss);
}

class CompactionTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // r1 a, r2 b, r3 a, r4 c, r5 a, r6 b, r7 delete c, r8 d.
    ASSERT_TRUE(Commit({Put("a"), Put("b"), Put("a"), Put("c")}).ok());
    ASSERT_TRUE(Commit({Put("a"), Put("b"), Delete("c"), Put("d")}).ok());
  }

  void ExpectCompactedAt4(const Store& store) {
    EXPECT_EQ(store.compacted_revision(), 4);
    EXPECT_EQ(store.last_revision(), 8);
    // Below the compaction the log is gone.
    EXPECT_EQ(store.ReadLog(1, 8, SIZE_MAX).status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(store.ReadLog(4, 8, SIZE_MAX).status().code(), absl::StatusCode::kFailedPrecondition);
    absl::StatusOr<std::vector<StoredEvent>> log = store.ReadLog(5, 8, SIZE_MAX);
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_THAT(Revisions(*log), ElementsAre(5, 6, 7, 8));
    // The newest change <= 4 of each name survives with its log entry; older ones are gone.
    EXPECT_EQ(store.ReadEvent(1).status().code(), absl::StatusCode::kNotFound);  // a, superseded by r3.
    EXPECT_EQ(*store.ReadEvent(2), events_.at(2));                               // b
    EXPECT_EQ(*store.ReadEvent(3), events_.at(3));                               // a
    EXPECT_EQ(*store.ReadEvent(4), events_.at(4));                               // c
    EXPECT_EQ(*store.LastChangeAtOrBefore("a", 4), 3);
    EXPECT_EQ(*store.LastChangeAtOrBefore("b", 4), 2);
    EXPECT_EQ(*store.LastChangeAtOrBefore("c", 4), 4);
    EXPECT_EQ(*store.LastChangeAtOrBefore("a", 8), 5);
    EXPECT_EQ(*store.LastChangeAtOrBefore("c", 8), 7);
    EXPECT_EQ(*store.LastChangeAtOrBefore("d", 4), std::nullopt);
    EXPECT_THAT(NamesAt(store, "", "", 4), ElementsAre(Pair("a", 3), Pair("b", 2), Pair("c", 4)));
    EXPECT_THAT(NamesAt(store, "", "", 8), ElementsAre(Pair("a", 5), Pair("b", 6), Pair("c", 7), Pair("d", 8)));
    // History before the compacted revision cannot be read at all rather than read wrongly.
    EXPECT_EQ(store.LastChangeAtOrBefore("a", 3).status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(store.ForEachNameAt("", "", 3, [](std::string_view, int64_t) { return true; }).code(),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(AllRecords(store), records_);
  }
};

TEST_F(CompactionTest, KeepsNewestChangePerNameAndRefusesOlderReads) {
  ASSERT_TRUE(store_->CompactLog(4).ok());
  ExpectCompactedAt4(*store_);
}

TEST_F(CompactionTest, CompactedRevisionSurvivesReopen) {
  ASSERT_TRUE(store_->CompactLog(4).ok());
  Reopen();
  ExpectCompactedAt4(*store_);
}

TEST_F(CompactionTest, CompactingAgainIsIdempotentAndFurtherCompactionKeepsDeletes) {
  ASSERT_TRUE(store_->CompactLog(4).ok());
  ASSERT_TRUE(store_->CompactLog(2).ok());  // Already compacted further: no-op.
  ASSERT_TRUE(store_->CompactLog(4).ok());
  ExpectCompactedAt4(*store_);

  ASSERT_TRUE(store_->CompactLog(8).ok());
  EXPECT_EQ(store_->compacted_revision(), 8);
  absl::StatusOr<std::vector<StoredEvent>> log = store_->ReadLog(9, 100, SIZE_MAX);
  ASSERT_TRUE(log.ok());
  EXPECT_THAT(*log, IsEmpty());
  for (int64_t gone : {1, 2, 3, 4}) EXPECT_EQ(store_->ReadEvent(gone).status().code(), absl::StatusCode::kNotFound);
  // The delete of c is c's newest change, so it stays: a read at 8 sees that c was deleted.
  for (int64_t kept : {5, 6, 7, 8}) EXPECT_EQ(*store_->ReadEvent(kept), events_.at(kept));
  EXPECT_THAT(NamesAt(*store_, "", "", 8), ElementsAre(Pair("a", 5), Pair("b", 6), Pair("c", 7), Pair("d", 8)));
  // Commits continue after a full compaction, and reopening still agrees.
  ASSERT_TRUE(Commit({Put("e")}).ok());
  Reopen();
  EXPECT_EQ(store_->last_revision(), 9);
  EXPECT_EQ(store_->compacted_revision(), 8);
  EXPECT_EQ(AllRecords(*store_), records_);
}

TEST_F(CompactionTest, RefusesRevisionsBeyondTheLog) {
  EXPECT_EQ(store_->CompactLog(9).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CompactLog(-1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->compacted_revision(), 0);
  ExpectLogFrom(*store_, 1);
}

TEST_F(StoreTest, CheckpointOpensAsAStoreWithTheSameContents) {
  ASSERT_TRUE(Commit({Put("a"), Put("b", 1700000000, 500)}).ok());
  ASSERT_TRUE(Commit({Delete("a"), Put("c")}).ok());
  ASSERT_TRUE(store_->CompactLog(2).ok());
  const std::map<std::string, std::string> records_at_checkpoint = records_;
  const fs::path checkpoint_dir = fs::path(dir_.path()) / "checkpoint";
  ASSERT_TRUE(store_->Checkpoint(checkpoint_dir.string()).ok());
  // Later commits do not reach the checkpoint.
  ASSERT_TRUE(Commit({Put("d")}).ok());

  std::unique_ptr<Store> copy = OpenOrDie(checkpoint_dir);
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->last_revision(), 4);
  EXPECT_EQ(copy->compacted_revision(), 2);
  EXPECT_EQ(AllRecords(*copy), records_at_checkpoint);
  absl::StatusOr<std::vector<StoredEvent>> log = copy->ReadLog(3, 100, SIZE_MAX);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_THAT(Revisions(*log), ElementsAre(3, 4));
  EXPECT_EQ((*log)[0].event_bytes, events_[3]);
  EXPECT_EQ((*log)[1].event_bytes, events_[4]);
  EXPECT_EQ(store_->Checkpoint(checkpoint_dir.string()).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(StoreOpenTest, EmptyPathIsInvalid) {
  EXPECT_EQ(Store::Open(StoreOptions{}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(StoreOpenTest, CreatesMissingParentDirectories) {
  TempDir dir;
  StoreOptions options;
  options.path = (fs::path(dir.path()) / "a" / "b" / "db").string();
  options.small_buffers = true;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->last_revision(), 0);
}

TEST(StoreOpenTest, RegularFileIsRefused) {
  TempDir dir;
  const fs::path file = fs::path(dir.path()) / "file";
  std::ofstream(file) << "not a database";
  StoreOptions options;
  options.path = file.string();
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  // Nothing was changed.
  std::ifstream in(file);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "not a database");
}

TEST(StoreOpenTest, DirectoryWithOtherFilesIsRefused) {
  TempDir dir;
  std::ofstream(fs::path(dir.path()) / "notes.txt") << "mine";
  StoreOptions options;
  options.path = dir.path();
  EXPECT_EQ(Store::Open(options).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "CURRENT"));
}

// Creates a plain RocksDB database at `path` with `families` (besides default) and one key in `family_with_data`.
void CreateForeignDatabase(const fs::path& path, const std::vector<std::string>& families,
                           const std::string& family_with_data) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {{rocksdb::kDefaultColumnFamilyName, options}};
  for (const std::string& family : families) descriptors.emplace_back(family, options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, path.string(), descriptors, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  for (size_t i = 0; i < descriptors.size(); ++i) {
    if (descriptors[i].name == family_with_data) {
      ASSERT_TRUE(db->Put({}, handles[i], "key", "value").ok());
    }
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
  ASSERT_TRUE(db->Close().ok());
}

TEST(StoreOpenTest, RocksDbWithOtherColumnFamiliesIsRefused) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(CreateForeignDatabase(fs::path(dir.path()) / "db", {"users"}, "users"));
  StoreOptions options;
  options.path = (fs::path(dir.path()) / "db").string();
  EXPECT_EQ(Store::Open(options).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(StoreOpenTest, RocksDbWithDataInDefaultIsRefused) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(CreateForeignDatabase(fs::path(dir.path()) / "db", {}, rocksdb::kDefaultColumnFamilyName));
  StoreOptions options;
  options.path = (fs::path(dir.path()) / "db").string();
  EXPECT_EQ(Store::Open(options).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(StoreOpenTest, MetaThatDisagreesWithTheLogIsDataLoss) {
  TempDir dir;
  StoreOptions options;
  options.path = (fs::path(dir.path()) / "db").string();
  options.small_buffers = true;
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    const std::string event = v1::Event().SerializeAsString();
    ASSERT_TRUE((*store)->Commit({LogEntry{1, "a", false, event, ""}}).ok());
  }
  {
    // Claim revision 99 without the log entry to go with it.
    rocksdb::Options raw_options;
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const char* family : {"default", "state", "log", "key_index", "meta"}) {
      descriptors.emplace_back(family, raw_options);
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(raw_options, options.path, descriptors, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put({}, handles[4], "last_revision", std::string("\0\0\0\0\0\0\0\x63", 8)).ok());
    for (rocksdb::ColumnFamilyHandle* handle : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  EXPECT_EQ(Store::Open(options).status().code(), absl::StatusCode::kDataLoss);
}

TEST(StoreOpenTest, SecondOpenOfTheSameDatabaseIsUnavailable) {
  TempDir dir;
  StoreOptions options;
  options.path = (fs::path(dir.path()) / "db").string();
  options.small_buffers = true;
  absl::StatusOr<std::unique_ptr<Store>> first = Store::Open(options);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<Store>> second = Store::Open(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
  // The message says what we were doing.
  EXPECT_THAT(std::string(second.status().message()), ::testing::StartsWith("open of store at "));
}

TEST_F(StoreTest, ReadersSeeConsecutiveLogsWhileCommitsAndCompactionRun) {
  // Readers never see a gap or a partial group, however commits and compaction interleave with them.
  StoreOptions options = Options(fs::path(dir_.path()) / "concurrent");
  options.sync = false;  // Not a durability test; keep it fast.
  absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<Store> store = std::move(*opened);
  constexpr int kGroups = 300;
  constexpr int kGroupSize = 3;
  std::deque<std::string> owned;
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done.load() || reads.load() == 0) {
      const int64_t compacted = store->compacted_revision();
      const int64_t last = store->last_revision();
      absl::StatusOr<std::vector<StoredEvent>> log = store->ReadLog(compacted + 1, last, SIZE_MAX);
      if (!log.ok()) {
        // Only a compaction that overtook us is acceptable.
        ASSERT_EQ(log.status().code(), absl::StatusCode::kFailedPrecondition) << log.status();
        continue;
      }
      ASSERT_EQ(log->size(), static_cast<size_t>(last - compacted));
      for (size_t i = 0; i < log->size(); ++i) ASSERT_EQ((*log)[i].revision, compacted + 1 + static_cast<int64_t>(i));
      ++reads;
    }
  });
  for (int g = 0; g < kGroups; ++g) {
    std::vector<LogEntry> group;
    for (int i = 0; i < kGroupSize; ++i) {
      const int64_t revision = g * kGroupSize + i + 1;
      const std::string& name = owned.emplace_back("n" + std::to_string(revision % 17));
      const std::string& bytes = owned.emplace_back(std::string(100, 'e'));
      group.push_back(LogEntry{revision, name, false, bytes, bytes});
    }
    ASSERT_TRUE(store->Commit(group).ok());
    if (g % 50 == 49) {
      ASSERT_TRUE(store->CompactLog(store->last_revision() - 20).ok());
    }
  }
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(store->last_revision(), kGroups * kGroupSize);
}

}  // namespace
}  // namespace ketenbeeld::storage
