// The CSV of `report export` (client/cli/export_format.h): one line per field in long form, repeated messages keyed
// by their type, times as RFC 3339, RFC 4180 quoting, and a line for a record or delete without fields.
#include "client/cli/export_format.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace ketenbeeld::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

v1::Record StatusRecord() {
  v1::Record record;
  const bool parsed = google::protobuf::TextFormat::ParseFromString(
      R"pb(name: "organizations/zh-a/status"
           kind: ENTITY_KIND_STATUS_REPORT
           mod_revision: 12
           update_time { seconds: 1796247000 }
           status_report {
             organization_id: "zh-a"
             overall_status: OVERALL_STATUS_STRAINED
             capacity { type: BED_TYPE_IC_ADULT available: 2 }
             capacity { type: BED_TYPE_GENERAL_WARD available: 30 }
             free_text: "Noodstroom, \"beperkt\",\nzie log"
           })pb",
      &record);
  EXPECT_TRUE(parsed);
  return record;
}

TEST(ExportFormatTest, FieldsAreFlattenedWithRepeatedMessagesKeyedByTheirType) {
  const v1::Record record = StatusRecord();
  EXPECT_THAT(FlattenFields(record.status_report()),
              ElementsAre(Pair("organization_id", "zh-a"), Pair("overall_status", "OVERALL_STATUS_STRAINED"),
                          Pair("capacity[BED_TYPE_IC_ADULT].type", "BED_TYPE_IC_ADULT"),
                          Pair("capacity[BED_TYPE_IC_ADULT].available", "2"),
                          Pair("capacity[BED_TYPE_GENERAL_WARD].type", "BED_TYPE_GENERAL_WARD"),
                          Pair("capacity[BED_TYPE_GENERAL_WARD].available", "30"),
                          Pair("free_text", "Noodstroom, \"beperkt\",\nzie log")));
}

TEST(ExportFormatTest, PictureLinesCarryTheRecordColumnsAndQuoteWhatNeedsIt) {
  const std::string lines = PictureCsvLines(StatusRecord());
  EXPECT_EQ(PictureCsvHeader(), "name,kind,revision,update_time,field,value\r\n");
  EXPECT_THAT(lines, HasSubstr("organizations/zh-a/status,ENTITY_KIND_STATUS_REPORT,12,2026-12-02T21:30:00Z,"
                               "status_report.capacity[BED_TYPE_IC_ADULT].available,2\r\n"));
  EXPECT_THAT(lines, HasSubstr(",mod_revision,12\r\n"));
  EXPECT_THAT(lines, HasSubstr(",status_report.free_text,\"Noodstroom, \"\"beperkt\"\",\nzie log\"\r\n"));
  // name, kind and update_time are columns, not fields.
  EXPECT_THAT(lines, ::testing::Not(HasSubstr(",name,")));
  EXPECT_THAT(lines, ::testing::Not(HasSubstr(",update_time,")));
}

TEST(ExportFormatTest, EveryEventHasALineAndADeleteOneWithoutFields) {
  v1::Event put;
  put.set_revision(12);
  put.mutable_commit_time()->set_seconds(1796247000);
  put.set_type(v1::EVENT_TYPE_PUT);
  *put.mutable_record() = StatusRecord();
  EXPECT_EQ(HistoryCsvHeader(), "revision,commit_time,type,name,kind,field,value\r\n");
  EXPECT_THAT(HistoryCsvLines(put), HasSubstr("12,2026-12-02T21:30:00Z,EVENT_TYPE_PUT,organizations/zh-a/status,"
                                              "ENTITY_KIND_STATUS_REPORT,status_report.overall_status,"
                                              "OVERALL_STATUS_STRAINED\r\n"));
  v1::Event deleted = put;
  deleted.set_type(v1::EVENT_TYPE_DELETE);
  EXPECT_EQ(HistoryCsvLines(deleted),
            "12,2026-12-02T21:30:00Z,EVENT_TYPE_DELETE,organizations/zh-a/status,ENTITY_KIND_STATUS_REPORT,,\r\n");
  v1::Record bare;
  bare.set_name("scenarios/leeg");
  bare.set_kind(v1::ENTITY_KIND_SCENARIO);
  EXPECT_EQ(PictureCsvLines(bare), "scenarios/leeg,ENTITY_KIND_SCENARIO,0,,,\r\n");
}

}  // namespace
}  // namespace ketenbeeld::cli
