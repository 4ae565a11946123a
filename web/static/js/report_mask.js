// What the coordinator changed in the form, as the update mask of a partial status report
// (ReportStatusRequest.update_mask in proto/ketenbeeld/v1/picture_service.proto). Sending only the changed parts keeps
// what someone else reported meanwhile (a supply figure phoned in to the GHOR, an ED state set from the dispatch
// centre): a whole report would silently wipe it.
//
// Both reports are as the form builds them (buildRequest), `before` right after it was filled from the stored report,
// so an unchanged part compares equal byte for byte. The mask is protobuf's JSON form: lowerCamelCase paths joined by
// commas; an entry of capacity, supplies or disruptions is named by its type ("capacity.icAdult"), which replaces it
// whole or, when the form no longer has it, removes it.

// The keyed lists of a StatusReport and the prefix of their type enum's values.
const KEYED = [
  ['capacity', 'BED_TYPE_'],
  ['supplies', 'SUPPLY_TYPE_'],
  ['disruptions', 'DISRUPTION_TYPE_'],
];
// The singular parts, each compared (and sent) whole.
// Answers to indicators ("indicator_values") are compared as one list and sent whole: the server merges them by
// indicator id, so the answers the form does not show stay.
const PARTS = ['overall_status', 'staffing', 'emergency_department', 'crisis_plan_activated', 'free_text',
  'ambulance', 'gp_post', 'home_care', 'public_health', 'intake_stop', 'indicator_values'];

const camel = (snake) => snake.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

// The mask paths (in proto form, snake_case) for the change from `before` to `after`, plus the singular parts in
// `confirmed` (sent as they are: the user confirms them, e.g. an emergency department state whose end time passed).
// The reporter is always named: every report says who made it. With nothing else changed, "overall_status" is named
// too: the report then confirms the current status (a new commit time) and changes nothing else.
export function changedPaths(before, after, confirmed = []) {
  const paths = [];
  for (const part of PARTS) {
    if (!same(before[part], after[part]) || confirmed.includes(part)) paths.push(part);
  }
  for (const [list, prefix] of KEYED) {
    const entries = (report) => new Map((report[list] || []).map((entry) => [entry.type, entry]));
    const old = entries(before);
    const now = entries(after);
    for (const type of new Set([...old.keys(), ...now.keys()])) {
      if (!same(old.get(type), now.get(type))) paths.push(`${list}.${type.slice(prefix.length).toLowerCase()}`);
    }
  }
  if (paths.length === 0) paths.push('overall_status');
  paths.push('reporter');
  return paths;
}

// changedPaths in the JSON form of a google.protobuf.FieldMask.
export function updateMask(before, after, confirmed = []) {
  return changedPaths(before, after, confirmed).map(camel).join(',');
}
