import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SUBSCRIBERS } from '../../src/events.js';
import { EventStreams, MAX_EVENT_STREAMS } from '../../src/control/event-stream.js';
import { createAuthServer, type RunningServers } from '../../src/server.js';
import { get, post } from '../support/control.js';
import { obtainTokens } from '../support/oauth.js';
import { rsBase, start } from '../support/servers.js';
import { openSse, type SseStream } from '../support/sse.js';
import { until } from '../support/until.js';

let s: RunningServers;
let as: string;
beforeAll(async () => {
  s = await start();
  as = s.oauthUrl;
});
afterAll(() => s?.close());

const stream = (query = '', headers: Record<string, string> = {}) => openSse(`${as}/control/events/stream${query}`, headers);

describe('GET /control/events/stream', () => {
  it('is text/event-stream, never cached, and carries each new event live, as its id and JSON', async () => {
    const es = await stream();
    try {
      expect(es.status).toBe(200);
      expect(es.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(es.headers.get('cache-control')).toBe('no-store');
      expect((await es.next())!.retry).toBe('2000');
      await post(as, '/control/rotate', '{"on":true}');
      const e = await es.nextEvent();
      expect(e).toMatchObject({ type: 'control', control: 'rotate', outcome: 'on', server: 'oauth' });
      // A client's requests too, and the MCP server's events of the same realm.
      await obtainTokens(as);
      expect(await es.nextEvent((x) => x.type === 'request' && x.endpoint === 'token')).toMatchObject({ grant: 'authorization_code', status: 200 });
      await post(rsBase(s), '/control/force-403', '{"on":false}');
      expect(await es.nextEvent((x) => x.type === 'control' && x.control === 'force-403')).toMatchObject({ server: 'mcp' });
    } finally {
      es.close();
      await post(as, '/control/reset');
    }
  });

  it('resumes after Last-Event-ID (or ?since=) from the ring buffer, in order, with nothing before it', async () => {
    await post(as, '/control/rotate', '{"on":true}');
    const first = (await get(as, '/control/events?since=0')).json.lastId as number;
    await post(as, '/control/rotate', '{"on":false}');
    await post(as, '/control/expires-in', '{"seconds":60}');
    const byHeader = await stream('', { 'last-event-id': String(first) });
    const bySince = await stream(`?since=${first}`);
    try {
      for (const es of [byHeader, bySince]) {
        const a = await es.nextEvent();
        const b = await es.nextEvent();
        expect([a.id, b.id]).toEqual([first + 1, first + 2]);
        expect([a.outcome, b.outcome]).toEqual(['off', '60s']);
      }
    } finally {
      byHeader.close();
      bySince.close();
      await post(as, '/control/reset');
    }
  });

  it('a bad Last-Event-ID is 400 invalid_request, and opens no stream', async () => {
    const before = s.realm.events.subscriberCount;
    for (const bad of ['abc', '-1', '1.5']) {
      const res = await get(as, '/control/events/stream', { 'last-event-id': bad });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('Last-Event-ID (or since) must be a non-negative integer') });
    }
    expect(s.realm.events.subscriberCount).toBe(before);
  });

  it('a client that goes away unsubscribes: the subscriber count is back to what it was', async () => {
    const before = s.realm.events.subscriberCount;
    const es = await stream();
    await es.next();
    expect(s.realm.events.subscriberCount).toBe(before + 1);
    es.close();
    await until(() => s.realm.events.subscriberCount === before, 'the closed stream unsubscribed');
  });

  it(`at most ${MAX_EVENT_STREAMS} streams per realm: the next is 429 with why, and one closing makes room`, async () => {
    const before = s.realm.events.subscriberCount;
    const open: SseStream[] = [];
    try {
      for (let i = 0; i < MAX_EVENT_STREAMS; i++) open.push(await stream());
      const refused = await get(as, '/control/events/stream');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.json).toEqual({ error: 'temporarily_unavailable', error_description: `at most ${MAX_EVENT_STREAMS} event streams are open per realm; close a dashboard tab (or another stream) and try again` });
      // Another realm has streams of its own.
      const other = await s.createRealm({ id: 'streams-b' });
      const there = await openSse(`${other.issuer}/control/events/stream`);
      expect(there.status).toBe(200);
      there.close();
      other.delete();
      open.pop()!.close();
      await until(() => s.realm.events.subscriberCount === before + MAX_EVENT_STREAMS - 1, 'one stream closed');
      const again = await stream();
      expect(again.status).toBe(200);
      open.push(again);
    } finally {
      for (const es of open) es.close();
    }
    await until(() => s.realm.events.subscriberCount === before, 'every stream closed');
  });

  it("the event log's own cap (other consumers fill it): 503 with why, nothing subscribed", async () => {
    const fillers: Array<() => void> = [];
    const before = s.realm.events.subscriberCount;
    try {
      while (s.realm.events.subscriberCount < MAX_SUBSCRIBERS) fillers.push(s.realm.events.subscribe(() => {}));
      const res = await get(as, '/control/events/stream');
      expect(res.status).toBe(503);
      expect(res.json.error).toBe('temporarily_unavailable');
      expect(res.json.error_description).toContain('the event log has no room for another subscriber');
      expect(s.realm.events.subscriberCount).toBe(MAX_SUBSCRIBERS);
    } finally {
      for (const stop of fillers) stop();
    }
    expect(s.realm.events.subscriberCount).toBe(before);
  });

  it('sends heartbeat comments while nothing happens', async () => {
    const { app, realm } = createAuthServer({ oauthBaseUrl: 'http://localhost:9100' }, undefined, new EventStreams({ heartbeatMs: 20 }));
    try {
      const es = await openSse('http://localhost:9100/control/events/stream', {}, async (url, init) => app.request(url, init));
      let frame = await es.next();
      while (frame && !frame.comments.includes('heartbeat')) frame = await es.next();
      expect(frame?.comments).toEqual(['heartbeat']);
      es.close();
    } finally {
      realm.close();
    }
  });

  it("a realm that ends (deleted, expired) ends its streams at the next heartbeat", async () => {
    let alive = true;
    const { app, realm } = createAuthServer({ oauthBaseUrl: 'http://localhost:9100' }, undefined, new EventStreams({ heartbeatMs: 20, alive: () => alive }));
    try {
      // The realm's own subscribers (its report card) are not streams.
      const own = realm.events.subscriberCount;
      const es = await openSse('http://localhost:9100/control/events/stream', {}, async (url, init) => app.request(url, init));
      await es.next();
      expect(realm.events.subscriberCount).toBe(own + 1);
      alive = false;
      while ((await es.next()) !== undefined);
      expect(realm.events.subscriberCount).toBe(own);
    } finally {
      realm.close();
    }
  });

  it('is locked by CONTROL_TOKEN like every control route', async () => {
    const locked = await start({ controlToken: 'stream-secret' });
    try {
      const none = await get(locked.oauthUrl, '/control/events/stream');
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="control"');
      const wrong = await get(locked.oauthUrl, '/control/events/stream', { authorization: 'Bearer nope' });
      expect(wrong.status).toBe(401);
      const es = await openSse(`${locked.oauthUrl}/control/events/stream`, { authorization: 'Bearer stream-secret' });
      expect(es.status).toBe(200);
      es.close();
    } finally {
      await locked.close();
    }
  });

  it('close() ends open streams cleanly (the reader sees the end, not a dropped connection) and does not wait on them', async () => {
    const own = await start();
    const a = await openSse(`${own.oauthUrl}/control/events/stream`);
    const b = await openSse(`${rsBase(own)}/control/events/stream`);
    await a.next();
    await b.next();
    const reading = [a, b].map(async (es) => {
      for (;;) if ((await es.next()) === undefined) return 'ended';
    });
    await own.close();
    expect(await Promise.all(reading)).toEqual(['ended', 'ended']);
    expect(own.realm.events.subscriberCount).toBe(0);
  });
});
