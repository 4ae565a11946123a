#include "server/domain/reservation_validation.h"

#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "server/domain/field_checks.h"

namespace ketenbeeld::domain {
namespace {

using namespace checks;  // NOLINT(google-build-using-namespace): the checkers are this file's vocabulary.

namespace v1 = ::ketenbeeld::v1;

constexpr TextRule kPatientReference{0, kMaxPatientReferenceLength, false};

}  // namespace

absl::Status ValidateReserveBedRequest(const v1::ReserveBedRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.organization_id(), FieldPath("organization_id")));
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::BedType>(request.bed_type(), FieldPath("bed_type"), Presence::kRequired));
  const google::protobuf::Duration& hold = request.hold_for();
  const FieldPath hold_path("hold_for");
  if (hold.seconds() < 0 || hold.nanos() < 0 || hold.nanos() > kMaxNanos) {
    return Invalid(hold_path, "must not be negative, got ", hold.seconds(), " s ", hold.nanos(), " ns");
  }
  if (hold.seconds() != 0 || hold.nanos() != 0) {
    const absl::Duration value = FromProtoDuration(hold);
    if (value < kMinReservationHold || value > kMaxConfigurableReservationHold) {
      return Invalid(hold_path, "must be between ", absl::FormatDuration(kMinReservationHold),
                     " and the server's maximum, or unset for its default; got ", absl::FormatDuration(value));
    }
  }
  return CheckText(request.patient_reference(), FieldPath("patient_reference"), kPatientReference);
}

absl::Status ValidateConfirmReservationRequest(const v1::ConfirmReservationRequest& request) {
  return CheckId(request.reservation_id(), FieldPath("reservation_id"));
}

absl::Status ValidateReleaseReservationRequest(const v1::ReleaseReservationRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.reservation_id(), FieldPath("reservation_id")));
  return CheckText(request.reason(), FieldPath("reason"), kShortText);
}

}  // namespace ketenbeeld::domain
