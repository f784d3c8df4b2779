import type { ServerName } from '../events.js';
import type { Counters, Realm } from '../realm.js';
import { abbreviate } from '../secrets.js';
import type { Fault } from './faults.js';

export interface Switches {
  rotate: boolean;
  /** Access-token TTL in force, seconds. */
  expiresIn: number;
  invalidGrant: boolean;
  denyConsent: boolean;
  force403: boolean;
}

export interface ControlState {
  server: ServerName;
  switches: Switches;
  counters: Counters;
  live: { clients: number; accessTokens: number; refreshTokens: number; codes: number };
  /** Live refresh tokens, abbreviated: enough to recognise one, not to use it. */
  refreshTokens: Array<{ token: string; clientId: string | null; scope: string; grant: string }>;
  faults: Fault[];
  clock: { offsetSeconds: number; now: string };
  lastEventId: number;
}

export const SWITCH_FAULT_IDS = { invalidGrant: 'invalid-grant', denyConsent: 'deny-consent', force403: 'force-403' } as const;

export function controlState(realm: Realm, server: ServerName): ControlState {
  const f = realm.faults;
  return {
    server,
    switches: {
      rotate: f.rotateRefreshTokens,
      expiresIn: realm.accessTokenTtl,
      invalidGrant: f.has(SWITCH_FAULT_IDS.invalidGrant),
      denyConsent: f.has(SWITCH_FAULT_IDS.denyConsent),
      force403: f.has(SWITCH_FAULT_IDS.force403),
    },
    counters: structuredClone(realm.counters),
    live: realm.store.counts,
    refreshTokens: realm.store.liveRefreshTokens().map(([t, r]) => ({
      token: abbreviate(t)!,
      clientId: r.clientId,
      scope: r.scope.join(' '),
      grant: abbreviate(r.grantId)!,
    })),
    faults: f.list(),
    clock: { offsetSeconds: realm.clock.offsetSeconds, now: new Date(realm.clock.now()).toISOString() },
    lastEventId: realm.events.lastId,
  };
}
