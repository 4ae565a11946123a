// The cap on log lines an outsider can cause at will (failed calls): at most N a second, and the next line admitted
// says how many were left out.
#include <atomic>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/wrappers.pb.h"
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

// Protobuf logs an error line for every message with invalid UTF-8 in a string field, and any client can send those.
// Routed through our log they become JSON lines under a budget instead of unthrottled "[libprotobuf ERROR ...]".
TEST(LogBudgetTest, ProtobufsOwnErrorLinesGoThroughTheBudget) {
  constexpr int kBudget = 3;
  RouteProtobufLog(kBudget);
  const std::string invalid_utf8 = std::string("\x0a\x02\xff\xfe", 4);  // StringValue.value = 0xff 0xfe.
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 200; ++i) {
    google::protobuf::StringValue value;
    EXPECT_FALSE(value.ParseFromString(invalid_utf8));
  }
  const std::string output = ::testing::internal::GetCapturedStderr();
  int ours = 0;
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    EXPECT_FALSE(absl::StrContains(line, "[libprotobuf")) << line;
    if (absl::StrContains(line, "\"event\":\"protobuf\"")) {
      ++ours;
      EXPECT_TRUE(absl::StrContains(line, "invalid UTF-8")) << line;
    }
  }
  EXPECT_GE(ours, 1) << output;
  // 200 lines, of which at most the budget of the (at most two) seconds the loop spans.
  EXPECT_LE(ours, 2 * kBudget) << output;
}

}  // namespace
}  // namespace ketenbeeld::observability
