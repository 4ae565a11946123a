// A refetch that runs at most once per interval however many changes ask for it, and always once more after the
// last one (trailing edge), so the screen ends up showing the state after the last change.
//
// A burst of changes over D ms causes at most floor(D / interval) + 2 runs: the first change runs at once (a single
// change shows without delay), later ones mark the refetch as wanted and it runs when the interval since the last
// start is over; the last run starts at most one interval after the last change. Runs never overlap: a change during a run makes one more run after it (the running one may have
// read the state from before that change).

export class Throttle {
  // run(): a function returning a promise; its rejection is the caller's business (catch it inside `run`).
  constructor(intervalMs, run) {
    this.intervalMs = intervalMs;
    this.run = run;
    this.lastStart = -Infinity;
    this.timer = null;
    this.running = false;
    this.wanted = false;
    this.runs = 0;  // For the tests and for curious operators.
  }

  // Asks for a run: now if the interval since the last one is over, otherwise when it is.
  request() {
    this.wanted = true;
    if (this.timer === null && !this.running) this.schedule();
  }

  schedule() {
    const wait = Math.max(0, this.lastStart + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.fire(), wait);
  }

  async fire() {
    this.timer = null;
    this.wanted = false;
    this.running = true;
    this.lastStart = Date.now();
    this.runs += 1;
    try {
      await this.run();
    } catch {
      // `run` reports its own errors; a throttle that stopped after one would leave the screen stale.
    } finally {
      this.running = false;
      if (this.wanted && this.timer === null) this.schedule();
    }
  }

  // Whether a run is asked for, waiting for its interval, or in progress.
  pending() {
    return this.wanted || this.timer !== null || this.running;
  }

  // Drops a pending run (the thing it refreshes is gone); a run in progress completes.
  cancel() {
    clearTimeout(this.timer);
    this.timer = null;
    this.wanted = false;
  }
}
