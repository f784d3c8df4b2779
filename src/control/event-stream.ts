import type { Hono } from 'hono';
import type { ServerEvent } from '../events.js';
import type { AppEnv, Ctx } from '../pipeline/env.js';
import type { Realm } from '../realm.js';
import { bad, controlJson } from './answers.js';

/** Open streams per realm: a dashboard tab holds one; more than this is a leak or a loop. */
export const MAX_EVENT_STREAMS = 16;
/** Open streams of a pair of servers, all realms together (the event log caps each realm's subscribers, not the realms). */
export const MAX_EVENT_STREAMS_TOTAL = 64;
/** A comment line this often keeps proxies and the browser from closing an idle stream. */
export const HEARTBEAT_MS = 15_000;
/** Events queued for a reader that does not read: past this it is cut off, and resumes with Last-Event-ID. */
const MAX_QUEUED = 512;
/** What EventSource waits before reconnecting (WHATWG HTML §9.2 `retry:`). */
const RETRY_MS = 2000;

const encoder = new TextEncoder();
// JSON.stringify escapes every line break inside strings, so one event is one `data:` line.
const frame = (e: ServerEvent) => encoder.encode(`id: ${e.id}\ndata: ${JSON.stringify(e)}\n\n`);

interface OpenStream {
  realm: Realm;
  end(): void;
}

export interface EventStreamOptions {
  heartbeatMs?: number;
  /** Whether a realm still serves (a deleted or expired one does not): asked at each heartbeat, its streams end once it does not. */
  alive?: (realm: Realm) => boolean;
}

/**
 * GET /control/events/stream: the realm's events as server-sent events, fed by the event log's
 * subscribers. A stream starts after `Last-Event-ID` (a reconnecting EventSource sends it) or
 * `?since=`, from what the ring buffer still holds. The streams of a pair of servers are one set, so
 * `closeAll()` can end them before the listeners close: an open stream would hold `close()` for its
 * grace period.
 */
export class EventStreams {
  private readonly open = new Set<OpenStream>();
  private readonly heartbeatMs: number;
  private readonly alive: (realm: Realm) => boolean;

  constructor(options: EventStreamOptions = {}) {
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.alive = options.alive ?? (() => true);
  }

  get size(): number {
    return this.open.size;
  }

  closeAll(): void {
    for (const s of [...this.open]) s.end();
  }

  mount(app: Hono<AppEnv>): void {
    app.get('/control/events/stream', (c) => this.stream(c));
  }

  private stream(c: Ctx): Response {
    const note = c.get('note');
    note.silent = true;
    const realm = c.get('realm');
    const from = c.req.header('last-event-id') ?? c.req.query('since') ?? String(realm.events.lastId);
    if (!/^\d{1,15}$/.test(from.trim())) return bad(c, 'Last-Event-ID (or since) must be a non-negative integer event id; expected /control/events/stream?since=0');
    let count = 0;
    for (const s of this.open) if (s.realm === realm) count++;
    if (count >= MAX_EVENT_STREAMS || this.open.size >= MAX_EVENT_STREAMS_TOTAL) {
      note.silent = false;
      note.outcome = 'temporarily_unavailable';
      const why = count >= MAX_EVENT_STREAMS ? `at most ${MAX_EVENT_STREAMS} event streams are open per realm` : `at most ${MAX_EVENT_STREAMS_TOTAL} event streams are open on this server, all realms together`;
      return controlJson({ error: 'temporarily_unavailable', error_description: `${why}; close a dashboard tab (or another stream) and try again` }, 429, { 'Retry-After': '5' });
    }
    const since = Number(from.trim());
    const streams = this.open;
    const heartbeatMs = this.heartbeatMs;
    const alive = this.alive;
    let handle: OpenStream | undefined;
    let refused: string | undefined;
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          let stop: (() => void) | undefined;
          let beat: ReturnType<typeof setInterval> | undefined;
          let ended = false;
          const end = () => {
            if (ended) return;
            ended = true;
            stop?.();
            clearInterval(beat);
            streams.delete(handle!);
            try {
              controller.close();
            } catch {
              // Already cancelled by the reader: nothing left to close.
            }
          };
          handle = { realm, end };
          const push = (chunk: Uint8Array) => {
            if (ended) return;
            if ((controller.desiredSize ?? 0) <= -MAX_QUEUED) return end();
            controller.enqueue(chunk);
          };
          controller.enqueue(encoder.encode(`retry: ${RETRY_MS}\n\n`));
          // The backlog and the subscription in one synchronous step: no event falls between them.
          for (const e of realm.events.since(since)) push(frame(e));
          try {
            stop = realm.events.subscribe((e) => push(frame(e)));
          } catch (err) {
            refused = (err as Error).message;
            ended = true;
            return;
          }
          streams.add(handle);
          beat = setInterval(() => (alive(realm) ? push(encoder.encode(': heartbeat\n\n')) : end()), heartbeatMs);
          beat.unref();
          c.req.raw.signal.addEventListener('abort', end, { once: true });
        },
        cancel() {
          handle?.end();
        },
      },
      { highWaterMark: 1, size: () => 1 },
    );
    if (refused !== undefined) {
      void body.cancel();
      note.silent = false;
      note.outcome = 'temporarily_unavailable';
      return controlJson({ error: 'temporarily_unavailable', error_description: `the event log has no room for another subscriber (${refused}); close a dashboard tab and try again` }, 503, { 'Retry-After': '5' });
    }
    return new Response(body, {
      headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' },
    });
  }
}
