import { OAuthError, SdkErrorCode, SdkHttpError, UnauthorizedError } from '@modelcontextprotocol/client';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { McpEra } from '../../src/policy.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { textOf } from '../support/mcp.js';
import { authorizeScopes, count, readmeScenarioRows, refreshTokensOf, scenarioHarness, SEED } from '../support/scenario-harness.js';
import { afterConsent, connectWithConsentV2, type ConnectedV2, type V2Options } from '../support/v2-client.js';

/**
 * Every row of the README's scenario table, driven with the official SDK v2 client
 * (@modelcontextprotocol/client 2.4) in each version-negotiation mode, headless consent, checked
 * through the control plane's events and state. The 1.32.2 client runs the same rows in
 * scenarios.test.ts. The issuer checks run strictly throughout (no skipIssuerMetadataValidation).
 */
const h = scenarioHarness();
const { trail, lastId } = h;

/**
 * What differs by the protocol era a mode ends up in; everything else a row asserts holds in every
 * era. A fact left undefined is not asserted in that mode (yet).
 */
interface EraFacts {
  /** The JSON-RPC method of a connect's first POST /mcp: the unauthenticated one whose 401 starts discovery. */
  firstRpc: 'initialize' | 'server/discover';
  /** Whether a connect sends `initialize` (the legacy handshake). */
  initializes?: boolean;
  /** What `client.getProtocolEra()` says once connected. */
  era?: 'legacy' | 'modern';
}

interface Mode {
  name: string;
  options: V2Options;
  expect: EraFacts;
  /** The server's era for every row (after the harness's reset); the default is dual. */
  serverEra?: McpEra;
}

const AUTO: V2Options = { client: { versionNegotiation: { mode: 'auto' } } };
const MODES: Mode[] = [
  { name: 'default mode (legacy initialize)', options: {}, expect: { firstRpc: 'initialize', initializes: true, era: 'legacy' } },
  // The probe comes first; against a server that speaks 2026-07-28 the client stays modern and never
  // sends initialize (basic/versioning "Compatibility Matrix": dual-era client × modern or dual-era server).
  { name: "versionNegotiation mode 'auto' against dual", options: AUTO, expect: { firstRpc: 'server/discover', initializes: false, era: 'modern' } },
  { name: "versionNegotiation mode 'auto' against modern", options: AUTO, serverEra: 'modern', expect: { firstRpc: 'server/discover', initializes: false, era: 'modern' } },
];

const open: ConnectedV2[] = [];
afterAll(async () => {
  for (const c of open) await c.client.close().catch(() => undefined);
});

async function connected(mode: Mode, provider = new HeadlessOAuthProvider()): Promise<ConnectedV2> {
  const from = await lastId();
  const c = await connectWithConsentV2(h.servers.mcpUrl, provider, mode.options);
  open.push(c);
  const era = c.client.getProtocolEra();
  if (mode.expect.era) expect(era).toBe(mode.expect.era);
  if (mode.expect.initializes !== undefined) expect(count(await trail(from), /^POST \/mcp initialize /) > 0).toBe(mode.expect.initializes);
  // Only a legacy connection opens the standalone stream (GET /mcp) after connecting.
  if (era === 'legacy') await h.standaloneGetSince(from);
  return c;
}

const echo = async (c: ConnectedV2, message = 'hello') => textOf(await c.client.callTool({ name: 'echo', arguments: { message } }));
const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (err: unknown) => err,
  );

/** One README row: registers its tests for a mode. The keys are the README's "to test" column. */
const ROWS: Record<string, (mode: Mode) => void> = {
  'first consent + PKCE': (mode) => {
    it('discovery → registration → /authorize → code exchange with the verifier; iss checked, no opt-out', async () => {
      const c = await connected(mode);
      expect(await echo(c)).toBe('hello');
      expect(c.provider.authorizations).toBe(1);
      expect(c.provider.verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
      expect(c.provider.iss).toBe(h.servers.oauthUrl);
      expect(c.provider.discovery?.authorizationServerMetadata?.issuer).toBe(h.servers.oauthUrl);
      const t = await trail();
      const order = [`POST /mcp ${mode.expect.firstRpc} → unauthorized`, 'GET /.well-known/oauth-protected-resource/mcp → ok', 'GET /.well-known/oauth-authorization-server → ok', 'POST /register → ok', 'GET /authorize → ok', 'POST /token authorization_code → ok'];
      const at = order.map((line) => t.indexOf(line));
      expect(at.every((i) => i >= 0), t.join('\n')).toBe(true);
      expect(at).toEqual([...at].sort((a, b) => a - b));
      expect(t.at(-1)).toBe('POST /mcp tools/call echo → ok');
      expect((await h.control.state()).counters).toMatchObject({ registrations: 1, authorizeCalls: 1, tokenCallsByGrant: { authorization_code: 1 } });
    });

    it('a wrong code_verifier is refused at /token and nothing is issued', async () => {
      class WrongVerifier extends HeadlessOAuthProvider {
        override codeVerifier(): string {
          return 'x'.repeat(43);
        }
      }
      const err = await failure(connectWithConsentV2(h.servers.mcpUrl, new WrongVerifier(), mode.options));
      expect(err).toBeInstanceOf(OAuthError);
      expect((err as OAuthError).code).toBe('invalid_grant');
      expect(await trail()).toContain('POST /token authorization_code → invalid_grant');
      expect((await h.control.state()).live.accessTokens).toBe(0);
    });
  },

  'transparent refresh': (mode) => {
    it('a stored credential with the seeded refresh token and a client_id never seen here: refreshed silently, no consent', async () => {
      const provider = new HeadlessOAuthProvider();
      // Stamped with the issuer they came from, as v2 stores them (SEP-2352): else it warns and cannot isolate them.
      const issuer = h.servers.oauthUrl;
      provider.clientInfo = { client_id: 'client-stored-before-a-restart', issuer };
      provider.savedTokens = { access_token: 'stale-access-token', token_type: 'Bearer', refresh_token: SEED, issuer };
      const c = await connected(mode, provider);
      expect(await echo(c)).toBe('hello');
      expect(provider.authorizations).toBe(0);
      const st = await h.control.state();
      expect(st.counters.tokenCallsByGrant).toEqual({ refresh_token: 1 });
      expect(st.counters.registrations).toBe(0);
      const t = await trail();
      expect(t).toEqual(expect.arrayContaining([`POST /mcp ${mode.expect.firstRpc} → invalid_token`, 'POST /token refresh_token → ok', 'POST /mcp tools/call echo → ok']));
      expect(count(t, /\/authorize/)).toBe(0);
      expect(provider.savedTokens?.access_token).not.toBe('stale-access-token');
      expect(provider.savedTokens?.issuer).toBe(issuer);
    });
  },

  expiry: (mode) => {
    it('expire-access 5, call, clock +6 s, call → refreshed on the 401, both succeed', async () => {
      await h.control.expiresIn(5);
      const c = await connected(mode);
      expect(c.provider.savedTokens?.expires_in).toBe(5);
      expect(await echo(c, 'one')).toBe('one');
      const tokenCalls = (await h.control.state()).counters.tokenCalls;
      const mark = await lastId();
      await h.control.advanceClock(6);
      expect(await echo(c, 'two')).toBe('two');
      expect((await h.control.state()).counters.tokenCalls).toBe(tokenCalls + 1);
      // v2 refreshes reactively (expires_in unused), with the discovery it kept.
      expect(await trail(mark)).toEqual(['POST /introspect → inactive', 'POST /mcp tools/call echo → invalid_token', 'POST /token refresh_token → ok', 'POST /introspect → active', 'POST /mcp tools/call echo → ok']);
      expect(c.provider.authorizations).toBe(1);
    });
  },

  'revoked token': (mode) => {
    it('revoke-access, then the next call succeeds after one refresh', async () => {
      const c = await connected(mode);
      await echo(c);
      const mark = await lastId();
      expect((await h.control.revokeAccess()).live.accessTokens).toBe(0);
      expect(await echo(c, 'again')).toBe('again');
      const t = await trail(mark);
      expect(t).toEqual(expect.arrayContaining(['POST /mcp tools/call echo → invalid_token', 'POST /token refresh_token → ok', 'POST /mcp tools/call echo → ok']));
      expect(count(t, /POST \/token/)).toBe(1);
      expect(count(t, /\/authorize/)).toBe(0);
      expect(c.provider.authorizations).toBe(1);
    });
  },

  rotation: (mode) => {
    it('rotate on, revoke between calls: each rotated refresh token is stored and used; calls keep succeeding', async () => {
      await h.control.rotate(true);
      const c = await connected(mode);
      for (let i = 0; i < 3; i++) {
        await h.control.revokeAccess(); // forces a refresh on the next call
        expect(await echo(c, `call ${i}`)).toBe(`call ${i}`);
      }
      const rts = refreshTokensOf(c.provider.tokenHistory);
      expect(rts).toHaveLength(4);
      expect(new Set(rts).size).toBe(4);
      const t = await trail();
      expect(count(t, /POST \/token refresh_token → ok/)).toBe(3);
      expect(count(t, /invalid_grant/)).toBe(0);
      const latest = rts.at(-1)!;
      const mine = (await h.control.state()).refreshTokens.filter((r) => r.clientId === c.provider.clientInfo?.client_id);
      expect(mine.map((r) => r.token)).toEqual([`${latest.slice(0, 6)}…${latest.slice(-4)}`]);
      expect(c.provider.authorizations).toBe(1);
    });
  },

  'dead refresh token': (mode) => {
    it('dead-refresh on + revoke: one refresh, then back to consent (no loop); dead-refresh off, consent, recovered', async () => {
      const c = await connected(mode);
      await echo(c);
      await h.control.invalidGrant(true);
      await h.control.revokeAccess();
      const mark = await lastId();
      const err = await failure(c.client.callTool({ name: 'echo', arguments: { message: 'x' } }));
      expect(err).toBeInstanceOf(UnauthorizedError);
      expect(c.provider.invalidations).toContain('tokens');
      expect(c.provider.authorizations).toBe(2);
      const t = await trail(mark);
      expect(t).toEqual(expect.arrayContaining(['POST /token refresh_token → invalid_grant', 'GET /authorize → ok']));
      expect(count(t, /POST \/token refresh_token/)).toBe(1);

      await h.control.invalidGrant(false);
      await c.transport.finishAuth(c.provider.callbackParams);
      expect(await echo(c, 'back')).toBe('back');
      expect(await trail(mark)).toContain('POST /token authorization_code → ok');
    });
  },

  'consent denied': (mode) => {
    it('deny-consent on: the redirect carries access_denied, state and iss; v2 checks iss, then reports access_denied', async () => {
      class WithState extends HeadlessOAuthProvider {
        state(): string {
          return 'state-123';
        }
      }
      await h.control.denyConsent(true);
      const provider = new WithState();
      const err = await failure(connectWithConsentV2(h.servers.mcpUrl, provider, mode.options));
      expect(err).toBeInstanceOf(OAuthError);
      expect((err as OAuthError).code).toBe('access_denied');
      const q = provider.callbackParams;
      expect(q.get('error')).toBe('access_denied');
      expect(q.get('state')).toBe('state-123');
      expect(q.get('iss')).toBe(h.servers.oauthUrl);
      const t = await trail();
      expect(t).toContain('GET /authorize → access_denied');
      expect(count(t, /POST \/token/)).toBe(0);
      expect((await h.control.state()).live.accessTokens).toBe(0);
    });
  },

  'insufficient scope': (mode) => {
    it('bad-scope on: the challenge names no new scope, so v2 refreshes once, gets the 403 again and stops (retry limit 1)', async () => {
      const c = await connected(mode);
      await echo(c);
      const mark = await lastId();
      await h.control.force403(true);
      for (const call of [() => echo(c, 'x'), () => c.client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })]) {
        const err = await failure(call());
        expect(err).toBeInstanceOf(SdkHttpError);
        expect((err as SdkHttpError).code).toBe(SdkErrorCode.ClientHttpForbidden);
        expect((err as SdkHttpError).message).toContain('retry limit 1 reached');
      }
      const t = await trail(mark);
      expect(count(t, /POST \/mcp tools\/call \w+ → insufficient_scope/)).toBe(4);
      expect(count(t, /POST \/token refresh_token → ok/)).toBe(2);
      expect(count(t, /\/authorize/)).toBe(0);
      expect(c.provider.authorizations).toBe(1);

      await h.control.force403(false);
      expect(await echo(c, 'ok again')).toBe('ok again');
    });
  },

  'a 2026-07-28 client': (mode) => {
    it('era modern: a client that speaks 2026-07-28 connects with no initialize; one that speaks only 2025 fails with -32022', async () => {
      await h.control.era('modern');
      if (mode.expect.era === 'modern') {
        const c = await connected(mode);
        expect(await echo(c, 'modern')).toBe('modern');
        const me = JSON.parse(textOf(await c.client.callTool({ name: 'whoami', arguments: {} })));
        expect(me).toMatchObject({ era: 'modern', protocol_version: '2026-07-28' });
        const calls = (await h.control.events(h.testStart)).events.filter((e) => e.type === 'request' && e.endpoint === 'mcp' && e.outcome === 'ok');
        expect(calls.length).toBeGreaterThan(0);
        expect(calls.every((e) => e.type === 'request' && e.endpoint === 'mcp' && e.era === 'modern')).toBe(true);
        return;
      }
      // The legacy handshake meets a modern-only server: 400 -32022, supported ["2026-07-28"].
      const err = await failure(connectWithConsentV2(h.servers.mcpUrl, new HeadlessOAuthProvider(), mode.options));
      expect(String((err as Error).message)).toMatch(/-32022|Unsupported protocol version/);
      expect(count(await trail(), /^POST \/mcp initialize → unsupported-protocol-version$/)).toBeGreaterThanOrEqual(1);
    });
  },

  'a dual-era client on an old server': (mode) => {
    it('era legacy: every client ends up in the 2025 era and works; a probing one falls back to initialize', async () => {
      await h.control.era('legacy');
      const from = await lastId();
      const c = await connectWithConsentV2(h.servers.mcpUrl, new HeadlessOAuthProvider(), mode.options);
      open.push(c);
      expect(c.client.getProtocolEra()).toBe('legacy');
      expect(await echo(c, 'old')).toBe('old');
      const t = await trail(from);
      expect(count(t, /^POST \/mcp initialize → ok$/)).toBeGreaterThanOrEqual(1);
      if (mode.expect.firstRpc === 'server/discover') expect(t).toContain('POST /mcp server/discover → http_400');
    });
  },

  'step-up authorization': (mode) => {
    it('step-up 1, a tool call → a new authorization with every scope the 403 named, then the call succeeds; stepUp shows 1 and 1', async () => {
      const c = await connected(mode);
      await h.control.stepUp(1);
      expect(await afterConsent(c, () => echo(c, 'any tool'))).toBe('any tool');
      expect(await authorizeScopes(h.control, h.testStart)).toEqual(['mcp:read mcp:write', 'mcp:read mcp:write mcp:admin']);
      const st = await h.control.state();
      expect(st.switches['step-up']).toBe(false);
      expect(st.stepUp).toEqual({ [c.provider.clientInfo!.client_id]: { challenges: 1, reauthorizations: 1 } });
    });
  },
};

it('covers every row of the README scenario table', () => {
  expect(Object.keys(ROWS)).toEqual(readmeScenarioRows());
});

for (const mode of MODES) {
  describe(`SDK v2 client, ${mode.name}`, () => {
    if (mode.serverEra) beforeEach(() => h.control.era(mode.serverEra!).then(() => undefined));
    for (const [row, register] of Object.entries(ROWS)) describe(row, () => register(mode));
  });
}
