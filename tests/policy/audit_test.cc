#include "server/policy/audit.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/fault_injector.h"

namespace ketenbeeld::policy {
namespace {

using ::testing::ElementsAre;

class AuditLogTest : public ::testing::Test {
 protected:
  AuditLogTest()
      : dir_(std::filesystem::path(::testing::TempDir()) /
             ("audit_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~AuditLogTest() override { std::filesystem::remove_all(dir_); }

  std::string path() const { return (dir_ / "audit-trail").string(); }

  static security::Identity Ghor() {
    return security::Identity{.organization_id = "ghor-vr10",
                              .role = v1::ROLE_GHOR,
                              .subject = "token:ghor",
                              .credential = security::Credential::kToken};
  }

  static v1::ListAuditEntriesResponse List(const AuditLog& log, v1::ListAuditEntriesRequest request = {}) {
    v1::ListAuditEntriesResponse response;
    EXPECT_TRUE(log.List(request, response).ok());
    return response;
  }

  std::filesystem::path dir_;
};

TEST_F(AuditLogTest, RecordsWhoReadWhoseFiguresNewestFirst) {
  auto log = AuditLog::Open(path());
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE(
      (*log)
          ->Record(Ghor(), "/ketenbeeld.v1.PictureService/List", {"ziekenhuis-b", "ziekenhuis-a", "ziekenhuis-b"}, 5)
          .ok());
  ASSERT_TRUE((*log)->Record(Ghor(), "/ketenbeeld.v1.PictureService/Get", {"ziekenhuis-c"}, 6).ok());
  const v1::ListAuditEntriesResponse all = List(**log);
  ASSERT_EQ(all.entries_size(), 2);
  EXPECT_EQ(all.entries(0).sequence(), 2);
  EXPECT_EQ(all.entries(0).method(), "/ketenbeeld.v1.PictureService/Get");
  EXPECT_EQ(all.entries(1).actor().organization_id(), "ghor-vr10");
  EXPECT_EQ(all.entries(1).actor().role(), v1::ROLE_GHOR);
  EXPECT_THAT(all.entries(1).organization_ids(), ElementsAre("ziekenhuis-a", "ziekenhuis-b"));
  EXPECT_EQ(all.entries(1).organization_count(), 2);
  EXPECT_EQ(all.entries(1).revision(), 5);

  v1::ListAuditEntriesRequest of_a;
  of_a.set_organization_id("ziekenhuis-a");
  const v1::ListAuditEntriesResponse filtered = List(**log, of_a);
  ASSERT_EQ(filtered.entries_size(), 1);
  EXPECT_EQ(filtered.entries(0).sequence(), 1);
}

TEST_F(AuditLogTest, PagesBackwards) {
  auto log = AuditLog::Open(path());
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, i).ok());
  v1::ListAuditEntriesRequest page;
  page.set_limit(2);
  v1::ListAuditEntriesResponse first = List(**log, page);
  ASSERT_EQ(first.entries_size(), 2);
  EXPECT_EQ(first.entries(0).sequence(), 5);
  EXPECT_EQ(first.next_before_sequence(), 4);
  page.set_before_sequence(first.next_before_sequence());
  v1::ListAuditEntriesResponse second = List(**log, page);
  ASSERT_EQ(second.entries_size(), 2);
  EXPECT_EQ(second.entries(0).sequence(), 3);
  page.set_before_sequence(second.next_before_sequence());
  v1::ListAuditEntriesResponse last = List(**log, page);
  ASSERT_EQ(last.entries_size(), 1);
  EXPECT_EQ(last.next_before_sequence(), 0);
}

TEST_F(AuditLogTest, LimitOutOfRangeIsInvalid) {
  auto log = AuditLog::Open(path());
  ASSERT_TRUE(log.ok());
  v1::ListAuditEntriesRequest request;
  request.set_limit(1001);
  v1::ListAuditEntriesResponse response;
  const absl::Status status = (*log)->List(request, response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(status.message(), "limit:")) << status;
}

TEST_F(AuditLogTest, SurvivesAReopenAndContinuesTheSequence) {
  {
    auto log = AuditLog::Open(path());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, 1).ok());
    ASSERT_TRUE((*log)->Record(Ghor(), "/m", {"ziekenhuis-b"}, 2).ok());
  }
  auto reopened = AuditLog::Open(path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ASSERT_TRUE((*reopened)->Record(Ghor(), "/m", {"ziekenhuis-c"}, 3).ok());
  const v1::ListAuditEntriesResponse all = List(**reopened);
  ASSERT_EQ(all.entries_size(), 3);
  EXPECT_EQ(all.entries(0).sequence(), 3);
  EXPECT_EQ(all.entries(2).organization_ids(0), "ziekenhuis-a");
}

TEST_F(AuditLogTest, CopyToCopiesTheTrailAndItsPreviousFileForABackup) {
  {
    auto log = AuditLog::Open(path());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, 1).ok());
  }
  std::filesystem::rename(path(), path() + ".1");  // As a rotation leaves it.
  auto log = AuditLog::Open(path());
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE((*log)->Record(Ghor(), "/m", {"ziekenhuis-b"}, 2).ok());
  EXPECT_EQ(List(**log).entries(0).sequence(), 2) << "the sequence goes on from the rotated file";

  const std::filesystem::path backup = dir_ / "backup";
  std::filesystem::create_directories(backup);
  ASSERT_TRUE((*log)->CopyTo(backup.string()).ok());
  EXPECT_TRUE(std::filesystem::exists(backup / "audit-trail.1"));
  auto restored = AuditLog::Open((backup / "audit-trail").string());
  ASSERT_TRUE(restored.ok()) << restored.status();
  const v1::ListAuditEntriesResponse all = List(**restored);
  ASSERT_EQ(all.entries_size(), 2);
  EXPECT_EQ(all.entries(0).organization_ids(0), "ziekenhuis-b");
  EXPECT_EQ(all.entries(1).organization_ids(0), "ziekenhuis-a");

  // A copy never overwrites: a second one into the same directory fails, naming the file.
  const absl::Status again = (*log)->CopyTo(backup.string());
  EXPECT_EQ(again.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(again.message(), "audit-trail")) << again;
}

TEST_F(AuditLogTest, ATornLastEntryIsCutOffAndLaterEntriesAreKept) {
  {
    auto log = AuditLog::Open(path());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, 1).ok());
  }
  {
    std::ofstream torn(path(), std::ios::app | std::ios::binary);
    torn << '\x40' << "half an entry";  // Announces 64 bytes, holds 13: the process died mid-write.
  }
  {
    auto log = AuditLog::Open(path());
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Record(Ghor(), "/m", {"ziekenhuis-b"}, 2).ok());
  }
  auto reopened = AuditLog::Open(path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  const v1::ListAuditEntriesResponse all = List(**reopened);
  ASSERT_EQ(all.entries_size(), 2);
  EXPECT_EQ(all.entries(0).organization_ids(0), "ziekenhuis-b");
}

TEST_F(AuditLogTest, AFileOfSomethingElseIsDataLoss) {
  { std::ofstream(path()) << "this is not an audit trail at all, just text that happens to be here"; }
  auto log = AuditLog::Open(path());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
}

AuditOptions Options(int64_t max_file_bytes, int max_files) {
  AuditOptions options;
  options.max_file_bytes = max_file_bytes;
  options.max_files = max_files;
  return options;
}

// Every page of the trail, newest first.
std::vector<v1::AuditEntry> AllEntries(const AuditLog& log, int page_size, const std::string& organization_id = "") {
  std::vector<v1::AuditEntry> entries;
  v1::ListAuditEntriesRequest request;
  request.set_limit(page_size);
  request.set_organization_id(organization_id);
  for (int page = 0; page < 100000; ++page) {
    v1::ListAuditEntriesResponse response;
    EXPECT_TRUE(log.List(request, response).ok());
    entries.insert(entries.end(), response.entries().begin(), response.entries().end());
    if (response.next_before_sequence() == 0) break;
    request.set_before_sequence(response.next_before_sequence());
  }
  return entries;
}

TEST_F(AuditLogTest, RotatesIntoNumberedFilesKeepsMaxFilesAndListsAcrossThem) {
  const AuditOptions options = Options(4096, 3);
  auto log = AuditLog::Open(path(), options);
  ASSERT_TRUE(log.ok()) << log.status();
  constexpr int kEntries = 400;  // About 60 bytes each: several times (max_files + 1) files of 4 KiB.
  for (int i = 1; i <= kEntries; ++i) ASSERT_TRUE((*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, i).ok()) << i;

  // The current file and exactly max_files numbered ones, each within the size; the oldest went.
  EXPECT_THAT((*log)->Files(), ElementsAre(path(), path() + ".1", path() + ".2", path() + ".3"));
  EXPECT_FALSE(std::filesystem::exists(path() + ".4"));
  int64_t total_bytes = 0;
  for (const std::string& file : (*log)->Files()) {
    EXPECT_LE(std::filesystem::file_size(file), options.max_file_bytes) << file;
    total_bytes += static_cast<int64_t>(std::filesystem::file_size(file));
  }
  EXPECT_LE(total_bytes, (options.max_files + 1) * options.max_file_bytes) << "the documented disk bound";

  // Listing pages across the files: contiguous sequences from the newest down to the oldest retained one.
  for (const int page_size : {1, 7, 1000}) {
    const std::vector<v1::AuditEntry> entries = AllEntries(**log, page_size);
    ASSERT_GT(entries.size(), 3u * 4096 / 100) << "at least three full files are listed";
    ASSERT_LT(entries.size(), static_cast<size_t>(kEntries)) << "the oldest file was removed";
    for (size_t i = 0; i < entries.size(); ++i) {
      EXPECT_EQ(entries[i].sequence(), kEntries - static_cast<int64_t>(i)) << "page size " << page_size;
    }
  }
  // A reopened trail finds the same files and goes on with the sequence.
  const size_t listed = AllEntries(**log, 1000).size();
  log->reset();
  auto reopened = AuditLog::Open(path(), options);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(AllEntries(**reopened, 1000).size(), listed);
  ASSERT_TRUE((*reopened)->Record(Ghor(), "/m", {"ziekenhuis-b"}, 0).ok());
  EXPECT_EQ(List(**reopened).entries(0).sequence(), kEntries + 1);
}

// Fails every rename of a rotation whose source is the chosen path (FileOperation::kRename), as a disk or a
// permission problem would: the rotation then stops half-way. Thread safe.
class RenameFaults : public storage::FaultInjector {
 public:
  void FailRenamesOf(std::string path) {
    absl::MutexLock lock(&mu_);
    failing_ = std::move(path);
  }
  void Clear() { FailRenamesOf(""); }
  int failed() const {
    absl::MutexLock lock(&mu_);
    return failed_;
  }
  storage::Fault Check(storage::FileOperation operation, std::string_view file_name) override {
    absl::MutexLock lock(&mu_);
    if (operation != storage::FileOperation::kRename || failing_.empty() || file_name != failing_) {
      return storage::Fault::kNone;
    }
    ++failed_;
    return storage::Fault::kIoError;
  }

 private:
  mutable absl::Mutex mu_;
  std::string failing_ ABSL_GUARDED_BY(mu_);
  int failed_ ABSL_GUARDED_BY(mu_) = 0;
};

// The sequences of `entries` (newest first) are exactly newest, newest - 1, ..., oldest: none lost, none twice.
void ExpectExactly(const std::vector<v1::AuditEntry>& entries, int64_t newest, int64_t oldest) {
  ASSERT_EQ(static_cast<int64_t>(entries.size()), newest - oldest + 1);
  for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(entries[i].sequence(), newest - static_cast<int64_t>(i));
}

TEST_F(AuditLogTest, ARotationThatFailsHalfWayLosesNoEntryAndWritesNoneTwice) {
  auto faults = std::make_shared<RenameFaults>();
  AuditOptions options = Options(4096, 3);
  options.fault_injector = faults;
  auto log = AuditLog::Open(path(), options);
  ASSERT_TRUE(log.ok()) << log.status();
  int64_t recorded = 0;
  auto record = [&] { return (*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, ++recorded); };
  while ((*log)->Files().size() < 3) ASSERT_TRUE(record().ok()) << recorded;  // The current file, .1 and .2.

  // Each rotation now moves .2 to .3 and then fails to move .1: half-way. Every later entry tries again. The trail
  // holds fewer than max_files rotated files all along, so no entry may go.
  faults->FailRenamesOf(path() + ".1");
  for (int i = 0; i < 150; ++i) ASSERT_TRUE(record().ok()) << "a failed rotation does not fail the read";
  EXPECT_GT(faults->failed(), 10) << "rotation was tried again and again";
  ExpectExactly(AllEntries(**log, 37), recorded, 1);

  // Once renames work again the trail rotates as usual, still without a gap or a duplicate.
  faults->Clear();
  const int64_t before_recovery = recorded;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(record().ok());
  EXPECT_THAT((*log)->Files(), ElementsAre(path(), path() + ".1", path() + ".2", path() + ".3"));
  const std::vector<v1::AuditEntry> entries = AllEntries(**log, 37);
  ASSERT_FALSE(entries.empty());
  ExpectExactly(entries, recorded, entries.back().sequence());
  EXPECT_LE(entries.back().sequence(), before_recovery);
  // And a restart sees the same, and goes on from the newest.
  log->reset();
  auto reopened = AuditLog::Open(path(), options);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ASSERT_TRUE((*reopened)->Record(Ghor(), "/m", {"ziekenhuis-b"}, 0).ok());
  ExpectExactly(AllEntries(**reopened, 1000), recorded + 1, entries.back().sequence());
}

TEST_F(AuditLogTest, ARotationWhoseLastRenameFailsGoesOnInTheRotatedFileAcrossARestart) {
  auto faults = std::make_shared<RenameFaults>();
  AuditOptions options = Options(4096, 3);
  options.fault_injector = faults;
  // The new current file cannot be put in place: the full one is already ".1", and entries go on there.
  faults->FailRenamesOf(path() + ".new");
  int64_t recorded = 0;
  {
    auto log = AuditLog::Open(path(), options);
    ASSERT_TRUE(log.ok()) << log.status();
    while (faults->failed() < 3) ASSERT_TRUE((*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, ++recorded).ok());
    EXPECT_FALSE(std::filesystem::exists(path()));
    EXPECT_THAT((*log)->Files(), ElementsAre(path() + ".1"));
    ExpectExactly(AllEntries(**log, 37), recorded, 1);
  }
  // A restart in that state starts a new current file and continues the sequence from ".1".
  auto log = AuditLog::Open(path(), options);
  ASSERT_TRUE(log.ok()) << log.status();
  faults->Clear();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE((*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, ++recorded).ok());
  const std::vector<v1::AuditEntry> entries = AllEntries(**log, 37);
  ASSERT_FALSE(entries.empty());
  ExpectExactly(entries, recorded, entries.back().sequence());
  EXPECT_EQ(entries.back().sequence(), 1) << "nothing was pushed out: fewer than max_files files were ever full";
}

TEST_F(AuditLogTest, OneListingReadsABoundedStretchAndFollowingItFindsEveryEntryOnce) {
  AuditOptions options = Options(4096, 100);
  options.list_scan_bytes = 2048;
  options.index_interval_bytes = 512;
  constexpr int kEntries = 1000;  // About 60 KB in 15 files; one in 50 reads "zorg-zelden".
  {
    auto log = AuditLog::Open(path(), options);
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 1; i <= kEntries; ++i) {
      ASSERT_TRUE((*log)->Record(Ghor(), "/m", {i % 50 == 0 ? "zorg-zelden" : "ziekenhuis-a"}, i).ok());
    }
  }
  // After a restart (the rotated files are indexed by the listings that need them) and with the indexes built.
  auto log = AuditLog::Open(path(), options);
  ASSERT_TRUE(log.ok()) << log.status();
  for (const int round : {0, 1}) {
    v1::ListAuditEntriesRequest request;
    request.set_organization_id("zorg-zelden");
    std::vector<int64_t> found;
    int calls = 0;
    for (; calls < 10000; ++calls) {
      v1::ListAuditEntriesResponse response;
      int64_t scanned = 0;
      ASSERT_TRUE((*log)->List(request, response, &scanned).ok());
      // The bound, plus at most one entry (the one that passed it), or one stretch when that alone is larger.
      EXPECT_LE(scanned, options.list_scan_bytes + 200) << "round " << round << ", call " << calls;
      for (const v1::AuditEntry& entry : response.entries()) found.push_back(entry.sequence());
      if (response.next_before_sequence() == 0) break;
      EXPECT_TRUE(request.before_sequence() == 0 || response.next_before_sequence() <= request.before_sequence());
      request.set_before_sequence(response.next_before_sequence());
    }
    EXPECT_GT(calls, 10) << "a filter that rarely matches takes many bounded calls, not one that reads everything";
    std::vector<int64_t> expected;
    for (int64_t sequence = kEntries; sequence >= 50; sequence -= 50) expected.push_back(sequence);
    EXPECT_EQ(found, expected) << "round " << round;
  }
  // Unfiltered, pages of 7 across the files: every entry once, newest first.
  ExpectExactly(AllEntries(**log, 7), kEntries, 1);
}

TEST_F(AuditLogTest, KeepsEveryOrganisationOfALargeRead) {
  auto log = AuditLog::Open(path());
  ASSERT_TRUE(log.ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 2500; ++i) ids.push_back("zorg-" + std::to_string(10000 + i));
  ASSERT_TRUE((*log)->Record(Ghor(), "/ketenbeeld.v1.PictureService/List", ids, 9).ok());
  ASSERT_TRUE((*log)->Record(Ghor(), "/ketenbeeld.v1.PictureService/Get", {"zorg-10001"}, 10).ok());
  const std::vector<v1::AuditEntry> last = AllEntries(**log, 100, "zorg-12499");
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].organization_count(), 2500);
  EXPECT_EQ(last[0].organization_ids_size(), 2500);
  EXPECT_EQ(AllEntries(**log, 100, "zorg-10001").size(), 2u);
  EXPECT_TRUE(AllEntries(**log, 100, "zorg-99999").empty());
}

TEST_F(AuditLogTest, AFailedWriteIsUnavailableAndLeavesNothingBehind) {
  auto faults = std::make_shared<storage::SwitchableFaultInjector>();
  AuditOptions options;
  options.fault_injector = faults;
  auto log = AuditLog::Open(path(), options);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, 1).ok());
  const uintmax_t size = std::filesystem::file_size(path());
  faults->FailAppends(storage::Fault::kNoSpace);
  const absl::Status failed = (*log)->Record(Ghor(), "/m", {"ziekenhuis-b"}, 2);
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_TRUE(absl::StrContains(failed.message(), "No space left")) << failed;
  EXPECT_EQ(std::filesystem::file_size(path()), size);
  faults->Clear();
  ASSERT_TRUE((*log)->Record(Ghor(), "/m", {"ziekenhuis-c"}, 3).ok());
  const std::vector<v1::AuditEntry> entries = AllEntries(**log, 100);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].sequence(), 2) << "the failed entry took no sequence number";
  EXPECT_EQ(entries[0].organization_ids(0), "ziekenhuis-c");
  EXPECT_EQ(entries[1].organization_ids(0), "ziekenhuis-a");
}

TEST_F(AuditLogTest, CopyToCarriesEveryRetainedFile) {
  const AuditOptions options = Options(4096, 5);
  auto log = AuditLog::Open(path(), options);
  ASSERT_TRUE(log.ok());
  for (int i = 1; i <= 200; ++i) ASSERT_TRUE((*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, i).ok());
  ASSERT_GE((*log)->Files().size(), 3u);
  const std::filesystem::path backup = dir_ / "backup";
  std::filesystem::create_directories(backup);
  ASSERT_TRUE((*log)->CopyTo(backup.string()).ok());
  for (const std::string& file : (*log)->Files()) {
    const std::filesystem::path copy = backup / std::filesystem::path(file).filename();
    ASSERT_TRUE(std::filesystem::exists(copy)) << copy;
    EXPECT_EQ(std::filesystem::status(copy).permissions(),
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  auto restored = AuditLog::Open((backup / "audit-trail").string(), options);
  ASSERT_TRUE(restored.ok()) << restored.status();
  const std::vector<v1::AuditEntry> original = AllEntries(**log, 1000);
  const std::vector<v1::AuditEntry> copied = AllEntries(**restored, 1000);
  ASSERT_EQ(copied.size(), original.size());
  EXPECT_EQ(copied.front().sequence(), 200);
  EXPECT_EQ(copied.back().sequence(), original.back().sequence());
}

TEST_F(AuditLogTest, OptionsOutOfRangeAreInvalid) {
  EXPECT_EQ(AuditLog::Open(path(), Options(100, 3)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AuditLog::Open(path(), Options(4096, 0)).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ketenbeeld::policy
