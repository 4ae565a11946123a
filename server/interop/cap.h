// CAP 1.2 (OASIS Common Alerting Protocol) for alerts: every alert can be written as a CAP message, and a CAP message
// from an external source (a public-warning feed, another region) read as an alert write. docs/interoperability.md
// has the field mapping and what has no equivalent either way.
//
// Pure conversions over the API's messages: who may export or import, and the write itself, are the service layer's
// (server/service/interop.h).
//
// Thread safety: pure functions; may be called concurrently.
#ifndef KETENBEELD_SERVER_INTEROP_CAP_H_
#define KETENBEELD_SERVER_INTEROP_CAP_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ketenbeeld/v1/alert.pb.h"
#include "ketenbeeld/v1/incident.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"

namespace ketenbeeld::interop {

inline constexpr absl::string_view kCapNamespace = "urn:oasis:names:tc:emergency:cap:1.2";

// CAP's <status>, as far as Ketenbeeld writes it.
enum class CapStatus {
  kActual,    // The real picture.
  kExercise,  // Oefening: for exercising a partner's chain; recipients must not act on it.
  kTest,      // Technical test of a link.
};

struct CapExportOptions {
  // CAP <sender>: who sent the message, unique per sender ("ketenbeeld:VR10"). Required; no spaces or commas.
  std::string sender;
  // CAP <sent> of this version: the commit time of the record that holds it. Version 1's is the alert's sent_at.
  absl::Time sent = absl::UnixEpoch();
  CapStatus status = CapStatus::kActual;
  // The alert's area (its own, Audience.area, else its incident's), when it has one: written as the <area>'s
  // description and <circle>.
  const ketenbeeld::v1::Area* incident_area = nullptr;
};

// The CAP message of `alert` as it stands (its current version). msgType Alert for version 1, Update for later
// versions, Cancel once cancelled; Update and Cancel reference version 1 (<references>). The message is valid against
// cap-1.2.xsd (the tests check every message they write). INVALID_ARGUMENT naming the option when `options.sender` is
// empty or holds a space or comma.
absl::StatusOr<std::string> AlertToCap(const ketenbeeld::v1::Alert& alert, const CapExportOptions& options);

// The CAP <identifier> of `alert`'s version `version`: its id for version 1, "<id>.v<version>" after.
std::string CapIdentifier(absl::string_view alert_id, int version);

struct CapImport {
  // The alert write the message stands for: a send (msgType Alert), an update (Update) or a cancel (Cancel). It has
  // passed domain::ValidateSendAlertRequest; the committer still decides against the picture (does the incident
  // exist, is the alert cancelled, ...).
  ketenbeeld::v1::SendAlertRequest request;
  // What the message carried that an alert has no place for, one line each ("/alert/info/expires: ..."): said to the
  // importer, never dropped silently.
  std::vector<std::string> not_imported;
};

// Reads a CAP 1.2 message: parsed safely (xml.h: no DTD, no entities, bounded size and depth), validated against
// cap-1.2.xsd, then converted. With `exercise_id` empty the write is for the real picture and only status Actual is
// taken; with it, the write is for that exercise (its exercise_id set, mode MODE_EXERCISE or MODE_TEST after the
// message's status; whether the exercise exists and has that mode, the committer decides) and only Exercise and Test
// are taken. INVALID_ARGUMENT "cap: <element path>: ..." for malformed XML, a schema violation, a message that cannot
// be an alert write (a status the target does not take, msgType Ack or Error, an Update or Cancel without
// <references>, no <info>, an unknown Ketenbeeld parameter value), or a converted alert that domain validation
// refuses (the message names the CAP element and the alert's field); "exercise_id: ..." for an Actual message with
// an exercise.
absl::StatusOr<CapImport> CapToAlert(absl::string_view message, absl::string_view exercise_id = "");

}  // namespace ketenbeeld::interop

#endif  // KETENBEELD_SERVER_INTEROP_CAP_H_
