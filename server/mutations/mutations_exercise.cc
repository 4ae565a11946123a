// Planners of exercise mode (ketenbeeld/v1/exercise.proto): starting, ending and purging exercises, and the writes
// made in one.
//
// A write in an exercise is planned by the same planner as a real one, against a view of the picture in which every
// name but the shared registry's is the exercise's ("incidents/x" reads "exercises/{id}/incidents/x"), and its changes
// are then renamed into the exercise. So a planner needs to know nothing of exercises, an exercise write can never
// read or change a real record other than through the registry, which it may only read (registry writes carry no
// mode), and the rules of every area hold in an exercise exactly as in the real picture.
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "base/time.h"
#include "server/domain/exercise_validation.h"
#include "server/domain/names.h"
#include "server/mutations/mutations.h"

namespace ketenbeeld::mutations {
namespace {

namespace v1 = ::ketenbeeld::v1;

std::string Quoted(absl::string_view id) { return absl::StrCat("\"", id, "\""); }

absl::Status UnknownExercise(absl::string_view field, absl::string_view exercise_id) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": no exercise ", Quoted(exercise_id), "; start it first (ExerciseService.StartExercise)"));
}

// The exercise record, or INVALID_ARGUMENT naming `field` when it was never started.
absl::StatusOr<state::RecordPtr> FindExercise(absl::string_view exercise_id, absl::string_view field,
                                              const PlanContext& context) {
  state::RecordPtr exercise = context.lookup(domain::ExerciseName(ToStd(exercise_id)));
  if (exercise == nullptr || !exercise->record.has_exercise()) return UnknownExercise(field, exercise_id);
  return exercise;
}

// Moves the changes a planner made in the exercise's view into the exercise: names, exercise id and mode, and the
// mark on every alert headline.
void IntoExercise(std::vector<PlannedChange>& changes, absl::string_view exercise_id, v1::Mode mode) {
  const absl::string_view mark = domain::HeadlineMark(mode);
  for (PlannedChange& change : changes) {
    v1::Record& record = change.record;
    record.set_name(domain::InExercise(ToStd(exercise_id), record.name()));
    record.set_exercise_id(std::string(exercise_id));
    record.set_mode(mode);
    if (record.has_alert() && !absl::StartsWith(record.alert().headline(), mark)) {
      record.mutable_alert()->set_headline(absl::StrCat(mark, record.alert().headline()));
    }
  }
}

// Runs `plan` in the view of exercise `exercise_id` (see the top of this file).
absl::StatusOr<std::vector<PlannedChange>> PlanInView(
    absl::string_view exercise_id, v1::Mode mode, const PlanContext& context,
    absl::FunctionRef<absl::StatusOr<std::vector<PlannedChange>>(const PlanContext&)> plan) {
  auto lookup = [&](absl::string_view name) {
    return context.lookup(domain::InExercise(ToStd(exercise_id), ToStd(name)));
  };
  const PlanContext view{.commit_time = context.commit_time,
                         .region = context.region,
                         .lookup = lookup,
                         .picture = context.picture,
                         .next_revision = context.next_revision,
                         .earlier_changes = context.earlier_changes,
                         .exercise_id = exercise_id,
                         .actor = context.actor};
  absl::StatusOr<std::vector<PlannedChange>> changes = plan(view);
  if (changes.ok()) IntoExercise(*changes, exercise_id, mode);
  return changes;
}

v1::Record ExerciseRecord(v1::Exercise exercise, const PlanContext& context) {
  v1::Record record;
  record.set_name(domain::ExerciseName(exercise.id()));
  record.set_kind(v1::ENTITY_KIND_EXERCISE);
  record.mutable_scope()->set_safety_region(context.region.safety_region());
  record.set_exercise_id(exercise.id());
  record.set_mode(exercise.mode());
  *record.mutable_exercise() = std::move(exercise);
  return record;
}

}  // namespace

absl::StatusOr<std::vector<PlannedChange>> PlanInExercise(
    v1::Mode mode, absl::string_view exercise_id, const PlanContext& context,
    absl::FunctionRef<absl::StatusOr<std::vector<PlannedChange>>(const PlanContext&)> plan) {
  if (exercise_id.empty()) return plan(context);  // The real picture (ValidateWriteMode refused a mode without id).
  absl::StatusOr<state::RecordPtr> found = FindExercise(exercise_id, "exercise_id", context);
  if (!found.ok()) return found.status();
  const v1::Exercise& exercise = (*found)->record.exercise();
  if (exercise.status() != v1::EXERCISE_STATUS_ACTIVE) {
    return absl::FailedPreconditionError(absl::StrCat("exercise_id: exercise ", Quoted(exercise_id), " has ended (",
                                                      v1::ExerciseStatus_Name(exercise.status()),
                                                      "); nothing more can be written in it"));
  }
  if (mode != v1::MODE_UNSPECIFIED && mode != exercise.mode()) {
    return absl::InvalidArgumentError(absl::StrCat("mode: ", v1::Mode_Name(mode), " does not match exercise ",
                                                   Quoted(exercise_id), ", which is ", v1::Mode_Name(exercise.mode())));
  }
  return PlanInView(exercise_id, exercise.mode(), context, plan);
}

std::vector<PlannedChange> PlanExerciseTicks(const PlanContext& context) {
  std::vector<PlannedChange> changes;
  ForEachExercise(context.picture, [&](const state::RecordPtr& committed) {
    // As the earlier writes of this group left it (ended, or purged).
    const state::RecordPtr current = context.lookup(committed->record.name());
    if (current == nullptr || current->record.exercise().status() != v1::EXERCISE_STATUS_ACTIVE) return;
    const v1::Exercise& exercise = current->record.exercise();
    absl::StatusOr<std::vector<PlannedChange>> facts =
        PlanInView(exercise.id(), exercise.mode(), context, [](const PlanContext& view) {
          std::vector<PlannedChange> planned = PlanAlertDeadlines(view);
          for (PlannedChange& change : PlanReportDeadlines(view)) planned.push_back(std::move(change));
          for (PlannedChange& change : PlanIndicatorDeadlines(view)) planned.push_back(std::move(change));
          return absl::StatusOr<std::vector<PlannedChange>>(std::move(planned));
        });
    for (PlannedChange& change : *facts) changes.push_back(std::move(change));
  });
  return changes;
}

void ForEachExercise(const state::Picture& picture, absl::FunctionRef<void(const state::RecordPtr&)> visit) {
  constexpr absl::string_view kPrefix = "exercises/";
  std::string after(kPrefix);
  // One point read per exercise: the exercise record "exercises/{id}" sorts right before its own records
  // "exercises/{id}/...", which the walk then jumps over ('\xff' sorts after every character of a name).
  while (true) {
    const state::Picture::Snapshot page = picture.TakePrefix(kPrefix, after, 1);
    if (page.records.empty()) return;
    const state::RecordPtr& record = page.records.front();
    const std::string& name = record->record.name();
    const size_t slash = name.find('/', kPrefix.size());
    const std::string exercise_name = name.substr(0, slash);
    after = absl::StrCat(exercise_name, "/\xff");
    if (record->record.has_exercise() && name == exercise_name) visit(record);
  }
}

absl::StatusOr<PlannedChange> PlanStartExercise(const v1::StartExerciseRequest& request, const PlanContext& context) {
  v1::Exercise exercise = request.exercise();
  state::RecordPtr previous = context.lookup(domain::ExerciseName(exercise.id()));
  if (previous != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("exercise.id: exercise ", Quoted(exercise.id()), " already exists (",
                                                 v1::ExerciseStatus_Name(previous->record.exercise().status()),
                                                 "); exercise ids are never reused"));
  }
  if (exercise.mode() == v1::MODE_UNSPECIFIED) exercise.set_mode(v1::MODE_EXERCISE);
  exercise.set_status(v1::EXERCISE_STATUS_ACTIVE);
  *exercise.mutable_started_at() = ToProtoTime(context.commit_time);
  exercise.clear_ended_at();
  exercise.clear_purged_at();
  exercise.set_purged_records(0);
  return Put(ExerciseRecord(std::move(exercise), context), nullptr);
}

absl::StatusOr<PlannedChange> PlanEndExercise(const v1::EndExerciseRequest& request, const PlanContext& context) {
  absl::StatusOr<state::RecordPtr> found = FindExercise(request.exercise_id(), "exercise_id", context);
  if (!found.ok()) return found.status();
  v1::Exercise exercise = (*found)->record.exercise();
  if (exercise.status() != v1::EXERCISE_STATUS_ACTIVE) {
    return absl::FailedPreconditionError(absl::StrCat("exercise ", Quoted(exercise.id()), " is not active (",
                                                      v1::ExerciseStatus_Name(exercise.status()), ")"));
  }
  exercise.set_status(v1::EXERCISE_STATUS_ENDED);
  *exercise.mutable_ended_at() = ToProtoTime(context.commit_time);
  return Put(ExerciseRecord(std::move(exercise), context), *std::move(found));
}

absl::StatusOr<std::vector<PlannedChange>> PlanPurgeExercise(const v1::PurgeExerciseRequest& request,
                                                             const PlanContext& context) {
  absl::StatusOr<state::RecordPtr> found = FindExercise(request.exercise_id(), "exercise_id", context);
  if (!found.ok()) return found.status();
  v1::Exercise exercise = (*found)->record.exercise();
  if (exercise.status() == v1::EXERCISE_STATUS_PURGED) {
    return absl::FailedPreconditionError(absl::StrCat("exercise ", Quoted(exercise.id()), " is already purged"));
  }
  // Every record of the exercise: the committed ones, and the ones earlier writes of this group made (which the
  // picture does not hold yet). Each is re-read, so a record an earlier write deleted is not deleted twice.
  const std::string prefix = domain::ExercisePrefix(exercise.id());
  absl::btree_set<std::string> names;
  for (const state::RecordPtr& record : context.picture.TakePrefix(prefix, prefix, 0).records) {
    names.insert(record->record.name());
  }
  for (const state::Change& change : context.earlier_changes) {
    if (change.record != nullptr && absl::StartsWith(change.record->record.name(), prefix)) {
      names.insert(change.record->record.name());
    }
  }
  std::vector<PlannedChange> changes;
  for (const std::string& name : names) {
    state::RecordPtr current = context.lookup(name);
    if (current == nullptr) continue;
    PlannedChange change;
    change.type = v1::EVENT_TYPE_DELETE;
    change.record = current->record;  // A delete event carries the record's last value.
    change.previous = std::move(current);
    changes.push_back(std::move(change));
  }
  if (exercise.status() == v1::EXERCISE_STATUS_ACTIVE) *exercise.mutable_ended_at() = ToProtoTime(context.commit_time);
  exercise.set_status(v1::EXERCISE_STATUS_PURGED);
  *exercise.mutable_purged_at() = ToProtoTime(context.commit_time);
  exercise.set_purged_records(static_cast<int64_t>(changes.size()));
  // The exercise record last: the write's response carries it (and the group's last revision).
  changes.push_back(Put(ExerciseRecord(std::move(exercise), context), *std::move(found)));
  return changes;
}

}  // namespace ketenbeeld::mutations
