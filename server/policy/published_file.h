// The file in which the server keeps the capacity figures as last published to readers without detailed visibility
// (PublishedFigures, visibility.h), so that a restart goes on from them: ketenbeeld.server.v1.PublishedFigures in
// protobuf binary form, replaced atomically (written to "<path>.new", synced, renamed over "<path>", directory
// synced), so the file holds one whole publication at any moment, also after a crash.
//
// Thread safety: the functions are thread safe for different paths; the caller serializes writes of one path.
#ifndef KETENBEELD_SERVER_POLICY_PUBLISHED_FILE_H_
#define KETENBEELD_SERVER_POLICY_PUBLISHED_FILE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/queries/reports.h"

namespace ketenbeeld::policy {

// The cells and revision of `table` (not its registrations: those are no figure and are published at once) into
// `path`. UNAVAILABLE naming the file when it cannot be written; the previous file is then unchanged.
absl::Status WritePublishedFigures(const std::string& path, const queries::FigureTable& table);

// The cells and revision kept in `path`; nullopt when there is no such file (a new data directory, or one of a version
// before the file existed). UNAVAILABLE when it cannot be read, DATA_LOSS when it does not parse.
absl::StatusOr<std::optional<queries::FigureTable>> ReadPublishedFigures(const std::string& path);

}  // namespace ketenbeeld::policy

#endif  // KETENBEELD_SERVER_POLICY_PUBLISHED_FILE_H_
