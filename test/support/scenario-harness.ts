import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import type { ControlClient } from '../../src/control/client.js';
import type { ServerEvent } from '../../src/events.js';
import type { RunningServers } from '../../src/server.js';
import { start } from './servers.js';

/**
 * What the scenario suites share, whichever client they drive: one pair of servers per file, reset
 * before each test, and the requests a test caused read back from the control plane's events.
 */
export const SEED = 'seeded-refresh-token-for-scenarios-0001';

export interface ScenarioHarness {
  readonly servers: RunningServers;
  readonly control: ControlClient;
  /** The id of the newest event when the test began: where its trail starts. */
  readonly testStart: number;
  /** Requests since the test began (or since `from`), as `METHOD path grant|rpc tool → outcome`. */
  trail(from?: number): Promise<string[]>;
  /** The id of the newest event: a mark to read a trail from. */
  lastId(): Promise<number>;
  /**
   * Waits for the client's standalone stream (GET /mcp, opened in the background after a legacy
   * connect) to be answered. GET authenticates first, so a revocation racing it would be met there
   * too (one more refresh than the row expects).
   */
  standaloneGetSince(from: number): Promise<void>;
}

/** Registers the file's servers (seeded refresh token) and the reset before each test. */
export function scenarioHarness(): ScenarioHarness {
  let s: RunningServers | undefined;
  let since = 0;
  const servers = (): RunningServers => {
    if (!s) throw new Error('scenarioHarness(): the servers run only while the file’s tests do');
    return s;
  };
  beforeAll(async () => {
    s = await start({ seedRefreshToken: SEED });
  });
  afterAll(() => s?.close());
  beforeEach(async () => {
    await servers().control.reset(); // back to startup: clients, tokens, switches, clock
    since = (await servers().control.state()).lastEventId;
  });
  const events = async (from: number): Promise<ServerEvent[]> => (await servers().control.events(from)).events;
  return {
    get servers() {
      return servers();
    },
    get control() {
      return servers().control;
    },
    get testStart() {
      return since;
    },
    async trail(from = since) {
      return (await events(from))
        .filter((e) => e.type === 'request')
        .map((e) => [e.method, e.path, e.endpoint === 'token' ? e.grant : undefined, ...(e.endpoint === 'mcp' ? [e.rpcMethod, e.tool] : [])].filter(Boolean).join(' ') + ` → ${e.outcome}`);
    },
    async lastId() {
      return (await servers().control.state()).lastEventId;
    },
    standaloneGetSince: (from) => standaloneGetSince(servers().control, from),
  };
}

/** See ScenarioHarness.standaloneGetSince: the same wait, for a file with servers of its own. */
export async function standaloneGetSince(control: ControlClient, from: number): Promise<void> {
  await expect.poll(async () => (await control.events(from)).events.some((e) => e.method === 'GET' && e.path === '/mcp'), { timeout: 30_000 }).toBe(true);
}

export const count = (lines: string[], re: RegExp): number => lines.filter((l) => re.test(l)).length;

export const refreshTokensOf = (history: Array<{ refresh_token?: string }>): string[] => history.map((t) => t.refresh_token).filter((t): t is string => Boolean(t));

/**
 * The "to test" column of the README's scenario table (section "Scenarios", the loop): the rows a
 * scenario suite must cover, read from the page users read, so a new row cannot go untested.
 */
export function readmeScenarioRows(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('| to test | set | trigger | a correct client |'));
  const rows: string[] = [];
  for (const line of table.split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|')[1]!.trim());
  }
  return rows;
}

/** The scope each /authorize that redirected asked for, in order (from the events since `from`). */
export async function authorizeScopes(control: ControlClient, from = 0): Promise<string[]> {
  const { events } = await control.events(from);
  return events.flatMap((e) => (e.type === 'request' && e.endpoint === 'authorize' && e.status === 302 ? [(e.scopes ?? []).join(' ')] : []));
}
