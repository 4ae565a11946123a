#include "server/domain/reservation_validation.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "server/domain/field_checks.h"

namespace ketenbeeld::domain {
namespace {

using namespace checks;  // NOLINT(google-build-using-namespace): the checkers are this file's vocabulary.

namespace v1 = ::ketenbeeld::v1;

constexpr TextRule kPatientReference{0, kMaxPatientReferenceLength, false};

// ReserveBedRequest.request_id: optional; 1..64 characters of A-Z a-z 0-9 '-' '_' '.' ':' (a UUID fits).
absl::Status CheckRequestId(const std::string& request_id) {
  if (request_id.empty()) return absl::OkStatus();
  const FieldPath path("request_id");
  if (request_id.size() > static_cast<size_t>(kMaxReservationRequestIdLength)) {
    return Invalid(path, "must be at most ", kMaxReservationRequestIdLength, " characters, got ", request_id.size());
  }
  for (const char c : request_id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != ':') {
      return Invalid(path, "must contain only letters A-Z a-z, digits and '-' '_' '.' ':' (a UUID, say), got ",
                     Quote(request_id));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateForwardedFor(const std::string& forwarded_for) {
  if (forwarded_for.empty()) return absl::OkStatus();
  const FieldPath path("forwarded_for");
  const size_t slash = forwarded_for.find('/');
  if (slash == std::string::npos || !IsSafetyRegion(absl::string_view(forwarded_for).substr(0, slash))) {
    return Invalid(path,
                   "must be the forwarding server's region and its caller's organisation (\"VR12/ghor-roaz\"), got ",
                   Quote(forwarded_for));
  }
  return CheckId(absl::string_view(forwarded_for).substr(slash + 1), path);
}

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
  KETENBEELD_RETURN_IF_ERROR(CheckText(request.patient_reference(), FieldPath("patient_reference"), kPatientReference));
  KETENBEELD_RETURN_IF_ERROR(CheckRequestId(request.request_id()));
  return ValidateForwardedFor(request.forwarded_for());
}

absl::Status ValidateConfirmReservationRequest(const v1::ConfirmReservationRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.reservation_id(), FieldPath("reservation_id")));
  return ValidateForwardedFor(request.forwarded_for());
}

absl::Status ValidateReleaseReservationRequest(const v1::ReleaseReservationRequest& request) {
  KETENBEELD_RETURN_IF_ERROR(CheckId(request.reservation_id(), FieldPath("reservation_id")));
  KETENBEELD_RETURN_IF_ERROR(CheckText(request.reason(), FieldPath("reason"), kShortText));
  return ValidateForwardedFor(request.forwarded_for());
}

}  // namespace ketenbeeld::domain
