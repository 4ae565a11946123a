// The server's clock in the CLI (client/cli/server_clock.h): ages are measured against the time an answer or a feed
// carries, so a client whose own clock is off prints the ages the server means.
#include "client/cli/server_clock.h"

#include "base/time.h"
#include "client/cli/format.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"

namespace ketenbeeld::cli {
namespace {

const absl::Time kServer = absl::FromUnixSeconds(1'800'000'000);

TEST(ServerClockTest, AnAnswerIsMeasuredAgainstItsOwnTime) {
  v1::ListResponse list;
  *list.mutable_server_time() = ToProtoTime(kServer);
  EXPECT_EQ(ServerNow(list), kServer);
  v1::OperationalSummary summary;
  *summary.mutable_computed_at() = ToProtoTime(kServer);
  EXPECT_EQ(ServerNow(summary), kServer);
  // A server from before these fields: the local clock is all there is.
  const absl::Time local = kServer - absl::Hours(3);
  EXPECT_EQ(ServerNow(false, google::protobuf::Timestamp(), local), local);
}

// The failure this exists for: a report committed by a server 12 h ahead of this machine (a drifting clock, or a
// development server driven with --clock_offset_file) read as "in the future ago".
TEST(ServerClockTest, AReportFromAServerAheadOfUsReadsAsAgo) {
  const absl::Time committed = kServer - absl::Minutes(5);
  const absl::Time local = kServer - absl::Hours(12);
  EXPECT_EQ(FormatRelative(committed, local), "in 11 h 55 min") << "what the local clock would say";
  EXPECT_EQ(FormatRelative(committed, ServerNow(true, ToProtoTime(kServer), local)), "5 min ago");
}

TEST(ServerClockTest, AFeedClockFollowsTheLastServerTimeItSaw) {
  ServerClock clock;
  const absl::Time local = kServer - absl::Hours(12);
  EXPECT_EQ(clock.Now(local), local) << "before any server time";
  clock.Observe(ToProtoTime(kServer), local);
  EXPECT_EQ(clock.Now(local + absl::Seconds(30)), kServer + absl::Seconds(30));
  clock.Observe(google::protobuf::Timestamp(), local);  // An older server's heartbeat without server_time.
  EXPECT_EQ(clock.Now(local), kServer);
  // The server's clock moved forward by 6 h (its offset file): the next heartbeat says so.
  clock.Observe(ToProtoTime(kServer + absl::Hours(6) + absl::Seconds(5)), local + absl::Seconds(5));
  EXPECT_EQ(clock.Now(local + absl::Seconds(5)), kServer + absl::Hours(6) + absl::Seconds(5));
}

}  // namespace
}  // namespace ketenbeeld::cli
