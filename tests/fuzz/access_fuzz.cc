// libFuzzer target: the hostile input of the access layer must never crash it or leak figures.
//
// - The "authorization" value every caller controls, before it is authenticated (security::BearerToken), and the
//   tokens file parser (security::TokenTable::Parse), which must reject anything malformed with a located error.
// - Graduated visibility on arbitrary records and events (policy::Redact, policy::WireFor): for a reader without
//   detailed visibility, the redacted form must parse back and hold no capacity, staffing, supplies, free text or
//   reporter of another organisation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "server/policy/visibility.h"
#include "server/security/tokens.h"
#include "server/state/records.h"

namespace {

using ketenbeeld::v1::Record;
using ketenbeeld::v1::StatusReport;

bool HoldsDetail(const StatusReport& report) {
  return report.capacity_size() > 0 || report.has_staffing() || report.supplies_size() > 0 ||
         !report.free_text().empty() || report.has_reporter();
}

// A reader that sees only its own organisation's figures ("org-fuzz").
const ketenbeeld::policy::Viewer& Institution() {
  static const auto* viewer = new ketenbeeld::policy::Viewer(ketenbeeld::policy::Viewer::For(
      ketenbeeld::security::Identity{.organization_id = "org-fuzz",
                                     .role = ketenbeeld::v1::ROLE_INSTITUTION,
                                     .subject = "token:fuzz",
                                     .credential = ketenbeeld::security::Credential::kToken}));
  return *viewer;
}

void CheckRedactedRecord(const Record& record) {
  const absl::string_view owner = ketenbeeld::policy::DetailOwner(record);
  if (owner.empty() || owner == "org-fuzz") return;
  if (!record.status_report().detail_withheld() || HoldsDetail(record.status_report())) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  // Authentication input.
  auto token = ketenbeeld::security::BearerToken(text);
  if (token.ok() && token->empty()) __builtin_trap();  // An empty token is never a credential.
  auto table = ketenbeeld::security::TokenTable::Parse(text, "fuzz");
  if (!table.ok() && table.status().message().substr(0, 5) != "fuzz:") __builtin_trap();  // Located errors only.
  if (table.ok() && token.ok()) (void)table->Find(*token);

  // Redaction of records and events.
  Record record;
  if (record.ParseFromArray(data, static_cast<int>(size))) {
    const ketenbeeld::state::RecordPtr shared = ketenbeeld::state::MakeRecord(record);
    Record parsed;
    if (!parsed.ParseFromString(ketenbeeld::policy::WireFor(Institution(), *shared))) __builtin_trap();
    CheckRedactedRecord(parsed);
    ketenbeeld::policy::Redact(Institution(), record);
    CheckRedactedRecord(record);
  }
  ketenbeeld::v1::Event event;
  if (event.ParseFromArray(data, static_cast<int>(size))) {
    const ketenbeeld::state::EventPtr shared = ketenbeeld::state::MakeEvent(event);
    ketenbeeld::v1::Event parsed;
    if (!parsed.ParseFromString(ketenbeeld::policy::WireFor(Institution(), *shared))) __builtin_trap();
    CheckRedactedRecord(parsed.record());
  }
  return 0;
}
