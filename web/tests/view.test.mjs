// Unit tests of view.js: which picture a page shows (the real one or an exercise's) and the replay slider's steps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  choosableExercises, exerciseOf, inView, lifetime, linkInView, positionOf, realName, replaySteps, stepAt, viewFilter,
  viewMark, withExercise,
} from '../static/js/view.js';

test('the exercise comes from the address and names the records, feed, requests and links of the view', () => {
  assert.equal(exerciseOf('?org=zh-noord&exercise=oef-1'), 'oef-1');
  assert.equal(exerciseOf(''), '');
  assert.equal(inView('oef-1', 'alerts/a'), 'exercises/oef-1/alerts/a');
  assert.equal(inView('', 'alerts/a'), 'alerts/a');
  assert.equal(realName('exercises/oef-1/organizations/x/status'), 'organizations/x/status');
  assert.equal(realName('organizations/x/status'), 'organizations/x/status');
  assert.deepEqual(viewFilter('oef-1'), { exercise_id: 'oef-1' });
  assert.equal(viewFilter(''), null);
  const request = { alert_id: 'a' };
  assert.deepEqual(withExercise('oef-1', request), { alert_id: 'a', exercise_id: 'oef-1' });
  assert.equal(withExercise('', request), request, 'the real picture sends the request as it is');
  assert.equal(linkInView('/form.html', 'oef-1'), '/form.html?exercise=oef-1');
  assert.equal(linkInView('/form.html?org=x', 'oef-1'), '/form.html?org=x&exercise=oef-1');
  assert.equal(linkInView('/form.html', ''), '/form.html');
  assert.equal(viewMark('MODE_TEST'), 'TEST');
  assert.equal(viewMark('MODE_EXERCISE'), 'OEFENING');
  assert.equal(viewMark(undefined), 'OEFENING', 'an unknown mode is still marked');
});

test('the chooser lists active exercises first, then ended ones, newest first, and never purged ones', () => {
  const record = (id, status, started) => ({ exercise: { id, title: id, status, started_at: started } });
  const list = choosableExercises([
    record('old', 'EXERCISE_STATUS_ACTIVE', '2026-12-01T10:00:00Z'),
    record('gone', 'EXERCISE_STATUS_PURGED', '2026-12-03T10:00:00Z'),
    record('done', 'EXERCISE_STATUS_ENDED', '2026-12-03T09:00:00Z'),
    record('new', 'EXERCISE_STATUS_ACTIVE', '2026-12-02T10:00:00Z'),
    { name: 'not-an-exercise' },
  ]);
  assert.deepEqual(list.map((e) => e.id), ['new', 'old', 'done']);
});

test('an incident lives from the revision that opened it to the one that closed it, or to now', () => {
  const open = { create_revision: '6', mod_revision: '9', incident: { status: 'INCIDENT_STATUS_OPEN' } };
  assert.deepEqual(lifetime(open, 24), { first: 6, last: 24 });
  const closed = { create_revision: '6', mod_revision: '20', incident: { status: 'INCIDENT_STATUS_CLOSED' } };
  assert.deepEqual(lifetime(closed, 24), { first: 6, last: 20 });
});

test('the slider steps through the revisions at which the view changed, each once, in order, ends included', () => {
  const events = [
    { revision: '9', commit_time: '2026-12-03T10:00:09Z' },
    { revision: '7', commit_time: '2026-12-03T10:00:07Z' },
    { revision: '9', commit_time: '2026-12-03T10:00:09Z' },  // The same commit group: one step.
    { revision: '3', commit_time: '2026-12-03T10:00:03Z' },  // Before the incident: not a step.
    { revision: '30', commit_time: '2026-12-03T10:00:30Z' },  // After its end: not a step.
  ];
  const steps = replaySteps(events, 6, 12);
  assert.deepEqual(steps.map((s) => s.revision), [6, 7, 9, 12]);
  assert.equal(steps[1].time, '2026-12-03T10:00:07Z');
  assert.equal(steps[0].time, '', 'a revision without an event of the view has no time of its own');

  // Position -> revision: whole positions, clamped to the ends; a fraction rounds to the nearest step.
  assert.equal(stepAt(steps, 0).revision, 6);
  assert.equal(stepAt(steps, 2).revision, 9);
  assert.equal(stepAt(steps, 1.6).revision, 9);
  assert.equal(stepAt(steps, -4).revision, 6);
  assert.equal(stepAt(steps, 99).revision, 12);
  assert.equal(stepAt(steps, 'x').revision, 6);
  assert.equal(stepAt([], 0), null);

  // Revision -> position: the picture at revision 8 is the one of step 7.
  assert.equal(positionOf(steps, 8), 1);
  assert.equal(positionOf(steps, 9), 2);
  assert.equal(positionOf(steps, 100), 3);
  assert.equal(positionOf(steps, 1), 0);
});
