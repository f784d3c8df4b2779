/**
 * What the official clients do under each token-shape quirk and registration knob, recorded as they
 * behave: the SDK 1.32.2 client (connectWithConsent), the SDK v2 client and oauth4webapi, each from
 * nothing (discovery, registration, consent, code exchange) to a tool call. "connects" is a tool call
 * answered; otherwise the error it ended with. The refresh rows bend only the refresh leg: signed in and
 * a tool called, the access token is revoked, and "refreshes" is the next call answered after a
 * refresh (an SDK client whose refresh fails goes back to consent: UnauthorizedError). The rows live
 * in test/e2e/matrix/shapes.ts, from which README "Token, refresh and registration knobs" renders its tables.
 */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { start } from '../support/servers.js';
import { connectWithConsentV2 } from '../support/v2-client.js';
import { register } from '../support/oauth.js';
import { callTool, textOf } from '../support/mcp.js';
import type { Row } from './matrix/row.js';
import { REFRESH_ROWS, ROWS, type ShapeRow } from './matrix/shapes.js';

let s: RunningServers;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s.close());

type ClientName = 'sdk-1.32.2' | 'sdk-v2' | 'oauth4webapi';
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const REDIRECT = 'http://127.0.0.1:53682/callback';

/** How a run ended: `connects`, or the error's name (and its OAuth code when it carries one). */
function outcomeOf(err: unknown): string {
  const e = err as { name?: string; code?: string; error?: string; constructor?: { name?: string } };
  const name = e.constructor?.name && e.constructor.name !== 'Error' ? e.constructor.name : (e.name ?? 'Error');
  const code = e.error ?? (typeof e.code === 'string' ? e.code : undefined);
  return code ? `${name} ${code}` : name;
}

/** What a run does after its first tool call, for the refresh rows: a fault, then the access token revoked. */
type AfterSignIn = (() => Promise<void>) | undefined;
const echo = async (client: { callTool(p: { name: string; arguments: Record<string, unknown> }): Promise<unknown> }, message: string) =>
  expect(await client.callTool({ name: 'echo', arguments: { message } })).toMatchObject({ content: [{ text: message }] });

/** An SDK client: a tool call; for a refresh row, the fault, the access token revoked, and a second call (which refreshes). */
async function sdkRun(connected: { client: Parameters<typeof echo>[0] & { close(): Promise<void> }; provider: HeadlessOAuthProvider }, afterSignIn: AfterSignIn) {
  const { client, provider } = connected;
  try {
    await echo(client, 'shape');
    if (!afterSignIn) return;
    await afterSignIn();
    await s.control.revokeAccess();
    await echo(client, 'refreshed').catch((err: unknown) => {
      // A failed refresh sends it back to consent: a second visit to /authorize.
      expect(provider.authorizations).toBe(2);
      throw err;
    });
  } finally {
    await client.close();
  }
}
const sdk1 = async (afterSignIn: AfterSignIn) => sdkRun(await connectWithConsent(s.mcpUrl, new HeadlessOAuthProvider()), afterSignIn);
const sdkV2 = async (afterSignIn: AfterSignIn) => sdkRun(await connectWithConsentV2(s.mcpUrl, new HeadlessOAuthProvider()), afterSignIn);
/** oauth4webapi: discovery, registration, the browser leg by hand, the code grant, then /mcp with what it processed. */
const o4w = async (afterSignIn: AfterSignIn) => {
  const issuer = new URL(s.oauthUrl);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  const client = await oauth.processDynamicClientRegistrationResponse(await oauth.dynamicClientRegistrationRequest(as, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }, insecure));
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({ client_id: client.client_id, redirect_uri: REDIRECT, response_type: 'code', code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state }).toString();
  const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
  const callback = oauth.validateAuthResponse(as, client, location, state);
  const res = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, REDIRECT, verifier, insecure);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, res);
  expect(textOf((await callTool(s.mcpUrl, tokens.access_token, 'echo', { message: 'shape' })).json.result)).toBe('shape');
  if (!afterSignIn) return;
  await afterSignIn();
  await s.control.revokeAccess();
  const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure));
  expect(textOf((await callTool(s.mcpUrl, refreshed.access_token, 'echo', { message: 'refreshed' })).json.result)).toBe('refreshed');
};
const CLIENTS: Record<ClientName, (afterSignIn: AfterSignIn) => Promise<void>> = { 'sdk-1.32.2': sdk1, 'sdk-v2': sdkV2, oauth4webapi: o4w };

/** The row's outcome per client, as CLIENTS names them. */
const seenOf = (r: Row): Record<ClientName, string> => ({ 'sdk-1.32.2': r.sdk1, 'sdk-v2': r.v2, oauth4webapi: r.o4w });
/** What a row sets before the client runs. */
async function setUp(r: ShapeRow): Promise<void> {
  if (r.policy) await s.control.setPolicy(r.policy);
  for (const f of r.faults ?? []) await s.control.addFault(f);
  if (r.registerFirst) await register(s.oauthUrl);
}

const observed: string[] = [];
afterAll(() => {
  if (process.env.SHAPE_TABLE) console.log(observed.join('\n'));
});

describe.each(ROWS)('when $knob', (row) => {
  const { knob: when } = row;
  const seen = seenOf(row);
  it.each(Object.keys(CLIENTS) as ClientName[])('%s', async (name) => {
    await s.control.reset();
    await setUp(row);
    const outcome = await CLIENTS[name](undefined).then(
      () => 'connects',
      (err: unknown) => {
        observed.push(`  ${when} | ${name} | ${String((err as Error).message).slice(0, 200)}`);
        return outcomeOf(err);
      },
    );
    observed.push(`${when} | ${name} | ${outcome}`);
    if (!process.env.SHAPE_TABLE) expect(outcome).toBe(seen[name]);
  });
});

describe.each(REFRESH_ROWS)('when $knob', (row) => {
  const { knob: when } = row;
  const seen = seenOf(row);
  it.each(Object.keys(CLIENTS) as ClientName[])('%s', async (name) => {
    await s.control.reset();
    const afterSignIn = async () => {
      for (const f of row.faults ?? []) await s.control.addFault(f);
    };
    const outcome = await CLIENTS[name](afterSignIn).then(
      () => 'refreshes',
      (err: unknown) => {
        observed.push(`  ${when} | ${name} | ${String((err as Error).message).slice(0, 200)}`);
        return outcomeOf(err);
      },
    );
    observed.push(`${when} | ${name} | ${outcome}`);
    if (!process.env.SHAPE_TABLE) expect(outcome).toBe(seen[name]);
  });
});
