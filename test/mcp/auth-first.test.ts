/**
 * Authentication comes first for every method at /mcp: GET (the standalone stream, what mcp-remote
 * probes with) and DELETE (the session) meet the same Bearer challenge as POST without a token, and
 * only a verified caller learns that this stateless server serves neither (405, Allow: POST).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { get } from '../support/control.js';
import { bearer } from '../support/http.js';
import { initializeBody, postMcp } from '../support/mcp.js';
import { obtainTokens } from '../support/oauth.js';
import { rsBase, start } from '../support/servers.js';
import { bearerChallenge } from '../support/www-authenticate.js';

let s: RunningServers;
let accessToken: string;
beforeAll(async () => {
  s = await start();
  accessToken = (await obtainTokens(s.oauthUrl, { resource: s.mcpUrl })).tokens.access_token;
});
afterAll(() => s.close());

const send = (method: string, headers: Record<string, string> = {}, url = s.mcpUrl) => fetch(url, { method, headers: { Accept: 'text/event-stream', ...headers } });

describe.each(['GET', 'DELETE'])('%s /mcp', (method) => {
  it('without a token: 401 with exactly the challenge a POST gets', async () => {
    const post = await postMcp(s.mcpUrl, initializeBody());
    const res = await send(method);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(post.headers.get('www-authenticate'));
    const ch = bearerChallenge(res);
    expect(ch.resource_metadata).toBe(`${rsBase(s)}/.well-known/oauth-protected-resource/mcp`);
    expect(ch.scope).toBe('mcp:read mcp:write');
    expect(ch.error).toBeUndefined();
    expect(res.headers.get('allow')).toBeNull();
  });

  it.each([
    ['an unknown token', { Authorization: 'Bearer at_unknown' }, 401, 'invalid_token'],
    ['a malformed Authorization header', { Authorization: 'Bearer a b' }, 400, 'invalid_request'],
  ])('with %s: the challenge POST would give', async (_n, headers, status, error) => {
    const res = await send(method, headers);
    expect(res.status).toBe(status);
    expect(bearerChallenge(res).error).toBe(error);
  });

  it('with the token in the query string: 400 invalid_request (RFC 6750 §2.1 wants the header)', async () => {
    const res = await send(method, {}, `${s.mcpUrl}?access_token=${accessToken}`);
    expect(res.status).toBe(400);
    expect(bearerChallenge(res).error).toBe('invalid_request');
  });

  it('from a foreign Origin: 403 forbidden_origin, before any token is looked at', async () => {
    const res = await send(method, { Origin: 'http://evil.example', ...bearer(accessToken) });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'forbidden_origin' });
  });

  it('with a valid token: 405 with Allow: POST (no standalone stream, no session to delete)', async () => {
    const res = await send(method, bearer(accessToken));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: `method ${method} is not allowed here; use POST` });
  });

  it('is recorded as an /mcp request with its outcome', async () => {
    const { json: before } = await get(rsBase(s), '/control/events');
    const since = before.events.at(-1)?.id ?? 0;
    await send(method);
    await send(method, bearer(accessToken));
    const { json } = await get(rsBase(s), `/control/events?since=${since}`);
    const mine = (json.events as Array<{ method: string; path: string; status: number; outcome: string }>).filter((e) => e.method === method && e.path === '/mcp');
    expect(mine.map((e) => [e.status, e.outcome])).toEqual([
      [401, 'unauthorized'],
      [405, 'method_not_allowed'],
    ]);
  });
});

describe('other methods at /mcp', () => {
  it.each(['PUT', 'PATCH'])('%s answers 405 with Allow: POST, token or not', async (method) => {
    for (const headers of [{}, bearer(accessToken)]) {
      const res = await send(method, headers);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });
});
