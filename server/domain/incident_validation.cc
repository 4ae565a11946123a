#include "server/domain/incident_validation.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/domain/field_checks.h"
#include "server/domain/geo.h"
#include "server/domain/indicator_validation.h"

namespace ketenbeeld::domain {
namespace {

using namespace checks;  // NOLINT(google-build-using-namespace): the checkers are this file's vocabulary.

namespace v1 = ::ketenbeeld::v1;

constexpr TextRule kIncidentType{1, kMaxIncidentTypeLength, false};
constexpr TextRule kScaleUpLevel{1, kMaxScaleUpLevelLength, false};
constexpr TextRule kEntryText{1, kMaxFreeTextLength, true};
constexpr TextRule kAuthor{1, kMaxNameLength, false};

// Values, each valid by `check` and listed once: "audience.organization_ids[3]: \"org-a\" appears twice (also at
// audience.organization_ids[1])".
absl::Status CheckUniqueList(const RepeatedPtrField<std::string>& values, int max_size, const FieldPath& path,
                             absl::FunctionRef<absl::Status(const std::string&, const FieldPath&)> check) {
  KETENBEELD_RETURN_IF_ERROR(CheckSize(values, max_size, path));
  absl::flat_hash_map<absl::string_view, int> first_index;
  for (int i = 0; i < values.size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(check(values.Get(i), path.Index(i)));
    const auto [it, inserted] = first_index.try_emplace(values.Get(i), i);
    if (!inserted) {
      return Invalid(path.Index(i), Quote(values.Get(i)), " appears twice (also at ", path.Index(it->second).ToString(),
                     ")");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckIdList(const RepeatedPtrField<std::string>& ids, int max_size, const FieldPath& path) {
  return CheckUniqueList(ids, max_size, path,
                         [](const std::string& id, const FieldPath& element) { return CheckId(id, element); });
}

// Codes of one format (`valid`), each listed once; `expected` says what the format is.
absl::Status CheckCodeList(const RepeatedPtrField<std::string>& codes, int max_size, const FieldPath& path,
                           bool (*valid)(absl::string_view), absl::string_view expected) {
  return CheckUniqueList(codes, max_size, path, [&](const std::string& code, const FieldPath& element) {
    return valid(code) ? absl::OkStatus() : Invalid(element, expected, ", got ", Quote(code));
  });
}

// A ring of 3..kMaxPolygonPoints valid coordinates, no point repeating its predecessor, no edges crossing.
absl::Status CheckPolygon(const v1::Polygon& polygon, const FieldPath& path) {
  const FieldPath points = path.Field("points");
  if (polygon.points_size() < kMinPolygonPoints) {
    return Invalid(points, "a polygon needs at least ", kMinPolygonPoints, " points, got ", polygon.points_size());
  }
  KETENBEELD_RETURN_IF_ERROR(CheckSize(polygon.points(), kMaxPolygonPoints, points));
  for (int i = 0; i < polygon.points_size(); ++i) {
    const FieldPath point = points.Index(i);
    KETENBEELD_RETURN_IF_ERROR(CheckInRange(polygon.points(i).latitude(), -90, 90, point.Field("latitude")));
    KETENBEELD_RETURN_IF_ERROR(CheckInRange(polygon.points(i).longitude(), -180, 180, point.Field("longitude")));
    const v1::Coordinates& previous = polygon.points(i == 0 ? polygon.points_size() - 1 : i - 1);
    if (previous.latitude() == polygon.points(i).latitude() && previous.longitude() == polygon.points(i).longitude()) {
      return Invalid(point, "repeats the point before it (do not close the ring: the last point joins the first)");
    }
  }
  if (const std::optional<std::pair<int, int>> crossing = FindSelfIntersection(polygon); crossing.has_value()) {
    const int n = polygon.points_size();
    return Invalid(points, "the polygon intersects itself: the edge from point ", crossing->first, " to point ",
                   (crossing->first + 1) % n, " meets the edge from point ", crossing->second, " to point ",
                   (crossing->second + 1) % n);
  }
  return absl::OkStatus();
}

absl::Status CheckArea(const v1::Area& area, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckText(area.description(), path.Field("description"), kAddress));
  if (area.has_center()) {
    const FieldPath center = path.Field("center");
    KETENBEELD_RETURN_IF_ERROR(CheckInRange(area.center().latitude(), -90, 90, center.Field("latitude")));
    KETENBEELD_RETURN_IF_ERROR(CheckInRange(area.center().longitude(), -180, 180, center.Field("longitude")));
  }
  if (area.has_radius_km()) {
    KETENBEELD_RETURN_IF_ERROR(CheckInRange(area.radius_km(), 0, kMaxAreaRadiusKm, path.Field("radius_km")));
  }
  const FieldPath polygons = path.Field("polygons");
  KETENBEELD_RETURN_IF_ERROR(CheckSize(area.polygons(), kMaxAreaPolygons, polygons));
  for (int i = 0; i < area.polygons_size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(CheckPolygon(area.polygons(i), polygons.Index(i)));
  }
  const FieldPath postcodes = path.Field("postcodes");
  KETENBEELD_RETURN_IF_ERROR(CheckCodeList(area.postcodes(), kMaxAreaPostcodes, postcodes, IsPc4,
                                           "must be a 4-digit postcode (PC4) 1000..9999, e.g. \"1781\""));
  return CheckCodeList(area.municipality_codes(), kMaxAreaMunicipalities, path.Field("municipality_codes"),
                       IsMunicipalityCode, "must be a CBS municipality code, \"GM\" and 4 digits, e.g. \"GM0363\"");
}

absl::Status CheckCasualties(const v1::CasualtyEstimate& casualties, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckCount(casualties.has_t1(), casualties.t1(), path.Field("t1")));
  KETENBEELD_RETURN_IF_ERROR(CheckCount(casualties.has_t2(), casualties.t2(), path.Field("t2")));
  KETENBEELD_RETURN_IF_ERROR(CheckCount(casualties.has_t3(), casualties.t3(), path.Field("t3")));
  return CheckCount(casualties.has_dead(), casualties.dead(), path.Field("dead"));
}

absl::Status CheckIncident(const v1::Incident& incident, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(incident.id(), path.Field("id")));
  KETENBEELD_RETURN_IF_ERROR(CheckText(incident.title(), path.Field("title"), kRequiredName));
  KETENBEELD_RETURN_IF_ERROR(CheckText(incident.type(), path.Field("type"), kIncidentType));
  // Whether the level is one of the region's is the planner's check: the levels are the server's configuration.
  KETENBEELD_RETURN_IF_ERROR(CheckText(incident.scale_up_level(), path.Field("scale_up_level"), kScaleUpLevel));
  KETENBEELD_RETURN_IF_ERROR(
      CheckSafetyRegion(incident.safety_region(), path.Field("safety_region"), Presence::kRequired));
  if (incident.has_area()) KETENBEELD_RETURN_IF_ERROR(CheckArea(incident.area(), path.Field("area")));
  KETENBEELD_RETURN_IF_ERROR(CheckIdList(incident.affected_organization_ids(), kMaxAffectedOrganizations,
                                         path.Field("affected_organization_ids")));
  if (incident.has_casualties()) {
    KETENBEELD_RETURN_IF_ERROR(CheckCasualties(incident.casualties(), path.Field("casualties")));
  }
  // `status`, `opened_at`, `closed_at` and `computed_affected_organization_ids` are output only: ignored.
  return absl::OkStatus();
}

absl::Status CheckAudience(const v1::Audience& audience, const FieldPath& path) {
  const FieldPath safety_regions = path.Field("safety_regions");
  KETENBEELD_RETURN_IF_ERROR(CheckSize(audience.safety_regions(), kMaxFilterValues, safety_regions));
  for (int i = 0; i < audience.safety_regions_size(); ++i) {
    KETENBEELD_RETURN_IF_ERROR(
        CheckSafetyRegion(audience.safety_regions(i), safety_regions.Index(i), Presence::kListElement));
  }
  KETENBEELD_RETURN_IF_ERROR(CheckEnumList<v1::Sector>(audience.sectors(), path.Field("sectors")));
  KETENBEELD_RETURN_IF_ERROR(CheckEnumList<v1::OrganizationKind>(audience.kinds(), path.Field("kinds")));
  if (audience.has_area()) {
    const FieldPath area = path.Field("area");
    KETENBEELD_RETURN_IF_ERROR(CheckArea(audience.area(), area));
    // An area that selects no site would address nobody: surely not what the sender meant.
    if (!AreaSelectsSites(audience.area())) {
      return Invalid(area,
                     "selects no sites: give polygons, a circle (center and radius_km > 0), postcodes or "
                     "municipality_codes");
    }
  }
  // `incident_area_organization_ids` and `area_organization_ids` are output only: ignored.
  return CheckIdList(audience.organization_ids(), kMaxFilterValues, path.Field("organization_ids"));
}

absl::Status CheckAlert(const v1::Alert& alert, const FieldPath& path) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(alert.id(), path.Field("id")));
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::AlertStatus>(alert.status(), path.Field("status"), Presence::kOptional));
  if (alert.status() == v1::ALERT_STATUS_CANCELLED) return absl::OkStatus();  // The content is the cancelled one's.
  KETENBEELD_RETURN_IF_ERROR(CheckText(alert.headline(), path.Field("headline"), kRequiredName));
  KETENBEELD_RETURN_IF_ERROR(CheckText(alert.description(), path.Field("description"), kFreeText));
  KETENBEELD_RETURN_IF_ERROR(CheckText(alert.instruction(), path.Field("instruction"), kShortText));
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::Urgency>(alert.urgency(), path.Field("urgency"), Presence::kRequired));
  KETENBEELD_RETURN_IF_ERROR(
      CheckEnum<v1::AlertSeverity>(alert.severity(), path.Field("severity"), Presence::kRequired));
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::Certainty>(alert.certainty(), path.Field("certainty"), Presence::kRequired));
  if (alert.has_audience()) KETENBEELD_RETURN_IF_ERROR(CheckAudience(alert.audience(), path.Field("audience")));
  // Whether the deadline lies in the future is the planner's check: it depends on the commit time.
  KETENBEELD_RETURN_IF_ERROR(
      CheckTimestamp(alert.has_acknowledge_by(), alert.acknowledge_by(), path.Field("acknowledge_by")));
  KETENBEELD_RETURN_IF_ERROR(CheckOptionalId(alert.incident_id(), path.Field("incident_id")));
  if (alert.audience().incident_area() && alert.incident_id().empty()) {
    return Invalid(path.Field("incident_id"), "required when audience.incident_area is set (whose area?)");
  }
  KETENBEELD_RETURN_IF_ERROR(CheckAlertIndicatorIds(alert.indicator_ids(), path.Field("indicator_ids")));
  // `version`, `deadline_passed` and `sent_at` are output only: ignored.
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateOpenIncidentRequest(const v1::OpenIncidentRequest& request) {
  return CheckIncident(request.incident(), FieldPath("incident"));
}

absl::Status ValidateUpdateIncidentRequest(const v1::UpdateIncidentRequest& request) {
  return CheckIncident(request.incident(), FieldPath("incident"));
}

absl::Status ValidateAddSituationEntryRequest(const v1::AddSituationEntryRequest& request) {
  const FieldPath path("entry");
  const v1::SituationEntry& entry = request.entry();
  KETENBEELD_RETURN_IF_ERROR(CheckId(entry.incident_id(), path.Field("incident_id")));
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::SituationLayer>(entry.layer(), path.Field("layer"), Presence::kRequired));
  KETENBEELD_RETURN_IF_ERROR(CheckText(entry.text(), path.Field("text"), kEntryText));
  // `sequence` and `commit_time` are output only: ignored.
  return CheckText(entry.author(), path.Field("author"), kAuthor);
}

absl::Status ValidateSendAlertRequest(const v1::SendAlertRequest& request) {
  return CheckAlert(request.alert(), FieldPath("alert"));
}

absl::Status ValidateAcknowledgeAlertRequest(const v1::AcknowledgeAlertRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.alert_id(), FieldPath("alert_id")));
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.organization_id(), FieldPath("organization_id")));
  return CheckText(request.comment(), FieldPath("comment"), kShortText);
}

absl::Status ValidateCloseEscalationTaskRequest(const v1::CloseEscalationTaskRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.task_id(), FieldPath("task_id")));
  return CheckText(request.note(), FieldPath("note"), kShortText);
}

}  // namespace ketenbeeld::domain
