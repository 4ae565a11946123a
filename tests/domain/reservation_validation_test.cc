// Field validation of bed reservations and their lifecycle requests, and the region's reservation bounds: each rule
// once, with the field the error must name.
#include "server/domain/reservation_validation.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/region.h"

namespace ketenbeeld::domain {
namespace {

namespace v1 = ::ketenbeeld::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::ReserveBedRequest Valid() {
  v1::ReserveBedRequest request;
  request.set_organization_id("ziekenhuis-a");
  request.set_bed_type(v1::BED_TYPE_IC_ADULT);
  request.set_patient_reference("rit 2026-1187");
  return request;
}

void ExpectInvalid(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(field + ": "));
}

TEST(ReservationValidationTest, AValidReservationPasses) {
  EXPECT_TRUE(ValidateReserveBedRequest(Valid()).ok());
  v1::ReserveBedRequest held = Valid();
  held.mutable_hold_for()->set_seconds(15 * 60);
  EXPECT_TRUE(ValidateReserveBedRequest(held).ok());
  held.mutable_hold_for()->set_seconds(60);  // The shortest hold.
  EXPECT_TRUE(ValidateReserveBedRequest(held).ok());
}

TEST(ReservationValidationTest, OrganisationAndBedTypeAreRequired) {
  v1::ReserveBedRequest request = Valid();
  request.clear_organization_id();
  ExpectInvalid(ValidateReserveBedRequest(request), "organization_id");
  request = Valid();
  request.set_organization_id("Ziekenhuis A");
  ExpectInvalid(ValidateReserveBedRequest(request), "organization_id");
  request = Valid();
  request.clear_bed_type();
  ExpectInvalid(ValidateReserveBedRequest(request), "bed_type");
  request.set_bed_type(static_cast<v1::BedType>(999));
  ExpectInvalid(ValidateReserveBedRequest(request), "bed_type");
}

TEST(ReservationValidationTest, HoldForIsAtLeastAMinuteAndNeverNegative) {
  v1::ReserveBedRequest request = Valid();
  request.mutable_hold_for()->set_seconds(30);
  ExpectInvalid(ValidateReserveBedRequest(request), "hold_for");
  request.mutable_hold_for()->set_seconds(-60);
  ExpectInvalid(ValidateReserveBedRequest(request), "hold_for");
  request.mutable_hold_for()->set_seconds(25 * 3600);  // Beyond what any region may configure.
  ExpectInvalid(ValidateReserveBedRequest(request), "hold_for");
}

TEST(ReservationValidationTest, PatientReferenceIsOneShortLine) {
  v1::ReserveBedRequest request = Valid();
  request.set_patient_reference(std::string(kMaxPatientReferenceLength, 'x'));
  EXPECT_TRUE(ValidateReserveBedRequest(request).ok());
  request.set_patient_reference(std::string(kMaxPatientReferenceLength + 1, 'x'));
  ExpectInvalid(ValidateReserveBedRequest(request), "patient_reference");
  request.set_patient_reference("rit 1\nJan Jansen");
  ExpectInvalid(ValidateReserveBedRequest(request), "patient_reference");
}

TEST(ReservationValidationTest, RequestIdIsOptionalAndBounded) {
  v1::ReserveBedRequest request = Valid();
  request.set_request_id("6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b");  // A UUID.
  EXPECT_TRUE(ValidateReserveBedRequest(request).ok());
  request.set_request_id("cli:rit_2026.1187");
  EXPECT_TRUE(ValidateReserveBedRequest(request).ok());
  request.set_request_id(std::string(64, 'a'));
  EXPECT_TRUE(ValidateReserveBedRequest(request).ok());
  request.set_request_id(std::string(65, 'a'));
  ExpectInvalid(ValidateReserveBedRequest(request), "request_id");
  EXPECT_THAT(std::string(ValidateReserveBedRequest(request).message()), HasSubstr("at most 64 characters"));
  for (const char* bad : {"rit 1", "rit/1", "rit\n", "r\xc3\xa9"}) {
    request.set_request_id(bad);
    ExpectInvalid(ValidateReserveBedRequest(request), "request_id");
  }
}

// Set by a forwarding ROAZ/national server: its region and its caller's organisation, or nothing.
TEST(ReservationValidationTest, ForwardedForIsARegionAndAnOrganisation) {
  v1::ReserveBedRequest request = Valid();
  request.set_forwarded_for("VR12/ghor-roaz");
  EXPECT_TRUE(ValidateReserveBedRequest(request).ok());
  for (const char* bad : {"VR12", "ghor-roaz", "VR99/ghor-roaz", "VR12/", "/ghor-roaz", "VR12/ghor roaz"}) {
    request.set_forwarded_for(bad);
    ExpectInvalid(ValidateReserveBedRequest(request), "forwarded_for");
  }
  v1::ConfirmReservationRequest confirm;
  confirm.set_reservation_id("42");
  confirm.set_forwarded_for("VR12");
  ExpectInvalid(ValidateConfirmReservationRequest(confirm), "forwarded_for");
  v1::ReleaseReservationRequest release;
  release.set_reservation_id("42");
  release.set_forwarded_for("VR12/meldkamer-roaz");
  EXPECT_TRUE(ValidateReleaseReservationRequest(release).ok());
  release.set_forwarded_for("12/x");
  ExpectInvalid(ValidateReleaseReservationRequest(release), "forwarded_for");
}

TEST(ReservationValidationTest, LifecycleRequestsNameTheReservation) {
  v1::ConfirmReservationRequest confirm;
  ExpectInvalid(ValidateConfirmReservationRequest(confirm), "reservation_id");
  confirm.set_reservation_id("42");
  EXPECT_TRUE(ValidateConfirmReservationRequest(confirm).ok());
  v1::ReleaseReservationRequest release;
  ExpectInvalid(ValidateReleaseReservationRequest(release), "reservation_id");
  release.set_reservation_id("42");
  release.set_reason("patiënt gaat naar ziekenhuis-b");
  EXPECT_TRUE(ValidateReleaseReservationRequest(release).ok());
  release.set_reason(std::string(2001, 'x'));
  ExpectInvalid(ValidateReleaseReservationRequest(release), "reason");
}

TEST(ReservationValidationTest, TheRegionBoundsTheHoldWithDefaults) {
  const Region defaults = Region::Default();
  EXPECT_EQ(defaults.bed_reservation_hold(), absl::Minutes(15));
  EXPECT_EQ(defaults.bed_reservation_max_hold(), absl::Minutes(60));

  ketenbeeld::server::v1::RegionConfig config;
  config.mutable_bed_reservation_max_hold()->set_seconds(10 * 60);
  absl::StatusOr<Region> region = Region::FromConfig(config);
  ASSERT_TRUE(region.ok()) << region.status();
  // The default hold never exceeds a shorter maximum.
  EXPECT_EQ(region->bed_reservation_hold(), absl::Minutes(10));
  EXPECT_EQ(region->bed_reservation_max_hold(), absl::Minutes(10));

  config.mutable_bed_reservation_hold()->set_seconds(20 * 60);
  region = Region::FromConfig(config);
  EXPECT_EQ(region.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(region.status().message()), StartsWith("region.bed_reservation_hold: "));
  EXPECT_THAT(std::string(region.status().message()), HasSubstr("longer than bed_reservation_max_hold"));

  config.Clear();
  config.mutable_bed_reservation_max_hold()->set_seconds(25 * 3600);
  region = Region::FromConfig(config);
  EXPECT_EQ(region.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(region.status().message()), StartsWith("region.bed_reservation_max_hold: "));
  config.Clear();
  config.mutable_bed_reservation_hold()->set_seconds(30);
  region = Region::FromConfig(config);
  EXPECT_THAT(std::string(region.status().message()), StartsWith("region.bed_reservation_hold: "));
}

}  // namespace
}  // namespace ketenbeeld::domain
