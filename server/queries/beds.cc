#include "server/queries/beds.h"

#include <algorithm>
#include <utility>

#include "absl/container/btree_map.h"
#include "base/time.h"

namespace ketenbeeld::queries {
namespace {

namespace v1 = ::ketenbeeld::v1;

}  // namespace

bool ReservationHoldsBed(const v1::BedReservation& reservation, std::optional<absl::Time> figures_reported_at) {
  switch (reservation.state()) {
    case v1::RESERVATION_STATE_HELD:
      return true;
    case v1::RESERVATION_STATE_CONFIRMED:
      // Superseded by the organisation's first report of the type's figures after the confirmation. A report in the
      // same commit group (the same time) does not supersede it: counted once too often rather than once too few.
      return !figures_reported_at.has_value() || *figures_reported_at <= FromProtoTime(reservation.confirmed_at());
    default:
      return false;
  }
}

BedCount CountBeds(absl::Span<const v1::StatusReport* const> counted_reports,
                   absl::Span<const v1::BedReservation* const> reservations, absl::string_view organization_id,
                   v1::BedType bed_type) {
  BedCount count;
  for (const v1::StatusReport* report : counted_reports) {
    for (const v1::Capacity& capacity : report->capacity()) {
      if (capacity.type() != bed_type) continue;
      const absl::Time at = FromProtoTime(capacity.has_reported_at() ? capacity.reported_at() : report->commit_time());
      count.reported_at = std::max(count.reported_at.value_or(at), at);
      if (capacity.has_available()) count.reported = count.reported.value_or(0) + capacity.available();
    }
  }
  for (const v1::BedReservation* reservation : reservations) {
    if (reservation->organization_id() != organization_id || reservation->bed_type() != bed_type) continue;
    if (ReservationHoldsBed(*reservation, count.reported_at)) ++count.reserved;
  }
  return count;
}

std::vector<v1::Capacity> CountedCapacity(absl::Span<const v1::StatusReport* const> counted_reports,
                                          absl::Span<const v1::BedReservation* const> reservations,
                                          absl::string_view organization_id) {
  absl::btree_map<int, v1::Capacity> by_type;
  absl::btree_map<int, absl::Time> oldest;
  for (const v1::StatusReport* report : counted_reports) {
    for (const v1::Capacity& capacity : report->capacity()) {
      v1::Capacity& sum = by_type[capacity.type()];
      sum.set_type(capacity.type());
      if (capacity.has_occupied()) sum.set_occupied(sum.occupied() + capacity.occupied());
      if (capacity.has_baseline()) sum.set_baseline(sum.baseline() + capacity.baseline());
      if (capacity.has_surge_24h()) sum.set_surge_24h(sum.surge_24h() + capacity.surge_24h());
      if (capacity.has_surge_72h()) sum.set_surge_72h(sum.surge_72h() + capacity.surge_72h());
      const absl::Time at = FromProtoTime(capacity.has_reported_at() ? capacity.reported_at() : report->commit_time());
      auto [it, inserted] = oldest.try_emplace(capacity.type(), at);
      if (!inserted) it->second = std::min(it->second, at);
    }
  }
  std::vector<v1::Capacity> counted;
  counted.reserve(by_type.size());
  for (auto& [type, sum] : by_type) {
    // `available` by the one rule (CountBeds): summed, then the beds reservations hold taken off.
    const std::optional<int64_t> available =
        CountBeds(counted_reports, reservations, organization_id, static_cast<v1::BedType>(type)).effective();
    if (available.has_value()) sum.set_available(static_cast<int32_t>(*available));
    *sum.mutable_reported_at() = ToProtoTime(oldest.at(type));
    counted.push_back(std::move(sum));
  }
  return counted;
}

void ReservationIndex::Add(const v1::BedReservation& reservation) {
  if (reservation.state() != v1::RESERVATION_STATE_HELD && reservation.state() != v1::RESERVATION_STATE_CONFIRMED) {
    return;
  }
  by_key_[{reservation.organization_id(), static_cast<int>(reservation.bed_type())}].push_back(&reservation);
}

int64_t ReservationIndex::Reserved(const std::string& organization_id, int bed_type,
                                   std::optional<absl::Time> figures_reported_at) const {
  auto it = by_key_.find(std::make_pair(organization_id, bed_type));
  if (it == by_key_.end()) return 0;
  int64_t reserved = 0;
  for (const v1::BedReservation* reservation : it->second) {
    reserved += ReservationHoldsBed(*reservation, figures_reported_at) ? 1 : 0;
  }
  return reserved;
}

}  // namespace ketenbeeld::queries
