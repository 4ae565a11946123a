// The brief (situatierapport) of an incident for the bestuur or the ROAZ (ReportService.GetSituationReport;
// workflow_service.proto, SituationReport, says what each part means; docs/brief.md shows one).
//
// Built from two pictures: the one at the brief's revision, and the one 24 hours before its moment (the trend), each
// a whole picture at one revision (Reader::PictureAt). Deterministic: every list is sorted, every time is a committed
// time or the brief's moment, no clock is read; the same inputs give the same SituationReport and the same Markdown,
// byte for byte.
//
// Visibility is the caller's to decide and is passed in (BriefInputs::min_group): 0 for a reader who sees every
// organisation's figures; otherwise a capacity sum given by fewer than `min_group` organisations is withheld (absent,
// `withheld` set, no provenance), as are supply counts reported by fewer, the organisations a supply line names, and
// reported_by of status reports (the reporter is detail, policy/visibility.h).
//
// Errors: INVALID_ARGUMENT naming the field (incident_id, exercise_id, language, horizon); NOT_FOUND when the
// incident does not exist in `at`. Thread safety: pure functions of their arguments.
#ifndef KETENBEELD_SERVER_QUERIES_BRIEF_H_
#define KETENBEELD_SERVER_QUERIES_BRIEF_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "server/queries/reports.h"
#include "server/state/picture.h"

namespace ketenbeeld::queries {

inline constexpr absl::Duration kBriefTrendWindow = absl::Hours(24);
inline constexpr absl::Duration kDefaultBriefHorizon = absl::Hours(48);

struct BriefInputs {
  // The picture at the brief's revision and its moment (the revision's commit time, or the time asked for).
  const state::Picture& at;
  absl::Time moment = absl::InfinitePast();
  // The picture at moment - kBriefTrendWindow; null when there is none (before the first revision, or compacted).
  const state::Picture* before = nullptr;
  absl::Time before_moment = absl::InfinitePast();
  // 0: the reader sees every organisation's figures; otherwise the minimum group (see above).
  int min_group = 0;
  // For a reader without detail (min_group > 0), the figures published to such readers (policy::PublishedFigures),
  // which replace `at`'s own; null when `at` is a past revision, of which no publication is kept: then every capacity,
  // supply and gap figure is withheld (SituationReport.figures_withheld). Such a reader never gets a trend (`before`
  // is not read; trend_withheld): two moments' sums subtracted could give one organisation's figure.
  const FigureTable* published = nullptr;
};

// The records a brief reads, as Reader::PictureAt's name prefixes: at its moment the registry, the incidents with
// their situation logs, the requests for help and the scenarios (of the exercise `exercise_id`, when not empty);
// 24 hours before only the registry and the status reports, for the trend. The rest of the picture (alerts and
// their acknowledgements, the outbox, escalation tasks) is never read.
std::vector<std::string> BriefPrefixes(const std::string& exercise_id);
std::vector<std::string> BriefTrendPrefixes(const std::string& exercise_id);

// Checks the request's own fields (incident_id, exercise_id's form, language, horizon): INVALID_ARGUMENT naming the
// field. Called by ComputeSituationReport too; the service calls it first so bad input costs no picture read.
absl::Status ValidateSituationReportRequest(const ketenbeeld::v1::GetSituationReportRequest& request);

// The brief, with its markdown rendered (RenderSituationReportMarkdown).
absl::StatusOr<ketenbeeld::v1::SituationReport> ComputeSituationReport(
    const ketenbeeld::v1::GetSituationReportRequest& request, const BriefInputs& inputs);

// The brief as Markdown in report.language() ("nl" or "en"): sections for the situation log, capacity with trend,
// knelpunten and the decisions asked for; every figure carries a footnote with its provenance. "—" for a figure not
// reported (or withheld: then "withheld"/"afgeschermd"). Deterministic.
std::string RenderSituationReportMarkdown(const ketenbeeld::v1::SituationReport& report);

}  // namespace ketenbeeld::queries

#endif  // KETENBEELD_SERVER_QUERIES_BRIEF_H_
