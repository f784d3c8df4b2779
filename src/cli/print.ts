import type { ControlState } from '../control/state.js';
import { SWITCHES, SWITCH_NAMES } from '../control/switch-table.js';
import type { Fault } from '../faults.js';

/** What a scenario prints: `--json` the control plane's answer as it came, otherwise a readable form. */
export interface Out {
  json: boolean;
  line: (s: string) => void;
  answer: (raw: unknown, text: () => string) => void;
}

type StateSwitches = ControlState['switches'];

/** Switches by their one name, in the table's order (the state's keys are those names). */
function switchLine(s: StateSwitches): string {
  const shown = SWITCH_NAMES.flatMap((name) => {
    const sw = SWITCHES[name];
    const value = (s as unknown as Record<string, boolean | number | string | undefined>)[name];
    if (value === undefined) return [];
    return [`${name}=${typeof value === 'string' ? value : typeof value === 'number' ? (sw.arg === 'calls' ? `${value}-calls` : `${value}s`) : value ? 'on' : 'off'}`];
  });
  return `switches: ${shown.join(' ')}`;
}

export function faultLine(f: Pick<Fault, 'id' | 'endpoint' | 'grant' | 'rpcMethod' | 'remaining'> & { hits?: number; effect?: Fault['effect']; kind?: string }): string {
  const where = f.grant ?? f.rpcMethod ? `${f.endpoint}[${f.grant ?? f.rpcMethod}]` : f.endpoint;
  const e = f.effect;
  const what = !e
    ? f.kind
    : e.kind === 'oauth-error'
      ? `oauth-error ${e.error}${e.status ? ` ${e.status}` : ''}`
      : e.kind === 'status'
        ? `status ${e.status}`
        : e.kind === 'latency'
          ? `latency ${e.ms}ms`
          : e.kind === 'omit'
            ? `omit ${e.fields.join(',')}`
            : e.kind === 'cimd'
              ? `cimd ${e.problem}`
              : e.kind === 'token-shape'
                ? `token-shape ${e.quirk}`
                : e.kind;
  const left = f.remaining === null ? 'until removed' : `${f.remaining} left`;
  return `${f.id}  ${where} ${what} (${left}${f.hits !== undefined ? `, ${f.hits} hits` : ''})`;
}

export function summary(state: ControlState): string {
  const c = state.counters;
  return [
    switchLine(state.switches),
    `counters: tokenCalls=${c.tokenCalls} (${Object.entries(c.tokenCallsByGrant).map(([g, n]) => `${g}=${n}`).join(', ') || 'none'}) refreshes=${c.refreshes} introspections=${c.introspections} authorize=${c.authorizeCalls} registrations=${c.registrations} toolCalls=${c.toolCalls}`,
    `live: ${state.live.clients} clients, ${state.live.accessTokens} access tokens, ${state.live.refreshTokens} refresh tokens`,
    ...state.refreshTokens.map((r) => `  refresh ${r.token} client=${r.clientId ?? '(any)'} scope="${r.scope}"`),
    ...(state.faults.length ? ['faults:', ...state.faults.map((f) => `  ${faultLine(f)}`)] : []),
  ].join('\n');
}
