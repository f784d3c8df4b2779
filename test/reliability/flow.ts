import { createHash, randomBytes } from 'node:crypto';

export const REDIRECT = 'http://127.0.0.1:8765/cb';
const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A public client registered over HTTP. */
export async function registerClient(oauthUrl: string): Promise<string> {
  const res = await fetch(`${oauthUrl}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { client_id: string }).client_id;
}

/** Runs /authorize for a client and returns a fresh code with its verifier. */
export async function authorize(oauthUrl: string, clientId: string): Promise<{ code: string; verifier: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const q = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', state: 's' });
  const res = await fetch(`${oauthUrl}/authorize?${q}`, { redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code');
  if (!code) throw new Error(`authorize: ${res.status} ${res.headers.get('location')}`);
  return { code, verifier };
}

export function redeem(oauthUrl: string, clientId: string, code: string, verifier: string): Promise<Response> {
  return fetch(`${oauthUrl}/token`, {
    method: 'POST',
    headers: FORM,
    body: form({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId, redirect_uri: REDIRECT }),
  });
}

export function refresh(oauthUrl: string, clientId: string, refreshToken: string): Promise<Response> {
  return fetch(`${oauthUrl}/token`, { method: 'POST', headers: FORM, body: form({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }) });
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

/** Registration, consent and code redemption: a client with live tokens. */
export async function tokensFor(oauthUrl: string): Promise<Tokens & { clientId: string }> {
  const clientId = await registerClient(oauthUrl);
  const { code, verifier } = await authorize(oauthUrl, clientId);
  const res = await redeem(oauthUrl, clientId, code, verifier);
  return { ...((await res.json()) as Tokens), clientId };
}

export function callEcho(mcpUrl: string, token: string, message = 'hi'): Promise<Response> {
  return fetch(mcpUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message } } }),
  });
}
