/**
 * Setup over HTTP, the way a client does it: register, authorize (PKCE), redeem, refresh. Everything
 * the load cases present was obtained through the server's own endpoints, with the same helpers the
 * tests use (test/support); what is here is only what the load cases send over and over.
 */
import autocannon from 'autocannon';
import { bearer } from '../test/support/http.js';
import { MCP_HEADERS, modernBody, modernHeaders, toolsCallBody } from '../test/support/mcp.js';
import { authorizeQuery, codeGrantParams, codeOf, REDIRECT, redeem, refreshGrantParams, register, visitAuthorize, type Tokens } from '../test/support/oauth.js';
import { pkce } from '../test/support/pkce.js';

/** A registered public client with one PKCE pair for all its authorizations. */
export interface BenchClient {
  oauthUrl: string;
  mcpUrl: string;
  clientId: string;
  verifier: string;
  challenge: string;
}

export async function registerClient(oauthUrl: string, mcpUrl: string): Promise<BenchClient> {
  const { client_id } = await register(oauthUrl, { client_name: 'bench', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] });
  return { oauthUrl, mcpUrl, clientId: client_id, ...pkce() };
}

const AUTHORIZE_PARAMS = { scope: 'mcp:read mcp:write', state: 'bench' };

/** Path + query of one /authorize request; every call of it yields a fresh code. */
export const authorizePath = (c: BenchClient): string => `/authorize?${authorizeQuery(c.clientId, c.challenge, AUTHORIZE_PARAMS, [c.mcpUrl])}`;

const codeFromLocation = (location: string | undefined): string | undefined => (location ? (new URL(location).searchParams.get('code') ?? undefined) : undefined);

const grant = (c: BenchClient, code: string) => ({ code, verifier: c.verifier, redirectUri: REDIRECT });

export const codeBody = (c: BenchClient, code: string): string => new URLSearchParams(codeGrantParams(c.clientId, grant(c, code), { resource: c.mcpUrl })).toString();

export const refreshBody = (c: BenchClient, refreshToken: string): string => new URLSearchParams(refreshGrantParams(c.clientId, refreshToken, { resource: c.mcpUrl })).toString();

export const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** A full authorization: /authorize then /token, each checked. */
export async function tokensFor(c: BenchClient): Promise<Tokens> {
  const code = codeOf(await visitAuthorize(c.oauthUrl, c.clientId, c.challenge, AUTHORIZE_PARAMS, [c.mcpUrl]));
  return redeem(c.oauthUrl, c.clientId, grant(c, code), { resource: c.mcpUrl });
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
          const code = codeFromLocation(Array.isArray(loc) ? loc[0] : loc);
          if (code) codes.push(code);
        },
      },
    ],
  });
  return codes;
}

/** The tools/call every MCP case sends. */
export const TOOLS_CALL = JSON.stringify(toolsCallBody('echo', { message: 'hello' }));

/** The same call as a 2026-07-28 client sends it: the `_meta` envelope, and the SEP-2243 headers. */
const modernCall = modernBody('tools/call', { name: 'echo', arguments: { message: 'hello' } });
export const MODERN_TOOLS_CALL = JSON.stringify(modernCall);
export const MODERN_HEADERS = { ...MCP_HEADERS, ...modernHeaders(modernCall) };

/** One modern tools/call as the load sends it, checked. */
export async function probeModernToolsCall(url: string, token?: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { ...MODERN_HEADERS, ...bearer(token) }, body: MODERN_TOOLS_CALL });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('"text":"hello"') || !text.includes('resultType')) throw new Error(`modern tools/call at ${url} answered ${res.status}: ${text.slice(0, 300)}`);
}

/** One tools/call as the load sends it, checked: the echo must come back. */
export async function probeToolsCall(url: string, token?: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...bearer(token) }, body: TOOLS_CALL });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('"text":"hello"')) throw new Error(`tools/call at ${url} answered ${res.status}: ${text.slice(0, 300)}`);
}
