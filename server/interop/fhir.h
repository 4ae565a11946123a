// FHIR R4 (4.0.1) resources for partners' systems, the HL7 SANER way (Situational Awareness for Novel Epidemic
// Response): the capacity picture as a `MeasureReport` (one organisation's, from its status report; or one safety
// region's, from the capacity overview), and the registry as `Organization` and `Location` resources with the
// standard identifiers. docs/interoperability.md ("FHIR R4") has the field mappings, the codes and systems, and what
// has no equivalent.
//
// JSON only (application/fhir+json), written deterministically: the same input gives byte-identical output (keys in
// a fixed order, arrays in the input's order or sorted, times in UTC to the second, two-space indentation and a final
// newline). Export only: nothing here reads a FHIR document.
//
// Pure conversions over the API's messages, like the CAP and HAVE ones: what a reader may see (withheld figures, the
// minimum group size of the overview) is decided before, by the reads these are given.
//
// Thread safety: pure functions; may be called concurrently.
#ifndef KETENBEELD_SERVER_INTEROP_FHIR_H_
#define KETENBEELD_SERVER_INTEROP_FHIR_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "ketenbeeld/v1/status.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"

namespace ketenbeeld::interop {

inline constexpr absl::string_view kFhirContentType = "application/fhir+json";

// The identifier systems of the Dutch national registers (Nictiz NamingSystems) and Ketenbeeld's own for what has no
// published one.
inline constexpr absl::string_view kFhirAgbSystem = "http://fhir.nl/fhir/NamingSystem/agb-z";
inline constexpr absl::string_view kFhirUraSystem = "http://fhir.nl/fhir/NamingSystem/ura";
inline constexpr absl::string_view kFhirKvkBranchSystem = "urn:ketenbeeld:fhir:NamingSystem:kvk-vestigingsnummer";
inline constexpr absl::string_view kFhirLrzaSystem = "urn:ketenbeeld:fhir:NamingSystem:lrza";
inline constexpr absl::string_view kFhirSafetyRegionSystem = "urn:ketenbeeld:fhir:NamingSystem:veiligheidsregio";

// The canonical URL of the measure every MeasureReport reports on: Ketenbeeld's capacity measure, whose bed group and
// its ICU populations are SANER's (MeasureGroupSystem "Beds", MeasurePopulationSystem numICUBeds, numICUBedsOcc).
inline constexpr absl::string_view kFhirCapacityMeasure = "urn:ketenbeeld:fhir:Measure:capacity";

// "urn:ketenbeeld:VR10:organization": the system of organisation ids, which are unique within one safety region.
std::string FhirOrganizationIdSystem(absl::string_view safety_region);
// "urn:ketenbeeld:VR10:location": the system of site identifiers "<organisation id>/<location id>".
std::string FhirLocationIdSystem(absl::string_view safety_region);

// The Location resource id of a site: "<organisation id>.<location id>" (neither may hold a '.'), or, when that is
// longer than FHIR's 64 characters, its first 47 characters, '-' and 16 hex digits of a stable hash (FNV-1a 64) of
// both ids.
std::string FhirLocationId(absl::string_view organization_id, absl::string_view location_id);

// The Organization resource of a registry entry. INVALID_ARGUMENT when the organisation has no id or region.
absl::StatusOr<std::string> OrganizationToFhir(const ketenbeeld::v1::Organization& organization);

// The Location resource of the site `location_id` of `organization`. NOT_FOUND naming location_id when the
// organisation has no such site.
absl::StatusOr<std::string> LocationToFhir(const ketenbeeld::v1::Organization& organization,
                                           absl::string_view location_id);

// One organisation's MeasureReport (id: the organisation id) from its organisation-level status report as the reader
// got it: beds by type (SANER's "Beds" group with the ICU sums, stratified by bed type) and supplies. The service
// layer gives the report with its beds counted as the capacity overview counts them (its sites' reports summed when it
// has any, the beds reservations hold taken off: queries/beds.h CountedCapacity), so that the figures are the
// overview's. A report whose detail was withheld from the reader (detail_withheld) gives every figure as absent with
// data-absent-reason "masked"; a figure not reported is absent with "unknown" (not reported is not zero).
// INVALID_ARGUMENT when the report is not the organisation's or has no commit time.
absl::StatusOr<std::string> OrganizationMeasureReport(const ketenbeeld::v1::Organization& organization,
                                                      const ketenbeeld::v1::StatusReport& report);

// One safety region's MeasureReport (id: the region code, "VR10") from the capacity overview as the reader got it
// (its totals of that region only, by sector and bed type; sums withheld for the minimum group size are absent with
// data-absent-reason "masked"). INVALID_ARGUMENT when the overview has no computed_at.
absl::StatusOr<std::string> RegionMeasureReport(absl::string_view safety_region,
                                                const ketenbeeld::v1::CapacityOverview& overview);

}  // namespace ketenbeeld::interop

#endif  // KETENBEELD_SERVER_INTEROP_FHIR_H_
