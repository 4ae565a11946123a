// What crosses upward: the region's federation policy for ROLE_FEDERATION, the credential of the
// ketenbeeld-federator that carries the region's picture to the ROAZ and national servers (../shared/SCALE-OUT.md,
// section 2; the table and the reasons are in docs/federation-policy.md).
//
//   - acute care (SECTOR_ACUTE_CARE: hospitals, GP posts, ambulance services, dispatch, GGD, ...): registrations and
//     status reports per organisation with exact figures (beds by type, emergency department, disruptions), and the
//     reservations of their beds;
//   - long-term care, mental health and home care (SECTOR_LONG_TERM_CARE): nothing per organisation, not even its
//     registration; only the sector aggregates ("aggregates/{group}", withheld below the minimum group size);
//   - other partners (SECTOR_OTHER): registrations and status reports without figures (WithholdDetail);
//   - no free text (remarks, reasons, descriptions, titles, situation log entries, alert bodies) and no personal
//     contacts (contact persons, phone numbers, e-mail, endpoints, reporters, the subjects of actors) in anything;
//   - nothing of an exercise, and none of the region's own workflow (alerts, acknowledgements, requests for help,
//     scenarios, questionnaires, the outbox, escalation tasks).
//
// Every entity kind has its own decision (UpwardForKind, an exhaustive switch: a kind added to EntityKind without one
// does not compile under -Werror, and federation_test fails on it in any build).
//
// Thread safety: pure functions.
#ifndef KETENBEELD_SERVER_POLICY_FEDERATION_H_
#define KETENBEELD_SERVER_POLICY_FEDERATION_H_

#include <optional>

#include "ketenbeeld/v1/picture.pb.h"

namespace ketenbeeld::policy {

enum class Upward {
  kNever,           // Never sent to the federation role: dropped from its List, History and feed; Get refuses it.
  kPassesRedacted,  // Sent with free text, personal contacts (and for some records figures) stripped.
  kPasses,          // Sent as it is, but for the actor's subject (a person's or token's name).
};

// The decision for a kind, before the record's own sector refines it (UpwardFor). nullopt for a value this build does
// not know (federation_test checks that every value of EntityKind has one).
std::optional<Upward> UpwardForKind(ketenbeeld::v1::EntityKind kind);

// The decision for one record: its kind's, then never for an exercise's records and, for the records of one
// organisation (registration, status report, bed reservation), by the organisation's sector (Record.scope).
Upward UpwardFor(const ketenbeeld::v1::Record& record);
inline bool FederationAdmits(const ketenbeeld::v1::Record& record) { return UpwardFor(record) != Upward::kNever; }

// Redacts `record` / `event` in place as the federation role may see it. A record that must never cross (kNever) is
// cleared completely (callers drop it before; the clearing only makes a forgotten drop harmless). Returns whether
// it still carries one organisation's exact figures (an acute care status report): such reads are audited.
bool RedactForFederation(ketenbeeld::v1::Record& record);
bool RedactForFederation(ketenbeeld::v1::Event& event);

}  // namespace ketenbeeld::policy

#endif  // KETENBEELD_SERVER_POLICY_FEDERATION_H_
