// Forwarding bed reservations from a ROAZ or national server to the region that owns the bed (docs/reservations.md,
// "Across regions"). A reservation is committed in the region that owns the bed; the ROAZ server holds a federated
// copy. The service layer decides that a call goes to the region (Operations::Write reads Record.provenance) and
// turns it into the region's form (its reservation id, the caller as `forwarded_for`); an implementation of this
// interface sends it (server/api/region_forwarder.h: gRPC with the endpoint of federation.sources[].endpoint).
//
// Thread safety: implementations are called concurrently from any thread.
#ifndef KETENBEELD_SERVER_SERVICE_RESERVATION_FORWARDER_H_
#define KETENBEELD_SERVER_SERVICE_RESERVATION_FORWARDER_H_

#include <string>
#include <variant>

#include "absl/strings/string_view.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "server/pipeline/committer.h"

namespace ketenbeeld::service {

// A reservation call as the owning region's server takes it: its ids, and `forwarded_for` naming this server's
// caller ("VR12/ghor-roaz"; empty for a development-mode caller, who has no organisation).
using RegionReservationCall = std::variant<ketenbeeld::v1::ReserveBedRequest, ketenbeeld::v1::ConfirmReservationRequest,
                                           ketenbeeld::v1::ReleaseReservationRequest>;

struct RegionCall {
  // The owning region ("VR10"): the federated record's SourceProvenance.source_region.
  std::string safety_region;
  RegionReservationCall call;
};

class ReservationForwarder {
 public:
  virtual ~ReservationForwarder() = default;

  // Whether this server has an endpoint for `safety_region`'s server.
  virtual bool Reaches(absl::string_view safety_region) const = 0;

  // Sends `call` to its region's server. `done` runs exactly once, on any thread, never inside this call's caller
  // blocking on the network (the call is asynchronous, bounded by a deadline per attempt and a bounded number of
  // attempts):
  //   - OK: the region's answer, as it gave it: its revision, its record (reservations/{id} with the region's id) and
  //     `replayed`;
  //   - the region's refusal with the region's code, its message saying that the region answered it;
  //   - UNAVAILABLE naming the region when it could not be reached or its answer was lost on every attempt (the
  //     message then gives the request_id a ReserveBed may be repeated with to learn its outcome).
  // A ReserveBed without request_id gets one before the first attempt, so that an attempt sent again after a lost
  // answer never holds a second bed.
  virtual void Forward(RegionCall call, pipeline::Committer::Callback done) = 0;
};

}  // namespace ketenbeeld::service

#endif  // KETENBEELD_SERVER_SERVICE_RESERVATION_FORWARDER_H_
