// The `status report` flags of capacity that is not beds (ambulances, GP post, home care, GGD teams, intake stop):
//   --ambulances available=N,deployed=N
//   --gp-post open|restricted|closed[:REASON]        --gp-capacity per-hour=N,slots=N
//   --home-care clients=N,powered-devices=N,home-ventilation=N
//   --ggd-teams infection-control=N,vaccination=N,psychosocial=N
//   --intake-stop active|none[:REASON]               --intake-stop-since TIME  --intake-stop-until TIME
// Dutch words are accepted where a coordinator would type them: "opnamestop" / "cliëntenstop" for active, "geen" for
// none; "open" / "beperkt" / "dicht" for a GP post.
//
// Kept apart from flags.h (StatusReportFlags) so that the two sets of flags change independently. Every error is
// InvalidArgument naming the flag and the value (FlagError); ranges and which organisation kind may send which are
// the server's to enforce.
//
// Thread safety: pure functions.
#ifndef KETENBEELD_CLIENT_CLI_CHAIN_FLAGS_H_
#define KETENBEELD_CLIENT_CLI_CHAIN_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ketenbeeld/v1/status.pb.h"

namespace ketenbeeld::cli {

// --ambulances available=N,deployed=N (any subset; at least one). A count left out is "not reported", never 0.
absl::StatusOr<v1::AmbulanceCapacity> ParseAmbulancesFlag(absl::string_view value);

// --gp-post open|restricted|closed[:REASON] (or open|beperkt|dicht): the state and reason of a GP post.
absl::StatusOr<v1::GpPostCapacity> ParseGpPostFlag(absl::string_view value);

// --gp-capacity per-hour=N,slots=N: the consultation counts of a GP post.
absl::StatusOr<v1::GpPostCapacity> ParseGpCapacityFlag(absl::string_view value);

// --home-care clients=N,powered-devices=N,home-ventilation=N.
absl::StatusOr<v1::HomeCareCapacity> ParseHomeCareFlag(absl::string_view value);

// --ggd-teams infection-control=N,vaccination=N,psychosocial=N.
absl::StatusOr<v1::PublicHealthCapacity> ParseGgdTeamsFlag(absl::string_view value);

// --intake-stop active|none[:REASON] (or opnamestop|cliëntenstop|clientenstop|geen).
absl::StatusOr<v1::IntakeStop> ParseIntakeStopFlag(absl::string_view value);

// The flags above as given; empty means "not given".
struct ChainReportFlags {
  std::string ambulances;
  std::string gp_post;
  std::string gp_capacity;
  std::string home_care;
  std::string ggd_teams;
  std::string intake_stop;
  std::string intake_stop_since;  // RFC 3339.
  std::string intake_stop_until;  // RFC 3339.
};

// Applies the given flags over `report` (which may come from --file): --ambulances, --home-care, --ggd-teams and
// --intake-stop replace their part of the report whole; --gp-post replaces the GP post's state and reason and
// --gp-capacity its counts; --intake-stop-since/-until set the times of an active intake stop (given with
// --intake-stop active or in the file; otherwise a usage error). Returns the update mask paths of what it set
// ("ambulance", "gp_post.state", "gp_post.reason", "gp_post.consultations_per_hour", "gp_post.slots_available",
// "home_care", "public_health", "intake_stop"), so a partial report changes only those; the first parse error otherwise
// (`report` may then be partly changed).
absl::StatusOr<std::vector<std::string>> ApplyChainReportFlags(const ChainReportFlags& flags, v1::StatusReport* report);

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_CHAIN_FLAGS_H_
