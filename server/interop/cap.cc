#include "server/interop/cap.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/time.h"
#include "server/domain/field_checks.h"
#include "server/domain/incident_validation.h"
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

constexpr absl::string_view kCapNs = kCapNamespace;
// The valueNames of the <parameter>s and <geocode>s that carry what CAP has no element for.
constexpr absl::string_view kAcknowledgeBy = "ketenbeeld:acknowledgeBy";
constexpr absl::string_view kSector = "ketenbeeld:sector";
constexpr absl::string_view kKind = "ketenbeeld:organizationKind";
constexpr absl::string_view kOrganization = "ketenbeeld:organization";
constexpr absl::string_view kSafetyRegion = "veiligheidsregio";
// The <restriction> of our own messages (an import of one says nothing about it).
constexpr absl::string_view kRestriction = "For the care-chain organisations of the alert's audience (Ketenbeeld)";

// The CAP words of our enums, in the order of their numbers (index 0: unspecified, written as Unknown).
constexpr std::array<absl::string_view, 6> kUrgency = {"Unknown", "Immediate", "Expected", "Future", "Past", "Unknown"};
constexpr std::array<absl::string_view, 6> kSeverity = {"Unknown", "Extreme", "Severe", "Moderate", "Minor", "Unknown"};
constexpr std::array<absl::string_view, 6> kCertainty = {"Unknown",  "Observed", "Likely",
                                                         "Possible", "Unlikely", "Unknown"};

// CAP's dateTime: seconds, with an explicit offset ("2026-12-02T21:30:00+00:00"; cap-1.2.xsd allows no "Z").
std::string CapTime(absl::Time time) { return absl::FormatTime("%Y-%m-%dT%H:%M:%S+00:00", time, absl::UTCTimeZone()); }
std::optional<absl::Time> ParseCapTime(absl::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%S%Ez", text, &time, &error)) return std::nullopt;
  return time;
}

std::string AudienceText(const v1::Audience& audience) {
  std::vector<std::string> parts;
  if (audience.safety_regions_size() > 0) {
    parts.push_back(absl::StrCat("regions ", absl::StrJoin(audience.safety_regions(), ", ")));
  }
  if (audience.sectors_size() > 0) {
    std::vector<std::string> sectors;
    for (int sector : audience.sectors()) sectors.push_back(v1::Sector_Name(static_cast<v1::Sector>(sector)));
    parts.push_back(absl::StrCat("sectors ", absl::StrJoin(sectors, ", ")));
  }
  if (audience.kinds_size() > 0) {
    std::vector<std::string> kinds;
    for (int kind : audience.kinds())
      kinds.push_back(v1::OrganizationKind_Name(static_cast<v1::OrganizationKind>(kind)));
    parts.push_back(absl::StrCat("kinds ", absl::StrJoin(kinds, ", ")));
  }
  if (audience.organization_ids_size() > 0) {
    parts.push_back(absl::StrCat("organisations ", absl::StrJoin(audience.organization_ids(), ", ")));
  }
  if (parts.empty()) return "every registered care-chain organisation of the region";
  return absl::StrCat("care-chain organisations in: ", absl::StrJoin(parts, "; "));
}

void AddValuePair(XmlWriter& writer, XmlWriter::Element parent, absl::string_view element, absl::string_view name,
                  absl::string_view value) {
  XmlWriter::Element pair = writer.Add(parent, element);
  writer.Add(pair, "valueName", name);
  writer.Add(pair, "value", value);
}

// An alert id for a CAP identifier: the identifier itself when it is a valid id (our own exports, feeds that use
// such identifiers), else "cap-" and 16 hex digits of a stable hash of sender and identifier, so that an Update
// or Cancel of the same message finds the same alert.
std::string AlertIdOf(absl::string_view sender, absl::string_view identifier) {
  if (domain::checks::CheckId(identifier, domain::checks::FieldPath("id")).ok()) return std::string(identifier);
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a, 64 bits: stable across builds and platforms.
  auto mix = [&hash](absl::string_view text) {
    for (const char c : text) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ULL;
    }
  };
  mix(sender);
  mix(",");
  mix(identifier);
  return absl::StrFormat("cap-%016x", hash);
}

// Our own "<id>.v<N>" identifiers name version N of alert <id>: the alert is <id>.
absl::string_view StripVersion(absl::string_view identifier) {
  const size_t dot = identifier.rfind(".v");
  if (dot == absl::string_view::npos || dot == 0) return identifier;
  int version = 0;
  if (!absl::SimpleAtoi(identifier.substr(dot + 2), &version) || version < 2) return identifier;
  return identifier.substr(0, dot);
}

absl::Status RefuseCap(const _xmlNode* node, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("cap: ", PathOf(node), ": ", message));
}

// Elements of the CAP message that an alert has no place for: noted when present.
constexpr std::array<absl::string_view, 4> kAlertGaps = {"source", "addresses", "code", "note"};
constexpr std::array<absl::string_view, 9> kInfoGaps = {"responseType", "eventCode", "effective", "onset",   "expires",
                                                        "senderName",   "web",       "contact",   "resource"};

// The alert's field a domain validation message names ("alert.headline: ..."), as the CAP element it came from.
absl::string_view ElementOfField(absl::string_view message) {
  struct Mapping {
    absl::string_view field;
    absl::string_view element;
  };
  static constexpr std::array<Mapping, 8> kMappings = {{
      {"alert.id", "/alert/identifier"},
      {"alert.headline", "/alert/info/headline"},
      {"alert.description", "/alert/info/description"},
      {"alert.instruction", "/alert/info/instruction"},
      {"alert.incident_id", "/alert/incidents"},
      {"alert.acknowledge_by", "/alert/info/parameter (ketenbeeld:acknowledgeBy)"},
      {"alert.audience.safety_regions", "/alert/info/area/geocode (veiligheidsregio)"},
      {"alert.audience", "/alert/info/parameter"},
  }};
  for (const Mapping& mapping : kMappings) {
    if (absl::StartsWith(message, mapping.field)) return mapping.element;
  }
  return "/alert";
}

}  // namespace

std::string CapIdentifier(absl::string_view alert_id, int version) {
  return version <= 1 ? std::string(alert_id) : absl::StrCat(alert_id, ".v", version);
}

absl::StatusOr<std::string> AlertToCap(const v1::Alert& alert, const CapExportOptions& options) {
  if (options.sender.empty() || absl::StrContains(options.sender, ' ') || absl::StrContains(options.sender, ',')) {
    return absl::InvalidArgumentError("sender: required, without spaces or commas (CAP <sender>)");
  }
  const int version = std::max(alert.version(), 1);
  const bool cancelled = alert.status() == v1::ALERT_STATUS_CANCELLED;
  XmlWriter writer(kCapNs, "alert");
  XmlWriter::Element root = writer.root();
  writer.Add(root, "identifier", CapIdentifier(alert.id(), version));
  writer.Add(root, "sender", options.sender);
  writer.Add(root, "sent", CapTime(options.sent));
  writer.Add(root, "status",
             options.status == CapStatus::kExercise ? "Exercise"
             : options.status == CapStatus::kTest   ? "Test"
                                                    : "Actual");
  writer.Add(root, "msgType", cancelled ? "Cancel" : version > 1 ? "Update" : "Alert");
  writer.Add(root, "scope", "Restricted");
  writer.Add(root, "restriction", kRestriction);
  if (options.status == CapStatus::kExercise) writer.Add(root, "note", "OEFENING");
  if (version > 1 || cancelled) {
    // Version 1 is the message every later one updates or cancels. Its <sent> is the alert's sent_at.
    const absl::Time first_sent = alert.has_sent_at() ? FromProtoTime(alert.sent_at()) : options.sent;
    writer.Add(root, "references",
               absl::StrCat(options.sender, ",", CapIdentifier(alert.id(), 1), ",", CapTime(first_sent)));
  }
  if (!alert.incident_id().empty()) writer.Add(root, "incidents", alert.incident_id());

  XmlWriter::Element info = writer.Add(root, "info");
  writer.Add(info, "language", "nl-NL");
  writer.Add(info, "category", "Health");
  writer.Add(info, "event", alert.headline().empty() ? "GHOR alert" : alert.headline());
  writer.Add(info, "urgency", WordOf(kUrgency, alert.urgency()));
  writer.Add(info, "severity", WordOf(kSeverity, alert.severity()));
  writer.Add(info, "certainty", WordOf(kCertainty, alert.certainty()));
  writer.Add(info, "audience", AudienceText(alert.audience()));
  if (!alert.headline().empty()) writer.Add(info, "headline", alert.headline());
  if (!alert.description().empty()) writer.Add(info, "description", alert.description());
  if (!alert.instruction().empty()) writer.Add(info, "instruction", alert.instruction());
  if (alert.has_acknowledge_by()) {
    AddValuePair(writer, info, "parameter", kAcknowledgeBy, CapTime(FromProtoTime(alert.acknowledge_by())));
  }
  for (int sector : alert.audience().sectors()) {
    AddValuePair(writer, info, "parameter", kSector, v1::Sector_Name(static_cast<v1::Sector>(sector)));
  }
  for (int kind : alert.audience().kinds()) {
    AddValuePair(writer, info, "parameter", kKind, v1::OrganizationKind_Name(static_cast<v1::OrganizationKind>(kind)));
  }
  for (const std::string& organization : alert.audience().organization_ids()) {
    AddValuePair(writer, info, "parameter", kOrganization, organization);
  }
  const v1::Area* area = options.incident_area;
  const bool circle = area != nullptr && area->has_center() && area->has_radius_km();
  if (alert.audience().safety_regions_size() > 0 || circle || (area != nullptr && !area->description().empty())) {
    XmlWriter::Element area_element = writer.Add(info, "area");
    std::string description = area != nullptr ? area->description() : "";
    if (description.empty()) {
      description = absl::StrCat("Veiligheidsregio ", absl::StrJoin(alert.audience().safety_regions(), ", "));
    }
    writer.Add(area_element, "areaDesc", description);
    if (circle) {
      // "latitude,longitude radius" in WGS 84 and kilometres.
      writer.Add(
          area_element, "circle",
          absl::StrFormat("%.6f,%.6f %.3f", area->center().latitude(), area->center().longitude(), area->radius_km()));
    }
    for (const std::string& region : alert.audience().safety_regions()) {
      AddValuePair(writer, area_element, "geocode", kSafetyRegion, region);
    }
  }
  return writer.Serialize();
}

absl::StatusOr<CapImport> CapToAlert(absl::string_view message, absl::string_view exercise_id) {
  absl::StatusOr<XmlDocument> document = ParseXml(message, "cap");
  if (!document.ok()) return document.status();
  const _xmlNode* root = document->root();
  if (absl::Status valid = CapSchema().Validate(*document, "cap"); !valid.ok()) return valid;

  CapImport result;
  std::vector<std::string>& notes = result.not_imported;
  const std::string identifier = *ChildText(root, kCapNs, "identifier");
  const std::string sender = *ChildText(root, kCapNs, "sender");
  const std::string status = *ChildText(root, kCapNs, "status");
  const std::string msg_type = *ChildText(root, kCapNs, "msgType");
  // The real picture takes Actual messages only, an exercise only Exercise and Test ones: an exercise must never touch
  // the real picture, and a real alert must not vanish into an exercise.
  if (status == "Actual" && !exercise_id.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("exercise_id: \"", exercise_id,
                     "\" takes Exercise and Test messages only; this one is Actual (its "
                     "alert belongs in the real picture: import it without exercise_id)"));
  }
  if (status != "Actual" && (exercise_id.empty() || (status != "Exercise" && status != "Test"))) {
    return RefuseCap(Child(root, kCapNs, "status"),
                     absl::StrCat("\"", status, "\" messages are not imported",
                                  status == "Exercise" || status == "Test"
                                      ? " into the real picture (an exercise must never touch it); import it into "
                                        "an exercise with exercise_id"
                                      : ": only Actual ones, and Exercise and Test ones into an exercise"));
  }
  if (msg_type == "Ack" || msg_type == "Error") {
    return RefuseCap(Child(root, kCapNs, "msgType"),
                     absl::StrCat("\"", msg_type, "\" has no equivalent: only Alert, Update and Cancel become alerts"));
  }
  v1::Alert& alert = *result.request.mutable_alert();
  if (msg_type == "Alert") {
    alert.set_id(AlertIdOf(sender, StripVersion(identifier)));
  } else {
    // An Update or Cancel refers to the message it updates: the first of <references> ("sender,identifier,sent")
    // names the original, whose alert this is.
    const _xmlNode* references = Child(root, kCapNs, "references");
    std::vector<std::string> groups;
    if (references != nullptr) groups = absl::StrSplit(Text(references), absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
    if (groups.empty()) {
      return RefuseCap(references == nullptr ? root : references,
                       absl::StrCat("an ", msg_type, " must name the message it updates in <references>"));
    }
    const std::vector<std::string> parts = absl::StrSplit(groups.front(), ',');
    if (parts.size() != 3 || parts[0].empty() || parts[1].empty()) {
      return RefuseCap(references, absl::StrCat("\"", groups.front(), "\" is not \"sender,identifier,sent\""));
    }
    alert.set_id(AlertIdOf(parts[0], StripVersion(parts[1])));
    if (groups.size() > 1) notes.push_back("/alert/references: only the first reference names the alert; the others");
  }
  if (msg_type == "Cancel") {
    alert.set_status(v1::ALERT_STATUS_CANCELLED);
  } else {
    alert.set_status(v1::ALERT_STATUS_ACTIVE);
  }
  if (std::optional<std::string> incidents = ChildText(root, kCapNs, "incidents"); incidents.has_value()) {
    const std::vector<std::string> ids = absl::StrSplit(*incidents, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
    if (!ids.empty()) alert.set_incident_id(ids.front());
    if (ids.size() > 1) notes.push_back("/alert/incidents: an alert is about one incident; only the first is kept");
  }
  if (std::optional<std::string> scope = ChildText(root, kCapNs, "scope"); scope == "Private") {
    notes.push_back("/alert/addresses: CAP addresses are not Ketenbeeld organisations; the audience is not narrowed");
  }
  for (absl::string_view gap : kAlertGaps) {
    if (gap == "addresses") continue;  // Handled above.
    if (Child(root, kCapNs, gap) != nullptr)
      notes.push_back(absl::StrCat("/alert/", gap, ": no equivalent in an alert"));
  }
  if (std::optional<std::string> restriction = ChildText(root, kCapNs, "restriction");
      restriction.has_value() && *restriction != kRestriction) {
    notes.push_back(
        "/alert/restriction: an alert goes to the care-chain organisations of its audience; the text is "
        "not kept");
  }

  // The Dutch <info> when there is one, else the first. A Cancel needs none (it keeps the cancelled content).
  const std::vector<const _xmlNode*> infos = Children(root, kCapNs, "info");
  const _xmlNode* info = nullptr;
  for (const _xmlNode* candidate : infos) {
    if (absl::StartsWithIgnoreCase(ChildText(candidate, kCapNs, "language").value_or(""), "nl")) {
      info = candidate;
      break;
    }
  }
  if (info == nullptr && !infos.empty()) info = infos.front();
  if (infos.size() > 1) {
    notes.push_back(absl::StrCat("/alert/info: ", infos.size() - 1,
                                 " further <info> block(s) (other languages or "
                                 "audiences); an alert has one"));
  }
  if (info == nullptr) {
    if (msg_type != "Cancel") return RefuseCap(root, "an Alert or Update needs an <info> block");
  } else {
    alert.set_urgency(
        static_cast<v1::Urgency>(NumberOf(kUrgency, *ChildText(info, kCapNs, "urgency"), v1::URGENCY_UNKNOWN)));
    alert.set_severity(static_cast<v1::AlertSeverity>(
        NumberOf(kSeverity, *ChildText(info, kCapNs, "severity"), v1::ALERT_SEVERITY_UNKNOWN)));
    alert.set_certainty(
        static_cast<v1::Certainty>(NumberOf(kCertainty, *ChildText(info, kCapNs, "certainty"), v1::CERTAINTY_UNKNOWN)));
    // The headline, or the event when there is none (an alert needs a headline; CAP only an event).
    alert.set_headline(ChildText(info, kCapNs, "headline").value_or(*ChildText(info, kCapNs, "event")));
    alert.set_description(ChildText(info, kCapNs, "description").value_or(""));
    alert.set_instruction(ChildText(info, kCapNs, "instruction").value_or(""));
    if (ChildText(info, kCapNs, "headline").has_value() && *ChildText(info, kCapNs, "event") != alert.headline()) {
      notes.push_back("/alert/info/event: an alert has a headline only; the event is not kept");
    }
    for (const _xmlNode* category : Children(info, kCapNs, "category")) {
      if (Text(category) != "Health") {
        notes.push_back(absl::StrCat("/alert/info/category: \"", Text(category), "\": an alert has no category"));
      }
    }
    for (absl::string_view gap : kInfoGaps) {
      if (Child(info, kCapNs, gap) != nullptr) {
        notes.push_back(absl::StrCat("/alert/info/", gap, ": no equivalent in an alert"));
      }
    }
    v1::Audience& audience = *alert.mutable_audience();
    for (const _xmlNode* parameter : Children(info, kCapNs, "parameter")) {
      const std::string name = *ChildText(parameter, kCapNs, "valueName");
      const std::string value = *ChildText(parameter, kCapNs, "value");
      if (name == kAcknowledgeBy) {
        std::optional<absl::Time> time = ParseCapTime(value);
        if (!time.has_value()) {
          return RefuseCap(parameter, absl::StrCat("\"", value, "\" is not a time like 2026-12-02T21:30:00+01:00"));
        }
        *alert.mutable_acknowledge_by() = ToProtoTime(*time);
      } else if (name == kSector) {
        v1::Sector sector;
        if (!v1::Sector_Parse(value, &sector) || sector == v1::SECTOR_UNSPECIFIED) {
          return RefuseCap(parameter, absl::StrCat("\"", value, "\" is not a sector (SECTOR_ACUTE_CARE, ...)"));
        }
        audience.add_sectors(sector);
      } else if (name == kKind) {
        v1::OrganizationKind kind;
        if (!v1::OrganizationKind_Parse(value, &kind) || kind == v1::ORGANIZATION_KIND_UNSPECIFIED) {
          return RefuseCap(
              parameter, absl::StrCat("\"", value, "\" is not an organisation kind (ORGANIZATION_KIND_HOSPITAL, ...)"));
        }
        audience.add_kinds(kind);
      } else if (name == kOrganization) {
        audience.add_organization_ids(value);
      } else {
        notes.push_back(absl::StrCat("/alert/info/parameter: \"", name, "\": no equivalent in an alert"));
      }
    }
    for (const _xmlNode* area : Children(info, kCapNs, "area")) {
      for (absl::string_view shape : {"polygon", "circle"}) {
        if (Child(area, kCapNs, shape) != nullptr) {
          notes.push_back(absl::StrCat("/alert/info/area/", shape,
                                       ": an alert's audience is by region, sector, kind and organisation, not by "
                                       "shape"));
        }
      }
      for (const _xmlNode* geocode : Children(area, kCapNs, "geocode")) {
        const std::string name = *ChildText(geocode, kCapNs, "valueName");
        if (name == kSafetyRegion) {
          audience.add_safety_regions(*ChildText(geocode, kCapNs, "value"));
        } else {
          notes.push_back(absl::StrCat("/alert/info/area/geocode: \"", name, "\": only ", kSafetyRegion,
                                       " codes narrow an alert's audience"));
        }
      }
    }
    if (audience.ByteSizeLong() == 0) alert.clear_audience();
    if (std::optional<std::string> text = ChildText(info, kCapNs, "audience");
        text.has_value() && *text != AudienceText(alert.audience())) {
      notes.push_back(
          "/alert/info/audience: free text; an alert's audience is its regions, sectors, kinds and "
          "organisations");
    }
  }
  if (!exercise_id.empty()) {
    // The exercise's own mode must match (the committer checks it against the exercise record).
    result.request.set_exercise_id(std::string(exercise_id));
    result.request.set_mode(status == "Test" ? v1::MODE_TEST : v1::MODE_EXERCISE);
  }
  if (absl::Status valid = domain::ValidateSendAlertRequest(result.request); !valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cap: ", ElementOfField(valid.message()), ": ", std::string(valid.message())));
  }
  return result;
}

}  // namespace ketenbeeld::interop
