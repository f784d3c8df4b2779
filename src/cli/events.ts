import type { ControlClient } from '../control/client.js';
import type { ServerEvent } from '../events.js';

/** How often `events --follow` asks: often enough to feel live, rare enough to cost nothing. */
const POLL_MS = 500;
/** Keys remembered to drop the copy the other server answers; only the last rounds can repeat. */
const SEEN_MAX = 10_000;

const key = (e: ServerEvent) => `${e.server} ${e.id} ${e.at}`;
const inOrder = (a: ServerEvent, b: ServerEvent) => a.at.localeCompare(b.at) || a.id - b.id;

/**
 * Both servers' events since two cursors, merged. Started together they share one log, so both
 * answer the same events: each is kept once. Run apart, each has its own.
 */
export class EventCursor {
  private since = { oauth: 0, mcp: 0 };
  private readonly seen = new Set<string>();

  constructor(private readonly client: ControlClient) {}

  async next(): Promise<ServerEvent[]> {
    const servers = ['oauth', 'mcp'] as const;
    const answers = await Promise.all(servers.map((s) => this.client.events(this.since[s], s)));
    const fresh: ServerEvent[] = [];
    servers.forEach((s, i) => {
      const { events, lastId } = answers[i]!;
      // A restarted server numbers from 1 again: start over rather than wait for its old count.
      this.since[s] = lastId < this.since[s] ? 0 : lastId;
      for (const e of events) {
        if (this.seen.has(key(e))) continue;
        this.seen.add(key(e));
        fresh.push(e);
      }
    });
    while (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.values().next().value!);
    return fresh.sort(inOrder);
  }
}

/** Prints events as they happen until SIGINT (exit 0); a server that stops answering ends it (throws). */
export async function followEvents(client: ControlClient, print: (e: ServerEvent) => void): Promise<void> {
  const cursor = new EventCursor(client);
  let stopped = false;
  let wake = () => {};
  const onSigint = () => {
    stopped = true;
    wake();
  };
  process.once('SIGINT', onSigint);
  try {
    while (!stopped) {
      for (const e of await cursor.next()) print(e);
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}
