#include "server/queries/reader.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/time.h"
#include "google/protobuf/util/time_util.h"
#include "server/domain/filter.h"
#include "server/domain/names.h"
#include "server/domain/validation.h"
#include "server/queries/evaluation.h"

namespace ketenbeeld::queries {
namespace {

using google::protobuf::util::TimeUtil;

absl::StatusOr<int> PageSize(int32_t requested) {
  if (requested == 0) return kDefaultPageSize;
  if (requested < 0 || requested > kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat("page_size: must be between 1 and ", kMaxPageSize, " (or 0 for ",
                                                   kDefaultPageSize, "), got ", requested));
  }
  return requested;
}

absl::Status CheckNonNegative(int64_t revision, absl::string_view field) {
  if (revision >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": must be >= 0, got ", revision));
}

// Page tokens are "<revision>/<last name returned>": later pages read at the same revision, after that name.
struct PageToken {
  int64_t revision = 0;
  std::string after;
};

std::string EncodePageToken(int64_t revision, absl::string_view after) { return absl::StrCat(revision, "/", after); }

absl::StatusOr<PageToken> DecodePageToken(absl::string_view token) {
  std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(token, absl::MaxSplits('/', 1));
  PageToken decoded;
  if (!absl::SimpleAtoi(parts.first, &decoded.revision) || decoded.revision <= 0 || parts.second.empty()) {
    return absl::InvalidArgumentError("page_token: not a token returned by List");
  }
  decoded.after = std::string(parts.second);
  return decoded;
}

}  // namespace

absl::Status Reader::CheckReadableRevision(int64_t revision, int64_t latest, absl::string_view field) const {
  if (revision > latest) {
    return absl::OutOfRangeError(
        absl::StrCat(field, ": revision ", revision, " is ahead of the server's latest revision ", latest));
  }
  if (const int64_t compacted = store_.compacted_revision(); revision < compacted) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": revision ", revision, " is no longer retained; the oldest readable revision is ", compacted));
  }
  return absl::OkStatus();
}

absl::StatusOr<ketenbeeld::v1::Evaluation> Reader::Evaluate(const ketenbeeld::v1::GetEvaluationRequest& request) const {
  return ComputeEvaluation(request, store_, picture_);
}

absl::StatusOr<int64_t> Reader::RevisionAt(const google::protobuf::Timestamp& at_proto, absl::Time now,
                                           absl::string_view field) const {
  if (at_proto.seconds() < TimeUtil::kTimestampMinSeconds || at_proto.seconds() > TimeUtil::kTimestampMaxSeconds ||
      at_proto.nanos() < 0 || at_proto.nanos() > 999'999'999) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not a valid timestamp"));
  }
  const absl::Time at = FromProtoTime(at_proto);
  const absl::TimeZone utc = absl::UTCTimeZone();
  constexpr absl::string_view kFormat = "%Y-%m-%dT%H:%M:%E6SZ";
  if (at > now) {
    return absl::OutOfRangeError(absl::StrCat(field, ": ", absl::FormatTime(kFormat, at, utc),
                                              " is in the future; the server's time is ",
                                              absl::FormatTime(kFormat, now, utc)));
  }
  // Commit times are in microseconds: everything committed at or before `at` comes before the first revision after.
  absl::StatusOr<int64_t> after = store_.FirstRevisionAtOrAfter(at + absl::Microseconds(1));
  if (!after.ok()) return after.status();
  const int64_t revision = *after - 1;
  const int64_t compacted = store_.compacted_revision();
  // The time of the oldest retained revision, for the messages below.
  auto first_time = [&]() -> std::string {
    absl::StatusOr<state::RecordPtr> first = RecordFromLog(compacted + 1);
    if (!first.ok() || *first == nullptr) return "";
    return absl::StrCat(" (committed at ",
                        absl::FormatTime(kFormat, FromProtoTime((*first)->record.update_time()), utc), ")");
  };
  if (revision == 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", absl::FormatTime(kFormat, at, utc),
                                                   " is before the first revision", first_time(),
                                                   "; there was no picture yet"));
  }
  // Every retained revision is later than `at`: the picture then was at or before the compacted revision, whose
  // history is gone, so which one cannot be told.
  if (revision <= compacted) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": ", absl::FormatTime(kFormat, at, utc), " is before the retained log: the history up to revision ",
        compacted, " was compacted away; the oldest moment that can be shown is revision ", compacted + 1,
        first_time()));
  }
  return revision;
}

absl::StatusOr<std::unique_ptr<state::Picture>> Reader::PictureAt(int64_t revision, absl::string_view field,
                                                                  absl::Span<const std::string> prefixes) const {
  if (revision <= 0) return absl::InvalidArgumentError(absl::StrCat(field, ": ", revision, " is not a revision"));
  auto wanted = [&](std::string_view name) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](const std::string& prefix) { return name.starts_with(prefix); });
  };
  // One snapshot of the whole live picture, so that all prefixes are read at the same revision.
  state::Picture::Snapshot latest = picture_.TakePrefix("", "", 0);
  if (revision == latest.revision) {
    std::erase_if(latest.records, [&](const state::RecordPtr& stored) { return !wanted(stored->record.name()); });
    return state::Picture::FromRecords(latest.records, revision);
  }
  if (absl::Status readable = CheckReadableRevision(revision, latest.revision, field); !readable.ok()) return readable;
  auto too_large = [&](absl::string_view what, size_t limit, absl::string_view setting) {
    return absl::ResourceExhaustedError(absl::StrCat(field, ": the picture at revision ", revision, " is more than ",
                                                     limit, " ", what, " to read from the store (the server's ",
                                                     setting, "); the live picture is read from memory"));
  };
  // The names first (the key index only), so a picture over the limit is refused before its records are read.
  std::vector<int64_t> changes;
  for (const std::string& prefix : prefixes) {
    absl::Status walked = store_.ForEachNameAt(prefix, "", revision, [&](std::string_view name, int64_t changed) {
      // A name under two of the prefixes is read once, from the shortest.
      if (std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& other) {
            return other.size() < prefix.size() && name.starts_with(other);
          })) {
        return true;
      }
      changes.push_back(changed);
      return changes.size() <= limits_.max_picture_records;
    });
    if (!walked.ok()) return walked;
    if (changes.size() > limits_.max_picture_records) {
      return too_large("records", limits_.max_picture_records, "limits.max_records_per_picture");
    }
  }
  std::vector<state::RecordPtr> records;
  records.reserve(changes.size());
  size_t bytes = 0;
  for (const int64_t changed : changes) {
    absl::StatusOr<state::RecordPtr> record = RecordFromLog(changed);
    if (!record.ok()) return record.status();
    if (*record == nullptr) continue;
    bytes += (*record)->wire.size();
    if (bytes > limits_.max_picture_bytes) {
      return too_large("bytes", limits_.max_picture_bytes, "limits.max_bytes_per_picture");
    }
    records.push_back(*std::move(record));
  }
  return state::Picture::FromRecords(records, revision);
}

absl::StatusOr<absl::Time> Reader::CommitTimeOf(int64_t revision, absl::string_view field) const {
  if (revision <= 0) return absl::InvalidArgumentError(absl::StrCat(field, ": ", revision, " is not a revision"));
  if (absl::Status readable = CheckReadableRevision(revision, picture_.revision(), field); !readable.ok()) {
    return readable;
  }
  absl::StatusOr<std::string> bytes = store_.ReadEvent(revision);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<state::EventPtr> event = state::ParseEvent(*std::move(bytes), absl::StrCat("log entry ", revision));
  if (!event.ok()) return event.status();
  return FromProtoTime((*event)->event.commit_time());
}

absl::StatusOr<state::RecordPtr> Reader::RecordAt(absl::string_view name, int64_t revision) const {
  absl::StatusOr<std::optional<int64_t>> changed =
      store_.LastChangeAtOrBefore(std::string_view(name.data(), name.size()), revision);
  if (!changed.ok()) return changed.status();
  if (!changed->has_value()) return nullptr;
  return RecordFromLog(**changed);
}

absl::StatusOr<state::RecordPtr> Reader::RecordFromLog(int64_t revision) const {
  absl::StatusOr<std::string> bytes = store_.ReadEvent(revision);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<state::EventPtr> event = state::ParseEvent(*std::move(bytes), absl::StrCat("log entry ", revision));
  if (!event.ok()) return event.status();
  if ((*event)->event.type() == ketenbeeld::v1::EVENT_TYPE_DELETE) return nullptr;
  return state::MakeRecord((*event)->event.record());
}

absl::Status Reader::Get(const ketenbeeld::v1::GetRequest& request, ketenbeeld::v1::GetResponse& response) const {
  if (absl::StatusOr<domain::ParsedName> name = domain::ParseName(request.name(), "name"); !name.ok()) {
    return name.status();
  }
  if (absl::Status status = CheckNonNegative(request.revision(), "revision"); !status.ok()) return status;

  auto [record, latest] = picture_.FindWithRevision(request.name());
  int64_t read_at = latest;
  if (request.revision() != 0 && request.revision() != latest) {
    if (absl::Status status = CheckReadableRevision(request.revision(), latest, "revision"); !status.ok()) {
      return status;
    }
    read_at = request.revision();
    absl::StatusOr<state::RecordPtr> past = RecordAt(request.name(), read_at);
    if (!past.ok()) return past.status();
    record = *std::move(past);
  }
  if (record == nullptr) {
    return absl::NotFoundError(absl::StrCat("name: ", request.name(), " does not exist at revision ", read_at));
  }
  *response.mutable_record() = record->record;
  response.set_revision(read_at);
  return absl::OkStatus();
}

absl::Status Reader::List(const ketenbeeld::v1::ListRequest& request, ketenbeeld::v1::ListResponse& response) const {
  if (absl::Status status = domain::ValidateFilter(request.filter(), "filter"); !status.ok()) return status;
  if (absl::Status status = CheckNonNegative(request.revision(), "revision"); !status.ok()) return status;
  absl::StatusOr<int> page_size = PageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  PageToken token{.revision = request.revision(), .after = {}};
  if (!request.page_token().empty()) {
    absl::StatusOr<PageToken> decoded = DecodePageToken(request.page_token());
    if (!decoded.ok()) return decoded.status();
    if (request.revision() != 0 && request.revision() != decoded->revision) {
      return absl::InvalidArgumentError(absl::StrCat("revision: ", request.revision(),
                                                     " differs from the page token's revision ", decoded->revision));
    }
    token = *std::move(decoded);
  }
  const domain::CompiledFilter filter(request.filter());
  const size_t limit = static_cast<size_t>(*page_size);
  // Set when the scan limit ended a read at a past revision before the page was full: the last name scanned.
  std::string scan_stopped_after;

  // One more than the page, to know whether another page follows.
  std::vector<state::RecordPtr> records;
  state::Picture::Snapshot latest = picture_.Take(filter, token.after, limit + 1);
  int64_t read_at = latest.revision;
  if (token.revision == 0 || token.revision == latest.revision) {
    records = std::move(latest.records);
  } else {
    if (absl::Status status = CheckReadableRevision(token.revision, latest.revision, "revision"); !status.ok()) {
      return status;
    }
    read_at = token.revision;
    // Names are collected in batches and read after each scan, so no store call runs inside another.
    constexpr size_t kNameBatch = 256;
    std::string after = token.after;
    size_t scanned_records = 0;
    size_t scanned_bytes = 0;
    bool done = false;
    while (!done && records.size() <= limit) {
      std::vector<std::pair<std::string, int64_t>> batch;
      absl::Status status = store_.ForEachNameAt("", after, read_at, [&](std::string_view name, int64_t revision) {
        batch.emplace_back(std::string(name), revision);
        return batch.size() < kNameBatch;
      });
      if (!status.ok()) return status;
      for (const auto& [name, revision] : batch) {
        if (scanned_records >= limits_.max_records || scanned_bytes >= limits_.max_bytes) {
          // More names follow: continue after the last one scanned (its record, if it matched, is in `records`).
          scan_stopped_after = after;
          done = true;
          break;
        }
        absl::StatusOr<state::RecordPtr> record = RecordFromLog(revision);
        if (!record.ok()) return record.status();
        ++scanned_records;
        after = name;
        if (*record == nullptr) continue;
        scanned_bytes += (*record)->wire.size();
        if (filter.Matches((*record)->record)) records.push_back(*std::move(record));
        if (records.size() > limit) {
          done = true;
          break;
        }
      }
      if (batch.size() < kNameBatch) break;
    }
  }

  size_t bytes = 0;
  size_t taken = 0;
  for (; taken < records.size() && taken < limit && bytes < kMaxResponseBytes; ++taken) {
    bytes += records[taken]->wire.size();
    *response.add_records() = records[taken]->record;
  }
  if (taken < records.size()) {
    response.set_next_page_token(EncodePageToken(read_at, records[taken - 1]->record.name()));
  } else if (!scan_stopped_after.empty()) {
    response.set_next_page_token(EncodePageToken(read_at, scan_stopped_after));
  }
  response.set_revision(read_at);
  return absl::OkStatus();
}

absl::Status Reader::History(const ketenbeeld::v1::HistoryRequest& request,
                             ketenbeeld::v1::HistoryResponse& response) const {
  if (absl::Status status = domain::ValidateFilter(request.filter(), "filter"); !status.ok()) return status;
  if (absl::Status status = CheckNonNegative(request.from_revision(), "from_revision"); !status.ok()) return status;
  if (absl::Status status = CheckNonNegative(request.to_revision(), "to_revision"); !status.ok()) return status;
  absl::StatusOr<int> page_size = PageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  for (const auto& [field, timestamp] :
       {std::pair{"from_time", &request.from_time()}, std::pair{"to_time", &request.to_time()}}) {
    if (timestamp->seconds() < TimeUtil::kTimestampMinSeconds ||
        timestamp->seconds() > TimeUtil::kTimestampMaxSeconds || timestamp->nanos() < 0 ||
        timestamp->nanos() > 999'999'999) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": not a valid timestamp"));
    }
  }
  // An empty range asked for explicitly is a mistake of the caller, not "nothing happened".
  if (request.from_revision() != 0 && request.to_revision() != 0 && request.from_revision() > request.to_revision()) {
    return absl::InvalidArgumentError(
        absl::StrCat("to_revision: ", request.to_revision(), " is before from_revision ", request.from_revision()));
  }
  if (request.has_from_time() && request.has_to_time() &&
      FromProtoTime(request.from_time()) > FromProtoTime(request.to_time())) {
    return absl::InvalidArgumentError("to_time: before from_time");
  }

  const int64_t latest = picture_.revision();
  const int64_t compacted = store_.compacted_revision();
  response.set_revision(latest);
  int64_t from = request.from_revision() == 0 ? compacted + 1 : request.from_revision();
  int64_t to = request.to_revision() == 0 ? latest : std::min(request.to_revision(), latest);
  if (from <= compacted) {
    return absl::FailedPreconditionError(absl::StrCat("from_revision: revisions up to ", compacted,
                                                      " are no longer retained; start at ", compacted + 1));
  }
  if (from > latest + 1) {
    return absl::OutOfRangeError(
        absl::StrCat("from_revision: ", from, " is ahead of the server's latest revision ", latest));
  }
  if (request.has_from_time()) {
    absl::StatusOr<int64_t> first = store_.FirstRevisionAtOrAfter(FromProtoTime(request.from_time()));
    if (!first.ok()) return first.status();
    from = std::max(from, *first);
  }
  if (request.has_to_time()) {
    absl::StatusOr<int64_t> after =
        store_.FirstRevisionAtOrAfter(FromProtoTime(request.to_time()) + absl::Microseconds(1));
    if (!after.ok()) return after.status();
    to = std::min(to, *after - 1);
  }

  const domain::CompiledFilter filter(request.filter());
  size_t bytes = 0;
  // Scanning is bounded too (ScanLimits), so a narrow filter over a long log answers promptly with a continuation
  // point, possibly with no events.
  size_t scanned_bytes = 0;
  size_t scanned_records = 0;
  auto full = [&] {
    return response.events_size() >= *page_size || bytes >= kMaxResponseBytes || scanned_bytes >= limits_.max_bytes ||
           scanned_records >= limits_.max_records;
  };
  int64_t next = from;
  while (next <= to) {
    if (full()) {
      response.set_next_from_revision(next);
      break;
    }
    absl::StatusOr<std::vector<storage::StoredEvent>> stored =
        store_.ReadLog(next, to, std::min(size_t{1} << 20, limits_.max_bytes - scanned_bytes));
    if (!stored.ok()) return stored.status();
    if (stored->empty()) break;
    for (storage::StoredEvent& entry : *stored) {
      if (full()) break;
      ++scanned_records;
      scanned_bytes += entry.event_bytes.size();
      next = entry.revision + 1;
      ketenbeeld::v1::Event event;
      if (!event.ParseFromString(entry.event_bytes)) {
        return absl::DataLossError(absl::StrCat("log entry ", entry.revision, ": stored event does not parse"));
      }
      if (!filter.Matches(event)) continue;
      bytes += entry.event_bytes.size();
      *response.add_events() = std::move(event);
    }
  }
  return absl::OkStatus();
}

}  // namespace ketenbeeld::queries
