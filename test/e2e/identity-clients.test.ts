import * as oauth from 'oauth4webapi';
import { IssuerMismatchError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServers } from '../../src/server.js';
import type { FaultSpec } from '../../src/faults.js';
import type { PolicyPatch } from '../../src/policy.js';
import { connectWithConsent } from '../../src/testing/connect.js';
import { HeadlessOAuthProvider } from '../../src/testing/headless-provider.js';
import { REDIRECT } from '../support/oauth.js';
import { start } from '../support/servers.js';
import { connectWithConsentV2 } from '../support/v2-client.js';

/**
 * What the official clients do when a discovery or identity knob is set: the SDK v2 client, the SDK
 * 1.32.2 client and oauth4webapi, each from nothing but a URL. One row per knob, one outcome per
 * client, as the README's tables "what the official clients do when …" show them (copied from here).
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

interface Knob {
  knob: string;
  policy?: PolicyPatch;
  faults?: FaultSpec[];
  /** What each client did: `connects` (tokens issued, MCP connected; for oauth4webapi: tokens issued), or how it refused. */
  v2: string;
  sdk1: string;
  o4w: string;
}

const iss = (mode: string): FaultSpec[] => [{ endpoint: 'authorize', effect: { kind: 'iss', mode: mode as 'wrong' } }];
const issuer = (mode: string): FaultSpec[] => [{ endpoint: 'as-metadata', effect: { kind: 'issuer', mode: mode as 'wrong' } }];
const state = (mode: 'dropped' | 'altered'): FaultSpec[] => [{ endpoint: 'authorize', effect: { kind: 'state', mode } }];
const wellKnown = (effect: FaultSpec['effect']): FaultSpec[] => [{ endpoint: 'as-metadata', effect }];

const MISMATCH_RESPONSE = 'IssuerMismatchError (authorization_response), no /token';
const MISMATCH_METADATA = 'IssuerMismatchError (metadata), no /register';
const NO_METADATA = 'connects without metadata (the default /authorize, /token, /register)';

const KNOBS: Knob[] = [
  { knob: 'iss correct (default)', v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  { knob: 'iss wrong', faults: iss('wrong'), v2: MISMATCH_RESPONSE, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'iss omitted while advertised', faults: iss('omitted'), v2: MISMATCH_RESPONSE, sdk1: 'connects', o4w: 'callback refused: "iss" missing' },
  { knob: 'iss sent, not advertised (false)', policy: { issParameter: false }, faults: iss('unadvertised'), v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  {
    knob: 'iss sent, advertisement absent',
    faults: [...iss('unadvertised'), { endpoint: 'as-metadata', effect: { kind: 'omit', fields: ['authorization_response_iss_parameter_supported'] } }],
    v2: 'connects',
    sdk1: 'connects',
    o4w: 'connects',
  },
  { knob: 'iss with a trailing slash', faults: iss('trailing-slash'), v2: MISMATCH_RESPONSE, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'iss upper-cased', faults: iss('upper-case'), v2: MISMATCH_RESPONSE, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'iss with its port written out', faults: iss('default-port'), v2: MISMATCH_RESPONSE, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'state dropped', faults: state('dropped'), v2: 'connects', sdk1: 'connects', o4w: 'callback refused: "state" missing' },
  { knob: 'state altered', faults: state('altered'), v2: 'connects', sdk1: 'connects', o4w: 'callback refused: unexpected "state"' },
  { knob: 'metadata issuer another origin', faults: issuer('wrong'), v2: MISMATCH_METADATA, sdk1: 'connects', o4w: 'discovery refused: issuer does not match' },
  { knob: 'metadata issuer with a trailing slash', faults: issuer('trailing-slash'), v2: MISMATCH_METADATA, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'metadata issuer upper-cased', faults: issuer('upper-case'), v2: MISMATCH_METADATA, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'metadata issuer with its port written out', faults: issuer('default-port'), v2: MISMATCH_METADATA, sdk1: 'connects', o4w: 'callback refused: unexpected "iss"' },
  { knob: 'AS metadata 503', faults: wellKnown({ kind: 'status', status: 503 }), v2: 'Error: HTTP 503 trying to load OAuth metadata from <issuer>/.well-known/oauth-authorization-server', sdk1: 'Error: HTTP 503 trying to load OAuth metadata from <issuer>/.well-known/oauth-authorization-server', o4w: 'discovery refused: status 503' },
  { knob: 'AS metadata text/plain 404', faults: wellKnown({ kind: 'status', status: 404, body: 'Not Found' }), v2: NO_METADATA, sdk1: NO_METADATA, o4w: 'discovery refused: status 404' },
  {
    knob: 'AS metadata 302 elsewhere',
    faults: wellKnown({ kind: 'status', status: 302, headers: { location: 'https://elsewhere.invalid/.well-known/oauth-authorization-server' } }),
    v2: NO_METADATA,
    sdk1: NO_METADATA,
    o4w: 'discovery refused: status 302',
  },
  { knob: 'PKCE advertised S256 plain', policy: { pkceMethodsAdvertised: 'S256 plain' }, v2: 'connects', sdk1: 'connects', o4w: 'connects' },
  { knob: 'PKCE methods omitted', policy: { pkceMethodsAdvertised: 'omitted' }, v2: 'connects', sdk1: 'connects', o4w: 'connects' },
];

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
  for (const k of KNOBS) {
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
