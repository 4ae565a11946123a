#include "server/domain/geo.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"

namespace ketenbeeld::domain {
namespace {

namespace v1 = ::ketenbeeld::v1;

constexpr double kEarthRadiusKm = 6371.0088;
constexpr double kPi = 3.14159265358979323846;

// A point on the plane: x = longitude, y = latitude.
struct Point {
  double x = 0;
  double y = 0;
};

Point ToPoint(const v1::Coordinates& c) { return Point{.x = c.longitude(), .y = c.latitude()}; }

bool Same(Point a, Point b) { return a.x == b.x && a.y == b.y; }

// The sign of the turn a -> b -> c: 1 left, -1 right, 0 collinear.
int Orientation(Point a, Point b, Point c) {
  const double cross = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
  return cross > 0 ? 1 : (cross < 0 ? -1 : 0);
}

// Whether `p`, collinear with segment ab, lies within it (ends included).
bool WithinBox(Point a, Point b, Point p) {
  return std::min(a.x, b.x) <= p.x && p.x <= std::max(a.x, b.x) && std::min(a.y, b.y) <= p.y &&
         p.y <= std::max(a.y, b.y);
}

// Whether the closed segments ab and cd have a point in common.
bool SegmentsMeet(Point a, Point b, Point c, Point d) {
  // Disjoint bounding boxes: the usual case for two edges of a large ring, four comparisons.
  if (std::max(a.x, b.x) < std::min(c.x, d.x) || std::max(c.x, d.x) < std::min(a.x, b.x) ||
      std::max(a.y, b.y) < std::min(c.y, d.y) || std::max(c.y, d.y) < std::min(a.y, b.y)) {
    return false;
  }
  const int o1 = Orientation(a, b, c);
  const int o2 = Orientation(a, b, d);
  const int o3 = Orientation(c, d, a);
  const int o4 = Orientation(c, d, b);
  if (o1 != o2 && o3 != o4) return true;
  return (o1 == 0 && WithinBox(a, b, c)) || (o2 == 0 && WithinBox(a, b, d)) || (o3 == 0 && WithinBox(c, d, a)) ||
         (o4 == 0 && WithinBox(c, d, b));
}

// Whether edge b -> c folds back over edge a -> b (collinear, c on the same side of b as a).
bool FoldsBack(Point a, Point b, Point c) {
  return Orientation(a, b, c) == 0 && (a.x - b.x) * (c.x - b.x) + (a.y - b.y) * (c.y - b.y) > 0;
}

bool AllDigits(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return absl::ascii_isdigit(c); });
}

bool HasCircle(const v1::Area& area) { return area.has_center() && area.has_radius_km() && area.radius_km() > 0; }

}  // namespace

double HaversineKm(const v1::Coordinates& a, const v1::Coordinates& b) {
  const double to_radians = kPi / 180;
  const double lat1 = a.latitude() * to_radians;
  const double lat2 = b.latitude() * to_radians;
  const double sin_dlat = std::sin((lat2 - lat1) / 2);
  const double sin_dlon = std::sin((b.longitude() - a.longitude()) * to_radians / 2);
  const double h = sin_dlat * sin_dlat + std::cos(lat1) * std::cos(lat2) * sin_dlon * sin_dlon;
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

bool InsidePolygon(const v1::Polygon& polygon, const v1::Coordinates& coordinates) {
  const int n = polygon.points_size();
  if (n < kMinPolygonPoints) return false;
  const Point p = ToPoint(coordinates);
  bool inside = false;
  for (int i = 0, j = n - 1; i < n; j = i++) {
    const Point a = ToPoint(polygon.points(j));
    const Point b = ToPoint(polygon.points(i));
    if (Orientation(a, b, p) == 0 && WithinBox(a, b, p)) return true;  // On the border.
    // The edge straddles the horizontal through p (half-open, so a vertex on it counts once) and crosses it to the
    // right of p.
    if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

std::optional<std::pair<int, int>> FindSelfIntersection(const v1::Polygon& polygon) {
  const int n = polygon.points_size();
  if (n < 2) return std::nullopt;
  std::vector<Point> points;
  points.reserve(n);
  for (const v1::Coordinates& c : polygon.points()) points.push_back(ToPoint(c));
  const auto start = [&](int edge) { return points[edge]; };
  const auto end = [&](int edge) { return points[(edge + 1) % n]; };
  for (int i = 0; i < n; ++i) {
    // A zero-length edge touches both its neighbours; a neighbour folding back overlaps this edge.
    if (Same(start(i), end(i))) return std::make_pair(i, (i + 1) % n);
    if (n >= 3 && FoldsBack(start(i), end(i), end((i + 1) % n))) return std::make_pair(i, (i + 1) % n);
  }
  for (int i = 0; i < n; ++i) {
    for (int j = i + 2; j < n; ++j) {
      if (i == 0 && j == n - 1) continue;  // Neighbours through point 0.
      if (SegmentsMeet(start(i), end(i), start(j), end(j))) return std::make_pair(i, j);
    }
  }
  return std::nullopt;
}

bool IsPc4(absl::string_view pc4) { return pc4.size() == 4 && AllDigits(pc4) && pc4[0] != '0'; }

std::optional<std::string> Pc4OfPostcode(absl::string_view postcode) {
  if (postcode.size() < 6 || !IsPc4(postcode.substr(0, 4))) return std::nullopt;
  absl::string_view letters = postcode.substr(4);
  if (letters.size() == 3 && letters[0] == ' ') letters.remove_prefix(1);
  if (letters.size() != 2 || !absl::ascii_isalpha(letters[0]) || !absl::ascii_isalpha(letters[1])) {
    return std::nullopt;
  }
  return std::string(postcode.substr(0, 4));
}

bool IsMunicipalityCode(absl::string_view code) {
  return code.size() == 6 && code.substr(0, 2) == "GM" && AllDigits(code.substr(2));
}

bool AreaSelectsSites(const v1::Area& area) {
  return HasCircle(area) || area.polygons_size() > 0 || area.postcodes_size() > 0 || area.municipality_codes_size() > 0;
}

bool LocationInArea(const v1::Location& location, const v1::Area& area) {
  if (!location.municipality_code().empty() &&
      std::find(area.municipality_codes().begin(), area.municipality_codes().end(), location.municipality_code()) !=
          area.municipality_codes().end()) {
    return true;
  }
  if (area.postcodes_size() > 0) {
    if (const std::optional<std::string> pc4 = Pc4OfPostcode(location.postcode());
        pc4.has_value() &&
        std::find(area.postcodes().begin(), area.postcodes().end(), *pc4) != area.postcodes().end()) {
      return true;
    }
  }
  if (!location.has_coordinates()) return false;
  if (HasCircle(area) && HaversineKm(area.center(), location.coordinates()) <= area.radius_km()) return true;
  return std::any_of(area.polygons().begin(), area.polygons().end(),
                     [&](const v1::Polygon& polygon) { return InsidePolygon(polygon, location.coordinates()); });
}

bool OrganizationInArea(const v1::Organization& organization, const v1::Area& area) {
  return std::any_of(organization.locations().begin(), organization.locations().end(),
                     [&](const v1::Location& location) { return LocationInArea(location, area); });
}

std::vector<std::string> AffectedOrganizationIds(const v1::Incident& incident) {
  std::vector<std::string> ids(incident.affected_organization_ids().begin(),
                               incident.affected_organization_ids().end());
  ids.insert(ids.end(), incident.computed_affected_organization_ids().begin(),
             incident.computed_affected_organization_ids().end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace ketenbeeld::domain
