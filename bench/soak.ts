/**
 * Soak: sustained load on every endpoint at once, for a duration, with the server process's RSS
 * sampled throughout. Reported as numbers (growth over the second half, and its ratio to the RSS at
 * the start of that half), never asserted: memory and speed on a shared machine are measurements.
 * What must hold at any speed (every answer, exactly its status, the registry cap) is asserted by
 * test/reliability/load.test.ts with a fixed number of requests.
 */
import type autocannon from 'autocannon';
import { basic } from '../test/support/http.js';
import { MCP_HEADERS } from '../test/support/mcp.js';
import { FORM, refreshBody, registerClient, tokensFor, TOOLS_CALL } from './flows.js';
import { load, type LoadResult } from './load.js';
import type { ServerProc } from './proc.js';

export interface SoakResult {
  seconds: number;
  connections: number;
  as: LoadResult;
  mcp: LoadResult;
  /** Server RSS samples, bytes, every `sampleMs`. */
  rss: number[];
  sampleMs: number;
  /** Max RSS in the last quarter of the second half minus max in its first quarter, bytes. */
  secondHalfGrowth: number;
  /** secondHalfGrowth relative to the RSS at the start of the second half. */
  secondHalfGrowthRatio: number;
  /** Least-squares slope over the second half, bytes per minute. */
  secondHalfSlopePerMin: number;
}

const SAMPLE_MS = 500;

function slope(ys: number[], dtMs: number): number {
  const n = ys.length;
  if (n < 2) return 0;
  const xs = ys.map((_, i) => (i * dtMs) / 60_000);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : 0;
}

/** The old test/reliability soak, as a measurement: both servers under load, RSS sampled. */
export async function soak(proc: ServerProc, seconds: number, connections: number): Promise<SoakResult> {
  const c = await registerClient(proc.info.oauthUrl!, proc.info.mcpUrl!);
  const t = await tokensFor(c);
  const rs = basic(proc.info.rsClientId!, proc.info.rsClientSecret!).Authorization!;
  const mcpUrl = new URL(proc.info.mcpUrl!);
  const asRequests = (): autocannon.Request[] => [
    { method: 'GET', path: '/.well-known/oauth-authorization-server' },
    { method: 'POST', path: '/token', headers: FORM, body: refreshBody(c, t.refresh_token!) },
    { method: 'POST', path: '/introspect', headers: { ...FORM, Authorization: rs }, body: `token=${encodeURIComponent(t.access_token)}` },
    // Answers 429 once MAX_CLIENTS (10,000) clients are registered: by design, counted apart below.
    { method: 'POST', path: '/register', headers: { 'Content-Type': 'application/json' }, body: '{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none"}' },
    { method: 'GET', path: '/control/state' },
  ];
  const mcpRequests = (): autocannon.Request[] => [
    { method: 'GET', path: `/.well-known/oauth-protected-resource${mcpUrl.pathname}` },
    { method: 'POST', path: mcpUrl.pathname, headers: { ...MCP_HEADERS, Authorization: `Bearer ${t.access_token}` }, body: TOOLS_CALL },
  ];
  const rss: number[] = [(await proc.usage()).rss];
  const sampler = setInterval(() => {
    proc.usage().then(
      (u) => rss.push(u.rss),
      () => undefined,
    );
  }, SAMPLE_MS);
  let as: LoadResult;
  let mcp: LoadResult;
  try {
    [as, mcp] = await Promise.all([
      load({ url: proc.info.oauthUrl!, connections, duration: seconds, requests: asRequests }),
      load({ url: mcpUrl.origin, connections, duration: seconds, requests: mcpRequests }),
    ]);
  } finally {
    clearInterval(sampler);
  }
  const half = rss.slice(Math.floor(rss.length / 2));
  const q = Math.max(1, Math.floor(half.length / 4));
  const early = Math.max(...half.slice(0, q));
  const late = Math.max(...half.slice(-q));
  return {
    seconds,
    connections,
    as,
    mcp,
    rss,
    sampleMs: SAMPLE_MS,
    secondHalfGrowth: late - early,
    secondHalfGrowthRatio: (late - early) / half[0]!,
    secondHalfSlopePerMin: slope(half, SAMPLE_MS),
  };
}
