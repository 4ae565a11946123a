// A live replica of the picture over the gateway's Server-Sent Events feed (PictureService.Subscribe).
//
// Protocol (server/http/event_stream.h): snapshot chunks, `synced` (id R), then `events` batches; `heartbeat`s while
// nothing changes; `reset` when the resume point is gone (a fresh snapshot follows); `end` before the server closes
// the stream. The SSE id is the revision to resume after: when the connection drops, EventSource reconnects by itself
// and sends it back as Last-Event-ID, so the page resumes where it was, with no gap and no duplicate, without reload.
// A new snapshot replaces the replica only once it is complete (at `synced`), so the screen never flashes empty.
// `synced` and `heartbeat` carry the server's time: the pages measure ages against it (server_clock.js).

import { token } from './api.js';
import { observeServerTime } from './server_clock.js';

const SUBSCRIBE_URL = '/api/ketenbeeld.v1.PictureService/Subscribe';
// Without any message for this long (heartbeats come every few seconds), the connection is presumed dead.
const SILENCE_LIMIT_MS = 20000;

export class Feed {
  // onChange({changed: Set of record names, events: [Event], reset: bool}) after every applied snapshot or batch
  // (`events` as the batch carried them, with the record's last value for a delete; empty after a snapshot);
  // onStatus() after any change of the connection state.
  constructor({ filter = null, onChange = () => {}, onStatus = () => {} } = {}) {
    this.filter = filter;
    this.onChange = onChange;
    this.onStatus = onStatus;
    this.records = new Map();  // name -> Record (JSON)
    this.revision = 0;
    this.lastChange = null;  // Date: commit time of the newest change seen
    this.state = 'connecting';  // 'connecting' | 'live' | 'reconnecting' | 'error'
    this.since = null;  // Date: when the connection was lost (state 'reconnecting')
    this.error = '';
    this.lastMessageAt = Date.now();
    this.source = null;
    this.pending = null;  // Map while a snapshot is arriving
    this.snapshots = 0;  // Complete snapshots received (a resume after a reconnect needs none)
    this.retryTimer = null;
    this.watchdog = setInterval(() => this.checkSilence(), 2000);
  }

  start() {
    this.open(this.revision);
    return this;
  }

  // Records whose name starts with `prefix`.
  *withPrefix(prefix) {
    for (const [name, record] of this.records) if (name.startsWith(prefix)) yield record;
  }

  open(fromRevision) {
    this.close();
    const params = new URLSearchParams();
    if (this.filter) params.set('filter', JSON.stringify(this.filter));
    if (fromRevision > 0) params.set('from_revision', String(fromRevision));
    // EventSource cannot send headers: the gateway takes the token as a query parameter on its loopback port.
    if (token()) params.set('access_token', token());
    const query = params.toString();
    const source = new EventSource(query ? `${SUBSCRIBE_URL}?${query}` : SUBSCRIBE_URL);
    this.source = source;
    this.lastMessageAt = Date.now();
    const on = (type, handler) => source.addEventListener(type, (message) => {
      if (this.source !== source) return;
      this.lastMessageAt = Date.now();
      handler(message.data ? JSON.parse(message.data) : {}, message);
    });
    on('reset', () => { this.pending = null; });
    on('snapshot', (chunk) => {
      if (!this.pending) this.pending = new Map();
      for (const record of chunk.records || []) this.pending.set(record.name, record);
    });
    on('synced', (synced) => {
      observeServerTime(synced.server_time);
      const reset = this.pending !== null;
      if (reset) {
        this.records = this.pending;
        this.pending = null;
        this.snapshots += 1;
        for (const record of this.records.values()) this.noteTime(record.update_time);
      }
      this.revision = Number(synced.revision || 0);
      this.setState('live');
      this.onChange({ changed: new Set(), events: [], reset });
    });
    on('events', (batch, message) => {
      const changed = new Set();
      for (const event of batch.events || []) {
        const record = event.record || {};
        if (event.type === 'EVENT_TYPE_DELETE') this.records.delete(record.name);
        else this.records.set(record.name, record);
        changed.add(record.name);
        this.noteTime(event.commit_time);
      }
      this.revision = Number(message.lastEventId || this.revision);
      this.setState('live');
      this.onChange({ changed, events: batch.events || [], reset: false });
    });
    on('heartbeat', (heartbeat) => {
      observeServerTime(heartbeat.server_time);
      this.revision = Math.max(this.revision, Number(heartbeat.revision || 0));
      if (this.state !== 'live') this.setState('live');
      else this.onStatus(this);
    });
    on('end', (end) => {
      if (end.code === 'OUT_OF_RANGE') {
        // The server is behind what we have seen (its data was replaced): start over from a fresh snapshot.
        this.revision = 0;
        this.reconnect(0);
      } else if (end.code === 'INVALID_ARGUMENT') {
        this.close();
        this.error = end.message;
        this.setState('error');
      } else {
        this.lost();  // UNAVAILABLE (shutdown) and the like: EventSource reconnects and resumes by itself.
      }
    });
    source.onerror = () => {
      if (this.source !== source) return;
      this.lost();
      // EventSource gives up for good on an HTTP error (e.g. 503 "too many feeds"); then retry ourselves.
      if (source.readyState === EventSource.CLOSED) this.reconnect(this.revision);
    };
  }

  lost() {
    if (this.state !== 'reconnecting') {
      this.since = new Date();
      this.setState('reconnecting');
    }
  }

  // A new EventSource resuming after `revision`, after a pause.
  reconnect(revision) {
    this.close();
    this.lost();
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(revision), 1000 + Math.random() * 1000);
  }

  checkSilence() {
    if (this.source && this.state === 'live' && Date.now() - this.lastMessageAt > SILENCE_LIMIT_MS) {
      this.reconnect(this.revision);
    }
  }

  close() {
    if (this.source) this.source.close();
    this.source = null;
    this.pending = null;
  }

  noteTime(timestamp) {
    const date = timestamp ? new Date(timestamp) : null;
    if (date && !Number.isNaN(date.getTime()) && (!this.lastChange || date > this.lastChange)) this.lastChange = date;
  }

  setState(state) {
    this.state = state;
    if (state === 'live') {
      this.since = null;
      this.error = '';
    }
    this.onStatus(this);
  }
}

// The connection indicator every page shows: "Live" or "Opnieuw verbinden sinds 14:03:07".
export function statusText(feed, t, clock) {
  switch (feed.state) {
    case 'live': return t('conn.live');
    case 'reconnecting': return t('conn.reconnecting', { time: clock(feed.since) });
    case 'error': return t('conn.error', { message: feed.error });
    default: return t('conn.connecting');
  }
}
