/**
 * Realms at scale (issue 16): in a fresh pinned server process run with --expose-gc, `count` realms
 * are created one after another with POST /control/realms from this process over a keep-alive
 * connection, as a test suite's fixture would; each creation's round trip is timed. The server's
 * heap is read after full collections before and after: the growth over `count` is the memory of one
 * idle realm. Then the same number again through `servers.createRealm()` in the server process
 * (the fixture's path, without HTTP), and finally every realm is deleted and the heap read once more.
 */
import http from 'node:http';
import { ServerProc } from './proc.js';
import type { Usage } from './server-proc.js';

export interface RealmsResult {
  count: number;
  /** Round trip of each POST /control/realms, ms. */
  httpMs: number[];
  /** Each `servers.createRealm()` in the server process, ms. */
  inProcessMs: number[];
  /** After GC: the servers started; `count` realms made over HTTP; every realm deleted. */
  baseline: Usage;
  loaded: Usage;
  ended: Usage;
  realmsAlive: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function createOverHttp(oauthUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(`${oauthUrl}/control/realms`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': 2 } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve(performance.now() - t0) : reject(new Error(`POST /control/realms answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

export async function realmsBench(pin: boolean, count: number): Promise<RealmsResult> {
  const proc = await ServerProc.start('realms', { pin, nodeFlags: ['--expose-gc'] });
  try {
    const oauthUrl = proc.info.oauthUrl!;
    // One realm first, outside the figures: the code paths it runs are compiled and warm by the next.
    await createOverHttp(oauthUrl);
    await proc.call('end-realms');
    const baseline = await proc.call<Usage>('settled-usage');
    const httpMs: number[] = [];
    for (let i = 0; i < count; i++) httpMs.push(await createOverHttp(oauthUrl));
    const loaded = await proc.call<Usage>('settled-usage');
    const realmsAlive = await proc.call<number>('realm-count');
    const inProcessMs = await proc.call<number[]>('create-realms', { count });
    await proc.call('end-realms');
    const ended = await proc.call<Usage>('settled-usage');
    return { count, httpMs, inProcessMs, baseline, loaded, ended, realmsAlive };
  } finally {
    agent.destroy();
    await proc.stop();
  }
}
