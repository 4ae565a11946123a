// Issue 17's exercise mode through the real binaries: an exercise (oefening) runs beside real reports, with the
// `ketenbeeld` CLI's --exercise, while a real and an exercise feed watch. The real picture, its feed and its History
// are exactly what they would have been without the exercise; the exercise view has its own picture with its alerts
// marked OEFENING; an unknown exercise is refused naming the field; and purging the exercise removes its records
// only, as committed delete events.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"
#include "tests/support/test_server.h"
#include "tests/system/cli_run.h"
#include "tests/system/cli_server_test.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ExerciseModeTest : public CliServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(CliServerTest::SetUp());
    stub_ = server_->NewStub();
  }

  // Every record of a view (empty: the real picture), serialized, in name order: what "unchanged" is compared on.
  std::vector<std::string> Picture(const std::string& exercise_id) {
    v1::ListRequest request;
    request.mutable_filter()->set_exercise_id(exercise_id);
    grpc::ClientContext context;
    v1::ListResponse response;
    const grpc::Status status = stub_->List(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> records;
    for (const v1::Record& record : response.records()) records.push_back(record.SerializeAsString());
    return records;
  }

  // Every event of a view's History, serialized, in revision order.
  std::vector<std::string> History(const std::string& exercise_id) {
    v1::HistoryRequest request;
    request.mutable_filter()->set_exercise_id(exercise_id);
    std::vector<std::string> events;
    for (int page = 0; page < 100; ++page) {
      grpc::ClientContext context;
      v1::HistoryResponse response;
      const grpc::Status status = stub_->History(&context, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      for (const v1::Event& event : response.events()) events.push_back(event.SerializeAsString());
      if (!status.ok() || response.next_from_revision() == 0) break;
      request.set_from_revision(response.next_from_revision());
    }
    return events;
  }

  static v1::SubscribeRequest FeedOf(const std::string& exercise_id) {
    v1::SubscribeRequest request;
    request.mutable_filter()->set_exercise_id(exercise_id);
    return request;
  }

  std::unique_ptr<v1::PictureService::Stub> stub_;
};

TEST_F(ExerciseModeTest, AnExerciseBesideRealReportsLeavesTheRealPictureFeedAndHistoryUnchanged) {
  for (const char* id : {"zh-noord", "zh-kust"}) {
    MustRun({"org", "register", "--id", id, "--name", id, "--kind", "hospital", "--region", "VR10"});
  }
  MustRun({"status", "report", "--org", "zh-noord", "--overall", "strained", "--capacity",
           "ic-adult:available=2,occupied=14"});
  MustRun({"status", "report", "--org", "zh-kust", "--overall", "normal", "--capacity", "ic-adult:available=4"});

  FeedReader real_feed(*stub_, FeedOf(""));
  ASSERT_TRUE(real_feed.WaitUntilSynced());
  const std::vector<std::string> real_picture = Picture("");
  const std::vector<std::string> real_history = History("");

  // An unknown exercise is refused, naming the field, and writes nothing.
  CliRun run = Cli({"--exercise", "oef-zijpe", "status", "report", "--org", "zh-noord", "--overall", "critical"});
  EXPECT_TRUE(run.exit.ExitedWith(1)) << run.exit.ToString();
  EXPECT_THAT(run.err, HasSubstr("exercise_id: no exercise \"oef-zijpe\""));
  run = Cli({"--exercise", "oef-zijpe", "picture"});
  EXPECT_TRUE(run.exit.ExitedWith(1)) << run.exit.ToString();
  EXPECT_THAT(run.err, HasSubstr("filter.exercise_id: no exercise \"oef-zijpe\""));

  EXPECT_THAT(MustRun({"exercise", "start", "--id", "oef-zijpe", "--title", "Oefening dijkdoorbraak Zijpe"}),
              HasSubstr("started exercise exercises/oef-zijpe"));
  FeedReader exercise_feed(*stub_, FeedOf("oef-zijpe"));
  ASSERT_TRUE(exercise_feed.WaitUntilSynced());

  // The exercise: the same organisations report very different figures, an incident, an alert and its
  // acknowledgement, all with --exercise.
  const std::vector<std::string> in_exercise = {"--exercise", "oef-zijpe"};
  auto exercise = [&](std::vector<std::string> args) {
    args.insert(args.begin(), in_exercise.begin(), in_exercise.end());
    return MustRun(std::move(args));
  };
  EXPECT_THAT(exercise({"status", "report", "--org", "zh-noord", "--overall", "critical", "--capacity",
                        "ic-adult:available=0,occupied=16"}),
              HasSubstr("reported exercises/oef-zijpe/organizations/zh-noord/status"));
  exercise({"status", "report", "--org", "zh-kust", "--overall", "closed"});
  exercise({"incident", "open", "--id", "dijk", "--title", "Dijkdoorbraak", "--type", "overstroming", "--level",
            "GRIP 2", "--region", "VR10"});
  exercise({"alert", "send", "--id", "evacuatie", "--headline", "Evacuatie Zijpe", "--urgency", "immediate",
            "--severity", "severe", "--certainty", "observed", "--region", "VR10", "--incident", "dijk"});
  exercise({"alert", "ack", "evacuatie", "--org", "zh-kust"});

  // The real picture and History are byte for byte as before.
  EXPECT_EQ(Picture(""), real_picture);
  EXPECT_EQ(History(""), real_history);

  // A real report during the exercise changes the real picture only.
  const std::vector<std::string> exercise_picture = Picture("oef-zijpe");
  MustRun({"status", "report", "--org", "zh-noord", "--capacity", "ic-adult:available=1"});
  EXPECT_EQ(Picture("oef-zijpe"), exercise_picture);
  const std::vector<std::string> real_after_report = Picture("");
  EXPECT_NE(real_after_report, real_picture);

  // The real feed saw that report and nothing of the exercise.
  const std::vector<std::string> real_history_now = History("");
  ASSERT_EQ(real_history_now.size(), real_history.size() + 1);
  v1::Event real_report;
  ASSERT_TRUE(real_report.ParseFromString(real_history_now.back()));
  ASSERT_TRUE(real_feed.WaitForRevision(real_report.revision()));
  std::vector<v1::Event> seen = real_feed.events();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].SerializeAsString(), real_report.SerializeAsString());

  // The exercise view: its own picture, the banner, its alert marked.
  const std::string picture = exercise({"picture"});
  EXPECT_THAT(picture, HasSubstr("OEFENING — exercise oef-zijpe, not the real picture"));
  EXPECT_THAT(picture, HasSubstr("ic-adult 0/16"));
  EXPECT_THAT(MustRun({"picture"}), Not(HasSubstr("OEFENING")));
  EXPECT_THAT(MustRun({"picture"}), HasSubstr("ic-adult 1/15"));
  EXPECT_THAT(exercise({"alert", "list"}), HasSubstr("OEFENING: Evacuatie Zijpe"));
  EXPECT_THAT(exercise({"alert", "status", "evacuatie"}), HasSubstr("zh-kust"));
  EXPECT_THAT(MustRun({"alert", "list"}), Not(HasSubstr("evacuatie")));
  ASSERT_TRUE(exercise_feed.WaitFor([](const std::vector<v1::SubscribeResponse>& messages) {
    int events = 0;
    for (const v1::SubscribeResponse& message : messages) events += message.events().events_size();
    return events >= 5;
  }));
  for (const v1::Event& event : exercise_feed.events()) {
    EXPECT_TRUE(absl::StartsWith(event.record().name(), "exercises/oef-zijpe/")) << event.record().name();
  }

  // Ending and purging: only the exercise's records go, each as a committed delete event.
  exercise({"exercise", "end", "oef-zijpe"});
  run = Cli({"--exercise", "oef-zijpe", "status", "report", "--org", "zh-noord", "--overall", "normal"});
  EXPECT_TRUE(run.exit.ExitedWith(1)) << run.exit.ToString();
  EXPECT_THAT(run.err, HasSubstr("has ended"));
  EXPECT_THAT(MustRun({"exercise", "purge", "oef-zijpe"}), HasSubstr("5 records deleted"));
  EXPECT_EQ(Picture(""), real_after_report);
  EXPECT_EQ(History(""), real_history_now);
  const std::string after_purge = exercise({"list"});
  EXPECT_THAT(after_purge, Not(HasSubstr("exercises/oef-zijpe/")));
  EXPECT_THAT(after_purge, HasSubstr("exercises/oef-zijpe "));  // The exercise record stays, PURGED.
  const std::string deletes = exercise({"history"});
  for (const char* name : {"exercises/oef-zijpe/organizations/zh-noord/status", "exercises/oef-zijpe/incidents/dijk",
                           "exercises/oef-zijpe/alerts/evacuatie/acknowledgements/zh-kust"}) {
    EXPECT_THAT(deletes, HasSubstr(name));
  }
  // The real feed's heartbeat passes the purge's revision without an event of it.
  grpc::ClientContext context;
  v1::ListResponse head;
  ASSERT_TRUE(stub_->List(&context, v1::ListRequest(), &head).ok());
  ASSERT_TRUE(real_feed.WaitForRevision(head.revision()));
  EXPECT_EQ(real_feed.events().size(), 1u) << "the real feed saw nothing of the exercise, its purge included";
}

// "What did we know at 14:00": the picture at a moment and at a revision through the CLI, and the errors for a
// moment that cannot be shown.
TEST_F(ExerciseModeTest, ThePictureAtAMomentShowsWhatEveryoneSawThen) {
  MustRun(
      {"org", "register", "--id", "zh-noord", "--name", "Ziekenhuis Noord", "--kind", "hospital", "--region", "VR10"});
  MustRun({"status", "report", "--org", "zh-noord", "--overall", "strained", "--capacity",
           "ic-adult:available=2,occupied=14"});
  v1::GetRequest get;
  get.set_name("organizations/zh-noord/status");
  grpc::ClientContext context;
  v1::GetResponse first;
  ASSERT_TRUE(stub_->Get(&context, get, &first).ok());
  const std::string then =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", FromProtoTime(first.record().update_time()), absl::UTCTimeZone());
  absl::SleepFor(absl::Milliseconds(5));
  MustRun({"status", "report", "--org", "zh-noord", "--overall", "critical", "--capacity", "ic-adult:available=0"});

  const std::string at = MustRun({"picture", "--at", then});
  EXPECT_THAT(at, HasSubstr("the picture as it was at"));
  EXPECT_THAT(at, HasSubstr("revision 2"));
  EXPECT_THAT(at, HasSubstr("ic-adult 2/16"));
  EXPECT_THAT(at, HasSubstr("strained"));
  EXPECT_THAT(MustRun({"picture", "--revision", "2"}), HasSubstr("ic-adult 2/16"));
  EXPECT_THAT(MustRun({"picture"}), HasSubstr("ic-adult 0/14"));

  CliRun run = Cli({"picture", "--at", "2099-01-01T00:00:00Z"});
  EXPECT_TRUE(run.exit.ExitedWith(1)) << run.exit.ToString();
  EXPECT_THAT(run.err, HasSubstr("at_time: 2099-01-01T00:00:00.000000Z is in the future"));
  run = Cli({"picture", "--at", "2001-01-01T00:00:00Z"});
  EXPECT_TRUE(run.exit.ExitedWith(1)) << run.exit.ToString();
  EXPECT_THAT(run.err, HasSubstr("is before the first revision"));
  run = Cli({"picture", "--revision", "99"});
  EXPECT_TRUE(run.exit.ExitedWith(1)) << run.exit.ToString();
  EXPECT_THAT(run.err, HasSubstr("ahead of the server's latest revision"));
  run = Cli({"picture", "--at", "gisteren"});
  EXPECT_TRUE(run.exit.ExitedWith(2)) << "a usage error, before any call";
}

}  // namespace
}  // namespace ketenbeeld::testing
