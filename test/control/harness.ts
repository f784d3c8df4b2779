import { createHash, randomBytes } from 'node:crypto';
import { startServers, type RunningServers, type StartOptions } from '../../src/server.js';

/** Both servers on 127.0.0.1, ephemeral ports, one shared realm. */
export function start(options: StartOptions = {}): Promise<RunningServers> {
  return startServers({ host: '127.0.0.1', oauthPort: 0, mcpPort: 0, ...options });
}

/** Origin of the MCP server (its control plane lives there, not under /mcp). */
export const rsBase = (s: RunningServers): string => new URL(s.mcpUrl).origin;

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * A control call the way the contract's curl lines make it: `curl -XPOST <base><path> -d '<body>' -H content-type:application/json`,
 * or with no body at all (`curl -XPOST …/control/revoke-access`).
 */
export async function ctl(method: string, base: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const h: Record<string, string> = { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers };
  return answer(await fetch(base + path, { method, headers: h, body }));
}

export const post = (base: string, path: string, body?: string, headers?: Record<string, string>) => ctl('POST', base, path, body, headers);
export const get = (base: string, path: string, headers?: Record<string, string>) => ctl('GET', base, path, undefined, headers);

export const REDIRECT_URI = 'http://127.0.0.1:53682/callback';

/** RFC 7591 registration of a public client (or a confidential one with client_secret_post). */
export async function register(oauthUrl: string, method: 'none' | 'client_secret_post' = 'none'): Promise<{ client_id: string; client_secret?: string }> {
  const res = await fetch(`${oauthUrl}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: method, grant_types: ['authorization_code', 'refresh_token'] }),
  });
  if (res.status !== 201) throw new Error(`/register answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { client_id: string; client_secret?: string };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** GET /authorize without following the redirect; returns the status and the Location URL, if any. */
export async function authorize(oauthUrl: string, clientId: string, challenge: string, state = 'xyz'): Promise<{ status: number; location?: URL }> {
  const u = new URL(`${oauthUrl}/authorize`);
  const q = { response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256', state };
  for (const [k, v] of Object.entries(q)) u.searchParams.set(k, v);
  const res = await fetch(u, { redirect: 'manual' });
  await res.body?.cancel();
  const loc = res.headers.get('location');
  return { status: res.status, location: loc ? new URL(loc) : undefined };
}

export function tokenRequest(oauthUrl: string, params: Record<string, string>): Promise<Answer> {
  return fetch(`${oauthUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  }).then(answer);
}

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  scope: string;
}

/** Register + authorize + code exchange: a fresh client with its tokens. */
export async function obtainTokens(oauthUrl: string): Promise<{ clientId: string; tokens: Tokens }> {
  const { client_id } = await register(oauthUrl);
  const { verifier, challenge } = pkce();
  const { location } = await authorize(oauthUrl, client_id, challenge);
  const code = location?.searchParams.get('code');
  if (!code) throw new Error(`no code in ${location?.href}`);
  const res = await tokenRequest(oauthUrl, { grant_type: 'authorization_code', code, code_verifier: verifier, client_id, redirect_uri: REDIRECT_URI });
  if (res.status !== 200) throw new Error(`code exchange answered ${res.status}: ${res.text}`);
  return { clientId: client_id, tokens: res.json as Tokens };
}

export const refreshGrant = (oauthUrl: string, clientId: string, refreshToken: string) =>
  tokenRequest(oauthUrl, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });

/** GET /introspect?token= — the contract's test-only shortcut answering {active, scope}. */
export async function introspect(oauthUrl: string, token: string): Promise<{ active: boolean; scope?: string }> {
  const res = await fetch(`${oauthUrl}/introspect?token=${encodeURIComponent(token)}`);
  return (await res.json()) as { active: boolean; scope?: string };
}

/** One stateless JSON-RPC request to /mcp. */
export async function rpc(mcpUrl: string, token: string | undefined, method: string, params: Record<string, unknown> = {}): Promise<Answer> {
  const res = await fetch(mcpUrl, {
    method: 'POST',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return answer(res);
}

export const callTool = (mcpUrl: string, token: string | undefined, name = 'echo', args: Record<string, unknown> = { message: 'hi' }) =>
  rpc(mcpUrl, token, 'tools/call', { name, arguments: args });
