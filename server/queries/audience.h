// Who an alert is for, and who of them has acknowledged it, computed from the picture.
//
// Thread safety: pure functions of their arguments; Picture is internally synchronised. Each function that takes a
// Picture reads it with one Picture::Take, so its answer holds at one revision.
#ifndef KETENBEELD_SERVER_QUERIES_AUDIENCE_H_
#define KETENBEELD_SERVER_QUERIES_AUDIENCE_H_

#include <string>
#include <vector>

#include "ketenbeeld/v1/alert.pb.h"
#include "ketenbeeld/v1/organization.pb.h"
#include "server/state/picture.h"

namespace ketenbeeld::queries {

// Whether a registered organisation belongs to `audience`: it matches every non-empty list (AND) and any value within
// a list (OR), with `incident_area` it is in `incident_area_organization_ids`, and with `area` it is in
// `area_organization_ids` (both resolved by the alert planner when the version was sent). An audience with every list
// empty, no incident_area and no area matches every organisation.
bool InAudience(const ketenbeeld::v1::Audience& audience, const ketenbeeld::v1::Organization& organization);

// The ids of the registered organisations in `audience`, sorted.
std::vector<std::string> AudienceOf(const ketenbeeld::v1::Audience& audience, const state::Picture& picture);

// An alert's acknowledgements as the picture holds them now.
struct AcknowledgementState {
  // Every acknowledgement recorded for the alert, in organisation id order. Includes acknowledgements of
  // organisations that are no longer in the audience (the alert was updated after they acknowledged).
  std::vector<ketenbeeld::v1::Acknowledgement> acknowledgements;
  // Organisations of the current audience without an acknowledgement, sorted.
  std::vector<std::string> unacknowledged_organization_ids;
  // How many registered organisations are in the audience now.
  int audience_size = 0;
};

// The acknowledgement state of `alert` (by its id and audience) in `picture`, read from one consistent snapshot.
// Any acknowledgement counts, whichever alert version it was for (Acknowledgement.alert_version says which).
AcknowledgementState AcknowledgementStateOf(const ketenbeeld::v1::Alert& alert, const state::Picture& picture);

// The same, from records already taken from one snapshot (for instance every alert, organisation and
// acknowledgement of a Picture::Take), so many alerts can be evaluated at one revision. Records of other kinds and
// acknowledgements of other alerts are ignored; `records` need not be in any order.
AcknowledgementState AcknowledgementStateIn(const ketenbeeld::v1::Alert& alert,
                                            const std::vector<state::RecordPtr>& records);

}  // namespace ketenbeeld::queries

#endif  // KETENBEELD_SERVER_QUERIES_AUDIENCE_H_
