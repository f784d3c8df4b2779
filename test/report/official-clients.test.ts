/**
 * The official SDK clients' honest cards (README "The report card"): each connects through consent,
 * calls a tool, refreshes on a 401 once its access token expired, and meets a step-up 403. What the
 * card says of each is recorded here as it is, findings included.
 */
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { start } from '../support/servers.js';
import { afterConsent, connectWithConsentV2 } from '../support/v2-client.js';
import { findings } from '../support/plain-client.js';

let s: RunningServers;
beforeEach(async () => {
  s = await start();
});
afterEach(() => s.close());

const echo = { name: 'echo', arguments: { message: 'hi' } };
const adminEcho = { name: 'admin-echo', arguments: { message: 'stepped up' } };
/** Past the access token's lifetime on the realm clock: the next call meets 401 invalid_token. */
const expireAccess = () => s.control.advanceClock(s.config.tokenTtlSeconds + 1);

const statuses = (clientId: string) => Object.fromEntries(s.report(clientId)!.map((k) => [k.id, k.status]));

describe('the official clients’ report cards', () => {
  it('SDK v2 (@modelcontextprotocol/client)', async () => {
    const c = await connectWithConsentV2(s.mcpUrl);
    await c.client.callTool(echo);
    await expireAccess();
    await c.client.callTool(echo);
    await afterConsent(c, () => c.client.callTool(adminEcho));
    const id = c.provider.clientInfo!.client_id;
    // The SDK sends state only when the OAuthClientProvider has a state() method; the headless one has none.
    expect(findings(s.report(id))).toEqual(['state-parameter-sent WARNING']);
    expect(statuses(id)).toMatchObject({
      'sep-837-application-type-present': 'SUCCESS',
      'sep-2207-client-metadata-grant-types': 'SUCCESS',
      'pkce-s256-method-used': 'SUCCESS',
      'resource-parameter-in-token': 'SUCCESS',
      'refresh-instead-of-reconsent': 'SUCCESS',
      'step-up-reauthorized': 'SUCCESS',
      'sep-2350-scope-union-on-reauth': 'SUCCESS',
      'scope-retry-limit': 'SUCCESS',
      'mcp-protocol-version-header': 'SUCCESS',
      'refresh-parallel-coalesced': 'SKIPPED',
      'scope-source': 'INFO',
    });
    expect(s.report(id)!.find((k) => k.id === 'scope-source')!.details).toEqual({ source: 'www-authenticate', requested: 'mcp:read mcp:write' });
    await c.client.close();
  });

  it('SDK 1.32.2 (@modelcontextprotocol/sdk)', async () => {
    const c = await connectWithConsent(s.mcpUrl);
    await c.client.callTool(echo);
    await expireAccess();
    await c.client.callTool(echo);
    const stepUp = await c.client.callTool(adminEcho).then(
      () => 'granted',
      (err: unknown) => (err instanceof UnauthorizedError ? 'consent' : String(err)),
    );
    // Holding a refresh token, it refreshes (same scope), meets the same 403 and gives up (step-up-sdk.test.ts).
    expect(stepUp).toContain('403 after trying upscoping');
    const id = c.provider.clientInfo!.client_id;
    expect(findings(s.report(id))).toEqual(['sep-837-application-type-present FAILURE', 'state-parameter-sent WARNING', 'step-up-reauthorized WARNING']);
    expect(s.report(id)!.find((k) => k.id === 'step-up-reauthorized')!.description).toBe('after 403 insufficient_scope (scope "mcp:read mcp:write mcp:admin") the client refreshed 1 time(s) instead of re-authorizing: a refresh cannot add the new scope');
    expect(statuses(id)).toMatchObject({ 'refresh-instead-of-reconsent': 'SUCCESS', 'resource-parameter-in-token': 'SUCCESS', 'mcp-protocol-version-header': 'SUCCESS', 'sep-2350-scope-union-on-reauth': 'SKIPPED' });
    await c.client.close();
  });
});
