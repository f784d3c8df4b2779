import type { CachedDocumentView } from '../cimd-cache.js';
import type { ServerName } from '../events.js';
import type { Fault } from '../faults.js';
import type { ConsentMode, McpEra } from '../policy.js';
import type { Profile } from '../profiles/profile.js';
import type { Counters, Realm } from '../realm.js';
import { abbreviate } from '../secrets.js';
import type { StepUpCount } from '../step-up.js';
import { isLive, type StoreCounts } from '../store/store.js';
import { SWITCH_FAULT_IDS } from './switch-table.js';

/** The switches with a state, under their one name (the control path's). */
export interface Switches {
  rotate: boolean;
  /** Access-token TTL in force, seconds. */
  'expires-in': number;
  'invalid-grant': boolean;
  'deny-consent': boolean;
  /** How /authorize decides: automatic approval, or the consent page. */
  consent: ConsentMode;
  'force-403': boolean;
  /** Tool calls the step-up switch still challenges; true while on, false when off. */
  'step-up': number | boolean;
  /** The protocol eras /mcp serves. */
  era: McpEra;
}

export interface ControlState {
  server: ServerName;
  switches: Switches;
  /** The spec preset and persona in force (GET /control/profile says which layer set each policy value). */
  profile: Profile;
  counters: Counters;
  live: StoreCounts;
  /** The clients CLIENTS_FILE registers (counted in `live.clients`): no control call removes them, and reset brings them back. */
  preregistered: { count: number; clientIds: string[] };
  /** Live refresh tokens, abbreviated: enough to recognise one, not to use it. */
  refreshTokens: Array<{ token: string; clientId: string | null; scope: string; grant: string }>;
  faults: Fault[];
  /** Step-up challenges and re-authorizations per client (the last MAX_STEP_UP_CLIENTS clients). */
  stepUp: Record<string, StepUpCount>;
  /** Clients read from client ID metadata documents, while their documents are fresh (client_id = the URL). */
  cimdClients: CachedDocumentView[];
  clock: { offsetSeconds: number; now: string };
  lastEventId: number;
}

export async function controlState(realm: Realm, server: ServerName): Promise<ControlState> {
  const f = realm.faults;
  const now = realm.clock.now();
  const refresh = (await realm.store.list('refresh')).filter(([, r]) => isLive(r, now));
  return {
    server,
    switches: {
      rotate: realm.policy.rotateRefreshTokens,
      'expires-in': realm.policy.accessTokenTtlSeconds,
      'invalid-grant': f.has(SWITCH_FAULT_IDS['invalid-grant']),
      'deny-consent': f.has(SWITCH_FAULT_IDS['deny-consent']),
      consent: realm.policy.consent,
      'force-403': f.has(SWITCH_FAULT_IDS['force-403']),
      'step-up': realm.stepUp.switchState,
      era: realm.policy.mcpEra,
    },
    profile: { ...realm.profile },
    counters: structuredClone(realm.counters),
    live: await realm.store.counts(),
    preregistered: { count: realm.config.clients.length, clientIds: realm.config.clients.map((c) => c.client_id) },
    refreshTokens: refresh.map(([t, r]) => ({
      token: abbreviate(t)!,
      clientId: r.clientId,
      scope: r.scope.join(' '),
      grant: abbreviate(r.grantId)!,
    })),
    faults: f.list(),
    stepUp: realm.stepUp.counts(),
    cimdClients: realm.cimd.list(now),
    clock: { offsetSeconds: realm.clock.offsetSeconds, now: new Date(realm.clock.now()).toISOString() },
    lastEventId: realm.events.lastId,
  };
}
