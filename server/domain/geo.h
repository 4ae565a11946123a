// Incident areas: which sites (Location) lie inside an Area, and the shape rules an area's polygons must meet.
//
// Coordinates are WGS84 degrees, treated as a plane (longitude x, latitude y) for polygons: the areas are regions of
// the Netherlands, far from the poles and the antimeridian, where a polygon drawn on a web map is one on this plane.
// Circles use the great-circle (haversine) distance. Pure functions: thread-safe, no state.
#ifndef KETENBEELD_SERVER_DOMAIN_GEO_H_
#define KETENBEELD_SERVER_DOMAIN_GEO_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "ketenbeeld/v1/incident.pb.h"
#include "ketenbeeld/v1/organization.pb.h"

namespace ketenbeeld::domain {

// Bounds of an area (incident_validation.cc enforces them, naming the field).
inline constexpr int kMaxAreaPolygons = 16;
inline constexpr int kMinPolygonPoints = 3;
inline constexpr int kMaxPolygonPoints = 1000;
inline constexpr int kMaxAreaPostcodes = 1000;
inline constexpr int kMaxAreaMunicipalities = 500;

// Great-circle distance in kilometres (mean Earth radius 6371.0088 km).
double HaversineKm(const ketenbeeld::v1::Coordinates& a, const ketenbeeld::v1::Coordinates& b);

// Whether `point` lies inside the ring `polygon` by the even-odd rule (a ray crosses the ring an odd number of
// times). A point on an edge or vertex counts as inside: a site on the border of a drawn area is affected. A ring of
// fewer than 3 points contains nothing.
bool InsidePolygon(const ketenbeeld::v1::Polygon& polygon, const ketenbeeld::v1::Coordinates& point);

// The first two edges of the ring that cross or touch, other than neighbours sharing their common point, as edge
// indexes (edge i runs from point i to point i+1, the last back to point 0), or nullopt for a simple ring. A
// neighbour that folds back over the previous edge (collinear and overlapping) and a point repeating the previous
// one count as touching. O(n²) over n points with a bounding-box test per pair: at most ~500 000 pairs for 1000
// points, milliseconds.
std::optional<std::pair<int, int>> FindSelfIntersection(const ketenbeeld::v1::Polygon& polygon);

// "1234" with the first digit 1-9: a 4-digit Dutch postcode area (PC4), 1000..9999.
bool IsPc4(absl::string_view pc4);
// The PC4 of a full Dutch postcode "1234 AB" or "1234AB" (letters in any case), or nullopt when it is not one.
std::optional<std::string> Pc4OfPostcode(absl::string_view postcode);
// "GM" and 4 digits: a CBS municipality code (gemeentecode), e.g. "GM0363".
bool IsMunicipalityCode(absl::string_view code);

// Whether the area selects sites at all: a circle (center with radius_km > 0), a polygon, a postcode or a
// municipality code. An area with only a description (or a centre without radius) selects none.
bool AreaSelectsSites(const ketenbeeld::v1::Area& area);
// Whether the site lies inside any part of the area: within the circle, inside a polygon (both need its
// coordinates), its postcode's PC4 listed, or its municipality code listed.
bool LocationInArea(const ketenbeeld::v1::Location& location, const ketenbeeld::v1::Area& area);
// Whether any site of the organisation lies inside the area.
bool OrganizationInArea(const ketenbeeld::v1::Organization& organization, const ketenbeeld::v1::Area& area);

// The organisations an incident affects: its hand-named affected_organization_ids and the server's
// computed_affected_organization_ids, sorted, each once. Every reader of "the affected organisations" uses this.
std::vector<std::string> AffectedOrganizationIds(const ketenbeeld::v1::Incident& incident);

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_GEO_H_
