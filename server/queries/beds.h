// Beds after reservations: the one rule by which every view the server computes (the capacity overview and gap
// report through FigureTable, FindCapacity, the published figures) and the reservation planner
// (server/mutations/mutations_reservation.cc) count a bed held by a reservation (reservation.proto) as not available.
//
//   effective available = max(0, reported available - reserved)
//
// where `reported available` is the organisation's figure of the bed type by the counting rule of reports.h (its
// per-location reports summed when it has any, else its organisation-level report), and `reserved` the number of its
// reservations of that bed type that hold a bed (ReservationHoldsBed). Not reported stays not reported: an
// organisation without an `available` figure of the type has no effective figure either (and cannot be reserved).
//
// Thread safety: pure functions.
#ifndef KETENBEELD_SERVER_QUERIES_BEDS_H_
#define KETENBEELD_SERVER_QUERIES_BEDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ketenbeeld/v1/reservation.pb.h"
#include "ketenbeeld/v1/status.pb.h"

namespace ketenbeeld::queries {

// Whether `reservation` holds a bed now: HELD always; CONFIRMED until the organisation's figures of the bed type
// are reported again after the confirmation (`figures_reported_at`, the newest Capacity.reported_at of the type in
// its counted reports, later than confirmed_at; nullopt: not reported); RELEASED and EXPIRED never.
bool ReservationHoldsBed(const ketenbeeld::v1::BedReservation& reservation,
                         std::optional<absl::Time> figures_reported_at);

// An organisation's beds of one type, from its counted reports and its reservations.
struct BedCount {
  // The sum of `available` over the counted reports that give it; nullopt when none does.
  std::optional<int64_t> reported;
  // The newest time the type's entries were reported (Capacity.reported_at, else the report's commit time).
  std::optional<absl::Time> reported_at;
  // Reservations that hold a bed of the type (ReservationHoldsBed).
  int64_t reserved = 0;

  // max(0, reported - reserved); nullopt when not reported.
  std::optional<int64_t> effective() const {
    if (!reported.has_value()) return std::nullopt;
    return *reported > reserved ? *reported - reserved : 0;
  }
};

// Counts `bed_type` at one organisation: `counted_reports` are its reports that count (reports.h), `reservations`
// any reservations (those of other organisations and bed types are skipped).
BedCount CountBeds(absl::Span<const ketenbeeld::v1::StatusReport* const> counted_reports,
                   absl::Span<const ketenbeeld::v1::BedReservation* const> reservations,
                   absl::string_view organization_id, ketenbeeld::v1::BedType bed_type);

// An organisation's capacity per bed type as the views count it (the capacity overview, the gap report, FindCapacity),
// for an export of one organisation's figures (the FHIR MeasureReport): each figure the sum over `counted_reports`
// (its reports that count, reports.h: OrganizationReports::Counted()) that give it, absent when none does;
// `available` after the beds its `reservations` hold (CountBeds, BedCount::effective); `reported_at` the oldest time
// the type's entries were reported (Capacity.reported_at, else the report's commit time). One entry per bed type the
// reports name, by bed type.
std::vector<ketenbeeld::v1::Capacity> CountedCapacity(
    absl::Span<const ketenbeeld::v1::StatusReport* const> counted_reports,
    absl::Span<const ketenbeeld::v1::BedReservation* const> reservations, absl::string_view organization_id);

// Reservations that may hold a bed (HELD or CONFIRMED), by organisation and bed type: what the views index once per
// snapshot.
class ReservationIndex {
 public:
  void Add(const ketenbeeld::v1::BedReservation& reservation);
  // How many of the organisation's reservations of `bed_type` hold a bed, given when its figures of the type were
  // last reported (ReservationHoldsBed).
  int64_t Reserved(const std::string& organization_id, int bed_type,
                   std::optional<absl::Time> figures_reported_at) const;
  bool empty() const { return by_key_.empty(); }

 private:
  absl::flat_hash_map<std::pair<std::string, int>, std::vector<const ketenbeeld::v1::BedReservation*>> by_key_;
};

}  // namespace ketenbeeld::queries

#endif  // KETENBEELD_SERVER_QUERIES_BEDS_H_
