// The dispatch (meldkamer) integration example, client/examples/dispatch_example.cc, against the real server
// binary: it opens an incident, lists the nearest hospitals with free beds (nearest first, skipping one on ED
// diversion), follows the feed while a hospital's report changes, shows that change, and exits 0. Run again on the
// same incident id, it updates the incident (scale-up) instead of opening it.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/test_server.h"
#include "tests/system/server_process.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;

const char* DispatchExampleBinary() { return KETENBEELD_DISPATCH_EXAMPLE_BINARY; }

// A hospital with one location at the given coordinates.
v1::Organization Hospital(const std::string& id, const std::string& name, double latitude, double longitude) {
  v1::Organization organization = MakeOrganization(id);
  organization.set_name(name);
  v1::Coordinates* coordinates = organization.mutable_locations(0)->mutable_coordinates();
  coordinates->set_latitude(latitude);
  coordinates->set_longitude(longitude);
  return organization;
}

v1::StatusReport CapacityReport(const std::string& id, int ic_available, v1::EmergencyDepartmentState department) {
  v1::StatusReport report = MakeReport(id, ic_available, v1::OVERALL_STATUS_NORMAL);
  report.clear_disruptions();
  report.mutable_emergency_department()->set_state(department);
  return report;
}

class DispatchExampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::StartIn(dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server_->NewStub();

    // The incident is at Alkmaar (52.63, 4.74). zh-alkmaar is ~1 km away, zh-amsterdam ~30 km; zh-heiloo is nearer
    // still but its emergency department is on diversion, so dispatch must skip it.
    ASSERT_TRUE(Register(*stub_, Hospital("zh-alkmaar", "Ziekenhuis Alkmaar", 52.637, 4.752)).ok());
    ASSERT_TRUE(Register(*stub_, Hospital("zh-amsterdam", "Ziekenhuis Amsterdam", 52.37, 4.90)).ok());
    ASSERT_TRUE(Register(*stub_, Hospital("zh-heiloo", "Ziekenhuis Heiloo", 52.632, 4.742)).ok());
    ASSERT_TRUE(Report(*stub_, CapacityReport("zh-alkmaar", 2, v1::EMERGENCY_DEPARTMENT_STATE_OPEN)).ok());
    ASSERT_TRUE(Report(*stub_, CapacityReport("zh-amsterdam", 6, v1::EMERGENCY_DEPARTMENT_STATE_OPEN)).ok());
    ASSERT_TRUE(Report(*stub_, CapacityReport("zh-heiloo", 9, v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION)).ok());
  }

  // Spawns dispatch-example with the common flags plus `extra`.
  std::unique_ptr<ChildProcess> SpawnExample(const std::vector<std::string>& extra, const std::string& name) {
    std::vector<std::string> args = {"--server",      server_->address(), "--incident", "brand-alkmaar", "--title",
                                     "Brand Alkmaar", "--type",           "brand",      "--region",      "VR10",
                                     "--at",          "52.63,4.74",       "--bed-type", "ic-adult"};
    args.insert(args.end(), extra.begin(), extra.end());
    stdout_path_ = dir_.path() + "/" + name + ".out";
    stderr_path_ = dir_.path() + "/" + name + ".err";
    absl::StatusOr<std::unique_ptr<ChildProcess>> child =
        ChildProcess::Spawn(DispatchExampleBinary(), args, stdout_path_, stderr_path_);
    EXPECT_TRUE(child.ok()) << child.status();
    return child.ok() ? *std::move(child) : nullptr;
  }

  std::string Output() const {
    return absl::StrCat("dispatch-example stdout:\n", ReadWholeFile(stdout_path_), "\nstderr:\n",
                        ReadWholeFile(stderr_path_), "\nserver log:\n", server_->log());
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::PictureService::Stub> stub_;
  std::string stdout_path_;
  std::string stderr_path_;
};

TEST_F(DispatchExampleTest, OpensIncidentListsNearestCapacityFirstAndFollowsChanges) {
  std::unique_ptr<ChildProcess> example = SpawnExample({"--level", "GRIP 1", "--follow-seconds", "2"}, "first");
  ASSERT_NE(example, nullptr);
  ASSERT_TRUE(WaitForFileContent(
      stdout_path_, [](const std::string& text) { return text.find("following") != std::string::npos; },
      absl::Seconds(20)))
      << Output();

  // While it follows: Amsterdam's capacity changes.
  v1::WriteResponse changed;
  ASSERT_TRUE(Report(*stub_, CapacityReport("zh-amsterdam", 11, v1::EMERGENCY_DEPARTMENT_STATE_OPEN), &changed).ok());

  const std::optional<ExitStatus> exit = example->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit.has_value()) << "dispatch-example did not stop after --follow-seconds\n" << Output();
  EXPECT_TRUE(exit->ExitedWith(0)) << exit->ToString() << "\n" << Output();

  const std::string output = ReadWholeFile(stdout_path_);
  EXPECT_THAT(output, HasSubstr("opened incident brand-alkmaar at GRIP 1")) << Output();
  const size_t nearest = output.find("1. zh-alkmaar (Ziekenhuis Alkmaar, main)");
  const size_t farther = output.find("2. zh-amsterdam (Ziekenhuis Amsterdam, main)");
  ASSERT_NE(nearest, std::string::npos) << Output();
  ASSERT_NE(farther, std::string::npos) << Output();
  EXPECT_LT(nearest, farther) << "the nearest hospital comes first\n" << Output();
  EXPECT_THAT(output, HasSubstr("2 available")) << Output();
  EXPECT_THAT(output, HasSubstr("skipped zh-heiloo (Ziekenhuis Heiloo): ED diversion")) << Output();
  EXPECT_THAT(output, ::testing::Not(HasSubstr(". zh-heiloo"))) << Output();
  // The change made while it followed, with its revision and the new figure.
  EXPECT_THAT(output, HasSubstr(absl::StrCat("change: rev ", changed.revision())));
  EXPECT_THAT(output, HasSubstr("organizations/zh-amsterdam/status  PUT  normal  ic-adult 11/")) << Output();
  EXPECT_THAT(output, HasSubstr("done following")) << Output();
}

TEST_F(DispatchExampleTest, RunningAgainUpdatesTheIncident) {
  std::unique_ptr<ChildProcess> first = SpawnExample({"--level", "GRIP 1", "--follow-seconds", "0"}, "first");
  ASSERT_NE(first, nullptr);
  std::optional<ExitStatus> exit = first->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit.has_value() && exit->ExitedWith(0)) << Output();

  std::unique_ptr<ChildProcess> second = SpawnExample({"--level", "GRIP 2", "--follow-seconds", "0"}, "second");
  ASSERT_NE(second, nullptr);
  exit = second->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit.has_value()) << Output();
  EXPECT_TRUE(exit->ExitedWith(0)) << exit->ToString() << "\n" << Output();
  EXPECT_THAT(ReadWholeFile(stdout_path_), HasSubstr("updated incident brand-alkmaar at GRIP 2 (scaled-up)"))
      << Output();

  // The stored incident is scaled up, with its position.
  v1::GetRequest request;
  request.set_name("incidents/brand-alkmaar");
  v1::GetResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ASSERT_TRUE(stub_->Get(&context, request, &response).ok());
  EXPECT_EQ(response.record().incident().scale_up_level(), "GRIP 2");
  EXPECT_EQ(response.record().incident().status(), v1::INCIDENT_STATUS_SCALED_UP);
  EXPECT_DOUBLE_EQ(response.record().incident().area().center().latitude(), 52.63);
}

TEST_F(DispatchExampleTest, AServerRefusalIsExitCodeOne) {
  // "GRIP 9" is not a configured scale-up level: the server refuses the incident.
  std::unique_ptr<ChildProcess> example = SpawnExample({"--level", "GRIP 9", "--follow-seconds", "0"}, "refused");
  ASSERT_NE(example, nullptr);
  const std::optional<ExitStatus> exit = example->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit.has_value()) << Output();
  EXPECT_TRUE(exit->ExitedWith(1)) << exit->ToString() << "\n" << Output();
  EXPECT_THAT(ReadWholeFile(stderr_path_), HasSubstr("opening the incident")) << Output();
}

}  // namespace
}  // namespace ketenbeeld::testing
