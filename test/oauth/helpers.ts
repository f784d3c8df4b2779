import { createHash, randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { expect } from 'vitest';
import { OAuthClientInformationFullSchema, OAuthTokensSchema, type OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import { createAuthServer, type StartOptions } from '../../src/server.js';
import type { AppEnv } from '../../src/pipeline/env.js';
import type { Realm } from '../../src/realm.js';

export const ISSUER = 'http://localhost:9100';
export const REDIRECT = 'http://127.0.0.1:53682/callback';
/** The realm's protected resource when nothing else is asked for (mcpBaseUrl default + /mcp). */
export const RESOURCE = 'http://localhost:9101/mcp';

export interface AS {
  app: Hono<AppEnv>;
  realm: Realm;
  /** `app.request` with a path or URL. */
  req(path: string, init?: RequestInit): Promise<Response>;
}

/** A fresh authorization server over its own realm; call `realm.close()` when done. */
export function makeAS(options: StartOptions = {}): AS {
  const { app, realm } = createAuthServer({ oauthBaseUrl: ISSUER, mcpBaseUrl: 'http://localhost:9101', ...options });
  return { app, realm, req: async (path, init) => app.request(path, init) };
}

export const verifier = (): string => randomBytes(32).toString('base64url');
export const challengeOf = (v: string): string => createHash('sha256').update(v).digest('base64url');

/** A form POST; `body` may be a string to send duplicated or raw parameters verbatim. */
export function form(body: Record<string, string> | string, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
  };
}

export const basic = (id: string, secret: string): Record<string, string> => ({
  Authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
});

export async function register(as: AS, metadata: Record<string, unknown> = {}): Promise<OAuthClientInformationFull> {
  const res = await as.req('/register', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', ...metadata }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return OAuthClientInformationFullSchema.parse(await res.json());
}

export interface Authorized {
  code: string;
  verifier: string;
  redirectUri: string;
  location: URL;
}

/** Runs /authorize to success and returns the code with the verifier that redeems it. */
export async function authorize(as: AS, clientId: string, params: Record<string, string> = {}, resources: string[] = []): Promise<Authorized> {
  const v = verifier();
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: challengeOf(v),
    code_challenge_method: 'S256',
    state: 'st-1',
    ...params,
  });
  for (const r of resources) q.append('resource', r);
  const res = await as.req(`/authorize?${q}`);
  expect(res.status, await res.clone().text()).toBe(302);
  const location = new URL(res.headers.get('location')!);
  const code = location.searchParams.get('code');
  expect(code, location.href).toBeTruthy();
  return { code: code!, verifier: v, redirectUri: q.get('redirect_uri')!, location };
}

export interface Tokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

/** POST /token; returns the raw response. */
export const token = (as: AS, params: Record<string, string> | string, headers: Record<string, string> = {}): Promise<Response> =>
  as.req('/token', form(params, headers));

/** Redeems an authorization code for a public client and checks the success shape. */
export async function redeem(as: AS, clientId: string, a: Authorized, extra: Record<string, string> = {}): Promise<Tokens> {
  const res = await token(as, { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: a.redirectUri, client_id: clientId, ...extra });
  expect(res.status, await res.clone().text()).toBe(200);
  const body = (await res.json()) as Tokens;
  OAuthTokensSchema.parse(body);
  return body;
}

/** A public client with a fresh token set: the usual starting point. */
export async function publicClientWithTokens(as: AS, params: Record<string, string> = {}): Promise<{ clientId: string; tokens: Tokens }> {
  const client = await register(as);
  const tokens = await redeem(as, client.client_id, await authorize(as, client.client_id, params));
  return { clientId: client.client_id, tokens };
}

/** Introspects with the resource server's credentials. */
export async function introspect(as: AS, tokenValue: string, extra: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const { introspectionClientId: id, introspectionClientSecret: secret } = as.realm.config;
  const res = await as.req('/introspect', form({ token: tokenValue, ...extra }, basic(id, secret)));
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/**
 * Asserts the standard error shape (RFC 6749 §5.2): JSON, exactly {error, error_description}, a
 * description that says something, the expected status, and never a cached answer.
 */
export async function expectOAuthError(res: Response, status: number, error: string, describes?: RegExp): Promise<string> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe('string');
  const description = body.error_description as string;
  expect(description.length).toBeGreaterThan(10);
  if (describes) expect(description).toMatch(describes);
  return description;
}

/** Everything a rejected request must leave untouched. */
export async function snapshot(realm: Realm): Promise<unknown> {
  return {
    counts: await realm.store.counts(),
    clients: (await realm.store.clientIds()).sort(),
    access: (await realm.store.list('access')).map(([k]) => k).sort(),
    refresh: (await realm.store.list('refresh')).map(([k, r]) => `${k}:${r.consumedAt !== undefined}`).sort(),
    policy: realm.policy,
  };
}

/** A body just over the 64 KiB limit. */
export const OVERSIZED = `pad=${'x'.repeat(64 * 1024 + 10)}`;
