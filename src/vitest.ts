/**
 * `mcp-oauth-test-server/vitest`: a realm per test, from one pair of servers per test worker.
 *
 *   const test = base.extend<{ realm: RealmHandle }>({ realm: realmFixture() });
 *
 * Nothing here is imported from vitest at run time (vitest stays the user's dependency, not ours):
 * a fixture is a plain function of vitest's shape.
 */
import type { RealmSpec } from './realms.js';
import { startServers, type RealmHandle, type RunningServers, type StartOptions } from './server.js';

import type { Report } from './report/card.js';
import type { Check } from './report/check.js';
import { findingsDiff, isFinding } from './report/format.js';

export type { RealmHandle } from './server.js';
export type { Report, Check };

/**
 * The worker's servers, kept on globalThis: vitest evaluates a test file's modules afresh for each
 * file it runs in a worker (isolation), and a module-level variable would start a pair per file.
 * The one piece of process-wide state in the package; the servers end with the worker's process.
 */
const SHARED = Symbol.for('mcp-oauth-test-server/vitest servers');
type Holder = { [SHARED]?: Promise<RunningServers> };

/**
 * The servers this worker's realms live on: started on first use (ports 0: workers never collide),
 * with `options` of the first call (later calls get the same servers whatever they pass).
 */
export function workerServers(options: StartOptions = {}): Promise<RunningServers> {
  const holder = globalThis as Holder;
  holder[SHARED] ??= startServers({ oauthPort: 0, mcpPort: 0, host: '127.0.0.1', ...options }).catch((err: unknown) => {
    // A failed start is not remembered: the next test tries again (and reports its own failure).
    delete holder[SHARED];
    throw err;
  });
  return holder[SHARED];
}

/**
 * A vitest fixture: each test gets a realm of its own (own clients, tokens, policy, faults, clock,
 * events), created before it runs and deleted after it, passed or failed. `spec` is what POST
 * /control/realms takes; leave `id` out when tests run in parallel (each realm gets a fresh one).
 */
export function realmFixture(spec: RealmSpec = {}, options: StartOptions = {}) {
  // vitest reads the fixtures a fixture depends on from its first parameter's destructuring: none.
  // eslint-disable-next-line no-empty-pattern
  return async ({}: object, use: (realm: RealmHandle) => Promise<void>): Promise<void> => {
    const servers = await workerServers(options);
    const realm = await servers.createRealm(spec);
    try {
      await use(realm);
    } finally {
      realm.delete();
    }
  };
}

export interface CleanOptions {
  /** Check ids whose FAILURE or WARNING is expected (e.g. a SHOULD your client knowingly skips). */
  allow?: readonly string[];
  /** 'allow': only FAILURE counts (WARNING is let through); default: both count. */
  warnings?: 'fail' | 'allow';
}

/**
 * Throws unless the card is clean: no FAILURE (and, unless `warnings: 'allow'`, no WARNING) outside
 * `allow`. The message is a diff of each finding against SUCCESS, with its reason and spec link. It
 * is a plain Error, so it fails a Vitest or a Jest test alike.
 *
 *   expectReportClean(servers.report());
 *   expectReportClean(servers.report(clientId) ?? [], { allow: ['state-parameter-sent'] });
 */
export function expectReportClean(report: Report | Check[], options: CleanOptions = {}): void {
  const allow = new Set(options.allow ?? []);
  const counts = (c: Check) => (c.status === 'FAILURE' || (c.status === 'WARNING' && options.warnings !== 'allow')) && !allow.has(c.id);
  const all = Array.isArray(report) ? report.map((check) => ({ client: check.clientId ?? 'client', check })) : report.clients.flatMap((c) => c.checks.map((check) => ({ client: c.clientId ?? c.key, check })));
  const findings = all.filter(({ check }) => isFinding(check) && counts(check));
  if (findings.length) throw new Error(findingsDiff(findings));
}
