// libFuzzer target: arbitrary bytes as an incident area and a site must never crash the area rules.
//
// The bytes are parsed as an OpenIncidentRequest (its incident's area is what varies) and as a Location. Validation
// must answer OK or INVALID_ARGUMENT naming a field under "incident"; the geometry (self-intersection, point in
// polygon, haversine, postcode parsing) runs on the unvalidated messages too and must not crash or trip UBSan. For
// a valid area, every polygon's own points lie inside it (the border counts as inside).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "server/domain/geo.h"
#include "server/domain/incident_validation.h"

namespace {

namespace v1 = ::ketenbeeld::v1;

void FuzzArea(const uint8_t* data, size_t size) {
  v1::OpenIncidentRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  const absl::Status status = ketenbeeld::domain::ValidateOpenIncidentRequest(request);
  if (!status.ok()) {
    if (status.code() != absl::StatusCode::kInvalidArgument) __builtin_trap();
    const std::string_view message(status.message().data(), status.message().size());
    if (message.substr(0, 8) != "incident") __builtin_trap();
  }
  const v1::Area& area = request.incident().area();
  for (const v1::Polygon& polygon : area.polygons()) {
    (void)ketenbeeld::domain::FindSelfIntersection(polygon);
    for (const v1::Coordinates& point : polygon.points()) {
      const bool inside = ketenbeeld::domain::InsidePolygon(polygon, point);
      if (status.ok() && !inside) __builtin_trap();
    }
  }
  (void)ketenbeeld::domain::AffectedOrganizationIds(request.incident());
}

void FuzzSite(const uint8_t* data, size_t size) {
  v1::Location location;
  if (!location.ParseFromArray(data, static_cast<int>(size))) return;
  (void)ketenbeeld::domain::Pc4OfPostcode(location.postcode());
  (void)ketenbeeld::domain::IsMunicipalityCode(location.municipality_code());
  v1::Area area;
  area.add_postcodes("1781");
  area.add_municipality_codes("GM0400");
  *area.mutable_center() = location.coordinates();
  area.set_radius_km(5);
  v1::Polygon& triangle = *area.add_polygons();
  for (const auto& [latitude, longitude] : {std::pair{52.9, 4.7}, std::pair{52.9, 4.8}, std::pair{53.0, 4.75}}) {
    v1::Coordinates& point = *triangle.add_points();
    point.set_latitude(latitude);
    point.set_longitude(longitude);
  }
  // The site is at the circle's centre, so a site with valid coordinates is inside (a NaN distance compares false:
  // invalid coordinates are only run, not checked).
  const bool inside = ketenbeeld::domain::LocationInArea(location, area);
  const double lat = location.coordinates().latitude();
  const double lon = location.coordinates().longitude();
  if (location.has_coordinates() && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 && !inside) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzArea(data, size);
  FuzzSite(data, size);
  return 0;
}
