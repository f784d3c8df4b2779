/** The load cases: what each one sends, how it is set up, what it is compared with. */
import type autocannon from 'autocannon';
import { basic } from '../test/support/http.js';
import { MCP_HEADERS } from '../test/support/mcp.js';
import { FORM, MODERN_HEADERS, MODERN_TOOLS_CALL, TOOLS_CALL, codeBody, mintCodes, probeModernToolsCall, probeToolsCall, refreshBody, registerClient, tokensFor, type BenchClient } from './flows.js';
import type { LoadSpec } from './load.js';
import type { ServerProc } from './proc.js';
import type { Kind } from './server-proc.js';

export type BaselineName = 'floor' | 'sdk' | 'sdk2-legacy' | 'sdk2-modern' | 'oidc-token' | 'oidc-introspect';

export interface Phase {
  /** Spec for the warm-up run (not recorded) and the measured run. */
  warmup: LoadSpec;
  measure: LoadSpec;
  /** Something worth knowing about the setup (e.g. how many codes were minted). */
  note?: string;
}

export interface Settings {
  duration: number;
  warmup: number;
  connections: number;
  /** 200s per second of the refresh case in this run, if measured: sizes the authorization_code case. */
  refreshRps?: number;
}

export interface CaseDef {
  name: string;
  /** What one request is. */
  what: string;
  server: Kind;
  baseline?: BaselineName;
  /** Minimum ratio to the baseline. */
  target?: number;
  /** Extra node flags for its server process (bench --ab). */
  nodeFlags?: string[];
  /** Same-run peers it is judged against as well: each runs interleaved with the case (bench/run.ts runInterleaved). */
  peers?: Array<{ baseline: BaselineName; target: number }>;
  setup(proc: ServerProc, s: Settings): Promise<Phase>;
}

type Req = autocannon.Request;

/** Same request on every connection, every time. */
function fixed(req: Req): () => Req[] {
  return () => [{ ...req }];
}

const spec = (url: string, s: Settings, requests: () => Req[], extra: Partial<LoadSpec> = {}): Phase => ({
  warmup: { url, connections: s.connections, duration: s.warmup, requests, ...extra },
  measure: { url, connections: s.connections, duration: s.duration, requests, ...extra },
});

async function client(proc: ServerProc): Promise<BenchClient> {
  return registerClient(proc.info.oauthUrl!, proc.info.mcpUrl!);
}

const echoed = (body: string) => body.includes('"text":"hello"');

const oidcBasic = (proc: ServerProc) => basic(proc.info.clientId!, proc.info.clientSecret!);
const clientCredentials = (proc: ServerProc) => `grant_type=client_credentials&scope=${encodeURIComponent(proc.info.scope!)}`;

/** An SDK server's own tools/call, without auth, in one era: the MCP baselines. */
function unauthenticatedCall(name: string, what: string, server: Kind, era: 'legacy' | 'modern', baseline?: BaselineName): CaseDef {
  const [headers, body, probe] = era === 'modern' ? [MODERN_HEADERS, MODERN_TOOLS_CALL, probeModernToolsCall] : [MCP_HEADERS, TOOLS_CALL, probeToolsCall];
  return {
    name,
    what,
    server,
    ...(baseline && { baseline }),
    setup: async (proc, s) => {
      await probe(proc.info.url!);
      return spec(proc.info.url!, s, fixed({ method: 'POST', path: '/mcp', headers, body }), { verify: echoed });
    },
  };
}

/** A registered client's token, then the same authenticated tools/call in one era over and over. */
function authenticatedCall(era: 'legacy' | 'modern') {
  const [headers, body, probe] = era === 'modern' ? [MODERN_HEADERS, MODERN_TOOLS_CALL, probeModernToolsCall] : [MCP_HEADERS, TOOLS_CALL, probeToolsCall];
  return async (proc: ServerProc, s: Settings): Promise<Phase> => {
    const c = await client(proc);
    const t = await tokensFor(c);
    await probe(proc.info.mcpUrl!, t.access_token);
    const path = new URL(proc.info.mcpUrl!).pathname;
    return spec(proc.info.mcpUrl!, s, fixed({ method: 'POST', path, headers: { ...headers, Authorization: `Bearer ${t.access_token}` }, body }), { verify: echoed });
  };
}

export const BASELINES: Record<BaselineName, CaseDef> = {
  floor: {
    name: 'baseline: node:http floor',
    what: 'POST / with a refresh-sized form body; node:http reads it and answers {"ok":true,…}',
    server: 'floor',
    setup: async (proc, s) =>
      spec(
        proc.info.url!,
        s,
        fixed({ method: 'POST', path: '/', headers: FORM, body: 'grant_type=refresh_token&refresh_token=rt_0123456789012345678901234567890123456789012&client_id=0123456789abcdef&resource=http%3A%2F%2Flocalhost%3A9101%2Fmcp' }),
      ),
  },
  sdk: unauthenticatedCall('baseline: SDK stateless server, no auth', "POST /mcp tools/call echo to the SDK's own hono example server (new McpServer + transport per request)", 'sdk', 'legacy', 'floor'),
  'sdk2-legacy': unauthenticatedCall(
    'peer: SDK v2 createMcpHandler, legacy, no auth',
    "POST /mcp tools/call echo without the _meta envelope (2025 era) to the SDK v2's own createMcpHandler (a factory call per request; its legacy leg answers SSE)",
    'sdk2',
    'legacy',
  ),
  'sdk2-modern': unauthenticatedCall(
    'peer: SDK v2 createMcpHandler, modern, no auth',
    'POST /mcp tools/call echo as 2026-07-28 sends it (_meta envelope, SEP-2243 headers) to the same server',
    'sdk2',
    'modern',
  ),
  'oidc-token': {
    name: 'peer: oidc-provider POST /token client_credentials',
    what: 'client_credentials grant of a confidential client (client_secret_basic): every request mints and stores an opaque access token',
    server: 'oidc',
    setup: async (proc, s) =>
      spec(proc.info.url!, s, fixed({ method: 'POST', path: '/token', headers: { ...FORM, ...oidcBasic(proc) }, body: clientCredentials(proc) }), {
        verify: (b) => b.startsWith('{"access_token":'),
      }),
  },
  'oidc-introspect': {
    name: 'peer: oidc-provider POST /introspect',
    what: 'RFC 7662 with the client\'s Basic credentials, an active opaque access token it issued by client_credentials',
    server: 'oidc',
    setup: async (proc, s) => {
      const headers = { ...FORM, ...oidcBasic(proc), Accept: 'application/json' };
      const res = await fetch(`${proc.info.url}/token`, { method: 'POST', headers, body: clientCredentials(proc) });
      const t = (await res.json()) as { access_token?: string };
      if (res.status !== 200 || !t.access_token) throw new Error(`oidc-provider /token answered ${res.status}: ${JSON.stringify(t)}`);
      return spec(
        proc.info.url!,
        s,
        fixed({ method: 'POST', path: '/introspect', headers, body: `token=${encodeURIComponent(t.access_token)}&token_type_hint=access_token` }),
        { verify: (b) => b.startsWith('{"active":true') },
      );
    },
  },
};

/** In the order they run: tools/call first, right after the SDK baseline it is compared with. */
export const CASES: CaseDef[] = [
  {
    name: 'POST /mcp tools/call (authenticated)',
    what: 'tools/call echo in the 2025 era with a valid bearer token: Bearer check, RFC 7662 introspection handed to the AS app in process, SDK v2 transport (JSON)',
    server: 'realm',
    baseline: 'sdk',
    target: 3,
    peers: [{ baseline: 'sdk2-legacy', target: 2 }],
    setup: authenticatedCall('legacy'),
  },
  {
    name: 'POST /mcp tools/call (authenticated, servers apart)',
    what: 'the tools/call case with the servers apart (start --only, here in one process): the MCP server introspects over a pooled keep-alive socket, as across hosts',
    server: 'realm-apart',
    baseline: 'sdk',
    setup: authenticatedCall('legacy'),
  },
  {
    name: 'POST /mcp tools/call modern (authenticated)',
    what: 'tools/call echo as 2026-07-28 sends it (_meta envelope, SEP-2243 headers) with a valid bearer token: Bearer check, introspection in process, SDK v2 createMcpHandler',
    server: 'realm',
    baseline: 'sdk',
    peers: [{ baseline: 'sdk2-modern', target: 2 }],
    setup: authenticatedCall('modern'),
  },
  {
    name: 'POST /mcp tools/call (local JWT validation)',
    what: 'tools/call echo in the 2025 era with a JWT access token, MCP_TOKEN_VALIDATION=jwt: signature and claims checked against the cached JWKS, no introspection',
    server: 'realm-jwt',
    baseline: 'sdk',
    setup: authenticatedCall('legacy'),
  },
  {
    name: 'GET AS metadata',
    what: 'GET /.well-known/oauth-authorization-server',
    server: 'realm',
    baseline: 'floor',
    setup: async (proc, s) => spec(proc.info.oauthUrl!, s, fixed({ method: 'GET', path: '/.well-known/oauth-authorization-server' })),
  },
  {
    name: 'POST /introspect',
    what: 'RFC 7662 with the RS credentials (Basic), an active access token: exactly what the MCP server sends',
    server: 'realm',
    baseline: 'floor',
    target: 0.25,
    peers: [{ baseline: 'oidc-introspect', target: 3 }],
    setup: async (proc, s) => {
      const c = await client(proc);
      const t = await tokensFor(c);
      const headers = { ...FORM, ...basic(proc.info.rsClientId!, proc.info.rsClientSecret!), Accept: 'application/json' };
      return spec(
        proc.info.oauthUrl!,
        s,
        fixed({ method: 'POST', path: '/introspect', headers, body: `token=${encodeURIComponent(t.access_token)}&token_type_hint=access_token` }),
        { verify: (b) => b.startsWith('{"active":true') },
      );
    },
  },
  {
    name: 'POST /token refresh (rotation off)',
    what: 'refresh_token grant, public client, one refresh token shared by all connections (it stays valid)',
    server: 'realm',
    baseline: 'floor',
    target: 0.2,
    peers: [{ baseline: 'oidc-token', target: 3 }],
    setup: async (proc, s) => {
      const c = await client(proc);
      const t = await tokensFor(c);
      return spec(proc.info.oauthUrl!, s, fixed({ method: 'POST', path: '/token', headers: FORM, body: refreshBody(c, t.refresh_token!) }));
    },
  },
  {
    name: 'POST /token refresh (JWT access tokens)',
    what: 'the refresh case with ACCESS_TOKEN_FORMAT=jwt: every answer carries an RS256-signed RFC 9068 access token, kept by the AS as an opaque one is',
    server: 'realm-jwt',
    baseline: 'floor',
    setup: async (proc, s) => {
      const c = await client(proc);
      const t = await tokensFor(c);
      return spec(proc.info.oauthUrl!, s, fixed({ method: 'POST', path: '/token', headers: FORM, body: refreshBody(c, t.refresh_token!) }), { verify: (b) => b.startsWith('{"access_token":"ey') });
    },
  },
  {
    name: 'POST /token refresh (rotation on)',
    what: 'refresh_token grant with rotation: each connection follows its own chain, presenting the token the previous answer returned',
    server: 'realm',
    baseline: 'floor',
    setup: async (proc, s) => {
      const c = await client(proc);
      const res = await fetch(`${c.oauthUrl}/control/rotate`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"on":true}' });
      if (!res.ok) throw new Error(`control/rotate answered ${res.status}`);
      // Separate chains for warm-up and measurement: a request in flight when a run stops rotates its
      // chain without the harness ever seeing the successor, which kills that chain.
      const chainsFor = async () => Promise.all(Array.from({ length: s.connections }, async () => ({ rt: (await tokensFor(c)).refresh_token! })));
      const perConnection = (chains: Array<{ rt: string }>) => {
        let next = 0;
        return (): Req[] => {
          const chain = chains[next++ % chains.length]!;
          return [
            {
              method: 'POST',
              path: '/token',
              headers: FORM,
              setupRequest: (req) => ({ ...req, body: refreshBody(c, chain.rt) }),
              onResponse: (status, body) => {
                if (status === 200) chain.rt = (JSON.parse(body) as { refresh_token: string }).refresh_token;
              },
            },
          ];
        };
      };
      const [w, m] = [await chainsFor(), await chainsFor()];
      const url = proc.info.oauthUrl!;
      return {
        warmup: { url, connections: s.connections, duration: s.warmup, requests: perConnection(w) },
        measure: { url, connections: s.connections, duration: s.duration, requests: perConnection(m) },
      };
    },
  },
  codeGrant('POST /token authorization_code', 'code + PKCE verifier redemption; every request presents a different code, minted beforehand through /authorize', 'realm'),
  codeGrant('POST /token authorization_code (JWT access tokens)', 'the authorization_code case with ACCESS_TOKEN_FORMAT=jwt: each redemption mints an RS256-signed RFC 9068 access token', 'realm-jwt'),
];

/** The code grant, on a server minting opaque or JWT access tokens. */
function codeGrant(name: string, what: string, server: Kind): CaseDef {
  return {
    name,
    what,
    server,
    baseline: 'floor',
    setup: async (proc, s) => {
      const c = await client(proc);
      // A fixed amount sized to last about `duration` seconds at the refresh rate measured in this run.
      const amount = Math.max(2000, Math.min(60_000, Math.round((s.refreshRps ?? 2000) * s.duration)));
      const warm = Math.max(s.connections, Math.round((amount / s.duration) * s.warmup));
      const t0 = performance.now();
      const codes = await mintCodes(c, amount + warm);
      const mintS = (performance.now() - t0) / 1000;
      if (codes.length < amount + warm) throw new Error(`minted only ${codes.length} of ${amount + warm} codes`);
      let next = 0;
      const requests = (): Req[] => [{ method: 'POST', path: '/token', headers: FORM, setupRequest: (req) => ({ ...req, body: codeBody(c, codes[next++] ?? 'exhausted') }) }];
      const url = proc.info.oauthUrl!;
      return {
        warmup: { url, connections: s.connections, duration: s.warmup, amount: warm, requests },
        measure: { url, connections: s.connections, duration: s.duration, amount, requests },
        note: `${codes.length} codes minted via GET /authorize in ${mintS.toFixed(1)} s (${Math.round(codes.length / mintS)}/s); ${amount} measured`,
      };
    },
  };
}
