/**
 * A client written with plain fetch over the oauth.ts helpers, correct by default, whose every step
 * can be made wrong on purpose: the broken clients that prove each report card check can fail.
 */
import { randomBytes } from 'node:crypto';
import type { RunningServers } from '../../src/server.js';
import type { Check } from '../../src/report/check.js';
import { answer, type Answer } from './answer.js';
import { bearer } from './http.js';
import { callTool, initializeBody, MCP_HEADERS, postMcp, toolsCallBody } from './mcp.js';
import { authorizeQuery, codeOf, REDIRECT, redeem, refreshGrantParams, register, tokenRequest, type Authorized, type Tokens } from './oauth.js';
import { pkce } from './pkce.js';

const fresh = () => randomBytes(12).toString('base64url');

export interface AuthorizeOptions {
  /** The PKCE pair to use (a broken client reuses one). */
  pair?: { verifier: string; challenge: string };
  /** Query parameters added or overriding; a value of null drops one (no code_challenge, no state). */
  params?: Record<string, string | null>;
  /** Send resource (default true). */
  resource?: boolean;
}

export class PlainClient {
  clientId = '';
  tokens: Tokens | undefined;

  constructor(
    readonly s: Pick<RunningServers, 'oauthUrl' | 'mcpUrl'>,
    readonly name = `plain-client-${fresh()}`,
  ) {}

  async register(metadata: Record<string, unknown> = {}): Promise<this> {
    const c = await register(this.s.oauthUrl, { client_name: this.name, application_type: 'native', grant_types: ['authorization_code', 'refresh_token'], ...metadata });
    this.clientId = c.client_id;
    return this;
  }

  /** GET /authorize; returns the redirect's URL (a code or an error). */
  async visit(o: AuthorizeOptions = {}): Promise<{ location: URL | undefined; status: number; verifier: string }> {
    const pair = o.pair ?? pkce();
    const q = authorizeQuery(this.clientId, pair.challenge, { state: fresh() }, o.resource === false ? [] : [this.s.mcpUrl]);
    for (const [k, v] of Object.entries(o.params ?? {})) v === null ? q.delete(k) : q.set(k, v);
    const res = await fetch(`${this.s.oauthUrl}/authorize?${q}`, { redirect: 'manual' });
    const location = res.headers.get('location');
    await res.text();
    return { location: location ? new URL(location) : undefined, status: res.status, verifier: pair.verifier };
  }

  async authorize(o: AuthorizeOptions = {}): Promise<Authorized> {
    const v = await this.visit(o);
    return { code: codeOf({ ...v, text: '' }), verifier: v.verifier, redirectUri: REDIRECT, location: v.location! };
  }

  async redeem(a: Authorized, resource = true): Promise<Tokens> {
    this.tokens = await redeem(this.s.oauthUrl, this.clientId, a, resource ? { resource: this.s.mcpUrl } : {});
    return this.tokens;
  }

  /** Authorize and redeem. */
  async login(o: AuthorizeOptions = {}): Promise<Tokens> {
    return this.redeem(await this.authorize(o), o.resource !== false);
  }

  /** A refresh with `token` (default: the newest refresh token); keeps what it got when it succeeds. */
  async refresh(token = this.tokens!.refresh_token!, resource = true): Promise<Answer> {
    const a = await tokenRequest(this.s.oauthUrl, refreshGrantParams(this.clientId, token, resource ? { resource: this.s.mcpUrl } : {}));
    if (a.status === 200) this.tokens = a.json as unknown as Tokens;
    return a;
  }

  /** initialize, then a tools/call, as a 2025 Streamable HTTP client (MCP-Protocol-Version on each). */
  async session(tool = 'echo', token = this.tokens!.access_token): Promise<Answer> {
    const init = await answer(await postMcp(this.s.mcpUrl, initializeBody(), bearer(token)));
    if (init.status !== 200) return init;
    return this.call(tool, token);
  }

  call(tool = 'echo', token = this.tokens!.access_token): Promise<Answer> {
    return callTool(this.s.mcpUrl, token, tool, { message: 'hi' });
  }

  /** A tools/call with the token in the query string (RFC 6750 §2.3), no Authorization header. */
  async callWithQueryToken(token = this.tokens!.access_token): Promise<Answer> {
    return answer(await fetch(`${this.s.mcpUrl}?access_token=${encodeURIComponent(token)}`, { method: 'POST', headers: { ...MCP_HEADERS, 'MCP-Protocol-Version': '2025-06-18' }, body: JSON.stringify(toolsCallBody('echo', { message: 'hi' })) }));
  }
}

/** The ids of a card's findings (FAILURE or WARNING), with their status, sorted: what a broken client must be caught by. */
export function findings(checks: Check[] | undefined): string[] {
  if (!checks) throw new Error('the client is not on the report card');
  return checks
    .filter((c) => c.status === 'FAILURE' || c.status === 'WARNING')
    .map((c) => `${c.id} ${c.status}`)
    .sort();
}
