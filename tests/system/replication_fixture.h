// The fixture of the replicated-mode system tests (replication_test.cc, replication_faults_test.cc): a region of
// three etcd members and three ketenbeeld-server members on loopback (replicated_region.h), writers and feeds that
// know every member, and the check that every member ends with the same log holding every acknowledged write.
#ifndef KETENBEELD_TESTS_SYSTEM_REPLICATION_FIXTURE_H_
#define KETENBEELD_TESTS_SYSTEM_REPLICATION_FIXTURE_H_

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "etcd/client.h"
#include "gtest/gtest.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/temp_dir.h"
#include "tests/system/durability_checks.h"
#include "tests/system/replicated_region.h"
#include "tests/system/resuming_subscriber.h"

namespace ketenbeeld::testing {

inline constexpr int kWriters = 4;

class ReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!EtcdCluster::Available()) GTEST_SKIP() << EtcdCluster::kMissing;
  }

  // A failed test shows what the members said (their log lines other than requests, the last 60 of each).
  void TearDown() override {
    if (!HasFailure() || region_ == nullptr) return;
    for (int i = 0; i < region_->size(); ++i) {
      if (region_->member(i) == nullptr) continue;
      std::vector<std::string> lines;
      for (const nlohmann::json& line : ParseJsonLines(region_->member(i)->log())) {
        if (line.value("event", "") != "request") lines.push_back(line.dump());
      }
      const size_t first = lines.size() > 60 ? lines.size() - 60 : 0;
      std::printf("--- member %d:\n", i);
      for (size_t l = first; l < lines.size(); ++l) std::printf("%s\n", lines[l].c_str());
    }
  }

  void StartRegion(ReplicatedRegion::Options options = {}) {
    absl::StatusOr<std::unique_ptr<ReplicatedRegion>> region = ReplicatedRegion::Start(dir_.path(), options);
    ASSERT_TRUE(region.ok()) << region.status();
    region_ = *std::move(region);
  }

  // Waits until `writers` have `more` acknowledged writes beyond what they had; sets *took to how long that took.
  static void ExpectWritesFlow(ClosedLoopWriters& writers, int more, const std::string& when,
                               absl::Duration* took = nullptr) {
    const int target = writers.acknowledged_count() + more;
    const absl::Time start = absl::Now();
    ASSERT_TRUE(writers.WaitUntilAcknowledged(target, absl::Seconds(30)))
        << "writes did not flow " << when << ": " << writers.acknowledged_count() << " of " << target;
    if (took != nullptr) *took = absl::Now() - start;
  }

  // A client of the region's etcd cluster, as an operator's tool would have.
  std::unique_ptr<etcd::Client> ConnectEtcd() {
    absl::StatusOr<std::unique_ptr<etcd::Client>> client =
        etcd::Client::Connect({.endpoints = region_->etcd().endpoints()});
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  // Every running member reaches `revision`, and then holds exactly the same log (revisions 1..N, the same bytes)
  // and every acknowledged write.
  void ExpectMembersAgree(const std::vector<AcknowledgedWrite>& acknowledged, int64_t revision) {
    std::vector<std::string> reference;
    for (int i = 0; i < region_->size(); ++i) {
      ServerProcess* member = region_->member(i);
      if (member == nullptr) continue;
      std::unique_ptr<v1::PictureService::Stub> stub = member->NewStub();
      absl::StatusOr<WholeLog> log;
      const absl::Time deadline = absl::Now() + absl::Seconds(30);
      do {
        log = ReadWholeLog(*stub);
        if (log.ok() && log->latest_revision >= revision) break;
        absl::SleepFor(absl::Milliseconds(50));
      } while (absl::Now() < deadline);
      ASSERT_TRUE(log.ok()) << "member " << i << ": " << log.status();
      ASSERT_GE(log->latest_revision, revision) << "member " << i << " did not catch up";
      std::vector<std::string> bytes;
      for (const v1::Event& event : log->events) bytes.push_back(event.SerializeAsString());
      if (reference.empty()) {
        reference = bytes;
      } else {
        const size_t common = std::min(reference.size(), bytes.size());
        for (size_t r = 0; r < common; ++r) {
          ASSERT_EQ(bytes[r], reference[r]) << "member " << i << " differs at revision " << r + 1;
        }
      }
      int64_t latest = 0;
      ASSERT_NO_FATAL_FAILURE(ExpectRecoveredPictureHoldsEveryAcknowledgedWrite(*stub, acknowledged, {}, &latest));
    }
  }

  TempDir dir_;
  std::unique_ptr<ReplicatedRegion> region_;
};

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SYSTEM_REPLICATION_FIXTURE_H_
