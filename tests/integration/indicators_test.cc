// Questionnaires (uitvraag) end to end through the real server with bearer tokens on loopback: the heat-wave case of
// issue 18. The GHOR defines indoor temperature (number, °C) and residents with heat complaints (count) for nursing
// homes and asks for them in an alert; nursing homes answer in their status reports; a peer nursing home sees the
// aggregate once at least the minimum group (3) answered, and not while only two did (the GHOR sees it throughout);
// a retired indicator keeps its values readable and takes no new ones.
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "tests/security/token_line.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

namespace v1 = ::ketenbeeld::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kHomes[] = {"vvt-1", "vvt-2", "vvt-3", "vvt-4", "vvt-5", "vvt-6"};

// name -> (token, organisation, role): every nursing home has its own institution token.
std::map<std::string, std::pair<std::string, std::string>> HeatWaveIdentities() {
  std::map<std::string, std::pair<std::string, std::string>> identities = {
      {"ghor", {"ghor-vr10", "ghor"}}, {"operator", {"beheer", "operator"}}, {"bestuur", {"bestuur-vr10", "bestuur"}}};
  for (const char* home : kHomes) identities[home] = {home, "institution"};
  return identities;
}

std::string TokenOf(const std::string& name) { return absl::StrCat("token-hitte-", name); }

class HeatWaveTest : public ::testing::Test {
 protected:
  HeatWaveTest()
      : tokens_file_(WriteTokens(tokens_dir_.path())), server_([this](app::ServerOptions& options) {
          options.tokens_file = tokens_file_;
          options.min_aggregate_group = 3;
        }) {}

  static std::string WriteTokens(const std::string& dir) {
    const std::string path = dir + "/tokens";
    std::ofstream file(path);
    for (const auto& [name, identity] : HeatWaveIdentities()) {
      file << TokenLine(TokenOf(name), identity.first, identity.second, name);
    }
    return path;
  }

  std::shared_ptr<grpc::Channel> As(const std::string& name) {
    return client::Connect(server_.server().address(), {.token = TokenOf(name)});
  }

  void SetUp() override {
    auto registry = v1::PictureService::NewStub(As("operator"));
    ASSERT_TRUE(Register(*registry, MakeOrganization("ghor-vr10", v1::ORGANIZATION_KIND_GHOR)).ok());
    ASSERT_TRUE(Register(*registry, MakeOrganization("ziekenhuis")).ok());
    for (const char* home : kHomes) {
      ASSERT_TRUE(Register(*registry, MakeOrganization(home, v1::ORGANIZATION_KIND_NURSING_HOME)).ok()) << home;
    }
    auto reports = v1::ReportService::NewStub(As("ghor"));
    v1::WriteResponse written;
    v1::DefineIndicatorRequest temperature;
    v1::Indicator& indoor = *temperature.mutable_indicator();
    indoor.set_id("binnentemperatuur");
    indoor.set_label_nl("Hoogste binnentemperatuur");
    indoor.set_label_en("Highest indoor temperature");
    indoor.set_type(v1::INDICATOR_TYPE_NUMBER);
    indoor.set_unit("°C");
    indoor.mutable_applies_to()->add_organization_kinds(v1::ORGANIZATION_KIND_NURSING_HOME);
    indoor.mutable_cadence()->set_seconds(4 * 3600);
    grpc::Status status = reports->DefineIndicator(Deadline().get(), temperature, &written);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(written.record().name(), "indicators/binnentemperatuur");

    v1::DefineIndicatorRequest complaints;
    v1::Indicator& heat = *complaints.mutable_indicator();
    heat.set_id("hitteklachten");
    heat.set_label_nl("Bewoners met hitteklachten");
    heat.set_label_en("Residents with heat complaints");
    heat.set_type(v1::INDICATOR_TYPE_COUNT);
    heat.set_unit("bewoners");
    heat.mutable_applies_to()->add_organization_kinds(v1::ORGANIZATION_KIND_NURSING_HOME);
    status = reports->DefineIndicator(Deadline().get(), complaints, &written);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // `home` reports its own status with its answers.
  grpc::Status Answer(const std::string& home, double temperature, int64_t complaints) {
    v1::StatusReport report = MakeReport(home);
    v1::IndicatorValue& indoor = *report.add_indicator_values();
    indoor.set_indicator_id("binnentemperatuur");
    indoor.set_number(temperature);
    v1::IndicatorValue& heat = *report.add_indicator_values();
    heat.set_indicator_id("hitteklachten");
    heat.set_count(complaints);
    return Report(*v1::PictureService::NewStub(As(home)), report);
  }

  // The overview as `reader` reads it, by indicator id.
  std::map<std::string, v1::IndicatorAggregate> Overview(const std::string& reader,
                                                         const v1::GetIndicatorOverviewRequest& request = {}) {
    v1::IndicatorOverview overview;
    const grpc::Status status =
        v1::ReportService::NewStub(As(reader))->GetIndicatorOverview(Deadline().get(), request, &overview);
    EXPECT_TRUE(status.ok()) << reader << ": " << status.error_message();
    std::map<std::string, v1::IndicatorAggregate> by_id;
    for (const v1::IndicatorAggregate& aggregate : overview.indicators()) {
      by_id[aggregate.indicator().id()] = aggregate;
    }
    return by_id;
  }

  TempDir tokens_dir_;
  std::string tokens_file_;
  TestServer server_;
};

TEST_F(HeatWaveTest, FiveNursingHomesAnswerAndAPeerSeesTheAggregateButNotOverTwo) {
  // The GHOR asks the nursing homes in an alert; the alert shows what it asks.
  v1::SendAlertRequest alert;
  v1::Alert& body = *alert.mutable_alert();
  body.set_id("hitteplan");
  body.set_headline("Hitteplan: meld binnentemperatuur en hitteklachten");
  body.set_urgency(v1::URGENCY_EXPECTED);
  body.set_severity(v1::ALERT_SEVERITY_MODERATE);
  body.set_certainty(v1::CERTAINTY_LIKELY);
  body.mutable_audience()->add_kinds(v1::ORGANIZATION_KIND_NURSING_HOME);
  body.add_indicator_ids("binnentemperatuur");
  body.add_indicator_ids("hitteklachten");
  v1::WriteResponse sent;
  grpc::Status status = v1::AlertService::NewStub(As("ghor"))->SendAlert(Deadline().get(), alert, &sent);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(sent.record().alert().indicator_ids(), ::testing::ElementsAre("binnentemperatuur", "hitteklachten"));

  // Two answers: withheld from a peer, shown to the GHOR.
  ASSERT_TRUE(Answer("vvt-1", 27.5, 2).ok());
  ASSERT_TRUE(Answer("vvt-2", 29.5, 4).ok());
  std::map<std::string, v1::IndicatorAggregate> peer = Overview("vvt-6");
  ASSERT_EQ(peer.size(), 2u);
  EXPECT_TRUE(peer["binnentemperatuur"].withheld());
  EXPECT_FALSE(peer["binnentemperatuur"].has_mean());
  EXPECT_TRUE(peer["hitteklachten"].withheld());
  EXPECT_FALSE(peer["hitteklachten"].has_sum());
  EXPECT_EQ(peer["binnentemperatuur"].organizations_applicable(), 6);
  std::map<std::string, v1::IndicatorAggregate> ghor = Overview("ghor");
  EXPECT_FALSE(ghor["binnentemperatuur"].withheld());
  EXPECT_EQ(ghor["binnentemperatuur"].organizations_answered(), 2);
  EXPECT_DOUBLE_EQ(ghor["binnentemperatuur"].mean(), 28.5);
  EXPECT_DOUBLE_EQ(ghor["hitteklachten"].sum(), 6);
  // The bestuur reads reports as a peer does: withheld too.
  EXPECT_TRUE(Overview("bestuur")["binnentemperatuur"].withheld());

  // Five answers: the peer sees the aggregate.
  ASSERT_TRUE(Answer("vvt-3", 30.5, 6).ok());
  ASSERT_TRUE(Answer("vvt-4", 31.0, 1).ok());
  ASSERT_TRUE(Answer("vvt-5", 26.5, 0).ok());
  peer = Overview("vvt-6");
  const v1::IndicatorAggregate& indoor = peer["binnentemperatuur"];
  EXPECT_FALSE(indoor.withheld());
  EXPECT_EQ(indoor.organizations_answered(), 5);
  EXPECT_DOUBLE_EQ(indoor.mean(), 29.0);
  EXPECT_DOUBLE_EQ(indoor.min(), 26.5);
  EXPECT_DOUBLE_EQ(indoor.max(), 31.0);
  EXPECT_DOUBLE_EQ(peer["hitteklachten"].sum(), 13);
  EXPECT_EQ(peer["hitteklachten"].organizations_answered(), 5);

  // A peer does not see another home's answers on its report; the home itself does.
  v1::GetRequest get;
  get.set_name("organizations/vvt-1/status");
  v1::GetResponse read;
  ASSERT_TRUE(v1::PictureService::NewStub(As("vvt-6"))->Get(Deadline().get(), get, &read).ok());
  EXPECT_TRUE(read.record().status_report().detail_withheld());
  EXPECT_EQ(read.record().status_report().indicator_values_size(), 0);
  ASSERT_TRUE(v1::PictureService::NewStub(As("vvt-1"))->Get(Deadline().get(), get, &read).ok());
  EXPECT_EQ(read.record().status_report().indicator_values_size(), 2);
}

TEST_F(HeatWaveTest, AValueOfTheWrongTypeOrForAnotherKindIsRefusedNamingTheField) {
  v1::StatusReport report = MakeReport("vvt-1");
  v1::IndicatorValue& indoor = *report.add_indicator_values();
  indoor.set_indicator_id("binnentemperatuur");
  indoor.set_number(28);
  v1::IndicatorValue& complaints = *report.add_indicator_values();
  complaints.set_indicator_id("hitteklachten");
  complaints.set_number(3.5);
  grpc::Status status = Report(*v1::PictureService::NewStub(As("vvt-1")), report);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("report.indicator_values[1].number: "));

  v1::StatusReport hospital = MakeReport("ziekenhuis");
  *hospital.add_indicator_values() = indoor;
  status = Report(*v1::PictureService::NewStub(As("ghor")), hospital);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("does not apply to organisation \"ziekenhuis\""));

  // Only the GHOR defines indicators.
  v1::DefineIndicatorRequest define;
  define.mutable_indicator()->set_id("eigen-vraag");
  define.mutable_indicator()->set_label_nl("Eigen vraag");
  define.mutable_indicator()->set_label_en("Own question");
  define.mutable_indicator()->set_type(v1::INDICATOR_TYPE_TEXT);
  v1::WriteResponse written;
  status = v1::ReportService::NewStub(As("vvt-1"))->DefineIndicator(Deadline().get(), define, &written);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(HeatWaveTest, ARetiredIndicatorKeepsItsValuesReadableAndTakesNoNewOnes) {
  for (const char* home : {"vvt-1", "vvt-2", "vvt-3"}) ASSERT_TRUE(Answer(home, 28, 1).ok()) << home;
  v1::RetireIndicatorRequest retire;
  retire.set_indicator_id("binnentemperatuur");
  v1::WriteResponse written;
  grpc::Status status = v1::ReportService::NewStub(As("ghor"))->RetireIndicator(Deadline().get(), retire, &written);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(written.record().indicator().retired());

  // New values are refused, naming the field.
  status = Answer("vvt-4", 30, 2);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("report.indicator_values[0].indicator_id: "));
  EXPECT_THAT(status.error_message(), HasSubstr("retired"));

  // The old values: on the report (Get) and in its history.
  v1::GetRequest get;
  get.set_name("organizations/vvt-1/status");
  v1::GetResponse read;
  ASSERT_TRUE(v1::PictureService::NewStub(As("ghor"))->Get(Deadline().get(), get, &read).ok());
  ASSERT_EQ(read.record().status_report().indicator_values_size(), 2);
  EXPECT_EQ(read.record().status_report().indicator_values(0).number(), 28);
  v1::HistoryRequest history;
  history.mutable_filter()->add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  history.mutable_filter()->add_organization_ids("vvt-1");
  v1::HistoryResponse events;
  ASSERT_TRUE(v1::PictureService::NewStub(As("ghor"))->History(Deadline().get(), history, &events).ok());
  ASSERT_FALSE(events.events().empty());
  EXPECT_EQ(events.events(0).record().status_report().indicator_values(0).indicator_id(), "binnentemperatuur");

  // Its overview still answers when named, flagged retired; it is no longer in the default overview.
  v1::GetIndicatorOverviewRequest named;
  named.add_indicator_ids("binnentemperatuur");
  std::map<std::string, v1::IndicatorAggregate> overview = Overview("ghor", named);
  ASSERT_EQ(overview.count("binnentemperatuur"), 1u);
  EXPECT_TRUE(overview["binnentemperatuur"].indicator().retired());
  EXPECT_EQ(overview["binnentemperatuur"].organizations_answered(), 3);
  EXPECT_DOUBLE_EQ(overview["binnentemperatuur"].mean(), 28);
  EXPECT_EQ(Overview("ghor").count("binnentemperatuur"), 0u);
}

}  // namespace
}  // namespace ketenbeeld::testing
