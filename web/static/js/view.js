// Which picture a page shows: the real one or an exercise's (oefenmodus), and on the dashboard a moment of an
// incident's past. Pure functions, so they can be tested in node (web/tests/view.test.mjs).
//
// The exercise is in the address (`?exercise=oef-zijpe`): a reload, a second tab and the link from the dashboard to
// the form keep it, and a wall screen can be pointed at an exercise. The gateway has nothing of its own for it: the
// feed's `filter` and every read and write carry `exercise_id` in the request message, as over gRPC
// (proto/ketenbeeld/v1/exercise.proto), so the server's checks and access rules are the same.

export const EXERCISE_PARAM = 'exercise';

// The exercise named in a query string ("?exercise=oef-1&org=x"), or '' for the real picture.
export function exerciseOf(search) {
  return new URLSearchParams(search).get(EXERCISE_PARAM) || '';
}

// The name of a record in the view: "alerts/a" is "exercises/oef-1/alerts/a" in exercise oef-1. Only the registry
// (organizations/{id}) is shared by every view; do not use this for an organisation's own record.
export function inView(exerciseId, name) {
  return exerciseId ? `exercises/${exerciseId}/${name}` : name;
}

// The record name without the view's prefix ("exercises/oef-1/alerts/a" -> "alerts/a").
export function realName(name) {
  const match = /^exercises\/[^/]+\/(.*)$/.exec(name);
  return match ? match[1] : name;
}

// The feed filter of the view (null: the real picture, everything).
export function viewFilter(exerciseId) {
  return exerciseId ? { exercise_id: exerciseId } : null;
}

// A write or read request in the view: the exercise's id added to it.
export function withExercise(exerciseId, request) {
  return exerciseId ? { ...request, exercise_id: exerciseId } : request;
}

// A link to another page that keeps the view ("/form.html" -> "/form.html?exercise=oef-1").
export function linkInView(path, exerciseId) {
  if (!exerciseId) return path;
  const [base, query = ''] = path.split('?');
  const params = new URLSearchParams(query);
  params.set(EXERCISE_PARAM, exerciseId);
  return `${base}?${params}`;
}

// The exercises a reader can choose from, from the records of List{filter{kinds:[ENTITY_KIND_EXERCISE]}}: active ones
// first, then ended ones (still readable), each by start time, newest first. Purged exercises have no picture left.
export function choosableExercises(records) {
  const order = { EXERCISE_STATUS_ACTIVE: 0, EXERCISE_STATUS_ENDED: 1 };
  return records.map((record) => record.exercise).filter((e) => e && e.status in order)
    .sort((a, b) => order[a.status] - order[b.status]
      || String(b.started_at || '').localeCompare(String(a.started_at || '')) || a.id.localeCompare(b.id));
}

// The word that marks a view that is not the real picture: OEFENING for an exercise, TEST for a technical test.
export function viewMark(mode) {
  return mode === 'MODE_TEST' ? 'TEST' : 'OEFENING';
}

// --- The time slider over an incident's lifetime ---

// The incident's lifetime: from the revision that opened it to the one that closed it, or to `latest` (the feed's
// revision) while it is open.
export function lifetime(incidentRecord, latest) {
  const first = Number(incidentRecord.create_revision || 0);
  const closed = incidentRecord.incident?.status === 'INCIDENT_STATUS_CLOSED';
  const last = closed ? Number(incidentRecord.mod_revision || first) : Math.max(first, Number(latest || 0));
  return { first, last };
}

// The slider's steps: each revision in [first, last] at which the view changed (from History's events), in order,
// with its commit time; `first` and `last` always (the picture when the incident was opened, and at its end or now).
// A commit group's events share a step. Moving the slider one step always changes the picture.
export function replaySteps(events, first, last) {
  const times = new Map();
  for (const event of events) {
    const revision = Number(event.revision || 0);
    if (revision < first || revision > last) continue;
    if (!times.has(revision) || !times.get(revision)) times.set(revision, event.commit_time || '');
  }
  if (!times.has(first)) times.set(first, '');
  if (!times.has(last)) times.set(last, '');
  return [...times].sort((a, b) => a[0] - b[0]).map(([revision, time]) => ({ revision, time }));
}

// The step at a slider position (0 .. steps.length - 1), clamped; a position that is not a whole number is rounded.
export function stepAt(steps, position) {
  if (steps.length === 0) return null;
  const index = Math.min(steps.length - 1, Math.max(0, Math.round(Number(position) || 0)));
  return steps[index];
}

// The slider position that shows `revision`: the last step at or before it (the picture then), 0 before the first.
export function positionOf(steps, revision) {
  let position = 0;
  steps.forEach((step, i) => {
    if (step.revision <= revision) position = i;
  });
  return position;
}
