import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IntrospectionClient, IntrospectionFailed } from '../../src/mcp/introspection.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  socket: Socket;
}

/** A stand-in authorization server that records what the client sent; `behave` decides the answer. */
describe('IntrospectionClient (RFC 7662 over a keep-alive agent)', () => {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let behave: (req: Seen, res: http.ServerResponse) => void;
  const ok = (_req: Seen, res: http.ServerResponse) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"active":true,"scope":"mcp:read","aud":"x"}');
  let server: http.Server;
  let url: string;
  const clients: IntrospectionClient[] = [];
  const client = (opts: Partial<ConstructorParameters<typeof IntrospectionClient>[0]> = {}) => {
    // A timeout no healthy answer hits on a loaded machine; the timeout test sets its own.
    const c = new IntrospectionClient({ url, clientId: 'mcp-resource-server', clientSecret: 's3cret', timeoutMs: 10_000, ...opts });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString(), socket: req.socket };
        seen.push(s);
        behave(s, res);
      });
    });
    server.on('connection', (s) => {
      connections++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    seen.length = 0;
    connections = 0;
    behave = ok;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('POSTs the token as a form with client_secret_basic (form-urlencoded id and secret, RFC 6749 §2.3.1)', async () => {
    behave = ok;
    const facts = await client({ clientId: 'rs:1 é', clientSecret: 'p@ss:w+rd/' }).introspect('at_a+b/c=');
    expect(facts).toEqual({ active: true, scope: 'mcp:read', aud: 'x' });
    const [r] = seen;
    expect(r!.method).toBe('POST');
    expect(r!.url).toBe('/introspect');
    expect(r!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(r!.headers.accept).toBe('application/json');
    expect(Object.fromEntries(new URLSearchParams(r!.body))).toEqual({ token: 'at_a+b/c=', token_type_hint: 'access_token' });
    const basic = Buffer.from(r!.headers.authorization!.replace(/^Basic /, ''), 'base64').toString();
    expect(basic).toBe(`${encodeURIComponent('rs:1 é')}:${encodeURIComponent('p@ss:w+rd/')}`);
    expect(basic.split(':').map(decodeURIComponent)).toEqual(['rs:1 é', 'p@ss:w+rd/']);
  });

  it('keeps one connection alive across sequential calls', async () => {
    behave = ok;
    const c = client();
    for (let i = 0; i < 25; i++) await c.introspect(`t${i}`);
    expect(seen).toHaveLength(25);
    expect(connections).toBe(1);
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
  });

  it("closes an idle pooled socket itself, 1 s before the server's Keep-Alive: timeout hint", async () => {
    behave = ok;
    // Node answers `Keep-Alive: timeout=2` and closes idle sockets itself only after 2 s or more.
    server.keepAliveTimeout = 2000;
    try {
      const c = client();
      const idleFrom = performance.now();
      await c.introspect('first');
      expect(sockets.size).toBe(1);
      const [socket] = sockets;
      // A FIN from the client arrives as 'end' on the server's socket; a socket the server's own
      // keep-alive timer closes just closes. Wait for the close itself, however late load makes it.
      let endedByClient = false;
      socket!.once('end', () => (endedByClient = true));
      await new Promise((r) => (socket!.destroyed ? r(undefined) : socket!.once('close', r)));
      // Closed from the client's side: a request can never be written to a socket the server is closing.
      expect(endedByClient).toBe(true);
      expect(performance.now() - idleFrom).toBeGreaterThanOrEqual(900);
      expect(sockets.size).toBe(0);
      await expect(c.introspect('second')).resolves.toMatchObject({ active: true });
      expect(connections).toBe(2);
    } finally {
      server.keepAliveTimeout = 5000;
    }
  });

  it('reports a connection the server drops after reading the request; it is not silently retried', async () => {
    behave = ok;
    const c = client();
    await c.introspect('first');
    behave = (req) => req.socket.destroy();
    const before = seen.length;
    await expect(c.introspect('second')).rejects.toThrow(/introspection failed: (socket hang up|read ECONNRESET)/);
    expect(seen.length - before).toBe(1);
  });

  it('gives up after timeoutMs when the answer stalls after its headers', async () => {
    behave = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"active":');
    };
    const started = performance.now();
    const err = await client({ timeoutMs: 250 }).introspect('t').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntrospectionFailed);
    // The timeout gave up, not something else; elapsed time as a lower bound only (load adds time).
    expect((err as IntrospectionFailed).reason).toBe('no answer within 250 ms');
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it.each([
    [401, '{"error":"invalid_client","error_description":"wrong secret"}', 'authorization server answered 401 invalid_client: wrong secret'],
    [200, 'not json', 'authorization server answered 200 with a body that is not JSON'],
    [200, '[]', 'authorization server answered without a boolean "active"'],
  ])('status %i with %s → IntrospectionFailed(%s)', async (status, body, reason) => {
    behave = (_req, res) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
    const err = await client().introspect('t').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntrospectionFailed);
    expect((err as IntrospectionFailed).reason).toBe(reason);
  });

  it('opens more than 64 connections when more calls are in flight (the pool grows with demand)', async () => {
    // The stand-in answers nobody until 100 calls are waiting at once: a pool capped at 64 never gets there.
    const held: http.ServerResponse[] = [];
    behave = (_req, res) => {
      held.push(res);
      if (held.length === 100) for (const r of held.splice(0)) ok(_req, r);
    };
    const c = client({ timeoutMs: 5_000 });
    const answers = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => c.introspect(`t${i}`)));
    expect(answers.filter((a) => a.status === 'fulfilled').length).toBe(100);
    expect(connections).toBe(100);
  });

  it('counts the timeout from when a call has its connection, not while it waits for one', async () => {
    // One connection, twelve calls of ~100 ms each: the last waits over a second for the socket,
    // longer than the 1 s timeout, yet every call itself is quick.
    behave = (req, res) => void setTimeout(() => ok(req, res), 100);
    const c = client({ timeoutMs: 1_000, maxSockets: 1 });
    const answers = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => c.introspect(`t${i}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill('fulfilled'));
    expect(connections).toBe(1);
  });
});
