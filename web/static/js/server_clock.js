// The server's clock in the browser. Ages ("3 min geleden") and countdowns ("over 6 u") are differences between
// times the server stamped (commit times, due times, runs-out times) and "now"; measured against the browser's own
// clock they are off by however far that clock is off the server's, and a report made a moment ago reads as made in
// the future. So "now" is the server's picture time: the feed's `synced` and `heartbeat` messages carry its
// `server_time`, and the reports their `computed_at`; each sets the offset of the server's clock from the browser's,
// and serverNow() applies it. Before the first server time the offset is 0 (the browser's own clock).
//
// The message's transit time (milliseconds on a working network) is not corrected for. No imports, no DOM: the unit
// tests run it in node.

let offsetMs = 0;
// The moment the page shows instead of now (the dashboard's replay of a past picture), or null.
let shownMs = null;

// A server time (RFC 3339, as the JSON carries google.protobuf.Timestamp) that arrived at `localMs` (the browser's
// Date.now()). A missing or unparsable time (an older server) leaves the offset as it was.
export function observeServerTime(serverTime, localMs = Date.now()) {
  const serverMs = serverTime ? Date.parse(serverTime) : NaN;
  if (Number.isFinite(serverMs)) offsetMs = serverMs - localMs;
}

// The server's time (ms since the epoch) at the browser's `localMs`; while a past moment is shown (measureAt), that
// moment, so that every age and countdown on the page reads as it did then.
export function serverNow(localMs = Date.now()) {
  return shownMs ?? localMs + offsetMs;
}

// Measure ages against `ms` (a past picture's commit time) from now on; null: against the server's time again.
export function measureAt(ms) {
  shownMs = Number.isFinite(ms) ? ms : null;
}

// How far the server's clock is ahead of the browser's (negative: behind), in ms.
export function serverOffsetMs() {
  return offsetMs;
}
