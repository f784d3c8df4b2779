import * as oauth from 'oauth4webapi';
import { IssuerMismatchError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import { MISMATCH_METADATA, MISMATCH_RESPONSE, NO_METADATA, ROWS } from './matrix/identity.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { REDIRECT } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { connectWithConsentV2 } from '../support/v2-client.js';

/**
 * What the official clients do when a discovery or identity knob is set: the SDK v2 client, the SDK
 * 1.32.2 client and oauth4webapi, each from nothing but a URL. One row per knob, one outcome per
 * client, in test/e2e/matrix/identity.ts, which the README's table "what the official clients do when …" is rendered from.
 * An outcome is what happened, not what should: where a client lets a departure through, the row says
 * so. A refusal before /token is proven by the event log (no POST /token).
 */
let s: RunningServers;
let since = 0;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s?.close());
beforeEach(async () => {
  await s.control.reset();
  since = (await s.control.state()).lastEventId;
});

const requests = async () => (await s.control.events(since)).events.filter((e) => e.type === 'request').map((e) => `${e.method} ${e.path} → ${e.status}`);
const posted = async (path: string) => (await requests()).some((r) => r.startsWith(`POST ${path} `));

/** A client with a `state` of its own: both SDKs send it; whether they compare it on return is what the state rows show. */
class StatefulProvider extends HeadlessOAuthProvider {
  state(): string {
    return 'st-sdk';
  }
}

/** `connects`, or, when no AS metadata document was served whole, how it got its endpoints. */
const connected = async () => ((await requests()).some((r) => /^GET \/\.well-known\/(oauth-authorization-server|openid-configuration)\S* → 200$/.test(r)) ? 'connects' : NO_METADATA);

const plain = (text: string) => text.split(s.oauthUrl).join('<issuer>').slice(0, 160);

async function runV2(): Promise<string> {
  try {
    const c = await connectWithConsentV2(s.mcpUrl, new StatefulProvider());
    await c.client.close();
    return connected();
  } catch (err) {
    if (err instanceof IssuerMismatchError) {
      if (err.kind === 'metadata') return (await posted('/register')) ? 'IssuerMismatchError (metadata), after /register' : MISMATCH_METADATA;
      return (await posted('/token')) ? `IssuerMismatchError (${err.kind}), after /token` : MISMATCH_RESPONSE;
    }
    return `${(err as Error).name}: ${plain((err as Error).message)}`;
  }
}

async function runSdk1(): Promise<string> {
  try {
    const c = await connectWithConsent(s.mcpUrl, new StatefulProvider());
    await c.client.close();
    return connected();
  } catch (err) {
    return `${(err as Error).name}: ${plain((err as Error).message)}`;
  }
}

const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** oauth4webapi's own checks, each step as its documentation pairs them (request, then process*). */
async function runO4w(): Promise<string> {
  const expected = new URL(s.oauthUrl);
  let as: oauth.AuthorizationServer;
  try {
    as = await oauth.processDiscoveryResponse(expected, await oauth.discoveryRequest(expected, { algorithm: 'oauth2', ...insecure }));
  } catch (err) {
    return `discovery refused: ${o4wReason(err)}`;
  }
  const client = await oauth.processDynamicClientRegistrationResponse(await oauth.dynamicClientRegistrationRequest(as, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }, insecure));
  const verifier = oauth.generateRandomCodeVerifier();
  const expectedState = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({ client_id: client.client_id, redirect_uri: REDIRECT, response_type: 'code', code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: expectedState }).toString();
  const location = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client, location, expectedState);
  } catch (err) {
    return `callback refused: ${o4wReason(err)}`;
  }
  try {
    await oauth.processAuthorizationCodeResponse(as, client, await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, insecure));
  } catch (err) {
    return `token refused: ${o4wReason(err)}`;
  }
  return 'connects';
}

/** The gist of an oauth4webapi refusal, stable across runs. */
function o4wReason(err: unknown): string {
  const m = (err as Error).message;
  if (/unexpected HTTP status code/.test(m)) return `status ${((err as { cause?: Response }).cause as Response | undefined)?.status}`;
  if (/"issuer" property does not match/.test(m)) return 'issuer does not match';
  if (/"iss" \(issuer\) missing/.test(m)) return '"iss" missing';
  if (/unexpected "iss"/.test(m)) return 'unexpected "iss"';
  if (/"state" .*missing/.test(m)) return '"state" missing';
  if (/unexpected "state"/.test(m)) return 'unexpected "state"';
  return plain(m);
}

describe('what the official clients do when a discovery or identity knob is set', () => {
  for (const k of ROWS) {
    describe(k.knob, () => {
      beforeEach(async () => {
        if (k.policy) await s.control.setPolicy(k.policy);
        for (const f of k.faults ?? []) await s.control.addFault(f);
      });
      it(`SDK v2: ${k.v2}`, async () => {
        expect(await runV2()).toBe(k.v2);
      });
      it(`SDK 1.32.2: ${k.sdk1}`, async () => {
        expect(await runSdk1()).toBe(k.sdk1);
      });
      it(`oauth4webapi: ${k.o4w}`, async () => {
        expect(await runO4w()).toBe(k.o4w);
      });
    });
  }
});

describe('the state rows reached the SDK clients', () => {
  it('both sent their provider state and were handed back another, which neither compared', async () => {
    await s.control.addFault({ endpoint: 'authorize', effect: { kind: 'state', mode: 'altered' } });
    const v2 = new StatefulProvider();
    await (await connectWithConsentV2(s.mcpUrl, v2)).client.close();
    const sdk1 = new StatefulProvider();
    await (await connectWithConsent(s.mcpUrl, sdk1)).client.close();
    for (const p of [v2, sdk1]) {
      expect(p.lastAuthorizationUrl?.searchParams.get('state')).toBe('st-sdk');
      expect(p.callbackParams.get('state')).toBe('st-sdk-altered');
      expect(p.savedTokens?.access_token).toBeTruthy();
    }
  });
});
