/**
 * Setup over HTTP, the way a client does it: register, authorize (PKCE), redeem, refresh. Everything
 * the load cases present was obtained through the server's own endpoints.
 */
import { createHash, randomBytes } from 'node:crypto';
import autocannon from 'autocannon';

export const REDIRECT_URI = 'http://127.0.0.1/callback';

export interface BenchClient {
  oauthUrl: string;
  mcpUrl: string;
  clientId: string;
  verifier: string;
  challenge: string;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();

export async function registerClient(oauthUrl: string, mcpUrl: string): Promise<BenchClient> {
  const res = await fetch(`${oauthUrl}/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      client_name: 'bench',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${await res.text()}`);
  const { client_id } = (await res.json()) as { client_id: string };
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { oauthUrl, mcpUrl, clientId: client_id, verifier, challenge };
}

/** Path + query of one /authorize request; every call of it yields a fresh code. */
export function authorizePath(c: BenchClient): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: c.clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: c.challenge,
    code_challenge_method: 'S256',
    scope: 'mcp:read mcp:write',
    resource: c.mcpUrl,
    state: 'bench',
  });
  return `/authorize?${q}`;
}

const codeOf = (location: string | undefined): string | undefined => (location ? (new URL(location).searchParams.get('code') ?? undefined) : undefined);

export async function authorizeOnce(c: BenchClient): Promise<string> {
  const res = await fetch(`${c.oauthUrl}${authorizePath(c)}`, { redirect: 'manual' });
  const code = codeOf(res.headers.get('location') ?? undefined);
  if (res.status !== 302 || !code) throw new Error(`authorize answered ${res.status} ${res.headers.get('location')}`);
  return code;
}

export function codeBody(c: BenchClient, code: string): string {
  return form({ grant_type: 'authorization_code', code, code_verifier: c.verifier, client_id: c.clientId, redirect_uri: REDIRECT_URI, resource: c.mcpUrl });
}

export function refreshBody(c: BenchClient, refreshToken: string): string {
  return form({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: c.clientId, resource: c.mcpUrl });
}

export const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

export async function redeem(c: BenchClient, code: string): Promise<Tokens> {
  const res = await fetch(`${c.oauthUrl}/token`, { method: 'POST', headers: FORM, body: codeBody(c, code) });
  if (res.status !== 200) throw new Error(`token answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Tokens;
}

/** A full authorization: /authorize then /token. */
export async function tokensFor(c: BenchClient): Promise<Tokens> {
  return redeem(c, await authorizeOnce(c));
}

/**
 * Drives /authorize `n` times under load (autocannon, 10 connections) and collects the codes from the
 * redirects. All share one PKCE pair, which is fine: each code is single-use on its own.
 */
export async function mintCodes(c: BenchClient, n: number): Promise<string[]> {
  const codes: string[] = [];
  await autocannon({
    url: c.oauthUrl,
    connections: 10,
    amount: n,
    requests: [
      {
        method: 'GET',
        path: authorizePath(c),
        onResponse: (_status, _body, _ctx, headers) => {
          const h = headers as Record<string, string | string[] | undefined>;
          const loc = h.location ?? h.Location;
          const code = codeOf(Array.isArray(loc) ? loc[0] : loc);
          if (code) codes.push(code);
        },
      },
    ],
  });
  return codes;
}

export const toolsCallBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hello' } } });
export const MCP_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

/** One tools/call, checked: the echo must come back. */
export async function probeToolsCall(url: string, token?: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: toolsCallBody });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('"text":"hello"')) throw new Error(`tools/call at ${url} answered ${res.status}: ${text.slice(0, 300)}`);
}

export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s);
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}
