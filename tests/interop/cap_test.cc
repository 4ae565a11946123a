// CAP 1.2 out and in (server/interop/cap.h). Every message written is validated against standards/cap-1.2.xsd.
#include "server/interop/cap.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/interop/schema_check.h"

namespace ketenbeeld::interop {
namespace {

namespace v1 = ketenbeeld::v1;
using ::ketenbeeld::testing::SchemaErrors;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kSent = absl::FromUnixSeconds(1796247000);  // 2026-12-02T21:30:00Z

v1::Alert FullAlert() {
  v1::Alert alert;
  alert.set_id("hitte-noord");
  alert.set_headline("Hitteplan fase 2: verhoogde waakzaamheid");
  alert.set_description("Temperaturen boven 30 °C verwacht; let op kwetsbare cliënten & <bewoners>.");
  alert.set_instruction("Controleer binnentemperatuur en vochtinname.");
  alert.set_urgency(v1::URGENCY_EXPECTED);
  alert.set_severity(v1::ALERT_SEVERITY_SEVERE);
  alert.set_certainty(v1::CERTAINTY_LIKELY);
  alert.mutable_audience()->add_safety_regions("VR10");
  alert.mutable_audience()->add_sectors(v1::SECTOR_LONG_TERM_CARE);
  alert.mutable_audience()->add_kinds(v1::ORGANIZATION_KIND_NURSING_HOME);
  alert.mutable_audience()->add_organization_ids("vvt-duinzicht");
  *alert.mutable_acknowledge_by() = ToProtoTime(kSent + absl::Hours(2));
  alert.set_incident_id("hitte-2026");
  alert.set_status(v1::ALERT_STATUS_ACTIVE);
  alert.set_version(1);
  *alert.mutable_sent_at() = ToProtoTime(kSent);
  return alert;
}

CapExportOptions Options(absl::Time sent = kSent) {
  return CapExportOptions{
      .sender = "ketenbeeld:VR10", .sent = sent, .status = CapStatus::kActual, .incident_area = nullptr};
}

std::string Export(const v1::Alert& alert, const CapExportOptions& options) {
  absl::StatusOr<std::string> xml = AlertToCap(alert, options);
  EXPECT_TRUE(xml.ok()) << xml.status();
  if (!xml.ok()) return "";
  EXPECT_EQ(SchemaErrors("cap-1.2.xsd", *xml), "") << *xml;
  return *xml;
}

// What an alert write carries once stored as version 1 (the output-only fields the server sets).
v1::Alert Stored(const v1::SendAlertRequest& request, int version) {
  v1::Alert alert = request.alert();
  alert.set_version(version);
  *alert.mutable_sent_at() = ToProtoTime(kSent);
  return alert;
}

bool Same(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

TEST(CapTest, EveryExportValidatesAgainstTheOasisSchema) {
  v1::Alert alert = FullAlert();
  Export(alert, Options());  // Version 1: Alert.
  v1::Area area;
  area.set_description("Den Helder, binnenstad");
  area.mutable_center()->set_latitude(52.9563);
  area.mutable_center()->set_longitude(4.7608);
  area.set_radius_km(2.5);
  CapExportOptions with_area = Options();
  with_area.incident_area = &area;
  const std::string circle = Export(alert, with_area);
  EXPECT_THAT(circle, HasSubstr("<circle>52.956300,4.760800 2.500</circle>"));
  EXPECT_THAT(circle, HasSubstr("<areaDesc>Den Helder, binnenstad</areaDesc>"));
  alert.set_version(3);
  Export(alert, Options(kSent + absl::Hours(1)));  // Update.
  alert.set_status(v1::ALERT_STATUS_CANCELLED);
  Export(alert, Options(kSent + absl::Hours(2)));  // Cancel.
  for (CapStatus status : {CapStatus::kExercise, CapStatus::kTest}) {
    CapExportOptions options = Options();
    options.status = status;
    Export(alert, options);
  }
  v1::Alert minimal;  // Only what validation requires: no audience, no texts, no deadline.
  minimal.set_id("a");
  minimal.set_headline("h");
  minimal.set_urgency(v1::URGENCY_IMMEDIATE);
  minimal.set_severity(v1::ALERT_SEVERITY_MINOR);
  minimal.set_certainty(v1::CERTAINTY_OBSERVED);
  minimal.set_version(1);
  Export(minimal, Options());
}

TEST(CapTest, VersionsBecomeAlertUpdateAndCancelReferencingTheFirst) {
  v1::Alert alert = FullAlert();
  const std::string first = Export(alert, Options());
  EXPECT_THAT(first, HasSubstr("<identifier>hitte-noord</identifier>"));
  EXPECT_THAT(first, HasSubstr("<msgType>Alert</msgType>"));
  EXPECT_THAT(first, HasSubstr("<sent>2026-12-02T21:30:00+00:00</sent>"));
  EXPECT_THAT(first, Not(HasSubstr("<references>")));
  alert.set_version(2);
  const std::string update = Export(alert, Options(kSent + absl::Hours(1)));
  EXPECT_THAT(update, HasSubstr("<identifier>hitte-noord.v2</identifier>"));
  EXPECT_THAT(update, HasSubstr("<msgType>Update</msgType>"));
  EXPECT_THAT(update, HasSubstr("<references>ketenbeeld:VR10,hitte-noord,2026-12-02T21:30:00+00:00</references>"));
  alert.set_version(3);
  alert.set_status(v1::ALERT_STATUS_CANCELLED);
  const std::string cancel = Export(alert, Options(kSent + absl::Hours(2)));
  EXPECT_THAT(cancel, HasSubstr("<msgType>Cancel</msgType>"));
  EXPECT_THAT(cancel, HasSubstr("<references>ketenbeeld:VR10,hitte-noord,"));
}

TEST(CapTest, ExportCarriesTheFieldsAnAlertHas) {
  const std::string xml = Export(FullAlert(), Options());
  for (absl::string_view part :
       {"<status>Actual</status>", "<scope>Restricted</scope>", "<incidents>hitte-2026</incidents>",
        "<urgency>Expected</urgency>", "<severity>Severe</severity>", "<certainty>Likely</certainty>",
        "&amp; &lt;bewoners&gt;", "<valueName>ketenbeeld:acknowledgeBy</valueName>",
        "<value>2026-12-02T23:30:00+00:00</value>", "<value>SECTOR_LONG_TERM_CARE</value>",
        "<value>ORGANIZATION_KIND_NURSING_HOME</value>", "<value>vvt-duinzicht</value>",
        "<valueName>veiligheidsregio</valueName>", "<value>VR10</value>"}) {
    EXPECT_THAT(xml, HasSubstr(std::string(part)));
  }
  CapExportOptions exercise = Options();
  exercise.status = CapStatus::kExercise;
  EXPECT_THAT(Export(FullAlert(), exercise), HasSubstr("<note>OEFENING</note>"));
  CapExportOptions bad = Options();
  bad.sender = "ghor vr10";
  EXPECT_EQ(AlertToCap(FullAlert(), bad).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CapTest, ExportThenImportGivesTheSameAlertWrite) {
  const v1::Alert alert = FullAlert();
  const absl::StatusOr<CapImport> imported = CapToAlert(Export(alert, Options()));
  ASSERT_TRUE(imported.ok()) << imported.status();
  v1::Alert expected = alert;
  expected.clear_version();
  expected.clear_sent_at();
  EXPECT_TRUE(Same(imported->request.alert(), expected)) << imported->request.DebugString();
  EXPECT_TRUE(imported->not_imported.empty()) << imported->not_imported.front();
}

// A message as a public-warning feed sends it: an identifier that is no Ketenbeeld id, two languages, elements an
// alert has no place for.
constexpr absl::string_view kExternal = R"(<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>2.49.0.1.528.0.NL-Alert.20261202.1</identifier>
  <sender>nl-alert@example.nl</sender>
  <sent>2026-12-02T22:00:00+01:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>en-US</language>
    <category>Fire</category>
    <event>Large fire</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <headline>Large fire with smoke in Den Helder</headline>
  </info>
  <info>
    <language>nl-NL</language>
    <category>Fire</category>
    <event>Grote brand</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <expires>2026-12-03T06:00:00+01:00</expires>
    <headline>Grote brand met rookontwikkeling in Den Helder</headline>
    <description>Sluit ramen en deuren, zet ventilatie uit.</description>
    <area>
      <areaDesc>Den Helder</areaDesc>
      <polygon>52.95,4.74 52.97,4.74 52.97,4.78 52.95,4.74</polygon>
      <geocode><valueName>veiligheidsregio</valueName><value>VR10</value></geocode>
      <geocode><valueName>CBS-gemeentecode</valueName><value>GM0400</value></geocode>
    </area>
  </info>
</alert>
)";

TEST(CapTest, AnExternalMessageBecomesAnAlertAndSaysWhatItLeftOut) {
  const absl::StatusOr<CapImport> imported = CapToAlert(kExternal);
  ASSERT_TRUE(imported.ok()) << imported.status();
  const v1::Alert& alert = imported->request.alert();
  EXPECT_THAT(alert.id(), ::testing::MatchesRegex("cap-[0-9a-f]{16}"));
  EXPECT_EQ(alert.headline(), "Grote brand met rookontwikkeling in Den Helder");  // The Dutch <info>.
  EXPECT_EQ(alert.urgency(), v1::URGENCY_IMMEDIATE);
  EXPECT_EQ(alert.severity(), v1::ALERT_SEVERITY_SEVERE);
  EXPECT_EQ(alert.certainty(), v1::CERTAINTY_OBSERVED);
  EXPECT_THAT(alert.audience().safety_regions(), ::testing::ElementsAre("VR10"));
  const std::vector<std::string>& notes = imported->not_imported;
  EXPECT_THAT(notes, Contains(HasSubstr("/alert/info/expires")));
  EXPECT_THAT(notes, Contains(HasSubstr("/alert/info/area/polygon")));
  EXPECT_THAT(notes, Contains(HasSubstr("CBS-gemeentecode")));
  EXPECT_THAT(notes, Contains(HasSubstr("1 further <info> block")));

  // import -> export -> import: the same alert write.
  const std::string exported = Export(Stored(imported->request, 1), Options());
  const absl::StatusOr<CapImport> again = CapToAlert(exported);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(Same(again->request, imported->request)) << again->request.DebugString();

  // An Update from the same feed, referencing the first message, updates the same alert.
  // <references> follows <scope> in CAP's order.
  const std::string update =
      absl::StrReplaceAll(kExternal, {{"<msgType>Alert</msgType>", "<msgType>Update</msgType>"},
                                      {"<scope>Public</scope>",
                                       "<scope>Public</scope>\n  <references>nl-alert@example.nl,"
                                       "2.49.0.1.528.0.NL-Alert.20261202.1,2026-12-02T22:00:00+01:00"
                                       "</references>"}});
  const absl::StatusOr<CapImport> updated = CapToAlert(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->request.alert().id(), alert.id());
}

TEST(CapTest, UpdatesAndCancelsOfOurOwnMessagesFindTheirAlert) {
  v1::Alert alert = FullAlert();
  alert.set_version(4);
  const absl::StatusOr<CapImport> update = CapToAlert(Export(alert, Options(kSent + absl::Hours(3))));
  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_EQ(update->request.alert().id(), "hitte-noord");
  EXPECT_EQ(update->request.alert().status(), v1::ALERT_STATUS_ACTIVE);
  alert.set_status(v1::ALERT_STATUS_CANCELLED);
  const absl::StatusOr<CapImport> cancel = CapToAlert(Export(alert, Options(kSent + absl::Hours(4))));
  ASSERT_TRUE(cancel.ok()) << cancel.status();
  EXPECT_EQ(cancel->request.alert().id(), "hitte-noord");
  EXPECT_EQ(cancel->request.alert().status(), v1::ALERT_STATUS_CANCELLED);
}

TEST(CapTest, ASchemaViolationIsRefusedNamingTheElement) {
  const std::string bad =
      absl::StrReplaceAll(Export(FullAlert(), Options()), {{"<urgency>Expected</urgency>", "<urgency>Soon</urgency>"}});
  const absl::StatusOr<CapImport> imported = CapToAlert(bad);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(imported.status().message(), HasSubstr("cap: /alert/info/urgency (line"));
  EXPECT_THAT(imported.status().message(), HasSubstr("Soon"));
  const absl::StatusOr<CapImport> missing =
      CapToAlert(absl::StrReplaceAll(Export(FullAlert(), Options()), {{"<sender>ketenbeeld:VR10</sender>", ""}}));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("sender"));
  const absl::StatusOr<CapImport> other = CapToAlert("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>");
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(other.status().message(), HasSubstr("cap: /feed"));
}

TEST(CapTest, MessagesThatCannotBeAnAlertWriteAreRefused) {
  const std::string xml = Export(FullAlert(), Options());
  struct Case {
    std::string from, to, expected;
  };
  for (const Case& c : std::vector<Case>{
           {"<status>Actual</status>", "<status>Exercise</status>", "/alert/status: \"Exercise\" messages"},
           {"<status>Actual</status>", "<status>Test</status>", "/alert/status: \"Test\" messages"},
           {"<msgType>Alert</msgType>", "<msgType>Ack</msgType>", "/alert/msgType: \"Ack\" has no equivalent"},
           {"<msgType>Alert</msgType>", "<msgType>Update</msgType>", "must name the message it updates"},
           {"<value>SECTOR_LONG_TERM_CARE</value>", "<value>SECTOR_BAKERIES</value>", "/alert/info/parameter"},
           {"<value>2026-12-02T23:30:00+00:00</value>", "<value>tomorrow</value>", "not a time"},
           {"<value>VR10</value>", "<value>VR99</value>", "/alert/info/area/geocode (veiligheidsregio)"},
       }) {
    const absl::StatusOr<CapImport> imported = CapToAlert(absl::StrReplaceAll(xml, {{c.from, c.to}}));
    ASSERT_FALSE(imported.ok()) << c.to;
    EXPECT_EQ(imported.status().code(), absl::StatusCode::kInvalidArgument) << c.to;
    EXPECT_THAT(imported.status().message(), HasSubstr(c.expected)) << c.to;
  }
}

TEST(CapTest, ExerciseAndTestMessagesGoIntoAnExerciseOnlyAndActualOnesNever) {
  CapExportOptions exercise = Options();
  exercise.status = CapStatus::kExercise;
  const absl::StatusOr<CapImport> into_exercise = CapToAlert(Export(FullAlert(), exercise), "oef-hitte");
  ASSERT_TRUE(into_exercise.ok()) << into_exercise.status();
  EXPECT_EQ(into_exercise->request.exercise_id(), "oef-hitte");
  EXPECT_EQ(into_exercise->request.mode(), v1::MODE_EXERCISE);
  EXPECT_EQ(into_exercise->request.alert().id(), "hitte-noord");

  CapExportOptions test = Options();
  test.status = CapStatus::kTest;
  const absl::StatusOr<CapImport> into_test = CapToAlert(Export(FullAlert(), test), "test-koppeling");
  ASSERT_TRUE(into_test.ok()) << into_test.status();
  EXPECT_EQ(into_test->request.mode(), v1::MODE_TEST);

  // The real picture takes no exercise message (CapTest.MessagesThatCannotBeAnAlertWriteAreRefused), an exercise no
  // real one, and neither takes System or Draft messages.
  const absl::StatusOr<CapImport> actual = CapToAlert(Export(FullAlert(), Options()), "oef-hitte");
  ASSERT_FALSE(actual.ok());
  EXPECT_EQ(actual.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(actual.status().message(), HasSubstr("exercise_id: \"oef-hitte\" takes Exercise and Test messages"));
  const std::string system =
      absl::StrReplaceAll(Export(FullAlert(), exercise), {{"<status>Exercise</status>", "<status>System</status>"}});
  const absl::StatusOr<CapImport> refused = CapToAlert(system, "oef-hitte");
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("/alert/status: \"System\" messages are not imported"));
  const absl::StatusOr<CapImport> plain = CapToAlert(Export(FullAlert(), exercise));
  ASSERT_FALSE(plain.ok());
  EXPECT_THAT(plain.status().message(), HasSubstr("import it into an exercise with exercise_id"));
}

}  // namespace
}  // namespace ketenbeeld::interop
