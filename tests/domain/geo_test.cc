// Incident areas: point in polygon (inside, outside, on the border, concave), haversine circles, self-intersection,
// PC4 and municipality codes, sites and organisations inside an area; and the validation of areas and of a site's
// postcode and municipality code, with INVALID_ARGUMENT naming the field.
#include "server/domain/geo.h"

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/incident_validation.h"
#include "server/domain/validation.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::domain {
namespace {

using ::ketenbeeld::testing::ParseTextProto;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace v1 = ::ketenbeeld::v1;

v1::Coordinates At(double latitude, double longitude) {
  v1::Coordinates coordinates;
  coordinates.set_latitude(latitude);
  coordinates.set_longitude(longitude);
  return coordinates;
}

v1::Polygon Ring(const std::vector<std::pair<double, double>>& points) {
  v1::Polygon polygon;
  for (const auto& [latitude, longitude] : points) *polygon.add_points() = At(latitude, longitude);
  return polygon;
}

// A square around Den Helder: latitude 52.9..53.0, longitude 4.7..4.8.
v1::Polygon Square() { return Ring({{52.9, 4.7}, {52.9, 4.8}, {53.0, 4.8}, {53.0, 4.7}}); }

TEST(InsidePolygonTest, InsideOutsideAndOnTheBorder) {
  EXPECT_TRUE(InsidePolygon(Square(), At(52.95, 4.75)));
  EXPECT_FALSE(InsidePolygon(Square(), At(52.95, 4.85)));  // East of it.
  EXPECT_FALSE(InsidePolygon(Square(), At(53.05, 4.75)));  // North of it.
  EXPECT_FALSE(InsidePolygon(Square(), At(52.85, 4.65)));  // Diagonal: outside both ranges.
  // A site on an edge or a corner of a drawn area is affected.
  EXPECT_TRUE(InsidePolygon(Square(), At(52.9, 4.75)));
  EXPECT_TRUE(InsidePolygon(Square(), At(53.0, 4.8)));
  // A ray through a vertex is counted once: the point level with the corner's latitude but west of it is inside.
  const v1::Polygon diamond = Ring({{52.0, 5.0}, {52.5, 5.5}, {53.0, 5.0}, {52.5, 4.5}});
  EXPECT_TRUE(InsidePolygon(diamond, At(52.5, 5.0)));
  EXPECT_FALSE(InsidePolygon(diamond, At(52.5, 5.6)));
  EXPECT_FALSE(InsidePolygon(diamond, At(52.5, 4.4)));
}

TEST(InsidePolygonTest, ConcaveRingAndTooFewPoints) {
  // A "U": the notch between the arms is outside.
  const v1::Polygon u = Ring({{0, 0}, {0, 3}, {3, 3}, {3, 2}, {1, 2}, {1, 1}, {3, 1}, {3, 0}});
  EXPECT_TRUE(InsidePolygon(u, At(2, 0.5)));
  EXPECT_TRUE(InsidePolygon(u, At(2, 2.5)));
  EXPECT_FALSE(InsidePolygon(u, At(2, 1.5)));
  EXPECT_TRUE(InsidePolygon(u, At(0.5, 1.5)));
  EXPECT_FALSE(InsidePolygon(Ring({{0, 0}, {1, 1}}), At(0, 0)));
}

TEST(HaversineTest, KnownDistances) {
  // Amsterdam Centraal to Rotterdam Centraal as the crow flies: about 58.5 km.
  EXPECT_NEAR(HaversineKm(At(52.3791, 4.9003), At(51.9244, 4.4690)), 58.5, 0.2);
  // One degree of latitude: about 111.2 km.
  EXPECT_NEAR(HaversineKm(At(52, 5), At(53, 5)), 111.2, 0.1);
  EXPECT_DOUBLE_EQ(HaversineKm(At(52, 5), At(52, 5)), 0);
}

TEST(SelfIntersectionTest, SimpleRingsPass) {
  EXPECT_EQ(FindSelfIntersection(Square()), std::nullopt);
  EXPECT_EQ(FindSelfIntersection(Ring({{0, 0}, {0, 3}, {3, 3}, {3, 2}, {1, 2}, {1, 1}, {3, 1}, {3, 0}})), std::nullopt);
  EXPECT_EQ(FindSelfIntersection(Ring({{0, 0}, {0, 1}, {1, 0}})), std::nullopt);
}

TEST(SelfIntersectionTest, CrossingTouchingAndFoldingRingsAreFound) {
  // A bow tie: its two diagonals, edge 0 (point 0 to 1) and edge 2 (point 2 to 3), cross.
  EXPECT_EQ(FindSelfIntersection(Ring({{0, 0}, {1, 1}, {1, 0}, {0, 1}})), std::make_pair(0, 2));
  // A point touching a non-neighbouring edge.
  EXPECT_TRUE(FindSelfIntersection(Ring({{0, 0}, {0, 4}, {2, 4}, {0, 2}, {2, 0}})).has_value());
  // Three collinear points: the last edge folds back over the first.
  EXPECT_TRUE(FindSelfIntersection(Ring({{0, 0}, {0, 1}, {0, 2}})).has_value());
  // A spike going out and back along the same line.
  EXPECT_TRUE(FindSelfIntersection(Ring({{0, 0}, {0, 2}, {0, 3}, {0, 2}, {2, 2}})).has_value());
  // A repeated point is a zero-length edge.
  EXPECT_TRUE(FindSelfIntersection(Ring({{0, 0}, {0, 1}, {0, 1}, {1, 1}})).has_value());
}

TEST(CodesTest, Pc4PostcodeAndMunicipality) {
  EXPECT_TRUE(IsPc4("1000"));
  EXPECT_TRUE(IsPc4("9999"));
  EXPECT_FALSE(IsPc4("0999"));
  EXPECT_FALSE(IsPc4("123"));
  EXPECT_FALSE(IsPc4("12345"));
  EXPECT_FALSE(IsPc4("12a4"));
  EXPECT_EQ(Pc4OfPostcode("1781 AB"), "1781");
  EXPECT_EQ(Pc4OfPostcode("1781ab"), "1781");
  EXPECT_EQ(Pc4OfPostcode("1781"), std::nullopt);
  EXPECT_EQ(Pc4OfPostcode("1781  AB"), std::nullopt);
  EXPECT_EQ(Pc4OfPostcode("0781 AB"), std::nullopt);
  EXPECT_EQ(Pc4OfPostcode("1781 A1"), std::nullopt);
  EXPECT_TRUE(IsMunicipalityCode("GM0363"));
  EXPECT_FALSE(IsMunicipalityCode("gm0363"));
  EXPECT_FALSE(IsMunicipalityCode("GM363"));
  EXPECT_FALSE(IsMunicipalityCode("0363"));
  EXPECT_FALSE(IsMunicipalityCode("GM03630"));
}

TEST(AreaTest, SiteInsideAnyPart) {
  v1::Area area;
  EXPECT_FALSE(AreaSelectsSites(area));
  area.set_description("alleen tekst");
  *area.mutable_center() = At(52, 5);
  EXPECT_FALSE(AreaSelectsSites(area)) << "a centre without radius selects nothing";

  v1::Location site = ParseTextProto<v1::Location>(R"pb(
    id: "hoofdlocatie"
    name: "Hoofdlocatie"
    coordinates { latitude: 52.95 longitude: 4.75 }
  )pb");
  EXPECT_FALSE(LocationInArea(site, area));
  *area.add_polygons() = Square();
  EXPECT_TRUE(AreaSelectsSites(area));
  EXPECT_TRUE(LocationInArea(site, area));

  v1::Location by_post = ParseTextProto<v1::Location>(R"pb(id: "b" name: "B" postcode: "1781 ab")pb");
  EXPECT_FALSE(LocationInArea(by_post, area)) << "no coordinates, no postcode area";
  area.add_postcodes("1781");
  EXPECT_TRUE(LocationInArea(by_post, area));

  v1::Location by_municipality = ParseTextProto<v1::Location>(R"pb(id: "c" name: "C" municipality_code: "GM0400")pb");
  EXPECT_FALSE(LocationInArea(by_municipality, area));
  area.add_municipality_codes("GM0400");
  EXPECT_TRUE(LocationInArea(by_municipality, area));

  v1::Area circle;
  *circle.mutable_center() = At(52, 5);
  circle.set_radius_km(10);
  v1::Location near = ParseTextProto<v1::Location>(R"pb(id: "n"
                                                        name: "N"
                                                        coordinates { latitude: 52.08 longitude: 5 }
  )pb");
  v1::Location far = ParseTextProto<v1::Location>(R"pb(id: "f"
                                                       name: "F"
                                                       coordinates { latitude: 52.1 longitude: 5 }
  )pb");
  EXPECT_TRUE(LocationInArea(near, circle));  // 8.9 km.
  EXPECT_FALSE(LocationInArea(far, circle));  // 11.1 km.

  v1::Organization organization;
  *organization.add_locations() = far;
  EXPECT_FALSE(OrganizationInArea(organization, circle));
  *organization.add_locations() = near;
  EXPECT_TRUE(OrganizationInArea(organization, circle)) << "any site inside is enough";
}

TEST(AreaTest, AffectedIsTheUnionOfNamedAndComputed) {
  const v1::Incident incident = ParseTextProto<v1::Incident>(R"pb(
    affected_organization_ids: "zkh-b"
    affected_organization_ids: "vvt-a"
    computed_affected_organization_ids: "vvt-a"
    computed_affected_organization_ids: "ggz-c"
  )pb");
  EXPECT_THAT(AffectedOrganizationIds(incident), ElementsAre("ggz-c", "vvt-a", "zkh-b"));
}

// --- Validation ---

v1::OpenIncidentRequest OpenWithArea(const std::string& area_text) {
  v1::OpenIncidentRequest request = ParseTextProto<v1::OpenIncidentRequest>(R"pb(
    incident {
      id: "overstroming"
      title: "Dijkdoorbraak"
      type: "overstroming"
      scale_up_level: "GRIP 2"
      safety_region: "VR10"
    }
  )pb");
  *request.mutable_incident()->mutable_area() = ParseTextProto<v1::Area>(area_text);
  return request;
}

absl::Status ValidateArea(const v1::Area& area) {
  v1::OpenIncidentRequest request = OpenWithArea("");
  *request.mutable_incident()->mutable_area() = area;
  return ValidateOpenIncidentRequest(request);
}

void ExpectInvalid(const absl::Status& status, const std::string& path, const std::string& what) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(path + ": "));
  EXPECT_THAT(std::string(status.message()), HasSubstr(what));
}

TEST(AreaValidationTest, AValidAreaWithEveryPartPasses) {
  v1::Area area;
  *area.add_polygons() = Square();
  *area.add_polygons() = Ring({{52, 5}, {52, 5.1}, {52.1, 5}});
  area.add_postcodes("1781");
  area.add_postcodes("1782");
  area.add_municipality_codes("GM0400");
  *area.mutable_center() = At(52.9, 4.7);
  area.set_radius_km(3);
  EXPECT_TRUE(ValidateArea(area).ok()) << ValidateArea(area);
}

TEST(AreaValidationTest, PolygonErrorsNameThePoint) {
  v1::Area area;
  *area.add_polygons() = Square();
  *area.add_polygons() = Square();
  area.mutable_polygons(1)->mutable_points(3)->set_latitude(91);
  ExpectInvalid(ValidateArea(area), "incident.area.polygons[1].points[3].latitude", "between -90 and 90");
  area.mutable_polygons(1)->mutable_points(3)->set_latitude(53);
  area.mutable_polygons(1)->mutable_points(2)->set_longitude(-181);
  ExpectInvalid(ValidateArea(area), "incident.area.polygons[1].points[2].longitude", "between -180 and 180");
  area.mutable_polygons(1)->mutable_points(2)->set_longitude(std::numeric_limits<double>::quiet_NaN());
  ExpectInvalid(ValidateArea(area), "incident.area.polygons[1].points[2].longitude", "finite");

  area.mutable_polygons(1)->mutable_points()->DeleteSubrange(2, 2);
  ExpectInvalid(ValidateArea(area), "incident.area.polygons[1].points", "at least 3 points, got 2");

  *area.mutable_polygons(1) = Ring({{0, 0}, {1, 1}, {1, 0}, {0, 1}});
  ExpectInvalid(ValidateArea(area), "incident.area.polygons[1].points", "intersects itself");

  *area.mutable_polygons(1) = Ring({{0, 0}, {0, 1}, {1, 1}, {0, 0}});
  ExpectInvalid(ValidateArea(area), "incident.area.polygons[1].points[0]", "repeats the point before it");
}

TEST(AreaValidationTest, SizesAreBounded) {
  v1::Area area;
  for (int i = 0; i <= kMaxAreaPolygons; ++i) *area.add_polygons() = Square();
  ExpectInvalid(ValidateArea(area), "incident.area.polygons", "at most 16");

  // A circle of 1001 points is simple but too long.
  v1::Area long_ring;
  v1::Polygon& ring = *long_ring.add_polygons();
  for (int i = 0; i <= kMaxPolygonPoints; ++i) {
    const double angle = 2 * 3.14159265358979 * i / (kMaxPolygonPoints + 1);
    *ring.add_points() = At(52 + 0.1 * std::sin(angle), 5 + 0.1 * std::cos(angle));
  }
  ExpectInvalid(ValidateArea(long_ring), "incident.area.polygons[0].points", "at most 1000");
  ring.mutable_points()->RemoveLast();
  EXPECT_TRUE(ValidateArea(long_ring).ok()) << ValidateArea(long_ring);

  v1::Area postcodes;
  for (int i = 0; i <= kMaxAreaPostcodes; ++i) postcodes.add_postcodes(std::to_string(1000 + i));
  ExpectInvalid(ValidateArea(postcodes), "incident.area.postcodes", "at most 1000");
}

TEST(AreaValidationTest, MalformedAndRepeatedCodes) {
  ExpectInvalid(ValidateArea(ParseTextProto<v1::Area>(R"pb(postcodes: "1781" postcodes: "0781")pb")),
                "incident.area.postcodes[1]", "4-digit postcode (PC4)");
  ExpectInvalid(ValidateArea(ParseTextProto<v1::Area>(R"pb(postcodes: "1781 AB")pb")), "incident.area.postcodes[0]",
                "4-digit postcode");
  ExpectInvalid(ValidateArea(ParseTextProto<v1::Area>(R"pb(postcodes: "1781" postcodes: "1781")pb")),
                "incident.area.postcodes[1]", "appears twice (also at incident.area.postcodes[0])");
  ExpectInvalid(ValidateArea(ParseTextProto<v1::Area>(R"pb(municipality_codes: "0363")pb")),
                "incident.area.municipality_codes[0]", "CBS municipality code");
}

TEST(LocationValidationTest, PostcodeAndMunicipalityCode) {
  v1::Organization organization = ParseTextProto<v1::Organization>(R"pb(
    id: "vvt-a"
    name: "Zorgcentrum A"
    kind: ORGANIZATION_KIND_NURSING_HOME
    safety_region: "VR10"
    locations { id: "hoofd" name: "Hoofdlocatie" postcode: "1781 AB" municipality_code: "GM0400" }
  )pb");
  EXPECT_TRUE(ValidateOrganization(organization, "organization").ok())
      << ValidateOrganization(organization, "organization");
  organization.mutable_locations(0)->set_postcode("1781");
  ExpectInvalid(ValidateOrganization(organization, "organization"), "organization.locations[0].postcode",
                "Dutch postcode");
  organization.mutable_locations(0)->set_postcode("1781AB");
  organization.mutable_locations(0)->set_municipality_code("Den Helder");
  ExpectInvalid(ValidateOrganization(organization, "organization"), "organization.locations[0].municipality_code",
                "CBS municipality code");
}

}  // namespace
}  // namespace ketenbeeld::domain
