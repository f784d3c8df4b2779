import type { ServerEvent } from '../events.js';

/**
 * What happened to one grant (one consent's family of tokens), step by step, as the event log saw
 * it: the code issued, redeemed for tokens, refreshed (rotating or not), and how it ended: revoked,
 * or killed by a reuse (a rotated refresh token presented again, OAuth 2.1 §4.3.1) or a replay (a
 * spent code redeemed again, §4.1.3). Plain data, for the dashboard's timeline and anyone else.
 */
export type StepKind = 'code' | 'tokens' | 'refresh' | 'rotation' | 'refused' | 'reuse' | 'replay' | 'revocation';

export interface LineageStep {
  kind: StepKind;
  eventId: number;
  at: string;
  status: number;
  outcome: string;
  /** Tokens the step revoked. */
  revoked?: number;
  reason?: string;
}

export interface GrantLineage {
  /** Abbreviated, as events carry it. */
  grantId: string;
  clientId?: string;
  steps: LineageStep[];
  /** How the grant ended, when it did. */
  ended?: 'revoked' | 'reuse' | 'replay';
}

/** Grants shown: the newest; older ones are still in the event log while it holds them. */
export const MAX_LINEAGE_GRANTS = 50;
/** Steps per grant: a client refreshing in a loop must not make one timeline the whole page. */
export const MAX_LINEAGE_STEPS = 40;

function kindOf(e: ServerEvent): StepKind | undefined {
  if (e.type !== 'request') return undefined;
  const ok = e.status < 400;
  if (e.endpoint === 'authorize') return ok ? 'code' : undefined;
  if (e.endpoint === 'revoke') return ok ? 'revocation' : undefined;
  if (e.endpoint !== 'token') return undefined;
  if (e.grant === 'refresh_token') return ok ? (e.rotated ? 'rotation' : 'refresh') : e.revoked ? 'reuse' : 'refused';
  if (e.grant === 'authorization_code') return ok ? 'tokens' : e.revoked ? 'replay' : 'refused';
  return ok ? 'tokens' : 'refused';
}

/** A revocation of a refresh token takes its grant along (RFC 7009 §2.1); an access token's takes one token. */
const endsGrant = (e: ServerEvent) => e.type === 'request' && e.endpoint === 'revoke' && (e.reason ?? '').includes('with its grant');

/** Each grant the events name, newest first (the grant whose latest step is newest). */
export function lineage(events: readonly ServerEvent[], maxGrants = MAX_LINEAGE_GRANTS): GrantLineage[] {
  const grants = new Map<string, GrantLineage & { last: number }>();
  for (const e of events) {
    if (e.type !== 'request' || !('grantId' in e) || e.grantId === undefined) continue;
    const kind = kindOf(e);
    if (kind === undefined) continue;
    let g = grants.get(e.grantId);
    if (!g) grants.set(e.grantId, (g = { grantId: e.grantId, steps: [], last: 0 }));
    if (g.clientId === undefined && 'clientId' in e && e.clientId !== undefined) g.clientId = e.clientId;
    const step: LineageStep = { kind, eventId: e.id, at: e.at, status: e.status, outcome: e.outcome };
    if ('revoked' in e && e.revoked !== undefined) step.revoked = e.revoked;
    if (e.reason !== undefined) step.reason = e.reason;
    // The first step (how it began) stays; beyond the cap the oldest of the rest make room.
    if (g.steps.length >= MAX_LINEAGE_STEPS) g.steps.splice(1, 1);
    g.steps.push(step);
    g.last = e.id;
    if (kind === 'reuse' || kind === 'replay') g.ended = kind;
    else if (kind === 'revocation' && endsGrant(e)) g.ended = 'revoked';
  }
  return [...grants.values()]
    .sort((a, b) => b.last - a.last)
    .slice(0, maxGrants)
    .map(({ last: _last, ...g }) => g);
}
