#include "server/domain/exercise_validation.h"

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "server/domain/field_checks.h"

namespace ketenbeeld::domain {
namespace {

using namespace checks;  // NOLINT(google-build-using-namespace): the checkers are this file's vocabulary.

namespace v1 = ::ketenbeeld::v1;

}  // namespace

absl::Status ValidateWriteMode(v1::Mode mode, std::string_view exercise_id_view) {
  const absl::string_view exercise_id = ToAbsl(exercise_id_view);
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::Mode>(mode, FieldPath("mode"), Presence::kOptional));
  if (mode == v1::MODE_ACTUAL && !exercise_id.empty()) {
    return Invalid(FieldPath("exercise_id"), "must be empty when mode is MODE_ACTUAL (the real picture)");
  }
  if ((mode == v1::MODE_EXERCISE || mode == v1::MODE_TEST) && exercise_id.empty()) {
    return Invalid(FieldPath("exercise_id"), "required when mode is ", v1::Mode_Name(mode),
                   ": name the exercise the write belongs to");
  }
  if (exercise_id.empty()) return absl::OkStatus();
  return CheckId(exercise_id, FieldPath("exercise_id"));
}

absl::Status ValidateStartExerciseRequest(const v1::StartExerciseRequest& request) {
  const FieldPath path("exercise");
  const v1::Exercise& exercise = request.exercise();
  KETENBEELD_RETURN_IF_ERROR(CheckId(exercise.id(), path.Field("id")));
  KETENBEELD_RETURN_IF_ERROR(CheckText(exercise.title(), path.Field("title"), kRequiredName));
  KETENBEELD_RETURN_IF_ERROR(CheckEnum<v1::Mode>(exercise.mode(), path.Field("mode"), Presence::kOptional));
  if (exercise.mode() == v1::MODE_ACTUAL) {
    return Invalid(path.Field("mode"), "MODE_ACTUAL is the real picture; an exercise is MODE_EXERCISE or MODE_TEST");
  }
  return absl::OkStatus();
}

absl::Status ValidateEndExerciseRequest(const v1::EndExerciseRequest& request) {
  return CheckId(request.exercise_id(), FieldPath("exercise_id"));
}

absl::Status ValidatePurgeExerciseRequest(const v1::PurgeExerciseRequest& request) {
  return CheckId(request.exercise_id(), FieldPath("exercise_id"));
}

absl::string_view HeadlineMark(v1::Mode mode) {
  switch (mode) {
    case v1::MODE_EXERCISE:
      return "OEFENING: ";
    case v1::MODE_TEST:
      return "TEST: ";
    default:
      return "";
  }
}

}  // namespace ketenbeeld::domain
