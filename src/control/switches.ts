import type { ServerName } from '../events.js';
import type { FaultSpec } from '../faults.js';
import type { ConsentMode, McpEra } from '../policy.js';
import type { Realm } from '../realm.js';
import { SWITCH_FAULT_IDS, type SwitchName } from './switch-table.js';

/** A switch the realm cannot apply as asked (a cap reached): nothing changed. */
export class SwitchRefused extends Error {
  override name = 'SwitchRefused';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

type Apply = (body: Record<string, unknown>, realm: Realm, server: ServerName) => Promise<string> | string;

/** A switch that is a standing fault: on adds it under its fixed id, off removes it. */
const standing = (spec: FaultSpec & { id: string }): Apply => ({ on }, realm) => {
  if (on) realm.faults.add(spec);
  else realm.faults.remove(spec.id);
  return on ? 'on' : 'off';
};

/**
 * What each switch does to the realm; returns the outcome its event records. Settings write the
 * policy, departures from the standard are faults (tied to the section they break).
 */
export const APPLY: Record<SwitchName, Apply> = {
  rotate: ({ on }, r) => (r.setPolicy({ rotateRefreshTokens: on as boolean }), on ? 'on' : 'off'),
  'expires-in': ({ seconds }, r) => (r.setPolicy({ accessTokenTtlSeconds: seconds as number }), `${seconds}s`),
  'revoke-access': async (_b, r) => `${await r.store.destroyAll('access')} revoked`,
  'invalid-grant': standing({
    id: SWITCH_FAULT_IDS['invalid-grant'],
    endpoint: 'token',
    grant: 'refresh_token',
    effect: { kind: 'oauth-error', error: 'invalid_grant', description: 'the refresh token is no longer valid (invalid-grant switch is on)' },
  }),
  'deny-consent': standing({
    id: SWITCH_FAULT_IDS['deny-consent'],
    endpoint: 'authorize',
    effect: { kind: 'oauth-error', error: 'access_denied', description: 'the user denied consent (deny-consent switch is on)' },
  }),
  consent: ({ mode }, r) => (r.setPolicy({ consent: mode as ConsentMode }), mode as string),
  'seed-refresh': async ({ token }, r) => {
    if (await r.seedRefresh(token as string)) return 'seeded';
    const cap = r.config.maxRefreshTokens;
    throw new SwitchRefused(`refresh tokens are full (${cap} kept, MAX_REFRESH_TOKENS): nothing seeded; POST /control/reset to clear them`, 429);
  },
  'force-403': standing({
    id: SWITCH_FAULT_IDS['force-403'],
    endpoint: 'mcp',
    rpcMethod: 'tools/call',
    effect: { kind: 'oauth-error', error: 'insufficient_scope', status: 403, description: 'the access token lacks the scope this tool needs (force-403 switch is on)' },
  }),
  'step-up': (body, r) => {
    const calls = 'calls' in body ? (body.calls as number) : (body.on as boolean);
    r.stepUp.arm(calls);
    return typeof calls === 'number' ? `${calls} calls` : calls ? 'on' : 'off';
  },
  era: ({ era }, r) => (r.setPolicy({ mcpEra: era as McpEra }), era as string),
  // The whole realm, asked on either port (issue 11: "reset means reset").
  reset: async (_b, r) => (await r.reset(), 'reset'),
};
