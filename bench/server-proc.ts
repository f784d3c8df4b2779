/**
 * The server side of the benchmark, run as its own process (pinned to one core by bench/run.ts):
 *   node --import tsx bench/server-proc.ts <realm|sdk|sdk2|floor|oidc|cold|volume|realms>
 * It talks to the harness over the IPC channel only: a `ready` message with its URLs, then answers
 * commands ({id, cmd}) with ({id, result} | {id, error}).
 */
import http from 'node:http';
import v8 from 'node:v8';
import type { Listening } from './baseline-floor.js';
import type { RunningServers } from '../src/server.js';

// Each kind loads only what it runs, so that a baseline's RSS is not inflated by modules it never uses.
const project = async () => {
  const [{ startServers }, { resourceMetadataUrl }, { issueTokens }, { SUBJECT }] = await Promise.all([
    import('../src/server.js'),
    import('../src/urls.js'),
    import('../src/oauth/issue.js'),
    import('../src/realm.js'),
  ]);
  return { startServers, resourceMetadataUrl, issueTokens, SUBJECT };
};

export type Kind = 'realm' | 'realm-nocard' | 'realm-jwt' | 'realm-apart' | 'sdk' | 'sdk2' | 'floor' | 'oidc' | 'cold' | 'volume' | 'realms';

export interface Usage {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** V8's young generation (new_space): its reserved size, which grows with the allocation rate. */
  youngTotal: number;
  /** The old generation (old_space): what is live or not yet collected there. */
  oldUsed: number;
  oldTotal: number;
  /** Cumulative CPU time of this process, microseconds. */
  cpuUs: number;
}

export interface ReadyInfo {
  url?: string;
  oauthUrl?: string;
  mcpUrl?: string;
  rsClientId?: string;
  rsClientSecret?: string;
  /** The oidc-provider peer's confidential client. */
  clientId?: string;
  clientSecret?: string;
  scope?: string;
}

export interface VolumeResult {
  tokens: number;
  grants: number;
  ttlSeconds: number;
  issueMs: number;
  sweepMs: number;
  /** RSS / heap after GC, before any token exists (servers started). */
  baseline: Usage;
  /** Right after issuing, before GC. */
  peak: Usage;
  /** After issuing and a forced GC: what the live tokens really hold. */
  loaded: Usage;
  /** After advancing the clock past expiry (the sweeper runs) and a forced GC. */
  swept: Usage;
  liveBefore: number;
  liveAfter: number;
}

export interface ColdResult {
  /** startServers() resolved, ms. */
  started: number[];
  /** startServers() call to both servers' first 200 (AS metadata and RS metadata), ms. */
  firstOk: number[];
}

const usage = (): Usage => {
  const m = process.memoryUsage();
  const c = process.cpuUsage();
  const spaces = new Map(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s]));
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    youngTotal: spaces.get('new_space')?.space_size ?? 0,
    oldUsed: spaces.get('old_space')?.space_used_size ?? 0,
    oldTotal: spaces.get('old_space')?.space_size ?? 0,
    cpuUs: c.user + c.system,
  };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Usage after full collections (the process runs with --expose-gc): what is live, not what is not yet collected. */
async function settledUsage(): Promise<Usage> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(50);
  }
  return usage();
}

/** `servers.createRealm()` `count` times in this process: each creation's milliseconds. */
async function createRealms(servers: RunningServers, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await servers.createRealm();
    times.push(performance.now() - t0);
  }
  return times;
}

/** startAuthServer and an MCP server alone trusting it, on ports of their own: introspection over HTTP. */
async function startApart(): Promise<{ info: ReadyInfo; close: () => Promise<void> }> {
  const [{ startAuthServer, createMcpServer }, { getRequestListener }] = await Promise.all([import('../src/server.js'), import('@hono/node-server')]);
  const secret = 'bench-apart-secret';
  const listener = http.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const mcpBaseUrl = `http://localhost:${(listener.address() as { port: number }).port}`;
  const as = await startAuthServer({ oauthPort: 0, mcpBaseUrl, introspectionClientSecret: secret });
  const rs = createMcpServer({ mcpBaseUrl, oauthBaseUrl: as.oauthUrl, introspectionClientSecret: secret });
  listener.on('request', getRequestListener(rs.app.fetch));
  return {
    info: { oauthUrl: as.oauthUrl, mcpUrl: `${mcpBaseUrl}/mcp`, rsClientId: as.realm.config.introspectionClientId, rsClientSecret: secret },
    close: async () => {
      listener.closeAllConnections();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      rs.verifier.close();
      rs.realm.close();
      await as.close();
    },
  };
}

function get200(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url} answered ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

async function cold(runs: number): Promise<ColdResult> {
  const { startServers, resourceMetadataUrl } = await project();
  const out: ColdResult = { started: [], firstOk: [] };
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const s = await startServers({ oauthPort: 0, mcpPort: 0 });
    const t1 = performance.now();
    await Promise.all([get200(`${s.oauthUrl}/.well-known/oauth-authorization-server`), get200(resourceMetadataUrl(s.mcpUrl))]);
    const t2 = performance.now();
    await s.close();
    out.started.push(t1 - t0);
    out.firstOk.push(t2 - t0);
  }
  return out;
}

async function volume(tokens: number, tokensPerGrant: number): Promise<VolumeResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const fullGc = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await sleep(50);
    }
  };
  const { startServers, issueTokens, SUBJECT } = await project();
  const ttlSeconds = 60;
  const s = await startServers({ oauthPort: 0, mcpPort: 0, tokenTtlSeconds: ttlSeconds });
  try {
    const realm = s.realm;
    await fullGc();
    const baseline = usage();
    const scope = [...realm.config.scopes];
    const t0 = performance.now();
    let grants = 0;
    let grantId = '';
    for (let i = 0; i < tokens; i++) {
      if (i % tokensPerGrant === 0) grantId = `g_bench_${grants++}`;
      // The /token code path minus HTTP: the same records, maps and grant bookkeeping.
      await issueTokens(realm, { clientId: 'bench-client', scope, resources: [], sub: SUBJECT, grantId }, 'none');
    }
    const issueMs = performance.now() - t0;
    const peak = usage();
    await fullGc();
    const loaded = usage();
    const liveBefore = (await realm.store.counts()).accessTokens;
    const t1 = performance.now();
    realm.clock.advance(ttlSeconds + 1); // runs the store's sweeper
    const sweepMs = performance.now() - t1;
    await fullGc();
    const swept = usage();
    const liveAfter = (await realm.store.counts()).accessTokens;
    return { tokens, grants, ttlSeconds, issueMs, sweepMs, baseline, peak, loaded, swept, liveBefore, liveAfter };
  } finally {
    await s.close();
  }
}

async function main(): Promise<void> {
  const kind = process.argv[2] as Kind;
  // Our server runs with the V8 settings the command line gives its own process, applied the same
  // way and as early (before src/ is loaded): the bench measures what `npm start` runs.
  // (bench --default-v8 leaves them out, for a before/after.)
  const ours = (kind === 'realm' || kind === 'realm-nocard' || kind === 'realm-jwt' || kind === 'realm-apart' || kind === 'cold' || kind === 'volume' || kind === 'realms') && process.env.BENCH_DEFAULT_V8 !== '1';
  const v8Flags = ours ? await import('../src/cli/v8-flags.js') : undefined;
  let running: RunningServers | undefined;
  let closeApart: (() => Promise<void>) | undefined;
  let listening: Listening | undefined;
  const info: ReadyInfo = {};
  if (kind === 'realm' || kind === 'realm-nocard' || kind === 'realm-jwt') {
    const { startServers } = await project();
    // realm-jwt: RFC 9068 access tokens, validated by the MCP server against the JWKS it fetched.
    const jwt = kind === 'realm-jwt' ? ({ accessTokenFormat: 'jwt', mcpTokenValidation: 'jwt' } as const) : {};
    running = await startServers({ oauthPort: 0, mcpPort: 0, ...jwt });
    // realm-nocard: the same server with its report card's subscriber detached, what the card costs is measured against.
    if (kind === 'realm-nocard') running.realm.report.detach();
    v8Flags?.collectAfterReset(running.realm);
    Object.assign(info, {
      oauthUrl: running.oauthUrl,
      mcpUrl: running.mcpUrl,
      rsClientId: running.realm.config.introspectionClientId,
      rsClientSecret: running.realm.config.introspectionClientSecret,
    });
  } else if (kind === 'realm-apart') {
    // The two servers apart (start --only), here in one process: the MCP server introspects over a
    // real socket, as it does when they run on different hosts.
    const apart = await startApart();
    closeApart = apart.close;
    Object.assign(info, apart.info);
  } else if (kind === 'realms') {
    // Room for the realms the harness creates over HTTP and the ones created here in process.
    const { startServers } = await project();
    running = await startServers({ oauthPort: 0, mcpPort: 0, maxRealms: 100_000 });
    Object.assign(info, { oauthUrl: running.oauthUrl, mcpUrl: running.mcpUrl });
  } else if (kind === 'sdk' || kind === 'floor') {
    listening = await (kind === 'sdk' ? (await import('./baseline-sdk.js')).startSdkBaseline() : (await import('./baseline-floor.js')).startFloor());
    info.url = listening.url;
  } else if (kind === 'sdk2') {
    listening = await (await import('./baseline-sdk2.js')).startSdk2Baseline();
    info.url = listening.url;
  } else if (kind === 'oidc') {
    const peer = await (await import('./baseline-oidc.js')).startOidcPeer();
    listening = peer;
    Object.assign(info, { url: peer.url, clientId: peer.clientId, clientSecret: peer.clientSecret, scope: peer.scope });
  } else if (kind !== 'cold' && kind !== 'volume') {
    throw new Error(`unknown kind ${kind}`);
  }

  process.on('message', (msg: { id: number; cmd: string; args?: Record<string, number> }) => {
    const reply = (p: Promise<unknown>) =>
      p.then(
        (result) => process.send!({ id: msg.id, result }),
        (err: unknown) => process.send!({ id: msg.id, error: String((err as Error)?.stack ?? err) }),
      );
    switch (msg.cmd) {
      case 'usage':
        return reply(Promise.resolve(usage()));
      case 'heap-snapshot':
        // Where the heap is after a case (bench --heap-snapshot): open it in Chrome DevTools' Memory tab.
        return reply(Promise.resolve(v8.writeHeapSnapshot(`${process.env.BENCH_SNAPSHOT_DIR ?? '.'}/${kind}-${Date.now()}.heapsnapshot`)));
      case 'cold':
        return reply(cold(msg.args?.runs ?? 20));
      case 'volume':
        return reply(volume(msg.args?.tokens ?? 1_000_000, msg.args?.tokensPerGrant ?? 1));
      case 'grant-footprint':
        return reply((async () => (await import('./grant-footprint.js')).grantFootprint(msg.args?.grants ?? 20_000))());
      case 'settled-usage':
        return reply(settledUsage());
      case 'create-realms':
        return reply(createRealms(running!, msg.args?.count ?? 1000));
      case 'realm-count':
        return reply(Promise.resolve(running!.realms.size));
      case 'end-realms':
        return reply(Promise.resolve(running!.realms.list().forEach((r) => running!.realms.delete(r.id))));
      case 'exit':
        return reply(
          (async () => {
            await running?.close();
            await closeApart?.();
            await listening?.close();
          })(),
        ).finally(() => process.exit(0));
      default:
        return reply(Promise.reject(new Error(`unknown command ${msg.cmd}`)));
    }
  });
  // The harness died: do not linger.
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: info });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
