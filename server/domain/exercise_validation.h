// Field checks of exercise mode (ketenbeeld/v1/exercise.proto): the mode and exercise a write names, and the requests
// of ExerciseService. Checks that need the picture (does the exercise exist, is it active, does the mode match) are
// the planner's (server/mutations/mutations_exercise.cc).
//
// Errors: INVALID_ARGUMENT naming the field. Thread safety: pure functions.
#ifndef KETENBEELD_SERVER_DOMAIN_EXERCISE_VALIDATION_H_
#define KETENBEELD_SERVER_DOMAIN_EXERCISE_VALIDATION_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ketenbeeld/v1/exercise.pb.h"
#include "ketenbeeld/v1/exercise_service.pb.h"

namespace ketenbeeld::domain {

// The mode and exercise of a write: a known mode; MODE_EXERCISE and MODE_TEST need an exercise_id, MODE_ACTUAL must
// not have one; a given exercise_id is a valid identifier.
absl::Status ValidateWriteMode(ketenbeeld::v1::Mode mode, std::string_view exercise_id);

absl::Status ValidateStartExerciseRequest(const ketenbeeld::v1::StartExerciseRequest& request);
absl::Status ValidateEndExerciseRequest(const ketenbeeld::v1::EndExerciseRequest& request);
absl::Status ValidatePurgeExerciseRequest(const ketenbeeld::v1::PurgeExerciseRequest& request);

// The mark every alert headline of an exercise carries, so no reader can take it for a real alert: "OEFENING: " for
// MODE_EXERCISE, "TEST: " for MODE_TEST, empty otherwise.
absl::string_view HeadlineMark(ketenbeeld::v1::Mode mode);

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_EXERCISE_VALIDATION_H_
