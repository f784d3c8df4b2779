/**
 * The OAuth flow a client runs, written once over a `Target`: an in-process server (`app.request`)
 * or a base URL over real sockets. Helpers named for a step that succeeds (register, authorize,
 * redeem, obtainTokens, introspect, revokeToken) check the status and throw otherwise; the others
 * send the request and hand back what came.
 */
import { OAuthClientInformationFullSchema, OAuthTokensSchema } from '@modelcontextprotocol/core';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/server';
import { expect } from 'vitest';
import { INACTIVE_REASON_MEMBER } from '../../src/http/inactive-reason.js';
import { answer, type Answer } from './answer.js';
import { basic, expectStatus, form, sender, type Send, type Target } from './http.js';
import { pkce } from './pkce.js';

/** The redirect URI every helper registers and sends (a loopback one, as a native client uses). */
export const REDIRECT = 'http://127.0.0.1:53682/callback';

/** RFC 7591 registration; a public client unless `metadata` says otherwise. Checks 201 and the answer's shape. */
export async function register(target: Target, metadata: Record<string, unknown> = {}): Promise<OAuthClientInformationFull> {
  const res = await sender(target)('/register', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', ...metadata }),
  });
  await expectStatus(res, 201, 'POST /register');
  return OAuthClientInformationFullSchema.parse(await res.json());
}

/** The query of an /authorize request with an S256 challenge; `params` add or override, each of `resources` is appended. */
export function authorizeQuery(clientId: string, challenge: string, params: Record<string, string> = {}, resources: string[] = []): URLSearchParams {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st-1',
    ...params,
  });
  for (const r of resources) q.append('resource', r);
  return q;
}

/** What /authorize answered, its redirect not followed. */
export interface Visit {
  status: number;
  location?: URL;
  text: string;
}

/** GET /authorize as the browser's first hop: nothing is checked. */
export async function visitAuthorize(target: Target, clientId: string, challenge: string, params: Record<string, string> = {}, resources: string[] = []): Promise<Visit> {
  const res = await sender(target)(`/authorize?${authorizeQuery(clientId, challenge, params, resources)}`, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, location: location ? new URL(location) : undefined, text: await res.text() };
}

/** The code of a granted authorization (302 with ?code=); throws with what came back otherwise. */
export function codeOf(v: Visit): string {
  const code = v.location?.searchParams.get('code');
  if (v.status !== 302 || !code) throw new Error(`GET /authorize answered ${v.status} ${v.location?.href ?? v.text}`);
  return code;
}

export interface Authorized {
  code: string;
  verifier: string;
  redirectUri: string;
  location: URL;
}

/** Runs /authorize to success with a fresh PKCE pair and returns the code with the verifier that redeems it. */
export async function authorize(target: Target, clientId: string, params: Record<string, string> = {}, resources: string[] = []): Promise<Authorized> {
  const { verifier, challenge } = pkce();
  const v = await visitAuthorize(target, clientId, challenge, params, resources);
  const code = codeOf(v);
  return { code, verifier, redirectUri: params.redirect_uri ?? REDIRECT, location: v.location! };
}

export interface Tokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

/** POST /token; returns the raw response. */
export const token = (target: Target, params: Record<string, string> | string, headers: Record<string, string> = {}): Promise<Response> =>
  sender(target)('/token', form(params, headers));

/** POST /token, read to the end. */
export const tokenRequest = async (target: Target, params: Record<string, string>): Promise<Answer> => answer(await token(target, params));

/** The authorization_code grant's parameters for a public client. */
export const codeGrantParams = (clientId: string, a: Pick<Authorized, 'code' | 'verifier' | 'redirectUri'>, extra: Record<string, string> = {}): Record<string, string> => ({
  grant_type: 'authorization_code',
  code: a.code,
  code_verifier: a.verifier,
  redirect_uri: a.redirectUri,
  client_id: clientId,
  ...extra,
});

/** The refresh_token grant's parameters for a public client. */
export const refreshGrantParams = (clientId: string, refreshToken: string, extra: Record<string, string> = {}): Record<string, string> => ({
  grant_type: 'refresh_token',
  refresh_token: refreshToken,
  client_id: clientId,
  ...extra,
});

/** Redeems an authorization code for a public client; checks 200 and the success shape. */
export async function redeem(target: Target, clientId: string, a: Pick<Authorized, 'code' | 'verifier' | 'redirectUri'>, extra: Record<string, string> = {}): Promise<Tokens> {
  const res = await token(target, codeGrantParams(clientId, a, extra));
  await expectStatus(res, 200, 'POST /token (authorization_code)');
  const body = (await res.json()) as Tokens;
  OAuthTokensSchema.parse(body);
  return body;
}

/** A refresh_token grant for a public client, read to the end (nothing checked). */
export const refreshGrant = (target: Target, clientId: string, refreshToken: string): Promise<Answer> => tokenRequest(target, refreshGrantParams(clientId, refreshToken));

export interface ObtainOptions {
  /** Added to (or overriding) the /authorize query. */
  params?: Record<string, string>;
  /** Sent at /authorize and again at /token (RFC 8707). */
  resource?: string;
  /** Added to the registration. */
  metadata?: Record<string, unknown>;
}

/** Register + authorize + code exchange, each checked: a fresh public client with its tokens. */
export async function obtainTokens(target: Target, o: ObtainOptions = {}): Promise<{ clientId: string; tokens: Tokens }> {
  const { client_id: clientId } = await register(target, o.metadata);
  const resources = o.resource === undefined ? [] : [o.resource];
  const a = await authorize(target, clientId, o.params, resources);
  const tokens = await redeem(target, clientId, a, o.resource === undefined ? {} : { resource: o.resource });
  return { clientId, tokens };
}

/** The resource server's introspection credentials, as a realm's config holds them. */
interface Introspector {
  realm: { config: { introspectionClientId: string; introspectionClientSecret: string } };
}

/** RFC 7662 introspection with the resource server's credentials; checks 200. */
export async function introspect(as: { req: Send } & Introspector, tokenValue: string, extra: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const { introspectionClientId: id, introspectionClientSecret: secret } = as.realm.config;
  const res = await sender(as)('/introspect', form({ token: tokenValue, ...extra }, basic(id, secret)));
  await expectStatus(res, 200, 'POST /introspect');
  return (await res.json()) as Record<string, unknown>;
}

/**
 * What `introspect` (the resource server's credentials) answers for an inactive token: `{"active":false}`
 * and, for our own MCP server only, why (the extension member), matching `why`.
 */
export const inactiveToRs = (why: RegExp): Record<string, unknown> => ({ active: false, [INACTIVE_REASON_MEMBER]: expect.stringMatching(why) });

/** GET /introspect?token= — the test-only shortcut answering {active, scope}; nothing checked. */
export async function introspectByQuery(target: Target, tokenValue: string): Promise<{ active: boolean; scope?: string }> {
  const res = await sender(target)(`/introspect?token=${encodeURIComponent(tokenValue)}`);
  return (await res.json()) as { active: boolean; scope?: string };
}

/** POST /revoke as the public client the token was issued to (RFC 7009); checks 200. */
export async function revokeToken(target: Target, clientId: string, tokenValue: string): Promise<void> {
  const res = await sender(target)('/revoke', form({ token: tokenValue, token_type_hint: 'access_token', client_id: clientId }));
  await expectStatus(res, 200, 'POST /revoke');
}
