// Field validation of bed reservations (reservation.proto) and their lifecycle requests (see validation.h for the
// rules every validator follows).
#ifndef KETENBEELD_SERVER_DOMAIN_RESERVATION_VALIDATION_H_
#define KETENBEELD_SERVER_DOMAIN_RESERVATION_VALIDATION_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ketenbeeld/v1/workflow_service.pb.h"

namespace ketenbeeld::domain {

// BedReservation.patient_reference: one line, at most this many characters.
inline constexpr int kMaxPatientReferenceLength = 200;
// ReserveBedRequest.request_id: at most this long (a UUID is 36), of A-Z a-z 0-9 '-' '_' '.' ':'.
inline constexpr int kMaxReservationRequestIdLength = 64;
// ReserveBedRequest.hold_for: at least this long. The longest is the region's (Region::bed_reservation_max_hold,
// checked by the planner); these checks only bound it by the longest any region may configure.
inline constexpr absl::Duration kMinReservationHold = absl::Minutes(1);
inline constexpr absl::Duration kMaxConfigurableReservationHold = absl::Hours(24);

// ReserveBedRequest/ConfirmReservationRequest/ReleaseReservationRequest.forwarded_for: empty, or a forwarding
// server's region and its caller's organisation, "VR12/ghor-roaz". INVALID_ARGUMENT naming `forwarded_for` otherwise.
absl::Status ValidateForwardedFor(const std::string& forwarded_for);

// Each returns OK or INVALID_ARGUMENT whose message starts with the field ("hold_for: ..."). Checks that need the
// picture or the configuration (is the organisation registered, is a bed available, is hold_for within the region's
// maximum, is the transition allowed) are the planner's (server/mutations/mutations_reservation.cc). Thread-safe.
absl::Status ValidateReserveBedRequest(const ketenbeeld::v1::ReserveBedRequest& request);
absl::Status ValidateConfirmReservationRequest(const ketenbeeld::v1::ConfirmReservationRequest& request);
absl::Status ValidateReleaseReservationRequest(const ketenbeeld::v1::ReleaseReservationRequest& request);

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_RESERVATION_VALIDATION_H_
