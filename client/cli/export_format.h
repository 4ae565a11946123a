// The picture and History as files for analysts (`ketenbeeld report export`): JSON Lines and CSV, one record or event
// at a time, so an export of any size is written as it is read and never held whole.
//
// CSV is in long ("tidy") form, the same for every kind of record: one line per field that is set, named by its
// path in the record's body ("capacity[BED_TYPE_IC_ADULT].available", "supplies[SUPPLY_TYPE_OXYGEN].state",
// "area.polygons[0].points[2].latitude"). A repeated message whose elements have an enum field `type` is keyed by
// it, every other repeated field by its index. Enums are written as their names, times in RFC 3339 (UTC), durations
// as protobuf's "3600s", bytes in base64. A spreadsheet pivots it; a new field in the API is a new path, never a
// shifted column. Fields with a comma, quote or line break are quoted, lines end with CRLF (RFC 4180).
//
// Thread safety: pure functions.
#ifndef KETENBEELD_CLIENT_CLI_EXPORT_FORMAT_H_
#define KETENBEELD_CLIENT_CLI_EXPORT_FORMAT_H_

#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/message.h"
#include "ketenbeeld/v1/picture_service.pb.h"

namespace ketenbeeld::cli {

// One CSV line (RFC 4180 quoting) with its CRLF.
std::string CsvLine(const std::vector<std::string>& fields);

// The set fields of `message` as (path, value) pairs in field-number order, nested messages flattened as above.
std::vector<std::pair<std::string, std::string>> FlattenFields(const google::protobuf::Message& message);

// The header and the lines of one record of the picture: name,kind,revision,update_time,field,value. A record's
// metadata (create and mod revision, updated_by, exercise) are fields like the body's; a record whose body has no
// field set still gets one line (empty field and value), so every record is in the file.
std::string PictureCsvHeader();
std::string PictureCsvLines(const ketenbeeld::v1::Record& record);

// The header and the lines of one event: revision,commit_time,type,name,kind,field,value; the record as the event
// left it, flattened as for the picture; a delete is one line with empty field and value.
std::string HistoryCsvHeader();
std::string HistoryCsvLines(const ketenbeeld::v1::Event& event);

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_EXPORT_FORMAT_H_
