import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS, scenarioUsage } from '../../src/cli/scenario.js';
import { ControlClient } from '../../src/control/client.js';
import type { ControlState } from '../../src/control/state.js';
import { ARGS, SWITCHES, SWITCH_ALIASES, SWITCH_NAMES, type ArgValue, type SwitchName } from '../../src/control/switch-table.js';
import type { RunningServers } from '../../src/server.js';
import { get, post } from '../support/control.js';
import { obtainTokens } from '../support/oauth.js';
import { rsBase, start } from '../support/servers.js';
import { bearer } from '../support/http.js';
import { callTool, initializeBody, postMcp, toolsListBody } from '../support/mcp.js';

/**
 * One table, three faces: every SWITCHES entry is a route on the right server(s), a ControlClient
 * method of its name and a CLI scenario with its `does` text. The table is walked, so a new entry is
 * covered (and needs an effect below, or this file does not compile).
 */

let s: RunningServers;
let servers: { oauth: string; mcp: string };

beforeAll(async () => {
  s = await start();
  servers = { oauth: s.oauthUrl, mcp: rsBase(s) };
});
afterAll(() => s?.close());
// Back to the startup state over plain HTTP, not through what is under test here.
afterEach(async () => {
  expect((await post(servers.mcp, '/control/reset')).status).toBe(200);
  expect((await post(servers.oauth, '/control/reset')).status).toBe(200);
});

type Table = typeof SWITCHES;
const STATE_KEYS = ['cimdClients', 'clock', 'counters', 'faults', 'lastEventId', 'live', 'preregistered', 'profile', 'refreshTokens', 'server', 'stepUp', 'switches'];
const STARTUP_SWITCHES = { rotate: false, 'expires-in': 3600, 'invalid-grant': false, 'deny-consent': false, 'force-403': false, 'step-up': false, era: 'dual', consent: 'auto' };
const SEED = 'seeded-by-the-switch-table-0123';

/** What one call of each switch does, as GET /control/state shows it. */
const EFFECTS: { [N in SwitchName]: { value: ArgValue<Table[N]['arg']>; prep?: () => Promise<void>; check: (state: ControlState) => void | Promise<void> } } = {
  rotate: {
    value: true,
    check: async (st) => {
      expect(st.switches).toEqual({ ...STARTUP_SWITCHES, rotate: true });
      expect((await get(servers.oauth, '/control/policy')).json.policy.rotateRefreshTokens).toBe(true);
    },
  },
  'expires-in': {
    value: 7,
    check: async (st) => {
      expect(st.switches).toEqual({ ...STARTUP_SWITCHES, 'expires-in': 7 });
      expect((await obtainTokens(servers.oauth)).tokens.expires_in).toBe(7);
    },
  },
  'revoke-access': {
    value: undefined,
    prep: async () => {
      await obtainTokens(servers.oauth);
      const before = (await get(servers.oauth, '/control/state')).json as ControlState;
      expect(before.live.accessTokens).toBe(1);
    },
    check: (st) => {
      expect(st.live.accessTokens).toBe(0);
      expect(st.live.refreshTokens).toBe(1);
      expect(st.switches).toEqual(STARTUP_SWITCHES);
    },
  },
  'invalid-grant': {
    value: true,
    check: (st) => {
      expect(st.switches).toEqual({ ...STARTUP_SWITCHES, 'invalid-grant': true });
      expect(st.faults.map((f) => [f.id, f.endpoint, f.grant])).toEqual([['invalid-grant', 'token', 'refresh_token']]);
    },
  },
  consent: {
    value: 'page',
    check: async (st) => {
      expect(st.switches).toEqual({ ...STARTUP_SWITCHES, consent: 'page' });
      expect((await get(servers.oauth, '/control/policy')).json.policy.consent).toBe('page');
    },
  },
  'deny-consent': {
    value: true,
    check: (st) => {
      expect(st.switches).toEqual({ ...STARTUP_SWITCHES, 'deny-consent': true });
      expect(st.faults.map((f) => [f.id, f.endpoint])).toEqual([['deny-consent', 'authorize']]);
    },
  },
  era: {
    value: 'modern',
    check: async (st) => {
      expect(st.switches).toEqual({ ...STARTUP_SWITCHES, era: 'modern' });
      expect((await get(servers.oauth, '/control/policy')).json.policy.mcpEra).toBe('modern');
      // A 2025 initialize now meets a modern-only server (the eras tests go through every answer).
      const { tokens } = await obtainTokens(servers.oauth, { resource: s.mcpUrl });
      const res = await postMcp(s.mcpUrl, initializeBody(), bearer(tokens.access_token));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32022);
    },
  },
  'seed-refresh': {
    value: SEED,
    check: (st) => {
      expect(st.refreshTokens).toEqual([expect.objectContaining({ token: `${SEED.slice(0, 6)}…${SEED.slice(-4)}`, clientId: null })]);
    },
  },
  'force-403': {
    value: true,
    check: (st) => {
      expect(st.switches).toEqual({ ...STARTUP_SWITCHES, 'force-403': true });
      expect(st.faults.map((f) => [f.id, f.endpoint, f.rpcMethod])).toEqual([['force-403', 'mcp', 'tools/call']]);
    },
  },
  'step-up': {
    value: 2,
    check: async (st) => {
      expect(st.switches).toEqual({ ...STARTUP_SWITCHES, 'step-up': 2 });
      // One call challenged for mcp:admin, and one of the two calls used up.
      const { tokens } = await obtainTokens(servers.oauth);
      expect((await callTool(s.mcpUrl, tokens.access_token)).status).toBe(403);
      expect(((await get(servers.oauth, '/control/state')).json as ControlState).switches['step-up']).toBe(1);
    },
  },
  reset: {
    value: undefined,
    prep: async () => {
      await post(servers.mcp, '/control/step-up', '{"on":true}');
      await post(servers.oauth, '/control/rotate', '{"on":true}');
      await post(servers.mcp, '/control/force-403', '{"on":true}');
      await obtainTokens(servers.oauth);
      await postMcp(s.mcpUrl, toolsListBody());
      const before = (await get(servers.oauth, '/control/state')).json as ControlState;
      expect(before.counters.mcpRequests).toBe(1);
      expect(before.live.clients).toBe(1);
    },
    check: (st) => {
      expect(st.switches).toEqual(STARTUP_SWITCHES);
      expect(st.faults).toEqual([]);
      expect(st.live).toEqual({ clients: 0, codes: 0, accessTokens: 0, refreshTokens: 0 });
      expect(st.counters.registrations).toBe(0);
      // The MCP server's own counters: reset there too (the client calls both servers).
      expect(st.counters.mcpRequests).toBe(0);
    },
  },
};

/** A body each switch accepts, from its argument kind. */
const BODY: Record<keyof typeof ARGS, string | undefined> = { on: '{"on":true}', seconds: '{"seconds":5}', token: '{"token":"switch-table-token"}', none: undefined, calls: '{"calls":2}', era: '{"era":"legacy"}', consent: '{"mode":"page"}' };

describe('the switch table', () => {
  it("has one name per switch, and the original contract's other scenario names as aliases, each once", () => {
    for (const name of ['state', 'rotate', 'deny-consent', 'reset', ...SWITCH_NAMES]) expect(Object.keys(SCENARIOS)).toContain(name);
    for (const [alias, name] of [['expire-access', 'expires-in'], ['revoke', 'revoke-access'], ['dead-refresh', 'invalid-grant'], ['bad-scope', 'force-403']]) {
      expect(SWITCH_ALIASES.get(alias!)).toBe(name);
      expect(Object.keys(SCENARIOS)).not.toContain(alias);
    }
    const methods = SWITCH_NAMES.map((n) => SWITCHES[n].method);
    expect(new Set(methods).size).toBe(SWITCH_NAMES.length);
    const aliases = SWITCH_NAMES.flatMap((n) => [...SWITCHES[n].aliases]);
    expect(new Set([...aliases, ...SWITCH_NAMES]).size).toBe(aliases.length + SWITCH_NAMES.length);
    // A switch's scenario must not shadow one of the views (state, events, advance).
    expect(Object.keys(SCENARIOS)).toHaveLength(SWITCH_NAMES.length + 3);
  });

  describe.each(SWITCH_NAMES)('%s', (name) => {
    const sw = SWITCHES[name];
    const on: Array<'oauth' | 'mcp'> = sw.server === 'both' ? ['oauth', 'mcp'] : [sw.server];
    const off = (['oauth', 'mcp'] as const).filter((x) => !on.includes(x));

    it(`POST /control/${name} answers 200 with the state on ${sw.server === 'both' ? 'both servers' : `the ${sw.server} server only`}`, async () => {
      for (const server of on) {
        const res = await post(servers[server], `/control/${name}`, BODY[sw.arg]);
        expect(res.status, res.text).toBe(200);
        expect(Object.keys(res.json).sort()).toEqual(STATE_KEYS);
        expect(res.json.server).toBe(server);
        expect(Object.keys(res.json.switches).sort()).toEqual(Object.keys(STARTUP_SWITCHES).sort());
        // The body is checked against the table's argument kind, and a refusal quotes its example.
        const refused = await post(servers[server], `/control/${name}`, '{"unexpected":1}');
        expect(refused.status).toBe(400);
        expect(refused.json).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining(`expected ${ARGS[sw.arg].example}`) });
      }
      for (const server of off) {
        const res = await post(servers[server], `/control/${name}`, BODY[sw.arg]);
        expect(res.status).toBe(404);
        expect(res.json.error).toBe('not_found');
        expect(res.json.valid).not.toContain(`POST /control/${name}`);
      }
      for (const server of on) expect((await post(servers[server], '/control/nope')).json.valid).toContain(`POST /control/${name}`);
    });

    it(`ControlClient.${sw.method}() works end to end`, async () => {
      const method = (ControlClient.prototype as unknown as Record<string, unknown>)[sw.method];
      expect(method).toBeTypeOf('function');
      const effect = EFFECTS[name];
      await effect.prep?.();
      const call = method as (this: ControlClient, value?: unknown) => Promise<ControlState>;
      const answered = await call.call(s.control, effect.value);
      // It answers the state of the server that serves the switch (the AS for one served by both).
      expect(answered.server).toBe(sw.server === 'mcp' ? 'mcp' : 'oauth');
      const state = (await get(servers.oauth, '/control/state')).json as ControlState;
      expect(answered.switches).toEqual(state.switches);
      await effect.check(state);
    });

    it(`scenario ${name}: its does text, its argument, and it runs the switch`, async () => {
      const scenario = SCENARIOS[name];
      expect(scenario, `SCENARIOS.${name}`).toBeDefined();
      expect(scenario!.does.startsWith(sw.does)).toBe(true);
      expect(scenario!.arg).toBe({ on: 'onoff', seconds: 'seconds', token: 'token', none: 'none', calls: 'calls', era: 'era', consent: 'consent' }[sw.arg]);
      const row = scenarioUsage()
        .split('\n')
        .find((l) => l.trimStart().startsWith(`${name} `));
      expect(row, `usage row for ${name}`).toBeDefined();
      expect(row).toContain(sw.does);
      const effect = EFFECTS[name];
      await effect.prep?.();
      const client = new ControlClient({ oauthUrl: servers.oauth, mcpUrl: s.mcpUrl });
      await scenario!.run(client, effect.value as boolean | number | string | undefined);
      await effect.check((await get(servers.oauth, '/control/state')).json as ControlState);
    });
  });
});
