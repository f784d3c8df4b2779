import type { ServerEvent } from '../../src/events.js';

/** One server-sent event block: its `id:`, `data:` and `retry:` fields, and the comment lines. */
export interface SseFrame {
  id?: string;
  data?: string;
  retry?: string;
  comments: string[];
}

/** An open event stream read frame by frame; `close()` drops the connection as a closed tab does. */
export interface SseStream {
  status: number;
  headers: Headers;
  /** The next frame, or undefined once the server ended the stream cleanly (an error rejects). */
  next(): Promise<SseFrame | undefined>;
  /** Frames until one carries an event `match` accepts; the event. */
  nextEvent(match?: (e: ServerEvent) => boolean): Promise<ServerEvent>;
  close(): void;
}

function parse(block: string): SseFrame {
  const frame: SseFrame = { comments: [] };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comments.push(line.slice(1).trim());
    const m = /^(id|data|retry): ?(.*)$/.exec(line);
    if (m) frame[m[1] as 'id' | 'data' | 'retry'] = m[2]!;
  }
  return frame;
}

/** GET a text/event-stream with `fetch` (or an app's `request`), headers as given. */
export async function openSse(url: string, headers: Record<string, string> = {}, send: (url: string, init: RequestInit) => Promise<Response> = fetch): Promise<SseStream> {
  const abort = new AbortController();
  const res = await send(url, { headers, signal: abort.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (): Promise<SseFrame | undefined> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return parse(block);
      }
      const chunk = await reader.read();
      if (chunk.done) return undefined;
      buffer += decoder.decode(chunk.value, { stream: true });
    }
  };
  return {
    status: res.status,
    headers: res.headers,
    next,
    async nextEvent(match = () => true) {
      for (;;) {
        const f = await next();
        if (f === undefined) throw new Error('the stream ended before the event came');
        if (f.data === undefined) continue;
        const e = JSON.parse(f.data) as ServerEvent;
        if (match(e)) return e;
      }
    },
    close: () => abort.abort(),
  };
}
