/** One autocannon run, in this process, with per-connection requests and both sides' CPU measured. */
import autocannon from 'autocannon';
import type { ServerProc } from './proc.js';

export interface LoadSpec {
  /** Origin (or any URL on it): the requests carry their own paths. */
  url: string;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  duration: number;
  /** A fixed number of requests instead of a duration (each must present something unique). */
  amount?: number;
  /**
   * Called once per connection: that connection's own request list. Closures hold per-connection
   * state (autocannon resets `context` whenever the list wraps, and shares request objects between
   * connections unless each connection gets its own through `setupClient`).
   */
  requests: () => autocannon.Request[];
  /** A body check; failures are counted in `mismatches`. */
  verify?: (body: string) => boolean;
}

export interface LoadResult {
  /** 200 answers per second: only successes count. */
  rps: number;
  ok: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  statusCodes: Record<string, number>;
  durationS: number;
  latencyMs: { avg: number; p50: number; p90: number; p99: number; max: number };
  /** Share of one core used during the run, 0..1 (process CPU time / wall time). */
  serverCpu?: number;
  /** 200 answers per second of server CPU time: robust to other load on the machine. */
  okPerCpuS?: number;
  clientCpu: number;
}

export async function load(spec: LoadSpec, server?: ServerProc): Promise<LoadResult> {
  const before = await server?.usage();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.duration }),
    timeout: 10,
    ...(spec.verify ? { verifyBody: spec.verify as (b: unknown) => boolean } : {}),
    setupClient: (client) => client.setRequests(spec.requests()),
  });
  const wallUs = (performance.now() - t0) * 1000;
  const cpu = process.cpuUsage(cpu0);
  const after = await server?.usage();
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = s.count ?? 0;
  const ok = statusCodes['200'] ?? 0;
  return {
    rps: ok / r.duration,
    ok,
    total: Object.values(statusCodes).reduce((a, b) => a + b, 0),
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    mismatches: r.mismatches,
    statusCodes,
    durationS: r.duration,
    latencyMs: { avg: r.latency.average, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    serverCpu: before && after ? (after.cpuUs - before.cpuUs) / wallUs : undefined,
    okPerCpuS: before && after ? ok / ((after.cpuUs - before.cpuUs) / 1e6) : undefined,
    clientCpu: (cpu.user + cpu.system) / wallUs,
  };
}
