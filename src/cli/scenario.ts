import { ControlClient, ControlError } from '../control/client.js';
import { didYouMean } from '../control/did-you-mean.js';
import { SWITCHES, SWITCH_ALIASES, SWITCH_NAMES, type ArgKind, type SwitchName } from '../control/switch-table.js';
import { formatEvent, type ServerEvent } from '../events.js';
import { CONSENT_MODES, MCP_ERAS } from '../policy.js';
import { refuseBools, UsageError, type ParsedArgs } from './args.js';
import { EventCursor, followEvents } from './events.js';
import { invocation } from './invocation.js';
import { FAULT_USAGE, faultCommand } from './fault-command.js';
import { summary, type Out } from './print.js';
import { findTarget, type Target } from './target.js';

type Arg = 'none' | 'onoff' | 'seconds' | 'token' | 'follow' | 'calls' | 'era' | 'consent';
/** The words a switch of one of a few values takes. */
const CHOICES = { era: MCP_ERAS, consent: CONSENT_MODES } as const;
type Value = boolean | number | string | undefined;
interface Scenario {
  arg: Arg;
  does: string;
  /** Without `out` it prints nothing (a caller in code wants the effect, not the text). */
  run: (c: ControlClient, value: Value, target?: Target, out?: Out) => Promise<void>;
}

const QUIET: Out = { json: false, line: () => {}, answer: () => {} };

const SCENARIO_ARG: Record<ArgKind, Arg> = { on: 'onoff', seconds: 'seconds', token: 'token', none: 'none', calls: 'calls', era: 'era', consent: 'consent' };

/**
 * `off` for a seconds switch is the value the server started with: its state file records that;
 * a server found by its ports alone gets the lifetime this command reads (flag, environment, .env).
 */
function startupSeconds(name: SwitchName, target: Target | undefined): number {
  const recorded = (target?.record?.startupSwitches as unknown as Record<string, unknown> | undefined)?.[name];
  return typeof recorded === 'number' ? recorded : (target ?? findTarget({})).config.tokenTtlSeconds;
}

function switchScenario(name: SwitchName): Scenario {
  const sw = SWITCHES[name];
  return {
    arg: SCENARIO_ARG[sw.arg],
    does: `${sw.does}${sw.aliases.length ? ` (also: ${sw.aliases.join(', ')})` : ''}`,
    run: async (c, value, target, out = QUIET) => {
      const v = sw.arg === 'seconds' && value === 'off' ? startupSeconds(name, target) : value;
      const state = await c.switch(name, v as never);
      const said = value === undefined ? '' : value === 'off' ? ` off (${v}s, the startup value)` : typeof value === 'boolean' ? (value ? ' on' : ' off') : ` ${value}`;
      out.answer(state, () => `[scenario] ${name}${said} ✓\n${summary(state)}`);
    },
  };
}

const printEvents = (out: Out) => (e: ServerEvent) => (out.json ? out.line(JSON.stringify(e)) : out.line(formatEvent(e)));

/** One scenario per switch, under the switch's one name (from the switch table), plus a few views. */
export const SCENARIOS: Record<string, Scenario> = {
  state: {
    arg: 'none',
    does: 'show switches, counters, live refresh tokens and faults',
    run: async (c, _v, _t, out = QUIET) => {
      const state = await c.state();
      out.answer(state, () => summary(state));
    },
  },
  ...Object.fromEntries(SWITCH_NAMES.map((name) => [name, switchScenario(name)])),
  events: {
    arg: 'follow',
    does: 'print the recent events of both servers (--follow: and then each as it happens, until Ctrl-C)',
    run: async (c, follow, _t, out = QUIET) => {
      if (follow) return followEvents(c, printEvents(out));
      const events = await new EventCursor(c).next();
      out.answer({ events }, () => events.map(formatEvent).join('\n') || '(no events yet)');
    },
  },
  advance: {
    arg: 'seconds',
    does: "move the servers' clock forward (expiry without waiting)",
    run: async (c, s, _t, out = QUIET) => {
      const r = await c.advanceClock(s as number);
      out.answer(r, () => `[scenario] clock advanced ${s}s → ${r.now}`);
    },
  },
};

export function scenarioUsage(): string {
  const argOf = (a: Arg) => (a === 'onoff' ? '[on|off]' : a === 'calls' ? '[<calls>|on|off]' : a === 'era' || a === 'consent' ? `<${CHOICES[a].join('|')}>` : a === 'seconds' ? '<secs>' : a === 'token' ? '<token>' : a === 'follow' ? '[--follow]' : '');
  const rows = [
    ...Object.entries(SCENARIOS).map(([name, s]) => [`${name} ${argOf(s.arg)}${s.arg === 'seconds' && name !== 'advance' ? '|off' : ''}`, s.does] as const),
    ...FAULT_USAGE,
  ].map(([what, does]) => `  ${what.padEnd(24)} ${does}`);
  const cmd = invocation('scenario');
  return `usage: ${cmd} <name> [on|off|secs|token] [--json]

scenarios:
${rows.join('\n')}

--json prints the control plane's answer as JSON (events --follow: one event per line).
It talks to the server that ${invocation('start')} started in this directory (it records where it listens),
else to OAUTH_PORT/MCP_PORT or OAUTH_BASE_URL/MCP_BASE_URL; a flag or environment variable naming
them wins. HTTPS when ./certs exists.`;
}

function parseValue(name: string, s: Scenario, raw: string | undefined, follow: boolean): Value {
  if (follow && s.arg !== 'follow') throw new UsageError(`${name} takes no --follow (events does)`);
  if (s.arg === 'follow') {
    if (raw !== undefined) throw new UsageError(`${name} takes no argument`);
    return follow;
  }
  if (s.arg === 'token') {
    if (raw === undefined) throw new UsageError(`${name} needs a token, e.g. ${name} my-refresh-token`);
    return raw;
  }
  if (s.arg === 'none') {
    if (raw !== undefined) throw new UsageError(`${name} takes no argument`);
    return undefined;
  }
  if (s.arg === 'calls') {
    if (raw === undefined || raw === 'on') return true;
    if (raw === 'off') return false;
    if (/^\d+$/.test(raw) && Number(raw) >= 1) return Number(raw);
    throw new UsageError(`${name} takes a positive whole number of calls, on or off, not ${JSON.stringify(raw)}`);
  }
  if (s.arg === 'era' || s.arg === 'consent') {
    const choices: readonly string[] = CHOICES[s.arg];
    if (raw !== undefined && choices.includes(raw)) return raw;
    throw new UsageError(`${name} takes ${choices.join(', ')}${raw === undefined ? '' : `, not ${JSON.stringify(raw)}`}`);
  }
  if (s.arg === 'onoff') {
    if (raw === undefined || raw === 'on') return true;
    if (raw === 'off') return false;
    throw new UsageError(`${name} takes on or off, not ${JSON.stringify(raw)}`);
  }
  const takesOff = name !== 'advance';
  if (raw === 'off' && takesOff) return 'off';
  if (raw === undefined) throw new UsageError(`${name} needs a number of seconds, e.g. ${name} 5${takesOff ? ` (or off: back to the startup value)` : ''}`);
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`${name} takes a positive whole number of seconds${takesOff ? ' or off' : ''}, not ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** `scenario <name> [arg]`: exit 0 done, 1 server unreachable or refused, 2 bad usage. */
export async function runScenario(words: string[], args: ParsedArgs): Promise<number> {
  refuseBools(args, 'scenario', ['json', 'follow']);
  const [name, ...rest] = words;
  if (!name) throw new UsageError('which scenario?');
  let run: (c: ControlClient, target: Target, out: Out) => Promise<void>;
  if (name === 'fault') {
    if (args.bools.has('follow')) throw new UsageError('fault takes no --follow (events does)');
    const fault = faultCommand(rest);
    run = (c, _t, out) => fault(c, out);
  } else {
    // The contract's other scenario names (bad-scope, dead-refresh…) keep working.
    const canonical = SWITCH_ALIASES.get(name) ?? name;
    const s = SCENARIOS[canonical];
    if (!s) throw new UsageError(`unknown scenario ${JSON.stringify(name)}${didYouMean(name, [...Object.keys(SCENARIOS), 'fault', ...SWITCH_ALIASES.keys()])}`);
    const [raw, ...extra] = rest;
    if (extra.length) throw new UsageError(`too many arguments: ${extra.join(' ')}`);
    const value = parseValue(name, s, raw, args.bools.has('follow'));
    run = (c, target, out) => s.run(c, value, target, out);
  }

  const json = args.bools.has('json');
  const target = findTarget(args.flags);
  const client = new ControlClient({ oauthUrl: target.oauthUrl, mcpUrl: target.mcpUrl, token: target.token, ca: target.ca });
  const out: Out = {
    json,
    line: (s) => console.log(s),
    answer: (raw, text) => console.log(json ? JSON.stringify(raw, null, 2) : text()),
  };
  // With --json, stdout is the answer alone; where it was sent goes to stderr.
  (json ? console.error : console.log)(`[scenario] ${target.oauthUrl} · ${target.mcpUrl} (${target.foundBy})`);
  try {
    await run(client, target, out);
    return 0;
  } catch (err) {
    if (!(err instanceof ControlError)) throw err;
    const unreachable = err.status === undefined;
    // Looked only where the settings point: say that nothing was started here either, and what to do.
    const hint = !unreachable
      ? ''
      : target.how === 'defaults'
        ? ` No server was started here either: start one with ${invocation('start')}, or name its ports (--oauth-port, --mcp-port).`
        : target.how === 'record'
          ? ` Its process (pid ${target.record!.pid}) still runs but does not answer: stop it, or name the ports (--oauth-port, --mcp-port).`
          : '';
    console.error(`[scenario] ${err.message}${hint}`);
    return 1;
  }
}
