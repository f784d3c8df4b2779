import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { connectWithConsent, type Connected } from '../../src/testing/connect.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { textOf } from '../support/mcp.js';
import { start } from '../support/servers.js';

/** The scopes each /authorize the client made asked for, in order (from the events). */
async function authorizeScopes(s: RunningServers): Promise<string[]> {
  const { events } = await s.control.events(0);
  return events.flatMap((e) => (e.type === 'request' && e.endpoint === 'authorize' && e.status === 302 ? [(e.scopes ?? []).join(' ')] : []));
}

/**
 * What the official SDK client (1.32.2) does on 403 insufficient_scope, recorded as it is: it takes
 * the challenge's scope as the whole new scope (it replaces, it does not add) and calls auth() with
 * it. Holding a refresh token, auth() refreshes (without a scope) and retries: the same token scope,
 * the same 403, and it gives up. Without one, it runs a new authorization with the challenge's
 * scope, and since our challenge names the union (SEP-2350) that is enough. That authorization needs
 * a browser, so callTool throws UnauthorizedError once the redirect happened; the host finishes the
 * flow (finishAuth) and calls again, as it would after the user's consent.
 */
describe('step-up with the official SDK client 1.32.2', () => {
  let s: RunningServers;
  let c: Connected;

  // A client that registers no refresh_token grant gets no refresh token, so the SDK authorizes anew.
  const noRefresh = () => new HeadlessOAuthProvider({ grant_types: ['authorization_code'] });

  beforeEach(async () => {
    s = await start();
    c = await connectWithConsent(s.mcpUrl, noRefresh());
  });
  afterEach(async () => {
    await c?.client.close();
    await s?.close();
  });

  async function callAfterConsent(name: string, args: Record<string, unknown>) {
    const first = await c.client.callTool({ name, arguments: args }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(first, String(first)).toBeInstanceOf(UnauthorizedError);
    await c.transport.finishAuth(c.provider.code);
    return c.client.callTool({ name, arguments: args });
  }

  it('admin-echo: 403 → a new authorization with the union → the tool succeeds', async () => {
    expect(c.provider.savedTokens?.scope).toBe('mcp:read mcp:write');
    expect(c.provider.savedTokens?.refresh_token).toBeUndefined();
    const r = await callAfterConsent('admin-echo', { message: 'stepped up' });
    expect(textOf(r)).toBe('stepped up');
    expect(c.provider.authorizations).toBe(2);
    expect(await authorizeScopes(s)).toEqual(['mcp:read mcp:write', 'mcp:read mcp:write mcp:admin']);
    expect(c.provider.savedTokens?.scope).toBe('mcp:read mcp:write mcp:admin');
    // It kept its registration: the step-up scope was granted beyond what it registered.
    expect((await s.control.state()).live.clients).toBe(1);
    const clientId = c.provider.clientInfo!.client_id;
    expect((await s.control.stepUp(false)).stepUp).toEqual({ [clientId]: { challenges: 1, reauthorizations: 1 } });
    // The new token serves the other tools as well.
    expect(textOf(await c.client.callTool({ name: 'add', arguments: { a: 2, b: 2 } }))).toBe('4');
  });

  it('the README row: step-up 1, a tool call → it authorizes again with the union and the call succeeds; stepUp shows 1 and 1', async () => {
    await s.control.stepUp(1);
    const r = await callAfterConsent('echo', { message: 'any tool' });
    expect(textOf(r)).toBe('any tool');
    expect(await authorizeScopes(s)).toEqual(['mcp:read mcp:write', 'mcp:read mcp:write mcp:admin']);
    const state = await s.control.state();
    expect(state.switches['step-up']).toBe(false);
    expect(state.stepUp).toEqual({ [c.provider.clientInfo!.client_id]: { challenges: 1, reauthorizations: 1 } });
  });

  it('the step-up switch on: the re-authorized token holds mcp:admin, so echo keeps working while it stays on', async () => {
    await s.control.stepUp(true);
    expect(textOf(await callAfterConsent('echo', { message: 'one' }))).toBe('one');
    expect(textOf(await c.client.callTool({ name: 'echo', arguments: { message: 'two' } }))).toBe('two');
    expect((await s.control.state()).switches['step-up']).toBe(true);
  });

  it('holding a refresh token, it refreshes instead of authorizing: the same scope, the same 403, then "403 after trying upscoping"', async () => {
    await c.client.close();
    c = await connectWithConsent(s.mcpUrl, new HeadlessOAuthProvider());
    const before = c.provider.savedTokens!;
    expect(before.refresh_token).toBeTruthy();
    const err = await c.client.callTool({ name: 'admin-echo', arguments: { message: 'x' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(err)).toContain('Server returned 403 after trying upscoping');
    // No new consent: one refresh grant, a new access token with the old scope.
    expect(c.provider.authorizations).toBe(1);
    expect(c.provider.savedTokens?.access_token).not.toBe(before.access_token);
    expect(c.provider.savedTokens?.scope).toBe('mcp:read mcp:write');
    const state = await s.control.state();
    expect(state.counters.refreshes).toBe(1);
    expect(state.stepUp[c.provider.clientInfo!.client_id]).toEqual({ challenges: 2, reauthorizations: 1 });
  });
});
