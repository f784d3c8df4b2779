import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthTokens } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlClient } from '../../src/control/client.js';
import type { RunningServers } from '../../src/server.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { connectWithConsent, type Connected } from '../../src/testing/connect.js';
import { textOf } from '../support/mcp.js';
import { count, refreshTokensOf, scenarioHarness, SEED } from '../support/scenario-harness.js';

/**
 * The contract's two scenario tables, driven with the official SDK client 1.32.2 (headless consent)
 * and checked through the control plane's events and state. Time moves by the clock, never by
 * sleeping. The same rows with the SDK v2 client: scenarios-v2.test.ts.
 */
const h = scenarioHarness();
const { trail, lastId } = h;
let s: RunningServers;
let control: ControlClient;
beforeAll(() => {
  ({ servers: s, control } = h);
});
const echo = async (c: Connected, message = 'hello') => textOf(await c.client.callTool({ name: 'echo', arguments: { message } }));

const open: Connected[] = [];
async function connected(provider = new HeadlessOAuthProvider()): Promise<Connected> {
  const from = await lastId();
  const c = await connectWithConsent(s.mcpUrl, provider);
  open.push(c);
  await h.standaloneGetSince(from);
  return c;
}
afterAll(async () => {
  for (const c of open) await c.client.close().catch(() => undefined);
});

describe('scenarios that unlock', () => {
  it('first-time consent + PKCE: discovery → registration → /authorize → code exchange with the verifier', async () => {
    const c = await connected();
    expect(await echo(c)).toBe('hello');
    expect(c.provider.authorizations).toBe(1);
    expect(c.provider.verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    const t = await trail();
    const order = ['POST /mcp initialize → unauthorized', 'GET /.well-known/oauth-protected-resource/mcp → ok', 'GET /.well-known/oauth-authorization-server → ok', 'POST /register → ok', 'GET /authorize → ok', 'POST /token authorization_code → ok'];
    const at = order.map((line) => t.indexOf(line));
    expect(at.every((i) => i >= 0), t.join('\n')).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(t.at(-1)).toBe('POST /mcp tools/call echo → ok');
    const st = await control.state();
    expect(st.counters).toMatchObject({ registrations: 1, authorizeCalls: 1, tokenCallsByGrant: { authorization_code: 1 } });
  });

  it('first-time consent + PKCE: a wrong code_verifier is refused at /token', async () => {
    class WrongVerifier extends HeadlessOAuthProvider {
      override codeVerifier(): string {
        return 'x'.repeat(43);
      }
    }
    await expect(connectWithConsent(s.mcpUrl, new WrongVerifier())).rejects.toThrow(/code_verifier|invalid_grant|already used/);
    expect(await trail()).toContain('POST /token authorization_code → invalid_grant');
    expect((await control.state()).live.accessTokens).toBe(0);
  });

  it('transparent refresh: a credential deposited with the seeded refresh token just works', async () => {
    const provider = new HeadlessOAuthProvider();
    provider.savedTokens = { access_token: 'stale-access-token', token_type: 'Bearer', refresh_token: SEED, issuer: s.oauthUrl } as OAuthTokens;
    const before = (await control.state()).counters.tokenCalls;
    const c = await connected(provider);
    expect(await echo(c)).toBe('hello');
    expect(provider.authorizations).toBe(0);
    const st = await control.state();
    expect(st.counters.tokenCalls).toBe(before + 1);
    expect(st.counters.tokenCallsByGrant).toEqual({ refresh_token: 1 });
    expect(await trail()).toEqual(expect.arrayContaining(['POST /mcp initialize → invalid_token', 'POST /token refresh_token → ok', 'POST /mcp tools/call echo → ok']));
    expect(count(await trail(), /GET \/authorize/)).toBe(0);
  });
});

describe('loop: set → trigger → expected', () => {
  it('access-token expiry: expire-access 5, call, clock +6 s, call → transparent refresh, both succeed', async () => {
    await control.expiresIn(5);
    const c = await connected();
    expect(c.provider.savedTokens?.expires_in).toBe(5);
    expect(await echo(c, 'one')).toBe('one');
    const tokenCalls = (await control.state()).counters.tokenCalls;
    const mark = await lastId();
    await control.advanceClock(6);
    expect(await echo(c, 'two')).toBe('two');
    const st = await control.state();
    expect(st.counters.tokenCalls).toBe(tokenCalls + 1);
    // The provider keeps what the client discovered (as a host does), so the refresh needs no discovery.
    expect(await trail(mark)).toEqual([
      'POST /introspect → inactive',
      'POST /mcp tools/call echo → invalid_token',
      'POST /token refresh_token → ok',
      'POST /introspect → active',
      'POST /mcp tools/call echo → ok',
    ]);
    expect(c.provider.authorizations).toBe(1);
  });

  it('revoked token → recover: revoke-access, then the next tool call succeeds after a refresh', async () => {
    const c = await connected();
    await echo(c);
    const mark = await lastId();
    const st = await control.revokeAccess();
    expect(st.live.accessTokens).toBe(0);
    expect(await echo(c, 'again')).toBe('again');
    const t = await trail(mark);
    expect(t).toEqual(expect.arrayContaining(['POST /mcp tools/call echo → invalid_token', 'POST /token refresh_token → ok', 'POST /mcp tools/call echo → ok']));
    expect(count(t, /\/authorize/)).toBe(0);
    expect(c.provider.authorizations).toBe(1);
  });

  it('refresh-token rotation: each rotated refresh token is persisted and used; calls keep succeeding', async () => {
    await control.rotate(true);
    const c = await connected();
    for (let i = 0; i < 3; i++) {
      await control.revokeAccess(); // forces a refresh on the next call
      expect(await echo(c, `call ${i}`)).toBe(`call ${i}`);
    }
    const rts = refreshTokensOf(c.provider.tokenHistory);
    expect(rts).toHaveLength(4);
    expect(new Set(rts).size).toBe(4);
    const t = await trail();
    expect(count(t, /POST \/token refresh_token → ok/)).toBe(3);
    expect(count(t, /invalid_grant/)).toBe(0);
    // Only the newest one is live: each refresh presented the previous (now retired) token.
    const st = await control.state();
    const latest = rts.at(-1)!;
    const mine = st.refreshTokens.filter((r) => r.clientId === c.provider.clientInfo?.client_id);
    expect(mine.map((r) => r.token)).toEqual([`${latest.slice(0, 6)}…${latest.slice(-4)}`]);
    expect(c.provider.authorizations).toBe(1);
  });

  it('dead refresh token + revoke: the client is routed back to consent; dead-refresh off, consent, recovered', async () => {
    const c = await connected();
    await echo(c);
    await control.invalidGrant(true);
    await control.revokeAccess();
    const mark = await lastId();
    const err = await c.client.callTool({ name: 'echo', arguments: { message: 'x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(c.provider.invalidations).toContain('tokens');
    expect(c.provider.authorizations).toBe(2); // redirectToAuthorization called again
    const t = await trail(mark);
    expect(t).toEqual(expect.arrayContaining(['POST /token refresh_token → invalid_grant', 'GET /authorize → ok']));
    expect(count(t, /POST \/token refresh_token/)).toBe(1);

    await control.invalidGrant(false);
    await c.transport.finishAuth(c.provider.code);
    expect(await echo(c, 'back')).toBe('back');
    expect(await trail(mark)).toContain('POST /token authorization_code → ok');
  });

  it('consent denied: deny-consent on → /authorize redirects with access_denied (state, iss) and connect fails', async () => {
    class WithState extends HeadlessOAuthProvider {
      state(): string {
        return 'state-123';
      }
    }
    await control.denyConsent(true);
    const provider = new WithState();
    await expect(connectWithConsent(s.mcpUrl, provider)).rejects.toThrow(/access_denied/);
    const q = provider.lastRedirect!.searchParams;
    expect(q.get('error')).toBe('access_denied');
    expect(q.get('state')).toBe('state-123');
    expect(q.get('iss')).toBe(s.oauthUrl);
    const t = await trail();
    expect(t).toContain('GET /authorize → access_denied');
    expect(count(t, /POST \/token/)).toBe(0);
    expect((await control.state()).live.accessTokens).toBe(0);
  });

  it('insufficient scope: bad-scope on → the tool call fails with a terminal 403, not a re-auth loop', async () => {
    const c = await connected();
    await echo(c);
    const mark = await lastId();
    await control.force403(true);
    await expect(c.client.callTool({ name: 'echo', arguments: { message: 'x' } })).rejects.toThrow(/403/);
    // A second attempt is terminal too.
    await expect(c.client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).rejects.toThrow(/403/);
    const t = await trail(mark);
    expect(count(t, /POST \/mcp tools\/call \w+ → insufficient_scope/)).toBeGreaterThanOrEqual(2);
    expect(count(t, /POST \/mcp tools\/call/)).toBeLessThanOrEqual(4); // at most one step-up retry per call
    expect(count(t, /POST \/token/)).toBeLessThanOrEqual(1);
    expect(count(t, /GET \/authorize/)).toBeLessThanOrEqual(1);
    expect(c.provider.authorizations).toBeLessThanOrEqual(2);

    await control.force403(false);
    expect(await echo(c, 'ok again')).toBe('ok again');
  });
});
