import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IntrospectionClient, IntrospectionFailed } from '../../src/mcp/introspection.js';
import { issueTokens } from '../../src/oauth/issue.js';
import { createAuthServer } from '../../src/server.js';

// Both servers in one process: the MCP server's introspection is handed to the AS app itself
// (IntrospectionOptions.local), no socket. Here the AS app is real, over its own realm; nothing listens.
let as: ReturnType<typeof createAuthServer>;
beforeEach(() => {
  as = createAuthServer({ introspectionTimeoutMs: 150 });
});
afterEach(() => as.realm.close());

const client = (secret = as.realm.config.introspectionClientSecret) =>
  new IntrospectionClient({
    url: as.realm.urls.endpoint('introspect'),
    clientId: as.realm.config.introspectionClientId,
    clientSecret: secret,
    timeoutMs: as.realm.config.introspectionTimeoutMs,
    local: (request, connection) => as.app.fetch(request, { hangUp: connection.hangUp }),
  });

const token = async () => (await issueTokens(as.realm, { clientId: 'c1', scope: ['mcp:read'], resources: [as.realm.urls.resource], sub: 'u', grantId: 'g1' }, 'none')).access_token;

const fault = async (spec: object) => {
  const res = await as.app.request('/control/faults', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ endpoint: 'introspect', times: 1, ...spec }) });
  expect(res.status).toBe(201);
};

const introspectEvents = () => as.realm.events.since().filter((e) => e.type === 'request' && e.endpoint === 'introspect');

describe('introspection handed to the AS app in process', () => {
  it('is the RFC 7662 request: the AS authenticates the MCP server, answers, counts and records it', async () => {
    const t = await token();
    await expect(client().introspect(t)).resolves.toMatchObject({ active: true, scope: 'mcp:read', client_id: 'c1', aud: as.realm.urls.resource });
    expect(as.realm.counters.introspections).toBe(1);
    expect(introspectEvents()).toMatchObject([{ method: 'POST', path: '/introspect', status: 200, clientId: as.realm.config.introspectionClientId, active: true }]);
  });

  it('an unknown token: inactive, with the reason our own MCP server is told', async () => {
    const answer = await client().introspect('at_nobody-issued-this');
    expect(answer.active).toBe(false);
    expect(answer.mcp_oauth_test_server_inactive_reason).toMatch(/^token is unknown: never issued here/);
  });

  it('a drop fault hangs up on the caller: what node reports for a dropped connection', async () => {
    await fault({ effect: { kind: 'drop' } });
    const err = await client().introspect(await token()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntrospectionFailed);
    expect((err as IntrospectionFailed).message).toBe('introspection failed: socket hang up');
    expect(introspectEvents()).toMatchObject([{ outcome: 'dropped' }]);
  });

  it('a latency fault past the timeout: no answer within the timeout, from the call (there is no socket to wait for)', async () => {
    await fault({ effect: { kind: 'latency', ms: 2000 } });
    const started = performance.now();
    const err = await client().introspect(await token()).catch((e: unknown) => e);
    expect((err as IntrospectionFailed).reason).toBe('no answer within 150 ms');
    // A lower bound only: load can stretch any duration.
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it.each([
    ['a 503 with an HTML body', { kind: 'status', status: 503, body: '<html>down</html>' }, 'authorization server answered 503 with a body that is not JSON'],
    ['a 200 without active', { kind: 'status', status: 200, body: { ok: true } }, 'authorization server answered without a boolean "active"'],
    ['a scope that is a number', { kind: 'status', status: 200, body: { active: true, scope: 7 } }, 'authorization server answered with a malformed "scope"'],
  ])('%s: judged as over HTTP', async (_name, effect, reason) => {
    await fault({ effect });
    const err = await client().introspect(await token()).catch((e: unknown) => e);
    expect((err as IntrospectionFailed).reason).toContain(reason);
  });

  it('the answer is read as it reached the caller: one replaced after the AS made it is read from its own body', async () => {
    const t = await token();
    const replacing = new IntrospectionClient({
      url: as.realm.urls.endpoint('introspect'),
      clientId: as.realm.config.introspectionClientId,
      clientSecret: as.realm.config.introspectionClientSecret,
      timeoutMs: 1000,
      local: async (request, connection) => {
        const made = await as.app.fetch(request, { hangUp: connection.hangUp });
        expect(made.status).toBe(200);
        return new Response(JSON.stringify({ active: false }), { status: 200, headers: { 'Content-Type': 'application/json' } });
      },
    });
    await expect(replacing.introspect(t)).resolves.toEqual({ active: false });
    await expect(client().introspect(t)).resolves.toMatchObject({ active: true, client_id: 'c1' });
  });

  it('the request the AS app is handed reads as a Request, and its body once', async () => {
    let seen: Request | undefined;
    const spy = new IntrospectionClient({
      url: as.realm.urls.endpoint('introspect'),
      clientId: 'rs',
      clientSecret: 's',
      timeoutMs: 1000,
      local: async (request) => {
        seen = request;
        return new Response('{"active":false}', { status: 200 });
      },
    });
    await spy.introspect('at_x');
    expect(seen).toBeInstanceOf(Request);
    expect(seen!.method).toBe('POST');
    expect(new URL(seen!.url).pathname).toBe('/introspect');
    expect(seen!.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(seen!.headers.get('host')).toBe(new URL(as.realm.urls.endpoint('introspect')).host);
    await expect(seen!.text()).resolves.toBe('token=at_x&token_type_hint=access_token');
    await expect(seen!.text()).rejects.toThrow(/already been read/);
    // Members the AS never reads are not faked: reading one fails loudly.
    expect(() => seen!.signal).toThrow(TypeError);
  });

  it('wrong credentials: the AS says invalid_client, and the cause says so', async () => {
    const err = await client('not-the-secret').introspect(await token()).catch((e: unknown) => e);
    expect((err as IntrospectionFailed).reason).toMatch(/^authorization server answered 401 invalid_client/);
  });

  it('at(): another path on the same app, with the same credentials', async () => {
    // The AS answers 401 invalid_client to a caller without them: an active answer shows they came along.
    await expect(client().at(as.realm.urls.endpoint('introspect')).introspect(await token())).resolves.toMatchObject({ active: true });
    const err = await client().at(`${as.realm.issuer}/no-such-endpoint`).introspect('x').catch((e: unknown) => e);
    expect((err as IntrospectionFailed).reason).toMatch(/^authorization server answered 404 not_found/);
  });
});
