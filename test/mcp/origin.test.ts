import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { originAllowed } from '../../src/mcp/origin.js';
import { createMcpServer, startServers, type RunningServers } from '../../src/server.js';
import { obtainTokens } from '../support/oauth.js';
import { initializeBody, postMcp, toolsListBody } from '../support/mcp.js';
import { bearerChallenge } from '../support/www-authenticate.js';

const OWN = 'http://localhost:9101';
const built: Array<ReturnType<typeof createMcpServer>> = [];
afterAll(() => {
  for (const b of built) {
    b.verifier.close();
    b.realm.close();
  }
});

/** POSTs to an app without sockets; the status tells whether the guard let the request through. */
async function statusFor(origin: string | undefined, allowedOrigins?: string[]): Promise<number> {
  const server = createMcpServer({ oauthBaseUrl: 'http://127.0.0.1:1', mcpBaseUrl: OWN, allowedOrigins });
  built.push(server);
  const { app } = server;
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
  if (origin !== undefined) headers.Origin = origin;
  const res = await app.request(`${OWN}/mcp`, { method: 'POST', headers, body: JSON.stringify(initializeBody()) });
  if (res.status === 403) expect(await res.json()).toMatchObject({ error: 'forbidden_origin' });
  if (res.status === 401) expect(bearerChallenge(res).error).toBeUndefined();
  return res.status;
}

// 401 means "past the Origin guard, now asking for a token"; 403 means refused by the guard.
describe('DNS-rebinding guard on POST /mcp', () => {
  it.each([
    'http://evil.example',
    'https://evil.example:9101',
    'http://localhost.evil.example',
    'http://127.0.0.1.nip.io',
    'http://localhost:9101/',
    'null',
    'file://',
    'not a url',
  ])('refuses Origin %s with 403', async (origin) => {
    expect(await statusFor(origin)).toBe(403);
  });

  it.each([OWN, 'http://localhost:3000', 'http://localhost', 'https://localhost:8443', 'http://127.0.0.1:5173', 'http://[::1]:8080'])(
    'lets Origin %s through',
    async (origin) => {
      expect(await statusFor(origin)).toBe(401);
    },
  );

  it('lets requests without Origin through (server-side clients send none)', async () => {
    expect(await statusFor(undefined)).toBe(401);
  });

  it('allowedOrigins admits exactly the listed origins', async () => {
    const allow = ['https://app.example'];
    expect(await statusFor('https://app.example')).toBe(403);
    expect(await statusFor('https://app.example', allow)).toBe(401);
    expect(await statusFor('https://app.example:8443', allow)).toBe(403);
    expect(await statusFor('http://app.example', allow)).toBe(403);
    expect(await statusFor('http://evil.example', allow)).toBe(403);
    expect(await statusFor('http://127.0.0.1:4000', allow)).toBe(401);
  });

  it('originAllowed() agrees with the app', () => {
    expect(originAllowed(undefined, OWN, [])).toBe(true);
    expect(originAllowed(OWN, OWN, [])).toBe(true);
    expect(originAllowed('http://[::1]', OWN, [])).toBe(true);
    expect(originAllowed('http://evil.example', OWN, [])).toBe(false);
    expect(originAllowed('http://evil.example', OWN, ['*'])).toBe(true);
    expect(originAllowed('ftp://localhost', OWN, [])).toBe(false);
  });
});

describe('Origin over real sockets', () => {
  let s: RunningServers;
  beforeAll(async () => {
    s = await startServers({ oauthPort: 0, mcpPort: 0, allowedOrigins: ['https://app.example'] });
  });
  afterAll(() => s.close());

  it('a browser client on an allowed origin is served and can read WWW-Authenticate (CORS)', async () => {
    const origin = 'https://app.example';
    const pre = await fetch(s.mcpUrl, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    expect(pre.status).toBeLessThan(300);
    expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');

    const denied = await postMcp(s.mcpUrl, initializeBody(), { Origin: origin });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe(origin);
    expect(denied.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('www-authenticate');

    const { access_token } = (await obtainTokens(s.oauthUrl, { resource: s.mcpUrl })).tokens;
    const ok = await postMcp(s.mcpUrl, toolsListBody(), { Origin: origin, Authorization: `Bearer ${access_token}` });
    expect(ok.status).toBe(200);
  });

  it('an evil origin is refused before its token is even looked at', async () => {
    const { access_token } = (await obtainTokens(s.oauthUrl, { resource: s.mcpUrl })).tokens;
    const before = s.realm.counters.introspections;
    const res = await postMcp(s.mcpUrl, toolsListBody(), { Origin: 'http://evil.example', Authorization: `Bearer ${access_token}` });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(s.realm.counters.introspections).toBe(before);
  });
});
