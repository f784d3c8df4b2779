import { readFileSync } from 'node:fs';
import { optionsFromEverywhere } from './env.js';
import { ControlClient, ControlError } from '../control/client.js';
import type { ControlState } from '../control/state.js';
import { resolveConfig } from '../config.js';
import { SWITCHES, SWITCH_ALIASES, SWITCH_NAMES, type ArgKind } from '../control/switch-table.js';
import { defaultBaseUrl } from '../urls.js';
import { formatEvent } from '../events.js';
import { UsageError } from './args.js';
import { didYouMean } from '../control/did-you-mean.js';

type Arg = 'none' | 'onoff' | 'seconds' | 'token';
interface Scenario {
  arg: Arg;
  does: string;
  run: (c: ControlClient, value: boolean | number | string | undefined) => Promise<unknown>;
}

const SCENARIO_ARG: Record<ArgKind, Arg> = { on: 'onoff', seconds: 'seconds', token: 'token', none: 'none' };

/** One scenario per switch, under the switch's one name (from the switch table), plus a few views. */
export const SCENARIOS: Record<string, Scenario> = {
  state: { arg: 'none', does: 'show switches, counters and live refresh tokens', run: (c) => c.state() },
  ...Object.fromEntries(
    SWITCH_NAMES.map((name) => {
      const sw = SWITCHES[name];
      const also = sw.aliases.length ? ` (also: ${sw.aliases.join(', ')})` : '';
      const scenario: Scenario = { arg: SCENARIO_ARG[sw.arg], does: `${sw.does}${also}`, run: (c, value) => c.switch(name, value as never) };
      return [name, scenario];
    }),
  ),
  events: { arg: 'none', does: 'print the recent events of both servers', run: (c) => c.events(0) },
  advance: { arg: 'seconds', does: "move the servers' clock forward (expiry without waiting)", run: (c, s) => c.advanceClock(s as number) },
};

export function scenarioUsage(): string {
  const rows = Object.entries(SCENARIOS).map(([name, s]) => {
    const arg = s.arg === 'onoff' ? '[on|off]' : s.arg === 'seconds' ? '<secs>' : s.arg === 'token' ? '<token>' : '';
    return `  ${`${name} ${arg}`.padEnd(22)} ${s.does}`;
  });
  return `usage: npm run scenario -- <name> [on|off|secs]\n       mcp-oauth-test-server scenario <name> [on|off|secs]\n\nscenarios:\n${rows.join('\n')}\n\nIt talks to OAUTH_PORT/MCP_PORT (or OAUTH_BASE_URL/MCP_BASE_URL), over HTTPS when ./certs exists.`;
}

function parseValue(name: string, s: Scenario, raw: string | undefined): boolean | number | string | undefined {
  if (s.arg === 'token') {
    if (raw === undefined) throw new UsageError(`${name} needs a token, e.g. ${name} my-refresh-token`);
    return raw;
  }
  if (s.arg === 'none') {
    if (raw !== undefined) throw new UsageError(`${name} takes no argument`);
    return undefined;
  }
  if (s.arg === 'onoff') {
    if (raw === undefined || raw === 'on') return true;
    if (raw === 'off') return false;
    throw new UsageError(`${name} takes on or off, not ${JSON.stringify(raw)}`);
  }
  if (raw === undefined) throw new UsageError(`${name} needs a number of seconds, e.g. ${name} 5`);
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`${name} takes a positive whole number of seconds, not ${JSON.stringify(raw)}`);
  return Number(raw);
}

function summary(state: ControlState): string {
  const s = state.switches;
  const onoff = (b: boolean) => (b ? 'on' : 'off');
  return [
    `switches: rotate=${onoff(s.rotate)} expires-in=${s['expires-in']}s invalid-grant=${onoff(s['invalid-grant'])} deny-consent=${onoff(s['deny-consent'])} force-403=${onoff(s['force-403'])}`,
    `counters: tokenCalls=${state.counters.tokenCalls} (${Object.entries(state.counters.tokenCallsByGrant).map(([g, n]) => `${g}=${n}`).join(', ') || 'none'}) refreshes=${state.counters.refreshes} introspections=${state.counters.introspections} authorize=${state.counters.authorizeCalls} registrations=${state.counters.registrations} toolCalls=${state.counters.toolCalls}`,
    `live: ${state.live.clients} clients, ${state.live.accessTokens} access tokens, ${state.live.refreshTokens} refresh tokens`,
    ...state.refreshTokens.map((r) => `  refresh ${r.token} client=${r.clientId ?? '(any)'} scope="${r.scope}"`),
    ...(state.faults.length ? [`faults: ${state.faults.map((f) => `${f.id}(${f.endpoint} ${f.effect.kind}${f.remaining !== null ? ` ×${f.remaining}` : ''})`).join(', ')}`] : []),
  ].join('\n');
}

/** `scenario <name> [arg]`: exit 0 done, 1 server unreachable or refused, 2 bad usage. */
export async function runScenario(words: string[], flags: Record<string, string>): Promise<number> {
  const [name, raw, ...rest] = words;
  if (!name) throw new UsageError('which scenario?');
  // The contract's other scenario names (bad-scope, dead-refresh…) keep working.
  const canonical = SWITCH_ALIASES.get(name) ?? name;
  const s = SCENARIOS[canonical];
  if (!s) throw new UsageError(`unknown scenario ${JSON.stringify(name)}${didYouMean(name, [...Object.keys(SCENARIOS), ...SWITCH_ALIASES.keys()])}`);
  if (rest.length) throw new UsageError(`too many arguments: ${rest.join(' ')}`);
  const value = parseValue(name, s, raw);

  const { tlsFromCertsDir: _, ...options } = optionsFromEverywhere(flags);
  const config = resolveConfig(options);
  const tls = Boolean(config.tlsCertFile);
  const oauthUrl = config.oauthBaseUrl ?? defaultBaseUrl(config.host, config.oauthPort, tls);
  const mcpUrl = config.mcpBaseUrl ?? defaultBaseUrl(config.host, config.mcpPort, tls);
  const ca = config.tlsCertFile ? readFileSync(config.tlsCertFile, 'utf8') : undefined;
  const client = new ControlClient({ oauthUrl, mcpUrl, token: config.controlToken, ca });
  try {
    const result = await s.run(client, value);
    if (canonical === 'events') {
      const [as, rs] = [(result as Awaited<ReturnType<ControlClient['events']>>).events, (await client.events(0, 'mcp')).events];
      const all = [...new Map([...as, ...rs].map((e) => [`${e.server}${e.id}${e.at}`, e])).values()].sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id);
      console.log(all.map(formatEvent).join('\n') || '(no events yet)');
    } else if (canonical === 'advance') {
      console.log(`[scenario] clock advanced ${value}s → ${(result as { now: string }).now}`);
    } else {
      const label = raw === undefined ? name : `${name} ${raw}`;
      if (canonical !== 'state') console.log(`[scenario] ${label} ✓`);
      console.log(summary(result as ControlState));
    }
    return 0;
  } catch (err) {
    if (err instanceof ControlError) {
      console.error(`[scenario] ${err.message}`);
      return 1;
    }
    throw err;
  }
}
