import { UnauthorizedError as V1UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../src/faults.js';
import type { RunningServers } from '../../src/server.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { textOf } from '../support/mcp.js';
import { authorizeScopes, standaloneGetSince } from '../support/scenario-harness.js';
import { start } from '../support/servers.js';
import { afterConsent, challengeRecorder, connectWithConsentV2, type ConnectedV2, type SeenChallenge } from '../support/v2-client.js';

/**
 * Step-up (SEP-2350) end to end with the SDK v2 client. On 403 insufficient_scope it computes the
 * union of the scope it asked for, the token's scope and the challenge's, and when that is more than
 * the token holds it sends the browser to /authorize with it, refresh token or not (a callTool ends
 * in UnauthorizedError; the host finishes the flow and calls again). When the union is nothing new
 * it refreshes and retries, at most maxStepUpRetries (1) times per call.
 */
const UNION = 'mcp:read mcp:write mcp:admin';
const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (err: unknown) => err,
  );
const adminEcho = (c: ConnectedV2, message: string) => c.client.callTool({ name: 'admin-echo', arguments: { message } });
/** The RS told nothing of a token's grant: introspection answers without `scope` (a fault), so every tool scope is missing. */
const introspectionWithoutScope: FaultSpec = { endpoint: 'introspect', effect: { kind: 'omit', fields: ['scope'] } };

describe('step-up with the SDK v2 client', () => {
  let s: RunningServers;
  let c: ConnectedV2;
  let seen: SeenChallenge[];
  const forbidden = () => seen.filter((x) => x.status === 403).map((x) => x.params);

  beforeEach(async () => {
    s = await start();
    const recorder = challengeRecorder();
    seen = recorder.seen;
    c = await connectWithConsentV2(s.mcpUrl, new HeadlessOAuthProvider(), { transport: { fetch: recorder.fetch } });
    await standaloneGetSince(s.control, 0); // its answer (405) must not land among a test's /mcp events
  });
  afterEach(async () => {
    await c?.client.close();
    await s?.close();
  });

  it('admin-echo: 403 naming the union → a new authorization asking exactly that union (no refresh) → the tool succeeds', async () => {
    expect(c.provider.savedTokens?.scope).toBe('mcp:read mcp:write');
    expect(c.provider.savedTokens?.refresh_token).toBeTruthy();
    const r = await afterConsent(c, () => adminEcho(c, 'stepped up'));
    expect(textOf(r)).toBe('stepped up');

    const resourceMetadata = new URL('/.well-known/oauth-protected-resource/mcp', s.mcpUrl).href;
    expect(forbidden()).toEqual([expect.objectContaining({ error: 'insufficient_scope', scope: UNION, resource_metadata: resourceMetadata })]);
    expect(c.provider.lastAuthorizationUrl?.searchParams.get('scope')).toBe(UNION);
    expect(await authorizeScopes(s.control)).toEqual(['mcp:read mcp:write', UNION]);
    expect(c.provider.authorizations).toBe(2);
    expect(c.provider.savedTokens?.scope).toBe(UNION);

    const state = await s.control.state();
    expect(state.counters.refreshes).toBe(0);
    expect(state.live.clients).toBe(1);
    expect(state.stepUp).toEqual({ [c.provider.clientInfo!.client_id]: { challenges: 1, reauthorizations: 1 } });
    expect(textOf(await c.client.callTool({ name: 'add', arguments: { a: 2, b: 2 } }))).toBe('4');
  });

  it('the step-up switch on echo: the same dance on a tool that needs no scope; the new token keeps working while it stays on', async () => {
    await s.control.stepUp(true);
    expect(textOf(await afterConsent(c, () => c.client.callTool({ name: 'echo', arguments: { message: 'one' } })))).toBe('one');
    expect(textOf(await c.client.callTool({ name: 'echo', arguments: { message: 'two' } }))).toBe('two');
    expect(forbidden().map((p) => p.scope)).toEqual([UNION]);
    expect(c.provider.lastAuthorizationUrl?.searchParams.get('scope')).toBe(UNION);
    const state = await s.control.state();
    expect(state.switches['step-up']).toBe(true);
    expect(state.stepUp).toEqual({ [c.provider.clientInfo!.client_id]: { challenges: 1, reauthorizations: 1 } });
  });

  it('a server that keeps demanding: per call one refresh, the same 403, then its SdkHttpError (retry limit 1); the ledger and the event show the loop', async () => {
    await afterConsent(c, () => adminEcho(c, 'granted once'));
    await s.control.setPolicy({ stepUpReauthorizationLimit: 1 });
    await s.control.addFault(introspectionWithoutScope);
    const mark = (await s.control.state()).lastEventId;
    const before = seen.length;

    for (const message of ['first', 'second']) {
      const err = await failure(adminEcho(c, message));
      expect(err).toBeInstanceOf(SdkHttpError);
      expect((err as SdkHttpError).code).toBe(SdkErrorCode.ClientHttpForbidden);
      expect((err as SdkHttpError).status).toBe(403);
      expect((err as SdkHttpError).message).toContain('retry limit 1 reached');
    }
    // The token holds mcp:admin, so the union adds nothing: v2 refreshes instead of asking for consent.
    expect(seen.slice(before).map((x) => x.params.scope)).toEqual(['mcp:admin', 'mcp:admin', 'mcp:admin', 'mcp:admin']);
    const { events } = await s.control.events(mark);
    const mcp = events.filter((e) => e.type === 'request' && e.endpoint === 'mcp');
    expect(mcp.map((e) => e.outcome)).toEqual(['insufficient_scope', 'insufficient_scope', 'insufficient_scope', 'insufficient_scope']);
    expect(events.filter((e) => e.type === 'request' && e.endpoint === 'token' && e.grant === 'refresh_token' && e.outcome === 'ok')).toHaveLength(2);
    expect(events.some((e) => e.path === '/authorize')).toBe(false);
    expect(c.provider.authorizations).toBe(2);

    const clientId = c.provider.clientInfo!.client_id;
    // 1 challenge met by consent; then 4, each refreshed token challenged again: 3 new tokens came back.
    expect((await s.control.state()).stepUp).toEqual({ [clientId]: { challenges: 5, reauthorizations: 3 } });
    expect(mcp.at(-1)?.reason).toMatch(new RegExp(`^client ${clientId} re-authorized 2 times for this same challenge, more than stepUpReauthorizationLimit 1: `));
  });
});

/**
 * The same challenge to both official clients: one naming only the missing scope (what a resource
 * server that names the required scope alone would send; here ours, told nothing of the grant by
 * introspection for one call). SEP-2350 asks the client to add it to what it holds. v2 does; 1.32.2
 * takes the challenge's scope as its whole new scope, so its new token holds mcp:admin alone. Our
 * challenges otherwise name the union (README, step-up), so with this server replacing loses nothing.
 */
describe('a challenge naming only the missing scope: 1.32.2 replaces its scope with it, v2 adds it', () => {
  let s: RunningServers;
  beforeEach(async () => {
    s = await start();
  });
  afterEach(() => s?.close());

  async function missingOnlyOnce(): Promise<void> {
    await standaloneGetSince(s.control, 0); // the background GET /mcp introspects too: let it pass first
    await s.control.addFault({ ...introspectionWithoutScope, times: 1 });
  }

  it('SDK 1.32.2 (no refresh token, so it authorizes again): asks /authorize for mcp:admin alone and gets a token with only that', async () => {
    const v1 = await connectWithConsent(s.mcpUrl, new HeadlessOAuthProvider({ grant_types: ['authorization_code'] }));
    try {
      await missingOnlyOnce();
      const first = await failure(v1.client.callTool({ name: 'admin-echo', arguments: { message: 'x' } }));
      expect(first).toBeInstanceOf(V1UnauthorizedError);
      await v1.transport.finishAuth(v1.provider.code);
      expect(textOf(await v1.client.callTool({ name: 'admin-echo', arguments: { message: 'replaced' } }))).toBe('replaced');
      expect(await authorizeScopes(s.control)).toEqual(['mcp:read mcp:write', 'mcp:admin']);
      expect(v1.provider.savedTokens?.scope).toBe('mcp:admin');
    } finally {
      await v1.client.close();
    }
  });

  it('SDK v2: asks /authorize for the union of what it held and the challenge, and keeps every scope', async () => {
    const v2 = await connectWithConsentV2(s.mcpUrl);
    try {
      await missingOnlyOnce();
      expect(textOf(await afterConsent(v2, () => adminEcho(v2, 'added')))).toBe('added');
      expect(await authorizeScopes(s.control)).toEqual(['mcp:read mcp:write', UNION]);
      expect(v2.provider.savedTokens?.scope).toBe(UNION);
    } finally {
      await v2.client.close();
    }
  });
});
