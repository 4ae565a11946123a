#include "server/interop/have.h"

#include <array>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "server/domain/status_update.h"
#include "server/interop/schemas.h"
#include "server/interop/words.h"
#include "server/interop/xml.h"

namespace ketenbeeld::interop {
namespace {

namespace v1 = ketenbeeld::v1;
using xml::Child;
using xml::Children;
using xml::ChildText;
using xml::PathOf;
using xml::Text;

constexpr absl::string_view kHaveNs = kHaveNamespace;

// Our bed types and HAVE's (EDXL-HAVE's BedType list). `standard` false: HAVE has no such type, and Ketenbeeld writes
// (and reads back) its own extension value.
struct BedTypeWord {
  v1::BedType type;
  absl::string_view word;
  bool standard;
};
constexpr std::array<BedTypeWord, 16> kBedTypes = {{
    {v1::BED_TYPE_IC_ADULT, "AdultICU", true},
    {v1::BED_TYPE_IC_PAEDIATRIC, "PediatricICU", true},
    {v1::BED_TYPE_IC_NEONATAL, "NeonatalICU", true},
    {v1::BED_TYPE_EMERGENCY_DEPARTMENT, "EmergencyDepartment", true},
    {v1::BED_TYPE_GENERAL_WARD, "MedicalSurgical", true},
    {v1::BED_TYPE_PAEDIATRIC_WARD, "Pediatrics", true},
    {v1::BED_TYPE_BURNS, "Burn", true},
    {v1::BED_TYPE_ISOLATION, "OtherIsolation", true},
    {v1::BED_TYPE_PSYCHIATRIC, "AdultPsychiatric", true},
    {v1::BED_TYPE_NURSING_HOME, "RehabLongTermCare", true},
    {v1::BED_TYPE_MEDIUM_CARE, "KetenbeeldMediumCare", false},
    {v1::BED_TYPE_CARDIAC_CARE, "KetenbeeldCardiacCare", false},
    {v1::BED_TYPE_MATERNITY, "KetenbeeldMaternity", false},
    {v1::BED_TYPE_GGZ_CRISIS, "KetenbeeldMentalHealthCrisis", false},
    {v1::BED_TYPE_SHORT_STAY, "KetenbeeldShortStay", false},
    {v1::BED_TYPE_DISABILITY_CARE, "KetenbeeldDisabilityCare", false},
}};
// HAVE types read as one of ours besides the one we write for it (two HAVE types may then meet in one report: the
// second is refused, see HaveToStatus).
struct BedTypeAlias {
  absl::string_view word;
  v1::BedType type;
};
constexpr std::array<BedTypeAlias, 2> kBedTypeAliases = {{
    {"NegativeFlowIsolation", v1::BED_TYPE_ISOLATION},
    {"PediatricPsychiatric", v1::BED_TYPE_PSYCHIATRIC},
}};
// HAVE types with nothing of ours to hold them.
constexpr std::array<absl::string_view, 2> kBedTypesWithoutEquivalent = {"NurseryBeds", "OperatingRooms"};

// Overall status as HAVE's facility colour: green (normal), yellow (strained), red (critical), black (closed).
constexpr std::array<absl::string_view, 6> kColours = {"Unknown", "Green", "Yellow", "Red", "Black", "Unknown"};
// Emergency department state as EMS traffic status (open, diversion, closed; not reported: not applicable).
constexpr std::array<absl::string_view, 4> kEmsTraffic = {"NotApplicable", "Normal", "Advisory", "Closed"};

absl::Status RefuseHave(const _xmlNode* node, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("have: ", PathOf(node), ": ", message));
}

std::string HaveTime(absl::Time time) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone()); }

// The count of element `name` under `parent` (the schema has checked it is 0..100000), or nullopt.
std::optional<int32_t> CountOf(const _xmlNode* parent, absl::string_view name) {
  std::optional<std::string> text = ChildText(parent, kHaveNs, name);
  int32_t count = 0;
  if (!text.has_value() || !absl::SimpleAtoi(*text, &count)) return std::nullopt;
  return count;
}

void WriteFacility(XmlWriter& writer, const HaveFacility& facility) {
  const v1::Organization& organization = *facility.organization;
  const v1::StatusReport& report = *facility.report;
  XmlWriter::Element element = writer.Add(writer.root(), "facility");
  XmlWriter::Element information = writer.Add(element, "facilityInformation");
  writer.Add(information, "facilityID", organization.id());
  if (!organization.name().empty()) writer.Add(information, "facilityName", organization.name());
  if (report.has_commit_time()) writer.Add(element, "lastUpdateTime", HaveTime(FromProtoTime(report.commit_time())));
  writer.Add(writer.Add(element, "facilityColourStatus"), "colourCode", WordOf(kColours, report.overall_status()));
  if (report.has_emergency_department() &&
      report.emergency_department().state() != v1::EMERGENCY_DEPARTMENT_STATE_UNSPECIFIED) {
    XmlWriter::Element traffic = writer.Add(writer.Add(element, "emergencyDepartmentStatus"), "emsTraffic");
    writer.Add(traffic, "emsTrafficStatus", WordOf(kEmsTraffic, report.emergency_department().state()));
    if (!report.emergency_department().reason().empty()) {
      writer.Add(traffic, "emsTrafficReason", report.emergency_department().reason());
    }
  }
  // HAVE's EOC status and EOC plan are both "the crisis organisation is active": our crisis plan.
  const absl::string_view eoc = report.crisis_plan_activated() ? "Active" : "Inactive";
  writer.Add(element, "eocStatus", eoc);
  writer.Add(element, "eocPlan", eoc);
  if (report.capacity_size() > 0) {
    XmlWriter::Element beds = writer.Add(element, "bedCapacityStatus");
    for (const v1::Capacity& capacity : report.capacity()) {
      XmlWriter::Element bed = writer.Add(beds, "bedCapacity");
      writer.Add(bed, "bedType", HaveBedTypeWord(capacity.type()));
      XmlWriter::Element counts = writer.Add(bed, "capacity");
      if (capacity.has_available()) {
        writer.Add(counts, "capacityStatus", capacity.available() > 0 ? "VacantAvailable" : "NotAvailable");
        writer.Add(counts, "availableCount", absl::StrCat(capacity.available()));
      }
      if (capacity.has_baseline()) writer.Add(counts, "baselineCount", absl::StrCat(capacity.baseline()));
      if (capacity.has_surge_24h()) {
        writer.Add(counts, "additionalCapacityCount24Hr", absl::StrCat(capacity.surge_24h()));
      }
      if (capacity.has_surge_72h()) {
        writer.Add(counts, "additionalCapacityCount72Hr", absl::StrCat(capacity.surge_72h()));
      }
    }
  }
  if (report.has_staffing() && report.staffing().level() != v1::STAFFING_LEVEL_UNSPECIFIED) {
    XmlWriter::Element staffing = writer.Add(writer.Add(element, "resourcesStatus"), "staffing");
    writer.Add(staffing, "staffingStatus",
               report.staffing().level() == v1::STAFFING_LEVEL_ADEQUATE ? "Adequate" : "Insufficient");
    if (!report.staffing().description().empty()) writer.Add(staffing, "comment", report.staffing().description());
  }
  if (!report.free_text().empty()) writer.Add(element, "comment", report.free_text());
}

// Our bed type for a HAVE <bedType> word, or the refusal naming the element and the value.
absl::StatusOr<v1::BedType> BedTypeOf(const _xmlNode* element) {
  const std::string word = Text(element);
  for (const BedTypeWord& entry : kBedTypes) {
    if (entry.word == word) return entry.type;
  }
  for (const BedTypeAlias& alias : kBedTypeAliases) {
    if (alias.word == word) return alias.type;
  }
  for (absl::string_view without : kBedTypesWithoutEquivalent) {
    if (without == word) {
      return RefuseHave(element, absl::StrCat("bed type \"", word,
                                              "\" has no equivalent in Ketenbeeld; leave it out of the import "
                                              "(docs/interoperability.md lists the bed types)"));
    }
  }
  return RefuseHave(element,
                    absl::StrCat("unknown bed type \"", word, "\" (docs/interoperability.md lists the bed types)"));
}

}  // namespace

std::optional<absl::string_view> HaveStandardBedType(v1::BedType type) {
  for (const BedTypeWord& entry : kBedTypes) {
    if (entry.type == type) return entry.standard ? std::optional<absl::string_view>(entry.word) : std::nullopt;
  }
  return std::nullopt;
}

absl::string_view HaveBedTypeWord(v1::BedType type) {
  for (const BedTypeWord& entry : kBedTypes) {
    if (entry.type == type) return entry.word;
  }
  return "Unknown";  // BED_TYPE_UNSPECIFIED: never in a validated report.
}

absl::StatusOr<std::string> StatusToHave(absl::Span<const HaveFacility> facilities) {
  if (facilities.empty()) return absl::InvalidArgumentError("facilities: a HAVE document needs at least one");
  XmlWriter writer(kHaveNs, "HAVE");
  for (const HaveFacility& facility : facilities) {
    if (facility.organization == nullptr || facility.report == nullptr) {
      return absl::InvalidArgumentError("facilities: each needs its organisation and its report");
    }
    WriteFacility(writer, facility);
  }
  return writer.Serialize();
}

absl::StatusOr<HaveImport> HaveToStatus(absl::string_view document_text) {
  absl::StatusOr<XmlDocument> document = ParseXml(document_text, "have");
  if (!document.ok()) return document.status();
  if (absl::Status valid = HaveSchema().Validate(*document, "have"); !valid.ok()) return valid;
  const _xmlNode* root = document->root();
  const std::vector<const _xmlNode*> facilities = Children(root, kHaveNs, "facility");
  if (facilities.size() != 1) {
    return RefuseHave(facilities.size() > 1 ? facilities[1] : root,
                      absl::StrCat("an import carries one organisation's status (", facilities.size(),
                                   " facilities given): send one document per organisation"));
  }
  const _xmlNode* facility = facilities.front();
  HaveImport result;
  v1::ReportStatusRequest& request = result.request;
  v1::StatusReport& report = *request.mutable_report();
  auto name = [&request](absl::string_view path) { request.mutable_update_mask()->add_paths(std::string(path)); };

  report.set_organization_id(*ChildText(Child(facility, kHaveNs, "facilityInformation"), kHaveNs, "facilityID"));
  const std::string colour = *ChildText(Child(facility, kHaveNs, "facilityColourStatus"), kHaveNs, "colourCode");
  // "Unknown" is the overall status UNKNOWN (index 5), not "not given".
  report.set_overall_status(static_cast<v1::OverallStatus>(NumberOf(kColours, colour)));
  name("overall_status");
  if (Child(facility, kHaveNs, "lastUpdateTime") != nullptr) {
    result.not_imported.push_back(
        "/HAVE/facility/lastUpdateTime: the server's commit time is the report's time (the server owns time)");
  }
  if (const _xmlNode* ed = Child(facility, kHaveNs, "emergencyDepartmentStatus"); ed != nullptr) {
    const _xmlNode* traffic = Child(ed, kHaveNs, "emsTraffic");
    report.mutable_emergency_department()->set_state(static_cast<v1::EmergencyDepartmentState>(
        NumberOf(kEmsTraffic, *ChildText(traffic, kHaveNs, "emsTrafficStatus"))));
    name("emergency_department.state");
    if (std::optional<std::string> reason = ChildText(traffic, kHaveNs, "emsTrafficReason"); reason.has_value()) {
      report.mutable_emergency_department()->set_reason(*reason);
      name("emergency_department.reason");
    }
  }
  const std::optional<std::string> eoc_status = ChildText(facility, kHaveNs, "eocStatus");
  const std::optional<std::string> eoc_plan = ChildText(facility, kHaveNs, "eocPlan");
  if (eoc_status.has_value() || eoc_plan.has_value()) {
    report.set_crisis_plan_activated(eoc_status == "Active" || eoc_plan == "Active");
    name("crisis_plan_activated");
  }
  if (const _xmlNode* beds = Child(facility, kHaveNs, "bedCapacityStatus"); beds != nullptr) {
    absl::flat_hash_set<int> seen;
    for (const _xmlNode* bed : Children(beds, kHaveNs, "bedCapacity")) {
      const _xmlNode* type_element = Child(bed, kHaveNs, "bedType");
      absl::StatusOr<v1::BedType> type = BedTypeOf(type_element);
      if (!type.ok()) return type.status();
      if (!seen.insert(*type).second) {
        return RefuseHave(type_element, absl::StrCat("bed type \"", Text(type_element), "\" is ",
                                                     v1::BedType_Name(*type), ", which this document already gave"));
      }
      const _xmlNode* counts = Child(bed, kHaveNs, "capacity");
      v1::Capacity& capacity = *report.add_capacity();
      capacity.set_type(*type);
      if (std::optional<int32_t> available = CountOf(counts, "availableCount"); available.has_value()) {
        capacity.set_available(*available);
      } else if (ChildText(counts, kHaveNs, "capacityStatus") == "NotAvailable") {
        capacity.set_available(0);  // "Not available" without a count: none free.
      }
      if (std::optional<int32_t> baseline = CountOf(counts, "baselineCount"); baseline.has_value()) {
        capacity.set_baseline(*baseline);
      }
      if (std::optional<int32_t> surge = CountOf(counts, "additionalCapacityCount24Hr"); surge.has_value()) {
        capacity.set_surge_24h(*surge);
      }
      if (std::optional<int32_t> surge = CountOf(counts, "additionalCapacityCount72Hr"); surge.has_value()) {
        capacity.set_surge_72h(*surge);
      }
    }
    if (report.capacity_size() > 0) name("capacity");
  }
  if (const _xmlNode* resources = Child(facility, kHaveNs, "resourcesStatus"); resources != nullptr) {
    const _xmlNode* staffing = Child(resources, kHaveNs, "staffing");
    report.mutable_staffing()->set_level(*ChildText(staffing, kHaveNs, "staffingStatus") == "Adequate"
                                             ? v1::STAFFING_LEVEL_ADEQUATE
                                             : v1::STAFFING_LEVEL_INSUFFICIENT);
    name("staffing.level");
    if (std::optional<std::string> comment = ChildText(staffing, kHaveNs, "comment"); comment.has_value()) {
      report.mutable_staffing()->set_description(*comment);
      name("staffing.description");
    }
  }
  if (std::optional<std::string> comment = ChildText(facility, kHaveNs, "comment"); comment.has_value()) {
    report.set_free_text(*comment);
    name("free_text");
  }
  if (absl::Status valid = domain::ValidateReportStatusRequest(request); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("have: /HAVE/facility: ", std::string(valid.message())));
  }
  return result;
}

}  // namespace ketenbeeld::interop
