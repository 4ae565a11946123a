// EDXL-HAVE 2.0 (OASIS Hospital AVailability Exchange) for status reports: an organisation's status, or a region's, as
// a HAVE document, and a HAVE document from a hospital's own system (or an LPZ-style feed) read as a status report.
// The elements are those of Ketenbeeld's HAVE 2.0 profile (standards/ketenbeeld-have-2.0-profile.xsd);
// docs/interoperability.md has the mapping, the bed types, and what has no equivalent either way.
//
// Pure conversions over the API's messages: who may export or import, and the write itself, are the service layer's.
//
// Thread safety: pure functions; may be called concurrently.
#ifndef KETENBEELD_SERVER_INTEROP_HAVE_H_
#define KETENBEELD_SERVER_INTEROP_HAVE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "ketenbeeld/v1/status.pb.h"

namespace ketenbeeld::interop {

inline constexpr absl::string_view kHaveNamespace = "urn:oasis:names:tc:emergency:edxl:have:2.0";

// The HAVE bed type of each of ours, or nullopt for a type HAVE has none for (we then write Ketenbeeld's own value,
// see HaveBedTypeWord()).
std::optional<absl::string_view> HaveStandardBedType(ketenbeeld::v1::BedType type);
// The <bedType> word written for `type`: HAVE's own, or Ketenbeeld's extension value.
absl::string_view HaveBedTypeWord(ketenbeeld::v1::BedType type);

// One facility of a HAVE document: an organisation and its status report (organisation level, not per location).
struct HaveFacility {
  const ketenbeeld::v1::Organization* organization = nullptr;  // Required.
  const ketenbeeld::v1::StatusReport* report = nullptr;        // Required.
};

// The HAVE document of `facilities` (in the order given; at least one). Valid against the HAVE profile (the tests
// check every document they write). A report whose detail was withheld from the reader (detail_withheld) is written
// without the figures it does not carry. INVALID_ARGUMENT when `facilities` is empty or an entry lacks its
// organisation or report.
absl::StatusOr<std::string> StatusToHave(absl::Span<const HaveFacility> facilities);

struct HaveImport {
  // The partial status report the document stands for: its update mask names exactly the parts HAVE carries and the
  // document gave (overall status always; capacity merged by type; the staffing level and comment, the emergency
  // department's state and reason, the crisis plan, the free text when present), so that an import never wipes
  // what the organisation reports in Ketenbeeld only (disruptions, supplies, occupied beds, ...). Passed
  // domain::ValidateReportStatusRequest.
  ketenbeeld::v1::ReportStatusRequest request;
  // What the document carried that has no place in a report, one line each: said, never dropped silently.
  std::vector<std::string> not_imported;
};

// Reads a HAVE document of exactly one facility: parsed safely (xml.h), validated against the HAVE profile, then
// converted. INVALID_ARGUMENT "have: <element path>: ..." for malformed XML, a schema violation, more than one
// facility (an import is one organisation's report, written whole or not at all), a bed type that is unknown or has
// no equivalent (naming the element and the value), a bed type given twice (also through two HAVE types that map to
// one of ours), or a report that domain validation refuses.
absl::StatusOr<HaveImport> HaveToStatus(absl::string_view document);

}  // namespace ketenbeeld::interop

#endif  // KETENBEELD_SERVER_INTEROP_HAVE_H_
