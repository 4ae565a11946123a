// Which reservation calls go to another region's server (docs/reservations.md, "Across regions"): ReserveBed of an
// organisation federated from a region, ConfirmReservation/ReleaseReservation of a reservation federated from one.
// The decision reads the picture's record (Record.provenance names the owning region) before anything is queued, so
// the committer never sees a forwarded call.
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "server/domain/names.h"
#include "server/service/operations.h"

namespace ketenbeeld::service {
namespace {

namespace v1 = ketenbeeld::v1;

// The region a federated record came from; nullopt for this server's own records (and when there is none).
std::optional<std::string> OwningRegion(const state::RecordPtr& record) {
  if (record == nullptr || !record->record.has_provenance()) return std::nullopt;
  return record->record.provenance().source_region();
}

// A lifecycle call of reservation `federated_id` (its id here, "vr10-1234") in the region's form ("1234").
template <typename Request>
std::optional<RegionCall> LifecycleCall(const Request& request, const state::Picture& picture,
                                        const ReservationForwarder& forwarder, const std::string& forwarded_for) {
  const state::RecordPtr record = picture.Find(domain::ReservationName(request.reservation_id()));
  if (record == nullptr || !record->record.has_bed_reservation()) return std::nullopt;
  std::optional<std::string> region = OwningRegion(record);
  if (!region.has_value() || !forwarder.Reaches(*region)) return std::nullopt;
  std::string region_id = domain::RegionReservationId(*region, request.reservation_id());
  if (region_id.empty()) return std::nullopt;  // Not named as that region's: the planner refuses it.
  Request call = request;
  call.set_reservation_id(std::move(region_id));
  call.set_forwarded_for(forwarded_for);
  return RegionCall{.safety_region = *std::move(region), .call = std::move(call)};
}

}  // namespace

std::optional<RegionCall> Operations::RegionCallOf(const security::Identity& caller,
                                                   const mutations::WriteRequest& request) const {
  if (deps_.reservation_forwarder == nullptr) return std::nullopt;
  const ReservationForwarder& forwarder = *deps_.reservation_forwarder;
  // Development mode has no organisations: the call goes as the forwarding server's own.
  const std::string forwarded_for = caller.organization_id.empty() || deps_.safety_region.empty()
                                        ? std::string()
                                        : absl::StrCat(deps_.safety_region, "/", caller.organization_id);
  if (const auto* reserve = std::get_if<v1::ReserveBedRequest>(&request.body)) {
    std::optional<std::string> region =
        OwningRegion(deps_.picture.Find(domain::OrganizationName(reserve->organization_id())));
    if (!region.has_value() || !forwarder.Reaches(*region)) return std::nullopt;
    v1::ReserveBedRequest call = *reserve;
    call.set_forwarded_for(forwarded_for);
    return RegionCall{.safety_region = *std::move(region), .call = std::move(call)};
  }
  if (const auto* confirm = std::get_if<v1::ConfirmReservationRequest>(&request.body)) {
    return LifecycleCall(*confirm, deps_.picture, forwarder, forwarded_for);
  }
  if (const auto* release = std::get_if<v1::ReleaseReservationRequest>(&request.body)) {
    return LifecycleCall(*release, deps_.picture, forwarder, forwarded_for);
  }
  return std::nullopt;
}

}  // namespace ketenbeeld::service
