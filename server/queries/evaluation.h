// The evaluation of an incident (ReportService.GetEvaluation, PDCA): how the chain responded over the incident's
// lifetime, read from the committed log (workflow_service.proto, Evaluation, says what each figure means).
//
// Deterministic: computed from the log between the incident's opening and closing (or the latest revision while it is
// open), the registry and the named scenarios, with absolute times only; no clock is read. The same closed incident
// gives the same Evaluation, so its rendering (the CLI's Markdown and CSV) is byte-identical.
//
// Errors: INVALID_ARGUMENT naming the field; NOT_FOUND for an incident or scenario that does not exist;
// FAILED_PRECONDITION when the incident's history was compacted; RESOURCE_EXHAUSTED beyond kMaxEvaluatedEvents;
// storage errors as they come. Thread safety: a pure function of its arguments (Store and Picture are synchronised).
#ifndef KETENBEELD_SERVER_QUERIES_EVALUATION_H_
#define KETENBEELD_SERVER_QUERIES_EVALUATION_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "server/state/picture.h"
#include "storage/store.h"

namespace ketenbeeld::queries {

// The most log entries one evaluation reads (about 1 GB of a month of a large crisis is far beyond it; an incident
// spans hours to days).
inline constexpr int64_t kMaxEvaluatedEvents = 1'000'000;

// The exercise's existence (request.exercise_id) is the caller's check; an incident of an unknown exercise is simply
// NOT_FOUND here.
absl::StatusOr<ketenbeeld::v1::Evaluation> ComputeEvaluation(const ketenbeeld::v1::GetEvaluationRequest& request,
                                                             const storage::Store& store,
                                                             const state::Picture& picture);

}  // namespace ketenbeeld::queries

#endif  // KETENBEELD_SERVER_QUERIES_EVALUATION_H_
