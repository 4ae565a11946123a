// The cap on log lines an outsider can cause at will (failed calls): at most N a second, and the next line admitted
// says how many were left out.
#include <atomic>
#include <cstdint>

#include "gtest/gtest.h"
#include "server/observability/log.h"

namespace ketenbeeld::observability {
namespace {

TEST(LogBudgetTest, AdmitsUpToTheCapPerSecondAndCountsWhatItLeavesOut) {
  std::atomic<int64_t> now_seconds{1'700'000'000};
  LogBudget budget(3, [&] { return absl::FromUnixSeconds(now_seconds.load()); });
  int64_t dropped = -1;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(budget.Admit(&dropped)) << i;
    EXPECT_EQ(dropped, 0);
  }
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(budget.Admit(&dropped));

  now_seconds += 1;
  ASSERT_TRUE(budget.Admit(&dropped));
  EXPECT_EQ(dropped, 1000) << "the first line of the next second says how many were left out";
  ASSERT_TRUE(budget.Admit(&dropped));
  EXPECT_EQ(dropped, 0);
}

TEST(LogBudgetTest, AQuietSecondStartsAFreshBudget) {
  std::atomic<int64_t> now_seconds{1'700'000'000};
  LogBudget budget(1, [&] { return absl::FromUnixSeconds(now_seconds.load()); });
  int64_t dropped = 0;
  EXPECT_TRUE(budget.Admit(&dropped));
  EXPECT_FALSE(budget.Admit(&dropped));
  now_seconds += 60;
  EXPECT_TRUE(budget.Admit(&dropped));
  EXPECT_EQ(dropped, 1);
}

}  // namespace
}  // namespace ketenbeeld::observability
