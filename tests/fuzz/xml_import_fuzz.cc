// libFuzzer targets cap_import_fuzz and have_import_fuzz (this file, built twice): arbitrary bytes as a CAP message or
// an EDXL-HAVE document must never crash the importer (server/interop): the safe parser, the schema validation, the
// conversion and the domain validation behind it. Every refusal is INVALID_ARGUMENT naming the format ("cap: ...",
// "have: ..."); anything else is a defect. Two targets rather than one, so that each gets the coverage feedback of
// its own format.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "server/interop/cap.h"
#include "server/interop/have.h"

namespace {

void Check(const absl::Status& status, absl::string_view prefix) {
  if (status.ok()) return;
  if (status.code() != absl::StatusCode::kInvalidArgument) __builtin_trap();
  if (!absl::StartsWith(status.message(), prefix)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
#if defined(KETENBEELD_FUZZ_CAP)
  Check(ketenbeeld::interop::CapToAlert(input).status(), "cap: ");
#else
  Check(ketenbeeld::interop::HaveToStatus(input).status(), "have: ");
#endif
  return 0;
}
