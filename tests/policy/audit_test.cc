#include "server/policy/audit.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

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
  (*log)->Record(Ghor(), "/ketenbeeld.v1.PictureService/List", {"ziekenhuis-b", "ziekenhuis-a", "ziekenhuis-b"}, 5);
  (*log)->Record(Ghor(), "/ketenbeeld.v1.PictureService/Get", {"ziekenhuis-c"}, 6);
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
  for (int i = 0; i < 5; ++i) (*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, i);
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
    (*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, 1);
    (*log)->Record(Ghor(), "/m", {"ziekenhuis-b"}, 2);
  }
  auto reopened = AuditLog::Open(path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  (*reopened)->Record(Ghor(), "/m", {"ziekenhuis-c"}, 3);
  const v1::ListAuditEntriesResponse all = List(**reopened);
  ASSERT_EQ(all.entries_size(), 3);
  EXPECT_EQ(all.entries(0).sequence(), 3);
  EXPECT_EQ(all.entries(2).organization_ids(0), "ziekenhuis-a");
}

TEST_F(AuditLogTest, CopyToCopiesTheTrailAndItsPreviousFileForABackup) {
  {
    auto log = AuditLog::Open(path());
    ASSERT_TRUE(log.ok());
    (*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, 1);
  }
  std::filesystem::rename(path(), path() + ".1");  // As a rotation leaves it.
  auto log = AuditLog::Open(path());
  ASSERT_TRUE(log.ok()) << log.status();
  (*log)->Record(Ghor(), "/m", {"ziekenhuis-b"}, 2);

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
    (*log)->Record(Ghor(), "/m", {"ziekenhuis-a"}, 1);
  }
  {
    std::ofstream torn(path(), std::ios::app | std::ios::binary);
    torn << '\x40' << "half an entry";  // Announces 64 bytes, holds 13: the process died mid-write.
  }
  {
    auto log = AuditLog::Open(path());
    ASSERT_TRUE(log.ok()) << log.status();
    (*log)->Record(Ghor(), "/m", {"ziekenhuis-b"}, 2);
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

}  // namespace
}  // namespace ketenbeeld::policy
