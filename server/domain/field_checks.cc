#include "server/domain/field_checks.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"

namespace ketenbeeld::domain::checks {
namespace {

// Decodes one UTF-8 sequence at `text[pos]`. Returns its length in bytes and sets `code_point`, or returns 0 for an
// invalid sequence (truncated, overlong, surrogate, beyond U+10FFFF).
size_t DecodeUtf8(absl::string_view text, size_t pos, uint32_t& code_point) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(pos);
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  size_t length;
  uint32_t min_code_point;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1F, min_code_point = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0F, min_code_point = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07, min_code_point = 0x10000;
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(pos + i) & 0x3F);
  }
  if (code_point < min_code_point || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

// True when all 8 bytes at `bytes` are printable ASCII (0x20..0x7E), tested as one 64-bit word: no byte has its top
// bit set (not ASCII), none is below 0x20 (a control character) and none is 0x7F (DEL).
bool IsPrintableAscii8(const char* bytes) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHighBits = 0x8080808080808080;
  uint64_t word;
  std::memcpy(&word, bytes, sizeof(word));
  if ((word & kHighBits) != 0) return false;
  // With every byte < 0x80, (byte - n) borrows into the byte's top bit exactly when byte < n.
  const bool has_control = ((word - 0x20 * kOnes) & kHighBits) != 0;
  const uint64_t del_xor = word ^ (0x7F * kOnes);  // Zero bytes where the input byte is DEL.
  const bool has_del = ((del_xor - kOnes) & ~del_xor & kHighBits) != 0;
  return !has_control && !has_del;
}

}  // namespace

std::string Quote(absl::string_view value) {
  if (value.size() <= kMaxQuotedBytes) return absl::StrCat("\"", absl::CHexEscape(value), "\"");
  return absl::StrCat("\"", absl::CHexEscape(value.substr(0, kMaxQuotedBytes)), "\"...");
}

std::string IdProblem(absl::string_view id) {
  if (id.empty()) return "required";
  if (id.size() > static_cast<size_t>(kMaxIdLength)) {
    return absl::StrCat("must be at most ", kMaxIdLength, " characters, got ", id.size());
  }
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return absl::StrCat("must contain only lowercase letters a-z, digits and '-', got ", Quote(id));
    }
  }
  if (id.front() == '-' || id.back() == '-') return absl::StrCat("must not start or end with '-', got ", Quote(id));
  return {};
}

absl::Status CheckId(absl::string_view id, const FieldPath& path) {
  if (std::string problem = IdProblem(id); !problem.empty()) return Invalid(path, problem);
  return absl::OkStatus();
}

absl::Status CheckOptionalId(absl::string_view id, const FieldPath& path) {
  return id.empty() ? absl::OkStatus() : CheckId(id, path);
}

absl::Status CheckDigits(absl::string_view value, int min_digits, int max_digits, const FieldPath& path) {
  if (value.empty()) return absl::OkStatus();
  const bool digits_only = std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  const int length = static_cast<int>(value.size());
  if (digits_only && length >= min_digits && length <= max_digits) return absl::OkStatus();
  const std::string expected =
      min_digits == max_digits ? absl::StrCat("exactly ", min_digits) : absl::StrCat(min_digits, " to ", max_digits);
  return Invalid(path, "must be ", expected, " digits 0-9 (no spaces, dots or letters), got ", Quote(value));
}

absl::Status CheckText(absl::string_view text, const FieldPath& path, const TextRule& rule) {
  if (text.empty()) {
    return rule.min_chars > 0 ? Invalid(path, "required") : absl::OkStatus();
  }
  int chars = 0;
  for (size_t pos = 0; pos < text.size();) {
    // Most text is printable ASCII: take 8 such bytes (8 characters) at a time. Anything else in the word (a control
    // character, DEL, a UTF-8 sequence) goes through the decoder below, one code point at a time.
    if (text.size() - pos >= 8 && IsPrintableAscii8(text.data() + pos)) {
      pos += 8;
      chars += 8;
      continue;
    }
    uint32_t code_point = 0;
    const size_t length = DecodeUtf8(text, pos, code_point);
    if (length == 0) return Invalid(path, "is not valid UTF-8 (at byte ", pos, ")");
    const bool allowed_control = rule.multiline && (code_point == '\n' || code_point == '\r' || code_point == '\t');
    if ((code_point < 0x20 && !allowed_control) || code_point == 0x7F) {
      return Invalid(path, absl::StrFormat("must not contain control characters, got U+%04X at character %d",
                                           code_point, chars + 1));
    }
    pos += length;
    ++chars;
  }
  if (chars < rule.min_chars) return Invalid(path, "must be at least ", rule.min_chars, " characters, got ", chars);
  if (chars > rule.max_chars) return Invalid(path, "must be at most ", rule.max_chars, " characters, got ", chars);
  return absl::OkStatus();
}

absl::Status CheckCount(bool present, int32_t value, const FieldPath& path) {
  if (!present || (value >= 0 && value <= kMaxCount)) return absl::OkStatus();
  return Invalid(path, "must be between 0 and ", kMaxCount, ", got ", value);
}

absl::Status CheckNonNegative(bool present, double value, const FieldPath& path) {
  if (!present) return absl::OkStatus();
  if (!std::isfinite(value)) return Invalid(path, "must be a finite number, got ", value);
  if (value < 0) return Invalid(path, "must be >= 0, got ", value);
  return absl::OkStatus();
}

absl::Status CheckInRange(double value, double min, double max, const FieldPath& path) {
  if (!std::isfinite(value)) return Invalid(path, "must be a finite number, got ", value);
  if (value < min || value > max) return Invalid(path, "must be between ", min, " and ", max, ", got ", value);
  return absl::OkStatus();
}

absl::Status CheckTimestamp(bool present, const Timestamp& timestamp, const FieldPath& path) {
  if (!present) return absl::OkStatus();
  if (timestamp.seconds() < kMinTimestampSeconds || timestamp.seconds() > kMaxTimestampSeconds) {
    return Invalid(path.Field("seconds"), "must be between ", kMinTimestampSeconds, " (0001-01-01) and ",
                   kMaxTimestampSeconds, " (9999-12-31), got ", timestamp.seconds());
  }
  if (timestamp.nanos() < 0 || timestamp.nanos() > kMaxNanos) {
    return Invalid(path.Field("nanos"), "must be between 0 and ", kMaxNanos, ", got ", timestamp.nanos());
  }
  return absl::OkStatus();
}

bool Before(const Timestamp& a, const Timestamp& b) {
  return a.seconds() < b.seconds() || (a.seconds() == b.seconds() && a.nanos() < b.nanos());
}

bool IsSafetyRegion(absl::string_view code) {
  if (code.size() != 4 || code.substr(0, 2) != "VR") return false;
  if (code[2] < '0' || code[2] > '9' || code[3] < '0' || code[3] > '9') return false;
  const int number = (code[2] - '0') * 10 + (code[3] - '0');
  return number >= 1 && number <= 25;
}

absl::Status CheckSafetyRegion(absl::string_view code, const FieldPath& path, Presence presence) {
  if (code.empty() && presence == Presence::kRequired) return Invalid(path, "required");
  if (!IsSafetyRegion(code)) return Invalid(path, "must be VR01..VR25, got ", Quote(code));
  return absl::OkStatus();
}

}  // namespace ketenbeeld::domain::checks
