import * as oauth from 'oauth4webapi';
import { IssuerMismatchError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { callTool, textOf } from '../support/mcp.js';
import { REDIRECT } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { connectWithConsentV2 } from '../support/v2-client.js';
import { ROWS, type ProfileRow } from './matrix/profiles.js';

/**
 * What the official clients do under each spec preset and persona: the rows of
 * test/e2e/matrix/profiles.ts, which the README's table is rendered from. A persona row runs with a
 * pre-registered public client (the providers have no dynamic registration); a preset row from nothing.
 */
const PREREGISTERED = 'profile-matrix-client';
let s: RunningServers;
beforeAll(async () => {
  s = await start({ clients: [{ client_id: PREREGISTERED, token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT] }] });
});
afterAll(() => s?.close());

/** How a run ended: the error's name, with its OAuth code, its IssuerMismatchError kind, or a bare Error's gist. */
function outcomeOf(err: unknown): string {
  if (err instanceof IssuerMismatchError) return `IssuerMismatchError (${err.kind})`;
  const e = err as { name?: string; code?: string; error?: string; constructor?: { name?: string } };
  const name = e.constructor?.name && e.constructor.name !== 'Error' ? e.constructor.name : (e.name ?? 'Error');
  const code = e.error ?? (typeof e.code === 'string' ? e.code : undefined);
  if (code) return `${name} ${code}`;
  // A bare Error says what it is in its message: its first two clauses, free of ports and URLs.
  return name === 'Error' ? `Error: ${String((err as Error).message).split(':').slice(0, 2).join(':').trim()}` : name;
}

const providerFor = (row: ProfileRow) => {
  const p = new HeadlessOAuthProvider();
  if (row.profile.persona) p.clientInfo = { client_id: PREREGISTERED, redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' };
  return p;
};

async function sdk(connect: typeof connectWithConsent | typeof connectWithConsentV2, row: ProfileRow): Promise<void> {
  const { client } = await connect(s.mcpUrl, providerFor(row));
  try {
    const answer = await client.callTool({ name: 'echo', arguments: { message: 'profile' } });
    expect(textOf(answer)).toBe('profile');
  } finally {
    await client.close();
  }
}

const insecure = { [oauth.allowInsecureRequests]: true } as const;
/** oauth4webapi: discovery from the issuer, registration (or the pre-registered client), the browser leg by hand, the code grant, a tool call. */
async function o4w(row: ProfileRow): Promise<void> {
  const issuer = new URL(s.oauthUrl);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  const client: oauth.Client = row.profile.persona
    ? { client_id: PREREGISTERED, token_endpoint_auth_method: 'none' }
    : await oauth.processDynamicClientRegistrationResponse(await oauth.dynamicClientRegistrationRequest(as, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }, insecure));
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({ client_id: client.client_id, redirect_uri: REDIRECT, response_type: 'code', code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state }).toString();
  const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
  const callback = oauth.validateAuthResponse(as, client, location, state);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, REDIRECT, verifier, insecure));
  expect(textOf((await callTool(s.mcpUrl, tokens.access_token, 'echo', { message: 'profile' })).json.result)).toBe('profile');
}

const CLIENTS = { v2: (r: ProfileRow) => sdk(connectWithConsentV2, r), sdk1: (r: ProfileRow) => sdk(connectWithConsent, r), o4w } as const;
const LABEL = { v2: 'SDK v2', sdk1: 'SDK 1.32.2', o4w: 'oauth4webapi' } as const;

describe('what the official clients do under each spec preset and persona', () => {
  for (const row of ROWS) {
    describe(row.knob, () => {
      for (const name of Object.keys(CLIENTS) as Array<keyof typeof CLIENTS>) {
        it(`${LABEL[name]}: ${row[name]}`, async () => {
          await s.control.reset();
          await s.control.setProfile(row.profile);
          const outcome = await CLIENTS[name](row).then(
            () => 'connects',
            (err: unknown) => outcomeOf(err),
          );
          expect(outcome).toBe(row[name]);
        });
      }
    });
  }
});

