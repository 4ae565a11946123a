#include "server/pipeline/picture_clock.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/observability/log.h"

namespace ketenbeeld::pipeline {
namespace {

// Larger than any duration written by hand: a file this long is not an offset file.
constexpr size_t kMaxFileBytes = 256;

absl::Status FileError(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(kClockOffsetFlag, " ", path, ": ", what));
}

}  // namespace

absl::StatusOr<absl::Duration> ParseClockOffset(absl::string_view text, absl::string_view path) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  constexpr absl::string_view kExpected = "expected a duration such as 0s, 12h or 90m";
  if (trimmed.empty()) return FileError(path, absl::StrCat("empty; ", kExpected));
  absl::Duration offset;
  if (!absl::ParseDuration(trimmed, &offset)) {
    return FileError(path, absl::StrCat("\"", trimmed, "\" is not a duration; ", kExpected));
  }
  if (offset == absl::InfiniteDuration() || offset == -absl::InfiniteDuration()) {
    return FileError(path, absl::StrCat("\"", trimmed, "\": the offset must be finite"));
  }
  if (offset < absl::ZeroDuration()) {
    return FileError(path, absl::StrCat("\"", trimmed,
                                        "\": the offset must not be negative (the clock only moves "
                                        "forward)"));
  }
  return offset;
}

absl::StatusOr<absl::Duration> ReadClockOffsetFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileError(path, "cannot be read");
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return FileError(path, "cannot be read");
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes) return FileError(path, absl::StrCat("longer than ", kMaxFileBytes, " bytes"));
  return ParseClockOffset(text, path);
}

absl::StatusOr<std::unique_ptr<PictureClock>> PictureClock::FromOffsetFile(std::string path, Options options) {
  absl::StatusOr<absl::Duration> offset = ReadClockOffsetFile(path);
  if (!offset.ok()) return offset.status();
  observability::LogWarning("clock_offset",
                            {{"path", path},
                             {"offset", absl::FormatDuration(*offset)},
                             {"note", "development: picture time is the wall clock plus this file's offset"}});
  return std::unique_ptr<PictureClock>(new PictureClock(std::move(path), std::move(options), *offset));
}

PictureClock::PictureClock(std::string path, Options options, absl::Duration offset)
    : path_(std::move(path)), options_(std::move(options)) {
  absl::MutexLock lock(&mu_);
  offset_ = offset;
  next_check_ = options_.wall() + options_.check_interval;
}

absl::Time PictureClock::Now() const {
  const absl::Time wall_now = options_.wall();
  if (path_.empty()) return wall_now;
  absl::MutexLock lock(&mu_);
  ReadIfDue(wall_now);
  return wall_now + offset_;
}

absl::Duration PictureClock::offset() const {
  absl::MutexLock lock(&mu_);
  return offset_;
}

void PictureClock::ReadIfDue(absl::Time wall_now) const {
  if (wall_now < next_check_) return;
  next_check_ = wall_now + options_.check_interval;
  absl::StatusOr<absl::Duration> read = ReadClockOffsetFile(path_);
  if (!read.ok()) {
    if (read.status().message() != last_complaint_) {
      last_complaint_ = std::string(read.status().message());
      observability::LogError("clock_offset_unreadable",
                              {{"error", last_complaint_}, {"keeping", absl::FormatDuration(offset_)}});
    }
    return;
  }
  if (*read < offset_) {
    const std::string complaint = absl::StrCat("smaller:", absl::FormatDuration(*read));
    if (complaint != last_complaint_) {
      last_complaint_ = complaint;
      observability::LogWarning("clock_offset_ignored", {{"path", path_},
                                                         {"offset", absl::FormatDuration(*read)},
                                                         {"keeping", absl::FormatDuration(offset_)},
                                                         {"reason", "the picture clock only moves forward"}});
    }
    return;
  }
  if (*read == offset_) return;
  observability::LogInfo("clock_offset_moved",
                         {{"from", absl::FormatDuration(offset_)}, {"to", absl::FormatDuration(*read)}});
  offset_ = *read;
  last_complaint_.clear();
}

}  // namespace ketenbeeld::pipeline
