// The picture clock: the offset file's syntax, errors that name the flag, the re-read interval, and that the offset
// only moves the clock forward (a smaller offset, or a file gone bad, leaves the one in force).
#include "server/pipeline/picture_clock.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace ketenbeeld::pipeline {
namespace {

using ::testing::HasSubstr;

// A wall clock the test moves by hand, so the re-read interval is exact.
struct ManualWall {
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
};

class PictureClockTest : public ::testing::Test {
 protected:
  void Write(const std::string& text) {
    std::ofstream out(path_, std::ios::trunc);
    out << text;
  }

  absl::StatusOr<std::unique_ptr<PictureClock>> Open() {
    return PictureClock::FromOffsetFile(
        path_, PictureClock::Options{.check_interval = absl::Milliseconds(100), .wall = [this] { return wall_.now; }});
  }

  ketenbeeld::testing::TempDir dir_;
  std::string path_ = dir_.path() + "/clock-offset";
  ManualWall wall_;
};

TEST(ParseClockOffsetTest, AcceptsAbslDurationsWithSurroundingWhitespace) {
  EXPECT_EQ(*ParseClockOffset("0s", "f"), absl::ZeroDuration());
  EXPECT_EQ(*ParseClockOffset("12h\n", "f"), absl::Hours(12));
  EXPECT_EQ(*ParseClockOffset("  90m ", "f"), absl::Minutes(90));
  EXPECT_EQ(*ParseClockOffset("1h30m", "f"), absl::Minutes(90));
}

TEST(ParseClockOffsetTest, RefusesWhatIsNotAForwardOffsetNamingTheFlagAndFile) {
  for (const char* text : {"", "  \n", "12", "twelve hours", "-1h", "inf"}) {
    absl::StatusOr<absl::Duration> parsed = ParseClockOffset(text, "/tmp/offset");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("--clock_offset_file /tmp/offset: ")) << text;
  }
  EXPECT_THAT(std::string(ParseClockOffset("-1h", "f").status().message()), HasSubstr("must not be negative"));
  EXPECT_THAT(std::string(ParseClockOffset("12", "f").status().message()),
              HasSubstr("\"12\" is not a duration; expected a duration such as 0s, 12h or 90m"));
}

TEST_F(PictureClockTest, AMissingOrBadFileAtStartUpIsAnErrorNamingTheFlag) {
  absl::StatusOr<std::unique_ptr<PictureClock>> missing = Open();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr(absl::StrCat("--clock_offset_file ", path_, ": cannot be read")));
  Write("soon");
  absl::StatusOr<std::unique_ptr<PictureClock>> bad = Open();
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("\"soon\" is not a duration"));
  Write(std::string(300, '1') + "s");
  EXPECT_THAT(std::string(Open().status().message()), HasSubstr("longer than 256 bytes"));
}

TEST_F(PictureClockTest, TheWallClockWithoutAFileIsTheWallClock) {
  const PictureClock clock;
  const absl::Time before = absl::Now();
  const absl::Time now = clock.Now();
  EXPECT_GE(now, before);
  EXPECT_LE(now, absl::Now());
  EXPECT_EQ(clock.offset(), absl::ZeroDuration());
}

TEST_F(PictureClockTest, AddsTheOffsetAndSeesAChangeWithinTheCheckInterval) {
  Write("12h");
  absl::StatusOr<std::unique_ptr<PictureClock>> clock = Open();
  ASSERT_TRUE(clock.ok()) << clock.status();
  EXPECT_EQ((*clock)->Now(), wall_.now + absl::Hours(12));

  Write("13h");
  wall_.now += absl::Milliseconds(99);  // Not yet re-read: one file read per interval at most.
  EXPECT_EQ((*clock)->Now(), wall_.now + absl::Hours(12));
  wall_.now += absl::Milliseconds(1);
  EXPECT_EQ((*clock)->Now(), wall_.now + absl::Hours(13));
  EXPECT_EQ((*clock)->offset(), absl::Hours(13));
}

TEST_F(PictureClockTest, OnlyMovesForwardAndKeepsTheOffsetWhenTheFileGoesBad) {
  Write("2h");
  absl::StatusOr<std::unique_ptr<PictureClock>> clock = Open();
  ASSERT_TRUE(clock.ok()) << clock.status();
  const absl::Time first = (*clock)->Now();

  Write("1h");  // Smaller: ignored, so picture time never goes back.
  wall_.now += absl::Seconds(1);
  EXPECT_EQ((*clock)->Now(), wall_.now + absl::Hours(2));
  EXPECT_GT((*clock)->Now(), first);

  for (const char* bad : {"", "two hours", "-3h"}) {  // Half-written or wrong: the offset in force stays.
    Write(bad);
    wall_.now += absl::Seconds(1);
    EXPECT_EQ((*clock)->Now(), wall_.now + absl::Hours(2)) << bad;
  }
  std::remove(path_.c_str());
  wall_.now += absl::Seconds(1);
  EXPECT_EQ((*clock)->Now(), wall_.now + absl::Hours(2));

  Write("3h");  // Forward again, also after errors.
  wall_.now += absl::Seconds(1);
  EXPECT_EQ((*clock)->Now(), wall_.now + absl::Hours(3));
}

}  // namespace
}  // namespace ketenbeeld::pipeline
